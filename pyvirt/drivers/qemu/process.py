"""QEMU processes: start, watch for exit, signal, kill.

A QEMU is started as our child in a session of its own (``setsid``), so it
outlives the process that started it.  Its exit is watched through a
*pidfd*: a pidfd becomes readable as soon as the process exits, zombie or
not.  That matters because a QEMU adopted after a restart is not our
child, and on these hosts PID 1 reaps orphans only every second or two: a
pid that still exists may belong to a zombie, which counts as exited.

The identity of a process is its pid plus its start time (field 22 of
``/proc/PID/stat``), so a recycled pid is never mistaken for our QEMU.
"""

from __future__ import annotations

import errno
import os
import select
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Sequence

from pyvirt.util import aioloop


def proc_stat(pid: int) -> tuple[str, int] | None:
    """Return (state letter, start time in clock ticks) of ``pid``, or None if gone."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            data = f.read().decode(errors="replace")
    except OSError:
        return None
    # comm may hold spaces and parentheses: split after the last ')'
    rest = data[data.rindex(")") + 2:].split()
    return rest[0], int(rest[19])


def pid_alive(pid: int, starttime: int | None = None) -> bool:
    """True if ``pid`` runs (not a zombie) and, if given, started at ``starttime``."""
    st = proc_stat(pid)
    if st is None or st[0] in ("Z", "X", "x"):
        return False
    return starttime is None or st[1] == starttime


def _pidfd(pid: int) -> int | None:
    """A pidfd of ``pid``; None when no such process runs.  EINVAL for a positive
    pid means the kernel knows the pid but not (or no longer) its process: it was
    seen once, under heavy load, for a process that ran; asked again, and taken as
    gone if it stays so."""
    for attempt in range(5):
        try:
            return os.pidfd_open(pid)
        except ProcessLookupError:
            return None
        except OSError as exc:
            if exc.errno != errno.EINVAL or pid <= 0:
                raise
            time.sleep(0.001 * (attempt + 1))
    return None


class QemuProcess:
    """A running (or exited) QEMU, watched through its pidfd."""

    def __init__(self, pid: int, starttime: int, popen: subprocess.Popen | None = None) -> None:
        self.pid = pid
        self.starttime = starttime
        self.popen = popen
        self.pidfd: int | None = None
        self._lock = threading.Lock()
        self.exit_status: int | None = None
        self._exited = False
        self._watching = False
        self.pidfd = _pidfd(pid)
        if self.pidfd is None:
            self._exited = True
        # The pid may have been recycled between reading its start time and opening
        # the pidfd: check again now that the pidfd pins the process.
        if self.pidfd is not None and not pid_alive(pid, starttime):
            self._exited = True

    # --- state -------------------------------------------------------------
    def exited(self) -> bool:
        """True once the process has exited (a zombie has exited)."""
        if self._exited:
            return True
        if self.pidfd is None:
            return True
        ready = select.select([self.pidfd], [], [], 0)[0]
        if ready:
            self._mark_exited()
        return self._exited

    def _mark_exited(self) -> None:
        with self._lock:
            self._exited = True
            if self.popen is not None and self.exit_status is None:
                # our child: reap it now and keep its status
                try:
                    self.exit_status = self.popen.wait(timeout=1)
                except subprocess.TimeoutExpired:
                    pass

    def wait(self, timeout: float | None) -> bool:
        """Wait up to ``timeout`` seconds for the exit; return whether it happened."""
        if self.exited():
            return True
        assert self.pidfd is not None
        poller = select.poll()
        poller.register(self.pidfd, select.POLLIN)
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            left = None if deadline is None else max(0, int((deadline - time.monotonic()) * 1000))
            if poller.poll(left):
                self._mark_exited()
                return True
            if deadline is not None and time.monotonic() >= deadline:
                return False

    def signal(self, signum: int) -> None:
        """Send ``signum`` (through the pidfd: never to a recycled pid)."""
        if self._exited or self.pidfd is None:
            return
        try:
            signal.pidfd_send_signal(self.pidfd, signum)
        except ProcessLookupError:
            self._mark_exited()

    def kill(self, graceful_timeout: float = 0.5, force: bool = True) -> bool:
        """Stop the process: SIGTERM, wait ``graceful_timeout``, then SIGKILL if ``force``.

        Return True when it has exited.
        """
        self.signal(signal.SIGTERM)
        if self.wait(graceful_timeout):
            return True
        if not force:
            return False
        self.signal(signal.SIGKILL)
        return self.wait(10.0)

    # --- watching ---------------------------------------------------------
    def watch(self, on_exit: Callable[[QemuProcess], None]) -> None:
        """Call ``on_exit(self)`` on the loop thread when the process exits."""
        if self.pidfd is None or self._exited:
            aioloop.call_soon(on_exit, self)
            return
        pidfd = self.pidfd

        def readable() -> None:
            loop = aioloop.get_loop()
            loop.remove_reader(pidfd)
            self._watching = False
            self._mark_exited()
            on_exit(self)

        def add() -> None:
            aioloop.get_loop().add_reader(pidfd, readable)
            self._watching = True

        aioloop.call_soon(add)

    def close(self) -> None:
        """Stop watching and release the pidfd (after the process has exited)."""
        pidfd, self.pidfd = self.pidfd, None
        if pidfd is None:
            return

        def drop() -> None:
            if self._watching:
                aioloop.get_loop().remove_reader(pidfd)
                self._watching = False
            os.close(pidfd)

        aioloop.call_soon(drop)


def spawn(argv: Sequence[str], env: dict[str, str], log_fd: int,
          pass_fds: Sequence[int] = ()) -> QemuProcess:
    """Start ``argv`` in a new session, stdout/stderr to ``log_fd``.

    Raises OSError when the binary cannot be executed.
    """
    popen = subprocess.Popen(list(argv), env=env, stdin=subprocess.DEVNULL, stdout=log_fd,
                             stderr=log_fd, pass_fds=tuple(pass_fds), close_fds=True,
                             start_new_session=True, cwd="/")
    st = proc_stat(popen.pid)
    return QemuProcess(popen.pid, st[1] if st else 0, popen)


def attach(pid: int, starttime: int) -> QemuProcess | None:
    """Adopt a QEMU started earlier (perhaps by another process); None if it is gone."""
    if not pid_alive(pid, starttime):
        return None
    proc = QemuProcess(pid, starttime)
    if proc.exited():
        proc.close()
        return None
    return proc


def read_pidfile(path: str) -> int | None:
    """Return the pid in ``path``, or None."""
    try:
        with open(path) as f:
            return int(f.read().strip())
    except (OSError, ValueError):
        return None


def errno_name(exc: OSError) -> str:
    """A short text for an OSError: its strerror or errno name."""
    return exc.strerror or errno.errorcode.get(exc.errno or 0, str(exc))
