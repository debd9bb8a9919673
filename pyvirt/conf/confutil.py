"""Helpers shared by the non-domain object modules (network, storage, ...).

They sit on top of :mod:`pyvirt.conf.xmlutil` and add what every object
family needs in the same way: the root-element check with libvirt's wording,
names and uuids, enum values, MAC addresses, and a small declarative table of
attributes (``Attr``) so that simple elements read and write themselves.

A class with simple attributes declares them once::

    class Lease:
        ATTRS = (Attr("expiry", "expiry", int), Attr("unit", "unit", LeaseUnit))

and uses :func:`read_attrs` in ``parse`` and :func:`write_attrs` in
``format``; the order of the table is the order libvirt writes.
"""

from __future__ import annotations

import enum
import ipaddress
import re
import uuid as _uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, cast

from lxml import etree

from pyvirt import constants as C
from pyvirt.conf import xmlutil
from pyvirt.conf.xmlutil import E
from pyvirt.errors import libvirtError, report

__all__ = [
    "Attr",
    "E",
    "check_name",
    "child_text",
    "format_metadata",
    "metadata_node",
    "on_off",
    "open_close",
    "parse_enum",
    "parse_ip",
    "parse_mac",
    "parse_root",
    "parse_uuid",
    "read_attrs",
    "write_attrs",
    "yes_no",
]


def parse_root(text: str | bytes, root: str, label: str, domain: int) -> etree._Element:
    """Parse ``text`` and check its root element is ``root``.

    ``label`` names the document in syntax errors ('network_definition').
    A wrong root gives libvirt's 'expecting root element of ...' error.
    """
    elem = xmlutil.parse_xml(text, None, what=label, domain=domain)
    if elem.tag != root:
        raise report(C.VIR_ERR_XML_ERROR,
                     f"expecting root element of '{root}', not '{elem.tag}'", C.VIR_FROM_XML)
    return elem


def child_text(elem: etree._Element, path: str) -> str | None:
    """Return the text of the first element at ``path`` ('' when empty), or None."""
    found = elem.find(path)
    if found is None:
        return None
    return "".join(cast("Iterator[str]", found.itertext()))


def check_name(name: str | None, domain: int, *, slash_ok: bool = False) -> str:
    """Return ``name`` or raise libvirt's errors for a missing or bad name."""
    if not name:
        raise report(C.VIR_ERR_NO_NAME, None, domain)
    if not slash_ok and "/" in name:
        raise report(C.VIR_ERR_XML_DETAIL, "invalid char in name: /", C.VIR_FROM_XML)
    return name


def parse_uuid(text: str | None, domain: int, *, generate: bool = True,
               error: Callable[[], libvirtError] | None = None) -> str | None:
    """Return ``text`` as a canonical uuid string, a new one when absent.

    ``error`` makes the exception for a malformed uuid (libvirt's default
    is an internal error 'malformed uuid element').
    """
    if text is None or text.strip() == "":
        return str(_uuid.uuid4()) if generate else None
    raw = text.strip()
    # libvirt accepts hex digits with '-' or ' ' separators anywhere.
    digits = re.sub(r"[-\s]", "", raw)
    if len(digits) != 32 or not re.fullmatch(r"[0-9a-fA-F]{32}", digits):
        if error is not None:
            raise error()
        raise report(C.VIR_ERR_INTERNAL_ERROR, "malformed uuid element", domain)
    return str(_uuid.UUID(hex=digits))


def parse_enum(cls: type[enum.Enum], value: str | None,
               error: Callable[[str], libvirtError]) -> Any:
    """Return ``cls(value)`` (None stays None), or raise ``error(value)``."""
    if value is None:
        return None
    try:
        return cls(value)
    except ValueError:
        raise error(value) from None


_MAC_RE = re.compile(r"^[0-9a-fA-F]{1,2}(:[0-9a-fA-F]{1,2}){5}$")


def parse_mac(value: str, error: Callable[[str], libvirtError],
              multicast_error: Callable[[str], libvirtError] | None = None) -> str:
    """Return a MAC address in libvirt's lower-case, zero-padded form."""
    if not _MAC_RE.match(value.strip()):
        raise error(value)
    octets = [int(part, 16) for part in value.strip().split(":")]
    if multicast_error is not None and octets[0] & 1:
        raise multicast_error(value)
    return ":".join(f"{o:02x}" for o in octets)


def parse_ip(value: str | None, error: Callable[[str], libvirtError]
             ) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """Return an IP address object for ``value`` (None stays None)."""
    if value is None:
        return None
    try:
        return ipaddress.ip_address(value.strip())
    except ValueError:
        raise error(value) from None


def yes_no(value: str | None, error: Callable[[str], libvirtError]) -> bool | None:
    """'yes'/'no' -> True/False; None stays None; anything else is an error."""
    if value is None:
        return None
    if value == "yes":
        return True
    if value == "no":
        return False
    raise error(value)


def on_off(value: str | None, error: Callable[[str], libvirtError]) -> bool | None:
    """'on'/'off' -> True/False; None stays None; anything else is an error."""
    if value is None:
        return None
    if value == "on":
        return True
    if value == "off":
        return False
    raise error(value)


# --- declarative attributes ---------------------------------------------------

class YesNo:
    """Marker type for an attribute written 'yes'/'no'."""


class OnOff:
    """Marker type for an attribute written 'on'/'off'."""


@dataclass(frozen=True)
class Attr:
    """One XML attribute mapped to one field.

    ``kind`` is ``str``, ``int``, an ``enum.Enum`` class, :class:`YesNo` or
    :class:`OnOff`.  ``base`` is the number base for ints (0 accepts 0x..).
    """

    xml: str
    field: str
    kind: Any = str
    base: int = 10

    def read(self, elem: etree._Element, bad: Callable[[str, str], libvirtError]) -> Any:
        """Return the converted value of the attribute on ``elem`` (None if absent)."""
        raw = elem.get(self.xml)
        if raw is None:
            return None
        kind = self.kind
        if kind is str:
            return raw
        try:
            if kind is int:
                return int(raw.strip(), self.base)
            if kind is YesNo:
                return {"yes": True, "no": False}[raw]
            if kind is OnOff:
                return {"on": True, "off": False}[raw]
            if isinstance(kind, type) and issubclass(kind, enum.Enum):
                return kind(raw)
        except (ValueError, KeyError):
            raise bad(self.xml, raw) from None
        return kind(raw)

    def write(self, value: Any) -> str | None:
        """Return the attribute text for ``value`` (None: leave it out)."""
        if value is None:
            return None
        if self.kind is YesNo:
            return "yes" if value else "no"
        if self.kind is OnOff:
            return "on" if value else "off"
        if isinstance(value, enum.Enum):
            return str(value.value)
        return str(value)


def read_attrs(obj: Any, elem: etree._Element, spec: Iterable[Attr],
               bad: Callable[[str, str], libvirtError]) -> Any:
    """Set each field of ``obj`` named in ``spec`` from ``elem``; return ``obj``."""
    for attr in spec:
        value = attr.read(elem, bad)
        if value is not None:
            setattr(obj, attr.field, value)
    return obj


def write_attrs(obj: Any, spec: Iterable[Attr]) -> list[tuple[str, str | None]]:
    """Return ``obj``'s attributes in ``spec`` order, for :class:`E`."""
    return [(a.xml, a.write(getattr(obj, a.field))) for a in spec]


def bad_attr_error(elem_name: str, domain: int) -> Callable[[str, str], libvirtError]:
    """Return a ``bad(attr, value)`` callback giving libvirt's invalid-value error."""
    def bad(attr: str, value: str) -> libvirtError:
        return xmlutil.bad_attr(attr, elem_name, value, domain)
    return bad


# --- output shapes --------------------------------------------------------------

def open_close(node: E) -> E:
    """Make ``node`` print as ``<tag ...>`` / ``</tag>`` even with no children.

    libvirt writes some elements (a pool's ``<source>``, a network's ``<ip>``)
    with separate open and close tags whatever they hold.
    """
    if not any(not c.empty() for c in node.children) and node.text is None:
        node.add(E.raw_xml(""))
    return node


def metadata_node(root: etree._Element) -> etree._Element | None:
    """Return a copy of the ``<metadata>`` element of ``root``, or None."""
    meta = root.find("metadata")
    if meta is None:
        return None
    return etree.fromstring(etree.tostring(meta))


def format_metadata(meta: etree._Element | None) -> E | None:
    """Return the ``<metadata>`` element as libvirt writes it (children re-indented)."""
    if meta is None:
        return None
    kids = [c for c in meta if isinstance(c.tag, str)]
    if not kids:
        return None
    node = E("metadata")
    for child in kids:
        node.add(E.raw_xml(xmlutil.element_to_string(_detach(child))))
    return node


def _detach(child: etree._Element) -> etree._Element:
    """Return a standalone copy of ``child`` keeping only the namespaces it uses."""
    copy = etree.fromstring(etree.tostring(child))
    etree.cleanup_namespaces(copy)
    copy.tail = None
    return copy


def raw_children(elem: etree._Element | None) -> list[str]:
    """Serialise each child element of ``elem`` (kept verbatim, re-indented)."""
    if elem is None:
        return []
    return [xmlutil.element_to_string(_detach(c)) for c in elem if isinstance(c.tag, str)]


def element_to_e(elem: etree._Element) -> E:
    """Convert a parsed element to :class:`E`, so it prints in libvirt's style.

    Used for XML kept whole (a snapshot's ``<domain>``): single quotes,
    two-space indentation.  Namespaced subtrees are kept verbatim.
    """
    if "}" in elem.tag or any(k.startswith("{") for k in cast("Iterable[str]", elem.attrib)):
        return E.raw_xml(xmlutil.element_to_string(_detach(elem)))
    node = E(elem.tag, list(cast("list[tuple[str, str]]", elem.attrib.items())), keep=True)
    kids = [c for c in elem if isinstance(c.tag, str)]
    if kids:
        for child in kids:
            node.add(element_to_e(child))
    elif elem.text is not None and elem.text.strip():
        node.text = elem.text
    return node
