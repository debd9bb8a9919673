"""A filter binding's rules as an nftables table of the bridge family on its port.

libvirt turns a filter tree into ebtables/iptables chains; pyvirt writes
the same structure as one table ``bridge pyvirt_nwf_<port>`` per binding:

- a ``from_vm`` chain (hooked at bridge prerouting for frames the port
  sends: libvirt's direction ``out``) and a ``to_vm`` chain (bridge
  postrouting, frames sent to the port: direction ``in``);
- filters of chain ``root`` put their rules straight in those chains;
  filters of another chain (``mac``, ``ipv4``, ``ipv4-ip``, ``arp-mac``,
  ...) fill a sub-chain that the root chain jumps to for frames of its
  protocol, at the chain's priority, as libvirt orders them;
- rules are sorted by priority (then definition order); ``accept``,
  ``drop``, ``reject``, ``return`` become nft verdicts, ``continue`` none.

Variables (``$MAC``, ``$IP``, ...) take the binding's parameters (``MAC``
defaults to the binding's MAC); a parameter given several times makes one
rule per value.  A filter that needs ``IP`` when the binding gives none
gets it learned by the driver from the DHCP lease of the port's network
(:func:`learning` lets only DHCP through until then); where there is no
such network it is a ``VIR_ERR_NO_SUPPORT`` naming the parameter.  Rules match statelessly
(``statematch`` is not used) and the supported protocol elements are
``mac``, ``arp``, ``rarp``, ``ip``, ``ipv6``, ``tcp``, ``udp``, ``icmp``
and ``all`` (others are a ``VIR_ERR_NO_SUPPORT``).
"""

from __future__ import annotations

import ipaddress
import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from pyvirt import constants as C
from pyvirt.conf.nwfilter import CHAIN_PRIORITY, FilterRef, NWFilterBindingDef, NWFilterDef, Rule
from pyvirt.drivers.network import nft
from pyvirt.errors import report

_FROM = C.VIR_FROM_NWFILTER

# frames a sub-chain of each protocol prefix sees
_CHAIN_MATCH = {"mac": "", "arp": "ether type arp ", "rarp": "ether type 0x8035 ",
                "ipv4": "ether type ip ", "ipv6": "ether type ip6 ",
                "vlan": "ether type vlan ", "stp": "ether daddr 01:80:c2:00:00:00 "}
_PROTOCOL_IDS = {"ipv4": "ip", "ipv6": "ip6", "arp": "arp", "rarp": "0x8035",
                 "vlan": "vlan"}
_ARP_OPCODES = {"request": 1, "reply": 2, "request_reverse": 3, "reply_reverse": 4,
                "dhcp_request": 5, "dhcp_reply": 6, "dhcp_nak": 7, "inarp_request": 8,
                "inarp_reply": 9}
# ARP/RARP header fields as raw payload from the network header: (bit offset, bits)
_ARP_FIELDS = {"opcode": (48, 16), "arpsrcmacaddr": (64, 48), "arpsrcipaddr": (112, 32),
               "arpdstmacaddr": (144, 48), "arpdstipaddr": (192, 32)}
_VAR = re.compile(r"^\$([A-Za-z_][A-Za-z0-9_]*)$")


def table_name(portdev: str) -> str:
    """The name of the table of the binding on ``portdev``."""
    return "pyvirt_nwf_" + re.sub(r"[^A-Za-z0-9_]", "_", portdev)


@dataclass
class _Entry:
    priority: int
    order: int
    rule: Rule
    params: dict[str, list[str]]


@dataclass
class _Tree:
    chains: dict[str, list[_Entry]] = field(default_factory=dict)
    chain_priority: dict[str, int] = field(default_factory=dict)
    order: int = 0


def _params(ref: FilterRef, inherited: dict[str, list[str]]) -> dict[str, list[str]]:
    own: dict[str, list[str]] = {}
    for p in ref.parameters:
        own.setdefault(p.name or "", []).append(p.value or "")
    return {**inherited, **own}


def _walk(name: str, params: dict[str, list[str]], lookup: Callable[[str], NWFilterDef | None],
          tree: _Tree, depth: int = 0) -> None:
    def_ = lookup(name)
    if def_ is None:
        raise report(C.VIR_ERR_NO_NWFILTER, f"referenced filter '{name}' is missing", _FROM)
    if depth > 64:
        raise report(C.VIR_ERR_OPERATION_FAILED, "filter would introduce a loop", _FROM)
    chain = def_.chain
    tree.chain_priority.setdefault(chain, def_.priority)
    for entry in def_.entries:
        if isinstance(entry, FilterRef):
            _walk(entry.filter, _params(entry, params), lookup, tree, depth + 1)
            continue
        tree.order += 1
        tree.chains.setdefault(chain, []).append(_Entry(entry.priority, tree.order, entry,
                                                        params))


def _value(text: str, params: dict[str, list[str]]) -> list[str]:
    m = _VAR.match(text)
    if not m:
        return [text]
    values = params.get(m.group(1))
    if not values:
        if m.group(1) == "IP":
            raise report(C.VIR_ERR_NO_SUPPORT, "filter parameter 'IP' is not given and "
                         "cannot be learned: the port is on no running network of this host "
                         "(whose DHCP would tell it); give <parameter name='IP' "
                         "value='...'/>", _FROM)
        raise report(C.VIR_ERR_INVALID_ARG, "cannot instantiate filter due to unresolvable "
                     f"variables or unavailable list elements: {m.group(1)}", _FROM)
    return values


def _hexmac(mac: str) -> str:
    return "0x" + mac.replace(":", "").lower()


def _hexip(ip: str) -> str:
    return hex(int(ipaddress.IPv4Address(ip)))


def _net(addr: str, mask: str | None) -> str:
    if mask is None:
        return addr
    if "." in mask:
        mask = str(ipaddress.IPv4Network(f"0.0.0.0/{mask}").prefixlen)
    return str(ipaddress.ip_network(f"{addr}/{mask}", strict=False))


def _matches(tag: str, attrs: dict[str, str]) -> list[str]:
    """nft match expressions of one protocol element (values already substituted)."""
    neg = "!= " if attrs.get("match") == "no" else ""
    out: list[str] = []
    if "srcmacaddr" in attrs:
        out.append(f"ether saddr {neg}{attrs['srcmacaddr']}")
    if "dstmacaddr" in attrs:
        out.append(f"ether daddr {neg}{attrs['dstmacaddr']}")
    if tag == "mac":
        if "protocolid" in attrs:
            pid = attrs["protocolid"]
            out.append(f"ether type {neg}{_PROTOCOL_IDS.get(pid, pid)}")
        return out
    if tag in ("arp", "rarp"):
        out.insert(0, "ether type arp" if tag == "arp" else "ether type 0x8035")
        for key, (offset, bits) in _ARP_FIELDS.items():
            if key not in attrs:
                continue
            value = attrs[key]
            if key == "opcode":
                num = _ARP_OPCODES.get(value.lower(), None)
                hexed = str(num if num is not None else int(value, 0))
            elif "mac" in key:
                hexed = _hexmac(value)
            else:
                hexed = _hexip(value)
            out.append(f"@nh,{offset},{bits} {neg}{hexed}")
        return out
    fam = "ip6" if tag == "ipv6" or tag.endswith("-ipv6") else "ip"
    if "srcipaddr" in attrs:
        out.append(f"{fam} saddr {neg}{_net(attrs['srcipaddr'], attrs.get('srcipmask'))}")
    if "dstipaddr" in attrs:
        out.append(f"{fam} daddr {neg}{_net(attrs['dstipaddr'], attrs.get('dstipmask'))}")
    proto = attrs.get("protocol") if tag in ("ip", "ipv6") else tag.split("-")[0]
    if proto == "all":
        proto = None
    if proto and not ("srcportstart" in attrs or "dstportstart" in attrs):
        key = "nexthdr" if fam == "ip6" else "protocol"
        out.append(f"{fam} {key} {neg}{proto}")
    for end in ("src", "dst"):
        start = attrs.get(f"{end}portstart")
        if start is None or not proto:
            continue
        stop = attrs.get(f"{end}portend")
        port = f"{start}-{stop}" if stop else start
        out.append(f"{proto} {'sport' if end == 'src' else 'dport'} {neg}{port}")
    if tag == "icmp" and "type" in attrs:
        out.append(f"icmp type {neg}{attrs['type']}")
    if not out:
        out.append(f"ether type {'ip6' if fam == 'ip6' else 'ip'}")
    return out


_SUPPORTED = ("mac", "arp", "rarp", "ip", "ipv6", "tcp", "udp", "icmp", "all",
              "tcp-ipv6", "udp-ipv6", "all-ipv6")


def _lines(entry: _Entry) -> list[str]:
    """nft rule bodies (matches and verdict) of one rule, one per variable combination."""
    rule = entry.rule
    verdict = {"accept": "accept", "drop": "drop", "reject": "reject", "return": "return",
               "continue": "counter"}[rule.action.value]
    if not rule.matches:
        return [verdict]
    out = []
    for tag, attr_list in rule.matches:
        if tag not in _SUPPORTED:
            raise report(C.VIR_ERR_NO_SUPPORT, f"filter rules on protocol '{tag}' are not "
                         "supported", _FROM)
        keys = [k for k, _ in attr_list]
        choices = [_value(v, entry.params) for _, v in attr_list]
        for combo in itertools.product(*choices):
            attrs = dict(zip(keys, combo, strict=True))
            attrs.pop("comment", None)
            out.append(" ".join([*_matches(tag, attrs), verdict]))
    return out


def _tree(bind: NWFilterBindingDef, lookup: Callable[[str], NWFilterDef | None],
          learned: dict[str, list[str]] | None) -> _Tree:
    assert bind.filterref is not None
    params = _params(bind.filterref, {"MAC": [bind.mac], **(learned or {})})
    tree = _Tree()
    _walk(bind.filterref.filter, params, lookup, tree)
    return tree


def wants_ip(bind: NWFilterBindingDef, lookup: Callable[[str], NWFilterDef | None]) -> bool:
    """Whether the binding's filters use ``$IP`` where no ``IP`` parameter reaches."""
    for entries in _tree(bind, lookup, None).chains.values():
        for e in entries:
            if "IP" not in e.params and any(v == "$IP" for _, attrs in e.rule.matches
                                            for _, v in attrs):
                return True
    return False


def learning(portdev: str) -> list[str]:
    """The table of a port whose address is being learned: DHCP only (as libvirt lets
    only DHCP through until it has seen the port's lease)."""
    table = f"bridge {table_name(portdev)}"
    port = '"' + portdev.replace('"', "") + '"'
    lines = [f"add table {table}"]
    for base, hook, match, rule in (
            ("from_vm", "prerouting", "iifname", "udp sport 68 udp dport 67 accept"),
            ("to_vm", "postrouting", "oifname", "udp sport 67 udp dport 68 accept")):
        lines += [(f"add chain {table} {base} {{ type filter hook {hook} priority -200; "
                  "policy accept; }"),
                  f"add rule {table} {base} {match} {port} {rule}",
                  f"add rule {table} {base} {match} {port} drop"]
    return lines


def ruleset(bind: NWFilterBindingDef, lookup: Callable[[str], NWFilterDef | None],
            learned: dict[str, list[str]] | None = None) -> list[str]:
    """The nft statements that make the binding's table (after it is cleared);
    ``learned`` are parameters found meanwhile (the ``IP`` of a port)."""
    tree = _tree(bind, lookup, learned)
    table = f"bridge {table_name(bind.portdev)}"
    port = '"' + bind.portdev.replace('"', "") + '"'
    lines = [f"add table {table}"]
    for direction, hook, match in (("out", "prerouting", "iifname"),
                                   ("in", "postrouting", "oifname")):
        base = "from_vm" if direction == "out" else "to_vm"
        lines.append(f"add chain {table} {base}")
        lines.append(f"add chain {table} {base}_hook {{ type filter hook {hook} priority "
                     "-200; policy accept; }")
        lines.append(f"add rule {table} {base}_hook {match} {port} jump {base}")
        root: list[tuple[int, int, list[str]]] = []
        for chain, entries in tree.chains.items():
            mine = [e for e in entries if e.rule.direction.value in (direction, "inout")]
            mine.sort(key=lambda e: (e.priority, e.order))
            if chain == "root":
                root += [(e.priority, e.order, _lines(e)) for e in mine]
                continue
            sub = f"{base}_{re.sub(r'[^A-Za-z0-9_]', '_', chain)}"
            lines.append(f"add chain {table} {sub}")
            for e in mine:
                lines += [f"add rule {table} {sub} {body}" for body in _lines(e)]
            prefix = chain.split("-")[0]
            prio = tree.chain_priority.get(chain, CHAIN_PRIORITY.get(prefix, 0))
            root.append((prio, 0, [f"{_CHAIN_MATCH.get(prefix, '')}jump {sub}"]))
        root.sort(key=lambda r: (r[0], r[1]))
        for _, _, bodies in root:
            lines += [f"add rule {table} {base} {body}" for body in bodies]
    return lines


def apply(bind: NWFilterBindingDef, lookup: Callable[[str], NWFilterDef | None],
          learned: dict[str, list[str]] | None = None, learn: bool = False) -> None:
    """Load (or replace, in one transaction) the binding's table (with ``learn``: the
    DHCP-only table of :func:`learning`)."""
    lines = learning(bind.portdev) if learn else ruleset(bind, lookup, learned)
    nft.replace_table(f"bridge {table_name(bind.portdev)}", lines,
                      f"Failed to apply filter rules to port '{bind.portdev}'", _FROM)


def remove(portdev: str) -> None:
    """Delete the table of the binding on ``portdev`` (if it is there)."""
    nft.delete_table(f"bridge {table_name(portdev)}",
                     f"Failed to remove filter rules of port '{portdev}'", _FROM)
