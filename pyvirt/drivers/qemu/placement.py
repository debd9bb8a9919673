"""Where a running guest's QEMU threads run: its cgroup and their CPU affinity.

At start (QEMU started with ``-S``, before the vCPUs run) :func:`setup`
makes the guest's cgroup (:mod:`pyvirt.drivers.qemu.cgroup`), puts QEMU
in it, moves each vCPU and I/O thread (found through QMP
``query-cpus-fast`` / ``query-iothreads``) into its sub-group and applies
the definition's ``<cputune>``, ``<memtune>`` and ``<numatune>``.  At stop
:func:`teardown` removes the group; after a restart of this process
:func:`reattach` finds it again.  The helpers the tuning calls share
(finding threads, pinning, flag targets, saving) live here too.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterator
from typing import Any

from pyvirt import constants as C
from pyvirt.driver.typedparams import check_params  # noqa: F401 - for the API mixins
from pyvirt.drivers.qemu import cgroup
from pyvirt.drivers.qemu import status as st
from pyvirt.drivers.qemu.domobj import DomainObj
from pyvirt.errors import libvirtError, report
from pyvirt.util import hostinfo

_FROM = C.VIR_FROM_QEMU
log = logging.getLogger(__name__)

LIVE = C.VIR_DOMAIN_AFFECT_LIVE
CONFIG = C.VIR_DOMAIN_AFFECT_CONFIG


# --- flags and definitions -----------------------------------------------------------------

def not_running() -> libvirtError:
    """libvirt's virDomainObjCheckActive error."""
    return report(C.VIR_ERR_OPERATION_INVALID, "domain is not running", C.VIR_FROM_DOMAIN)


def targets(vm: DomainObj, flags: int) -> tuple[bool, bool]:
    """(live, config) per VIR_DOMAIN_AFFECT_* (libvirt's virDomainObjUpdateModificationImpact)."""
    live, config = bool(flags & LIVE), bool(flags & CONFIG)
    if not live and not config:
        live, config = vm.is_active(), not vm.is_active()
    if live and not vm.is_active():
        raise not_running()
    if config and not vm.persistent:
        raise report(C.VIR_ERR_OPERATION_INVALID,
                     "transient domains do not have any persistent config", C.VIR_FROM_DOMAIN)
    return live, config


def one_def(vm: DomainObj, flags: int) -> tuple[Any, bool]:
    """The one definition a query's flags select, and whether it is the live one."""
    if flags & LIVE and flags & CONFIG:
        raise report(C.VIR_ERR_INVALID_ARG, "Flags 'VIR_DOMAIN_AFFECT_LIVE' and "
                     "'VIR_DOMAIN_AFFECT_CONFIG' are mutually exclusive", C.VIR_FROM_DOMAIN)
    live, _config = targets(vm, flags)
    return (vm.def_, True) if live else (vm.persistent_def(), False)


def save(drv: Any, vm: DomainObj, live: bool, config_def: Any | None) -> None:
    """Keep what changed: the status file (live) and the persistent definition."""
    if config_def is not None:
        st.save_config(drv.cfg, config_def)
        with vm.lock:
            if vm.is_active():
                vm.new_def = config_def
            else:
                vm.def_ = config_def
    if live:
        st.save_status(drv.cfg, vm)


@contextlib.contextmanager
def change(drv: Any, vm: DomainObj, flags: int) -> Iterator[tuple[bool, Any]]:
    """``with change(drv, vm, flags) as (live, persistent):`` a tuning change.

    Holds the domain's job; ``live`` says whether the running guest changes,
    ``persistent`` is a copy of the persistent definition to change (None when
    the config is not affected).  When the block ends without an error both
    are kept (:func:`save`)."""
    with vm.job_scope("modify"):
        live, config = targets(vm, flags)
        persistent = vm.persistent_def().copy() if config else None
        yield live, persistent
        save(drv, vm, live, persistent)


def tunable_event(drv: Any, vm: DomainObj, params: dict[str, Any]) -> None:
    """libvirt's VIR_DOMAIN_EVENT_ID_TUNABLE about a live change (``params``: what changed,
    named as libvirt names it: 'cputune.cpu_shares', 'cputune.vcpupin0' ...)."""
    if params:
        drv.emit(vm, C.VIR_DOMAIN_EVENT_ID_TUNABLE, params)


def cpulist(cpus: Any) -> str:
    """A CPU set as libvirt's events and XML write it: '0-2,5'."""
    return hostinfo.format_cpulist(sorted(cpus))


def group(vm: DomainObj) -> cgroup.Cgroup:
    """The running guest's cgroup, or libvirt's error when it has none."""
    if not vm.is_active():
        raise not_running()
    grp = getattr(vm, "cgroup", None)
    if grp is None:
        raise report(C.VIR_ERR_OPERATION_INVALID, "cgroup CPU controller is not mounted",
                     _FROM)
    return grp


# --- host CPUs and maps ------------------------------------------------------------------

def host_cpus() -> int:
    """How many CPUs a cpumap covers (libvirt: the host's present CPUs)."""
    present = hostinfo.parse_cpulist(hostinfo.read(f"{hostinfo.SYS_CPU}/present"))
    return (max(present) + 1) if present else (os.cpu_count() or 1)


def cpumap_bits(cpumap: Any) -> set[int]:
    """The CPUs set in a cpumap as libvirt-python passes it (bools or bytes)."""
    if isinstance(cpumap, (bytes, bytearray)):
        return {i * 8 + b for i, byte in enumerate(cpumap) for b in range(8) if byte >> b & 1}
    return {i for i, bit in enumerate(cpumap) if bit}


def cpumap_tuple(bits: set[int] | frozenset[int]) -> tuple[bool, ...]:
    """A cpumap as libvirt-python returns it: one bool per host CPU."""
    return tuple(i in bits for i in range(host_cpus()))


def check_cpus(bits: set[int]) -> frozenset[int]:
    """Refuse an empty map or CPUs the host does not have (libvirt's errors)."""
    if not bits:
        raise report(C.VIR_ERR_INVALID_ARG, "Empty cpu list for pinning", _FROM)
    online = {c.id for c in hostinfo.online_cpus()}
    bad = sorted(bits - online)
    if bad:
        raise report(C.VIR_ERR_INVALID_ARG,
                     f"Invalid cpuset '{hostinfo.format_cpulist(bad)}' for pinning: host "
                     f"CPUs are '{hostinfo.format_cpulist(sorted(online))}'", _FROM)
    return frozenset(bits)


def all_cpus() -> frozenset[int]:
    """Every online host CPU."""
    return frozenset(c.id for c in hostinfo.online_cpus())


# --- threads -------------------------------------------------------------------------------

def vcpu_threads(vm: DomainObj) -> dict[int, int]:
    """{vCPU index: thread id} from QEMU."""
    from pyvirt.drivers.qemu.domain import active_monitor
    return {c["cpu-index"]: c["thread-id"]
            for c in active_monitor(vm).execute("query-cpus-fast")}


def iothread_threads(vm: DomainObj) -> list[tuple[int, int]]:
    """[(iothread id, thread id)] in QEMU's order (ids from 'iothreadN')."""
    from pyvirt.drivers.qemu.domain import active_monitor
    out = []
    for t in active_monitor(vm).execute("query-iothreads"):
        name = t.get("id", "")
        if name.startswith("iothread") and name[8:].isdigit():
            out.append((int(name[8:]), t["thread-id"]))
    return out


def iothread_ids(def_: Any) -> list[int]:
    """The definition's I/O thread ids (libvirt numbers unnamed ones 1..N)."""
    if def_.iothread_ids:
        return list(def_.iothread_ids)
    return list(range(1, (def_.iothreads or 0) + 1))


def set_affinity(tid: int, cpus: frozenset[int] | set[int]) -> None:
    """sched_setaffinity of one thread, with libvirt's error."""
    try:
        os.sched_setaffinity(tid, cpus)
    except OSError as exc:
        raise report(C.VIR_ERR_SYSTEM_ERROR,
                     f"cannot set CPU affinity on process {tid}: {exc.strerror}", _FROM) from exc


def pin_thread(vm: DomainObj, sub: str, tid: int | None, cpus: frozenset[int]) -> None:
    """Pin one thread: its cpuset sub-group (when there is one) and its affinity."""
    grp = getattr(vm, "cgroup", None)
    if grp is not None and grp.has("cpuset"):
        grp.make_sub(sub)
        grp.set_cpuset(sub, hostinfo.format_cpulist(sorted(cpus)))
    if tid is not None:
        set_affinity(tid, cpus)


def emulator_threads(vm: DomainObj) -> list[int]:
    """QEMU's threads that are neither vCPU nor I/O threads."""
    pid = vm.proc.pid if vm.proc is not None else None
    if pid is None:
        return []
    others = set(vcpu_threads(vm).values()) | {t for _i, t in iothread_threads(vm)}
    try:
        return [int(t) for t in os.listdir(f"/proc/{pid}/task") if int(t) not in others]
    except OSError:
        return []


# --- life of the group ------------------------------------------------------------------------

def setup(drv: Any, vm: DomainObj) -> None:
    """Put a just-started QEMU in its cgroup and apply the definition's tunables."""
    def_ = vm.def_
    grp = cgroup.create(cgroup.prefix_of(drv.cfg), vm.id, def_.name, vm.proc.pid)
    vm.cgroup = grp
    tune = def_.cputune
    default = all_cpus() if def_.vcpu_cpuset is None else frozenset(def_.vcpu_cpuset)
    for index, tid in sorted(vcpu_threads(vm).items()):
        if grp is not None:
            grp.add_thread(f"vcpu{index}", tid)
        pins = tune.vcpupin.get(index) if tune else None
        if pins is not None or def_.vcpu_cpuset is not None:
            pin_thread(vm, f"vcpu{index}", tid, pins or default)
    for ident, tid in iothread_threads(vm):
        if grp is not None:
            grp.add_thread(f"iothread{ident}", tid)
        pins = tune.iothreadpin.get(ident) if tune else None
        if pins is not None:
            pin_thread(vm, f"iothread{ident}", tid, pins)
    if tune is not None and tune.emulatorpin is not None:
        for tid in emulator_threads(vm):
            pin_thread(vm, "emulator", tid, tune.emulatorpin)
    if grp is None:
        return
    apply_cputune(vm, grp, def_)
    if def_.memtune is not None and grp.has("memory"):
        for name in ("hard_limit", "soft_limit", "swap_hard_limit"):
            value = getattr(def_.memtune, name)
            if value is not None:
                grp.set_memory(name, value)
    numa = def_.numatune
    if numa is not None and numa.nodeset is not None and grp.has("cpuset"):
        grp.set_cpuset(None, hostinfo.format_cpulist(sorted(numa.nodeset)), "mems")


def apply_cputune(vm: DomainObj, grp: cgroup.Cgroup, def_: Any) -> None:
    """Write ``<cputune>``'s shares and CFS numbers into the group."""
    tune = def_.cputune
    if tune is None or not grp.has("cpu"):
        return
    if tune.shares is not None:
        grp.set_shares(tune.shares)
    if tune.global_period is not None or tune.global_quota is not None:
        grp.set_cfs(None, tune.global_period, tune.global_quota)
    subs = [(f"vcpu{i}", tune.period, tune.quota) for i in range(def_.vcpus or def_.max_vcpus)]
    subs.append(("emulator", tune.emulator_period, tune.emulator_quota))
    subs += [(f"iothread{i}", tune.iothread_period, tune.iothread_quota)
             for i in iothread_ids(def_)]
    for sub, period, quota in subs:
        if (period is not None or quota is not None) and os.path.isdir(grp.path("cpu", sub)):
            grp.set_cfs(sub, period, quota)


def teardown(drv: Any, vm: DomainObj) -> None:
    """Close a stopped guest's perf counters and remove its cgroup (also when its QEMU
    ended while no process watched: the group is then found by its name)."""
    from pyvirt.drivers.qemu.api_devtune import perf_close
    perf_close(vm)
    grp = getattr(vm, "cgroup", None)
    vm.cgroup = None
    with contextlib.suppress(OSError):
        if grp is not None:
            grp.remove()
        elif vm.id != -1:
            cgroup.remove_unused(cgroup.prefix_of(drv.cfg), vm.id, vm.def_.name)


def reattach(drv: Any, vm: DomainObj) -> None:
    """Find the cgroup of a guest this process took over; reopen its perf counters."""
    if vm.proc is None:
        return
    from pyvirt.drivers.qemu.api_devtune import perf_restore
    perf_restore(vm)
    try:
        vm.cgroup = cgroup.find(cgroup.prefix_of(drv.cfg), vm.id, vm.def_.name, vm.proc.pid)
    except OSError as exc:
        log.warning("%s: cannot find its cgroup: %s", vm.name, exc)
        vm.cgroup = None
