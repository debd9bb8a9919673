"""``<pool type='rbd'>``: a Ceph pool; volumes are its RBD images.

librados/librbd through Ceph's Python bindings (:mod:`.cephlib`), as
libvirt's storage_backend_rbd does it: the monitors of ``<source><host>``,
the cephx user of ``<auth username=>`` with its key from the secret driver
(the secret's value is the raw key; Ceph takes it base64-encoded), libvirt's
timeouts (30 s), format-2 images.  Sizes are libvirt's: the pool's
capacity and available are the cluster's, its allocation the bytes the
Ceph pool holds; an image's allocation its object count times the object
size (its whole size), as libvirt 9.0 reports it.  Clones are COW
clones of a protected snapshot of the source (``libvirt-N``, as libvirt
names them) when the source has layering, else copies.

One connection per pool, opened at start or first use and closed at stop.
Volumes' paths and keys are ``POOL/IMAGE``; guests reach them as
``<disk type='network'><source protocol='rbd' name='POOL/IMAGE'>``.
"""

from __future__ import annotations

import base64
import errno
import random
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from pyvirt import constants as C
from pyvirt.conf.storage_pool import PoolType, StoragePoolDef
from pyvirt.conf.storage_vol import StorageVolDef, VolTarget, VolType
from pyvirt.drivers.storage.backends import Backend
from pyvirt.drivers.storage.backends.cephlib import modules
from pyvirt.drivers.storage.backends.netauth import secret_value
from pyvirt.errors import libvirtError, report, report_system

_FROM = C.VIR_FROM_STORAGE
TIMEOUT = "30"                      # libvirt's client mount / mon op / osd op timeouts
DEFAULT_PORT = 6789

_lock = threading.Lock()
_conns: dict[str, tuple[tuple[str, ...], Any, Any]] = {}   # pool uuid -> (conf, rados, ioctx)


def _errno(exc: BaseException) -> int:
    return int(getattr(exc, "errno", None) or errno.EIO)


def mon_host(pool: StoragePoolDef) -> str:
    """librados' ``mon_host`` for a pool's hosts, written as libvirt writes it."""
    return "".join(f"{h.name}:{h.port}," if h.port else f"{h.name}," for h in
                   pool.source.hosts)


def _settings(root: Any, pool: StoragePoolDef) -> tuple[str, ...]:
    """(user, key, mon_host): what the connection is made of."""
    auth = pool.source.auth
    if auth is None:
        return ("", "", mon_host(pool))
    key = base64.b64encode(secret_value(root, auth)).decode()
    return (auth.username, key, mon_host(pool))


def _connect(settings: tuple[str, ...], pool_name: str) -> tuple[Any, Any]:
    rados, _rbd = modules()
    user, key, mons = settings
    cluster = rados.Rados(rados_id=user or None, conffile=rados.Rados.NO_CONF_FILE)
    try:
        opts = {"auth_supported": "cephx" if user else "none", "mon_host": mons,
                "client_mount_timeout": TIMEOUT, "rados_mon_op_timeout": TIMEOUT,
                "rados_osd_op_timeout": TIMEOUT, "rbd_default_format": "2"}
        if user:
            opts["key"] = key
        for name, value in opts.items():
            cluster.conf_set(name, value)
        with _ceph_errors(f"failed to connect to the RADOS monitor on: {mons}"):
            cluster.connect()
        with _ceph_errors(f"failed to create the RBD IoCTX. Does the pool '{pool_name}' "
                          "exist?"):
            ioctx = cluster.open_ioctx(pool_name)
    except BaseException:
        cluster.shutdown()
        raise
    return cluster, ioctx


@contextmanager
def _ceph_errors(message: str) -> Iterator[None]:
    """Report librados/librbd failures in the block as libvirt does: ``message`` and the
    error's errno text."""
    rados, rbd = modules()
    try:
        yield
    except (rados.Error, rbd.Error) as exc:
        raise report_system(_errno(exc), message, _FROM) from None


def _close(uuid: str) -> None:
    with _lock:
        entry = _conns.pop(uuid, None)
    if entry is not None:
        _conf, cluster, ioctx = entry
        ioctx.close()
        cluster.shutdown()


class _ImageIO:
    """A :class:`~pyvirt.drivers.storage.transfer.VolumeIO` on an open RBD image.

    Writes are asynchronous, at most IN_FLIGHT at a time (an upload is then as fast
    as ``rbd import``); :meth:`sync` waits for them and flushes.  A failed write is
    reported by the next call.
    """

    IN_FLIGHT = 8

    def __init__(self, image: Any, name: str) -> None:
        self.image, self.name = image, name
        self.size = int(image.size())
        self.pending: list[Any] = []

    def pread(self, size: int, offset: int) -> bytes:
        size = max(0, min(size, self.size - offset))
        if not size:
            return b""
        with _ceph_errors(f"failed to read from RBD image '{self.name}'"):
            return bytes(self.image.read(offset, size))

    def _reap(self, keep: int) -> None:
        while len(self.pending) > keep:
            done = self.pending.pop(0)
            done.wait_for_complete_and_cb()
            ret = done.get_return_value()
            if ret < 0:
                self.pending.clear()
                raise report_system(-ret, f"failed to write to RBD image '{self.name}'",
                                    _FROM)

    def pwrite(self, data: memoryview, offset: int) -> int:
        if offset + len(data) > self.size:
            raise report(C.VIR_ERR_INVALID_ARG, f"write beyond the end of RBD image "
                         f"'{self.name}' ({self.size} bytes)", _FROM)
        self._reap(self.IN_FLIGHT - 1)
        with _ceph_errors(f"failed to write to RBD image '{self.name}'"):
            self.pending.append(self.image.aio_write(bytes(data), offset, None))
        return len(data)

    def sync(self) -> None:
        self._reap(0)
        with _ceph_errors(f"failed to flush RBD image '{self.name}'"):
            self.image.flush()

    def close(self) -> None:
        try:
            self._reap(0)
        except libvirtError:
            pass                    # an aborted upload: its failures no longer matter
        self.image.close()


def _changed_since(image: Any, snap: str) -> bool:
    """Whether ``image`` was written since its snapshot ``snap``."""
    changed = [False]

    def seen(_offset: int, _length: int, _exists: bool) -> int:
        changed[0] = True
        return 0
    image.diff_iterate(0, image.size(), snap, seen)
    return changed[0]


class RbdBackend(Backend):
    """Pools that are Ceph pools; volumes are RBD images."""

    pool_type = PoolType.RBD

    # --- the connection ---------------------------------------------------------------
    def _conn(self, pool: StoragePoolDef) -> tuple[Any, Any]:
        """The pool's cluster handle and I/O context, connecting (again) when its settings
        changed."""
        settings = _settings(self.root, pool)
        with _lock:
            entry = _conns.get(pool.uuid)
            if entry is not None and entry[0] == settings:
                return entry[1], entry[2]
        _close(pool.uuid)
        cluster, ioctx = _connect(settings, pool.source.name or "")
        with _lock:
            _conns[pool.uuid] = (settings, cluster, ioctx)
        return cluster, ioctx

    def _ioctx(self, pool: StoragePoolDef) -> Any:
        return self._conn(pool)[1]

    def start(self, pool: StoragePoolDef) -> None:
        self._ioctx(pool)

    def stop(self, pool: StoragePoolDef) -> None:
        _close(pool.uuid)

    def is_running(self, pool: StoragePoolDef) -> bool:
        try:
            self._ioctx(pool)
        except libvirtError:
            return False
        return True

    # --- pool ---------------------------------------------------------------------------
    def update_sizes(self, pool: StoragePoolDef) -> None:
        cluster, ioctx = self._conn(pool)
        with _ceph_errors("failed to stat the RADOS cluster"):
            stats = cluster.get_cluster_stats()
        with _ceph_errors(f"failed to stat the RADOS pool '{pool.source.name}'"):
            pool_stats = ioctx.get_stats()
        pool.capacity = int(stats["kb"]) * 1024
        pool.available = int(stats["kb_avail"]) * 1024
        pool.allocation = int(pool_stats["num_bytes"])

    def refresh(self, pool: StoragePoolDef) -> list[StorageVolDef]:
        ioctx = self._ioctx(pool)
        self.update_sizes(pool)
        _rados, rbd = modules()
        vols = []
        for name in sorted(rbd.RBD().list(ioctx)):
            try:
                vols.append(self._describe(pool, ioctx, name))
            except libvirtError as exc:
                # an image removed meanwhile (or unreachable) is left out, as libvirt does
                if exc.get_error_code() != C.VIR_ERR_SYSTEM_ERROR:
                    raise
        return vols

    def _describe(self, pool: StoragePoolDef, ioctx: Any, name: str) -> StorageVolDef:
        _rados, rbd = modules()
        with _ceph_errors(f"failed to open the RBD image '{name}'"):
            image = rbd.Image(ioctx, name, read_only=True)
        try:
            with _ceph_errors(f"failed to stat the RBD image '{name}'"):
                st = image.stat()
        finally:
            image.close()
        # libvirt 9.0 reports every object of an image as allocated, written or not
        # (measured side by side; a fast-diff count would say less): the same here
        vol = StorageVolDef(name=name, type=VolType.NETWORK, capacity=int(st["size"]),
                            allocation=int(st["obj_size"]) * int(st["num_objs"]),
                            pool_type=PoolType.RBD)
        path = f"{pool.source.name}/{name}"
        vol.key = path
        vol.target = VolTarget(path=path, format="raw")
        return vol

    def refresh_vol(self, pool: StoragePoolDef, vol: StorageVolDef) -> StorageVolDef | None:
        try:
            return self._describe(pool, self._ioctx(pool), vol.name)
        except libvirtError as exc:
            if exc.get_error_code() == C.VIR_ERR_SYSTEM_ERROR and \
                    "No such file" in str(exc):
                return None
            raise

    # --- volumes --------------------------------------------------------------------------
    def place_vol(self, pool: StoragePoolDef, vol: StorageVolDef) -> None:
        vol.type = VolType.NETWORK
        vol.target.path = vol.key = f"{pool.source.name}/{vol.name}"
        vol.target.format = "raw"

    def create_vol(self, pool: StoragePoolDef, vol: StorageVolDef, flags: int) -> None:
        if vol.target.encryption is not None:
            raise report(C.VIR_ERR_CONFIG_UNSUPPORTED, "storage pool does not support "
                         "encrypted volumes", _FROM)
        _rados, rbd = modules()
        with _ceph_errors(f"failed to create volume '{pool.source.name}/{vol.name}'"):
            rbd.RBD().create(self._ioctx(pool), vol.name, vol.capacity, old_format=False)

    def clone_vol(self, pool: StoragePoolDef, vol: StorageVolDef, src: StorageVolDef,
                  flags: int) -> None:
        _rados, rbd = modules()
        ioctx = self._ioctx(pool)
        src_ioctx = ioctx
        src_pool, _sep, src_name = (src.target.path or "").partition("/")
        if src_pool != pool.source.name:
            raise report(C.VIR_ERR_NO_SUPPORT, "cloning an RBD image from another Ceph pool "
                         f"('{src_pool}')", _FROM)
        with _ceph_errors(f"failed to clone RBD volume {src.target.path} to {vol.name}"):
            with rbd.Image(src_ioctx, src_name) as image:
                if image.features() & rbd.RBD_FEATURE_LAYERING:
                    snap = self._clone_snapshot(image, src_name)
                    rbd.RBD().clone(src_ioctx, src_name, snap, ioctx, vol.name,
                                    features=image.features(), order=image.stat()["order"],
                                    stripe_unit=image.stripe_unit(),
                                    stripe_count=image.stripe_count())
                else:
                    image.copy(ioctx, vol.name)
            if vol.capacity > src.capacity:
                with rbd.Image(ioctx, vol.name) as child:
                    child.resize(vol.capacity)

    @staticmethod
    def _clone_snapshot(image: Any, name: str) -> str:
        """A protected snapshot of ``image`` for a clone: one without changes since, if
        there is one, else a new ``libvirt-N``."""
        for snap in image.list_snaps():
            if not _changed_since(image, snap["name"]):
                if not image.is_protected_snap(snap["name"]):
                    image.protect_snap(snap["name"])
                return str(snap["name"])
        snap_name = f"libvirt-{random.randint(0, 0xFFFF)}"
        image.create_snap(snap_name)
        image.protect_snap(snap_name)
        return snap_name

    def delete_vol(self, pool: StoragePoolDef, vol: StorageVolDef, flags: int) -> None:
        _rados, rbd = modules()
        ioctx = self._ioctx(pool)
        with _ceph_errors(f"failed to remove volume '{pool.source.name}/{vol.name}'"):
            if flags & C.VIR_STORAGE_VOL_DELETE_WITH_SNAPSHOTS:
                with rbd.Image(ioctx, vol.name) as image:
                    for snap in list(image.list_snaps()):
                        if image.is_protected_snap(snap["name"]):
                            image.unprotect_snap(snap["name"])
                        image.remove_snap(snap["name"])
            rbd.RBD().remove(ioctx, vol.name)

    def resize_vol(self, pool: StoragePoolDef, vol: StorageVolDef, capacity: int,
                   flags: int) -> None:
        _rados, rbd = modules()
        with _ceph_errors(f"failed to resize the RBD image '{vol.name}'"), \
                rbd.Image(self._ioctx(pool), vol.name) as image:
            image.resize(capacity)

    def wipe_vol(self, pool: StoragePoolDef, vol: StorageVolDef, algorithm: int) -> None:
        if algorithm not in (C.VIR_STORAGE_VOL_WIPE_ALG_ZERO, C.VIR_STORAGE_VOL_WIPE_ALG_TRIM):
            raise report(C.VIR_ERR_INVALID_ARG, f"unsupported algorithm {algorithm}", _FROM)
        _rados, rbd = modules()
        with _ceph_errors(f"failed to wipe RBD image '{vol.name}'"), \
                rbd.Image(self._ioctx(pool), vol.name) as image:
            image.discard(0, image.size())

    def open_io(self, pool: StoragePoolDef, vol: StorageVolDef, writable: bool) -> Any:
        _rados, rbd = modules()
        with _ceph_errors(f"failed to open the RBD image '{vol.name}'"):
            image = rbd.Image(self._ioctx(pool), vol.name, read_only=not writable)
        return _ImageIO(image, vol.name)

    # --- guests -------------------------------------------------------------------------
    def disk_source(self, pool: StoragePoolDef, vol: StorageVolDef, disk: Any) -> None:
        from pyvirt.drivers.storage.backends.netdisk import network_source
        network_source(disk, "rbd", vol.target.path or "", pool, DEFAULT_PORT)


def forget_all() -> None:
    """Close every pool's connection (for tests that stop a cluster)."""
    for uuid in list(_conns):
        _close(uuid)


__all__ = ["RbdBackend", "forget_all", "mon_host"]
