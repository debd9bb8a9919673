"""``<pool type='vstorage'>``: a Virtuozzo Storage cluster mounted with
``vstorage-mount``; volumes are its files (as in a ``dir`` pool).

Starting needs Virtuozzo's ``vstorage-mount`` (not in Debian): without it
the start fails naming the program.
"""

from __future__ import annotations

from pyvirt.conf.storage_pool import PoolType, StoragePoolDef
from pyvirt.drivers.storage.backends import need_tool
from pyvirt.drivers.storage.backends.dir import DirBackend
from pyvirt.drivers.storage.backends.fs import UMOUNT, FsBackend
from pyvirt.drivers.storage.volfile import run_command


def mount_argv(pool: StoragePoolDef) -> list[str]:
    """``vstorage-mount -c CLUSTER TARGET`` (libvirt's, with the pool's permissions)."""
    argv = ["vstorage-mount", "-c", pool.source.name or pool.name, pool.target_path or ""]
    perms = pool.permissions
    if perms is not None and perms.mode is not None:
        argv += ["-m", f"{perms.mode:o}"]
    return argv


class VstorageBackend(FsBackend):
    """Pools on a mounted Virtuozzo Storage cluster."""

    pool_type = PoolType.VSTORAGE

    def build(self, pool: StoragePoolDef, flags: int) -> None:
        DirBackend.build(self, pool, flags)

    def mount_argv(self, pool: StoragePoolDef) -> list[str]:
        return mount_argv(pool)

    def start(self, pool: StoragePoolDef) -> None:
        need_tool("vstorage-mount")
        super().start(pool)

    def stop(self, pool: StoragePoolDef) -> None:
        run_command([UMOUNT, pool.target_path or ""])
