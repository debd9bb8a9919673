"""Domain tuning commands: scheduler, block I/O, memory, NUMA, disk and interface
throttling, perf events, and pinning of vCPUs, emulator and I/O threads."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pyvirt as libvirt
from pyvirt.shell import lookup
from pyvirt.shell.command import (
    CONFIG,
    CURRENT,
    DOMAIN,
    LIVE,
    Args,
    CmdError,
    affect_flags,
    argv,
    command,
    data,
    flag,
    number,
    string,
)
from pyvirt.shell.main import Shell
from pyvirt.shell.output import format_table, typed_value

DOMAIN_GROUP = "domain"
UNLIMITED = 9007199254740991
_AFFECT = [CONFIG, LIVE, CURRENT]


def _print_params(shell: Shell, params: dict[str, Any], unlimited: bool = False) -> None:
    for name, value in params.items():
        text = "unlimited" if unlimited and value == UNLIMITED else typed_value(value)
        shell.out.print(f"{name:<15}: {text}\n")


def _flags(args: Args) -> int:
    return affect_flags(args, libvirt)


def _set_or_show(params: dict[str, Any], setter: Callable[[], Any],
                 getter: Callable[[], Any], show: Callable[[Any], None],
                 set_error: str, get_error: str) -> bool:
    """Set ``params`` when there are any, else show what ``getter`` returns (virsh's
    pattern of the tuning commands, with their two error lines)."""
    try:
        if params:
            setter()
            return True
        values = getter()
    except libvirt.libvirtError as exc:
        raise CmdError(set_error if params else get_error, exc) from None
    show(values)
    return True


# --- cpulists --------------------------------------------------------------------------------

def _max_cpus(shell: Shell) -> int:
    return shell.conn.getCPUMap(0)[0]


def parse_cpulist(text: str, maxcpu: int) -> tuple[bool, ...]:
    """virsh's cpulist ('0-2,^1', 'r' for all) as a cpumap of ``maxcpu`` bools."""
    cpus: set[int] = set()
    if text == "r":
        cpus = set(range(maxcpu))
    else:
        try:
            for part in text.split(","):
                neg = part.startswith("^")
                lo, _, hi = part.lstrip("^").partition("-")
                span = set(range(int(lo), int(hi or lo) + 1))
                cpus = cpus - span if neg else cpus | span
        except ValueError:
            raise CmdError(f"Invalid cpulist '{text}'") from None
    if any(c >= maxcpu for c in cpus):
        raise CmdError(f"Invalid cpulist '{text}'")
    return tuple(i in cpus for i in range(maxcpu))


def cpumap_text(cpumap: Any) -> str:
    """A cpumap as virsh prints it: '0-2,5'."""
    from pyvirt.util.hostinfo import format_cpulist
    return format_cpulist([i for i, bit in enumerate(cpumap) if bit])


# --- scheduler, blkio, memory, NUMA -----------------------------------------------------------

@command("schedinfo", DOMAIN_GROUP, "show/set scheduler parameters",
         [DOMAIN, argv("set", "parameter=value", positional=False),
          number("weight", "weight for XEN_CREDIT"), number("cap", "cap for XEN_CREDIT"),
          *_AFFECT])
def cmd_schedinfo(shell: Shell, args: Args) -> bool:
    """Show (and with --set change) the domain's scheduler parameters."""
    flags = _flags(args)
    dom, _ = lookup.domain(shell, args)
    try:
        sched, _count = dom.schedulerType()
    except libvirt.libvirtError as exc:
        raise CmdError("Unable to get scheduler parameters", exc) from None
    shell.out.print(f"{'Scheduler':<15}: {sched}\n")
    current = dom.schedulerParametersFlags(flags)
    updates: dict[str, int] = {}
    for item in args.words("set"):
        name, eq, value = item.partition("=")
        if not eq or name not in current:
            raise CmdError(f"invalid scheduler option: {item}")
        try:
            updates[name] = int(value)
        except ValueError:
            raise CmdError(f"invalid value of {name}: {value}") from None
    if updates:
        try:
            dom.setSchedulerParametersFlags(updates, flags)
        except libvirt.libvirtError as exc:
            raise CmdError("Unable to change scheduler parameters", exc) from None
        current = dom.schedulerParametersFlags(flags)
    _print_params(shell, current)
    return True


_BLKIO_OPTS = (("device-weights", "device_weight"),
               ("device-read-iops-sec", "device_read_iops_sec"),
               ("device-write-iops-sec", "device_write_iops_sec"),
               ("device-read-bytes-sec", "device_read_bytes_sec"),
               ("device-write-bytes-sec", "device_write_bytes_sec"))


@command("blkiotune", DOMAIN_GROUP, "Get or set blkio parameters",
         [DOMAIN, number("weight", "IO Weight"),
          string("device-weights", "per-device IO Weights, in the form of "
                 "/path/to/device,weight,..."),
          string("device-read-iops-sec", "per-device read I/O limit per second"),
          string("device-write-iops-sec", "per-device write I/O limit per second"),
          string("device-read-bytes-sec", "per-device bytes read per second"),
          string("device-write-bytes-sec", "per-device bytes wrote per second"), *_AFFECT])
def cmd_blkiotune(shell: Shell, args: Args) -> bool:
    """Show or change the block I/O weights and limits."""
    flags = _flags(args)
    dom, _ = lookup.domain(shell, args)
    params: dict[str, Any] = {}
    weight = args.int("weight", minimum=0)
    if weight is not None:
        params["weight"] = weight
    for opt, name in _BLKIO_OPTS:
        if args.get(opt) is not None:
            params[name] = args.get(opt)
    return _set_or_show(params, lambda: dom.setBlkioParameters(params, flags),
                        lambda: dom.blkioParameters(flags),
                        lambda v: _print_params(shell, v),
                        "Unable to change blkio parameters", "Unable to get blkio parameters")


_MEM_OPTS = (("hard-limit", "hard_limit"), ("soft-limit", "soft_limit"),
             ("swap-hard-limit", "swap_hard_limit"), ("min-guarantee", "min_guarantee"))


@command("memtune", DOMAIN_GROUP, "Get or set memory parameters",
         [DOMAIN, string("hard-limit", "Max memory, as scaled integer (default KiB)"),
          string("soft-limit", "Memory during contention, as scaled integer (default KiB)"),
          string("swap-hard-limit", "Max memory plus swap, as scaled integer (default KiB)"),
          string("min-guarantee", "Min guaranteed memory, as scaled integer (default KiB)"),
          *_AFFECT])
def cmd_memtune(shell: Shell, args: Args) -> bool:
    """Show or change the memory limits (KiB)."""
    flags = _flags(args)
    dom, _ = lookup.domain(shell, args)
    params: dict[str, int] = {}
    for opt, name in _MEM_OPTS:
        raw = args.get(opt)
        if raw is None:
            continue
        if raw == "-1":
            params[name] = UNLIMITED
        else:
            value = args.scaled(opt, 1024) or 0
            params[name] = min(value // 1024, UNLIMITED)
    return _set_or_show(params, lambda: dom.setMemoryParameters(params, flags),
                        lambda: dom.memoryParameters(flags),
                        lambda v: _print_params(shell, v, unlimited=True),
                        "Unable to change memory parameters", "Unable to get memory parameters")


_NUMA_MODES = ("strict", "preferred", "interleave", "restrictive")


@command("numatune", DOMAIN_GROUP, "Get or set numa parameters",
         [DOMAIN, string("mode", "NUMA mode, one of strict, preferred and interleave or a "
                         "number from the virDomainNumatuneMemMode enum"),
          string("nodeset", "NUMA node selections to set"), *_AFFECT])
def cmd_numatune(shell: Shell, args: Args) -> bool:
    """Show or change the memory NUMA policy."""
    flags = _flags(args)
    dom, _ = lookup.domain(shell, args)
    params: dict[str, Any] = {}
    mode = args.get("mode")
    if mode is not None:
        if mode in _NUMA_MODES:
            params["numa_mode"] = _NUMA_MODES.index(mode)
        elif mode.isdigit():
            params["numa_mode"] = int(mode)
        else:
            raise CmdError(f"Invalid mode: {mode}")
    if args.get("nodeset") is not None:
        params["numa_nodeset"] = args.get("nodeset")

    def _show_values(values: Any) -> None:
        for name, value in values.items():
            if name == "numa_mode" and 0 <= value < len(_NUMA_MODES):
                value = _NUMA_MODES[value]
            shell.out.print(f"{name:<15}: {value}\n")

    return _set_or_show(params, lambda: dom.setNumaParameters(params, flags),
                        lambda: dom.numaParameters(flags),
                        _show_values, "Unable to change numa parameters",
                        "Unable to get numa parameters")


# --- disk and interface throttling, perf ------------------------------------------------------

_IOTUNE = ("total_bytes_sec", "read_bytes_sec", "write_bytes_sec", "total_iops_sec",
           "read_iops_sec", "write_iops_sec", "total_bytes_sec_max", "read_bytes_sec_max",
           "write_bytes_sec_max", "total_iops_sec_max", "read_iops_sec_max",
           "write_iops_sec_max", "size_iops_sec", "total_bytes_sec_max_length",
           "read_bytes_sec_max_length", "write_bytes_sec_max_length",
           "total_iops_sec_max_length", "read_iops_sec_max_length",
           "write_iops_sec_max_length")


@command("blkdeviotune", DOMAIN_GROUP, "Set or query a block device I/O tuning parameters.",
         [DOMAIN, data("device", "block device"),
          *[string(n.replace("_", "-"), n.replace("_", " ")) for n in _IOTUNE],
          string("group-name", "group name to share I/O quota between multiple drives"),
          *_AFFECT])
def cmd_blkdeviotune(shell: Shell, args: Args) -> bool:
    """Show or change a disk's I/O throttling."""
    flags = _flags(args)
    dom, _ = lookup.domain(shell, args)
    disk = args.req("device")
    params: dict[str, Any] = {}
    for name in _IOTUNE:
        opt = name.replace("_", "-")
        if args.get(opt) is not None:
            params[name] = args.scaled(opt, 1) or 0
    if args.get("group-name") is not None:
        params["group_name"] = args.get("group-name")
    return _set_or_show(params, lambda: dom.setBlockIoTune(disk, params, flags),
                        lambda: dom.blockIoTune(disk, flags),
                        lambda v: _print_params(shell, v),
                        "Unable to change block I/O throttle",
                        "Unable to get block I/O throttle parameters")


def _rates(text: str, direction: str) -> dict[str, int]:
    keys = ("average", "peak", "burst", "floor") if direction == "inbound" else \
        ("average", "peak", "burst")
    parts = text.split(",")
    if len(parts) > len(keys) or not all(p.isdigit() or p == "" for p in parts):
        raise CmdError(f"{direction} format is incorrect")
    return {f"{direction}.{k}": int(v) for k, v in zip(keys, parts, strict=False) if v}


@command("domiftune", DOMAIN_GROUP, "get/set parameters of a virtual interface",
         [DOMAIN, data("interface", "interface device (MAC Address)"),
          string("inbound", "control domain's incoming traffics"),
          string("outbound", "control domain's outgoing traffics"), *_AFFECT])
def cmd_domiftune(shell: Shell, args: Args) -> bool:
    """Show or change an interface's bandwidth limits."""
    flags = _flags(args)
    dom, _ = lookup.domain(shell, args)
    device = args.req("interface")
    params: dict[str, int] = {}
    for direction in ("inbound", "outbound"):
        text = args.get(direction)
        if text is not None:
            params.update(_rates(text, direction))
    return _set_or_show(params, lambda: dom.setInterfaceParameters(device, params, flags),
                        lambda: dom.interfaceParameters(device, flags),
                        lambda v: _print_params(shell, v),
                        "Unable to set interface parameters", "Unable to get interface parameters")


@command("perf", DOMAIN_GROUP, "Get or set perf event",
         [DOMAIN, string("enable", "perf events which will be enabled"),
          string("disable", "perf events which will be disabled"), *_AFFECT])
def cmd_perf(shell: Shell, args: Args) -> bool:
    """Show or switch the domain's perf events."""
    flags = _flags(args)
    dom, _ = lookup.domain(shell, args)
    params: dict[str, bool] = {}
    for opt, on in (("enable", True), ("disable", False)):
        for name in (args.get(opt) or "").split("|"):
            if name:
                params[name] = on

    def _show_events(events: Any) -> None:
        for name, on in events.items():
            shell.out.print(f"{name:<15}: {'enabled' if on else 'disabled'}\n")

    return _set_or_show(params, lambda: dom.setPerfEvents(params, flags),
                        lambda: dom.perfEvents(flags),
                        _show_events, "Unable to enable/disable perf events",
                        "Unable to get perf events")


# --- pinning -----------------------------------------------------------------------------------

@command("vcpupin", DOMAIN_GROUP, "control or query domain vcpu affinity",
         [DOMAIN, number("vcpu", "vcpu number", positional=True),
          string("cpulist", "host cpu number(s) to set, or omit option to query",
                 positional=True), *_AFFECT])
def cmd_vcpupin(shell: Shell, args: Args) -> bool:
    """Show the vCPUs' CPU affinity, or pin one vCPU."""
    flags = _flags(args)
    dom, _ = lookup.domain(shell, args)
    vcpu = args.int("vcpu", minimum=0)
    cpulist = args.get("cpulist")
    if cpulist is not None:
        if vcpu is None:
            raise CmdError("vcpupin: Missing vCPU number in pin mode.")
        cpumap = parse_cpulist(cpulist, _max_cpus(shell))
        try:
            dom.pinVcpuFlags(vcpu, cpumap, flags)
        except libvirt.libvirtError as exc:
            raise CmdError("Failed to pin vcpu", exc) from None
        return True
    maps = dom.vcpuPinInfo(flags)
    rows = [(str(i), cpumap_text(m)) for i, m in enumerate(maps) if vcpu in (None, i)]
    if vcpu is not None and not rows:
        raise CmdError(f"vcpu {vcpu} is out of range")
    shell.out.print(format_table(["VCPU", "CPU Affinity"], rows))
    return True


@command("emulatorpin", DOMAIN_GROUP, "control or query domain emulator affinity",
         [DOMAIN, string("cpulist", "host cpu number(s) to set, or omit option to query",
                         positional=True), *_AFFECT])
def cmd_emulatorpin(shell: Shell, args: Args) -> bool:
    """Show or set the emulator threads' CPU affinity."""
    flags = _flags(args)
    dom, _ = lookup.domain(shell, args)
    cpulist = args.get("cpulist")
    if cpulist is not None:
        try:
            dom.pinEmulator(parse_cpulist(cpulist, _max_cpus(shell)), flags)
        except libvirt.libvirtError as exc:
            raise CmdError("Failed to pin emulator", exc) from None
        return True
    cpumap = dom.emulatorPinInfo(flags)
    shell.out.print(f"emulator: CPU Affinity\n{'-' * 34}\n{'*':>8}: {cpumap_text(cpumap)}\n")
    return True


@command("iothreadinfo", DOMAIN_GROUP, "view domain IOThreads", [DOMAIN, *_AFFECT])
def cmd_iothreadinfo(shell: Shell, args: Args) -> bool:
    """List the I/O threads and their CPU affinity."""
    flags = _flags(args)
    dom, _ = lookup.domain(shell, args)
    try:
        info = dom.ioThreadInfo(flags)
    except libvirt.libvirtError as exc:
        raise CmdError("Unable to get domain IOThreads information", exc) from None
    if not info:
        shell.out.print("No IOThreads found for the domain\n")
        return True
    shell.out.print(format_table(["IOThread ID", "CPU Affinity"],
                                 [(str(i), cpumap_text(m)) for i, m in info]))
    return True


@command("iothreadpin", DOMAIN_GROUP, "control domain IOThread affinity",
         [DOMAIN, number("iothread", "IOThread ID number", required=True),
          data("cpulist", "host cpu number(s) to set"), *_AFFECT])
def cmd_iothreadpin(shell: Shell, args: Args) -> bool:
    """Pin an I/O thread to host CPUs."""
    flags = _flags(args)
    dom, _ = lookup.domain(shell, args)
    cpumap = parse_cpulist(args.req("cpulist"), _max_cpus(shell))
    dom.pinIOThread(args.int("iothread", minimum=0) or 0, cpumap, flags)
    return True


@command("iothreadadd", DOMAIN_GROUP, "add an IOThread to the guest domain",
         [DOMAIN, number("id", "iothread for the new IOThread", required=True), *_AFFECT])
def cmd_iothreadadd(shell: Shell, args: Args) -> bool:
    """Add an I/O thread."""
    return _iothread_call(shell, args, "addIOThread")


def _iothread_call(shell: Shell, args: Args, method: str) -> bool:
    """Call ``dom.<method>(id, flags)`` for iothreadadd and iothreaddel."""
    flags = _flags(args)
    dom, _ = lookup.domain(shell, args)
    ident = args.int("id")
    if ident is None or ident <= 0:
        raise CmdError(f"Invalid IOThread id value: '{ident}'")
    getattr(dom, method)(ident, flags)
    return True


@command("iothreaddel", DOMAIN_GROUP, "delete an IOThread from the guest domain",
         [DOMAIN, number("id", "iothread_id for the IOThread to delete", required=True),
          *_AFFECT])
def cmd_iothreaddel(shell: Shell, args: Args) -> bool:
    """Remove an I/O thread."""
    return _iothread_call(shell, args, "delIOThread")


_IOTHREAD_SET = (("poll-max-ns", "poll_max_ns"), ("poll-grow", "poll_grow"),
                 ("poll-shrink", "poll_shrink"), ("thread-pool-min", "thread_pool_min"),
                 ("thread-pool-max", "thread_pool_max"))


@command("iothreadset", DOMAIN_GROUP, "modifies an existing IOThread of the guest domain",
         [DOMAIN, number("id", "iothread id of existing IOThread", required=True),
          *[number(opt, opt.replace("-", " ")) for opt, _n in _IOTHREAD_SET],
          LIVE, CURRENT])
def cmd_iothreadset(shell: Shell, args: Args) -> bool:
    """Set an I/O thread's polling and pool parameters."""
    flags = _flags(args)
    dom, _ = lookup.domain(shell, args)
    params = {name: args.int(opt, minimum=-1, maximum=2 ** 31 - 1)
              for opt, name in _IOTHREAD_SET if args.get(opt) is not None}
    if not params:
        raise CmdError("Not enough arguments passed, nothing to set")
    dom.setIOThreadParams(args.int("id") or 0, params, flags)
    return True


@command("vcpuinfo", DOMAIN_GROUP, "detailed domain vcpu information",
         [DOMAIN, flag("pretty", "return human readable output")])
def cmd_vcpuinfo(shell: Shell, args: Args) -> bool:
    """Print each vCPU's state, host CPU, time and affinity."""
    dom, _ = lookup.domain(shell, args)
    states = {libvirt.VIR_VCPU_OFFLINE: "offline", libvirt.VIR_VCPU_RUNNING: "running",
              libvirt.VIR_VCPU_BLOCKED: "blocked"}
    out = shell.out
    try:
        info, maps = dom.vcpus()
    except libvirt.libvirtError as exc:
        if dom.isActive():
            raise CmdError("Unable to get vcpu information", exc) from None
        info = [(i, -1, 0, -1) for i in range(dom.vcpusFlags(libvirt.VIR_DOMAIN_AFFECT_CONFIG))]
        maps = dom.vcpuPinInfo(libvirt.VIR_DOMAIN_AFFECT_CONFIG)
    for (number_, state, cpu_time, cpu), cpumap in zip(info, maps, strict=False):
        out.print(f"{'VCPU:':<15} {number_}\n")
        out.print(f"{'CPU:':<15} {cpu if cpu >= 0 else 'N/A'}\n")
        out.print(f"{'State:':<15} {states.get(state, 'N/A')}\n")
        if cpu_time:
            out.print(f"{'CPU time:':<15} {cpu_time / 1e9:.1f}s\n")
        affinity = cpumap_text(cpumap) if args.flag("pretty") else \
            "".join("y" if bit else "-" for bit in cpumap)
        out.print(f"{'CPU Affinity:':<15} {affinity}\n\n")
    return True
