"""Building blocks of the domain XML model: declarative attributes, kept
XML, device addresses and the device info every device carries.

The domain model (:mod:`pyvirt.conf.domain` and its sibling modules) is a
tree of dataclasses.  Where an element is simple, a class lists its
attributes as :class:`A` declarations and :func:`read_attrs` /
:func:`attrs_of` map them both ways; unions (disk source by type, chardev
source by type) are explicit code in the class's ``parse``/``format``.

Elements that libvirt knows but this model does not (``<numatune>``,
``<seclabel>``, a disk's ``<encryption>`` ...) are kept verbatim as
:class:`~pyvirt.conf.xmlutil.E` trees and written back at their place in
libvirt's element order (:func:`keep`, :func:`place`).  Elements libvirt
itself does not know are dropped, as libvirt drops them.

Errors follow libvirt: a value that does not parse raises
``VIR_ERR_XML_ERROR``, from ``VIR_FROM_XML`` for attribute helpers (as
libvirt's ``virXMLProp*`` do) and from ``VIR_FROM_DOMAIN`` otherwise.
"""

from __future__ import annotations

import enum
import functools
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, cast

from lxml import etree

from pyvirt import constants as C
from pyvirt.conf.xmlattr import (  # noqa: F401 - the attribute layer, used through here too
    INT,
    INT0,
    ONOFF,
    STR,
    UINT,
    UINT0,
    YESNO,
    A,
    Conv,
    _load_hex,
    _load_uint,
    attr_writer,
    attrs_of,
    attrs_text,
    bad_enum,
    bad_int,
    bad_uint,
    enumconv,
    hexconv,
    message,
    missing_attr,
    parse_enum,
    parse_uuid,
    read_attrs,
    required,
    sint,
    strtol,
    uint,
)
from pyvirt.conf.xmlutil import (
    PLAIN,
    E,
    attr_text,
    escape_attr,
    indent_lines,
    write_node,
    xml_error,
)
from pyvirt.errors import libvirtError, report

_FROM = C.VIR_FROM_DOMAIN
_FROM_XML = C.VIR_FROM_XML


# --- parse / format context ----------------------------------------------

@dataclass(slots=True)
class ParseCtx:
    """Options of one parse: ``live`` keeps runtime-only data (aliases
    libvirt generated, tap names, tray state) as libvirt does for status
    XML; without it, the data is dropped as for a definition."""

    live: bool = False


@dataclass(slots=True, frozen=True)
class FormatCtx:
    """Options of one format, from ``VIR_DOMAIN_XML_*`` flags."""

    inactive: bool = False
    secure: bool = False
    migratable: bool = False

    @classmethod
    def from_flags(cls, flags: int) -> FormatCtx:
        """The context for ``virDomainGetXMLDesc`` flags."""
        key = flags & _CTX_FLAGS
        ctx = _CTXS.get(key)
        if ctx is None:
            ctx = _CTXS[key] = cls(inactive=bool(flags & C.VIR_DOMAIN_XML_INACTIVE),
                                   secure=bool(flags & C.VIR_DOMAIN_XML_SECURE),
                                   migratable=bool(flags & C.VIR_DOMAIN_XML_MIGRATABLE))
        return ctx


_CTX_FLAGS = C.VIR_DOMAIN_XML_INACTIVE | C.VIR_DOMAIN_XML_SECURE | C.VIR_DOMAIN_XML_MIGRATABLE
#: the contexts (immutable) by their flags
_CTXS: dict[int, FormatCtx] = {}


# --- errors ----------------------------------------------------------------

def unsupported(detail: str) -> libvirtError:
    """A ``VIR_ERR_CONFIG_UNSUPPORTED`` error of the domain config."""
    return report(C.VIR_ERR_CONFIG_UNSUPPORTED, detail, _FROM)


def xml_err(detail: str) -> libvirtError:
    """A ``VIR_ERR_XML_ERROR`` of the domain config."""
    return report(C.VIR_ERR_XML_ERROR, detail, _FROM)


def internal(detail: str) -> libvirtError:
    """A ``VIR_ERR_INTERNAL_ERROR`` of the domain config."""
    return report(C.VIR_ERR_INTERNAL_ERROR, detail, _FROM)


# --- verbatim XML ----------------------------------------------------------

def _qname(elem: etree._Element, name: str) -> str:
    if name[0] != "{":
        return name
    uri, local = name[1:].split("}", 1)
    for prefix, ns in elem.nsmap.items():
        if ns == uri and prefix:
            return f"{prefix}:{local}"
    return local


def keep(elem: etree._Element) -> E:
    """Copy ``elem`` into an :class:`E` tree written back as libvirt would
    (single quotes, two-space indent), empty elements included."""
    attrs = [(_qname(elem, k), v) for k, v in cast("list[tuple[str, str]]", elem.attrib.items())]
    kids = [keep(c) for c in elem if isinstance(c.tag, str)]
    text = None
    if not kids and elem.text is not None and (elem.text.strip() or not elem.text.isspace()):
        text = elem.text
    return E(_qname(elem, elem.tag), attrs, text, kids, keep=True)


def text_el(tag: str, value: Any, attrs: Iterable[tuple[str, Any]] | None = None) -> E | None:
    """``<tag>value</tag>``, or None when ``value`` is None."""
    if value is None:
        return None
    return text_node(tag, value, attrs)


def text_node(tag: str, value: Any, attrs: Iterable[tuple[str, Any]] | None = None) -> E:
    """``<tag>value</tag>``, text escaped as libvirt does."""
    return E(tag, attrs, value)


def place(children: list[E], kept: Sequence[E], order: dict[str, int]) -> list[E]:
    """Merge ``kept`` elements into ``children`` at libvirt's position per ``order``.

    ``children`` are already in order; an element whose tag is missing
    from ``order`` stays after the element before it.
    """
    if not kept:
        return children
    keyed: list[tuple[int, int, E]] = []
    last = -1
    for i, child in enumerate(children):
        last = order.get(child.tag, last)
        keyed.append((last, i, child))
    n = len(children)
    for j, child in enumerate(kept):
        keyed.append((order.get(child.tag, 1 << 30), n + j, child))
    keyed.sort(key=lambda t: (t[0], t[1]))
    return [t[2] for t in keyed]


def _tag_at(line: str, at: int) -> str:
    """The tag name of the element whose ``<`` is at ``line[at]``."""
    end = at + 1
    while end < len(line) and line[end] not in " />\n":
        end += 1
    return line[at + 1:end]


def place_lines(out: list[str], start: int, pad: str, kept: Sequence[E],
                order: dict[str, int]) -> None:
    """:func:`place` for children already written: the elements in
    ``out[start:]`` (lines indented by ``pad``, in libvirt's order) and
    ``kept`` are put back in ``out[start:]`` in the order ``order`` gives.

    A child starts at a line ``pad<tag``; lines indented deeper, end tags
    and the rest of a multi-line text belong to the child before."""
    text = "".join(out[start:])
    del out[start:]
    head = pad + "<"
    at = len(head)
    keyed: list[tuple[int, int, str]] = []
    last = -1
    chunk: list[str] = []
    tag = ""
    for line in text.splitlines(keepends=True):
        if line.startswith(head) and line[at:at + 1] != "/":
            if chunk:
                keyed.append((last, len(keyed), "".join(chunk)))
            tag = _tag_at(line, at - 1)
            last = order.get(tag, last)
            chunk = [line]
        else:
            chunk.append(line)
    if chunk:
        keyed.append((last, len(keyed), "".join(chunk)))
    for elem in kept:
        lines: list[str] = []
        write_node(elem, pad, lines)
        keyed.append((order.get(elem.tag, 1 << 30), len(keyed), "".join(lines)))
    keyed.sort(key=lambda t: (t[0], t[1]))
    out += [t[2] for t in keyed]


def write_texts(obj: object, tags: Sequence[str], pad: str, out: list[str]) -> None:
    """Append ``<tag>value</tag>`` for each of ``obj``'s fields ``tags``
    that is not None (the field is named as the element)."""
    for tag in tags:
        value = getattr(obj, tag)
        if value is not None:
            out.append(f"{pad}<{tag}>{(value if value in PLAIN else escape_attr(value))}</{tag}>\n")


def order_of(*tags: str) -> dict[str, int]:
    """An order table for :func:`place`."""
    return {tag: i for i, tag in enumerate(tags)}


# --- small value helpers ---------------------------------------------------

def parse_bitmap(text: str, what: str = "") -> frozenset[int]:
    """Parse a cpuset-like list ('0-3,^2,6') into a set of numbers."""
    result: set[int] = set()
    try:
        for part in text.split(","):
            part = part.strip()
            if part.startswith("^"):
                result.discard(_bitmap_num(part[1:]))
            elif "-" in part:
                lo_s, hi_s = part.split("-", 1)
                lo, hi = _bitmap_num(lo_s), _bitmap_num(hi_s)
                if lo > hi:
                    raise ValueError
                result.update(range(lo, hi + 1))
            else:
                result.add(_bitmap_num(part))
    except ValueError:
        raise report(C.VIR_ERR_INVALID_ARG, f"Failed to parse bitmap '{text}'",
                     C.VIR_FROM_NONE) from None
    return frozenset(result)


def _bitmap_num(text: str) -> int:
    text = text.strip()
    if not text.isdigit():
        raise ValueError(text)
    return int(text)


def format_bitmap(bits: Iterable[int]) -> str:
    """Format a set of numbers as libvirt does ('0-2,4')."""
    nums = sorted(bits)
    out = []
    i = 0
    while i < len(nums):
        j = i
        while j + 1 < len(nums) and nums[j + 1] == nums[j] + 1:
            j += 1
        out.append(str(nums[i]) if i == j else f"{nums[i]}-{nums[j]}")
        i = j + 1
    return ",".join(out)


_DISK_PREFIXES = ("fd", "hd", "vd", "sd", "xvd", "ubd")


@functools.lru_cache(maxsize=4096)
def disk_name_to_index(name: str) -> int:
    """Index of a disk target name ('vda' -> 0, 'sdaa' -> 26), -1 if not one."""
    for prefix in _DISK_PREFIXES:
        if name.startswith(prefix):
            rest = name[len(prefix):]
            break
    else:
        return -1
    idx = 0
    n = 0
    for ch in rest:
        if not ("a" <= ch <= "z"):
            break
        idx = (idx + (1 if n else 0)) * 26 + (ord(ch) - ord("a"))
        n += 1
    if n == 0:
        return -1
    tail = rest[n:]
    if tail and not tail.isdigit():
        return -1
    return idx


# --- addresses -------------------------------------------------------------

class AddressType(enum.StrEnum):
    """``<address type=...>``."""

    PCI = "pci"
    DRIVE = "drive"
    VIRTIO_SERIAL = "virtio-serial"
    CCID = "ccid"
    USB = "usb"
    SPAPR_VIO = "spapr-vio"
    VIRTIO_S390 = "virtio-s390"
    CCW = "ccw"
    VIRTIO_MMIO = "virtio-mmio"
    ISA = "isa"
    DIMM = "dimm"
    UNASSIGNED = "unassigned"


@dataclass(kw_only=True, slots=True)
class Address:
    """Base of the typed device addresses."""

    TYPE: ClassVar[AddressType]
    _ATTRS: ClassVar[Sequence[A]] = ()

    @classmethod
    def load(cls, elem: etree._Element) -> Address:
        """Read the attributes of ``elem`` (an ``<address>``)."""
        return read_attrs(cls(), elem, cls._ATTRS)

    def dump(self, tag: str = "address") -> E:
        """The ``<address>`` element."""
        return E.line(tag, self.text(tag))

    def text(self, tag: str = "address") -> str:
        """The ``<address>`` element, formatted."""
        return f"<{tag} type='{self.TYPE.value}'{attrs_text(self, self._ATTRS)}/>"

    def line(self, pad: str) -> str:
        """The ``<address>`` element as lines indented by ``pad``."""
        return indent_lines(self.text(), pad)


#: '0x00' .. '0xff' and '0x0' .. '0xf', the PCI address parts as libvirt writes them
_HEX2 = tuple(f"0x{n:02x}" for n in range(256))
_HEX1 = tuple(f"0x{n:x}" for n in range(16))


def _pci_range_error(domain: int, bus: int, slot: int, function: int) -> libvirtError:
    for name, value, limit in (("domain", domain, 0xFFFF), ("bus", bus, 0xFF),
                               ("slot", slot, 0x1F)):
        if value > limit:
            return report(C.VIR_ERR_XML_ERROR, f"Invalid PCI address {name}='0x{value:x}', "
                          f"must be <= 0x{limit:X}", C.VIR_FROM_NONE)
    return report(C.VIR_ERR_XML_ERROR, f"Invalid PCI address function=0x{function:x}, "
                  "must be <= 7", C.VIR_FROM_NONE)


@dataclass(kw_only=True, slots=True)
class PciAddress(Address):
    """A PCI address; ``multifunction`` is True/False/None (on/off/default)."""

    TYPE = AddressType.PCI
    domain: int = 0
    bus: int = 0
    slot: int = 0
    function: int = 0
    multifunction: bool | None = None
    zpci_uid: int | None = None
    zpci_fid: int | None = None

    @classmethod
    def load(cls, elem: etree._Element) -> PciAddress:
        get = elem.get
        text = get("domain")
        domain = 0 if text is None else _load_hex(text, "domain", "address")
        text = get("bus")
        bus = 0 if text is None else _load_hex(text, "bus", "address")
        text = get("slot")
        slot = 0 if text is None else _load_hex(text, "slot", "address")
        text = get("function")
        function = 0 if text is None else _load_hex(text, "function", "address")
        if domain > 0xFFFF or bus > 0xFF or slot > 0x1F or function > 7:
            raise _pci_range_error(domain, bus, slot, function)
        addr = cls(domain=domain, bus=bus, slot=slot, function=function)
        multi = get("multifunction")
        if multi is not None:
            addr.multifunction = ONOFF.load(multi, "multifunction", "address")
        if len(elem):
            zpci = elem.find("zpci")
            if zpci is not None:
                addr.zpci_uid = _load_hex(zpci.get("uid", "0"), "uid", "zpci")
                addr.zpci_fid = _load_hex(zpci.get("fid", "0"), "fid", "zpci")
        return addr

    def dump(self, tag: str = "address", with_type: bool = True) -> E:
        return E.line(tag, self.text(tag, with_type))

    def line(self, pad: str) -> str:
        if self.multifunction is not None or self.zpci_uid is not None or self.domain \
                or self.bus > 0xFF or self.slot > 0xFF or self.function > 0xF:
            return indent_lines(self.text(), pad)
        return (f"{pad}<address type='pci' domain='0x0000' bus='{_HEX2[self.bus]}' "
                f"slot='{_HEX2[self.slot]}' function='{_HEX1[self.function]}'/>\n")

    def text(self, tag: str = "address", with_type: bool = True) -> str:
        head = f"<{tag} type='pci'" if with_type else f"<{tag}"
        text = (f"{head} domain='0x{self.domain:04x}' bus='0x{self.bus:02x}' "
                f"slot='0x{self.slot:02x}' function='0x{self.function:x}'")
        if self.multifunction is not None:
            text += " multifunction='on'" if self.multifunction else " multifunction='off'"
        if self.zpci_uid is None:
            return text + "/>"
        return (f"{text}>\n  <zpci uid='0x{self.zpci_uid:04x}' "
                f"fid='0x{self.zpci_fid or 0:08x}'/>\n</{tag}>")

    def __str__(self) -> str:
        return f"{self.domain:04x}:{self.bus:02x}:{self.slot:02x}.{self.function:x}"


@dataclass(kw_only=True, slots=True)
class DriveAddress(Address):
    """A drive address on an IDE/SCSI/SATA/FDC controller."""

    TYPE = AddressType.DRIVE
    _ATTRS = (A("controller", UINT), A("bus", UINT), A("target", UINT), A("unit", UINT))
    controller: int = 0
    bus: int = 0
    target: int = 0
    unit: int = 0


@dataclass(kw_only=True, slots=True)
class VirtioSerialAddress(Address):
    """A port on a virtio-serial controller."""

    TYPE = AddressType.VIRTIO_SERIAL
    _ATTRS = (A("controller", UINT), A("bus", UINT), A("port", UINT))
    controller: int = 0
    bus: int = 0
    port: int | None = None


@dataclass(kw_only=True, slots=True)
class CcidAddress(Address):
    """A slot on a CCID (smartcard) controller."""

    TYPE = AddressType.CCID
    _ATTRS = (A("controller", UINT), A("slot", UINT))
    controller: int = 0
    slot: int = 0


def _load_usb_port(text: str, attr: str, elem: str) -> str:
    """A USB port path ('1.2.3', at most 4 levels) with each level in decimal."""
    levels = text.split(".")
    numbers = [strtol(level) for level in levels]
    if len(levels) > 4 or any(n is None or n < 0 for n in numbers):
        raise report(C.VIR_ERR_INTERNAL_ERROR, "Cannot parse <address> 'port' attribute",
                     C.VIR_FROM_DEVICE)
    return ".".join(str(n) for n in numbers)


@dataclass(kw_only=True, slots=True)
class UsbAddress(Address):
    """A USB bus and port path ('1.2.3')."""

    TYPE = AddressType.USB
    _ATTRS = (A("bus", UINT), A("port", Conv(_load_usb_port, str)))
    bus: int = 0
    port: str | None = None


@dataclass(kw_only=True, slots=True)
class SpaprVioAddress(Address):
    """A PAPR VIO register."""

    TYPE = AddressType.SPAPR_VIO
    _ATTRS = (A("reg", hexconv("0x%08x", 16)),)
    reg: int | None = None


@dataclass(kw_only=True, slots=True)
class CcwAddress(Address):
    """An s390 channel I/O address."""

    TYPE = AddressType.CCW
    _ATTRS = (A("cssid", hexconv("0x%x")), A("ssid", hexconv("0x%x")),
              A("devno", hexconv("0x%04x")))
    cssid: int = 0
    ssid: int = 0
    devno: int = 0


@dataclass(kw_only=True, slots=True)
class IsaAddress(Address):
    """An ISA I/O base and IRQ."""

    TYPE = AddressType.ISA
    _ATTRS = (A("iobase", hexconv("0x%x", 16)), A("irq", hexconv("0x%x", 16)))
    iobase: int | None = None
    irq: int | None = None


@dataclass(kw_only=True, slots=True)
class DimmAddress(Address):
    """A memory DIMM slot and base address."""

    TYPE = AddressType.DIMM
    _ATTRS = (A("slot", UINT), A("base", hexconv("0x%x", 16, (1 << 64) - 1)))
    slot: int = 0
    base: int | None = None


@dataclass(kw_only=True, slots=True)
class VirtioMmioAddress(Address):
    """A virtio-mmio device (no attributes)."""

    TYPE = AddressType.VIRTIO_MMIO


@dataclass(kw_only=True, slots=True)
class VirtioS390Address(Address):
    """The legacy s390 virtio transport (no attributes)."""

    TYPE = AddressType.VIRTIO_S390


@dataclass(kw_only=True, slots=True)
class UnassignedAddress(Address):
    """A host device not assigned to the guest's bus."""

    TYPE = AddressType.UNASSIGNED


ADDRESS_CLASSES: dict[str, type[Address]] = {
    cls.TYPE.value: cls for cls in (
        PciAddress, DriveAddress, VirtioSerialAddress, CcidAddress, UsbAddress,
        SpaprVioAddress, CcwAddress, IsaAddress, DimmAddress, VirtioMmioAddress,
        VirtioS390Address, UnassignedAddress)
}


def parse_address(elem: etree._Element) -> Address | None:
    """Parse an ``<address type=...>`` element; no type means no address."""
    kind = elem.get("type")
    if kind is None:
        return None
    cls = ADDRESS_CLASSES.get(kind)
    if cls is None:
        raise unsupported(f"unknown address type '{kind}'")
    return cls.load(elem)


# --- device info -----------------------------------------------------------

@dataclass(kw_only=True, slots=True)
class Rom:
    """``<rom bar= file= enabled=>`` of a PCI device."""

    bar: bool | None = None
    file: str | None = None
    enabled: bool | None = None


@dataclass(kw_only=True, slots=True)
class Device:
    """Fields every device has (libvirt's device info), and the element
    order shared by all devices for them."""

    TAG: ClassVar[str] = ""
    #: device supports <boot order>
    BOOTABLE: ClassVar[bool] = False

    alias: str | None = None
    address: Address | None = None
    boot_order: int | None = None
    boot_loadparm: str | None = None
    rom: Rom | None = None
    acpi_index: int | None = None
    #: USB companion controllers: <master startport=.../>
    master_startport: int | None = None
    #: children libvirt knows that this model keeps verbatim
    kept: list[E] = field(default_factory=list)

    def write_info(self, pad: str, out: list[str], fctx: FormatCtx) -> None:
        """Append the device-info lines (boot, alias, master, rom, acpi,
        address), indented by ``pad``, in libvirt's order."""
        if self.boot_order is not None:
            loadparm = self.boot_loadparm
            out.append(f"{pad}<boot order='{self.boot_order}'/>\n" if loadparm is None else
                       f"{pad}<boot order='{self.boot_order}' "
                       f"loadparm='{escape_attr(loadparm)}'/>\n")
        alias = self.alias
        if alias is not None and (not fctx.inactive or alias.startswith("ua-")):
            alias = alias if alias in PLAIN else escape_attr(alias)
            out.append(f"{pad}<alias name='{alias}'/>\n")
        if self.master_startport is not None:
            out.append(f"{pad}<master startport='{self.master_startport}'/>\n")
        if self.rom is not None:
            rom = self.rom
            text = attr_text([kv for kv in (
                ("enabled", None if rom.enabled is None else ("yes" if rom.enabled else "no")),
                ("bar", None if rom.bar is None else ("on" if rom.bar else "off")),
                ("file", rom.file)) if kv[1] is not None])
            out.append(f"{pad}<rom{text}/>\n")
        if self.acpi_index is not None:
            out.append(f"{pad}<acpi index='{self.acpi_index}'/>\n")
        if self.address is not None:
            out.append(self.address.line(pad))

    def info_children(self, fctx: FormatCtx) -> list[E]:
        """The device-info elements, in libvirt's order (for :class:`E` trees)."""
        out: list[str] = []
        self.write_info("", out, fctx)
        return [E.line(_tag_at(line, 0), line[:-1]) for line in out]

    def write(self, pad: str, out: list[str], fctx: FormatCtx) -> None:
        """Append this device's lines, indented by ``pad``, to ``out``.

        Devices whose ``format`` builds an :class:`E` tree are written
        from it; the common devices override this and write their lines
        directly (see :meth:`close`)."""
        write_node(self.format(fctx), pad, out)  # type: ignore[attr-defined]

    def format_written(self, fctx: FormatCtx) -> E:
        """``format`` for a device that writes itself: its lines as one element."""
        out: list[str] = []
        self.write("", out, fctx)
        return E.line(self.TAG, "".join(out)[:-1])

    def close(self, pad: str, out: list[str], start: int, order: dict[str, int],
              fctx: FormatCtx, tail: str = "", tag: str | None = None) -> None:
        """End a device written directly: ``out[start]`` is its start tag
        (``<TAG ...>``, or ``tag`` when given), the lines after it its
        children in libvirt's order.  Appends the device info, ``tail``
        (lines that come after it) and the end tag, places the kept
        children per ``order``, and writes ``<TAG .../>`` when there is no
        child."""
        if self.address is not None or self.alias is not None \
                or self.boot_order is not None or self.rom is not None \
                or self.acpi_index is not None or self.master_startport is not None:
            self.write_info(pad + "  ", out, fctx)
        if tail:
            out.append(tail)
        if self.kept:
            place_lines(out, start + 1, pad + "  ", self.kept, order)
        if len(out) > start + 1:
            out.append(f"{pad}</{tag or self.TAG}>\n")
        else:
            out[start] = out[start][:-2] + "/>\n"

    def read_info(self, child: etree._Element, pctx: ParseCtx) -> bool:
        """Consume a device-info child element; False if ``child`` is not one."""
        tag = child.tag
        if tag == "address":
            self.address = parse_address(child)
        elif tag == "alias":
            name = child.get("name")
            if name and (pctx.live or name.startswith("ua-")):
                self.alias = name
        elif tag == "boot" and self.BOOTABLE:
            order = child.get("order")
            if order is None:
                raise missing_attr("order", "boot")
            self.boot_order = _load_uint(order, "order", "boot")
            if self.boot_order == 0:
                raise xml_error("Invalid value for attribute 'order' in element 'boot': '0'. "
                                "Expected non-negative integer value", _FROM_XML)
            loadparm = child.get("loadparm")
            self.boot_loadparm = loadparm.upper() if loadparm else None
        elif tag == "rom":
            rom = Rom()
            bar = child.get("bar")
            rom.bar = None if bar is None else ONOFF.load(bar, "bar", "rom")
            enabled = child.get("enabled")
            rom.enabled = None if enabled is None else YESNO.load(enabled, "enabled", "rom")
            rom.file = child.get("file")
            self.rom = rom
        elif tag == "acpi":
            index = child.get("index")
            if index is not None:
                self.acpi_index = _load_uint(index, "index", "acpi")
        elif tag == "master":
            port = child.get("startport")
            if port is not None:
                self.master_startport = _load_uint(port, "startport", "master")
        else:
            return False
        return True

    def finish(self, node: E, order: dict[str, int] | None, fctx: FormatCtx) -> E:
        """Append device info to ``node`` and place the kept children."""
        if self.address is not None or self.alias is not None or self.boot_order is not None \
                or self.rom is not None or self.acpi_index is not None \
                or self.master_startport is not None:
            node.children.extend(self.info_children(fctx))
        if self.kept:
            node.children = place(node.children, self.kept, order or {})
        node.keep = True
        return node


def load_children(dev: Device, elem: etree._Element, pctx: ParseCtx,
                  handlers: Mapping[str, Callable[[Any, etree._Element], object]],
                  known: Mapping[str, int] | None) -> None:
    """Walk ``elem``'s children once: ``handlers[tag](dev, child)`` for modelled
    elements, device info, else keep the child if ``known`` lists its tag."""
    for child in elem:
        tag = child.tag
        if not isinstance(tag, str):
            continue
        handler = handlers.get(tag)
        if handler is not None:
            handler(dev, child)
        elif dev.read_info(child, pctx):
            continue
        elif known is not None and tag in known:
            dev.kept.append(keep(child))
