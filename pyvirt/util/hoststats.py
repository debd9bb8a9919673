"""The host's live numbers as libvirt's virNode* calls report them.

CPU time counters (/proc/stat), memory (/proc/meminfo and the NUMA
nodes' meminfo), free pages per size and node, huge page pools, and the
kernel same-page merging (KSM) knobs: libvirt's virhostcpu.c and
virhostmem.c read the same files.  Errors are libvirt's, reported from
the caller's error domain (libvirt reports most of them from
``VIR_FROM_NONE``).
"""

from __future__ import annotations

import os

from pyvirt import constants as C
from pyvirt.errors import report, report_raw
from pyvirt.util import hostinfo

_FROM = C.VIR_FROM_NONE
SYS_KSM = "/sys/kernel/mm/ksm"

# libvirt's virNodeMemoryParameters: the typed parameter and the KSM file behind it;
# the first three can be set
KSM_PARAMS = (("shm_pages_to_scan", "pages_to_scan"),
              ("shm_sleep_millisecs", "sleep_millisecs"),
              ("shm_merge_across_nodes", "merge_across_nodes"),
              ("shm_pages_shared", "pages_shared"), ("shm_pages_sharing", "pages_sharing"),
              ("shm_pages_unshared", "pages_unshared"), ("shm_pages_volatile", "pages_volatile"),
              ("shm_full_scans", "full_scans"))
KSM_WRITABLE = ("shm_pages_to_scan", "shm_sleep_millisecs", "shm_merge_across_nodes")
_KSM_ORDER = ("shm_pages_to_scan", "shm_sleep_millisecs", "shm_pages_shared",
              "shm_pages_sharing", "shm_pages_unshared", "shm_pages_volatile",
              "shm_full_scans", "shm_merge_across_nodes")


def cpu_stats(cpu_num: int) -> dict[str, int]:
    """virNodeGetCPUStats: kernel, user, idle and iowait time in ns (``-1``: all CPUs)."""
    tick_ns = 1_000_000_000 // os.sysconf("SC_CLK_TCK")
    want = "cpu" if cpu_num == -1 else f"cpu{cpu_num}"
    for line in hostinfo.read("/proc/stat").splitlines():
        fields = line.split()
        if not fields or fields[0] != want:
            continue
        user, nice, system, idle, iowait, irq, softirq = (int(v) for v in fields[1:8])
        return {"kernel": (system + irq + softirq) * tick_ns, "user": (user + nice) * tick_ns,
                "idle": idle * tick_ns, "iowait": iowait * tick_ns}
    raise report_raw(C.VIR_ERR_INVALID_ARG, "Invalid cpuNum in virHostCPUGetStatsLinux", _FROM)


def _node_ids() -> list[int]:
    return hostinfo.parse_cpulist(hostinfo.read(f"{hostinfo.SYS_NODE}/online")) or [0]


def _node_meminfo(node: int) -> str:
    path = f"{hostinfo.SYS_NODE}/node{node}/meminfo"
    return path if os.path.exists(path) else "/proc/meminfo"


def memory_stats(cell: int) -> dict[str, int]:
    """virNodeGetMemoryStats in KiB: the whole host (``-1``) or one NUMA cell."""
    if cell == -1:
        return {key: hostinfo.meminfo_kib(key=name) for key, name in
                (("total", "MemTotal"), ("free", "MemFree"), ("buffers", "Buffers"),
                 ("cached", "Cached"))}
    last = max(_node_ids())
    if not 0 <= cell <= last:
        raise report_raw(C.VIR_ERR_INVALID_ARG,
                         f"cellNum in virHostMemGetStats must be less than or equal to {last}",
                         _FROM)
    path = _node_meminfo(cell)
    return {"total": hostinfo.meminfo_kib(path, "MemTotal"),
            "free": hostinfo.meminfo_kib(path, "MemFree")}


def _check_cells(start: int, count: int) -> list[int]:
    last = max(_node_ids())
    if not 0 <= start <= last:
        raise report(C.VIR_ERR_INTERNAL_ERROR, f"start cell {start} out of range (0-{last})",
                     _FROM)
    return list(range(start, min(last + 1, start + max(count, 0))))


def cells_free_memory(start: int, count: int) -> list[int]:
    """virNodeGetCellsFreeMemory: free bytes of cells ``start``.. (at most ``count``)."""
    return [hostinfo.meminfo_kib(_node_meminfo(n), "MemFree") * 1024
            for n in _check_cells(start, count)]


def free_memory() -> int:
    """virNodeGetFreeMemory: free bytes of every cell."""
    return sum(cells_free_memory(0, len(_node_ids())))


def cpu_map() -> tuple[int, list[bool], int]:
    """virNodeGetCPUMap: (present CPUs, online map, online count)."""
    present = hostinfo.parse_cpulist(hostinfo.read(f"{hostinfo.SYS_CPU}/present"))
    online = {c.id for c in hostinfo.online_cpus()}
    total = max(present + list(online)) + 1
    return total, [i in online for i in range(total)], len(online)


def _hugepage_dir(node: int, size: int) -> str:
    path = f"{hostinfo.SYS_NODE}/node{node}/hugepages/hugepages-{size}kB"
    return path if os.path.isdir(path) else f"/sys/kernel/mm/hugepages/hugepages-{size}kB"


def _check_size(size: int, node: int) -> None:
    if size != hostinfo.page_size_kib() and size not in hostinfo.huge_page_sizes():
        raise report(C.VIR_ERR_OPERATION_FAILED,
                     f"page size {size} is not available on node {node}", _FROM)


def free_pages(sizes: list[int], start: int, count: int) -> dict[int, dict[int, int]]:
    """virNodeGetFreePages: {cell: {page size KiB: free pages}}."""
    small = hostinfo.page_size_kib()
    out: dict[int, dict[int, int]] = {}
    for node in _check_cells(start, count):
        counts = {}
        for size in sizes:
            _check_size(size, node)
            if size == small:
                counts[size] = hostinfo.meminfo_kib(_node_meminfo(node), "MemFree") // small
            else:
                text = hostinfo.read(f"{_hugepage_dir(node, size)}/free_hugepages")
                counts[size] = int(text or 0)
        out[node] = counts
    return out


def alloc_pages(pages: dict[int, int], start: int, count: int, add: bool) -> int:
    """virNodeAllocPages: size the huge page pools of cells ``start``..; return how
    many cells were changed.  ``add`` adds ``pages`` to the pools instead of setting."""
    small = hostinfo.page_size_kib()
    done = 0
    for node in _check_cells(start, count):
        for size, number in pages.items():
            if size == small:
                raise report(C.VIR_ERR_OPERATION_UNSUPPORTED,
                             "system pages pool can't be modified", _FROM)
            _check_size(size, node)
            path = f"{_hugepage_dir(node, size)}/nr_hugepages"
            want = int(hostinfo.read(path) or 0) + number if add else number
            try:
                with open(path, "w") as f:
                    f.write(f"{want}\n")
            except OSError as exc:
                raise report(C.VIR_ERR_SYSTEM_ERROR, f"Unable to write to {path}: "
                             f"{exc.strerror}", _FROM) from exc
        done += 1
    return done


def memory_parameters() -> dict[str, int]:
    """virNodeGetMemoryParameters: the KSM numbers."""
    files = dict(KSM_PARAMS)
    return {name: int(hostinfo.read(f"{SYS_KSM}/{files[name]}") or 0) for name in _KSM_ORDER
            if os.path.exists(f"{SYS_KSM}/{files[name]}")}


def set_memory_parameters(params: dict[str, int]) -> None:
    """virNodeSetMemoryParameters: write the settable KSM knobs (names already checked)."""
    files = dict(KSM_PARAMS)
    for name, value in params.items():
        path = f"{SYS_KSM}/{files[name]}"
        try:
            with open(path, "w") as f:
                f.write(f"{value}\n")
        except OSError as exc:
            raise report(C.VIR_ERR_SYSTEM_ERROR, f"failed to set {name}: {exc.strerror}",
                         _FROM) from exc
