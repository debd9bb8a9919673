"""``<pool type='iscsi-direct'>``: the LUNs of one iSCSI target, through libiscsi.

No kernel initiator is involved: libiscsi (:mod:`.libiscsi`, as libvirt's
backend uses it) logs in to the target of ``<source><device path='IQN'/>``
on the portal of ``<host>`` as the initiator of ``<initiator><iqn
name=>`` (with the CHAP password of ``<auth type='chap'>`` from the secret
driver), and QEMU's iscsi block driver (libiscsi again) reaches the LUNs
for guests.

As libvirt's backend: every LUN is a volume named ``unit:0:0:LUN`` whose
key and path are ``ip-HOST:PORT-iscsi-IQN-lun-LUN``; its capacity is READ
CAPACITY(16)'s last block address times the block length (0 when the LUN
answers none, as a controller LUN); the pool's capacity and allocation
are their sum, available 0.  Volumes cannot be created, deleted, resized
or uploaded to (VIR_ERR_NO_SUPPORT with libvirt's words); guests read
them as ``<disk type='network'><source protocol='iscsi'>``.
"""

from __future__ import annotations

from typing import Any

from pyvirt import constants as C
from pyvirt.conf.storage_pool import PoolType, StoragePoolDef
from pyvirt.conf.storage_vol import StorageVolDef, VolTarget, VolType
from pyvirt.drivers.storage.backends import Backend, libiscsi
from pyvirt.drivers.storage.backends.netauth import secret_value
from pyvirt.errors import libvirtError, report

_FROM = C.VIR_FROM_STORAGE
DEFAULT_PORT = 3260


def portal(pool: StoragePoolDef) -> str:
    """``HOST:PORT`` of the pool's first host (libvirt uses that one)."""
    host = pool.source.hosts[0]
    return f"{host.name}:{host.port or DEFAULT_PORT}"


def target_of(pool: StoragePoolDef) -> str:
    """The target IQN (``<device path=>``)."""
    if not pool.source.devices:
        raise report(C.VIR_ERR_XML_ERROR, "missing storage pool source device path", _FROM)
    return pool.source.devices[0].path


def vol_path(pool: StoragePoolDef, lun: int) -> str:
    """A LUN's key and path, as libvirt writes them."""
    return f"ip-{portal(pool)}-iscsi-{target_of(pool)}-lun-{lun}"


class IscsiDirectBackend(Backend):
    """Pools that are one iSCSI target reached by libiscsi; volumes are its LUNs."""

    pool_type = PoolType.ISCSI_DIRECT

    def _session(self, pool: StoragePoolDef) -> Any:
        auth = pool.source.auth
        chap = None
        if auth is not None:
            chap = (auth.username, secret_value(self.root, auth).decode(errors="replace"))
        return libiscsi.session(pool.source.initiator_iqn or "", target_of(pool),
                                portal(pool), chap)

    def start(self, pool: StoragePoolDef) -> None:
        if not pool.source.initiator_iqn:
            raise report(C.VIR_ERR_CONFIG_UNSUPPORTED, "missing initiator IQN", _FROM)

    def refresh(self, pool: StoragePoolDef) -> list[StorageVolDef]:
        vols = []
        with self._session(pool) as sess:
            for lun in sess.report_luns():
                found = sess.read_capacity(lun)
                # libvirt multiplies the last block's address (not the count) by the size
                cap = found[0] * found[1] if found else 0
                path = vol_path(pool, lun)
                vols.append(StorageVolDef(name=f"unit:0:0:{lun}", type=VolType.NETWORK,
                                          key=path, capacity=cap, allocation=cap,
                                          target=VolTarget(path=path),
                                          pool_type=PoolType.ISCSI_DIRECT))
        pool.capacity = pool.allocation = sum(v.capacity for v in vols)
        pool.available = 0
        return vols

    def is_running(self, pool: StoragePoolDef) -> bool:
        try:
            with self._session(pool) as sess:
                sess.report_luns()
        except libvirtError:
            return False
        return True

    def update_sizes(self, pool: StoragePoolDef) -> None:
        """Nothing changes the LUNs through the pool."""

    # --- what libvirt's backend does not do -------------------------------------------
    @staticmethod
    def _none(what: str) -> libvirtError:
        return report(C.VIR_ERR_NO_SUPPORT, f"storage pool {what}", _FROM)

    def place_vol(self, pool: StoragePoolDef, vol: StorageVolDef) -> None:
        raise self._none("does not support volume creation")

    def delete_vol(self, pool: StoragePoolDef, vol: StorageVolDef, flags: int) -> None:
        raise self._none("does not support vol deletion")

    def resize_vol(self, pool: StoragePoolDef, vol: StorageVolDef, capacity: int,
                   flags: int) -> None:
        raise self._none("does not support changing of volume capacity")

    def open_io(self, pool: StoragePoolDef, vol: StorageVolDef, writable: bool) -> Any:
        raise self._none("doesn't support volume upload" if writable else
                         "doesn't support volume download")

    # --- guests -------------------------------------------------------------------------
    def disk_source(self, pool: StoragePoolDef, vol: StorageVolDef, disk: Any) -> None:
        from pyvirt.drivers.storage.backends.netdisk import network_source
        lun = vol.name.rsplit(":", 1)[-1]
        network_source(disk, "iscsi", f"{target_of(pool)}/{lun}", pool, DEFAULT_PORT)
