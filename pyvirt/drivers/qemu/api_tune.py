"""The QEMU driver's resource tunables: scheduler, memory, block I/O, NUMA, disk
throttling.

:class:`TuneAPI` is a mixin of :class:`~pyvirt.drivers.qemu.driver.QemuDriver`.
Each call takes libvirt's VIR_DOMAIN_AFFECT_* flags: the live side writes
the guest's cgroup (:mod:`pyvirt.drivers.qemu.cgroup`) or tells QEMU
(``block_set_io_throttle``) and updates the live XML in the status file;
the config side updates the persistent definition (``<cputune>``,
``<memtune>``, ``<blkiotune>``, ``<numatune>``, a disk's ``<iotune>``).
Names, types, units and errors are libvirt 9.0's.
"""

from __future__ import annotations

import os
import stat
from typing import TYPE_CHECKING, Any

from pyvirt import constants as C
from pyvirt import errors as _errors
from pyvirt.conf.xmlutil import E
from pyvirt.driver import interface as I
from pyvirt.drivers.qemu import cgroup, placement
from pyvirt.drivers.qemu.placement import CONFIG, LIVE, change, check_params, one_def
from pyvirt.errors import libvirtError, report
from pyvirt.util import hostinfo
from pyvirt.util.lazy import lazy_module

if TYPE_CHECKING:
    from pyvirt.conf import domain_cpu, domain_disk
else:
    domain_cpu = lazy_module("pyvirt.conf.domain_cpu", globals())
    domain_disk = lazy_module("pyvirt.conf.domain_disk", globals())

_FROM = C.VIR_FROM_QEMU
STRING_OKAY = C.VIR_TYPED_PARAM_STRING_OKAY

# --- scheduler -------------------------------------------------------------------------------
# parameter -> (<cputune> field, sub-group or None for the guest's group, is a quota)
_SCHED = {
    "cpu_shares": ("shares", None, False),
    "vcpu_period": ("period", "vcpu", False), "vcpu_quota": ("quota", "vcpu", True),
    "emulator_period": ("emulator_period", "emulator", False),
    "emulator_quota": ("emulator_quota", "emulator", True),
    "global_period": ("global_period", None, False),
    "global_quota": ("global_quota", None, True),
    "iothread_period": ("iothread_period", "iothread", False),
    "iothread_quota": ("iothread_quota", "iothread", True),
}
_PERIOD = (1000, 1000000)                      # QEMU_SCHED_{MIN,MAX}_PERIOD
_QUOTA = (1000, 18446744073709551)             # QEMU_SCHED_{MIN,MAX}_QUOTA

_MEMTUNE = ("hard_limit", "soft_limit", "swap_hard_limit")
_BLKIO_DEVICE = (("device_weight", "weight"), ("device_read_iops_sec", "read_iops_sec"),
                 ("device_write_iops_sec", "write_iops_sec"),
                 ("device_read_bytes_sec", "read_bytes_sec"),
                 ("device_write_bytes_sec", "write_bytes_sec"))
_BLKIO_FILES = {"read_iops_sec": "blkio.throttle.read_iops_device",
                "write_iops_sec": "blkio.throttle.write_iops_device",
                "read_bytes_sec": "blkio.throttle.read_bps_device",
                "write_bytes_sec": "blkio.throttle.write_bps_device"}
NUMA_MODES = ("strict", "preferred", "interleave", "restrictive")

# <iotune> field -> QMP block_set_io_throttle argument
_IOTUNE_QMP = {
    "total_bytes_sec": "bps", "read_bytes_sec": "bps_rd", "write_bytes_sec": "bps_wr",
    "total_iops_sec": "iops", "read_iops_sec": "iops_rd", "write_iops_sec": "iops_wr",
    "total_bytes_sec_max": "bps_max", "read_bytes_sec_max": "bps_rd_max",
    "write_bytes_sec_max": "bps_wr_max", "total_iops_sec_max": "iops_max",
    "read_iops_sec_max": "iops_rd_max", "write_iops_sec_max": "iops_wr_max",
    "size_iops_sec": "iops_size", "group_name": "group",
    "total_bytes_sec_max_length": "bps_max_length",
    "read_bytes_sec_max_length": "bps_rd_max_length",
    "write_bytes_sec_max_length": "bps_wr_max_length",
    "total_iops_sec_max_length": "iops_max_length",
    "read_iops_sec_max_length": "iops_rd_max_length",
    "write_iops_sec_max_length": "iops_wr_max_length"}
_IOTUNE_MAX = 1000000000000000


def _sched_subs(vm: Any, kind: str | None) -> list[str | None]:
    """The sub-groups a scheduler parameter applies to."""
    if kind is None:
        return [None]
    if kind == "vcpu":
        return [f"vcpu{i}" for i in sorted(placement.vcpu_threads(vm))]
    if kind == "iothread":
        return [f"iothread{i}" for i, _t in placement.iothread_threads(vm)]
    return ["emulator"]


def _check_sched(name: str, value: int) -> None:
    quota = _SCHED[name][2]
    if name == "cpu_shares" or value == 0:
        return
    low, high = _QUOTA if quota else _PERIOD
    if quota and value < 0:
        return
    if not low <= value <= high:
        raise report(C.VIR_ERR_INVALID_ARG, f"value of '{name}' is out of range "
                     f"[{-1 if quota else low}, {high}]", _FROM)


def _kept(elems: list[E], tag: str) -> E | None:
    return next((e for e in elems if e.tag == tag), None)


def _blkio_of(def_: Any) -> tuple[int, dict[str, dict[str, int]]]:
    """(weight, {path: {field: value}}) of ``<blkiotune>`` (weight 0: unset)."""
    node = _kept(def_.kept, "blkiotune")
    weight, devices = 0, {}  # type: int, dict[str, dict[str, int]]
    if node is None:
        return weight, devices
    for child in node.children:
        if child.tag == "weight":
            weight = int(child.text or 0)
        elif child.tag == "device":
            path = next((c.text for c in child.children if c.tag == "path"), None)
            if path:
                devices[path] = {c.tag: int(c.text or 0) for c in child.children
                                 if c.tag != "path"}
    return weight, devices


def _set_blkio(def_: Any, weight: int, devices: dict[str, dict[str, int]]) -> None:
    """Write ``<blkiotune>`` back into ``def_`` (left out when empty)."""
    def_.kept = [e for e in def_.kept if e.tag != "blkiotune"]
    kids = [E("weight", text=weight)] if weight else []
    for path, values in devices.items():
        fields = [E(f, text=values[f]) for _p, f in _BLKIO_DEVICE if values.get(f)]
        if fields:
            kids.append(E("device", children=[E("path", text=path), *fields]))
    if kids:
        def_.kept.append(E("blkiotune", children=kids, keep=True))


def _parse_devices(name: str, text: str) -> list[tuple[str, int]]:
    """libvirt's '/dev/sda,100,/dev/sdb,200' device lists."""
    if not text:
        return []
    parts = text.split(",")
    if len(parts) % 2:
        raise report(C.VIR_ERR_INVALID_ARG, f"unable to parse blkio device '{name}' '{text}'",
                     C.VIR_FROM_DOMAIN)
    out = []
    for path, value in zip(parts[::2], parts[1::2], strict=True):
        if not value.isdigit():
            raise report(C.VIR_ERR_INVALID_ARG, f"invalid value '{value}' for parameter "
                         f"'{name}' of device '{path}'", C.VIR_FROM_DOMAIN)
        out.append((path, int(value)))
    return out


def _find_disk(def_: Any, name: str) -> Any:
    for disk in def_.devices.disks:
        src = getattr(disk.source, "path", None) or getattr(disk.source, "file", None)
        if name in (disk.target, src):
            return disk
    raise report(C.VIR_ERR_INVALID_ARG, f"disk '{name}' not found in domain", _FROM)


class TuneAPI(I.HypervisorDriver):
    """Scheduler, memory, block I/O, NUMA and disk I/O tunables of the QEMU driver."""

    vm_of: Any
    cfg: Any
    emit: Any

    # --- scheduler -----------------------------------------------------------------------
    def domainGetSchedulerType(self, dom: Any) -> tuple[str, int]:
        """('posix', number of parameters)."""
        vm = self.vm_of(dom)
        if vm.is_active():
            placement.group(vm).require("cpu")
        return ("posix", len(_SCHED))

    def domainGetSchedulerParameters(self, dom: Any) -> dict[str, int]:
        """The scheduler parameters of the running guest (or of its definition)."""
        return self.domainGetSchedulerParametersFlags(dom, 0)

    def domainGetSchedulerParametersFlags(self, dom: Any, flags: int) -> dict[str, int]:
        """cpu_shares and the vCPU/emulator/global/iothread CFS periods and quotas."""
        _errors.check_flags(flags, LIVE | CONFIG | STRING_OKAY,
                            "qemuDomainGetSchedulerParametersFlags", _FROM)
        vm = self.vm_of(dom)
        def_, live = one_def(vm, flags & ~STRING_OKAY)
        if not live:
            tune = def_.cputune or domain_cpu.CpuTune()
            return {name: getattr(tune, field) or 0 for name, (field, _k, _q) in _SCHED.items()}
        grp = placement.group(vm)
        grp.require("cpu")
        out: dict[str, int] = {"cpu_shares": grp.get_shares()}
        for kind in ("vcpu", "emulator", "global", "iothread"):
            subs = _sched_subs(vm, None if kind == "global" else kind)
            period, quota = grp.get_cfs(subs[0]) if subs else (0, 0)
            out[f"{kind}_period"], out[f"{kind}_quota"] = period, quota
        return out

    def domainSetSchedulerParameters(self, dom: Any, params: dict[str, int]) -> int:
        """Set scheduler parameters of the running guest (or its definition)."""
        return self.domainSetSchedulerParametersFlags(dom, params, 0)

    def domainSetSchedulerParametersFlags(self, dom: Any, params: dict[str, int],
                                          flags: int) -> int:
        """Set cpu_shares and CFS periods/quotas: cgroup files and ``<cputune>``."""
        _errors.check_flags(flags, LIVE | CONFIG, "qemuDomainSetSchedulerParametersFlags",
                            _FROM)
        check_params(params, {name: int for name in _SCHED})
        for name, value in params.items():
            _check_sched(name, value)
        vm = self.vm_of(dom)
        with change(self, vm, flags) as (live, persistent):
            if live:
                grp = placement.group(vm)
                grp.require("cpu")
                tune = vm.def_.cputune = vm.def_.cputune or domain_cpu.CpuTune()
                for name, value in params.items():
                    field, kind, quota = _SCHED[name]
                    if name == "cpu_shares":
                        grp.set_shares(value)
                        tune.shares = grp.get_shares()     # the kernel clamps it
                        continue
                    if value == 0:
                        continue
                    for sub in _sched_subs(vm, kind):
                        grp.set_cfs(sub, None if quota else value, value if quota else None)
                    setattr(tune, field, value)
                placement.tunable_event(self, vm, {
                    f"cputune.{name}": (tune.shares if name == "cpu_shares" else value)
                    for name, value in params.items() if value or name == "cpu_shares"})
            if persistent is not None:
                ptune = persistent.cputune = persistent.cputune or domain_cpu.CpuTune()
                for name, value in params.items():
                    if value or name == "cpu_shares":
                        setattr(ptune, _SCHED[name][0], value)
        return 0

    # --- memory ------------------------------------------------------------------------------
    def domainGetMemoryParameters(self, dom: Any, flags: int) -> dict[str, int]:
        """hard_limit, soft_limit and swap_hard_limit in KiB (unlimited: 2**53 - 1)."""
        _errors.check_flags(flags, LIVE | CONFIG | STRING_OKAY,
                            "qemuDomainGetMemoryParameters", _FROM)
        vm = self.vm_of(dom)
        def_, live = one_def(vm, flags & ~STRING_OKAY)
        if live:
            grp = placement.group(vm)
            grp.require("memory")
            return {name: grp.get_memory(name) for name in _MEMTUNE}
        tune = def_.memtune or domain_cpu.MemTune()
        return {name: cgroup.PARAM_UNLIMITED if getattr(tune, name) is None
                else getattr(tune, name) for name in _MEMTUNE}

    def domainSetMemoryParameters(self, dom: Any, params: dict[str, int], flags: int) -> int:
        """Set the memory limits (KiB): the memory cgroup and ``<memtune>``."""
        _errors.check_flags(flags, LIVE | CONFIG, "qemuDomainSetMemoryParameters", _FROM)
        check_params(params, {name: int for name in _MEMTUNE})
        for name, value in params.items():
            if value > cgroup.PARAM_UNLIMITED:
                raise report(C.VIR_ERR_OVERFLOW, f"setting '{name}' to {value} is out of "
                             "range", _FROM)
        vm = self.vm_of(dom)
        with change(self, vm, flags) as (live, persistent):
            for def_, is_live in ((vm.def_, True), (persistent, False)):
                if def_ is None or (is_live and not live):
                    continue
                cur = self._memory_now(vm, def_, is_live)
                hard = params.get("hard_limit", cur["hard_limit"])
                swap = params.get("swap_hard_limit", cur["swap_hard_limit"])
                if hard > swap:
                    raise report(C.VIR_ERR_INVALID_ARG, "memory hard_limit tunable value must "
                                 "be lower than or equal to swap_hard_limit", _FROM)
            if live:
                grp = placement.group(vm)
                grp.require("memory")
                # raise the swap limit before the hard one, lower it after
                order = ["soft_limit"]
                cur_hard = grp.get_memory("hard_limit")
                if params.get("swap_hard_limit", 0) >= cur_hard:
                    order += ["swap_hard_limit", "hard_limit"]
                else:
                    order += ["hard_limit", "swap_hard_limit"]
                tune = vm.def_.memtune = vm.def_.memtune or domain_cpu.MemTune()
                for name in order:
                    if name in params:
                        grp.set_memory(name, params[name])
                        setattr(tune, name, None if params[name] >= cgroup.PARAM_UNLIMITED
                                else params[name])
            if persistent is not None:
                tune = persistent.memtune = persistent.memtune or domain_cpu.MemTune()
                for name, value in params.items():
                    setattr(tune, name, None if value >= cgroup.PARAM_UNLIMITED else value)
        return 0

    @staticmethod
    def _memory_now(vm: Any, def_: Any, live: bool) -> dict[str, int]:
        if live and getattr(vm, "cgroup", None) is not None and vm.cgroup.has("memory"):
            return {name: vm.cgroup.get_memory(name) for name in _MEMTUNE}
        tune = def_.memtune or domain_cpu.MemTune()
        return {name: cgroup.PARAM_UNLIMITED if getattr(tune, name) is None
                else getattr(tune, name) for name in _MEMTUNE}

    # --- block I/O ---------------------------------------------------------------------------
    def domainGetBlkioParameters(self, dom: Any, flags: int) -> dict[str, Any]:
        """weight and the per-device weight/throttle strings ('/dev/sda,100')."""
        _errors.check_flags(flags, LIVE | CONFIG | STRING_OKAY,
                            "qemuDomainGetBlkioParameters", _FROM)
        vm = self.vm_of(dom)
        def_, live = one_def(vm, flags & ~STRING_OKAY)
        weight, devices = _blkio_of(def_)
        if live:
            grp = placement.group(vm)
            grp.require("blkio")
            weight = int(hostinfo.read(grp.blkio_weight_file()).split()[-1] or 0)
        out: dict[str, Any] = {"weight": weight}
        for name, field in _BLKIO_DEVICE:
            out[name] = ",".join(f"{p},{v[field]}" for p, v in devices.items() if v.get(field))
        return out

    def domainSetBlkioParameters(self, dom: Any, params: dict[str, Any], flags: int) -> int:
        """Set the block I/O weight and per-device limits: blkio cgroup and ``<blkiotune>``."""
        _errors.check_flags(flags, LIVE | CONFIG, "qemuDomainSetBlkioParameters", _FROM)
        check_params(params, {"weight": int, **{n: str for n, _f in _BLKIO_DEVICE}})
        parsed = {name: _parse_devices(name, params[name]) for name, _f in _BLKIO_DEVICE
                  if name in params}
        if "weight" in params and not 100 <= params["weight"] <= 1000:
            raise report(C.VIR_ERR_INVALID_ARG, "out of blkio weight range.", _FROM)
        vm = self.vm_of(dom)
        with change(self, vm, flags) as (live, persistent):
            if live:
                grp = placement.group(vm)
                grp.require("blkio")
                if "weight" in params or "device_weight" in parsed:
                    grp.blkio_weight_file()          # libvirt's error when there is none
                for name, entries in parsed.items():
                    field = dict(_BLKIO_DEVICE)[name]
                    for path, value in entries:
                        _write_throttle(grp, field, path, value)
            for def_ in ([vm.def_] if live else []) + ([persistent] if persistent else []):
                weight, devices = _blkio_of(def_)
                weight = params.get("weight", weight)
                for name, entries in parsed.items():
                    for path, value in entries:
                        devices.setdefault(path, {})[dict(_BLKIO_DEVICE)[name]] = value
                _set_blkio(def_, weight, devices)
        return 0

    # --- NUMA ----------------------------------------------------------------------------------
    def domainGetNumaParameters(self, dom: Any, flags: int) -> dict[str, Any]:
        """numa_mode (VIR_DOMAIN_NUMATUNE_MEM_*) and numa_nodeset."""
        _errors.check_flags(flags, LIVE | CONFIG | STRING_OKAY,
                            "qemuDomainGetNumaParameters", _FROM)
        vm = self.vm_of(dom)
        def_, _live = one_def(vm, flags & ~STRING_OKAY)
        tune = def_.numatune or domain_cpu.NumaTune()
        nodes = hostinfo.format_cpulist(sorted(tune.nodeset)) if tune.nodeset else ""
        return {"numa_mode": NUMA_MODES.index(tune.mode or "strict"), "numa_nodeset": nodes}

    def domainSetNumaParameters(self, dom: Any, params: dict[str, Any], flags: int) -> int:
        """Set the memory policy: cpuset.mems of the running guest and ``<numatune>``."""
        _errors.check_flags(flags, LIVE | CONFIG, "qemuDomainSetNumaParameters", _FROM)
        check_params(params, {"numa_mode": int, "numa_nodeset": str})
        mode = params.get("numa_mode")
        if mode is not None and not 0 <= mode < len(NUMA_MODES):
            raise report(C.VIR_ERR_INVALID_ARG, f"unsupported numatune mode: '{mode}'", _FROM)
        nodeset = None
        if "numa_nodeset" in params:
            try:
                nodeset = frozenset(hostinfo.parse_cpulist(params["numa_nodeset"]))
            except ValueError:
                raise report(C.VIR_ERR_INVALID_ARG, "Failed to parse bitmap "
                             f"'{params['numa_nodeset']}'", C.VIR_FROM_NONE) from None
            host = set(hostinfo.parse_cpulist(hostinfo.read(
                f"{hostinfo.SYS_NODE}/online")) or [0])
            missing = sorted(nodeset - host)
            if missing:
                raise report(C.VIR_ERR_INVALID_ARG, f"NUMA node {missing[0]} is unavailable",
                             C.VIR_FROM_NONE)
        vm = self.vm_of(dom)
        with change(self, vm, flags) as (live, persistent):
            if live:
                tune = vm.def_.numatune or domain_cpu.NumaTune()
                if mode is not None and mode != NUMA_MODES.index(tune.mode or "strict"):
                    raise report(C.VIR_ERR_OPERATION_INVALID,
                                 "can't change numatune mode for running domain", _FROM)
                if nodeset is not None:
                    if (tune.mode or "strict") != "strict":
                        raise report(C.VIR_ERR_OPERATION_INVALID, "change of nodeset for "
                                     "running domain requires strict numa mode", _FROM)
                    grp = placement.group(vm)
                    grp.require("cpuset")
                    text = hostinfo.format_cpulist(sorted(nodeset))
                    grp.set_cpuset(None, text, "mems")
                    for sub in os.listdir(grp.path("cpuset")):
                        if os.path.isdir(grp.path("cpuset", sub)):
                            grp.set_cpuset(sub, text, "mems")
                    tune.nodeset, tune.placement = nodeset, None
                    vm.def_.numatune = tune
            if persistent is not None:
                tune = persistent.numatune or domain_cpu.NumaTune()
                if mode is not None:
                    tune.mode = NUMA_MODES[mode]
                if nodeset is not None:
                    tune.nodeset, tune.placement = nodeset, None
                if tune.nodeset is None and tune.placement != "auto":
                    raise report(C.VIR_ERR_XML_ERROR, "nodeset for NUMA memory tuning must "
                                 "be set if 'placement' is 'static'", C.VIR_FROM_DOMAIN)
                persistent.numatune = tune
        return 0

    # --- disk I/O throttling ---------------------------------------------------------------
    def domainGetBlockIoTune(self, dom: Any, disk: str | None, flags: int) -> dict[str, Any]:
        """The throttling of one disk (all of libvirt's fields, 0 where unset)."""
        _errors.check_flags(flags, LIVE | CONFIG | STRING_OKAY, "qemuDomainGetBlockIoTune",
                            _FROM)
        vm = self.vm_of(dom)
        def_, live = one_def(vm, flags & ~STRING_OKAY)
        if disk is None:        # virsh asks how many parameters there are without a disk
            return {f: "" if f == "group_name" else 0 for f in domain_disk.IOTUNE_FIELDS}
        dev = _find_disk(def_, disk)
        values = dict(dev.iotune)
        if live:
            values = self._iotune_live(vm, dev)[1]
        return {f: values.get(f, "" if f == "group_name" else 0) for f in domain_disk.IOTUNE_FIELDS}

    @staticmethod
    def _iotune_live(vm: Any, dev: Any) -> tuple[str, dict[str, Any]]:
        """(QEMU's qdev path of the disk, its current throttling)."""
        from pyvirt.drivers.qemu.domain import active_monitor
        for blk in active_monitor(vm).execute("query-block"):
            qdev = blk.get("qdev", "")
            if qdev in (dev.alias, f"/machine/peripheral/{dev.alias}/virtio-backend"):
                ins = blk.get("inserted") or {}
                out = {f: ins.get(q, 0) for f, q in _IOTUNE_QMP.items()}
                for f in out:           # QEMU says 1 for the length of a burst never set
                    if f.endswith("_max_length") and not out[f[:-len("_length")]]:
                        out[f] = 0
                # (QEMU names an unnamed group after the device; libvirt reports that name)
                out["group_name"] = ins.get("group", "") if any(
                    ins.get(q) for q in ("bps", "bps_rd", "bps_wr", "iops", "iops_rd",
                                         "iops_wr")) else ""
                return qdev, out
        raise report(C.VIR_ERR_OPERATION_INVALID, f"disk '{dev.target}' has no QEMU block "
                     "device to throttle", _FROM)

    def domainSetBlockIoTune(self, dom: Any, disk: str, params: dict[str, Any],
                             flags: int) -> int:
        """Throttle one disk: QMP block_set_io_throttle and the disk's ``<iotune>``."""
        _errors.check_flags(flags, LIVE | CONFIG, "qemuDomainSetBlockIoTune", _FROM)
        check_params(params, {f: (str if f == "group_name" else int) for f in domain_disk.IOTUNE_FIELDS})
        for name, value in params.items():
            if name != "group_name" and value > _IOTUNE_MAX:
                raise report(C.VIR_ERR_INVALID_ARG, f"block I/O throttle limit value must be "
                             f"no more than {_IOTUNE_MAX}", _FROM)
        for base in ("bytes_sec", "iops_sec", "bytes_sec_max", "iops_sec_max"):
            if params.get(f"total_{base}") and (params.get(f"read_{base}")
                                                or params.get(f"write_{base}")):
                raise report(C.VIR_ERR_INVALID_ARG, f"total and read/write of {base} cannot "
                             "be set at the same time", _FROM)
        vm = self.vm_of(dom)
        with change(self, vm, flags) as (live, persistent):
            if live:
                dev = _find_disk(vm.def_, disk)
                qdev, current = self._iotune_live(vm, dev)
                merged = _merge_iotune(current, params)
                args = {q: merged.get(f, "" if f == "group_name" else 0)
                        for f, q in _IOTUNE_QMP.items()}
                args = {q: v for q, v in args.items()   # QEMU refuses empty bursts
                        if v or not (q == "group" or q.endswith("_max_length"))}
                args["id"] = qdev
                from pyvirt.drivers.qemu.domain import active_monitor
                try:
                    active_monitor(vm).execute("block_set_io_throttle", args)
                except libvirtError as exc:
                    raise report(C.VIR_ERR_OPERATION_FAILED,
                                 f"unable to set block I/O throttle: {exc.get_error_message()}",
                                 _FROM) from exc
                if "group_name" not in params and merged.get("group_name") == qdev:
                    merged.pop("group_name")        # QEMU's default name stays out of the XML
                dev.iotune = {k: v for k, v in merged.items() if v}
                placement.tunable_event(self, vm, {"blkdeviotune.disk": dev.target, **{
                    f"blkdeviotune.{k}": v for k, v in params.items()}})
            if persistent is not None:
                pdev = _find_disk(persistent, disk)
                pdev.iotune = {k: v for k, v in _merge_iotune(pdev.iotune, params).items() if v}
        return 0


def _merge_iotune(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """libvirt's merge: a total clears read/write of its kind and the other way round."""
    out = dict(old)
    for base in ("bytes_sec", "iops_sec", "bytes_sec_max", "iops_sec_max"):
        if f"total_{base}" in new:
            out.pop(f"read_{base}", None)
            out.pop(f"write_{base}", None)
        if f"read_{base}" in new or f"write_{base}" in new:
            out.pop(f"total_{base}", None)
    out.update(new)
    return out


def _write_throttle(grp: cgroup.Cgroup, field: str, path: str, value: int) -> None:
    """One device's blkio throttle (v1 'MAJ:MIN value'; v2 io.max)."""
    try:
        st_ = os.stat(path)
    except OSError as exc:
        raise report(C.VIR_ERR_SYSTEM_ERROR, f"Unable to get device ID '{path}': "
                     f"{exc.strerror}", C.VIR_FROM_CGROUP) from exc
    if not stat.S_ISBLK(st_.st_mode):
        raise report(C.VIR_ERR_OPERATION_INVALID, f"Path '{path}' must be a block device",
                     C.VIR_FROM_CGROUP)
    dev = f"{os.major(st_.st_rdev)}:{os.minor(st_.st_rdev)}"
    if field == "weight":
        cgroup.write_file(grp.blkio_weight_file(), f"{dev} {value}")
    elif grp.v2:
        key = {"read_iops_sec": "riops", "write_iops_sec": "wiops", "read_bytes_sec": "rbps",
               "write_bytes_sec": "wbps"}[field]
        cgroup.write_file(grp.file("blkio", "io.max"), f"{dev} {key}={value or 'max'}")
    else:
        cgroup.write_file(grp.file("blkio", _BLKIO_FILES[field]), f"{dev} {value}")
