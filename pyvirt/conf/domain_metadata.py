"""A domain's ``<title>``, ``<description>`` and ``<metadata>`` elements as
virDomainSetMetadata / virDomainGetMetadata read and write them.

An application's element lives in ``<metadata>`` in its own namespace
(``uri``, written with prefix ``key``); it is given and returned without
that namespace, as libvirt does.  Shared by every driver.
"""

from __future__ import annotations

from typing import Any

from lxml import etree

from pyvirt import constants as C
from pyvirt.errors import report, report_raw

_FROM_DOM = C.VIR_FROM_DOMAIN
_FROM_XML = C.VIR_FROM_XML
_PARSER = etree.XMLParser(remove_blank_text=True, resolve_entities=False, no_network=True)


def check_set(kind: int, metadata: str | None, key: str | None, uri: str | None) -> None:
    """libvirt's argument checks of virDomainSetMetadata."""
    if kind == C.VIR_DOMAIN_METADATA_ELEMENT:
        if uri is None:
            raise report_raw(C.VIR_ERR_INVALID_ARG, "uri in virDomainSetMetadata must not "
                             "be NULL", _FROM_DOM, "virDomainSetMetadata", "uri")
        if metadata is not None and key is None:
            raise report_raw(C.VIR_ERR_INVALID_ARG, "key in virDomainSetMetadata must not "
                             "be NULL", _FROM_DOM, "virDomainSetMetadata", "key")
    elif kind in (C.VIR_DOMAIN_METADATA_DESCRIPTION, C.VIR_DOMAIN_METADATA_TITLE):
        if uri is not None:
            raise report_raw(C.VIR_ERR_INVALID_ARG, "uri in virDomainSetMetadata must be "
                             "NULL", _FROM_DOM, "virDomainSetMetadata", "uri")
        if kind == C.VIR_DOMAIN_METADATA_TITLE and metadata and "\n" in metadata:
            raise report_raw(C.VIR_ERR_INVALID_ARG, "metadata title in "
                             "virDomainSetMetadata can't contain newlines", _FROM_DOM)
    else:
        raise report(C.VIR_ERR_INVALID_ARG, f"unknown metadata type '{kind}'", _FROM_DOM)


def element(def_: Any, uri: str) -> str | None:
    """The metadata element of namespace ``uri`` without its namespace, or None."""
    for elem in def_.metadata or ():
        if isinstance(elem.tag, str) and etree.QName(elem).namespace == uri:
            return etree.tostring(_strip_namespace(elem), encoding="unicode")
    return None


def set_element(def_: Any, xml: str | None, key: str | None, uri: str) -> None:
    """Replace (or, with ``xml`` None, remove) the metadata element of ``uri``."""
    kept = [e for e in def_.metadata or ()
            if not (isinstance(e.tag, str) and etree.QName(e).namespace == uri)]
    if xml is not None:
        try:
            elem = etree.fromstring(xml.encode(), _PARSER)
        except etree.XMLSyntaxError:
            raise report(C.VIR_ERR_XML_ERROR, "(metadata_xml): could not parse XML",
                         _FROM_XML) from None
        new = etree.Element(f"{{{uri}}}{etree.QName(elem).localname}",
                            nsmap={key or "": uri})
        _copy_into(elem, new, uri)
        kept.append(new)
    def_.metadata = kept or None


def apply(def_: Any, kind: int, metadata: str | None, key: str | None,
          uri: str | None) -> None:
    """Set one kind of metadata of ``def_`` (arguments checked by :func:`check_set`)."""
    value = metadata or None
    if kind == C.VIR_DOMAIN_METADATA_DESCRIPTION:
        def_.description = value
    elif kind == C.VIR_DOMAIN_METADATA_TITLE:
        def_.title = value
    else:
        set_element(def_, value, key, uri or "")


def get(def_: Any, kind: int, uri: str | None) -> str:
    """One kind of metadata of ``def_`` (VIR_ERR_NO_DOMAIN_METADATA when absent)."""
    if kind == C.VIR_DOMAIN_METADATA_DESCRIPTION:
        value = def_.description
    elif kind == C.VIR_DOMAIN_METADATA_TITLE:
        value = def_.title
    elif kind == C.VIR_DOMAIN_METADATA_ELEMENT:
        if uri is None:
            raise report_raw(C.VIR_ERR_INVALID_ARG, "uri in virDomainGetMetadata must "
                             "not be NULL", _FROM_DOM, "virDomainGetMetadata", "uri")
        value = element(def_, uri)
    else:
        raise report(C.VIR_ERR_INVALID_ARG, f"unknown metadata type '{kind}'", _FROM_DOM)
    if value is None:
        raise report(C.VIR_ERR_NO_DOMAIN_METADATA,
                     "Requested metadata element is not present", _FROM_DOM)
    return value


def _copy_into(src: etree._Element, dst: etree._Element, uri: str) -> None:
    for name, value in src.attrib.items():
        dst.set(name, value)
    dst.text = src.text
    for child in src:
        if not isinstance(child.tag, str):
            continue
        sub = etree.SubElement(dst, f"{{{uri}}}{etree.QName(child).localname}")
        _copy_into(child, sub, uri)
        sub.tail = child.tail


def _strip_namespace(elem: etree._Element) -> etree._Element:
    new = etree.Element(etree.QName(elem).localname)
    for name, value in elem.attrib.items():
        new.set(name, value)
    new.text = elem.text
    for child in elem:
        if isinstance(child.tag, str):
            sub = _strip_namespace(child)
            sub.tail = child.tail
            new.append(sub)
    return new
