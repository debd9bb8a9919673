"""The QEMU driver's thread placement calls: vCPU, emulator and I/O thread pinning,
and adding and removing I/O threads.

:class:`PinAPI` is a mixin of :class:`~pyvirt.drivers.qemu.driver.QemuDriver`.
QEMU's threads are found through QMP (``query-cpus-fast``,
``query-iothreads``); a pin sets the thread's cpuset sub-group and its
affinity (``sched_setaffinity``) and is kept in ``<cputune>``.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from pyvirt import constants as C
from pyvirt import errors as _errors
from pyvirt.driver import interface as I
from pyvirt.drivers.qemu import placement
from pyvirt.drivers.qemu.placement import (
    CONFIG,
    LIVE,
    all_cpus,
    change,
    check_cpus,
    check_params,
    cpumap_bits,
    cpumap_tuple,
    iothread_ids,
    one_def,
    targets,
)
from pyvirt.errors import libvirtError, report
from pyvirt.util.lazy import lazy_module

if TYPE_CHECKING:
    from pyvirt.conf import domain_cpu
else:
    domain_cpu = lazy_module("pyvirt.conf.domain_cpu", globals())

_FROM = C.VIR_FROM_QEMU

# virDomainSetIOThreadParams names -> QOM properties of the iothread object
_IOTHREAD_PARAMS = {"poll_max_ns": "poll-max-ns", "poll_grow": "poll-grow",
                    "poll_shrink": "poll-shrink", "thread_pool_min": "thread-pool-min",
                    "thread_pool_max": "thread-pool-max"}


def _default_cpus(def_: Any) -> frozenset[int]:
    return frozenset(def_.vcpu_cpuset) if def_.vcpu_cpuset else all_cpus()


def _vcpu_count(def_: Any) -> int:
    return def_.vcpus or def_.max_vcpus


def _monitor(vm: Any) -> Any:
    from pyvirt.drivers.qemu.domain import active_monitor
    return active_monitor(vm)


def _set_iothreads(def_: Any, ids: list[int]) -> None:
    def_.iothread_ids = ids or None
    def_.iothreads = len(ids) or None


class PinAPI(I.HypervisorDriver):
    """Pinning of vCPUs, emulator and I/O threads; I/O thread management."""

    vm_of: Any
    cfg: Any

    # --- vCPUs ---------------------------------------------------------------------------
    def domainPinVcpu(self, dom: Any, vcpu: int, cpumap: Any) -> int:
        """Pin a vCPU of the running guest."""
        return self.domainPinVcpuFlags(dom, vcpu, cpumap, LIVE)

    def domainPinVcpuFlags(self, dom: Any, vcpu: int, cpumap: Any, flags: int) -> int:
        """Pin a vCPU: its cgroup cpuset, its thread's affinity and ``<vcpupin>``."""
        _errors.check_flags(flags, LIVE | CONFIG, "qemuDomainPinVcpuFlags", _FROM)
        vm = self.vm_of(dom)
        with change(self, vm, flags) as (live, persistent):
            if live and not 0 <= vcpu < _vcpu_count(vm.def_):
                raise report(C.VIR_ERR_INVALID_ARG, f"vcpu {vcpu} is out of range of live cpu "
                             f"count {_vcpu_count(vm.def_)}", _FROM)
            if persistent is not None and not 0 <= vcpu < persistent.max_vcpus:
                raise report(C.VIR_ERR_INVALID_ARG, f"vcpu {vcpu} is out of range of "
                             f"persistent cpu count {persistent.max_vcpus}", _FROM)
            cpus = check_cpus(cpumap_bits(cpumap))
            if live:
                tid = placement.vcpu_threads(vm).get(vcpu)
                placement.pin_thread(vm, f"vcpu{vcpu}", tid, cpus)
                tune = vm.def_.cputune = vm.def_.cputune or domain_cpu.CpuTune()
                tune.vcpupin[vcpu] = cpus
                placement.tunable_event(self, vm, {f"cputune.vcpupin{vcpu}":
                                                   placement.cpulist(cpus)})
            if persistent is not None:
                ptune = persistent.cputune = persistent.cputune or domain_cpu.CpuTune()
                ptune.vcpupin[vcpu] = cpus
        return 0

    def domainGetVcpuPinInfo(self, dom: Any, flags: int) -> list[tuple[bool, ...]]:
        """The CPU map of each vCPU of the definition the flags select."""
        _errors.check_flags(flags, LIVE | CONFIG, "qemuDomainGetVcpuPinInfo", _FROM)
        vm = self.vm_of(dom)
        def_, _live = one_def(vm, flags)
        pins = def_.cputune.vcpupin if def_.cputune else {}
        default = _default_cpus(def_)
        return [cpumap_tuple(pins.get(i, default)) for i in range(def_.max_vcpus)]

    # --- the emulator ----------------------------------------------------------------------
    def domainPinEmulator(self, dom: Any, cpumap: Any, flags: int) -> int:
        """Pin QEMU's own threads (neither vCPU nor I/O threads)."""
        _errors.check_flags(flags, LIVE | CONFIG, "qemuDomainPinEmulator", _FROM)
        vm = self.vm_of(dom)
        with change(self, vm, flags) as (live, persistent):
            cpus = check_cpus(cpumap_bits(cpumap))
            if live:
                threads = placement.emulator_threads(vm)
                placement.pin_thread(vm, "emulator", None, cpus)
                for tid in threads:
                    try:
                        os.sched_setaffinity(tid, cpus)
                    except ProcessLookupError:
                        continue                # a worker thread that just ended
                    except OSError as exc:
                        raise report(C.VIR_ERR_SYSTEM_ERROR, f"cannot set CPU affinity on "
                                     f"process {tid}: {exc.strerror}", _FROM) from exc
                tune = vm.def_.cputune = vm.def_.cputune or domain_cpu.CpuTune()
                tune.emulatorpin = cpus
                placement.tunable_event(self, vm, {"cputune.emulatorpin":
                                                   placement.cpulist(cpus)})
            if persistent is not None:
                ptune = persistent.cputune = persistent.cputune or domain_cpu.CpuTune()
                ptune.emulatorpin = cpus
        return 0

    def domainGetEmulatorPinInfo(self, dom: Any, flags: int) -> tuple[bool, ...]:
        """The emulator threads' CPU map."""
        _errors.check_flags(flags, LIVE | CONFIG, "qemuDomainGetEmulatorPinInfo", _FROM)
        vm = self.vm_of(dom)
        def_, _live = one_def(vm, flags)
        pin = def_.cputune.emulatorpin if def_.cputune else None
        return cpumap_tuple(pin if pin is not None else _default_cpus(def_))

    # --- I/O threads --------------------------------------------------------------------------
    def domainGetIOThreadInfo(self, dom: Any, flags: int) -> list[tuple[int, list[bool]]]:
        """[(iothread id, CPU map)]: QEMU's threads and their affinity, or the definition's."""
        _errors.check_flags(flags, LIVE | CONFIG, "qemuDomainGetIOThreadInfo", _FROM)
        vm = self.vm_of(dom)
        def_, live = one_def(vm, flags)
        if live:
            out = []
            for ident, tid in placement.iothread_threads(vm):
                try:
                    cpus = frozenset(os.sched_getaffinity(tid))
                except OSError:
                    cpus = all_cpus()
                out.append((ident, list(cpumap_tuple(cpus))))
            return out
        pins = def_.cputune.iothreadpin if def_.cputune else {}
        default = _default_cpus(def_)
        return [(i, list(cpumap_tuple(pins.get(i, default)))) for i in iothread_ids(def_)]

    def domainPinIOThread(self, dom: Any, iothread_val: int, cpumap: Any, flags: int) -> int:
        """Pin one I/O thread: cgroup cpuset, affinity and ``<iothreadpin>``."""
        _errors.check_flags(flags, LIVE | CONFIG, "qemuDomainPinIOThread", _FROM)
        vm = self.vm_of(dom)
        with change(self, vm, flags) as (live, persistent):
            cpus = check_cpus(cpumap_bits(cpumap))
            if live:
                tid = dict(placement.iothread_threads(vm)).get(iothread_val)
                if tid is None or iothread_val not in iothread_ids(vm.def_):
                    raise report(C.VIR_ERR_INVALID_ARG, f"iothread {iothread_val} not found",
                                 _FROM)
                placement.pin_thread(vm, f"iothread{iothread_val}", tid, cpus)
                tune = vm.def_.cputune = vm.def_.cputune or domain_cpu.CpuTune()
                tune.iothreadpin[iothread_val] = cpus
                placement.tunable_event(self, vm, {f"cputune.iothreadpin{iothread_val}":
                                                   placement.cpulist(cpus)})
            if persistent is not None:
                if iothread_val not in iothread_ids(persistent):
                    raise report(C.VIR_ERR_INVALID_ARG, f"iothreadid {iothread_val} not found",
                                 _FROM)
                ptune = persistent.cputune = persistent.cputune or domain_cpu.CpuTune()
                ptune.iothreadpin[iothread_val] = cpus
        return 0

    def domainAddIOThread(self, dom: Any, iothread_id: int, flags: int) -> int:
        """Add an I/O thread (QMP object-add) to the guest and/or its definition."""
        _errors.check_flags(flags, LIVE | CONFIG, "qemuDomainAddIOThread", _FROM)
        if iothread_id <= 0:
            raise report(C.VIR_ERR_INVALID_ARG, f"invalid value of {iothread_id} for "
                         "iothread_id", _FROM)
        vm = self.vm_of(dom)
        with change(self, vm, flags) as (live, persistent):
            for def_ in ([vm.def_] if live else []) + ([persistent] if persistent else []):
                if iothread_id in iothread_ids(def_):
                    raise report(C.VIR_ERR_INVALID_ARG, "an IOThread is already using "
                                 f"iothread_id '{iothread_id}'", C.VIR_FROM_DOMAIN)
            if live:
                alias = f"iothread{iothread_id}"
                _monitor(vm).execute("object-add", {"qom-type": "iothread", "id": alias})
                tid = dict(placement.iothread_threads(vm)).get(iothread_id)
                if tid is not None:     # not the emulator's pinning it was born with
                    placement.set_affinity(tid, _default_cpus(vm.def_))
                grp = getattr(vm, "cgroup", None)
                if grp is not None and tid is not None:
                    grp.add_thread(alias, tid)
                    tune = vm.def_.cputune
                    if tune is not None and grp.has("cpu") and (
                            tune.iothread_period or tune.iothread_quota):
                        grp.set_cfs(alias, tune.iothread_period, tune.iothread_quota)
                _set_iothreads(vm.def_, iothread_ids(vm.def_) + [iothread_id])
            if persistent is not None:
                _set_iothreads(persistent, iothread_ids(persistent) + [iothread_id])
        return 0

    def domainDelIOThread(self, dom: Any, iothread_id: int, flags: int) -> int:
        """Remove an unused I/O thread (QMP object-del) from the guest and/or definition."""
        _errors.check_flags(flags, LIVE | CONFIG, "qemuDomainDelIOThread", _FROM)
        vm = self.vm_of(dom)
        with change(self, vm, flags) as (live, persistent):
            for def_ in ([vm.def_] if live else []) + ([persistent] if persistent else []):
                if iothread_id not in iothread_ids(def_):
                    raise report(C.VIR_ERR_INVALID_ARG, f"cannot find IOThread "
                                 f"'{iothread_id}' in iothreadids list", C.VIR_FROM_DOMAIN)
                for disk in def_.devices.disks:
                    if str(getattr(disk, "iothread", "") or "") == str(iothread_id):
                        raise report(C.VIR_ERR_INVALID_ARG, f"cannot remove IOThread "
                                     f"{iothread_id} since it is being used by disk "
                                     f"'{disk.target}'", C.VIR_FROM_DOMAIN)
            if live:
                alias = f"iothread{iothread_id}"
                _monitor(vm).execute("object-del", {"id": alias})
                grp = getattr(vm, "cgroup", None)
                if grp is not None:
                    grp.remove_sub(alias)
                _drop_iothread(vm.def_, iothread_id)
            if persistent is not None:
                _drop_iothread(persistent, iothread_id)
        return 0

    def domainSetIOThreadParams(self, dom: Any, iothread_val: int, params: dict[str, int],
                                flags: int) -> int:
        """Set an I/O thread's polling and pool parameters (QOM properties, live only)."""
        _errors.check_flags(flags, LIVE | CONFIG, "qemuDomainSetIOThreadParams", _FROM)
        check_params(params, {name: int for name in _IOTHREAD_PARAMS})
        for name, value in params.items():
            if value < 0 and not name.startswith("thread_pool"):
                raise report(C.VIR_ERR_INVALID_ARG, f"value of '{name}' must be positive",
                             _FROM)
        vm = self.vm_of(dom)
        with vm.job_scope("modify"):
            config = targets(vm, flags)[1]
            if config:
                raise report(C.VIR_ERR_OPERATION_UNSUPPORTED, "configuring persistent "
                             "polling values is not supported", _FROM)
            if iothread_val not in iothread_ids(vm.def_):
                raise report(C.VIR_ERR_INVALID_ARG, f"Invalid IOThread id value: "
                             f"'{iothread_val}'", _FROM)
            mon = _monitor(vm)
            for name, value in params.items():
                try:
                    mon.execute("qom-set", {"path": f"/objects/iothread{iothread_val}",
                                            "property": _IOTHREAD_PARAMS[name],
                                            "value": value})
                except libvirtError as exc:
                    raise report(C.VIR_ERR_OPERATION_FAILED, f"cannot set '{name}' of "
                                 f"IOThread {iothread_val}: {exc.get_error_message()}",
                                 _FROM) from exc
        return 0


def _drop_iothread(def_: Any, iothread_id: int) -> None:
    _set_iothreads(def_, [i for i in iothread_ids(def_) if i != iothread_id])
    if def_.cputune is not None:
        def_.cputune.iothreadpin.pop(iothread_id, None)
