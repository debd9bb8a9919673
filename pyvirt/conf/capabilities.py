"""Host capabilities XML (``<capabilities>``), as libvirt's capabilities.c writes it.

Drivers build a :class:`Capabilities` (host CPU, NUMA topology, security
models, and one :class:`Guest` per OS type and architecture) and call
``format()``; ``Capabilities.parse`` reads the same XML back.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import cast

from lxml import etree

from pyvirt import constants as C
from pyvirt.conf import xmlutil
from pyvirt.conf.confutil import E, child_text, element_to_e, parse_root
from pyvirt.conf.xmlattr import STR, YESNO, A, attrs_of, integer, read_attrs

_FROM = C.VIR_FROM_CAPABILITIES

#: capabilities are pyvirt's own output read back: any integer, as Python reads it
INT = integer()


def _text(elem: etree._Element) -> str:
    return "".join(cast("Iterator[str]", elem.itertext()))


@dataclass
class Pages:
    """A ``<pages unit='KiB' size=N>`` (with a count inside NUMA cells)."""

    size: int = 0
    count: int | None = None

    #: sizes are in KiB, as libvirt writes them (``unit='KiB'`` comes first)
    ATTRS = (A("size", INT),)

    @classmethod
    def parse(cls, elem: etree._Element, with_count: bool) -> Pages:
        pages = read_attrs(cls(), elem, cls.ATTRS)
        if with_count:
            pages.count = int(_text(elem) or 0)
        return pages

    def format(self) -> E:
        return E("pages", [("unit", "KiB"), *attrs_of(self, self.ATTRS)], text=self.count,
                 keep=True)


@dataclass
class Signature:
    """``<signature family= model= stepping=>`` of the host CPU."""

    family: int = 0
    model: int = 0
    stepping: int = 0

    ATTRS = (A("family", INT), A("model", INT), A("stepping", INT))


@dataclass
class Counter:
    """``<counter name= frequency= scaling=>`` (the TSC)."""

    name: str | None = None
    frequency: str | None = None
    scaling: str | None = None

    ATTRS = (A("name"), A("frequency"), A("scaling"))


@dataclass
class Topology:
    """The host CPU's ``<topology>``."""

    sockets: int | None = None
    dies: int | None = None
    clusters: int | None = None
    cores: int | None = None
    threads: int | None = None

    ATTRS = (A("sockets", INT), A("dies", INT), A("clusters", INT), A("cores", INT),
             A("threads", INT))


@dataclass
class MaxPhysAddr:
    """``<maxphysaddr mode= bits=>``."""

    mode: str = "passthrough"
    bits: int | None = None

    ATTRS = (A("mode", STR), A("bits", INT))


@dataclass
class HostCPU:
    """The host's ``<cpu>``."""

    arch: str = ""
    host_features: list[str] = field(default_factory=list)  # <features><pae/>..
    model: str | None = None
    vendor: str | None = None
    microcode: int | None = None
    signature: Signature | None = None
    counter: Counter | None = None
    topology: Topology | None = None
    maxphysaddr: MaxPhysAddr | None = None
    features: list[str] = field(default_factory=list)
    pages: list[Pages] = field(default_factory=list)

    MICROCODE_ATTRS = (A("microcode", INT, "version"),)
    #: the elements made of attributes only, in libvirt's order
    PARTS = (("signature", Signature), ("counter", Counter), ("topology", Topology),
             ("maxphysaddr", MaxPhysAddr))

    @classmethod
    def parse(cls, elem: etree._Element) -> HostCPU:
        cpu = cls(child_text(elem, "arch") or "")
        feats = elem.find("features")
        if feats is not None:
            cpu.host_features = [f.tag for f in feats if isinstance(f.tag, str)]
        cpu.model = child_text(elem, "model")
        cpu.vendor = child_text(elem, "vendor")
        micro = elem.find("microcode")
        if micro is not None:
            read_attrs(cpu, micro, cls.MICROCODE_ATTRS)
        for tag, part in cls.PARTS:
            found = elem.find(tag)
            if found is not None:
                setattr(cpu, tag, read_attrs(part(), found, part.ATTRS))
        cpu.features = [f.get("name", "") for f in elem.findall("feature")]
        cpu.pages = [Pages.parse(p, False) for p in elem.findall("pages")]
        return cpu

    def format(self) -> E:
        node = E("cpu")
        node.add(E("arch", text=self.arch))
        if self.host_features:
            node.add(E("features", children=[E(f, keep=True) for f in self.host_features]))
        node.add(E("model", text=self.model) if self.model else None)
        node.add(E("vendor", text=self.vendor) if self.vendor else None)
        node.add(E("microcode", attrs_of(self, self.MICROCODE_ATTRS)))
        for tag, part in self.PARTS:
            value = getattr(self, tag)
            if value is not None:
                node.add(E(tag, attrs_of(value, part.ATTRS)))
        for name in self.features:
            node.add(E("feature", [("name", name)]))
        for pages in self.pages:
            node.add(pages.format())
        return node


@dataclass
class CellCPU:
    """A ``<cpu>`` of a NUMA cell."""

    id: int
    socket_id: int | None = None
    die_id: int | None = None
    core_id: int | None = None
    siblings: str | None = None

    ATTRS = (A("id", INT), A("socket_id", INT), A("die_id", INT), A("core_id", INT),
             A("siblings"))


@dataclass
class Sibling:
    """A ``<sibling id= value=>`` of a cell's ``<distances>``."""

    id: int = 0
    value: int = 0

    ATTRS = (A("id", INT), A("value", INT))


@dataclass
class Cell:
    """A NUMA ``<cell>``: memory in KiB, free pages, distances, CPUs."""

    id: int
    memory: int | None = None
    pages: list[Pages] = field(default_factory=list)
    distances: list[tuple[int, int]] = field(default_factory=list)
    cpus: list[CellCPU] = field(default_factory=list)

    ATTRS = (A("id", INT),)

    @classmethod
    def parse(cls, elem: etree._Element) -> Cell:
        cell = read_attrs(cls(0), elem, cls.ATTRS)
        mem = elem.find("memory")
        if mem is not None:
            cell.memory = xmlutil.to_kib(_text(mem), mem.get("unit"), "memory", _FROM)
        cell.pages = [Pages.parse(p, True) for p in elem.findall("pages")]
        for sib in elem.findall("distances/sibling"):
            found = read_attrs(Sibling(), sib, Sibling.ATTRS)
            cell.distances.append((found.id, found.value))
        cell.cpus = [read_attrs(CellCPU(0), cpu, CellCPU.ATTRS)
                     for cpu in elem.findall("cpus/cpu")]
        return cell

    def format(self) -> E:
        node = E("cell", attrs_of(self, self.ATTRS), keep=True)
        if self.memory is not None:
            node.add(E("memory", [("unit", "KiB")], text=self.memory))
        for pages in self.pages:
            node.add(pages.format())
        if self.distances:
            node.add(E("distances", children=[
                E("sibling", attrs_of(Sibling(i, v), Sibling.ATTRS)) for i, v in self.distances]))
        if self.cpus:
            node.add(E("cpus", [("num", len(self.cpus))], children=[
                E("cpu", attrs_of(c, CellCPU.ATTRS)) for c in self.cpus]))
        return node


@dataclass
class SecModel:
    """A ``<secmodel>``: model, DOI and base labels per domain type."""

    model: str
    doi: str = ""
    baselabels: list[tuple[str, str]] = field(default_factory=list)

    def format(self) -> E:
        node = E("secmodel")
        node.add(E("model", text=self.model))
        node.add(E("doi", text=self.doi))
        for kind, label in self.baselabels:
            node.add(E("baselabel", [("type", kind)], text=label))
        return node


@dataclass
class Machine:
    """A ``<machine>`` type of a guest architecture or domain."""

    name: str
    canonical: str | None = None
    max_cpus: int | None = None
    deprecated: bool | None = None

    ATTRS = (A("canonical"), A("max_cpus", INT, "maxCpus"), A("deprecated", YESNO))

    def format(self) -> E:
        # libvirt writes deprecated='yes' only
        shown = self if self.deprecated else Machine(self.name, self.canonical, self.max_cpus)
        return E("machine", attrs_of(shown, self.ATTRS), text=self.name)


def _parse_machines(elem: etree._Element) -> list[Machine]:
    return [read_attrs(Machine(_text(m)), m, Machine.ATTRS) for m in elem.findall("machine")]


@dataclass
class GuestDomain:
    """A ``<domain type=...>`` of a guest arch, with its own emulator/machines if any."""

    type: str
    emulator: str | None = None
    machines: list[Machine] = field(default_factory=list)

    ATTRS = (A("type"),)

    def format(self) -> E:
        node = E("domain", attrs_of(self, self.ATTRS), keep=True)
        node.add(E("emulator", text=self.emulator) if self.emulator else None)
        for machine in self.machines:
            node.add(machine.format())
        return node


@dataclass
class GuestFeature:
    """A guest ``<features>`` entry: name, and default/toggle when it can be toggled."""

    name: str
    default: str | None = None
    toggle: str | None = None

    ATTRS = (A("default"), A("toggle"))

    def format(self) -> E:
        return E(self.name, attrs_of(self, self.ATTRS), keep=True)


@dataclass
class Guest:
    """One ``<guest>``: an OS type on an architecture, and what runs it."""

    os_type: str
    arch: str
    wordsize: int | None = None
    emulator: str | None = None
    loader: str | None = None
    machines: list[Machine] = field(default_factory=list)
    domains: list[GuestDomain] = field(default_factory=list)
    features: list[GuestFeature] = field(default_factory=list)

    ARCH_ATTRS = (A("arch", attr="name"),)

    @classmethod
    def parse(cls, elem: etree._Element) -> Guest:
        arch = elem.find("arch")
        if arch is None:
            raise xmlutil.xml_error("guest without <arch>", _FROM)
        guest = read_attrs(cls(child_text(elem, "os_type") or "", ""), arch, cls.ARCH_ATTRS)
        wordsize = child_text(arch, "wordsize")
        guest.wordsize = None if wordsize is None else int(wordsize)
        guest.emulator = child_text(arch, "emulator")
        guest.loader = child_text(arch, "loader")
        guest.machines = _parse_machines(arch)
        for dom in arch.findall("domain"):
            guest.domains.append(read_attrs(GuestDomain("", child_text(dom, "emulator"),
                                                        _parse_machines(dom)),
                                            dom, GuestDomain.ATTRS))
        for feat in elem.findall("features/*"):
            guest.features.append(read_attrs(GuestFeature(str(feat.tag)), feat,
                                             GuestFeature.ATTRS))
        return guest

    def format(self) -> E:
        node = E("guest")
        node.add(E("os_type", text=self.os_type))
        arch = E("arch", attrs_of(self, self.ARCH_ATTRS), keep=True)
        arch.add(E("wordsize", text=self.wordsize) if self.wordsize else None)
        arch.add(E("emulator", text=self.emulator) if self.emulator else None)
        arch.add(E("loader", text=self.loader) if self.loader else None)
        for machine in self.machines:
            arch.add(machine.format())
        for dom in self.domains:
            arch.add(dom.format())
        node.add(arch)
        if self.features:
            node.add(E("features", children=[f.format() for f in self.features]))
        return node


@dataclass
class Capabilities:
    """The host capabilities document.

    Drivers fill ``host_uuid``, ``host_cpu``, ``cells``, ``secmodels`` and
    ``guests``; :meth:`format` writes libvirt's layout (with its blank lines).
    """

    host_uuid: str | None = None
    host_cpu: HostCPU = field(default_factory=HostCPU)
    power_management: list[str] | None = None
    iommu: bool | None = None
    migration_live: bool = False
    migration_transports: list[str] = field(default_factory=list)
    cells: list[Cell] = field(default_factory=list)
    cache: list[E] = field(default_factory=list)
    memory_bandwidth: list[E] = field(default_factory=list)
    secmodels: list[SecModel] = field(default_factory=list)
    guests: list[Guest] = field(default_factory=list)

    IOMMU_ATTRS = (A("iommu", YESNO, "support"),)

    @classmethod
    def parse(cls, xml: str | bytes) -> Capabilities:
        """Parse capabilities XML."""
        root = parse_root(xml, "capabilities", "capabilities", _FROM)
        caps = cls()
        host = root.find("host")
        if host is not None:
            caps._parse_host(host)
        caps.guests = [Guest.parse(g) for g in root.findall("guest")]
        return caps

    def _parse_host(self, host: etree._Element) -> None:
        self.host_uuid = child_text(host, "uuid")
        cpu = host.find("cpu")
        if cpu is not None:
            self.host_cpu = HostCPU.parse(cpu)
        power = host.find("power_management")
        if power is not None:
            self.power_management = [p.tag for p in power if isinstance(p.tag, str)]
        iommu = host.find("iommu")
        if iommu is not None:
            read_attrs(self, iommu, self.IOMMU_ATTRS)
        mig = host.find("migration_features")
        if mig is not None:
            self.migration_live = mig.find("live") is not None
            self.migration_transports = [_text(t) for t in
                                         mig.findall("uri_transports/uri_transport")]
        self.cells = [Cell.parse(c) for c in host.findall("topology/cells/cell")]
        cache, bw = host.find("cache"), host.find("memory_bandwidth")
        self.cache = [element_to_e(b) for b in cache] if cache is not None else []
        self.memory_bandwidth = [element_to_e(n) for n in bw] if bw is not None else []
        for sec in host.findall("secmodel"):
            self.secmodels.append(SecModel(
                child_text(sec, "model") or "", child_text(sec, "doi") or "",
                [(b.get("type", ""), _text(b)) for b in sec.findall("baselabel")]))

    def _format_host(self) -> E:
        host = E("host")
        host.add(E("uuid", text=self.host_uuid) if self.host_uuid else None)
        host.add(self.host_cpu.format())
        if self.power_management is not None:
            host.add(E("power_management", keep=True,
                       children=[E(p, keep=True) for p in self.power_management]))
        if self.iommu is not None:
            host.add(E("iommu", attrs_of(self, self.IOMMU_ATTRS)))
        if self.migration_live or self.migration_transports:
            mig = E("migration_features")
            mig.add(E("live", keep=True) if self.migration_live else None)
            if self.migration_transports:
                mig.add(E("uri_transports", children=[
                    E("uri_transport", text=t) for t in self.migration_transports]))
            host.add(mig)
        if self.cells:
            host.add(E("topology", children=[E("cells", [("num", len(self.cells))], children=[
                c.format() for c in self.cells])]))
        if self.cache:
            host.add(E("cache", children=self.cache))
        if self.memory_bandwidth:
            host.add(E("memory_bandwidth", children=self.memory_bandwidth))
        for sec in self.secmodels:
            node = sec.format()
            host.add(node)
        return host

    def format(self) -> str:
        """Return the capabilities XML as libvirt writes it."""
        parts = ["<capabilities>\n\n", _keep_empty_text(xmlutil.to_string(self._format_host(),
                                                                          1)), "\n"]
        for guest in self.guests:
            parts += [xmlutil.to_string(guest.format(), 1), "\n"]
        parts.append("</capabilities>\n")
        return "".join(parts)


def _keep_empty_text(text: str) -> str:
    # libvirt writes an empty <doi></doi> with open and close tags
    return text.replace("<doi/>", "<doi></doi>")


__all__ = [
    "Capabilities",
    "Cell",
    "CellCPU",
    "Counter",
    "Guest",
    "GuestDomain",
    "GuestFeature",
    "HostCPU",
    "Machine",
    "MaxPhysAddr",
    "Pages",
    "SecModel",
    "Sibling",
    "Signature",
    "Topology",
]
