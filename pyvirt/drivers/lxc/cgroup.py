"""A container's cgroups, on cgroup v1 or v2 controller by controller, as libvirt lays them out.

Each container gets ``machine/NAME.libvirt-lxc`` under every controller it
uses; an embed root's containers go under ``machine/pyvirt-HASH/`` so two
roots never share a group.  The controller process creates the groups,
puts the container's first process in them, and removes them when the
container is gone; the driver reads statistics and changes limits through
the same :class:`Cgroup`.

Like libvirt, each controller is driven by the backend of the hierarchy it
lives in (:func:`layout`): a v1 hierarchy ``/sys/fs/cgroup/CTRL`` or the
unified (v2) one, ``/sys/fs/cgroup`` on a pure v2 host or
``/sys/fs/cgroup/unified`` on a hybrid one.  On v2 the freezer is the
group's ``cgroup.freeze``, killing is ``cgroup.kill`` and the device
whitelist a BPF program (:mod:`pyvirt.drivers.lxc.bpfdev`); the other
controllers' files and units differ from v1's, converted as libvirt's
``vircgroupv2.c`` does (:class:`Cgroup` ``set_*``/``get_*``).  Mode
``unified`` (:data:`MODE_ENV`) puts placement, freezer, devices and every
controller the unified hierarchy offers on v2 even where a v1 hierarchy has
it, which a hybrid host otherwise keeps on v1.
"""

from __future__ import annotations

import errno
import os
import signal
import time

CGROUP_ROOT = "/sys/fs/cgroup"
CONTROLLERS = ("cpu", "cpuacct", "cpuset", "memory", "blkio", "devices", "freezer", "pids")
#: the v2 controller behind each of libvirt's controllers (freezer and devices
#: are part of every v2 group: cgroup.freeze and BPF programs)
V2_NAMES = {"cpu": "cpu", "cpuacct": "cpu", "cpuset": "cpuset", "memory": "memory",
            "blkio": "io", "pids": "pids", "devices": "", "freezer": ""}
#: the environment variable choosing the mode: ``auto`` (libvirt's choice) or ``unified``
MODE_ENV = "PYVIRT_LXC_CGROUP"

# libvirt's default device whitelist of a container (lxc_cgroup.c): the
# character devices /dev holds, the ptys, and fuse.
DEVICE_ALLOW = ("c 1:3 rwm", "c 1:5 rwm", "c 1:7 rwm", "c 1:8 rwm", "c 1:9 rwm",
                "c 5:0 rwm", "c 5:1 rwm", "c 5:2 rwm", "c 136:* rwm", "c 10:229 rwm")

UNLIMITED = 9007199254740991      # KiB; libvirt's VIR_DOMAIN_MEMORY_PARAM_UNLIMITED
# libvirt's bounds of the v2 values (vircgroup.h, vircgroupv2.c)
WEIGHT_MIN, WEIGHT_MAX = 1, 10000
PERIOD_MIN, PERIOD_MAX = 1000, 1000000
QUOTA_MIN, QUOTA_MAX = 1000, 17592186044415

# v1 file and v2 file of each memory limit
_MEMORY_FILES = {"hard_limit": ("memory.limit_in_bytes", "memory.max"),
                 "soft_limit": ("memory.soft_limit_in_bytes", "memory.high"),
                 "swap_hard_limit": ("memory.memsw.limit_in_bytes", "memory.swap.max")}
_SCHED_V1 = {"shares": "cpu.shares", "period": "cpu.cfs_period_us",
             "quota": "cpu.cfs_quota_us"}


def unified_mount(root: str | None = None) -> str | None:
    """Where the unified (v2) hierarchy is mounted: the cgroup root itself on a
    pure v2 host, ``ROOT/unified`` on a hybrid one; None without one."""
    root = root or CGROUP_ROOT
    for d in (root, os.path.join(root, "unified")):
        if os.path.exists(os.path.join(d, "cgroup.controllers")):
            return d
    return None


def layout(mode: str = "auto", root: str | None = None) -> dict[str, str]:
    """The backend (``v1`` or ``v2``) of each controller this host has.

    ``auto`` is libvirt's choice: a controller mounted as a v1 hierarchy
    stays there, the others are v2's when the unified hierarchy has them
    (all of them on a pure v2 host).  ``unified`` takes v2 wherever the
    unified hierarchy can serve: the freezer, devices and the controllers
    listed in its ``cgroup.controllers``.
    """
    root = root or CGROUP_ROOT
    v2 = unified_mount(root)
    offered: set[str] = set()
    if v2 is not None:
        offered = set(_read(os.path.join(v2, "cgroup.controllers")).split())
    out = {}
    for ctrl in CONTROLLERS:
        v1 = v2 != root and os.path.isdir(os.path.join(root, ctrl))
        on_v2 = v2 is not None and (V2_NAMES[ctrl] == "" or V2_NAMES[ctrl] in offered)
        if on_v2 and (mode == "unified" or not v1):
            out[ctrl] = "v2"
        elif v1:
            out[ctrl] = "v1"
    return out


class Cgroup:
    """The groups of one container under every controller.

    ``mode`` picks the backends (:func:`layout`); the controller and the
    driver build it from the same recorded mode, so both see the same groups.
    ``like``: a group of the same mode whose layout is taken rather than read
    again (within one start).
    """

    def __init__(self, rel: str, mode: str = "auto", like: Cgroup | None = None) -> None:
        self.rel = rel.strip("/")
        self.mode = mode
        self.root = CGROUP_ROOT
        self.backend: dict[str, str]
        self.unified: str | None
        if like is not None and like.mode == mode and like.root == self.root:
            # the host's layout as another group of this process found it moments ago
            self.backend, self.unified = like.backend, like.unified
            return
        self.backend = layout(mode, self.root)
        self.unified = unified_mount(self.root) if "v2" in self.backend.values() else None

    def path(self, ctrl: str, name: str = "") -> str:
        """The directory (or a file in it) of the group under ``ctrl``."""
        top = (self.unified if self.backend.get(ctrl) == "v2" and self.unified
               else os.path.join(self.root, ctrl))
        base = os.path.join(top, self.rel)
        return os.path.join(base, name) if name else base

    def v2(self, ctrl: str) -> bool:
        """True when ``ctrl`` is served by the unified hierarchy."""
        return self.backend.get(ctrl) == "v2"

    def available(self) -> list[str]:
        """The controllers this host has (v1 or v2)."""
        return list(self.backend)

    def _dirs(self, skip: tuple[str, ...] = ()) -> list[tuple[str, list[str]]]:
        """Each distinct hierarchy's group: (top directory, its controllers)."""
        out: dict[str, list[str]] = {}
        for ctrl in self.backend:
            out.setdefault(self.path(ctrl), []).append(ctrl)
        return [(d, ctrls) for d, ctrls in out.items() if not set(ctrls) & set(skip)]

    def _top(self, ctrl: str) -> str:
        return self.unified if self.v2(ctrl) and self.unified else os.path.join(self.root, ctrl)

    # --- making and removing -------------------------------------------------------
    def create(self) -> None:
        """Make the group under every controller (a v1 cpuset inherits cpus and
        mems; v2 parents get the controllers the group uses enabled)."""
        parts = self.rel.split("/")
        wanted = sorted({V2_NAMES[c] for c in self.backend if self.v2(c) and V2_NAMES[c]})
        for d, ctrls in self._dirs():
            top = self._top(ctrls[0])
            for i in range(1, len(parts) + 1):
                parent = os.path.join(top, *parts[:i - 1])
                g = os.path.join(top, *parts[:i])
                if self.v2(ctrls[0]) and wanted:
                    _enable(parent, wanted)
                if not os.path.isdir(g):
                    os.mkdir(g)
                    if ctrls == ["cpuset"]:
                        for f in ("cpuset.cpus", "cpuset.mems"):
                            _write(os.path.join(g, f), _read(os.path.join(parent, f)))

    def add(self, pid: int, skip: tuple[str, ...] = ()) -> None:
        """Move ``pid`` into the group of every hierarchy (but those holding a
        controller in ``skip``: on v2 one group holds them all)."""
        for d, _ctrls in self._dirs(skip):
            _write(os.path.join(d, "cgroup.procs"), str(pid))

    def leave(self) -> None:
        """Move the calling process back to the root group of every hierarchy."""
        for _d, ctrls in self._dirs():
            try:
                _write(os.path.join(self._top(ctrls[0]), "cgroup.procs"), str(os.getpid()))
            except OSError:
                pass

    def procs(self) -> list[int]:
        """Every process in the group (read from the pids or freezer controller)."""
        for ctrl in ("pids", "freezer", "memory", "cpu"):
            if ctrl not in self.backend:
                continue
            try:
                text = _read(self.path(ctrl, "cgroup.procs"))
            except OSError:
                continue
            return [int(p) for p in text.split()]
        return []

    def kill_all(self, timeout: float = 10.0, spare: int = 0) -> bool:
        """SIGKILL every process of the group (but ``spare``, the container's
        controller) until none is left; True when that is so.

        A v2 group is killed at once by ``cgroup.kill`` (the controller is never
        in a v2 group); a frozen v1 group is thawed first, or its processes
        would never die.
        """
        deadline = time.monotonic() + timeout
        thawed = False
        if self.unified is not None:
            try:
                _write(os.path.join(self.unified, self.rel, "cgroup.kill"), "1")
            except OSError:
                pass            # gone already, or a kernel before 5.14
        while True:
            pids = [p for p in self.procs() if p != spare]
            if not pids:
                return True
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            if not thawed:
                self.thaw()
                thawed = True
            if time.monotonic() > deadline:
                return False
            time.sleep(0.002)

    def remove(self) -> None:
        """Remove the group's directories (the group must be empty), and the
        embed root's parent group when it is left empty."""
        parent = os.path.dirname(self.rel)
        for d, ctrls in self._dirs():
            for _ in range(100):
                try:
                    os.rmdir(d)
                    break
                except FileNotFoundError:
                    break
                except OSError as exc:
                    if exc.errno != errno.EBUSY:
                        break
                    time.sleep(0.005)      # exiting tasks are still accounted
            if parent.count("/") >= 1:      # machine/pyvirt-HASH: ours, not machine/
                try:
                    os.rmdir(os.path.join(self._top(ctrls[0]), parent))
                except OSError:
                    pass                    # other containers of the root still run

    def rename(self, rel: str) -> None:
        """Give the group another name in the same parent, in every hierarchy
        (v1 only: v2 groups cannot be renamed)."""
        for d, ctrls in self._dirs():
            os.rename(d, os.path.join(self._top(ctrls[0]), rel.strip("/")))
        self.rel = rel.strip("/")

    def exists(self) -> bool:
        """True while any of the group's directories exists."""
        return any(os.path.isdir(d) for d, _c in self._dirs())

    # --- freezer ---------------------------------------------------------------------
    def freeze(self, timeout: float = 5.0) -> bool:
        """Freeze every task; True once the kernel says it is frozen."""
        if self.v2("freezer"):
            _write(self.path("freezer", "cgroup.freeze"), "1")
        else:
            _write(self.path("freezer", "freezer.state"), "FROZEN")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._frozen_now():
                return True
            time.sleep(0.001)
        return False

    def _frozen_now(self) -> bool:
        if self.v2("freezer"):
            events = _read(self.path("freezer", "cgroup.events")).split()
            return "frozen" in events and events[events.index("frozen") + 1] == "1"
        return _read(self.path("freezer", "freezer.state")).strip() == "FROZEN"

    def thaw(self) -> None:
        """Let the tasks run again."""
        try:
            if self.v2("freezer"):
                _write(self.path("freezer", "cgroup.freeze"), "0")
            else:
                _write(self.path("freezer", "freezer.state"), "THAWED")
        except OSError as exc:      # gone, or being removed by the controller meanwhile
            if exc.errno not in (errno.ENOENT, errno.ENODEV):
                raise

    def frozen(self) -> bool:
        """True when the group is frozen (or freezing)."""
        try:
            if self.v2("freezer"):
                return _read(self.path("freezer", "cgroup.freeze")).strip() == "1"
            return _read(self.path("freezer", "freezer.state")).strip() != "THAWED"
        except OSError:
            return False

    # --- values ------------------------------------------------------------------------
    def get(self, ctrl: str, name: str) -> str:
        """Read a control file."""
        return _read(self.path(ctrl, name)).strip()

    def get_int(self, ctrl: str, name: str) -> int:
        """Read a control file holding one number."""
        return int(self.get(ctrl, name))

    def set(self, ctrl: str, name: str, value: object) -> None:
        """Write a control file."""
        _write(self.path(ctrl, name), str(value))

    def set_memory(self, kind: str, kib: int) -> None:
        """Write the memory limit ``kind`` (hard_limit, soft_limit, swap_hard_limit)
        in KiB; ``UNLIMITED`` and above lift it."""
        v1, v2 = _MEMORY_FILES[kind]
        if self.v2("memory"):
            self.set("memory", v2, "max" if kib >= UNLIMITED else kib << 10)
        else:
            self.set("memory", v1, -1 if kib >= UNLIMITED else kib * 1024)

    def get_memory(self, kind: str) -> int:
        """The memory limit ``kind`` in KiB (``UNLIMITED`` when none)."""
        v1, v2 = _MEMORY_FILES[kind]
        text = self.get("memory", v2 if self.v2("memory") else v1)
        if text == "max":
            return UNLIMITED
        value = int(text)
        return UNLIMITED if value >= (1 << 62) else min(value >> 10, UNLIMITED)

    def set_sched(self, field: str, value: int) -> None:
        """Write CPU ``shares``, ``period`` or ``quota`` (v2: cpu.weight and
        cpu.max, checked against libvirt's bounds; ValueError outside them)."""
        if not self.v2("cpu"):
            self.set("cpu", _SCHED_V1[field], value)
            return
        self.set("cpu", *v2_sched_write(field, int(value), self.get("cpu", "cpu.max")))

    def get_sched(self, field: str) -> int:
        """CPU ``shares``, ``period`` or ``quota`` as libvirt reports them."""
        if not self.v2("cpu"):
            return self.get_int("cpu", _SCHED_V1[field])
        if field == "shares":
            return self.get_int("cpu", "cpu.weight")
        quota, period = self.get("cpu", "cpu.max").split()
        if field == "period":
            return int(period)
        return QUOTA_MAX if quota == "max" else int(quota)

    def _weight_file(self) -> tuple[str, str] | None:
        if not self.v2("blkio"):
            path = self.path("blkio", "blkio.weight")
            return (path, "{}") if os.path.exists(path) else None
        for name, fmt in (("io.bfq.weight", "{}"), ("io.weight", "default {}")):
            path = self.path("blkio", name)
            if os.path.exists(path):
                return path, fmt
        return None

    def has_blkio_weight(self) -> bool:
        """True when the host's I/O scheduler takes weights."""
        return self._weight_file() is not None

    def set_blkio_weight(self, weight: int) -> None:
        """Write the I/O weight (v2: ``io.bfq.weight``, else ``io.weight`` ``default N``)."""
        found = self._weight_file()
        if found is None:
            raise OSError(errno.ENOENT, "no I/O weight on this host")
        _write(found[0], found[1].format(int(weight)))

    def get_blkio_weight(self) -> int:
        """The I/O weight."""
        found = self._weight_file()
        if found is None:
            raise OSError(errno.ENOENT, "no I/O weight on this host")
        return parse_io_weight(_read(found[0]))

    def apply(self, settings: list[tuple[str, str, int]]) -> None:
        """Write the start-time settings of :func:`pyvirt.drivers.lxc.plan.cgroup_settings`."""
        for kind, field, value in settings:
            if kind == "memory":
                self.set_memory(field, value)
            elif kind == "cpu":
                self.set_sched(field, value)
            elif kind == "blkio":
                self.set_blkio_weight(value)

    def cpu_time_ns(self) -> int:
        """CPU time used by the group, in nanoseconds."""
        try:
            if self.v2("cpuacct"):
                return _cpu_stat(self.get("cpuacct", "cpu.stat")).get("usage_usec", 0) * 1000
            return self.get_int("cpuacct", "cpuacct.usage")
        except (OSError, ValueError):
            return 0

    def cpu_user_system(self) -> tuple[int, int]:
        """User and system CPU time of the group in ns (v1's cpuacct.stat counts ticks)."""
        try:
            if self.v2("cpuacct"):
                st = _cpu_stat(self.get("cpuacct", "cpu.stat"))
                return st.get("user_usec", 0) * 1000, st.get("system_usec", 0) * 1000
            tick = 1_000_000_000 // os.sysconf("SC_CLK_TCK")
            fields = _cpu_stat(self.get("cpuacct", "cpuacct.stat"))
        except (OSError, ValueError):
            return 0, 0
        return fields.get("user", 0) * tick, fields.get("system", 0) * tick

    def memory_kib(self) -> int:
        """Memory used by the group, in KiB."""
        try:
            return self.get_int("memory", "memory.current" if self.v2("memory")
                                else "memory.usage_in_bytes") // 1024
        except (OSError, ValueError):
            return 0

    def swap_kib(self) -> int:
        """Swap used by the group, in KiB."""
        try:
            if self.v2("memory"):
                return self.get_int("memory", "memory.swap.current") // 1024
            total = self.get_int("memory", "memory.memsw.usage_in_bytes") // 1024
        except (OSError, ValueError):
            return 0
        return max(0, total - self.memory_kib())

    def memory_stat(self) -> dict[str, int]:
        """memory.stat in KiB, v2's ``file`` also named ``cache`` as v1 calls it."""
        out = {}
        for line in self.get("memory", "memory.stat").splitlines():
            key, _, value = line.partition(" ")
            out[key] = int(value) // 1024
        if self.v2("memory"):
            out["cache"] = out.get("file", 0)
        return out

    def oom_kills(self) -> int:
        """How often the memory limit was hit and a task killed (0 when unknown)."""
        try:
            if self.v2("memory"):
                return _cpu_stat(self.get("memory", "memory.events")).get("oom_kill", 0)
            oom = _cpu_stat(self.get("memory", "memory.oom_control"))
            return oom.get("oom_kill", 0) or self.get_int("memory", "memory.failcnt")
        except (OSError, ValueError):
            return 0

    # --- devices -------------------------------------------------------------------------
    def set_devices(self, rules: list[str]) -> None:
        """Deny every device but ``rules`` (v1 syntax, ``c 1:3 rwm``)."""
        if self.v2("devices"):
            from pyvirt.drivers.lxc import bpfdev
            bpfdev.install(self.path("devices"), rules)
            return
        self.set("devices", "devices.deny", "a")
        for rule in rules:
            self.set("devices", "devices.allow", rule)

    def allow_device(self, rule: str) -> None:
        """Add ``rule`` to the whitelist."""
        if self.v2("devices"):
            from pyvirt.drivers.lxc import bpfdev
            bpfdev.allow(self.path("devices"), rule)
        else:
            self.set("devices", "devices.allow", rule)

    def deny_device(self, rule: str) -> None:
        """Take ``rule`` from the whitelist."""
        if self.v2("devices"):
            from pyvirt.drivers.lxc import bpfdev
            bpfdev.deny(self.path("devices"), rule)
        else:
            self.set("devices", "devices.deny", rule)


def v2_sched_write(field: str, value: int, cpu_max: str) -> tuple[str, str]:
    """The v2 file and text for CPU ``field`` = ``value`` (``cpu_max``: the group's
    cpu.max now), as libvirt converts: shares are cpu.weight as they are, period
    and quota the two halves of cpu.max, a negative quota ``max``."""
    if field == "shares":
        if not WEIGHT_MIN <= value <= WEIGHT_MAX:
            raise ValueError(f"shares '{value}' must be in range [{WEIGHT_MIN}, {WEIGHT_MAX}]")
        return "cpu.weight", str(value)
    if field == "period":
        if not PERIOD_MIN <= value <= PERIOD_MAX:
            raise ValueError(f"cfs_period '{value}' must be in range "
                             f"({PERIOD_MIN}, {PERIOD_MAX})")
        return "cpu.max", f"{cpu_max.split()[0]} {value}"
    if value >= 0 and not QUOTA_MIN <= value <= QUOTA_MAX:
        raise ValueError(f"cfs_quota '{value}' must be in range ({QUOTA_MIN}, {QUOTA_MAX})")
    return "cpu.max", "max" if value < 0 or value == QUOTA_MAX else str(value)


def parse_io_weight(text: str) -> int:
    """The weight in ``io.weight`` (``default N`` first) or ``io.bfq.weight``/``blkio.weight``."""
    words = text.split()
    if "default" in words:
        return int(words[words.index("default") + 1])
    return int(words[0])


def _cpu_stat(text: str) -> dict[str, int]:
    out = {}
    for line in text.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[1].lstrip("-").isdigit():
            out[parts[0]] = int(parts[1])
    return out


def _enable(parent: str, ctrls: list[str]) -> None:
    """Enable ``ctrls`` for the children of the v2 group ``parent`` (those it has)."""
    try:
        have = set(_read(os.path.join(parent, "cgroup.subtree_control")).split())
        offered = set(_read(os.path.join(parent, "cgroup.controllers")).split())
    except OSError:
        return
    missing = [c for c in ctrls if c not in have and c in offered]
    if missing:
        _write(os.path.join(parent, "cgroup.subtree_control"),
               " ".join("+" + c for c in missing))


def _read(path: str) -> str:
    with open(path) as f:
        return f.read()


def _write(path: str, value: str) -> None:
    with open(path, "w") as f:
        f.write(value)
