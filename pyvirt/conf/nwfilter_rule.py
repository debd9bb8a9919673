"""The protocol element of a filter ``<rule>``: its attributes, read and written as libvirt does.

libvirt keeps one table per protocol (``mac``, ``vlan``, ``stp``, ``arp``,
``rarp``, ``ip``, ``ipv6``, ``tcp``, ... and the ``-ipv6`` variants) listing
each attribute with the value types it accepts; parsing tries the types in
a fixed order (decimal before hexadecimal before names), and formatting
writes the attributes in table order, numbers in the base they were given,
names for known protocol numbers and ARP opcodes, masks as prefix lengths.
:data:`PROTOCOL_ATTRS` is that table as data; :func:`parse_element` and
:func:`format_items` are the two directions.  A value starting with ``$`` is
a variable (``$IP``, ``$IP[@1]`` an iterator, ``$IP[2]`` an element).
"""

from __future__ import annotations

import socket
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from lxml import etree

from pyvirt import constants as C
from pyvirt.errors import libvirtError, report

_FROM = C.VIR_FROM_NWFILTER

#: ethertype names of ``protocolid`` / ``encap-protocol``
ETHER_NAMES = {0x0806: "arp", 0x8035: "rarp", 0x0800: "ipv4", 0x86DD: "ipv6", 0x8100: "vlan"}
#: ARP opcode names (as ``ebtables -h arp``)
ARP_OPCODES = {1: "Request", 2: "Reply", 3: "Request_Reverse", 4: "Reply_Reverse",
               5: "DRARP_Request", 6: "DRARP_Reply", 7: "DRARP_Error", 8: "InARP_Request",
               9: "ARP_NAK"}
#: IP protocol names of ``protocol``
IP_PROTOCOLS = {6: "tcp", 17: "udp", 136: "udplite", 50: "esp", 51: "ah", 1: "icmp",
                2: "igmp", 132: "sctp", 58: "icmpv6"}
#: connection states of ``state`` (bit -> name, in libvirt's order)
STATES = {1: "NEW", 2: "ESTABLISHED", 4: "RELATED", 8: "INVALID", 16: "NONE"}
STATE_NONE = 16
#: TCP flag names of ``flags='MASK/SET'``
TCP_FLAGS = {"FIN": 0x1, "SYN": 0x2, "RST": 0x4, "PSH": 0x8, "ACK": 0x10, "URG": 0x20,
             "ALL": 0x3F, "NONE": 0x0}
_VARNAME = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")
MAX_ITER_ID = 1000


@dataclass
class Item:
    """One attribute of a protocol element: ``text`` as libvirt writes it, ``value``
    (a number, address, prefix length, ... or None for a variable), ``var`` (the
    variable access without ``$``) and ``neg`` (``match='no'``)."""

    text: str
    value: Any = None
    var: str | None = None
    neg: bool = False


# --- value types (libvirt's datatypes, in the order it tries them) ------------------------
def _strtoul(text: str, base: int) -> int:
    """A C strtoul of the whole string: leading blanks, an optional sign, digits."""
    body = text.lstrip(" \t\n\v\f\r")
    if body[:1] in "+-" and body:
        body = body[1:]
    if base == 16 and body[:2].lower() == "0x":
        body = body[2:]
    if not body or not all(c in "0123456789abcdefABCDEF"[:10 if base == 10 else 22] for c in body):
        raise ValueError(text)
    if text.lstrip(" \t\n\v\f\r").startswith("-"):
        raise ValueError(text)          # wraps to a huge value: out of every range here
    return int(body, base)


def _uint(bits: int, base: int) -> Callable[[str], tuple[str, Any]]:
    def load(text: str) -> tuple[str, Any]:
        num = _strtoul(text, base)
        if num >= 1 << bits:
            raise ValueError(text)
        return (f"0x{num:x}" if base == 16 else str(num)), num
    return load


def _mac(text: str) -> tuple[str, Any]:
    parts = text.split(":")
    if len(parts) != 6 or not all(1 <= len(p) <= 2 for p in parts):
        raise ValueError(text)
    mac = ":".join(f"{int(p, 16):02x}" for p in parts)
    return mac, mac


def _contiguous(data: bytes) -> int:
    """The number of leading one bits of a mask; ValueError when ones follow a zero."""
    bits = "".join(f"{b:08b}" for b in data)
    ones = len(bits) - len(bits.lstrip("1"))
    if "1" in bits[ones:]:
        raise ValueError(data)
    return ones


def _macmask(text: str) -> tuple[str, Any]:
    mac, _ = _mac(text)
    _contiguous(bytes(int(p, 16) for p in mac.split(":")))
    return mac, mac


def _addr(family: int, text: str) -> str:
    try:
        info = socket.getaddrinfo(text, None, family, 0, 0, socket.AI_NUMERICHOST)
    except (socket.gaierror, UnicodeError, ValueError):
        raise ValueError(text) from None
    return socket.inet_ntop(family, socket.inet_pton(family, str(info[0][4][0]).split("%")[0]))


def _ip4(text: str) -> tuple[str, Any]:
    addr = _addr(socket.AF_INET, text)
    return addr, addr


def _ip6(text: str) -> tuple[str, Any]:
    addr = _addr(socket.AF_INET6, text)
    return addr, addr


def _mask(family: int, bits: int) -> Callable[[str], tuple[str, Any]]:
    def load(text: str) -> tuple[str, Any]:
        try:
            num = _strtoul(text, 10)
        except ValueError:
            num = _contiguous(socket.inet_pton(family, _addr(family, text)))
        if num > bits:
            raise ValueError(text)
        return str(num), num
    return load


def _named(names: dict[int, str], low: int, bits: int
           ) -> Callable[[str], tuple[str, Any]]:
    """Numbers (decimal, hex) or names of ``names``; formatted as the name when known."""
    def load(text: str) -> tuple[str, Any]:
        for base in (10, 16):
            try:
                num = _strtoul(text, base)
            except ValueError:
                continue
            if num >= 1 << bits:
                raise ValueError(text)
            if num < low:
                raise ValueError(text)
            if num in names:
                return names[num], num
            return (f"0x{num:x}" if base == 16 else str(num)), num
        for num, name in names.items():
            if name.lower() == text.lower():
                return name, num
        raise ValueError(text)
    return load


def _arp_opcode(text: str) -> tuple[str, Any]:
    _, num = _named(ARP_OPCODES, 0, 16)(text)
    return ARP_OPCODES.get(num, str(num)), num


def _words(table: dict[str, int], text: str) -> int:
    """Comma/blank separated names of ``table`` (case-insensitive, as libvirt scans them)."""
    flags, i = 0, 0
    while i < len(text):
        if text[i] in ", \t\n\r\v\f":
            i += 1
            continue
        for name, bit in table.items():
            if text[i:i + len(name)].upper() == name:
                flags |= bit
                i += len(name)
                break
        else:
            raise ValueError(text)
    return flags


def _bits_text(names: dict[int, str], flags: int) -> str:
    return ",".join(name for bit, name in names.items() if flags & bit)


def _state(text: str) -> tuple[str, Any]:
    flags = _words({v: k for k, v in STATES.items()}, text)
    if flags & STATE_NONE:
        flags = STATE_NONE
    return _bits_text(STATES, flags), flags


def _tcp_flag_text(flags: int) -> str:
    if flags == 0:
        return "NONE"
    if flags == 0x3F:
        return "ALL"
    return _bits_text({v: k for k, v in TCP_FLAGS.items() if k not in ("ALL", "NONE")}, flags)


def _tcp_flags(text: str) -> tuple[str, Any]:
    if "/" not in text:
        raise ValueError(text)
    mask_text, set_text = text.split("/", 1)
    mask, flags = _words(TCP_FLAGS, mask_text) & 0x3F, _words(TCP_FLAGS, set_text) & 0x3F
    return f"{_tcp_flag_text(mask)}/{_tcp_flag_text(flags)}", (mask, flags)


def _comment(text: str) -> tuple[str, Any]:
    cut = text.encode()[:256].decode(errors="ignore")
    return cut, cut


def _boolean(text: str) -> tuple[str, Any]:
    yes = text in ("true", "1", "yes")
    return ("true" if yes else "false"), yes


def _ipset(text: str) -> tuple[str, Any]:
    if len(text.encode()) >= 32:
        raise ValueError(text)
    return text, text


def _ipsetflags(text: str) -> tuple[str, Any]:
    words = text.split(",")
    if not 1 <= len(words) <= 6 or any(w.lower() not in ("src", "dst") for w in words):
        raise ValueError(text)
    norm = ",".join(w.lower() for w in words)
    return norm, norm


Loader = Callable[[str], tuple[str, Any]]
U8: list[Loader] = [_uint(8, 10), _uint(8, 16)]
U16: list[Loader] = [_uint(16, 10), _uint(16, 16)]
U32: list[Loader] = [_uint(32, 10), _uint(32, 16)]


def _bounded(loaders: list[Loader], high: int) -> Loader:
    """A number read by ``loaders`` (decimal, then hex) that may not exceed ``high``."""
    def load(text: str) -> tuple[str, Any]:
        for one in loaders:
            try:
                shown, num = one(text)
            except ValueError:
                continue
            if num > high:
                break
            return shown, num
        raise ValueError(text)
    return load


_dscp = _bounded(U8, 63)
_vlanid = _bounded(U16, 4095)


_MAC_ATTRS: list[tuple[str, list[Loader]]] = [
    ("srcmacaddr", [_mac]), ("srcmacmask", [_macmask]),
    ("dstmacaddr", [_mac]), ("dstmacmask", [_macmask])]
_COMMENT: tuple[str, list[Loader]] = ("comment", [_comment])
_PORTS: list[tuple[str, list[Loader]]] = [
    (name, U16) for name in ("srcportstart", "srcportend", "dstportstart", "dstportend")]


def _ip_common(addr: Loader, mask: Loader) -> list[tuple[str, list[Loader]]]:
    return [("srcmacaddr", [_mac]), ("srcipaddr", [addr]), ("srcipmask", [mask]),
            ("dstipaddr", [addr]), ("dstipmask", [mask]), ("srcipfrom", [addr]),
            ("srcipto", [addr]), ("dstipfrom", [addr]), ("dstipto", [_ip4]),
            ("dscp", [_dscp]), ("connlimit-above", [_uint(16, 10)]), ("state", [_state]),
            ("ipset", [_ipset]), ("ipsetflags", [_ipsetflags])]


_IP4 = _ip_common(_ip4, _mask(socket.AF_INET, 32))
_IP6 = _ip_common(_ip6, _mask(socket.AF_INET6, 128))
_STP_NUMBERS = ("root-priority", "root-priority-hi")

#: protocol element -> its attributes in libvirt's order, each with its value loaders
PROTOCOL_ATTRS: dict[str, list[tuple[str, list[Loader]]]] = {
    "mac": [*_MAC_ATTRS, ("protocolid", [_named(ETHER_NAMES, 0x600, 16)]), _COMMENT],
    "vlan": [*_MAC_ATTRS, ("vlanid", [_vlanid]),
             ("encap-protocol", [_named(ETHER_NAMES, 0x3C, 16)]), _COMMENT],
    "stp": [("srcmacaddr", [_mac]), ("srcmacmask", [_macmask]), ("type", U8), ("flags", U8),
            ("root-priority", U16), ("root-priority-hi", U16), ("root-address", [_mac]),
            ("root-address-mask", [_macmask]), ("root-cost", U32), ("root-cost-hi", U32),
            ("sender-priority", U16), ("sender-priority-hi", U16),
            ("sender-address", [_mac]), ("sender-address-mask", [_macmask]),
            ("port", U16), ("port-hi", U16), ("age", U16), ("age-hi", U16),
            ("max-age", U16), ("max-age-hi", U16), ("hello-time", U16),
            ("hello-time-hi", U16), ("forward-delay", U16), ("forward-delay-hi", U16),
            _COMMENT],
    "arp": [*_MAC_ATTRS, ("hwtype", U16), ("protocoltype", U16), ("opcode", [_arp_opcode]),
            ("arpsrcmacaddr", [_mac]), ("arpdstmacaddr", [_mac]), ("arpsrcipaddr", [_ip4]),
            ("arpsrcipmask", [_mask(socket.AF_INET, 32)]), ("arpdstipaddr", [_ip4]),
            ("arpdstipmask", [_mask(socket.AF_INET, 32)]), ("gratuitous", [_boolean]),
            _COMMENT],
    "ip": [*_MAC_ATTRS, ("srcipaddr", [_ip4]), ("srcipmask", [_mask(socket.AF_INET, 32)]),
           ("dstipaddr", [_ip4]), ("dstipmask", [_mask(socket.AF_INET, 32)]),
           ("protocol", [_named(IP_PROTOCOLS, 0, 8)]), *_PORTS, ("dscp", [_dscp]),
           _COMMENT],
    "ipv6": [*_MAC_ATTRS, ("srcipaddr", [_ip6]), ("srcipmask", [_mask(socket.AF_INET6, 128)]),
             ("dstipaddr", [_ip6]), ("dstipmask", [_mask(socket.AF_INET6, 128)]),
             ("protocol", [_named(IP_PROTOCOLS, 0, 8)]), *_PORTS, ("type", U8),
             ("typeend", U8), ("code", U8), ("codeend", U8), _COMMENT],
}
PROTOCOL_ATTRS["rarp"] = PROTOCOL_ATTRS["arp"]
for _v6, _common in (("", _IP4), ("-ipv6", _IP6)):
    _flags: list[tuple[str, list[Loader]]] = [] if _v6 else [("flags", [_tcp_flags])]
    PROTOCOL_ATTRS["tcp" + _v6] = [*_common, *_PORTS, ("option", U8), *_flags, _COMMENT]
    for _name in ("udp", "sctp"):
        PROTOCOL_ATTRS[_name + _v6] = [*_common, *_PORTS, _COMMENT]
    for _name in ("udplite", "esp", "ah", "all") + (("igmp",) if not _v6 else ()):
        PROTOCOL_ATTRS[_name + _v6] = [*_common, _COMMENT]
PROTOCOL_ATTRS["icmp"] = [*_IP4, ("type", U8), ("code", U8), _COMMENT]
PROTOCOL_ATTRS["icmpv6"] = [*_IP6, ("type", U8), ("code", U8), _COMMENT]

#: libvirt's protocol order (rules are looked up, and written, in this order)
PROTOCOLS = ("arp", "rarp", "mac", "vlan", "stp", "ip", "ipv6", "tcp", "udp", "udplite",
             "esp", "ah", "sctp", "icmp", "all", "igmp", "tcp-ipv6", "udp-ipv6",
             "udplite-ipv6", "esp-ipv6", "ah-ipv6", "sctp-ipv6", "icmpv6", "all-ipv6")
#: protocols matched at layer 2 (ebtables in libvirt); the others at layer 3 (iptables)
L2_PROTOCOLS = ("mac", "vlan", "stp", "arp", "rarp", "ip", "ipv6")

# attribute pairs whose match='no' follows another's once the element is read (libvirt's
# fix-up): (follower, leader)
_IP_PAIRS = [("srcipmask", "srcipaddr"), ("dstipmask", "dstipaddr"),
             ("srcipto", "srcipfrom"), ("dstipto", "dstipfrom")]
_PORT_PAIRS = [("srcportend", "srcportstart"), ("dstportstart", "srcportstart"),
               ("dstportend", "srcportstart")]
_MAC_PAIRS = [("srcmacmask", "srcmacaddr"), ("dstmacmask", "dstmacaddr")]
NEG_PAIRS: dict[str, list[tuple[str, str]]] = {
    "mac": _MAC_PAIRS, "vlan": _MAC_PAIRS, "arp": [], "rarp": [],
    "stp": [("srcmacmask", "srcmacaddr"),
            *[(f"{n}-hi", n) for n in ("root-priority", "root-cost", "sender-priority",
                                       "port", "age", "max-age", "hello-time",
                                       "forward-delay")],
            ("root-address-mask", "root-address"), ("sender-address-mask", "sender-address")],
    "ip": _IP_PAIRS[:2],
    "ipv6": [*_IP_PAIRS[:2], ("typeend", "type"), ("code", "type"), ("codeend", "type")],
}
for _v6 in ("", "-ipv6"):
    for _name in ("tcp", "udp", "sctp"):
        NEG_PAIRS[_name + _v6] = _IP_PAIRS + _PORT_PAIRS
    for _name in ("udplite", "esp", "ah", "all"):
        NEG_PAIRS[_name + _v6] = list(_IP_PAIRS)
NEG_PAIRS["igmp"] = list(_IP_PAIRS)
NEG_PAIRS["icmp"] = NEG_PAIRS["icmpv6"] = [*_IP_PAIRS, ("code", "type")]


def _internal(text: str) -> libvirtError:
    return report(C.VIR_ERR_INTERNAL_ERROR, text, _FROM)


def parse_var(text: str) -> str:
    """Check a variable access (``IP``, ``IP[@1]``, ``IP[2]``) and return it as libvirt
    writes it; ValueError when malformed."""
    i = 0
    while i < len(text) and text[i] in _VARNAME:
        i += 1
    name, rest = text[:i], text[i:]
    if not rest:
        return name
    if rest[0] != "[":
        raise ValueError(text)
    rest = rest[1:].lstrip()
    iterator = rest.startswith("@")
    rest = rest[1:] if iterator else rest
    digits = rest.lstrip()
    j = 0
    while j < len(digits) and digits[j].isdigit():
        j += 1
    if j == 0 or not digits[j:].lstrip().startswith("]"):
        raise ValueError(text)
    num = int(digits[:j])
    if iterator:
        if num > MAX_ITER_ID:
            raise ValueError(text)
        return f"{name}[@{num}]" if num else name
    return f"{name}[{num}]"


def parse_element(elem: etree._Element, tag: str, items: dict[str, Item]) -> None:
    """Read the attributes of protocol element ``elem`` into ``items`` (libvirt merges
    several elements of one protocol); raise libvirt's error naming the last bad one."""
    neg = elem.get("match") == "no"
    error = None
    for name, loaders in PROTOCOL_ATTRS[tag]:
        text = elem.get(name)
        if text is None:
            continue
        if text.startswith("$"):
            try:
                items[name] = Item("$" + parse_var(text[1:]), var=parse_var(text[1:]), neg=neg)
            except ValueError:
                error = f"{name} has illegal value {text}"
            continue
        for load in loaders:
            try:
                shown, value = load(text)
            except ValueError:
                continue
            items[name] = Item(shown, value, neg=neg)
            break
        else:
            error = f"{name} has illegal value {text}"
    if error:
        raise _internal(error)


def validate(tag: str, items: dict[str, Item]) -> None:
    """libvirt's check that an ``ip``/``ipv6`` rule with ports names a port protocol."""
    if tag not in ("ip", "ipv6"):
        return
    if not any(p in items for p, _ in _PORTS):
        return
    proto = items.get("protocol")
    if proto is None or proto.value not in (6, 17, 33, 132):
        which = "IP" if tag == "ip" else "IPv6"
        raise _internal(f"{which} rule with port specification requires protocol "
                        "specification with protocol to be either one of tcp(6), udp(17), "
                        "dccp(33), or sctp(132)")


def fixup(tag: str, items: dict[str, Item]) -> None:
    """Once a rule is read: match='no' of followers taken from their leaders, and an
    ``ipset`` given alone gets ``ipsetflags='src'`` (given with flags, both go)."""
    for follower, leader in NEG_PAIRS[tag]:
        if follower in items:
            items[follower].neg = leader in items and items[leader].neg
    if tag in ("all", "all-ipv6") or tag in L2_PROTOCOLS[:5]:
        return
    if "ipset" in items and "ipsetflags" not in items:
        items["ipsetflags"] = Item("src", "src")
    else:
        items.pop("ipset", None)
        items.pop("ipsetflags", None)


def format_items(tag: str, items: dict[str, Item]) -> list[list[tuple[str, str]]]:
    """The attribute lists of the elements libvirt writes for a rule: one element, or
    several where match='no' changes along the table."""
    elems: list[list[tuple[str, str]]] = []
    current: list[tuple[str, str]] | None = None
    shown_neg: bool | None = None
    for name, _ in PROTOCOL_ATTRS[tag]:
        item = items.get(name)
        if item is None:
            continue
        if current is not None and shown_neg is not None and item.neg != shown_neg:
            current = None
        if current is None:
            current = []
            elems.append(current)
            shown_neg = item.neg
            if item.neg:
                current.append(("match", "no"))
        current.append((name, item.text))
    return elems or [[]]


__all__ = ["ARP_OPCODES", "ETHER_NAMES", "IP_PROTOCOLS", "L2_PROTOCOLS", "PROTOCOLS",
           "PROTOCOL_ATTRS", "STATES", "STATE_NONE", "TCP_FLAGS", "Item", "fixup",
           "format_items", "parse_element", "parse_var", "validate"]
