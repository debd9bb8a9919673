"""Node device XML (``<device>``), as libvirt's node_device_conf handles it.

A device has a name, sysfs path, device nodes, a parent, a driver and one or
more ``<capability type=...>`` elements.  Each capability keeps its children
in order (libvirt's drivers write them in libvirt's order, and so does
pyvirt's :meth:`NodeDeviceDef.format`); typed accessors give drivers the
facts they use: PCI address, network interface name, SCSI host number and
FC names, block device path.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import cast

from lxml import etree

from pyvirt import constants as C
from pyvirt.conf import xmlutil
from pyvirt.conf.confutil import E, child_text, element_to_e, parse_root
from pyvirt.conf.xmlattr import A, attrs_of, read_attrs, required
from pyvirt.errors import report

_FROM = C.VIR_FROM_NODEDEV


class CapType(enum.Enum):
    """``<capability type=...>`` of a device."""

    SYSTEM = "system"
    PCI = "pci"
    USB_DEVICE = "usb_device"
    USB = "usb"
    NET = "net"
    SCSI_HOST = "scsi_host"
    SCSI_TARGET = "scsi_target"
    SCSI = "scsi"
    STORAGE = "storage"
    FC_HOST = "fc_host"
    VPORTS = "vports"
    SCSI_GENERIC = "scsi_generic"
    DRM = "drm"
    MDEV_TYPES = "mdev_types"
    MDEV = "mdev"
    CCW = "ccw"
    CSS = "css"
    VDPA = "vdpa"
    AP_CARD = "ap_card"
    AP_QUEUE = "ap_queue"
    AP_MATRIX = "ap_matrix"
    VPD = "vpd"


class DevnodeType(enum.Enum):
    """``<devnode type=...>``."""

    DEV = "dev"
    LINK = "link"


@dataclass
class DevNode:
    """A ``<devnode type=...>path</devnode>``."""

    type: DevnodeType = DevnodeType.DEV
    path: str = ""

    ATTRS = (A("type", DevnodeType),)


@dataclass
class DevCap:
    """One ``<capability type=...>``; ``children`` keep its content in order."""

    type: CapType
    children: list[E] = field(default_factory=list)

    ATTRS = (A("type", CapType),)

    def text(self, tag: str) -> str | None:
        """Text of the first child ``tag`` ('host', 'interface', 'block', ...)."""
        for child in self.children:
            if child.tag == tag:
                return child.text
        return None

    def sub(self, kind: str) -> E | None:
        """The nested ``<capability type=kind>`` (fc_host, vport_ops, ...), or None."""
        for child in self.children:
            if child.tag == "capability" and dict(child.attrs).get("type") == kind:
                return child
        return None

    def format(self) -> E:
        return E("capability", attrs_of(self, self.ATTRS), keep=True, children=self.children)


@dataclass
class NodeDeviceDef:
    """A host device definition.

    Drivers use ``name``, ``parent``, ``path``, ``driver`` and ``caps``
    (see :meth:`cap`); for vHBA creation ``parent_wwnn``/``parent_wwpn``/
    ``parent_fabric_wwn`` and the fc_host ``wwnn``/``wwpn`` (:attr:`fc_names`).
    """

    name: str | None = None
    path: str | None = None
    devnodes: list[DevNode] = field(default_factory=list)
    parent: str | None = None
    parent_wwnn: str | None = None
    parent_wwpn: str | None = None
    parent_fabric_wwn: str | None = None
    driver: str | None = None
    caps: list[DevCap] = field(default_factory=list)

    #: ``<parent wwnn= wwpn= fabric_wwn=>`` (a vHBA's parent by its names)
    PARENT_ATTRS = (A("parent_wwnn", attr="wwnn"), A("parent_wwpn", attr="wwpn"),
                    A("parent_fabric_wwn", attr="fabric_wwn"))

    @classmethod
    def parse(cls, xml: str | bytes, create: bool = False) -> NodeDeviceDef:
        """Parse node device XML (``create``: for nodeDeviceCreateXML, name optional)."""
        root = parse_root(xml, "device", "device_definition", _FROM)
        dev = cls()
        dev.name = child_text(root, "name")
        if not dev.name and not create:
            raise report(C.VIR_ERR_NO_NAME, None, _FROM)
        dev.path = child_text(root, "path")
        for node in root.findall("devnode"):
            devnode = read_attrs(DevNode(), node, DevNode.ATTRS)
            devnode.path = "".join(cast("Iterator[str]", node.itertext()))
            dev.devnodes.append(devnode)
        parent = root.find("parent")
        if parent is not None:
            dev.parent = "".join(cast("Iterator[str]", parent.itertext())) or None
            read_attrs(dev, parent, cls.PARENT_ATTRS)
        dev.driver = child_text(root, "driver/name")
        for cap in root.findall("capability"):
            dev.caps.append(_parse_cap(cap))
        if not dev.caps:
            raise report(C.VIR_ERR_INTERNAL_ERROR,
                         f"no device capabilities for '{dev.name or 'new device'}'", _FROM)
        return dev

    def cap(self, kind: CapType | str) -> DevCap | None:
        """The capability of type ``kind``, or None."""
        kind = CapType(kind)
        return next((c for c in self.caps if c.type is kind), None)

    @property
    def fc_names(self) -> tuple[str | None, str | None]:
        """(wwnn, wwpn) of the scsi_host's fc_host capability."""
        host = self.cap(CapType.SCSI_HOST)
        fc = host.sub("fc_host") if host else None
        if fc is None:
            return (None, None)
        found = {c.tag: c.text for c in fc.children}
        return (found.get("wwnn"), found.get("wwpn"))

    def format(self) -> str:
        """Return the device XML as libvirt writes it."""
        root = E("device", keep=True)
        root.add(E("name", text=self.name) if self.name else None)
        root.add(E("path", text=self.path) if self.path else None)
        for devnode in self.devnodes:
            root.add(E("devnode", attrs_of(devnode, DevNode.ATTRS), text=devnode.path))
        if self.parent is not None or self.parent_wwnn is not None:
            root.add(E("parent", attrs_of(self, self.PARENT_ATTRS), text=self.parent, keep=True))
        if self.driver:
            root.add(E("driver", children=[E("name", text=self.driver)]))
        for cap in self.caps:
            root.add(cap.format())
        return xmlutil.to_string(root)


def _parse_cap(elem: etree._Element) -> DevCap:
    cap_type = required(elem, "type", DevCap.ATTRS[0].conv)
    cap = DevCap(cap_type, [element_to_e(c) for c in elem if isinstance(c.tag, str)])
    if cap_type is CapType.PCI:
        _check_pci(cap)
    if cap_type is CapType.SCSI_HOST:
        _reset_vport_counts(cap)
    return cap


def _reset_vport_counts(cap: DevCap) -> None:
    """libvirt reads vport counts from sysfs, never from XML: parsed values become 0."""
    ops = cap.sub("vport_ops")
    if ops is None:
        return
    for child in ops.children:
        if child.tag in ("max_vports", "vports"):
            child.text = "0"


def _check_pci(cap: DevCap) -> None:
    """libvirt reads the PCI address as numbers: reject what it would reject."""
    for tag in ("domain", "bus", "slot", "function"):
        value = cap.text(tag)
        if value is None:
            continue
        try:
            int(value, 0)
        except ValueError:
            raise report(C.VIR_ERR_INTERNAL_ERROR,
                         f"invalid PCI {tag} ID supplied for '{value}'", _FROM) from None


__all__ = ["CapType", "DevCap", "DevNode", "DevnodeType", "NodeDeviceDef"]
