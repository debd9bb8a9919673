"""pyvirt's client reads replies on the calling thread: threads, events, keepalive.

A calling thread reads the socket itself when no other thread does; the
replies of other threads it meets complete their calls, and events go to
the application's event loop in order.  These tests drive one connection
from many threads against pyvirtd and a real libvirtd while events flow.
"""

from __future__ import annotations

import os
import threading
import time

import daemons
import pytest
from waiting import DEADLINE, SETTLE, wait_until

import pyvirt
from pyvirt import constants as C
from pyvirt.drivers.remote import client as clientmod


@pytest.fixture(params=["pyvirtd", "libvirtd"])
def conn(request):
    daemon = request.getfixturevalue(request.param)
    c = pyvirt.open(daemon.uri())
    yield c
    c.close()


def test_calling_thread_reads_its_own_reply(conn):
    io = conn._hv.client.io
    assert isinstance(io, clientmod._Direct)
    served = []
    original = io.serve

    def counting(pending, deadline):
        served.append(1)
        return original(pending, deadline)
    io.serve = counting
    try:
        for _ in range(50):
            conn.getVersion()
    finally:
        del io.serve
    # The application's event loop may read a reply now and then: on a loaded
    # machine it took 11 of 50 (a suite run next to a CPU hog).  Were the
    # loop the reader, the calling thread would serve next to none.
    assert len(served) > 25


def test_many_threads_share_one_connection(conn):
    errors: list[BaseException] = []
    results: list[tuple] = []
    lock = threading.Lock()

    def work(n: int) -> None:
        try:
            for i in range(150):
                if (i + n) % 3 == 0:
                    value: tuple = ("version", conn.getVersion())
                elif (i + n) % 3 == 1:
                    value = ("info", conn.lookupByName("test").info()[0])
                else:
                    value = ("count", len(conn.listAllDomains()) >= 1)
                with lock:
                    results.append(value)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors, errors[:3]
    assert len(results) == 8 * 150
    version = conn.getVersion()
    assert {v for k, v in results if k == "version"} == {version}
    assert {v for k, v in results if k == "info"} == {C.VIR_DOMAIN_RUNNING}
    assert {v for k, v in results if k == "count"} == {True}


def test_events_during_calls_arrive_in_order(conn):
    got: list[int] = []

    def on_lifecycle(_c, _dom, event, _detail, _opaque) -> None:
        got.append(event)

    busy = threading.Event()

    def caller() -> None:
        while not busy.is_set():
            conn.getVersion()
    callers = [threading.Thread(target=caller) for _ in range(2)]
    with daemons.event_loop_thread():
        cbid = conn.domainEventRegisterAny(None, C.VIR_DOMAIN_EVENT_ID_LIFECYCLE, on_lifecycle,
                                           None)
        for t in callers:
            t.start()
        try:
            dom = conn.lookupByName("test")
            for _ in range(20):
                dom.suspend()
                dom.resume()
            wait_until(lambda: len(got) >= 40, what=f"40 lifecycle events (got {got})")
            time.sleep(SETTLE)          # an unexpected extra event would come now
        finally:
            busy.set()
            for t in callers:
                t.join(30)
            conn.domainEventDeregisterAny(cbid)
    assert got == [C.VIR_DOMAIN_EVENT_SUSPENDED, C.VIR_DOMAIN_EVENT_RESUMED] * 20


def test_idle_connection_is_watched_by_the_loop(conn):
    """After calls stop, the loop reads again: keepalive and events need it."""
    conn.getVersion()
    io = conn._hv.client.io
    wait_until(lambda: io.armed, what="the loop to watch the idle connection", step=0.01)
    assert conn.getVersion() > 0


def test_a_waiting_caller_answers_keepalive_pings():
    """A ping that arrives while the calling thread reads is answered at once."""
    import socket

    from pyvirt.rpc import protocol as P
    ours, theirs = socket.socketpair()
    client = clientmod.RPCClient(ours)
    theirs.settimeout(DEADLINE)
    reader = P.FrameReader()

    def next_message() -> P.Message:
        frames: list[bytes] = []
        while not frames:
            frames = reader.feed(theirs.recv(65536))
        assert len(frames) == 1
        return P.parse_frame(frames[0])

    reading = threading.Event()

    def daemon() -> None:
        call = next_message()
        # the ping goes once the caller reads the socket itself (until then nothing
        # was there to read, so the loop cannot hold the socket): on a busy machine
        # an earlier ping may wake the loop first, which then answers it instead
        assert reading.wait(DEADLINE)
        theirs.sendall(P.frame(P.KEEPALIVE_PROGRAM, 1, P.KEEPALIVE_PROC_PING, P.MESSAGE, 0, P.OK))
        pong = next_message()
        assert (pong.prog, pong.proc) == (P.KEEPALIVE_PROGRAM, P.KEEPALIVE_PROC_PONG)
        theirs.sendall(P.frame(call.prog, call.vers, call.proc, P.REPLY, call.serial, P.OK,
                               b"\0\0\0\7"))
    thread = threading.Thread(target=daemon)
    thread.start()
    try:
        served = []
        original = client.io.serve
        client.io.serve = lambda p, d: served.append(1) or reading.set() or original(p, d)
        msg = client.call(P.REMOTE_PROGRAM, 1, 4, b"", timeout=DEADLINE)
        assert msg.body == b"\0\0\0\7" and served == [1]
    finally:
        thread.join(DEADLINE)
        client.close()
        theirs.close()


def test_events_keep_their_order_whoever_reads_them():
    """An event the loop reads goes after one a calling thread read just before it.

    The calling thread queues what it reads for the loop; the loop once
    handled what it read itself at once, overtaking the queued event.
    """
    import socket

    from pyvirt.rpc import protocol as P
    ours, theirs = socket.socketpair()
    client = clientmod.RPCClient(ours)
    got: list[int] = []
    client.on_event = lambda msg: got.append(msg.proc)
    first_queued, done = threading.Event(), threading.Event()

    def event(proc: int) -> bytes:
        return P.frame(P.REMOTE_PROGRAM, 1, proc, P.MESSAGE, 0, P.OK, b"")

    def on_loop() -> None:          # the loop reads the second event after the first was queued
        first_queued.wait(DEADLINE)
        client.received(event(2))
        client.loop.call_soon(done.set)
    try:
        client.loop.call_soon_threadsafe(on_loop)
        client.received(event(1))   # read by this (calling) thread
        first_queued.set()
        assert done.wait(DEADLINE)
        assert got == [1, 2]
    finally:
        client.close()
        theirs.close()


def test_a_caller_waiting_in_recv_wakes_when_keepalive_gives_up():
    """The caller sleeps in recv() for its reply; a daemon that stops answering
    pings ends the connection from the loop, and the call fails at once."""
    import socket

    from pyvirt.rpc import protocol as P
    ours, theirs = socket.socketpair()
    client = clientmod.RPCClient(ours)
    failed: list[BaseException] = []

    def caller() -> None:
        try:
            client.call(P.REMOTE_PROGRAM, 1, 4, b"")       # no timeout: waits in recv()
        except pyvirt.libvirtError as exc:
            failed.append(exc)
    thread = threading.Thread(target=caller, daemon=True)
    try:
        client.start_keepalive(1, 1)
        thread.start()
        thread.join(DEADLINE)
        assert not thread.is_alive(), "the caller still waits after the connection ended"
        assert failed and "keepalive" in str(failed[0])
    finally:
        client.close()
        theirs.close()


def test_a_download_keeps_its_order_while_callers_read_the_socket(pyvirtd, tmp_path):
    """Stream data read by calling threads (waiting for their replies) and by the
    loop goes to the stream in the order it came: a sparse download made while
    three threads call without pause gives back the volume, holes and all."""
    images = tmp_path / "images"
    images.mkdir()
    data = [os.urandom(300_000 + 4096 * i) for i in range(6)]
    with open(images / "v.img", "wb") as fh:
        for i, piece in enumerate(data):
            fh.seek(i * (1 << 22))
            fh.write(piece)
        fh.truncate(6 << 22)
    conn = pyvirt.open(f"qemu+unix:///embed?root={tmp_path}/root&socket={pyvirtd.sock}")
    busy = threading.Event()
    calls = [0]

    def caller() -> None:
        while not busy.is_set():
            conn.getVersion()
            calls[0] += 1
    threads = [threading.Thread(target=caller) for _ in range(3)]
    try:
        pool = conn.storagePoolCreateXML(
            f"<pool type='dir'><name>order</name><target><path>{images}</path></target>"
            "</pool>", 0)
        vol = pool.storageVolLookupByName("v.img")
        for t in threads:
            t.start()
        for _ in range(3):
            out = bytearray()
            st = conn.newStream(0)
            vol.download(st, 0, 0, C.VIR_STORAGE_VOL_DOWNLOAD_SPARSE_STREAM)
            st.sparseRecvAll(lambda _s, chunk, acc: acc.extend(chunk),
                             lambda _s, n, acc: acc.extend(bytes(n)), out)
            st.finish()
            assert bytes(out) == (images / "v.img").read_bytes()
    finally:
        busy.set()
        for t in threads:
            t.join(30)
        conn.close()
    assert calls[0] > 0


def test_stream_data_a_caller_read_is_handled_before_what_the_loop_reads_next(pyvirtd):
    """A calling thread that meets a stream's data queues it for the loop; data the
    loop itself reads after that, before the queue's turn came, is handled after
    it, not at once (here the loop is held while the caller's message arrives)."""
    from pyvirt.driver.stream import Stream
    from pyvirt.drivers.remote.streams import ClientStream
    from pyvirt.rpc import protocol as P
    from pyvirt.util import aioloop

    conn = pyvirt.open(f"qemu+unix:///session?socket={pyvirtd.sock}")
    try:
        client = conn._hv.client
        stream = Stream()
        cs = ClientStream(client, stream)
        cs.serial = 1 << 30
        client.streams[cs.serial] = cs
        cs.bind()

        def message(body: bytes) -> P.Message:
            return P.Message(P.REMOTE_PROGRAM, P.REMOTE_PROTOCOL_VERSION, 0, P.STREAM,
                             cs.serial, P.CONTINUE, body)
        hold, held = threading.Event(), threading.Event()

        def loop_reads_next() -> None:
            held.set()
            hold.wait(DEADLINE)
            client._dispatch(message(b"second"))     # the loop's own read
        aioloop.call_soon(loop_reads_next)
        assert held.wait(DEADLINE)
        client._dispatch(message(b"first"))          # a caller's read, loop busy
        hold.set()
        assert stream.recv(100) == b"first"
        assert stream.recv(100) == b"second"
    finally:
        client.streams.pop(1 << 30, None)
        conn.close()
