"""Helpers shared by the non-domain object modules (network, storage, ...).

They sit on top of :mod:`pyvirt.conf.xmlutil` and add what every object
family needs in the same way: the root-element check with libvirt's wording,
names and uuids, MAC addresses, IP addresses and kept metadata.

Simple attributes are declared with :mod:`pyvirt.conf.xmlattr` (the one
declarative attribute layer, shared with the domain model); a family that
reports bad values its own way reads them with :func:`bad_attr_error`.
"""

from __future__ import annotations

import ipaddress
import re
import uuid as _uuid
from collections.abc import Callable, Iterable, Iterator
from typing import cast

from lxml import etree

from pyvirt import constants as C
from pyvirt.conf import xmlattr, xmlutil
from pyvirt.conf.xmlattr import ErrorMaker, parse_enum, read_attrs
from pyvirt.conf.xmlutil import E
from pyvirt.errors import libvirtError, report

__all__ = [
    "E",
    "check_name",
    "child_text",
    "format_metadata",
    "metadata_node",
    "open_close",
    "parse_enum",
    "parse_ip",
    "parse_mac",
    "parse_root",
    "parse_uuid",
    "read_attrs",
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

    The uuid is read as libvirt reads it (:func:`~pyvirt.conf.xmlattr.parse_uuid`);
    ``error`` makes the exception for a malformed one (libvirt's default
    is an internal error 'malformed uuid element').
    """
    if text is None or text.strip() == "":
        return str(_uuid.uuid4()) if generate else None
    value = xmlattr.parse_uuid(text)
    if value is None:
        if error is not None:
            raise error()
        raise report(C.VIR_ERR_INTERNAL_ERROR, "malformed uuid element", domain)
    return value


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






def bad_attr_error(elem_name: str, domain: int) -> ErrorMaker:
    """An error maker for :func:`~pyvirt.conf.xmlattr.read_attrs`: libvirt's
    invalid-value error for element ``elem_name``, from error domain ``domain``."""
    def bad(attr: str, elem: str, value: str) -> libvirtError:
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
