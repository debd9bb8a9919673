"""The RPC client: one connection to pyvirtd or libvirtd, shared by threads.

A call is framed and sent from the calling thread.  On a plain socket
(unix, TCP, ssh) the calling thread then reads the socket itself while no
other thread does, as libvirt's client lets the calling thread become the
I/O thread: it completes other threads' replies it comes across and hands
event and stream messages to the library's asyncio loop thread
(:mod:`pyvirt.util.aioloop`).  When no caller is reading, the loop thread
reads (events, keepalive, replies of callers that found the socket
busy); a caller that finds the loop watching takes over without waiting
for it.  TLS connections are read by the loop only.  The loop never runs
application code and never raises into callers.  When the connection
breaks every pending call fails with one clear error, as libvirt's
client does.
"""

from __future__ import annotations

import array
import asyncio
import collections
import contextlib
import itertools
import logging
import os
import select
import socket
import ssl
import threading
import time
from collections.abc import Callable
from typing import Any, NoReturn

from pyvirt import constants as C
from pyvirt import errors as E
from pyvirt.errors import libvirtError
from pyvirt.rpc import protocol as P
from pyvirt.rpc import xdr
from pyvirt.rpc.keepalive import PONG, KeepAlive
from pyvirt.util import aioloop

log = logging.getLogger("pyvirt.remote")

ErrTuple = tuple


def raise_error(err: ErrTuple) -> NoReturn:
    """Record ``err`` as the thread's last error (and show it as libvirt does), then raise."""
    E._tls.last = err
    E._dispatch(err)
    raise libvirtError(err[2], err=err)


def make_error(code: int, detail: str, domain: int = C.VIR_FROM_RPC) -> ErrTuple:
    """Return an error tuple with libvirt's wording of ``code``."""
    message = E.format_message(code, detail)
    return (code, domain, message, C.VIR_ERR_ERROR, None, detail, None, -1, -1)


class _Pending:
    """A call waiting for its reply.

    ``done`` is a lock only a caller that waits for another thread to read
    its reply creates (:meth:`RPCClient._wait`); a caller that reads the
    socket itself never needs one.  Both sides use it under the client's lock.
    """

    __slots__ = ("body", "done", "error", "fds", "finished", "status")

    def __init__(self) -> None:
        self.done: Any = None
        self.status = P.OK
        self.body = b""
        self.error: ErrTuple | None = None
        self.finished = False
        self.fds: list[int] = []          # descriptors a REPLY_WITH_FDS brought

    def finish(self) -> None:
        """The reply (or an error) is in: wake the caller (the client's lock is held)."""
        self.finished = True
        if self.done is not None:
            self.done.release()


# The loop watches the socket again once no call was made for _REARM_DELAY.
# While calls go on it checks every _REARM_DELAY when events or streams
# wait to be read, else at intervals doubling up to _REARM_MAX (only
# keepalive and the end of the connection are then read by the loop).
_REARM_DELAY = 0.002
# The socket send buffer asked for once a stream runs (the kernel caps it).
STREAM_SNDBUF = 2 << 20
_REARM_MAX = 0.05
# Reads the loop makes per wake-up while data keeps coming (a stream's messages,
# one per read), before it lets its other work run.
_READS_PER_WAKE = 8
# Room for the descriptors one read may bring (libvirt's limit per message).
_CMSG_SPACE = socket.CMSG_SPACE(P.NUM_FDS_MAX * 4)
# Buffers one sendmsg() takes at most (the kernel's UIO_MAXIOV).
_IOV_MAX = 1024


class _Direct:
    """A plain socket: callers send and read; the loop reads when no caller does.

    ``reading`` is held by whoever reads the socket: a calling thread or
    the loop.  The loop watches the socket while ``armed``; when it finds
    a caller reading it stops watching (so it does not wake for every
    reply) and watches again once calls pause.
    """

    def __init__(self, client: RPCClient, sock: socket.socket) -> None:
        self.client = client
        self.sock = sock
        self.lock = threading.Lock()
        self.reading = threading.Lock()
        # Blocking, so a caller waiting for its reply sleeps in one recv(); the
        # loop and senders never block: they pass MSG_DONTWAIT.
        sock.setblocking(True)
        self.fd = sock.fileno()
        self.encrypted = False
        self.armed = False
        self.paused = False           # a stream's reader lags: the loop does not read
        self._rearm_pending = False
        self._last_call = 0.0
        self._poll = select.poll()
        self._poll.register(self.fd, select.POLLIN)
        self._grown = False

    def start(self) -> None:
        self.client.loop.call_soon_threadsafe(self._arm)

    # -- the loop's side ---------------------------------------------------------------
    def pause(self) -> None:
        """Stop reading in the loop until :meth:`resume` (loop thread)."""
        self.paused = True
        self._disarm()

    def resume(self) -> None:
        """Read in the loop again (loop thread)."""
        if self.paused:
            self.paused = False
            self._arm()

    def _arm(self) -> None:
        if not self.armed and not self.paused and self.client.closed is None:
            self.client.loop.add_reader(self.fd, self._readable)
            self.armed = True

    def _disarm(self) -> None:
        if self.armed:
            self.armed = False
            try:
                self.client.loop.remove_reader(self.fd)
            except (ValueError, OSError):
                pass

    def _rearm_when_idle(self, period: float = _REARM_DELAY) -> None:
        # One chain of these timers at a time (_rearm_pending); it ends by arming.
        if self.armed or self.client.closed is not None:
            self._rearm_pending = False
        elif self.reading.locked() or time.monotonic() - self._last_call < _REARM_DELAY:
            client = self.client
            urgent = client.streams or client.event_callbacks
            period = _REARM_DELAY if urgent else min(period * 2, _REARM_MAX)
            client.loop.call_later(period, self._rearm_when_idle, period)
        else:
            self._rearm_pending = False
            self._arm()

    def _readable(self) -> None:
        if not self.reading.acquire(blocking=False):
            # A caller reads: stop waking for its replies.  It re-arms us
            # when it leaves; check once more in case it just left.
            self._disarm()
            if not self.reading.acquire(blocking=False):
                return
            self._arm()
        try:
            # a stream's messages come one per read: take those waiting (a few)
            for _ in range(_READS_PER_WAKE):
                if self._read_once() <= 0 or self.paused:
                    break
        finally:
            self.reading.release()

    def _read_once(self, flags: int = socket.MSG_DONTWAIT) -> int:
        """Read what the socket has and dispatch it; return how many bytes came (0:
        none waited), -1 once the connection is gone.

        ``flags`` 0 waits for data (a caller with no deadline); the loop never does.
        """
        reader = self.client.reader
        try:
            if self.client.fd_calls and self.passes_fds:
                n = self._recv_fds(reader.get_buffer(), flags)
            else:
                n = self.sock.recv_into(reader.get_buffer(), 0, flags)
        except (BlockingIOError, InterruptedError):
            return 0
        except OSError as exc:
            self.client.lost(exc)
            return -1
        if not n:
            self.client.lost(None)
            return -1
        reader.advance(n)
        self.client.last_rx = time.monotonic()
        self.client.received_frames()
        return n

    def _recv_fds(self, buf: memoryview, flags: int) -> int:
        """recv_into that keeps the descriptors coming with the data (while a call
        expecting a REPLY_WITH_FDS waits): they queue in the client's ``fdq``."""
        n, anc, _mflags, _addr = self.sock.recvmsg_into([buf], _CMSG_SPACE,
                                                        flags | socket.MSG_CMSG_CLOEXEC)
        for level, kind, data in anc:
            if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
                fds = array.array("i")
                fds.frombytes(data[:len(data) - len(data) % fds.itemsize])
                self.client.fdq.extend(fds)
        return n

    # -- a calling thread's side --------------------------------------------------------
    def serve(self, pending: _Pending, deadline: float | None) -> bool:
        """Read the socket until ``pending`` finishes (we hold ``reading``).

        Returns False on timeout.  Other callers' replies met on the way
        complete their waits; events and stream data go to the loop.
        Without a deadline the thread sleeps in recv() itself: one system
        call per read, as no poll() is needed first.
        """
        try:
            if deadline is None:
                read = self._read_once
                while not pending.finished:
                    if read(0) < 0:
                        break
                return True
            poll = self._poll.poll
            while not pending.finished:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                if poll(left * 1000) and self._read_once() < 0:
                    break
            return True
        finally:
            self._leave()

    def _leave(self) -> None:
        """Give up reading: the loop reads for the others (now), or watches again (soon)."""
        self._last_call = time.monotonic()
        self.reading.release()
        client = self.client
        if self.armed or client.closed is not None:
            return
        if client.pending or client.streams:
            # others wait for replies, or a stream's data (a download's, just
            # started by the call that returns now) is for the loop to read
            client.loop.call_soon_threadsafe(self._arm)
        elif not self._rearm_pending:
            self._rearm_pending = True
            client.loop.call_soon_threadsafe(self._rearm_when_idle)

    @property
    def passes_fds(self) -> bool:
        """Whether descriptors can travel on this socket (a unix socket)."""
        return self.sock.family == socket.AF_UNIX

    def send(self, data: bytes | bytearray, fds: list[int] | None = None) -> None:
        """Send ``data``, then each of ``fds`` as libvirt does: one byte carrying
        one descriptor (SCM_RIGHTS) per message, right after the frame."""
        with self.lock:
            try:
                n = self.sock.send(data, socket.MSG_DONTWAIT)
            except (BlockingIOError, InterruptedError):
                n = 0
            if n == len(data) and not fds:
                return
            self._send_rest(memoryview(data)[n:])
            for fd in fds or ():
                anc = [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", [fd]).tobytes())]
                while True:
                    try:
                        if self.sock.sendmsg([b"\0"], anc, socket.MSG_DONTWAIT):
                            break
                    except (BlockingIOError, InterruptedError):
                        select.select([], [self.fd], [], 5.0)

    def grow_send_buffer(self) -> None:
        """Let the socket hold more unsent data (a stream starts): the sender waits
        for the daemon less often."""
        if not self._grown:
            self._grown = True
            with contextlib.suppress(OSError):
                self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, STREAM_SNDBUF)

    def send_parts(self, parts: list[Any]) -> None:
        """Send messages given as buffers (headers, bodies) in one ``sendmsg`` (no
        copy)."""
        with self.lock:
            while parts:
                try:
                    n = self.sock.sendmsg(parts[:_IOV_MAX], (), socket.MSG_DONTWAIT)
                except (BlockingIOError, InterruptedError):
                    select.select([], [self.fd], [], 5.0)
                    continue
                while parts and n >= len(parts[0]):
                    n -= len(parts[0])
                    parts = parts[1:]
                if n:
                    parts[0] = memoryview(parts[0])[n:]

    def _send_rest(self, view: memoryview) -> None:
        while view:
            try:
                n = self.sock.send(view, socket.MSG_DONTWAIT)
            except (BlockingIOError, InterruptedError):
                select.select([], [self.fd], [], 5.0)
                continue
            view = view[n:]

    def close(self) -> None:
        loop = self.client.loop

        def shut() -> None:
            self._disarm()
            try:
                # wakes a caller sleeping in recv() (close() alone would not)
                self.sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            self.sock.close()
        if aioloop.in_loop_thread():
            shut()
        else:
            loop.call_soon_threadsafe(shut)


class _Proto(asyncio.Protocol):
    def __init__(self, client: RPCClient) -> None:
        self.client = client

    def data_received(self, data: bytes) -> None:
        self.client.received(data)

    def connection_lost(self, exc: Exception | None) -> None:
        self.client.lost(exc)


class _Async:
    """A transport owned by the loop (TLS): the caller hands writes to the loop."""

    def __init__(self, client: RPCClient, sock: socket.socket, ctx: ssl.SSLContext,
                 hostname: str | None) -> None:
        self.client = client
        self.encrypted = True

        async def connect() -> asyncio.Transport:
            transport, _ = await client.loop.create_connection(
                lambda: _Proto(client), sock=sock, ssl=ctx,
                server_hostname=hostname if ctx.check_hostname else None)
            return transport  # type: ignore[return-value]
        self.transport = aioloop.run(connect(), timeout=30)

    passes_fds = False

    def start(self) -> None:
        pass

    def send(self, data: bytes | bytearray, fds: list[int] | None = None) -> None:
        assert not fds, "no descriptors over TLS"
        self.client.loop.call_soon_threadsafe(self.transport.write, data)

    def grow_send_buffer(self) -> None:
        pass

    def pause(self) -> None:
        """Stop reading until :meth:`resume` (loop thread)."""
        self.transport.pause_reading()

    def resume(self) -> None:
        """Read again (loop thread)."""
        self.transport.resume_reading()

    def send_parts(self, parts: list[Any]) -> None:
        self.send(b"".join(parts))

    def close(self) -> None:
        self.client.loop.call_soon_threadsafe(self.transport.close)


class RPCClient:
    """Calls, events and streams over one connection."""

    def __init__(self, sock: socket.socket, tls_context: ssl.SSLContext | None = None,
                 hostname: str | None = None) -> None:
        self.loop = aioloop.get_loop()
        self.reader = P.FrameReader()
        self._serials = itertools.count(1)
        self._lock = threading.Lock()
        self.pending: dict[int, _Pending] = {}
        self.streams: dict[int, Any] = {}
        self.on_event: Callable[[P.Message], None] | None = None
        self.event_callbacks = 0      # registered by the application (set by the driver)
        self.on_close: list[Callable[[int], None]] = []
        self.closed: ErrTuple | None = None
        self.last_rx = time.monotonic()
        self._keepalive: KeepAlive | None = None
        # Replies with descriptors: calls waiting for one (reads then keep the
        # descriptors, queued in fdq), and the reply whose descriptor-carrying
        # bytes are still being read (with how many of them are left).
        self.fd_calls = 0
        self.fdq: collections.deque[int] = collections.deque()
        self._fd_reply: P.Message | None = None
        self._fd_left = 0
        self._loop_ident = aioloop.loop_thread_ident()
        # A TLS server first sends one byte: 1 when our certificate passed its checks.
        self._await_confirm = tls_context is not None
        self.io: _Direct | _Async
        if tls_context is not None:
            self.io = _Async(self, sock, tls_context, hostname)
        else:
            self.io = _Direct(self, sock)
        self.io.start()

    @property
    def encrypted(self) -> bool:
        """True when the transport is TLS."""
        return self.io.encrypted

    # -- calls (any thread but the loop's) ---------------------------------------------
    def call(self, prog: int, vers: int, proc: int, body: bytes,
             stream: Any = None, timeout: float | None = None,
             fds: list[int] | None = None) -> P.Message:
        """Send a call and return its reply; raise libvirtError for an error reply.

        ``fds`` are descriptors the call carries (CALL_WITH_FDS; a unix socket only).
        """
        frame = bytearray(P.FRAME_START.size)
        frame += body
        reply = self.request(frame, prog, vers, proc, stream, timeout, fds)
        return P.Message(prog, vers, proc, P.REPLY, 0, P.OK, reply)

    def request(self, frame: bytearray, prog: int, vers: int, proc: int,
                stream: Any = None, timeout: float | None = None,
                fds: list[int] | None = None, reply_fds: list[int] | None = None) -> bytes:
        """Send a call and return the body of its reply; raise libvirtError for an error.

        ``frame`` is the argument body after 28 bytes of room, where the
        length word and header go: the call is encoded once, sent with one
        system call, and its reply read by this thread when no other reads.
        With ``fds`` (CALL_WITH_FDS) their count goes between header and body.
        With ``reply_fds`` the descriptors of a REPLY_WITH_FDS are appended to it
        (the caller owns them).
        """
        if self._loop_ident == threading.get_ident():
            raise_error(make_error(C.VIR_ERR_INTERNAL_ERROR,
                                   "a remote call cannot be made from the event loop thread"))
        if fds:
            if not self.io.passes_fds:
                raise_error(make_error(C.VIR_ERR_INTERNAL_ERROR,
                                       "Sending file descriptors is not supported on this "
                                       "socket"))
            frame[P.FRAME_START.size:P.FRAME_START.size] = P.LENGTH.pack(len(fds))
        if reply_fds is not None and not self.io.passes_fds:
            raise_error(make_error(C.VIR_ERR_INTERNAL_ERROR,
                                   "Receiving file descriptors is not supported on this "
                                   "socket"))
        if len(frame) > P.MESSAGE_MAX:
            raise xdr.XDRError(f"message of {len(frame)} bytes exceeds the limit of "
                               f"{P.MESSAGE_MAX}")
        pending = _Pending()
        with self._lock:
            if self.closed is not None:
                raise_error(make_error(C.VIR_ERR_INTERNAL_ERROR, "client socket is closed"))
            serial = next(self._serials)
            self.pending[serial] = pending
            if reply_fds is not None:
                self.fd_calls += 1
            if stream is not None:
                stream.serial, stream.proc, stream.prog, stream.vers = serial, proc, prog, vers
                self.streams[serial] = stream
        P.FRAME_START.pack_into(frame, 0, len(frame), prog, vers, proc,
                                P.CALL_WITH_FDS if fds else P.CALL, serial, P.OK)
        try:
            self.io.send(frame, fds)
        except OSError as exc:
            self.lost(exc)
        answered = self._await(pending, timeout)
        if reply_fds is not None or pending.fds:
            self._take_reply_fds(pending, reply_fds)
        if not answered:
            self._forget(serial)
            raise_error(make_error(C.VIR_ERR_OPERATION_TIMEOUT, "no reply from the daemon"))
        if pending.error is not None or pending.status != P.OK:
            if stream is not None:
                self.streams.pop(serial, None)
            if pending.error is not None:
                raise_error(pending.error)
            err = P.decode_error(pending.body).err
            assert err is not None  # decode_error() always builds the error tuple
            raise_error(err)
        return pending.body

    def _await(self, pending: _Pending, timeout: float | None) -> bool:
        """Wait for ``pending``'s answer (sent already); False on timeout."""
        io = self.io
        if type(io) is _Direct and io.reading.acquire(blocking=False):
            # Nobody reads the socket: this thread reads its reply itself.  (It
            # sends first, so a large request never waits with the socket unread.)
            return io.serve(pending, None if timeout is None
                            else time.monotonic() + timeout)
        return self._wait(pending, timeout)

    def end_stream(self, stream: Any, status: int, timeout: float) -> tuple[int, bytes]:
        """Send a stream's finish (``OK``) or abort (``ERROR``) and wait for the daemon's
        confirmation, read by this thread when no other reads, as a call's reply (no
        hop through the loop); return its status and body.  Raises libvirtError
        when the connection failed or no confirmation came in ``timeout`` s."""
        pending = _Pending()
        serial = stream.serial
        with self._lock:
            if self.closed is not None:
                raise_error(self.closed)
            self.pending[serial] = pending
        try:
            self.io.send(P.frame(stream.prog, stream.vers, stream.proc, P.STREAM, serial,
                                 status, b""))
        except OSError as exc:
            self.lost(exc)
        if not self._await(pending, timeout):
            with self._lock:
                self.pending.pop(serial, None)
            raise_error(make_error(C.VIR_ERR_OPERATION_TIMEOUT,
                                   "no confirmation of the end of the stream from the daemon"))
        if pending.error is not None:
            raise_error(pending.error)
        return pending.status, pending.body

    def _take_reply_fds(self, pending: _Pending, reply_fds: list[int] | None) -> None:
        """The call is over: hand its reply's descriptors to ``reply_fds`` (or close
        them when the caller expected none)."""
        if reply_fds is None:
            for fd in pending.fds:
                os.close(fd)
            return
        with self._lock:
            self.fd_calls -= 1
        reply_fds.extend(pending.fds)

    def _wait(self, pending: _Pending, timeout: float | None) -> bool:
        """Wait for another thread (a caller or the loop) to read ``pending``'s reply."""
        with self._lock:
            if pending.finished:
                return True
            pending.done = done = threading.Lock()
            done.acquire()
        return done.acquire(timeout=-1 if timeout is None else timeout)

    def _forget(self, serial: int) -> None:
        with self._lock:
            self.pending.pop(serial, None)
            self.streams.pop(serial, None)

    def send_raw(self, prog: int, vers: int, proc: int, mtype: int, serial: int,
                 status: int, body: bytes = b"") -> None:
        """Send a message that expects no reply (stream data, keepalive)."""
        if self.closed is not None:
            raise_error(self.closed)
        try:
            self.io.send(P.frame(prog, vers, proc, mtype, serial, status, body))
        except OSError as exc:
            self.lost(exc)
            raise_error(self.closed or make_error(C.VIR_ERR_SYSTEM_ERROR, str(exc)))

    def send_data(self, prog: int, vers: int, proc: int, mtype: int, serial: int,
                  status: int, bodies: list[Any]) -> None:
        """Send messages whose bodies are large bytes-likes (stream data), one
        message per body: headers and bodies go out together without being joined."""
        if self.closed is not None:
            raise_error(self.closed)
        parts: list[Any] = []
        for body in bodies:
            parts += (P.frame_head(prog, vers, proc, mtype, serial, status, len(body)), body)
        try:
            self.io.send_parts(parts)
        except OSError as exc:
            self.lost(exc)
            raise_error(self.closed or make_error(C.VIR_ERR_SYSTEM_ERROR, str(exc)))

    # -- input (loop thread) --------------------------------------------------------------
    def received(self, data: bytes) -> None:
        """Bytes arrived from the daemon."""
        self.last_rx = time.monotonic()
        if self._await_confirm and data:
            self._await_confirm = False
            if data[0] != 1:
                self.lost(ConnectionError("server verification (of our certificate or IP "
                                          "address) failed"))
                return
            data = data[1:]
        try:
            self.reader.push(data)
        except P.ProtocolError as exc:
            self.lost(exc)
            return
        self.received_frames()

    def received_frames(self) -> None:
        """Handle the frames the reader has complete (bytes went into ``reader``)."""
        next_frame = self.reader.next_frame
        while True:
            if self._fd_reply is not None and not self._reply_fds_read():
                return
            try:
                body = next_frame()
                if body is None:
                    return
                if len(body) >= P.MESSAGE_HEADER_SIZE:
                    prog, _v, _p, mtype, serial, status = P.HEADER.unpack_from(body)
                    if mtype == P.REPLY and prog != P.KEEPALIVE_PROGRAM:
                        # the usual case: a reply goes to its caller, no Message built
                        self._complete(serial, status, bytes(body[P.MESSAGE_HEADER_SIZE:]))
                        continue
                self._dispatch(P.parse_frame(body))
            except P.ProtocolError as exc:
                self.lost(exc)
                return
            except Exception:
                log.exception("remote: failed to handle a message")

    def _complete(self, serial: int, status: int, body: bytes,
                  fds: list[int] | None = None) -> None:
        """The reply to call ``serial`` arrived: hand it to its caller."""
        with self._lock:
            pending = self.pending.pop(serial, None)
            if pending is not None:
                pending.status = status
                pending.body = body
                pending.fds = fds or []
                pending.finish()
                return
        for fd in fds or ():
            os.close(fd)

    def _reply_fds_read(self) -> bool:
        """Drop the bytes that carried a REPLY_WITH_FDS's descriptors (libvirt sends
        one byte with each, after the reply); once all are read, complete the call
        with the descriptors.  False while some are still to come."""
        msg = self._fd_reply
        assert msg is not None
        self._fd_left -= self.reader.discard(self._fd_left)
        if self._fd_left:
            return False
        self._fd_reply = None
        fdq = self.fdq
        fds = [fdq.popleft() for _ in range(min(len(msg.fds), len(fdq)))]
        self._complete(msg.serial, msg.status, bytes(msg.body), fds)
        return True

    def _dispatch(self, msg: P.Message) -> None:
        if msg.prog == P.KEEPALIVE_PROGRAM:
            if msg.proc == P.KEEPALIVE_PROC_PING:
                self.io.send(PONG)
            return
        if msg.type == P.REPLY_WITH_FDS and msg.fds:
            self._fd_reply, self._fd_left = msg, len(msg.fds)
            return
        if msg.type in (P.REPLY, P.REPLY_WITH_FDS):
            self._complete(msg.serial, msg.status, msg.body)
            return
        # Events and stream data are handled on the loop thread, in order: events
        # always through the loop's queue, even when the loop itself read them, or
        # one it reads would overtake one a calling thread read just before and
        # queued; stream data through its stream's inbox.
        if msg.type == P.MESSAGE:
            if self.on_event is not None:
                self._to_loop(self.on_event, msg)
            return
        if msg.type in (P.STREAM, P.STREAM_HOLE):
            if msg.type == P.STREAM and msg.status != P.CONTINUE and msg.serial in self.pending:
                # the confirmation of a finish or abort: to the caller waiting for it
                self._complete(msg.serial, msg.status, bytes(msg.body))
                return
            stream = self.streams.get(msg.serial)
            if stream is not None:
                # in the order read: the loop, which read it, hands over at once what
                # the stream got (a caller's reads before it included); else soon
                stream.inbox.append(msg)
                if aioloop.in_loop_thread():
                    stream.drain()
                else:
                    self.loop.call_soon_threadsafe(stream.drain)

    def _to_loop(self, handler: Callable[[Any], None], arg: Any) -> None:
        """Queue ``handler(arg)`` on the loop, after everything queued before it."""
        if aioloop.in_loop_thread():
            self.loop.call_soon(handler, arg)
        else:
            self.loop.call_soon_threadsafe(handler, arg)

    def lost(self, exc: BaseException | None) -> None:
        """The connection broke: fail every pending call and stream, once."""
        with self._lock:
            if self.closed is not None:
                return
            if exc is None:
                detail = "End of file while reading data: Input/output error"
            else:
                detail = f"Cannot recv data: {exc}"
            self.closed = make_error(C.VIR_ERR_SYSTEM_ERROR, detail)
            for p in self.pending.values():
                p.error = self.closed
                p.finish()
            self.pending.clear()
            while self.fdq:
                os.close(self.fdq.popleft())
            streams = list(self.streams.values())
            self.streams.clear()
        for st in streams:             # after the stream data read before the end
            self._to_loop(st.lost, self.closed)
        self.stop_keepalive()
        self.io.close()
        reason = C.VIR_CONNECT_CLOSE_REASON_EOF if exc is None else C.VIR_CONNECT_CLOSE_REASON_ERROR
        for cb in list(self.on_close):
            try:
                cb(reason)
            except Exception:
                log.exception("close callback failed")

    def close(self) -> None:
        """Close the connection (pending calls fail)."""
        with self._lock:
            already = self.closed is not None
        if not already:
            self.lost(None)
            for cb in list(self.on_close):
                self.on_close.remove(cb)

    # -- keepalive ------------------------------------------------------------------------
    def start_keepalive(self, interval: int = 5, count: int = 5) -> None:
        """Ping the daemon after ``interval`` s of silence; close the connection after
        ``count`` unanswered pings (libvirt's virKeepAlive timing)."""
        if interval <= 0:
            return

        def send(data: bytes) -> None:
            try:
                self.io.send(data)
            except OSError as exc:
                self.lost(exc)

        def dead() -> None:
            log.warning("remote: the daemon stopped answering keepalives")
            self.lost(TimeoutError("connection closed due to keepalive timeout"))

        def begin() -> None:
            if self.closed is None:
                self._keepalive = KeepAlive(self.loop, interval, count, lambda: self.last_rx,
                                            send, dead)
                self._keepalive.start()
        self.loop.call_soon_threadsafe(begin)

    def stop_keepalive(self) -> None:
        """Stop pinging the daemon (any thread)."""
        ka, self._keepalive = self._keepalive, None
        if ka is not None:
            if aioloop.in_loop_thread():
                ka.stop()
            else:
                self.loop.call_soon_threadsafe(ka.stop)
