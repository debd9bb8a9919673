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
from pyvirt.conf.xmlattr import A, Conv, attrs_of, enumconv, message, read_attrs, sint
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


def _load_statematch(text: str, attr: str, elem: str) -> bool | None:
    # libvirt only notes statematch='0'/'false' (a rule that skips state matching)
    return False if text == "0" or text.lower() == "false" else None


#: ``statematch``: False when libvirt turns state matching off, else left out
_STATEMATCH = Conv(_load_statematch, lambda v: "true" if v else "false", "bool",
                   words=("true", "false"))


def _load_mac(text: str, attr: str, elem: str) -> str:
    return parse_mac(text, lambda v: _xml_err(f"unable to parse MAC '{v}'"))


#: a MAC address in libvirt's canonical form
_MAC = Conv(_load_mac, str, "str")


@dataclass
class Parameter:
    """``<parameter name= value=>`` of a ``<filterref>``."""

    name: str | None = None
    value: str | None = None

    ATTRS = (A("name"), A("value"))


@dataclass
class FilterRef:
    """``<filterref filter=...>`` with its ``<parameter name value>`` list."""

    filter: str
    parameters: list[Parameter] = field(default_factory=list)

    ATTRS = (A("filter"),)

    @classmethod
    def parse(cls, elem: etree._Element) -> FilterRef:
        ref = read_attrs(cls(""), elem, cls.ATTRS)
        if elem.get("filter") is None:
            raise _xml_err("filterref element without filter attribute")
        for param in elem.findall("parameter"):
            item = read_attrs(Parameter(), param, Parameter.ATTRS)
            if item.name is None or item.value is None:
                raise _xml_err("parameter without name or value")
            ref.parameters.append(item)
        return ref

    def format(self) -> E:
        return E("filterref", attrs_of(self, self.ATTRS), keep=True, children=[
            E("parameter", attrs_of(p, Parameter.ATTRS)) for p in self.parameters])


@dataclass
class Rule:
    """A ``<rule>``; ``matches`` are its protocol elements as (tag, attributes)."""

    action: RuleAction
    direction: RuleDirection
    priority: int = 500
    statematch: bool | None = None
    matches: list[tuple[str, list[tuple[str, str]]]] = field(default_factory=list)

    ATTRS = (A("action", enumconv(RuleAction, message(
                 "unknown rule action attribute value", domain=_FROM))),
             A("direction", enumconv(RuleDirection, message(
                 "unknown rule direction attribute value", domain=_FROM))),
             A("priority", sint(error=message("invalid rule priority '{value}'", domain=_FROM))),
             A("statematch", _STATEMATCH))

    @classmethod
    def parse(cls, elem: etree._Element) -> Rule:
        if elem.get("action") is None:
            raise _xml_err("rule node requires action attribute")
        if elem.get("direction") is None:
            raise _xml_err("rule node requires direction attribute")
        rule = read_attrs(cls(RuleAction.DROP, RuleDirection.IN), elem, cls.ATTRS)
        if not -1000 <= rule.priority <= 1000:
            raise _xml_err(f"rule priority {rule.priority} out of range")
        for child in elem:
            if not isinstance(child.tag, str):
                continue
            if child.tag not in PROTOCOLS:
                raise _xml_err(f"unknown protocol element '{child.tag}' in rule")
            rule.matches.append(
                (child.tag, list(cast("list[tuple[str, str]]", child.attrib.items()))))
        return rule

    def format(self) -> E:
        node = E("rule", attrs_of(self, self.ATTRS), keep=True)
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

    ATTRS = (A("name"), A("chain"), A("priority", sint(error=message(
        "Invalid value '{value}' for element or attribute 'priority'", domain=_FROM))))

    @classmethod
    def parse(cls, xml: str | bytes) -> NWFilterDef:
        """Parse filter XML; raise libvirt's errors for bad input."""
        root = parse_root(xml, "filter", "nwfilter_definition", _FROM)
        if root.get("name") is None:
            raise _xml_err("filter has no name")
        flt = read_attrs(cls(), root, cls.ATTRS)
        chain, prio = flt.chain, root.get("priority")
        prefix = chain.split("-")[0]
        if prefix not in CHAIN_PRIORITY or not re.fullmatch(r"[\w.-]+", chain):
            raise report(C.VIR_ERR_INVALID_ARG, f"unknown chain suffix '{chain}'", _FROM)
        if prio is None:
            flt.priority = CHAIN_PRIORITY[prefix]
        elif not -1000 <= flt.priority <= 1000:
            raise _xml_err(f"filter priority {prio} out of range")
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
        # a priority of 0 (the root chain's) is left out
        attrs = [kv for kv in attrs_of(self, self.ATTRS) if kv != ("priority", "0")]
        root = E("filter", attrs, keep=True)
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

    PORTDEV_ATTRS = (A("portdev", attr="name"),)
    LINKDEV_ATTRS = (A("linkdev", attr="name"),)
    MAC_ATTRS = (A("mac", _MAC, "address"),)

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
        read_attrs(bind, port, cls.PORTDEV_ATTRS)
        link = root.find("linkdev")
        if link is not None:
            read_attrs(bind, link, cls.LINKDEV_ATTRS)
        mac = root.find("mac")
        if mac is None or mac.get("address") is None:
            raise _xml_err("filter binding has no MAC address")
        read_attrs(bind, mac, cls.MAC_ATTRS)
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
        root.add(E("portdev", attrs_of(self, self.PORTDEV_ATTRS)))
        root.add(E("linkdev", attrs_of(self, self.LINKDEV_ATTRS)))
        root.add(E("mac", attrs_of(self, self.MAC_ATTRS)))
        root.add(self.filterref.format() if self.filterref else None)
        return xmlutil.to_string(root)


__all__ = [
    "CHAIN_PRIORITY",
    "PROTOCOLS",
    "FilterRef",
    "NWFilterBindingDef",
    "NWFilterDef",
    "Parameter",
    "Rule",
    "RuleAction",
    "RuleDirection",
]
