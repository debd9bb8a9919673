"""A control group per running guest, laid out as libvirt 9.0 lays it out.

On a host without systemd's machined (as here), libvirt makes the partition
``/machine`` at the top of each controller's hierarchy and, under it, one
group per guest named after the machine: ``qemu-1-vm.libvirt-qemu``
(``qemu-embed-HASH-1-vm.libvirt-qemu`` for an embedded driver).  In the
cpu, cpuacct and cpuset controllers the guest's threads sit in sub-groups:
``emulator`` (QEMU's own threads), ``vcpuN`` and ``iothreadN``; in memory
and blkio the whole process sits in the guest's group.

cgroup v1 (one mount per controller, under /sys/fs/cgroup) and v2 (one
unified mount) are both handled; the file names differ, so callers use the
operations of :class:`Cgroup` (shares, CFS bandwidth, memory limits, CPU
sets, block I/O weight) rather than file names.
"""

from __future__ import annotations

import errno
import hashlib
import os
import time
from typing import Any

from pyvirt import constants as C
from pyvirt.errors import libvirtError, report
from pyvirt.util import hostinfo

_FROM = C.VIR_FROM_CGROUP
PARTITION = "machine"
V1_CONTROLLERS = ("cpu", "cpuacct", "cpuset", "memory", "blkio")
THREAD_CONTROLLERS = ("cpu", "cpuacct", "cpuset")
# v1 stores 'unlimited' as the largest page-aligned signed 64-bit value
V1_UNLIMITED = 9223372036854771712
#: libvirt's VIR_DOMAIN_MEMORY_PARAM_UNLIMITED (KiB)
PARAM_UNLIMITED = 9007199254740991
_MEM_V1 = {"hard_limit": "memory.limit_in_bytes", "soft_limit": "memory.soft_limit_in_bytes",
           "swap_hard_limit": "memory.memsw.limit_in_bytes"}
_MEM_V2 = {"hard_limit": "memory.max", "soft_limit": "memory.high",
           "swap_hard_limit": "memory.swap.max"}
_V2_NAMES = {"cpu": "cpu", "cpuacct": "cpu", "cpuset": "cpuset", "memory": "memory",
             "blkio": "io"}


def mounts(path: str = "/proc/self/mounts") -> tuple[dict[str, str], str | None]:
    """({v1 controller: mount point}, unified v2 mount point or None)."""
    v1: dict[str, str] = {}
    v2 = None
    for line in hostinfo.read(path).splitlines():
        fields = line.split()
        if len(fields) < 4:
            continue
        if fields[2] == "cgroup":
            for opt in fields[3].split(","):
                if opt in V1_CONTROLLERS:
                    v1.setdefault(opt, fields[1])
        elif fields[2] == "cgroup2" and v2 is None:
            v2 = fields[1]
    return v1, v2


def prefix_of(cfg: Any) -> str:
    """The start of the machine names of a driver's guests.

    libvirt's: ``qemu`` for the system driver, ``qemu-embed-HASH`` for an embedded
    one (HASH: the root's SHA-256, 8 digits).  libvirt's session driver makes no
    cgroups; pyvirt's (run as root) names its guests ``qemu-session-HASH`` (of its
    state directory), so that two session daemons never share a group.
    """
    if cfg.root is not None:
        return f"qemu-embed-{_hash(cfg.root)}"
    if cfg.uri_path == "/session":
        return f"qemu-session-{_hash(cfg.state_dir)}"
    return "qemu"


def _hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:8]


def machine_name(prefix: str, domid: int, name: str) -> str:
    """libvirt's machine name: ``PREFIX-ID-NAME`` with NAME cut to hostname characters."""
    out = f"{prefix}-{domid}-"
    skip = True
    for ch in name:
        if len(out) >= 64:
            break
        if ch in ".-":
            if not skip:
                out += ch
                skip = True
            continue
        if ch.isascii() and ch.isalnum():
            out += ch
            skip = False
    return out.rstrip("-.")


def _escape(name: str) -> str:
    """libvirt's virCgroupPartitionEscape: names that could clash get a '_'."""
    if name.startswith(("_", ".", "cgroup.")) or name.split(".")[0] in (
            *V1_CONTROLLERS, "devices", "freezer", "net_cls", "perf_event", "io", "pids"):
        return "_" + name
    return name


def write_file(path: str, value: str) -> None:
    """Write a control file, with libvirt's error."""
    try:
        with open(path, "w") as f:
            f.write(value)
    except OSError as exc:
        raise report(C.VIR_ERR_SYSTEM_ERROR, f"Unable to write to '{path}': {exc.strerror}",
                     _FROM) from exc


def _read(path: str) -> str:
    try:
        with open(path) as f:
            return f.read().strip()
    except OSError as exc:
        raise report(C.VIR_ERR_SYSTEM_ERROR, f"Unable to read from '{path}': {exc.strerror}",
                     _FROM) from exc


class Cgroup:
    """One guest's group: a directory per controller (v1) or one directory (v2)."""

    def __init__(self, dirs: dict[str, str], v2: bool) -> None:
        self.dirs = dirs          # controller -> directory of the guest's group
        self.v2 = v2

    # --- where ----------------------------------------------------------------------
    def has(self, controller: str) -> bool:
        """True when ``controller`` is available for the guest."""
        return controller in self.dirs

    def require(self, controller: str) -> None:
        """libvirt's error when ``controller`` is missing."""
        if controller not in self.dirs:
            what = {"cpu": "CPU", "cpuset": "cpuset", "memory": "memory",
                    "blkio": "blkio"}.get(controller, controller)
            raise report(C.VIR_ERR_OPERATION_INVALID,
                         f"cgroup {what} controller is not mounted", C.VIR_FROM_QEMU)

    def path(self, controller: str, sub: str | None = None) -> str:
        """The directory of the guest's group, or of its sub-group ``sub``."""
        self.require(controller)
        base = self.dirs[controller]
        if sub is None or controller not in THREAD_CONTROLLERS:
            return base
        return os.path.join(base, "libvirt", sub) if self.v2 else os.path.join(base, sub)

    def file(self, controller: str, name: str, sub: str | None = None) -> str:
        """The path of one control file."""
        return os.path.join(self.path(controller, sub), name)

    # --- threads ----------------------------------------------------------------------
    def make_sub(self, sub: str) -> None:
        """Create the sub-group ``sub`` (emulator, vcpuN, iothreadN) where threads go."""
        for ctl in THREAD_CONTROLLERS:
            if ctl not in self.dirs:
                continue
            path = self.path(ctl, sub)
            if os.path.isdir(path):
                continue
            if self.v2:
                os.makedirs(os.path.dirname(path), exist_ok=True)
                os.makedirs(path, exist_ok=True)
                _try_write(os.path.join(path, "cgroup.type"), "threaded")
                break
            os.makedirs(path, exist_ok=True)
            if ctl == "cpuset":
                _inherit_cpuset(path)

    def add_thread(self, sub: str, tid: int) -> None:
        """Move thread ``tid`` into the sub-group ``sub`` (created when missing)."""
        self.make_sub(sub)
        for ctl in THREAD_CONTROLLERS:
            if ctl in self.dirs:
                write_file(self.file(ctl, "cgroup.threads" if self.v2 else "tasks", sub), str(tid))
                if self.v2:
                    break

    def add_process(self, pid: int) -> None:
        """Put the whole process ``pid`` in the group (its threads in ``emulator``)."""
        if self.v2:
            self.make_sub("emulator")
            write_file(os.path.join(self.path("cpu" if self.has("cpu") else next(iter(self.dirs)),
                                          "emulator"), "cgroup.procs"), str(pid))
            return
        for ctl in self.dirs:
            sub = "emulator" if ctl in THREAD_CONTROLLERS else None
            if sub:
                self.make_sub(sub)
            write_file(self.file(ctl, "cgroup.procs", sub), str(pid))

    def remove_sub(self, sub: str) -> None:
        """Remove an empty sub-group (after its thread is gone)."""
        for ctl in THREAD_CONTROLLERS:
            if ctl in self.dirs:
                _rmdir(self.path(ctl, sub))

    # --- values -------------------------------------------------------------------------
    def get_shares(self) -> int:
        """CPU shares (v1 cpu.shares; v2 cpu.weight, as libvirt reports it)."""
        return int(_read(self.file("cpu", "cpu.weight" if self.v2 else "cpu.shares")))

    def set_shares(self, shares: int) -> None:
        """Set the CPU shares (weight)."""
        write_file(self.file("cpu", "cpu.weight" if self.v2 else "cpu.shares"), str(shares))

    def get_cfs(self, sub: str | None) -> tuple[int, int]:
        """(period µs, quota µs or -1) of the group or sub-group ``sub``."""
        if self.v2:
            quota, _, period = _read(self.file("cpu", "cpu.max", sub)).partition(" ")
            return int(period or 100000), -1 if quota == "max" else int(quota)
        return (int(_read(self.file("cpu", "cpu.cfs_period_us", sub))),
                int(_read(self.file("cpu", "cpu.cfs_quota_us", sub))))

    def set_cfs(self, sub: str | None, period: int | None, quota: int | None) -> None:
        """Set the CFS period and/or quota (-1 or a huge quota: no limit)."""
        if self.v2:
            cur_period, cur_quota = self.get_cfs(sub)
            p = period or cur_period
            q = cur_quota if quota is None else quota
            write_file(self.file("cpu", "cpu.max", sub), f"{'max' if q < 0 else q} {p}")
            return
        if period is not None:
            write_file(self.file("cpu", "cpu.cfs_period_us", sub), str(period))
        if quota is not None:
            write_file(self.file("cpu", "cpu.cfs_quota_us", sub), str(quota))

    def get_memory(self, name: str) -> int:
        """A memory limit in KiB (PARAM_UNLIMITED when there is none)."""
        path = self.file("memory", (_MEM_V2 if self.v2 else _MEM_V1)[name])
        if not os.path.exists(path):
            return PARAM_UNLIMITED
        text = _read(path)
        if text == "max" or int(text) >= V1_UNLIMITED:
            return PARAM_UNLIMITED
        return min(int(text) >> 10, PARAM_UNLIMITED)

    def set_memory(self, name: str, kib: int) -> None:
        """Set a memory limit in KiB (PARAM_UNLIMITED: none)."""
        path = self.file("memory", (_MEM_V2 if self.v2 else _MEM_V1)[name])
        if name == "swap_hard_limit" and not os.path.exists(path):
            raise report(C.VIR_ERR_OPERATION_INVALID, "swap_hard_limit is not supported by "
                         "this host's memory controller", C.VIR_FROM_QEMU)
        if kib >= PARAM_UNLIMITED:
            write_file(path, "max" if self.v2 else "-1")
        else:
            write_file(path, str(kib << 10))

    def get_cpuset(self, sub: str | None, what: str = "cpus") -> str:
        """cpuset.cpus (or .mems) of the group or sub-group."""
        return _read(self.file("cpuset", f"cpuset.{what}", sub))

    def set_cpuset(self, sub: str | None, value: str, what: str = "cpus") -> None:
        """Set cpuset.cpus (or .mems) of the group or sub-group."""
        write_file(self.file("cpuset", f"cpuset.{what}", sub), value)

    def blkio_weight_file(self) -> str:
        """The block I/O weight file, or libvirt's error when the host has none."""
        for name in (("io.bfq.weight", "io.weight") if self.v2
                     else ("blkio.bfq.weight", "blkio.weight")):
            path = self.file("blkio", name)
            if os.path.exists(path):
                return path
        raise report(C.VIR_ERR_OPERATION_INVALID, "blkio device weight is valid only for bfq "
                     "or cfq scheduler", _FROM)

    # --- the end ------------------------------------------------------------------------
    def remove(self) -> None:
        """Remove the group and its sub-groups (the process has gone)."""
        for base in self.dirs.values():
            if not os.path.isdir(base):
                continue
            for dirpath, _dirs, _files in sorted(os.walk(base), key=lambda w: -len(w[0])):
                if dirpath != base:
                    _rmdir(dirpath)
            _rmdir(base)


def _try_write(path: str, value: str) -> None:
    try:
        with open(path, "w") as f:
            f.write(value)
    except OSError:
        pass


def _inherit_cpuset(path: str) -> None:
    """A new v1 cpuset group starts empty: give it its parent's CPUs and memory nodes."""
    parent = os.path.dirname(path)
    for name in ("cpuset.cpus", "cpuset.mems"):
        mine = os.path.join(path, name)
        if os.path.exists(mine) and not hostinfo.read(mine):
            write_file(mine, hostinfo.read(os.path.join(parent, name)))


def _rmdir(path: str, patience: float = 5.0) -> None:
    # a cgroup whose last task was just killed stays busy while the task exits
    # (freeing a guest's memory takes a while on a loaded host)
    deadline = time.monotonic() + patience
    while True:
        try:
            os.rmdir(path)
            return
        except FileNotFoundError:
            return
        except OSError as exc:
            if exc.errno != errno.EBUSY or time.monotonic() > deadline:
                return
            time.sleep(0.02)


def _dirs(scope: str) -> tuple[dict[str, str], bool] | None:
    """Where ``scope``'s group lives per controller, and whether it is v2."""
    v1, v2 = mounts()
    if v1:
        return {ctl: os.path.join(mnt, PARTITION, scope) for ctl, mnt in v1.items()}, False
    if v2 and os.path.exists(os.path.join(v2, "cgroup.controllers")):
        enabled = hostinfo.read(os.path.join(v2, "cgroup.controllers")).split()
        dirs = {ctl: os.path.join(v2, PARTITION, scope) for ctl, name in _V2_NAMES.items()
                if name in enabled}
        return dirs, True
    return None


def scope_of(prefix: str, domid: int, name: str) -> str:
    """The directory name of a guest's group: ``qemu-1-vm.libvirt-qemu``."""
    return _escape(f"{machine_name(prefix, domid, name)}.libvirt-qemu")


def create(prefix: str, domid: int, name: str, pid: int) -> Cgroup | None:
    """Make the guest's group, put QEMU (``pid``) in it; None where cgroups are
    not usable (no controllers mounted, or not allowed to write them)."""
    where = _dirs(scope_of(prefix, domid, name))
    if where is None or os.geteuid() != 0:
        return None
    dirs, v2 = where
    made: dict[str, str] = {}
    for ctl, path in dirs.items():
        part = os.path.dirname(path)
        try:
            if v2 and not os.path.isdir(part):
                os.makedirs(part, exist_ok=True)
            if v2:
                _enable_v2(os.path.dirname(part), part)
            os.makedirs(path, exist_ok=True)
            if v2:
                _enable_v2(part, path)
        except OSError:
            continue                  # a read-only or foreign hierarchy: leave it out
        if not v2 and ctl == "cpuset":
            _inherit_cpuset(part)
            _inherit_cpuset(path)
        made[ctl] = path
    if not made:
        return None
    group = Cgroup(made, v2)
    try:
        group.add_process(pid)
    except libvirtError:
        group.remove()
        raise
    return group


def _enable_v2(parent: str, child: str) -> None:
    """Let ``child`` use the parent's controllers (v2 subtree_control)."""
    wanted = set(_V2_NAMES.values())
    have = set(hostinfo.read(os.path.join(parent, "cgroup.controllers")).split())
    for ctl in sorted(wanted & have):
        _try_write(os.path.join(parent, "cgroup.subtree_control"), f"+{ctl}")


def find(prefix: str, domid: int, name: str, pid: int) -> Cgroup | None:
    """The group of a running guest (after a restart of this process), if QEMU is in it."""
    where = _dirs(scope_of(prefix, domid, name))
    if where is None:
        return None
    dirs, v2 = where
    present = {ctl: path for ctl, path in dirs.items() if os.path.isdir(path)}
    if not present:
        return None
    with_pid = hostinfo.read(f"/proc/{pid}/cgroup")
    scope = os.path.basename(next(iter(present.values())))
    if f"/{scope}" not in with_pid:
        return None
    return Cgroup(present, v2)


def remove_unused(prefix: str, domid: int | None = None, name: str | None = None) -> None:
    """Remove the empty groups of guests whose QEMU ended unwatched: the one of
    ``domid``/``name``, or (without them) every one whose name starts with ``prefix``."""
    v1, v2 = mounts()
    parents = {os.path.join(mnt, PARTITION) for mnt in v1.values()}
    if not v1 and v2:
        parents.add(os.path.join(v2, PARTITION))
    wanted = scope_of(prefix, domid, name) if domid is not None and name else None
    for parent in parents:
        try:
            names = os.listdir(parent)
        except OSError:
            continue
        for entry in names:
            if entry != wanted and not (wanted is None and entry.startswith(f"{prefix}-")):
                continue
            path = os.path.join(parent, entry)
            walk = sorted(os.walk(path), key=lambda w: -len(w[0]))
            deadline = time.monotonic() + 5
            while any(hostinfo.read(os.path.join(d, "cgroup.procs")) for d, _s, _f in walk):
                if time.monotonic() > deadline:
                    break                 # something still runs there: not ours to remove
                time.sleep(0.05)
            else:
                for dirpath, _dirs, _files in walk:
                    _rmdir(dirpath)
