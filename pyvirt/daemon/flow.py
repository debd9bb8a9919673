"""Flow control of pyvirtd: worker pools shared fairly, and bounded queued output.

Two resources a hostile client could exhaust are handed out here:

* **Workers.**  A :class:`WorkerPool` only gives a thread to a call when one
  is free, and never lets one procedure hold more than half of the pool's
  threads: calls that block (an open of a slow file, a hung monitor) leave
  workers for every other kind of call.  Calls that cannot start yet wait
  in order on the event loop.  With ``limit`` (libvirtd's
  ``max_requests``), a client that adds a call to a pool already holding
  that many stops being read until calls finish.
* **Output.**  Each client stops being read once its unsent replies pass
  ``max_client_output`` (the connection does that through asyncio's write
  buffer limits); :class:`OutputMeter` adds the daemon-wide ceiling
  ``max_output``: when the replies queued for all clients pass it, the
  clients with queued output stop being read until the total falls back.
"""

from __future__ import annotations

import asyncio
import collections
import logging
import queue
import threading
from collections.abc import Callable
from typing import Any, Protocol

log = logging.getLogger("pyvirt.daemon")

# How often the daemon-wide output total is refreshed while output is queued.
SWEEP_INTERVAL = 0.1


class Pausable(Protocol):
    """What flow control needs of a client connection."""

    def pause_reading(self, reason: str) -> None: ...
    def resume_reading(self, reason: str) -> None: ...
    def queued_output(self) -> int: ...


Job = tuple[str, Callable[..., Any], tuple, "Done", "asyncio.Future | None"]
Done = Callable[[bool, Any], None]


class WorkerPool:
    """Threads for blocking calls; no procedure may hold more than half of them.

    A call costs two thread hops and nothing more: the loop hands a job to
    an idle thread through one queue, and the thread hands the outcome back
    through a list the loop drains at one wake-up, however many calls ended
    meanwhile.  No futures are made for the daemon's own calls.
    """

    def __init__(self, loop: asyncio.AbstractEventLoop, name: str, size: int,
                 limit: int = 0) -> None:
        self.loop = loop
        self.name = name
        self.size = max(1, size)
        self.share = max(1, (self.size + 1) // 2)
        self.limit = limit
        self.running = 0
        self.holding: collections.Counter[str] = collections.Counter()
        self.waiting: collections.deque[Job] = collections.deque()
        self.blocked: set[Pausable] = set()
        self._jobs: queue.SimpleQueue[Job | None] = queue.SimpleQueue()
        self._threads: list[threading.Thread] = []
        self._outcomes: collections.deque[tuple[Job, bool, Any]] = collections.deque()
        self._wake_sent = False
        self._closed = False

    @property
    def accepted(self) -> int:
        """Calls running or waiting for a thread."""
        return self.running + len(self.waiting)

    def full(self) -> bool:
        """True when ``limit`` calls are accepted already."""
        return bool(self.limit) and self.accepted >= self.limit

    def call(self, key: str, func: Callable[..., Any], args: tuple, done: Done) -> None:
        """Run ``func(*args)`` on a thread when one is free for procedure ``key``,
        then ``done(True, result)`` or ``done(False, exception)`` on the loop
        (loop thread)."""
        self.waiting.append((key, func, args, done, None))
        self._start()

    def submit(self, key: str, func: Callable[..., Any], *args: Any) -> asyncio.Future:
        """Like :meth:`call`, returning a future of the result (loop thread)."""
        fut = self.loop.create_future()

        def done(ok: bool, value: Any) -> None:
            if fut.done():
                return
            if ok:
                fut.set_result(value)
            else:
                fut.set_exception(value)
        self.waiting.append((key, func, args, done, fut))
        self._start()
        return fut

    def hold_back(self, client: Pausable) -> None:
        """Stop reading ``client`` while the pool is full (it just added a call)."""
        if self.full() and client not in self.blocked:
            self.blocked.add(client)
            client.pause_reading("max_requests")

    def forget(self, client: Pausable) -> None:
        """A client went away."""
        self.blocked.discard(client)

    def _start(self) -> None:
        if self.running >= self.size or not self.waiting:
            return
        skipped: list[Job] = []
        while self.waiting and self.running < self.size:
            job = self.waiting.popleft()
            key, fut = job[0], job[4]
            if fut is not None and fut.cancelled():
                continue
            if self.holding[key] >= self.share:
                skipped.append(job)
                continue
            if self._closed:
                job[3](False, RuntimeError("the worker pool is shut down"))
                continue
            self.running += 1
            self.holding[key] += 1
            if len(self._threads) < self.running:
                self._spawn()
            self._jobs.put(job)
        # Calls of a procedure at its share keep their place in the line.
        self.waiting.extendleft(reversed(skipped))

    def _spawn(self) -> None:
        thread = threading.Thread(target=self._work, daemon=True,
                                  name=f"{self.name}_{len(self._threads)}")
        self._threads.append(thread)
        thread.start()

    def _work(self) -> None:
        """A worker thread: run jobs until told to stop."""
        get, outcomes = self._jobs.get, self._outcomes
        while True:
            job = get()
            if job is None:
                return
            try:
                outcome = (job, True, job[1](*job[2]))
            except BaseException as exc:        # noqa: BLE001 - handed to the caller
                outcome = (job, False, exc)
            del job
            outcomes.append(outcome)
            del outcome
            # One wake-up of the loop for all the calls that end before it drains.
            if not self._wake_sent:
                self._wake_sent = True
                try:
                    self.loop.call_soon_threadsafe(self._drain)
                except RuntimeError:            # the loop is closed: nobody waits
                    return

    def _drain(self) -> None:
        """Finish every call whose outcome arrived (loop thread)."""
        self._wake_sent = False
        outcomes = self._outcomes
        while outcomes:
            (key, _func, _args, done, _fut), ok, value = outcomes.popleft()
            self.running -= 1
            self.holding[key] -= 1
            if self.holding[key] <= 0:
                del self.holding[key]
            try:
                done(ok, value)
            except Exception:
                log.exception("finishing a call of %s failed", key)
        self._start()
        if self.blocked and not self.full():
            blocked, self.blocked = self.blocked, set()
            for client in blocked:
                client.resume_reading("max_requests")

    def shutdown(self) -> None:
        """Stop the threads (once their calls end); calls not started fail."""
        self._closed = True
        while self.waiting:
            _key, _func, _args, done, fut = self.waiting.popleft()
            if fut is not None:
                fut.cancel()
            else:
                done(False, asyncio.CancelledError())
        for _ in self._threads:
            self._jobs.put(None)


class OutputMeter:
    """The replies queued for all clients, held under a daemon-wide ceiling."""

    def __init__(self, loop: asyncio.AbstractEventLoop, limit: int) -> None:
        self.loop = loop
        self.limit = limit
        self.total = 0
        self.sizes: dict[Pausable, int] = {}
        self.blocked: set[Pausable] = set()
        self._timer: asyncio.TimerHandle | None = None

    def note(self, client: Pausable, size: int) -> None:
        """``client`` has ``size`` bytes of output queued now."""
        if size <= 0 and client not in self.sizes:
            return              # the common case: the socket took everything
        old = self.sizes.pop(client, 0)
        if size > 0:
            self.sizes[client] = size
        self.total += size - old
        if size > 0 and self.limit and self.total > self.limit and client not in self.blocked:
            log.warning("replies queued for all clients exceed max_output (%d bytes): "
                        "pausing the clients that do not read them", self.limit)
            self.blocked.add(client)
            client.pause_reading("max_output")
        if self.sizes and self._timer is None:
            self._timer = self.loop.call_later(SWEEP_INTERVAL, self._sweep)

    def forget(self, client: Pausable) -> None:
        """A client went away."""
        self.blocked.discard(client)
        self.total -= self.sizes.pop(client, 0)

    def _sweep(self) -> None:
        self._timer = None
        for client in list(self.sizes):
            self.note(client, client.queued_output())
        calm = self.total <= self.limit * 3 // 4
        for client in list(self.blocked):
            if calm or client not in self.sizes:
                self.blocked.discard(client)
                client.resume_reading("max_output")

    def close(self) -> None:
        """Stop the sweeps."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
