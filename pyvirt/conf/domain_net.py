"""Domain XML network and host devices: ``<interface>`` and ``<hostdev>``."""

from __future__ import annotations

import enum
import ipaddress
import random
import re
from dataclasses import dataclass, field
from typing import Any, cast

from lxml import etree

from pyvirt import constants as C
from pyvirt.conf.domain_base import (
    INT,
    ONOFF,
    UINT,
    UINT0,
    YESNO,
    A,
    Device,
    FormatCtx,
    ParseCtx,
    PciAddress,
    internal,
    keep,
    load_children,
    message,
    missing_attr,
    order_of,
    parse_enum,
    required,
    uint,
    xml_err,
)
from pyvirt.conf.domain_disk import VIRTIO_OPTS
from pyvirt.conf.xmlutil import PLAIN, E, attr_text, escape_attr, write_node
from pyvirt.errors import report


class NetType(enum.StrEnum):
    """``<interface type=...>``."""

    USER = "user"
    ETHERNET = "ethernet"
    VHOSTUSER = "vhostuser"
    SERVER = "server"
    CLIENT = "client"
    MCAST = "mcast"
    NETWORK = "network"
    BRIDGE = "bridge"
    INTERNAL = "internal"
    DIRECT = "direct"
    HOSTDEV = "hostdev"
    UDP = "udp"
    VDPA = "vdpa"
    NULL = "null"
    VDS = "vds"


#: tap names libvirt generates itself, dropped from definitions
GENERATED_IFNAME_PREFIXES = ("vnet", "macvtap", "macvlan")

#: source attributes per interface type, in libvirt's order
_SOURCE_KEYS: dict[NetType, tuple[str, ...]] = {
    NetType.NETWORK: ("network", "portid", "portgroup", "bridge"),
    NetType.BRIDGE: ("bridge",),
    # (network, portid: a running guest's interface on a macvtap network, as libvirt shows it)
    NetType.DIRECT: ("network", "portid", "portgroup", "dev", "mode"),
    NetType.MCAST: ("address", "port"),
    NetType.SERVER: ("address", "port"),
    NetType.CLIENT: ("address", "port"),
    NetType.UDP: ("address", "port"),
    NetType.VHOSTUSER: ("type", "path", "mode"),
    NetType.INTERNAL: ("name",),
    NetType.VDPA: ("dev",),
    NetType.USER: ("dev",),
    NetType.ETHERNET: (),
    NetType.HOSTDEV: (),
    NetType.NULL: (),
    NetType.VDS: ("switchid", "portid", "portgroupid", "connectionid"),
}

#: <source> attributes libvirt requires, per interface type, in the order it checks them
_IP_PREFIX = uint(10, message("Invalid prefix value '{value}' in <ip>"))
_MTU = uint(10, message("malformed mtu size"))
_SOCKET_TYPES = (NetType.SERVER, NetType.CLIENT, NetType.MCAST, NetType.UDP)
_SOURCE_REQUIRED: dict[NetType, tuple[str, ...]] = {
    NetType.NETWORK: ("network",),
    NetType.BRIDGE: ("bridge",),
    NetType.DIRECT: ("dev",),
    NetType.VHOSTUSER: ("type", "path", "mode"),
    NetType.SERVER: ("port",),
    NetType.CLIENT: ("address", "port"),
    NetType.MCAST: ("address", "port"),
    NetType.UDP: ("address", "port"),
    NetType.INTERNAL: ("name",),
    NetType.VDPA: ("dev",),
    NetType.VDS: ("switchid", "portid"),
}

_NET_ORDER = order_of("mac", "source", "ip", "route", "vlan", "virtualport", "bandwidth",
                      "port", "script", "downscript", "backenddomain", "target", "guest",
                      "model", "driver", "backend", "filterref", "tune", "teaming", "link",
                      "mtu", "coalesce", "boot", "alias", "rom", "acpi", "address")

_NET_DRIVER = (A("name"), A("txmode"), A("ioeventfd", ONOFF), A("event_idx", ONOFF),
               A("queues", UINT), A("rx_queue_size", UINT), A("tx_queue_size", UINT),
               A("rss", ONOFF), A("rss_hash_report", ONOFF)) + VIRTIO_OPTS


_MAC_CANON = re.compile(r"[0-9a-f][02468ace](:[0-9a-f]{2}){5}\Z")


def _backend(node: E, model: str | None) -> None:
    """``<backend>``: libvirt 9.0 knows no backend type; the vhost device
    path is read only for virtio models."""
    attrs = dict(node.attrs)
    if "type" in attrs:
        raise xml_err(f"Invalid value for attribute 'type' in element 'backend': "
                      f"'{attrs['type']}'.")
    if model not in ("virtio", "virtio-transitional", "virtio-non-transitional"):
        node.attrs = [(k, v) for k, v in node.attrs if k != "vhost"]


def parse_mac(text: str) -> str:
    """Normalise a MAC address ('52:54:00:AA:bb:1' -> '52:54:00:aa:bb:01')."""
    if _MAC_CANON.match(text):
        return text
    parts = text.replace("-", ":").split(":")
    try:
        if len(parts) != 6 or any(not p or len(p) > 2 for p in parts):
            raise ValueError
        octets = [int(p, 16) for p in parts]
    except ValueError:
        raise xml_err(f"unable to parse mac address '{text}'") from None
    if octets[0] & 1:
        raise xml_err(f"expected unicast mac address, found multicast '{text}'")
    return ":".join(f"{o:02x}" for o in octets)


def generate_mac(prefix: tuple[int, int, int] = (0x52, 0x54, 0x00)) -> str:
    """A random MAC address with libvirt's default prefix."""
    return ":".join(f"{o:02x}" for o in (*prefix, *(random.randrange(256) for _ in range(3))))


@dataclass(kw_only=True, slots=True)
class GuestIP:
    """An ``<ip>`` given to the guest side of an interface."""

    address: str
    prefix: int | None = None
    peer: str | None = None
    family: str | None = None


@dataclass(kw_only=True, slots=True)
class Interface(Device):
    """An ``<interface>``: ``source`` holds the attributes of ``<source>``
    that apply to ``type`` (network/portgroup, bridge, dev/mode ...)."""

    TAG = "interface"
    BOOTABLE = True
    type: NetType = NetType.USER
    managed: bool | None = None
    trust_guest_rx_filters: bool | None = None
    mac: str | None = None
    mac_type: str | None = None
    mac_check: str | None = None
    source: dict[str, str] = field(default_factory=dict)
    source_address: PciAddress | None = None
    source_local: dict[str, str] = field(default_factory=dict)
    source_kept: list[E] = field(default_factory=list)
    ips: list[GuestIP] = field(default_factory=list)
    script: str | None = None
    downscript: str | None = None
    target_dev: str | None = None
    target_managed: bool | None = None
    model: str | None = None
    driver: dict[str, Any] | None = None
    driver_kept: list[E] = field(default_factory=list)
    link_state: str | None = None
    mtu: int | None = None

    @classmethod
    def parse(cls, elem: etree._Element, pctx: ParseCtx) -> Interface:
        """Parse an ``<interface>`` element."""
        net = cls()
        net.type = parse_enum(NetType, elem.get("type", "user"), "type", "interface")
        managed = elem.get("managed")
        net.managed = None if managed is None else YESNO.load(managed, "managed", "interface")
        trust = elem.get("trustGuestRxFilters")
        net.trust_guest_rx_filters = None if trust is None else \
            YESNO.load(trust, "trustGuestRxFilters", "interface")
        has_source = elem.find("source") is not None
        if net.type in (NetType.NETWORK, NetType.BRIDGE, NetType.DIRECT, NetType.MCAST,
                        NetType.SERVER, NetType.CLIENT, NetType.UDP, NetType.VHOSTUSER,
                        NetType.INTERNAL, NetType.HOSTDEV, NetType.VDPA) and not has_source:
            raise xml_err(f"interface type='{net.type.value}' requires a 'source' element")
        load_children(net, elem, pctx, _NET_HANDLERS, _NET_ORDER)
        for node in net.kept:
            if node.tag == "backend":
                _backend(node, net.model)
        if not pctx.live and net.type == NetType.NETWORK:
            # the port and bridge a network gave are runtime data
            net.source.pop("portid", None)
            net.source.pop("bridge", None)
        if net.type == NetType.DIRECT and "mode" not in net.source:
            net.source["mode"] = "vepa"
        if not pctx.live and net.target_dev and net.target_managed is not False and \
                net.target_dev.startswith(GENERATED_IFNAME_PREFIXES):
            net.target_dev = None
        return net

    def _mac(self, child: etree._Element) -> None:
        address = child.get("address")
        if address is not None:
            self.mac = parse_mac(address)
        self.mac_type = child.get("type")
        self.mac_check = child.get("check")

    def _source(self, child: etree._Element) -> None:
        keys = _SOURCE_KEYS.get(self.type, ())
        for name in _SOURCE_REQUIRED.get(self.type, ()):
            if child.get(name) is None:
                raise missing_attr(name, "source")
        port = None
        if self.type in _SOCKET_TYPES:
            port = INT.load(child.get("port", ""), "port", "source")
            if self.type == NetType.UDP and child.find("local") is None:
                raise xml_err("'<local>' element missing for 'udp' socket interface")
        if self.type == NetType.HOSTDEV and child.find("address") is None:
            raise xml_err("missing source address type")
        self.source = {k: cast(str, child.get(k)) for k in keys if child.get(k) is not None}
        if port is not None:
            self.source["port"] = str(port)
        for sub in child:
            if sub.tag == "address" and self.type == NetType.HOSTDEV:
                self.source_address = PciAddress.load(sub)
            elif sub.tag == "local":
                self.source_local = {
                    k: v for k, v in cast("list[tuple[str, str]]", sub.attrib.items())
                    if k in ("address", "port")}
            elif isinstance(sub.tag, str):
                self.source_kept.append(keep(sub))

    def _ip(self, child: etree._Element) -> None:
        address = child.get("address", "")
        prefix = child.get("prefix")
        family = child.get("family")
        if family is None:
            try:
                family = "ipv6" if ipaddress.ip_address(address).version == 6 else "ipv4"
            except ValueError:
                raise xml_err(f"Invalid IP address '{address}'") from None
        self.ips.append(GuestIP(address=address, family=family, peer=child.get("peer"),
                                prefix=None if prefix is None else
                                _IP_PREFIX.load(prefix, "prefix", "ip")))

    def _script(self, child: etree._Element) -> None:
        setattr(self, str(child.tag), child.get("path"))

    def _target(self, child: etree._Element) -> None:
        self.target_dev = child.get("dev")
        managed = child.get("managed")
        self.target_managed = None if managed is None else YESNO.load(managed, "managed",
                                                                      "target")

    def _model(self, child: etree._Element) -> None:
        self.model = child.get("type")

    def _driver(self, child: etree._Element) -> None:
        self.driver = {}
        for spec in _NET_DRIVER:
            value = child.get(spec.attr)
            if value is not None:
                self.driver[spec.name] = spec.conv.load(value, spec.attr, "driver")
        self.driver_kept = [keep(c) for c in child if c.tag in ("host", "guest")]

    def _link(self, child: etree._Element) -> None:
        state = child.get("state")
        if state not in ("up", "down"):
            raise report(C.VIR_ERR_CONFIG_UNSUPPORTED, f"unknown interface link state "
                         f"'{state}'", C.VIR_FROM_DOMAIN)
        self.link_state = state

    def _mtu(self, child: etree._Element) -> None:
        self.mtu = _MTU.load(child.get("size", ""), "size", "mtu")

    def format(self, fctx: FormatCtx) -> E:
        """The ``<interface>`` element."""
        return self.format_written(fctx)

    def write(self, pad: str, out: list[str], fctx: FormatCtx) -> None:
        """Write the ``<interface>`` element (see :meth:`Device.write`)."""
        start = len(out)
        if self.managed is None and self.trust_guest_rx_filters is None:
            out.append(f"{pad}<interface type='{self.type._value_}'>\n")
        else:
            head = f"{pad}<interface type='{self.type._value_}'"
            if self.managed is not None:
                head += " managed='yes'" if self.managed else " managed='no'"
            if self.trust_guest_rx_filters is not None:
                head += (" trustGuestRxFilters='yes'" if self.trust_guest_rx_filters
                         else " trustGuestRxFilters='no'")
            out.append(head + ">\n")
        sub = pad + "  "
        if self.mac is not None:
            mac = self.mac if self.mac in PLAIN else escape_attr(self.mac)
            mac = f"{sub}<mac address='{mac}'"
            if self.mac_type is not None:
                mac += f" type='{escape_attr(self.mac_type)}'"
            if self.mac_check is not None:
                mac += f" check='{escape_attr(self.mac_check)}'"
            out.append(mac + "/>\n")
        source = self.source
        if self.type == "network" and len(source) == 1 and "network" in source \
                and self.source_address is None and not self.source_local \
                and not self.source_kept:
            network = source["network"]
            network = network if network in PLAIN else escape_attr(network)
            out.append(f"{sub}<source network='{network}'/>\n")
        elif source or self.source_address is not None or self.source_local or \
                self.source_kept or self.type == "hostdev":
            self._write_source(sub, out, fctx)
        for ip in self.ips:
            out.append(f"{sub}<ip" + attr_text([kv for kv in (
                ("address", ip.address), ("family", ip.family), ("prefix", ip.prefix),
                ("peer", ip.peer)) if kv[1] is not None]) + "/>\n")
        if self.script is not None:
            out.append(f"{sub}<script path='{escape_attr(self.script)}'/>\n")
        if self.downscript is not None:
            out.append(f"{sub}<downscript path='{escape_attr(self.downscript)}'/>\n")
        if self.target_dev is not None and not (
                fctx.inactive and self.target_managed is not False
                and self.target_dev.startswith(GENERATED_IFNAME_PREFIXES)):
            dev = self.target_dev
            target = f"{sub}<target dev='{dev if dev in PLAIN else escape_attr(dev)}'"
            if self.target_managed is not None:
                target += " managed='yes'" if self.target_managed else " managed='no'"
            out.append(target + "/>\n")
        if self.model is not None:
            model = self.model if self.model in PLAIN else escape_attr(self.model)
            out.append(f"{sub}<model type='{model}'/>\n")
        if self.driver is not None:
            text = attr_text([(s.attr, s.conv.dump(self.driver[s.name])) for s in _NET_DRIVER
                              if s.name in self.driver])
            if self.driver_kept:
                write_node(E.with_attrs("driver", text, None, list(self.driver_kept),
                                        keep=True), sub, out)
            else:
                out.append(f"{sub}<driver{text}/>\n")
        if self.link_state is not None:
            out.append(f"{sub}<link state='{escape_attr(self.link_state)}'/>\n")
        if self.mtu is not None:
            out.append(f"{sub}<mtu size='{self.mtu}'/>\n")
        if self.address is None and self.alias is None and self.boot_order is None \
                and self.rom is None and self.acpi_index is None \
                and self.master_startport is None and not self.kept and len(out) > start + 1:
            out.append(f"{pad}</interface>\n")     # as Disk.write: close's common case
        else:
            self.close(pad, out, start, _NET_ORDER, fctx)

    def _write_source(self, pad: str, out: list[str], fctx: FormatCtx) -> None:
        keys = _SOURCE_KEYS.get(self.type, ())
        if fctx.inactive and self.type is NetType.NETWORK:
            keys = ("network", "portgroup")
        source = self.source
        text = "".join([f" {k}='{escape_attr(source[k])}'" for k in keys if k in source])
        if self.source_address is None and not self.source_local and not self.source_kept:
            out.append(f"{pad}<source{text}/>\n")
            return
        src = E.with_attrs("source", text, keep=True)
        if self.source_address is not None:
            src.add(self.source_address.dump())
        if self.source_local:
            src.add(E("local", list(self.source_local.items())))
        src.children.extend(self.source_kept)
        write_node(src, pad, out)


_NET_HANDLERS = {
    "mac": Interface._mac, "source": Interface._source, "ip": Interface._ip,
    "script": Interface._script, "downscript": Interface._script, "target": Interface._target,
    "model": Interface._model, "driver": Interface._driver, "link": Interface._link,
    "mtu": Interface._mtu,
}


# --- <hostdev> ---------------------------------------------------------------------------

class HostdevMode(enum.StrEnum):
    """``<hostdev mode=...>``."""

    SUBSYSTEM = "subsystem"
    CAPABILITIES = "capabilities"


SUBSYS_TYPES = ("usb", "pci", "scsi", "scsi_host", "mdev")
CAPS_TYPES = ("storage", "misc", "net")

_HOSTDEV_ORDER = order_of("driver", "source", "origstates", "readonly", "shareable", "boot",
                          "alias", "rom", "acpi", "address")


@dataclass(kw_only=True, slots=True)
class Hostdev(Device):
    """A ``<hostdev>`` passed through from the host.

    PCI: ``source_address``; USB: ``vendor``/``product`` ids or
    ``usb_bus``/``usb_device``; mdev: ``mdev_uuid``.  Other sources
    (SCSI, capabilities) are kept verbatim in ``source_kept``.
    """

    TAG = "hostdev"
    BOOTABLE = True
    mode: HostdevMode = HostdevMode.SUBSYSTEM
    type: str = "pci"
    managed: bool = False
    sgio: str | None = None
    rawio: bool | None = None
    model: str | None = None
    display: bool | None = None
    ramfb: bool | None = None
    driver_name: str | None = None
    startup_policy: str | None = None
    source_address: PciAddress | None = None
    vendor: int | None = None
    product: int | None = None
    usb_bus: int | None = None
    usb_device: int | None = None
    mdev_uuid: str | None = None
    source_kept: list[E] = field(default_factory=list)
    source_attrs: dict[str, str] = field(default_factory=dict)
    readonly: bool = False
    shareable: bool = False

    @classmethod
    def parse(cls, elem: etree._Element, pctx: ParseCtx) -> Hostdev:
        """Parse a ``<hostdev>`` element."""
        dev = cls()
        dev.mode = parse_enum(HostdevMode, elem.get("mode", "subsystem"), "mode", "hostdev")
        kind = elem.get("type", "")
        allowed = SUBSYS_TYPES if dev.mode == HostdevMode.SUBSYSTEM else CAPS_TYPES
        if kind not in allowed:
            raise report(C.VIR_ERR_CONFIG_UNSUPPORTED, f"unknown host device source address "
                         f"type '{kind}'", C.VIR_FROM_DOMAIN)
        dev.type = kind
        managed = elem.get("managed")
        dev.managed = managed == "yes"
        dev.sgio = elem.get("sgio")
        rawio = elem.get("rawio")
        dev.rawio = None if rawio is None else YESNO.load(rawio, "rawio", "hostdev")
        dev.model = elem.get("model")
        display = elem.get("display")
        dev.display = None if display is None else ONOFF.load(display, "display", "hostdev")
        ramfb = elem.get("ramfb")
        dev.ramfb = None if ramfb is None else ONOFF.load(ramfb, "ramfb", "hostdev")
        load_children(dev, elem, pctx, _HOSTDEV_HANDLERS, _HOSTDEV_ORDER)
        if dev.mode == HostdevMode.SUBSYSTEM:
            if elem.find("source") is None:
                raise xml_err("Missing <source> element in hostdev device")
            if dev.type == "pci" and dev.source_address is None:
                dev.source_address = PciAddress()
            elif dev.type == "usb":
                if dev.vendor is not None and dev.product is None:
                    raise internal("missing product")
                if dev.product is not None and dev.vendor is None:
                    raise internal("missing vendor")
        return dev

    def _driver(self, child: etree._Element) -> None:
        self.driver_name = child.get("name")

    def _source(self, child: etree._Element) -> None:
        self.startup_policy = child.get("startupPolicy")
        self.source_attrs = {k: v for k, v in cast("list[tuple[str, str]]", child.attrib.items())
                             if k != "startupPolicy"}
        for sub in child:
            tag = sub.tag
            if self.type == "pci" and tag == "address":
                self.source_address = PciAddress.load(sub)
            elif self.type == "usb" and tag in ("vendor", "product"):
                setattr(self, str(tag), required(sub, "id", UINT0))
            elif self.type == "usb" and tag == "address":
                self.usb_bus = required(sub, "bus", UINT0)
                self.usb_device = required(sub, "device", UINT0)
            elif self.type == "mdev" and tag == "address":
                self.mdev_uuid = sub.get("uuid")
            elif isinstance(tag, str):
                kept = keep(sub)
                if self.type == "scsi" and tag == "address":
                    # bus, target and unit are numbers in any base, written in decimal
                    kept.attrs = [(k, str(UINT0.load(str(v), k, "address"))
                                   if k in ("bus", "target", "unit") else v)
                                  for k, v in kept.attrs]
                self.source_kept.append(kept)

    def _flag(self, child: etree._Element) -> None:
        setattr(self, str(child.tag), True)

    def format(self, fctx: FormatCtx) -> E:
        """The ``<hostdev>`` element."""
        subsys = self.mode == HostdevMode.SUBSYSTEM
        node = E("hostdev", [
            ("mode", self.mode.value), ("type", self.type),
            ("managed", ("yes" if self.managed else "no") if subsys else None),
            ("sgio", self.sgio),
            ("rawio", None if self.rawio is None else ("yes" if self.rawio else "no")),
            ("model", self.model),
            ("display", None if self.display is None else ("on" if self.display else "off")),
            ("ramfb", None if self.ramfb is None else ("on" if self.ramfb else "off"))])
        node.add(E("driver", [("name", self.driver_name)]))
        source = E("source", [("startupPolicy", self.startup_policy)]
                   + list(self.source_attrs.items()), keep=True)
        if self.source_address is not None:
            source.add(self.source_address.dump(with_type=False))
        if self.vendor is not None:
            source.add(E("vendor", [("id", f"0x{self.vendor:04x}")]))
        if self.product is not None:
            source.add(E("product", [("id", f"0x{self.product:04x}")]))
        if self.usb_bus is not None:
            source.add(E("address", [("bus", self.usb_bus), ("device", self.usb_device)]))
        if self.mdev_uuid is not None:
            source.add(E("address", [("uuid", self.mdev_uuid)]))
        source.children.extend(self.source_kept)
        if self.type == "usb" and not source.attrs and not source.children:
            # libvirt leaves out an empty USB source, keeping <hostdev> open and closed
            node.add(E.raw_xml(""))
        else:
            node.add(source)
        for flag in ("readonly", "shareable"):
            if getattr(self, flag):
                node.add(E(flag, keep=True))
        return self.finish(node, _HOSTDEV_ORDER, fctx)


_HOSTDEV_HANDLERS = {"driver": Hostdev._driver, "source": Hostdev._source,
                     "readonly": Hostdev._flag, "shareable": Hostdev._flag}

