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
import concurrent.futures
import functools
import logging
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


class WorkerPool:
    """Threads for blocking calls; no procedure may hold more than half of them."""

    def __init__(self, loop: asyncio.AbstractEventLoop, name: str, size: int,
                 limit: int = 0) -> None:
        self.loop = loop
        self.size = max(1, size)
        self.share = max(1, (self.size + 1) // 2)
        self.limit = limit
        self.executor = concurrent.futures.ThreadPoolExecutor(
            max_workers=self.size, thread_name_prefix=name)
        self.running = 0
        self.holding: collections.Counter[str] = collections.Counter()
        self.waiting: collections.deque[tuple[str, asyncio.Future, Callable[..., Any],
                                              tuple]] = collections.deque()
        self.blocked: set[Pausable] = set()

    @property
    def accepted(self) -> int:
        """Calls running or waiting for a thread."""
        return self.running + len(self.waiting)

    def full(self) -> bool:
        """True when ``limit`` calls are accepted already."""
        return bool(self.limit) and self.accepted >= self.limit

    def submit(self, key: str, func: Callable[..., Any], *args: Any) -> asyncio.Future:
        """Run ``func(*args)`` on a thread when one is free for procedure ``key``
        (loop thread); return a future of its result."""
        fut = self.loop.create_future()
        self.waiting.append((key, fut, func, args))
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
        skipped: list[tuple[str, asyncio.Future, Callable[..., Any], tuple]] = []
        while self.waiting and self.running < self.size:
            job = self.waiting.popleft()
            key, fut, func, args = job
            if fut.cancelled():
                continue
            if self.holding[key] >= self.share:
                skipped.append(job)
                continue
            self.running += 1
            self.holding[key] += 1
            try:
                cf = self.executor.submit(func, *args)
            except RuntimeError as exc:          # shut down
                self._finished_now(key, fut, exc)
                continue
            cf.add_done_callback(functools.partial(self._from_thread, key, fut))
        # Calls of a procedure at its share keep their place in the line.
        self.waiting.extendleft(reversed(skipped))

    def _from_thread(self, key: str, fut: asyncio.Future,
                     cf: concurrent.futures.Future) -> None:
        try:
            self.loop.call_soon_threadsafe(self._finished, key, fut, cf)
        except RuntimeError:                    # the loop is closed: nobody waits
            pass

    def _finished(self, key: str, fut: asyncio.Future, cf: concurrent.futures.Future) -> None:
        if cf.cancelled():
            self._finished_now(key, fut, asyncio.CancelledError())
            return
        exc = cf.exception()
        self._finished_now(key, fut, exc, None if exc else cf.result())

    def _finished_now(self, key: str, fut: asyncio.Future, exc: BaseException | None,
                      result: Any = None) -> None:
        self.running -= 1
        self.holding[key] -= 1
        if self.holding[key] <= 0:
            del self.holding[key]
        if not fut.done():
            if exc is not None:
                fut.set_exception(exc)
            else:
                fut.set_result(result)
        self._start()
        if self.blocked and not self.full():
            blocked, self.blocked = self.blocked, set()
            for client in blocked:
                client.resume_reading("max_requests")

    def shutdown(self) -> None:
        """Stop the threads; calls not started fail."""
        while self.waiting:
            _key, fut, _func, _args = self.waiting.popleft()
            fut.cancel()
        self.executor.shutdown(wait=False, cancel_futures=True)


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
