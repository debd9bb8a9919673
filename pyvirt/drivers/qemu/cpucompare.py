"""Comparing and baselining x86 CPU definitions, as libvirt's cpu_x86.c does.

A CPU definition (``<cpu>`` with a model, vendor and features with
policies) is turned into CPUID data with libvirt's CPU map
(:mod:`pyvirt.drivers.qemu.cpumap`) and compared with the host's CPUID
(virConnectCompareCPU) or with the host-model CPU QEMU offers in the
domain capabilities (virConnectCompareHypervisorCPU).  Baselines reuse the
CPU-map decoder of the test driver (:func:`pyvirt.drivers.test.cpu.baseline`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lxml import etree

from pyvirt import constants as C
from pyvirt.conf import xmlutil
from pyvirt.drivers.qemu import capabilities, cpumap
from pyvirt.errors import report

_FROM = C.VIR_FROM_CPU


@dataclass
class CpuSpec:
    """What a ``<cpu>`` asks for, as CPUID data per feature policy (libvirt's
    x86ModelFromCPU for each policy): ``required`` holds the model's bits and
    the required features'; ``force``, ``optional``, ``disable`` and ``forbid``
    the features listed with those policies.  A host CPU (one with ``<arch>``)
    requires all its features, whatever their policy attribute says."""

    required: cpumap.Data = field(default_factory=dict)
    force: cpumap.Data = field(default_factory=dict)
    optional: cpumap.Data = field(default_factory=dict)
    disable: cpumap.Data = field(default_factory=dict)
    forbid: cpumap.Data = field(default_factory=dict)
    vendor: str | None = None
    match: str = "exact"
    guest: bool = True


def _cpu_elem(xml: str, flags: int) -> etree._Element:
    """The ``<cpu>`` element of ``xml`` (a bare ``<cpu>`` or a document holding one)."""
    if flags & C.VIR_CONNECT_COMPARE_CPU_VALIDATE_XML:
        xmlutil.validate(xml, "cpu")
    root = xmlutil.parse_xml(xml, None, "CPU_definition", domain=_FROM)
    elem = root if root.tag == "cpu" else root.find(".//cpu")
    if elem is None:
        raise report(C.VIR_ERR_XML_ERROR, "XML does not contain expected 'cpu' element", _FROM)
    return elem


def spec_of(cmap: cpumap.CpuMap, elem: etree._Element) -> CpuSpec:
    """Turn a ``<cpu>`` element into CPUID data (libvirt's x86ModelFromCPU)."""
    guest = elem.find("arch") is None
    spec = CpuSpec(match=elem.get("match") or "exact", guest=guest,
                   vendor=(elem.findtext("vendor") or "").strip() or None)
    name = (elem.findtext("model") or "").strip()
    if name:
        model = cmap.model(name)
        if model is None:
            raise report(C.VIR_ERR_INTERNAL_ERROR, f"Unknown CPU model {name}", _FROM)
        spec.required = cpumap.copy(model.data)
    by_policy = {"require": spec.required, "force": spec.force, "optional": spec.optional,
                 "disable": spec.disable, "forbid": spec.forbid}
    for feat in elem.findall("feature"):
        fname = feat.get("name", "")
        known = cmap.feature(fname)
        if known is None:
            raise report(C.VIR_ERR_INTERNAL_ERROR, f"Unknown CPU feature {fname}", _FROM)
        policy = feat.get("policy", "require") if guest else "require"
        cpumap.add(by_policy.get(policy, spec.required), known.data)
    return spec


def _names(cmap: cpumap.CpuMap, data: cpumap.Data) -> list[str]:
    """Names of the map's features all of whose bits ``data`` has, in map order."""
    return [f.name for f in cmap.features if cpumap.contains(data, f.data)]


def compare(cmap: cpumap.CpuMap, host: cpumap.Data, host_vendor: str | None,
            elem: etree._Element, flags: int) -> int:
    """VIR_CPU_COMPARE_* of ``host`` (CPU data) against the ``<cpu>`` ``elem``, as
    libvirt's x86Compute; with VIR_CONNECT_COMPARE_CPU_FAIL_INCOMPATIBLE an
    incompatibility is an error."""
    _check_definition(elem)
    arch = (elem.findtext("arch") or "").strip()
    if arch and arch not in ("i686", "x86_64"):
        return _incompatible(f"CPU arch {arch} does not match host arch", flags)
    vendor = (elem.findtext("vendor") or "").strip()
    if vendor and vendor != host_vendor:
        return _incompatible(f"host CPU vendor does not match required CPU vendor {vendor}",
                             flags)
    spec = spec_of(cmap, elem)
    have = cpumap.features_data(cmap, _names(cmap, host))    # the host's named features
    found = _names(cmap, _common(spec.forbid, have))
    if found:
        return _incompatible("Host CPU provides forbidden features: " + ", ".join(found),
                             flags)
    want = cpumap.copy(spec.required)
    for other in (spec.force, spec.optional, spec.disable):
        cpumap.subtract(want, other)
    missing = cpumap.copy(want)
    cpumap.subtract(missing, have)
    if any(any(regs) for regs in missing.values()):
        return _incompatible("Host CPU does not provide required features: "
                             + ", ".join(_names(cmap, missing)), flags)
    extra = cpumap.copy(have)
    for other in (spec.optional, want, spec.disable, spec.force):
        cpumap.subtract(extra, other)
    if not any(any(regs) for regs in extra.values()):
        return C.VIR_CPU_COMPARE_IDENTICAL
    if spec.guest and spec.match == "strict":
        return _incompatible("Host CPU does not strictly match guest CPU: Extra features: "
                             + ", ".join(_names(cmap, extra)), flags)
    return C.VIR_CPU_COMPARE_SUPERSET


_POLICIES = ("force", "require", "optional", "disable", "forbid")


def _check_definition(elem: etree._Element) -> None:
    """What libvirt's virCPUDefParseXML refuses in a CPU to compare."""
    model = (elem.findtext("model") or "").strip()
    features = elem.findall("feature")
    if elem.find("arch") is not None:
        if not model:
            raise report(C.VIR_ERR_XML_ERROR, "Missing CPU model name", _FROM)
    elif not model:
        if elem.find("vendor") is not None:
            raise report(C.VIR_ERR_XML_ERROR, "CPU vendor specified without CPU model", _FROM)
        if features and elem.get("mode") != "host-model":
            raise report(C.VIR_ERR_XML_ERROR,
                         "Non-empty feature list specified without CPU model", _FROM)
    for feat in features:
        if elem.find("arch") is None and feat.get("policy", "require") not in _POLICIES:
            raise report(C.VIR_ERR_CONFIG_UNSUPPORTED, "Invalid CPU feature policy", _FROM)
        if not feat.get("name"):
            raise report(C.VIR_ERR_XML_ERROR, "Invalid CPU feature name", _FROM)


def _common(data: cpumap.Data, other: cpumap.Data) -> cpumap.Data:
    out = cpumap.copy(data)
    for key, regs in out.items():
        theirs = other.get(key, [0, 0, 0, 0])
        for i in range(4):
            regs[i] &= theirs[i]
    return out


def _incompatible(reason: str, flags: int) -> int:
    if flags & C.VIR_CONNECT_COMPARE_CPU_FAIL_INCOMPATIBLE:
        raise report(C.VIR_ERR_CPU_INCOMPATIBLE, reason, _FROM)
    return C.VIR_CPU_COMPARE_INCOMPATIBLE


def _map() -> cpumap.CpuMap:
    cmap = cpumap.load()
    if cmap is None:
        raise report(C.VIR_ERR_NO_SUPPORT, "cannot compare CPUs without libvirt's CPU map",
                     _FROM)
    return cmap


def _host_vendor(cmap: cpumap.CpuMap, data: cpumap.Data) -> str | None:
    return next((name for name, string in cmap.vendors.items()
                 if cpumap.contains(data, cpumap.vendor_data(string))), None)


def compare_host(xml: str, flags: int) -> int:
    """virConnectCompareCPU: ``xml`` against the host's own CPU."""
    elem = _cpu_elem(xml, flags)
    cmap = _map()
    host = capabilities.host_cpu_data(cmap)
    return compare(cmap, host, _host_vendor(cmap, host), elem, flags)


def _host_model(cmap: cpumap.CpuMap, domcaps: str) -> tuple[cpumap.Data, str | None]:
    """The CPU data and vendor of the host-model CPU of a domain capabilities document:
    its model's features, plus the required ones, minus the disabled ones, in their
    order (libvirt's x86ModelFromCPU for all policies)."""
    root = etree.fromstring(domcaps.encode())
    mode = root.find("cpu/mode[@name='host-model']")
    if mode is None or mode.get("supported") != "yes" or mode.find("model") is None:
        raise report(C.VIR_ERR_OPERATION_UNSUPPORTED,
                     "QEMU offers no host-model CPU to compare with", C.VIR_FROM_QEMU)
    model = cmap.model((mode.findtext("model") or "").strip())
    if model is None:
        raise report(C.VIR_ERR_INTERNAL_ERROR,
                     f"Unknown CPU model {mode.findtext('model')}", _FROM)
    data = cpumap.copy(model.data)
    for feat in mode.findall("feature"):
        known = cmap.feature(feat.get("name", ""))
        policy = feat.get("policy", "require")
        if known is None or policy == "optional":
            continue
        if policy in ("require", "force"):
            cpumap.add(data, known.data)
        else:
            cpumap.subtract(data, known.data)
    return data, (mode.findtext("vendor") or "").strip() or None


def compare_hypervisor(domcaps: str, xml: str, flags: int) -> int:
    """virConnectCompareHypervisorCPU: ``xml`` against QEMU's host-model CPU."""
    elem = _cpu_elem(xml, flags)
    cmap = _map()
    host, vendor = _host_model(cmap, domcaps)
    return compare(cmap, host, vendor, elem, flags)


def baseline(xml_cpus: list[str], flags: int) -> str:
    """virConnectBaselineCPU: the best model every CPU of ``xml_cpus`` runs."""
    from pyvirt.drivers.test import cpu as testcpu
    return testcpu.baseline(xml_cpus, bool(flags & C.VIR_CONNECT_BASELINE_CPU_EXPAND_FEATURES))


def baseline_hypervisor(domcaps: str, xml_cpus: list[str], flags: int) -> str:
    """virConnectBaselineHypervisorCPU: the baseline, minus the features QEMU's
    host-model CPU lacks (listed as disabled; the model may not fall back)."""
    base = etree.fromstring(baseline(xml_cpus, flags).encode())
    cmap = _map()
    offered = _host_model(cmap, domcaps)[0]
    model = base.find("model")
    if model is None:
        raise report(C.VIR_ERR_OPERATION_FAILED,
                     "Cannot find suitable CPU model for given data", _FROM)
    model.set("fallback", "forbid")
    spec = spec_of(cmap, base)
    listed = {f.get("name") for f in base.findall("feature")}
    for name in _names(cmap, spec.required):
        feat = cmap.feature(name)
        if name not in listed and feat is not None and not cpumap.contains(offered, feat.data):
            etree.SubElement(base, "feature", policy="disable", name=name)
    return _format(base)


def _format(elem: etree._Element) -> str:
    """``<cpu>`` as libvirt writes it: two-space indent, single-quoted attributes."""
    out = [f"<cpu{_attrs(elem)}>\n"]
    for child in elem:
        text = (child.text or "").strip()
        if text:
            out.append(f"  <{child.tag}{_attrs(child)}>{text}</{child.tag}>\n")
        else:
            out.append(f"  <{child.tag}{_attrs(child)}/>\n")
    out.append("</cpu>\n")
    return "".join(out)


def _attrs(elem: etree._Element) -> str:
    return "".join(f" {k}='{v}'" for k, v in elem.attrib.items())
