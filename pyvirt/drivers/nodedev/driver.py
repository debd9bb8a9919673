"""The node-device driver of a host root: the host's devices, read from sysfs.

The listing, lookup and capability logic is libvirt's, as the test driver
already follows it (:class:`pyvirt.drivers.test.nodedev.NodeDeviceMixin`);
this driver fills the device list from the real host the way libvirt's udev
backend does (:mod:`.build`) and keeps it current from the kernel's device
events (a ``NETLINK_KOBJECT_UEVENT`` socket read by a thread), sending
libvirt's lifecycle and update events.  libvirt listens to udevd instead,
so on a host without udevd it never sees a device come or go; pyvirt does.

The host is scanned on the first call that needs the list, not when a
connection opens: most connections never ask for devices.

Device assignment (``nodeDeviceDetachFlags`` and friends) binds a PCI
device to ``vfio-pci`` as libvirt does; a host without an IOMMU (no
``/sys/kernel/iommu_groups`` entries) cannot assign devices, and the call
says so with libvirt's error.  Defining, creating and destroying devices
(mediated devices through mdevctl, vHBAs) is not supported.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from typing import Any

from pyvirt import constants as C
from pyvirt.conf.node_device import CapType, NodeDeviceDef
from pyvirt.driver.events import EventRegistry
from pyvirt.drivers import hostroot
from pyvirt.drivers.nodedev import build, sysfs
from pyvirt.drivers.test.nodedev import NodeDeviceMixin, NodeDevObj, assign_def
from pyvirt.drivers.test.state import Store
from pyvirt.errors import check_flags, report

log = logging.getLogger(__name__)

_FROM = C.VIR_FROM_NODEDEV
_NETLINK_KOBJECT_UEVENT = 15


class _State:
    """What :class:`NodeDeviceMixin` works on."""

    def __init__(self) -> None:
        self.nodedevs = Store()
        self.lock = threading.RLock()
        self.events = EventRegistry()


class NodeDevDriver(NodeDeviceMixin):
    """The devices of the host a root runs on."""

    error_domain = _FROM

    def __init__(self, root: hostroot.HostRoot, sysroot: str = "/sys") -> None:
        self.root = root
        self.sysroot = sysroot
        self.state = _State()
        self._by_path: dict[str, str] = {}       # sysfs path -> device name
        self._scanned = False
        self._sock: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()

    # --- life --------------------------------------------------------------------
    def startup(self) -> None:
        """Nothing is read yet: the first call that needs the devices scans."""

    def shutdown(self) -> None:
        """Stop the event thread (it notices within a fraction of a second and closes
        its socket; nobody waits for it)."""
        self._stop.set()
        self._sock = None

    def connectClose(self) -> int:
        """One connection of the root is done with the driver."""
        hostroot.release("nodedev", self.root)
        return 0

    def _ensure(self) -> None:
        """Scan the host once (listening for changes first, so none is missed)."""
        if self._scanned:
            return
        with self.state.lock:
            if self._scanned:
                return
            self._listen()
            self._add(build.system_def(self.sysroot), None)
            for dev in sysfs.scan(self.sysroot):
                self._add_device(dev, emit=False)
            self._scanned = True

    # --- the device list -----------------------------------------------------------
    def _parent_name(self, dev: sysfs.SysDevice) -> str:
        parent = dev.parent()
        while parent is not None:
            name = self._by_path.get(parent.syspath)
            if name is not None:
                return name
            parent = parent.parent()
        return "computer"

    def _add(self, def_: NodeDeviceDef, syspath: str | None) -> tuple[NodeDevObj, bool]:
        new = self.state.nodedevs.get(def_.name) is None
        obj = assign_def(self.state.nodedevs, def_)
        if syspath is not None:
            self._by_path[syspath] = obj.name
        return obj, new

    def _add_device(self, dev: sysfs.SysDevice, emit: bool) -> None:
        try:
            def_ = build.device_def(dev)
        except (OSError, ValueError) as exc:
            log.debug("cannot read device %s: %s", dev.syspath, exc)
            return
        if def_ is None:
            return
        def_.parent = self._parent_name(dev)
        obj, new = self._add(def_, dev.syspath)
        if emit:
            if new:
                self.state.events.emit("nodedev", C.VIR_NODE_DEVICE_EVENT_ID_LIFECYCLE, obj,
                                       obj.name, C.VIR_NODE_DEVICE_EVENT_CREATED, 0)
            else:
                self.state.events.emit("nodedev", C.VIR_NODE_DEVICE_EVENT_ID_UPDATE, obj,
                                       obj.name)

    def _remove_path(self, syspath: str) -> None:
        name = self._by_path.pop(syspath, None)
        obj = self.state.nodedevs.get(name) if name else None
        if obj is None:
            return
        self.state.nodedevs.remove(obj)
        self.state.events.emit("nodedev", C.VIR_NODE_DEVICE_EVENT_ID_LIFECYCLE, obj, obj.name,
                               C.VIR_NODE_DEVICE_EVENT_DELETED, 0)

    # --- kernel device events --------------------------------------------------------
    def _listen(self) -> None:
        try:
            sock = socket.socket(socket.AF_NETLINK, socket.SOCK_DGRAM, _NETLINK_KOBJECT_UEVENT)
            sock.bind((0, 1))
        except OSError as exc:
            log.warning("no device events: cannot listen to the kernel's uevents: %s", exc)
            return
        sock.settimeout(0.25)
        self._sock = sock
        self._thread = threading.Thread(target=self._read_events, args=(sock,),
                                        name="pyvirt-nodedev-events", daemon=True)
        self._thread.start()

    def _read_events(self, sock: socket.socket) -> None:
        with sock:
            while not self._stop.is_set():
                try:
                    data = sock.recv(65536)
                except TimeoutError:
                    continue
                except OSError:
                    return
                if data:
                    self._event(data)

    def _event(self, data: bytes) -> None:
        """Handle one uevent message: a device added, changed, moved or removed."""
        fields = data.split(b"\0")
        if b"@" not in fields[0]:
            return                       # udevd's own messages start with 'libudev'
        props = dict(f.decode("utf-8", "replace").partition("=")[::2]
                     for f in fields[1:] if b"=" in f)
        action, devpath = props.get("ACTION"), props.get("DEVPATH")
        if not action or not devpath:
            return
        syspath = os.path.join(self.sysroot, devpath.lstrip("/"))
        try:
            with self.state.lock:
                if action in ("add", "change", "move", "bind"):
                    if action == "move":
                        old = props.get("DEVPATH_OLD")
                        if old:
                            self._remove_path(os.path.join(self.sysroot, old.lstrip("/")))
                    if os.path.isdir(syspath):
                        self._add_device(sysfs.SysDevice(syspath, self.sysroot), emit=True)
                elif action == "remove":
                    self._remove_path(syspath)
        except Exception:                     # keep listening whatever one event does
            log.exception("device event %s %s", action, devpath)

    # --- the API -----------------------------------------------------------------------
    def _nodedev_named(self, name: str) -> NodeDevObj:
        self._ensure()
        obj = self.state.nodedevs.get(name)
        if obj is None:
            raise report(C.VIR_ERR_NO_NODE_DEVICE,
                         f"no node device with matching name '{name}'", _FROM)
        return obj

    def nodeNumOfDevices(self, cap: str | None, flags: int) -> int:
        """Count the devices (with capability ``cap``, if given)."""
        check_flags(flags, 0, "nodeNumOfDevices", _FROM)
        self._ensure()
        return len(self._nodedev_with_cap(cap))

    def nodeListDevices(self, cap: str | None, flags: int) -> list[str]:
        """Names of the devices (with capability ``cap``, if given)."""
        check_flags(flags, 0, "nodeNumOfDevices", _FROM)
        self._ensure()
        return [d.name for d in self._nodedev_with_cap(cap)]

    def connectListAllNodeDevices(self, flags: int) -> list[NodeDevObj]:
        """The devices with any capability the flags name (all of them for 0)."""
        self._ensure()
        return super().connectListAllNodeDevices(flags)

    def nodeDeviceGetXMLDesc(self, dev: Any, flags: int) -> str:
        """The device's XML, as libvirt writes it."""
        check_flags(flags, 0, "nodeDeviceGetXMLDesc", _FROM)
        return self._nodedev_named(dev.name).def_.format()

    def nodeDeviceIsActive(self, dev: Any) -> int:
        """Every device the host has is active."""
        self._nodedev_named(dev.name)
        return 1

    def nodeDeviceIsPersistent(self, dev: Any) -> int:
        """No host device is defined (persistent) through libvirt here."""
        self._nodedev_named(dev.name)
        return 0

    def nodeDeviceCreateXML(self, xmlDesc: str, flags: int) -> Any:
        """vHBAs and mediated devices cannot be created here (no FC HBA, no mdevctl)."""
        raise report(C.VIR_ERR_NO_SUPPORT, "creating node devices (vHBAs, mediated "
                     "devices) is not supported by this node device driver", _FROM)

    def nodeDeviceDestroy(self, dev: Any) -> int:
        """Only created devices can be destroyed, and none can be created here."""
        obj = self._nodedev_named(dev.name)
        raise report(C.VIR_ERR_INVALID_ARG,
                     f"device {obj.name} is not a vHBA or a mediated device", _FROM)

    def connectNodeDeviceEventRegisterAny(self, dev: Any, eventID: int,
                                          callback: Any) -> int:
        """Register for device events; the host's list is read (and watched) from now."""
        self._ensure()
        return super().connectNodeDeviceEventRegisterAny(dev, eventID, callback)

    # --- device assignment ---------------------------------------------------------------
    def _pci_for_assignment(self, dev: Any, driver_name: str | None) -> NodeDevObj:
        """The PCI device to (re)bind, after libvirt's checks in libvirt's order: the
        driver name, whether the host can assign devices, then the device."""
        if driver_name not in (None, "", "vfio"):
            if driver_name == "kvm":
                raise report(C.VIR_ERR_ARGUMENT_UNSUPPORTED, "KVM device assignment is "
                             "no longer supported on this system", _FROM)
            raise report(C.VIR_ERR_INVALID_ARG, f"unknown driver name '{driver_name}'", _FROM)
        groups = os.path.join(self.sysroot, "kernel/iommu_groups")
        try:
            has_groups = bool(os.listdir(groups))
        except OSError:
            has_groups = False
        if not has_groups or not os.path.exists("/dev/vfio/vfio"):
            raise report(C.VIR_ERR_ARGUMENT_UNSUPPORTED, "VFIO device assignment is "
                         "currently not supported on this system", _FROM)
        obj = self._nodedev_named(dev.name)
        if obj.def_.cap(CapType.PCI) is None:
            raise report(C.VIR_ERR_CONFIG_UNSUPPORTED,
                         f"device {obj.name} is not a PCI device", _FROM)
        return obj

    def _bind(self, obj: NodeDevObj, driver: str | None) -> None:
        path = obj.def_.path or ""
        address = os.path.basename(path)
        try:
            with open(os.path.join(path, "driver_override"), "w") as f:
                f.write(driver or "\n")
            if os.path.exists(os.path.join(path, "driver")):
                with open(os.path.join(path, "driver/unbind"), "w") as f:
                    f.write(address)
            with open(os.path.join(self.sysroot, "bus/pci/drivers_probe"), "w") as f:
                f.write(address)
        except OSError as exc:
            raise report(C.VIR_ERR_SYSTEM_ERROR, f"cannot rebind PCI device {address}: "
                         f"{exc.strerror}", _FROM) from None

    def nodeDeviceDetachFlags(self, dev: Any, driverName: str | None,
                              flags: int) -> int:
        """Bind a PCI device to vfio-pci, for assignment to a guest."""
        check_flags(flags, 0, "nodeDeviceDetachFlags", _FROM)
        obj = self._pci_for_assignment(dev, driverName)
        self._bind(obj, "vfio-pci")
        return 0

    def nodeDeviceDettach(self, dev: Any) -> int:
        """nodeDeviceDetachFlags with the default driver."""
        return self.nodeDeviceDetachFlags(dev, None, 0)

    def nodeDeviceReAttach(self, dev: Any) -> int:
        """Give a detached PCI device back to its host driver."""
        obj = self._pci_for_assignment(dev, None)
        self._bind(obj, None)
        return 0

    def nodeDeviceReset(self, dev: Any) -> int:
        """Reset a PCI device through its sysfs ``reset`` file."""
        obj = self._pci_for_assignment(dev, None)
        try:
            with open(os.path.join(obj.def_.path or "", "reset"), "w") as f:
                f.write("1")
        except OSError as exc:
            raise report(C.VIR_ERR_SYSTEM_ERROR, f"cannot reset PCI device {obj.name}: "
                         f"{exc.strerror}", _FROM) from None
        return 0


def open_nodedev(root: hostroot.HostRoot) -> NodeDevDriver:
    """The node-device driver of ``root``, one more connection's reference."""
    drv: NodeDevDriver = hostroot.acquire("nodedev", root, NodeDevDriver)
    return drv


__all__ = ["NodeDevDriver", "open_nodedev"]
