"""Threads kept for the next job of their kind once they finished one.

Starting a thread costs a caller a few hundred microseconds here: ``start()``
waits until the new thread has run, which it can only do once it has the
interpreter's lock.  A volume download starts one per transfer, on the path
of the call that opens it, so the caller of ``virStorageVolDownload`` paid
that on every download.  :class:`SpareThreads` hands a job to a thread that
finished an earlier one and waits for work (a queue put, no waiting), and
starts a new thread only when none is idle.  Idle threads end after
``idle`` seconds without a job; all are daemon threads, so a job that waits
for ever (a producer whose consumer left) never holds up the process's exit.
A child of ``fork()`` (which has none of the parent's threads) starts with
no idle thread.
"""

from __future__ import annotations

import logging
import os
import queue
import threading
import weakref
from collections.abc import Callable

log = logging.getLogger("pyvirt")


class SpareThreads:
    """Run jobs each on a thread of its own, reusing the threads that are idle."""

    def __init__(self, name: str, idle: float = 60.0) -> None:
        self.name = name
        self.idle = idle
        self._forget_threads()
        # a child of fork() has none of the threads: it starts its own
        pool = weakref.ref(self)

        def in_child() -> None:
            alive = pool()
            if alive is not None:
                alive._forget_threads()
        os.register_at_fork(after_in_child=in_child)

    def _forget_threads(self) -> None:
        self._jobs: queue.SimpleQueue[Callable[[], object]] = queue.SimpleQueue()
        self._idle = 0                    # threads waiting for a job
        self._lock = threading.Lock()

    def run(self, job: Callable[[], object]) -> None:
        """Run ``job()`` on an idle thread, or on a new one when none is idle."""
        with self._lock:
            if self._idle:
                # an idle thread takes it (idle threads only leave under the lock,
                # and not while a job waits)
                self._idle -= 1
                self._jobs.put(job)
                return
        threading.Thread(target=self._serve, args=(job,), name=self.name, daemon=True).start()

    def idle_threads(self) -> int:
        """How many threads wait for a job now."""
        return self._idle

    def _serve(self, job: Callable[[], object]) -> None:
        while True:
            try:
                job()
            except Exception:
                log.exception("%s: a job failed", self.name)
            with self._lock:
                self._idle += 1
            while True:
                try:
                    job = self._jobs.get(timeout=self.idle)
                    break
                except queue.Empty:
                    with self._lock:
                        if self._jobs.empty():
                            self._idle -= 1
                            return
                # a job was queued just now: this thread or another idle one takes it
