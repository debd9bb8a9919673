"""Runtime information and statistics of guests.

CPU times come from the kernel's per-thread ``schedstat`` (nanoseconds on a
CPU) of the QEMU process and its vCPU threads (``query-cpus-fast`` names
them); memory from the balloon (``query-balloon``) and ``/proc/PID/status``;
disks from ``query-blockstats``; interfaces from the tap's counters.
Values are shaped as libvirt-python returns them.
"""

from __future__ import annotations

import json
import os
import subprocess
from typing import Any

from pyvirt import constants as C
from pyvirt.drivers.qemu import address, netdev
from pyvirt.drivers.qemu.command import disk_path
from pyvirt.drivers.qemu.domain import active_monitor, not_running
from pyvirt.drivers.qemu.domobj import DomainObj
from pyvirt.errors import libvirtError, report

_FROM = C.VIR_FROM_QEMU
_TICK_NS = 1_000_000_000 // os.sysconf("SC_CLK_TCK")


def _read(path: str) -> str:
    try:
        with open(path) as f:
            return f.read()
    except OSError:
        return ""


def thread_cpu_ns(pid: int, tid: int | None = None) -> int:
    """Nanoseconds on a CPU of one thread (or, without ``tid``, of every thread)."""
    if tid is not None:
        text = _read(f"/proc/{pid}/task/{tid}/schedstat")
        return int(text.split()[0]) if text else 0
    total = 0
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return 0
    for t in tids:
        text = _read(f"/proc/{pid}/task/{t}/schedstat")
        if text:
            total += int(text.split()[0])
    return total


def user_system_ns(pid: int) -> tuple[int, int]:
    """(user, system) CPU time of a process in nanoseconds (clock-tick resolution)."""
    text = _read(f"/proc/{pid}/stat")
    if not text:
        return 0, 0
    fields = text[text.rindex(")") + 2:].split()
    return int(fields[11]) * _TICK_NS, int(fields[12]) * _TICK_NS


def _pid(vm: DomainObj) -> int | None:
    proc = vm.proc
    return proc.pid if proc is not None and vm.is_active() else None


def cpu_time(vm: DomainObj) -> int:
    """Total CPU time of the guest's QEMU in ns (0 when not running)."""
    pid = _pid(vm)
    return thread_cpu_ns(pid) if pid else 0


def info(vm: DomainObj) -> list[int]:
    """virDomainGetInfo: [state, maxMem KiB, memory KiB, nrVirtCpu, cpuTime ns]."""
    with vm.lock:
        def_ = vm.def_
        state = vm.state
        active = vm.is_active()
    memory = def_.current_memory or def_.memory
    if active and vm.balloon_actual is not None:
        memory = vm.balloon_actual
    return [state, def_.memory, memory, def_.vcpus or def_.max_vcpus,
            cpu_time(vm) if active else 0]


def cpu_stats(vm: DomainObj, total: bool) -> list[dict[str, int]]:
    """virDomainGetCPUStats: the total (user/system split) or one entry per host CPU."""
    pid = _pid(vm)
    if pid is None:
        raise not_running()
    if total:
        user, system = user_system_ns(pid)
        return [{"cpu_time": thread_cpu_ns(pid), "user_time": user, "system_time": system}]
    ncpus = os.cpu_count() or 1
    per = [{"cpu_time": 0, "vcpu_time": 0} for _ in range(ncpus)]
    vcpu_tids = {t for _i, t in _vcpu_threads(vm)}
    try:
        tids = [int(t) for t in os.listdir(f"/proc/{pid}/task")]
    except OSError:
        tids = []
    for tid in tids:
        cpu = _last_cpu(pid, tid)
        ns = thread_cpu_ns(pid, tid)
        if 0 <= cpu < ncpus:
            per[cpu]["cpu_time"] += ns
            if tid in vcpu_tids:
                per[cpu]["vcpu_time"] += ns
    return per


def _last_cpu(pid: int, tid: int) -> int:
    text = _read(f"/proc/{pid}/task/{tid}/stat")
    if not text:
        return -1
    return int(text[text.rindex(")") + 2:].split()[36])


def _vcpu_threads(vm: DomainObj) -> list[tuple[int, int]]:
    """[(vcpu index, thread id)] from QEMU."""
    try:
        cpus = active_monitor(vm).execute("query-cpus-fast")
    except libvirtError:
        return []
    return sorted((c["cpu-index"], c["thread-id"]) for c in cpus)


def vcpus(vm: DomainObj) -> tuple[list[tuple[int, int, int, int]], list[tuple[bool, ...]]]:
    """virDomainGetVcpus: ([(number, state, cpuTime ns, host cpu)], [cpumap per vCPU])."""
    pid = _pid(vm)
    if pid is None:
        raise report(C.VIR_ERR_OPERATION_INVALID,
                     "cannot list vcpu pinning for an inactive domain", _FROM)
    ncpus = os.cpu_count() or 1
    info_list = []
    maps = []
    for index, tid in _vcpu_threads(vm):
        info_list.append((index, C.VIR_VCPU_RUNNING, thread_cpu_ns(pid, tid),
                          _last_cpu(pid, tid)))
        try:
            affinity = os.sched_getaffinity(tid)
        except OSError:
            affinity = set(range(ncpus))
        maps.append(tuple(cpu in affinity for cpu in range(ncpus)))
    return info_list, maps


# QEMU's guest-stats names -> libvirt's memoryStats keys (and whether bytes -> KiB).
_GUEST_STATS = (("stat-swap-in", "swap_in", True), ("stat-swap-out", "swap_out", True),
                ("stat-major-faults", "major_fault", False),
                ("stat-minor-faults", "minor_fault", False),
                ("stat-free-memory", "unused", True), ("stat-total-memory", "available", True),
                ("stat-available-memory", "usable", True))
_GUEST_STATS_TAIL = (("stat-disk-caches", "disk_caches", True),
                     ("stat-htlb-pgalloc", "hugetlb_pgalloc", False),
                     ("stat-htlb-pgfail", "hugetlb_pgfail", False))


def _guest_stats(vm: DomainObj, mon: Any) -> dict[str, int]:
    """What the guest's balloon driver last reported (statistics need a period set)."""
    balloon = address.memballoon(vm.def_)
    if balloon is None or balloon.model == "none" or not balloon.alias:
        return {}
    try:
        got = mon.execute("qom-get", {"path": f"/machine/peripheral/{balloon.alias}",
                                      "property": "guest-stats"})
    except libvirtError:
        return {}
    values = got.get("stats") or {}
    out: dict[str, int] = {}

    def take(table: tuple) -> None:
        for qname, name, kib in table:
            value = values.get(qname, -1)
            # QEMU says "not reported" with -1, sent as an unsigned 64-bit number
            if isinstance(value, int) and 0 <= value < 2 ** 63:
                out[name] = value // 1024 if kib else value

    take(_GUEST_STATS)
    # as libvirt: the time of the guest's last report, 0 before the first one
    if isinstance(got.get("last-update"), int):
        out["last_update"] = got["last-update"]
    take(_GUEST_STATS_TAIL)
    return out


def memory_stats(vm: DomainObj) -> dict[str, int]:
    """virDomainMemoryStats: 'actual' (balloon, KiB), the guest's balloon statistics, 'rss'."""
    pid = _pid(vm)
    if pid is None:
        raise not_running()
    out: dict[str, int] = {}
    mon = active_monitor(vm)
    try:
        balloon = mon.execute("query-balloon")
        out["actual"] = int(balloon["actual"]) // 1024
    except libvirtError:
        out["actual"] = vm.def_.current_memory or vm.def_.memory
    out.update(_guest_stats(vm, mon))
    for line in _read(f"/proc/{pid}/status").splitlines():
        if line.startswith("VmRSS:"):
            out["rss"] = int(line.split()[1])
    return out


def _find_disk(vm: DomainObj, path: str) -> Any:
    for disk in address.devices(vm.def_, "disk"):
        if path in (disk.target, disk_path(disk), disk.alias):
            return disk
    raise report(C.VIR_ERR_INVALID_ARG, f"invalid path: {path}", _FROM)


def _qdev_alias(qdev: str) -> str:
    """A disk's alias from QEMU's qdev path ('/machine/peripheral/virtio-disk0/...')."""
    parts = qdev.split("/")
    return parts[3] if len(parts) > 3 and parts[2] == "peripheral" else qdev


def _blockstats(vm: DomainObj) -> dict[str, dict]:
    """QEMU's block statistics keyed by device alias."""
    out: dict[str, dict] = {}
    for entry in active_monitor(vm).execute("query-blockstats"):
        out[_qdev_alias(entry.get("qdev") or "")] = entry.get("stats", {})
    return out


def _virtual_sizes(vm: DomainObj) -> dict[str, int]:
    """The guest-visible size of each disk's image (qcow2: its virtual size), by alias."""
    out: dict[str, int] = {}
    try:
        entries = active_monitor(vm).execute("query-block")
    except libvirtError:
        return out
    for entry in entries:
        image = (entry.get("inserted") or {}).get("image") or {}
        if "virtual-size" in image:
            out[_qdev_alias(entry.get("qdev") or "")] = int(image["virtual-size"])
    return out


def image_virtual_size(path: str) -> int | None:
    """The virtual size of the image at ``path`` (qemu-img info), or None."""
    try:
        res = subprocess.run(["qemu-img", "info", "-U", "--output=json", path],
                             capture_output=True, text=True, timeout=30, check=False)
        return int(json.loads(res.stdout)["virtual-size"]) if res.returncode == 0 else None
    except (OSError, ValueError, KeyError, subprocess.TimeoutExpired):
        return None


def block_info(vm: DomainObj, path: str) -> list[int]:
    """virDomainGetBlockInfo: [capacity, allocation, physical] of one disk.

    capacity is what the guest sees (a qcow2 image's virtual size), allocation
    the bytes the file occupies on the host, physical the file's size.
    """
    try:
        disk = _find_disk(vm, path)
    except libvirtError:
        raise report(C.VIR_ERR_INVALID_ARG, f"invalid path {path} not assigned to domain",
                     _FROM) from None
    src = disk_path(disk)
    if not src:
        raise report(C.VIR_ERR_INVALID_ARG,
                     f"disk '{disk.target}' does not currently have a source assigned", _FROM)
    try:
        st = os.stat(src)
    except OSError as exc:
        raise report(C.VIR_ERR_SYSTEM_ERROR,
                     f"cannot stat file '{src}': {exc.strerror}", _FROM) from None
    capacity = _virtual_sizes(vm).get(disk.alias or "") if vm.is_active() else None
    if capacity is None:
        capacity = image_virtual_size(src) or st.st_size
    return [capacity, st.st_blocks * 512, st.st_size]


def block_stats(vm: DomainObj, path: str) -> tuple[int, int, int, int, int]:
    """virDomainBlockStats: (rd_req, rd_bytes, wr_req, wr_bytes, errs) of one disk."""
    if not vm.is_active():
        raise not_running()
    disk = _find_disk(vm, path)
    s = _blockstats(vm).get(disk.alias, {})
    return (s.get("rd_operations", 0), s.get("rd_bytes", 0), s.get("wr_operations", 0),
            s.get("wr_bytes", 0), -1)


def _find_net(vm: DomainObj, path: str) -> Any:
    for net in address.devices(vm.def_, "interface"):
        if path in (net.target_dev, net.mac, net.alias):
            return net
    raise report(C.VIR_ERR_INVALID_ARG, f"invalid path, '{path}' is not a known interface",
                 _FROM)


def interface_stats(vm: DomainObj, path: str) -> tuple[int, ...]:
    """virDomainInterfaceStats: rx/tx bytes, packets, errors, drops of one interface."""
    if not vm.is_active():
        raise not_running()
    net = _find_net(vm, path)
    if not net.target_dev:
        raise report(C.VIR_ERR_OPERATION_UNSUPPORTED,
                     f"interface '{path}' of type '{net.type.value}' has no host device "
                     "to count its traffic", _FROM)
    return netdev.interface_stats(net.target_dev)


# --- getAllDomainStats ----------------------------------------------------------------------

def domain_stats(vm: DomainObj, groups: int) -> dict[str, Any]:
    """One domain's record for virConnectGetAllDomainStats (``groups`` 0: all)."""
    want = groups or ~0
    out: dict[str, Any] = {}
    with vm.lock:
        state, reason, active = vm.state, vm.reason, vm.is_active()
    if want & C.VIR_DOMAIN_STATS_STATE:
        out["state.state"] = state
        out["state.reason"] = reason
    if not active:
        return out
    try:
        _live_stats(vm, want, out)
    except libvirtError:
        pass                    # QEMU went away meanwhile: what we have is what there is
    return out


def _live_stats(vm: DomainObj, want: int, out: dict[str, Any]) -> None:
    pid = _pid(vm)
    def_ = vm.def_
    if want & C.VIR_DOMAIN_STATS_CPU_TOTAL and pid:
        user, system = user_system_ns(pid)
        out.update({"cpu.time": thread_cpu_ns(pid), "cpu.user": user, "cpu.system": system,
                    "cpu.cache.monitor.count": 0,
                    # guest halt polling is KVM's: none under TCG
                    "cpu.haltpoll.success.time": 0, "cpu.haltpoll.fail.time": 0})
    if want & C.VIR_DOMAIN_STATS_BALLOON:
        mem = memory_stats(vm)
        out["balloon.current"] = mem.pop("actual", def_.memory)
        out["balloon.maximum"] = def_.memory
        rss = mem.pop("rss", None)
        for key, value in mem.items():
            out["balloon." + key.replace("last_update", "last-update")] = value
        if rss is not None:
            out["balloon.rss"] = rss
    if want & C.VIR_DOMAIN_STATS_VCPU:
        _vcpu_stats(vm, pid, out)
    if want & C.VIR_DOMAIN_STATS_INTERFACE:
        _net_stats(def_, out)
    if want & C.VIR_DOMAIN_STATS_BLOCK:
        _block_group(vm, out)
    if want & C.VIR_DOMAIN_STATS_DIRTYRATE:
        dirty_rate_stats(vm, out)


def _vcpu_stats(vm: DomainObj, pid: int | None, out: dict[str, Any]) -> None:
    def_ = vm.def_
    out["vcpu.current"] = def_.vcpus or def_.max_vcpus
    out["vcpu.maximum"] = def_.max_vcpus
    for number, tid in _vcpu_threads(vm):
        sched = _read(f"/proc/{pid}/task/{tid}/schedstat").split()
        out[f"vcpu.{number}.state"] = C.VIR_VCPU_RUNNING
        out[f"vcpu.{number}.time"] = int(sched[0]) if sched else 0
        out[f"vcpu.{number}.wait"] = 0
        # time spent runnable on a host run queue (the guest's steal time)
        out[f"vcpu.{number}.delay"] = int(sched[1]) if len(sched) > 1 else 0


def _net_stats(def_: Any, out: dict[str, Any]) -> None:
    nets = address.devices(def_, "interface")
    out["net.count"] = len(nets)
    for i, net in enumerate(nets):
        if not net.target_dev:
            continue            # libvirt names only interfaces with a host device
        out[f"net.{i}.name"] = net.target_dev
        rxb, rxp, rxe, rxd, txb, txp, txe, txd = netdev.interface_stats(net.target_dev)
        out.update({f"net.{i}.rx.bytes": rxb, f"net.{i}.rx.pkts": rxp,
                    f"net.{i}.rx.errs": rxe, f"net.{i}.rx.drop": rxd,
                    f"net.{i}.tx.bytes": txb, f"net.{i}.tx.pkts": txp,
                    f"net.{i}.tx.errs": txe, f"net.{i}.tx.drop": txd})


def _block_group(vm: DomainObj, out: dict[str, Any]) -> None:
    disks = address.devices(vm.def_, "disk")
    qstats: dict[str, dict] = {}
    for entry in active_monitor(vm).execute("query-blockstats"):
        qstats[_qdev_alias(entry.get("qdev") or "")] = entry
    images: dict[str, dict] = {}
    for entry in active_monitor(vm).execute("query-block"):
        images[_qdev_alias(entry.get("qdev") or "")] = \
            (entry.get("inserted") or {}).get("image") or {}
    out["block.count"] = len(disks)
    for i, disk in enumerate(disks):
        alias = disk.alias or ""
        out[f"block.{i}.name"] = disk.target
        path = disk_path(disk)
        if path:
            out[f"block.{i}.path"] = path
        if alias in vm.blockdev:
            out[f"block.{i}.backingIndex"] = vm.blockdev[alias]
        entry = qstats.get(alias, {})
        s = entry.get("stats", {})
        for key, qkey in (("rd.reqs", "rd_operations"), ("rd.bytes", "rd_bytes"),
                          ("rd.times", "rd_total_time_ns"), ("wr.reqs", "wr_operations"),
                          ("wr.bytes", "wr_bytes"), ("wr.times", "wr_total_time_ns"),
                          ("fl.reqs", "flush_operations"), ("fl.times", "flush_total_time_ns")):
            if qkey in s:
                out[f"block.{i}.{key}"] = s[qkey]
        image = images.get(alias, {})
        if not image:
            continue
        # as libvirt: the highest offset QEMU wrote, the guest-visible size, the
        # bytes the image occupies on the host
        out[f"block.{i}.allocation"] = int(s.get("wr_highest_offset", 0))
        if "virtual-size" in image:
            out[f"block.{i}.capacity"] = int(image["virtual-size"])
        if "actual-size" in image:
            out[f"block.{i}.physical"] = int(image["actual-size"])


# QEMU's dirty-rate measurement states -> libvirt's virDomainDirtyRateStatus.
_DIRTY_STATUS = {"unstarted": 0, "measuring": 1, "measured": 2}


def dirty_rate_stats(vm: DomainObj, out: dict[str, Any]) -> None:
    """The 'dirtyrate' group: QEMU's last calc-dirty-rate result (query-dirty-rate)."""
    try:
        info = active_monitor(vm).execute("query-dirty-rate")
    except libvirtError:
        return
    status = _DIRTY_STATUS.get(str(info.get("status")), 0)
    out["dirtyrate.calc_status"] = status
    out["dirtyrate.calc_start_time"] = int(info.get("start-time", 0))
    out["dirtyrate.calc_period"] = int(info.get("calc-time", 0))
    if "mode" in info:
        out["dirtyrate.calc_mode"] = info["mode"]
    if status == 2:
        out["dirtyrate.megabytes_per_second"] = int(info.get("dirty-rate", 0))
        for n, vcpu in enumerate(info.get("vcpu-dirty-rate") or []):
            out[f"dirtyrate.vcpu.{vcpu.get('id', n)}.megabytes_per_second"] = \
                int(vcpu.get("dirty-rate", 0))
