"""What each QEMU binary can do, probed once over QMP and cached per binary.

A binary is started with ``-machine none`` and asked over QMP, as libvirt's
qemu_capabilities.c does: once with KVM (when /dev/kvm is usable) and once
with TCG, because CPU models and the host CPU differ by accelerator.
Asked: version, target, machine types, CPU models (with the features that
block them), the expansion of the ``host`` (KVM) or ``max`` (TCG) CPU,
accelerators, device types, the QMP schema's display types and commands,
and SEV.

The answer is cached as JSON under the driver's cache dir (libvirt:
``cache/qemu/capabilities``), valid while the binary's path, ctime, mtime
and size, QEMU's module directory, the kernel, the CPU microcode and access
to /dev/kvm stay the same, and in memory for the process, so later
connections pay nothing.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import platform
import shutil
import tempfile
import threading
from dataclasses import asdict, dataclass, field
from typing import Any, ClassVar

from pyvirt import constants as C
from pyvirt.drivers.qemu import monitor as qmon
from pyvirt.drivers.qemu import process
from pyvirt.errors import libvirtError, report, report_system
from pyvirt.util import hostcpu
from pyvirt.util.fileutil import atomic_write

_FROM = C.VIR_FROM_QEMU

# Bump when the probed data or its layout changes: old cache files are ignored.
CACHE_FORMAT = 4

# Emulator binary for each guest architecture, in libvirt's virArch order.
ARCH_BINARIES = {
    "armv7l": "qemu-system-arm",
    "aarch64": "qemu-system-aarch64",
    "i686": "qemu-system-i386",
    "ppc64le": "qemu-system-ppc64",
    "riscv64": "qemu-system-riscv64",
    "s390x": "qemu-system-s390x",
    "x86_64": "qemu-system-x86_64",
}
_TARGET_ARCH = {"x86_64": "x86_64", "i386": "i686", "aarch64": "aarch64", "arm": "armv7l",
                "ppc64": "ppc64le", "riscv64": "riscv64", "s390x": "s390x"}
WORDSIZE = {"x86_64": 64, "i686": 32, "aarch64": 64, "armv7l": 32, "ppc64le": 64,
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
class CPUDef:
    """A CPU model QEMU offers under one accelerator, and what blocks it there."""

    name: str
    blockers: list[str] = field(default_factory=list)   # QEMU's feature names
    deprecated: bool = False

    @property
    def usable(self) -> bool:
        """True when nothing blocks the model."""
        return not self.blockers


@dataclass
class QemuCaps:
    """The probed abilities of one QEMU binary."""

    binary: str
    arch: str
    version: int                      # major * 1000000 + minor * 1000 + micro
    package: str = ""
    machines: list[Machine] = field(default_factory=list)
    accels: list[str] = field(default_factory=list)
    devices: list[str] = field(default_factory=list)   # and memory backend types
    kvm_present: bool = False
    # per accelerator ('tcg', 'kvm'): CPU models, and the host/max CPU's properties
    cpu_defs: dict[str, list[CPUDef]] = field(default_factory=dict)
    host_cpu: dict[str, dict[str, Any]] = field(default_factory=dict)
    commands: list[str] = field(default_factory=list)
    displays: list[str] = field(default_factory=list)
    sev: bool = False
    # properties of the 'max-x86_64-cpu' type libvirt looks for (absent from
    # qemu-system-i386): 'migratable' lets host-passthrough be migratable,
    # 'unavailable-features' lets host-model keep MSR-based features
    cpu_migratable: bool = False
    cpu_unavailable_features: bool = False

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

    def has_command(self, name: str) -> bool:
        """True when the binary's QMP schema has command ``name``."""
        return name in self.commands

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
        data["cpu_defs"] = {accel: [CPUDef(**d) for d in defs]
                            for accel, defs in data.get("cpu_defs", {}).items()}
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


def probe_all_known() -> list[str]:
    """The emulator binaries present on the host, in libvirt's architecture order."""
    out = []
    for arch in ARCH_BINARIES:
        path = find_binary(arch)
        if path:
            out.append(path)
    return out


# --- probing ------------------------------------------------------------------------

def _probe_binary(binary: str) -> QemuCaps:
    """Probe ``binary`` with KVM (when usable) and with TCG."""
    caps = _with_qemu(binary, "tcg", _ask)
    if "kvm" in caps.accels and kvm_usable():
        try:
            _with_qemu(binary, "kvm", lambda mon, b: _ask_accel(mon, caps, "kvm"))
        except libvirtError:
            pass     # KVM refused (nested, permissions): TCG only, as libvirt
    return caps


def _with_qemu(binary: str, accel: str, ask: Any) -> Any:
    """Start ``binary`` with -machine none on ``accel`` and call ``ask(monitor, binary)``."""
    with tempfile.TemporaryDirectory(prefix="pyvirt-probe-") as tmp:
        path = os.path.join(tmp, "qmp.sock")
        sock = qmon.listen_unix(path)
        argv = [binary, "-machine", f"none,accel={accel}", "-nodefaults", "-no-user-config",
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
            return ask(mon, binary)
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


def _machines(mon: qmon.Monitor) -> list[Machine]:
    """QEMU's machine types in its order, the default moved first (as libvirt)."""
    machines = [Machine(name=m["name"], alias=m.get("alias"),
                        is_default=bool(m.get("is-default")), cpu_max=int(m.get("cpu-max", 1)),
                        deprecated=bool(m.get("deprecated")))
                for m in mon.execute("query-machines") if m["name"] != "none"]
    default = next((m for m in machines if m.is_default), None)
    if default is not None:
        machines.remove(default)
        machines.insert(0, default)
    return machines


def _schema(mon: qmon.Monitor) -> tuple[list[str], list[str]]:
    """(QMP command names, display types of query-display-options)."""
    schema = mon.execute("query-qmp-schema")
    by_name = {e["name"]: e for e in schema}
    commands = sorted(e["name"] for e in schema if e.get("meta-type") == "command")
    displays: list[str] = []
    cmd = by_name.get("query-display-options")
    ret = by_name.get(cmd["ret-type"]) if cmd else None
    if ret is not None:
        displays = sorted(v["case"] for v in ret.get("variants", []))
    return commands, displays


def _ask(mon: qmon.Monitor, binary: str) -> QemuCaps:
    ver = mon.execute("query-version")
    q = ver["qemu"]
    target = mon.execute("query-target")["arch"]
    accels = sorted(t["name"][:-len("-accel")]
                    for t in mon.execute("qom-list-types", {"implements": "accel",
                                                            "abstract": False})
                    if t["name"].endswith("-accel"))
    devices = sorted(t["name"] for t in mon.execute("qom-list-types",
                                                    {"implements": "device",
                                                     "abstract": False}))
    devices += sorted(t["name"] for t in mon.execute("qom-list-types",
                                                     {"implements": "memory-backend",
                                                      "abstract": False}))
    commands, displays = _schema(mon)
    kvm = mon.execute("query-kvm")
    caps = QemuCaps(binary=binary, arch=_TARGET_ARCH.get(target, target),
                    version=q["major"] * 1000000 + q["minor"] * 1000 + q["micro"],
                    package=ver.get("package", "").strip(), machines=_machines(mon),
                    accels=accels, devices=devices, kvm_present=bool(kvm.get("present")),
                    commands=commands, displays=displays)
    if caps.arch == "x86_64":
        names = {p["name"] for p in mon.execute("qom-list-properties",
                                                {"typename": "max-x86_64-cpu"})}
        caps.cpu_migratable = "migratable" in names
        caps.cpu_unavailable_features = "unavailable-features" in names
    _ask_accel(mon, caps, "tcg")
    return caps


def _ask_accel(mon: qmon.Monitor, caps: QemuCaps, accel: str) -> None:
    """CPU models and the host CPU as QEMU running ``accel`` sees them."""
    try:
        defs = mon.execute("query-cpu-definitions")
    except libvirtError:
        return                       # targets without CPU model queries
    caps.cpu_defs[accel] = [CPUDef(d["name"], list(d.get("unavailable-features", [])),
                                   bool(d.get("deprecated"))) for d in defs]
    if accel == "kvm" and caps.has_command("query-sev-capabilities") and host_has_sev():
        try:
            mon.execute("query-sev-capabilities")
            caps.sev = True
        except libvirtError:
            caps.sev = False      # QEMU answers an error when the host has no SEV
    model = "host" if accel == "kvm" else "max"
    try:
        full = mon.execute("query-cpu-model-expansion",
                           {"type": "full",
                            "model": {"name": model, "props": {"migratable": False}}})
    except libvirtError:
        return
    props = full.get("model", {}).get("props", {})
    caps.host_cpu[accel] = {k: v for k, v in props.items()
                            if v is True or isinstance(v, (str, int)) and not isinstance(v, bool)}


# where QEMU's loadable modules (ui-sdl, block-curl, ...) live on Debian
QEMU_MODULE_DIR = f"/usr/lib/{platform.machine()}-linux-gnu/qemu"


def _mtime_ns(path: str) -> int | None:
    try:
        return os.stat(path).st_mtime_ns
    except OSError:
        return None


def host_has_sev() -> bool:
    """True when the kvm_amd module enabled SEV (QEMU answers an error otherwise)."""
    try:
        with open("/sys/module/kvm_amd/parameters/sev") as f:
            return f.read().strip() in ("1", "Y", "y")
    except OSError:
        return False


class CapsCache:
    """Probed capabilities by binary: memory, then the cache dir, then a probe."""

    # shared by every driver of the process: (path, ctime_ns, mtime_ns, size) -> caps
    _memory: ClassVar[dict[tuple[str, int, int, int], QemuCaps]] = {}
    _memory_lock = threading.Lock()

    def __init__(self, cache_dir: str) -> None:
        self.cache_dir = cache_dir
        self._lock = threading.Lock()

    def get(self, binary: str) -> QemuCaps:
        """Return the capabilities of ``binary``; VIR_ERR_INTERNAL_ERROR if it is unusable."""
        try:
            st = os.stat(binary)
        except OSError as exc:
            raise report_system(exc.errno or errno.ENOENT, f"Cannot check QEMU binary {binary}",
                                _FROM) from None
        key = (binary, st.st_ctime_ns, st.st_mtime_ns, st.st_size)
        with self._memory_lock:
            caps = self._memory.get(key)
        if caps is not None:
            if not os.path.exists(self._file(binary)):
                self._store(key, caps)      # another root probed it: keep ours complete
            return caps
        with self._lock:
            caps = self._load(key)
            if caps is None:
                caps = _probe_binary(key[0])
                self._store(key, caps)
        with self._memory_lock:
            self._memory[key] = caps
        return caps

    def _file(self, binary: str) -> str:
        digest = hashlib.sha256(binary.encode()).hexdigest()[:16]
        return os.path.join(self.cache_dir, f"{os.path.basename(binary)}-{digest}.json")

    @staticmethod
    def _stamp(key: tuple[str, int, int, int]) -> dict:
        """What a cache file must match: the binary, and as libvirt checks, the
        QEMU module directory, the kernel, the CPU microcode and KVM access."""
        return {"format": CACHE_FORMAT, "binary": key[0], "ctime_ns": key[1],
                "mtime_ns": key[2], "size": key[3], "kvm": kvm_usable(),
                "moddir_mtime_ns": _mtime_ns(QEMU_MODULE_DIR), "kernel": os.uname().release,
                "microcode": hostcpu.microcode_version()}

    def _load(self, key: tuple[str, int, int, int]) -> QemuCaps | None:
        try:
            with open(self._file(key[0])) as f:
                data = json.load(f)
        except (OSError, ValueError):
            return None
        caps = data.pop("caps", None)
        if data != self._stamp(key) or not isinstance(caps, dict):
            return None
        try:
            return QemuCaps.from_json(caps)
        except (KeyError, TypeError):
            return None

    def _store(self, key: tuple[str, int, int, int], caps: QemuCaps) -> None:
        data = {**self._stamp(key), "caps": caps.to_json()}
        try:
            os.makedirs(self.cache_dir, exist_ok=True)
            atomic_write(self._file(key[0]), json.dumps(data, indent=1) + "\n", 0o644)
        except OSError:
            pass    # a cache we cannot write only costs a probe next time
