"""Volumes that are files: creating, probing, cloning, resizing and wiping them.

Image formats are QEMU's, so everything but raw files goes through
``qemu-img`` (as argv lists): ``create`` for new images, ``convert`` for
clones, ``resize``, and ``info --output=json`` to learn what a file is
(format, virtual size, backing file) when a pool is refreshed.  Raw files
are made here as libvirt makes them: created exclusively with mode 0600,
extended to the capacity and preallocated (``fallocate``) up to the
allocation.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
from typing import Any

from pyvirt import constants as C
from pyvirt.conf.storage_pool import Permissions
from pyvirt.conf.storage_vol import StorageVolDef, Timestamps, VolTarget, VolType
from pyvirt.errors import libvirtError, report, report_system

_FROM = C.VIR_FROM_STORAGE
QEMU_IMG = "qemu-img"
DEFAULT_VOL_MODE = 0o600


def run_command(argv: list[str], env: dict[str, str] | None = None) -> str:
    """Run a command; its stdout, or VIR_ERR_INTERNAL_ERROR with its stderr (kept as the
    command wrote it, as libvirt keeps it)."""
    try:
        res = subprocess.run(argv, capture_output=True, text=True, check=False, env=env)
    except FileNotFoundError:
        raise report(C.VIR_ERR_SYSTEM_ERROR, f"Cannot find '{argv[0]}' in path: "
                     "No such file or directory", C.VIR_FROM_NONE) from None
    if res.returncode != 0:
        raise report(C.VIR_ERR_INTERNAL_ERROR,
                     f"Child process ({' '.join(argv)}) unexpected exit status "
                     f"{res.returncode}: {res.stderr}", C.VIR_FROM_NONE)
    return res.stdout


def _kib(size: int) -> str:
    """A size argument for qemu-img, in KiB rounded up as libvirt passes it."""
    return f"{(size + 1023) // 1024}K"


# --- probing --------------------------------------------------------------------------

def qemu_img_info(path: str) -> dict[str, Any]:
    """``qemu-img info --output=json -U PATH`` as a dict."""
    return json.loads(run_command([QEMU_IMG, "info", "--output=json", "-U", path]))


# Image formats recognised by their header (offset, magic); any other file is raw and
# needs no qemu-img run.
_MAGIC = ((0, b"QFI\xfb"), (0, b"KDMV"), (0, b"QED\x00"), (0, b"conectix"), (0, b"vhdxfile"),
          (0x40, b"\x7f\x10\xda\xbe"), (0, b"WithoutFreeSpace"), (0, b"OOOM"),
          (0, b"LUKS\xba\xbe"))
_CACHE_MAX = 4096
_info_cache: dict[str, tuple[tuple[int, int, int], dict[str, Any] | None]] = {}


_HEAD = 4096            # read of each file a refresh looks at: its magic, a qcow2 header


def _read_start(path: str, size: int) -> bytes:
    """Up to ``size`` bytes from the start of the file (none when it cannot be read)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except OSError:
        return b""
    try:
        return os.read(fd, size)
    except OSError:
        return b""
    finally:
        os.close(fd)


def image_info(path: str, st: os.stat_result) -> dict[str, Any] | None:
    """What qemu-img says of an image file (None: a raw file), cached while the file's
    inode, size and mtime stay the same.  A qcow2 header is read here (one read of
    the file's start, a second when what it points to lies further), any other
    format found by its magic is asked of qemu-img."""
    key = (st.st_ino, st.st_size, st.st_mtime_ns)
    hit = _info_cache.get(path)
    if hit is not None and hit[0] == key:
        return hit[1]
    head = _read_start(path, _HEAD)
    info: dict[str, Any] | None = None
    if any(head[off:off + len(magic)] == magic for off, magic in _MAGIC):
        from pyvirt.drivers.storage import qcow2
        if head[:4] == qcow2.MAGIC:
            info = qcow2.parse(head)
            if info is None and len(head) == _HEAD:
                info = qcow2.parse(_read_start(path, qcow2.HEAD_MAX))
        info = info or qemu_img_info(path)
    if len(_info_cache) >= _CACHE_MAX:
        _info_cache.clear()
    _info_cache[path] = (key, info)
    return info


def timestamps_of(st: os.stat_result) -> Timestamps:
    def ts(nsec: int) -> str:
        sec, ns = divmod(nsec, 1_000_000_000)
        return f"{sec}.{ns:09d}"
    return Timestamps(atime=ts(st.st_atime_ns), mtime=ts(st.st_mtime_ns),
                      ctime=ts(st.st_ctime_ns), btime="0")


def perms_of(st: os.stat_result) -> Permissions:
    return Permissions(mode=stat.S_IMODE(st.st_mode), owner=st.st_uid, group=st.st_gid)


def describe(path: str, name: str, pool_type: Any) -> StorageVolDef | None:
    """The volume definition of the file ``path`` as a refresh finds it (None when it is
    not a regular file or vanished)."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return None
    if not stat.S_ISREG(st.st_mode):
        return None
    vol = StorageVolDef(name=name, type=VolType.FILE, key=path, pool_type=pool_type)
    vol.target = VolTarget(path=path, format="raw", permissions=perms_of(st),
                           timestamps=timestamps_of(st))
    vol.allocation = st.st_blocks * 512
    vol.physical = st.st_size
    vol.capacity = st.st_size
    try:
        info = image_info(path, st)
    except libvirtError:
        return vol
    if info is None:
        return vol
    fmt = info.get("format") or "raw"
    if fmt in ("file", "host_device", "luks"):
        fmt = "raw"
    from pyvirt.drivers.storage.luks import encryption_of
    vol.target.encryption = encryption_of(info)
    vol.target.format = fmt
    vol.capacity = int(info.get("virtual-size", st.st_size))
    if fmt == "qcow2":
        compat = (info.get("format-specific") or {}).get("data", {}).get("compat")
        vol.target.compat = compat if compat and compat != "1.1" else vol.target.compat
        vol.target.cluster_size = info.get("cluster-size")
    backing = info.get("full-backing-filename") or info.get("backing-filename")
    if backing:
        if not os.path.isabs(backing):
            backing = os.path.join(os.path.dirname(path), backing)
        vol.backing_store = _backing_target(backing, info.get("backing-filename-format"))
    return vol


def _backing_target(path: str, fmt: str | None) -> VolTarget:
    tgt = VolTarget(path=path, format=fmt or "raw")
    try:
        st = os.stat(path)
    except OSError:
        return tgt
    tgt.permissions = perms_of(st)
    tgt.timestamps = timestamps_of(st)
    return tgt


# --- creating -------------------------------------------------------------------------

def _mode(vol: StorageVolDef) -> int:
    perms = vol.target.permissions
    return perms.mode if perms is not None and perms.mode is not None else DEFAULT_VOL_MODE


def create_raw(vol: StorageVolDef, flags: int) -> None:
    """Create a raw file of the volume's capacity, preallocated up to its allocation."""
    path = vol.target.path or ""
    if flags & C.VIR_STORAGE_VOL_CREATE_PREALLOC_METADATA:
        raise report(C.VIR_ERR_CONFIG_UNSUPPORTED,
                     "metadata preallocation is not supported for raw volumes", _FROM)
    if vol.backing_store is not None:
        raise report(C.VIR_ERR_NO_SUPPORT, "backing storage not supported for raw volumes",
                     _FROM)
    if vol.target.encryption is not None:
        raise report(C.VIR_ERR_CONFIG_UNSUPPORTED,
                     "storage pool does not support encrypted volumes", _FROM)
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, _mode(vol))
    except OSError as exc:
        raise report_system(exc.errno or 0, f"Failed to create file '{path}'", _FROM) from None
    try:
        os.fchmod(fd, _mode(vol))
        _fill_raw(fd, path, vol.capacity, vol.allocation)
    except BaseException:
        os.close(fd)
        os.unlink(path)
        raise
    os.close(fd)


def _fill_raw(fd: int, path: str, capacity: int, allocation: int) -> None:
    try:
        os.ftruncate(fd, capacity)
    except OSError as exc:
        raise report_system(exc.errno or 0, f"cannot extend file '{path}'", _FROM) from None
    if allocation:
        try:
            os.posix_fallocate(fd, 0, allocation)
        except OSError as exc:
            raise report_system(exc.errno or 0, f"cannot allocate {allocation} bytes in "
                                f"file '{path}'", _FROM) from None
    try:
        os.fsync(fd)
    except OSError as exc:
        raise report_system(exc.errno or 0, f"cannot sync data to file '{path}'",
                            _FROM) from None


def _qcow2_options(vol: StorageVolDef, flags: int) -> list[str]:
    opts = [f"compat={vol.target.compat or '1.1'}"]
    if flags & C.VIR_STORAGE_VOL_CREATE_PREALLOC_METADATA:
        opts.append("preallocation=metadata")
    if vol.target.cluster_size:
        opts.append(f"cluster_size={vol.target.cluster_size}")
    if "lazy_refcounts" in vol.target.features:
        opts.append("lazy_refcounts=on")
    if "extended_l2" in vol.target.features:
        opts.append("extended_l2=on")
    return ["-o", ",".join(opts)]


def create_image(vol: StorageVolDef, flags: int) -> None:
    """Create a non-raw image with ``qemu-img create`` (qcow2 with a backing store)."""
    path = vol.target.path or ""
    fmt = vol.target.format or "raw"
    if vol.target.encryption is not None:
        raise report(C.VIR_ERR_CONFIG_UNSUPPORTED,
                     "storage pool does not support encrypted volumes", _FROM)
    if os.path.lexists(path):
        raise report(C.VIR_ERR_OPERATION_INVALID,
                     f"volume target path '{path}' already exists", _FROM)
    argv = [QEMU_IMG, "create", "-f", fmt]
    backing = vol.backing_store
    if backing is not None:
        if not os.path.exists(backing.path or ""):
            raise report(C.VIR_ERR_INTERNAL_ERROR, f"inaccessible backing store volume "
                         f"{backing.path}", _FROM)
        argv += ["-b", backing.path or "", "-F", backing.format or "raw"]
    if fmt == "qcow2":
        argv += _qcow2_options(vol, flags)
    argv.append(path)
    if vol.capacity or backing is None:
        argv.append(_kib(vol.capacity))
    try:
        run_command(argv)
    except libvirtError:
        if os.path.exists(path):
            os.unlink(path)
        raise
    os.chmod(path, _mode(vol))


def create(vol: StorageVolDef, flags: int) -> None:
    """Create the file of a new volume of any file format."""
    path = vol.target.path or ""
    if os.path.lexists(path):
        raise report(C.VIR_ERR_OPERATION_INVALID,
                     f"volume target path '{path}' already exists", _FROM)
    if vol.target.encryption is not None:
        from pyvirt.drivers.storage import luks
        try:
            luks.create(vol, run_command)
            os.chmod(path, _mode(vol))
        except BaseException:
            if os.path.exists(path):
                os.unlink(path)
            raise
    elif (vol.target.format or "raw") == "raw":
        create_raw(vol, flags)
    else:
        create_image(vol, flags)


def clone(vol: StorageVolDef, src: StorageVolDef, flags: int) -> None:
    """Create ``vol`` as a copy of ``src`` through ``qemu-img convert``."""
    path = vol.target.path or ""
    if vol.target.encryption is not None or src.target.encryption is not None:
        raise report(C.VIR_ERR_NO_SUPPORT, "cloning to or from an encrypted volume is not "
                     "supported", _FROM)
    if os.path.lexists(path):
        raise report(C.VIR_ERR_OPERATION_INVALID,
                     f"volume target path '{path}' already exists", _FROM)
    fmt = vol.target.format or "raw"
    argv = [QEMU_IMG, "convert", "-f", src.target.format or "raw", "-O", fmt]
    if fmt == "qcow2":
        argv += _qcow2_options(vol, flags)
    argv += [src.target.path or "", path]
    try:
        run_command(argv)
        os.chmod(path, _mode(vol))
        if vol.capacity > src.capacity:
            resize(vol, vol.capacity, shrink=False, allocate=False)
    except BaseException:
        if os.path.exists(path):
            os.unlink(path)
        raise


# --- changing -------------------------------------------------------------------------

def resize(vol: StorageVolDef, capacity: int, shrink: bool, allocate: bool) -> None:
    """Give the volume a new virtual size."""
    path = vol.target.path or ""
    if vol.target.encryption is not None:
        if allocate:
            raise report(C.VIR_ERR_OPERATION_UNSUPPORTED,
                         "preallocate is only supported for raw type volume", _FROM)
        from pyvirt.drivers.storage import luks
        luks.resize(vol, capacity, run_command)
        return
    if (vol.target.format or "raw") == "raw":
        try:
            fd = os.open(path, os.O_RDWR | os.O_CLOEXEC)
        except OSError as exc:
            raise report_system(exc.errno or 0, f"cannot open '{path}'", _FROM) from None
        try:
            if allocate and capacity > vol.capacity:
                try:
                    os.posix_fallocate(fd, vol.capacity, capacity - vol.capacity)
                except OSError as exc:
                    raise report_system(exc.errno or 0, f"Failed to pre-allocate space for "
                                        f"file '{path}'", _FROM) from None
            try:
                os.ftruncate(fd, capacity)
            except OSError as exc:
                raise report_system(exc.errno or 0, f"Failed to truncate file '{path}'",
                                    _FROM) from None
            os.fsync(fd)
        finally:
            os.close(fd)
        return
    if allocate:
        raise report(C.VIR_ERR_OPERATION_UNSUPPORTED,
                     "preallocate is only supported for raw type volume", _FROM)
    argv = [QEMU_IMG, "resize"]
    if shrink:
        argv.append("--shrink")
    run_command([*argv, path, str(capacity)])


def _zero_device(fd: int, path: str) -> None:
    """Write zeros over a whole block device (a file's trick of truncating cannot)."""
    size = os.lseek(fd, 0, os.SEEK_END)
    chunk = bytes(1 << 20)
    pos = 0
    try:
        while pos < size:
            pos += os.pwrite(fd, chunk[:min(len(chunk), size - pos)], pos)
        os.fsync(fd)
    except OSError as exc:
        raise report_system(exc.errno or 0, f"Failed to write {size} bytes to storage "
                            f"volume with path '{path}'", _FROM) from None


WIPE_ALGORITHMS = {
    C.VIR_STORAGE_VOL_WIPE_ALG_NNSA: "nnsa", C.VIR_STORAGE_VOL_WIPE_ALG_DOD: "dod",
    C.VIR_STORAGE_VOL_WIPE_ALG_BSI: "bsi", C.VIR_STORAGE_VOL_WIPE_ALG_GUTMANN: "gutmann",
    C.VIR_STORAGE_VOL_WIPE_ALG_SCHNEIER: "schneier",
    C.VIR_STORAGE_VOL_WIPE_ALG_PFITZNER7: "pfitzner7",
    C.VIR_STORAGE_VOL_WIPE_ALG_PFITZNER33: "pfitzner33",
    C.VIR_STORAGE_VOL_WIPE_ALG_RANDOM: "random",
}


def wipe(path: str, algorithm: int) -> None:
    """Wipe a file volume: zero it (truncate to nothing and back to its size, which
    reads as zeros) or run ``scrub`` with the algorithm's pattern."""
    if algorithm == C.VIR_STORAGE_VOL_WIPE_ALG_TRIM:
        raise report(C.VIR_ERR_ARGUMENT_UNSUPPORTED,
                     "'trim' algorithm not supported", _FROM)
    if algorithm != C.VIR_STORAGE_VOL_WIPE_ALG_ZERO:
        pattern = WIPE_ALGORITHMS.get(algorithm)
        if pattern is None:
            raise report(C.VIR_ERR_INVALID_ARG,
                         f"wiping algorithm {algorithm} not supported", _FROM)
        scrub = shutil.which("scrub")
        if scrub is None:
            raise report(C.VIR_ERR_SYSTEM_ERROR, "Cannot find 'scrub' in path: "
                         "No such file or directory", C.VIR_FROM_NONE)
        run_command([scrub, "-f", "-p", pattern, path])
        return
    try:
        fd = os.open(path, os.O_RDWR | os.O_CLOEXEC)
    except OSError as exc:
        raise report_system(exc.errno or 0, f"Failed to open storage volume with path "
                            f"'{path}'", _FROM) from None
    if stat.S_ISBLK(os.fstat(fd).st_mode):
        try:
            _zero_device(fd, path)
        finally:
            os.close(fd)
        return
    try:
        size = os.fstat(fd).st_size
        os.ftruncate(fd, 0)
        os.ftruncate(fd, size)
        os.fsync(fd)
    except OSError as exc:
        raise report_system(exc.errno or 0, f"Failed to truncate volume with path '{path}' "
                            f"to {size} bytes", _FROM) from None
    finally:
        os.close(fd)
