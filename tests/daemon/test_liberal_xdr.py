"""pyvirtd decodes what libvirtd decodes: raw frames sent to both, answers compared.

libvirtd decodes with the C XDR library, which takes any nonzero boolean
or optional-data flag as true, skips padding unread, reads strings as C
strings and ignores bytes after a message body.  Third-party clients rely
on that, so each frame here goes to a private libvirtd and to pyvirtd,
and both must answer the same way (status and error code).
"""

from __future__ import annotations

import struct

import pytest
from test_bad_input import RawConn

from pyvirt.rpc import protocol as P
from pyvirt.rpc import remote_protocol as R

URI = b"test:///default"          # 15 bytes: one padding byte


def _s(data: bytes, pad: bytes | None = None) -> bytes:
    """An XDR string with chosen padding bytes."""
    fill = pad if pad is not None else b"\0" * ((-len(data)) & 3)
    return struct.pack(">I", len(data)) + data + fill


OPEN = R.PROGRAM["CONNECT_OPEN"].number
LOOKUP = R.PROGRAM["DOMAIN_LOOKUP_BY_NAME"].number
VERSION = R.PROGRAM["CONNECT_GET_VERSION"].number
NUM_DOMS = R.PROGRAM["CONNECT_NUM_OF_DOMAINS"].number

# (name, procedure, body) sent after the opening frame of each case.
OPENS = {
    "flag-little-endian-1": b"\1\0\0\0" + _s(URI) + b"\0\0\0\0",
    "flag-2": b"\0\0\0\2" + _s(URI) + b"\0\0\0\0",
    "flag-all-ones": b"\xff\xff\xff\xff" + _s(URI) + b"\0\0\0\0",
    "nonzero-padding": b"\0\0\0\1" + _s(URI, b"\xee") + b"\0\0\0\0",
    "trailing-bytes": b"\0\0\0\1" + _s(URI) + b"\0\0\0\0" + b"junkjunk",
    "nul-in-uri": b"\0\0\0\1" + _s(URI + b"\0garbage") + b"\0\0\0\0",
}
CALLS = {
    "lookup-trailing": (LOOKUP, _s(b"test") + b"junk"),
    "lookup-nul": (LOOKUP, _s(b"test\0xyz")),
    "lookup-padding": (LOOKUP, _s(b"tes", b"\xff")),
    "noargs-with-body": (VERSION, b"\0\0\0\0abcd"),
    "lookup-short-padding": (LOOKUP, _s(b"tes", b"")),
    "lookup-over-limit": (LOOKUP, struct.pack(">I", R.CONSTS["STRING_MAX"] + 1)),
    "num-domains": (NUM_DOMS, b""),
}


def _answer(sock: str, open_body: bytes, call: tuple[int, bytes] | None) -> list:
    conn = RawConn(sock)
    try:
        conn.call(OPEN, open_body, serial=1)
        out = [_summary(conn.recv())]
        if call is not None and out[0][0] == P.OK:
            conn.call(call[0], call[1], serial=2)
            out.append(_summary(conn.recv()))
        return out
    finally:
        conn.close()


def _summary(msg: P.Message | None) -> tuple:
    if msg is None:
        return ("closed",)
    if msg.status == P.OK:
        return (P.OK,)
    return (msg.status, P.decode_error(msg.body).get_error_code())


@pytest.mark.parametrize("name", sorted(OPENS))
def test_connect_open_variants_match_libvirtd(name, pyvirtd, libvirtd):
    theirs = _answer(libvirtd.sock, OPENS[name], None)
    assert theirs == [(P.OK,)]
    assert _answer(pyvirtd.sock, OPENS[name], None) == theirs


@pytest.mark.parametrize("name", sorted(CALLS))
def test_call_variants_match_libvirtd(name, pyvirtd, libvirtd):
    good_open = b"\0\0\0\1" + _s(URI) + b"\0\0\0\0"
    theirs = _answer(libvirtd.sock, good_open, CALLS[name])
    ours = _answer(pyvirtd.sock, good_open, CALLS[name])
    assert ours == theirs, (ours, theirs)
