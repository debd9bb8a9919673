"""A filter binding's rules as nftables tables on its port.

libvirt turns a filter tree into ebtables chains (layer-2 protocols: ``mac``,
``vlan``, ``stp``, ``arp``, ``rarp``, ``ip``, ``ipv6`` and rules without a
protocol) and iptables/ip6tables chains (``tcp``, ``udp``, ``sctp``,
``udplite``, ``esp``, ``ah``, ``icmp``, ``igmp``, ``all`` and their IPv6
variants), which the kernel runs one after the other on bridged frames.
pyvirt writes the same two stages:

- table ``bridge pyvirt_nwf_<port>``: chain ``from_vm`` (frames the port
  sends, direction ``out``; bridge prerouting) and ``to_vm`` (frames to the
  port, direction ``in``; bridge postrouting).  Filters of chain ``root``
  put their rules straight there; filters of another chain (``mac``,
  ``ipv4``, ``arp-xyz``, ...) fill a sub-chain the root chain jumps to for
  frames of its protocol, at the chain's priority, as libvirt orders them.
  ``inout`` rules go in both, the ``from_vm`` copy with source and destination
  swapped (as libvirt's ebtables rules).
- table ``inet pyvirt_nwf_<port>``, only for layer-3 rules: the bridge table
  marks the frames of the port (its ifindex in the packet mark: low 16 bits
  from the port, high 16 bits to it) and the kernel's bridge netfilter hands
  them to the inet hooks, where conntrack runs: rules are sorted by priority
  across all filters, each with a mirrored copy for the other direction, as
  libvirt's iptables rules (see :func:`_l3_bodies`): conntrack's state and
  direction give libvirt's ``statematch``, ``state`` and ``connlimit-above``.

Variables (``$MAC``, ``$IP``, ``$IP[@1]``, ``$IP[2]``) take the binding's
parameters (``MAC`` defaults to the binding's MAC); a list makes one rule per
value, variables on the same iterator walking together, different iterators
combined.  ``CTRL_IP_LEARNING`` and ``DHCPSERVER`` steer IP learning
(:func:`learning`).  What nftables cannot express here is a clear
``VIR_ERR_NO_SUPPORT`` when a binding uses it: ``ipset`` (ipset(8) sets),
``gratuitous`` ARP, and ``reject`` in the layer-2 stage is a drop (the bridge
family cannot reject on this kernel).
"""

from __future__ import annotations

import itertools
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from pyvirt import constants as C
from pyvirt.conf.nwfilter import CHAIN_PRIORITY, FilterRef, NWFilterBindingDef, NWFilterDef, Rule
from pyvirt.conf.nwfilter_rule import L2_PROTOCOLS, PROTOCOL_ATTRS, STATE_NONE, STATES, Item
from pyvirt.drivers.network import nft
from pyvirt.errors import report

_FROM = C.VIR_FROM_NWFILTER
log = logging.getLogger(__name__)

# frames a sub-chain of each protocol prefix sees
_CHAIN_MATCH = {"mac": "", "arp": "ether type arp ", "rarp": "ether type 0x8035 ",
                "ipv4": "ether type ip ", "ipv6": "ether type ip6 ",
                "vlan": "ether type vlan ", "stp": "ether daddr 01:80:c2:00:00:00 "}
# ARP/RARP header fields as raw payload from the network header: (bit offset, bits)
_ARP_FIELDS = {"hwtype": (0, 16), "protocoltype": (16, 16), "opcode": (48, 16),
               "arpsrcmacaddr": (64, 48), "arpsrcipaddr": (112, 32),
               "arpdstmacaddr": (144, 48), "arpdstipaddr": (192, 32)}
# STP BPDU fields as raw payload from the link-layer header: (bit offset, bits)
_STP_FIELDS = {"type": (160, 8), "flags": (168, 8), "root-priority": (176, 16),
               "root-address": (192, 48), "root-cost": (240, 32),
               "sender-priority": (272, 16), "sender-address": (288, 48),
               "port": (336, 16), "age": (352, 16), "max-age": (368, 16),
               "hello-time": (384, 16), "forward-delay": (400, 16)}
_SWAP = {"src": "dst", "dst": "src", "arpsrc": "arpdst", "arpdst": "arpsrc"}
_L4 = {"tcp": "tcp", "udp": "udp", "sctp": "sctp", "udplite": "udplite", "esp": "esp",
       "ah": "ah", "icmp": "icmp", "igmp": "igmp", "icmpv6": "ipv6-icmp"}
LEARN_MODES = ("any", "dhcp", "none")


def table_name(portdev: str) -> str:
    """The name of the tables of the binding on ``portdev``."""
    return "pyvirt_nwf_" + re.sub(r"[^A-Za-z0-9_]", "_", portdev)


def _unsupported(what: str) -> Exception:
    return report(C.VIR_ERR_NO_SUPPORT, f"filter rules with {what} are not supported "
                  "(nftables cannot express it)", _FROM)


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


# --- variables ----------------------------------------------------------------------------
def _access(var: str) -> tuple[str, str, int]:
    """(name, 'iter' or 'elem', iterator id or index) of a variable access."""
    m = re.fullmatch(r"(\w*)(?:\[(@?)(\d+)\])?", var)
    assert m is not None
    name, at, num = m.group(1), m.group(2), m.group(3)
    if num is None:
        return name, "iter", 0
    return name, ("iter" if at else "elem"), int(num)


def _unresolved(name: str) -> Exception:
    return report(C.VIR_ERR_INVALID_ARG, "cannot instantiate filter due to unresolvable "
                  f"variables or unavailable list elements: {name}", _FROM)


def _combinations(items: dict[str, Item], params: dict[str, list[str]]
                  ) -> list[dict[str, str]]:
    """Every assignment of values to the variables of a rule (libvirt's iteration)."""
    iterators: dict[int, list[str]] = {}
    fixed: dict[str, str] = {}
    for item in items.values():
        if item.var is None:
            continue
        name, kind, num = _access(item.var)
        values = params.get(name)
        if not values:
            raise _unresolved(name)
        if kind == "elem":
            if num >= len(values):
                raise _unresolved(f"{name}[{num}]")
            fixed[item.var] = values[num]
            continue
        group = iterators.setdefault(num, [])
        if name not in group:
            if group and len(params[group[0]]) != len(values):
                raise report(C.VIR_ERR_INVALID_ARG, "Cardinality of list items must be "
                             "the same for processing them in parallel", _FROM)
            group.append(name)
    combos: list[dict[str, str]] = [dict(fixed)]
    for num, names in sorted(iterators.items()):
        step = []
        for i in range(len(params[names[0]])):
            step.append({(n if num == 0 else f"{n}[@{num}]"): params[n][i] for n in names})
        combos = [{**c, **s} for c, s in itertools.product(combos, step)]
    return combos


def _resolve(tag: str, items: dict[str, Item], values: dict[str, str]) -> dict[str, Item]:
    """The rule's items with variables replaced by ``values`` (checked as libvirt would)."""
    loaders = dict(PROTOCOL_ATTRS[tag])
    out = {}
    for name, item in items.items():
        if item.var is None:
            out[name] = item
            continue
        text = values[item.var]
        for load in loaders[name]:
            try:
                shown, value = load(text)
            except ValueError:
                continue
            out[name] = Item(shown, value, neg=item.neg)
            break
        else:
            raise report(C.VIR_ERR_INVALID_ARG, f"value '{text}' of variable "
                         f"'{item.var}' is not valid for attribute '{name}'", _FROM)
    return out


# --- matches ------------------------------------------------------------------------------
def _swapped(items: dict[str, Item]) -> dict[str, Item]:
    out = {}
    for name, item in items.items():
        m = re.match(r"(arpsrc|arpdst|src|dst)(.*)", name)
        out[_SWAP[m.group(1)] + m.group(2) if m else name] = item
    return out


def _neg(item: Item) -> str:
    return "!= " if item.neg else ""


def _mac_match(field_: str, addr: Item, mask: Item | None) -> str:
    if mask is None or mask.value == "ff:ff:ff:ff:ff:ff":
        return f"{field_} {_neg(addr)}{addr.value}"
    masked = ":".join(f"{int(a, 16) & int(b, 16):02x}"
                      for a, b in zip(str(addr.value).split(":"), str(mask.value).split(":"),
                                      strict=True))
    return f"{field_} and {mask.value} {'!=' if addr.neg else '=='} {masked}"


def _ip_matches(fam: str, it: dict[str, Item]) -> list[str]:
    out = []
    for end in ("src", "dst"):
        addr = it.get(f"{end}ipaddr")
        if addr is not None:
            mask = it.get(f"{end}ipmask")
            net = f"{addr.value}/{mask.value}" if mask is not None else addr.value
            out.append(f"{fam} {end[0]}addr {_neg(addr)}{net}")
        low, high = it.get(f"{end}ipfrom"), it.get(f"{end}ipto")
        if low is not None:
            span = f"{low.value}-{high.value}" if high is not None else str(low.value)
            out.append(f"{fam} {end[0]}addr {_neg(low)}{span}")
    return out


def _ports(proto: str, it: dict[str, Item]) -> list[str]:
    out = []
    for end in ("src", "dst"):
        start, stop = it.get(f"{end}portstart"), it.get(f"{end}portend")
        if start is None:
            continue
        span = f"{start.value}-{stop.value}" if stop is not None else str(start.value)
        out.append(f"{proto} {end[0]}port {_neg(start)}{span}")
    return out


def _raw(base: str, fields: dict[str, tuple[int, int]], it: dict[str, Item]) -> list[str]:
    out = []
    for name, (offset, bits) in fields.items():
        item = it.get(name)
        if item is None:
            continue
        value = item.value
        if isinstance(value, str) and ":" in value:
            num = int(value.replace(":", ""), 16)
        elif isinstance(value, str):
            num = int.from_bytes(bytes(int(x) for x in value.split(".")), "big")
        else:
            num = int(value)
        high = it.get(f"{name}-hi")
        mask = it.get(f"{name}-mask")
        if name.endswith("ipaddr"):
            mask = it.get(name.replace("ipaddr", "ipmask"))
        if mask is not None and name.endswith("ipaddr"):
            bitmask = ((1 << int(mask.value)) - 1) << (32 - int(mask.value))
            out.append(f"@{base},{offset},{bits} & {bitmask:#x} {'!=' if item.neg else '=='}"
                       f" {num & bitmask:#x}")
        elif mask is not None:
            bitmask = int(str(mask.value).replace(":", ""), 16)
            out.append(f"@{base},{offset},{bits} & {bitmask:#x} {'!=' if item.neg else '=='}"
                       f" {num & bitmask:#x}")
        elif high is not None:
            out.append(f"@{base},{offset},{bits} {_neg(item)}{num:#x}-{int(high.value):#x}")
        else:
            out.append(f"@{base},{offset},{bits} {_neg(item)}{num:#x}")
    return out


def _l2_matches(tag: str, it: dict[str, Item]) -> list[str]:
    """nft match expressions of a layer-2 protocol element."""
    out = []
    for end in ("src", "dst"):
        if f"{end}macaddr" in it:
            out.append(_mac_match(f"ether {end[0]}addr", it[f"{end}macaddr"],
                                  it.get(f"{end}macmask")))
    if tag == "mac" and "protocolid" in it:
        out.append(f"ether type {_neg(it['protocolid'])}{int(it['protocolid'].value):#06x}")
    elif tag == "vlan":
        out.insert(0, "ether type vlan")
        if "vlanid" in it:
            out.append(f"vlan id {_neg(it['vlanid'])}{it['vlanid'].value}")
        if "encap-protocol" in it:
            out.append(f"vlan type {_neg(it['encap-protocol'])}"
                       f"{int(it['encap-protocol'].value):#06x}")
    elif tag == "stp":
        out.insert(0, "ether daddr 01:80:c2:00:00:00")
        out += _raw("ll", _STP_FIELDS, it)
    elif tag in ("arp", "rarp"):
        if "gratuitous" in it:
            raise _unsupported("'gratuitous' ARP matching")
        out.insert(0, "ether type arp" if tag == "arp" else "ether type 0x8035")
        out += _raw("nh", _ARP_FIELDS, it)
    elif tag in ("ip", "ipv6"):
        fam = "ip" if tag == "ip" else "ip6"
        out.insert(0, f"ether type {fam}")
        out += _ip_matches(fam, it)
        proto = it.get("protocol")
        if proto is not None:
            key = "protocol" if fam == "ip" else "nexthdr"
            out.append(f"{fam} {key} {_neg(proto)}{proto.value}")
            out += _ports("th", it)
        if "dscp" in it:
            out.append(f"{fam} dscp {_neg(it['dscp'])}{it['dscp'].value}")
        for key, word in (("type", "type"), ("code", "code")):
            if key in it:
                last = it.get(f"{key}end")
                span = f"{it[key].value}-{last.value}" if last else str(it[key].value)
                out.append(f"icmpv6 {word} {_neg(it[key])}{span}")
    return out


def _l3_matches(tag: str, it: dict[str, Item], mac: bool) -> list[str]:
    """nft match expressions of a layer-3 protocol element (``mac``: with its source MAC,
    which libvirt matches only in the rule's own, unmirrored copy)."""
    v6 = tag.endswith("-ipv6") or tag == "icmpv6"
    base = tag.replace("-ipv6", "")
    fam = "ip6" if v6 else "ip"
    if "ipset" in it:
        raise _unsupported("'ipset' matching")
    out = [f"meta nfproto {'ipv6' if v6 else 'ipv4'}"]
    if mac and "srcmacaddr" in it:
        out.append(_mac_match("ether saddr", it["srcmacaddr"], None))
    out += _ip_matches(fam, it)
    if base != "all":
        out.append(f"meta l4proto {_L4[base]}")
    out += _ports("th", it)
    if "dscp" in it:
        out.append(f"{fam} dscp {_neg(it['dscp'])}{it['dscp'].value}")
    if "option" in it:
        out.append(f"tcp option @{it['option'].value},0,8 {it['option'].value}")
    if "flags" in it:
        mask, flags = it["flags"].value
        out.append(f"tcp flags & {mask:#x} {'!=' if it['flags'].neg else '=='} {flags:#x}")
    icmp = "icmpv6" if v6 else "icmp"
    for key in ("type", "code"):
        if key in it:
            out.append(f"{icmp} {key} {_neg(it[key])}{it[key].value}")
    if "connlimit-above" in it:
        item = it["connlimit-above"]
        out.append(f"ct count {'' if item.neg else 'over '}{item.value}")
    return out


def _verdict(rule: Rule, layer2: bool) -> str:
    action = rule.action.value
    if action == "continue":
        return "counter"
    if action == "reject" and layer2:
        return "drop"
    return action


def _comment(it: dict[str, Item]) -> str:
    text = it.get("comment")
    if text is None:
        return ""
    return ' comment "' + str(text.value).replace('"', "'").replace("\n", " ")[:128] + '"'


def _is_l2(rule: Rule) -> bool:
    return rule.protocol is None or rule.protocol in L2_PROTOCOLS


def _instances(entry: _Entry) -> list[dict[str, Item]]:
    rule = entry.rule
    if rule.protocol is None:
        return [{}]
    return [_resolve(rule.protocol, rule.items, values)
            for values in _combinations(rule.items, entry.params)]


def _swap(rule: Rule, direction: str) -> bool:
    """Whether a rule's copy in chain ``direction`` has source and destination swapped:
    libvirt writes the rule as seen going to the guest for ``in`` and ``inout``, from it
    for ``out``, and mirrors it for the other way."""
    if rule.direction.value == "out":
        return direction == "in"
    return direction == "out"


def _l2_bodies(entry: _Entry, direction: str) -> list[str]:
    """nft rule bodies of a layer-2 rule in chain ``direction`` (``out``: from the port)."""
    rule = entry.rule
    if rule.direction.value not in (direction, "inout"):
        return []
    swap = _swap(rule, direction)
    verdict = _verdict(rule, True)
    out = []
    for items in _instances(entry):
        it = _swapped(items) if swap else items
        matches = _l2_matches(rule.protocol, it) if rule.protocol else []
        out.append(" ".join([*matches, verdict]) + _comment(items))
    return out


def _l3_bodies(entry: _Entry, direction: str) -> list[str]:
    """nft rule bodies of a layer-3 rule in chain ``direction`` (``out``: from the port),
    as libvirt's iptables rules: with state matching (not for ``inout``, nor with
    ``statematch='false'``) the rule's own copy matches ``new,established`` packets of
    connections opened its way and the mirrored copy ``established`` replies; a rule with
    ``state`` gets only its own copies, with those states; ICMP rules with a type get no
    mirrored copy (and ``inout`` none at all)."""
    rule = entry.rule
    assert rule.protocol is not None
    tt = rule.direction.value
    swap = _swap(rule, direction)
    verdict = _verdict(rule, False)
    icmp_type = rule.protocol in ("icmp", "icmpv6") and "type" in rule.items
    if icmp_type and (swap or tt == "inout"):
        return []
    explicit = rule.statematch is not False and "state" in rule.items
    if explicit and tt != "inout" and tt != direction:
        return []
    out = []
    for items in _instances(entry):
        extra: list[str] = []
        if explicit:
            flags = int(items["state"].value)
            if flags != STATE_NONE:
                extra.append(f"ct state {_states(flags)}")
        elif rule.statematch is not False and tt != "inout":
            extra.append("ct state established" if swap else "ct state new,established")
            if not icmp_type:
                extra.append("ct direction reply" if swap else "ct direction original")
        it = _swapped(items) if swap else items
        out.append(" ".join([*_l3_matches(rule.protocol, it, not swap), *extra, verdict])
                   + _comment(items))
    return out


def _states(flags: int) -> str:
    return ",".join(name.lower() for bit, name in STATES.items() if flags & bit)


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
            if "IP" not in e.params and any(
                    i.var is not None and _access(i.var)[0] == "IP"
                    for i in e.rule.items.values()):
                return True
    return False


def learn_mode(bind: NWFilterBindingDef) -> str:
    """``CTRL_IP_LEARNING`` of the binding (``any`` when not given)."""
    assert bind.filterref is not None
    for p in bind.filterref.parameters:
        if p.name == "CTRL_IP_LEARNING" and p.value:
            mode = p.value.lower()
            if mode not in LEARN_MODES:
                raise report(C.VIR_ERR_INVALID_ARG, f"invalid value '{p.value}' of "
                             "CTRL_IP_LEARNING: 'any', 'dhcp' or 'none'", _FROM)
            return mode
    return "any"


def dhcp_servers(bind: NWFilterBindingDef) -> list[str]:
    """The ``DHCPSERVER`` values of the binding (the servers to learn from)."""
    assert bind.filterref is not None
    return [p.value for p in bind.filterref.parameters if p.name == "DHCPSERVER" and p.value]


def _hooks(table: str, port: str) -> list[str]:
    lines = [f"add table {table}"]
    for base, hook, match in (("from_vm", "prerouting", "iifname"),
                              ("to_vm", "postrouting", "oifname")):
        lines.append(f"add chain {table} {base}")
        lines.append(f"add chain {table} {base}_hook {{ type filter hook {hook} priority "
                     "-200; policy accept; }")
        lines.append(f"add rule {table} {base}_hook {match} {port} jump {base}")
    return lines


def learning(bind: NWFilterBindingDef) -> list[str]:
    """The table of a port whose address is being learned, as libvirt's rules meanwhile:
    with ``CTRL_IP_LEARNING='dhcp'`` only DHCP (from ``DHCPSERVER`` when given) passes;
    with ``any``, from the port only ARP and IPv4 with its MAC, to it everything."""
    table = f"bridge {table_name(bind.portdev)}"
    port = '"' + bind.portdev.replace('"', "") + '"'
    lines = _hooks(table, port)
    if learn_mode(bind) == "dhcp":
        servers = dhcp_servers(bind)
        only = f"ip saddr {{ {', '.join(servers)} }} " if servers else ""
        lines += [(f"add rule {table} from_vm ether saddr {bind.mac} udp sport 68 "
                  "udp dport 67 accept"),
                  f"add rule {table} from_vm drop",
                  f"add rule {table} to_vm {only}udp sport 67 udp dport 68 accept",
                  f"add rule {table} to_vm drop"]
    else:
        lines += [f"add rule {table} from_vm ether saddr != {bind.mac} drop",
                  f"add rule {table} from_vm ether type {{ arp, ip }} accept",
                  f"add rule {table} from_vm drop"]
    return lines


def _ifindex(portdev: str) -> int:
    try:
        with open(f"/sys/class/net/{portdev}/ifindex") as fh:
            return int(fh.read())
    except (OSError, ValueError):
        raise report(C.VIR_ERR_OPERATION_FAILED, f"cannot find port device '{portdev}' "
                     "to filter its IP traffic", _FROM) from None


def ruleset(bind: NWFilterBindingDef, lookup: Callable[[str], NWFilterDef | None],
            learned: dict[str, list[str]] | None = None, index: int | None = None
            ) -> list[str]:
    """The nft statements that make the binding's tables (after they are cleared);
    ``learned`` are parameters found meanwhile (the ``IP`` of a port), ``index`` the
    port's ifindex (read from /sys when not given)."""
    tree = _tree(bind, lookup, learned)
    name = table_name(bind.portdev)
    table, itable = f"bridge {name}", f"inet {name}"
    port = '"' + bind.portdev.replace('"', "") + '"'
    lines = _hooks(table, port)
    l3 = sorted((e for entries in tree.chains.values() for e in entries
                 if not _is_l2(e.rule)), key=lambda e: (e.priority, e.order))
    for direction in ("out", "in"):
        base = "from_vm" if direction == "out" else "to_vm"
        root: list[tuple[int, int, list[str]]] = []
        for chain, entries in tree.chains.items():
            mine = sorted((e for e in entries if _is_l2(e.rule)),
                          key=lambda e: (e.priority, e.order))
            if chain == "root":
                root += [(e.priority, e.order, _l2_bodies(e, direction)) for e in mine]
                continue
            bodies = [b for e in mine for b in _l2_bodies(e, direction)]
            if not bodies:
                continue
            sub = f"{base}_{re.sub(r'[^A-Za-z0-9_]', '_', chain)}"
            lines.append(f"add chain {table} {sub}")
            lines += [f"add rule {table} {sub} {body}" for body in bodies]
            prefix = chain.split("-")[0]
            prio = tree.chain_priority.get(chain, CHAIN_PRIORITY.get(prefix, 0))
            root.append((prio, 0, [f"{_CHAIN_MATCH.get(prefix, '')}jump {sub}"]))
        root.sort(key=lambda r: (r[0], r[1]))
        for _, _, bodies in root:
            lines += [f"add rule {table} {base} {body}" for body in bodies]
    if l3:
        lines += _l3_tables(table, itable, port,
                            _ifindex(bind.portdev) if index is None else index, l3)
    return lines


def _l3_tables(table: str, itable: str, port: str, index: int, l3: list[_Entry]) -> list[str]:
    """The marks the bridge table gives the port's frames and the inet table of the
    layer-3 rules."""
    lines = [
        (f"add chain {table} mark_from {{ type filter hook prerouting priority -250; "
        "policy accept; }"),
        (f"add rule {table} mark_from iifname {port} meta mark set meta mark and "
        f"0xffff0000 or {index:#x}"),
        (f"add chain {table} mark_to {{ type filter hook forward priority -250; "
        "policy accept; }"),
        (f"add rule {table} mark_to oifname {port} meta mark set meta mark and "
        f"0x0000ffff or {index << 16:#x}"),
        f"add table {itable}"]
    for base, hook, mask in (("from_vm", "prerouting", "0x0000ffff"),
                             ("to_vm", "forward", "0xffff0000")):
        value = index if base == "from_vm" else index << 16
        lines += [f"add chain {itable} {base}",
                  (f"add chain {itable} {base}_hook {{ type filter hook {hook} priority -150; "
                  "policy accept; }"),
                  (f"add rule {itable} {base}_hook meta mark and {mask} == {value:#x} "
                  f"jump {base}")]
        direction = "out" if base == "from_vm" else "in"
        for e in l3:
            lines += [f"add rule {itable} {base} {body}" for body in _l3_bodies(e, direction)]
    return lines


def _reset(portdev: str) -> str:
    name = table_name(portdev)
    return "".join(f"add table {fam} {name}\ndelete table {fam} {name}\n"
                   for fam in ("bridge", "inet"))


BRIDGE_NF = "/proc/sys/net/bridge/bridge-nf-call-{}"


def _bridge_netfilter() -> None:
    """Make bridged IPv4/IPv6 traffic pass the inet hooks (where the layer-3 rules are),
    as libvirt turns ``bridge-nf-call-iptables``/``ip6tables`` on when they are off."""
    for which in ("iptables", "ip6tables"):
        path = BRIDGE_NF.format(which)
        try:
            with open(path) as fh:
                if fh.read().strip() != "0":
                    continue
            with open(path, "w") as fh:
                fh.write("1\n")
            log.warning("turned %s on: filter rules on IP traffic need it", path)
        except FileNotFoundError:
            raise report(C.VIR_ERR_NO_SUPPORT, "filter rules on IP traffic need the kernel's "
                         f"bridge netfilter ({path} is missing: load br_netfilter)",
                         _FROM) from None
        except OSError as exc:
            raise report(C.VIR_ERR_SYSTEM_ERROR, f"cannot turn {path} on: {exc.strerror}",
                         _FROM) from None


def apply(bind: NWFilterBindingDef, lookup: Callable[[str], NWFilterDef | None],
          learned: dict[str, list[str]] | None = None, learn: bool = False) -> None:
    """Load (or replace, in one transaction) the binding's tables (with ``learn``: the
    table of :func:`learning`)."""
    lines = learning(bind) if learn else ruleset(bind, lookup, learned)
    if any(line.startswith("add table inet ") for line in lines):
        _bridge_netfilter()
    nft.run(_reset(bind.portdev) + "\n".join(lines) + "\n",
            f"Failed to apply filter rules to port '{bind.portdev}'", _FROM)


def remove(portdev: str) -> None:
    """Delete the tables of the binding on ``portdev`` (if they are there)."""
    nft.run(_reset(portdev), f"Failed to remove filter rules of port '{portdev}'", _FROM)
