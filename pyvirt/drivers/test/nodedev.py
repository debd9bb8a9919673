"""The test driver's host devices, as libvirt's test driver keeps them.

Devices live in ``state.nodedevs`` by name; a :class:`NodeDevObj` is the
API's handle.  ``nodeDeviceCreateXML`` makes a vHBA the way libvirt's test
driver mocks it: a copy of ``scsi_host11`` named ``scsi_host12`` with the
requested WWNN/WWPN; an FC storage pool does the same on start and takes it
away on destroy (:func:`mock_create_vport`, :func:`mock_destroy_vport`).
Like libvirt's test driver this one offers no device define, undefine,
start, autostart, detach or lookup by WWN: those calls keep raising
``VIR_ERR_NO_SUPPORT``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from pyvirt import constants as C
from pyvirt.driver import interface
from pyvirt.drivers.test.network import element_xml
from pyvirt.drivers.test.objects import check_flags
from pyvirt.errors import report
from pyvirt.util.lazy import lazy_module

if TYPE_CHECKING:
    from pyvirt.conf import node_device as devconf
    from pyvirt.conf import xmlutil
else:
    devconf = lazy_module("pyvirt.conf.node_device", globals())
    xmlutil = lazy_module("pyvirt.conf.xmlutil", globals())

_FROM = C.VIR_FROM_TEST
_DEV = C.VIR_FROM_NODEDEV
_LIFECYCLE = C.VIR_NODE_DEVICE_EVENT_ID_LIFECYCLE

# The device a mock vHBA copies, and the name the copy gets (libvirt's test driver).
VPORT_TEMPLATE = "scsi_host11"
VPORT_NAME = "scsi_host12"

# VIR_CONNECT_LIST_NODE_DEVICES_CAP_* -> capability name
_CAP_FLAGS = {
    C.VIR_CONNECT_LIST_NODE_DEVICES_CAP_SYSTEM: "system",
    C.VIR_CONNECT_LIST_NODE_DEVICES_CAP_PCI_DEV: "pci",
    C.VIR_CONNECT_LIST_NODE_DEVICES_CAP_USB_DEV: "usb_device",
    C.VIR_CONNECT_LIST_NODE_DEVICES_CAP_USB_INTERFACE: "usb",
    C.VIR_CONNECT_LIST_NODE_DEVICES_CAP_NET: "net",
    C.VIR_CONNECT_LIST_NODE_DEVICES_CAP_SCSI_HOST: "scsi_host",
    C.VIR_CONNECT_LIST_NODE_DEVICES_CAP_SCSI_TARGET: "scsi_target",
    C.VIR_CONNECT_LIST_NODE_DEVICES_CAP_SCSI: "scsi",
    C.VIR_CONNECT_LIST_NODE_DEVICES_CAP_STORAGE: "storage",
    C.VIR_CONNECT_LIST_NODE_DEVICES_CAP_FC_HOST: "fc_host",
    C.VIR_CONNECT_LIST_NODE_DEVICES_CAP_VPORTS: "vports",
    C.VIR_CONNECT_LIST_NODE_DEVICES_CAP_SCSI_GENERIC: "scsi_generic",
    C.VIR_CONNECT_LIST_NODE_DEVICES_CAP_DRM: "drm",
    C.VIR_CONNECT_LIST_NODE_DEVICES_CAP_MDEV_TYPES: "mdev_types",
    C.VIR_CONNECT_LIST_NODE_DEVICES_CAP_MDEV: "mdev",
    C.VIR_CONNECT_LIST_NODE_DEVICES_CAP_CCW_DEV: "ccw",
    C.VIR_CONNECT_LIST_NODE_DEVICES_CAP_CSS_DEV: "css",
    C.VIR_CONNECT_LIST_NODE_DEVICES_CAP_VDPA: "vdpa",
    C.VIR_CONNECT_LIST_NODE_DEVICES_CAP_AP_CARD: "ap_card",
    C.VIR_CONNECT_LIST_NODE_DEVICES_CAP_AP_QUEUE: "ap_queue",
    C.VIR_CONNECT_LIST_NODE_DEVICES_CAP_AP_MATRIX: "ap_matrix",
    C.VIR_CONNECT_LIST_NODE_DEVICES_CAP_VPD: "vpd",
}
_CAP_FILTERS = sum(_CAP_FLAGS)

# Capabilities a device has through a nested <capability> of another:
# (outer capability, nested type) -> capability name it counts as.
_NESTED = {
    ("scsi_host", "fc_host"): "fc_host", ("scsi_host", "vport_ops"): "vports",
    ("pci", "mdev_types"): "mdev_types", ("pci", "vpd"): "vpd",
    ("css", "mdev_types"): "mdev_types", ("ap_matrix", "mdev_types"): "mdev_types",
}


def _internal(detail: str) -> Any:
    return report(C.VIR_ERR_INTERNAL_ERROR, detail, _DEV)


# --- the objects -------------------------------------------------------------------

class NodeDevObj:
    """One host device (libvirt's virNodeDeviceObj).  It is the API's handle."""

    __slots__ = ("caps", "def_", "name")

    def __init__(self, def_: devconf.NodeDeviceDef) -> None:
        self.name: str = def_.name or ""
        self.def_ = def_
        self.caps = capability_names(def_)

    @property
    def parent(self) -> str | None:
        """The parent device's name, as the handle reports it."""
        return self.def_.parent

    def set_def(self, def_: devconf.NodeDeviceDef) -> None:
        """Replace the definition (a device of the same name was assigned again)."""
        self.def_ = def_
        self.caps = capability_names(def_)


class DevHandle:
    """The handle nodeDeviceCreateXML returns: the new device's name and the parent
    the request named (libvirt's virNodeDevicePtr keeps that one)."""

    __slots__ = ("name", "parent")

    def __init__(self, name: str, parent: str | None) -> None:
        self.name = name
        self.parent = parent


def capability_names(def_: devconf.NodeDeviceDef) -> frozenset[str]:
    """Every capability name the device answers to (virNodeDeviceObjHasCap), nested
    ones included: a scsi_host with fc_host is also 'fc_host'."""
    names = set()
    for cap in def_.caps:
        outer = cap.type.value
        names.add(outer)
        for child in cap.children:
            if child.tag == "capability":
                kind = str(dict(child.attrs).get("type"))
                nested = _NESTED.get((outer, kind))
                if nested is not None:
                    names.add(nested)
    return frozenset(names)


def _fc_caps(def_: devconf.NodeDeviceDef) -> dict[str, str | None] | None:
    """The children of the scsi_host's fc_host capability by tag, or None."""
    host = def_.cap(devconf.CapType.SCSI_HOST)
    fc = host.sub("fc_host") if host else None
    if fc is None:
        return None
    return {c.tag: c.text for c in fc.children}


def check_wwns(def_: devconf.NodeDeviceDef, label: str) -> None:
    """An fc_host needs a WWNN and a WWPN: libvirt would generate them, but its test
    driver (no virt type) cannot, and says so."""
    fc = _fc_caps(def_)
    if fc is None:
        return
    for key in ("wwnn", "wwpn"):
        if not fc.get(key):
            raise _internal(f"no {key.upper()} supplied for '{label}', and auto-generation "
                            "failed")


def _wwns(def_: devconf.NodeDeviceDef) -> tuple[str | None, str | None]:
    """(wwnn, wwpn) of an FC HBA (virNodeDeviceGetWWNs)."""
    fc = _fc_caps(def_)
    if fc is None:
        raise _internal("Device is not a fibre channel HBA")
    return fc.get("wwnn"), fc.get("wwpn")


def assign_def(store: Any, def_: devconf.NodeDeviceDef) -> NodeDevObj:
    """Add a device, or give its definition to the device of that name."""
    obj = store.get(def_.name)
    if obj is None:
        return store.add(NodeDevObj(def_))
    obj.set_def(def_)
    return obj


def load(state: Any, node_elem: Any, base_dir: str) -> None:
    """Add the ``<device>`` elements of a <node> document."""
    for elem in node_elem.findall("device"):
        def_ = devconf.NodeDeviceDef.parse(element_xml(elem))
        check_wwns(def_, def_.name or "")
        assign_def(state.nodedevs, def_)


def _emit(state: Any, name: str, handle: Any, event: int) -> None:
    state.events.emit("nodedev", _LIFECYCLE, handle, name, event, 0)


def mock_create_vport(state: Any, wwnn: str | None, wwpn: str | None) -> NodeDevObj:
    """Make the vHBA ``scsi_host12``: a copy of ``scsi_host11`` with the given WWNs
    (testNodeDeviceMockCreateVport); emits the device's CREATED event."""
    store = state.nodedevs
    template = store.get(VPORT_TEMPLATE)
    if template is None:
        raise report(C.VIR_ERR_NO_NODE_DEVICE,
                     f"no node device with matching name '{VPORT_TEMPLATE}'", _FROM)
    def_ = devconf.NodeDeviceDef.parse(template.def_.format())
    def_.name = VPORT_NAME
    host = def_.cap(devconf.CapType.SCSI_HOST)
    fc = host.sub("fc_host") if host else None
    for child in fc.children if fc is not None else ():
        if child.tag == "wwnn":
            child.text = wwnn
        elif child.tag == "wwpn":
            child.text = wwpn
    obj = assign_def(store, def_)
    _emit(state, obj.name, obj, C.VIR_NODE_DEVICE_EVENT_CREATED)
    return obj


def mock_destroy_vport(state: Any) -> None:
    """Remove the vHBA ``scsi_host12`` (testDestroyVport); emits its DELETED event."""
    obj = state.nodedevs.get(VPORT_NAME)
    if obj is None:
        raise report(C.VIR_ERR_NO_NODE_DEVICE,
                     f"no node device with matching name '{VPORT_NAME}'", _FROM)
    state.nodedevs.remove(obj)
    _emit(state, obj.name, obj, C.VIR_NODE_DEVICE_EVENT_DELETED)


# --- the driver ------------------------------------------------------------------

class NodeDeviceMixin(interface.NodeDeviceDriver):
    """The node device operations of the test driver, on ``self.state``."""

    state: Any

    def _nodedev_named(self, name: str) -> NodeDevObj:
        obj = self.state.nodedevs.get(name)
        if obj is None:
            raise report(C.VIR_ERR_NO_NODE_DEVICE,
                         f"no node device with matching name '{name}'", _FROM)
        return obj

    def _nodedev_with_cap(self, cap: str | None) -> list[NodeDevObj]:
        devs = self.state.nodedevs.values()
        return devs if cap is None else [d for d in devs if cap in d.caps]

    # -- listing and lookups

    def nodeNumOfDevices(self, cap: str | None, flags: int) -> int:
        """Count the devices (with capability ``cap``, if given)."""
        check_flags(flags, 0, "testNodeNumOfDevices")
        return len(self._nodedev_with_cap(cap))

    def nodeListDevices(self, cap: str | None, flags: int) -> list[str]:
        """Return the names of the devices (with capability ``cap``, if given)."""
        # libvirt-python counts first: its flag error names the counting function
        check_flags(flags, 0, "testNodeNumOfDevices")
        return [d.name for d in self._nodedev_with_cap(cap)]

    def connectListAllNodeDevices(self, flags: int) -> list[NodeDevObj]:
        """Return the devices with any capability VIR_CONNECT_LIST_NODE_DEVICES_CAP_*
        in ``flags`` (all devices for 0)."""
        # Unlike libvirt 9.0's test driver (which refuses them, so that virsh's
        # nodedev-list always fails there), the active/inactive filters are
        # accepted as newer libvirt does: every mock device is active.
        active_bits = (C.VIR_CONNECT_LIST_NODE_DEVICES_ACTIVE
                       | C.VIR_CONNECT_LIST_NODE_DEVICES_INACTIVE)
        check_flags(flags, _CAP_FILTERS | active_bits, "testConnectListAllNodeDevices")
        devs = list(self.state.nodedevs.values())
        if flags & active_bits == C.VIR_CONNECT_LIST_NODE_DEVICES_INACTIVE:
            return []
        flags &= ~active_bits
        if not flags:
            return devs
        wanted = {name for bit, name in _CAP_FLAGS.items() if flags & bit}
        return [d for d in devs if not wanted.isdisjoint(d.caps)]

    def nodeDeviceLookupByName(self, name: str) -> NodeDevObj:
        """Return the device called ``name``."""
        return self._nodedev_named(name)

    def nodeDeviceGetXMLDesc(self, dev: Any, flags: int) -> str:
        """Return the device's XML."""
        check_flags(flags, 0, "testNodeDeviceGetXMLDesc")
        return self._nodedev_named(dev.name).def_.format()

    def nodeDeviceGetParent(self, dev: Any) -> str | None:
        """Return the parent's name the handle knows, else the device's (None: no
        parent; libvirt-python turns libvirt's 'no parent' error into None)."""
        # A handle decoded from the wire (H.NodeDeviceHandle) knows only the name.
        parent = getattr(dev, "parent", None)
        if parent is not None:
            return parent
        return self._nodedev_named(dev.name).def_.parent

    def nodeDeviceNumOfCaps(self, dev: Any) -> int:
        """Count the device's capabilities (nested ones not included)."""
        return len(self._nodedev_named(dev.name).def_.caps)

    def nodeDeviceListCaps(self, dev: Any) -> list[str]:
        """Return the names of the device's capabilities (nested ones not included)."""
        return [cap.type.value for cap in self._nodedev_named(dev.name).def_.caps]

    # -- vHBA creation

    def nodeDeviceCreateXML(self, xmlDesc: str, flags: int) -> DevHandle:
        """Create a vHBA (an scsi_host with fc_host) under a vport-capable parent."""
        check_flags(flags, C.VIR_NODE_DEVICE_CREATE_XML_VALIDATE, "testNodeDeviceCreateXML")
        if flags & C.VIR_NODE_DEVICE_CREATE_XML_VALIDATE:
            xmlutil.validate(xmlDesc, "nodedev", C.VIR_FROM_XML)
        def_ = devconf.NodeDeviceDef.parse(xmlDesc, create=True)
        label = def_.name or "new device"
        check_wwns(def_, label)
        wwnn, wwpn = _wwns(def_)
        with self.state.lock:
            self._nodedev_parent_host(def_, label)
            obj = mock_create_vport(self.state, wwnn, wwpn)
        return DevHandle(obj.name, def_.parent)

    def _nodedev_parent_host(self, def_: devconf.NodeDeviceDef, label: str) -> NodeDevObj:
        """The vport-capable parent of a new vHBA (virNodeDeviceObjListGetParentHost)."""
        store = self.state.nodedevs
        parent: NodeDevObj | None
        if def_.parent:
            parent = store.get(def_.parent)
        elif def_.parent_wwnn and def_.parent_wwpn:
            parent = self._nodedev_find_fc(lambda fc: fc.get("wwnn") == def_.parent_wwnn
                                and fc.get("wwpn") == def_.parent_wwpn)
        elif def_.parent_fabric_wwn:
            parent = self._nodedev_find_fc(lambda fc: fc.get("fabric_wwn") == def_.parent_fabric_wwn)
        else:
            parent = next((d for d in store.values() if "vports" in d.caps), None)
            if parent is None:
                raise _internal("Could not find any vport capable device")
        if parent is None:
            raise _internal(f"Could not find parent device for '{label}'")
        if "vports" not in parent.caps:
            raise _internal(f"Parent device {parent.name} is not capable of vport operations")
        return parent

    def _nodedev_find_fc(self, match: Callable[[dict[str, str | None]], bool]
                         ) -> NodeDevObj | None:
        for obj in self.state.nodedevs.values():
            fc = _fc_caps(obj.def_)
            if fc is not None and match(fc):
                return obj
        return None

    def nodeDeviceDestroy(self, dev: Any) -> int:
        """Remove a vHBA.  As in libvirt's test driver, a device that is not an FC HBA
        or whose parent is unknown stays, and the call still returns 0."""
        with self.state.lock:
            obj = self._nodedev_named(dev.name)
            if _fc_caps(obj.def_) is None or self.state.nodedevs.get(obj.def_.parent) is None:
                return 0
            self.state.nodedevs.remove(obj)
            _emit(self.state, obj.name, obj, C.VIR_NODE_DEVICE_EVENT_DELETED)
        return 0

    # -- events

    def connectNodeDeviceEventRegisterAny(self, dev: Any, eventID: int,
                                          callback: Callable[..., Any]) -> int:
        """Register ``callback`` for device events (of ``dev`` only, if given)."""
        return self.state.events.register("nodedev", eventID,
                                           None if dev is None else dev.name, callback)

    def connectNodeDeviceEventDeregisterAny(self, callbackID: int) -> int:
        """Remove a device event callback."""
        self.state.events.deregister(callbackID)
        return 0
