"""The QEMU driver's resource calls: vCPU counts, memory and the balloon.

:class:`ResourcesAPI` is a mixin of :class:`pyvirt.drivers.qemu.driver.QemuDriver`.
Live changes go to QEMU (CPU devices, ``balloon``, the balloon's QOM
properties) and then into the live definition and the status file; config
changes go into a copy of the persistent definition, saved atomically.
Errors are libvirt 9.0's (codes and wording) for the same requests.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pyvirt import constants as C
from pyvirt.drivers.qemu import status as st
from pyvirt.drivers.qemu.domobj import DomainObj
from pyvirt.errors import check_flags, report, report_raw
from pyvirt.util.lazy import lazy_module

# The XML model and QMP are imported on first use (opening a root needs neither).
if TYPE_CHECKING:
    from pyvirt.drivers.qemu import address, domain, hotplug, vcpus
else:
    address = lazy_module("pyvirt.drivers.qemu.address", globals())
    domain = lazy_module("pyvirt.drivers.qemu.domain", globals())
    hotplug = lazy_module("pyvirt.drivers.qemu.hotplug", globals())
    vcpus = lazy_module("pyvirt.drivers.qemu.vcpus", globals())

_FROM = C.VIR_FROM_QEMU
_FROM_DOM = C.VIR_FROM_DOMAIN
_AFFECT = C.VIR_DOMAIN_AFFECT_LIVE | C.VIR_DOMAIN_AFFECT_CONFIG
# vCPU ids a cpumap may name (libvirt's QEMU_GUEST_VCPU_MAX_ID)
_VCPU_IDS = 4096
# libvirt's virMemoryMaxValue(true) / 1024: the largest KiB count it accepts.
_MAX_KIB = (2 ** 63 - 1) // 1024


def balloon_path(def_: Any) -> str | None:
    """The QOM path of the live balloon device, or None without one."""
    balloon = address.memballoon(def_)
    if balloon is None or balloon.model == "none" or not balloon.alias:
        return None
    return f"/machine/peripheral/{balloon.alias}"


def agent_unavailable(vm: DomainObj) -> Exception:
    """libvirt's error for a call that needs the guest agent when it cannot be reached."""
    for chan in address.devices(vm.def_, "channel"):
        if getattr(chan, "target_name", None) == "org.qemu.guest_agent.0":
            return report(C.VIR_ERR_AGENT_UNRESPONSIVE,
                          "QEMU guest agent is not connected", _FROM)
    return report(C.VIR_ERR_ARGUMENT_UNSUPPORTED, "QEMU guest agent is not configured", _FROM)


def _mutually_exclusive(flags: int, a: int, b: int, names: str) -> None:
    if flags & a and flags & b:
        raise report_raw(C.VIR_ERR_INVALID_ARG, f"Flags {names} are mutually exclusive",
                         _FROM_DOM)


def _nonzero(value: int, name: str, func: str) -> None:
    if value == 0:
        raise report_raw(C.VIR_ERR_INVALID_ARG, f"{name} in {func} must not be zero",
                         _FROM_DOM, func, name)


def parse_vcpumap(text: str, limit: int) -> set[int]:
    """libvirt's bitmap syntax ('0-2,^1,4') as a set of numbers below ``limit``."""
    out: set[int] = set()
    try:
        for part in text.split(","):
            part = part.strip()
            neg = part.startswith("^")
            part = part.lstrip("^")
            lo, _, hi = part.partition("-")
            nums = range(int(lo), int(hi or lo) + 1)
            if not len(nums) or nums.start < 0 or nums.stop > limit:
                raise ValueError(part)
            if neg:
                out.difference_update(nums)
            else:
                out.update(nums)
    except ValueError:
        raise report(C.VIR_ERR_INVALID_ARG, f"Failed to parse bitmap '{text}'",
                     C.VIR_FROM_NONE) from None
    return out


class ResourcesAPI:
    """vCPU, memory and balloon calls of the QEMU driver."""

    cfg: Any
    vm_of: Any
    emit: Any

    # --- vCPUs -----------------------------------------------------------------------------
    def domainSetVcpus(self, dom: Any, nvcpus: int) -> int:  # noqa: N802
        """Set the live vCPU count (virDomainSetVcpus)."""
        return self.domainSetVcpusFlags(dom, nvcpus, C.VIR_DOMAIN_AFFECT_LIVE)

    def domainSetVcpusFlags(self, dom: Any, nvcpus: int, flags: int) -> int:  # noqa: N802
        """Set the vCPU count (or the maximum) live, in the config, or in the guest."""
        check_flags(flags, _AFFECT | C.VIR_DOMAIN_VCPU_MAXIMUM | C.VIR_DOMAIN_VCPU_GUEST
                    | C.VIR_DOMAIN_VCPU_HOTPLUGGABLE, "qemuDomainSetVcpusFlags", _FROM)
        _nonzero(nvcpus, "nvcpus", "virDomainSetVcpusFlags")
        maximum = bool(flags & C.VIR_DOMAIN_VCPU_MAXIMUM)
        if maximum and not flags & C.VIR_DOMAIN_AFFECT_CONFIG:
            raise report_raw(C.VIR_ERR_INVALID_ARG, "Flag 'VIR_DOMAIN_AFFECT_CONFIG' is "
                             "required by flag 'VIR_DOMAIN_VCPU_MAXIMUM'", _FROM_DOM)
        vm = self.vm_of(dom)
        with vm.job_scope("modify"):
            live, config = hotplug.targets(vm, flags & _AFFECT, "qemuDomainSetVcpusFlags")
            if flags & C.VIR_DOMAIN_VCPU_GUEST:
                _mutually_exclusive(flags, C.VIR_DOMAIN_VCPU_MAXIMUM, C.VIR_DOMAIN_VCPU_GUEST,
                                    "'VIR_DOMAIN_VCPU_MAXIMUM' and 'VIR_DOMAIN_VCPU_GUEST'")
                if not live:
                    raise report(C.VIR_ERR_OPERATION_INVALID, "domain is not running",
                                 _FROM_DOM)
                raise agent_unavailable(vm)
            if live and maximum:
                raise report(C.VIR_ERR_INVALID_ARG,
                             "maximum vcpu count of a live domain can't be modified", _FROM)
            if live and nvcpus > vm.def_.max_vcpus:
                raise report(C.VIR_ERR_INVALID_ARG,
                             "requested vcpus is greater than max allowable vcpus for the "
                             f"live domain: {nvcpus} > {vm.def_.max_vcpus}", _FROM)
            pdef = vm.persistent_def() if config else None
            if pdef is not None and not maximum and nvcpus > pdef.max_vcpus:
                raise report(C.VIR_ERR_INVALID_ARG,
                             "requested vcpus is greater than max allowable vcpus for the "
                             f"persistent domain: {nvcpus} > {pdef.max_vcpus}", _FROM)
            if live:
                mon = domain.active_monitor(vm)
                vcpus.set_count(vm, mon, nvcpus)
                self._live_vcpus(vm, mon)
            if config:
                hotplug.config_change(self, vm, lambda d: _config_vcpus(d, nvcpus, maximum))
        return 0

    def _live_vcpus(self, vm: DomainObj, mon: Any) -> None:
        """Write what QEMU now has into the live definition (libvirt's <vcpus> list)."""
        from pyvirt.conf.domain_cpu import VcpuInfo
        table = vcpus.states(mon)
        infos = []
        order = 0
        for i, (on, hot) in enumerate(table):
            order += on
            infos.append(VcpuInfo(id=i, enabled=on, hotpluggable=hot,
                                  order=order if on else None))
        with vm.lock:
            vm.def_.vcpus = sum(on for on, _hot in table)
            vm.def_.vcpu_info = infos
        st.save_status(self.cfg, vm)

    def domainSetVcpu(self, dom: Any, vcpumap: str, state: int,  # noqa: N802
                      flags: int) -> int:
        """Plug (state 1) or unplug (state 0) the vCPUs of ``vcpumap`` (virDomainSetVcpu),
        live and/or in the persistent ``<vcpus>`` list."""
        check_flags(flags, _AFFECT, "qemuDomainSetVcpu", _FROM)
        if state not in (0, 1):
            raise report_raw(C.VIR_ERR_INVALID_ARG, "unsupported state value", _FROM)
        wanted = parse_vcpumap(vcpumap, _VCPU_IDS)
        if not wanted:
            raise report(C.VIR_ERR_INVALID_ARG, "no vcpus selected for modification", _FROM)
        last = max(wanted)
        vm = self.vm_of(dom)
        with vm.job_scope("modify"):
            live, config = hotplug.targets(vm, flags, "qemuDomainSetVcpu")
            pdef = vm.persistent_def() if config else None
            if pdef is not None and last >= pdef.max_vcpus:
                raise report(C.VIR_ERR_INVALID_ARG,
                             f"vcpu {last} is not present in persistent config", _FROM)
            if live and last >= vm.def_.max_vcpus:
                raise report(C.VIR_ERR_INVALID_ARG,
                             f"vcpu {last} is not present in live config", _FROM)
            if pdef is not None:
                vcpus.check_config(pdef, wanted)
            if live:
                mon = domain.active_monitor(vm)
                vcpus.set_one(vm, mon, wanted, bool(state))
                self._live_vcpus(vm, mon)
            if config:
                hotplug.config_change(self, vm,
                                      lambda d: vcpus.set_config(d, wanted, bool(state)))
        return 0

    # --- memory ----------------------------------------------------------------------------
    def domainSetMemory(self, dom: Any, memory: int) -> int:  # noqa: N802
        """Set the live balloon target in KiB (virDomainSetMemory)."""
        _nonzero(memory, "memory", "virDomainSetMemory")
        return self.domainSetMemoryFlags(dom, memory, C.VIR_DOMAIN_AFFECT_LIVE)

    def domainSetMaxMemory(self, dom: Any, memory: int) -> int:  # noqa: N802
        """Set the maximum memory in KiB (virDomainSetMaxMemory)."""
        _nonzero(memory, "memory", "virDomainSetMaxMemory")
        return self.domainSetMemoryFlags(dom, memory, C.VIR_DOMAIN_MEM_MAXIMUM)

    def domainSetMemoryFlags(self, dom: Any, memory: int, flags: int) -> int:  # noqa: N802
        """Set the balloon target (or with MEM_MAXIMUM the maximum), KiB."""
        check_flags(flags, _AFFECT | C.VIR_DOMAIN_MEM_MAXIMUM, "qemuDomainSetMemoryFlags", _FROM)
        if memory > _MAX_KIB:
            raise report(C.VIR_ERR_OVERFLOW, f"input too large: {memory}", _FROM_DOM)
        vm = self.vm_of(dom)
        maximum = bool(flags & C.VIR_DOMAIN_MEM_MAXIMUM)
        with vm.job_scope("modify"):
            live, config = hotplug.targets(vm, flags & _AFFECT, "qemuDomainSetMemoryFlags")
            if maximum:
                if live:
                    raise report(C.VIR_ERR_OPERATION_INVALID,
                                 "cannot resize the maximum memory on an active domain", _FROM)
                hotplug.config_change(self, vm, lambda d: _config_max_memory(d, memory))
                return 0
            for def_ in (vm.def_ if live else None, vm.persistent_def() if config else None):
                if def_ is not None and memory > def_.memory:
                    raise report(C.VIR_ERR_INVALID_ARG,
                                 "cannot set memory higher than max memory", _FROM)
            if live:
                if balloon_path(vm.def_) is None:
                    raise report(C.VIR_ERR_OPERATION_INVALID,
                                 "Unable to change memory of active domain without the "
                                 "balloon device and guest OS balloon driver", _FROM)
                domain.active_monitor(vm).execute("balloon", {"value": memory * 1024})
                with vm.lock:
                    vm.def_.current_memory = memory
                st.save_status(self.cfg, vm)
            if config:
                hotplug.config_change(self, vm, lambda d: setattr(d, "current_memory", memory))
        return 0

    def domainSetMemoryStatsPeriod(self, dom: Any, period: int,  # noqa: N802
                                   flags: int) -> int:
        """Set how often (seconds, 0: never) the balloon driver reports statistics."""
        check_flags(flags, _AFFECT, "qemuDomainSetMemoryStatsPeriod", _FROM)
        if period < 0:
            raise report_raw(C.VIR_ERR_INVALID_ARG, "period in virDomainSetMemoryStatsPeriod "
                             "must be zero or greater", _FROM_DOM)
        vm = self.vm_of(dom)
        with vm.job_scope("modify"):
            live, config = hotplug.targets(vm, flags, "qemuDomainSetMemoryStatsPeriod")
            if live:
                path = balloon_path(vm.def_)
                if path is None:
                    raise report(C.VIR_ERR_OPERATION_INVALID, "No memory balloon device "
                                 "configured, can not set the collection period", _FROM)
                domain.active_monitor(vm).execute("qom-set", {
                    "path": path, "property": "guest-stats-polling-interval", "value": period})
                with vm.lock:
                    vm.def_.devices.memballoon.stats_period = period
                st.save_status(self.cfg, vm)
            if config:
                if balloon_path(vm.persistent_def()) is None and \
                        address.memballoon(vm.persistent_def()) is None:
                    raise report(C.VIR_ERR_OPERATION_INVALID, "No memory balloon device "
                                 "configured, can not set the collection period", _FROM)
                hotplug.config_change(self, vm, lambda d: setattr(d.devices.memballoon,
                                                          "stats_period", period))
        return 0


def _config_vcpus(def_: Any, nvcpus: int, maximum: bool) -> None:
    if maximum:
        topo = def_.cpu
        if topo is not None and topo.sockets and \
                topo.sockets * (topo.cores or 1) * (topo.threads or 1) != nvcpus:
            raise report(C.VIR_ERR_INVALID_ARG,
                         "CPU topology doesn't match the desired vcpu count", _FROM)
        current = def_.vcpus or def_.max_vcpus
        def_.max_vcpus = nvcpus
        def_.vcpus = min(current, nvcpus)
        def_.vcpu_info = []
    else:
        def_.vcpus = nvcpus
        for info in def_.vcpu_info:
            info.enabled = info.id < nvcpus
    if def_.vcpus == def_.max_vcpus:
        def_.vcpus = None if not def_.vcpu_info else def_.vcpus


def _config_max_memory(def_: Any, memory: int) -> None:
    def_.memory = memory
    if def_.current_memory is not None and def_.current_memory > memory:
        def_.current_memory = memory
