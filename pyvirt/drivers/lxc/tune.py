"""Scheduler, memory and block I/O tuning of containers, read and written in their cgroups.

``schedinfo`` (cpu_shares, vcpu_period, vcpu_quota), ``memtune``
(hard_limit, soft_limit, swap_hard_limit), ``blkiotune`` (weight) and
``setmem`` act on the running container's cgroup (``VIR_DOMAIN_AFFECT_LIVE``)
and/or its persistent definition (``VIR_DOMAIN_AFFECT_CONFIG``), as
libvirt's LXC driver does.
"""

from __future__ import annotations

import errno
from collections.abc import Callable
from typing import Any

from pyvirt import constants as C
from pyvirt.drivers.lxc.cgroup import UNLIMITED, Cgroup
from pyvirt.errors import report

_FROM = C.VIR_FROM_LXC
_LIVE = C.VIR_DOMAIN_AFFECT_LIVE
_CONFIG = C.VIR_DOMAIN_AFFECT_CONFIG
_STRING_OKAY = C.VIR_TYPED_PARAM_STRING_OKAY

# parameter -> the <cputune> field (and Cgroup.get_sched/set_sched name)
_SCHED = {"cpu_shares": "shares", "vcpu_period": "period", "vcpu_quota": "quota"}
_MEM = ("hard_limit", "soft_limit", "swap_hard_limit")


def _cg_error(exc: OSError | ValueError, what: str, value: object) -> Exception:
    if isinstance(exc, ValueError):      # outside the bounds of a v2 value
        return report(C.VIR_ERR_INVALID_ARG, str(exc), _FROM)
    if exc.errno == errno.EBUSY:
        return report(C.VIR_ERR_OPERATION_FAILED,
                      f"cannot set {what} to {value}: the container uses more than that",
                      _FROM)
    return report(C.VIR_ERR_SYSTEM_ERROR,
                  f"Unable to set {what} to {value}: {exc.strerror}", _FROM)


class TuneAPI:
    """Tuning calls of :class:`pyvirt.drivers.lxc.driver.LxcDriver`."""

    cfg: Any
    vm_of: Callable[[Any], Any]

    def _targets(self, dom: Any, flags: int) -> tuple[Any, Cgroup | None, Any]:
        """(vm, live cgroup or None, persistent def or None) for ``flags``."""
        vm = self.vm_of(dom)
        active = vm.is_active()
        if not flags & (_LIVE | _CONFIG):
            flags |= _LIVE if active else _CONFIG
        if flags & _LIVE and not active:
            raise report(C.VIR_ERR_OPERATION_INVALID, "domain is not running", _FROM)
        if flags & _CONFIG and not vm.persistent:
            raise report(C.VIR_ERR_OPERATION_INVALID,
                         "cannot change persistent config of a transient domain", _FROM)
        cg = vm.cgroup if flags & _LIVE else None
        return vm, cg, vm.persistent_def() if flags & _CONFIG else None

    def _save(self, vm: Any, def_: Any) -> None:
        from pyvirt.drivers.qemu import status as st
        if def_ is not None:
            st.save_config(self.cfg, def_)

    # --- scheduler ----------------------------------------------------------------------
    def domainGetSchedulerType(self, dom: Any) -> tuple[str, int]:
        self.vm_of(dom)
        return ("posix", 3)

    def domainGetSchedulerParameters(self, dom: Any) -> dict[str, int]:
        return self.domainGetSchedulerParametersFlags(dom, 0)

    def domainGetSchedulerParametersFlags(self, dom: Any, flags: int) -> dict[str, int]:
        _vm, cg, def_ = self._targets(dom, flags & ~_STRING_OKAY)
        out: dict[str, int] = {}
        for key, field in _SCHED.items():
            if cg is not None:
                out[key] = cg.get_sched(field)
            else:
                ct = def_.cputune
                out[key] = int(getattr(ct, field, None) or 0) if ct else 0
        return out

    def domainSetSchedulerParameters(self, dom: Any, params: dict) -> int:
        return self.domainSetSchedulerParametersFlags(dom, params, 0)

    def domainSetSchedulerParametersFlags(self, dom: Any, params: dict,
                                          flags: int) -> int:
        vm, cg, def_ = self._targets(dom, flags)
        for key in params:
            if key not in _SCHED:
                raise report(C.VIR_ERR_INVALID_ARG, f"parameter '{key}' not supported", _FROM)
        with vm.job_scope("modify"):
            for key, value in params.items():
                field = _SCHED[key]
                if cg is not None:
                    try:
                        cg.set_sched(field, int(value))
                    except (OSError, ValueError) as exc:
                        raise _cg_error(exc, key, value) from None
                    _set_tune(vm.def_, "cputune", field, int(value))
                if def_ is not None:
                    _set_tune(def_, "cputune", field, int(value))
            self._save(vm, def_)
        return 0

    # --- memory ----------------------------------------------------------------------------
    def domainGetMemoryParameters(self, dom: Any, flags: int) -> dict[str, int]:
        _vm, cg, def_ = self._targets(dom, flags & ~_STRING_OKAY)
        out: dict[str, int] = {}
        for key in _MEM:
            if cg is not None:
                try:
                    out[key] = cg.get_memory(key)
                except OSError:
                    out[key] = UNLIMITED
            else:
                mt = def_.memtune
                value = getattr(mt, key, None) if mt else None
                out[key] = UNLIMITED if value is None else int(value)
        return out

    def domainSetMemoryParameters(self, dom: Any, params: dict, flags: int) -> int:
        vm, cg, def_ = self._targets(dom, flags)
        for key in params:
            if key not in _MEM:
                raise report(C.VIR_ERR_INVALID_ARG, f"parameter '{key}' not supported", _FROM)
        with vm.job_scope("modify"):
            for key, value in params.items():
                if cg is not None:
                    try:
                        cg.set_memory(key, int(value))
                    except OSError as exc:
                        raise _cg_error(exc, f"memory {key}", f"{value} KiB") from None
                    _set_tune(vm.def_, "memtune", key, int(value))
                if def_ is not None:
                    _set_tune(def_, "memtune", key, int(value))
            self._save(vm, def_)
        return 0

    def domainSetMemory(self, dom: Any, memory: int) -> int:
        return self.domainSetMemoryFlags(dom, memory, 0)

    def domainSetMemoryFlags(self, dom: Any, memory: int, flags: int) -> int:
        vm, cg, def_ = self._targets(dom, flags & ~C.VIR_DOMAIN_MEM_MAXIMUM)
        with vm.job_scope("modify"):
            if cg is not None:
                try:
                    cg.set_memory("hard_limit", int(memory))
                except OSError as exc:
                    raise _cg_error(exc, "memory limit", f"{memory} KiB") from None
                vm.def_.current_memory = int(memory)
            if def_ is not None:
                def_.current_memory = int(memory)
                self._save(vm, def_)
        return 0

    # --- block I/O -------------------------------------------------------------------------
    def domainGetBlkioParameters(self, dom: Any, flags: int) -> dict[str, Any]:
        _vm, cg, def_ = self._targets(dom, flags & ~_STRING_OKAY)
        if cg is not None:
            _check_weight_file(cg)
            return {"weight": cg.get_blkio_weight()}
        return {"weight": int(getattr(def_, "blkio_weight", 0) or 0)}

    def domainSetBlkioParameters(self, dom: Any, params: dict, flags: int) -> int:
        vm, cg, def_ = self._targets(dom, flags)
        for key in params:
            if key != "weight":
                raise report(C.VIR_ERR_INVALID_ARG, f"parameter '{key}' not supported", _FROM)
        weight = params.get("weight")
        if weight is None:
            return 0
        if def_ is not None:
            raise report(C.VIR_ERR_OPERATION_UNSUPPORTED,
                         "the LXC driver changes the blkio weight of running containers "
                         "only (--live)", _FROM)
        if not 100 <= int(weight) <= 1000:
            raise report(C.VIR_ERR_INVALID_ARG,
                         "out of blkio weight range.", _FROM)
        with vm.job_scope("modify"):
            if cg is not None:
                _check_weight_file(cg)
                try:
                    cg.set_blkio_weight(int(weight))
                except OSError as exc:
                    raise _cg_error(exc, "blkio weight", weight) from None
        return 0

    # --- statistics ------------------------------------------------------------------------
    def domainMemoryStats(self, dom: Any) -> dict[str, int]:
        vm = self.vm_of(dom)
        if not vm.is_active() or vm.cgroup is None:
            raise report(C.VIR_ERR_OPERATION_INVALID, "domain is not active", _FROM)
        return memory_stats(vm)

    def domainGetCPUStats(self, dom: Any, total: bool, flags: int) -> Any:
        vm = self.vm_of(dom)
        if not vm.is_active() or vm.cgroup is None:
            raise report(C.VIR_ERR_OPERATION_INVALID, "domain is not running", _FROM)
        user, system = vm.cgroup.cpu_user_system()
        return [{"cpu_time": vm.cgroup.cpu_time_ns(), "user_time": user, "system_time": system}]

    def connectGetAllDomainStats(self, stats: int, flags: int) -> list:
        active = flags & C.VIR_CONNECT_GET_ALL_DOMAINS_STATS_ACTIVE
        inactive = flags & C.VIR_CONNECT_GET_ALL_DOMAINS_STATS_INACTIVE
        out = []
        for vm in self.domains.all():  # type: ignore[attr-defined]
            if (active and not vm.is_active()) or (inactive and vm.is_active()):
                continue
            out.append((vm.handle(), domain_stats(vm, stats)))
        return out

    def domainListGetStats(self, doms: list, stats: int, flags: int) -> list:
        return [(vm.handle(), domain_stats(vm, stats)) for vm in map(self.vm_of, doms)]


def _check_weight_file(cg: Cgroup) -> None:
    """libvirt's error when the host's I/O scheduler has no weights (no blkio.weight)."""
    if not cg.has_blkio_weight():
        raise report(C.VIR_ERR_OPERATION_INVALID,
                     "blkio device weight is valid only for bfq or cfq scheduler", _FROM)


def memory_stats(vm: Any) -> dict[str, int]:
    """libvirt's LXC memory statistics: actual, swap_in (swap in use), rss (KiB)."""
    cg = vm.cgroup
    used = cg.memory_kib()
    swap = cg.swap_kib()
    return {"actual": int(vm.def_.current_memory or vm.def_.memory), "swap_in": swap,
            "rss": used}


def domain_stats(vm: Any, groups: int) -> dict[str, Any]:
    """One container's record for virConnectGetAllDomainStats (``groups`` 0: all)."""
    want = groups or ~0
    out: dict[str, Any] = {}
    if want & C.VIR_DOMAIN_STATS_STATE:
        out["state.state"] = vm.state
        out["state.reason"] = vm.reason
    cg = vm.cgroup
    if not vm.is_active() or cg is None:
        return out
    if want & C.VIR_DOMAIN_STATS_CPU_TOTAL:
        user, system = cg.cpu_user_system()
        out.update({"cpu.time": cg.cpu_time_ns(), "cpu.user": user, "cpu.system": system})
    if want & C.VIR_DOMAIN_STATS_BALLOON:
        mem = memory_stats(vm)
        out.update({"balloon.current": mem["actual"], "balloon.maximum": vm.def_.memory,
                    "balloon.rss": mem["rss"]})
    return out


def _set_tune(def_: Any, attr: str, field: str, value: int) -> None:
    """Record a tuning value in a definition (making its tune block when needed)."""
    obj = getattr(def_, attr)
    if obj is None:
        from pyvirt.conf import domain as confdom
        cls = {"cputune": "CpuTune", "memtune": "MemTune"}[attr]
        obj = getattr(confdom, cls, None)
        if obj is None:
            return
        obj = obj()
        setattr(def_, attr, obj)
    setattr(obj, field, None if attr == "memtune" and value >= UNLIMITED else value)
