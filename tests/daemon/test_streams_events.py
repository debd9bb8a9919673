"""Streams and events through an in-process pyvirtd serving a fake driver."""

from __future__ import annotations

import asyncio
import os
import socket
import threading
import time

import daemons
import fakedriver
import pytest

import pyvirt
from pyvirt import constants as C
from pyvirt.daemon.config import Config
from pyvirt.daemon.server import Daemon
from pyvirt.driver import registry


class InProcessDaemon:
    """pyvirtd's server on a thread of this process."""

    def __init__(self, sockdir: str, inline: bool, **settings) -> None:
        registry.register("rpctest", "fakedriver:open_uri")
        self.cfg = Config(unix_sock_dir=sockdir, inline_drivers=["rpctest"] if inline else [],
                          **settings)
        self.loop = asyncio.new_event_loop()
        self.daemon = Daemon(self.cfg, self.loop)
        ready = threading.Event()

        def run() -> None:
            asyncio.set_event_loop(self.loop)
            self.loop.run_until_complete(self.daemon.start())
            ready.set()
            self.loop.run_until_complete(self.daemon.serve())

        self.thread = threading.Thread(target=run, daemon=True)
        self.thread.start()
        ready.wait(10)
        self.sock = os.path.join(sockdir, "libvirt-sock")

    def uri(self) -> str:
        return f"rpctest+unix:///?socket={self.sock}"

    def stop(self) -> None:
        self.daemon.stop()
        self.thread.join(10)


@pytest.fixture(params=["inline", "workers"])
def inproc(tmp_path, request):
    d = InProcessDaemon(str(tmp_path), request.param == "inline")
    yield d
    d.stop()


@pytest.fixture
def conn(inproc):
    c = pyvirt.open(inproc.uri())
    yield c
    c.close()


def test_upload_then_download_large_volume(conn):
    payload = os.urandom(3 * 1024 * 1024 + 123)
    pool = conn.storagePoolLookupByName("pool")
    vol = pool.storageVolLookupByName("disk.img")
    st = conn.newStream()
    vol.upload(st, 0, len(payload))
    view = memoryview(payload)

    def chunks(_s, nbytes, state):
        off = state["off"]
        state["off"] += nbytes
        return bytes(view[off:off + nbytes])
    st.sendAll(chunks, {"off": 0})
    st.finish()
    assert fakedriver.VOLUMES["disk.img"] == payload

    st = conn.newStream()
    vol.download(st, 0, 0)
    got: list[bytes] = []
    st.recvAll(lambda _s, data, acc: acc.append(data), got)
    st.finish()
    assert b"".join(got) == payload


def test_console_is_bidirectional(conn):
    st = conn.newStream()
    conn.lookupByName("fake").openConsole(None, st, 0)
    assert st.recv(100) == b"login: "
    st.send(b"hello\nworld\n")
    received = b""
    while received.count(b"\n") < 2:
        received += st.recv(100)
    assert received == b"HELLO\nWORLD\n"
    st.send(b"quit\n")
    assert st.recv(100) == b""
    st.finish()


def test_events_of_every_layout(conn):
    got: list[tuple] = []
    with daemons.event_loop_thread():
        dom = conn.lookupByName("fake")
        ids = [
            conn.domainEventRegisterAny(dom, C.VIR_DOMAIN_EVENT_ID_REBOOT,
                                        lambda c, d, o: got.append(("reboot", d.name())), None),
            conn.domainEventRegisterAny(None, C.VIR_DOMAIN_EVENT_ID_TUNABLE,
                                        lambda c, d, p, o: got.append(("tunable", p)), None),
            conn.domainEventRegisterAny(None, C.VIR_DOMAIN_EVENT_ID_PMWAKEUP,
                                        lambda c, d, r, o: got.append(("pmwakeup", r)), None),
            conn.domainEventRegisterAny(None, C.VIR_DOMAIN_EVENT_ID_GRAPHICS,
                                        lambda c, d, ph, lo, re, sch, sub, o:
                                        got.append(("graphics", ph, lo, re, sch, sub)), None),
        ]
        try:
            dom.reboot(0)
            deadline = time.monotonic() + 60          # generous: only a hang takes this long
            while len(got) < 4 and time.monotonic() < deadline:
                time.sleep(0.02)
        finally:
            for cbid in ids:
                conn.domainEventDeregisterAny(cbid)
    assert ("reboot", "fake") in got
    assert ("tunable", {"cputune.vcpu_quota": -1, "cputune.shares": 1024}) in got
    assert ("pmwakeup", 0) in got
    assert ("graphics", 0, {"family": 0, "node": "127.0.0.1", "service": "5900"},
            {"family": 0, "node": "127.0.0.1", "service": "40000"}, "vnc",
            [("x509dname", "CN=someone")]) in got


def test_slow_calls_do_not_block_priority_ones(inproc):
    if inproc.cfg.inline_drivers:
        pytest.skip("inline drivers run every call on the loop")
    slow = pyvirt.open(inproc.uri())
    fast = pyvirt.open(inproc.uri())
    try:
        dom = slow.lookupByName("fake")
        fakedriver.SLOW_CALL_STARTED.clear()
        t = threading.Thread(target=lambda: dom.setAutostart(8000))
        t.start()
        # the slow call is running in the daemon (this process) ...
        assert fakedriver.SLOW_CALL_STARTED.wait(60), "the slow call never began"
        # ... and a call on another connection is answered before it ends
        assert fast.lookupByName("fake").info()[0] == C.VIR_DOMAIN_RUNNING
        assert t.is_alive(), "the fast call waited for the slow one"
        t.join()
    finally:
        slow.close()
        fast.close()


def test_client_vanishing_mid_stream_and_mid_call(inproc):
    for _ in range(5):
        c = pyvirt.open(inproc.uri())
        st = c.newStream()
        c.lookupByName("fake").openConsole(None, st, 0)
        vol = c.storagePoolLookupByName("pool").storageVolLookupByName("disk.img")
        up = c.newStream()
        vol.upload(up, 0, 0)
        up.send(b"x" * 100000)
        c._hv.client.io.sock.shutdown(socket.SHUT_RDWR)   # vanish without closing
        c.close()
    c = pyvirt.open(inproc.uri())
    assert c.getVersion() == 7
    assert not any(conn.streams for conn in inproc.daemon.clients if conn is not None)
    c.close()


def test_keepalive_drops_a_silent_client(tmp_path):
    d = InProcessDaemon(str(tmp_path), True, keepalive_interval=1, keepalive_count=1)
    try:
        from test_bad_input import RawConn

        from pyvirt.rpc import protocol as P
        from pyvirt.rpc import remote_protocol as R
        raw = RawConn(d.sock)
        raw.open("rpctest:///")
        feat = R.PROGRAM["CONNECT_SUPPORTS_FEATURE"]
        raw.call(feat.number, feat.encode_args((P.FEATURE_PROGRAM_KEEPALIVE,)), serial=2)
        assert feat.decode_ret(raw.recv().body) == (1,)
        pings = 0
        t0 = time.monotonic()
        while (msg := raw.recv()) is not None:
            if msg.prog == P.KEEPALIVE_PROGRAM and msg.proc == P.KEEPALIVE_PROC_PING:
                pings += 1
        assert pings >= 1 and time.monotonic() - t0 < 8
        raw.close()
    finally:
        d.stop()
