"""``<pool type='fs'>``: a file system on a block device, mounted on the target.

Volumes are files, as in a ``dir`` pool.  Building with
``VIR_STORAGE_POOL_BUILD_OVERWRITE`` (or ``NO_OVERWRITE`` on an empty
device) makes the file system with ``mkfs``; starting mounts it (the
``mount`` and ``umount`` commands, as argv lists), stopping unmounts it.
"""

from __future__ import annotations

import os
import subprocess

from pyvirt import constants as C
from pyvirt.conf.storage_pool import PoolType, StoragePoolDef
from pyvirt.drivers.storage.backends.dir import DirBackend
from pyvirt.drivers.storage.volfile import run_command
from pyvirt.errors import report

_FROM = C.VIR_FROM_STORAGE
MOUNT = "/bin/mount"
UMOUNT = "/bin/umount"


def _unescape(field: str) -> str:
    """A path of /proc/self/mounts (spaces and such are octal escapes)."""
    return field.encode().decode("unicode_escape")


def is_mounted(target: str) -> bool:
    """Whether something is mounted on ``target`` (in this mount namespace)."""
    real = os.path.realpath(target)
    with open("/proc/self/mounts") as fh:
        return any(_unescape(line.split()[1]) == real for line in fh if line.strip())


def _device(pool: StoragePoolDef) -> str:
    devices = pool.source.devices
    if len(devices) != 1:
        raise report(C.VIR_ERR_XML_ERROR, "missing source device" if not devices else
                     "expected exactly 1 device for the storage pool", _FROM)
    return devices[0].path


def _probe(device: str) -> str | None:
    """The file system type on ``device`` (blkid), None when it has none."""
    res = subprocess.run(["blkid", "-o", "value", "-s", "TYPE", device], capture_output=True,
                         text=True, check=False)
    return res.stdout.strip() or None


class FsBackend(DirBackend):
    """Pools that are a mounted file system; volumes are its files."""

    pool_type = PoolType.FS

    def is_running(self, pool: StoragePoolDef) -> bool:
        return is_mounted(pool.target_path or "")

    def build(self, pool: StoragePoolDef, flags: int) -> None:
        super().build(pool, flags)
        if not flags & (C.VIR_STORAGE_POOL_BUILD_OVERWRITE
                        | C.VIR_STORAGE_POOL_BUILD_NO_OVERWRITE):
            return
        device = _device(pool)
        fmt = pool.source.format_type or "auto"
        if fmt == "auto":
            raise report(C.VIR_ERR_OPERATION_INVALID, "format of the file system to build "
                         "must be given (not 'auto')", _FROM)
        if flags & C.VIR_STORAGE_POOL_BUILD_NO_OVERWRITE:
            found = _probe(device)
            if found is not None:
                raise report(C.VIR_ERR_STORAGE_POOL_BUILT,
                             f"Device '{device}' already formatted using '{found}'", _FROM)
        argv = ["mkfs", "-t", fmt]
        if fmt.startswith("ext"):
            argv.append("-F")
        run_command([*argv, device])

    def start(self, pool: StoragePoolDef) -> None:
        target = pool.target_path or ""
        if is_mounted(target):
            raise report(C.VIR_ERR_OPERATION_INVALID, f"Target '{target}' is already mounted",
                         _FROM)
        run_command(self.mount_argv(pool))

    def mount_argv(self, pool: StoragePoolDef) -> list[str]:
        """The ``mount`` command line of ``pool-start``."""
        fmt = pool.source.format_type or "auto"
        return [MOUNT, *([] if fmt == "auto" else ["-t", fmt]), _device(pool),
                pool.target_path or ""]

    def stop(self, pool: StoragePoolDef) -> None:
        target = pool.target_path or ""
        if is_mounted(target):
            run_command([UMOUNT, target])
