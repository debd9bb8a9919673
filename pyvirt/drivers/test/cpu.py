"""CPU baseline on the test driver, with libvirt's x86 CPU map.

libvirt 9.0's test driver computes ``virConnectBaselineCPU`` with its x86 CPU
driver: every input is a host CPU (a model, a vendor and features), turned
into CPUID/MSR bits through the CPU map; the bits all inputs share are
decoded back into the CPU model that needs the fewest extra or missing
features, the common input model winning outright.  The CPU map is read at
run time from Debian's libvirt (``/usr/share/libvirt/cpu_map``, package
libvirt0), never copied.  ``virConnectCompareCPU`` and the hypervisor-CPU
calls are not in libvirt 9.0's test driver: they stay ``VIR_ERR_NO_SUPPORT``.

The driver method is :meth:`HostMixin.connectBaselineCPU
<pyvirt.drivers.test.host.HostMixin.connectBaselineCPU>`, which imports
this module (lxml, the XML helpers) on the first call only.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass, field
from typing import Any

from lxml import etree

from pyvirt import constants as C
from pyvirt.conf import xmlutil
from pyvirt.errors import report

CPU_MAP_DIR = os.environ.get("PYVIRT_CPU_MAP_DIR", "/usr/share/libvirt/cpu_map")
_FROM = C.VIR_FROM_CPU
_X86_ARCHES = ("i686", "x86_64")

# CPUID/MSR data: (kind, leaf, subleaf or index, register) -> bit mask
Data = dict[tuple[str, int, int, str], int]


def _add(data: Data, other: Data) -> None:
    for key, mask in other.items():
        data[key] = data.get(key, 0) | mask


def _subtract(data: Data, other: Data) -> None:
    for key, mask in other.items():
        if key in data:
            data[key] &= ~mask
            if not data[key]:
                del data[key]


def _intersect(data: Data, other: Data) -> None:
    for key in list(data):
        data[key] &= other.get(key, 0)
        if not data[key]:
            del data[key]


def _contains(data: Data, part: Data) -> bool:
    return bool(part) and all(data.get(key, 0) & mask == mask for key, mask in part.items())


@dataclass
class Model:
    """One CPU model of the map."""

    name: str
    vendor: str | None
    decode_guest: bool
    data: Data = field(default_factory=dict)
    # features marked removed='yes': not part of the model, but a CPU without
    # them decodes to this model with the feature disabled
    removed: list[str] = field(default_factory=list)


@dataclass
class CPUMap:
    """libvirt's x86 CPU map: features in file order, vendors, models in map order."""

    features: list[tuple[str, Data]]
    by_name: dict[str, Data]
    vendors: set[str]
    models: list[Model]

    def model(self, name: str) -> Model:
        """The model called ``name`` (libvirt's error if unknown)."""
        for model in self.models:
            if model.name == name:
                return model
        raise report(C.VIR_ERR_INTERNAL_ERROR, f"Unknown CPU model {name}", _FROM)

    def feature(self, name: str) -> Data:
        """The bits of feature ``name`` (libvirt's error if unknown)."""
        try:
            return self.by_name[name]
        except KeyError:
            raise report(C.VIR_ERR_INTERNAL_ERROR, f"Unknown CPU feature {name}",
                         _FROM) from None

    def names(self, data: Data) -> list[str]:
        """Features making up ``data``, in map order (each bit named once)."""
        left, out = dict(data), []
        for name, bits in self.features:
            if _contains(left, bits):
                out.append(name)
                _subtract(left, bits)
        return out


def _hex(elem: Any, attr: str) -> int:
    return int(elem.get(attr, "0"), 16)


def _feature_data(elem: Any) -> Data:
    data: Data = {}
    for item in elem.iter("cpuid"):
        leaf, sub = _hex(item, "eax_in"), _hex(item, "ecx_in")
        for reg in ("eax", "ebx", "ecx", "edx"):
            if _hex(item, reg):
                data[("cpuid", leaf, sub, reg)] = _hex(item, reg)
    for item in elem.iter("msr"):
        index = _hex(item, "index")
        for reg in ("eax", "edx"):
            if _hex(item, reg):
                data[("msr", index, 0, reg)] = _hex(item, reg)
    return data


@functools.lru_cache(maxsize=1)
def x86_map(directory: str = CPU_MAP_DIR) -> CPUMap:
    """Read libvirt's x86 CPU map (index.xml and the files it includes)."""
    try:
        index = etree.parse(os.path.join(directory, "index.xml"))
    except OSError:
        raise report(C.VIR_ERR_INTERNAL_ERROR,
                     f"cannot read libvirt's CPU map in {directory} (install libvirt0)",
                     _FROM) from None
    features: list[tuple[str, Data]] = []
    vendors: set[str] = set()
    models: list[Model] = []
    for arch in index.getroot().iter("arch"):
        if arch.get("name") != "x86":
            continue
        for inc in arch.iter("include"):
            root = etree.parse(os.path.join(directory, inc.get("filename", ""))).getroot()
            for child in root:
                if child.tag == "vendor":
                    vendors.add(child.get("name", ""))
                elif child.tag == "feature":
                    features.append((child.get("name", ""), _feature_data(child)))
                elif child.tag == "model":
                    models.append(_model(child, dict(features)))
    return CPUMap(features, dict(features), vendors, models)


def _model(elem: Any, features: dict[str, Data]) -> Model:
    decode = elem.find("decode")
    vendor = elem.find("vendor")
    model = Model(elem.get("name", ""), vendor.get("name") if vendor is not None else None,
                  decode is None or decode.get("guest", "on") == "on")
    for feat in elem.findall("feature"):
        if feat.get("removed") == "yes":
            model.removed.append(feat.get("name", ""))
        else:
            _add(model.data, features.get(feat.get("name", ""), {}))
    return model


# --- input CPUs ------------------------------------------------------------------------

@dataclass
class HostCPU:
    """One input of the baseline: a host CPU description."""

    arch: str
    model: str
    vendor: str | None
    features: list[str]


def parse_host_cpu(xml: str) -> HostCPU:
    """Read a host ``<cpu>`` as libvirt's virCPUDefParseXML does for VIR_CPU_TYPE_HOST."""
    elem = xmlutil.parse_xml(xml, what="CPU_definition", domain=_FROM)
    if elem.tag != "cpu":
        raise report(C.VIR_ERR_XML_ERROR, "XML does not contain expected 'cpu' element", _FROM)
    if elem.get("mode") is not None:
        raise report(C.VIR_ERR_CONFIG_UNSUPPORTED,
                     "Attribute mode is only allowed for guest CPU", _FROM)
    arch = (elem.findtext("arch") or "").strip()
    if not arch:
        raise report(C.VIR_ERR_XML_ERROR, "Missing CPU architecture", _FROM)
    model = (elem.findtext("model") or "").strip()
    if not model:
        raise report(C.VIR_ERR_XML_ERROR, "Missing CPU model name", _FROM)
    vendor = elem.findtext("vendor")
    names = []
    for feat in elem.findall("feature"):
        name = feat.get("name")
        if not name:
            raise report(C.VIR_ERR_XML_ERROR, "Invalid CPU feature name", _FROM)
        names.append(name)     # a host CPU's feature policy means nothing: all are present
    return HostCPU(arch, model, vendor.strip() if vendor is not None else None, names)


def _cpu_data(cpu: HostCPU, cmap: CPUMap) -> Data:
    data = dict(cmap.model(cpu.model).data)
    for name in cpu.features:
        _add(data, cmap.feature(name))
    return data


def _vendor(name: str, cmap: CPUMap) -> str:
    if name not in cmap.vendors:
        raise report(C.VIR_ERR_OPERATION_FAILED, f"Unknown CPU vendor {name}", _FROM)
    return name


# --- baseline --------------------------------------------------------------------------

@dataclass
class GuestCPU:
    """The result: a guest CPU model with required and disabled features."""

    model: str
    vendor: str | None
    fallback: str
    features: list[tuple[str, str]]        # (policy, name)

    def format(self) -> str:
        """libvirt's virCPUDefFormat of this guest CPU."""
        lines = ["<cpu mode='custom' match='exact'>",
                 f"  <model fallback='{self.fallback}'>{self.model}</model>"]
        if self.vendor:
            lines.append(f"  <vendor>{self.vendor}</vendor>")
        lines += [f"  <feature policy='{policy}' name='{name}'/>"
                  for policy, name in self.features]
        return "\n".join(lines + ["</cpu>"]) + "\n"


def _score(cpu: GuestCPU) -> tuple[int, int]:
    """(cost, disabled cost) of a candidate, as libvirt 9.0 counts them.

    A required feature costs 1; disabled ones cost 2, 3, 4 ... in turn.  libvirt
    walks the list (required features first, then disabled ones) only up to its
    running count of enabled features, which shrinks by one at each disabled
    feature met, so the last disabled features of a list are not charged: a
    list of three disabled features counts as one enabled and two disabled (cost
    1 + 5).  Its choices follow from that count, so pyvirt counts the same way.
    """
    enabled, disabled, penalty, i = len(cpu.features), 0, 2, 0
    while i < enabled:
        if cpu.features[i][0] == "disable":
            enabled -= 1
            disabled += penalty
            penalty += 1
        i += 1
    return enabled + disabled, disabled


def _better(candidate: GuestCPU, current: GuestCPU) -> bool:
    cost, disabled = _score(candidate)
    cost_now, disabled_now = _score(current)
    return cost < cost_now or (cost == cost_now and disabled < disabled_now)


def _decode(data: Data, vendor: str | None, preferred: str | None,
            cmap: CPUMap) -> GuestCPU:
    """The map model that describes ``data`` best (libvirt's x86Decode for a guest CPU)."""
    best: GuestCPU | None = None
    for model in reversed(cmap.models):             # newest models first
        if vendor and model.vendor and model.vendor != vendor:
            continue
        if not model.decode_guest:
            continue
        extra, missing = dict(data), dict(model.data)
        _subtract(extra, model.data)
        _subtract(missing, data)
        gone = [n for n in model.removed if not _contains(data, cmap.by_name.get(n, {}))]
        candidate = GuestCPU(model.name, vendor, "allow",
                             [("require", n) for n in cmap.names(extra)]
                             + [("disable", n) for n in cmap.names(missing) + gone])
        if preferred and model.name == preferred:
            best = candidate
            break
        if best is None or _better(candidate, best):
            best = candidate
    if best is None:
        raise report(C.VIR_ERR_OPERATION_FAILED,
                     "Cannot find suitable CPU model for given data", _FROM)
    return best


def baseline(xml_cpus: list[str], expand: bool) -> str:
    """The baseline guest CPU of ``xml_cpus``, formatted."""
    if not xml_cpus:
        raise report(C.VIR_ERR_INVALID_ARG, "no CPUs given", _FROM)
    cpus = [parse_host_cpu(xml) for xml in xml_cpus]
    if cpus[0].arch not in _X86_ARCHES:
        raise report(C.VIR_ERR_NO_SUPPORT,
                     f"CPU baseline for the {cpus[0].arch} architecture is not implemented",
                     _FROM)
    cmap = x86_map()
    data = _cpu_data(cpus[0], cmap)
    # the first CPU's vendor is its <vendor> alone; a later CPU without one
    # stands for its model's vendor, and all must agree
    vendor = _vendor(cpus[0].vendor, cmap) if cpus[0].vendor else None
    output_vendor = cpus[0].vendor is not None
    common: str | None = cpus[0].model
    for host in cpus[1:]:
        other = _cpu_data(host, cmap)
        name = host.vendor
        model_vendor = cmap.model(host.model).vendor
        if name and model_vendor and name != model_vendor:
            raise report(C.VIR_ERR_OPERATION_FAILED, f"CPU vendor {model_vendor} of model "
                         f"{host.model} differs from vendor {name}", _FROM)
        if not name:
            output_vendor = False
            name = cmap.model(host.model).vendor
        if name:
            if vendor is None:
                vendor = _vendor(name, cmap)
            elif vendor != name:
                raise report(C.VIR_ERR_OPERATION_FAILED, "CPU vendors do not match", _FROM)
        _intersect(data, other)
        if common != host.model:
            common = None
    if not data:
        raise report(C.VIR_ERR_OPERATION_FAILED, "CPUs are incompatible", _FROM)
    guest = _decode(data, vendor, common, cmap)
    if guest.model == common:
        guest.fallback = "forbid"
    if not output_vendor:
        guest.vendor = None
    if expand:
        _expand(guest, cmap)
    return guest.format()


def _expand(cpu: GuestCPU, cmap: CPUMap) -> None:
    """List every feature of the model too (VIR_CONNECT_BASELINE_CPU_EXPAND_FEATURES)."""
    policies = {name: policy for policy, name in cpu.features}
    for name in cmap.names(cmap.model(cpu.model).data):
        policies.setdefault(name, "require")
    cpu.features = sorted(((policy, name) for name, policy in policies.items()),
                          key=lambda item: item[1])

