"""Domain capabilities XML (``<domainCapabilities>``), as libvirt's domain_capabilities.c writes it.

Most of the document is made of the same shape: an element with
``supported='yes|no'`` holding ``<enum name=...><value>..</value></enum>``
lists.  :class:`CapsBlock` is that shape; the OS loader and the CPU modes,
which drivers fill with more than enums, have their own classes.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import cast

from lxml import etree

from pyvirt import constants as C
from pyvirt.conf import xmlutil
from pyvirt.conf.confutil import E, child_text, element_to_e, parse_root
from pyvirt.conf.xmlattr import YESNO, A, attrs_of, message, read_attrs, sint

_FROM = C.VIR_FROM_CAPABILITIES

#: ``supported='yes|no'``, the attribute most elements here carry
SUPPORTED = (A("supported", YESNO),)


def _text(elem: etree._Element) -> str:
    return "".join(cast("Iterator[str]", elem.itertext()))


@dataclass
class CapsEnum:
    """``<enum name=...>`` and its values (an empty enum is written ``<enum name='x'/>``)."""

    name: str
    values: list[str] = field(default_factory=list)

    ATTRS = (A("name"),)

    def format(self) -> E:
        return E("enum", attrs_of(self, self.ATTRS), keep=True,
                 children=[E("value", text=v) for v in self.values])


def _parse_enums(elem: etree._Element) -> list[CapsEnum]:
    return [read_attrs(CapsEnum("", [_text(v) for v in e.findall("value")]), e, CapsEnum.ATTRS)
            for e in elem.findall("enum")]


@dataclass
class CapsBlock:
    """An element with ``supported`` and enums, plus any other children kept as given.

    ``extra`` children (SEV's ``<cbitpos>``, SGX's ``<epc_size>``) are written
    before the enums, in their order.
    """

    tag: str
    supported: bool | None = None
    enums: list[CapsEnum] = field(default_factory=list)
    extra: list[E] = field(default_factory=list)

    @classmethod
    def parse(cls, elem: etree._Element) -> CapsBlock:
        block = read_attrs(cls(str(elem.tag), None, _parse_enums(elem)), elem, SUPPORTED)
        block.extra = [element_to_e(c) for c in elem if isinstance(c.tag, str)
                       and c.tag != "enum"]
        return block

    def enum(self, name: str) -> list[str]:
        """The values of enum ``name`` (empty when absent)."""
        for item in self.enums:
            if item.name == name:
                return item.values
        return []

    def format(self) -> E:
        node = E(self.tag, attrs_of(self, SUPPORTED), keep=True)
        for child in self.extra:
            node.add(child)
        if self.supported is not False:
            for item in self.enums:
                node.add(item.format())
        return node


@dataclass
class LoaderCaps:
    """``<os><loader>``: firmware paths and the type/readonly/secure enums."""

    supported: bool = False
    values: list[str] = field(default_factory=list)
    enums: list[CapsEnum] = field(default_factory=list)

    def format(self) -> E:
        node = E("loader", attrs_of(self, SUPPORTED), keep=True)
        if self.supported:
            for value in self.values:
                node.add(E("value", text=value))
            for item in self.enums:
                node.add(item.format())
        return node


@dataclass
class CPUModel:
    """A ``<model>`` of the custom CPU mode."""

    name: str
    usable: str | None = None
    vendor: str | None = None
    deprecated: bool | None = None
    blockers: list[str] = field(default_factory=list)

    ATTRS = (A("usable"), A("deprecated", YESNO), A("vendor"))


@dataclass
class CPUFeature:
    """A ``<feature policy= name=>`` of the host-model CPU."""

    policy: str = ""
    name: str = ""

    ATTRS = (A("policy"), A("name"))


@dataclass
class CPUMode:
    """One ``<mode>`` of ``<cpu>``.

    host-model carries ``model``/``fallback``/``vendor``/``features``
    (name, policy); custom carries ``models``; others carry ``enums``.
    """

    name: str
    supported: bool = False
    enums: list[CapsEnum] = field(default_factory=list)
    model: str | None = None
    fallback: str | None = None
    vendor: str | None = None
    features: list[tuple[str, str]] = field(default_factory=list)
    models: list[CPUModel] = field(default_factory=list)

    ATTRS = (A("name"), A("supported", YESNO))
    #: the host-model ``<model fallback=>``
    MODEL_ATTRS = (A("fallback"),)

    @classmethod
    def parse(cls, elem: etree._Element) -> CPUMode:
        mode = read_attrs(cls("", False, _parse_enums(elem)), elem, cls.ATTRS)
        model: etree._Element | None
        if mode.name == "custom":
            for model in elem.findall("model"):
                mode.models.append(read_attrs(CPUModel(_text(model)), model, CPUModel.ATTRS))
            for blk in elem.findall("blockers"):
                for cpu_model in mode.models:
                    if cpu_model.name == blk.get("model"):
                        cpu_model.blockers = [f.get("name", "") for f in blk.findall("feature")]
        else:
            model = elem.find("model")
            if model is not None:
                mode.model = _text(model)
                read_attrs(mode, model, cls.MODEL_ATTRS)
            mode.vendor = child_text(elem, "vendor")
            for feat in elem.findall("feature"):
                found = read_attrs(CPUFeature(), feat, CPUFeature.ATTRS)
                mode.features.append((found.policy, found.name))
        return mode

    def format(self) -> E:
        node = E("mode", attrs_of(self, self.ATTRS), keep=True)
        if not self.supported:
            return node
        for item in self.enums:
            node.add(item.format())
        if self.model is not None:
            node.add(E("model", attrs_of(self, self.MODEL_ATTRS), text=self.model))
        node.add(E("vendor", text=self.vendor) if self.vendor else None)
        for policy, name in self.features:
            node.add(E("feature", attrs_of(CPUFeature(policy, name), CPUFeature.ATTRS)))
        for model in self.models:
            node.add(E("model", attrs_of(model, CPUModel.ATTRS), text=model.name))
        for model in self.models:
            if model.blockers:
                node.add(E("blockers", [("model", model.name)], children=[
                    E("feature", [("name", f)]) for f in model.blockers]))
        return node


@dataclass
class DomainCapabilities:
    """What a hypervisor can do for one emulator/machine/arch/virt type.

    Drivers fill ``path``, ``domain``, ``machine``, ``arch``, ``vcpu_max``, the
    OS/loader caps, ``cpu_modes``, and ``devices``/``features`` blocks (in the
    order libvirt writes them: disk, graphics, video, hostdev, rng,
    filesystem, tpm, redirdev, channel, crypto; gic, vmcoreinfo, genid,
    backingStoreInput, backup, async-teardown, s390-pv, sev, sgx, hyperv).
    """

    path: str | None = None
    domain: str = ""
    machine: str | None = None
    arch: str = ""
    vcpu_max: int | None = None
    iothreads: bool | None = None
    os_supported: bool | None = None
    os_enums: list[CapsEnum] = field(default_factory=list)
    loader: LoaderCaps | None = None
    cpu_modes: list[CPUMode] = field(default_factory=list)
    memory_backing: CapsBlock | None = None
    devices: list[CapsBlock] = field(default_factory=list)
    features: list[CapsBlock] = field(default_factory=list)

    VCPU_ATTRS = (A("vcpu_max", sint(error=message(
        "Invalid value '{value}' for element or attribute 'max'", domain=_FROM)), "max"),)
    IOTHREADS_ATTRS = (A("iothreads", YESNO, "supported"),)
    OS_ATTRS = (A("os_supported", YESNO, "supported"),)

    @classmethod
    def parse(cls, xml: str | bytes) -> DomainCapabilities:
        """Parse domain capabilities XML."""
        root = parse_root(xml, "domainCapabilities", "domain_capabilities", _FROM)
        caps = cls(child_text(root, "path"), child_text(root, "domain") or "",
                   child_text(root, "machine"), child_text(root, "arch") or "")
        vcpu = root.find("vcpu")
        if vcpu is not None:
            read_attrs(caps, vcpu, cls.VCPU_ATTRS)
        iothreads = root.find("iothreads")
        if iothreads is not None:
            read_attrs(caps, iothreads, cls.IOTHREADS_ATTRS)
        os_elem = root.find("os")
        if os_elem is not None:
            read_attrs(caps, os_elem, cls.OS_ATTRS)
            caps.os_enums = _parse_enums(os_elem)
            loader = os_elem.find("loader")
            if loader is not None:
                caps.loader = read_attrs(LoaderCaps(False, [_text(v) for v in loader.findall("value")],
                                                    _parse_enums(loader)), loader, SUPPORTED)
        caps.cpu_modes = [CPUMode.parse(m) for m in root.findall("cpu/mode")]
        mem = root.find("memoryBacking")
        caps.memory_backing = CapsBlock.parse(mem) if mem is not None else None
        caps.devices = [CapsBlock.parse(d) for d in root.findall("devices/*")]
        caps.features = [CapsBlock.parse(f) for f in root.findall("features/*")]
        return caps

    def device(self, tag: str) -> CapsBlock | None:
        """The devices block named ``tag`` ('disk', 'graphics', ...), or None."""
        return next((d for d in self.devices if d.tag == tag), None)

    def format(self) -> str:
        """Return the domain capabilities XML as libvirt writes it."""
        root = E("domainCapabilities", keep=True)
        root.add(E("path", text=self.path) if self.path else None)
        root.add(E("domain", text=self.domain))
        root.add(E("machine", text=self.machine) if self.machine else None)
        root.add(E("arch", text=self.arch))
        root.add(E("vcpu", attrs_of(self, self.VCPU_ATTRS)))
        root.add(E("iothreads", attrs_of(self, self.IOTHREADS_ATTRS)))
        if self.os_supported is not None:
            os_node = E("os", attrs_of(self, self.OS_ATTRS), keep=True)
            if self.os_supported:
                for item in self.os_enums:
                    os_node.add(item.format())
                os_node.add(self.loader.format() if self.loader else None)
            root.add(os_node)
        if self.cpu_modes:
            root.add(E("cpu", children=[m.format() for m in self.cpu_modes]))
        root.add(self.memory_backing.format() if self.memory_backing else None)
        if self.devices:
            root.add(E("devices", children=[d.format() for d in self.devices]))
        if self.features:
            root.add(E("features", children=[f.format() for f in self.features]))
        return xmlutil.to_string(root)


__all__ = ["CPUFeature", "CPUMode", "CPUModel", "CapsBlock", "CapsEnum", "DomainCapabilities",
           "LoaderCaps"]
