"""Attaching and detaching devices of containers (libvirt's LXC hotplug):
network interfaces, block disks and host devices.

Live (``VIR_DOMAIN_AFFECT_LIVE``, the default for a running container):
an interface's host side is made as at start (:func:`netplug.prepare`)
and the container's end plugged in from a thread that joined the
container's network namespace; detaching deletes the veth's host end (its
peer goes with it) or, for a macvlan, the container's interface.  A
``<disk type='block'>`` or ``<hostdev mode='capabilities'>`` (storage,
misc) is allowed in the devices cgroup and its node made in the
container's /dev (:mod:`pyvirt.drivers.lxc.devnodes`); detaching removes
both.  ``VIR_DOMAIN_AFFECT_CONFIG`` changes the persistent definition.
Other device types are refused, as libvirt's LXC driver refuses them.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from typing import Any

from pyvirt import constants as C
from pyvirt.errors import report

_FROM = C.VIR_FROM_LXC
log = logging.getLogger(__name__)
_LIVE = C.VIR_DOMAIN_AFFECT_LIVE
_CONFIG = C.VIR_DOMAIN_AFFECT_CONFIG


def _device(xml: str, def_: Any, verb: str) -> Any:
    """An interface, disk or hostdev parsed from ``xml`` (others: libvirt's error)."""
    from pyvirt.conf import domain as confdom
    dev = confdom.parse_device(xml, def_)
    if _kind(dev) not in ("Interface", "Disk", "Hostdev"):
        tag = getattr(dev, "TAG", None) or getattr(dev, "tag", "?")
        raise report(C.VIR_ERR_CONFIG_UNSUPPORTED,
                     f"device type '{tag}' cannot be {verb}",
                     _FROM)
    return dev


def _kind(dev: Any) -> str:
    return type(dev).__name__


def _index(def_: Any, dev: Any) -> int:
    """Where a disk (by target) or hostdev (by kind and path) is in ``def_``; -1."""
    from pyvirt.drivers.lxc import devnodes
    if _kind(dev) == "Disk":
        return next((i for i, d in enumerate(def_.devices.disks) if d.target == dev.target),
                    -1)
    want = (dev.mode, devnodes.hostdev_path(dev))
    return next((i for i, h in enumerate(def_.devices.hostdevs)
                 if (h.mode, devnodes.hostdev_path(h)) == want), -1)


def _list(def_: Any, dev: Any) -> list[Any]:
    return def_.devices.disks if _kind(dev) == "Disk" else def_.devices.hostdevs


def _match(def_: Any, dev: Any) -> int:
    for i, net in enumerate(def_.devices.interfaces):
        if dev.mac and net.mac and net.mac.lower() == dev.mac.lower():
            return i
    raise report(C.VIR_ERR_DEVICE_MISSING,
                 f"network device {dev.mac or ''} not found", _FROM)


class HotplugAPI:
    """Device attach/detach of :class:`pyvirt.drivers.lxc.driver.LxcDriver`."""

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
                dev = _device(xml, vm.def_, "attached")
                if _kind(dev) != "Interface":
                    _attach_node(vm, dev)
                else:
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
                dev = _device(xml, pdef, "attached")
                if _kind(dev) == "Disk" and _index(pdef, dev) >= 0:
                    raise report(C.VIR_ERR_INVALID_ARG,
                                 f"target {dev.target} already exists.", _FROM)
                if _kind(dev) == "Hostdev" and _index(pdef, dev) >= 0:
                    raise report(C.VIR_ERR_INVALID_ARG,
                                 "device is already in the domain configuration", _FROM)
                pdef.add_device(dev)
            self._save_device_change(vm, live, config)
        return 0

    def domainDetachDevice(self, dom: Any, xml: str) -> int:
        return self.domainDetachDeviceFlags(dom, xml, _LIVE)

    def domainDetachDeviceFlags(self, dom: Any, xml: str, flags: int) -> int:
        from pyvirt.drivers.lxc import netplug
        vm, live, config = self._where(dom, flags)
        with vm.job_scope("modify"):
            if live:
                dev = _device(xml, vm.def_, "detached")
                if _kind(dev) != "Interface":
                    _detach_node(vm, dev)
                else:
                    nets = vm.def_.devices.interfaces
                    i = _match(vm.def_, dev)
                    net = nets[i]
                    if net.type.value == "direct":
                        netplug.unplug(vm.init_pid, netplug.guest_name(net, i))
                    else:
                        netplug.delete_host(net.target_dev)
                    with vm.lock:
                        del nets[i]
            if config:
                pdef = vm.persistent_def()
                dev = _device(xml, pdef, "detached")
                if _kind(dev) == "Interface":
                    del pdef.devices.interfaces[_match(pdef, dev)]
                else:
                    i = _index(pdef, dev)
                    if i < 0:
                        raise report(C.VIR_ERR_INVALID_ARG,
                                     f"no target device {dev.target}" if _kind(dev) == "Disk"
                                     else "device not present in domain configuration", _FROM)
                    del _list(pdef, dev)[i]
            self._save_device_change(vm, live, config)
        return 0


def _attach_node(vm: Any, dev: Any) -> None:
    """Give the running container a disk or host device: the cgroup rule, the node."""
    from pyvirt.drivers.lxc import devnodes
    what = "disk" if _kind(dev) == "Disk" else "hostdev"
    if not vm.init_pid:
        raise report(C.VIR_ERR_OPERATION_INVALID,
                     f"Cannot attach {what} until init PID is known", _FROM)
    if vm.cgroup is None or "devices" not in vm.cgroup.available():
        raise report(C.VIR_ERR_OPERATION_INVALID, "devices cgroup isn't mounted", _FROM)
    node = devnodes.node_of(dev)
    if _index(vm.def_, dev) >= 0:
        raise report(C.VIR_ERR_OPERATION_FAILED,
                     f"target {dev.target} already exists" if what == "disk"
                     else "host device already exists", _FROM)
    vm.cgroup.allow_device(devnodes.rule(node))
    try:
        devnodes.make_inside(vm.init_pid, node, devnodes.owner_of(vm.def_))
    except BaseException:
        vm.cgroup.deny_device(devnodes.rule(node))
        raise


def _detach_node(vm: Any, dev: Any) -> None:
    """Take a disk or host device from the running container: the node, the rule."""
    from pyvirt.drivers.lxc import devnodes
    i = _index(vm.def_, dev)
    if i < 0:
        what = (f"disk {dev.target}" if _kind(dev) == "Disk"
                else f"hostdev {devnodes.hostdev_path(dev)[1]}")
        raise report(C.VIR_ERR_OPERATION_FAILED, f"{what} not found", _FROM)
    old = _list(vm.def_, dev)[i]
    path = f"/dev/{old.target}" if _kind(old) == "Disk" else devnodes.hostdev_path(old)[1] or ""
    devnodes.remove_inside(vm.init_pid, path)
    try:
        node = devnodes.node_of(old)
        if vm.cgroup is not None:
            vm.cgroup.deny_device(f"{node['kind']} {node['major']}:{node['minor']} rwm")
    except Exception as exc:  # noqa: BLE001 - as libvirt: the node is gone, a warning
        log.warning("%s: cannot deny device %s: %s", vm.name, path, exc)
    with vm.lock:
        del _list(vm.def_, dev)[i]
