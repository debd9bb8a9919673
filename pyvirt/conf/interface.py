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
from pyvirt.conf.confutil import E, open_close, parse_enum, parse_root
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


def _xml_attr_err(attr: str, elem: str, value: str, suffix: str = "") -> libvirtError:
    return report(C.VIR_ERR_XML_ERROR, f"Invalid value for attribute '{attr}' in element "
                  f"'{elem}': '{value}'.{suffix}", C.VIR_FROM_XML)


def _int_attr(elem: etree._Element, attr: str) -> int | None:
    value = elem.get(attr)
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        raise _xml_attr_err(attr, elem.tag, value, " Expected integer value") from None


@dataclass
class IPAddr:
    """An ``<ip address prefix>`` of a protocol."""

    address: str
    prefix: int | None = None


@dataclass
class Protocol:
    """A ``<protocol family=...>``: DHCP, autoconf, addresses and a gateway."""

    family: str = "ipv4"
    autoconf: bool = False
    dhcp: bool = False
    peerdns: bool | None = None
    ips: list[IPAddr] = field(default_factory=list)
    gateway: str | None = None

    @classmethod
    def parse(cls, elem: etree._Element) -> Protocol:
        family = elem.get("family")
        if family not in ("ipv4", "ipv6"):
            raise _xml_err(f"unsupported protocol family '{family}'")
        proto = cls(family)
        proto.autoconf = family == "ipv6" and elem.find("autoconf") is not None
        dhcp = elem.find("dhcp")
        if dhcp is not None:
            proto.dhcp = True
            peer = dhcp.get("peerdns")
            if peer is not None and peer not in ("yes", "no"):
                raise _xml_attr_err("peerdns", "dhcp", peer)
            proto.peerdns = None if peer is None else peer == "yes"
        for ip in elem.findall("ip"):
            prefix = _int_attr(ip, "prefix")
            if ip.get("address") is not None:
                proto.ips.append(IPAddr(ip.get("address", ""), prefix))
        route = elem.find("route")
        if route is not None:
            proto.gateway = route.get("gateway")
        return proto

    def format(self) -> E:
        node = E("protocol", [("family", self.family)])
        if self.autoconf:
            node.add(E("autoconf", keep=True))
        if self.dhcp:
            node.add(E("dhcp", [("peerdns", xmlutil.yesno(self.peerdns))], keep=True))
        for ip in self.ips:
            node.add(E("ip", [("address", ip.address), ("prefix", ip.prefix)]))
        if self.gateway is not None:
            node.add(E("route", [("gateway", self.gateway)]))
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

    @classmethod
    def parse(cls, xml: str | bytes) -> InterfaceDef:
        """Parse interface XML; raise libvirt's errors for bad input."""
        root = parse_root(xml, "interface", "interface_definition", _FROM)
        return cls._from_xml(root, 0)

    @classmethod
    def _from_xml(cls, elem: etree._Element, level: int) -> InterfaceDef:
        kind = elem.get("type")
        if kind is None:
            raise report(C.VIR_ERR_XML_ERROR, "Missing required attribute 'type' in element "
                         "'interface'", C.VIR_FROM_XML)
        iface = cls(parse_enum(InterfaceType, kind,
                               error=lambda v: _xml_attr_err("type", "interface", v)))
        if level > 0 and iface.type is InterfaceType.BRIDGE:
            raise _xml_err(f"interface has unsupported type '{kind}'")
        name = elem.get("name")
        if name is None:
            raise _xml_err("interface has no name")
        iface.name = name
        if level == 0:
            iface._parse_top(elem)
        link = elem.find("link")
        if link is not None:
            iface.link_speed = _int_attr(link, "speed")
            iface.link_state = parse_enum(LinkState, link.get("state"),
                                          error=lambda v: _xml_attr_err("state", "link", v))
        parse = {InterfaceType.ETHERNET: iface._parse_ethernet,
                 InterfaceType.BRIDGE: iface._parse_bridge,
                 InterfaceType.BOND: iface._parse_bond,
                 InterfaceType.VLAN: iface._parse_vlan}[iface.type]
        parse(elem, level)
        return iface

    def _parse_top(self, elem: etree._Element) -> None:
        start = elem.find("start")
        if start is not None:
            self.start_mode = parse_enum(StartMode, start.get("mode"), error=lambda v: _xml_err(
                f"unknown interface startmode {v}"))
        mtu = elem.find("mtu")
        if mtu is not None:
            try:
                self.mtu = int(mtu.get("size", ""))
            except ValueError:
                raise _xml_err(f"Invalid mtu size '{mtu.get('size')}'") from None
        self.protocols = [Protocol.parse(p) for p in elem.findall("protocol")]

    def _parse_ethernet(self, elem: etree._Element, level: int) -> None:
        mac = elem.find("mac")
        if mac is not None:
            self.mac = mac.get("address")

    def _parse_bridge(self, elem: etree._Element, level: int) -> None:
        bridge = elem.find("bridge")
        if bridge is None:
            raise _xml_err("bridge interface misses the bridge element")
        stp = bridge.get("stp")
        if stp is not None:
            if stp not in ("on", "off"):
                raise _xml_err(f"bridge interface stp should be on or off got {stp}")
            self.stp = stp == "on"
        self.delay = bridge.get("delay")
        self.members = [InterfaceDef._from_xml(m, level + 1)
                        for m in bridge.findall("interface")]

    def _parse_bond(self, elem: etree._Element, level: int) -> None:
        bond = elem.find("bond")
        if bond is None:
            raise _xml_err("bond interface misses the bond element")
        self.bond_mode = parse_enum(BondMode, bond.get("mode"), error=lambda v: _xml_err(
            f"unknown bonding mode {v}"))
        mii, arp = bond.find("miimon"), bond.find("arpmon")
        if mii is not None and arp is not None:
            raise _xml_err("bond interface miimon and arpmon are exclusive")
        if mii is not None:
            self.miimon_freq = _int_attr(mii, "freq")
            if self.miimon_freq is None:
                raise _xml_err("bond interface miimon freq missing or invalid")
            self.miimon_downdelay = _int_attr(mii, "downdelay")
            self.miimon_updelay = _int_attr(mii, "updelay")
            self.miimon_carrier = mii.get("carrier")
            if self.miimon_carrier not in (None, "ioctl", "netif"):
                raise _xml_err(f"unknown mii bonding carrier {self.miimon_carrier}")
        if arp is not None:
            self.arpmon_interval = _int_attr(arp, "interval")
            if self.arpmon_interval is None:
                raise _xml_err("bond interface arpmon interval missing or invalid")
            self.arpmon_target = arp.get("target")
            if self.arpmon_target is None:
                raise _xml_err("bond interface arpmon target missing")
            self.arpmon_validate = arp.get("validate")
            if self.arpmon_validate not in (None, "none", "active", "backup", "all"):
                raise _xml_err(f"unknown arp bonding validate {self.arpmon_validate}")
        self.members = [InterfaceDef._from_xml(m, level + 1) for m in bond.findall("interface")]

    def _parse_vlan(self, elem: etree._Element, level: int) -> None:
        vlan = elem.find("vlan")
        if vlan is None:
            raise _xml_err("vlan interface misses the vlan element")
        self.vlan_tag = vlan.get("tag")
        if self.vlan_tag is None:
            raise _xml_err("vlan interface misses the tag attribute")
        dev = vlan.find("interface")
        self.vlan_dev = dev.get("name") if dev is not None else None
        if self.vlan_dev is None:
            raise _xml_err("vlan interface misses name attribute")

    # -- output

    def format(self) -> str:
        """Return the interface XML as libvirt writes it."""
        return xmlutil.to_string(self._format_node(0))

    def _format_node(self, level: int) -> E:
        node = E("interface", [("type", self.type.value), ("name", self.name)], keep=True)
        if level == 0:
            node.add(E("start", [("mode", self.start_mode.value if self.start_mode else None)]))
            node.add(E("mtu", [("size", self.mtu)]) if self.mtu else None)
            for proto in self.protocols:
                node.add(proto.format())
        if self.type is not InterfaceType.BRIDGE:
            # libvirt leaves a bridge's link out
            node.add(E("link", [("speed", self.link_speed),
                                ("state", self.link_state.value if self.link_state else None)]))
        if self.type is InterfaceType.ETHERNET:
            node.add(E("mac", [("address", self.mac)]))
            if level > 0:
                open_close(node)
        elif self.type is InterfaceType.BRIDGE:
            stp = None if self.stp is None else ("on" if self.stp else "off")
            node.add(open_close(E("bridge", [("stp", stp), ("delay", self.delay)], children=[
                m._format_node(level + 1) for m in self.members])))
        elif self.type is InterfaceType.BOND:
            node.add(self._format_bond(level))
        else:
            node.add(E("vlan", [("tag", self.vlan_tag)],
                       children=[E("interface", [("name", self.vlan_dev)])]))
        return node

    def _format_bond(self, level: int) -> E:
        mode = self.bond_mode.value if self.bond_mode else None
        bond = E("bond", [("mode", mode)])
        if self.miimon_freq is not None:
            bond.add(E("miimon", [("freq", self.miimon_freq),
                                  ("downdelay", self.miimon_downdelay),
                                  ("updelay", self.miimon_updelay),
                                  ("carrier", self.miimon_carrier)]))
        if self.arpmon_interval is not None:
            bond.add(E("arpmon", [("interval", self.arpmon_interval),
                                  ("target", self.arpmon_target),
                                  ("validate", self.arpmon_validate)]))
        for member in self.members:
            bond.add(member._format_node(level + 1))
        return open_close(bond)


__all__ = [
    "BondMode",
    "IPAddr",
    "InterfaceDef",
    "InterfaceType",
    "LinkState",
    "Protocol",
    "StartMode",
]
