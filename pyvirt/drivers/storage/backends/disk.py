"""``<pool type='disk'>``: a partition table on a block device; volumes are partitions.

``pool-build`` writes the label with ``parted mklabel`` (``dos`` is parted's
``msdos``); ``pool-start`` checks the label with ``blkid``; a refresh reads
the partitions and the free space with ``parted -m ... unit B print free``
(and, on a DOS label, the partition types from the MBR).  A new volume is
a partition made with ``parted mkpart`` at the smallest free extent large
enough (on a DOS label its end rounded to a cylinder, as libvirt does),
named as the kernel names it (``loop0p1``, ``sda1``); a volume with any
other name is refused before anything is written.  Every command line is
built by a function of its own, so tests compare them as data.
"""

from __future__ import annotations

import errno
import os
import stat
import subprocess
import time
from dataclasses import dataclass

from pyvirt import constants as C
from pyvirt.conf.storage_pool import PoolType, StoragePoolDef
from pyvirt.conf.storage_vol import Extent, StorageVolDef, VolTarget, VolType
from pyvirt.drivers.storage import volfile
from pyvirt.drivers.storage.backends import Backend
from pyvirt.errors import libvirtError, report, report_system

_FROM = C.VIR_FROM_STORAGE
PARTED = "parted"
SECTOR = 512
# volume format -> the file system type parted is given (libvirt's table)
PARTED_FS = {"none": "ext2", "linux": "ext2", "fat16": "fat16", "fat32": "fat32",
             "linux-swap": "linux-swap", "linux-lvm": "ext2", "linux-raid": "ext2",
             "extended": "extended"}
_EXTENDED_IDS = (0x05, 0x0F, 0x85)
_ENV = {**os.environ, "LC_ALL": "C"}


# --- command lines ---------------------------------------------------------------------

def mklabel_argv(device: str, fmt: str) -> list[str]:
    """``parted DEV mklabel --script LABEL`` (pool format ``dos`` is parted's msdos)."""
    return [PARTED, device, "mklabel", "--script", "msdos" if fmt == "dos" else fmt]


def mkpart_argv(device: str, part_type: str, start: int, end: int) -> list[str]:
    """``parted DEV mkpart --script 'primary ext2' STARTB ENDB`` (end inclusive)."""
    return [PARTED, device, "mkpart", "--script", part_type, f"{start}B", f"{end}B"]


def rm_argv(device: str, number: int) -> list[str]:
    """``parted DEV rm --script N``."""
    return [PARTED, device, "rm", "--script", str(number)]


def print_argv(device: str, unit: str) -> list[str]:
    """``parted -s -m DEV unit UNIT print free``: the machine-readable table."""
    return [PARTED, "-s", "-m", device, "unit", unit, "print", "free"]


def _run(argv: list[str]) -> str:
    return volfile.run_command(argv, _ENV)


# --- reading the table ---------------------------------------------------------------

@dataclass
class Part:
    """One partition: number, byte range [start, end), kind (normal/logical/extended)."""

    number: int
    start: int
    end: int
    kind: str = "normal"


@dataclass
class Free:
    """One free extent [start, end); ``logical`` when it lies inside the extended one."""

    start: int
    end: int
    logical: bool = False


@dataclass
class Table:
    """What a refresh reads of the device."""

    label: str
    size: int
    parts: list[Part]
    free: list[Free]
    cylinder: int           # bytes per cylinder (heads * sectors * 512)
    cylinders: int


def _fields(text: str) -> list[list[str]]:
    return [line.rstrip(";").split(":") for line in text.splitlines()[2:] if line.strip()]


def _mbr_types(device: str) -> dict[int, int]:
    try:
        with open(device, "rb") as fh:
            mbr = fh.read(SECTOR)
    except OSError:
        return {}
    return {n: mbr[446 + 16 * (n - 1) + 4] for n in range(1, 5)} if len(mbr) == SECTOR else {}


def read_table(device: str) -> Table:
    """The label, partitions and free extents of ``device`` as parted reports them."""
    byts = _run(print_argv(device, "B"))
    head = byts.splitlines()[1].rstrip(";").split(":")
    label = "dos" if head[5] == "msdos" else head[5]
    size = int(head[1].rstrip("B"))
    geo = _fields(_run(print_argv(device, "chs")))
    cyl_n, heads, sectors = (int(x) for x in geo[0][:3]) if geo and len(geo[0]) >= 3 \
        else (0, 0, 0)
    cylinder = heads * sectors * SECTOR
    parts: list[Part] = []
    free: list[Free] = []
    types = _mbr_types(device) if label == "dos" else {}
    for row in _fields(byts):
        start, end = int(row[1].rstrip("B")), int(row[2].rstrip("B")) + 1
        if len(row) >= 5 and row[4] == "free":
            free.append(Free(start, end))
            continue
        number = int(row[0])
        kind = "normal"
        if label == "dos":
            kind = "logical" if number >= 5 else \
                "extended" if types.get(number) in _EXTENDED_IDS else "normal"
        parts.append(Part(number, start, end, kind))
    ext = next((p for p in parts if p.kind == "extended"), None)
    for f in free:
        if f.start == 0:
            f.start = SECTOR                   # the first sector is never free
        if label == "dos" and cylinder:
            f.end = min(f.end, cyl_n * cylinder)   # the last part-cylinder is parted's
        f.logical = ext is not None and ext.start <= f.start and f.end <= ext.end
    return Table(label, size, parts, [f for f in free if f.end > f.start], cylinder, cyl_n)


# --- probing the label -----------------------------------------------------------------

def probe(device: str) -> str | None:
    """What ``blkid -p`` finds on ``device``: a partition table type (dos, gpt...) or a
    file system type; None for nothing.  VIR_ERR_STORAGE_PROBE_FAILED when the device
    cannot be probed."""
    if not os.path.exists(device):
        raise report(C.VIR_ERR_STORAGE_PROBE_FAILED,
                     f"Failed to create filesystem probe for device {device}", _FROM)
    res = subprocess.run(["blkid", "-p", "-o", "export", device], capture_output=True,
                         text=True, check=False, env=_ENV)
    found = dict(line.split("=", 1) for line in res.stdout.splitlines() if "=" in line)
    return found.get("PTTYPE") or found.get("TYPE")


def _expected(pool: StoragePoolDef) -> str:
    fmt = pool.source.format_type or "unknown"
    return "dos" if fmt == "unknown" else fmt


def _device(pool: StoragePoolDef) -> str:
    return pool.source.devices[0].path


def part_path(pool: StoragePoolDef, number: int) -> str:
    """The node of partition ``number``: a 'p' between when the device name ends in a
    digit (or part_separator='yes' asks for it)."""
    dev = pool.source.devices[0]
    sep = dev.part_separator
    use_p = dev.path[-1:].isdigit() if sep is None else bool(sep) or dev.path[-1:].isdigit()
    return f"{dev.path}{'p' if use_p else ''}{number}"


def _number_of(pool: StoragePoolDef, path: str) -> int:
    dev = _device(pool)
    rest = path[len(dev):] if path.startswith(dev) else ""
    rest = rest.removeprefix("p")
    if not rest.isdigit():
        raise report(C.VIR_ERR_INTERNAL_ERROR,
                     f"cannot parse partition number from target '{path}'", _FROM)
    return int(rest)


def busy_partition(device: str) -> str | None:
    """The first partition of ``device`` that is in use (mounted, or held open
    exclusively by a guest or a device-mapper table), found by an O_EXCL open; None."""
    name = os.path.basename(os.path.realpath(device))
    try:
        parts = sorted(p for p in os.listdir(f"/sys/class/block/{name}")
                       if p.startswith(name) and p != name)
    except OSError:
        return None
    for part in parts:
        node = f"/dev/{part}"
        try:
            fd = os.open(node, os.O_RDONLY | os.O_EXCL | os.O_CLOEXEC)
        except OSError as exc:
            if exc.errno == errno.EBUSY:
                return node
            continue
        os.close(fd)
    return None


def _block_size(path: str) -> int:
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    try:
        return os.lseek(fd, 0, os.SEEK_END)
    finally:
        os.close(fd)


class DiskBackend(Backend):
    """Pools that are a partitioned block device."""

    pool_type = PoolType.DISK
    rescan_after_delete = True

    def is_running(self, pool: StoragePoolDef) -> bool:
        return os.path.exists(_device(pool))

    # --- the pool -------------------------------------------------------------------------
    def build(self, pool: StoragePoolDef, flags: int) -> None:
        if (flags & C.VIR_STORAGE_POOL_BUILD_OVERWRITE
                and flags & C.VIR_STORAGE_POOL_BUILD_NO_OVERWRITE):
            raise report(C.VIR_ERR_INVALID_ARG, "Flags 'VIR_STORAGE_POOL_BUILD_OVERWRITE' and "
                         "'VIR_STORAGE_POOL_BUILD_NO_OVERWRITE' are mutually exclusive", _FROM)
        device, want = _device(pool), _expected(pool)
        if not flags & C.VIR_STORAGE_POOL_BUILD_OVERWRITE:
            found = probe(device)
            if found == want:
                raise report(C.VIR_ERR_STORAGE_POOL_BUILT,
                             f"Device '{device}' already formatted using '{found}'", _FROM)
            if found is not None:
                raise report(C.VIR_ERR_STORAGE_POOL_BUILT, f"Format of device '{device}' "
                             f"does not match the expected format '{want}', forced "
                             "overwrite is necessary", _FROM)
        busy = busy_partition(device)
        if busy is not None:
            # parted would write the label and then fail to tell the kernel
            raise report(C.VIR_ERR_OPERATION_INVALID, f"Device '{device}' is in use: "
                         f"partition '{busy}' is busy, its partition table cannot be "
                         "rewritten", _FROM)
        pool.source.format_type = want
        _run(mklabel_argv(device, want))

    def start(self, pool: StoragePoolDef) -> None:
        device = _device(pool)
        if not os.path.exists(device):
            raise report(C.VIR_ERR_INVALID_ARG, f"device path '{device}' doesn't exist", _FROM)
        want = _expected(pool)
        found = probe(device)
        if found is None:
            raise report(C.VIR_ERR_STORAGE_PROBE_FAILED,
                         f"Device '{device}' is unrecognized, requires build", _FROM)
        if found != want:
            raise report(C.VIR_ERR_OPERATION_INVALID, f"Format of device '{device}' does not "
                         f"match the expected format '{want}'", _FROM)
        pool.source.format_type = want

    def delete(self, pool: StoragePoolDef, flags: int) -> None:
        """Zero the first and last MiB of the device (its partition table goes)."""
        device = _device(pool)
        try:
            fd = os.open(device, os.O_WRONLY | os.O_CLOEXEC)
        except OSError as exc:
            raise report_system(exc.errno or 0, f"cannot open '{device}'", _FROM) from None
        try:
            size = os.lseek(fd, 0, os.SEEK_END)
            span = min(size, 1 << 20)
            for off in sorted({0, size - span}):
                os.pwrite(fd, bytes(span), off)
            os.fsync(fd)
        except OSError as exc:
            raise report_system(exc.errno or 0, f"cannot write to '{device}'", _FROM) from None
        finally:
            os.close(fd)

    def refresh(self, pool: StoragePoolDef) -> list[StorageVolDef]:
        device = _device(pool)
        if not os.path.exists(device):
            raise report(C.VIR_ERR_INVALID_ARG, f"device path '{device}' doesn't exist", _FROM)
        table = read_table(device)
        vols = [self._vol_of(pool, p) for p in table.parts]
        dev = pool.source.devices[0]
        dev.free_extents = [(f.start, f.end) for f in table.free]
        pool.available = sum(f.end - f.start for f in table.free)
        pool.capacity = max([f.end for f in table.free] + [p.end for p in table.parts] + [0])
        pool.allocation = sum(v.allocation for v, p in zip(vols, table.parts, strict=True)
                              if p.kind != "extended")
        return vols

    def update_sizes(self, pool: StoragePoolDef) -> None:
        self.refresh(pool)

    def _vol_of(self, pool: StoragePoolDef, part: Part, fmt: str = "none") -> StorageVolDef:
        path = part_path(pool, part.number)
        name = os.path.basename(path)
        vol = StorageVolDef(name=name, type=VolType.BLOCK, key=path, pool_type=PoolType.DISK)
        vol.extents = [Extent(_device(pool), part.start, part.end)]
        vol.target = VolTarget(path=path, format=fmt)
        try:
            st = os.stat(path)
        except OSError:
            st = None
        if st is not None and stat.S_ISBLK(st.st_mode):
            vol.target.permissions = volfile.perms_of(st)
            vol.target.timestamps = volfile.timestamps_of(st)
        if part.kind == "extended":
            vol.capacity, vol.allocation = part.end - part.start, 0
        else:
            try:
                vol.capacity = _block_size(path)
            except OSError:
                vol.capacity = part.end - part.start
            vol.allocation = vol.physical = vol.capacity
        return vol

    def refresh_vol(self, pool: StoragePoolDef, vol: StorageVolDef) -> StorageVolDef | None:
        try:
            table = read_table(_device(pool))
        except libvirtError:
            return None
        number = _number_of(pool, vol.target.path or "")
        part = next((p for p in table.parts if p.number == number), None)
        return None if part is None else self._vol_of(pool, part, vol.target.format or "none")

    # --- volumes ----------------------------------------------------------------------------
    def _plan(self, pool: StoragePoolDef, table: Table, vol: StorageVolDef) -> tuple[int, str]:
        """The number parted will give the new partition and its ``mkpart`` type."""
        fmt = vol.target.format or "none"
        used = {p.number for p in table.parts}
        if table.label != "dos":
            return min(n for n in range(1, len(used) + 2) if n not in used), "primary"
        fs = PARTED_FS.get(fmt)
        if fs is None:
            raise report(C.VIR_ERR_INTERNAL_ERROR, "Invalid partition type", _FROM)
        has_ext = any(p.kind == "extended" for p in table.parts)
        if fmt == "extended":
            if has_ext:
                raise report(C.VIR_ERR_INTERNAL_ERROR, "extended partition already exists",
                             _FROM)
            kind = "extended"
        elif sum(1 for p in table.parts if p.kind != "logical") >= 4:
            if not has_ext:
                raise report(C.VIR_ERR_INTERNAL_ERROR, "no extended partition found and no "
                             "primary partition available", _FROM)
            return max([4] + [n for n in used if n >= 5]) + 1, f"logical {fs}"
        else:
            kind = f"primary {fs}"
        primaries = [n for n in range(1, 5) if n not in used]
        if not primaries:
            raise report(C.VIR_ERR_INTERNAL_ERROR, "no primary partition available", _FROM)
        return primaries[0], kind

    @staticmethod
    def boundaries(table: Table, size: int, logical: bool) -> tuple[int, int]:
        """[start, end] (end inclusive) of a new partition of ``size`` bytes: the smallest
        free extent that holds it; on a DOS label the end is rounded up to a cylinder."""
        dos = table.label == "dos" and table.cylinder > 0
        best: tuple[int, int] | None = None
        for f in table.free:
            if f.logical != logical:
                continue
            room, need = f.end - f.start, size
            if dos:
                need += table.cylinder - size % table.cylinder
                if logical:
                    room -= SECTOR
            if room > need and (best is None or room < best[0]):
                best = (room, need)
                start = f.start
        if best is None:
            raise report(C.VIR_ERR_INTERNAL_ERROR, "no large enough free extent", _FROM)
        if logical:
            start += SECTOR
        end = start + best[1]
        if dos:
            end -= start % table.cylinder
        return start, end - 1

    def place_vol(self, pool: StoragePoolDef, vol: StorageVolDef) -> None:
        table = read_table(_device(pool))
        number, _kind = self._plan(pool, table, vol)
        path = part_path(pool, number)
        if vol.name != os.path.basename(path):
            raise report(C.VIR_ERR_INVALID_ARG, f"invalid partition name '{vol.name}', "
                         f"expected '{os.path.basename(path)}'", _FROM)
        vol.type = VolType.BLOCK
        vol.target.path = vol.key = path

    def create_vol(self, pool: StoragePoolDef, vol: StorageVolDef, flags: int) -> None:
        if vol.target.encryption is not None:
            raise report(C.VIR_ERR_CONFIG_UNSUPPORTED,
                         "storage pool does not support encrypted volumes", _FROM)
        device = _device(pool)
        table = read_table(device)
        number, kind = self._plan(pool, table, vol)
        if part_path(pool, number) != vol.target.path:
            raise report(C.VIR_ERR_OPERATION_INVALID, f"partition table of '{device}' changed "
                         "while the volume was being created", _FROM)
        start, end = self.boundaries(table, vol.capacity, kind.startswith("logical"))
        _run(mkpart_argv(device, kind, start, end))
        path = vol.target.path or ""
        deadline = time.monotonic() + 5
        while not os.path.exists(path):
            if time.monotonic() > deadline:
                _run(rm_argv(device, number))
                raise report(C.VIR_ERR_INTERNAL_ERROR, f"partition '{path}' did not appear "
                             "(does the kernel scan this device's partitions?)", _FROM)
            time.sleep(0.02)

    def clone_vol(self, pool: StoragePoolDef, vol: StorageVolDef, src: StorageVolDef,
                  flags: int) -> None:
        self.clone_into_block(pool, vol, src, flags)

    def delete_vol(self, pool: StoragePoolDef, vol: StorageVolDef, flags: int) -> None:
        path = vol.target.path or ""
        try:
            os.close(os.open(path, os.O_RDONLY | os.O_EXCL | os.O_CLOEXEC))
        except OSError as exc:
            if exc.errno == errno.EBUSY:
                raise report(C.VIR_ERR_OPERATION_INVALID,
                             f"partition '{path}' is in use and cannot be removed", _FROM)
        _run(rm_argv(_device(pool), _number_of(pool, path)))

    def resize_vol(self, pool: StoragePoolDef, vol: StorageVolDef, capacity: int,
                   flags: int) -> None:
        raise report(C.VIR_ERR_NO_SUPPORT,
                     "storage pool does not support changing of volume capacity", _FROM)

    def wipe_vol(self, pool: StoragePoolDef, vol: StorageVolDef, algorithm: int) -> None:
        if self._is_extended(pool, vol):
            raise report(C.VIR_ERR_NO_SUPPORT,
                         f"cannot wipe extended partition '{vol.target.path}'", _FROM)
        volfile.wipe(vol.target.path or "", algorithm)

    def _is_extended(self, pool: StoragePoolDef, vol: StorageVolDef) -> bool:
        number = _number_of(pool, vol.target.path or "")
        return any(p.number == number and p.kind == "extended"
                   for p in read_table(_device(pool)).parts)
