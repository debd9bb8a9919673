"""The QEMU driver's interface bandwidth and perf event calls.

:class:`DevTuneAPI` is a mixin of :class:`~pyvirt.drivers.qemu.driver.QemuDriver`.
An interface's limits live in its ``<bandwidth>``; on a running guest they
are applied to its tap with ``tc`` (:mod:`pyvirt.util.bandwidth`).  Perf
events live in ``<perf>``; on a running guest each enabled event is a
``perf_event_open`` counter on QEMU's process, kept open until it stops.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import platform
import struct
from typing import Any

from pyvirt import constants as C
from pyvirt import errors as _errors
from pyvirt.conf.xmlutil import E
from pyvirt.driver import interface as I
from pyvirt.drivers.qemu.placement import CONFIG, LIVE, change, check_params, one_def
from pyvirt.errors import report
from pyvirt.util import bandwidth

_FROM = C.VIR_FROM_QEMU

_TAP_TYPES = ("ethernet", "bridge", "network")

# libvirt's perf events in its order: name -> (perf type, config); None: Intel RDT only
PERF_EVENTS: dict[str, tuple[int, int] | None] = {
    "cmt": None, "mbmt": None, "mbml": None,
    "cpu_cycles": (0, 0), "instructions": (0, 1), "cache_references": (0, 2),
    "cache_misses": (0, 3), "branch_instructions": (0, 4), "branch_misses": (0, 5),
    "bus_cycles": (0, 6), "stalled_cycles_frontend": (0, 7), "stalled_cycles_backend": (0, 8),
    "ref_cpu_cycles": (0, 9), "cpu_clock": (1, 0), "task_clock": (1, 1), "page_faults": (1, 2),
    "context_switches": (1, 3), "cpu_migrations": (1, 4), "page_faults_min": (1, 5),
    "page_faults_maj": (1, 6), "alignment_faults": (1, 7), "emulation_faults": (1, 8),
}
_NR_PERF_EVENT_OPEN = {"x86_64": 298, "aarch64": 241, "ppc64le": 319, "s390x": 331}
_PERF_EVENT_IOC_ENABLE = 0x2400


# --- interfaces ------------------------------------------------------------------------------

def _find_net(def_: Any, device: str) -> Any:
    """The interface named by its tap (target dev) or MAC address (libvirt's virDomainNetFind)."""
    for net in def_.devices.interfaces:
        if device in (net.target_dev, net.mac) or (net.mac and device.lower() == net.mac):
            return net
    raise report(C.VIR_ERR_INVALID_ARG, f"'{device}' is not a known interface",
                 C.VIR_FROM_DOMAIN)


def _rates(net: Any) -> dict[str, dict[str, int]]:
    node = next((e for e in net.kept if e.tag == "bandwidth"), None)
    out: dict[str, dict[str, int]] = {}
    for child in node.children if node is not None else []:
        out[child.tag] = {k: int(v) for k, v in child.attrs}
    return out


def _set_rates(net: Any, rates: dict[str, dict[str, int]]) -> None:
    net.kept = [e for e in net.kept if e.tag != "bandwidth"]
    kids = [E(d, [(k, rates[d][k]) for k in ("average", "peak", "burst", "floor")
                  if rates[d].get(k)]) for d in ("inbound", "outbound") if rates.get(d)]
    if kids:
        net.kept.append(E("bandwidth", children=kids, keep=True))


# --- perf ---------------------------------------------------------------------------------------

def _perf_state(def_: Any) -> dict[str, bool]:
    """The events ``<perf>`` names, enabled or not (the others are absent)."""
    node = next((e for e in def_.kept if e.tag == "perf"), None)
    state = {}
    for child in node.children if node is not None else []:
        attrs = dict(child.attrs)
        state[str(attrs.get("name"))] = attrs.get("enabled") == "yes"
    return state


def _perf_enabled(def_: Any) -> dict[str, bool]:
    state = _perf_state(def_)
    return {name: state.get(name, False) for name in PERF_EVENTS}


def _set_perf(def_: Any, changes: dict[str, Any]) -> None:
    """Record ``changes`` in ``<perf>`` (events never set stay out of it)."""
    state = _perf_state(def_)
    state.update({k: bool(v) for k, v in changes.items()})
    def_.kept = [e for e in def_.kept if e.tag != "perf"]
    kids = [E("event", [("name", name), ("enabled", "yes" if state[name] else "no")])
            for name in PERF_EVENTS if name in state]
    if kids:
        def_.kept.append(E("perf", children=kids, keep=True))


def perf_open(name: str, pid: int) -> int:
    """A counter of event ``name`` on process ``pid`` (libvirt's virPerfEventEnable)."""
    kind = PERF_EVENTS.get(name)
    nr = _NR_PERF_EVENT_OPEN.get(platform.machine())
    if kind is None or nr is None:
        raise report(C.VIR_ERR_ARGUMENT_UNSUPPORTED, f"unable to enable host cpu perf event "
                     f"for {name}: not available on this host", C.VIR_FROM_PERF)
    # perf_event_attr, first version (64 bytes): inherit=1, disabled=1
    attr = struct.pack("<IIQQQQQIIQ", kind[0], 64, kind[1], 0, 0, 0, 0b11, 0, 0, 0)
    libc = ctypes.CDLL(None, use_errno=True)
    buf = ctypes.create_string_buffer(attr, len(attr))
    fd = libc.syscall(nr, buf, pid, -1, -1, 0)
    if fd < 0:
        err = ctypes.get_errno()
        raise report(C.VIR_ERR_SYSTEM_ERROR, f"unable to open host cpu perf event for "
                     f"{name}: {os.strerror(err)}", C.VIR_FROM_PERF)
    if libc.ioctl(fd, _PERF_EVENT_IOC_ENABLE, 0) < 0:
        err = ctypes.get_errno()
        os.close(fd)
        raise report(C.VIR_ERR_SYSTEM_ERROR, f"unable to enable host cpu perf event for "
                     f"{name}: {os.strerror(err)}", C.VIR_FROM_PERF)
    return fd


def perf_close(vm: Any) -> None:
    """Close every perf counter of ``vm``."""
    fds = getattr(vm, "perf_fds", None) or {}
    vm.perf_fds = {}
    for fd in fds.values():
        with contextlib.suppress(OSError):
            os.close(fd)


def perf_restore(vm: Any) -> None:
    """Reopen the counters the live XML has enabled (after a restart of this process)."""
    vm.perf_fds = {}
    if vm.proc is None:
        return
    for name, on in _perf_enabled(vm.def_).items():
        if on:
            with contextlib.suppress(Exception):
                vm.perf_fds[name] = perf_open(name, vm.proc.pid)


class DevTuneAPI(I.HypervisorDriver):
    """Interface bandwidth and perf events of the QEMU driver."""

    vm_of: Any
    cfg: Any

    def domainGetInterfaceParameters(self, dom: Any, device: str,
                                     flags: int) -> dict[str, int]:
        """The bandwidth limits of an interface (KiB/s, KiB)."""
        _errors.check_flags(flags, LIVE | CONFIG | C.VIR_TYPED_PARAM_STRING_OKAY,
                            "qemuDomainGetInterfaceParameters", _FROM)
        vm = self.vm_of(dom)
        def_, _live = one_def(vm, flags & ~C.VIR_TYPED_PARAM_STRING_OKAY)
        rates = _rates(_find_net(def_, device))
        return {key: rates.get(d, {}).get(a, 0) for key, d, a in bandwidth.PARAMS}

    def domainSetInterfaceParameters(self, dom: Any, device: str, params: dict[str, int],
                                     flags: int) -> int:
        """Set an interface's limits: ``tc`` on its tap and ``<bandwidth>``."""
        _errors.check_flags(flags, LIVE | CONFIG, "qemuDomainSetInterfaceParameters", _FROM)
        check_params(params, {key: int for key, _d, _a in bandwidth.PARAMS})
        vm = self.vm_of(dom)
        with change(self, vm, flags) as (live, persistent):
            if live:
                net = _find_net(vm.def_, device)
                if net.type.value not in _TAP_TYPES or not net.target_dev:
                    raise report(C.VIR_ERR_OPERATION_UNSUPPORTED, "Setting bandwidth on "
                                 f"interface '{device}' of type '{net.type.value}' is not "
                                 "implemented yet", _FROM)
                old = _rates(net)
                rates = _rates(net)
                bandwidth.merge(rates, params)
                if rates.get("inbound", {}).get("floor") and net.type.value != "network":
                    from pyvirt.drivers.network import floor
                    raise floor.off_network(net.mac or "", C.VIR_ERR_CONFIG_UNSUPPORTED,
                                            _FROM)
                # a network interface's port first (its floor may not fit the network)
                from pyvirt.drivers.qemu import netports
                undo_port = netports.set_bandwidth(self.cfg, net, rates)
                try:
                    bandwidth.apply(net.target_dev, rates.get("inbound", {}),
                                    rates.get("outbound", {}))
                except Exception:
                    with contextlib.suppress(Exception):     # put the old limits back
                        bandwidth.apply(net.target_dev, old.get("inbound", {}),
                                        old.get("outbound", {}))
                    with contextlib.suppress(Exception):
                        undo_port()
                    raise
                _set_rates(net, rates)
            if persistent is not None:
                pnet = _find_net(persistent, device)
                prates = _rates(pnet)
                bandwidth.merge(prates, params)
                _set_rates(pnet, prates)
        return 0

    def domainGetPerfEvents(self, dom: Any, flags: int) -> dict[str, bool]:
        """Which perf events are enabled."""
        _errors.check_flags(flags, LIVE | CONFIG | C.VIR_TYPED_PARAM_STRING_OKAY,
                            "qemuDomainGetPerfEvents", _FROM)
        vm = self.vm_of(dom)
        def_, _live = one_def(vm, flags & ~C.VIR_TYPED_PARAM_STRING_OKAY)
        return _perf_enabled(def_)

    def domainSetPerfEvents(self, dom: Any, params: dict[str, bool], flags: int) -> int:
        """Enable or disable perf events: counters on QEMU and ``<perf>``."""
        _errors.check_flags(flags, LIVE | CONFIG, "qemuDomainSetPerfEvents", _FROM)
        check_params(params, {name: bool for name in PERF_EVENTS})
        vm = self.vm_of(dom)
        with change(self, vm, flags) as (live, persistent):
            if live:
                fds = vm.perf_fds = getattr(vm, "perf_fds", None) or {}
                opened: list[str] = []
                try:
                    for name, on in params.items():
                        if on and name not in fds:
                            fds[name] = perf_open(name, vm.proc.pid)
                            opened.append(name)
                except Exception:
                    for name in opened:
                        os.close(fds.pop(name))
                    raise
                for name, on in params.items():
                    if not on and name in fds:
                        os.close(fds.pop(name))
                _set_perf(vm.def_, params)
            if persistent is not None:
                _set_perf(persistent, params)
        return 0
