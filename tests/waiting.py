"""Wait for a condition with a generous deadline instead of sleeping a fixed time.

Tests that watch events or background processes used to sleep a guessed
time and then expect an exact result; on a loaded machine the guess loses.
These helpers poll until the condition holds and fail with a clear message
only after a deadline far longer than the normal wait.

How a timing-dependent test must wait (new tests too):

* Never sleep a fixed time and then assert.  Wait for the condition the
  assertion needs with ``wait_until`` (or ``LineWatcher.wait_for_line``,
  ``qemutest_util.Events.wait``) and the ``DEADLINE`` here: it returns as
  soon as the condition holds, so a quiet machine pays nothing, and a
  machine with ten processes per core still passes.
* Assert as strictly as before once the wait is over: wait for the
  expected events to arrive, then compare the whole list exactly.  When the
  test checks that nothing else came, settle briefly after the expected
  events (``SETTLE``), or better, provoke a marker event that arrives after
  every earlier one and wait for it (tests/drivers/test/scenario.py).
* A test that runs libvirt's default event loop in its own thread runs it
  with ``run_event_loop_until`` (a deadline, not a number of turns):
  another thread of the process may be running the loop too and call
  the callbacks there.
* A process that listens for events prints nothing when it is ready:
  provoke harmless events until it reports one (``LineWatcher.ready_after``)
  instead of sleeping until it probably listens.
* Timeouts of calls (``subprocess.run(timeout=...)``, sockets, ``join``)
  are deadlines too: give them tens of seconds, not the time the call
  normally takes.  Guests under TCG boot in ~2 s on a quiet machine and
  many times that on a loaded one.
* A fixed sleep is right only for a check that nothing happens during it
  (a paused guest does not count on); load makes such a check weaker,
  never wrong.  Tests that measure time itself (keepalive intervals) keep
  lower bounds exact and upper bounds loose.
"""

from __future__ import annotations

import subprocess
import threading
import time
from collections.abc import Callable, Sequence
from typing import TypeVar

DEADLINE = 60.0          # seconds: only a hang takes this long
SETTLE = 0.2             # seconds to catch unexpected extra events after the expected ones
T = TypeVar("T")


def wait_until(cond: Callable[[], T], timeout: float = DEADLINE, what: str = "the condition",
               step: float = 0.02, pause: Callable[[], object] | None = None) -> T:
    """Poll ``cond`` until it returns a true value (returned); fail after ``timeout``.
    Between two polls: ``pause()`` if given, else a sleep of ``step`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = cond()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not happen within {timeout:.0f} s")
        if pause is not None:
            pause()
        else:
            time.sleep(step)


def nonblank(text: str) -> str | None:
    """``text``, or None when it is blank: for ``wait_until`` on a command's output."""
    return text if text.strip() else None


def run_event_loop_until(cond: Callable[[], T], timeout: float = DEADLINE,
                         what: str = "the events") -> T:
    """Run libvirt's default event loop in this thread until ``cond()`` holds
    (returned); fail after ``timeout``.

    Another thread may run the loop too (a loop thread that a QEMU test of
    the same process started): the callbacks then run there, and each turn
    here returns once they ran.  A 10 ms timer makes the turns end now and
    then, so that the deadline is seen even when nothing comes.
    """
    import pyvirt
    pyvirt.virEventRegisterDefaultImpl()
    tick = pyvirt.virEventAddTimeout(10, lambda _t, _o: None, None)
    try:
        return wait_until(cond, timeout, what, pause=pyvirt.virEventRunDefaultImpl)
    finally:
        pyvirt.virEventRemoveTimeout(tick)


class LineWatcher:
    """A background process whose stdout lines are collected as they come."""

    def __init__(self, argv: Sequence[str], merge_stderr: bool = False, **popen: object) -> None:
        """Start ``argv``; with ``merge_stderr`` its stderr lines count as output lines too."""
        stderr = subprocess.STDOUT if merge_stderr else subprocess.PIPE
        self.proc = subprocess.Popen(list(argv), stdout=subprocess.PIPE,
                                     stderr=stderr, text=True, **popen)  # type: ignore[call-overload]
        self._lines: list[str] = []
        self._err: list[str] = []
        self._lock = threading.Lock()
        self._threads = [threading.Thread(target=self._pump, args=(self.proc.stdout, self._lines),
                                          daemon=True)]
        if not merge_stderr:
            self._threads.append(threading.Thread(target=self._pump,
                                                  args=(self.proc.stderr, self._err), daemon=True))
        for thread in self._threads:
            thread.start()

    def _pump(self, stream, into: list[str]) -> None:
        for line in stream:
            with self._lock:
                into.append(line.rstrip("\n"))

    def lines(self) -> list[str]:
        """The stdout lines read so far."""
        with self._lock:
            return list(self._lines)

    def wait_for_line(self, pred: Callable[[str], bool], timeout: float = DEADLINE,
                      what: str = "a line", start: int = 0) -> int:
        """Wait until a line from index ``start`` on satisfies ``pred``; its index."""
        def found() -> int | None:
            for i, line in enumerate(self.lines()[start:], start):
                if pred(line):
                    return i + 1      # 1-based so that index 0 counts as found
            return None
        return wait_until(found, timeout, f"{what} (output so far: {self.lines()!r})") - 1

    def ready_after(self, poke: Callable[[], object], pred: Callable[[str], bool],
                    timeout: float = DEADLINE, what: str = "the watcher to listen") -> int:
        """Repeat ``poke`` until the watcher prints a line ``pred`` accepts.

        A process that registers for events prints nothing when it is ready;
        provoking a harmless event until it shows is the only sure sign.
        Returns the number of lines read when it showed: later lines are the
        reaction to what the test does next.
        """
        deadline = time.monotonic() + timeout
        while True:
            poke()
            try:
                index = self.wait_for_line(pred, timeout=3.0, what=what)
                return index + 1
            except AssertionError:
                if self.proc.poll() is not None:
                    self.finish()       # read what it printed last before judging
                    try:
                        return self.wait_for_line(pred, timeout=0, what=what) + 1
                    except AssertionError:
                        pass
                if time.monotonic() > deadline or self.proc.poll() is not None:
                    raise AssertionError(f"{what}: nothing seen within {timeout:.0f} s "
                                         f"(output: {self.lines()!r}, "
                                         f"errors: {self._err!r})") from None

    def finish(self, timeout: float = DEADLINE) -> tuple[int, list[str], str]:
        """Wait for the process to end by itself: (status, stdout lines, stderr)."""
        status = self.proc.wait(timeout)
        for thread in self._threads:
            thread.join(timeout)
        with self._lock:
            return status, list(self._lines), "\n".join(self._err)

    def stop(self) -> None:
        """Kill the process if it still runs and reap it."""
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(30)
