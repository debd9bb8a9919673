"""Fuzzed arguments for every procedure: a libvirt error back, never a traceback.

The argument decoder of every procedure of every program (remote, QEMU,
LXC) gets random and length-word-heavy bodies in-process; then random
calls with such bodies go to a real pyvirtd over its read-only socket,
each of which must be answered (an error or a result) on a connection
that stays usable, with no traceback in the daemon's log.
"""

from __future__ import annotations

import struct

import daemons
import pytest
from hostile import RawConn, wait_read_only
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pyvirt.rpc import protocol as P
from pyvirt.rpc import qemu_protocol as Q
from pyvirt.rpc import remote_protocol as R
from pyvirt.rpc import xdr

PROCS = [p for prog in (R.PROGRAM, Q.QEMU, Q.LXC) for p in prog if not p.is_event]
REMOTE_CALLS = [p for p in R.PROGRAM if not p.is_event]

# Words that hit length, count, flag and discriminant fields where it hurts.
_WORDS = st.sampled_from([0, 1, 2, 3, 4, 7, 16, 255, 256, 65536, 0x7FFFFFFF, 0x80000000,
                          0xFFFFFFFF, 0x00000064, 0x41414141])
BODIES = st.one_of(
    st.binary(max_size=200),
    st.lists(_WORDS, max_size=24).map(lambda ws: struct.pack(f">{len(ws)}I", *ws)),
    st.tuples(st.lists(_WORDS, max_size=6), st.binary(max_size=40)).map(
        lambda t: struct.pack(f">{len(t[0])}I", *t[0]) + t[1]),
)


@settings(max_examples=2000, deadline=None, suppress_health_check=list(HealthCheck))
@given(proc=st.sampled_from(PROCS), body=BODIES)
def test_every_argument_decoder_fails_cleanly(proc, body):
    try:
        args = proc.decode_args(body)
    except (xdr.XDRError, ValueError, UnicodeError):
        return      # the daemon answers these with VIR_ERR_RPC
    assert isinstance(args, tuple)


@pytest.fixture(scope="module")
def fuzz_daemon(tmp_path_factory):
    d = daemons.start_pyvirtd(tmp_path_factory.mktemp("hostile-fuzz"), tcp=False)
    wait_read_only(d)
    yield d
    assert d.stop() == 0
    log = d.log.read_text()
    assert "Traceback" not in log, log[-3000:]


@settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
@given(calls=st.lists(st.tuples(st.sampled_from(REMOTE_CALLS), BODIES), min_size=1,
                      max_size=6))
def test_fuzzed_calls_are_answered(fuzz_daemon, calls):
    conn = RawConn(fuzz_daemon.sock_ro)
    try:
        assert conn.open(flags=1).status == P.OK
        for serial, (proc, body) in enumerate(calls, start=1000):
            if proc.name in ("CONNECT_OPEN", "CONNECT_CLOSE"):
                continue
            conn.call(proc.number, body, serial=serial)
            msg = conn.recv()
            while msg is not None and msg.type != P.REPLY:
                msg = conn.recv()          # an event or stream message: not ours
            assert msg is not None, f"{proc.name}: connection dropped"
            assert msg.serial == serial and msg.status in (P.OK, P.ERROR)
        conn.call(R.PROGRAM["CONNECT_GET_VERSION"].number, serial=7)
        msg = conn.recv()
        while msg is not None and msg.type != P.REPLY:
            msg = conn.recv()
        assert msg is not None and msg.serial == 7 and msg.status == P.OK
    finally:
        conn.close()
