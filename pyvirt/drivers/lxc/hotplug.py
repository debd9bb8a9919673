"""Attaching and detaching network interfaces of containers (libvirt's LXC hotplug).

Live (``VIR_DOMAIN_AFFECT_LIVE``, the default for a running container): the
host side is made as at start (:func:`netplug.prepare`) and the container's
end plugged in from a thread that joined the container's network namespace;
detaching deletes the veth's host end (its peer goes with it) or, for a
macvlan, the container's interface.  ``VIR_DOMAIN_AFFECT_CONFIG`` changes
the persistent definition.  Other device types are refused, as libvirt's
LXC driver refuses what it cannot plug.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

from pyvirt import constants as C
from pyvirt.errors import report

_FROM = C.VIR_FROM_LXC
_LIVE = C.VIR_DOMAIN_AFFECT_LIVE
_CONFIG = C.VIR_DOMAIN_AFFECT_CONFIG


def _interface(xml: str, def_: Any, verb: str) -> Any:
    from pyvirt.conf import domain as confdom
    dev = confdom.parse_device(xml, def_)
    if type(dev).__name__ != "Interface":
        raise report(C.VIR_ERR_CONFIG_UNSUPPORTED,
                     f"unsupported configuration: device type '{dev.TAG}' cannot be {verb}",
                     _FROM)
    return dev


def _match(def_: Any, dev: Any) -> int:
    for i, net in enumerate(def_.devices.interfaces):
        if dev.mac and net.mac and net.mac.lower() == dev.mac.lower():
            return i
    raise report(C.VIR_ERR_DEVICE_MISSING,
                 f"network device {dev.mac or ''} not found", _FROM)


class HotplugAPI:
    """Interface attach/detach of :class:`pyvirt.drivers.lxc.driver.LxcDriver`."""

    cfg: Any
    vm_of: Callable[[Any], Any]

    def _where(self, dom: Any, flags: int) -> tuple[Any, bool, bool]:
        vm = self.vm_of(dom)
        if not flags & (_LIVE | _CONFIG):
            flags |= _LIVE if vm.is_active() else _CONFIG
        live, config = bool(flags & _LIVE), bool(flags & _CONFIG)
        if live and not vm.is_active():
            raise report(C.VIR_ERR_OPERATION_INVALID, "domain is not running", _FROM)
        if config and not vm.persistent:
            raise report(C.VIR_ERR_OPERATION_INVALID,
                         "cannot modify device on transient domain", _FROM)
        return vm, live, config

    def _save_device_change(self, vm: Any, live: bool, config: bool) -> None:
        from pyvirt.drivers.lxc import process as lproc
        from pyvirt.drivers.qemu import status as st
        if config:
            st.save_config(self.cfg, vm.persistent_def())
        if live:
            lproc.save_status(self, vm)

    def domainAttachDevice(self, dom: Any, xml: str) -> int:
        return self.domainAttachDeviceFlags(dom, xml, _LIVE)

    def domainAttachDeviceFlags(self, dom: Any, xml: str, flags: int) -> int:
        from pyvirt.drivers.lxc import netplug
        vm, live, config = self._where(dom, flags)
        with vm.job_scope("modify"):
            if live:
                dev = _interface(xml, vm.def_, "attached")
                first = len(vm.def_.devices.interfaces)
                with contextlib.ExitStack() as undo:
                    nets = netplug.prepare(self, vm.def_, undo, [dev], first)
                    netplug.move_in(nets, netplug.host_socket(nets), vm.init_pid)
                    netplug.in_container(vm.init_pid, lambda: netplug.configure(nets))
                    undo.pop_all()
                with vm.lock:
                    vm.def_.add_device(dev)
            if config:
                pdef = vm.persistent_def()
                pdef.add_device(_interface(xml, pdef, "attached"))
            self._save_device_change(vm, live, config)
        return 0

    def domainDetachDevice(self, dom: Any, xml: str) -> int:
        return self.domainDetachDeviceFlags(dom, xml, _LIVE)

    def domainDetachDeviceFlags(self, dom: Any, xml: str, flags: int) -> int:
        from pyvirt.drivers.lxc import netplug
        vm, live, config = self._where(dom, flags)
        with vm.job_scope("modify"):
            if live:
                nets = vm.def_.devices.interfaces
                i = _match(vm.def_, _interface(xml, vm.def_, "detached"))
                net = nets[i]
                if net.type.value == "direct":
                    netplug.unplug(vm.init_pid, netplug.guest_name(net, i))
                else:
                    netplug.delete_host(net.target_dev)
                with vm.lock:
                    del nets[i]
            if config:
                pdef = vm.persistent_def()
                del pdef.devices.interfaces[_match(pdef, _interface(xml, pdef, "detached"))]
            self._save_device_change(vm, live, config)
        return 0
