"""Domain XML: boot (``<os>``), ``<features>``, ``<clock>``, ``<pm>`` and
the lifecycle actions."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import cast

from lxml import etree

from pyvirt import constants as C
from pyvirt.conf.domain_base import (
    INT,
    UINT,
    YESNO,
    bad_enum,
    keep,
    message,
    missing_attr,
    order_of,
    parse_enum,
    place,
    text_el,
    uint,
    unsupported,
)
from pyvirt.conf.domain_cpu import memory_kib
from pyvirt.conf.xmlutil import E, attr_text, escape_attr, write_node
from pyvirt.errors import report


class OSType(enum.StrEnum):
    """``<os><type>``."""

    HVM = "hvm"
    XEN = "xen"
    LINUX = "linux"
    EXE = "exe"
    UML = "uml"
    XENPVH = "xenpvh"


class BootDev(enum.StrEnum):
    """``<boot dev=...>``."""

    FD = "fd"
    CDROM = "cdrom"
    HD = "hd"
    NETWORK = "network"


class LoaderType(enum.StrEnum):
    """``<loader type=...>``."""

    ROM = "rom"
    PFLASH = "pflash"


_FW_FEATURES = ("enrolled-keys", "secure-boot")

_OS_ORDER = order_of("type", "firmware", "init", "initarg", "initenv", "initdir", "inituser",
                     "initgroup", "loader", "nvram", "kernel", "initrd", "cmdline", "dtb",
                     "root", "acpi", "boot", "bootmenu", "bios", "smbios")


@dataclass(kw_only=True, slots=True)
class OS:
    """``<os>``: guest type, firmware and boot settings.

    ``boot`` lists the boot devices in order; ``loader``/``nvram`` are
    paths with their attributes beside them.
    """

    type: OSType | None = None
    arch: str | None = None
    machine: str | None = None
    firmware: str | None = None
    firmware_features: dict[str, bool] = field(default_factory=dict)
    loader: str | None = None
    loader_readonly: bool | None = None
    loader_secure: bool | None = None
    loader_type: LoaderType | None = None
    loader_stateless: bool | None = None
    loader_format: str | None = None
    nvram: str | None = None
    nvram_template: str | None = None
    nvram_format: str | None = None
    kernel: str | None = None
    initrd: str | None = None
    cmdline: str | None = None
    dtb: str | None = None
    boot: list[BootDev] = field(default_factory=list)
    bootmenu: bool | None = None
    bootmenu_timeout: int | None = None
    smbios: str | None = None
    bios_useserial: bool | None = None
    bios_reboot_timeout: int | None = None
    kept: list[E] = field(default_factory=list)

    @classmethod
    def parse(cls, elem: etree._Element) -> OS:
        """Parse ``<os>``."""
        os_ = cls()
        os_.firmware = elem.get("firmware")
        if os_.firmware is not None and os_.firmware not in ("bios", "efi"):
            raise bad_enum("firmware", "os", os_.firmware)
        for child in elem:
            tag = child.tag
            handler = _OS_HANDLERS.get(tag)  # type: ignore[arg-type]
            if handler is not None:
                handler(os_, child)
            elif tag in _OS_ORDER:
                os_.kept.append(keep(child))
        return os_

    def _type(self, child: etree._Element) -> None:
        text = (child.text or "").strip()
        kind = OSType._value2member_map_.get(text)
        if kind is None:
            raise unsupported(f"unknown OS type '{text}'")
        self.type = kind  # type: ignore[assignment]
        self.arch = child.get("arch")
        self.machine = child.get("machine")

    def _firmware(self, child: etree._Element) -> None:
        for feat in child:
            if feat.tag == "feature":
                name = feat.get("name", "")
                if name not in _FW_FEATURES:
                    raise bad_enum("name", "feature", name)
                self.firmware_features[name] = YESNO.load(feat.get("enabled", ""), "enabled",
                                                          "feature")

    def _loader(self, child: etree._Element) -> None:
        self.loader = (child.text or "").strip() or None
        for attr, name in (("readonly", "loader_readonly"), ("secure", "loader_secure"),
                           ("stateless", "loader_stateless")):
            value = child.get(attr)
            if value is not None:
                setattr(self, name, YESNO.load(value, attr, "loader"))
        self.loader_type = parse_enum(LoaderType, child.get("type"), "type", "loader")
        self.loader_format = child.get("format")

    def _nvram(self, child: etree._Element) -> None:
        if len(child):
            self.kept.append(keep(child))
            return
        self.nvram = (child.text or "").strip() or None
        self.nvram_template = child.get("template")
        self.nvram_format = child.get("format")

    def _boot(self, child: etree._Element) -> None:
        dev = child.get("dev")
        if dev is None:
            raise report(C.VIR_ERR_INTERNAL_ERROR, "missing boot device", C.VIR_FROM_DOMAIN)
        self.boot.append(parse_enum(BootDev, dev, "dev", "boot"))

    def _bootmenu(self, child: etree._Element) -> None:
        enable = child.get("enable")
        self.bootmenu = None if enable is None else YESNO.load(enable, "enable", "bootmenu")
        timeout = child.get("timeout")
        if timeout is not None:
            self.bootmenu_timeout = UINT.load(timeout, "timeout", "bootmenu")

    def _bios(self, child: etree._Element) -> None:
        serial = child.get("useserial")
        self.bios_useserial = None if serial is None else YESNO.load(serial, "useserial", "bios")
        timeout = child.get("rebootTimeout")
        if timeout is not None:
            self.bios_reboot_timeout = INT.load(timeout, "rebootTimeout", "bios")

    def _text(self, child: etree._Element) -> None:
        setattr(self, child.tag, child.text or "")

    def _only_type_and_boot(self) -> bool:
        """True when nothing but ``<type>`` and ``<boot>`` is to be written.

        Plain attribute reads, which CPython specialises, are several times
        cheaper here than one ``attrgetter`` of them all."""
        return (self.firmware is None and not self.firmware_features and self.loader is None
                and self.loader_readonly is None and self.loader_secure is None
                and self.loader_type is None and self.loader_stateless is None
                and self.loader_format is None and self.nvram is None
                and self.nvram_template is None and self.kernel is None and self.initrd is None
                and self.cmdline is None and self.dtb is None and self.bootmenu is None
                and self.bootmenu_timeout is None and self.bios_useserial is None
                and self.bios_reboot_timeout is None and self.smbios is None and not self.kept)

    def write(self, pad: str, out: list[str], virt_type: str | None = None) -> None:
        """Append the lines of the ``<os>`` element, indented by ``pad``."""
        kind = self.type
        if kind is None or (kind == "xen" and virt_type == "xen") \
                or not self._only_type_and_boot():
            write_node(self.format(virt_type), pad, out)
            return
        # the common case, written directly: <type> and <boot> only
        text = f"{pad}<os>\n{pad}  <type"
        if self.arch is not None:
            text += f" arch='{escape_attr(self.arch)}'"
        if self.machine is not None:
            text += f" machine='{escape_attr(self.machine)}'"
        out.append(f"{text}>{kind._value_}</type>\n")
        for dev in self.boot:
            out.append(f"{pad}  <boot dev='{dev._value_}'/>\n")
        out.append(f"{pad}</os>\n")

    def format(self, virt_type: str | None = None) -> E:
        """The ``<os>`` element (Xen PV guests of Xen say 'linux', as libvirt)."""
        kind = self.type.value if self.type else None
        if kind == "xen" and virt_type == "xen":
            kind = "linux"
        node = E("os", [("firmware", self.firmware)], keep=True)
        node.add(text_el("type", kind, [("arch", self.arch), ("machine", self.machine)]))
        if self.firmware_features:
            node.add(E("firmware", children=[
                E("feature", [("enabled", "yes" if self.firmware_features[n] else "no"),
                              ("name", n)])
                for n in _FW_FEATURES if n in self.firmware_features]))
        if self.loader is not None or self.loader_readonly is not None or \
                self.loader_secure is not None or self.loader_type is not None or \
                self.loader_stateless is not None or self.loader_format is not None:
            loader = E("loader", [
                ("readonly", _yn(self.loader_readonly)), ("secure", _yn(self.loader_secure)),
                ("type", self.loader_type.value if self.loader_type else None),
                ("stateless", _yn(self.loader_stateless)), ("format", self.loader_format)])
            if self.loader is not None:
                loader.text = self.loader
            node.add(loader)
        if self.nvram is not None or self.nvram_template is not None:
            nvram = E("nvram", [("template", self.nvram_template),
                                ("format", self.nvram_format)])
            if self.nvram is not None:
                nvram.text = self.nvram
            node.add(nvram)
        for tag in ("kernel", "initrd", "cmdline", "dtb"):
            value = getattr(self, tag)
            if value is not None:
                node.add(text_el(tag, value))
        for dev in self.boot:
            node.add(E("boot", [("dev", dev.value)]))
        if self.bootmenu is not None or self.bootmenu_timeout is not None:
            node.add(E("bootmenu", [("enable", _yn(self.bootmenu)),
                                    ("timeout", self.bootmenu_timeout)]))
        if self.bios_useserial is not None or self.bios_reboot_timeout is not None:
            node.add(E("bios", [("useserial", _yn(self.bios_useserial)),
                                ("rebootTimeout", self.bios_reboot_timeout)]))
        if self.smbios is not None:
            node.add(E("smbios", [("mode", self.smbios)]))
        node.children = place(node.children, self.kept, _OS_ORDER)
        return node



def _yn(flag: bool | None) -> str | None:
    return None if flag is None else ("yes" if flag else "no")


_OS_HANDLERS = {
    "type": OS._type, "firmware": OS._firmware, "loader": OS._loader, "nvram": OS._nvram,
    "kernel": OS._text, "initrd": OS._text, "cmdline": OS._text, "dtb": OS._text,
    "boot": OS._boot, "bootmenu": OS._bootmenu, "bios": OS._bios,
    "smbios": lambda os_, c: setattr(os_, "smbios", c.get("mode")),
}


# --- <features> -----------------------------------------------------------------

#: libvirt's feature order, and how each is written:
#: 'flag' <x/>; 'state' state=on/off (missing means on); 'state!' state required;
#: 'attrs' attributes only (dropped when none); 'nested' sub-features.
FEATURE_KINDS: dict[str, str] = {
    "acpi": "flag", "apic": "attrs+", "pae": "flag", "hap": "state", "viridian": "flag",
    "privnet": "flag", "hyperv": "nested", "kvm": "nested", "pvspinlock": "state",
    "capabilities": "nested", "pmu": "state", "vmport": "state", "gic": "attrs+",
    "smm": "state", "ioapic": "attrs", "hpt": "attrs", "vmcoreinfo": "state",
    "htm": "state!", "nested-hv": "state!", "msrs": "attrs", "ccf-assist": "state!",
    "xen": "nested", "cfpc": "attrs", "sbbc": "attrs", "ibs": "attrs", "tcg": "nested",
}
_FEATURE_ORDER = order_of(*FEATURE_KINDS)

_HYPERV_ORDER = order_of("relaxed", "vapic", "spinlocks", "vpindex", "runtime", "synic",
                         "stimer", "reset", "vendor_id", "frequencies", "reenlightenment",
                         "tlbflush", "ipi", "evmcs", "avic", "emsr_bitmap", "xmm_input")
_KVM_ORDER = order_of("hidden", "hint-dedicated", "poll-control", "pv-ipi", "dirty-ring")
_XEN_ORDER = order_of("e820_host", "passthrough")
_SUB_ORDERS = {"hyperv": _HYPERV_ORDER, "kvm": _KVM_ORDER, "xen": _XEN_ORDER}

#: children whose text is a size, written back in the given unit
_SIZE_CHILDREN = {"smm": ("tseg", "MiB"), "hpt": ("maxpagesize", "KiB"),
                  "tcg": ("tb-cache", "KiB")}


@dataclass(kw_only=True, slots=True)
class Feature:
    """One guest feature: ``<name state=... attr=...>`` and its sub-features
    (hyperv enlightenments, kvm options ...); ``size`` is in KiB."""

    name: str
    state: bool | None = None
    attrs: dict[str, str] = field(default_factory=dict)
    children: list[Feature] = field(default_factory=list)
    size: int | None = None

    def format(self, order: dict[str, int] | None = None) -> E | None:
        """The feature element, or None when libvirt would leave it out."""
        attrs: list[tuple[str, object]] = []
        if self.state is not None:
            attrs.append(("state", "on" if self.state else "off"))
        attrs.extend(self.attrs.items())
        kind = FEATURE_KINDS.get(self.name, "")
        node = E(self.name, attrs, keep=kind != "attrs")
        sub_order = _SUB_ORDERS.get(self.name)
        kids = sorted(self.children, key=lambda f: sub_order.get(f.name, 99)) \
            if sub_order else self.children
        for kid in kids:
            node.add(kid.format())
        if self.size is not None:
            tag, unit = _SIZE_CHILDREN[self.name]
            value = self.size // 1024 if unit == "MiB" else self.size
            node.add(E(tag, [("unit", unit)], value))
        if self.name == "hyperv" and not node.children:
            node.raw = f"<hyperv{''.join(f' {k}={chr(39)}{v}{chr(39)}' for k, v in attrs)}>\n" \
                       "</hyperv>"
        return node


def _parse_sub(elem: etree._Element) -> Feature:
    feat = Feature(name=elem.tag)  # type: ignore[arg-type]
    for key, value in cast("list[tuple[str, str]]", elem.attrib.items()):
        if key == "state":
            feat.state = _onoff(value, elem.tag)
        else:
            feat.attrs[key] = value
    feat.children = [_parse_sub(c) for c in elem if isinstance(c.tag, str)]
    return feat


def _onoff(value: str, tag: object) -> bool:
    if value == "on":
        return True
    if value == "off":
        return False
    raise bad_enum("state", str(tag), value)


def parse_features(elem: etree._Element) -> dict[str, Feature]:
    """Parse ``<features>`` into name -> :class:`Feature`."""
    features: dict[str, Feature] = {}
    for child in elem:
        name = child.tag
        if not isinstance(name, str):
            continue
        kind = FEATURE_KINDS.get(name)
        if kind is None:
            raise unsupported(f"unexpected feature '{name}'")
        feat = Feature(name=name)
        state = child.get("state")
        if state is not None and kind.startswith("state"):
            feat.state = _onoff(state, name)
        elif kind == "state":
            feat.state = True
        elif kind == "state!":
            raise missing_attr("state", name)
        for key, value in cast("list[tuple[str, str]]", child.attrib.items()):
            if key != "state" or not kind.startswith("state"):
                feat.attrs[key] = value
        eoi = feat.attrs.get("eoi") if name == "apic" else None
        if eoi is not None and eoi not in ("on", "off"):
            raise bad_enum("eoi", "apic", eoi)
        if kind == "nested" and name in _SUB_ORDERS:
            if name == "hyperv":
                feat.attrs = {"mode": child.get("mode", "custom")}
            for sub in child:
                if not isinstance(sub.tag, str):
                    continue
                if name != "xen" and sub.get("state") is None:
                    raise missing_attr("state", str(sub.tag))
                feat.children.append(_parse_sub(sub))
        elif name == "capabilities":
            feat.children = [_parse_sub(c) for c in child if isinstance(c.tag, str)]
        size_child = _SIZE_CHILDREN.get(name)
        if size_child is not None:
            sized = child.find(size_child[0])
            if sized is not None:
                feat.size = memory_kib(sized, f"./features/{name}/{size_child[0]}",
                                       unit=sized.get("unit", "MiB" if name == "smm" else "KiB"))
        features[name] = feat
    return features


def format_features(features: dict[str, Feature]) -> E | None:
    """The ``<features>`` element (None when there are none)."""
    if not features:
        return None
    node = E("features")
    for name in sorted(features, key=lambda n: _FEATURE_ORDER.get(n, 99)):
        node.add(features[name].format())
    return node


#: the features written as an empty element when they carry nothing
_FLAGS = frozenset(name for name, kind in FEATURE_KINDS.items() if kind in ("flag", "attrs+"))


def write_features(features: dict[str, Feature], pad: str, out: list[str]) -> None:
    """Append the lines of the ``<features>`` element, indented by ``pad``;
    features that carry nothing (``<acpi/>``) are written directly."""
    if not features:
        return
    start = len(out)
    out.append(f"{pad}<features>\n")
    sub = pad + "  "
    for name in sorted(features, key=lambda n: _FEATURE_ORDER.get(n, 99)):
        feat = features[name]
        if name in _FLAGS and feat.state is None and not feat.attrs and not feat.children \
                and feat.size is None:
            out.append(f"{sub}<{name}/>\n")
        else:
            node = feat.format()
            if node is not None:
                write_node(node, sub, out)
    if len(out) > start + 1:
        out.append(f"{pad}</features>\n")
    else:
        del out[start]


# --- <clock> --------------------------------------------------------------------

class ClockOffset(enum.StrEnum):
    """``<clock offset=...>``."""

    UTC = "utc"
    LOCALTIME = "localtime"
    VARIABLE = "variable"
    TIMEZONE = "timezone"
    ABSOLUTE = "absolute"


_TIMER_NAMES = ("platform", "pit", "rtc", "hpet", "tsc", "kvmclock", "hypervclock",
                "armvtimer")


@dataclass(kw_only=True, slots=True)
class Timer:
    """One ``<timer>``; ``catchup`` holds threshold/slew/limit."""

    name: str
    present: bool | None = None
    tickpolicy: str | None = None
    track: str | None = None
    frequency: int | None = None
    mode: str | None = None
    catchup: dict[str, int] = field(default_factory=dict)


@dataclass(kw_only=True, slots=True)
class Clock:
    """``<clock>``: offset kind and its parameters, timers."""

    offset: ClockOffset = ClockOffset.UTC
    adjustment: str | None = None
    basis: str | None = None
    timezone: str | None = None
    start: int | None = None
    timers: list[Timer] = field(default_factory=list)

    @classmethod
    def parse(cls, elem: etree._Element) -> Clock:
        """Parse ``<clock>``."""
        clock = cls()
        offset = elem.get("offset")
        if offset is not None:
            member = ClockOffset._value2member_map_.get(offset)
            if member is None:
                raise unsupported(f"unknown clock offset '{offset}'")
            clock.offset = member  # type: ignore[assignment]
        clock.adjustment = elem.get("adjustment")
        clock.basis = elem.get("basis")
        clock.timezone = elem.get("timezone")
        start = elem.get("start")
        clock.start = None if start is None else uint(10, message(
            "missing 'start' attribute for clock with offset='absolute'",
            C.VIR_ERR_INTERNAL_ERROR)).load(start, "start", "clock")
        if clock.offset == ClockOffset.VARIABLE and clock.basis is None:
            clock.basis = "utc"
        if clock.offset == ClockOffset.VARIABLE and clock.adjustment is None:
            clock.adjustment = "0"
        for child in elem:
            if child.tag == "timer":
                clock.timers.append(_parse_timer(child))
        return clock

    def write(self, pad: str, out: list[str]) -> None:
        """Append the lines of the ``<clock>`` element, indented by ``pad``."""
        offset = self.offset
        if self.timers or offset != "utc":
            write_node(self.format(), pad, out)
        elif self.adjustment is None:
            out.append(f"{pad}<clock offset='utc'/>\n")
        else:
            out.append(f"{pad}<clock offset='utc' adjustment='{escape_attr(self.adjustment)}'/>\n")

    def format(self) -> E:
        """The ``<clock>`` element."""
        attrs: list[tuple[str, object]] = [("offset", self.offset.value)]
        if self.offset in (ClockOffset.UTC, ClockOffset.LOCALTIME):
            attrs.append(("adjustment", self.adjustment))
        elif self.offset == ClockOffset.VARIABLE:
            attrs += [("adjustment", self.adjustment), ("basis", self.basis)]
        elif self.offset == ClockOffset.TIMEZONE:
            attrs.append(("timezone", self.timezone))
        elif self.offset == ClockOffset.ABSOLUTE:
            attrs.append(("start", self.start))
        if not self.timers:
            return E.line("clock", f"<clock{attr_text([a for a in attrs if a[1] is not None])}/>")
        node = E("clock", attrs, keep=True)
        for timer in self.timers:
            tnode = E("timer", [
                ("name", timer.name), ("present", _yn(timer.present)),
                ("tickpolicy", timer.tickpolicy), ("track", timer.track),
                ("frequency", timer.frequency), ("mode", timer.mode)])
            if timer.catchup:
                tnode.add(E("catchup", [(k, timer.catchup[k]) for k in
                                        ("threshold", "slew", "limit") if k in timer.catchup]))
            node.add(tnode)
        return node


def _parse_timer(elem: etree._Element) -> Timer:
    name = elem.get("name")
    if name is None:
        raise missing_attr("name", "timer")
    if name not in _TIMER_NAMES:
        raise bad_enum("name", "timer", name)
    timer = Timer(name=name)
    present = elem.get("present")
    timer.present = None if present is None else YESNO.load(present, "present", "timer")
    timer.tickpolicy = elem.get("tickpolicy")
    timer.track = elem.get("track")
    freq = elem.get("frequency")
    timer.frequency = None if freq is None else UINT.load(freq, "frequency", "timer")
    timer.mode = elem.get("mode")
    catchup = elem.find("catchup")
    if catchup is not None:
        for key in ("threshold", "slew", "limit"):
            value = catchup.get(key)
            if value is not None:
                timer.catchup[key] = UINT.load(value, key, "catchup")
    return timer


# --- lifecycle, <pm> ---------------------------------------------------------------

class Lifecycle(enum.StrEnum):
    """``<on_poweroff>``, ``<on_reboot>`` and ``<on_crash>`` actions."""

    DESTROY = "destroy"
    RESTART = "restart"
    RENAME_RESTART = "rename-restart"
    PRESERVE = "preserve"
    COREDUMP_DESTROY = "coredump-destroy"
    COREDUMP_RESTART = "coredump-restart"


LOCKFAILURE_ACTIONS = ("poweroff", "restart", "pause", "ignore")


def parse_lifecycle(elem: etree._Element) -> Lifecycle | str:
    """Parse one lifecycle element's action."""
    tag = elem.tag
    text = (elem.text or "").strip()
    if tag == "on_lockfailure":
        if text not in LOCKFAILURE_ACTIONS:
            raise unsupported(f"unknown lock failure action: {text}")
        return text
    action = Lifecycle._value2member_map_.get(text)
    if action is None:
        raise unsupported(f"unknown {tag} action: {text}")
    if tag != "on_crash" and action in (Lifecycle.COREDUMP_DESTROY, Lifecycle.COREDUMP_RESTART):
        raise unsupported(f"Lifecycle event '{tag[3:]}' doesn't support '{text}' action")
    return action  # type: ignore[return-value]


@dataclass(kw_only=True, slots=True)
class PM:
    """``<pm>``: guest suspend-to-mem/disk allowed or not (None: default)."""

    suspend_to_mem: bool | None = None
    suspend_to_disk: bool | None = None

    @classmethod
    def parse(cls, elem: etree._Element) -> PM:
        """Parse ``<pm>``."""
        pm = cls()
        for child in elem:
            if child.tag in ("suspend-to-mem", "suspend-to-disk"):
                enabled = child.get("enabled")
                value = None if enabled is None else YESNO.load(enabled, "enabled", child.tag)
                setattr(pm, child.tag.replace("-", "_"), value)
        return pm

    def format(self) -> E:
        """The ``<pm>`` element."""
        return E("pm", children=[
            E("suspend-to-mem", [("enabled", _yn(self.suspend_to_mem))]),
            E("suspend-to-disk", [("enabled", _yn(self.suspend_to_disk))])])
