"""The controller launcher: a small warm process that forks container controllers.

Each LXC driver keeps one launcher, started on its first container start:
a fresh interpreter that has imported only the controller's code, in a
session of its own, reading requests on a socket.  For each container the
driver sends the spec (a :mod:`marshal` dict) with two descriptors, the
ready pipe's write end and the log; the launcher forks and the child
becomes the controller (:func:`pyvirt.drivers.lxc.controller.become`),
whose first line on the ready pipe is ``pid N`` (the controller's, not the
launcher's: a launcher writing it after the fork could be overtaken by its
child's next lines on a loaded host).

Why not fork the driver's own process: it is large and, in pyvirtd,
threaded; each fork (and the controller's own forks of the container's
first process and init, which inherit its size) costs more the bigger the
process, and a fork of a threaded process may inherit a lock another
thread held.  The launcher is small and has one thread.  Its children are
reaped by the kernel (``SIGCHLD`` ignored), so they are nobody's zombies,
and they outlive it: the launcher exits when the driver closes its end
(the driver shuts down or dies); running controllers go on.
"""

from __future__ import annotations

import marshal
import os
import select
import signal
import socket
import subprocess
import sys
import threading
from typing import Any

#: the largest spec the launcher reads (bytes)
_MAX_SPEC = 1 << 20
#: descriptors one request may carry: the ready pipe, the log and init's files
#: (the kernel passes at most 253 in one message)
_MAX_FDS = 253
#: the launcher as a program (pyproject's script): what a domain's <emulator> names
PROGRAM = "pyvirt-lxc-controller"
#: libvirt's controller program, which pyvirt's takes the place of
LIBVIRT_PROGRAM = "libvirt_lxc"
#: seconds without a request before the next spare is forked: not while the start
#: just handed off runs (the spare's cgroup moves hold a lock every fork waits for)
REFILL_DELAY = 0.1


def program_path() -> str:
    """Where this installation of pyvirt has :data:`PROGRAM` (the default
    ``<emulator>`` of its containers, as libvirt names ``libvirt_lxc``)."""
    import sysconfig
    return os.path.join(sysconfig.get_path("scripts"), PROGRAM)


class Launcher:
    """The driver's side: starts the launcher process on first use, sends it work."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._proc: subprocess.Popen | None = None
        self._sock: socket.socket | None = None

    def launch(self, spec: dict[str, Any], ready_w: int, log_fd: int,
               files: list[int] | None = None) -> None:
        """Have a controller forked for ``spec``; it reports on ``ready_w`` (first
        ``pid N``), writes its output to ``log_fd`` and hands ``files`` to init
        (CreateWithFiles).  Raises OSError when no launcher can be reached."""
        data = marshal.dumps(spec)
        with self._lock:
            for attempt in (1, 2):          # a launcher that died is started again, once
                if self._sock is None:
                    self._start()
                assert self._sock is not None
                try:
                    socket.send_fds(self._sock, [data], [ready_w, log_fd, *(files or ())])
                    return
                except OSError:
                    self._stop()
                    if attempt == 2:
                        raise

    def close(self) -> None:
        """Let the launcher go (the controllers it forked keep running)."""
        with self._lock:
            self._stop()

    def _start(self) -> None:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        # the launcher finds pyvirt where this process found it
        root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
            os.path.abspath(__file__)))))
        path = os.environ.get("PYTHONPATH")
        env = dict(os.environ, PYTHONPATH=root + (os.pathsep + path if path else ""))
        try:
            # -P: not the working directory's modules; cwd /: holds no mount busy
            self._proc = subprocess.Popen(
                [sys.executable, "-P", "-m", "pyvirt.drivers.lxc.launcher"],
                stdin=theirs.fileno(), stdout=subprocess.DEVNULL, env=env, cwd="/",
                start_new_session=True, close_fds=True)
        finally:
            theirs.close()
        self._sock = ours

    def _stop(self) -> None:
        if self._sock is not None:
            self._sock.close()           # the launcher reads EOF and exits
            self._sock = None
        if self._proc is not None:
            try:
                self._proc.wait(5)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
            self._proc = None


def serve(sock: socket.socket) -> None:
    """The launcher process: fork a controller for each request until EOF, or hand
    the request to the spare forked ahead (:mod:`pyvirt.drivers.lxc.spare`)."""
    from pyvirt.drivers.lxc import controller, spare
    from pyvirt.drivers.qemu import netdev  # noqa: F401 - what each controller uses, loaded once
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)     # the kernel reaps the controllers
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    ahead: spare.Spare | None = None
    wanted: tuple[str, str] | None = None      # the next spare's, once the launcher idles
    while True:
        if wanted is not None and not select.select([sock], [], [], REFILL_DELAY)[0]:
            if ahead is not None:
                ahead.drop()
            ahead, wanted = _new_spare(*wanted), None
            continue
        try:
            data, fds, _flags, _addr = socket.recv_fds(sock, _MAX_SPEC, _MAX_FDS)
        except InterruptedError:
            continue
        if not data:
            if ahead is not None:
                ahead.drop()
            return
        if len(fds) < 2:
            for fd in fds:
                os.close(fd)
            continue
        ready_w, log_fd, files = fds[0], fds[1], fds[2:]
        key, nets = None, False
        try:
            spec = marshal.loads(data)
            key = (spec["cgroup_parent"], spec.get("cgroup_mode", "auto"))
            nets = bool(spec.get("nets"))
            if nets:
                # once, before forking: interfaces are set up with pyroute2
                import pyroute2  # noqa: F401
            pid = 0
            if ahead is not None and ahead.key == key and (ahead.net or not nets):
                if ahead.hand(data, fds):
                    pid = ahead.pid
                ahead = None
            if not pid:
                spec["pass_fds"] = files
                pid = os.fork()
                if pid == 0:
                    sock.close()
                    controller.become(spec, ready_w, log_fd)
        except Exception as exc:  # noqa: BLE001 - told to the driver, the launcher goes on
            try:
                os.write(ready_w, f"error cannot launch the controller: {exc}\n".encode())
            except OSError:
                pass
        finally:
            for fd in fds:
                os.close(fd)
        if key is not None and (ahead is None or ahead.key != key or (nets and not ahead.net)):
            wanted = key


def _new_spare(parent: str, mode: str) -> Any:
    """The next spare for containers under ``parent`` (None where spares cannot serve)."""
    from pyvirt.drivers.lxc import spare
    try:
        return spare.Spare(parent, mode) if spare.usable(mode) else None
    except OSError:
        return None


def main() -> None:
    """The launcher process: requests on standard input (a socket from the driver)."""
    serve(socket.socket(fileno=sys.stdin.fileno()))


if __name__ == "__main__":
    main()
