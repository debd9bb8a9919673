"""libvirt's capabilities and domain capabilities XML for the QEMU driver.

``format_capabilities`` (virConnectGetCapabilities) describes the host, read
from sysfs and CPUID (:mod:`pyvirt.util.hostinfo`,
:mod:`pyvirt.util.hostcpu`, the CPU decoded against libvirt's CPU map by
:mod:`cpumap`), and one guest per emulator binary from its probed
capabilities (:mod:`probe`).  ``format_domain_capabilities``
(virConnectGetDomainCapabilities) describes what one binary, machine and
virt type offer, computed as libvirt 9.0 does from the same probe, then
narrowed to what this driver implements (:data:`DRIVER_LACKS`).
"""

from __future__ import annotations

import errno
import fnmatch
import glob
import json
import os
import platform
import uuid as _uuid

from pyvirt import constants as C
from pyvirt.conf import capabilities as capsconf
from pyvirt.conf import domain_capabilities as dcaps
from pyvirt.conf.confutil import E
from pyvirt.drivers.qemu import cpumap
from pyvirt.drivers.qemu.probe import (
    WORDSIZE,
    CapsCache,
    CPUDef,
    Machine,
    QemuCaps,
    find_binary,
    host_arch,
    kvm_usable,
    probe_all_known,
)
from pyvirt.errors import report, report_system
from pyvirt.util import hostcpu, hostinfo
from pyvirt.util.virarch import ARCHES

_FROM = C.VIR_FROM_QEMU

# the probe's names are re-exported: the driver and the command builder use them from here
__all__ = ["DRIVER_LACKS", "CapsCache", "Machine", "QemuCaps", "connect_max_vcpus",
           "cpu_model_names", "domain_capabilities", "find_binary", "format_capabilities",
           "format_domain_capabilities", "host_arch", "probe_all_known"]

# What libvirt would offer but this driver's command line builder does not
# implement; left out (or reported unsupported) so that a domain built from
# the domain capabilities starts.
DRIVER_LACKS = {
    "graphics": {"sdl", "spice", "egl-headless", "dbus"},
    "channel": {"spicevmc"},
    "devices": {"hostdev", "filesystem", "tpm", "redirdev"},
    "features": {"backup", "sev", "sgx", "hyperv"},
}

# libvirt's maximum vCPUs for virConnectGetMaxVcpus on TCG (QEMU_MAX_VCPUS)
QEMU_MAX_VCPUS = 16


def connect_max_vcpus(virttype: str | None) -> int:
    """virConnectGetMaxVcpus: 16 for qemu (or none given); KVM's own limit for kvm.

    VIR_ERR_SYSTEM_ERROR when KVM is asked for and /dev/kvm cannot be opened.
    """
    if virttype is not None and virttype.lower() == "kvm":
        try:
            return hostcpu.kvm_max_vcpus()
        except OSError as exc:
            raise report_system(exc.errno or errno.EIO, "Unable to open /dev/kvm",
                                _FROM) from None
    return QEMU_MAX_VCPUS


def cpu_model_names(arch: str) -> list[str]:
    """virConnectGetCPUModelNames: libvirt's CPU map models for ``arch``.

    VIR_ERR_INVALID_ARG for a name that is no libvirt architecture.
    """
    if arch not in ARCHES:
        raise report(C.VIR_ERR_INVALID_ARG, f"cannot find architecture {arch}", _FROM)
    return cpumap.model_names(arch)


# --- host ----------------------------------------------------------------------------

def host_uuid() -> str:
    """The host's UUID: SMBIOS's if readable, else derived from /etc/machine-id."""
    text = hostinfo.read("/sys/class/dmi/id/product_uuid")
    try:
        return str(_uuid.UUID(text))
    except ValueError:
        pass
    try:
        return str(_uuid.UUID(hostinfo.read("/etc/machine-id")))
    except ValueError:
        return str(_uuid.uuid5(_uuid.NAMESPACE_DNS, platform.node()))


def host_cpu_data(cmap: cpumap.CpuMap) -> cpumap.Data:
    """The host's CPUID leaves the CPU map's features name, plus vendor and signature."""
    data: cpumap.Data = {}
    leaf0 = hostcpu.cpuid(0)
    ext0 = hostcpu.cpuid(0x80000000)
    if leaf0 is None or ext0 is None:
        return data
    keys = {k for f in cmap.features for k in f.data if k[0] == "cpuid"}
    leaf7 = hostcpu.cpuid(7) if leaf0[0] >= 7 else None
    for _, leaf, sub in sorted(keys | {("cpuid", 0, 0), ("cpuid", 1, 0)}):
        top = ext0[0] if leaf >= 0x80000000 else leaf0[0]
        if leaf > top or 0x40000000 <= leaf < 0x80000000:
            continue
        if leaf == 7 and sub and (leaf7 is None or sub > leaf7[0]):
            continue          # leaf 7 announces how many subleaves it has
        regs = hostcpu.cpuid(leaf, sub)
        if regs is not None:
            data[("cpuid", leaf, sub)] = list(regs)
    arch_caps = cmap.feature("arch-capabilities")
    if arch_caps is not None and cpumap.contains(data, arch_caps.data):
        value = hostcpu.read_msr(0x10a)
        if value is not None:
            data[("msr", 0x10a, 0)] = [value & 0xffffffff, 0, 0, value >> 32]
    return data


def _host_cpu(cpus: list[hostinfo.HostCPU]) -> capsconf.HostCPU:
    arch = host_arch()
    cpu = capsconf.HostCPU(arch=arch, topology=capsconf.Topology(**hostinfo.topology(cpus)))
    small = hostinfo.page_size_kib()
    cpu.pages = [capsconf.Pages(small)] + [capsconf.Pages(s) for s in hostinfo.huge_page_sizes()]
    cmap = cpumap.load() if arch in ("x86_64", "i686") else None
    if cmap is None:
        return cpu
    data = host_cpu_data(cmap)
    decoded = cpumap.decode(cmap, data, host=True) if data else None
    if decoded is None:
        return cpu
    cpu.model, cpu.vendor = decoded.model, decoded.vendor
    cpu.features = [name for _, name in decoded.features]
    cpu.microcode = hostcpu.microcode_version()
    cpu.signature = capsconf.Signature(*decoded.signature) if decoded.signature else None
    if "invtsc" in cpu.features:
        tsc = hostcpu.kvm_tsc()
        if tsc is not None:
            cpu.counter = capsconf.Counter("tsc", str(tsc[0]), "yes" if tsc[1] else "no")
    ext0 = hostcpu.cpuid(0x80000000)
    if ext0 is not None and ext0[0] >= 0x80000008:
        addr = hostcpu.cpuid(0x80000008)
        if addr is not None:
            cpu.maxphysaddr = capsconf.MaxPhysAddr("emulate", addr[0] & 0xff)
    return cpu


def _cache_banks(cpus: list[hostinfo.HostCPU]) -> list[E]:
    out = []
    for bank in hostinfo.cache_banks(cpus):
        size, unit = hostinfo.pretty_size(bank.size)
        out.append(E("bank", [("id", bank.id), ("level", bank.level), ("type", bank.type),
                              ("size", size), ("unit", unit), ("cpus", bank.cpus)]))
    return out


def _secmodels() -> list[capsconf.SecModel]:
    # pyvirt runs QEMU as its own user and group: that is the DAC label it applies
    label = f"+{os.getuid()}:+{os.getgid()}"
    return [capsconf.SecModel("none", "0"),
            capsconf.SecModel("dac", "0", [("kvm", label), ("qemu", label)])]


def _host(doc: capsconf.Capabilities) -> None:
    cpus = hostinfo.online_cpus()
    cells = hostinfo.numa_cells(cpus)
    doc.host_uuid = host_uuid()
    doc.host_cpu = _host_cpu(cpus)
    doc.power_management = []
    doc.iommu = hostinfo.has_iommu()
    doc.migration_live = True
    doc.migration_transports = ["tcp", "rdma"]
    doc.cells = [capsconf.Cell(
        c.id, memory=c.memory, pages=[capsconf.Pages(s, n) for s, n in c.pages],
        distances=c.distances,
        cpus=[capsconf.CellCPU(p.id, p.socket_id, p.die_id, p.core_id, p.siblings)
              for p in c.cpus]) for c in cells]
    doc.cache = _cache_banks(cpus)
    doc.secmodels = _secmodels()


def _guest(caps: QemuCaps) -> capsconf.Guest:
    machines = []
    for m in caps.machines:
        machines.append(capsconf.Machine(m.name, None, m.cpu_max, m.deprecated))
        if m.alias:
            machines.append(capsconf.Machine(m.alias, m.name, m.cpu_max, m.deprecated))
    domains = [capsconf.GuestDomain("qemu")]
    if "kvm" in caps.accels and kvm_usable() and caps.arch in (host_arch(), "i686"):
        domains.append(capsconf.GuestDomain("kvm"))
    features = []
    if caps.arch == "i686":
        features += [capsconf.GuestFeature("pae"), capsconf.GuestFeature("nonpae")]
    if caps.arch in ("x86_64", "i686"):
        features += [capsconf.GuestFeature("acpi", "on", "yes"),
                     capsconf.GuestFeature("apic", "on", "no")]
    features += [capsconf.GuestFeature("cpuselection"), capsconf.GuestFeature("deviceboot"),
                 capsconf.GuestFeature("disksnapshot", "on", "no")]
    return capsconf.Guest("hvm", caps.arch, WORDSIZE.get(caps.arch, 64), caps.binary,
                          machines=machines, domains=domains, features=features)


def format_capabilities(all_caps: list[QemuCaps]) -> str:
    """libvirt's ``<capabilities>`` document for the host and the given binaries."""
    doc = capsconf.Capabilities()
    _host(doc)
    doc.guests = [_guest(c) for c in all_caps]
    return doc.format()


# --- domain capabilities ------------------------------------------------------------------

FIRMWARE_DIRS = ("/usr/share/qemu/firmware", "/etc/qemu/firmware")


def firmware_descriptors() -> list[dict]:
    """QEMU's firmware descriptors (docs/interop/firmware.json), a file in /etc
    overriding one of the same name in /usr/share, ordered by file name."""
    by_name: dict[str, str] = {}
    for directory in FIRMWARE_DIRS:
        for path in glob.glob(os.path.join(directory, "*.json")):
            by_name[os.path.basename(path)] = path
    out = []
    for name in sorted(by_name):
        try:
            with open(by_name[name]) as f:
                desc = json.load(f)
        except (OSError, ValueError):
            continue            # an empty file in /etc masks the packaged one
        if isinstance(desc, dict):
            out.append(desc)
    return out


def _firmwares(arch: str, machine: str) -> list[dict]:
    out = []
    for desc in firmware_descriptors():
        for target in desc.get("targets", []):
            if target.get("architecture") == arch and any(
                    fnmatch.fnmatch(machine, pat) for pat in target.get("machines", [])):
                out.append(desc)
                break
    return out


def _os_caps(caps: QemuCaps, machine: str) -> tuple[list[dcaps.CapsEnum], dcaps.LoaderCaps]:
    fws = _firmwares(caps.arch, machine)
    kinds = [kind for kind, iface in (("bios", "bios"), ("efi", "uefi"))
             if any(iface in d.get("interface-types", []) for d in fws)]
    values = []
    for desc in fws:
        mapping = desc.get("mapping", {})
        if mapping.get("device") != "flash":
            continue            # memory-mapped images (SeaBIOS) are no <loader> paths
        path = (mapping.get("executable") or {}).get("filename")
        if path and path not in values:
            values.append(path)
    secure = ["no"]
    if any("secure-boot" in d.get("features", []) for d in fws):
        secure = ["yes", "no"]
    loader = dcaps.LoaderCaps(True, values, [
        dcaps.CapsEnum("type", ["rom", "pflash"]),
        dcaps.CapsEnum("readonly", ["yes", "no"]),
        dcaps.CapsEnum("secure", secure)])
    return [dcaps.CapsEnum("firmware", kinds)], loader


def _accel(virttype: str) -> str:
    return "kvm" if virttype == "kvm" else "tcg"


def _hv_models(caps: QemuCaps, virttype: str, cmap: cpumap.CpuMap | None) -> list[CPUDef]:
    """The binary's CPU models under ``virttype`` that libvirt's CPU map knows."""
    defs = caps.cpu_defs.get(_accel(virttype), [])
    if cmap is None:
        return [d for d in defs if d.name not in ("host", "max", "base")]
    return [d for d in defs if cmap.model(d.name) is not None]


def _host_model(caps: QemuCaps, virttype: str, cmap: cpumap.CpuMap | None,
                models: list[CPUDef]) -> dcaps.CPUMode:
    props = caps.host_cpu.get(_accel(virttype))
    native = caps.arch == host_arch() or (caps.arch, host_arch()) == ("i686", "x86_64")
    if cmap is None or not props or not native:
        return dcaps.CPUMode("host-model", False)
    data = cpumap.features_data(cmap, [k for k, v in props.items() if v is True])
    if isinstance(props.get("vendor"), str):
        cpumap.add(data, cpumap.vendor_data(props["vendor"]))
    if all(isinstance(props.get(k), int) for k in ("family", "model", "stepping")):
        cpumap.add(data, cpumap.signature_data(props["family"], props["model"],
                                               props["stepping"]))
    allowed = {d.name: [cpumap.canonical_name(cmap, b) for b in d.blockers] for d in models}
    decoded = cpumap.decode(cmap, data, host=False, allowed=allowed)
    if decoded is None:
        return dcaps.CPUMode("host-model", False)
    features = decoded.features
    if not caps.cpu_unavailable_features:
        # without the property libvirt cannot tell whether QEMU sets MSR features
        features = [(p, n) for p, n in features if not _is_msr(cmap, n)]
    return dcaps.CPUMode("host-model", True, model=decoded.model, fallback="forbid",
                         vendor=decoded.vendor, features=features)


def _is_msr(cmap: cpumap.CpuMap, name: str) -> bool:
    feat = cmap.feature(name)
    return feat is not None and any(k[0] == "msr" for k in feat.data)


def _cpu_modes(caps: QemuCaps, virttype: str) -> list[dcaps.CPUMode]:
    onoff = ["on", "off"]
    cmap = cpumap.load() if caps.arch in ("x86_64", "i686") else None
    models = _hv_models(caps, virttype, cmap)
    custom = []
    for d in models:
        entry = cmap.model(d.name) if cmap is not None else None
        custom.append(dcaps.CPUModel(d.name, "yes" if d.usable else "no",
                                     (entry.vendor if entry else None) or "unknown"))
    passthrough = virttype == "kvm"
    migratable = onoff if caps.cpu_migratable else ["off"]
    return [
        dcaps.CPUMode("host-passthrough", passthrough,
                      [dcaps.CapsEnum("hostPassthroughMigratable", migratable)]),
        dcaps.CPUMode("maximum", True, [dcaps.CapsEnum("maximumMigratable", onoff)]),
        _host_model(caps, virttype, cmap, models),
        dcaps.CPUMode("custom", True, models=custom),
    ]


def _block(tag: str, enums: dict[str, list[str]], supported: bool = True) -> dcaps.CapsBlock:
    return dcaps.CapsBlock(tag, supported, [dcaps.CapsEnum(k, v) for k, v in enums.items()])


_VIRTIO_MODELS = ["virtio", "virtio-transitional", "virtio-non-transitional"]


def builtin_ide(machine: str) -> bool:
    """True for the i440FX machines, whose chipset has an IDE controller."""
    return machine == "pc" or machine.startswith(("pc-0.", "pc-1.", "pc-i440fx-"))


def _devices(caps: QemuCaps, machine: str) -> list[dcaps.CapsBlock]:
    has = caps.has_device
    disk_bus = [b for b, ok in (("ide", builtin_ide(machine)), ("fdc", has("isa-fdc")),
                                ("scsi", True), ("virtio", True),
                                ("usb", has("usb-storage")), ("sata", has("ich9-ahci")))
                if ok]
    video = [v for v, dev in (("vga", "VGA"), ("cirrus", "cirrus-vga"), ("vmvga", "vmware-svga"),
                              ("qxl", "qxl-vga"), ("virtio", "virtio-vga"), ("none", None),
                              ("bochs", "bochs-display"), ("ramfb", "ramfb"))
             if dev is None or has(dev)]
    graphics = [g for g, ok in (("sdl", "sdl" in caps.displays),
                                ("vnc", caps.has_command("query-vnc")),
                                ("spice", caps.has_command("query-spice")),
                                ("egl-headless", "egl-headless" in caps.displays),
                                ("dbus", "dbus" in caps.displays))
                if ok and g not in DRIVER_LACKS["graphics"]]
    channel = [c for c in ("pty", "unix", "spicevmc")
               if c not in DRIVER_LACKS["channel"]
               and (c != "spicevmc" or caps.has_command("query-spice"))]
    blocks = [
        _block("disk", {"diskDevice": ["disk", "cdrom", "floppy", "lun"], "bus": disk_bus,
                        "model": _VIRTIO_MODELS}),
        _block("graphics", {"type": graphics}),
        _block("video", {"modelType": video}),
        _block("hostdev", {}, False),
        _block("rng", {"model": _VIRTIO_MODELS, "backendModel": ["random", "egd", "builtin"]}),
        _block("filesystem", {}, False),
        _block("tpm", {}, False),
        _block("redirdev", {}, False),
        _block("channel", {"type": channel}),
    ]
    return blocks


def format_domain_capabilities(caps: QemuCaps, virttype: str, machine: str) -> str:
    """libvirt's ``<domainCapabilities>`` for ``caps`` running ``virttype`` on ``machine``."""
    m = caps.machine(machine)
    assert m is not None
    vcpu_max = m.cpu_max
    if virttype == "kvm":
        vcpu_max = min(vcpu_max, connect_max_vcpus("kvm"))
    os_enums, loader = _os_caps(caps, m.name)
    has = caps.has_device
    doc = dcaps.DomainCapabilities(
        path=caps.binary, domain=virttype, machine=m.name, arch=caps.arch,
        vcpu_max=vcpu_max, iothreads=True, os_supported=True,
        os_enums=os_enums, loader=loader,
        cpu_modes=_cpu_modes(caps, virttype),
        memory_backing=_block("memoryBacking", {"sourceType": [
            "file", "anonymous"] + (["memfd"] if has("memory-backend-memfd") else [])}),
        devices=_devices(caps, m.name),
        features=[
            dcaps.CapsBlock("gic", False),
            dcaps.CapsBlock("vmcoreinfo", has("vmcoreinfo")),
            dcaps.CapsBlock("genid", has("vmgenid")),
            dcaps.CapsBlock("backingStoreInput", True),
            dcaps.CapsBlock("backup", caps.has_command("blockdev-backup")
                            and "backup" not in DRIVER_LACKS["features"]),
            dcaps.CapsBlock("sev", False),
            dcaps.CapsBlock("sgx", False),
        ])
    return doc.format()


# libvirt's domain types (virDomainVirtType): any other name is unknown
VIRT_TYPES = frozenset(("none", "qemu", "kqemu", "kvm", "xen", "lxc", "uml", "openvz", "test",
                        "vmware", "hyperv", "vbox", "phyp", "parallels", "bhyve", "vz"))


def domain_capabilities(cache: CapsCache, emulatorbin: str | None, arch: str | None,
                        machine: str | None, virttype: str | None) -> str:
    """virConnectGetDomainCapabilities: pick the binary, virt type and machine as
    libvirt does (any may be omitted) and describe them.

    VIR_ERR_INVALID_ARG for an unknown virt type or architecture, a binary
    not emulating ``arch``, a virt type or machine the binary lacks;
    VIR_ERR_CONFIG_UNSUPPORTED when no binary serves ``arch``.
    """
    if virttype is not None and virttype not in VIRT_TYPES:
        raise report(C.VIR_ERR_INVALID_ARG, f"unknown virttype: {virttype}", _FROM)
    if arch is not None and arch not in ARCHES:
        raise report(C.VIR_ERR_INVALID_ARG, f"unknown architecture: {arch}", _FROM)
    binary = emulatorbin or find_binary(arch or host_arch())
    if binary is None:
        raise report(C.VIR_ERR_CONFIG_UNSUPPORTED,
                     f"unable to find any emulator to serve '{arch or host_arch()}' "
                     "architecture", _FROM)
    caps = cache.get(binary)
    if arch is not None and arch != caps.arch:
        raise report(C.VIR_ERR_INVALID_ARG,
                     f"Emulator '{binary}' does not support arch '{arch}'", _FROM)
    virt = virttype or ("kvm" if caps.supports_accel("kvm") else "qemu")
    if not caps.supports_accel(virt):
        raise report(C.VIR_ERR_INVALID_ARG,
                     f"Emulator '{binary}' does not support virt type '{virt}'", _FROM)
    m = caps.machine(machine)
    if m is None:
        raise report(C.VIR_ERR_INVALID_ARG,
                     f"the machine '{machine}' is not supported by emulator '{binary}'", _FROM)
    return format_domain_capabilities(caps, virt, m.name)
