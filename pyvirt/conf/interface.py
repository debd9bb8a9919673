"""Host interface XML (``<interface type=...>``), as libvirt's interface_conf handles it.

Types: ethernet, bridge (with member interfaces), bond (members, miimon or
arpmon) and vlan (tag on a parent device).  Members of a bridge or bond are
themselves ``InterfaceDef`` objects read at a deeper level, where libvirt
ignores the start mode, MTU and protocols.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from lxml import etree

from pyvirt import constants as C
from pyvirt.conf import xmlutil
from pyvirt.conf.confutil import E, open_close, parse_root
from pyvirt.conf.xmlattr import (
    INT,
    ONOFF,
    YESNO,
    A,
    attrs_of,
    enumconv,
    message,
    read_attrs,
    required,
    sint,
)
from pyvirt.errors import libvirtError, report

_FROM = C.VIR_FROM_INTERFACE


class InterfaceType(enum.Enum):
    """``<interface type=...>``."""

    ETHERNET = "ethernet"
    BRIDGE = "bridge"
    BOND = "bond"
    VLAN = "vlan"


class StartMode(enum.Enum):
    """``<start mode=...>``."""

    NONE = "none"
    ONBOOT = "onboot"
    HOTPLUG = "hotplug"


class BondMode(enum.Enum):
    """``<bond mode=...>``."""

    BALANCE_RR = "balance-rr"
    ACTIVE_BACKUP = "active-backup"
    BALANCE_XOR = "balance-xor"
    BROADCAST = "broadcast"
    IEEE_802_3AD = "802.3ad"
    BALANCE_TLB = "balance-tlb"
    BALANCE_ALB = "balance-alb"


class MiiCarrier(enum.Enum):
    """``<miimon carrier=...>``."""

    IOCTL = "ioctl"
    NETIF = "netif"


class ArpValidate(enum.Enum):
    """``<arpmon validate=...>``."""

    NONE = "none"
    ACTIVE = "active"
    BACKUP = "backup"
    ALL = "all"


class LinkState(enum.Enum):
    """``<link state=...>`` (operational state, RFC 2863)."""

    UNKNOWN = "unknown"
    NOTPRESENT = "notpresent"
    DOWN = "down"
    LOWERLAYERDOWN = "lowerlayerdown"
    TESTING = "testing"
    DORMANT = "dormant"
    UP = "up"


def _xml_err(detail: str) -> libvirtError:
    return report(C.VIR_ERR_XML_ERROR, detail, _FROM)


@dataclass
class IPAddr:
    """An ``<ip address prefix>`` of a protocol."""

    address: str
    prefix: int | None = None

    ATTRS = (A("address"), A("prefix", INT))


@dataclass
class Protocol:
    """A ``<protocol family=...>``: DHCP, autoconf, addresses and a gateway."""

    family: str = "ipv4"
    autoconf: bool = False
    dhcp: bool = False
    peerdns: bool | None = None
    ips: list[IPAddr] = field(default_factory=list)
    gateway: str | None = None

    ATTRS = (A("family"),)
    #: ``<dhcp peerdns=>`` and ``<route gateway=>``
    DHCP_ATTRS = (A("peerdns", YESNO),)
    ROUTE_ATTRS = (A("gateway"),)

    @classmethod
    def parse(cls, elem: etree._Element) -> Protocol:
        proto = read_attrs(cls(""), elem, cls.ATTRS)
        if proto.family not in ("ipv4", "ipv6"):
            raise _xml_err(f"unsupported protocol family '{elem.get('family')}'")
        proto.autoconf = proto.family == "ipv6" and elem.find("autoconf") is not None
        dhcp = elem.find("dhcp")
        if dhcp is not None:
            proto.dhcp = True
            read_attrs(proto, dhcp, cls.DHCP_ATTRS)
        for ip in elem.findall("ip"):
            addr = read_attrs(IPAddr(""), ip, IPAddr.ATTRS)
            if ip.get("address") is not None:
                proto.ips.append(addr)
        route = elem.find("route")
        if route is not None:
            read_attrs(proto, route, cls.ROUTE_ATTRS)
        return proto

    def format(self) -> E:
        node = E("protocol", attrs_of(self, self.ATTRS))
        if self.autoconf:
            node.add(E("autoconf", keep=True))
        if self.dhcp:
            node.add(E("dhcp", attrs_of(self, self.DHCP_ATTRS), keep=True))
        for ip in self.ips:
            node.add(E("ip", attrs_of(ip, IPAddr.ATTRS)))
        node.add(E("route", attrs_of(self, self.ROUTE_ATTRS)))
        return open_close(node)


@dataclass
class InterfaceDef:
    """A host interface definition.

    Drivers use ``name``, ``type``, ``start_mode``, ``mac``, ``mtu``,
    ``protocols`` and, by type, ``members`` (bridge, bond), ``bond_mode``,
    ``vlan_tag``/``vlan_dev``.
    """

    type: InterfaceType = InterfaceType.ETHERNET
    name: str = ""
    start_mode: StartMode | None = None
    mtu: int | None = None
    mac: str | None = None
    link_speed: int | None = None
    link_state: LinkState | None = None
    protocols: list[Protocol] = field(default_factory=list)
    # bridge
    stp: bool | None = None
    delay: str | None = None
    # bridge and bond members
    members: list[InterfaceDef] = field(default_factory=list)
    # bond
    bond_mode: BondMode | None = None
    miimon_freq: int | None = None
    miimon_downdelay: int | None = None
    miimon_updelay: int | None = None
    miimon_carrier: str | None = None
    arpmon_interval: int | None = None
    arpmon_target: str | None = None
    arpmon_validate: str | None = None
    # vlan
    vlan_tag: str | None = None
    vlan_dev: str | None = None

    # What each element's attributes are, declared once for reading and writing.
    #: ``<interface type= name=>``
    ATTRS = (A("type", InterfaceType), A("name"))
    #: ``<link speed= state=>``
    LINK_ATTRS = (A("link_speed", INT, "speed"), A("link_state", LinkState, "state"))
    #: ``<mac address=>`` (kept as given, as libvirt does)
    MAC_ATTRS = (A("mac", attr="address"),)
    #: ``<start mode=>``
    START_ATTRS = (A("start_mode", enumconv(StartMode, message(
        "unknown interface startmode {value}", domain=_FROM)), "mode"),)
    #: ``<mtu size=>``
    MTU_ATTRS = (A("mtu", sint(error=message("Invalid mtu size '{value}'", domain=_FROM)),
                   "size"),)
    #: ``<bridge stp= delay=>``
    BRIDGE_ATTRS = (A("stp", ONOFF), A("delay"))
    #: ``<bond mode=>``
    BOND_ATTRS = (A("bond_mode", enumconv(BondMode, message(
        "unknown bonding mode {value}", domain=_FROM)), "mode"),)
    #: ``<miimon freq= downdelay= updelay= carrier=>``
    MIIMON_ATTRS = (A("miimon_freq", INT, "freq"), A("miimon_downdelay", INT, "downdelay"),
                    A("miimon_updelay", INT, "updelay"),
                    A("miimon_carrier", enumconv(MiiCarrier, message(
                        "unknown mii bonding carrier {value}", domain=_FROM)), "carrier"))
    #: ``<arpmon interval= target= validate=>``
    ARPMON_ATTRS = (A("arpmon_interval", INT, "interval"), A("arpmon_target", attr="target"),
                    A("arpmon_validate", enumconv(ArpValidate, message(
                        "unknown arp bonding validate {value}", domain=_FROM)), "validate"))
    #: ``<vlan tag=>`` and its ``<interface name=>``
    VLAN_ATTRS = (A("vlan_tag", attr="tag"),)
    VLAN_DEV_ATTRS = (A("vlan_dev", attr="name"),)

    @classmethod
    def parse(cls, xml: str | bytes) -> InterfaceDef:
        """Parse interface XML; raise libvirt's errors for bad input."""
        root = parse_root(xml, "interface", "interface_definition", _FROM)
        return cls._from_xml(root, 0)

    @classmethod
    def _from_xml(cls, elem: etree._Element, level: int) -> InterfaceDef:
        required(elem, "type")
        iface = read_attrs(cls(), elem, cls.ATTRS)
        if level > 0 and iface.type is InterfaceType.BRIDGE:
            raise _xml_err(f"interface has unsupported type '{iface.type.value}'")
        if elem.get("name") is None:
            raise _xml_err("interface has no name")
        if level == 0:
            iface._parse_top(elem)
        link = elem.find("link")
        if link is not None:
            read_attrs(iface, link, cls.LINK_ATTRS)
        parse = {InterfaceType.ETHERNET: iface._parse_ethernet,
                 InterfaceType.BRIDGE: iface._parse_bridge,
                 InterfaceType.BOND: iface._parse_bond,
                 InterfaceType.VLAN: iface._parse_vlan}[iface.type]
        parse(elem, level)
        return iface

    def _parse_top(self, elem: etree._Element) -> None:
        start = elem.find("start")
        if start is not None:
            read_attrs(self, start, self.START_ATTRS)
        mtu = elem.find("mtu")
        if mtu is not None:
            read_attrs(self, mtu, self.MTU_ATTRS)
            if self.mtu is None:
                raise _xml_err("Invalid mtu size 'None'")
        self.protocols = [Protocol.parse(p) for p in elem.findall("protocol")]

    def _parse_ethernet(self, elem: etree._Element, level: int) -> None:
        mac = elem.find("mac")
        if mac is not None:
            read_attrs(self, mac, self.MAC_ATTRS)

    def _parse_bridge(self, elem: etree._Element, level: int) -> None:
        bridge = elem.find("bridge")
        if bridge is None:
            raise _xml_err("bridge interface misses the bridge element")
        read_attrs(self, bridge, self.BRIDGE_ATTRS, message(
            "bridge interface stp should be on or off got {value}", domain=_FROM))
        self.members = [InterfaceDef._from_xml(m, level + 1)
                        for m in bridge.findall("interface")]

    def _parse_bond(self, elem: etree._Element, level: int) -> None:
        bond = elem.find("bond")
        if bond is None:
            raise _xml_err("bond interface misses the bond element")
        read_attrs(self, bond, self.BOND_ATTRS)
        mii, arp = bond.find("miimon"), bond.find("arpmon")
        if mii is not None and arp is not None:
            raise _xml_err("bond interface miimon and arpmon are exclusive")
        if mii is not None:
            read_attrs(self, mii, self.MIIMON_ATTRS)
            if self.miimon_freq is None:
                raise _xml_err("bond interface miimon freq missing or invalid")
        if arp is not None:
            read_attrs(self, arp, self.ARPMON_ATTRS)
            if self.arpmon_interval is None:
                raise _xml_err("bond interface arpmon interval missing or invalid")
            if self.arpmon_target is None:
                raise _xml_err("bond interface arpmon target missing")
        self.members = [InterfaceDef._from_xml(m, level + 1) for m in bond.findall("interface")]

    def _parse_vlan(self, elem: etree._Element, level: int) -> None:
        vlan = elem.find("vlan")
        if vlan is None:
            raise _xml_err("vlan interface misses the vlan element")
        read_attrs(self, vlan, self.VLAN_ATTRS)
        if self.vlan_tag is None:
            raise _xml_err("vlan interface misses the tag attribute")
        dev = vlan.find("interface")
        if dev is not None:
            read_attrs(self, dev, self.VLAN_DEV_ATTRS)
        if self.vlan_dev is None:
            raise _xml_err("vlan interface misses name attribute")

    # -- output

    def format(self) -> str:
        """Return the interface XML as libvirt writes it."""
        return xmlutil.to_string(self._format_node(0))

    def _format_node(self, level: int) -> E:
        node = E("interface", attrs_of(self, self.ATTRS), keep=True)
        if level == 0:
            node.add(E("start", attrs_of(self, self.START_ATTRS)))
            node.add(E("mtu", attrs_of(self, self.MTU_ATTRS)) if self.mtu else None)
            for proto in self.protocols:
                node.add(proto.format())
        if self.type is not InterfaceType.BRIDGE:
            # libvirt leaves a bridge's link out
            node.add(E("link", attrs_of(self, self.LINK_ATTRS)))
        if self.type is InterfaceType.ETHERNET:
            node.add(E("mac", attrs_of(self, self.MAC_ATTRS)))
            if level > 0:
                open_close(node)
        elif self.type is InterfaceType.BRIDGE:
            node.add(open_close(E("bridge", attrs_of(self, self.BRIDGE_ATTRS), children=[
                m._format_node(level + 1) for m in self.members])))
        elif self.type is InterfaceType.BOND:
            node.add(self._format_bond(level))
        else:
            node.add(E("vlan", attrs_of(self, self.VLAN_ATTRS),
                       children=[E("interface", attrs_of(self, self.VLAN_DEV_ATTRS))]))
        return node

    def _format_bond(self, level: int) -> E:
        bond = E("bond", attrs_of(self, self.BOND_ATTRS))
        if self.miimon_freq is not None:
            bond.add(E("miimon", attrs_of(self, self.MIIMON_ATTRS)))
        if self.arpmon_interval is not None:
            bond.add(E("arpmon", attrs_of(self, self.ARPMON_ATTRS)))
        for member in self.members:
            bond.add(member._format_node(level + 1))
        return open_close(bond)


__all__ = [
    "ArpValidate",
    "BondMode",
    "IPAddr",
    "InterfaceDef",
    "InterfaceType",
    "LinkState",
    "MiiCarrier",
    "Protocol",
    "StartMode",
]
