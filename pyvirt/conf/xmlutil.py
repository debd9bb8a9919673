"""Shared XML helpers: parsing with libvirt's errors, units, canonical output.

Every object module in pyvirt/conf/ uses these, so that all of pyvirt reads
XML the same way and writes it the way libvirt does: two-space indentation,
single-quoted attributes, empty elements left out.

Parsing:   ``root = parse_xml(text, "domain")`` -> lxml element, or a
           ``VIR_ERR_XML_ERROR`` naming line and column.
Writing:   build a tree with :class:`E` (or lxml elements) and call
           :func:`to_string`.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from pathlib import Path

from lxml import etree

from pyvirt import constants as C
from pyvirt.errors import libvirtError, report

_FROM = C.VIR_FROM_XML
SCHEMA_DIR = Path("/usr/share/libvirt/schemas")

_PARSER = etree.XMLParser(remove_blank_text=False, resolve_entities=False,
                          no_network=True, huge_tree=False)


def parse_xml(text: str | bytes, root: str | None = None,
              what: str | None = None, domain: int = C.VIR_FROM_DOMAIN) -> etree._Element:
    """Parse ``text`` and return its root element.

    ``root`` is the expected root element name; ``what`` names the document
    in errors (libvirt says ``(domain_definition)``).  Text that is not well
    formed raises ``VIR_ERR_XML_DETAIL``, as libvirt does, with the line and
    a pointer under the offending column; a wrong root ``VIR_ERR_XML_ERROR``.
    """
    label = what or (f"{root}_definition" if root else "xml")
    if text is None:
        raise report(C.VIR_ERR_INVALID_ARG, "xml description must not be NULL", domain)
    if isinstance(text, str):
        data = text.encode("utf-8")
    else:
        data = text
    try:
        elem = etree.fromstring(data, _PARSER)
    except etree.XMLSyntaxError as exc:
        line, col = exc.position if exc.position else (0, 0)
        msg = exc.msg or str(exc)
        # lxml appends ", line L, column C"; libvirt puts position first.
        msg = msg.split(", line ")[0]
        lines = data.decode("utf-8", "replace").splitlines() or [""]
        # libvirt prints an empty context (the end of the document) as "(null)"
        src = (lines[line - 1] if 0 < line <= len(lines) else "") or "(null)"
        pointer = "-" * max(col - 1, 0) + "^"
        # libvirt's form: the line number, the message, the line, a pointer
        # under the column; reported as VIR_ERR_XML_DETAIL.
        detail = f"({label}):{line}: {msg}\n{src}\n{pointer}"
        raise report(C.VIR_ERR_XML_DETAIL, detail, domain) from None
    if root is not None and elem.tag != root:
        raise report(C.VIR_ERR_XML_ERROR,
                     f"expecting root element of '{root}', not '{elem.tag}'", C.VIR_FROM_XML)
    return elem


# --- values -------------------------------------------------------------

_UNITS = {
    "b": 1, "bytes": 1,
    "k": 1024, "kib": 1024, "kb": 1000,
    "m": 1024 ** 2, "mib": 1024 ** 2, "mb": 1000 ** 2,
    "g": 1024 ** 3, "gib": 1024 ** 3, "gb": 1000 ** 3,
    "t": 1024 ** 4, "tib": 1024 ** 4, "tb": 1000 ** 4,
    "p": 1024 ** 5, "pib": 1024 ** 5, "pb": 1000 ** 5,
    "e": 1024 ** 6, "eib": 1024 ** 6, "eb": 1000 ** 6,
}


def xml_error(detail: str, domain: int = C.VIR_FROM_DOMAIN) -> libvirtError:
    """Return a ``VIR_ERR_XML_ERROR`` with ``detail`` (a bad value, say)."""
    return report(C.VIR_ERR_XML_ERROR, detail, domain)


def invalid_value(value: str, where: str, domain: int = C.VIR_FROM_DOMAIN) -> libvirtError:
    """Return libvirt's error for a value that does not parse."""
    return xml_error(f"Invalid value '{value}' for element or attribute '{where}'", domain)


def bad_attr(attr: str, elem: str, value: str, domain: int = C.VIR_FROM_DOMAIN) -> libvirtError:
    """Return libvirt's error for an attribute with an unknown enum value."""
    return xml_error(f"Invalid value for attribute '{attr}' in element '{elem}': '{value}'.",
                     domain)


def scale_bytes(value: str, unit: str | None, default_unit: str, where: str,
                domain: int = C.VIR_FROM_DOMAIN) -> int:
    """Return ``value`` in ``unit`` (or ``default_unit``) as a number of bytes."""
    try:
        number = int(value.strip(), 10)
    except (ValueError, AttributeError):
        raise invalid_value(str(value), where, domain) from None
    if number < 0:
        raise invalid_value(str(value), where, domain)
    factor = _UNITS.get((unit or default_unit).lower())
    if factor is None:
        raise report(C.VIR_ERR_INVALID_ARG, f"unknown storage size unit '{unit}'", domain)
    return number * factor


def to_kib(value: str, unit: str | None, where: str, domain: int = C.VIR_FROM_DOMAIN) -> int:
    """Return a memory size in KiB, rounding up as libvirt does."""
    size = scale_bytes(value, unit, "KiB", where, domain)
    return (size + 1023) // 1024


def strtol(text: str, base: int = 10) -> int | None:
    """``text`` read as C's ``strtol`` reads a whole string in ``base`` (0:
    '0x..' hex, '0..' octal, else decimal; 16: '0x' optional), or None when
    it is not a number.  Leading blanks and a sign are allowed, as in C."""
    if text.isascii():  # the common forms first: '12', '0x1f'
        if text.isdigit() and (base == 10 or base == 0 and (text[0] != "0" or len(text) == 1)):
            return int(text)
        if base in (0, 16) and text[:2] == "0x" and text[2:].isalnum():
            try:
                return int(text, 16)
            except ValueError:
                return None
    value = text.lstrip(" \t\n\v\f\r")
    sign = 1
    if value[:1] in ("+", "-"):
        sign = -1 if value[0] == "-" else 1
        value = value[1:]
    if base in (0, 16) and value[:2] in ("0x", "0X") and len(value) > 2:
        value, base = value[2:], 16
    elif base == 0:
        base = 8 if len(value) > 1 and value[0] == "0" else 10
    if not value or not value.isascii() or not value.isalnum():
        return None
    try:
        return sign * int(value, base)
    except ValueError:
        return None


def parse_int(value: str | None, where: str, domain: int = C.VIR_FROM_DOMAIN,
              minimum: int | None = None, base: int = 10) -> int | None:
    """Return ``value`` as an int (None stays None), or an XML error naming ``where``."""
    if value is None:
        return None
    number = strtol(value, base)
    if number is None:
        raise invalid_value(value, where, domain)
    if minimum is not None and number < minimum:
        raise invalid_value(value, where, domain)
    return number


def yesno(flag: bool | None) -> str | None:
    """Format a tri-state as 'yes'/'no'/None."""
    return None if flag is None else ("yes" if flag else "no")


# --- canonical output -----------------------------------------------------

class E:
    """A minimal element to format: tag, ordered attributes, text, children.

    Attributes whose value is None are left out, and so are elements with
    neither attributes, text nor children unless ``keep`` is set.
    """

    __slots__ = ("attrs", "children", "keep", "pre", "raw", "tag", "text")

    def __init__(self, tag: str, attrs: Iterable[tuple[str, object]] | dict | None = None,
                 text: object = None, children: Iterable[E | None] | None = None,
                 keep: bool = False) -> None:
        self.tag = tag
        if attrs:
            items = attrs.items() if isinstance(attrs, dict) else attrs
            self.attrs = [kv for kv in items if kv[1] is not None]
        else:
            self.attrs = []
        self.text = None if text is None else (text if text.__class__ is str else str(text))
        self.children = [c for c in children if c is not None] if children else []
        self.keep = keep
        self.raw: str | None = None
        #: attribute text already formatted and escaped (`` a='1' b='x'``),
        #: written before ``attrs``
        self.pre = ""

    @classmethod
    def with_attrs(cls, tag: str, pre: str, text: str | None = None,
                   children: list[E] | None = None, keep: bool = False) -> E:
        """An element whose attributes are given as formatted text ``pre``
        (see :func:`attr_text`); ``children`` is used as is (no Nones)."""
        node = cls.__new__(cls)
        node.tag = tag
        node.attrs = []
        node.pre = pre
        node.text = text
        node.children = children if children is not None else []
        node.keep = keep
        node.raw = None
        return node

    @classmethod
    def line(cls, tag: str, text: str) -> E:
        """A leaf ``tag`` already formatted (``<address .../>``); its lines are
        indented as the element's place requires."""
        node = cls.__new__(cls)
        node.tag = tag
        node.attrs = []
        node.pre = ""
        node.text = None
        node.children = []
        node.keep = True
        node.raw = text
        return node

    def add(self, child: E | None) -> E | None:
        """Append ``child`` (None is ignored) and return it."""
        if child is not None:
            self.children.append(child)
        return child

    def set(self, name: str, value: object) -> None:
        """Append attribute ``name`` unless ``value`` is None."""
        if value is not None:
            self.attrs.append((name, value))

    @classmethod
    def raw_xml(cls, text: str) -> E:
        """An element whose serialised form is given (foreign XML, metadata)."""
        node = cls("#raw", keep=True)
        node.raw = text
        return node

    def empty(self) -> bool:
        """True when the element carries nothing and is not kept."""
        return (not self.keep and not self.attrs and not self.pre and self.text is None
                and all(c.empty() for c in self.children))


_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "'": "&apos;",
                          '"': "&quot;"})


#: strings seen to need no escaping: the hot writers test ``v in PLAIN``
#: (one set lookup on the string's cached hash) before calling
#: :func:`escape_attr`, which is many times dearer; emptied when it grows large
PLAIN: set[str] = set()
_PLAIN_MAX = 1 << 16


def escape_attr(value: str) -> str:
    """Escape an attribute value for single quotes, as libvirt does."""
    if value in PLAIN:
        return value
    # five substring tests beat a regular expression on short values
    if "&" in value or "<" in value or ">" in value or "'" in value or '"' in value:
        return value.translate(_ESCAPES)
    if len(PLAIN) >= _PLAIN_MAX:
        PLAIN.clear()
    PLAIN.add(value)
    return value


#: libvirt escapes element text the same way (quotes included)
escape_text = escape_attr


def attr_text(attrs: Iterable[tuple[str, object]]) -> str:
    """`` k='v'`` for each attribute, escaped as libvirt does."""
    return "".join([f" {k}='{v if v in PLAIN else escape_attr(str(v))}'" for k, v in attrs])


def indent_lines(text: str, pad: str) -> str:
    """``text`` (one element, maybe several lines) with each line indented
    by ``pad`` and ended by a newline."""
    if "\n" not in text:
        return f"{pad}{text}\n"
    return "".join([f"{pad}{line}\n" for line in text.splitlines()])


def write_node(node: E, pad: str, out: list[str]) -> None:
    """Append the lines of ``node`` indented by ``pad`` to ``out``; an empty
    element (see :meth:`E.empty`) writes nothing."""
    raw = node.raw
    if raw is not None:
        if not raw:  # an empty raw child makes its parent print open and close tags
            out.append("")
        elif "\n" in raw:
            out.extend([pad + line + "\n" for line in raw.splitlines()])
        else:
            out.append(pad + raw + "\n")
        return
    tag = node.tag
    attrs = node.pre + attr_text(node.attrs) if node.attrs else node.pre
    children = node.children
    if children:
        mark = len(out)
        out.append("")
        sub = pad + "  "
        for child in children:
            if child.__class__ is E:
                write_node(child, sub, out)
            else:
                child.write(sub, out)  # type: ignore[attr-defined]
        if len(out) > mark + 1:
            out[mark] = f"{pad}<{tag}{attrs}>\n"
            out.append(f"{pad}</{tag}>\n")
            return
        del out[mark]
    text = node.text
    if text is not None:
        text = text if text in PLAIN else escape_attr(text)
        out.append(f"{pad}<{tag}{attrs}>{text}</{tag}>\n")
    elif attrs or node.keep:
        out.append(f"{pad}<{tag}{attrs}/>\n")


def to_string(node: E, indent: int = 0) -> str:
    """Serialise ``node`` the way libvirt does (ends with a newline)."""
    out: list[str] = []
    write_node(node, "  " * indent, out)
    return "".join(out)


def element_to_string(elem: etree._Element) -> str:
    """Serialise a foreign lxml element (metadata), re-indented by two spaces."""
    text = etree.tostring(elem, encoding="unicode").strip()
    reparsed = etree.fromstring(text, etree.XMLParser(remove_blank_text=True))
    etree.indent(reparsed, space="  ")
    return etree.tostring(reparsed, encoding="unicode")


# --- schemas --------------------------------------------------------------

@functools.cache
def _schema(name: str) -> etree.RelaxNG:
    path = SCHEMA_DIR / f"{name}.rng"
    return etree.RelaxNG(etree.parse(str(path)))


def schema_available(name: str = "domain") -> bool:
    """True when libvirt's RelaxNG schema ``name`` is installed."""
    return (SCHEMA_DIR / f"{name}.rng").exists()


def validate(text: str | bytes, schema: str, domain: int = C.VIR_FROM_DOMAIN) -> None:
    """Check ``text`` against libvirt's RelaxNG schema ``schema`` (e.g. 'domain').

    Raises ``VIR_ERR_XML_INVALID_SCHEMA`` with the validator's first
    complaint, or ``VIR_ERR_OPERATION_UNSUPPORTED`` without the schema files.
    """
    if not schema_available(schema):
        raise report(C.VIR_ERR_OPERATION_UNSUPPORTED,
                     f"schema '{SCHEMA_DIR / (schema + '.rng')}' is not installed", domain)
    elem = parse_xml(text, None, domain=domain)
    rng = _schema(schema)
    if not rng.validate(elem):
        err = rng.error_log.last_error
        detail = f"{SCHEMA_DIR / (schema + '.rng')}: {err.message if err else 'invalid'}"
        if err is not None:
            detail += f" (line {err.line})"
        raise report(C.VIR_ERR_XML_INVALID_SCHEMA, detail, domain)
