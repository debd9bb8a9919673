"""A container's cgroups (v1: one directory per controller), as libvirt lays them out.

Each container gets ``machine/NAME.libvirt-lxc`` under every mounted v1
controller (``/sys/fs/cgroup/CTRL/``); an embed root's containers go under
``machine/pyvirt-HASH/`` so two roots never share a group.  The controller
process creates the groups, puts the container's first process in them,
and removes them when the container is gone; the driver reads statistics
and changes limits through the same :class:`Cgroup`.
"""

from __future__ import annotations

import errno
import os
import signal
import time

CGROUP_ROOT = "/sys/fs/cgroup"
CONTROLLERS = ("cpu", "cpuacct", "cpuset", "memory", "blkio", "devices", "freezer", "pids")

# libvirt's default device whitelist of a container (lxc_cgroup.c): the
# character devices /dev holds, the ptys, and fuse.
DEVICE_ALLOW = ("c 1:3 rwm", "c 1:5 rwm", "c 1:7 rwm", "c 1:8 rwm", "c 1:9 rwm",
                "c 5:0 rwm", "c 5:1 rwm", "c 5:2 rwm", "c 136:* rwm", "c 10:229 rwm")

UNLIMITED = 9007199254740991      # KiB; libvirt's VIR_DOMAIN_MEMORY_PARAM_UNLIMITED


class Cgroup:
    """The groups of one container under every controller."""

    def __init__(self, rel: str) -> None:
        self.rel = rel.strip("/")

    def path(self, ctrl: str, name: str = "") -> str:
        """The directory (or a file in it) of the group under ``ctrl``."""
        base = os.path.join(CGROUP_ROOT, ctrl, self.rel)
        return os.path.join(base, name) if name else base

    def available(self) -> list[str]:
        """The controllers mounted on this host."""
        return [c for c in CONTROLLERS if os.path.isdir(os.path.join(CGROUP_ROOT, c))]

    # --- making and removing -------------------------------------------------------
    def create(self) -> None:
        """Make the group under every controller (cpuset inherits cpus and mems)."""
        for ctrl in self.available():
            parts = self.rel.split("/")
            for i in range(1, len(parts) + 1):
                d = os.path.join(CGROUP_ROOT, ctrl, *parts[:i])
                if not os.path.isdir(d):
                    os.mkdir(d)
                    if ctrl == "cpuset":
                        parent = os.path.dirname(d)
                        for f in ("cpuset.cpus", "cpuset.mems"):
                            _write(os.path.join(d, f), _read(os.path.join(parent, f)))

    def add(self, pid: int, skip: tuple[str, ...] = ()) -> None:
        """Move ``pid`` into the group under every controller (but those in ``skip``)."""
        for ctrl in self.available():
            if ctrl not in skip:
                _write(self.path(ctrl, "cgroup.procs"), str(pid))

    def leave(self) -> None:
        """Move the calling process back to the root group of every controller."""
        for ctrl in self.available():
            try:
                _write(os.path.join(CGROUP_ROOT, ctrl, "cgroup.procs"), str(os.getpid()))
            except OSError:
                pass

    def procs(self) -> list[int]:
        """Every process in the group (read from the pids or freezer controller)."""
        for ctrl in ("pids", "freezer", "memory", "cpu"):
            try:
                text = _read(self.path(ctrl, "cgroup.procs"))
            except OSError:
                continue
            return [int(p) for p in text.split()]
        return []

    def kill_all(self, timeout: float = 10.0, spare: int = 0) -> bool:
        """SIGKILL every process of the group (but ``spare``, the container's
        controller) until none is left; True when that is so.

        A frozen group is thawed first, or its processes would never die.
        """
        deadline = time.monotonic() + timeout
        thawed = False
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
        for ctrl in self.available():
            d = self.path(ctrl)
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
                    os.rmdir(os.path.join(CGROUP_ROOT, ctrl, parent))
                except OSError:
                    pass                    # other containers of the root still run

    def exists(self) -> bool:
        """True while any of the group's directories exists."""
        return any(os.path.isdir(self.path(c)) for c in self.available())

    # --- freezer ---------------------------------------------------------------------
    def freeze(self, timeout: float = 5.0) -> bool:
        """Freeze every task; True once the kernel says FROZEN."""
        _write(self.path("freezer", "freezer.state"), "FROZEN")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if _read(self.path("freezer", "freezer.state")).strip() == "FROZEN":
                return True
            time.sleep(0.001)
        return False

    def thaw(self) -> None:
        """Let the tasks run again."""
        try:
            _write(self.path("freezer", "freezer.state"), "THAWED")
        except OSError as exc:      # gone, or being removed by the controller meanwhile
            if exc.errno not in (errno.ENOENT, errno.ENODEV):
                raise

    def frozen(self) -> bool:
        """True when the group is frozen (or freezing)."""
        try:
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

    def cpu_time_ns(self) -> int:
        """CPU time used by the group, in nanoseconds."""
        try:
            return self.get_int("cpuacct", "cpuacct.usage")
        except (OSError, ValueError):
            return 0

    def memory_kib(self) -> int:
        """Memory used by the group, in KiB."""
        try:
            return self.get_int("memory", "memory.usage_in_bytes") // 1024
        except (OSError, ValueError):
            return 0


def set_memory_limit(cg: Cgroup, name: str, kib: int) -> None:
    """Write a memory limit in KiB (``UNLIMITED`` and above: -1)."""
    cg.set("memory", name, -1 if kib >= UNLIMITED else kib * 1024)


def get_memory_limit(cg: Cgroup, name: str) -> int:
    """A memory limit in KiB (``UNLIMITED`` when none)."""
    value = cg.get_int("memory", name)
    return UNLIMITED if value >= (1 << 62) else value // 1024


def _read(path: str) -> str:
    with open(path) as f:
        return f.read()


def _write(path: str, value: str) -> None:
    with open(path, "w") as f:
        f.write(value)
