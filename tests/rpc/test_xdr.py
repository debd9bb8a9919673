"""XDR codecs: exact encodings, round trips, limits and garbage."""

from __future__ import annotations

import itertools
import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pyvirt.rpc import handles as H
from pyvirt.rpc import protocol as P
from pyvirt.rpc import remote_protocol as R
from pyvirt.rpc import xdr

DOM = H.DomainHandle("test", "6695eb01-f6a4-8304-79aa-97f2502e193f", 1)


def test_domain_handle_encoding_is_libvirts():
    body = R.PROGRAM["DOMAIN_LOOKUP_BY_NAME"].encode_ret((DOM,))
    assert body == (b"\0\0\0\4test" + bytes.fromhex("6695eb01f6a4830479aa97f2502e193f")
                    + b"\0\0\0\1")
    assert R.PROGRAM["DOMAIN_LOOKUP_BY_NAME"].decode_ret(body) == (DOM,)


def test_strings_are_padded_and_optional_strings_flagged():
    enc, dec = R.codec.struct_codec("a:s b:s? c:s?")
    body = xdr.encode(enc, ("abcde", None, "x"))
    assert body == b"\0\0\0\5abcde\0\0\0" + b"\0\0\0\0" + b"\0\0\0\1" + b"\0\0\0\1x\0\0\0"
    assert xdr.decode_all(dec, body) == ("abcde", None, "x")


def test_node_info_char_vector_takes_four_bytes_per_char():
    proc = R.PROGRAM["NODE_GET_INFO"]
    body = proc.encode_ret(("i686", 3145728, 16, 1400, 2, 2, 2, 2))
    assert len(body) == 32 * 4 + 8 + 6 * 4
    assert body[:8] == struct.pack(">ii", ord("i"), ord("6"))
    assert proc.decode_ret(body)[0] == "i686"


def test_typed_parameters_keep_types_and_repeat_list_values():
    enc, dec = R.codec.codec("tpl<64>")
    params = {"cpu_shares": 1024, "b": True, "d": 1.5, "s": "str", "neg": -3,
              "disks": ["vda", "vdb"]}
    body = xdr.encode(enc, params)
    pairs = xdr.decode_all(dec, body)
    assert pairs == [("cpu_shares", 1024), ("b", True), ("d", 1.5), ("s", "str"),
                     ("neg", -3), ("disks", "vda"), ("disks", "vdb")]
    kinds = [xdr.tp_type_of(k, v) for k, v in pairs]
    assert kinds == [xdr.TP_ULLONG, xdr.TP_BOOLEAN, xdr.TP_DOUBLE, xdr.TP_STRING,
                     xdr.TP_LLONG, xdr.TP_STRING, xdr.TP_STRING]
    as_dict = xdr.decode_all(R.codec.codec("tp<64>")[1], body)
    assert as_dict["disks"] == "vdb" and as_dict["b"] is True


def test_typed_parameter_types_learned_from_the_peer_are_kept():
    enc, dec = R.codec.codec("tp<8>")
    body = b"\0\0\0\1" + b"\0\0\0\6weight\0\0" + b"\0\0\0\2" + b"\0\0\1\xf4"   # UINT 500
    assert xdr.decode_all(dec, body) == {"weight": 500}
    assert xdr.encode(enc, {"weight": 600}) == body[:-4] + b"\0\0\2\x58"


def test_limits_are_enforced_both_ways():
    enc, dec = R.codec.codec("s<2>")
    with pytest.raises(xdr.XDRError):
        xdr.encode(enc, ["a", "b", "c"])
    with pytest.raises(xdr.XDRError):
        xdr.decode_all(dec, struct.pack(">I", 3) + b"\0\0\0\0" * 3)
    big = struct.pack(">I", R.CONSTS["STRING_MAX"] + 1)
    with pytest.raises(xdr.XDRError):
        xdr.decode_all(R.codec.codec("s")[1], big)


@pytest.mark.parametrize("data", [b"", b"\0\0", b"\0\0\0\x08ab", b"\0\0\0\x05abcde\0",
                                  b"\xff\xff\xff\xff"])
def test_garbage_raises_xdrerror(data):
    with pytest.raises(xdr.XDRError):
        R.PROGRAM["DOMAIN_LOOKUP_BY_NAME"].decode_args(data)


# What libtirpc (and so libvirtd) accepts, pyvirt accepts the same way.
@pytest.mark.parametrize("flag", [b"\0\0\0\1", b"\1\0\0\0", b"\0\0\0\2", b"\xff\xff\xff\xff"])
def test_any_nonzero_optional_flag_means_present(flag):
    body = flag + b"\0\0\0\4test" + b"\0\0\0\7"
    assert R.PROGRAM["CONNECT_OPEN"].decode_args(body) == ("test", 7)


def test_padding_bytes_are_not_checked_but_must_be_there():
    dec = R.codec.codec("s")[1]
    assert xdr.decode_all(dec, b"\0\0\0\1a\xff\xfe\xfd") == "a"
    assert xdr.decode_all(R.codec.codec("o<8>")[1], b"\0\0\0\2ab\1\1") == b"ab"
    with pytest.raises(xdr.XDRError):
        xdr.decode_all(dec, b"\0\0\0\1a\0")


def test_bytes_after_the_arguments_are_ignored():
    proc = R.PROGRAM["DOMAIN_LOOKUP_BY_NAME"]
    assert proc.decode_args(b"\0\0\0\1a\0\0\0extra") == ("a",)
    assert R.PROGRAM["CONNECT_GET_VERSION"].decode_args(b"junk") == ()


def test_strings_end_at_their_first_nul_as_in_c():
    assert xdr.decode_all(R.codec.codec("s")[1], b"\0\0\0\x08test\0abc") == "test"


def test_narrow_scalars_keep_their_low_bits():
    info = R.PROGRAM["DOMAIN_GET_INFO"]
    body = struct.pack(">IQQIQ", 0x101, 1, 2, 0x10003, 4)
    assert info.decode_ret(body) == (1, 1, 2, 3, 4)
    assert xdr.decode_all(R.codec.codec("uc")[1], b"\0\0\1\2") == 2
    assert xdr.decode_all(R.codec.codec("c")[1], b"\0\0\0\xff") == -1
    assert xdr.decode_all(R.codec.codec("b")[1], b"\1\0\0\0") == 1


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=200), st.sampled_from(sorted(R.PROGRAM.procs)))
def test_random_bytes_decode_or_raise_xdrerror(data, number):
    proc = R.PROGRAM[number]
    for decode in (proc.decode_args, proc.decode_ret):
        try:
            decode(data)
        except xdr.XDRError:
            pass


@settings(max_examples=300, deadline=None)
@given(st.lists(st.binary(max_size=80), max_size=10))
def test_frame_reader_never_fails_unexpectedly(chunks):
    reader = P.FrameReader()
    for chunk in chunks:
        try:
            for body in reader.feed(chunk):
                try:
                    P.parse_frame(body)
                except P.ProtocolError:
                    pass
        except P.ProtocolError:
            reader = P.FrameReader()


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 2**32 - 1), st.integers(0, 2**32 - 1),
                          st.integers(-2**31, 2**31 - 1), st.sampled_from([0, 1, 2, 3]),
                          st.integers(0, 2**32 - 1), st.integers(0, 2),
                          st.binary(max_size=300)), max_size=5),
       st.integers(1, 7))
def test_frames_survive_any_split(messages, step):
    stream = b"".join(P.frame(*m) for m in messages)
    reader = P.FrameReader()
    got = []
    for i in range(0, len(stream), step):
        got.extend(reader.feed(stream[i:i + step]))
    parsed = [P.parse_frame(b) for b in got]
    assert [(m.prog, m.vers, m.proc, m.type, m.serial, m.status, m.body) for m in parsed] == \
        [tuple(m) for m in messages]


def test_error_struct_round_trip():
    from pyvirt import constants as C
    from pyvirt.errors import report
    exc = report(C.VIR_ERR_NO_DOMAIN, "no domain with matching name 'x'", C.VIR_FROM_TEST)
    back = P.decode_error(P.encode_error(exc))
    assert back.get_error_code() == C.VIR_ERR_NO_DOMAIN
    assert back.get_error_domain() == C.VIR_FROM_TEST
    assert str(back) == str(exc)
    odd = P.decode_error(P.encode_error(ValueError("boom")))
    assert odd.get_error_code() == C.VIR_ERR_INTERNAL_ERROR and "boom" in str(odd)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from([P.CALL, P.REPLY, P.STREAM]),
                          st.sampled_from([0, 5, 70_000, 262_120, 300_000])), min_size=1,
                 max_size=6),
       st.integers(1, 300_000), st.booleans())
def test_long_frames_received_in_place(messages, step, into):
    """Frames over 64 KiB are received into buffers of their own (recv_into style or
    fed), come out whole and in order; a STREAM body is a view, others are bytes."""
    frames = [P.frame(1, 1, 7, mtype, i, 0, bytes([i % 251]) * size)
              for i, (mtype, size) in enumerate(messages)]
    data = memoryview(b"".join(frames))
    reader = P.FrameReader()
    got = []
    pos = 0
    while pos < len(data):
        if into:
            buf = reader.get_buffer()
            assert len(buf) > 0
            n = min(len(buf), step, len(data) - pos)
            buf[:n] = data[pos:pos + n]
            reader.advance(n)
            while (body := reader.next_frame()) is not None:
                got.append(body)
        else:
            n = min(step, len(data) - pos)
            got.extend(reader.feed(bytes(data[pos:pos + n])))
        pos += n
    parsed = [P.parse_frame(b) for b in got]
    assert [(m.type, m.serial, bytes(m.body)) for m in parsed] == \
        [(mtype, i, bytes([i % 251]) * size) for i, (mtype, size) in enumerate(messages)]
    for m in parsed:
        assert isinstance(m.body, bytes) or (m.type == P.STREAM and len(m.body) > 60_000)
    assert reader.pending == 0


def test_stream_frames_in_a_row_take_one_read_each():
    """After a long frame the reader offers a buffer for one as long: a stream's
    messages (header and body) are each received with one read, as views."""
    frames = [P.frame(1, 1, 7, P.STREAM, 9, P.CONTINUE, bytes([i]) * 262_120)
              for i in range(5)] + [P.frame(1, 1, 7, P.STREAM, 9, P.OK, b"")]
    data = memoryview(b"".join(frames))
    reader = P.FrameReader()
    reads, pos, got = 0, 0, []
    while pos < len(data):
        buf = reader.get_buffer()
        n = min(len(buf), len(data) - pos)
        buf[:n] = data[pos:pos + n]
        reader.advance(n)
        reads += 1
        pos += n
        while (body := reader.next_frame()) is not None:
            got.append(P.parse_frame(body))
    # the first frame: the stage, then its own buffer; each next one: one read
    assert reads <= 2 + 4 + 1
    assert [bytes(m.body[:1]) for m in got[:5]] == [bytes([i]) for i in range(5)]
    assert all(isinstance(m.body, memoryview) for m in got[1:5])
    assert got[5].status == P.OK and got[5].body == b"" and reader.pending == 0


def _receive(reader: P.FrameReader, data: memoryview, step: int, on_body, after_read=None):
    """Feed ``data`` to ``reader`` in reads of at most ``step`` bytes, as a socket
    would (into its buffers), passing each complete body to ``on_body``."""
    pos = 0
    while pos < len(data):
        buf = reader.get_buffer()
        n = min(len(buf), step, len(data) - pos)
        buf[:n] = data[pos:pos + n]
        reader.advance(n)
        pos += n
        while (body := reader.next_frame()) is not None:
            on_body(body)
        if after_read is not None:
            after_read()


@settings(max_examples=40, deadline=None)
@given(st.lists(st.sampled_from([5, 70_000, 262_120, 262_120, 262_120]), min_size=1,
                max_size=8),
       st.integers(1, 300_000))
def test_recycled_frame_buffers_take_the_next_frames(sizes, step):
    """A long STREAM body handed back (copied by its consumer) is received into
    again: the frames that follow come out whole, in order; only a frame as long
    as the one before takes its buffer."""
    frames = [P.frame(1, 1, 7, P.STREAM, i, P.CONTINUE, bytes([i % 251]) * size)
              for i, size in enumerate(sizes)]
    reader = P.FrameReader()
    got, owners = [], []

    def take(body):
        msg = P.parse_frame(body)
        got.append((msg.serial, bytes(msg.body)))      # the consumer's copy
        owners.append(body.obj if isinstance(body, memoryview) else None)
        reader.recycle(msg.body)
    _receive(reader, memoryview(b"".join(frames)), step, take)
    assert got == [(i, bytes([i % 251]) * size) for i, size in enumerate(sizes)]
    long_runs = sum(1 for a, b in itertools.pairwise(sizes) if a == b and a > 65_536)
    reused = sum(1 for a, b in itertools.pairwise(owners) if a is not None and a is b)
    assert reused <= long_runs


def test_recycled_buffer_takes_a_row_of_stream_frames():
    """A stream's messages in a row, each handed back once copied, all go through
    one buffer after the first two."""
    frames = [P.frame(1, 1, 7, P.STREAM, 9, P.CONTINUE, bytes([i]) * 262_120)
              for i in range(6)]
    reader = P.FrameReader()
    owners = []

    def take(body):
        msg = P.parse_frame(body)
        assert bytes(msg.body) == bytes([len(owners)]) * 262_120
        owners.append(body.obj)
        reader.recycle(msg.body)
    _receive(reader, memoryview(b"".join(frames)), len(frames[0]) * 8, take)
    assert len(owners) == 6 and all(o is owners[1] for o in owners[2:])


def _take_recycling(data: memoryview, step: int):
    """Receive ``data`` in reads of at most ``step`` bytes, handing each long body's
    buffer back once copied; return the (type, body) of each frame, the owners of
    the long bodies and the reader."""
    reader, owners, got = P.FrameReader(), [], []

    def take(body):
        msg = P.parse_frame(body)
        got.append((msg.type, bytes(msg.body)))
        if isinstance(body, memoryview):
            owners.append(body.obj)
            reader.recycle(msg.body)
    _receive(reader, data, step, take)
    return got, owners, reader


def test_short_frames_between_long_ones_leave_the_next_long_one_in_place():
    """A sparse download's regions: long STREAM frames, a short last piece and a
    hole, then the next region's long frames.  The short frames read where a long
    one was expected are taken from there and the long frame after them is
    received where it began: one buffer, handed back each time, takes every long
    frame, whatever the reads' sizes."""
    region = [P.frame(1, 1, 7, P.STREAM, 9, P.CONTINUE, bytes([i]) * 262_120)
              for i in range(4)]
    region += [P.frame(1, 1, 7, P.STREAM, 9, P.CONTINUE, b"e" * 96),
               P.frame(1, 1, 7, P.STREAM_HOLE, 9, P.CONTINUE, P.encode_hole(1 << 26))]
    for step in (1 << 30, 200_000, 262_148, 1000):
        got, owners, reader = _take_recycling(memoryview(b"".join(region * 5)), step)
        assert len(got) == 30
        assert [g for n, g in enumerate(got) if n % 6 < 4] == \
            [(P.STREAM, bytes([i]) * 262_120) for i in range(4)] * 5
        assert [g[1] for n, g in enumerate(got) if n % 6 == 4] == [b"e" * 96] * 5
        assert len(owners) == 20 and all(o is owners[0] for o in owners)
        assert reader.pending == 0


def test_recycled_buffers_lent_to_a_stream_come_back_after_the_copy():
    """Bodies lent to a stream (the client's way) are copied by recv(), then their
    buffers receive the next frames: data stays right with several lent at once."""
    from pyvirt.driver.stream import Stream
    frames = [P.frame(1, 1, 7, P.STREAM, 9, P.CONTINUE, bytes([i]) * 262_120)
              for i in range(8)]
    reader, stream = P.FrameReader(), Stream()
    owners, out = set(), []

    def lend(body):
        owners.add(id(body.obj))
        msg = P.parse_frame(body)
        stream.feed_lent(msg.body, lambda: reader.recycle(msg.body))

    def take_some():
        # the application lags: two messages stay lent; it takes a part, then a rest
        while stream.queued() > 2:
            out.append(stream.recv(100_000))
            out.append(stream.recv(1 << 20))
    _receive(reader, memoryview(b"".join(frames)), 400_000, lend, take_some)
    stream.feed_eof()
    while (got := stream.recv(1 << 20)):
        out.append(got)
    assert b"".join(out) == b"".join(bytes([i]) * 262_120 for i in range(8))
    assert len(owners) < 8


def test_recycle_ignores_other_bodies():
    """Bytes bodies and buffers of another length are not taken for the next frame."""
    reader = P.FrameReader()
    reader.recycle(b"abc")
    reader.recycle(memoryview(bytearray(100))[4:])
    frame = P.frame(1, 1, 7, P.STREAM, 1, P.CONTINUE, b"x" * 262_120)
    reader.feed(frame)
    buf = reader.get_buffer()
    assert len(buf) == len(frame) and buf.obj is not None and len(buf.obj) == len(frame) + P._SLACK
