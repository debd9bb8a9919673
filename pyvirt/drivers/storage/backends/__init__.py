"""One module per pool type, each behind :class:`Backend`.

A backend knows how a pool's storage is made, started, stopped and
listed, and how its volumes are created, cloned, resized, wiped and
deleted.  The driver keeps the objects, locks, files and events; a backend
only touches the storage.  Pool types without a backend are refused with
``VIR_ERR_NO_SUPPORT`` naming the type.
"""

from __future__ import annotations

from typing import Any

from pyvirt import constants as C
from pyvirt.conf.storage_pool import PoolType, StoragePoolDef
from pyvirt.conf.storage_vol import StorageVolDef
from pyvirt.errors import report


class Backend:
    """The operations of one pool type (the defaults refuse with NO_SUPPORT)."""

    pool_type: PoolType = PoolType.DIR
    #: the host root of the driver (set by the driver: backends that need a secret
    #: look it up in the root's secret driver)
    root: Any = None
    #: deleting a volume may rename others (logical partitions): the driver rescans
    rescan_after_delete: bool = False

    def _no(self, what: str) -> Exception:
        return report(C.VIR_ERR_NO_SUPPORT, f"storage pool type '{self.pool_type.value}' "
                      f"does not support {what}", C.VIR_FROM_STORAGE)

    def is_running(self, pool: StoragePoolDef) -> bool:
        """Whether the storage of a pool marked running is still there (after a restart)."""
        return True

    def build(self, pool: StoragePoolDef, flags: int) -> None:
        """Make the pool's storage (a directory, a file system...)."""
        raise self._no("pool build")

    def start(self, pool: StoragePoolDef) -> None:
        """Make the storage usable (mount, activate...)."""

    def stop(self, pool: StoragePoolDef) -> None:
        """Undo :meth:`start`."""

    def delete(self, pool: StoragePoolDef, flags: int) -> None:
        """Remove the pool's storage."""
        raise self._no("pool delete")

    def refresh(self, pool: StoragePoolDef) -> list[StorageVolDef]:
        """Set the pool's sizes and return the volumes found in it."""
        raise self._no("pool refresh")

    def update_sizes(self, pool: StoragePoolDef) -> None:
        """Set the pool's capacity, allocation and available after a volume changed."""

    def refresh_vol(self, pool: StoragePoolDef, vol: StorageVolDef) -> StorageVolDef | None:
        """The volume as it is now (None: gone)."""
        return vol

    def place_vol(self, pool: StoragePoolDef, vol: StorageVolDef) -> None:
        """Give a new volume its target path and key."""
        raise self._no("volume creation")

    def create_vol(self, pool: StoragePoolDef, vol: StorageVolDef, flags: int) -> None:
        """Create a new volume's storage."""
        raise self._no("volume creation")

    def clone_vol(self, pool: StoragePoolDef, vol: StorageVolDef, src: StorageVolDef,
                  flags: int) -> None:
        """Create a new volume as a copy of ``src``."""
        raise self._no("volume cloning")

    def clone_into_block(self, pool: StoragePoolDef, vol: StorageVolDef, src: StorageVolDef,
                         flags: int) -> None:
        """A clone for pools whose volumes are block devices: make the volume, then copy
        ``src``'s data into it as raw with ``qemu-img convert -n`` (undone on failure)."""
        from pyvirt.drivers.storage import volfile
        self.create_vol(pool, vol, flags)
        try:
            volfile.run_command([volfile.QEMU_IMG, "convert", "-n", "-f",
                                 src.target.format or "raw", "-O", "raw",
                                 src.target.path or "", vol.target.path or ""])
        except BaseException:
            self.delete_vol(pool, vol, 0)
            raise

    def delete_vol(self, pool: StoragePoolDef, vol: StorageVolDef, flags: int) -> None:
        """Remove a volume's storage."""
        raise self._no("volume deletion")

    def resize_vol(self, pool: StoragePoolDef, vol: StorageVolDef, capacity: int,
                   flags: int) -> None:
        """Change a volume's capacity."""
        raise self._no("volume resize")

    def wipe_vol(self, pool: StoragePoolDef, vol: StorageVolDef, algorithm: int) -> None:
        """Overwrite a volume's data."""
        raise self._no("volume wiping")

    def open_io(self, pool: StoragePoolDef, vol: StorageVolDef, writable: bool) -> Any:
        """A :class:`~pyvirt.drivers.storage.transfer.VolumeIO` for uploads and downloads
        (None: the volume's file)."""
        return None

    def disk_source(self, pool: StoragePoolDef, vol: StorageVolDef, disk: Any) -> None:
        """Point a guest's ``<disk type='volume'>`` at the volume (by default its file)."""
        disk.source.file = vol.target.path


    def find_sources(self, spec: str | None) -> str:
        """``<sources>`` XML of the pools of this type the host offers."""
        raise report(C.VIR_ERR_NO_SUPPORT, f"pool type '{self.pool_type.value}' does not "
                     "support source discovery", C.VIR_FROM_STORAGE)


def spec_host(spec: str | None) -> tuple[str, int | None]:
    """The one ``<host name= port=>`` of a find-storage-pool-sources ``<source>`` spec;
    libvirt's error when there is none."""
    from lxml import etree
    node = None
    if spec:
        try:
            node = etree.fromstring(spec.encode()).find("host")
        except etree.XMLSyntaxError:
            node = None
    if node is None or not node.get("name"):
        raise report(C.VIR_ERR_CONFIG_UNSUPPORTED,
                     "Expected exactly 1 host for the storage pool", C.VIR_FROM_STORAGE)
    port = node.get("port")
    return node.get("name", ""), int(port) if port and port.isdigit() else None


def need_tool(name: str) -> str:
    """The path of program ``name``; libvirt's error naming it when it is not installed."""
    import shutil
    path = shutil.which(name)
    if path is None:
        raise report(C.VIR_ERR_SYSTEM_ERROR, f"Cannot find '{name}' in path: No such file or "
                     "directory", C.VIR_FROM_NONE)
    return path


# pool type -> (module, class) of the types with a backend
_BACKENDS = {
    PoolType.DISK: ("disk", "DiskBackend"),
    PoolType.LOGICAL: ("logical", "LogicalBackend"),
    PoolType.NETFS: ("netfs", "NetfsBackend"),
    PoolType.ISCSI: ("iscsi", "IscsiBackend"),
    PoolType.SCSI: ("scsi", "ScsiBackend"),
    PoolType.MPATH: ("mpath", "MpathBackend"),
    PoolType.ZFS: ("zfs", "ZfsBackend"),
    PoolType.VSTORAGE: ("vstorage", "VstorageBackend"),
    PoolType.GLUSTER: ("gluster", "GlusterBackend"),
}


def backend_for(kind: PoolType) -> Backend:
    """The backend of pool type ``kind``; VIR_ERR_NO_SUPPORT for types not done yet."""
    if kind in _MORE:
        return _MORE[kind]()
    if kind is PoolType.DIR:
        from pyvirt.drivers.storage.backends.dir import DirBackend
        return DirBackend()
    if kind is PoolType.FS:
        from pyvirt.drivers.storage.backends.fs import FsBackend
        return FsBackend()
    if kind in _BACKENDS:
        import importlib
        module, cls = _BACKENDS[kind]
        made: Backend = getattr(importlib.import_module(
            f"pyvirt.drivers.storage.backends.{module}"), cls)()
        return made
    if kind is PoolType.SHEEPDOG:
        # libvirt dropped sheepdog (its cluster software is gone); 9.0 answers this
        raise report(C.VIR_ERR_INTERNAL_ERROR, "missing backend for pool type 10 (sheepdog)",
                     C.VIR_FROM_STORAGE)
    raise report(C.VIR_ERR_NO_SUPPORT, f"storage pool type '{kind.value}' is not supported "
                 "by pyvirt's storage driver yet", C.VIR_FROM_STORAGE)


def _rbd() -> Backend:
    from pyvirt.drivers.storage.backends.rbd import RbdBackend
    return RbdBackend()


def _iscsi_direct() -> Backend:
    from pyvirt.drivers.storage.backends.iscsi_direct import IscsiDirectBackend
    return IscsiDirectBackend()


def _iscsi() -> Backend:
    from pyvirt.drivers.storage.backends.iscsi import IscsiBackend
    return IscsiBackend()


# network pool types, one module each (imported on first use)
_MORE = {PoolType.RBD: _rbd, PoolType.ISCSI_DIRECT: _iscsi_direct, PoolType.ISCSI: _iscsi}
