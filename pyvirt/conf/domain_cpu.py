"""Domain XML: guest CPU, NUMA cells and resource tuning.

``<cpu>`` (mode, model, topology, features, ``<numa>`` cells),
``<memtune>``, ``<memoryBacking>``, ``<vcpu>``/``<vcpus>``,
``<iothreads>``/``<iothreadids>``, ``<cputune>`` and ``<numatune>``.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from lxml import etree

from pyvirt import constants as C
from pyvirt.conf.domain_base import (
    INT,
    ONOFF,
    UINT,
    YESNO,
    A,
    attrs_of,
    bad_enum,
    format_bitmap,
    keep,
    missing_attr,
    order_of,
    parse_bitmap,
    parse_enum,
    place,
    read_attrs,
    text_el,
    xml_err,
)
from pyvirt.conf.xmlutil import E, escape_attr, invalid_value, write_node
from pyvirt.errors import report

_FROM_CPU = C.VIR_FROM_CPU


def memory_kib(elem: etree._Element, where: str, value: str | None = None,
               unit: str | None = None) -> int:
    """A memory size of ``elem`` (its text, or ``value``) in KiB, rounded up."""
    text = elem.text if value is None else value
    unit = elem.get("unit") if unit is None else unit
    number_s = (text or "").strip()
    if not number_s.isdigit():
        raise invalid_value(text or "", where, C.VIR_FROM_XML)
    factor = _unit_factor(unit)
    return (int(number_s) * factor + 1023) // 1024


_UNIT_FACTORS = {
    "": 1024, "b": 1, "bytes": 1,
    "k": 1024, "kib": 1024, "kb": 1000,
    "m": 1024 ** 2, "mib": 1024 ** 2, "mb": 1000 ** 2,
    "g": 1024 ** 3, "gib": 1024 ** 3, "gb": 1000 ** 3,
    "t": 1024 ** 4, "tib": 1024 ** 4, "tb": 1000 ** 4,
    "p": 1024 ** 5, "pib": 1024 ** 5, "pb": 1000 ** 5,
    "e": 1024 ** 6, "eib": 1024 ** 6, "eb": 1000 ** 6,
}


def _unit_factor(unit: str | None) -> int:
    factor = _UNIT_FACTORS.get((unit or "").lower())
    if factor is None:
        raise report(C.VIR_ERR_INVALID_ARG, f"unknown suffix '{unit}'", C.VIR_FROM_NONE)
    return factor


def _cache_level(text: str) -> int:
    if text.strip() not in ("1", "2", "3"):
        raise report(C.VIR_ERR_XML_ERROR, "invalid CPU cache level, must be in range [1,3]",
                     _FROM_CPU)
    return int(text)


def kib_el(tag: str, kib: int | None, attrs: list[tuple[str, object]] | None = None) -> E | None:
    """``<tag unit='KiB'>kib</tag>`` (attributes first), or None."""
    if kib is None:
        return None
    return E(tag, (attrs or []) + [("unit", "KiB")], kib)


# --- <cpu> -------------------------------------------------------------------

class CpuMode(enum.StrEnum):
    """``<cpu mode=...>``."""

    CUSTOM = "custom"
    HOST_MODEL = "host-model"
    HOST_PASSTHROUGH = "host-passthrough"
    MAXIMUM = "maximum"


class CpuMatch(enum.StrEnum):
    """``<cpu match=...>``."""

    EXACT = "exact"
    MINIMUM = "minimum"
    STRICT = "strict"


class CpuCheck(enum.StrEnum):
    """``<cpu check=...>``."""

    NONE = "none"
    PARTIAL = "partial"
    FULL = "full"


class CpuFallback(enum.StrEnum):
    """``<model fallback=...>``."""

    ALLOW = "allow"
    FORBID = "forbid"


class FeaturePolicy(enum.StrEnum):
    """``<feature policy=...>`` of a guest CPU."""

    FORCE = "force"
    REQUIRE = "require"
    OPTIONAL = "optional"
    DISABLE = "disable"
    FORBID = "forbid"


@dataclass(slots=True)
class CpuFeature:
    """One ``<feature policy= name=/>``."""

    name: str
    policy: FeaturePolicy = FeaturePolicy.REQUIRE


@dataclass(kw_only=True, slots=True)
class NumaCell:
    """One guest NUMA ``<cell>``; memory in KiB."""

    id: int | None = None
    cpus: frozenset[int] | None = None
    memory: int = 0
    mem_access: str | None = None
    discard: bool | None = None
    # sibling cell id -> distance (libvirt's symmetric fill applied)
    distances: dict[int, int] = field(default_factory=dict)
    kept: list[E] = field(default_factory=list)


_CELL_ORDER = order_of("distances", "cache")
LOCAL_DISTANCE = 10
UNREACHABLE = 255
_NUMA_ORDER = order_of("cell", "interconnects")


@dataclass(kw_only=True, slots=True)
class CPU:
    """The guest CPU; ``numa`` holds the guest NUMA cells."""

    mode: CpuMode = CpuMode.CUSTOM
    match: CpuMatch | None = None
    check: CpuCheck | None = None
    migratable: bool | None = None
    model: str | None = None
    fallback: CpuFallback = CpuFallback.ALLOW
    vendor_id: str | None = None
    vendor: str | None = None
    sockets: int | None = None
    dies: int | None = None
    cores: int | None = None
    threads: int | None = None
    cache_level: int | None = None
    cache_mode: str | None = None
    #: <maxphysaddr>: mode ('emulate', 'passthrough') and bits (None: not given)
    maxphysaddr: tuple[str, int | None] | None = None
    features: list[CpuFeature] = field(default_factory=list)
    numa: list[NumaCell] = field(default_factory=list)
    numa_kept: list[E] = field(default_factory=list)

    @classmethod
    def parse(cls, elem: etree._Element) -> CPU:
        """Parse ``<cpu>``."""
        cpu = cls()
        mode = elem.get("mode")
        if mode is not None:
            member = CpuMode._value2member_map_.get(mode)
            if member is None:
                raise report(C.VIR_ERR_CONFIG_UNSUPPORTED, f"Invalid mode attribute '{mode}'",
                             _FROM_CPU)
            cpu.mode = member  # type: ignore[assignment]
        migratable = elem.get("migratable")
        if migratable is not None:
            cpu.migratable = ONOFF.load(migratable, "migratable", "cpu")
            if cpu.mode not in (CpuMode.HOST_PASSTHROUGH, CpuMode.MAXIMUM):
                raise report(C.VIR_ERR_CONFIG_UNSUPPORTED, "Attribute migratable is only "
                             "allowed for 'host-passthrough' / 'maximum' CPU mode", _FROM_CPU)
        cpu.match = parse_enum(CpuMatch, elem.get("match"), "match", "cpu")
        cpu.check = parse_enum(CpuCheck, elem.get("check"), "check", "cpu")
        for child in elem:
            tag = child.tag
            if tag == "model":
                cpu._parse_model(child)
            elif tag == "vendor":
                cpu.vendor = child.text or ""
            elif tag == "topology":
                cpu._parse_topology(child)
            elif tag == "cache":
                level = child.get("level")
                cpu.cache_level = None if level is None else \
                    _cache_level(level)
                cpu.cache_mode = child.get("mode")
            elif tag == "maxphysaddr" and cpu.maxphysaddr is None:
                cpu.maxphysaddr = _maxphysaddr(child)
            elif tag == "feature":
                cpu._parse_feature(child)
            elif tag == "numa":
                cpu._parse_numa(child)
        if cpu.vendor is not None and cpu.model is None:
            raise report(C.VIR_ERR_XML_ERROR, "CPU vendor specified without CPU model", _FROM_CPU)
        if cpu.features and cpu.model is None and cpu.mode == CpuMode.CUSTOM:
            raise report(C.VIR_ERR_XML_ERROR,
                         "Non-empty feature list specified without CPU model", _FROM_CPU)
        return cpu

    def _parse_model(self, child: etree._Element) -> None:
        self.model = child.text.strip() if child.text and child.text.strip() else None
        if self.mode in (CpuMode.HOST_PASSTHROUGH, CpuMode.MAXIMUM):
            return
        fallback = child.get("fallback")
        if fallback is not None:
            member = CpuFallback._value2member_map_.get(fallback)
            if member is None:
                raise report(C.VIR_ERR_CONFIG_UNSUPPORTED, "Invalid fallback attribute",
                             _FROM_CPU)
            self.fallback = member  # type: ignore[assignment]
        vendor_id = child.get("vendor_id")
        if vendor_id is not None:
            if len(vendor_id) != 12:
                raise report(C.VIR_ERR_XML_ERROR,
                             "vendor_id must be exactly 12 characters long", _FROM_CPU)
            self.vendor_id = vendor_id

    def _parse_topology(self, child: etree._Element) -> None:
        for name in ("sockets", "dies", "cores", "threads"):
            value = child.get(name)
            if value is None:
                if name == "dies":
                    self.dies = 1
                    continue
                raise missing_attr(name, "topology")
            number = UINT.load(value, name, "topology")
            if number == 0:
                raise report(C.VIR_ERR_XML_ERROR, f"Invalid value for attribute '{name}' in "
                             "element 'topology': Zero is not permitted", C.VIR_FROM_XML)
            setattr(self, name, number)

    def _parse_feature(self, child: etree._Element) -> None:
        policy_s = child.get("policy")
        policy = FeaturePolicy.REQUIRE
        if policy_s is not None:
            member = FeaturePolicy._value2member_map_.get(policy_s)
            if member is None:
                raise report(C.VIR_ERR_CONFIG_UNSUPPORTED, "Invalid CPU feature policy",
                             _FROM_CPU)
            policy = member  # type: ignore[assignment]
        name = child.get("name")
        if not name:
            raise report(C.VIR_ERR_XML_ERROR, "Invalid CPU feature name", _FROM_CPU)
        if any(f.name == name for f in self.features):
            raise report(C.VIR_ERR_XML_ERROR,
                         f"CPU feature '{name}' specified more than once", _FROM_CPU)
        self.features.append(CpuFeature(name, policy))

    def _parse_numa(self, numa: etree._Element) -> None:
        cells = [child for child in numa if child.tag == "cell"]
        siblings: list[list[etree._Element]] = []
        for child in numa:
            if child.tag == "cell":
                cell = NumaCell()
                cell_id = child.get("id")
                # a cell without id is the one of its position, as in libvirt
                cell.id = len(self.numa) if cell_id is None else UINT.load(cell_id, "id", "cell")
                if cell.id >= len(cells):
                    raise xml_err("Exactly one 'cell' element per guest NUMA cell allowed, "
                                  "non-contiguous ranges or ranges not starting from 0 "
                                  "are not allowed")
                if any(other.id == cell.id for other in self.numa):
                    raise xml_err(f"Duplicate NUMA cell info for cell id '{cell.id}'")
                cpus = child.get("cpus")
                cell.cpus = None if cpus is None else parse_bitmap(cpus, "cpus")
                memory = child.get("memory")
                if memory is None:
                    raise xml_err("Missing 'memory' attribute in NUMA cell")
                cell.memory = memory_kib(child, "./@memory", memory, child.get("unit"))
                cell.mem_access = child.get("memAccess")
                discard = child.get("discard")
                cell.discard = None if discard is None else YESNO.load(discard, "discard", "cell")
                cell.kept = [keep(c) for c in child if c.tag == "cache"]
                distances = child.find("distances")
                siblings.append([] if distances is None else list(distances.iter("sibling")))
                if distances is not None and not siblings[-1]:
                    raise xml_err("NUMA distances defined without siblings")
                self.numa.append(cell)
            elif child.tag in _NUMA_ORDER:
                self.numa_kept.append(keep(child))
        for cell, sibs in zip(self.numa, siblings, strict=True):
            self._parse_distances(cell, sibs)
        self.numa.sort(key=lambda c: c.id or 0)

    def _parse_distances(self, cell: NumaCell, siblings: list[etree._Element]) -> None:
        """A cell's ``<distances>``: each distance also given to the sibling
        towards this cell unless that one says otherwise, and every cell
        touched is at LOCAL_DISTANCE of itself (libvirt's symmetric fill)."""
        by_id = {c.id: c for c in self.numa}
        cur = cell.id or 0
        for sib in siblings:
            raw_id = sib.get("id")
            if raw_id is None:
                raise missing_attr("id", "sibling")
            sib_id = UINT.load(raw_id, "id", "sibling")
            if sib_id >= len(self.numa):
                raise xml_err(f"'sibling_id {sib_id}' does not refer to a valid cell "
                              f"within NUMA 'cell id {cur}'")
            raw_value = sib.get("value")
            if raw_value is None:
                raise missing_attr("value", "sibling")
            value = UINT.load(raw_value, "value", "sibling")
            if not LOCAL_DISTANCE <= value <= UNREACHABLE or \
                    (sib_id == cur) != (value == LOCAL_DISTANCE):
                raise xml_err(f"'value {value}' is invalid for 'sibling id {sib_id}' "
                              f"under NUMA 'cell id {cur}'")
            cell.distances.setdefault(cur, LOCAL_DISTANCE)
            cell.distances[sib_id] = value
            other = by_id[sib_id]
            other.distances.setdefault(sib_id, LOCAL_DISTANCE)
            other.distances.setdefault(cur, value)

    def write(self, pad: str, out: list[str]) -> None:
        """Append the ``<cpu>`` element's lines, indented by ``pad``, to
        ``out`` (nothing when it would be empty): :meth:`format` written
        straight as text, the NUMA cells excepted."""
        mode = self.mode
        head = ""
        if mode != "custom" or self.model:
            head = f" mode='{mode._value_}'"
            if mode == "custom":
                head += f" match='{(self.match or CpuMatch.EXACT)._value_}'"
            if self.check is not None:
                head += f" check='{self.check._value_}'"
            if mode in ("host-passthrough", "maximum") \
                    and self.migratable is not None:
                head += " migratable='on'" if self.migratable else " migratable='off'"
        start = len(out)
        out.append(f"{pad}<cpu{head}>\n")
        sub = pad + "  "
        if mode == "custom" or mode == "host-model":
            vendor_id = self.vendor_id
            if self.model:
                text = "" if vendor_id is None else f" vendor_id='{escape_attr(vendor_id)}'"
                out.append(f"{sub}<model fallback='{self.fallback._value_}'{text}>"
                           f"{escape_attr(self.model)}</model>\n")
            elif vendor_id:
                out.append(f"{sub}<model vendor_id='{escape_attr(vendor_id)}'/>\n")
            if self.vendor is not None:
                out.append(f"{sub}<vendor>{escape_attr(self.vendor)}</vendor>\n")
        if self.sockets and self.cores and self.threads:
            out.append(f"{sub}<topology sockets='{self.sockets}' dies='{self.dies or 1}' "
                       f"cores='{self.cores}' threads='{self.threads}'/>\n")
        if self.cache_mode is not None:
            level = "" if self.cache_level is None else f" level='{self.cache_level}'"
            out.append(f"{sub}<cache{level} mode='{escape_attr(self.cache_mode)}'/>\n")
        if self.maxphysaddr is not None:
            bits = self.maxphysaddr[1]
            text = "" if bits is None else f" bits='{bits}'"
            out.append(f"{sub}<maxphysaddr mode='{escape_attr(self.maxphysaddr[0])}'{text}/>\n")
        for feat in self.features:
            out.append(f"{sub}<feature policy='{feat.policy._value_}' "
                       f"name='{escape_attr(feat.name)}'/>\n")
        if self.numa or self.numa_kept:
            node = self.format()
            assert node is not None
            write_node(node.children[-1], sub, out)
        if len(out) > start + 1:
            out.append(f"{pad}</cpu>\n")
        elif head:
            out[start] = f"{pad}<cpu{head}/>\n"
        else:
            del out[start]

    def format(self) -> E | None:
        """The ``<cpu>`` element (None when it would be empty)."""
        attrs: list[tuple[str, object]] = []
        if self.mode != CpuMode.CUSTOM or self.model:
            attrs.append(("mode", self.mode.value))
            if self.mode == CpuMode.CUSTOM:
                attrs.append(("match", (self.match or CpuMatch.EXACT).value))
            if self.check is not None:
                attrs.append(("check", self.check.value))
            if self.mode in (CpuMode.HOST_PASSTHROUGH, CpuMode.MAXIMUM) \
                    and self.migratable is not None:
                attrs.append(("migratable", "on" if self.migratable else "off"))
        node = E("cpu", attrs)
        with_model = self.mode in (CpuMode.CUSTOM, CpuMode.HOST_MODEL)
        if with_model and (self.model or self.vendor_id):
            model = text_el("model", self.model, [
                ("fallback", self.fallback.value if self.model else None),
                ("vendor_id", self.vendor_id)]) if self.model else \
                E("model", [("vendor_id", self.vendor_id)])
            node.add(model)
        if with_model:
            node.add(text_el("vendor", self.vendor))
        if self.sockets and self.cores and self.threads:
            node.add(E("topology", [("sockets", self.sockets), ("dies", self.dies or 1),
                                    ("cores", self.cores), ("threads", self.threads)]))
        if self.cache_mode is not None:
            node.add(E("cache", [("level", self.cache_level), ("mode", self.cache_mode)]))
        if self.maxphysaddr is not None:
            node.add(E("maxphysaddr", [("mode", self.maxphysaddr[0]),
                                       ("bits", self.maxphysaddr[1])]))
        for feat in self.features:
            node.add(E("feature", [("policy", feat.policy.value), ("name", feat.name)]))
        if self.numa or self.numa_kept:
            numa = E("numa")
            for cell in self.numa:
                cell_el = E("cell", [
                    ("id", cell.id),
                    ("cpus", None if cell.cpus is None else format_bitmap(cell.cpus)),
                    ("memory", cell.memory), ("unit", "KiB"), ("memAccess", cell.mem_access),
                    ("discard", None if cell.discard is None else
                     ("yes" if cell.discard else "no"))], children=cell.kept)
                if cell.distances:
                    cell_el.children.insert(0, E("distances", children=[
                        E("sibling", [("id", i), ("value", v)])
                        for i, v in sorted(cell.distances.items())]))
                numa.add(cell_el)
            numa.children = place(numa.children, self.numa_kept, _NUMA_ORDER)
            node.add(numa)
        return None if node.empty() else node


# --- <memtune>, <memoryBacking> ---------------------------------------------

_MEMTUNE = ("hard_limit", "soft_limit", "min_guarantee", "swap_hard_limit")


@dataclass(kw_only=True, slots=True)
class MemTune:
    """``<memtune>`` limits, in KiB."""

    hard_limit: int | None = None
    soft_limit: int | None = None
    min_guarantee: int | None = None
    swap_hard_limit: int | None = None

    @classmethod
    def parse(cls, elem: etree._Element) -> MemTune:
        """Parse ``<memtune>``."""
        tune = cls()
        for child in elem:
            if child.tag in _MEMTUNE:
                setattr(tune, child.tag, memory_kib(child, f"./memtune[1]/{child.tag}"))
        return tune

    def format(self) -> E:
        """The ``<memtune>`` element."""
        return E("memtune", children=[kib_el(n, getattr(self, n)) for n in _MEMTUNE])


@dataclass(kw_only=True, slots=True)
class HugePage:
    """One ``<page>`` of ``<hugepages>``: size in KiB, host NUMA nodeset."""

    size: int | None = None
    nodeset: frozenset[int] | None = None


@dataclass(kw_only=True, slots=True)
class MemoryBacking:
    """``<memoryBacking>``."""

    hugepages: list[HugePage] | None = None
    nosharepages: bool = False
    locked: bool = False
    source_type: str | None = None
    access_mode: str | None = None
    allocation_mode: str | None = None
    allocation_threads: int | None = None
    discard: bool = False

    @classmethod
    def parse(cls, elem: etree._Element) -> MemoryBacking:
        """Parse ``<memoryBacking>``."""
        mb = cls()
        for child in elem:
            tag = child.tag
            if tag == "hugepages":
                mb.hugepages = []
                for page in child:
                    if page.tag != "page":
                        continue
                    hp = HugePage()
                    size = page.get("size")
                    if size is not None:
                        hp.size = memory_kib(page, "./@size", size, page.get("unit"))
                    nodeset = page.get("nodeset")
                    if nodeset is not None:
                        hp.nodeset = parse_bitmap(nodeset, "nodeset")
                    mb.hugepages.append(hp)
            elif tag == "nosharepages":
                mb.nosharepages = True
            elif tag == "locked":
                mb.locked = True
            elif tag == "source":
                mb.source_type = child.get("type")
            elif tag == "access":
                mb.access_mode = child.get("mode")
            elif tag == "allocation":
                mb.allocation_mode = child.get("mode")
                threads = child.get("threads")
                mb.allocation_threads = None if threads is None else \
                    UINT.load(threads, "threads", "allocation")
            elif tag == "discard":
                mb.discard = True
        return mb

    def format(self) -> E:
        """The ``<memoryBacking>`` element."""
        node = E("memoryBacking")
        if self.hugepages is not None:
            pages = E("hugepages", keep=True)
            for hp in self.hugepages:
                pages.add(E("page", [
                    ("size", hp.size), ("unit", "KiB" if hp.size is not None else None),
                    ("nodeset", None if hp.nodeset is None else format_bitmap(hp.nodeset))]))
            node.add(pages)
        for flag in ("nosharepages", "locked"):
            if getattr(self, flag):
                node.add(E(flag, keep=True))
        node.add(E("source", [("type", self.source_type)]))
        node.add(E("access", [("mode", self.access_mode)]))
        node.add(E("allocation", [("mode", self.allocation_mode),
                                  ("threads", self.allocation_threads)]))
        if self.discard:
            node.add(E("discard", keep=True))
        return node


# --- <vcpu>, <vcpus>, <iothreads>, <cputune>, <numatune> -------------------------

@dataclass(kw_only=True, slots=True)
class VcpuInfo:
    """One ``<vcpus><vcpu id= enabled= hotpluggable= order=/>``."""

    _ATTRS = (A("id", UINT), A("enabled", YESNO), A("hotpluggable", YESNO), A("order", UINT))
    id: int = 0
    enabled: bool | None = None
    hotpluggable: bool | None = None
    order: int | None = None


@dataclass(kw_only=True, slots=True)
class Sched:
    """A per-thread scheduler setting (``<vcpusched>``, ``<iothreadsched>``,
    ``<emulatorsched>``)."""

    scheduler: str
    priority: int | None = None


_CPUTUNE_NUMS = ("shares", "period", "quota", "global_period", "global_quota",
                 "emulator_period", "emulator_quota", "iothread_period", "iothread_quota")
_CPUTUNE_ORDER = order_of(*_CPUTUNE_NUMS, "vcpupin", "emulatorpin", "iothreadpin",
                          "emulatorsched", "vcpusched", "iothreadsched", "cachetune",
                          "memorytune")


@dataclass(kw_only=True, slots=True)
class CpuTune:
    """``<cputune>``: CFS numbers, pinning and schedulers; cache and memory
    bandwidth tuning are kept verbatim in ``kept``."""

    shares: int | None = None
    period: int | None = None
    quota: int | None = None
    global_period: int | None = None
    global_quota: int | None = None
    emulator_period: int | None = None
    emulator_quota: int | None = None
    iothread_period: int | None = None
    iothread_quota: int | None = None
    vcpupin: dict[int, frozenset[int]] = field(default_factory=dict)
    emulatorpin: frozenset[int] | None = None
    iothreadpin: dict[int, frozenset[int]] = field(default_factory=dict)
    emulatorsched: Sched | None = None
    vcpusched: dict[int, Sched] = field(default_factory=dict)
    iothreadsched: dict[int, Sched] = field(default_factory=dict)
    kept: list[E] = field(default_factory=list)

    @classmethod
    def parse(cls, elem: etree._Element) -> CpuTune:
        """Parse ``<cputune>``."""
        tune = cls()
        for child in elem:
            tag = child.tag
            if tag in _CPUTUNE_NUMS:
                text = (child.text or "").strip()
                try:
                    setattr(tune, tag, int(text))
                except ValueError:
                    raise xml_err(f"can't parse cputune {tag.replace('_', ' ')} value") \
                        from None
            elif tag == "vcpupin":
                vcpu = UINT.load(child.get("vcpu", ""), "vcpu", "vcpupin")
                if vcpu in tune.vcpupin:
                    raise xml_err("duplicate vcpupin for same vcpu")
                tune.vcpupin[vcpu] = parse_bitmap(child.get("cpuset", ""), "cpuset")
            elif tag == "emulatorpin":
                tune.emulatorpin = parse_bitmap(child.get("cpuset", ""), "cpuset")
            elif tag == "iothreadpin":
                thread = UINT.load(child.get("iothread", ""), "iothread", "iothreadpin")
                tune.iothreadpin[thread] = parse_bitmap(child.get("cpuset", ""), "cpuset")
            elif tag == "emulatorsched":
                tune.emulatorsched = _parse_sched(child)
            elif tag in ("vcpusched", "iothreadsched"):
                ids = parse_bitmap(child.get(tag[:-5] + "s", ""), tag)
                target = tune.vcpusched if tag == "vcpusched" else tune.iothreadsched
                sched = _parse_sched(child)
                for i in ids:
                    target[i] = sched
            elif tag in _CPUTUNE_ORDER:
                tune.kept.append(keep(child))
        return tune

    def format(self) -> E:
        """The ``<cputune>`` element."""
        node = E("cputune")
        for name in _CPUTUNE_NUMS:
            node.add(text_el(name, getattr(self, name)))
        for vcpu in sorted(self.vcpupin):
            node.add(E("vcpupin", [("vcpu", vcpu), ("cpuset", format_bitmap(self.vcpupin[vcpu]))]))
        if self.emulatorpin is not None:
            node.add(E("emulatorpin", [("cpuset", format_bitmap(self.emulatorpin))]))
        for thread in sorted(self.iothreadpin):
            node.add(E("iothreadpin", [("iothread", thread),
                                       ("cpuset", format_bitmap(self.iothreadpin[thread]))]))
        if self.emulatorsched is not None:
            node.add(E("emulatorsched", [("scheduler", self.emulatorsched.scheduler),
                                         ("priority", self.emulatorsched.priority)]))
        for tag, table in (("vcpusched", self.vcpusched), ("iothreadsched", self.iothreadsched)):
            for i in sorted(table):
                sched = table[i]
                node.add(E(tag, [(tag[:-5] + "s", i), ("scheduler", sched.scheduler),
                                 ("priority", sched.priority)]))
        node.children = place(node.children, self.kept, _CPUTUNE_ORDER)
        return node


_SCHEDULERS = ("batch", "idle", "fifo", "rr")


def _parse_sched(elem: etree._Element) -> Sched:
    scheduler = elem.get("scheduler")
    if scheduler not in _SCHEDULERS:
        raise bad_enum("scheduler", elem.tag, scheduler or "")
    priority = elem.get("priority")
    if scheduler in ("fifo", "rr"):
        if priority is None:
            raise xml_err("Missing scheduler priority")
        return Sched(scheduler=scheduler, priority=INT.load(priority, "priority", elem.tag))
    return Sched(scheduler=scheduler)


@dataclass(kw_only=True, slots=True)
class NumaTune:
    """``<numatune>``: the guest memory policy; ``<memnode>`` kept verbatim."""

    mode: str | None = None
    placement: str | None = None
    nodeset: frozenset[int] | None = None
    kept: list[E] = field(default_factory=list)

    @classmethod
    def parse(cls, elem: etree._Element) -> NumaTune:
        """Parse ``<numatune>``."""
        tune = cls()
        for child in elem:
            if child.tag == "memory":
                tune.mode = child.get("mode")
                tune.placement = child.get("placement")
                nodeset = child.get("nodeset")
                if nodeset is not None:
                    tune.nodeset = parse_bitmap(nodeset, "nodeset")
            elif child.tag == "memnode":
                tune.kept.append(keep(child))
        return tune

    def format(self) -> E:
        """The ``<numatune>`` element."""
        node = E("numatune")
        if self.mode is not None or self.placement is not None or self.nodeset is not None:
            attrs: list[tuple[str, object]] = [("mode", self.mode or "strict")]
            if self.placement == "auto":
                attrs.append(("placement", "auto"))
            elif self.nodeset is not None:
                attrs.append(("nodeset", format_bitmap(self.nodeset)))
            node.add(E("memory", attrs))
        node.children.extend(self.kept)
        return node


def vcpus_children(infos: list[VcpuInfo]) -> E:
    """The ``<vcpus>`` element."""
    return E("vcpus", children=[E("vcpu", attrs_of(v, VcpuInfo._ATTRS)) for v in infos])


def _maxphysaddr(elem: etree._Element) -> tuple[str, int | None]:
    """``<maxphysaddr mode= bits=/>`` as libvirt 9.0 reads it (other attributes dropped)."""
    mode = elem.get("mode")
    if mode is None:
        raise missing_attr("mode", "maxphysaddr")
    if mode not in ("emulate", "passthrough"):
        raise bad_enum("mode", "maxphysaddr", mode)
    bits = elem.get("bits")
    return mode, None if bits is None else UINT.load(bits, "bits", "maxphysaddr")


def parse_vcpus(elem: etree._Element) -> list[VcpuInfo]:
    """Parse ``<vcpus>``: each ``<vcpu>`` needs its id and enabled."""
    infos = []
    for child in elem:
        if child.tag == "vcpu":
            for attr in ("id", "enabled"):
                if child.get(attr) is None:
                    raise missing_attr(attr, "vcpu")
            infos.append(read_attrs(VcpuInfo(), child, VcpuInfo._ATTRS))
    return infos
