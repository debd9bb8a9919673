"""What each QEMU binary can do, probed once over QMP and cached.

A binary is started with ``-machine none`` (TCG, no guest) and asked over
QMP for its version, target, machine types, CPU models, accelerators and
device types.  The answer is cached as JSON under the driver's cache dir,
keyed by the binary's path, mtime and size, and in memory for the process,
so later connections pay nothing.

The module also formats libvirt's capabilities XML
(``virConnectGetCapabilities``) and domain capabilities XML
(``virConnectGetDomainCapabilities``) from the probed data.
"""

from __future__ import annotations

import glob
import hashlib
import json
import os
import platform
import shutil
import tempfile
import threading
import uuid as _uuid
from dataclasses import asdict, dataclass, field
from typing import Any, ClassVar

from pyvirt import constants as C
from pyvirt.conf import capabilities as capsconf
from pyvirt.conf import domain_capabilities as dcaps
from pyvirt.drivers.qemu import monitor as qmon
from pyvirt.drivers.qemu import process
from pyvirt.errors import report
from pyvirt.util.fileutil import atomic_write

_FROM = C.VIR_FROM_QEMU

# Bump when the probed data or its layout changes: old cache files are ignored.
CACHE_FORMAT = 1

# Emulator binary for each guest architecture libvirt knows on x86 hosts.
ARCH_BINARIES = {
    "x86_64": "qemu-system-x86_64",
    "i686": "qemu-system-i386",
    "aarch64": "qemu-system-aarch64",
    "armv7l": "qemu-system-arm",
    "ppc64le": "qemu-system-ppc64",
    "riscv64": "qemu-system-riscv64",
    "s390x": "qemu-system-s390x",
}
_TARGET_ARCH = {"x86_64": "x86_64", "i386": "i686", "aarch64": "aarch64", "arm": "armv7l",
                "ppc64": "ppc64le", "riscv64": "riscv64", "s390x": "s390x"}
_WORDSIZE = {"x86_64": 64, "i686": 32, "aarch64": 64, "armv7l": 32, "ppc64le": 64,
             "riscv64": 64, "s390x": 64}


@dataclass
class Machine:
    """One machine type of a binary."""

    name: str
    alias: str | None = None
    is_default: bool = False
    cpu_max: int = 1
    deprecated: bool = False


@dataclass
class QemuCaps:
    """The probed abilities of one QEMU binary."""

    binary: str
    arch: str
    version: int                      # major * 1000000 + minor * 1000 + micro
    package: str = ""
    machines: list[Machine] = field(default_factory=list)
    cpu_models: list[dict] = field(default_factory=list)
    accels: list[str] = field(default_factory=list)
    devices: list[str] = field(default_factory=list)
    kvm_present: bool = False

    # --- questions the driver asks -----------------------------------------
    def machine(self, name: str | None) -> Machine | None:
        """The machine type called ``name`` (or aliased so); the default for None."""
        for m in self.machines:
            if name is None and m.is_default:
                return m
            if name is not None and (m.name == name or m.alias == name):
                return m
        return None

    def canonical_machine(self, name: str | None) -> str | None:
        """Resolve an alias ('pc', 'q35') to its versioned name; None if unknown."""
        m = self.machine(name)
        return m.name if m else None

    def has_device(self, typename: str) -> bool:
        """True when the binary has device type ``typename``."""
        return typename in self._device_set()

    def _device_set(self) -> frozenset[str]:
        cached = self.__dict__.get("_devset")
        if cached is None:
            cached = frozenset(self.devices)
            self.__dict__["_devset"] = cached
        return cached

    def supports_accel(self, virttype: str) -> bool:
        """True when domains of type ``virttype`` ('qemu' or 'kvm') can run here."""
        if virttype == "qemu":
            return "tcg" in self.accels
        if virttype == "kvm":
            return "kvm" in self.accels and kvm_usable()
        return False

    def to_json(self) -> dict:
        """The cache file's payload."""
        data = asdict(self)
        data.pop("_devset", None)
        return data

    @classmethod
    def from_json(cls, data: dict) -> QemuCaps:
        """Rebuild from :meth:`to_json`."""
        data = dict(data)
        data["machines"] = [Machine(**m) for m in data.get("machines", [])]
        return cls(**data)


def kvm_usable() -> bool:
    """True when /dev/kvm exists and can be opened read-write."""
    try:
        fd = os.open("/dev/kvm", os.O_RDWR | os.O_CLOEXEC)
    except OSError:
        return False
    os.close(fd)
    return True


def find_binary(arch: str) -> str | None:
    """Return the path of the emulator for guest architecture ``arch``, or None."""
    name = ARCH_BINARIES.get(arch)
    if name is None:
        return None
    for d in ("/usr/bin", "/usr/local/bin"):
        path = os.path.join(d, name)
        if os.access(path, os.X_OK):
            return path
    return shutil.which(name)


def host_arch() -> str:
    """libvirt's name for the host architecture."""
    m = platform.machine()
    return {"amd64": "x86_64", "i386": "i686", "arm64": "aarch64"}.get(m, m)


# --- probing ------------------------------------------------------------------------

def _probe_binary(binary: str) -> QemuCaps:
    """Start ``binary`` with -machine none and ask it over QMP."""
    with tempfile.TemporaryDirectory(prefix="pyvirt-probe-") as tmp:
        path = os.path.join(tmp, "qmp.sock")
        sock = qmon.listen_unix(path)
        argv = [binary, "-machine", "none,accel=tcg", "-nodefaults", "-no-user-config",
                "-nographic", "-S",
                "-chardev", f"socket,id=charmonitor,fd={sock.fileno()},server=on,wait=off",
                "-mon", "chardev=charmonitor,id=monitor,mode=control"]
        logpath = os.path.join(tmp, "log")
        logfd = os.open(logpath, os.O_WRONLY | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            proc = process.spawn(argv, {"PATH": "/usr/bin:/bin", "LC_ALL": "C"}, logfd,
                                 [sock.fileno()])
        except OSError as exc:
            raise report(C.VIR_ERR_INTERNAL_ERROR,
                         f"Failed to probe capabilities for {binary}: {exc.strerror}",
                         _FROM) from exc
        finally:
            os.close(logfd)
            sock.close()
        mon = qmon.Monitor(path, name="probe")
        try:
            mon.connect(timeout=30)
            caps = _ask(mon, binary)
        except Exception as exc:
            with open(logpath, errors="replace") as f:
                tail = f.read()[-1000:].strip()
            raise report(C.VIR_ERR_INTERNAL_ERROR,
                         f"Failed to probe capabilities for {binary}: {tail or exc}",
                         _FROM) from exc
        finally:
            mon.close()
            proc.kill(graceful_timeout=1.0)
            proc.close()
    return caps


def _ask(mon: qmon.Monitor, binary: str) -> QemuCaps:
    ver = mon.execute("query-version")
    q = ver["qemu"]
    target = mon.execute("query-target")["arch"]
    machines = [Machine(name=m["name"], alias=m.get("alias"),
                        is_default=bool(m.get("is-default")), cpu_max=int(m.get("cpu-max", 1)),
                        deprecated=bool(m.get("deprecated")))
                for m in mon.execute("query-machines")]
    machines.sort(key=lambda m: m.name)
    try:
        cpus = [{"name": c["name"], "usable": not c.get("unavailable-features"),
                 "deprecated": bool(c.get("deprecated"))}
                for c in mon.execute("query-cpu-definitions")]
    except Exception:  # noqa: BLE001 - targets without CPU model queries
        cpus = []
    accels = sorted(t["name"][:-len("-accel")]
                    for t in mon.execute("qom-list-types", {"implements": "accel",
                                                            "abstract": False})
                    if t["name"].endswith("-accel"))
    devices = sorted(t["name"] for t in mon.execute("qom-list-types",
                                                    {"implements": "device",
                                                     "abstract": False}))
    kvm = mon.execute("query-kvm")
    return QemuCaps(binary=binary, arch=_TARGET_ARCH.get(target, target),
                    version=q["major"] * 1000000 + q["minor"] * 1000 + q["micro"],
                    package=ver.get("package", "").strip(), machines=machines,
                    cpu_models=cpus, accels=accels, devices=devices,
                    kvm_present=bool(kvm.get("present")))


class CapsCache:
    """Probed capabilities by binary: memory, then the cache dir, then a probe."""

    # shared by every driver of the process: (path, mtime_ns, size) -> caps
    _memory: ClassVar[dict[tuple[str, int, int], QemuCaps]] = {}
    _memory_lock = threading.Lock()

    def __init__(self, cache_dir: str) -> None:
        self.cache_dir = cache_dir
        self._lock = threading.Lock()

    def get(self, binary: str) -> QemuCaps:
        """Return the capabilities of ``binary``; VIR_ERR_INTERNAL_ERROR if it is unusable."""
        try:
            st = os.stat(binary)
        except OSError as exc:
            raise report(C.VIR_ERR_INTERNAL_ERROR,
                         f"Cannot find QEMU binary {binary}: {exc.strerror}", _FROM) from None
        key = (binary, st.st_mtime_ns, st.st_size)
        with self._memory_lock:
            caps = self._memory.get(key)
        if caps is not None:
            return caps
        with self._lock:
            caps = self._load(key) or self._probe_and_store(key)
        with self._memory_lock:
            self._memory[key] = caps
        return caps

    def _file(self, binary: str) -> str:
        digest = hashlib.sha256(binary.encode()).hexdigest()[:16]
        return os.path.join(self.cache_dir, f"{os.path.basename(binary)}-{digest}.json")

    def _load(self, key: tuple[str, int, int]) -> QemuCaps | None:
        try:
            with open(self._file(key[0])) as f:
                data = json.load(f)
        except (OSError, ValueError):
            return None
        if (data.get("format") != CACHE_FORMAT or data.get("binary") != key[0]
                or data.get("mtime_ns") != key[1] or data.get("size") != key[2]):
            return None
        try:
            return QemuCaps.from_json(data["caps"])
        except (KeyError, TypeError):
            return None

    def _probe_and_store(self, key: tuple[str, int, int]) -> QemuCaps:
        caps = _probe_binary(key[0])
        data = {"format": CACHE_FORMAT, "binary": key[0], "mtime_ns": key[1], "size": key[2],
                "caps": caps.to_json()}
        try:
            os.makedirs(self.cache_dir, exist_ok=True)
            atomic_write(self._file(key[0]), json.dumps(data, indent=1) + "\n", 0o644)
        except OSError:
            pass    # a cache we cannot write only costs a probe next time
        return caps


# --- host facts -----------------------------------------------------------------------

def _read(path: str) -> str:
    try:
        with open(path) as f:
            return f.read().strip()
    except OSError:
        return ""


def host_uuid() -> str:
    """The host's UUID: SMBIOS's if readable, else derived from /etc/machine-id."""
    text = _read("/sys/class/dmi/id/product_uuid")
    try:
        return str(_uuid.UUID(text))
    except ValueError:
        pass
    mid = _read("/etc/machine-id")
    try:
        return str(_uuid.UUID(mid))
    except ValueError:
        return str(_uuid.uuid5(_uuid.NAMESPACE_DNS, platform.node()))


def host_cpus() -> list[dict]:
    """[{id, socket_id, core_id}] for each online host CPU."""
    cpus = []
    for path in sorted(glob.glob("/sys/devices/system/cpu/cpu[0-9]*"),
                       key=lambda p: int(p.rsplit("cpu", 1)[1])):
        cid = int(path.rsplit("cpu", 1)[1])
        sock = _read(f"{path}/topology/physical_package_id") or "0"
        core = _read(f"{path}/topology/core_id") or str(cid)
        cpus.append({"id": cid, "socket_id": int(sock), "core_id": int(core)})
    return cpus or [{"id": i, "socket_id": 0, "core_id": i} for i in range(os.cpu_count() or 1)]


def host_memory_kib() -> int:
    """Total host memory in KiB (from /proc/meminfo)."""
    for line in _read("/proc/meminfo").splitlines():
        if line.startswith("MemTotal:"):
            return int(line.split()[1])
    return 0


def host_cpu_vendor() -> str | None:
    """'Intel', 'AMD' or None, from /proc/cpuinfo."""
    for line in _read("/proc/cpuinfo").splitlines():
        if line.startswith("vendor_id"):
            v = line.split(":", 1)[1].strip()
            return {"GenuineIntel": "Intel", "AuthenticAMD": "AMD"}.get(v, v)
    return None


# --- capabilities XML -------------------------------------------------------------------

def _host(caps_obj: capsconf.Capabilities) -> None:
    cpus = host_cpus()
    sockets = len({c["socket_id"] for c in cpus})
    caps_obj.host_uuid = host_uuid()
    caps_obj.host_cpu = capsconf.HostCPU(
        arch=host_arch(), vendor=host_cpu_vendor(),
        topology={"sockets": sockets, "dies": 1, "cores": max(1, len(cpus) // sockets),
                  "threads": 1},
        pages=[capsconf.Pages(4)])
    caps_obj.power_management = []
    caps_obj.iommu = False
    caps_obj.migration_live = True
    caps_obj.migration_transports = ["tcp"]
    caps_obj.cells = [capsconf.Cell(
        0, memory=host_memory_kib(), distances=[(0, 10)],
        cpus=[capsconf.CellCPU(c["id"], c["socket_id"], 0, c["core_id"], str(c["id"]))
              for c in cpus])]
    caps_obj.secmodels = [capsconf.SecModel("none", "0")]


def _guest(caps: QemuCaps) -> capsconf.Guest:
    machines = []
    for m in caps.machines:
        if m.name == "none":
            continue
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
    return capsconf.Guest("hvm", caps.arch, _WORDSIZE.get(caps.arch, 64), caps.binary,
                          machines=machines, domains=domains, features=features)


def format_capabilities(all_caps: list[QemuCaps]) -> str:
    """libvirt's ``<capabilities>`` document for the host and the given binaries."""
    doc = capsconf.Capabilities()
    _host(doc)
    doc.guests = [_guest(c) for c in all_caps]
    return doc.format()


def _firmwares() -> list[str]:
    return sorted(p for p in glob.glob("/usr/share/OVMF/OVMF_CODE*.fd")
                  if "secboot" not in p and ".ms." not in p)


def _block(tag: str, enums: dict[str, list[str]], supported: bool = True) -> dcaps.CapsBlock:
    return dcaps.CapsBlock(tag, supported, [dcaps.CapsEnum(k, v) for k, v in enums.items()])


_VIRTIO_MODELS = ["virtio", "virtio-transitional", "virtio-non-transitional"]


def format_domain_capabilities(caps: QemuCaps, virttype: str, machine: str) -> str:
    """libvirt's ``<domainCapabilities>`` for ``caps`` running ``virttype`` on ``machine``."""
    m = caps.machine(machine)
    assert m is not None
    loaders = _firmwares()
    has = caps.has_device
    disk_bus = [b for b, dev in (("ide", "ide-hd"), ("fdc", "isa-fdc"), ("scsi", "scsi-hd"),
                                 ("virtio", "virtio-blk-pci"), ("usb", "usb-storage"),
                                 ("sata", "ide-hd")) if has(dev)]
    video = [v for v, dev in (("vga", "VGA"), ("cirrus", "cirrus-vga"), ("vmvga", "vmware-svga"),
                              ("qxl", "qxl-vga"), ("virtio", "virtio-vga"), ("none", None),
                              ("bochs", "bochs-display"), ("ramfb", "ramfb"))
             if dev is None or has(dev)]
    models = [dcaps.CPUModel(c["name"], "yes" if c["usable"] else "no", "unknown",
                             True if c["deprecated"] else None)
              for c in caps.cpu_models if c["name"] not in ("host", "max", "base")]
    doc = dcaps.DomainCapabilities(
        path=caps.binary, domain=virttype, machine=m.name, arch=caps.arch,
        vcpu_max=m.cpu_max, iothreads=True, os_supported=True,
        os_enums=[dcaps.CapsEnum("firmware", ["efi"] if loaders else [])],
        loader=dcaps.LoaderCaps(True, loaders, [
            dcaps.CapsEnum("type", ["rom", "pflash"]),
            dcaps.CapsEnum("readonly", ["yes", "no"]),
            dcaps.CapsEnum("secure", ["no"])]),
        cpu_modes=[
            dcaps.CPUMode("host-passthrough", virttype == "kvm"),
            dcaps.CPUMode("maximum", True, [dcaps.CapsEnum("maximumMigratable", ["on", "off"])]),
            dcaps.CPUMode("host-model", False),
            dcaps.CPUMode("custom", True, models=models),
        ],
        memory_backing=_block("memoryBacking", {"sourceType": ["file", "anonymous", "memfd"]}),
        devices=[
            _block("disk", {"diskDevice": ["disk", "cdrom", "floppy", "lun"], "bus": disk_bus,
                            "model": _VIRTIO_MODELS}),
            _block("graphics", {"type": ["vnc"] + (["spice"] if has("qxl-vga") else [])}),
            _block("video", {"modelType": video}),
            _block("rng", {"model": _VIRTIO_MODELS,
                           "backendModel": ["random", "egd", "builtin"]}),
            _block("channel", {"type": ["pty", "unix"]}),
        ],
        features=[
            dcaps.CapsBlock("gic", False),
            dcaps.CapsBlock("vmcoreinfo", has("vmcoreinfo")),
            dcaps.CapsBlock("genid", has("vmgenid")),
            dcaps.CapsBlock("backingStoreInput", True),
            dcaps.CapsBlock("backup", False),
            dcaps.CapsBlock("sev", False),
            dcaps.CapsBlock("sgx", False),
        ])
    return doc.format()


def probe_all_known() -> list[str]:
    """The emulator binaries present on the host, by architecture order."""
    out = []
    for arch in ARCH_BINARIES:
        path = find_binary(arch)
        if path:
            out.append(path)
    return out


def caps_error(binary: str) -> Any:
    """The error for a missing emulator binary."""
    return report(C.VIR_ERR_INTERNAL_ERROR,
                  f"Cannot find QEMU binary {binary}: No such file or directory", _FROM)
