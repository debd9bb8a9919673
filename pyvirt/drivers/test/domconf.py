"""The test driver's view of a domain definition.

:class:`TestDef` wraps a :class:`pyvirt.conf.domain.DomainDef` with what
libvirt's test driver adds to the generic model: its parse options (i686
as the default architecture, video defaults, ``testnetN`` interface names,
the ``test:`` XML namespace of ``<node>`` files), the accessors its
operations use (pinning, tunables, metadata, devices), and a cache of the
formatted XML, kept until :meth:`TestDef.touch` says the definition changed.
Everything the driver reads or changes in a definition goes through here,
so the rest of the driver does not depend on the model's layout.
"""

from __future__ import annotations

import copy as _copy
from collections.abc import Iterable
from typing import Any

from lxml import etree

from pyvirt import constants as C
from pyvirt.conf import domain as confdom
from pyvirt.conf import domain_metadata, xmlutil
from pyvirt.conf.domain_cpu import CpuTune, MemTune, NumaTune
from pyvirt.conf.domain_os import Lifecycle
from pyvirt.conf.xmlutil import E
from pyvirt.drivers.test.objects import raw_error
from pyvirt.errors import report

_FROM = C.VIR_FROM_DOMAIN
_FROM_XML = C.VIR_FROM_XML

TEST_NS = "http://libvirt.org/schemas/domain/test/1.0"

LIFECYCLE_ACTIONS = tuple(a.value for a in Lifecycle)
PERF_EVENTS = ("cmt", "mbmt", "mbml", "cpu_cycles", "instructions", "cache_references",
               "cache_misses", "branch_instructions", "branch_misses", "bus_cycles",
               "stalled_cycles_frontend", "stalled_cycles_backend", "ref_cpu_cycles",
               "cpu_clock", "task_clock", "page_faults", "context_switches",
               "cpu_migrations", "page_faults_min", "page_faults_maj", "alignment_faults",
               "emulation_faults")
NUMA_MODES = ("strict", "preferred", "interleave", "restrictive")

# libvirt's "unlimited" for memory tunables (VIR_DOMAIN_MEMORY_PARAM_UNLIMITED).
UNLIMITED = 9007199254740991

# --- cpu sets -----------------------------------------------------------------

def bitmap_parse(text: str) -> set[int]:
    """Parse a cpuset string ('0-3,^2,8') into a set of numbers."""
    bits: set[int] = set()
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        neg = part.startswith("^")
        part = part.lstrip("^")
        lo, _sep, hi = part.partition("-")
        rng = set(range(int(lo), int(hi or lo) + 1))
        bits = bits - rng if neg else bits | rng
    return bits


def bitmap_format(bits: Iterable[int]) -> str:
    """Format a set of numbers as libvirt does ('0-2,5')."""
    ordered = sorted(set(bits))
    parts: list[str] = []
    i = 0
    while i < len(ordered):
        j = i
        while j + 1 < len(ordered) and ordered[j + 1] == ordered[j] + 1:
            j += 1
        parts.append(str(ordered[i]) if i == j else f"{ordered[i]}-{ordered[j]}")
        i = j + 1
    return ",".join(parts)


def newline_check(name: str) -> None:
    """libvirt's refusal of a newline in a domain name (on define)."""
    if "\n" in name:
        raise raw_error(C.VIR_ERR_XML_DETAIL, "invalid char in name: \n", _FROM_XML)


# --- kept elements (E trees) ------------------------------------------------------

def _kept(items: list[E], tag: str) -> E | None:
    return next((e for e in items if e.tag == tag), None)


def _child(node: E, tag: str) -> E | None:
    return next((c for c in node.children if c.tag == tag), None)


def _attr(node: E, name: str) -> str | None:
    return next((str(v) for k, v in node.attrs if k == name), None)


# --- the definition -------------------------------------------------------------------

class TestDef:
    """A domain definition as the test driver keeps it."""

    __test__ = False  # not a pytest test class
    __slots__ = ("_cache", "_parts", "d", "extra", "ns")

    def __init__(self, d: confdom.DomainDef, ns: dict[str, Any] | None = None) -> None:
        self.d = d
        self.ns: dict[str, Any] = ns or {}
        self.extra: dict[str, Any] = {}
        #: (id, flags) -> the whole XML, until any change
        self._cache: dict[tuple[int, int], str] = {}
        #: formatted parts kept across changes that leave them as they are
        self._parts = confdom.FormatParts()

    # --- parse -----------------------------------------------------------------
    @classmethod
    def parse(cls, text: str | bytes, *, validate: bool = False) -> TestDef:
        """Parse a definition as libvirt's test driver does (inactive parse)."""
        if validate:
            xmlutil.validate(text, "domain", _FROM_XML)
        return cls._build(text, {})

    @classmethod
    def from_element(cls, elem: etree._Element) -> TestDef:
        """Build a definition from a ``<domain>`` of a ``<node>`` document,
        taking out its ``test:`` namespace elements (runstate, snapshots...)."""
        ns: dict[str, Any] = {}
        for child in list(elem):
            if isinstance(child.tag, str) and child.tag.startswith(f"{{{TEST_NS}}}"):
                local = etree.QName(child).localname
                if local == "domainsnapshot":
                    ns.setdefault("snapshots", []).append(child)
                else:
                    ns[local] = child
                elem.remove(child)
        return cls._build(etree.tostring(elem), ns)

    @classmethod
    def _build(cls, text: str | bytes, ns: dict[str, Any]) -> TestDef:
        d = confdom.DomainDef.parse_xml(text)
        if "/" in d.name:
            raise report(C.VIR_ERR_XML_ERROR, f"name {d.name} cannot contain '/'", _FROM)
        if d.os.arch is None:
            d.os.arch = "i686"
        d.fill_defaults()
        d.validate()
        dom = cls(d, ns)
        dom.generate_ifnames()
        return dom

    # --- identity and sizes --------------------------------------------------------
    @property
    def name(self) -> str:
        """The domain's name."""
        return self.d.name

    @name.setter
    def name(self, value: str) -> None:
        self.d.name = value

    @property
    def uuid(self) -> str:
        """The domain's UUID (canonical string)."""
        return self.d.uuid

    @property
    def title(self) -> str | None:
        """``<title>``."""
        return self.d.title

    @title.setter
    def title(self, value: str | None) -> None:
        self.d.title = value

    @property
    def description(self) -> str | None:
        """``<description>``."""
        return self.d.description

    @description.setter
    def description(self, value: str | None) -> None:
        self.d.description = value

    @property
    def memory(self) -> int:
        """The maximum memory, KiB."""
        return self.d.memory

    @memory.setter
    def memory(self, value: int) -> None:
        self.d.memory = value

    @property
    def current_memory(self) -> int:
        """The current (balloon) memory, KiB."""
        cur = self.d.current_memory
        return self.d.memory if cur is None else cur

    @current_memory.setter
    def current_memory(self, value: int) -> None:
        self.d.current_memory = value

    @property
    def max_vcpus(self) -> int:
        """The maximum vCPU count."""
        return self.d.max_vcpus

    @max_vcpus.setter
    def max_vcpus(self, value: int) -> None:
        self.d.max_vcpus = value

    @property
    def vcpus(self) -> int:
        """The current vCPU count."""
        cur = self.d.vcpus
        return self.d.max_vcpus if cur is None else cur

    @vcpus.setter
    def vcpus(self, value: int) -> None:
        self.d.vcpus = value

    @property
    def os_type(self) -> str:
        """The guest OS type ('hvm', 'xen', ...)."""
        return self.d.os.type.value if self.d.os.type is not None else "hvm"

    def lifecycle(self, kind: str) -> str:
        """The action of 'on_poweroff', 'on_reboot' or 'on_crash'."""
        value = getattr(self.d, kind)
        return "destroy" if value is None else str(value)

    def set_lifecycle(self, kind: str, action: str) -> None:
        """Change the action of ``kind``."""
        setattr(self.d, kind, Lifecycle(action))

    # --- pinning ------------------------------------------------------------------
    def cpuset(self) -> set[int] | None:
        """``<vcpu cpuset=...>``, or None."""
        return None if self.d.vcpu_cpuset is None else set(self.d.vcpu_cpuset)

    def vcpupin(self, vcpu: int) -> set[int] | None:
        """The host CPUs vCPU ``vcpu`` is pinned to, or None."""
        tune = self.d.cputune
        pins = tune.vcpupin.get(vcpu) if tune is not None else None
        return None if pins is None else set(pins)

    def set_vcpupin(self, vcpu: int, bits: set[int]) -> None:
        """Pin vCPU ``vcpu`` to ``bits``."""
        if self.d.cputune is None:
            self.d.cputune = CpuTune()
        self.d.cputune.vcpupin[vcpu] = frozenset(bits)

    def emulatorpin(self) -> set[int] | None:
        """The host CPUs of the emulator threads, or None."""
        tune = self.d.cputune
        pins = tune.emulatorpin if tune is not None else None
        return None if pins is None else set(pins)

    def set_emulatorpin(self, bits: set[int]) -> None:
        """Pin the emulator threads to ``bits``."""
        if self.d.cputune is None:
            self.d.cputune = CpuTune()
        self.d.cputune.emulatorpin = frozenset(bits)

    # --- I/O threads ----------------------------------------------------------------
    def iothread_ids(self) -> list[int]:
        """The I/O thread ids (numbered 1..N when only a count is given)."""
        if self.d.iothread_ids:
            return list(self.d.iothread_ids)
        return list(range(1, (self.d.iothreads or 0) + 1))

    def add_iothread(self, tid: int) -> None:
        """Add I/O thread ``tid``."""
        ids = self.iothread_ids() + [tid]
        self.d.iothread_ids = ids
        self.d.iothreads = len(ids)

    def del_iothread(self, tid: int) -> None:
        """Remove I/O thread ``tid`` and its pinning."""
        ids = [i for i in self.iothread_ids() if i != tid]
        self.d.iothread_ids = ids or None
        self.d.iothreads = len(ids) or None
        if self.d.cputune is not None:
            self.d.cputune.iothreadpin.pop(tid, None)

    def iothreadpin(self, tid: int) -> set[int] | None:
        """The host CPUs I/O thread ``tid`` is pinned to, or None."""
        tune = self.d.cputune
        pins = tune.iothreadpin.get(tid) if tune is not None else None
        return None if pins is None else set(pins)

    def set_iothreadpin(self, tid: int, bits: set[int]) -> None:
        """Pin I/O thread ``tid`` to ``bits``."""
        if self.d.cputune is None:
            self.d.cputune = CpuTune()
        self.d.cputune.iothreadpin[tid] = frozenset(bits)

    # --- tunables -----------------------------------------------------------------
    @property
    def blkio_weight(self) -> int:
        """``<blkiotune><weight>`` (0: unset)."""
        tune = _kept(self.d.kept, "blkiotune")
        weight = _child(tune, "weight") if tune is not None else None
        return int(weight.text or 0) if weight is not None else 0

    @blkio_weight.setter
    def blkio_weight(self, value: int) -> None:
        tune = _kept(self.d.kept, "blkiotune")
        if tune is None:
            tune = E("blkiotune")
            self.d.kept.append(tune)
        tune.children = [c for c in tune.children if c.tag != "weight"]
        if value:
            tune.children.insert(0, E("weight", text=value))
        if not tune.children:
            self.d.kept.remove(tune)

    def memtune(self, key: str) -> int | None:
        """A ``<memtune>`` limit (KiB), or None."""
        return getattr(self.d.memtune, key) if self.d.memtune is not None else None

    def set_memtune(self, key: str, value: int) -> None:
        """Set a ``<memtune>`` limit (KiB; libvirt's unlimited value clears it)."""
        if self.d.memtune is None:
            self.d.memtune = MemTune()
        setattr(self.d.memtune, key, None if value >= UNLIMITED else value)

    @property
    def numa_mode(self) -> str | None:
        """``<numatune><memory mode>``."""
        return self.d.numatune.mode if self.d.numatune is not None else None

    @property
    def numa_nodeset(self) -> set[int] | None:
        """``<numatune><memory nodeset>``."""
        tune = self.d.numatune
        return set(tune.nodeset) if tune is not None and tune.nodeset is not None else None

    def set_numa(self, mode: str | None, nodeset: set[int] | None) -> None:
        """Change the NUMA memory mode and/or node set."""
        if self.d.numatune is None:
            self.d.numatune = NumaTune()
        if mode is not None:
            self.d.numatune.mode = mode
        if nodeset is not None:
            self.d.numatune.nodeset = frozenset(nodeset)

    def perf(self) -> dict[str, bool]:
        """The ``<perf>`` events and whether each is enabled."""
        node = _kept(self.d.kept, "perf")
        if node is None:
            return {}
        return {_attr(c, "name") or "": _attr(c, "enabled") == "yes" for c in node.children}

    def set_perf(self, name: str, enabled: bool) -> None:
        """Enable or disable a perf event."""
        node = _kept(self.d.kept, "perf")
        if node is None:
            node = E("perf")
            self.d.kept.append(node)
        node.children = [c for c in node.children if _attr(c, "name") != name]
        node.children.append(E("event", [("name", name), ("enabled", "yes" if enabled
                                                          else "no")]))

    # --- metadata -----------------------------------------------------------------
    def metadata_element(self, uri: str) -> str | None:
        """The metadata element of namespace ``uri`` without its namespace, or None."""
        return domain_metadata.element(self.d, uri)

    def set_metadata_element(self, xml: str | None, key: str | None, uri: str) -> None:
        """Replace (or, with ``xml`` None, remove) the metadata element of ``uri``."""
        domain_metadata.set_element(self.d, xml, key, uri)

    # --- devices ------------------------------------------------------------------
    def interfaces(self) -> list[Any]:
        """The interfaces (conf Interface objects)."""
        return self.d.devices.interfaces

    def disks(self) -> list[Any]:
        """The disks (conf Disk objects)."""
        return self.d.devices.disks

    def disk_targets(self) -> list[str]:
        """Target names of the disks, in order."""
        return [disk.target for disk in self.d.devices.disks]

    def find_disk(self, path: str) -> Any:
        """The disk whose target or source path is ``path``, or None."""
        disks = self.d.devices.disks
        for disk in disks:
            if disk.target == path:
                return disk
        for disk in disks:
            if disk.source is not None and disk.source.path() == path:
                return disk
        return None

    def find_interface(self, device: str) -> Any:
        """The interface whose target name or MAC address is ``device``, or None."""
        lowered = device.lower()
        for net in self.d.devices.interfaces:
            if net.target_dev == device or (net.mac or "").lower() == lowered:
                return net
        return None

    def has_memballoon(self) -> bool:
        """True when the domain has a balloon device (not model 'none')."""
        balloon = self.d.devices.memballoon
        return balloon is not None and balloon.model != "none"

    def set_balloon_period(self, period: int) -> bool:
        """Set the balloon's statistics period; False without a balloon."""
        balloon = self.d.devices.memballoon
        if balloon is None or balloon.model == "none":
            return False
        balloon.stats_period = period
        return True

    def generate_ifnames(self) -> None:
        """Name each interface without a target 'testnetN', as the test driver does."""
        nets = self.d.devices.interfaces
        used = {n.target_dev for n in nets if n.target_dev}
        counter = 0
        for net in nets:
            if net.target_dev:
                continue
            while f"testnet{counter}" in used:
                counter += 1
            net.target_dev = f"testnet{counter}"
            used.add(net.target_dev)

    def bandwidth(self, net: Any) -> dict[str, dict[str, int]]:
        """{'inbound'/'outbound': {attr: value}} of an interface's ``<bandwidth>``."""
        node = _kept(net.kept, "bandwidth")
        out: dict[str, dict[str, int]] = {}
        if node is not None:
            for child in node.children:
                out[child.tag] = {k: int(str(v)) for k, v in child.attrs}
        return out

    def set_bandwidth(self, net: Any, rates: dict[str, dict[str, int]]) -> None:
        """Replace an interface's ``<bandwidth>`` (empty: remove it)."""
        net.kept = [e for e in net.kept if e.tag != "bandwidth"]
        children = [E(d, [(k, v) for k, v in rates[d].items() if v])
                    for d in ("inbound", "outbound") if rates.get(d)]
        if children:
            net.kept.append(E("bandwidth", children=children))

    # --- changes and output --------------------------------------------------------
    def touch(self) -> None:
        """Forget the cached XML after an in-place change."""
        self._cache.clear()
        self._parts.clear()

    def touch_top(self) -> None:
        """Forget the cached XML after an in-place change outside
        ``<devices>`` (that leaves the ``<os>`` type as it is): the
        formatted devices are kept."""
        self._cache.clear()
        self._parts.clear_top()

    def touch_device(self, dev: Any) -> None:
        """Forget the cached XML after an in-place change of the device
        ``dev`` alone: the formatted lines of the other devices are kept."""
        self._cache.clear()
        self._parts.clear_device(dev)

    def touch_memory(self) -> None:
        """Forget the cached XML after a change of the memory sizes only
        (``memory``, ``current_memory``): the rest of the text is kept and
        the next :meth:`format` writes the memory elements anew."""
        self._cache.clear()

    def copy(self) -> TestDef:
        """A deep copy (the cache starts empty)."""
        new = TestDef(self.d.copy(), _copy.deepcopy(self.ns))
        new.extra = _copy.deepcopy(self.extra)
        return new

    def format(self, id: int = -1, flags: int = 0) -> str:  # noqa: A002 - libvirt's name
        """The XML (with ``id='N'`` when ``id`` >= 0), cached until touched."""
        key = (id, flags & (C.VIR_DOMAIN_XML_INACTIVE | C.VIR_DOMAIN_XML_MIGRATABLE
                            | C.VIR_DOMAIN_XML_SECURE))
        text = self._cache.get(key)
        if text is None:
            text = self.d.format(id=None if id < 0 else id, flags=key[1], parts=self._parts)
            self._cache[key] = text
        return text


__all__ = [
    "LIFECYCLE_ACTIONS",
    "NUMA_MODES",
    "PERF_EVENTS",
    "TEST_NS",
    "UNLIMITED",
    "TestDef",
    "bitmap_format",
    "bitmap_parse",
    "newline_check",
]
