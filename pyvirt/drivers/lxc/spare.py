"""A spare controller: forked ahead of the next start, already in its cgroups.

Moving a process into a cgroup (a write to ``cgroup.procs``) takes a lock
whose writers wait for an RCU grace period when none moved a process for a
while: the first move of a start costs 5 to 20 ms, whatever the group
(measured: a group that held tasks before costs as much as a new one; the
moves right after it cost 0.02 ms).  A pool of made groups would not help;
what does is having the processes in their groups before the start.

So the launcher (:mod:`pyvirt.drivers.lxc.launcher`) keeps one spare: a
forked controller that made a staging group ``pyvirt-spare-PID.libvirt-lxc``
next to where its container's will be, forked the container's first
process (which makes new UTS, IPC and network namespaces, the costly ones,
forks the container's init in a new PID namespace once it is in the groups,
and waits for its spec), and moved both in, all while no start
waited.  A start hands the spare the spec: it renames the staging groups to
the container's ``lxc-PID-NAME.libvirt-lxc`` (a v1 group may be renamed in
its parent; v2 groups cannot, so only hosts whose controllers are all v1
get spares), gives the child the spec (first: the child touches the groups only
once the controller has set them up), and goes on as any controller
(:meth:`pyvirt.drivers.lxc.controller.Controller.start`).  The launcher
forks the next spare once no request came for a tenth of a second: not
during the start, whose forks would wait for the spare's cgroup moves.  A
spare whose launcher goes away kills its child and removes its groups.
"""

from __future__ import annotations

import gc
import marshal
import os
import signal
import socket

from pyvirt.drivers.lxc import controller, meminfo
from pyvirt.drivers.lxc import nsutil as ns
from pyvirt.drivers.lxc.cgroup import Cgroup

TYPE_CHECKING = False
if TYPE_CHECKING:          # the controller starts lean: no typing at run time
    from typing import Any


def usable(mode: str) -> bool:
    """True when containers of cgroup ``mode`` can start from spares on this host
    (every controller on v1, whose groups may be renamed)."""
    backends = Cgroup("", mode).backend
    return bool(backends) and set(backends.values()) == {"v1"}


class Spare:
    """The launcher's side of one spare."""

    def __init__(self, parent: str, mode: str) -> None:
        self.key = (parent, mode)
        #: the networking library was loaded when it was forked (for <interface>s)
        self.net = "pyroute2" in __import__("sys").modules
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        done_r, done_w = os.pipe()
        pid = os.fork()
        if pid == 0:
            ours.close()
            os.close(done_r)
            run(theirs, done_w, parent, mode)
        theirs.close()
        os.close(done_w)
        self.pid = pid
        self.sock = ours
        self.done_r = done_r

    def hand(self, data: bytes, fds: list[int]) -> bool:
        """Give the spare a container (the spec and the request's descriptors);
        False when it cannot take it (it died)."""
        try:
            socket.send_fds(self.sock, [data], fds)
            return True
        except OSError:
            self._remove_dead()
            return False
        finally:
            self.sock.close()
            os.close(self.done_r)

    def _remove_dead(self) -> None:
        """The spare died (killed): its child and staging groups go."""
        parent, mode = self.key
        staging = Cgroup(f"{parent}/pyvirt-spare-{self.pid}.libvirt-lxc", mode)
        staging.kill_all(timeout=2.0)
        staging.remove()

    def drop(self, timeout: float = 5.0) -> None:
        """Let the spare go, and wait until it has removed its groups."""
        import select
        self.sock.close()
        try:
            if select.select([self.done_r], [], [], timeout)[0]:
                os.read(self.done_r, 1)
        finally:
            os.close(self.done_r)


def run(sock: socket.socket, done_w: int, parent: str, mode: str) -> None:
    """The spare process (never returns): make the staging group, fork the first
    child, move both in, then wait for a container to control (or for the end)."""
    code = 127
    try:
        gc.disable()             # as a controller: the launcher's heap stays shared
        os.setsid()
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGCHLD,
                    signal.SIGUSR1, signal.SIGUSR2):
            signal.signal(sig, signal.SIG_DFL)
        null = os.open("/dev/null", os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(null, fd)
        sock = socket.socket(fileno=controller._high(sock.detach()))
        done_w = controller._high(done_w)
        os.closerange(3, 64)     # the launcher's descriptors; ours are above
        ns.prctl(ns.PR_SET_CHILD_SUBREAPER, 1)
        staging = Cgroup(f"{parent}/pyvirt-spare-{os.getpid()}.libvirt-lxc", mode)
        link = None
        data = b""
        fds: list[int] = []
        try:
            staging.create()
            spec_ours, spec_theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
            spec_ours = socket.socket(fileno=controller._high(spec_ours.detach()))
            spec_theirs = socket.socket(fileno=controller._high(spec_theirs.detach()))
            link = controller.fork_child(None, spec_theirs, (sock, done_w, spec_ours))
            spec_theirs.close()
            staging.add(os.getpid(), skip=controller.controller_skip(staging))
            staging.add(link.pid)
            os.write(link.go_w, b"P")   # placed: it forks the container's init ahead
            waiting = meminfo.Waiting()  # the thread of the container's /proc/meminfo
            data, fds, _flags, _addr = socket.recv_fds(sock, 1 << 20, 253)
        except Exception:  # noqa: BLE001 - a spare that cannot be is none
            data = b""
        sock.close()
        if not data or len(fds) < 2:
            _end(link, staging, fds)
            code = 0
            return
        os.close(done_w)
        ready_fd, log_fd, files = fds[0], fds[1], fds[2:]
        os.dup2(log_fd, 1)
        os.dup2(log_fd, 2)
        spec = marshal.loads(data)
        spec["pass_fds"] = []    # init's files go to the child
        spec["cgroup"] = controller.group_name(spec)

        def to_child() -> None:
            # the child starts on its namespaces at once; it reaches the groups (by
            # their new names) only once the controller has set them up
            socket.send_fds(spec_ours, [marshal.dumps(spec)], [log_fd, *files])
            for fd in (log_fd, *files):
                os.close(fd)
            spec_ours.close()

        # the child gets the spec now, unless loop devices are to be attached for it
        early = not any(fs and fs["type"] == "file"
                        for fs in [spec.get("rootfs"), *spec["filesystems"]])
        if early:
            try:
                to_child()
            except OSError:     # its child is gone: the controller says so (handoff)
                early = False

        def handoff(ctl: Any) -> None:
            ctl.waiting = waiting
            if not early:
                to_child()
            staging.rename(ctl.cg.rel)

        code = controller.control(spec, ready_fd, link, handoff, like=staging)
    finally:
        os._exit(code)


def _end(link: Any, staging: Cgroup, fds: list[int]) -> None:
    """No container came: kill the child, leave and remove the staging groups."""
    for fd in fds:
        os.close(fd)
    if link is not None:
        try:
            os.kill(link.pid, signal.SIGKILL)
            os.waitpid(link.pid, 0)
        except (ProcessLookupError, ChildProcessError):
            pass
    staging.leave()
    staging.remove()
