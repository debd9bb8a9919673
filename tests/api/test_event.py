"""The event-loop functions: libvirt's default loop, custom loops, asyncio."""

import asyncio
import os
import subprocess
import sys
import threading
import time

import pytest
from waiting import DEADLINE

import pyvirt
from pyvirt import aio
from pyvirt.api import event


@pytest.fixture
def default_loop(monkeypatch):
    """A fresh default loop, so timers of other tests cannot interfere.

    Only the test's thread runs it: a thread that an earlier test in this
    process left running the default loop (an in-process pyvirsh's, for
    one) goes on with the loop it had, or it would take this loop's events.
    """
    saved = event._impl, event._default
    event._default = None
    pyvirt.virEventRegisterDefaultImpl()
    own, before = threading.current_thread(), saved[1]
    run_default = event.virEventRunDefaultImpl

    def run() -> int:
        if threading.current_thread() is own or before is None:
            return run_default()
        before.run_once()
        return 0
    monkeypatch.setattr(event, "virEventRunDefaultImpl", run)
    monkeypatch.setattr(pyvirt, "virEventRunDefaultImpl", run)
    yield
    fresh = event._default
    event._impl, event._default = saved
    if fresh is not None and fresh is not saved[1]:
        fresh.close()                   # its wake-up pipes


def test_timer_fires_and_can_be_disabled(default_loop):
    fired = []
    timer = pyvirt.virEventAddTimeout(0, lambda t, op: fired.append((t, op)), "opaque")
    pyvirt.virEventRunDefaultImpl()
    assert fired == [(timer, "opaque")]
    pyvirt.virEventUpdateTimeout(timer, -1)
    done = []
    other = pyvirt.virEventAddTimeout(10, lambda t, op: done.append(t), None)
    pyvirt.virEventRunDefaultImpl()
    assert fired == [(timer, "opaque")] and done == [other]
    assert pyvirt.virEventRemoveTimeout(timer) == 0
    assert pyvirt.virEventRemoveTimeout(other) == 0
    assert pyvirt.virEventRemoveTimeout(other) == -1


def test_handle_reports_readable(default_loop):
    rfd, wfd = os.pipe()
    seen = []
    watch = pyvirt.virEventAddHandle(rfd, pyvirt.VIR_EVENT_HANDLE_READABLE,
                                     lambda w, fd, ev, op: seen.append((w, fd, ev, op)), 7)
    os.write(wfd, b"x")
    pyvirt.virEventRunDefaultImpl()
    assert seen == [(watch, rfd, pyvirt.VIR_EVENT_HANDLE_READABLE, 7)]
    assert pyvirt.virEventRemoveHandle(watch) == 0
    os.close(rfd)
    os.close(wfd)


def test_update_from_another_thread_wakes_the_loop(default_loop):
    fired = []
    timer = pyvirt.virEventAddTimeout(-1, lambda t, op: fired.append(t), None)
    threading.Timer(0.05, lambda: pyvirt.virEventUpdateTimeout(timer, 0)).start()
    pyvirt.virEventRunDefaultImpl()      # blocks until the other thread arms the timer
    if not fired:
        pyvirt.virEventRunDefaultImpl()
    assert fired == [timer]
    pyvirt.virEventRemoveTimeout(timer)


def test_loop_run_from_two_threads_still_wakes_after_one_leaves():
    """Two threads run one loop, one of them stops: a change made after that
    still wakes the other out of an unbounded poll().  (The whole suite runs
    the default loop from several test threads in one process; with a single
    "running" flag, the first thread out of poll() cleared it and the other
    slept through every later event.)"""
    from pyvirt.util.eventloop import DefaultEventLoop
    loop = DefaultEventLoop()
    fired = threading.Event()
    # (disarmed before it tells: a test thread re-arming it on the news must not be
    # undone by the disarm that follows)
    timer = loop.add_timeout(-1, lambda t, op: (loop.update_timeout(t, -1), fired.set()), None)
    leave = threading.Event()

    def first() -> None:
        while not leave.is_set():
            loop.run_once()

    def second() -> None:
        while True:
            loop.run_once()

    one = threading.Thread(target=first, daemon=True)
    one.start()
    threading.Thread(target=second, daemon=True).start()
    time.sleep(0.1)                      # both are in poll() now, with no timer armed
    leave.set()
    loop.update_timeout(timer, 0)        # wakes both; the first leaves
    one.join(DEADLINE)
    assert fired.wait(DEADLINE)
    fired.clear()
    loop.update_timeout(timer, 0)        # only the second is left to see this
    assert fired.wait(DEADLINE), "the remaining thread was not woken"


def test_event_queue_delivers_in_loop_and_frees_timer(default_loop):
    queue = event.EventQueue()
    got = []
    queue.acquire()
    threading.Thread(target=queue.deliver, args=(got.append, "from-thread")).start()
    deadline = time.monotonic() + DEADLINE     # each turn returns once the loop was woken
    while not got and time.monotonic() < deadline:
        pyvirt.virEventRunDefaultImpl()
    assert got == ["from-thread"]
    queue.release()


def test_event_queue_keeps_its_timer_in_its_loop(default_loop):
    # Timer numbers are per loop: after the default loop is replaced (as this
    # file's fixture does), an event of an older connection must arm its timer
    # in the loop it lives in, not the new loop's timer of the same number.
    queue = event.EventQueue()
    queue.acquire()
    first = event._default
    event._default = None
    pyvirt.virEventRegisterDefaultImpl()
    second = event._default_loop()
    stranger = pyvirt.virEventAddTimeout(-1, lambda t, op: None, None)
    try:
        assert stranger == queue._timer.id            # the same number, in another loop
        got = []
        queue.deliver(got.append, "x")
        assert second._timers[stranger].interval == -1
        first.run_once()
        assert got == ["x"]
    finally:
        pyvirt.virEventRemoveTimeout(stranger)
        second.close()
        event._default = first
        queue.release()
    assert not first._timers


def test_event_queue_needs_a_loop():
    saved = event._impl
    event._impl = None
    try:
        with pytest.raises(pyvirt.libvirtError) as exc:
            event.EventQueue().acquire()
        assert exc.value.get_error_code() == pyvirt.VIR_ERR_INTERNAL_ERROR
        assert "could not initialize domain event timer" in str(exc.value)
    finally:
        event._impl = saved


def test_custom_impl_receives_calls():
    saved = event._impl
    calls = []
    pyvirt.virEventRegisterImpl(
        lambda fd, ev, cb, op: calls.append("addHandle") or 1,
        lambda w, ev: calls.append("updateHandle"),
        lambda w: calls.append("removeHandle") or 0,
        lambda ms, cb, op: calls.append(("addTimeout", ms)) or 5,
        lambda t, ms: calls.append(("updateTimeout", t, ms)),
        lambda t: calls.append(("removeTimeout", t)) or 0)
    try:
        assert pyvirt.virEventAddTimeout(-1, lambda *a: None, None) == 5
        pyvirt.virEventUpdateTimeout(5, 0)
        pyvirt.virEventRemoveTimeout(5)
        assert calls == [("addTimeout", -1), ("updateTimeout", 5, 0), ("removeTimeout", 5)]
    finally:
        event._impl = saved


def test_free_callback_runs_through_invoke():
    freed = []
    pyvirt.virEventInvokeFreeCallback((None, "data", freed.append))
    assert freed == ["data"]


def test_asyncio_impl_runs_timers_and_drains():
    saved = event._impl

    async def scenario():
        impl = aio.virEventRegisterAsyncIOImpl()
        assert aio.getCurrentImpl() is impl and impl.is_idle()
        fired = asyncio.Event()
        timer = pyvirt.virEventAddTimeout(0, lambda t, op: fired.set(), None)
        await asyncio.wait_for(fired.wait(), DEADLINE)
        assert not impl.is_idle()
        pyvirt.virEventRemoveTimeout(timer)
        await impl.drain()
        assert impl.is_idle()

    try:
        asyncio.run(scenario())
    finally:
        event._impl = saved


def test_install_as_libvirt():
    code = ("import pyvirt; pyvirt.install_as_libvirt(); import libvirt, libvirtaio, libvirtmod;"
            "assert libvirt is pyvirt; assert libvirtaio is pyvirt.aio;"
            "assert libvirtmod is pyvirt.libvirtmod; print('ok')")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=False)
    assert proc.stdout.strip() == "ok", proc.stderr


def test_stream_callback_stays_with_the_loop_it_was_added_to():
    """A stream's event callback keeps its timer in the loop it was added to:
    data that arrives after the default loop was replaced still reaches it.
    (Timer numbers are per loop; "arm timer N" sent to the new loop would
    arm nothing there and leave the callback's loop asleep.)"""
    saved = event._impl, event._default
    try:
        event._default = None
        pyvirt.virEventRegisterDefaultImpl()
        first = event._default_loop()
        conn = pyvirt.open("test:///default")
        stream = conn.newStream(0)
        inner = stream._o                   # the driver's side of it
        inner.bind()
        got, done = [], threading.Event()

        def readable(st, events, opaque):
            got.append((st.recv(64), events, opaque))
            st.eventRemoveCallback()
            done.set()
        stream.eventAddCallback(pyvirt.VIR_STREAM_EVENT_READABLE, readable, "op")
        event._default = None
        event._default_loop()               # another default loop from now on
        threading.Thread(target=lambda: [first.run_once() for _ in iter(done.is_set, True)],
                         daemon=True).start()
        inner.feed(b"late data")
        assert done.wait(DEADLINE), "the callback's loop was never woken"
        assert got == [(b"late data", pyvirt.VIR_STREAM_EVENT_READABLE, "op")]
        stream.abort()
        conn.close()
    finally:
        event._impl, event._default = saved
