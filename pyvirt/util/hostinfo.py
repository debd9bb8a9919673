"""The host's CPU topology, NUMA cells, memory pages, caches and IOMMU from sysfs.

These are the facts libvirt's host capabilities report under ``<host>``
(virhostcpu.c, virnuma.c, virresctrl.c): read from /sys/devices/system and
/proc, with a one-cell fallback when the kernel has no NUMA support.
"""

from __future__ import annotations

import glob
import os
import re
from dataclasses import dataclass, field

SYS_CPU = "/sys/devices/system/cpu"
SYS_NODE = "/sys/devices/system/node"


def read(path: str) -> str:
    """The stripped text of ``path``; empty when unreadable."""
    try:
        with open(path) as f:
            return f.read().strip()
    except OSError:
        return ""


def parse_cpulist(text: str) -> list[int]:
    """'0-3,8' -> [0, 1, 2, 3, 8]."""
    out: list[int] = []
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        lo, _, hi = part.partition("-")
        out.extend(range(int(lo), int(hi or lo) + 1))
    return out


def format_cpulist(cpus: list[int]) -> str:
    """[0, 1, 2, 5] -> '0-2,5' (libvirt's bitmap string)."""
    parts: list[str] = []
    run: list[int] = []
    for cpu in sorted(set(cpus)):
        if run and cpu == run[-1] + 1:
            run.append(cpu)
            continue
        if run:
            parts.append(_run(run))
        run = [cpu]
    if run:
        parts.append(_run(run))
    return ",".join(parts)


def _run(run: list[int]) -> str:
    return str(run[0]) if len(run) == 1 else f"{run[0]}-{run[-1]}"


@dataclass
class HostCPU:
    """One online logical CPU and where it sits."""

    id: int
    socket_id: int
    die_id: int
    core_id: int
    siblings: str


def _int(path: str, default: int) -> int:
    text = read(path)
    try:
        return int(text)
    except ValueError:
        return default


def online_cpus() -> list[HostCPU]:
    """Every online CPU with its socket, die, core and thread siblings."""
    online = parse_cpulist(read(f"{SYS_CPU}/online")) or list(range(os.cpu_count() or 1))
    out = []
    for cid in online:
        topo = f"{SYS_CPU}/cpu{cid}/topology"
        out.append(HostCPU(cid, _int(f"{topo}/physical_package_id", 0),
                           _int(f"{topo}/die_id", 0), _int(f"{topo}/core_id", cid),
                           read(f"{topo}/thread_siblings_list") or str(cid)))
    return out


def topology(cpus: list[HostCPU]) -> dict[str, int]:
    """sockets/dies/cores/threads as libvirt counts them (per socket, per die, per core)."""
    sockets = {c.socket_id for c in cpus} or {0}
    dies = {(c.socket_id, c.die_id) for c in cpus}
    cores = {(c.socket_id, c.die_id, c.core_id) for c in cpus}
    return {"sockets": len(sockets),
            "dies": max(1, len(dies) // len(sockets)),
            "cores": max(1, len(cores) // max(1, len(dies))),
            "threads": max(1, len(cpus) // max(1, len(cores)))}


def meminfo_kib(path: str = "/proc/meminfo", key: str = "MemTotal") -> int:
    """A ``key:  N kB`` value of a meminfo file (per-node files have a 'Node N' prefix)."""
    for line in read(path).splitlines():
        fields = line.replace(":", " ").split()
        if key in fields:
            return int(fields[fields.index(key) + 1])
    return 0


def huge_page_sizes() -> list[int]:
    """The huge page sizes (KiB) the kernel offers, ascending."""
    sizes = []
    for path in glob.glob("/sys/kernel/mm/hugepages/hugepages-*kB"):
        m = re.search(r"hugepages-(\d+)kB$", path)
        if m:
            sizes.append(int(m.group(1)))
    return sorted(sizes)


def page_size_kib() -> int:
    """The system page size in KiB."""
    return os.sysconf("SC_PAGE_SIZE") // 1024


@dataclass
class Cell:
    """A NUMA node: memory (KiB), pages per size, distances and CPUs."""

    id: int
    memory: int
    pages: list[tuple[int, int]] = field(default_factory=list)   # (size KiB, count)
    distances: list[tuple[int, int]] = field(default_factory=list)
    cpus: list[HostCPU] = field(default_factory=list)


def numa_cells(cpus: list[HostCPU]) -> list[Cell]:
    """The host's NUMA cells; one cell holding everything when sysfs has none."""
    nodes = parse_cpulist(read(f"{SYS_NODE}/online"))
    by_id = {c.id: c for c in cpus}
    small = page_size_kib()
    cells = []
    for node in nodes:
        base = f"{SYS_NODE}/node{node}"
        memory = meminfo_kib(f"{base}/meminfo")
        pages = [(small, memory // small)]
        for size in huge_page_sizes():
            pages.append((size, _int(f"{base}/hugepages/hugepages-{size}kB/nr_hugepages", 0)))
        dist = [int(v) for v in read(f"{base}/distance").split()]
        cell = Cell(node, memory, pages, list(zip(nodes, dist, strict=False)))
        cell.cpus = [by_id[c] for c in parse_cpulist(read(f"{base}/cpulist")) if c in by_id]
        cells.append(cell)
    if not cells:
        memory = meminfo_kib()
        pages = [(small, memory // small)] + [
            (size, _int(f"/sys/kernel/mm/hugepages/hugepages-{size}kB/nr_hugepages", 0))
            for size in huge_page_sizes()]
        cells = [Cell(0, memory, pages, [], cpus)]
    return cells


@dataclass
class CacheBank:
    """A shared cache: id, level, type ('both', 'code', 'data'), size in bytes, CPUs."""

    id: int
    level: int
    type: str
    size: int
    cpus: str


_CACHE_TYPES = {"Unified": "both", "Instruction": "code", "Data": "data"}


def _size_bytes(text: str) -> int:
    m = re.fullmatch(r"(\d+)([KMG]?)", text)
    if not m:
        return 0
    return int(m.group(1)) * {"": 1, "K": 1024, "M": 1024 ** 2, "G": 1024 ** 3}[m.group(2)]


def cache_banks(cpus: list[HostCPU]) -> list[CacheBank]:
    """The level-3-and-up caches, one bank per id and level (libvirt skips L1/L2)."""
    banks: dict[tuple[int, int, str], CacheBank] = {}
    for cpu in cpus:
        for index in sorted(glob.glob(f"{SYS_CPU}/cpu{cpu.id}/cache/index[0-9]*")):
            level = _int(f"{index}/level", 0)
            if level < 3:
                continue
            kind = _CACHE_TYPES.get(read(f"{index}/type"), "both")
            bank_id = _int(f"{index}/id", 0)
            key = (level, bank_id, kind)
            if key not in banks:
                banks[key] = CacheBank(bank_id, level, kind, _size_bytes(read(f"{index}/size")),
                                       format_cpulist(parse_cpulist(
                                           read(f"{index}/shared_cpu_list"))))
    return [banks[k] for k in sorted(banks)]


def pretty_size(size: int) -> tuple[int, str]:
    """The largest unit in which ``size`` bytes is whole (libvirt's virFormatIntPretty)."""
    for unit, factor in (("TiB", 1024 ** 4), ("GiB", 1024 ** 3), ("MiB", 1024 ** 2),
                         ("KiB", 1024)):
        if size and size % factor == 0:
            return size // factor, unit
    return size, "B"


def has_iommu() -> bool:
    """True when the kernel set up IOMMU groups (libvirt's virHostHasIOMMU)."""
    try:
        return bool(os.listdir("/sys/kernel/iommu_groups"))
    except OSError:
        return False
