"""``<pool type='mpath'>``: the host's multipath devices (device-mapper ``mpath-``).

A refresh lists ``/sys/block/dm-*`` whose device-mapper uuid starts with
``mpath-``, each a volume ``dm-N`` at ``/dev/mapper/NAME``.  Without
device-mapper there are none, and the pool runs empty, as libvirt's does.
Volumes cannot be created or deleted (VIR_ERR_NO_SUPPORT, as in libvirt).
"""

from __future__ import annotations

import glob
import os

from pyvirt.conf.storage_pool import PoolType, StoragePoolDef
from pyvirt.conf.storage_vol import StorageVolDef, VolTarget, VolType
from pyvirt.drivers.storage.backends import Backend


def _read(path: str) -> str:
    try:
        with open(path) as fh:
            return fh.read().strip()
    except OSError:
        return ""


class MpathBackend(Backend):
    """Pools of multipath devices."""

    pool_type = PoolType.MPATH

    def build(self, pool: StoragePoolDef, flags: int) -> None:
        """Nothing to make."""

    def refresh(self, pool: StoragePoolDef) -> list[StorageVolDef]:
        vols = []
        for dm in sorted(glob.glob("/sys/block/dm-*")):
            if not _read(f"{dm}/dm/uuid").startswith("mpath-"):
                continue
            name = _read(f"{dm}/dm/name")
            path = f"/dev/mapper/{name}"
            vol = StorageVolDef(name=os.path.basename(dm), type=VolType.BLOCK, key=path,
                                pool_type=pool.type)
            vol.target = VolTarget(path=path)
            vol.capacity = vol.allocation = int(_read(f"{dm}/size") or 0) * 512
            vols.append(vol)
        pool.capacity = pool.allocation = sum(v.capacity for v in vols)
        pool.available = 0
        return vols
