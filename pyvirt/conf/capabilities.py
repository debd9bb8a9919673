"""Host capabilities XML (``<capabilities>``), as libvirt's capabilities.c writes it.

Drivers build a :class:`Capabilities` (host CPU, NUMA topology, security
models, and one :class:`Guest` per OS type and architecture) and call
``format()``; ``Capabilities.parse`` reads the same XML back.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import cast

from lxml import etree

from pyvirt import constants as C
from pyvirt.conf import xmlutil
from pyvirt.conf.confutil import E, child_text, element_to_e, parse_root

_FROM = C.VIR_FROM_CAPABILITIES


def _int(value: str | None) -> int | None:
    return None if value is None else int(value)


@dataclass
class Pages:
    """A ``<pages unit='KiB' size=N>`` (with a count inside NUMA cells)."""

    size: int
    count: int | None = None

    def format(self) -> E:
        return E("pages", [("unit", "KiB"), ("size", self.size)], text=self.count, keep=True)


@dataclass
class HostCPU:
    """The host's ``<cpu>``."""

    arch: str = ""
    host_features: list[str] = field(default_factory=list)  # <features><pae/>..
    model: str | None = None
    vendor: str | None = None
    microcode: int | None = None
    signature: tuple[int, int, int] | None = None
    counter: dict[str, str] | None = None
    topology: dict[str, int] | None = None
    maxphysaddr: tuple[str, int | None] | None = None
    features: list[str] = field(default_factory=list)
    pages: list[Pages] = field(default_factory=list)

    @classmethod
    def parse(cls, elem: etree._Element) -> HostCPU:
        cpu = cls(child_text(elem, "arch") or "")
        feats = elem.find("features")
        if feats is not None:
            cpu.host_features = [f.tag for f in feats if isinstance(f.tag, str)]
        cpu.model = child_text(elem, "model")
        cpu.vendor = child_text(elem, "vendor")
        micro = elem.find("microcode")
        cpu.microcode = _int(micro.get("version")) if micro is not None else None
        sig = elem.find("signature")
        if sig is not None:
            cpu.signature = (int(sig.get("family", 0)), int(sig.get("model", 0)),
                             int(sig.get("stepping", 0)))
        counter = elem.find("counter")
        cpu.counter = (dict(cast("Mapping[str, str]", counter.attrib)) if counter is not None
                       else None)
        topo = elem.find("topology")
        if topo is not None:
            cpu.topology = {k: int(v)
                            for k, v in cast("list[tuple[str, str]]", topo.attrib.items())}
        mpa = elem.find("maxphysaddr")
        if mpa is not None:
            cpu.maxphysaddr = (mpa.get("mode", "passthrough"), _int(mpa.get("bits")))
        cpu.features = [f.get("name", "") for f in elem.findall("feature")]
        cpu.pages = [Pages(int(p.get("size", 0))) for p in elem.findall("pages")]
        return cpu

    def format(self) -> E:
        node = E("cpu")
        node.add(E("arch", text=self.arch))
        if self.host_features:
            node.add(E("features", children=[E(f, keep=True) for f in self.host_features]))
        node.add(E("model", text=self.model) if self.model else None)
        node.add(E("vendor", text=self.vendor) if self.vendor else None)
        node.add(E("microcode", [("version", self.microcode)]))
        if self.signature is not None:
            fam, mod, step = self.signature
            node.add(E("signature", [("family", fam), ("model", mod), ("stepping", step)]))
        if self.counter is not None:
            node.add(E("counter", [(k, self.counter.get(k))
                                   for k in ("name", "frequency", "scaling")]))
        if self.topology is not None:
            node.add(E("topology", [(k, self.topology.get(k))
                                    for k in ("sockets", "dies", "clusters", "cores",
                                              "threads")]))
        if self.maxphysaddr is not None:
            node.add(E("maxphysaddr", [("mode", self.maxphysaddr[0]),
                                       ("bits", self.maxphysaddr[1])]))
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

    ATTRS = ("id", "socket_id", "die_id", "core_id", "siblings")


@dataclass
class Cell:
    """A NUMA ``<cell>``: memory in KiB, free pages, distances, CPUs."""

    id: int
    memory: int | None = None
    pages: list[Pages] = field(default_factory=list)
    distances: list[tuple[int, int]] = field(default_factory=list)
    cpus: list[CellCPU] = field(default_factory=list)

    @classmethod
    def parse(cls, elem: etree._Element) -> Cell:
        cell = cls(int(elem.get("id", 0)))
        mem = elem.find("memory")
        if mem is not None:
            cell.memory = xmlutil.to_kib("".join(cast("Iterator[str]", mem.itertext())),
                                         mem.get("unit"), "memory", _FROM)
        cell.pages = [Pages(int(p.get("size", 0)),
                            int("".join(cast("Iterator[str]", p.itertext())) or 0))
                      for p in elem.findall("pages")]
        cell.distances = [(int(s.get("id", 0)), int(s.get("value", 0)))
                          for s in elem.findall("distances/sibling")]
        for cpu in elem.findall("cpus/cpu"):
            values = {k: cpu.get(k) for k in CellCPU.ATTRS}
            cell.cpus.append(CellCPU(int(values["id"] or 0), _int(values["socket_id"]),
                                     _int(values["die_id"]), _int(values["core_id"]),
                                     values["siblings"]))
        return cell

    def format(self) -> E:
        node = E("cell", [("id", self.id)], keep=True)
        if self.memory is not None:
            node.add(E("memory", [("unit", "KiB")], text=self.memory))
        for pages in self.pages:
            node.add(pages.format())
        if self.distances:
            node.add(E("distances", children=[E("sibling", [("id", i), ("value", v)])
                                              for i, v in self.distances]))
        if self.cpus:
            node.add(E("cpus", [("num", len(self.cpus))], children=[
                E("cpu", [(k, getattr(c, k)) for k in CellCPU.ATTRS]) for c in self.cpus]))
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
    deprecated: bool = False

    def format(self) -> E:
        return E("machine", [("canonical", self.canonical), ("maxCpus", self.max_cpus),
                             ("deprecated", "yes" if self.deprecated else None)],
                 text=self.name)


def _parse_machines(elem: etree._Element) -> list[Machine]:
    return [Machine("".join(cast("Iterator[str]", m.itertext())), m.get("canonical"),
                    _int(m.get("maxCpus")), m.get("deprecated") == "yes")
            for m in elem.findall("machine")]


@dataclass
class GuestDomain:
    """A ``<domain type=...>`` of a guest arch, with its own emulator/machines if any."""

    type: str
    emulator: str | None = None
    machines: list[Machine] = field(default_factory=list)

    def format(self) -> E:
        node = E("domain", [("type", self.type)], keep=True)
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

    def format(self) -> E:
        return E(self.name, [("default", self.default), ("toggle", self.toggle)], keep=True)


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

    @classmethod
    def parse(cls, elem: etree._Element) -> Guest:
        arch = elem.find("arch")
        if arch is None:
            raise xmlutil.xml_error("guest without <arch>", _FROM)
        guest = cls(child_text(elem, "os_type") or "", arch.get("name", ""))
        guest.wordsize = _int(child_text(arch, "wordsize"))
        guest.emulator = child_text(arch, "emulator")
        guest.loader = child_text(arch, "loader")
        guest.machines = _parse_machines(arch)
        for dom in arch.findall("domain"):
            guest.domains.append(GuestDomain(dom.get("type", ""), child_text(dom, "emulator"),
                                             _parse_machines(dom)))
        for feat in elem.findall("features/*"):
            guest.features.append(GuestFeature(feat.tag, feat.get("default"),
                                               feat.get("toggle")))
        return guest

    def format(self) -> E:
        node = E("guest")
        node.add(E("os_type", text=self.os_type))
        arch = E("arch", [("name", self.arch)], keep=True)
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
            self.iommu = iommu.get("support") == "yes"
        mig = host.find("migration_features")
        if mig is not None:
            self.migration_live = mig.find("live") is not None
            self.migration_transports = ["".join(cast("Iterator[str]", t.itertext())) for t in
                                         mig.findall("uri_transports/uri_transport")]
        self.cells = [Cell.parse(c) for c in host.findall("topology/cells/cell")]
        cache, bw = host.find("cache"), host.find("memory_bandwidth")
        self.cache = [element_to_e(b) for b in cache] if cache is not None else []
        self.memory_bandwidth = [element_to_e(n) for n in bw] if bw is not None else []
        for sec in host.findall("secmodel"):
            self.secmodels.append(SecModel(
                child_text(sec, "model") or "", child_text(sec, "doi") or "",
                [(b.get("type", ""), "".join(cast("Iterator[str]", b.itertext())))
                 for b in sec.findall("baselabel")]))

    def _format_host(self) -> E:
        host = E("host")
        host.add(E("uuid", text=self.host_uuid) if self.host_uuid else None)
        host.add(self.host_cpu.format())
        if self.power_management is not None:
            host.add(E("power_management", keep=True,
                       children=[E(p, keep=True) for p in self.power_management]))
        if self.iommu is not None:
            host.add(E("iommu", [("support", "yes" if self.iommu else "no")]))
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
    "Guest",
    "GuestDomain",
    "GuestFeature",
    "HostCPU",
    "Machine",
    "Pages",
    "SecModel",
]
