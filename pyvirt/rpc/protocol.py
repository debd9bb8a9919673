"""libvirt's RPC framing: programs, message header, limits and errors.

Every message on a libvirt connection is::

    length (u32, counting itself) | header (24 bytes) | [nfds (u32)] | body

The header is ``program, version, procedure, type, serial, status``.  A
call (``CALL``) carries the procedure's argument struct; its reply
(``REPLY``) the return struct (status ``OK``) or a ``remote_error``
(status ``ERROR``).  Server-initiated events are ``MESSAGE``s; stream
data travels as ``STREAM`` messages (status ``CONTINUE`` with raw bytes,
``OK`` at the end, ``ERROR`` with an error).  ``CALL_WITH_FDS`` and
``REPLY_WITH_FDS`` put a file-descriptor count before the body; the
descriptors travel as SCM_RIGHTS on a unix socket.  The facts come from
libvirt's virnetprotocol.x.
"""

from __future__ import annotations

import collections
import struct
from dataclasses import dataclass, field
from typing import cast

from pyvirt import constants as C
from pyvirt.errors import format_message, libvirtError
from pyvirt.rpc import handles as H
from pyvirt.rpc import xdr

# --- programs -------------------------------------------------------------------
REMOTE_PROGRAM = 0x20008086
REMOTE_PROTOCOL_VERSION = 1
QEMU_PROGRAM = 0x20008087
QEMU_PROTOCOL_VERSION = 1
LXC_PROGRAM = 0x00068000
LXC_PROTOCOL_VERSION = 1
KEEPALIVE_PROGRAM = 0x6B656570
KEEPALIVE_PROTOCOL_VERSION = 1
KEEPALIVE_PROC_PING = 1
KEEPALIVE_PROC_PONG = 2

# --- message types and statuses --------------------------------------------------
CALL, REPLY, MESSAGE, STREAM, CALL_WITH_FDS, REPLY_WITH_FDS, STREAM_HOLE = range(7)
OK, ERROR, CONTINUE = range(3)
TYPE_NAMES = ("call", "reply", "message", "stream", "call-with-fds", "reply-with-fds",
              "stream-hole")

# --- limits ------------------------------------------------------------------------
MESSAGE_INITIAL = 65536
MESSAGE_MAX = 32 * 1024 * 1024           # a whole frame, length word included
MESSAGE_LEN_SIZE = 4
MESSAGE_HEADER_SIZE = 24
MESSAGE_PAYLOAD_MAX = MESSAGE_MAX - MESSAGE_HEADER_SIZE - MESSAGE_LEN_SIZE
# Stream data per message (libvirt's VIR_NET_MESSAGE_LEGACY_PAYLOAD_MAX).
STREAM_CHUNK_MAX = 262120
STRING_MAX = 4194304
NUM_FDS_MAX = 32

LENGTH = struct.Struct(">I")
HEADER = struct.Struct(">IIiiIi")
FRAME_START = struct.Struct(">IIIiiIi")   # length word + header

# libvirt's internal virDrvFeature numbers (virConnectSupportsFeature).
FEATURE_MIGRATION_V1 = 1
FEATURE_REMOTE = 2
FEATURE_MIGRATION_V2 = 3
FEATURE_MIGRATION_P2P = 4
FEATURE_MIGRATION_DIRECT = 5
FEATURE_MIGRATION_V3 = 6
FEATURE_MIGRATE_CHANGE_PROTECTION = 7
FEATURE_FD_PASSING = 8
FEATURE_TYPED_PARAM_STRING = 9
FEATURE_PROGRAM_KEEPALIVE = 10
FEATURE_XML_MIGRATABLE = 11
FEATURE_MIGRATION_OFFLINE = 12
FEATURE_MIGRATION_PARAMS = 13
FEATURE_REMOTE_EVENT_CALLBACK = 14
FEATURE_REMOTE_CLOSE_CALLBACK = 15
FEATURE_NETWORK_UPDATE_HAS_CORRECT_ORDER = 16

# remote_auth_type
AUTH_NONE, AUTH_SASL, AUTH_POLKIT = 0, 1, 2


class ProtocolError(Exception):
    """The peer broke the framing rules: the connection cannot go on."""


@dataclass(slots=True)
class Message:
    """One RPC message: header fields, body bytes and passed descriptors."""

    prog: int
    vers: int
    proc: int
    type: int
    serial: int
    status: int
    body: bytes = b""
    fds: list[int] = field(default_factory=list)

    def header(self) -> tuple[int, int, int, int, int, int]:
        """Return the six header fields."""
        return (self.prog, self.vers, self.proc, self.type, self.serial, self.status)


def encode_hole(length: int, flags: int = 0) -> bytes:
    """The body of a STREAM_HOLE message (remote_stream_hole: hyper length, uint flags)."""
    return struct.pack(">qI", length, flags)


def decode_hole(body: bytes) -> int:
    """The hole length a STREAM_HOLE message carries."""
    if len(body) < 12:
        raise ValueError("short stream hole message")
    length: int = struct.unpack(">qI", body[:12])[0]
    if length < 0:
        raise ValueError("negative stream hole length")
    return length


def frame(prog: int, vers: int, proc: int, mtype: int, serial: int, status: int,
          body: bytes = b"", nfds: int = 0) -> bytes:
    """Return the bytes of one message, length word included."""
    extra = 4 if mtype in (CALL_WITH_FDS, REPLY_WITH_FDS) else 0
    total = 28 + extra + len(body)
    if total > MESSAGE_MAX:
        raise xdr.XDRError(f"message of {total} bytes exceeds the limit of {MESSAGE_MAX}")
    head = FRAME_START.pack(total, prog, vers, proc, mtype, serial, status)
    if extra:
        return head + LENGTH.pack(nfds) + body
    return head + body


def frame_head(prog: int, vers: int, proc: int, mtype: int, serial: int, status: int,
               body_len: int) -> bytes:
    """The length word and header of a message whose body (``body_len`` bytes) is
    sent after it separately (``sendmsg([head, body])``: no copy of the body)."""
    total = 28 + body_len
    if total > MESSAGE_MAX:
        raise xdr.XDRError(f"message of {total} bytes exceeds the limit of {MESSAGE_MAX}")
    return FRAME_START.pack(total, prog, vers, proc, mtype, serial, status)


def parse_frame(data: bytes | memoryview) -> Message:
    """Parse one frame body (the bytes after the length word).

    Raises ProtocolError for a header that cannot be parsed.
    """
    if len(data) < MESSAGE_HEADER_SIZE:
        raise ProtocolError(f"message of {len(data)} bytes is shorter than its header")
    prog, vers, proc, mtype, serial, status = HEADER.unpack_from(data, 0)
    pos = MESSAGE_HEADER_SIZE
    nfds = 0
    if mtype in (CALL_WITH_FDS, REPLY_WITH_FDS):
        if len(data) < pos + 4:
            raise ProtocolError("message with descriptors lacks their count")
        (nfds,) = LENGTH.unpack_from(data, pos)
        if nfds > NUM_FDS_MAX:
            raise ProtocolError(f"{nfds} descriptors exceed the limit of {NUM_FDS_MAX}")
        pos += 4
    # a long STREAM frame's body stays a memoryview (bytes-like) of the frame
    msg = Message(prog, vers, proc, mtype, serial, status, cast(bytes, data[pos:]))
    if nfds:
        msg.fds = [-1] * nfds  # filled in by the transport
    return msg


def check_length(length: int) -> None:
    """Raise ProtocolError for a frame length outside libvirt's limits."""
    if length < MESSAGE_LEN_SIZE + MESSAGE_HEADER_SIZE:
        raise ProtocolError(f"frame length {length} is shorter than a header")
    if length > MESSAGE_MAX:
        raise ProtocolError(f"frame length {length} exceeds the limit of {MESSAGE_MAX}")


_STAGE = 256 * 1024      # the reader's buffer for small frames
_BIG = 64 * 1024         # a frame longer than this is received into a buffer of its own
_SPARES = 16             # long frames' buffers a reader keeps for reuse
_TYPE_AT = 4 + 12        # offset of the message type in a frame
# Room a long frame's buffer has beyond the frame: when the frame received in the
# place of an expected long one turns out short (a stream's last piece of a region,
# then a hole), the short frames are taken from there and the long frame after
# them stays in place if it starts within this many bytes.
_SLACK = 4096


class FrameReader:
    """Split a byte stream into frames, with as few copies as the socket allows.

    Receivers read straight into the reader: ``recv_into(reader.get_buffer())``
    then ``advance(n)`` (or an asyncio ``BufferedProtocol`` doing the same),
    and take frames with :meth:`next_frame`.  Small frames are staged in one
    reused buffer; a frame longer than 64 KiB gets a buffer of its own that
    the socket fills in place, and a ``STREAM`` frame's body comes out as a
    memoryview of it (stream data is then never copied by the reader).
    After a long frame the next one is expected to be as long (a stream's
    messages come in a row): it is received whole into a buffer for that
    length, header and body with one read.  A frame of another length found
    there: when short frames and then the start of a long one came (the end
    of a sparse stream's data region, then a hole), the short ones are taken
    from there and the long one stays where it began (each long frame's
    buffer has :data:`_SLACK` bytes to spare for that); otherwise what was
    read goes to the stage (a copy, once per change).
    ``feed``/``push`` take bytes received elsewhere (TLS).
    A consumer done with a long frame's body (it copied it) may hand its
    buffer back with :meth:`recycle`: the next long frames of that length are
    received into the buffers given back (up to :data:`_SPARES` kept), not
    into new ones (256 KiB allocated, zeroed and faulted in per message
    otherwise).
    """

    __slots__ = ("_after_big", "_base", "_big", "_end", "_flen", "_got", "_guess", "_ready",
                 "_spare", "_stage", "_start")

    def __init__(self) -> None:
        self._stage = bytearray(_STAGE)
        self._start = self._end = 0          # unread bytes: _stage[_start:_end]
        self._big: bytearray | None = None   # a long frame being filled in place:
        self._base = 0                       # it starts at _big[_base],
        self._flen = 0                       # is this long (or expected to be: _guess)
        self._got = 0                        # and _big[:_got] is filled
        self._guess = False
        self._ready: collections.deque[bytes | memoryview] = collections.deque()
        self._after_big = 0                  # the length of the last frame when long
        self._spare: list[bytearray] = []    # long frames' buffers given back

    def get_buffer(self) -> memoryview:
        """Where the next received bytes go (never empty)."""
        if self._big is None:
            self._settle()
        big = self._big
        if big is not None:
            return memoryview(big)[self._got:self._base + self._flen]
        if self._after_big and self._start == self._end:
            # long frames come in a row (a stream): the next one, as long, is
            # received in place, its header with it
            self._start = self._end = 0
            big = self._new_big(self._after_big)
            self._hold(big, self._after_big, 0)
            self._guess = True
            return memoryview(big)[:self._flen]
        if self._end == len(self._stage):
            n = self._end - self._start
            if self._start:
                self._stage[:n] = self._stage[self._start:self._end]
                self._start, self._end = 0, n
            if n == len(self._stage):          # complete frames wait unread: grow
                self._stage.extend(bytes(_STAGE))
        return memoryview(self._stage)[self._end:]

    def _hold(self, big: bytearray, length: int, got: int) -> None:
        self._big, self._base, self._flen, self._got, self._guess = big, 0, length, got, False

    def advance(self, n: int) -> None:
        """``n`` bytes were received into the buffer :meth:`get_buffer` gave."""
        if self._big is not None:
            self._got += n
            if self._guess and self._got >= 4:
                self._check_guess()
        else:
            self._end += n

    def _check_guess(self) -> None:
        # The frame received into a buffer for the last long frame's length is as
        # long; or short frames then a long one that fits where it began; or what
        # was read moves to the stage.
        self._guess = False
        big = self._big
        assert big is not None
        got, pos = self._got, 0
        (length,) = LENGTH.unpack_from(big, 0)
        if length == self._flen:
            return
        while MESSAGE_LEN_SIZE + MESSAGE_HEADER_SIZE <= length <= min(_BIG, got - pos):
            self._ready.append(bytes(memoryview(big)[pos + 4:pos + length]))
            pos += length
            if got - pos < 4:
                break
            (length,) = LENGTH.unpack_from(big, pos)
        if pos and got - pos >= 4 and _BIG < length <= MESSAGE_MAX \
                and got <= pos + length <= len(big):
            self._base, self._flen = pos, length
            return
        self._big = None
        self._after_big = 0
        rest = got - pos
        if rest > len(self._stage):
            self._stage.extend(bytes(rest - len(self._stage)))
        self._stage[:rest] = memoryview(big)[pos:got]
        self._start, self._end = 0, rest
        self.recycle(memoryview(big))

    def _settle(self) -> None:
        # The frame at the start of the stage is long: move it to a buffer of
        # its own, so that the rest of it is received there directly.
        avail = self._end - self._start
        if avail < 4:
            return
        (length,) = LENGTH.unpack_from(self._stage, self._start)
        if length <= _BIG or avail >= length or length > MESSAGE_MAX:
            return
        big = self._new_big(length)
        big[:avail] = self._stage[self._start:self._end]
        self._hold(big, length, avail)
        self._start = self._end = 0

    def _new_big(self, length: int) -> bytearray:
        # (buffers are given back by other threads: list.pop is one step)
        size = length + _SLACK
        spares = self._spare
        while spares:
            try:
                spare = spares.pop()
            except IndexError:
                break
            if len(spare) == size:
                return spare
        return bytearray(size)

    def recycle(self, body: bytes | memoryview) -> None:
        """``body``, a long frame's body this reader gave, is no longer used (its
        bytes were copied, no view of it is kept): its buffer may take a next
        long frame.  Bodies of other frames are ignored.  Any thread may call it."""
        buf = body.obj if isinstance(body, memoryview) else None
        if isinstance(buf, bytearray) and buf is not self._big and len(self._spare) < _SPARES:
            self._spare.append(buf)

    def feed(self, data: bytes) -> list[bytes | memoryview]:
        """Add received bytes; return the bodies of the frames now complete."""
        self.push(data)
        out = list(self._ready)
        self._ready.clear()
        return out

    def push(self, data: bytes) -> None:
        """Add received bytes (see next_frame)."""
        view = memoryview(data)
        while view:
            buf = self.get_buffer()
            k = min(len(buf), len(view))
            buf[:k] = view[:k]
            self.advance(k)
            view = view[k:]
            while (body := self._take()) is not None:
                self._ready.append(body)

    def next_frame(self) -> bytes | memoryview | None:
        """Return the body of the next complete frame, or None when none is complete.

        Raises ProtocolError for a length outside libvirt's limits.
        """
        if self._ready:
            return self._ready.popleft()
        return self._take()

    def _take(self) -> bytes | memoryview | None:
        big = self._big
        if big is not None:
            base, length = self._base, self._flen
            if self._got < base + length:
                return None
            self._big = None
            self._after_big = length
            body = memoryview(big)[base + 4:base + length]
            (mtype,) = LENGTH.unpack_from(big, base + _TYPE_AT)
            return body if mtype == STREAM else bytes(body)
        start = self._start
        avail = self._end - start
        if avail < 4:
            if not avail:
                self._start = self._end = 0
            return None
        (length,) = LENGTH.unpack_from(self._stage, start)
        check_length(length)
        if avail < length:
            if length > _BIG:
                self._settle()
            return None
        self._start = start + length
        self._after_big = 0
        return bytes(self._stage[start + 4:start + length])

    def discard(self, count: int) -> int:
        """Drop up to ``count`` bytes received after the last complete frame (the
        bytes that carried descriptors); return how many were dropped."""
        if self._big is not None or self._ready:
            return 0
        n = min(count, self._end - self._start)
        self._start += n
        return n

    def take_pending(self) -> bytes | None:
        """Give up the bytes received after the last frame taken (the start of the
        next frames), leaving the reader empty: someone else reads the socket from
        here.  None while a frame that was completed waits in the reader."""
        if self._ready:
            return None
        if self._big is not None:
            out = bytes(memoryview(self._big)[self._base:self._got])
            self._big, self._got, self._guess = None, 0, False
        else:
            out = bytes(self._stage[self._start:self._end])
        self._start = self._end = 0
        return out

    @property
    def pending(self) -> int:
        """Bytes received that belong to no frame taken yet."""
        return (self._end - self._start
                + (self._got - self._base if self._big is not None else 0)
                + sum(len(b) + 4 for b in self._ready))


# --- errors ---------------------------------------------------------------------
_codec = xdr.Codec({}, STRING_MAX)
_codec.struct("dom", "name:s uuid:uuid id:i", H.DomainHandle)
_codec.struct("net", "name:s uuid:uuid", H.NetworkHandle)
_codec.struct("error", "code:i domain:i message:s? level:i dom:dom? str1:s? str2:s? str3:s? "
              "int1:i int2:i net:net?")
ERROR_ENC, ERROR_DEC = _codec.codec("error")


def encode_error(exc: BaseException) -> bytes:
    """Return the remote_error body describing ``exc``.

    A libvirtError keeps its code, domain, message and extra fields; any
    other exception becomes an internal error naming it.
    """
    err = getattr(exc, "err", None)
    if isinstance(exc, libvirtError) and err:
        code, domain, message, level, str1, str2, str3, int1, int2 = err
        value = (code, domain, message, level, None, str1, str2, str3, int1, int2, None)
    else:
        text = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        message = format_message(C.VIR_ERR_INTERNAL_ERROR, text)
        value = (C.VIR_ERR_INTERNAL_ERROR, C.VIR_FROM_RPC, message, C.VIR_ERR_ERROR, None,
                 None, None, None, 0, 0, None)
    try:
        return xdr.encode(ERROR_ENC, value)
    except xdr.XDRError:
        return xdr.encode(ERROR_ENC, (C.VIR_ERR_INTERNAL_ERROR, C.VIR_FROM_RPC,
                                      "internal error: unencodable error", C.VIR_ERR_ERROR,
                                      None, None, None, None, 0, 0, None))


def error_body(code: int, detail: str, domain: int = C.VIR_FROM_RPC) -> bytes:
    """Return a remote_error body for ``code`` with libvirt's wording of ``detail``."""
    message = format_message(code, detail)
    return xdr.encode(ERROR_ENC, (code, domain, message, C.VIR_ERR_ERROR, None,
                                  None, detail, None, -1, -1, None))


def decode_error(body: bytes) -> libvirtError:
    """Return the libvirtError a remote_error body describes (not raised, not recorded)."""
    try:
        code, domain, message, level, _dom, s1, s2, s3, i1, i2, _net = xdr.decode_all(
            ERROR_DEC, body)
    except xdr.XDRError as exc:
        code, domain, level = C.VIR_ERR_RPC, C.VIR_FROM_RPC, C.VIR_ERR_ERROR
        message, s1, s2, s3, i1, i2 = f"malformed error reply: {exc}", None, None, None, 0, 0
    if message is None:
        message = "unknown error"
    return libvirtError(message, err=(code, domain, message, level, s1, s2, s3, i1, i2))
