"""libvirt's default event loop (pyvirt/util/eventloop.py) run by several threads.

A program may run the default loop on more than one thread: its own loop
thread next to an in-process shell's, or a short-lived runner of a test
next to a long-lived one.  A change made by any thread (a timer armed by a
driver thread queuing an event) must wake every poll in progress.
"""

from __future__ import annotations

import os
import threading
import time

from waiting import DEADLINE

from pyvirt import constants as C
from pyvirt.util.eventloop import DefaultEventLoop


class Runner:
    """A thread that runs ``loop`` until stopped (as an application's loop thread)."""

    def __init__(self, loop: DefaultEventLoop) -> None:
        self.loop = loop
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            self.loop.run_once()

    def stop(self) -> None:
        self._stop.set()
        timer = self.loop.add_timeout(0, lambda *_a: None, None)
        self.thread.join(DEADLINE)
        self.loop.remove_timeout(timer)
        assert not self.thread.is_alive()


def test_runner_left_alone_is_woken_after_another_stops() -> None:
    # The lost wake-up behind "event never arrived": the loop kept one
    # "polling" flag, which the short-lived runner cleared on its way out
    # while the long-lived one slept in poll() with no timeout; a timer armed
    # afterwards from a third thread then woke nobody.  Each round has that
    # shape; the old loop lost about two rounds in three.
    loop = DefaultEventLoop()
    runner = Runner(loop)
    try:
        for n in range(20):
            tick = loop.add_timeout(5, lambda *_a: None, None)
            end = time.monotonic() + 0.03
            while time.monotonic() < end:          # a test's own short run of the loop
                loop.run_once()
            loop.remove_timeout(tick)
            time.sleep(0.005)                       # the runner goes back to an endless poll
            fired = threading.Event()
            timer = loop.add_timeout(-1, lambda _t, ev: ev.set(), fired)
            threading.Thread(target=loop.update_timeout, args=(timer, 0)).start()
            assert fired.wait(DEADLINE), f"round {n}: the loop thread was never woken"
            loop.remove_timeout(timer)
    finally:
        runner.stop()
        loop.close()


def test_two_runners_both_wake() -> None:
    # Both threads sleep in poll() without a timeout; one change wakes both
    # (a shared pipe drained by the first would leave the second asleep).
    loop = DefaultEventLoop()
    runners = [Runner(loop), Runner(loop)]
    try:
        time.sleep(0.05)
        assert len(loop._polling) == 2
        fired = threading.Event()
        timer = loop.add_timeout(0, lambda _t, _o: fired.set(), None)
        assert fired.wait(DEADLINE)
        loop.remove_timeout(timer)
    finally:
        for r in runners:
            r.stop()
        loop.close()


def test_close_releases_the_wakeup_pipes() -> None:
    before = len(os.listdir("/proc/self/fd"))
    loop = DefaultEventLoop()
    runners = [Runner(loop), Runner(loop)]
    for r in runners:
        r.stop()
    loop.close()
    assert len(os.listdir("/proc/self/fd")) == before


def test_timer_removed_by_an_earlier_callback_does_not_fire() -> None:
    loop = DefaultEventLoop()
    fired: list[str] = []
    second = -1

    def first_cb(_t: int, _o: object) -> None:
        fired.append("first")
        loop.remove_timeout(second)

    first = loop.add_timeout(0, first_cb, None)
    second = loop.add_timeout(0, lambda _t, _o: fired.append("second"), None)
    loop.run_once()
    assert fired == ["first"]
    loop.remove_timeout(first)
    loop.close()


def test_closed_descriptor_is_reported_as_an_error() -> None:
    # A handle whose descriptor was closed without removing the handle: poll()
    # says POLLNVAL, which libvirt reports as VIR_EVENT_HANDLE_ERROR (and the
    # owner then removes the handle) instead of calling back with no events.
    loop = DefaultEventLoop()
    tick = loop.add_timeout(0, lambda *_a: None, None)
    loop.run_once()          # the loop makes its wake-up pipe before the number is free
    loop.remove_timeout(tick)
    rfd, wfd = os.pipe()
    seen: list[int] = []
    watch = loop.add_handle(rfd, C.VIR_EVENT_HANDLE_READABLE,
                            lambda w, fd, ev, op: seen.append(ev), None)
    os.close(rfd)
    loop.run_once()
    assert seen == [C.VIR_EVENT_HANDLE_ERROR]
    loop.remove_handle(watch)
    os.close(wfd)
    loop.close()


def test_run_until_callback_returns_when_another_thread_ran_it() -> None:
    # "Run the loop until my callback was called" in one thread, while a
    # loop thread runs it too: when the loop thread is the one that calls it,
    # the waiting thread must return rather than sleep on in poll().
    loop = DefaultEventLoop()
    runner = Runner(loop)
    try:
        for n in range(20):
            got = threading.Event()

            def flush(t: int, ev: threading.Event) -> None:
                loop.update_timeout(t, -1)      # as a connection's event queue: disarm,
                time.sleep(0.01)                # then run the callbacks (which take time)
                ev.set()
            timer = loop.add_timeout(-1, flush, got)

            def run_until_got(ev: threading.Event = got) -> None:
                while not ev.is_set():
                    loop.run_once()
            waiter = threading.Thread(target=run_until_got, daemon=True)
            waiter.start()
            time.sleep(0.005)
            threading.Thread(target=loop.update_timeout, args=(timer, 0)).start()
            waiter.join(DEADLINE)
            stuck = waiter.is_alive()
            loop.remove_timeout(timer)          # wakes a stuck waiter for the next round
            waiter.join(DEADLINE)
            assert not stuck, f"round {n}: the waiting thread slept on after its callback ran"
    finally:
        runner.stop()
        loop.close()
