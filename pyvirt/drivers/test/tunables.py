"""Domain queries and tunables of the test driver: statistics, pinning,
scheduler, blkio/memory/NUMA/interface/disk parameters, guest file
systems and time, screenshots, devices and jobs.

Statistics are libvirt's made-up numbers (mostly derived from the current
time); parameters are kept in the domain's definition so that they show
in its XML as libvirt's do.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any, cast

from pyvirt import constants as C
from pyvirt.driver.stream import handle_of
from pyvirt.drivers.test.access import (
    CONFIG,
    LIVE,
    STRING_OKAY,
    DomainAccess,
    check_params,
    cpumap_bits,
    cpumap_tuple,
)
from pyvirt.drivers.test.objects import DomainHandle, DomainObj, check_flags
from pyvirt.errors import report
from pyvirt.util import bandwidth
from pyvirt.util.lazy import lazy_module

if TYPE_CHECKING:
    import ipaddress

    from lxml import etree

    from pyvirt.drivers.test import domconf
else:
    etree = lazy_module("lxml.etree", globals())
    ipaddress = lazy_module("ipaddress", globals())
    domconf = lazy_module("pyvirt.drivers.test.domconf", globals())

_FROM = C.VIR_FROM_TEST
_FROM_DOM = C.VIR_FROM_DOMAIN

TOTAL_CPUTIME = 48772617035
SCREENSHOT = "/usr/share/libvirt/test-screenshot.png"
_IOTUNE_MAX = 1000000000000000
_IOTUNE_FIELDS = (
    "total_bytes_sec", "read_bytes_sec", "write_bytes_sec", "total_iops_sec", "read_iops_sec",
    "write_iops_sec", "total_bytes_sec_max", "read_bytes_sec_max", "write_bytes_sec_max",
    "total_iops_sec_max", "read_iops_sec_max", "write_iops_sec_max", "size_iops_sec",
    "group_name", "total_bytes_sec_max_length", "read_bytes_sec_max_length",
    "write_bytes_sec_max_length", "total_iops_sec_max_length", "read_iops_sec_max_length",
    "write_iops_sec_max_length")
_BLKIO_DEVICE = ("device_weight", "device_read_iops_sec", "device_write_iops_sec",
                 "device_read_bytes_sec", "device_write_bytes_sec")
_PROCESS_SIGNAL_LAST = 65
# keycode sets (virKeycodeSet order) and the end of each one's code range
_KEYCODE_SETS = (("linux", 0x300), ("xt", 0x100), ("atset1", 0x100), ("atset2", 0x200),
                 ("atset3", 0x100), ("osx", 0x100), ("xt_kbd", 0x100), ("usb", 0x100),
                 ("win32", 0x100), ("qnum", 0x100))
_DISK_ERROR_LAST = 3


def _net_address(driver: Any, net: Any, offset: int) -> tuple[str, int, int]:
    """(address, prefix, type) for an interface on a libvirt network, as the test
    driver derives it from the network's first IP range."""
    name = net.source.get("network", "")
    handle = driver.networkLookupByName(name)
    xml = driver.networkGetXMLDesc(handle, 0)
    ip = etree.fromstring(xml.encode()).find("ip")
    if ip is None:
        return ("0.0.0.0", 0, C.VIR_IP_ADDR_TYPE_IPV4)
    family = ip.get("family", "ipv4")
    if ip.get("prefix"):
        prefix = int(ip.get("prefix", "0"))
    elif ip.get("netmask"):
        prefix = ipaddress.ip_network(f"0.0.0.0/{ip.get('netmask')}").prefixlen
    else:
        prefix = 64 if family == "ipv6" else 24
    start = ip.find("dhcp/range")
    # a missing address still fails in ip_address() (ValueError), as before
    base = ipaddress.ip_address(cast(str, start.get("start") if start is not None
                                     else ip.get("address")))
    kind = C.VIR_IP_ADDR_TYPE_IPV6 if family == "ipv6" else C.VIR_IP_ADDR_TYPE_IPV4
    return (str(base + offset), prefix, kind)


class TunablesMixin(DomainAccess):
    """The test driver's domain statistics, tunables, guest and device operations."""

    # --- statistics ------------------------------------------------------------
    def domainGetCPUStats(self, dom: DomainHandle, total: bool, flags: int) -> list[dict]:  # noqa: N802
        """CPU time of the whole domain, or per host CPU (libvirt-python's shape)."""
        check_flags(flags, STRING_OKAY, "testDomainGetCPUStats")
        with self.state.lock:
            self._dom_active(dom)
            cores = self.state.node_info.cores
        if total:
            return [{"cpu_time": TOTAL_CPUTIME, "user_time": 5540000000,
                     "system_time": 6460000000}]
        per_cpu = TOTAL_CPUTIME // cores
        return [{"cpu_time": per_cpu + i, "vcpu_time": per_cpu + i - 1234567890}
                for i in range(cores)]

    def domainMemoryStats(self, dom: DomainHandle) -> dict[str, int]:  # noqa: N802
        """Balloon statistics (none without a balloon)."""
        with self.state.lock:
            obj = self._dom_active(dom)
            if not obj.def_.has_memballoon():
                return {}
            cur = obj.def_.current_memory
        return {"actual": cur, "swap_in": 0, "swap_out": 0, "major_fault": 0,
                "minor_fault": 0, "unused": cur // 2, "available": cur, "usable": cur // 2,
                "last_update": 627319920, "disk_caches": cur // 8, "hugetlb_pgalloc": 0,
                "hugetlb_pgfail": 0, "rss": cur // 2}

    def _dom_disk(self, obj: DomainObj, path: str) -> Any:
        disk = obj.def_.find_disk(path)
        if disk is None:
            raise report(C.VIR_ERR_INVALID_ARG, f"invalid path: {path}", _FROM)
        return disk

    def domainBlockStats(self, dom: DomainHandle, path: str) -> tuple[int, ...]:  # noqa: N802
        """(rd_req, rd_bytes, wr_req, wr_bytes, errs) of a disk."""
        if not path:
            raise report(C.VIR_ERR_OPERATION_UNSUPPORTED,
                         "summary statistics are not supported yet", _FROM)
        with self.state.lock:
            self._dom_disk(self._dom_active(dom), path)
        base = time.time_ns() // 1000
        return (base // 10, base // 20, base // 30, base // 40, base // 2000000)

    def domainInterfaceStats(self, dom: DomainHandle, path: str) -> tuple[int, ...]:  # noqa: N802
        """(rx_bytes, rx_packets, rx_errs, rx_drop, tx_bytes, tx_packets, tx_errs, tx_drop)."""
        with self.state.lock:
            self._dom_net(self._dom_active(dom).def_, path)
        base = time.time_ns() // 1000
        return (base // 10, base // 100, base // 1000000, base // 2000000, base // 20,
                base // 110, base // 3000000, base // 4000000)

    @staticmethod
    def _dom_net(dom_def: domconf.TestDef, device: str) -> Any:
        net = dom_def.find_interface(device)
        if net is None:
            raise report(C.VIR_ERR_INVALID_ARG, f"'{device}' is not a known interface",
                         _FROM_DOM)
        return net

    def domainGetBlockInfo(self, dom: DomainHandle, path: str, flags: int) -> list[int]:  # noqa: N802
        """[capacity, allocation, physical] of a disk (fixed numbers)."""
        check_flags(flags, 0, "testDomainGetBlockInfo")
        with self.state.lock:
            disk = self._dom_obj(dom).def_.find_disk(path)
            if disk is None:
                raise report(C.VIR_ERR_INVALID_ARG,
                             f"invalid path {path} not assigned to domain", _FROM)
            if disk.source is None or not disk.source.path():
                raise report(C.VIR_ERR_INVALID_ARG, f"disk '{path}' does not currently have "
                             "a source assigned", _FROM)
        return [1099506450432, 1099511627776, 1099511627776]

    def domainGetDiskErrors(self, dom: DomainHandle, flags: int) -> dict[str, int]:  # noqa: N802
        """{disk: error code}, made up per disk."""
        check_flags(flags, 0, "testDomainGetDiskErrors")
        with self.state.lock:
            targets = self._dom_active(dom).def_.disk_targets()
        return {name: (i % (_DISK_ERROR_LAST - 1)) + 1 for i, name in enumerate(targets)}

    def domainInterfaceAddresses(self, dom: DomainHandle, source: int,  # noqa: N802
                                 flags: int) -> dict[str, Any]:
        """Addresses of the guest's interfaces, derived from their networks."""
        check_flags(flags, 0, "testDomainInterfaceAddresses")
        if source >= 3:
            raise report(C.VIR_ERR_ARGUMENT_UNSUPPORTED,
                         f"Unknown IP address data source {source}", _FROM)
        with self.state.lock:
            obj = self._dom_active(dom)
            out: dict[str, Any] = {}
            for i, net in enumerate(obj.def_.interfaces()):
                if net.type.value == "network":
                    addr, prefix, kind = _net_address(self, net, 20 * (obj.id - 1) + i + 1)
                else:
                    addr, prefix, kind = f"192.168.0.{1 + i}", 24, C.VIR_IP_ADDR_TYPE_IPV4
                out[net.target_dev or ""] = {
                    "addrs": [{"addr": addr, "prefix": prefix, "type": kind}],
                    "hwaddr": net.mac}
            return out

    # --- vCPUs and pinning ---------------------------------------------------------
    def _dom_vcpu_bits(self, dom_def: domconf.TestDef, vcpu: int) -> set[int]:
        bits = dom_def.vcpupin(vcpu)
        if bits is None:
            bits = dom_def.cpuset()
        return set(range(self.state.max_cpus)) if bits is None else bits

    def domainGetVcpus(self, dom: DomainHandle) -> tuple[list[tuple], list[tuple]]:  # noqa: N802
        """([(number, state, cpu time, cpu)], [cpumap]) of the running vCPUs."""
        with self.state.lock:
            obj = self._dom_obj(dom)
            if not obj.active:
                raise report(C.VIR_ERR_OPERATION_INVALID,
                             "cannot list vcpus for an inactive domain", _FROM)
            base = time.time_ns() // 1000 // 10
            info, maps = [], []
            for vcpu in range(obj.def_.vcpus):
                bits = self._dom_vcpu_bits(obj.def_, vcpu)
                info.append((vcpu, C.VIR_VCPU_RUNNING, base, max(bits) if bits else -1))
                maps.append(cpumap_tuple(bits))
            return info, maps

    def domainPinVcpuFlags(self, dom: DomainHandle, vcpu: int, cpumap: Any,  # noqa: N802
                           flags: int) -> None:
        """Pin a running vCPU to host CPUs."""
        check_flags(flags, 0, "testDomainPinVcpuFlags")
        with self.state.lock:
            obj = self._dom_obj(dom)
            if not obj.active:
                raise report(C.VIR_ERR_OPERATION_INVALID,
                             "cannot pin vcpus on an inactive domain", _FROM)
            if not 0 <= vcpu < obj.def_.vcpus:
                raise report(C.VIR_ERR_INVALID_ARG,
                             f"requested vcpu '{vcpu}' is not present in the domain", _FROM)
            obj.def_.set_vcpupin(vcpu, cpumap_bits(cpumap))
            obj.def_.touch_top()

    def domainPinVcpu(self, dom: DomainHandle, vcpu: int, cpumap: Any) -> None:  # noqa: N802
        """Pin a running vCPU to host CPUs."""
        self.domainPinVcpuFlags(dom, vcpu, cpumap, 0)

    def domainGetVcpuPinInfo(self, dom: DomainHandle, flags: int) -> list[tuple]:  # noqa: N802
        """The cpumap of each vCPU of the definition ``flags`` select."""
        with self.state.lock:
            obj = self._dom_obj(dom)
            dom_def, _live = self._dom_one_def(obj, flags)
            # libvirt-python asks for as many maps as virDomainGetInfo's vCPU count
            count = min(obj.def_.vcpus, dom_def.max_vcpus)
            return [cpumap_tuple(self._dom_vcpu_bits(dom_def, v)) for v in range(count)]

    def domainGetEmulatorPinInfo(self, dom: DomainHandle, flags: int) -> tuple:  # noqa: N802
        """The cpumap of the emulator threads."""
        check_flags(flags, LIVE | CONFIG, "testDomainGetEmulatorPinInfo")
        with self.state.lock:
            dom_def, _live = self._dom_one_def(self._dom_obj(dom), flags)
            bits = dom_def.emulatorpin()
            if bits is None:
                bits = dom_def.cpuset()
            return cpumap_tuple(set(range(self.state.max_cpus)) if bits is None else bits)

    def domainPinEmulator(self, dom: DomainHandle, cpumap: Any, flags: int) -> None:  # noqa: N802
        """Pin the emulator threads to host CPUs."""
        check_flags(flags, LIVE | CONFIG, "testDomainPinEmulator")
        with self.state.lock:
            dom_def, _live = self._dom_one_def(self._dom_obj(dom), flags)
            bits = cpumap_bits(cpumap)
            if not bits:
                raise report(C.VIR_ERR_INVALID_ARG, "Empty cpu list for pinning", _FROM)
            dom_def.set_emulatorpin(bits)
            dom_def.touch_top()

    # --- scheduler and parameters ---------------------------------------------------
    def domainGetSchedulerType(self, dom: DomainHandle) -> tuple[str, int]:  # noqa: N802
        """('fair', 1)."""
        return ("fair", 1)

    def domainGetSchedulerParametersFlags(self, dom: DomainHandle, flags: int) -> dict:  # noqa: N802
        """{'weight': 50}, as libvirt's test driver always says."""
        check_flags(flags, STRING_OKAY, "testDomainGetSchedulerParametersFlags")
        with self.state.lock:
            self._dom_obj(dom)
        return {"weight": 50}

    def domainGetSchedulerParameters(self, dom: DomainHandle) -> dict:  # noqa: N802
        """{'weight': 50}."""
        return self.domainGetSchedulerParametersFlags(dom, 0)

    def domainSetSchedulerParametersFlags(self, dom: DomainHandle, params: dict,  # noqa: N802
                                          flags: int) -> None:
        """Accept a weight (libvirt's test driver does not keep it)."""
        check_flags(flags, 0, "testDomainSetSchedulerParametersFlags")
        check_params(params, {"weight": int})
        with self.state.lock:
            self._dom_obj(dom)

    def domainSetSchedulerParameters(self, dom: DomainHandle, params: dict) -> None:  # noqa: N802
        """Accept a weight."""
        self.domainSetSchedulerParametersFlags(dom, params, 0)

    def domainGetBlkioParameters(self, dom: DomainHandle, flags: int) -> dict[str, Any]:  # noqa: N802
        """Block I/O weight and per-device settings."""
        check_flags(flags, LIVE | CONFIG | STRING_OKAY, "testDomainGetBlkioParameters")
        with self.state.lock:
            dom_def, _live = self._dom_one_def(self._dom_obj(dom), flags & ~STRING_OKAY)
            out: dict[str, Any] = {"weight": dom_def.blkio_weight}
            devices = dom_def.extra.get("blkio_devices", {})
            for key in _BLKIO_DEVICE:
                out[key] = devices.get(key, "")
            return out

    def domainSetBlkioParameters(self, dom: DomainHandle, params: dict,  # noqa: N802
                                 flags: int) -> None:
        """Set the block I/O weight and per-device settings."""
        check_flags(flags, LIVE | CONFIG, "testDomainSetBlkioParameters")
        check_params(params, {"weight": int, **{k: str for k in _BLKIO_DEVICE}})
        with self.state.lock:
            dom_def, _live = self._dom_one_def(self._dom_obj(dom), flags)
            if "weight" in params:
                dom_def.blkio_weight = int(params["weight"])
            devices = dom_def.extra.setdefault("blkio_devices", {})
            for key in _BLKIO_DEVICE:
                if key in params:
                    devices[key] = params[key]
            dom_def.touch()

    def domainGetMemoryParameters(self, dom: DomainHandle, flags: int) -> dict[str, int]:  # noqa: N802
        """Hard, soft and swap limits (KiB; 'unlimited' as libvirt's largest value)."""
        check_flags(flags, LIVE | CONFIG | STRING_OKAY, "testDomainGetMemoryParameters")
        with self.state.lock:
            dom_def, _live = self._dom_one_def(self._dom_obj(dom), flags & ~STRING_OKAY)
            return {key: dom_def.memtune(key) or domconf.UNLIMITED
                    for key in ("hard_limit", "soft_limit", "swap_hard_limit")}

    def domainSetMemoryParameters(self, dom: DomainHandle, params: dict,  # noqa: N802
                                  flags: int) -> None:
        """Set the memory limits."""
        check_flags(flags, LIVE | CONFIG, "testDomainSetMemoryParameters")
        check_params(params, {"hard_limit": int, "soft_limit": int, "swap_hard_limit": int})
        with self.state.lock:
            obj = self._dom_obj(dom)
            dom_def, _live = self._dom_one_def(obj, flags)
            if "hard_limit" in params or "swap_hard_limit" in params:
                hard = params.get("hard_limit", obj.def_.memtune("hard_limit")
                                  or domconf.UNLIMITED)
                swap = params.get("swap_hard_limit", obj.def_.memtune("swap_hard_limit")
                                  or domconf.UNLIMITED)
                if hard > swap:
                    raise report(C.VIR_ERR_INVALID_ARG, "memory hard_limit tunable value "
                                 "must be lower than or equal to swap_hard_limit", _FROM)
            for key in ("soft_limit", "hard_limit", "swap_hard_limit"):
                if key in params:
                    dom_def.set_memtune(key, int(params[key]))
            dom_def.touch_top()

    def domainGetNumaParameters(self, dom: DomainHandle, flags: int) -> dict[str, Any]:  # noqa: N802
        """NUMA memory mode and node set."""
        check_flags(flags, LIVE | CONFIG | STRING_OKAY, "testDomainGetNumaParameters")
        with self.state.lock:
            dom_def, _live = self._dom_one_def(self._dom_obj(dom), flags & ~STRING_OKAY)
            mode = domconf.NUMA_MODES.index(dom_def.numa_mode or "strict")
            nodeset = dom_def.numa_nodeset
            return {"numa_mode": mode,
                    "numa_nodeset": domconf.bitmap_format(nodeset) if nodeset is not None else ""}

    def domainSetNumaParameters(self, dom: DomainHandle, params: dict,  # noqa: N802
                                flags: int) -> None:
        """Set the NUMA memory mode and node set."""
        check_flags(flags, LIVE | CONFIG, "testDomainSetNumaParameters")
        check_params(params, {"numa_mode": int, "numa_nodeset": str})
        with self.state.lock:
            dom_def, live = self._dom_one_def(self._dom_obj(dom), flags)
            mode = params.get("numa_mode")
            nodeset = None
            if mode is not None and not 0 <= mode < len(domconf.NUMA_MODES):
                raise report(C.VIR_ERR_INVALID_ARG, f"unsupported numatune mode: '{mode}'",
                             _FROM)
            if "numa_nodeset" in params:
                try:
                    bits = domconf.bitmap_parse(params["numa_nodeset"])
                except ValueError:
                    raise report(C.VIR_ERR_INVALID_ARG, "Failed to parse bitmap "
                                 f"'{params['numa_nodeset']}'", C.VIR_FROM_NONE) from None
                if not bits:
                    raise report(C.VIR_ERR_OPERATION_INVALID, "Invalid nodeset of "
                                 f"'numatune': {params['numa_nodeset']}", _FROM)
                nodeset = bits
            current = domconf.NUMA_MODES.index(dom_def.numa_mode or "strict")
            if live and mode is not None and dom_def.numa_nodeset is not None \
                    and mode != current:
                raise report(C.VIR_ERR_OPERATION_INVALID,
                             "can't change numatune mode for running domain", _FROM)
            if nodeset is None and dom_def.numa_nodeset is None and mode is not None:
                raise report(C.VIR_ERR_XML_ERROR, "nodeset for NUMA memory tuning must be "
                             "set if 'placement' is 'static'", _FROM_DOM)
            dom_def.set_numa(None if mode is None else domconf.NUMA_MODES[mode], nodeset)
            dom_def.touch_top()

    def domainGetInterfaceParameters(self, dom: DomainHandle, device: str,  # noqa: N802
                                     flags: int) -> dict[str, int]:
        """Bandwidth limits of an interface."""
        check_flags(flags, LIVE | CONFIG | STRING_OKAY, "testDomainGetInterfaceParameters")
        with self.state.lock:
            dom_def, _live = self._dom_one_def(self._dom_obj(dom), flags & ~STRING_OKAY)
            net = self._dom_net(dom_def, device)
            rates = dom_def.bandwidth(net)
            return {key: rates.get(direction, {}).get(attr, 0)
                    for key, direction, attr in bandwidth.PARAMS}

    def domainSetInterfaceParameters(self, dom: DomainHandle, device: str,  # noqa: N802
                                     params: dict, flags: int) -> None:
        """Set bandwidth limits of an interface (average or floor required per direction)."""
        check_flags(flags, LIVE | CONFIG, "testDomainSetInterfaceParameters")
        check_params(params, {key: int for key, _d, _a in bandwidth.PARAMS})
        with self.state.lock:
            dom_def, _live = self._dom_one_def(self._dom_obj(dom), flags)
            net = self._dom_net(dom_def, device)
            rates = dom_def.bandwidth(net)
            bandwidth.merge(rates, params)
            dom_def.set_bandwidth(net, rates)
            dom_def.touch_device(net)

    def domainGetBlockIoTune(self, dom: DomainHandle, disk: str, flags: int) -> dict:  # noqa: N802
        """The I/O limits of a disk."""
        check_flags(flags, LIVE | CONFIG | STRING_OKAY, "testDomainGetBlockIoTune")
        with self.state.lock:
            dom_def, _live = self._dom_one_def(self._dom_obj(dom), flags & ~STRING_OKAY)
            elem = dom_def.find_disk(disk)
            if elem is None:
                raise report(C.VIR_ERR_INVALID_ARG,
                             f"disk '{disk}' was not found in the domain config", _FROM)
            return {key: elem.iotune.get(key, "" if key == "group_name" else 0)
                    for key in _IOTUNE_FIELDS}

    def domainSetBlockIoTune(self, dom: DomainHandle, disk: str, params: dict,  # noqa: N802
                             flags: int) -> None:
        """Set I/O limits of a disk, with libvirt's consistency checks."""
        check_flags(flags, LIVE | CONFIG, "testDomainSetBlockIoTune")
        check_params(params, {k: (str if k == "group_name" else int) for k in _IOTUNE_FIELDS})
        with self.state.lock:
            dom_def, _live = self._dom_one_def(self._dom_obj(dom), flags)
            elem = dom_def.find_disk(disk)
            if elem is None:
                raise report(C.VIR_ERR_INVALID_ARG,
                             f"missing persistent configuration for disk '{disk}'", _FROM)
            info = self.domainGetBlockIoTune(dom, disk, flags)
            for key, value in params.items():
                if key != "group_name" and value > _IOTUNE_MAX:
                    raise report(C.VIR_ERR_ARGUMENT_UNSUPPORTED, "block I/O throttle limit "
                                 f"value must be no more than {_IOTUNE_MAX}", _FROM)
                info[key] = value
            for kind in ("bytes_sec", "iops_sec", "bytes_sec_max", "iops_sec_max"):
                if info[f"total_{kind}"] and (info[f"read_{kind}"] or info[f"write_{kind}"]):
                    raise report(C.VIR_ERR_INVALID_ARG, f"total and read/write of {kind} "
                                 "cannot be set at the same time", _FROM)
            for prefix in ("total", "read", "write"):
                for kind in ("bytes_sec", "iops_sec"):
                    field, maximum = f"{prefix}_{kind}", f"{prefix}_{kind}_max"
                    # libvirt 9.0 compares even when no maximum is set
                    if info[field] > info[maximum]:
                        raise report(C.VIR_ERR_INVALID_ARG,
                                     f"{field} cannot be set higher than {maximum} ", _FROM)
            elem.iotune = {key: info[key] for key in _IOTUNE_FIELDS if info[key]}
            dom_def.touch_device(elem)

    def domainGetPerfEvents(self, dom: DomainHandle, flags: int) -> dict[str, bool]:  # noqa: N802
        """Which perf events are enabled."""
        check_flags(flags, LIVE | CONFIG | STRING_OKAY, "testDomainGetPerfEvents")
        with self.state.lock:
            dom_def, _live = self._dom_one_def(self._dom_obj(dom), flags & ~STRING_OKAY)
            events = dom_def.perf()
            return {name: events.get(name, False) for name in domconf.PERF_EVENTS}

    def domainSetPerfEvents(self, dom: DomainHandle, params: dict, flags: int) -> None:  # noqa: N802
        """Enable or disable perf events."""
        check_flags(flags, LIVE | CONFIG, "testDomainSetPerfEvents")
        check_params(params, {name: bool for name in domconf.PERF_EVENTS})
        with self.state.lock:
            dom_def, _live = self._dom_one_def(self._dom_obj(dom), flags)
            for name, value in params.items():
                dom_def.set_perf(name, bool(value))
            dom_def.touch_top()

    def domainSetLifecycleAction(self, dom: DomainHandle, type: int, action: int,  # noqa: A002,N802
                                 flags: int) -> None:
        """Change what poweroff, reboot or crash do."""
        check_flags(flags, LIVE | CONFIG, "testDomainSetLifecycleAction")
        kinds = ("on_poweroff", "on_reboot", "on_crash")
        if not 0 <= type < len(kinds) or not 0 <= action < len(domconf.LIFECYCLE_ACTIONS):
            raise report(C.VIR_ERR_INVALID_ARG, "invalid lifecycle type or action", _FROM_DOM)
        name = domconf.LIFECYCLE_ACTIONS[action]
        if type != 2 and name.startswith("coredump"):
            raise report(C.VIR_ERR_CONFIG_UNSUPPORTED, f"Lifecycle event '{kinds[type][3:]}' "
                         f"doesn't support '{name}' action", _FROM_DOM)
        with self.state.lock:
            live, config = self._dom_defs(self._dom_obj(dom), flags)
            for dom_def in (live, config):
                if dom_def is not None:
                    dom_def.set_lifecycle(kinds[type], name)
                    dom_def.touch_top()

    # --- guest --------------------------------------------------------------------
    def domainGetTime(self, dom: DomainHandle, flags: int) -> dict[str, int]:  # noqa: N802
        """The guest's clock."""
        check_flags(flags, 0, "testDomainGetTime")
        with self.state.lock:
            obj = self._dom_obj(dom)
            if obj.state != C.VIR_DOMAIN_RUNNING:
                raise report(C.VIR_ERR_OPERATION_INVALID, "domain is not running", _FROM)
            return {"seconds": obj.seconds, "nseconds": obj.nseconds}

    def domainSetTime(self, dom: DomainHandle, time: dict | None, flags: int) -> None:  # noqa: A002,N802
        """Set the guest's clock."""
        check_flags(flags, C.VIR_DOMAIN_TIME_SYNC, "testDomainSetTime")
        with self.state.lock:
            obj = self._dom_active(dom)
            value = time or {}
            obj.seconds = int(value.get("seconds", 0))
            obj.nseconds = int(value.get("nseconds", 0))

    def domainGetHostname(self, dom: DomainHandle, flags: int) -> str:  # noqa: N802
        """'<name>host'."""
        check_flags(flags, 0, "testDomainGetHostname")
        with self.state.lock:
            self._dom_active(dom)
        return f"{dom.name}host"

    def domainSetUserPassword(self, dom: DomainHandle, user: str, password: str,  # noqa: N802
                              flags: int) -> None:
        """Accept a password change in a running guest."""
        check_flags(flags, C.VIR_DOMAIN_PASSWORD_ENCRYPTED, "testDomainSetUserPassword")
        with self.state.lock:
            self._dom_active(dom)

    def domainGetFSInfo(self, dom: DomainHandle, flags: int) -> list[tuple]:  # noqa: N802
        """Two file systems on the guest's first disk."""
        check_flags(flags, 0, "testDomainGetFSInfo")
        with self.state.lock:
            obj = self._dom_active(dom)
            for disk in obj.def_.disks():
                if disk.device.value == "disk":
                    name = disk.target
                    return [("/", f"{name}1", "ext4", [name]),
                            ("/boot", f"{name}2", "ext4", [name])]
        return []

    def _dom_freeze(self, dom: DomainHandle, mountpoints: list[str] | None, flags: int,
                func: str, freeze: bool) -> int:
        check_flags(flags, 0, func)
        with self.state.lock:
            obj = self._dom_active(dom)
            if not mountpoints:
                count = sum(1 for f in obj.frozen if f != freeze)
                obj.frozen = [freeze, freeze]
                return count
            new = list(obj.frozen)
            count = 0
            for point in mountpoints:
                if point not in ("/", "/boot"):
                    raise report(C.VIR_ERR_OPERATION_INVALID, f"mount point not found: {point}",
                                 _FROM)
                index = 0 if point == "/" else 1
                if new[index] != freeze:
                    new[index] = freeze
                    count += 1
            obj.frozen = new
            return count

    def domainFSFreeze(self, dom: DomainHandle, mountpoints: list[str] | None,  # noqa: N802
                       flags: int) -> int:
        """Freeze '/' and '/boot' (or those given); return how many froze."""
        return self._dom_freeze(dom, mountpoints, flags, "testDomainFSFreeze", True)

    def domainFSThaw(self, dom: DomainHandle, mountpoints: list[str] | None,  # noqa: N802
                     flags: int) -> int:
        """Thaw '/' and '/boot' (or those given); return how many thawed."""
        return self._dom_freeze(dom, mountpoints, flags, "testDomainFSThaw", False)

    def domainFSTrim(self, dom: DomainHandle, mountPoint: str | None, minimum: int,  # noqa: N802,N803
                     flags: int) -> None:
        """Trim '/' or '/boot' (nothing to do)."""
        check_flags(flags, 0, "testDomainFSTrim")
        with self.state.lock:
            self._dom_active(dom)
            if mountPoint and mountPoint not in ("/", "/boot"):
                raise report(C.VIR_ERR_OPERATION_INVALID, f"mount point not found: {mountPoint}",
                             _FROM)

    def domainInjectNMI(self, dom: DomainHandle, flags: int) -> None:  # noqa: N802
        """Accept an NMI for a running guest."""
        check_flags(flags, 0, "testDomainInjectNMI")
        with self.state.lock:
            self._dom_active(dom)

    def domainSendKey(self, dom: DomainHandle, codeset: int, holdtime: int,  # noqa: N802
                      keycodes: list[int], nkeycodes: int, flags: int) -> None:
        """Accept key presses for a running guest."""
        check_flags(flags, 0, "testDomainSendKey")
        with self.state.lock:
            self._dom_active(dom)
            if not 0 <= codeset < len(_KEYCODE_SETS):
                raise report(C.VIR_ERR_INVALID_ARG, f"unknown keycode set {codeset}", _FROM)
            name, limit = _KEYCODE_SETS[codeset]
            for key in list(keycodes)[:nkeycodes]:
                if not 0 <= key < limit:
                    raise report(C.VIR_ERR_INTERNAL_ERROR,
                                 f"invalid keycode {key} of {name} codeset", _FROM)

    def domainSendProcessSignal(self, dom: DomainHandle, pid_value: int, signum: int,  # noqa: N802
                                flags: int) -> None:
        """Accept a signal for the guest's pid 1."""
        check_flags(flags, 0, "testDomainSendProcessSignal")
        if pid_value != 1:
            raise report(C.VIR_ERR_INVALID_ARG, "only sending a signal to pid 1 is supported",
                         _FROM)
        if signum >= _PROCESS_SIGNAL_LAST:
            raise report(C.VIR_ERR_INVALID_ARG, f"signum value {signum} is out of range", _FROM)
        with self.state.lock:
            self._dom_obj(dom)

    def domainMemoryPeek(self, dom: DomainHandle, start: int, size: int,  # noqa: N802
                         flags: int) -> bytes:
        """Bytes counting up from ``start`` (libvirt's made-up guest memory)."""
        check_flags(flags, C.VIR_MEMORY_VIRTUAL | C.VIR_MEMORY_PHYSICAL, "testDomainMemoryPeek")
        if flags not in (C.VIR_MEMORY_VIRTUAL, C.VIR_MEMORY_PHYSICAL):
            raise report(C.VIR_ERR_INVALID_ARG, "flags parameter must be VIR_MEMORY_VIRTUAL "
                         "or VIR_MEMORY_PHYSICAL", _FROM)
        with self.state.lock:
            self._dom_active(dom)
        return bytes((start + i) & 0xFF for i in range(size))

    def domainCoreDumpWithFormat(self, dom: DomainHandle, to: str, dumpformat: int,  # noqa: N802
                                 flags: int) -> None:
        """Write a (fake) core file; with VIR_DUMP_CRASH the domain stops as crashed."""
        check_flags(flags, C.VIR_DUMP_CRASH, "testDomainCoreDumpWithFormat")
        from pyvirt.drivers.test.domain import SAVE_MAGIC, write_durably
        with self.state.lock:
            obj = self._dom_active(dom)
            try:
                write_durably(to, SAVE_MAGIC)
            except OSError as exc:
                from pyvirt.errors import report_system
                raise report_system(exc.errno or 0, f"domain '{dom.name}' coredump: failed "
                                    f"to open {to}", _FROM) from None
            if dumpformat != C.VIR_DOMAIN_CORE_DUMP_FORMAT_RAW:
                raise report(C.VIR_ERR_OPERATION_UNSUPPORTED,
                             "kdump-compressed format is not supported here", _FROM)
            if flags & C.VIR_DUMP_CRASH:
                self._dom_stop(obj, C.VIR_DOMAIN_SHUTOFF_CRASHED, dom)
                self._dom_emit(obj, C.VIR_DOMAIN_EVENT_STOPPED, C.VIR_DOMAIN_EVENT_STOPPED_CRASHED)
                self._dom_forget_transient(obj)

    def domainCoreDump(self, dom: DomainHandle, to: str, flags: int) -> None:  # noqa: N802
        """Write a (fake) raw core file."""
        self.domainCoreDumpWithFormat(dom, to, C.VIR_DOMAIN_CORE_DUMP_FORMAT_RAW, flags)

    def domainScreenshot(self, dom: DomainHandle, stream: Any, screen: int,  # noqa: N802
                         flags: int) -> str:
        """Send a PNG image through ``stream``; return its MIME type."""
        check_flags(flags, 0, "testDomainScreenshot")
        target = handle_of(stream)
        target.bind()
        target.feed(_screenshot())
        target.feed_eof()
        return "image/png"

    def domainGetSecurityLabel(self, dom: DomainHandle) -> list[Any]:  # noqa: N802
        """['libvirt-test', True] while running, ['', False] otherwise."""
        with self.state.lock:
            if self._dom_obj(dom).active:
                return ["libvirt-test", True]
        return ["", False]

    def domainGetLaunchSecurityInfo(self, dom: DomainHandle, flags: int) -> dict:  # noqa: N802
        """No launch security: {}."""
        check_flags(flags, STRING_OKAY, "testDomainGetLaunchSecurityInfo")
        return {}

    def domainGetMessages(self, dom: DomainHandle, flags: int) -> list[str]:  # noqa: N802
        """No taint or deprecation messages."""
        check_flags(flags, C.VIR_DOMAIN_MESSAGE_DEPRECATION | C.VIR_DOMAIN_MESSAGE_TAINTING,
                    "testDomainGetMessages")
        with self.state.lock:
            self._dom_obj(dom)
        return []

    # --- I/O threads -----------------------------------------------------------------
    def domainGetIOThreadInfo(self, dom: DomainHandle, flags: int) -> list[tuple]:  # noqa: N802
        """[(iothread id, cpumap)] of the definition ``flags`` select."""
        check_flags(flags, LIVE | CONFIG, "testDomainGetIOThreadInfo")
        with self.state.lock:
            dom_def, _live = self._dom_one_def(self._dom_obj(dom), flags)
            default = dom_def.cpuset()
            if default is None:  # libvirt 9.0's test driver: one CPU per vCPU
                default = set(range(dom_def.max_vcpus))
            return [(tid, list(cpumap_tuple(dom_def.iothreadpin(tid) or default)))
                    for tid in dom_def.iothread_ids()]

    def domainAddIOThread(self, dom: DomainHandle, iothread_id: int, flags: int) -> None:  # noqa: N802
        """Add an I/O thread to the live and/or persistent definition."""
        check_flags(flags, LIVE | CONFIG, "testDomainAddIOThread")
        if iothread_id == 0:
            raise report(C.VIR_ERR_INVALID_ARG, "invalid value of 0 for iothread_id", _FROM)
        with self.state.lock:
            defs = [d for d in self._dom_defs(self._dom_obj(dom), flags) if d is not None]
            for dom_def in defs:
                if iothread_id in dom_def.iothread_ids():
                    raise report(C.VIR_ERR_INVALID_ARG, "an IOThread is already using "
                                 f"iothread_id '{iothread_id}'", _FROM_DOM)
            for dom_def in defs:
                dom_def.add_iothread(iothread_id)
                dom_def.touch_top()

    def domainDelIOThread(self, dom: DomainHandle, iothread_id: int, flags: int) -> None:  # noqa: N802
        """Remove an I/O thread from the live and/or persistent definition."""
        check_flags(flags, LIVE | CONFIG, "testDomainDelIOThread")
        with self.state.lock:
            defs = [d for d in self._dom_defs(self._dom_obj(dom), flags) if d is not None]
            for dom_def in defs:
                if iothread_id not in dom_def.iothread_ids():
                    raise report(C.VIR_ERR_INVALID_ARG, f"cannot find IOThread '{iothread_id}' "
                                 "in iothreadids list", _FROM_DOM)
            for dom_def in defs:
                dom_def.del_iothread(iothread_id)
                dom_def.touch_top()

    def domainPinIOThread(self, dom: DomainHandle, iothread_val: int, cpumap: Any,  # noqa: N802
                          flags: int) -> None:
        """Pin an I/O thread to host CPUs."""
        check_flags(flags, LIVE | CONFIG, "testDomainPinIOThread")
        with self.state.lock:
            dom_def, _live = self._dom_one_def(self._dom_obj(dom), flags)
            if iothread_val not in dom_def.iothread_ids():
                raise report(C.VIR_ERR_INVALID_ARG, f"iothreadid {iothread_val} not found",
                             _FROM)
            bits = cpumap_bits(cpumap)
            if not bits:
                raise report(C.VIR_ERR_INVALID_ARG, "Empty iothread cpumap list for pinning",
                             _FROM)
            dom_def.set_iothreadpin(iothread_val, bits)
            dom_def.touch_top()

    def domainSetIOThreadParams(self, dom: DomainHandle, iothread_val: int,  # noqa: N802
                                params: dict, flags: int) -> None:
        """Accept polling parameters of a running domain's I/O thread."""
        check_flags(flags, LIVE | CONFIG, "testDomainSetIOThreadParams")
        check_params(params, {"poll_max_ns": int, "poll_grow": int, "poll_shrink": int,
                              "thread_pool_min": int, "thread_pool_max": int})
        with self.state.lock:
            dom_def, _live = self._dom_one_def(self._dom_obj(dom), flags)
            if iothread_val not in dom_def.iothread_ids():
                raise report(C.VIR_ERR_INVALID_ARG, f"iothread {iothread_val} not found",
                             _FROM)

    # --- jobs -------------------------------------------------------------
    # libvirt 9.0's test driver has no job calls; pyvirt's answers as a
    # hypervisor with no job running would (the mock never runs long jobs).
    def domainGetJobInfo(self, dom: DomainHandle) -> list[int]:  # noqa: N802
        """[type, elapsed, remaining, data total/processed/remaining, memory ..., file ...]."""
        with self.state.lock:
            self._dom_obj(dom)
        return [C.VIR_DOMAIN_JOB_NONE] + [0] * 11

    def domainGetJobStats(self, dom: DomainHandle, flags: int) -> dict[str, Any]:  # noqa: N802
        """{'type': VIR_DOMAIN_JOB_NONE}: no job is ever running in the mock."""
        check_flags(flags, C.VIR_DOMAIN_JOB_STATS_COMPLETED
                    | C.VIR_DOMAIN_JOB_STATS_KEEP_COMPLETED, "testDomainGetJobStats")
        with self.state.lock:
            self._dom_obj(dom)
        return {"type": C.VIR_DOMAIN_JOB_NONE}

    def domainAbortJob(self, dom: DomainHandle) -> None:  # noqa: N802
        """There is never a job to abort."""
        with self.state.lock:
            obj = self._dom_obj(dom)
            detail = ("no job is active on the domain" if obj.state != C.VIR_DOMAIN_SHUTOFF
                      else "domain is not running")
        raise report(C.VIR_ERR_OPERATION_INVALID, detail, _FROM)

    def domainAbortJobFlags(self, dom: DomainHandle, flags: int) -> None:  # noqa: N802
        """As domainAbortJob."""
        check_flags(flags, 0, "testDomainAbortJobFlags")
        self.domainAbortJob(dom)


_PNG_CACHE: list[bytes] = []


def _screenshot() -> bytes:
    """libvirt's test screenshot when installed, else a 1x1 PNG."""
    if not _PNG_CACHE:
        try:
            with open(SCREENSHOT, "rb") as handle:
                _PNG_CACHE.append(handle.read())
        except OSError:
            import struct
            import zlib

            def chunk(kind: bytes, data: bytes) -> bytes:
                body = kind + data
                return struct.pack(">I", len(data)) + body + struct.pack(
                    ">I", zlib.crc32(body) & 0xFFFFFFFF)
            _PNG_CACHE.append(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(
                ">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)) + chunk(b"IDAT", zlib.compress(
                    b"\x00\x00\x00\x00")) + chunk(b"IEND", b""))
    return _PNG_CACHE[0]


__all__ = ["TunablesMixin"]
