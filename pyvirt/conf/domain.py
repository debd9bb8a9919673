"""Domain XML: the object model of a guest definition (libvirt's
"Domain XML format"), read and written exactly as libvirt does.

    dom = DomainDef.parse(xml)          # parse, fill defaults, validate
    dom.devices.disks[0].source.file
    xml = dom.format(id=1, flags=0)     # libvirt's XMLDesc output

Parsing is three separate steps, as in libvirt: :meth:`DomainDef.parse_xml`
reads the elements (``pyvirt.conf.domain_*`` modules hold the parts),
:meth:`DomainDef.fill_defaults` adds what libvirt adds (uuid, current
memory, boot device, drive addresses, implicit controllers, console
mirroring the first serial port, default video ...), and
:meth:`DomainDef.validate` rejects what libvirt rejects.  Defaults that
depend on a hypervisor (machine type, PCI addresses, USB controllers) are
the drivers' business.
"""

from __future__ import annotations

import copy as _copy
import operator
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from itertools import compress
from typing import Any

from lxml import etree

from pyvirt import constants as C
from pyvirt.conf import domain_defaults
from pyvirt.conf.domain_base import (
    UINT,
    Device,
    FormatCtx,
    ParseCtx,
    bad_enum,
    format_bitmap,
    internal,
    keep,
    message,
    missing_attr,
    order_of,
    parse_bitmap,
    parse_uuid,
    uint,
    unsupported,
    write_texts,
    xml_err,
)
from pyvirt.conf.domain_chardev import (
    Channel,
    Console,
    Parallel,
    Redirdev,
    Rng,
    Serial,
    Smartcard,
)
from pyvirt.conf.domain_cpu import (
    CPU,
    CpuTune,
    MemoryBacking,
    MemTune,
    NumaTune,
    VcpuInfo,
    memory_kib,
    parse_vcpus,
    vcpus_children,
)
from pyvirt.conf.domain_devices import (
    Audio,
    Graphics,
    Hub,
    Input,
    KeptDevice,
    Memballoon,
    Panic,
    Sound,
    Tpm,
    Video,
    Watchdog,
)
from pyvirt.conf.domain_disk import Controller, Disk, Filesystem, Lease, default_bus
from pyvirt.conf.domain_net import Hostdev, Interface
from pyvirt.conf.domain_os import (
    OS,
    PM,
    Clock,
    Feature,
    Lifecycle,
    OSType,
    parse_features,
    parse_lifecycle,
    write_features,
)
from pyvirt.conf.domain_seclabel import SecLabel
from pyvirt.conf.xmlutil import (
    E,
    attr_text,
    element_to_string,
    escape_text,
    parse_xml,
    to_string,
    write_node,
    xml_error,
)
from pyvirt.errors import report

__all__ = ["DEVICE_TAGS", "Devices", "DomainDef", "FormatParts", "format_device",
           "parse_device"]

_FROM = C.VIR_FROM_DOMAIN

QEMU_NS = "http://libvirt.org/schemas/domain/qemu/1.0"
#: XML namespaces whose elements are kept (as the QEMU driver keeps them)
KEPT_NAMESPACES = {QEMU_NS: "qemu"}

VIRT_TYPES = ("qemu", "kqemu", "kvm", "xen", "lxc", "uml", "openvz", "test", "vmware",
              "hyperv", "vbox", "phyp", "parallels", "bhyve", "vz", "none")


# --- devices ------------------------------------------------------------------------------

#: device element -> (model class, Devices list attribute), in libvirt's output order;
#: None as list means "kept verbatim in Devices.kept".
DEVICE_TAGS: dict[str, tuple[type[Device], str | None]] = {
    "disk": (Disk, "disks"),
    "controller": (Controller, "controllers"),
    "lease": (Lease, "leases"),
    "filesystem": (Filesystem, "filesystems"),
    "interface": (Interface, "interfaces"),
    "smartcard": (Smartcard, "smartcards"),
    "serial": (Serial, "serials"),
    "parallel": (Parallel, "parallels"),
    "console": (Console, "consoles"),
    "channel": (Channel, "channels"),
    "input": (Input, "inputs"),
    "tpm": (Tpm, "tpms"),
    "graphics": (Graphics, "graphics"),
    "sound": (Sound, "sounds"),
    "audio": (Audio, "audios"),
    "video": (Video, "videos"),
    "hostdev": (Hostdev, "hostdevs"),
    "redirdev": (Redirdev, "redirdevs"),
    "redirfilter": (KeptDevice, None),
    "hub": (Hub, "hubs"),
    "watchdog": (Watchdog, "watchdogs"),
    "memballoon": (Memballoon, "memballoon"),
    "rng": (Rng, "rngs"),
    "nvram": (KeptDevice, None),
    "panic": (Panic, "panics"),
    "shmem": (KeptDevice, None),
    "memory": (KeptDevice, None),
    "iommu": (KeptDevice, None),
    "vsock": (KeptDevice, None),
}
_DEVICE_ORDER = order_of("emulator", *DEVICE_TAGS)
_FORMAT_SEQ = tuple((tag, attr) for tag, (_c, attr) in DEVICE_TAGS.items())
#: the typed lists alone, for devices without any kept verbatim
_TYPED_SEQ = tuple((tag, attr) for tag, attr in _FORMAT_SEQ if attr is not None)
_TYPED_TAGS = tuple(tag for tag, _a in _TYPED_SEQ)
_TYPED_ATTRS = tuple(attr for _t, attr in _TYPED_SEQ)
_GET_TYPED = operator.attrgetter(*_TYPED_ATTRS)
_LIST_ATTRS = tuple(a for _c, a in DEVICE_TAGS.values() if a is not None and a != "memballoon")


@dataclass(kw_only=True, slots=True)
class Devices:
    """The ``<devices>`` of a domain, one typed list per kind, in libvirt's
    output order; ``memballoon`` is the one balloon (or None)."""

    emulator: str | None = None
    disks: list[Disk] = field(default_factory=list)
    controllers: list[Controller] = field(default_factory=list)
    leases: list[Lease] = field(default_factory=list)
    filesystems: list[Filesystem] = field(default_factory=list)
    interfaces: list[Interface] = field(default_factory=list)
    smartcards: list[Smartcard] = field(default_factory=list)
    serials: list[Serial] = field(default_factory=list)
    parallels: list[Parallel] = field(default_factory=list)
    consoles: list[Console] = field(default_factory=list)
    channels: list[Channel] = field(default_factory=list)
    inputs: list[Input] = field(default_factory=list)
    tpms: list[Tpm] = field(default_factory=list)
    graphics: list[Graphics] = field(default_factory=list)
    sounds: list[Sound] = field(default_factory=list)
    audios: list[Audio] = field(default_factory=list)
    videos: list[Video] = field(default_factory=list)
    hostdevs: list[Hostdev] = field(default_factory=list)
    redirdevs: list[Redirdev] = field(default_factory=list)
    hubs: list[Hub] = field(default_factory=list)
    watchdogs: list[Watchdog] = field(default_factory=list)
    memballoon: Memballoon | None = None
    rngs: list[Rng] = field(default_factory=list)
    panics: list[Panic] = field(default_factory=list)
    #: devices kept verbatim (shmem, memory, iommu, vsock, nvram, redirfilter)
    kept: list[KeptDevice] = field(default_factory=list)

    def all(self) -> list[Device]:
        """Every device: the typed lists in output order, then the balloon
        and the devices kept verbatim."""
        out: list[Device] = []
        for attr in _LIST_ATTRS:
            out += getattr(self, attr)
        if self.memballoon is not None:
            out.append(self.memballoon)
        out += self.kept
        return out

    def add(self, dev: Device) -> None:
        """Append ``dev`` to its list (disks and controllers at libvirt's
        sorted place)."""
        attr = DEVICE_TAGS[_tag_of(dev)][1]
        if attr is None:
            self.kept.append(dev)  # type: ignore[arg-type]
        elif attr == "memballoon":
            self.memballoon = dev  # type: ignore[assignment]
        elif isinstance(dev, Disk):
            domain_defaults.insert_disk(self.disks, dev)
        elif isinstance(dev, Controller):
            domain_defaults.insert_controller(self.controllers, dev)
        else:
            getattr(self, attr).append(dev)


def _tag_of(dev: Device) -> str:
    return dev.tag if isinstance(dev, KeptDevice) else dev.TAG  # type: ignore[attr-defined]


def parse_device(xml: str, dom: DomainDef | None = None, *, live: bool = False) -> Device:
    """Parse one device element (attach-device/detach-device XML).

    With ``dom``, the device gets the defaults libvirt gives it in that
    domain (disk bus and drive address, MAC address, ports ...) without
    being added to it.  Without, only the disk bus is filled in.
    """
    root = parse_xml(xml, None, "device_definition", _FROM)
    dev = _parse_device_elem(root, ParseCtx(live=live))
    if dom is not None:
        scratch = dom.copy()
        scratch.devices.add(dev)
        domain_defaults.fill_devices(scratch)
    elif isinstance(dev, Disk) and dev.bus is None:
        dev.bus = default_bus(dev)
    return dev


def _parse_device_elem(elem: etree._Element, pctx: ParseCtx) -> Device:
    tag = elem.tag
    entry = DEVICE_TAGS.get(tag) if isinstance(tag, str) else None
    if entry is None:
        raise xml_error(f"unknown device type '{tag}'", _FROM)
    return entry[0].parse(elem, pctx)  # type: ignore[attr-defined, no-any-return]


def format_device(dev: Device, flags: int = 0) -> str:
    """Write one device element as libvirt does."""
    return to_string(dev.format(FormatCtx.from_flags(flags)))  # type: ignore[attr-defined]


# --- the domain ----------------------------------------------------------------------------

_TOP_ORDER = order_of(
    "name", "uuid", "genid", "title", "description", "metadata", "maxMemory", "memory",
    "currentMemory", "blkiotune", "memtune", "memoryBacking", "vcpu", "vcpus", "iothreads",
    "iothreadids", "defaultiothread", "cputune", "numatune", "resource", "sysinfo",
    "bootloader", "bootloader_args", "os", "idmap", "features", "cpu", "clock",
    "on_poweroff", "on_reboot", "on_crash", "on_lockfailure", "pm", "perf", "devices",
    "seclabel", "keywrap", "launchSecurity")

#: the flags that change the output of :meth:`DomainDef.format`
_FORMAT_FLAGS = C.VIR_DOMAIN_XML_INACTIVE | C.VIR_DOMAIN_XML_SECURE | C.VIR_DOMAIN_XML_MIGRATABLE

_LIFECYCLE_TAGS = ("on_poweroff", "on_reboot", "on_crash", "on_lockfailure")

_FIRST_ONLY = frozenset(("memory", "currentMemory", "maxMemory"))

_LIFECYCLE_DEFAULTS = {"on_poweroff": Lifecycle.DESTROY, "on_reboot": Lifecycle.RESTART,
                       "on_crash": Lifecycle.DESTROY}


#: the elements of this model before which kept elements can go, in libvirt's order
_KEPT_PLACES = ("maxMemory", "memtune", "vcpu", "cputune", "numatune", "bootloader",
                "features", "pm", "devices")
#: a top-level tag -> the first of :data:`_KEPT_PLACES` after it (absent: the end)
_PLACE_OF = {tag: next(p for p in _KEPT_PLACES if _TOP_ORDER[p] > order)
             for tag, order in _TOP_ORDER.items() if order < _TOP_ORDER["devices"]}


def _kept_places(kept: list[E]) -> dict[str | None, list[E]]:
    """The kept elements by the element of :data:`_KEPT_PLACES` they go
    just before (None: at the end), each list in libvirt's order."""
    if len(kept) > 1:
        kept = sorted(kept, key=lambda e: _TOP_ORDER.get(e.tag, 1 << 30))
    places: dict[str | None, list[E]] = {}
    for elem in kept:
        place = _PLACE_OF.get(elem.tag)
        if place in places:
            places[place].append(elem)
        else:
            places[place] = [elem]
    return places


def _write_kept(out: list[str], places: dict[str | None, list[E]], place: str | None) -> None:
    """Write the kept elements that go before ``place`` (see :func:`_kept_places`)."""
    for elem in places[place]:
        write_node(elem, "  ", out)


class FormatParts:
    """A cache of formatted parts of one domain, kept by its owner (the test
    driver) between :meth:`DomainDef.format` calls, by output flags.

    A format that finds nothing here writes the whole domain and keeps its
    lines (``lines``: the lines, where the memory line is, where
    ``<devices>`` starts and ends and where each device's lines are), not
    yet joined into parts: that costs only when a later format uses them.
    ``around_memory`` holds the text before and after the memory elements
    (``<maxMemory>``, ``<memory>``, ``<currentMemory>``), which are
    written anew on every format; ``devices`` holds the ``<devices>``
    element, ``device_lines`` the lines of each device (made from
    ``device_runs``, the lines of a whole format and where each device's
    lines are in them).  The owner empties what a change makes stale:
    :meth:`clear` after any change, :meth:`clear_top` after a change
    outside ``<devices>`` (and of no ``<os>`` type), :meth:`clear_device`
    after a change of one device in place, nothing after a change of the
    memory sizes only.
    """

    __slots__ = ("around_memory", "device_lines", "device_runs", "devices", "lines")

    def __init__(self) -> None:
        self.around_memory: dict[int, tuple[str, str]] = {}
        self.devices: dict[int, str] = {}
        #: id of a device -> (the device, its lines), by output flags
        self.device_lines: dict[int, dict[int, tuple[Device, list[str]]]] = {}
        #: (the lines of a format, (device, start, end) of each device), by output flags
        self.device_runs: dict[int, tuple[list[str], list[tuple[Device, int, int]]]] = {}
        #: the last whole format's lines by output flags: (lines, index of the memory
        #: line, start and end of <devices>, the device runs or None)
        self.lines: dict[int, tuple[list[str], int, int, int,
                                    list[tuple[Device, int, int]] | None]] = {}

    def clear(self) -> None:
        """Forget every part."""
        self.around_memory.clear()
        self.devices.clear()
        self.device_lines.clear()
        self.device_runs.clear()
        self.lines.clear()

    def clear_top(self) -> None:
        """Forget all but the devices."""
        self.around_memory.clear()
        for key, (lines, _mem, start, end, runs) in self.lines.items():
            if key not in self.devices:
                self.devices[key] = "".join(lines[start:end])
            if runs is not None:
                self.device_runs[key] = (lines, runs)
        self.lines.clear()

    def clear_device(self, dev: Device) -> None:
        """Forget all but the lines of the other devices, after a change of
        ``dev`` alone."""
        self.around_memory.clear()
        self.devices.clear()
        for key, (lines, _mem, _start, _end, runs) in self.lines.items():
            if runs is not None:
                self.device_runs[key] = (lines, runs)
        self.lines.clear()
        for key, (lines, runs) in self.device_runs.items():
            self.device_lines[key] = {id(d): (d, lines[start:end]) for d, start, end in runs}
        self.device_runs.clear()
        for by_id in self.device_lines.values():
            by_id.pop(id(dev), None)


@dataclass(kw_only=True, slots=True)
class DomainDef:
    """A guest definition.  Memory sizes are KiB.  ``features`` maps a
    feature name ('acpi', 'hyperv' ...) to its :class:`Feature`."""

    type: str = "qemu"
    name: str = ""
    uuid: str = ""
    genid: str | None = None
    title: str | None = None
    description: str | None = None
    #: the children of <metadata> (None: no <metadata> element)
    metadata: list[etree._Element] | None = None
    max_memory: int | None = None
    max_memory_slots: int | None = None
    memory: int = 0
    memory_dump_core: bool | None = None
    current_memory: int | None = None
    memtune: MemTune | None = None
    memory_backing: MemoryBacking | None = None
    vcpus: int | None = None
    max_vcpus: int = 1
    vcpu_placement: str | None = None
    vcpu_cpuset: frozenset[int] | None = None
    vcpu_info: list[VcpuInfo] = field(default_factory=list)
    iothreads: int | None = None
    iothread_ids: list[int] | None = None
    cputune: CpuTune | None = None
    numatune: NumaTune | None = None
    bootloader: str | None = None
    bootloader_args: str | None = None
    os: OS = field(default_factory=OS)
    features: dict[str, Feature] = field(default_factory=dict)
    cpu: CPU | None = None
    clock: Clock = field(default_factory=Clock)
    on_poweroff: Lifecycle | None = None
    on_reboot: Lifecycle | None = None
    on_crash: Lifecycle | None = None
    on_lockfailure: str | None = None
    pm: PM | None = None
    devices: Devices = field(default_factory=Devices)
    seclabels: list[SecLabel] = field(default_factory=list)
    #: top-level elements libvirt knows that this model keeps verbatim
    kept: list[E] = field(default_factory=list)
    #: elements of hypervisor namespaces (qemu:commandline ...), and their prefixes
    ns_kept: list[E] = field(default_factory=list)
    namespaces: dict[str, str] = field(default_factory=dict)

    # -- parse ------------------------------------------------------------

    @classmethod
    def parse(cls, xml: str | bytes, *, live: bool = False) -> DomainDef:
        """Parse domain XML, fill libvirt's defaults and validate.

        ``live`` reads status XML (runtime data such as generated aliases
        are kept).  Errors are libvirt's, see the module documentation.
        """
        dom = cls.parse_xml(xml, live=live)
        dom.fill_defaults()
        dom.validate()
        return dom

    @classmethod
    def parse_xml(cls, xml: str | bytes, *, live: bool = False) -> DomainDef:
        """Read the XML into a DomainDef without defaults or checks."""
        root = parse_xml(xml, "domain", "domain_definition", _FROM)
        return cls.from_element(root, ParseCtx(live=live))

    @classmethod
    def from_element(cls, root: etree._Element, pctx: ParseCtx) -> DomainDef:
        """Read a ``<domain>`` element."""
        dom = cls()
        virt = root.get("type")
        if virt is None:
            raise internal("missing domain type attribute")
        if virt not in VIRT_TYPES:
            raise unsupported(f"invalid domain type {virt}")
        dom.type = virt
        seen: set[str] = set()
        for child in root:
            tag = child.tag
            if not isinstance(tag, str):
                continue
            handler = _TOP_HANDLERS.get(tag)
            if handler is not None:
                if tag in _FIRST_ONLY:
                    # libvirt reads the first of these (./memory[1]) and ignores the others
                    if tag in seen:
                        continue
                    seen.add(tag)
                handler(dom, child, pctx)
            elif tag in _TOP_ORDER:
                dom.kept.append(keep(child))
            elif tag[0] == "{":
                uri = tag[1:].split("}", 1)[0]
                prefix = KEPT_NAMESPACES.get(uri)
                if prefix is not None:
                    dom.namespaces[prefix] = uri
                    dom.ns_kept.append(keep(child))
        if not dom.name:
            raise report(C.VIR_ERR_NO_NAME, None, _FROM)
        if dom.os.type is None:
            if dom.bootloader is None:
                raise xml_err("an os <type> must be specified")
            dom.os.type = OSType.XEN
        if dom.os.type == "exe" and not any(k.tag == "init" for k in dom.os.kept):
            raise xml_err("init binary must be specified")
        return dom

    def _sysinfo(self, child: etree._Element, pctx: ParseCtx) -> None:
        """``<sysinfo>`` is kept as written once its type is one libvirt knows."""
        kind = child.get("type")
        if kind is None:
            raise missing_attr("type", "sysinfo")
        if kind not in ("smbios", "fwcfg"):
            raise bad_enum("type", "sysinfo", kind)
        self.kept.append(keep(child))

    def _name(self, child: etree._Element, pctx: ParseCtx) -> None:
        name = (child.text or "").strip()
        if "/" in name:
            raise xml_err(f"name {name} cannot contain '/'")
        self.name = name

    def _uuid(self, child: etree._Element, pctx: ParseCtx) -> None:
        value = parse_uuid(child.text or "")
        if value is None:
            raise internal(f"malformed {child.tag} element")
        setattr(self, str(child.tag), value)

    def _title(self, child: etree._Element, pctx: ParseCtx) -> None:
        text = child.text or None
        if text and "\n" in text:
            raise xml_err("Domain title can't contain newlines")
        self.title = text

    def _description(self, child: etree._Element, pctx: ParseCtx) -> None:
        self.description = child.text or None

    def _metadata(self, child: etree._Element, pctx: ParseCtx) -> None:
        self.metadata = [_copy.deepcopy(c) for c in child if isinstance(c.tag, str)]

    def _memory(self, child: etree._Element, pctx: ParseCtx) -> None:
        tag = child.tag
        kib = memory_kib(child, f"./{tag}[1]")
        if tag == "memory":
            self.memory = kib
            dump = child.get("dumpCore")
            if dump is not None:
                self.memory_dump_core = dump == "on"
        elif tag == "currentMemory":
            self.current_memory = kib
        else:
            self.max_memory = kib
            slots = child.get("slots")
            self.max_memory_slots = None if slots is None else uint(10, message(
                "Failed to parse memory slot count")).load(slots, "slots", "maxMemory")

    def _vcpu(self, child: etree._Element, pctx: ParseCtx) -> None:
        text = (child.text or "").strip()
        if not text.isdigit():
            raise xml_err("maximum vcpus count must be an integer")
        self.max_vcpus = int(text)
        current = child.get("current")
        if current is not None:
            self.vcpus = UINT.load(current, "current", "vcpu")
        placement = child.get("placement")
        if placement is not None and placement not in ("static", "auto"):
            raise unsupported(f"Unsupported CPU placement mode '{placement}'")
        self.vcpu_placement = placement
        cpuset = child.get("cpuset")
        if cpuset is not None:
            self.vcpu_cpuset = parse_bitmap(cpuset, "cpuset")

    def _iothreads(self, child: etree._Element, pctx: ParseCtx) -> None:
        text = (child.text or "").strip()
        if not text.isdigit():
            raise xml_err(f"invalid iothreads count '{text}'")
        self.iothreads = int(text)

    def _iothreadids(self, child: etree._Element, pctx: ParseCtx) -> None:
        ids = []
        for sub in child:
            if sub.tag == "iothread":
                thread_id = UINT.load(sub.get("id", ""), "id", "iothread")
                if thread_id == 0:
                    raise xml_err("invalid iothread 'id' value '0'")
                if thread_id in ids:
                    raise xml_err(f"duplicate iothread id '{thread_id}' found")
                ids.append(thread_id)
        self.iothread_ids = ids

    def _lifecycle(self, child: etree._Element, pctx: ParseCtx) -> None:
        setattr(self, str(child.tag), parse_lifecycle(child))

    def _text(self, child: etree._Element, pctx: ParseCtx) -> None:
        setattr(self, str(child.tag), child.text or "")

    def _devices(self, child: etree._Element, pctx: ParseCtx) -> None:
        devs = self.devices
        for elem in child:
            tag = elem.tag
            if tag == "emulator":
                devs.emulator = elem.text or ""
            elif isinstance(tag, str) and tag in DEVICE_TAGS:
                devs.add(_parse_device_elem(elem, pctx))

    # -- defaults and checks ------------------------------------------------

    def fill_defaults(self) -> None:
        """Add what libvirt adds to every definition (see the module doc)."""
        domain_defaults.fill(self)

    def validate(self) -> None:
        """Reject what libvirt rejects once defaults are filled."""
        domain_defaults.validate(self)

    # -- format -------------------------------------------------------------

    def format(self, *, id: int | None = None, flags: int = 0,
               parts: FormatParts | None = None) -> str:
        """Write the domain as libvirt's ``virDomainGetXMLDesc`` does.

        ``id`` is the running domain's id (left out with
        ``VIR_DOMAIN_XML_INACTIVE``); ``flags`` are ``VIR_DOMAIN_XML_*``.
        ``parts``, when given, is the caller's cache of formatted parts
        (see :class:`FormatParts`): what it holds is used as is, what it
        lacks is formatted and kept in it.
        """
        fctx = FormatCtx.from_flags(flags)
        if id is not None and not fctx.inactive:
            head = f"<domain type='{self.type}' id='{id}'"
        else:
            head = f"<domain type='{self.type}'"
        if self.ns_kept:
            head += attr_text([(f"xmlns:{p}", uri) for p, uri in self.namespaces.items()])
        out = [head, ">\n"]
        if parts is None:
            self._write_body(out, fctx, None, 0)
            return "".join(out)
        key = flags & _FORMAT_FLAGS
        cached = parts.around_memory.get(key)
        if cached is None:
            last = parts.lines.get(key)
            if last is None:
                self._write_body(out, fctx, parts, key)
                return "".join(out)
            lines, mem = last[0], last[1]
            cached = parts.around_memory[key] = ("".join(lines[2:mem]),
                                                 "".join(lines[mem + 1:]))
        return f"{head}>\n{cached[0]}{self._memory_text()}{cached[1]}"

    def _write_body(self, out: list[str], fctx: FormatCtx, parts: FormatParts | None,
                    key: int) -> None:
        """Append the children of ``<domain>`` and its end tag to ``out``, in
        libvirt's order; elements kept verbatim go at their place among them.

        With ``parts``, the devices are taken from ``parts.devices`` or
        the kept lines of ``parts.device_lines``, and ``out`` is kept in
        ``parts.lines`` (under the flags ``key``)."""
        # the kept elements by their place in libvirt's order; each is written
        # before the first element this model writes that comes after it
        kept = _kept_places(self.kept) if self.kept else None
        out.append(f"  <name>{escape_text(self.name)}</name>\n")
        if self.uuid is not None:
            out.append(f"  <uuid>{self.uuid}</uuid>\n")
        if self.genid is not None or self.title is not None or self.description is not None:
            write_texts(self, ("genid", "title", "description"), "  ", out)
        if self.metadata is not None:
            meta = E("metadata", keep=True)
            meta.children = [E.raw_xml(element_to_string(m)) for m in self.metadata]
            write_node(meta, "  ", out)
        if kept and "maxMemory" in kept:
            _write_kept(out, kept, "maxMemory")
        mem = len(out)
        out.append(self._memory_text())
        if kept and "memtune" in kept:
            _write_kept(out, kept, "memtune")
        if self.memtune is not None:
            write_node(self.memtune.format(), "  ", out)
        if self.memory_backing is not None:
            write_node(self.memory_backing.format(), "  ", out)
        if kept and "vcpu" in kept:
            _write_kept(out, kept, "vcpu")
        self._write_vcpus(out)
        if kept and "cputune" in kept:
            _write_kept(out, kept, "cputune")
        if self.cputune is not None:
            write_node(self.cputune.format(), "  ", out)
        if kept and "numatune" in kept:
            _write_kept(out, kept, "numatune")
        if self.numatune is not None:
            write_node(self.numatune.format(), "  ", out)
        if kept and "bootloader" in kept:
            _write_kept(out, kept, "bootloader")
        write_texts(self, ("bootloader", "bootloader_args"), "  ", out)
        self.os.write("  ", out, self.type)
        if kept and "features" in kept:
            _write_kept(out, kept, "features")
        if self.features:
            write_features(self.features, "  ", out)
        if self.cpu is not None:
            self.cpu.write("  ", out)
        self.clock.write("  ", out)
        poweroff, reboot, crash = self.on_poweroff, self.on_reboot, self.on_crash
        if poweroff is not None and reboot is not None and crash is not None \
                and self.on_lockfailure is None:
            # the common case as one string: the actions are words that need no escaping
            out.append("  <on_poweroff>" + poweroff + "</on_poweroff>\n  <on_reboot>" + reboot
                       + "</on_reboot>\n  <on_crash>" + crash + "</on_crash>\n")
        else:
            write_texts(self, _LIFECYCLE_TAGS, "  ", out)
        if kept and "pm" in kept:
            _write_kept(out, kept, "pm")
        if self.pm is not None:
            write_node(self.pm.format(), "  ", out)
        if kept and "devices" in kept:
            _write_kept(out, kept, "devices")
        dstart = len(out)
        runs: list[tuple[Device, int, int]] | None = None
        if parts is None:
            self._write_devices(out, fctx)
        else:
            text = parts.devices.get(key)
            if text is not None:
                out.append(text)
            else:
                by_id = parts.device_lines.get(key)
                if by_id is None:
                    runs = []
                    self._write_devices(out, fctx, runs=runs)
                else:
                    self._write_devices(out, fctx, by_id)
            dend = len(out)
        for sec in self.seclabels:
            node = sec.format()
            if node is not None:
                write_node(node, "  ", out)
        if kept and None in kept:
            _write_kept(out, kept, None)
        for node in self.ns_kept:
            write_node(node, "  ", out)
        out.append("</domain>\n")
        if parts is not None:
            parts.lines[key] = (out, mem, dstart, dend, runs)

    def _memory_text(self) -> str:
        """``<maxMemory>``, ``<memory>`` and ``<currentMemory>`` as lines of text."""
        text = ""
        if self.max_memory is not None:
            slots = "" if self.max_memory_slots is None else f" slots='{self.max_memory_slots}'"
            text = f"  <maxMemory{slots} unit='KiB'>{self.max_memory}</maxMemory>\n"
        dump = "" if self.memory_dump_core is None else (
            " dumpCore='on'" if self.memory_dump_core else " dumpCore='off'")
        text += f"  <memory{dump} unit='KiB'>{self.memory}</memory>\n"
        if self.current_memory is not None:
            text += f"  <currentMemory unit='KiB'>{self.current_memory}</currentMemory>\n"
        return text

    def _write_vcpus(self, out: list[str]) -> None:
        """``<vcpu>``, ``<vcpus>``, ``<iothreads>`` and ``<iothreadids>``."""
        current = self.vcpus if self.vcpus is not None and self.vcpus != self.max_vcpus \
            else None
        text = f"  <vcpu placement='{escape_text(self.vcpu_placement or 'static')}'"
        if self.vcpu_cpuset is not None:
            text += f" cpuset='{format_bitmap(self.vcpu_cpuset)}'"
        if current is not None:
            text += f" current='{current}'"
        out.append(f"{text}>{self.max_vcpus}</vcpu>\n")
        if self.vcpu_info:
            write_node(vcpus_children(self.vcpu_info), "  ", out)
        if self.iothreads is not None:
            out.append(f"  <iothreads>{self.iothreads}</iothreads>\n")
        if self.iothread_ids:
            write_node(E("iothreadids", children=[E("iothread", [("id", i)])
                                                  for i in self.iothread_ids]), "  ", out)

    def _write_devices(self, out: list[str], fctx: FormatCtx,
                       kept_lines: dict[int, tuple[Device, list[str]]] | None = None,
                       runs: list[tuple[Device, int, int]] | None = None) -> None:
        """Append the ``<devices>`` element to ``out``; with ``kept_lines``
        (id of a device -> the device, its lines), a device's lines are taken
        from there or kept there; with ``runs``, (device, start, end) of
        each device's lines in ``out`` is appended to it (the consoles,
        which mirror the first serial port, and the devices kept verbatim
        are always written, and in neither)."""
        devs = self.devices
        mark = len(out)
        out.append("  <devices>\n")
        if devs.emulator is not None:
            out.append(f"    <emulator>{escape_text(devs.emulator)}</emulator>\n")
        if devs.kept:
            seq: Iterable[tuple[str, str | None, Any]] = [
                (tag, attr, None if attr is None else getattr(devs, attr))
                for tag, attr in _FORMAT_SEQ]
        else:
            values = _GET_TYPED(devs)   # every typed list in one call
            seq = compress(zip(_TYPED_TAGS, _TYPED_ATTRS, values), values)
        for tag, attr, items in seq:
            if attr is None:
                for d in devs.kept:
                    if d.tag == tag:
                        write_node(d.format(fctx), "    ", out)
                continue
            if not items:
                continue
            if attr == "consoles":
                hvm = self.os.type is not None and self.os.type.value == "hvm"
                domain_defaults.write_consoles(devs, hvm, "    ", out, fctx)
                continue
            if attr == "memballoon":
                items = (items,)
            if runs is not None:
                for dev in items:
                    start = len(out)
                    dev.write("    ", out, fctx)
                    runs.append((dev, start, len(out)))
                continue
            if kept_lines is None:
                for dev in items:
                    dev.write("    ", out, fctx)
                continue
            for dev in items:
                entry = kept_lines.get(id(dev))
                if entry is not None and entry[0] is dev:
                    out += entry[1]
                else:
                    start = len(out)
                    dev.write("    ", out, fctx)
                    kept_lines[id(dev)] = (dev, out[start:])
        out.append("  </devices>\n")
        if len(out) == mark + 2:
            del out[mark + 1]
            out[mark] = "  <devices>\n  </devices>\n"

    # -- helpers for drivers ------------------------------------------------------

    def copy(self) -> DomainDef:
        """A deep copy."""
        return _copy.deepcopy(self)

    def add_device(self, dev: Device) -> None:
        """Add ``dev`` as libvirt's attach does: at its place in the device
        lists, with its defaults filled (call :meth:`validate` to check)."""
        self.devices.add(dev)
        domain_defaults.fill_devices(self)

    def find_disk(self, target: str) -> Disk | None:
        """The disk whose target dev is ``target`` ('vda'), or None."""
        for disk in self.devices.disks:
            if disk.target == target:
                return disk
        return None

    @property
    def emulator(self) -> str | None:
        """``<devices><emulator>``."""
        return self.devices.emulator

    @emulator.setter
    def emulator(self, value: str | None) -> None:
        self.devices.emulator = value


_TOP_HANDLERS: dict[str, Callable[[DomainDef, etree._Element, ParseCtx], None]] = {
    "name": DomainDef._name,
    "uuid": DomainDef._uuid,
    "genid": DomainDef._uuid,
    "title": DomainDef._title,
    "description": DomainDef._description,
    "metadata": DomainDef._metadata,
    "memory": DomainDef._memory,
    "currentMemory": DomainDef._memory,
    "maxMemory": DomainDef._memory,
    "memtune": lambda d, c, p: setattr(d, "memtune", MemTune.parse(c)),
    "memoryBacking": lambda d, c, p: setattr(d, "memory_backing", MemoryBacking.parse(c)),
    "vcpu": DomainDef._vcpu,
    "vcpus": lambda d, c, p: setattr(d, "vcpu_info", parse_vcpus(c)),
    "iothreads": DomainDef._iothreads,
    "iothreadids": DomainDef._iothreadids,
    "cputune": lambda d, c, p: setattr(d, "cputune", CpuTune.parse(c)),
    "numatune": lambda d, c, p: setattr(d, "numatune", NumaTune.parse(c)),
    "bootloader": DomainDef._text,
    "bootloader_args": DomainDef._text,
    "os": lambda d, c, p: setattr(d, "os", OS.parse(c)),
    "features": lambda d, c, p: setattr(d, "features", parse_features(c)),
    "cpu": lambda d, c, p: setattr(d, "cpu", CPU.parse(c)),
    "clock": lambda d, c, p: setattr(d, "clock", Clock.parse(c)),
    "on_poweroff": DomainDef._lifecycle,
    "on_reboot": DomainDef._lifecycle,
    "on_crash": DomainDef._lifecycle,
    "on_lockfailure": DomainDef._lifecycle,
    "pm": lambda d, c, p: setattr(d, "pm", PM.parse(c)),
    "devices": DomainDef._devices,
    "seclabel": lambda d, c, p: d.seclabels.append(SecLabel.parse(c, p)),
    "sysinfo": DomainDef._sysinfo,
}

