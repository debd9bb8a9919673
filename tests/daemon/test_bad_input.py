"""Malformed input: error replies or a dropped connection, never a crash or a hang."""

from __future__ import annotations

import socket
import struct

import pytest
from hostile import RawConn
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pyvirt import constants as C
from pyvirt.rpc import protocol as P
from pyvirt.rpc import remote_protocol as R


def _error_of(msg: P.Message) -> tuple[int, str]:
    err = P.decode_error(msg.body)
    return err.get_error_code(), str(err)


def _assert_alive(pyvirtd) -> None:
    assert pyvirtd.alive()
    conn = RawConn(pyvirtd.sock)
    conn.open()
    conn.call(R.PROGRAM["CONNECT_GET_VERSION"].number, serial=7)
    msg = conn.recv()
    assert msg is not None and msg.status == P.OK and msg.serial == 7
    conn.close()


@pytest.mark.parametrize("data", [
    struct.pack(">I", 3) + b"abc",                      # shorter than a header
    struct.pack(">I", 0),                               # zero length
    struct.pack(">I", P.MESSAGE_MAX + 1),               # over libvirt's limit
    struct.pack(">I", 0xFFFFFFFF) + b"x" * 100,         # absurd length
])
def test_bad_lengths_drop_the_connection(pyvirtd, data):
    conn = RawConn(pyvirtd.sock)
    conn.send(data)
    assert conn.recv() is None
    _assert_alive(pyvirtd)


def test_wrong_program_version_and_procedure(pyvirtd):
    conn = RawConn(pyvirtd.sock)
    conn.call(1, prog=0x12345678)
    code, text = _error_of(conn.recv())
    assert code == C.VIR_ERR_RPC and "cannot find program" in text
    conn.call(1, vers=2)
    code, text = _error_of(conn.recv())
    assert code == C.VIR_ERR_RPC and "version mismatch" in text
    conn.call(9999)
    code, text = _error_of(conn.recv())
    assert code == C.VIR_ERR_RPC and "unknown procedure: 9999" in text
    conn.call(R.PROGRAM["DOMAIN_EVENT_LIFECYCLE"].number)   # an event is not a call
    assert _error_of(conn.recv())[0] == C.VIR_ERR_RPC
    conn.close()
    _assert_alive(pyvirtd)


def test_calls_before_open_and_garbage_arguments(pyvirtd):
    conn = RawConn(pyvirtd.sock)
    conn.call(R.PROGRAM["CONNECT_GET_VERSION"].number)
    _code, text = _error_of(conn.recv())
    assert "connection not open" in text
    conn.open()
    lookup = R.PROGRAM["DOMAIN_LOOKUP_BY_NAME"].number
    for body in (b"", b"\x00\x00\x10\x00abc", b"\xff" * 8, b"\x00\x00\x00\x05test"):
        conn.call(lookup, body)
        msg = conn.recv()
        assert msg is not None and msg.status == P.ERROR
        assert _error_of(msg)[0] == C.VIR_ERR_RPC
    conn.close()
    _assert_alive(pyvirtd)


def test_unexpected_message_types_are_ignored_or_refused(pyvirtd):
    conn = RawConn(pyvirtd.sock)
    conn.open()
    conn.call(R.PROGRAM["CONNECT_GET_VERSION"].number, mtype=P.REPLY, serial=5)
    conn.call(R.PROGRAM["CONNECT_GET_VERSION"].number, mtype=P.STREAM, serial=6,
              status=P.CONTINUE, body=b"data for no stream")
    # a call counting descriptors it does not send (a plain byte where each one
    # goes) is refused; one counting none is a call, as libvirtd takes it
    conn.send(P.frame(R.PROGRAM.number, R.PROGRAM.version,
                      R.PROGRAM["CONNECT_GET_VERSION"].number, P.CALL_WITH_FDS, 7, P.OK,
                      nfds=1) + b"!")
    msg = conn.recv()
    assert msg is not None and msg.serial == 7 and msg.status == P.ERROR
    assert b"Receiving file descriptors is not supported" in msg.body
    conn.call(R.PROGRAM["CONNECT_GET_VERSION"].number, mtype=P.CALL_WITH_FDS, serial=8,
              body=b"\0\0\0\0")
    msg = conn.recv()
    assert msg is not None and msg.serial == 8 and msg.status == P.OK
    conn.call(R.PROGRAM["CONNECT_GET_VERSION"].number, serial=9)
    msg = conn.recv()
    assert msg is not None and msg.serial == 9 and msg.status == P.OK
    conn.close()


def test_client_vanishing_mid_call_and_mid_stream(pyvirtd):
    for _ in range(20):
        conn = RawConn(pyvirtd.sock)
        conn.open()
        dom = R.PROGRAM["DOMAIN_LOOKUP_BY_NAME"]
        conn.call(dom.number, dom.encode_args(("test",)), serial=1)
        handle = dom.decode_ret(conn.recv().body)[0]
        shot = R.PROGRAM["DOMAIN_SCREENSHOT"]
        conn.call(shot.number, shot.encode_args((handle, 0, 0)), serial=2)
        conn.call(R.PROGRAM["DOMAIN_GET_INFO"].number,
                  R.PROGRAM["DOMAIN_GET_INFO"].encode_args((handle,)), serial=3)
        conn.send(struct.pack(">I", 1000) + b"partial")   # and vanish mid-frame
        conn.close()
    _assert_alive(pyvirtd)


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(frames=st.lists(
    st.tuples(st.sampled_from([P.REMOTE_PROGRAM, P.KEEPALIVE_PROGRAM, P.QEMU_PROGRAM, 7]),
              st.integers(0, 3), st.integers(-5, 460), st.integers(0, 7),
              st.integers(0, 2**32 - 1), st.integers(-1, 3), st.binary(max_size=64)),
    min_size=1, max_size=8))
def test_fuzzed_frames_never_kill_the_daemon(pyvirtd_module, frames):
    conn = RawConn(pyvirtd_module.sock)
    conn.open()
    try:
        for prog, vers, proc, mtype, serial, status, body in frames:
            conn.send(struct.pack(">IIIiiIi", 28 + len(body), prog, vers, proc, mtype, serial,
                                  status) + body)
        conn.sock.shutdown(socket.SHUT_WR)
        while conn.recv() is not None:
            pass
    except (BrokenPipeError, ConnectionResetError):
        pass    # the daemon may drop a client that breaks the framing rules
    conn.close()
    assert pyvirtd_module.alive()


@pytest.fixture(scope="module")
def pyvirtd_module(tmp_path_factory):
    import daemons
    d = daemons.start_pyvirtd(tmp_path_factory.mktemp("fuzz"), tcp=False)
    yield d
    assert d.stop() == 0, d.log.read_text()[-3000:]
