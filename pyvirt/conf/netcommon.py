"""Network pieces shared by networks, network ports and portgroups.

``<bandwidth>`` (inbound/outbound rates), ``<vlan>`` (tags, trunk) and
``<virtualport>`` (802.1Qbg/Qbh, Open vSwitch, MidoNet parameters), read and
written as libvirt does (netdev_bandwidth_conf, netdev_vlan_conf,
netdev_vport_profile_conf).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from lxml import etree

from pyvirt import constants as C
from pyvirt.conf.confutil import E, bad_attr_error
from pyvirt.conf.xmlattr import A, attrs_of, integer, read_attrs
from pyvirt.errors import libvirtError, report

_FROM = C.VIR_FROM_NONE


# --- bandwidth ------------------------------------------------------------------

@dataclass
class Rate:
    """One direction of ``<bandwidth>``: rates in KiB/s, bursts in KiB."""

    average: int | None = None
    peak: int | None = None
    floor: int | None = None
    burst: int | None = None

    ATTRS = (A("average", integer()), A("peak", integer()), A("floor", integer()),
             A("burst", integer()))

    @classmethod
    def parse(cls, elem: etree._Element, inbound: bool) -> Rate:
        """Read an ``<inbound>``/``<outbound>`` element."""
        def bad(attr: str, elem: str, value: str) -> libvirtError:
            return report(C.VIR_ERR_XML_DETAIL,
                          f"could not convert bandwidth {attr} value '{value}'", _FROM)
        rate = read_attrs(cls(), elem, cls.ATTRS, bad)
        if rate.floor is not None and not inbound:
            raise report(C.VIR_ERR_CONFIG_UNSUPPORTED,
                         "'floor' attribute allowed only in <inbound> element", _FROM)
        if rate.average is None and rate.floor is None:
            raise report(C.VIR_ERR_XML_DETAIL,
                         "Missing mandatory average or floor attributes", _FROM)
        if (rate.peak is not None or rate.burst is not None) and rate.average is None:
            raise report(C.VIR_ERR_XML_DETAIL,
                         "'peak' and 'burst' require 'average' attribute", _FROM)
        return rate

    def format(self, tag: str) -> E:
        """Return the ``<inbound>``/``<outbound>`` element."""
        attrs = [(k, v) for k, v in attrs_of(self, self.ATTRS)
                 if not (k in ("average", "peak", "burst", "floor") and v == "0")]
        return E(tag, attrs, keep=True)


@dataclass
class Bandwidth:
    """``<bandwidth>``: optional inbound and outbound rates."""

    inbound: Rate | None = None
    outbound: Rate | None = None

    @classmethod
    def parse(cls, elem: etree._Element | None) -> Bandwidth | None:
        """Read ``<bandwidth>`` (None when absent)."""
        if elem is None:
            return None
        bw = cls()
        ins, outs = elem.findall("inbound"), elem.findall("outbound")
        if len(ins) > 1 or len(outs) > 1:
            which = "inbound" if len(ins) > 1 else "outbound"
            raise report(C.VIR_ERR_XML_DETAIL,
                         f"Only one child <{which}> element allowed", _FROM)
        if ins:
            bw.inbound = Rate.parse(ins[0], True)
        if outs:
            bw.outbound = Rate.parse(outs[0], False)
        return bw

    def format(self, class_id: int | None = None) -> E | None:
        """Return ``<bandwidth>`` (with ``classID`` when given), or None when empty."""
        if self.inbound is None and self.outbound is None:
            return None
        node = E("bandwidth", [("classID", class_id or None)])
        if self.inbound is not None:
            node.add(self.inbound.format("inbound"))
        if self.outbound is not None:
            node.add(self.outbound.format("outbound"))
        return node


# --- vlan -------------------------------------------------------------------------

class NativeMode(enum.Enum):
    """How the native vlan of a trunk is handled."""

    TAGGED = "tagged"
    UNTAGGED = "untagged"


@dataclass
class VlanTag:
    """One ``<tag>`` of a ``<vlan>``."""

    id: int = 0
    native_mode: NativeMode | None = None


@dataclass
class Vlan:
    """``<vlan>``: one or more tags, trunk when several."""

    tags: list[VlanTag] = field(default_factory=list)
    trunk: bool | None = None

    @classmethod
    def parse(cls, elem: etree._Element | None) -> Vlan | None:
        """Read ``<vlan>`` (None when absent)."""
        if elem is None:
            return None
        vlan = cls()
        for tag in elem.findall("tag"):
            ident = tag.get("id")
            if ident is None:
                raise report(C.VIR_ERR_XML_ERROR, "missing or invalid vlan tag id", _FROM)
            try:
                number = int(ident)
            except ValueError:
                raise report(C.VIR_ERR_XML_ERROR,
                             "missing or invalid vlan tag id", _FROM) from None
            if not 0 <= number <= 4095:
                raise report(C.VIR_ERR_XML_ERROR,
                             f"vlan tag id {number} too large (maximum 4095)", _FROM)
            mode = tag.get("nativeMode")
            native = None
            if mode is not None:
                try:
                    native = NativeMode(mode)
                except ValueError:
                    raise report(C.VIR_ERR_XML_ERROR,
                                 f"Invalid \"nativeMode='{mode}'\" in vlan <tag> element",
                                 _FROM) from None
            vlan.tags.append(VlanTag(number, native))
        if not vlan.tags:
            raise report(C.VIR_ERR_XML_ERROR, "missing tag id - each <vlan> must have "
                         "at least one <tag id='N'/> subelement", _FROM)
        trunk = elem.get("trunk")
        if trunk is not None:
            if trunk not in ("yes", "no"):
                raise report(C.VIR_ERR_XML_ERROR, f"invalid \"trunk='{trunk}'\" in <vlan> - "
                             "must be yes or no", _FROM)
            vlan.trunk = trunk == "yes"
            if vlan.trunk is False and len(vlan.tags) > 1:
                raise report(C.VIR_ERR_XML_ERROR, "invalid \"trunk='no'\" in <vlan> - "
                             "trunk='no' is not allowed with multiple vlan tags", _FROM)
        elif len(vlan.tags) > 1:
            vlan.trunk = True
        return vlan

    def format(self) -> E:
        """Return ``<vlan>``."""
        trunk = "yes" if self.trunk else None
        node = E("vlan", [("trunk", trunk)])
        for tag in self.tags:
            node.add(E("tag", [("id", tag.id),
                               ("nativeMode", tag.native_mode.value if tag.native_mode else None)]))
        return node


# --- virtualport ----------------------------------------------------------------

class VirtualPortType(enum.Enum):
    """``<virtualport type=...>``."""

    NONE = "none"
    QBG = "802.1Qbg"
    QBH = "802.1Qbh"
    OPENVSWITCH = "openvswitch"
    MIDONET = "midonet"


@dataclass
class VirtualPort:
    """``<virtualport>`` with its ``<parameters>``."""

    type: VirtualPortType | None = None
    managerid: int | None = None
    typeid: int | None = None
    typeidversion: int | None = None
    instanceid: str | None = None
    profileid: str | None = None
    interfaceid: str | None = None

    PARAMS = (A("managerid", integer()), A("typeid", integer()), A("typeidversion", integer()),
              A("instanceid"), A("interfaceid"), A("profileid"))

    @classmethod
    def parse(cls, elem: etree._Element | None) -> VirtualPort | None:
        """Read ``<virtualport>`` (None when absent)."""
        if elem is None:
            return None
        port = cls()
        kind = elem.get("type")
        if kind is not None:
            try:
                port.type = VirtualPortType(kind)
            except ValueError:
                raise report(C.VIR_ERR_XML_ERROR,
                             f"unknown virtualport type {kind}", _FROM) from None
        params = elem.find("parameters")
        if params is not None:
            read_attrs(port, params, cls.PARAMS, bad_attr_error("parameters", _FROM))
            for name in ("instanceid", "interfaceid"):
                value = getattr(port, name)
                if value is not None:
                    setattr(port, name, _canon_uuid(value, name))
        return port

    def format(self) -> E:
        """Return ``<virtualport>``."""
        kind = self.type.value if self.type and self.type is not VirtualPortType.NONE else None
        node = E("virtualport", [("type", kind)], keep=True)
        node.add(E("parameters", attrs_of(self, self.PARAMS)))
        return node


def _canon_uuid(value: str, what: str) -> str:
    import uuid
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise report(C.VIR_ERR_XML_ERROR,
                     f"cannot parse virtualport {what} '{value}'", _FROM) from None
