"""The one declarative XML attribute layer of pyvirt/conf.

Every object family describes simple attributes the same way, in the
style of virtinst's ``XMLProperty``: a class body lists :class:`A`
declarations (field, converter, XML name), declared once and used both
to read and to write::

    class DriveAddress(Address):
        _ATTRS = (A("controller", UINT), A("bus", UINT), A("unit", UINT))

:func:`read_attrs` and :func:`attrs_text` (or :func:`attrs_of` for
:class:`~pyvirt.conf.xmlutil.E` trees) are compiled per declaration
table on first use into straight-line functions, so a declaration costs
no reflection per call.

A converter (:class:`Conv`) reads a value as libvirt's parser for that
attribute does: :func:`uint`/:func:`sint` take the number base libvirt
uses (10, 0 for '0x..'/'0..' forms, 16) and libvirt's error for a bad
value; :func:`enumconv` takes a string enum; ``YESNO``/``ONOFF`` the
two-word switches.  Errors are libvirt's ``VIR_ERR_XML_ERROR`` from
``VIR_FROM_XML`` (as its ``virXMLProp*`` helpers report them) unless a
table is read with a family's own error maker.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Sequence
from typing import Any, cast

from lxml import etree

from pyvirt import constants as C
from pyvirt.conf.xmlutil import PLAIN, escape_attr, strtol, xml_error
from pyvirt.errors import libvirtError, report

_FROM = C.VIR_FROM_DOMAIN
_FROM_XML = C.VIR_FROM_XML

#: makes the error for a bad value: (attribute, element, value) -> error
ErrorMaker = Callable[[str, str, str], libvirtError]


# --- errors ----------------------------------------------------------------

def bad_enum(attr: str, elem: str, value: str) -> libvirtError:
    """libvirt's error for an attribute whose value is not one it knows."""
    return xml_error(f"Invalid value for attribute '{attr}' in element '{elem}': '{value}'.",
                     _FROM_XML)


def bad_uint(attr: str, elem: str, value: str) -> libvirtError:
    """libvirt's error for an attribute that must be a non-negative integer."""
    return xml_error(f"Invalid value for attribute '{attr}' in element '{elem}': "
                     f"'{value}'. Expected non-negative integer value", _FROM_XML)


def bad_int(attr: str, elem: str, value: str) -> libvirtError:
    """libvirt's error for an attribute that must be an integer."""
    return xml_error(f"Invalid value for attribute '{attr}' in element '{elem}': "
                     f"'{value}'. Expected integer value", _FROM_XML)


def missing_attr(attr: str, elem: str) -> libvirtError:
    """libvirt's error for a required attribute that is missing
    (``virXMLPropStringRequired``)."""
    return xml_error(f"Missing required attribute '{attr}' in element '{elem}'", _FROM_XML)


# --- value converters ------------------------------------------------------

class Conv:
    """Two-way conversion of one attribute value: ``load(text, attr, elem)``
    and ``dump(value) -> str``.  ``kind`` tells the compiled writers
    (:func:`attr_writer`) how to write a value without calling ``dump``:
    'str' (escaped), 'num' (``str``), 'bool' (``words``), 'enum' (a member
    of a ``str`` enum, whose value needs no escaping), 'enumvalue' (the
    same for an enum not derived from ``str``) or 'fmt' (``fmt % value``)."""

    __slots__ = ("dump", "fmt", "kind", "load", "words")

    def __init__(self, load: Callable[[str, str, str], Any], dump: Callable[[Any], str],
                 kind: str = "", *, words: tuple[str, str] = ("", ""), fmt: str = "") -> None:
        self.load = load
        self.dump = dump
        self.kind = kind
        self.words = words
        self.fmt = fmt


def _number(base: int, low: int, high: int,
            error: Callable[[str, str, str], libvirtError]) -> Callable[[str, str, str], int]:
    def load(text: str, attr: str, elem: str) -> int:
        number = strtol(text, base)
        if number is None or not low <= number <= high or (low == 0 and text.lstrip()[:1] == "-"):
            raise error(attr, elem, text)
        return number
    return load


def uint(base: int = 10, error: Callable[[str, str, str], libvirtError] | None = None,
         high: int = 0xFFFFFFFF) -> Conv:
    """A non-negative number read in ``base`` as libvirt's ``virXMLPropUInt``
    (or ``virStrToLong_uip``) reads it, written in decimal.  ``error(attr,
    elem, text)`` makes the error for a bad value (libvirt's
    'Expected non-negative integer value' by default)."""
    return Conv(_number(base, 0, high, error or bad_uint), str, "num")


def sint(base: int = 10, error: Callable[[str, str, str], libvirtError] | None = None) -> Conv:
    """A signed number read in ``base`` as ``virXMLPropInt`` reads it
    ('Expected integer value')."""
    return Conv(_number(base, -0x80000000, 0x7FFFFFFF, error or bad_int), str, "num")


def message(text: str, code: int = C.VIR_ERR_XML_ERROR,
            domain: int = _FROM) -> Callable[[str, str, str], libvirtError]:
    """An error maker for :func:`uint`/:func:`sint` with libvirt's own message
    for one value; ``{value}`` in ``text`` is the value given."""
    def make(attr: str, elem: str, value: str) -> libvirtError:
        return report(code, text.format(value=value), domain)
    return make


def _load_uint(text: str, attr: str, elem: str) -> int:
    value = text.strip()
    value = value.removeprefix("+")
    if not value.isdigit() or len(value) > 10 or int(value) > 0xFFFFFFFF:
        raise bad_uint(attr, elem, text)
    return int(value)


def _load_hex(text: str, attr: str, elem: str) -> int:
    """Numbers given as 0x.. or decimal (libvirt's base-0 parse)."""
    number = strtol(text, 0)
    if number is None or number < 0:
        raise bad_uint(attr, elem, text)
    return number


def _load_bool(yes: str, no: str) -> Callable[[str, str, str], bool]:
    def load(text: str, attr: str, elem: str) -> bool:
        if text == yes:
            return True
        if text == no:
            return False
        raise bad_enum(attr, elem, text)
    return load


STR = Conv(lambda text, attr, elem: text, str, "str")
#: virXMLPropUInt / virXMLPropInt in base 10, and UInt in base 0 (hex, octal or decimal)
UINT = Conv(_load_uint, str, "num")
INT = sint(10)
UINT0 = uint(0)
INT0 = sint(0)
YESNO = Conv(_load_bool("yes", "no"), lambda v: "yes" if v else "no", "bool",
             words=("yes", "no"))
ONOFF = Conv(_load_bool("on", "off"), lambda v: "on" if v else "off", "bool",
             words=("on", "off"))


def hexconv(fmt: str, base: int = 0, high: int = 0xFFFFFFFF) -> Conv:
    """A number up to ``high`` read in ``base`` (any by default) and written
    with ``fmt`` (e.g. '0x%04x')."""
    load = _load_hex if base == 0 else _number(base, 0, high, bad_uint)
    return Conv(load, lambda v: fmt % v, "fmt", fmt=fmt)


def enumconv(cls: type[enum.Enum], error: ErrorMaker | None = None) -> Conv:
    """A value of the string enum ``cls``; ``error(attr, elem, text)`` makes
    the error for an unknown value (libvirt's invalid-value one by default)."""
    members = cls._value2member_map_
    unknown = error or bad_enum

    def load(text: str, attr: str, elem: str) -> Any:
        member = members.get(text)
        if member is None:
            raise unknown(attr, elem, text)
        return member
    # the compiled writers write a member's value as it is when no value needs escaping
    plain = all(isinstance(m.value, str) and escape_attr(m.value) == m.value for m in cls)
    kind = ("enum" if issubclass(cls, str) else "enumvalue") if plain else ""
    return Conv(load, lambda v: v.value, kind)


class A:
    """One attribute declaration: dataclass field ``name`` <-> XML attribute
    ``attr`` (same name unless given), converted by ``conv``."""

    __slots__ = ("attr", "conv", "name")

    def __init__(self, name: str, conv: Conv | type[enum.Enum] = STR, attr: str | None = None) -> None:
        self.name = name
        self.attr = attr or name
        self.conv = conv if isinstance(conv, Conv) else enumconv(conv)


def required(elem: etree._Element, attr: str, conv: Conv = STR) -> Any:
    """The value of attribute ``attr`` of ``elem`` read with ``conv``; libvirt's
    error when it is missing."""
    text = elem.get(attr)
    if text is None:
        raise missing_attr(attr, str(elem.tag))
    return conv.load(text, attr, str(elem.tag))


def optional(elem: etree._Element, attr: str, conv: Conv = STR) -> Any:
    """The value of attribute ``attr`` of ``elem`` read with ``conv``, None
    when it is missing."""
    text = elem.get(attr)
    return None if text is None else conv.load(text, attr, str(elem.tag))


def read_attrs(obj: Any, elem: etree._Element, specs: Sequence[A],
               error: ErrorMaker | None = None) -> Any:
    """Set ``obj``'s fields from ``elem``'s attributes per ``specs``; return ``obj``.

    ``error(attr, elem, value)`` replaces the converters' errors for a
    family that reports bad values its own way.  The reading is compiled
    once per spec table (see :func:`attr_writer`)."""
    entry = _READERS.get(id(specs))
    if entry is None or entry[0] is not specs:
        entry = _READERS[id(specs)] = (specs, _compile_reader(tuple(specs)))
    entry[1](obj, elem, error)
    return obj


#: id(spec table) -> (the table, its reader)
_READERS: dict[int, tuple[Sequence[A], Callable[[Any, etree._Element, Any], None]]] = {}


def _compile_reader(specs: tuple[A, ...]) -> Callable[[Any, etree._Element, Any], None]:
    lines = ["def read(o, elem, error):", "    get = elem.get"]
    env: dict[str, Any] = {"bad_enum": bad_enum, "libvirtError": libvirtError}
    for i, spec in enumerate(specs):
        conv = spec.conv
        attr = repr(spec.attr)
        lines.append(f"    v = get({attr})")
        lines.append("    if v is not None:")
        if conv.kind == "str":
            lines.append(f"        o.{spec.name} = v")
        elif conv.kind == "bool":
            yes, no = conv.words
            lines += [f"        if v == {yes!r}:", f"            o.{spec.name} = True",
                      f"        elif v == {no!r}:", f"            o.{spec.name} = False",
                      "        else:",
                      f"            raise (error or bad_enum)({attr}, elem.tag, v)"]
        else:
            env[f"load{i}"] = conv.load
            lines += ["        try:",
                      f"            o.{spec.name} = load{i}(v, {attr}, elem.tag)",
                      "        except libvirtError:",
                      "            if error is None:",
                      "                raise",
                      f"            raise error({attr}, elem.tag, v) from None"]
    exec("\n".join(lines), env)  # noqa: S102 - code generated from the declarations
    return cast("Callable[[Any, etree._Element, Any], None]", env["read"])


def attrs_of(obj: Any, specs: Sequence[A]) -> list[tuple[str, str]]:
    """The XML attributes of ``obj`` per ``specs``, in declaration order."""
    out = []
    for spec in specs:
        value = getattr(obj, spec.name)
        if value is not None:
            out.append((spec.attr, spec.conv.dump(value)))
    return out


#: id(spec table) -> (the table, its writer); tables are module constants
_WRITERS: dict[int, tuple[Sequence[A], Callable[[Any], str]]] = {}


def attr_writer(specs: Sequence[A]) -> Callable[[Any], str]:
    """A function writing ``obj``'s attributes per ``specs`` as XML text
    (`` a='1' b='x'``, escaped, None left out), as :func:`attrs_of` does.

    The function is generated once per spec table, on first use, as
    straight-line code: one attribute read, one test and one
    concatenation per attribute.
    """
    entry = _WRITERS.get(id(specs))
    if entry is None or entry[0] is not specs:
        entry = _WRITERS[id(specs)] = (specs, _compile_writer(tuple(specs)))
    return entry[1]


def attrs_text(obj: Any, specs: Sequence[A]) -> str:
    """``obj``'s attributes per ``specs`` as formatted XML text."""
    return attr_writer(specs)(obj)


def _compile_writer(specs: tuple[A, ...]) -> Callable[[Any], str]:
    """Straight-line code writing ``specs``' attributes of an object: per
    attribute one read, one test and, when set, one f-string appended.

    (Reading a block of attributes into a tuple and comparing it with a
    tuple of Nones, to skip unset blocks at once, counted more machine
    instructions on Python 3.11 than testing each: a test costs about 140,
    a set attribute about 850, most of it making strings.)
    """
    if not specs:
        return lambda o: ""
    env: dict[str, Any] = {"esc": escape_attr, "plain": PLAIN}
    # Plain attribute reads (o.name), which CPython specialises per call
    # site; never o.__dict__: once an instance's __dict__ is made, every
    # attribute read of that instance, here and elsewhere, is slower.
    lines = ["def write(o):", "    s = ''"]
    for i, spec in enumerate(specs):
        conv = spec.conv
        v = f"v{i}"
        lines += [f"    {v} = o.{spec.name}", f"    if {v} is not None:"]
        head = f" {spec.attr}='"
        if conv.kind == "str":
            lines.append(f"        s += f\"{head}{{{v} if {v} in plain else esc({v})}}'\"")
        elif conv.kind == "num":
            lines.append(f"        s += f\"{head}{{{v}}}'\"")
        elif conv.kind == "enum":
            # a member is a str: concatenated as it is (reading ._value_ costs
            # more; format() of a str-mixin enum is not its value on 3.11)
            lines.append(f"        s += {head!r} + {v} + \"'\"")
        elif conv.kind == "bool":
            yes, no = (f"{head}{w}'" for w in conv.words)
            lines.append(f"        s += {yes!r} if {v} else {no!r}")
        elif conv.kind == "enumvalue":
            lines.append(f"        s += f\"{head}{{{v}._value_}}'\"")
        elif conv.kind == "fmt":
            lines.append(f"        s += {head!r} + ({conv.fmt!r} % {v}) + \"'\"")
        else:
            env[f"dump{i}"] = conv.dump
            lines.append(f"        s += {head!r} + esc(dump{i}({v})) + \"'\"")
    lines.append("    return s")
    exec("\n".join(lines), env)  # noqa: S102 - code generated from the declarations above
    return cast("Callable[[Any], str]", env["write"])


def parse_enum(cls: type[enum.Enum], text: str | None, attr: str = "", elem: str = "", *,
               error: Callable[[str], libvirtError] | None = None) -> Any:
    """Return the member of string enum ``cls`` for ``text`` (None stays None).

    An unknown value raises libvirt's invalid-value error for ``attr`` of
    ``elem``, or ``error(text)`` when given (a family's own message)."""
    if text is None:
        return None
    member = cls._value2member_map_.get(text)
    if member is None:
        raise error(text) if error is not None else bad_enum(attr, elem, text)
    return member


def integer(base: int = 10) -> Conv:
    """Any integer (no range) in ``base``, as Python's ``int`` reads it."""
    def load(text: str, attr: str, elem: str) -> int:
        try:
            return int(text.strip(), base)
        except ValueError:
            raise bad_int(attr, elem, text) from None
    return Conv(load, str, "num")


# --- uuids -------------------------------------------------------------------

_UUID_HEX = re.compile(r"[0-9a-fA-F]")
_UUID_CANON = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\Z")


def parse_uuid(text: str | None) -> str | None:
    """Canonical lowercase form of a UUID as libvirt reads it (hex digits
    with '-' and spaces allowed between byte pairs), or None if malformed."""
    if text is None:
        return None
    value = text.strip()
    if _UUID_CANON.match(value):
        return value
    digits: list[str] = []
    i = 0
    while i < len(value) and len(digits) < 32:
        ch = value[i]
        if ch in "- ":
            i += 1
            continue
        if not _UUID_HEX.match(ch) or i + 1 >= len(value) or not _UUID_HEX.match(value[i + 1]):
            return None
        digits.append(value[i:i + 2])
        i += 2
        if len(digits) == 16:
            break
    if len(digits) != 16 or value[i:].strip():
        return None
    h = "".join(digits).lower()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


