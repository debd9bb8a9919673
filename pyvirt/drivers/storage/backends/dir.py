"""``<pool type='dir'>``: a directory of image files."""

from __future__ import annotations

import errno
import os
import stat

from pyvirt import constants as C
from pyvirt.conf.storage_pool import Permissions, PoolType, StoragePoolDef
from pyvirt.conf.storage_vol import StorageVolDef
from pyvirt.drivers.storage import volfile
from pyvirt.drivers.storage.backends import Backend
from pyvirt.errors import report, report_system

_FROM = C.VIR_FROM_STORAGE
DEFAULT_POOL_MODE = 0o711


def set_sizes(pool: StoragePoolDef, vfs: os.statvfs_result) -> None:
    """A pool's sizes from its file system's (free space counts reserved blocks, as
    libvirt counts it)."""
    pool.capacity = vfs.f_frsize * vfs.f_blocks
    pool.available = vfs.f_frsize * vfs.f_bfree
    pool.allocation = pool.capacity - pool.available


class DirBackend(Backend):
    """Pools that are directories; volumes are the files in them."""

    pool_type = PoolType.DIR

    def is_running(self, pool: StoragePoolDef) -> bool:
        return os.path.isdir(pool.target_path or "")

    def build(self, pool: StoragePoolDef, flags: int) -> None:
        if (flags & C.VIR_STORAGE_POOL_BUILD_OVERWRITE
                and flags & C.VIR_STORAGE_POOL_BUILD_NO_OVERWRITE):
            raise report(C.VIR_ERR_OPERATION_INVALID, "Overwrite and no overwrite flags are "
                         "mutually exclusive", _FROM)
        path = pool.target_path or ""
        perms = pool.permissions
        mode = perms.mode if perms is not None and perms.mode is not None \
            else DEFAULT_POOL_MODE
        parent = os.path.dirname(path)
        if os.path.lexists(parent) and not os.path.isdir(parent):
            raise report_system(errno.ENOTDIR, f"cannot create path '{parent}'", _FROM)
        if os.path.lexists(path) and not os.path.isdir(path):
            return          # libvirt builds nothing over a file; starting then fails
        try:
            os.makedirs(parent, exist_ok=True)
            if not os.path.isdir(path):
                os.mkdir(path, mode)
            os.chmod(path, mode)
            if perms is not None and (perms.owner is not None or perms.group is not None):
                os.chown(path, -1 if perms.owner is None else perms.owner,
                         -1 if perms.group is None else perms.group)
        except OSError as exc:
            raise report_system(exc.errno or 0, f"cannot create path '{path}'",
                                _FROM) from None

    def start(self, pool: StoragePoolDef) -> None:
        path = pool.target_path or ""
        if not os.path.isdir(path):
            # libvirt reports it from its file utilities (no error domain)
            code = errno.ENOTDIR if os.path.lexists(path) else errno.ENOENT
            raise report_system(code, f"cannot open directory '{path}'", C.VIR_FROM_NONE)

    def delete(self, pool: StoragePoolDef, flags: int) -> None:
        try:
            os.rmdir(pool.target_path or "")
        except OSError as exc:
            raise report_system(exc.errno or 0, f"failed to remove pool '{pool.target_path}'",
                                _FROM) from None

    def refresh(self, pool: StoragePoolDef) -> list[StorageVolDef]:
        path = pool.target_path or ""
        try:
            names = sorted(os.listdir(path))
            vfs = os.statvfs(path)
        except OSError as exc:
            raise report_system(exc.errno or 0, f"cannot open directory '{path}'",
                                C.VIR_FROM_NONE) from None
        set_sizes(pool, vfs)
        st = os.stat(path)
        perms = pool.permissions or Permissions()
        perms.mode, perms.owner, perms.group = (stat.S_IMODE(st.st_mode), st.st_uid,
                                                st.st_gid)
        pool.permissions = perms
        vols = []
        for name in names:
            vol = volfile.describe(os.path.join(path, name), name, pool.type)
            if vol is not None:
                vols.append(vol)
        return vols

    def update_sizes(self, pool: StoragePoolDef) -> None:
        try:
            vfs = os.statvfs(pool.target_path or "/")
        except OSError:
            return
        set_sizes(pool, vfs)

    def refresh_vol(self, pool: StoragePoolDef, vol: StorageVolDef) -> StorageVolDef | None:
        now = volfile.describe(vol.target.path or "", vol.name, pool.type)
        if now is not None:
            # as libvirt's volume refresh: sizes and file facts are read again, what the
            # volume was defined with stays (whose secret it is, its cluster size)
            if vol.target.encryption is not None and now.target.encryption is not None:
                now.target.encryption = vol.target.encryption
            now.target.cluster_size = vol.target.cluster_size
        return now

    def place_vol(self, pool: StoragePoolDef, vol: StorageVolDef) -> None:
        vol.target.path = os.path.join(pool.target_path or "", vol.name)
        vol.key = vol.target.path

    def create_vol(self, pool: StoragePoolDef, vol: StorageVolDef, flags: int) -> None:
        volfile.create(vol, flags)

    def clone_vol(self, pool: StoragePoolDef, vol: StorageVolDef, src: StorageVolDef,
                  flags: int) -> None:
        volfile.clone(vol, src, flags)

    def delete_vol(self, pool: StoragePoolDef, vol: StorageVolDef, flags: int) -> None:
        path = vol.target.path or ""
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass
        except OSError as exc:
            raise report_system(exc.errno or 0, f"cannot unlink file '{path}'",
                                _FROM) from None

    def resize_vol(self, pool: StoragePoolDef, vol: StorageVolDef, capacity: int,
                   flags: int) -> None:
        volfile.resize(vol, capacity, bool(flags & C.VIR_STORAGE_VOL_RESIZE_SHRINK),
                       bool(flags & C.VIR_STORAGE_VOL_RESIZE_ALLOCATE))

    def wipe_vol(self, pool: StoragePoolDef, vol: StorageVolDef, algorithm: int) -> None:
        volfile.wipe(vol.target.path or "", algorithm)
