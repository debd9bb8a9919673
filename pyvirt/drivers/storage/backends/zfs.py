"""``<pool type='zfs'>``: a ZFS pool; volumes are its zvols.

The command lines (``zpool``/``zfs``, as libvirt runs them) are built by
the functions below.  Starting needs the ZFS tools and the kernel's zfs
module; without them the start fails naming what is missing.
"""

from __future__ import annotations

import os

from pyvirt import constants as C
from pyvirt.conf.storage_pool import PoolType, StoragePoolDef
from pyvirt.conf.storage_vol import StorageVolDef, VolTarget, VolType
from pyvirt.drivers.storage.backends import Backend, need_tool
from pyvirt.drivers.storage.volfile import run_command
from pyvirt.errors import report

_FROM = C.VIR_FROM_STORAGE


def _name(pool: StoragePoolDef) -> str:
    return pool.source.name or pool.name


def zpool_create_argv(pool: StoragePoolDef) -> list[str]:
    """Make the ZFS pool of the source devices."""
    return ["zpool", "create", _name(pool), *(d.path for d in pool.source.devices)]


def zpool_get_argv(name: str) -> list[str]:
    """Size, allocation and free bytes of the ZFS pool, tab separated."""
    return ["zpool", "get", "-Hp", "health,size,free,allocated", name]


def zfs_list_argv(name: str) -> list[str]:
    """The pool's zvols: name, volume size, reservation."""
    return ["zfs", "list", "-Hp", "-t", "volume", "-r", "-o", "name,volsize,refreservation",
            name]


def zfs_create_argv(name: str, vol: StorageVolDef) -> list[str]:
    """A zvol of the volume's capacity (sparse, -s, when its allocation is below)."""
    sparse = ["-s"] if vol.allocation < vol.capacity else []
    return ["zfs", "create", *sparse, "-V", f"{(vol.capacity + 1023) // 1024}K",
            f"{name}/{vol.name}"]


def zfs_destroy_argv(name: str, vol: str) -> list[str]:
    """Destroy zvol ``vol``."""
    return ["zfs", "destroy", f"{name}/{vol}"]


def _need_zfs() -> None:
    need_tool("zpool")
    need_tool("zfs")
    if not os.path.isdir("/sys/module/zfs"):
        raise report(C.VIR_ERR_OPERATION_FAILED, "the kernel's zfs module is not loaded",
                     _FROM)


class ZfsBackend(Backend):
    """Pools that are a ZFS pool."""

    pool_type = PoolType.ZFS

    def is_running(self, pool: StoragePoolDef) -> bool:
        return os.path.isdir("/sys/module/zfs")

    def build(self, pool: StoragePoolDef, flags: int) -> None:
        _need_zfs()
        run_command(zpool_create_argv(pool))

    def start(self, pool: StoragePoolDef) -> None:
        _need_zfs()
        run_command(zpool_get_argv(_name(pool)))

    def refresh(self, pool: StoragePoolDef) -> list[StorageVolDef]:
        name = _name(pool)
        props = {}
        for line in run_command(zpool_get_argv(name)).splitlines():
            f = line.split("\t")
            if len(f) >= 3:
                props[f[1]] = f[2]
        pool.capacity = int(props.get("size", 0))
        pool.available = int(props.get("free", 0))
        pool.allocation = int(props.get("allocated", 0))
        vols = []
        for line in run_command(zfs_list_argv(name)).splitlines():
            f = line.split("\t")
            if len(f) < 3:
                continue
            vname = f[0].split("/", 1)[-1]
            path = f"/dev/zvol/{f[0]}"
            vol = StorageVolDef(name=vname, type=VolType.BLOCK, key=path, pool_type=pool.type)
            vol.target = VolTarget(path=path)
            vol.capacity = int(f[1])
            vol.allocation = int(f[2]) if f[2].isdigit() else 0
            vols.append(vol)
        return vols

    def place_vol(self, pool: StoragePoolDef, vol: StorageVolDef) -> None:
        vol.type = VolType.BLOCK
        vol.target.path = vol.key = f"/dev/zvol/{_name(pool)}/{vol.name}"

    def create_vol(self, pool: StoragePoolDef, vol: StorageVolDef, flags: int) -> None:
        run_command(zfs_create_argv(_name(pool), vol))

    def delete_vol(self, pool: StoragePoolDef, vol: StorageVolDef, flags: int) -> None:
        run_command(zfs_destroy_argv(_name(pool), vol.name))
