"""Network filter XML (``<filter>``) and filter bindings (``<filterbinding>``).

A filter has a name, uuid, chain and priority, and an ordered list of
entries: ``<rule>`` (action, direction, priority, statematch, and one
protocol element whose attributes :mod:`pyvirt.conf.nwfilter_rule` reads
and writes as libvirt's tables say) and ``<filterref>`` (another filter
with parameters).  Parsing follows libvirt 9.0 also where it is lenient (a
bad rule priority is 500, unknown elements in a rule are ignored).
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field

from lxml import etree

from pyvirt import constants as C
from pyvirt.conf import xmlutil
from pyvirt.conf.confutil import E, child_text, parse_mac, parse_root, parse_uuid
from pyvirt.conf.nwfilter_rule import (
    PROTOCOL_ATTRS,
    PROTOCOLS,
    Item,
    fixup,
    format_items,
    parse_element,
    validate,
)
from pyvirt.conf.xmlattr import A, Conv, attrs_of, read_attrs
from pyvirt.errors import libvirtError, report

_FROM = C.VIR_FROM_NWFILTER

#: chain name prefixes (libvirt's order) and the default priorities of their chains
#: (stp has none: 0)
CHAIN_PRIORITY = {"root": 0, "mac": -800, "vlan": -750, "stp": 0, "arp": -500,
                  "rarp": -400, "ipv4": -700, "ipv6": -600}


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


def _xml_err(detail: str) -> libvirtError:
    return report(C.VIR_ERR_XML_ERROR, detail, _FROM)


def _load_mac(text: str, attr: str, elem: str) -> str:
    return parse_mac(text, lambda v: _xml_err(f"unable to parse MAC '{v}'"))


#: a MAC address in libvirt's canonical form
_MAC = Conv(_load_mac, str, "str")
_VALUE_CHARS = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.:")
_NAME_CHARS = _VALUE_CHARS - {".", ":"}


@dataclass
class Parameter:
    """``<parameter name= value=>`` of a ``<filterref>``."""

    name: str | None = None
    value: str | None = None

    ATTRS = (A("name"), A("value"))


@dataclass
class FilterRef:
    """``<filterref filter=...>`` with its ``<parameter name value>`` list.

    As libvirt, parameters with a bad name or value are skipped, and they are kept
    (and written) sorted by name, the values of one name in the order given."""

    filter: str
    parameters: list[Parameter] = field(default_factory=list)

    ATTRS = (A("filter"),)

    @classmethod
    def parse(cls, elem: etree._Element, missing: str | None = None) -> FilterRef:
        """Read a filter reference (``missing``: the XML error when ``filter`` is absent;
        libvirt's own, oddly worded, by default)."""
        if elem.get("filter") is None:
            if missing:
                raise _xml_err(missing)
            raise report(C.VIR_ERR_INTERNAL_ERROR, "rule node requires action attribute",
                         _FROM)
        ref = read_attrs(cls(""), elem, cls.ATTRS)
        values: dict[str, list[str]] = {}
        for param in elem.findall("parameter"):
            name, value = param.get("name"), param.get("value")
            if (name is None or value is None or not value or set(name) - _NAME_CHARS
                    or set(value) - _VALUE_CHARS):
                continue
            values.setdefault(name, []).append(value)
        ref.parameters = [Parameter(name, v) for name in sorted(values) for v in values[name]]
        return ref

    def format(self) -> E:
        """The ``<filterref>`` element."""
        return E("filterref", attrs_of(self, self.ATTRS), keep=True, children=[
            E("parameter", attrs_of(p, Parameter.ATTRS)) for p in self.parameters])


@dataclass
class Rule:
    """A ``<rule>``: its protocol element (``protocol``, None for a rule without one) and
    that element's attributes (``items``, see :mod:`pyvirt.conf.nwfilter_rule`)."""

    action: RuleAction
    direction: RuleDirection
    priority: int = 500
    statematch: bool | None = None
    protocol: str | None = None
    items: dict[str, Item] = field(default_factory=dict)

    @classmethod
    def parse(cls, elem: etree._Element) -> Rule:
        """Read a rule as libvirt does: the first known protocol element counts (later
        elements of the same protocol add to it, others are ignored), a bad or out of
        range priority leaves 500."""
        action, direction = elem.get("action"), elem.get("direction")
        if action is None:
            raise report(C.VIR_ERR_INTERNAL_ERROR, "rule node requires action attribute",
                         _FROM)
        if action not in {a.value for a in RuleAction}:
            raise report(C.VIR_ERR_CONFIG_UNSUPPORTED, "unknown rule action attribute value",
                         _FROM)
        if direction is None:
            raise report(C.VIR_ERR_INTERNAL_ERROR, "rule node requires direction attribute",
                         _FROM)
        if direction not in {d.value for d in RuleDirection}:
            raise report(C.VIR_ERR_CONFIG_UNSUPPORTED,
                         "unknown rule direction attribute value", _FROM)
        rule = cls(RuleAction(action), RuleDirection(direction))
        prio = elem.get("priority")
        if prio is not None and re.fullmatch(r"\s*[+-]?\d+", prio) and \
                -1000 <= int(prio) <= 1000:
            rule.priority = int(prio)
        statematch = elem.get("statematch")
        if statematch is not None and (statematch == "0" or statematch.lower() == "false"):
            rule.statematch = False
        for child in elem:
            if not isinstance(child.tag, str) or child.tag not in PROTOCOL_ATTRS:
                continue
            if rule.protocol is None:
                rule.protocol = child.tag
            elif child.tag != rule.protocol:
                continue
            parse_element(child, child.tag, rule.items)
            validate(child.tag, rule.items)
        if rule.protocol is not None:
            fixup(rule.protocol, rule.items)
        return rule

    def format(self) -> E:
        """The ``<rule>`` element."""
        attrs = [("action", self.action.value), ("direction", self.direction.value),
                 ("priority", str(self.priority))]
        if self.statematch is False:
            attrs.append(("statematch", "false"))
        node = E("rule", attrs, keep=True)
        if self.protocol is not None:
            for elem_attrs in format_items(self.protocol, self.items):
                node.add(E(self.protocol, elem_attrs, keep=True))
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
        name = root.get("name")
        if name is None:
            raise report(C.VIR_ERR_INTERNAL_ERROR, "filter has no name", _FROM)
        flt = cls(name=name)
        prio = root.get("priority")
        if prio is not None:
            if not re.fullmatch(r"\s*[+-]?\d+", prio):
                raise report(C.VIR_ERR_INVALID_ARG, f"Could not parse chain priority "
                             f"'{prio}'", _FROM)
            if not -1000 <= int(prio) <= 1000:
                raise report(C.VIR_ERR_INVALID_ARG, f"Priority '{int(prio)}' is outside "
                             "valid range of [-1000,1000]", _FROM)
        chain = root.get("chain")
        if chain is not None:
            flt.chain = chain
            prefix = chain_prefix(chain)
            flt.priority = int(prio) if prio is not None else CHAIN_PRIORITY.get(prefix, 0)
        uuid_text = child_text(root, "uuid")
        flt.uuid = parse_uuid(uuid_text, _FROM, error=lambda: _xml_err(
            "malformed uuid element"))  # type: ignore[assignment]
        for child in root:
            if child.tag == "rule":
                flt.entries.append(Rule.parse(child))
            elif child.tag == "filterref":
                flt.entries.append(FilterRef.parse(child))
        return flt

    def format(self) -> str:
        """Return the filter XML as libvirt writes it."""
        attrs = [("name", self.name), ("chain", self.chain)]
        if self.priority:
            attrs.append(("priority", str(self.priority)))
        root = E("filter", attrs, keep=True)
        root.add(E("uuid", text=self.uuid))
        for entry in self.entries:
            root.add(entry.format())
        return xmlutil.to_string(root)


def chain_prefix(chain: str) -> str:
    """The protocol prefix of a chain name (``ipv4`` of ``ipv4-xyz``); libvirt's errors
    for a name it refuses."""
    if len(chain) > 12:
        raise report(C.VIR_ERR_INVALID_ARG, "Name of chain is longer than 12 characters",
                     _FROM)
    if set(chain) - _NAME_CHARS - {".", ":", "-"}:
        raise report(C.VIR_ERR_INVALID_ARG, "Chain name contains invalid characters", _FROM)
    if chain == "root":
        return chain
    if chain.startswith("root"):
        # libvirt refuses it without saying why
        raise report(C.VIR_ERR_INTERNAL_ERROR, "An error occurred, but the cause is unknown",
                     C.VIR_FROM_NONE)
    for prefix in CHAIN_PRIORITY:
        if prefix != "root" and chain.startswith(prefix):
            return prefix
    raise report(C.VIR_ERR_INVALID_ARG, f"Invalid chain name '{chain}'. Please use a chain "
                 "name called 'root' or any of the following prefixes: mac, vlan, stp, arp, "
                 "rarp, ipv4, ipv6", _FROM)


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
        bind.filterref = FilterRef.parse(ref, "filterref element without filter attribute")
        if not any(p.name == "MAC" for p in bind.filterref.parameters):
            # libvirt gives the filters the binding's MAC when no parameter does
            bind.filterref.parameters = sorted(
                [*bind.filterref.parameters, Parameter("MAC", bind.mac)],
                key=lambda p: p.name or "")
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
    "Item",
    "NWFilterBindingDef",
    "NWFilterDef",
    "Parameter",
    "Rule",
    "RuleAction",
    "RuleDirection",
    "chain_prefix",
]
