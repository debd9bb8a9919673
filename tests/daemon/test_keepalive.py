"""Keepalive timing as libvirt's virKeepAlive: a ping after an interval of silence.

The daemon (and pyvirt's client) pings ``keepalive_interval`` seconds
after the last packet it received, not on a fixed tick, and gives up
after ``keepalive_count`` unanswered pings and one more interval.
Times are measured from just before the test's own last packet, so a
ping is never early by them; a late one is allowed ``LATE`` seconds, as
the machine is shared.
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


INTERVAL = 2.0      # seconds; long enough that a loaded machine's delays stay well inside it
EARLY = 0.05        # the daemon's timer may fire this much before the exact instant
LATE = 1.2          # how late a ping may arrive on a loaded machine


@pytest.fixture
def quick_pyvirtd(tmp_path):
    d = daemons.start_pyvirtd(tmp_path, tcp=False, extra=[
        "--set", f"keepalive_interval={INTERVAL:.0f}", "--set", "keepalive_count=2"])
    yield d
    assert d.stop() == 0


def _is_ping(msg: P.Message | None) -> bool:
    return (msg is not None and msg.prog == P.KEEPALIVE_PROGRAM
            and msg.proc == P.KEEPALIVE_PROC_PING)


def _within(value: float, low: float) -> bool:
    """``value`` is ``low`` seconds or (at most LATE) more: never early, never much later."""
    return low - EARLY <= value <= low + LATE


def test_daemon_pings_one_interval_after_the_last_packet(quick_pyvirtd):
    conn = RawConn(quick_pyvirtd.sock)
    conn.open()
    conn.call(FEATURE.number, FEATURE.encode_args((P.FEATURE_PROGRAM_KEEPALIVE,)), serial=2)
    assert conn.recv().status == P.OK
    # Stay busy for 2.4 s (packets 0.3 s apart, far less than an interval),
    # then go quiet: the ping follows the last packet by one interval (on
    # fixed ticks from the start it would come 3.6 s after it).  Times are
    # taken just before sending, so the daemon's silence cannot start earlier.
    for serial in range(3, 11):
        time.sleep(0.3)
        last = time.monotonic()
        conn.call(R.PROGRAM["CONNECT_GET_VERSION"].number, serial=serial)
        assert conn.recv().serial == serial
    assert _is_ping(conn.recv())
    first_ping = time.monotonic() - last
    assert _within(first_ping, INTERVAL), first_ping
    # Answering resets the count; then silence: two more pings, then the end.
    answered = time.monotonic()
    conn.send(P.frame(P.KEEPALIVE_PROGRAM, 1, P.KEEPALIVE_PROC_PONG, P.MESSAGE, 0, P.OK))
    pings = []
    while (msg := conn.recv()) is not None:
        assert _is_ping(msg)
        pings.append(time.monotonic() - answered)
    closed = time.monotonic() - answered
    conn.close()
    assert len(pings) == 2, pings
    assert _within(pings[0], INTERVAL) and _within(pings[1], 2 * INTERVAL), pings
    assert _within(closed, 3 * INTERVAL), closed


def test_client_pings_one_interval_after_the_last_packet():
    ours, theirs = socket.socketpair()
    client = RPCClient(ours)
    try:
        theirs.settimeout(60)
        client.start_keepalive(int(INTERVAL), 1)
        # A packet from the daemon half an interval in restarts the silence.
        time.sleep(INTERVAL / 2)
        start = time.monotonic()
        theirs.sendall(P.frame(P.KEEPALIVE_PROGRAM, 1, P.KEEPALIVE_PROC_PONG, P.MESSAGE, 0,
                               P.OK))
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
        assert len(times) == 1 and _within(times[0], INTERVAL), times
        assert _within(closed, 2 * INTERVAL), closed
        assert client.closed is not None and "keepalive" in client.closed[2]
    finally:
        client.close()
        theirs.close()
