"""x86 CPU models and features as libvirt's CPU map names them, and decoding.

libvirt describes each x86 feature by the CPUID (leaf, subleaf, register
bits) or MSR bits that announce it, and each named CPU model by its vendor,
family/model signatures and feature list (``/usr/share/libvirt/cpu_map``).
Turning raw CPU data into ``model + extra/missing features`` is
"decoding": every model of the map is tried, newest first, and the one
needing the shortest feature list wins, preferring models whose signature
matches the CPU's family and model.  libvirt uses it for the host CPU in
the capabilities (from CPUID) and for host-model in the domain capabilities
(from QEMU's expansion of its ``host``/``max`` CPU).

CPU data is a dict ``{key: [eax, ebx, ecx, edx]}`` where ``key`` is
``("cpuid", leaf, subleaf)`` or ``("msr", index, 0)`` (MSRs use eax/edx).
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass, field

from lxml import etree

CPU_MAP_DIR = "/usr/share/libvirt/cpu_map"

Key = tuple[str, int, int]
Data = dict[Key, list[int]]
_REGS = ("eax", "ebx", "ecx", "edx")


@dataclass
class Feature:
    """A named feature: the bits announcing it and whether it may migrate."""

    name: str
    data: Data
    migratable: bool = True
    aliases: tuple[str, ...] = ()


@dataclass
class Model:
    """A named CPU model of the map."""

    name: str
    vendor: str | None
    signatures: list[tuple[int, int]]
    data: Data
    decode_host: bool = True
    decode_guest: bool = True


@dataclass
class CpuMap:
    """The x86 part of libvirt's CPU map."""

    vendors: dict[str, str] = field(default_factory=dict)     # name -> 12-char string
    features: list[Feature] = field(default_factory=list)
    models: list[Model] = field(default_factory=list)

    index: dict[str, Feature] = field(default_factory=dict, repr=False)

    def feature(self, name: str) -> Feature | None:
        """The feature called ``name`` in libvirt's or (alias) QEMU's spelling."""
        return self.index.get(name)

    def model(self, name: str) -> Model | None:
        """The model called ``name``, or None."""
        return next((m for m in self.models if m.name == name), None)

    def add_feature(self, feat: Feature) -> None:
        """Append ``feat`` and index it by name and aliases (names win over aliases)."""
        self.features.append(feat)
        for alias in feat.aliases:
            self.index.setdefault(alias, feat)
        self.index[feat.name] = feat


def _hex(elem: etree._Element, attr: str) -> int:
    return int(elem.get(attr, "0"), 16)


def _item(elem: etree._Element) -> tuple[Key, list[int]]:
    if elem.tag == "msr":
        return ("msr", _hex(elem, "index"), 0), [_hex(elem, "eax"), 0, 0, _hex(elem, "edx")]
    return (("cpuid", _hex(elem, "eax_in"), _hex(elem, "ecx_in")),
            [_hex(elem, r) for r in _REGS])


def add(data: Data, other: Data) -> None:
    """Set in ``data`` every bit set in ``other``."""
    for key, regs in other.items():
        cur = data.setdefault(key, [0, 0, 0, 0])
        for i in range(4):
            cur[i] |= regs[i]


def subtract(data: Data, other: Data) -> None:
    """Clear in ``data`` every bit set in ``other``."""
    for key, regs in other.items():
        cur = data.get(key)
        if cur is not None:
            for i in range(4):
                cur[i] &= ~regs[i]


def contains(data: Data, sub: Data) -> bool:
    """True when every bit of ``sub`` is set in ``data`` (and ``sub`` has bits)."""
    seen = False
    for key, regs in sub.items():
        if not any(regs):
            continue
        seen = True
        cur = data.get(key, [0, 0, 0, 0])
        if any(cur[i] & regs[i] != regs[i] for i in range(4)):
            return False
    return seen


def copy(data: Data) -> Data:
    """A deep copy of ``data``."""
    return {k: list(v) for k, v in data.items()}


def _load_file(cmap: CpuMap, path: str) -> None:
    root = etree.parse(path).getroot()
    for elem in root:
        if elem.tag == "vendor":
            cmap.vendors[elem.get("name", "")] = elem.get("string", "")
        elif elem.tag == "feature":
            data: Data = {}
            for item in elem:
                if item.tag in ("cpuid", "msr"):
                    key, regs = _item(item)
                    add(data, {key: regs})
            aliases = tuple(a.get("name", "") for a in elem.findall("alias"))
            cmap.add_feature(Feature(elem.get("name", ""), data,
                                     elem.get("migratable") != "no", aliases))
        elif elem.tag == "model":
            cmap.models.append(_parse_model(cmap, elem))


def _parse_model(cmap: CpuMap, elem: etree._Element) -> Model:
    data: Data = {}
    for feat in elem.findall("feature"):
        if feat.get("removed") == "yes":
            continue             # listed as dropped from the model: not part of it
        found = cmap.feature(feat.get("name", ""))
        if found is not None:
            add(data, found.data)
    vendor = elem.find("vendor")
    decode = elem.find("decode")
    return Model(elem.get("name", ""), vendor.get("name") if vendor is not None else None,
                 [(int(s.get("family", 0)), int(s.get("model", 0)))
                  for s in elem.findall("signature")], data,
                 decode is None or decode.get("host") != "off",
                 decode is None or decode.get("guest") != "off")


@functools.cache
def load(directory: str = CPU_MAP_DIR) -> CpuMap | None:
    """libvirt's x86 CPU map from ``directory`` (its index.xml order), or None."""
    cmap = CpuMap()
    try:
        index = etree.parse(os.path.join(directory, "index.xml")).getroot()
        arch = index.find("arch[@name='x86']")
        if arch is None:
            return None
        for inc in arch.findall("include"):
            _load_file(cmap, os.path.join(directory, inc.get("filename", "")))
    except (OSError, etree.XMLSyntaxError):
        return None
    return cmap


# the CPU map sections whose models libvirt lists (its x86 and ppc64 CPU drivers)
_MODEL_FAMILIES = {"i686": "x86", "x86_64": "x86", "ppc64": "ppc64", "ppc64le": "ppc64"}


def model_names(arch: str, directory: str = CPU_MAP_DIR) -> list[str]:
    """virConnectGetCPUModelNames: the map's model names for ``arch``, in map order.

    Architectures whose CPU driver lists no models (and hosts without the
    map) get an empty list.
    """
    family = _MODEL_FAMILIES.get(arch)
    if family is None:
        return []
    try:
        index = etree.parse(os.path.join(directory, "index.xml")).getroot()
        names = []
        for inc in index.findall(f"arch[@name='{family}']/include"):
            root = etree.parse(os.path.join(directory, inc.get("filename", ""))).getroot()
            names += [m.get("name", "") for m in root.findall("model")]
        return names
    except (OSError, etree.XMLSyntaxError):
        return []


# --- CPU data helpers ------------------------------------------------------------------

def vendor_data(vendor: str) -> Data:
    """The CPUID leaf 0 bits spelling vendor string ``vendor`` ('AuthenticAMD')."""
    raw = vendor.encode()[:12].ljust(12, b"\0")
    ebx, edx, ecx = (int.from_bytes(raw[i:i + 4], "little") for i in (0, 4, 8))
    return {("cpuid", 0, 0): [0, ebx, ecx, edx]}


def signature_of(data: Data) -> tuple[int, int, int] | None:
    """(family, model, stepping) from CPUID leaf 1, or None when absent."""
    regs = data.get(("cpuid", 1, 0))
    if regs is None or not regs[0]:
        return None
    eax = regs[0]
    family = ((eax >> 8) & 0xf) + ((eax >> 20) & 0xff)
    model = ((eax >> 4) & 0xf) | ((eax >> 12) & 0xf0)
    return family, model, eax & 0xf


def signature_data(family: int, model: int, stepping: int) -> Data:
    """CPUID leaf 1 eax for a signature (the inverse of :func:`signature_of`)."""
    if family > 0xf:
        base, ext = 0xf, family - 0xf
    else:
        base, ext = family, 0
    eax = (stepping & 0xf) | ((model & 0xf) << 4) | (base << 8) | ((model >> 4) << 16) \
        | (ext << 20)
    return {("cpuid", 1, 0): [eax, 0, 0, 0]}


def _take_vendor(cmap: CpuMap, data: Data) -> str | None:
    regs = data.get(("cpuid", 0, 0))
    if regs is None:
        return None
    for name, string in cmap.vendors.items():
        want = vendor_data(string)[("cpuid", 0, 0)]
        if all(regs[i] & want[i] == want[i] for i in range(1, 4)):
            for i in range(1, 4):
                regs[i] &= ~want[i]
            return name
    return None


def _features(cmap: CpuMap, data: Data) -> list[str]:
    """Names of the map's features present in ``data``, removing them as found."""
    names = []
    for feat in cmap.features:
        if contains(data, feat.data):
            subtract(data, feat.data)
            names.append(feat.name)
    return names


@dataclass
class Decoded:
    """A decoded CPU: model, vendor, signature and feature (policy, name) pairs."""

    model: str
    vendor: str | None
    signature: tuple[int, int, int] | None
    features: list[tuple[str, str]]


def _candidate(cmap: CpuMap, data: Data, model: Model,
               blockers: list[str]) -> list[tuple[str, str]]:
    extra, missing = copy(data), copy(model.data)
    subtract(extra, model.data)
    subtract(missing, data)
    for name in blockers:
        feat = cmap.feature(name)
        if feat is not None and not contains(extra, feat.data):
            add(missing, feat.data)
    return ([("require", n) for n in _features(cmap, extra)]
            + [("disable", n) for n in _features(cmap, missing)])


def decode(cmap: CpuMap, data: Data, host: bool,
           allowed: dict[str, list[str]] | None = None) -> Decoded | None:
    """Find the model that describes ``data`` best, as libvirt 9.0's x86Decode.

    ``host`` decodes a host CPU (models needing a disabled feature are
    skipped); otherwise a guest CPU.  ``allowed`` maps the hypervisor's model
    names to their blockers and limits the candidates to them.
    """
    data = copy(data)
    vendor = _take_vendor(cmap, data)
    sig = signature_of(data)
    if ("cpuid", 1, 0) in data:
        data[("cpuid", 1, 0)][0] = 0          # the signature is no feature
    best: tuple[Model, list[tuple[str, str]]] | None = None
    for model in reversed(cmap.models):
        if allowed is not None and model.name not in allowed:
            continue
        if vendor and model.vendor and model.vendor != vendor:
            continue
        if not (model.decode_host if host else model.decode_guest):
            continue
        feats = _candidate(cmap, data, model, (allowed or {}).get(model.name, []))
        if host and any(p == "disable" for p, _ in feats):
            continue
        if best is None or _better(best, model, feats, sig):
            best = (model, feats)
    if best is None:
        return None
    return Decoded(best[0].name, vendor, sig, best[1])


def _better(current: tuple[Model, list[tuple[str, str]]], model: Model,
            feats: list[tuple[str, str]], sig: tuple[int, int, int] | None) -> bool:
    """True when ``model`` with ``feats`` beats ``current``: once a model matching
    the CPU's family/model is found only matching ones may replace it; otherwise
    a shorter feature list wins, and so does a matching signature even with a
    longer one."""
    cur_model, cur_feats = current
    fm = sig[:2] if sig else None
    cur_match = fm is not None and fm in cur_model.signatures
    cand_match = fm is not None and fm in model.signatures
    if cur_match and not cand_match:
        return False
    if len(cur_feats) > len(feats):
        return True
    return cand_match and not cur_match


def features_data(cmap: CpuMap, names: list[str]) -> Data:
    """The CPU data announcing the named features (unknown names are skipped)."""
    data: Data = {}
    for name in names:
        feat = cmap.feature(name)
        if feat is not None:
            add(data, feat.data)
    return data


def canonical_name(cmap: CpuMap, name: str) -> str:
    """libvirt's name for a feature QEMU calls ``name`` (itself when unknown)."""
    feat = cmap.feature(name)
    return feat.name if feat is not None else name
