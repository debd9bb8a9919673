"""Virtual network XML (``<network>``) and network port XML (``<networkport>``).

``NetworkDef.parse(xml)`` reads, fills defaults and validates, as libvirt's
network_conf does; ``NetworkDef.format()`` writes libvirt's canonical form.
Title and description are kept when present but not written: libvirt 9.0's
network schema has neither, and its formatter leaves them out.
"""

from __future__ import annotations

import enum
import ipaddress
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import cast

from lxml import etree

from pyvirt import constants as C
from pyvirt.conf import xmlutil
from pyvirt.conf.confutil import (
    E,
    bad_attr_error,
    check_name,
    child_text,
    format_metadata,
    metadata_node,
    open_close,
    parse_enum,
    parse_mac,
    parse_root,
    parse_uuid,
)
from pyvirt.conf.netcommon import Bandwidth, VirtualPort, Vlan
from pyvirt.conf.xmlattr import (
    UINT,
    UINT0,
    YESNO,
    A,
    ErrorMaker,
    attrs_of,
    integer,
    optional,
    read_attrs,
    uint,
)
from pyvirt.errors import libvirtError, report

_FROM = C.VIR_FROM_NETWORK

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class ForwardMode(enum.Enum):
    """``<forward mode=...>``; an isolated network has no forward element."""

    NAT = "nat"
    ROUTE = "route"
    OPEN = "open"
    BRIDGE = "bridge"
    PRIVATE = "private"
    VEPA = "vepa"
    PASSTHROUGH = "passthrough"
    HOSTDEV = "hostdev"


class MacTableManager(enum.Enum):
    """``<bridge macTableManager=...>``."""

    KERNEL = "kernel"
    LIBVIRT = "libvirt"


class LeaseUnit(enum.Enum):
    """Unit of a DHCP ``<lease expiry=...>``."""

    SECONDS = "seconds"
    MINUTES = "minutes"
    HOURS = "hours"


_LEASE_SECONDS = {LeaseUnit.SECONDS: 1, LeaseUnit.MINUTES: 60, LeaseUnit.HOURS: 3600}
# Forward modes where the network owns its bridge (stp/delay apply).
_ROUTED = (None, ForwardMode.NAT, ForwardMode.ROUTE, ForwardMode.OPEN)


def _xml_err(detail: str) -> libvirtError:
    return report(C.VIR_ERR_XML_ERROR, detail, _FROM)


# --- small parts --------------------------------------------------------------------

@dataclass
class Lease:
    """``<lease expiry=N unit=...>``; expiry 0 means infinite."""

    expiry: int = 0
    unit: LeaseUnit = LeaseUnit.MINUTES

    @classmethod
    def parse(cls, elem: etree._Element | None) -> Lease | None:
        if elem is None:
            return None
        expiry = optional(elem, "expiry", UINT0)
        unit = parse_enum(LeaseUnit, elem.get("unit"),
                          error=lambda v: _xml_err(f"Invalid lease unit '{v}'"))
        lease = cls(expiry or 0, unit or LeaseUnit.MINUTES)
        if lease.expiry and lease.expiry * _LEASE_SECONDS[lease.unit] < 120:
            raise report(C.VIR_ERR_CONFIG_UNSUPPORTED,
                         "The minimum lease time should be greater than 2 minutes", _FROM)
        return lease

    def format(self) -> E:
        unit = self.unit.value if self.expiry else None
        return E("lease", [("expiry", self.expiry), ("unit", unit)])


@dataclass
class DHCPRange:
    """``<range start end>`` of a ``<dhcp>``."""

    start: str = ""
    end: str = ""
    lease: Lease | None = None

    def format(self) -> E:
        lease = self.lease.format() if self.lease else None
        return E("range", [("start", self.start), ("end", self.end)], children=[lease])


@dataclass
class DHCPHost:
    """A static ``<host>`` of a ``<dhcp>`` (mac or DUID id, name, ip)."""

    mac: str | None = None
    id: str | None = None
    name: str | None = None
    ip: str | None = None
    lease: Lease | None = None

    ATTRS = (A("mac"), A("id"), A("name"), A("ip"))

    def format(self) -> E:
        lease = self.lease.format() if self.lease else None
        return E("host", attrs_of(self, self.ATTRS), children=[lease])


@dataclass
class IPDef:
    """One ``<ip>`` of a network, with its DHCP and TFTP settings."""

    family: str | None = None
    address: str | None = None
    netmask: str | None = None
    prefix: int | None = None
    local_ptr: bool | None = None
    tftp_root: str | None = None
    dhcp: bool = False
    ranges: list[DHCPRange] = field(default_factory=list)
    hosts: list[DHCPHost] = field(default_factory=list)
    bootp_file: str | None = None
    bootp_server: str | None = None

    @property
    def is_ipv6(self) -> bool:
        """True for an IPv6 address (by family or by the address itself)."""
        if self.family is not None:
            return self.family == "ipv6"
        return self.address is not None and ":" in self.address

    def effective_prefix(self) -> int:
        """The prefix length, from prefix, netmask or the address class."""
        if self.prefix is not None:
            return self.prefix
        if self.netmask is not None:
            return ipaddress.ip_network(f"0.0.0.0/{self.netmask}").prefixlen
        if self.is_ipv6:
            return 64
        first = int((self.address or "0").split(".")[0])
        return 8 if first < 128 else 16 if first < 192 else 24

    def format(self) -> E:
        node = E("ip", [("family", self.family), ("address", self.address),
                        ("netmask", self.netmask), ("prefix", self.prefix),
                        ("localPtr", xmlutil.yesno(self.local_ptr))])
        if self.tftp_root is not None:
            node.add(E("tftp", [("root", self.tftp_root)]))
        if self.dhcp:
            dhcp = E("dhcp", keep=True)
            for rng in self.ranges:
                dhcp.add(rng.format())
            for host in self.hosts:
                dhcp.add(host.format())
            if self.bootp_file is not None:
                dhcp.add(E("bootp", [("file", self.bootp_file), ("server", self.bootp_server)]))
            node.add(dhcp)
        return open_close(node)


@dataclass
class Route:
    """A static ``<route>``."""

    family: str | None = None
    address: str | None = None
    netmask: str | None = None
    prefix: int | None = None
    gateway: str | None = None
    metric: int | None = None

    ATTRS = (A("family"), A("address"), A("netmask"), A("prefix", integer()), A("gateway"),
             A("metric", integer()))

    def format(self) -> E:
        return E("route", attrs_of(self, self.ATTRS))


@dataclass
class DNSHost:
    """``<dns><host ip=...><hostname>..``."""

    ip: str = ""
    hostnames: list[str] = field(default_factory=list)


@dataclass
class DNSSrv:
    """``<dns><srv ...>``."""

    service: str | None = None
    protocol: str | None = None
    domain: str | None = None
    target: str | None = None
    port: int | None = None
    priority: int | None = None
    weight: int | None = None

    ATTRS = (A("service"), A("protocol"), A("domain"), A("target"), A("port", UINT),
             A("priority", UINT), A("weight", UINT))


@dataclass
class DNSDef:
    """``<dns>``: forwarders, TXT, SRV and host records."""

    enable: bool | None = None
    forward_plain_names: bool | None = None
    forwarders: list[tuple[str | None, str | None]] = field(default_factory=list)
    txts: list[tuple[str, str]] = field(default_factory=list)
    srvs: list[DNSSrv] = field(default_factory=list)
    hosts: list[DNSHost] = field(default_factory=list)

    def format(self) -> E | None:
        node = E("dns", [("enable", xmlutil.yesno(self.enable)),
                         ("forwardPlainNames", xmlutil.yesno(self.forward_plain_names))])
        for domain, addr in self.forwarders:
            node.add(E("forwarder", [("domain", domain), ("addr", addr)], keep=True))
        for name, value in self.txts:
            node.add(E("txt", [("name", name), ("value", value)]))
        for srv in self.srvs:
            node.add(E("srv", attrs_of(srv, DNSSrv.ATTRS)))
        for host in self.hosts:
            node.add(E("host", [("ip", host.ip)],
                       children=[E("hostname", text=h) for h in host.hostnames]))
        return node


@dataclass
class Portgroup:
    """A ``<portgroup>``: named settings applied to the ports that use it."""

    name: str = ""
    default: bool = False
    trust_guest_rx_filters: bool | None = None
    vlan: Vlan | None = None
    virtualport: VirtualPort | None = None
    bandwidth: Bandwidth | None = None

    def format(self) -> E:
        node = E("portgroup", [("name", self.name), ("default", "yes" if self.default else None),
                               ("trustGuestRxFilters",
                                xmlutil.yesno(self.trust_guest_rx_filters))])
        node.add(self.vlan.format() if self.vlan else None)
        node.add(self.virtualport.format() if self.virtualport else None)
        node.add(self.bandwidth.format() if self.bandwidth else None)
        return open_close(node)


@dataclass
class PCIAddress:
    """A host PCI address of a hostdev forward interface."""

    domain: int = 0
    bus: int = 0
    slot: int = 0
    function: int = 0

    @classmethod
    def parse(cls, elem: etree._Element) -> PCIAddress:
        addr = cls()
        for name in ("domain", "bus", "slot", "function"):
            value = xmlutil.parse_int(elem.get(name), name, _FROM, minimum=0, base=0)
            if value is not None:
                setattr(addr, name, value)
        return addr

    def format(self, with_type: bool = True) -> E:
        return E("address", [("type", "pci" if with_type else None), ("domain", f"0x{self.domain:04x}"),
                             ("bus", f"0x{self.bus:02x}"), ("slot", f"0x{self.slot:02x}"),
                             ("function", f"0x{self.function:x}")])


@dataclass
class ForwardDef:
    """``<forward>``: mode, devices and NAT ranges."""

    mode: ForwardMode = ForwardMode.NAT
    managed: bool | None = None
    driver: str | None = None
    nat_ipv6: bool | None = None
    nat_start: str | None = None
    nat_end: str | None = None
    port_start: int | None = None
    port_end: int | None = None
    pfs: list[str] = field(default_factory=list)
    interfaces: list[str] = field(default_factory=list)
    addresses: list[PCIAddress] = field(default_factory=list)

    @property
    def dev(self) -> str | None:
        """The device named by ``<forward dev=...>``: the first interface."""
        return self.interfaces[0] if self.interfaces and not self.pfs else None

    def format(self) -> E:
        managed = None
        if self.mode is ForwardMode.HOSTDEV and self.managed is not None:
            managed = xmlutil.yesno(self.managed)
        node = E("forward", [("dev", self.dev), ("mode", self.mode.value), ("managed", managed)],
                 keep=True)
        if self.driver is not None:
            node.add(E("driver", [("name", self.driver)]))
        if self.mode is ForwardMode.NAT:
            nat = E("nat", [("ipv6", "yes" if self.nat_ipv6 else None)])
            if self.nat_start is not None:
                nat.add(E("address", [("start", self.nat_start), ("end", self.nat_end)]))
            if self.port_start is not None:
                nat.add(E("port", [("start", self.port_start), ("end", self.port_end)]))
            node.add(nat)
        for pf in self.pfs:
            node.add(E("pf", [("dev", pf)]))
        for addr in self.addresses:
            node.add(addr.format())
        for dev in self.interfaces:
            node.add(E("interface", [("dev", dev)]))
        return node


# --- the network --------------------------------------------------------------------

@dataclass
class NetworkDef:
    """A virtual network definition.

    Drivers use ``name``, ``uuid``, ``bridge``, ``forward`` (None: isolated),
    ``ips`` and ``mac``; ``format()`` writes the XML libvirt would.
    """

    name: str = ""
    uuid: str = ""
    title: str | None = None
    description: str | None = None
    metadata: etree._Element | None = None
    ipv6: bool | None = None
    trust_guest_rx_filters: bool | None = None
    connections: int | None = None
    forward: ForwardDef | None = None
    bridge: str | None = None
    bridge_zone: str | None = None
    stp: bool = True
    delay: int = 0
    mac_table_manager: MacTableManager | None = None
    mtu: int | None = None
    mac: str | None = None
    domain_name: str | None = None
    domain_local_only: bool | None = None
    dns: DNSDef | None = None
    vlan: Vlan | None = None
    bandwidth: Bandwidth | None = None
    port_isolated: bool | None = None
    ips: list[IPDef] = field(default_factory=list)
    routes: list[Route] = field(default_factory=list)
    virtualport: VirtualPort | None = None
    portgroups: list[Portgroup] = field(default_factory=list)

    @classmethod
    def parse(cls, xml: str | bytes) -> NetworkDef:
        """Parse network XML; raise libvirt's errors for bad input."""
        root = parse_root(xml, "network", "network_definition", _FROM)
        net = cls._from_xml(root)
        net._fill_defaults()
        net._validate()
        return net

    # -- step 1: read

    @classmethod
    def _from_xml(cls, root: etree._Element) -> NetworkDef:
        net = cls()
        net.name = check_name(child_text(root, "name"), _FROM)
        net.uuid = parse_uuid(child_text(root, "uuid"), _FROM)  # type: ignore[assignment]
        net.title = child_text(root, "title")
        net.description = child_text(root, "description")
        net.metadata = metadata_node(root)
        ipv6 = root.get("ipv6")
        if ipv6 is not None and ipv6 not in ("yes", "no"):
            raise _xml_err(f"Invalid ipv6 setting '{ipv6}' in network '{net.name}'")
        net.ipv6 = optional(root, "ipv6", YESNO)
        net.trust_guest_rx_filters = optional(root, "trustGuestRxFilters", YESNO)
        # 'connections' is the driver's live count: libvirt does not read it from XML
        net._parse_bridge(root.find("bridge"))
        mtu = root.find("mtu")
        if mtu is not None:
            try:
                net.mtu = int(mtu.get("size", ""))
            except ValueError:
                raise _xml_err(f"Invalid mtu size '{mtu.get('size')}' in network "
                               f"'{net.name}'") from None
        mac = root.find("mac")
        if mac is not None and mac.get("address") is not None:
            def bad_mac(v: str) -> libvirtError:
                return _xml_err(f"Invalid bridge mac address '{v}' in network '{net.name}'")

            def mcast(v: str) -> libvirtError:
                return _xml_err(f"Invalid multicast bridge mac address '{v}' "
                                f"in network '{net.name}'")
            net.mac = parse_mac(mac.get("address", ""), bad_mac, mcast)
        dom = root.find("domain")
        if dom is not None:
            net.domain_name = dom.get("name")
            net.domain_local_only = optional(dom, "localOnly", YESNO)
        if root.find("dns") is not None:
            net.dns = net._parse_dns(cast("etree._Element", root.find("dns")))
        net.vlan = Vlan.parse(root.find("vlan"))
        net.bandwidth = Bandwidth.parse(root.find("bandwidth"))
        _no_floor(net.bandwidth)
        iso = root.find("port")
        if iso is not None:
            net.port_isolated = optional(iso, "isolated", YESNO)
        net.ips = [net._parse_ip(e) for e in root.findall("ip")]
        net.routes = [net._parse_route(e) for e in root.findall("route")]
        net.virtualport = VirtualPort.parse(root.find("virtualport"))
        net.portgroups = [_parse_portgroup(e) for e in root.findall("portgroup")]
        forward = root.find("forward")
        # mode='none' is an isolated network, as no <forward> at all
        if forward is not None and forward.get("mode") != "none":
            net.forward = net._parse_forward(forward)
            mode = net.forward.mode
            if mode in (ForwardMode.NAT, ForwardMode.ROUTE, ForwardMode.OPEN) and not net.ips:
                raise _xml_err(f"{mode.value} forwarding requested, but no IP address "
                               f"provided for network '{net.name}'")
        return net

    def _parse_bridge(self, elem: etree._Element | None) -> None:
        if elem is None:
            return
        self.bridge = elem.get("name")
        self.bridge_zone = elem.get("zone")
        self.stp = elem.get("stp") != "off"
        self._bridge_opts = elem.get("stp") is not None or elem.get("delay") is not None \
            or self.bridge_zone is not None
        delay = elem.get("delay")
        if delay is not None:
            try:
                self.delay = int(delay)
                if self.delay < 0:
                    raise ValueError(delay)
            except ValueError:
                raise _xml_err(f"Invalid delay value in network '{self.name}'") from None
        self.mac_table_manager = parse_enum(
            MacTableManager, elem.get("macTableManager"),
            error=lambda v: _xml_err(f"Invalid macTableManager setting '{v}' in network "
                               f"'{self.name}'"))

    def _parse_forward(self, elem: etree._Element) -> ForwardDef:
        fwd = ForwardDef()
        fwd.mode = parse_enum(ForwardMode, elem.get("mode", "nat"), error=lambda v: report(
            C.VIR_ERR_CONFIG_UNSUPPORTED, f"unknown forwarding type '{v}'", _FROM))
        managed = elem.get("managed")
        # libvirt takes 'yes' as managed and any other value as not
        fwd.managed = None if managed is None else managed == "yes"
        drv = elem.find("driver")
        fwd.driver = drv.get("name") if drv is not None else None
        nat = elem.find("nat")
        if nat is not None:
            self._parse_nat(fwd, nat)
        fwd.pfs = [pf.get("dev", "") for pf in elem.findall("pf")]
        fwd.interfaces = [i.get("dev", "") for i in elem.findall("interface")]
        fwd.addresses = [PCIAddress.parse(a) for a in elem.findall("address")]
        dev = elem.get("dev")
        if dev is not None:
            if fwd.interfaces and fwd.interfaces[0] != dev:
                raise _xml_err(f"<forward dev='{dev}'> must match first <interface "
                               f"dev='{fwd.interfaces[0]}'/> in network {self.name}")
            if not fwd.interfaces and not fwd.pfs:
                fwd.interfaces = [dev]
        return fwd

    def _parse_nat(self, fwd: ForwardDef, nat: etree._Element) -> None:
        where = f"in <nat> in <forward> in network {self.name}"
        fwd.nat_ipv6 = optional(nat, "ipv6", YESNO)
        addr = nat.find("address")
        if addr is not None:
            for attr in ("start", "end"):
                if addr.get(attr) is None:
                    raise _xml_err(f"missing '{attr}' attribute in <address> element {where}")
            start, end = self._addr(addr.get("start")), self._addr(addr.get("end"))
            if int(start) > int(end):
                raise report(C.VIR_ERR_INTERNAL_ERROR, f"range {start} - {end} is reversed ",
                             C.VIR_FROM_NONE)
            fwd.nat_start, fwd.nat_end = str(start), str(end)
        port = nat.find("port")
        if port is not None:
            def bad_port(attr: str, elem: str, value: str) -> libvirtError:
                return report(C.VIR_ERR_XML_DETAIL, f"Missing or invalid '{attr}' attribute in "
                              f"<port> {where}", _FROM)
            fwd.port_start = uint(10, bad_port).load(port.get("start", ""), "start", "port")
            fwd.port_end = uint(10, bad_port).load(port.get("end", ""), "end", "port")

    def _addr(self, value: str | None) -> IPAddress:
        try:
            return ipaddress.ip_address((value or "").strip())
        except ValueError:
            raise _xml_err(f"Invalid address '{value}' in network '{self.name}'") from None

    def _parse_dns(self, elem: etree._Element) -> DNSDef:
        dns = DNSDef()
        dns.enable = optional(elem, "enable", YESNO)
        dns.forward_plain_names = optional(elem, "forwardPlainNames", YESNO)
        for fw in elem.findall("forwarder"):
            if fw.get("addr") is not None:
                self._addr(fw.get("addr"))
            if fw.get("addr") is None and fw.get("domain") is None:
                raise report(C.VIR_ERR_XML_DETAIL, "Invalid forwarder element, must contain "
                             "at least one of addr or domain", _FROM)
            dns.forwarders.append((fw.get("domain"), fw.get("addr")))
        for txt in elem.findall("txt"):
            name, value = txt.get("name"), txt.get("value")
            if name is None:
                raise report(C.VIR_ERR_XML_DETAIL,
                             f"missing required name attribute in DNS TXT record of "
                             f"network {self.name}", _FROM)
            if " " in name or "." in name:
                raise report(C.VIR_ERR_XML_DETAIL, f"prohibited character in DNS TXT record "
                             f"name '{name}' of network {self.name}", _FROM)
            dns.txts.append((name, value or ""))
        for srv in elem.findall("srv"):
            record = read_attrs(DNSSrv(), srv, DNSSrv.ATTRS, self._bad_srv(srv.get("service")))
            if record.service is None:
                raise report(C.VIR_ERR_XML_DETAIL, f"missing required service attribute in "
                             f"DNS SRV record of network '{self.name}'", _FROM)
            if record.target is None:
                for attr in ("port", "priority", "weight"):
                    if getattr(record, attr) is not None:
                        raise report(C.VIR_ERR_XML_DETAIL, f"DNS SRV {attr} attribute not "
                                     f"permitted without target for service "
                                     f"'{record.service}' in network '{self.name}'", _FROM)
            dns.srvs.append(record)
        for host in elem.findall("host"):
            if host.get("ip") is None:
                raise report(C.VIR_ERR_XML_DETAIL, f"Missing IP address in network "
                             f"'{self.name}' DNS HOST record", _FROM)
            self._addr(host.get("ip"))
            names = ["".join(cast("Iterator[str]", h.itertext())) for h in host.findall("hostname")]
            dns.hosts.append(DNSHost(host.get("ip", ""), names))
        return dns

    def _bad_srv(self, service: str | None) -> ErrorMaker:
        """libvirt's errors for a bad number in a DNS SRV record."""
        def bad(attr: str, elem: str, value: str) -> libvirtError:
            first = "Invalid" if attr == "priority" else "invalid"
            return report(C.VIR_ERR_XML_DETAIL, f"{first} DNS SRV {attr} attribute for "
                          f"service '{service}' in network '{self.name}'", _FROM)
        return bad

    def _parse_ip(self, elem: etree._Element) -> IPDef:
        ip = IPDef()
        ip.family = elem.get("family")
        if ip.family not in (None, "ipv4", "ipv6"):
            raise _xml_err(f"Unrecognized family '{ip.family}' in network '{self.name}'")
        if elem.get("address") is not None:
            ip.address = str(self._addr(elem.get("address")))
        if elem.get("netmask") is not None:
            ip.netmask = str(self._addr(elem.get("netmask")))
        ip.prefix = optional(elem, "prefix", UINT)
        ip.local_ptr = optional(elem, "localPtr", YESNO)
        tftp = elem.find("tftp")
        if tftp is not None:
            ip.tftp_root = tftp.get("root")
        dhcp = elem.find("dhcp")
        if dhcp is not None:
            ip.dhcp = True
            ip.ranges = [self._parse_range(r) for r in dhcp.findall("range")]
            ip.hosts = [self._parse_host(h, ip) for h in dhcp.findall("host")]
            bootp = dhcp.find("bootp")
            if bootp is not None:
                ip.bootp_file = bootp.get("file")
                ip.bootp_server = bootp.get("server")
        return ip

    def _parse_range(self, elem: etree._Element) -> DHCPRange:
        for attr in ("start", "end"):
            if elem.get(attr) is None:
                raise _xml_err(f"Missing '{attr}' attribute in dhcp range for network "
                               f"'{self.name}'")
        start, end = self._addr(elem.get("start")), self._addr(elem.get("end"))
        return DHCPRange(str(start), str(end), Lease.parse(elem.find("lease")))

    def _parse_host(self, elem: etree._Element, ip: IPDef) -> DHCPHost:
        host = read_attrs(DHCPHost(), elem, DHCPHost.ATTRS, bad_attr_error("host", _FROM))
        if host.mac is not None:
            parse_mac(host.mac, lambda v: _xml_err(
                f"Cannot parse MAC address '{v}' in network '{self.name}'"))
        if host.ip is not None:
            host.ip = str(self._addr(host.ip))
        if not ip.is_ipv6 and host.mac is None and host.name is None:
            raise _xml_err(f"Static host definition in IPv4 network '{self.name}' must "
                           "have mac or name attribute")
        host.lease = Lease.parse(elem.find("lease"))
        return host

    def _parse_route(self, elem: etree._Element) -> Route:
        route = read_attrs(Route(), elem, Route.ATTRS, bad_attr_error("route", _FROM))
        if route.gateway is None:
            raise _xml_err(f"{self.name}: Missing required gateway attribute in route "
                           "definition")
        for name in ("address", "netmask", "gateway"):
            if getattr(route, name) is not None:
                setattr(route, name, str(self._addr(getattr(route, name))))
        return route

    # -- step 2: defaults

    def _fill_defaults(self) -> None:
        if self.mac is not None:
            self.mac = self.mac.lower()

    # -- step 3: validate

    def _validate(self) -> None:
        mode = self.forward.mode if self.forward else None
        if mode not in _ROUTED and getattr(self, "_bridge_opts", False):
            raise _xml_err("bridge delay/stp/zone options only allowed in route, nat, and "
                           f"isolated mode, not in {mode.value} (network '{self.name}')")
        for ip in self.ips:
            self._validate_ip(ip)

    def _validate_ip(self, ip: IPDef) -> None:
        if ip.prefix is not None and ip.netmask is not None:
            raise report(C.VIR_ERR_CONFIG_UNSUPPORTED, f"Network '{self.name}' IP address "
                         "cannot have both a prefix and a netmask", _FROM)
        limit = 128 if ip.is_ipv6 else 32
        if ip.prefix is not None and not 0 <= ip.prefix <= limit:
            fam = "IPv6" if ip.is_ipv6 else "IPv4"
            raise report(C.VIR_ERR_CONFIG_UNSUPPORTED,
                         f"Invalid {fam} prefix '{ip.prefix}' in network '{self.name}'", _FROM)
        if ip.address is None:
            return
        net = ipaddress.ip_network(f"{ip.address}/{ip.effective_prefix()}", strict=False)
        for rng in ip.ranges:
            start, end = ipaddress.ip_address(rng.start), ipaddress.ip_address(rng.end)
            if start not in net or end not in net:
                raise report(C.VIR_ERR_INTERNAL_ERROR, f"range {rng.start} - {rng.end} is not "
                             f"entirely within network {ip.address}/{net.prefixlen}",
                             C.VIR_FROM_NONE)
            if int(start) > int(end):
                raise report(C.VIR_ERR_INTERNAL_ERROR,
                             f"range {rng.start} - {rng.end} is reversed ", C.VIR_FROM_NONE)

    # -- output

    def format(self) -> str:
        """Return the network XML as libvirt writes it."""
        root = E("network", [("connections", self.connections),
                             ("ipv6", "yes" if self.ipv6 else None),
                             ("trustGuestRxFilters", xmlutil.yesno(self.trust_guest_rx_filters))],
                 keep=True)
        root.add(E("name", text=self.name))
        root.add(E("uuid", text=self.uuid))
        root.add(format_metadata(self.metadata))
        root.add(self.forward.format() if self.forward else None)
        root.add(self._format_bridge())
        root.add(E("mtu", [("size", self.mtu)]) if self.mtu else None)
        root.add(E("mac", [("address", self.mac)]) if self.mac else None)
        if self.domain_name is not None:
            root.add(E("domain", [("name", self.domain_name),
                                  ("localOnly", xmlutil.yesno(self.domain_local_only))]))
        root.add(self.dns.format() if self.dns else None)
        root.add(self.vlan.format() if self.vlan else None)
        root.add(self.bandwidth.format() if self.bandwidth else None)
        root.add(E("port", [("isolated", xmlutil.yesno(self.port_isolated))]))
        for ip in self.ips:
            root.add(ip.format())
        for route in self.routes:
            root.add(route.format())
        root.add(self.virtualport.format() if self.virtualport else None)
        for group in self.portgroups:
            root.add(group.format())
        return xmlutil.to_string(root)

    def _format_bridge(self) -> E | None:
        mode = self.forward.mode if self.forward else None
        routed = mode in _ROUTED
        if not routed and self.bridge is None and self.mac_table_manager is None:
            return None
        mtm = self.mac_table_manager.value if self.mac_table_manager else None
        return E("bridge", [("name", self.bridge), ("zone", self.bridge_zone),
                            ("stp", ("on" if self.stp else "off") if routed else None),
                            ("delay", self.delay if routed else None),
                            ("macTableManager", mtm)])


def _no_floor(bw: Bandwidth | None) -> None:
    if bw is not None and bw.inbound is not None and bw.inbound.floor is not None:
        raise report(C.VIR_ERR_CONFIG_UNSUPPORTED,
                     "floor attribute is not supported for this config", C.VIR_FROM_NONE)


def _parse_portgroup(elem: etree._Element) -> Portgroup:
    name = elem.get("name")
    if name is None:
        raise _xml_err("Missing required name attribute in portgroup")
    group = Portgroup(name)
    # libvirt takes default='yes' (any case) as the default group, anything else as not
    group.default = (elem.get("default") or "").lower() == "yes"
    group.trust_guest_rx_filters = optional(elem, "trustGuestRxFilters", YESNO)
    group.vlan = Vlan.parse(elem.find("vlan"))
    group.virtualport = VirtualPort.parse(elem.find("virtualport"))
    group.bandwidth = Bandwidth.parse(elem.find("bandwidth"))
    _no_floor(group.bandwidth)
    return group


# --- network ports ---------------------------------------------------------------

class PlugType(enum.Enum):
    """``<plug type=...>`` of a network port."""

    NETWORK = "network"
    BRIDGE = "bridge"
    DIRECT = "direct"
    HOSTDEV_PCI = "hostdev-pci"


@dataclass
class NetworkPortDef:
    """A port of a virtual network (``<networkport>``).

    ``plug_type`` says how the port is connected: ``plug_bridge`` (network,
    bridge), ``plug_dev``/``plug_mode`` (direct), ``plug_managed``,
    ``plug_driver`` and ``plug_address`` (hostdev-pci).
    """

    uuid: str = ""
    owner_name: str = ""
    owner_uuid: str = ""
    group: str | None = None
    mac: str = ""
    virtualport: VirtualPort | None = None
    bandwidth: Bandwidth | None = None
    class_id: int | None = None
    vlan: Vlan | None = None
    port_isolated: bool | None = None
    trust_guest_rx_filters: bool | None = None
    plug_type: PlugType | None = None
    plug_bridge: str | None = None
    plug_mac_table_manager: MacTableManager | None = None
    plug_dev: str | None = None
    plug_mode: str | None = None
    plug_managed: bool | None = None
    plug_driver: str | None = None
    plug_address: PCIAddress | None = None

    @classmethod
    def parse(cls, xml: str | bytes) -> NetworkPortDef:
        """Parse ``<networkport>`` XML."""
        root = parse_root(xml, "networkport", "network_port_definition", _FROM)
        port = cls()
        port.uuid = parse_uuid(child_text(root, "uuid"), _FROM)  # type: ignore[assignment]
        owner = root.find("owner")
        if owner is None:
            raise _xml_err("missing owner name")
        port.owner_name = child_text(owner, "name") or ""
        if not port.owner_name:
            raise _xml_err("missing owner name")
        owner_uuid = parse_uuid(child_text(owner, "uuid"), _FROM, generate=False)
        if owner_uuid is None:
            raise _xml_err("missing owner UUID")
        port.owner_uuid = owner_uuid
        port.group = child_text(root, "group")
        mac = root.find("mac")
        if mac is None or mac.get("address") is None:
            raise _xml_err("missing mac")
        port.mac = parse_mac(mac.get("address", ""), lambda v: _xml_err(
            f"unable to parse mac '{v}'"))
        port.virtualport = VirtualPort.parse(root.find("virtualport"))
        port.bandwidth = Bandwidth.parse(root.find("bandwidth"))
        if root.find("bandwidth") is not None:
            port.class_id = xmlutil.parse_int(
                cast("etree._Element", root.find("bandwidth")).get("classID"), "classID", _FROM)
        port.vlan = Vlan.parse(root.find("vlan"))
        iso = root.find("port")
        if iso is not None:
            port.port_isolated = optional(iso, "isolated", YESNO)
        rxf = root.find("rxfilters")
        if rxf is not None:
            port.trust_guest_rx_filters = optional(rxf, "trustGuest", YESNO)
        plug = root.find("plug")
        if plug is not None:
            port._parse_plug(plug)
        return port

    def _parse_plug(self, plug: etree._Element) -> None:
        self.plug_type = parse_enum(PlugType, plug.get("type"), error=lambda v: _xml_err(
            f"Unknown network port plug type '{v}'"))
        if self.plug_type in (PlugType.NETWORK, PlugType.BRIDGE):
            self.plug_bridge = plug.get("bridge")
            if self.plug_bridge is None:
                raise _xml_err("Missing network port bridge name")
            self.plug_mac_table_manager = parse_enum(
                MacTableManager, plug.get("macTableManager"),
                error=lambda v: _xml_err(f"Invalid macTableManager setting '{v}' in network port"))
        elif self.plug_type is PlugType.DIRECT:
            self.plug_dev = plug.get("dev")
            if self.plug_dev is None:
                raise _xml_err("Missing network port link device name")
            self.plug_mode = plug.get("mode")
        elif self.plug_type is PlugType.HOSTDEV_PCI:
            self.plug_managed = optional(plug, "managed", YESNO)
            drv = plug.find("driver")
            self.plug_driver = drv.get("name") if drv is not None else None
            addr = plug.find("address")
            if addr is None:
                raise _xml_err("Missing network port PCI address")
            self.plug_address = PCIAddress.parse(addr)

    def format(self) -> str:
        """Return the ``<networkport>`` XML as libvirt writes it."""
        root = E("networkport", keep=True)
        root.add(E("uuid", text=self.uuid))
        root.add(E("owner", children=[E("name", text=self.owner_name),
                                      E("uuid", text=self.owner_uuid)]))
        root.add(E("group", text=self.group) if self.group is not None else None)
        root.add(E("mac", [("address", self.mac)]))
        root.add(self.virtualport.format() if self.virtualport else None)
        root.add(self.bandwidth.format(self.class_id) if self.bandwidth else None)
        root.add(self.vlan.format() if self.vlan else None)
        root.add(E("port", [("isolated", xmlutil.yesno(self.port_isolated))]))
        root.add(E("rxfilters", [("trustGuest", xmlutil.yesno(self.trust_guest_rx_filters))]))
        root.add(self._format_plug())
        return xmlutil.to_string(root)

    def _format_plug(self) -> E | None:
        if self.plug_type is None:
            return None
        plug = E("plug", [("type", self.plug_type.value)], keep=True)
        if self.plug_type is PlugType.DIRECT:
            plug.set("dev", self.plug_dev)
            plug.set("mode", self.plug_mode)
        elif self.plug_type is PlugType.HOSTDEV_PCI:
            plug.set("managed", xmlutil.yesno(self.plug_managed))
            plug.add(E("driver", [("name", self.plug_driver)]))
            plug.add(self.plug_address.format(False) if self.plug_address else None)
        else:
            plug.set("bridge", self.plug_bridge)
            mtm = self.plug_mac_table_manager
            plug.set("macTableManager", mtm.value if mtm else None)
        return plug


__all__ = [
    "DHCPHost",
    "DHCPRange",
    "DNSDef",
    "DNSHost",
    "DNSSrv",
    "ForwardDef",
    "ForwardMode",
    "IPDef",
    "Lease",
    "LeaseUnit",
    "MacTableManager",
    "NetworkDef",
    "NetworkPortDef",
    "PCIAddress",
    "PlugType",
    "Portgroup",
    "Route",
]
