"""Network filter XML (``<filter>``) and filter bindings (``<filterbinding>``): basics.

A filter has a name, uuid, chain and priority, and an ordered list of
entries: ``<rule>`` (action, direction, priority, statematch, and the
protocol elements kept with their attributes) and ``<filterref>`` (another
filter with parameters).  Protocol attributes are kept in input order, not
re-sorted into libvirt's per-protocol table.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field
from typing import cast

from lxml import etree

from pyvirt import constants as C
from pyvirt.conf import xmlutil
from pyvirt.conf.confutil import E, child_text, parse_mac, parse_root, parse_uuid
from pyvirt.errors import libvirtError, report

_FROM = C.VIR_FROM_NWFILTER

# Chain name prefixes and their default priorities.
CHAIN_PRIORITY = {"root": 0, "mac": -800, "vlan": -750, "stp": -810, "arp": -700,
                  "rarp": -600, "ipv4": -700, "ipv6": -600}


class RuleAction(enum.Enum):
    """``<rule action=...>``."""

    DROP = "drop"
    ACCEPT = "accept"
    REJECT = "reject"
    RETURN = "return"
    CONTINUE = "continue"


class RuleDirection(enum.Enum):
    """``<rule direction=...>``."""

    IN = "in"
    OUT = "out"
    INOUT = "inout"


PROTOCOLS = ("mac", "vlan", "stp", "arp", "rarp", "ip", "ipv6", "tcp", "udp", "udplite",
             "esp", "ah", "sctp", "icmp", "igmp", "all", "tcp-ipv6", "udp-ipv6",
             "udplite-ipv6", "esp-ipv6", "ah-ipv6", "sctp-ipv6", "icmpv6", "all-ipv6")


def _xml_err(detail: str) -> libvirtError:
    return report(C.VIR_ERR_XML_ERROR, detail, _FROM)


@dataclass
class FilterRef:
    """``<filterref filter=...>`` with its ``<parameter name value>`` list."""

    filter: str
    parameters: list[tuple[str, str]] = field(default_factory=list)

    @classmethod
    def parse(cls, elem: etree._Element) -> FilterRef:
        name = elem.get("filter")
        if name is None:
            raise _xml_err("filterref element without filter attribute")
        ref = cls(name)
        for param in elem.findall("parameter"):
            pname, value = param.get("name"), param.get("value")
            if pname is None or value is None:
                raise _xml_err("parameter without name or value")
            ref.parameters.append((pname, value))
        return ref

    def format(self) -> E:
        return E("filterref", [("filter", self.filter)], keep=True, children=[
            E("parameter", [("name", n), ("value", v)]) for n, v in self.parameters])


@dataclass
class Rule:
    """A ``<rule>``; ``matches`` are its protocol elements as (tag, attributes)."""

    action: RuleAction
    direction: RuleDirection
    priority: int = 500
    statematch: bool | None = None
    matches: list[tuple[str, list[tuple[str, str]]]] = field(default_factory=list)

    @classmethod
    def parse(cls, elem: etree._Element) -> Rule:
        action, direction = elem.get("action"), elem.get("direction")
        if action is None:
            raise _xml_err("rule node requires action attribute")
        if direction is None:
            raise _xml_err("rule node requires direction attribute")
        try:
            rule = cls(RuleAction(action), RuleDirection(direction))
        except ValueError:
            which = "action" if action not in [a.value for a in RuleAction] else "direction"
            raise _xml_err(f"unknown rule {which} attribute value") from None
        prio = elem.get("priority")
        if prio is not None:
            try:
                rule.priority = int(prio)
            except ValueError:
                raise _xml_err(f"invalid rule priority '{prio}'") from None
            if not -1000 <= rule.priority <= 1000:
                raise _xml_err(f"rule priority {rule.priority} out of range")
        state = elem.get("statematch")
        if state is not None:
            rule.statematch = state.lower() not in ("0", "false")
        for child in elem:
            if not isinstance(child.tag, str):
                continue
            if child.tag not in PROTOCOLS:
                raise _xml_err(f"unknown protocol element '{child.tag}' in rule")
            rule.matches.append(
                (child.tag, list(cast("list[tuple[str, str]]", child.attrib.items()))))
        return rule

    def format(self) -> E:
        node = E("rule", [("action", self.action.value), ("direction", self.direction.value),
                          ("priority", self.priority),
                          ("statematch", "false" if self.statematch is False else None)],
                 keep=True)
        for tag, attrs in self.matches:
            node.add(E(tag, attrs, keep=True))
        return node


@dataclass
class NWFilterDef:
    """A network filter.

    Drivers use ``name``, ``uuid``, ``chain``, ``priority`` and ``entries``
    (:class:`Rule` and :class:`FilterRef`, in order).
    """

    name: str = ""
    uuid: str = ""
    chain: str = "root"
    priority: int = 0
    entries: list[Rule | FilterRef] = field(default_factory=list)

    @classmethod
    def parse(cls, xml: str | bytes) -> NWFilterDef:
        """Parse filter XML; raise libvirt's errors for bad input."""
        root = parse_root(xml, "filter", "nwfilter_definition", _FROM)
        flt = cls()
        name = root.get("name")
        if name is None:
            raise _xml_err("filter has no name")
        flt.name = name
        chain = root.get("chain")
        if chain is not None:
            prefix = chain.split("-")[0]
            if prefix not in CHAIN_PRIORITY or not re.fullmatch(r"[\w.-]+", chain):
                raise report(C.VIR_ERR_INVALID_ARG, f"unknown chain suffix '{chain}'", _FROM)
            flt.chain = chain
            flt.priority = CHAIN_PRIORITY[prefix]
        prio = root.get("priority")
        if prio is not None:
            value = xmlutil.parse_int(prio, "priority", _FROM)
            if value is None or not -1000 <= value <= 1000:
                raise _xml_err(f"filter priority {prio} out of range")
            flt.priority = value
        flt.uuid = parse_uuid(child_text(root, "uuid"), _FROM, error=lambda: _xml_err(
            "unable to parse uuid"))  # type: ignore[assignment]
        for child in root:
            if child.tag == "rule":
                flt.entries.append(Rule.parse(child))
            elif child.tag == "filterref":
                flt.entries.append(FilterRef.parse(child))
        return flt

    def format(self) -> str:
        """Return the filter XML as libvirt writes it."""
        root = E("filter", [("name", self.name), ("chain", self.chain),
                            ("priority", self.priority or None)], keep=True)
        root.add(E("uuid", text=self.uuid))
        for entry in self.entries:
            root.add(entry.format())
        return xmlutil.to_string(root)


@dataclass
class NWFilterBindingDef:
    """A filter bound to a guest's port (``<filterbinding>``)."""

    owner_name: str = ""
    owner_uuid: str = ""
    portdev: str = ""
    linkdev: str | None = None
    mac: str = ""
    filterref: FilterRef | None = None

    @classmethod
    def parse(cls, xml: str | bytes) -> NWFilterBindingDef:
        """Parse filter binding XML."""
        root = parse_root(xml, "filterbinding", "nwfilterbinding", _FROM)
        bind = cls()
        bind.owner_name = child_text(root, "owner/name") or ""
        if not bind.owner_name:
            raise _xml_err("filter binding has no owner name")
        owner_uuid = parse_uuid(child_text(root, "owner/uuid"), _FROM, generate=False)
        if owner_uuid is None:
            raise _xml_err("filter binding has no owner UUID")
        bind.owner_uuid = owner_uuid
        port = root.find("portdev")
        if port is None or port.get("name") is None:
            raise _xml_err("filter binding has no port dev")
        bind.portdev = port.get("name", "")
        link = root.find("linkdev")
        bind.linkdev = link.get("name") if link is not None else None
        mac = root.find("mac")
        if mac is None or mac.get("address") is None:
            raise _xml_err("filter binding has no MAC address")
        bind.mac = parse_mac(mac.get("address", ""), lambda v: _xml_err(
            f"unable to parse MAC '{v}'"))
        ref = root.find("filterref")
        if ref is None:
            raise _xml_err("filter binding has no filter reference")
        bind.filterref = FilterRef.parse(ref)
        return bind

    def format(self) -> str:
        """Return the filter binding XML."""
        root = E("filterbinding", keep=True)
        root.add(E("owner", children=[E("name", text=self.owner_name),
                                      E("uuid", text=self.owner_uuid)]))
        root.add(E("portdev", [("name", self.portdev)]))
        root.add(E("linkdev", [("name", self.linkdev)]))
        root.add(E("mac", [("address", self.mac)]))
        root.add(self.filterref.format() if self.filterref else None)
        return xmlutil.to_string(root)


__all__ = [
    "CHAIN_PRIORITY",
    "PROTOCOLS",
    "FilterRef",
    "NWFilterBindingDef",
    "NWFilterDef",
    "Rule",
    "RuleAction",
    "RuleDirection",
]
