"""libvirt's default event loop: file handles and timers on poll().

``virEventRegisterDefaultImpl()`` installs one of these; an application
then calls ``virEventRunDefaultImpl()`` repeatedly, each call waiting for
the next file event or timer and dispatching it.  Any thread may add,
update or remove handles and timers; a wake-up pipe interrupts a poll in
progress so that the change takes effect at once.

Several threads may run the loop at the same time (a program's own loop
thread next to a shell's, or a short-lived one of its own).  Each poll
in progress therefore has a wake-up pipe of its own, and a change
writes to every one of them: a shared "someone is polling" flag would
be cleared by whichever poll returned last, and a shared pipe drained by
one poller would take the wake-up meant for the other, leaving it asleep
in ``poll`` with a timer it does not know is due: an event queued to a
connection would then never be delivered.
"""

from __future__ import annotations

import os
import select
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pyvirt import constants as C

_POLL_IN = select.POLLIN | select.POLLPRI
_TO_POLL = {C.VIR_EVENT_HANDLE_READABLE: _POLL_IN, C.VIR_EVENT_HANDLE_WRITABLE: select.POLLOUT}


class _Waker:
    """A non-blocking pipe that interrupts one poll in progress."""

    def __init__(self) -> None:
        self.rfd, self.wfd = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)

    def wake(self) -> None:
        try:
            os.write(self.wfd, b"x")
        except BlockingIOError:      # full: the poller has a wake-up pending anyway
            pass

    def drain(self) -> None:
        try:
            while os.read(self.rfd, 512):
                pass
        except BlockingIOError:
            pass

    def close(self) -> None:
        os.close(self.rfd)
        os.close(self.wfd)


@dataclass
class _Handle:
    fd: int
    events: int
    cb: Callable[..., Any]
    opaque: Any
    ff: Callable[[Any], Any] | None


@dataclass
class _Timer:
    interval: int          # ms; -1 disabled, 0 fire on every iteration
    due: float             # monotonic seconds
    cb: Callable[..., Any]
    opaque: Any
    ff: Callable[[Any], Any] | None


class DefaultEventLoop:
    """The poll()-based implementation behind virEventRunDefaultImpl."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._handles: dict[int, _Handle] = {}
        self._timers: dict[int, _Timer] = {}
        self._next = 1
        # the wakers of the polls in progress, and spare ones for the next polls
        self._polling: set[_Waker] = set()
        self._spare: list[_Waker] = []
        self._closed = False

    def _wake(self) -> None:
        """Interrupt every poll in progress (after a change made under the lock)."""
        with self._lock:
            for waker in self._polling:
                waker.wake()

    def close(self) -> None:
        """Release the loop's wake-up pipes: the spare ones now, those of polls
        in progress when each poll returns."""
        with self._lock:
            self._closed = True
            spare, self._spare = self._spare, []
            for waker in self._polling:
                waker.wake()
        for waker in spare:
            waker.close()

    def _new_id(self) -> int:
        self._next += 1
        return self._next - 1

    def add_handle(self, fd: int, events: int, cb: Callable[..., Any], opaque: Any,
                   ff: Callable[[Any], Any] | None = None) -> int:
        """Watch ``fd`` for ``events``; call cb(watch, fd, events, opaque)."""
        with self._lock:
            watch = self._new_id()
            self._handles[watch] = _Handle(fd, events, cb, opaque, ff)
        self._wake()
        return watch

    def update_handle(self, watch: int, events: int) -> None:
        """Change the events watched for."""
        with self._lock:
            if watch in self._handles:
                self._handles[watch].events = events
        self._wake()

    def remove_handle(self, watch: int) -> int:
        """Stop watching; the free function runs on the next iteration."""
        with self._lock:
            handle = self._handles.pop(watch, None)
        if handle is None:
            return -1
        if handle.ff is not None:
            handle.ff(handle.opaque)
        self._wake()
        return 0

    def add_timeout(self, interval: int, cb: Callable[..., Any], opaque: Any,
                    ff: Callable[[Any], Any] | None = None) -> int:
        """Call cb(timer, opaque) every ``interval`` ms (-1: disabled)."""
        with self._lock:
            timer = self._new_id()
            self._timers[timer] = _Timer(interval, time.monotonic() + max(interval, 0) / 1000,
                                         cb, opaque, ff)
        self._wake()
        return timer

    def update_timeout(self, timer: int, interval: int) -> None:
        """Change a timer's interval (-1 disables it, 0 fires at once)."""
        with self._lock:
            t = self._timers.get(timer)
            if t is not None:
                t.interval = interval
                t.due = time.monotonic() + max(interval, 0) / 1000
        self._wake()

    def remove_timeout(self, timer: int) -> int:
        """Delete a timer."""
        with self._lock:
            t = self._timers.pop(timer, None)
        if t is None:
            return -1
        if t.ff is not None:
            t.ff(t.opaque)
        self._wake()
        return 0

    def run_once(self) -> None:
        """Wait for the next file event or timer and dispatch what is ready.

        Returns also when another thread running the loop dispatched something.
        """
        with self._lock:
            now = time.monotonic()
            active = [t.due for t in self._timers.values() if t.interval >= 0]
            wait_ms = -1 if not active else max(0, int((min(active) - now) * 1000 + 0.999))
            waker = self._spare.pop() if self._spare else _Waker()
            poller = select.poll()
            poller.register(waker.rfd, select.POLLIN)
            watched: dict[int, list[int]] = {}
            for watch, h in self._handles.items():
                mask = 0
                for ev, pmask in _TO_POLL.items():
                    if h.events & ev:
                        mask |= pmask
                if mask:
                    poller.register(h.fd, mask)
                    watched.setdefault(h.fd, []).append(watch)
            # a change from now on wakes this poll (it was computed before it)
            self._polling.add(waker)
        try:
            ready = poller.poll(wait_ms)
        finally:
            with self._lock:
                self._polling.discard(waker)
                if self._closed:
                    waker.close()
                else:
                    waker.drain()        # nothing writes to it once it is out of the set
                    self._spare.append(waker)
        ran = self._dispatch_timers()
        ran += self._dispatch_handles([(fd, ev) for fd, ev in ready if fd != waker.rfd],
                                      watched)
        if ran:
            # Another thread running the loop returns too, and sees what these
            # callbacks did: "run the loop until my callback was called"
            # must not sleep on when this thread was the one to call it.
            self._wake()

    def _dispatch_timers(self) -> int:
        now = time.monotonic()
        with self._lock:
            due = [(timer, t) for timer, t in self._timers.items()
                   if t.interval >= 0 and t.due <= now]
            for _timer, t in due:
                t.due = now + t.interval / 1000
        ran = 0
        for timer, t in due:
            with self._lock:
                current = self._timers.get(timer)
            if current is t:            # not removed by an earlier callback
                t.cb(timer, t.opaque)
                ran += 1
        return ran

    def _dispatch_handles(self, ready: list[tuple[int, int]],
                          watched: dict[int, list[int]]) -> int:
        ran = 0
        for fd, revents in ready:
            events = 0
            if revents & _POLL_IN:
                events |= C.VIR_EVENT_HANDLE_READABLE
            if revents & select.POLLOUT:
                events |= C.VIR_EVENT_HANDLE_WRITABLE
            if revents & (select.POLLERR | select.POLLNVAL):    # libvirt: NVAL is an error
                events |= C.VIR_EVENT_HANDLE_ERROR
            if revents & select.POLLHUP:
                events |= C.VIR_EVENT_HANDLE_HANGUP
            for watch in watched.get(fd, ()):
                with self._lock:
                    h = self._handles.get(watch)
                if h is not None:
                    h.cb(watch, fd, events, h.opaque)
                    ran += 1
        return ran
