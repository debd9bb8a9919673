"""Keepalive timing as libvirt's virKeepAlive: a ping after an interval of silence.

The daemon (and pyvirt's client) pings ``keepalive_interval`` seconds
after the last packet it received, not on a fixed tick, and gives up
after ``keepalive_count`` unanswered pings and one more interval.
Bounds are generous: the machine is shared.
"""

from __future__ import annotations

import socket
import time

import daemons
import pytest
from test_bad_input import RawConn

from pyvirt.drivers.remote.client import RPCClient
from pyvirt.rpc import protocol as P
from pyvirt.rpc import remote_protocol as R

FEATURE = R.PROGRAM["CONNECT_SUPPORTS_FEATURE"]


@pytest.fixture
def quick_pyvirtd(tmp_path):
    d = daemons.start_pyvirtd(tmp_path, tcp=False, extra=[
        "--set", "keepalive_interval=1", "--set", "keepalive_count=2"])
    yield d
    assert d.stop() == 0


def _is_ping(msg: P.Message | None) -> bool:
    return (msg is not None and msg.prog == P.KEEPALIVE_PROGRAM
            and msg.proc == P.KEEPALIVE_PROC_PING)


def test_daemon_pings_one_interval_after_the_last_packet(quick_pyvirtd):
    conn = RawConn(quick_pyvirtd.sock)
    conn.open()
    conn.call(FEATURE.number, FEATURE.encode_args((P.FEATURE_PROGRAM_KEEPALIVE,)), serial=2)
    assert conn.recv().status == P.OK
    # Stay busy for 1.2 s, then go quiet: the ping follows the last packet
    # (on fixed ticks from the start it would come 1.8 s after it).
    for serial in range(3, 7):
        time.sleep(0.3)
        conn.call(R.PROGRAM["CONNECT_GET_VERSION"].number, serial=serial)
        assert conn.recv().serial == serial
    last = time.monotonic()
    assert _is_ping(conn.recv())
    first_ping = time.monotonic() - last
    assert 0.8 <= first_ping <= 1.5, first_ping
    # Answering resets the count; then silence: two more pings, then the end.
    conn.send(P.frame(P.KEEPALIVE_PROGRAM, 1, P.KEEPALIVE_PROC_PONG, P.MESSAGE, 0, P.OK))
    answered = time.monotonic()
    pings = []
    while (msg := conn.recv()) is not None:
        assert _is_ping(msg)
        pings.append(time.monotonic() - answered)
    closed = time.monotonic() - answered
    conn.close()
    assert len(pings) == 2, pings
    assert 0.8 <= pings[0] <= 1.7 and 1.8 <= pings[1] <= 2.7, pings
    assert 2.8 <= closed <= 4.0, closed


def test_client_pings_one_interval_after_the_last_packet():
    ours, theirs = socket.socketpair()
    client = RPCClient(ours)
    try:
        theirs.settimeout(5)
        client.start_keepalive(1, 1)
        # A packet from the daemon half an interval in restarts the silence.
        time.sleep(0.5)
        theirs.sendall(P.frame(P.KEEPALIVE_PROGRAM, 1, P.KEEPALIVE_PROC_PONG, P.MESSAGE, 0,
                               P.OK))
        start = time.monotonic()
        reader = P.FrameReader()
        times = []
        while True:
            data = theirs.recv(4096)
            if not data:
                break
            for body in reader.feed(data):
                msg = P.parse_frame(body)
                assert msg.prog == P.KEEPALIVE_PROGRAM and msg.proc == P.KEEPALIVE_PROC_PING
                times.append(time.monotonic() - start)
        closed = time.monotonic() - start
        assert len(times) == 1 and 0.8 <= times[0] <= 1.4, times
        assert 1.8 <= closed <= 3.0, closed
        assert client.closed is not None and "keepalive" in client.closed[2]
    finally:
        client.close()
        theirs.close()
