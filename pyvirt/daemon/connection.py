"""One client of pyvirtd: frames in, calls dispatched, replies and events out.

Frames are read and written on the daemon's asyncio loop.  A call runs
where its procedure says (:attr:`pyvirt.rpc.program.Procedure.mode`):
inline on the loop when it only reads memory, on the priority workers
for calls that must not wait (destroy, abort, info), else on the worker
pool; a driver may name queries it answers from memory
(``inline_queries``), which then run inline too.  A worker writes its
reply to the socket itself when no output waits before it (else the loop
sends it), so the client's answer costs one thread hop.  At most
``max_client_requests`` calls of one client run at once; beyond that the
daemon stops reading from it, as libvirtd does.  It also
stops reading from a client whose replies pile up unread
(``max_client_output``, and ``max_output`` for all clients together, see
:mod:`pyvirt.daemon.flow`), and handles at most ``FRAMES_PER_TURN``
messages of one client before the others get their turn, so a flood from
one client leaves the others' latency flat.

Malformed input never reaches a driver: a bad frame header or length
closes the connection, an unknown program, procedure or undecodable
argument struct gets an error reply, and a vanished client's calls finish
unseen while its event callbacks and streams are torn down.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import itertools
import logging
import os
import select
import socket
import struct
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from pyvirt import constants as C
from pyvirt.daemon import fdpass, fdreply, policy
from pyvirt.daemon.streams import ServerStream
from pyvirt.driver import caller
from pyvirt.driver import uri as urimod
from pyvirt.errors import libvirtError, no_support, report, report_system
from pyvirt.rpc import calls as K
from pyvirt.rpc import protocol as P
from pyvirt.rpc import qemu_protocol as Q
from pyvirt.rpc import remote_protocol as R
from pyvirt.rpc import xdr
from pyvirt.rpc.keepalive import PONG, KeepAlive
from pyvirt.rpc.program import INLINE, PRIORITY, Procedure

if TYPE_CHECKING:
    from pyvirt.daemon.server import Daemon, Listener

log = logging.getLogger("pyvirt.daemon")

# How long a thread producing stream data waits for a full client socket before
# it leaves the sending to the loop.
_DIRECT_WAIT = 1.0
# The socket send buffer asked for while streams run (the kernel caps it).
STREAM_SNDBUF = 2 << 20
# Messages of one client handled before the event loop serves the others.
FRAMES_PER_TURN = 16

PROGRAMS = {P.REMOTE_PROGRAM: R.PROGRAM, P.QEMU_PROGRAM: Q.QEMU, P.LXC_PROGRAM: Q.LXC}
CALLS = {P.REMOTE_PROGRAM: K.REMOTE_CALLS, P.QEMU_PROGRAM: K.bind(Q.QEMU),
         P.LXC_PROGRAM: K.bind(Q.LXC)}

# Procedures a client may call before it has authenticated.
_BEFORE_AUTH = {"AUTH_LIST", "AUTH_SASL_INIT", "AUTH_SASL_START", "AUTH_SASL_STEP",
                "AUTH_POLKIT", "CONNECT_SUPPORTS_FEATURE"}
# Procedures that need no open connection.
_BEFORE_OPEN = _BEFORE_AUTH | {"CONNECT_OPEN", "CONNECT_CLOSE", "CONNECT_IS_SECURE",
                               "CONNECT_SET_IDENTITY"}

# Flags that a read-only connection may not pass (they reveal secrets).
_SECURE_FLAGS = {
    "DOMAIN_GET_XML_DESC": C.VIR_DOMAIN_XML_SECURE,
    "DOMAIN_SNAPSHOT_GET_XML_DESC": C.VIR_DOMAIN_SNAPSHOT_XML_SECURE,
    "DOMAIN_MANAGED_SAVE_GET_XML_DESC": C.VIR_DOMAIN_SAVE_IMAGE_XML_SECURE,
    "DOMAIN_CHECKPOINT_GET_XML_DESC": C.VIR_DOMAIN_CHECKPOINT_XML_SECURE,
}

_SUPPORTED_FEATURES = {P.FEATURE_PROGRAM_KEEPALIVE, P.FEATURE_REMOTE_EVENT_CALLBACK,
                       P.FEATURE_REMOTE_CLOSE_CALLBACK, P.FEATURE_TYPED_PARAM_STRING,
                       P.FEATURE_XML_MIGRATABLE, P.FEATURE_FD_PASSING,
                       P.FEATURE_NETWORK_UPDATE_HAS_CORRECT_ORDER}


def _skip(parts: list[Any], n: int) -> list[Any]:
    """``parts`` without their first ``n`` bytes (views, no copies)."""
    out = []
    for p in parts:
        if n >= len(p):
            n -= len(p)
            continue
        out.append(memoryview(p)[n:] if n else p)
        n = 0
    return out


def c_name(method: str) -> str:
    """Return libvirt's C name of a driver method: domainGetInfo -> virDomainGetInfo."""
    return "vir" + method[0].upper() + method[1:]


class ClientConnection(asyncio.BufferedProtocol):
    """The daemon's side of one client connection."""

    def __init__(self, daemon: Daemon, listener: Listener) -> None:
        self.daemon = daemon
        self.listener = listener
        self.loop = daemon.loop
        self.transport: asyncio.Transport | None = None
        self.reader = P.FrameReader()
        self.readonly = listener.readonly
        self.authenticated = listener.auth == "none"
        self.sasl: Any = None
        self.uri: str | None = None
        self.drivers: Any = None
        self.ctx: K.Context | None = None
        self.inline = False
        self.identity = ""
        self.peer_uid: int | None = None
        self.inflight = 0
        self._pauses: set[str] = set()
        self.write_paused = False
        self.streams: dict[int, ServerStream] = {}
        self.events: dict[int, tuple[str, Any, int]] = {}   # our id -> (family, driver, drv id)
        self.legacy: dict[int, list[int]] = {}              # event ID -> our ids (old clients)
        self._ids = itertools.count(1)
        self.last_rx = time.monotonic()
        self.keepalive: KeepAlive | None = None
        self.closed = False
        # Workers write a reply themselves when nothing waits before it: every
        # write takes _wlock, and _wfd is a duplicate of the socket, closed
        # only under the lock, so it never names another file.
        self._wlock = threading.Lock()
        self._wfd = -1
        self._tail = b""
        # descriptors sent with calls (fdpass): the socket's queue (None: it cannot
        # pass any), and a CALL_WITH_FDS waiting for the bytes that carry them
        self._fdq: Any = None
        self._fdcall: tuple[P.Message, int] | None = None
        self._grown = False

    # -- asyncio protocol ------------------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self.identity = self._peer_identity(transport)
        limit = max(1, self.daemon.config.max_client_output)
        transport.set_write_buffer_limits(high=limit, low=limit // 4)
        if self.listener.auth == "polkit" and " uid=0 " in self.identity:
            self.authenticated = True   # libvirtd bypasses polkit for root clients
        if not self.daemon.admit(self):
            transport.abort()
            return
        if self.listener.kind == "tls":
            if not self._tls_allowed(transport):
                transport.abort()
                return
            # libvirt's confirmation that the client's certificate passed the
            # checks: one byte, inside TLS, before any message.
            transport.write(b"\x01")
        self._fdq = fdpass.queue_of(transport)
        sock = transport.get_extra_info("socket")
        if self.listener.kind != "tls" and sock is not None:
            try:
                self._wfd = os.dup(sock.fileno())
            except OSError:
                self._wfd = -1
        log.info("client connected: %s (%s)", self.identity, self.listener.kind)

    def get_buffer(self, sizehint: int) -> memoryview:
        # The socket is read straight into the frame reader (a long frame into a
        # buffer of its own): stream data is not copied on its way in.
        return self.reader.get_buffer()

    def buffer_updated(self, nbytes: int) -> None:
        self.last_rx = time.monotonic()
        self.reader.advance(nbytes)
        self._process()

    def data_received(self, data: bytes) -> None:
        """Bytes received by a transport that does not read into buffers."""
        self.last_rx = time.monotonic()
        self.reader.push(data)
        self._process()

    def _process(self) -> None:
        """Handle the complete frames received, until a pause or the end of the turn."""
        budget = FRAMES_PER_TURN
        while not self._pauses and not self.closed:
            try:
                if self._fdcall is not None and not self._take_fds():
                    return
                body = self.reader.next_frame()
                if body is None:
                    return
                self.handle(body)
            except P.ProtocolError as exc:
                log.warning("client %s: %s; dropping it", self.identity, exc)
                self.close()
                return
            except Exception:
                log.exception("client %s: internal error handling a message", self.identity)
                self.close()
                return
            budget -= 1
            if budget == 0:
                # Let the other clients' messages in before this client's next ones.
                self.pause_reading("turn")
                self.loop.call_soon(self.resume_reading, "turn")
                return

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        with self._wlock:
            if self._wfd >= 0:
                os.close(self._wfd)
                self._wfd = -1
        log.info("client disconnected: %s", self.identity)
        self.daemon.output.forget(self)
        self.daemon.pool.forget(self)
        self._cleanup()
        self.daemon.forget(self)

    def pause_writing(self) -> None:
        # max_client_output bytes wait for the client: read nothing more from it
        # until it has taken most of them.
        self.write_paused = True
        self.pause_reading("output")

    def resume_writing(self) -> None:
        self.write_paused = False
        self.daemon.output.note(self, self.queued_output())
        self.resume_reading("output")
        for st in list(self.streams.values()):
            st.pump()

    def queued_output(self) -> int:
        """Bytes written for the client and not yet taken by its socket."""
        t = self.transport
        return 0 if t is None or t.is_closing() else t.get_write_buffer_size()

    # -- output ---------------------------------------------------------------------------
    def send(self, data: bytes) -> None:
        """Queue bytes for the client; drop a client that lets too much pile up."""
        t = self.transport
        if t is None or self.closed or t.is_closing():
            return
        with self._wlock:
            if self._tail:
                t.write(self._tail)
                self._tail = b""
            t.write(data)
        queued = t.get_write_buffer_size()
        if queued > self.daemon.config.max_client_buffer:
            log.warning("client %s does not read its replies; dropping it", self.identity)
            self.close()
            return
        self.daemon.output.note(self, queued)

    def send_from_worker(self, data: bytes) -> bool:
        """Write ``data`` to the socket now (worker thread) when no output waits
        before it; False when it must go through the loop (send())."""
        ok, _ = self._direct(lambda wfd: os.write(wfd, data),
                             lambda n, _deadline: n == len(data) or self._leave_tail(data[n:]),
                             0.0)
        return ok

    def _leave_tail(self, rest: bytes) -> bool:
        """The socket took the start of a message (we hold _wlock): the loop sends
        ``rest`` before any later output."""
        self._tail = rest
        try:
            self.loop.call_soon_threadsafe(self.send, b"")
        except RuntimeError:
            pass
        return True

    def in_loop(self) -> bool:
        """Whether the caller runs on the daemon's loop thread."""
        return self.loop._thread_id == threading.get_ident()  # type: ignore[attr-defined]

    def can_write_direct(self) -> bool:
        """Whether other threads may write to the socket (not TLS)."""
        return self._wfd >= 0

    def receiving_fds(self) -> bool:
        """Whether a call waits for the bytes carrying its descriptors."""
        return self._fdcall is not None

    def dup_socket(self) -> int:
        """A duplicate of the socket for a thread that reads it while the loop does
        not (a spliced upload; -1 on TLS or once closed).  The caller closes it."""
        with self._wlock:
            if self._wfd < 0 or self.closed:
                return -1
            try:
                return os.dup(self._wfd)
            except OSError:
                return -1

    def write_direct(self, parts: list[Any], wait: float = _DIRECT_WAIT) -> bool:
        """Write one or more whole messages given as buffers (headers, stream data)
        with ``writev``, from a thread producing stream data, when no output waits
        before them.  While the client's socket is full the producer waits for it
        (up to ``wait`` seconds: its data then goes no faster than the client reads);
        False when nothing was written and the loop must send them."""
        total = sum(len(p) for p in parts)
        ok, _ = self._direct(lambda wfd: os.writev(wfd, parts),
                             lambda n, deadline: n == total or
                             self._finish_direct(parts, n, deadline), wait)
        return ok

    def write_direct_file(self, head: bytes, fd: int, offset: int, count: int,
                          wait: float = _DIRECT_WAIT) -> bool:
        """Like :meth:`write_direct` for one message whose body is ``count`` bytes of
        file ``fd`` at ``offset``, sent with ``sendfile`` (never copied through
        memory).  A file that ends early is padded with zeros (the message's length
        is promised); one that cannot be read is too, then raises libvirtError."""
        ok, failed = self._direct(
            lambda wfd: os.write(wfd, head),
            lambda n, deadline: self._finish_file(memoryview(head)[n:], fd, offset, count,
                                                  deadline), wait)
        if failed is not None:
            raise report_system(failed.errno or 0, "cannot read from the stream's file",
                                C.VIR_FROM_STREAMS)
        return ok

    def _direct(self, first: Callable[[int], int], rest: Callable[[int, float], Any],
                wait: float) -> tuple[bool, Any]:
        """Run ``first(fd)``, a non-blocking write to the socket, once nothing waits
        before it, waiting up to ``wait`` s while the socket is full; once it wrote
        anything, ``rest(n, deadline)`` completes the message(s) under the write lock.
        Returns (False, None) when nothing was written, else (True, rest's result)."""
        deadline = time.monotonic() + wait
        while True:
            with self._wlock:
                t = self.transport
                if (self._wfd < 0 or self._tail or self.closed or t is None
                        or t.is_closing() or t.get_write_buffer_size()):
                    return False, None
                wfd = self._wfd
                try:
                    n = first(wfd)
                except (BlockingIOError, InterruptedError):
                    n = -1
                except OSError:
                    return True, None   # the client is gone: its transport finds out
                if n >= 0:
                    return True, rest(n, deadline)
            if not self._wait_writable(wfd, deadline):
                return False, None

    def _finish_file(self, rest: memoryview, fd: int, offset: int, count: int,
                     deadline: float) -> OSError | None:
        # We hold _wlock and the message has begun: it must be completed.  Returns
        # the error reading the file met (the message was padded with zeros).
        wfd = self._wfd
        failed = None
        while rest or count:
            try:
                if rest:
                    rest = rest[os.write(wfd, rest):]
                    continue
                n = os.sendfile(wfd, fd, offset, count)
                if n == 0:              # the file ended early: zeros keep the framing
                    rest, count = memoryview(bytes(count)), 0
                offset, count = offset + n, count - n
            except (BlockingIOError, InterruptedError):
                if not self._wait_writable(wfd, deadline):
                    break
            except OSError as exc:
                if exc.errno in (errno.EPIPE, errno.ECONNRESET, errno.ENOTCONN):
                    return None         # the client is gone: its transport finds out
                failed, rest, count = exc, memoryview(bytes(count)), 0
        if rest or count:
            # the client stopped reading: the loop sends the rest before anything else
            data = bytes(rest)
            if count:
                data += os.pread(fd, count, offset).ljust(count, b"\0")
            self._leave_tail(data)
        return failed

    def _finish_direct(self, parts: list[Any], n: int, deadline: float) -> bool:
        # The socket took part of the messages (we hold _wlock): the rest must
        # follow before any other output.  A client that reads gets it now; else
        # it is left to the loop.
        rest = _skip(parts, n)
        while rest and self._wait_writable(self._wfd, deadline):
            try:
                rest = _skip(rest, os.writev(self._wfd, rest))
            except (BlockingIOError, InterruptedError):
                continue
            except OSError:
                return True
        if rest:
            self._leave_tail(b"".join(bytes(p) for p in rest))
        return True

    def grow_send_buffer(self) -> None:
        """Let the socket hold more unread output (a stream is starting): a producer
        that writes directly then waits less often for the client."""
        sock = self.transport.get_extra_info("socket") if self.transport else None
        if sock is not None and not self._grown:
            self._grown = True
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, STREAM_SNDBUF)

    @staticmethod
    def _wait_writable(fd: int, deadline: float) -> bool:
        left = deadline - time.monotonic()
        if left <= 0:
            return False
        poll = select.poll()
        poll.register(fd, select.POLLOUT)
        return bool(poll.poll(left * 1000))

    def reply(self, msg: P.Message, ok: bool, body: bytes) -> None:
        """Send the reply to a call."""
        self.send(P.frame(msg.prog, msg.vers, msg.proc, P.REPLY, msg.serial,
                          P.OK if ok else P.ERROR, body))

    def reply_error(self, msg: P.Message, code: int, detail: str,
                    domain: int = C.VIR_FROM_RPC) -> None:
        """Send an error reply with libvirt's wording of ``code``."""
        self.reply(msg, False, P.error_body(code, detail, domain))

    def close(self) -> None:
        """Close the connection (pending calls finish unseen)."""
        if self.transport is not None and not self.transport.is_closing():
            self.transport.abort()
        self.closed = True

    # -- flow control ----------------------------------------------------------------------
    def pause_reading(self, reason: str) -> None:
        """Stop reading from the client until ``resume_reading(reason)``."""
        if not self._pauses and self.transport is not None and not self.closed:
            self.transport.pause_reading()
        self._pauses.add(reason)

    def resume_reading(self, reason: str) -> None:
        """Undo one pause_reading (and handle the frames already received)."""
        if reason not in self._pauses:
            return
        self._pauses.discard(reason)
        if not self._pauses and self.transport is not None and not self.transport.is_closing():
            self.transport.resume_reading()
            if self.reader.pending:
                self.loop.call_soon(self._process)

    async def run_io(self, func: Callable[..., Any], *args: Any) -> Any:
        """Run a blocking driver call for a stream (inline for memory drivers)."""
        if self.inline:
            return func(*args)
        return await self.daemon.pool.submit("stream", func, *args)

    # -- input -------------------------------------------------------------------------------
    def handle(self, body: bytes | memoryview) -> None:
        """Handle one frame."""
        msg = P.parse_frame(body)
        if msg.prog == P.KEEPALIVE_PROGRAM:
            self._keepalive(msg)
            return
        if msg.type == P.CALL:
            self.dispatch(msg)
        elif msg.type in (P.STREAM, P.STREAM_HOLE):
            st = self.streams.get(msg.serial)
            if st is not None and st.proc == msg.proc:
                st.incoming(msg)
            elif msg.status != P.CONTINUE:
                # Finish or abort of a stream already gone: confirm, as there is
                # nothing left to do.
                self.send(P.frame(msg.prog, msg.vers, msg.proc, P.STREAM, msg.serial,
                                  P.OK, b""))
        elif msg.type == P.CALL_WITH_FDS:
            # its descriptors follow, one byte each: dispatched once they are in
            self._fdcall = (msg, len(msg.fds))
        else:
            log.debug("client %s: ignoring message of type %d", self.identity, msg.type)

    def _take_fds(self) -> bool:
        """Take the descriptors of the waiting CALL_WITH_FDS and dispatch it;
        False while bytes that carry them are still to come."""
        assert self._fdcall is not None
        msg, left = self._fdcall
        left -= self.reader.discard(left)
        if left:
            self._fdcall = (msg, left)
            return False
        self._fdcall = None
        fds = fdpass.take(self._fdq, len(msg.fds))
        if fds is None:
            msg.fds = []
            self.reply_error(msg, C.VIR_ERR_INTERNAL_ERROR,
                             "Receiving file descriptors is not supported on this socket")
            return True
        msg.fds = fds
        try:
            self.dispatch(msg)
        finally:
            fdpass.close_all(msg.fds)       # those no call took (an error reply)
        return True

    def _keepalive(self, msg: P.Message) -> None:
        if msg.proc == P.KEEPALIVE_PROC_PING:
            self.send(PONG)

    def dispatch(self, msg: P.Message) -> None:
        """Check a call and run it."""
        prog = PROGRAMS.get(msg.prog)
        if prog is None:
            self.reply_error(msg, C.VIR_ERR_RPC,
                             f"cannot find program {msg.prog:#x} version {msg.vers}")
            return
        if msg.vers != prog.version:
            self.reply_error(msg, C.VIR_ERR_RPC,
                             f"program version mismatch (actual {msg.vers}, "
                             f"expected {prog.version})")
            return
        proc = prog.get(msg.proc)
        if proc is None or proc.is_event:
            self.reply_error(msg, C.VIR_ERR_RPC, f"unknown procedure: {msg.proc}")
            return
        if msg.status != P.OK:
            self.reply_error(msg, C.VIR_ERR_RPC, f"unexpected message status {msg.status}")
            return
        if not self.authenticated and proc.name not in _BEFORE_AUTH:
            self.reply_error(msg, C.VIR_ERR_RPC, "authentication required")
            return
        handler = _INTERNAL.get((prog.name, proc.name))
        if handler is not None:
            args = self._decode(msg, proc)
            if args is None:
                return
            handler(self, msg, proc, args)
            return
        if self.drivers is None:
            self.reply_error(msg, C.VIR_ERR_INTERNAL_ERROR, "connection not open",
                             C.VIR_FROM_REMOTE)
            return
        self._call(msg, proc, CALLS[msg.prog][msg.proc])

    def _decode(self, msg: P.Message, proc: Procedure) -> tuple | None:
        """Return the call's arguments, or None after an error reply."""
        try:
            args = proc.decode_args(msg.body)
        except (xdr.XDRError, ValueError, UnicodeError) as exc:
            self.reply_error(msg, C.VIR_ERR_RPC, f"Unable to decode message payload: {exc}")
            return None
        return args

    def _call(self, msg: P.Message, proc: Procedure, call: K.Call) -> None:
        if call.method is None or (proc.fds and call.files_pos is None
                                   and proc.name not in K.REPLY_FDS):
            self._error(msg, no_support(c_name(call.method or proc.camel)))
            return
        args = self._decode(msg, proc)
        if args is None:
            return
        if self.readonly:
            secure = _SECURE_FLAGS.get(proc.name)
            if proc.writes or (secure and args and args[-1] & secure):
                what = c_name(call.method) + (" with secure flag" if not proc.writes else "")
                self.reply_error(msg, C.VIR_ERR_OPERATION_DENIED,
                                 f"read only access prevents {what}", C.VIR_FROM_NONE)
                return
        stream = None
        if proc.stream:
            stream = ServerStream(self, msg.prog, msg.vers, msg.proc, msg.serial)
            self.streams[msg.serial] = stream
        files, msg.fds = msg.fds, []        # execute() closes them
        mode = self._mode(proc, call)
        if mode == INLINE:
            ok, body = self.execute(call, args, stream, files)
            self._finish(msg, ok, body, stream)
            return
        pool = self.daemon.prio_pool if mode == PRIORITY else self.daemon.pool
        self.inflight += 1
        if self.inflight >= self.daemon.config.max_client_requests:
            self.pause_reading("requests")
        pool.call(proc.name, self._work, (msg, call, args, stream, files),
                  lambda done, value: self._done(msg, stream, done, value))
        pool.hold_back(self)

    def _work(self, msg: P.Message, call: K.Call, args: tuple, stream: ServerStream | None,
              files: list[int] | None = None) -> tuple[bool, bytes | None]:
        """Run the call (worker thread) and send its reply when it can go out at
        once (a stream's data then starts from here); return (ok, body), body None
        when sent."""
        ok, body = self.execute(call, args, stream, files)
        if isinstance(body, fdreply.FDBody):
            fdreply.reply_with_fds(self, msg, body, body.fds)
            return ok, None
        if stream is not None:
            if not ok or self.closed:
                return ok, body      # the loop sends the error and closes the stream
            stream.prepare()
        if self.send_from_worker(P.frame(msg.prog, msg.vers, msg.proc, P.REPLY, msg.serial,
                                         P.OK if ok else P.ERROR, body)):
            if stream is not None:
                stream.start_from_worker()
            return ok, None
        return ok, body

    def _mode(self, proc: Procedure, call: K.Call) -> str:
        """Where the call runs: the procedure's mode, or inline for a memory driver
        and for the queries the driver declares answerable from memory."""
        mode = proc.mode
        if mode == INLINE or self.inline:
            return INLINE
        if proc.writes or proc.stream:
            return mode
        drv = getattr(self.drivers, call.family or "", None)
        return INLINE if call.method in getattr(drv, "inline_queries", ()) else mode

    def _done(self, msg: P.Message, stream: ServerStream | None, done: bool,
              value: Any) -> None:
        """A worker ran the call: ``value`` is execute()'s (ok, body), or what it raised."""
        self.inflight -= 1
        if self.inflight < self.daemon.config.max_client_requests:
            self.resume_reading("requests")
        if done:
            ok, body = value
        else:
            ok, body = False, P.encode_error(value)
        if body is not None:
            self._finish(msg, ok, body, stream)

    def _finish(self, msg: P.Message, ok: bool, body: bytes,
                stream: ServerStream | None) -> None:
        if isinstance(body, fdreply.FDBody):
            fdreply.reply_with_fds(self, msg, body, body.fds)
        else:
            self.reply(msg, ok, body)
        if stream is not None:
            if ok and not self.closed:
                stream.start()
            else:
                stream.close()

    def execute(self, call: K.Call, args: tuple, stream: ServerStream | None,
                files: list[int] | None = None) -> tuple[bool, bytes]:
        """Call the driver (any thread); return (ok, reply body).  ``files`` are
        the descriptors the call carried, closed here (a driver keeps duplicates)."""
        try:
            return self._execute(call, args, stream, files)
        finally:
            fdpass.close_all(files)

    def _execute(self, call: K.Call, args: tuple, stream: ServerStream | None,
                 files: list[int] | None) -> tuple[bool, bytes]:
        proc = call.proc
        # _call() answers calls without a method; bind() sets family with method.
        assert call.family is not None and call.method is not None
        try:
            drv = getattr(self.drivers, call.family)
            method = call.driver_method(args) or ""
            func = getattr(drv, method, None)
            if func is None:
                raise no_support(c_name(method))
            dargs = call.driver_args(args, stream.stream if stream is not None else None,
                                     files)
            token = caller.current.set(self)
            try:
                result = func(*dargs)
            except libvirtError as exc:
                result = self._fallback(exc, drv, call, dargs)
            finally:
                caller.current.reset(token)
            if proc.name in K.REPLY_FDS:
                result, fds = K.split_fds(proc.name, result)
                return True, fdreply.FDBody(proc.encode_ret(call.wire_ret(result, args,
                                                                          self.ctx)), fds)
            return True, proc.encode_ret(call.wire_ret(result, args, self.ctx))
        except libvirtError as exc:
            return False, P.encode_error(exc)
        except xdr.XDRError as exc:
            log.warning("%s: result does not encode: %s", call.method, exc)
            return False, P.error_body(C.VIR_ERR_INTERNAL_ERROR,
                                       f"{c_name(call.method)} returned a result that does not "
                                       f"encode: {exc}")
        except Exception as exc:
            log.exception("%s failed", call.method)
            return False, P.encode_error(exc)

    def _fallback(self, exc: libvirtError, drv: Any, call: K.Call, dargs: tuple) -> Any:
        """Answer what libvirt answers without the driver, when the driver does not."""
        if exc.get_error_code() != C.VIR_ERR_NO_SUPPORT:
            raise exc
        method = call.method or ""
        if method.endswith("LookupByUUID"):
            return getattr(drv, method + "String")(*dargs[:-1], xdr.uuid_str(dargs[-1]))
        if method == "connectGetURI" and self.uri:
            return self.uri
        raise exc

    def _error(self, msg: P.Message, exc: BaseException) -> None:
        self.reply(msg, False, P.encode_error(exc))

    # -- events ------------------------------------------------------------------------------
    def deliver_event(self, family: str, event_id: int, cbid: int | None, handle: Any,
                      args: tuple) -> None:
        """Send an event message (loop thread)."""
        if self.closed:
            return
        try:
            name, body = K.event_message(family, event_id, cbid, handle, args)
            proc = R.PROGRAM[name]
            data = proc.encode_args(body)
        except (KeyError, xdr.XDRError, TypeError, ValueError) as exc:
            log.warning("cannot send event %s/%d: %s", family, event_id, exc)
            return
        self.send(P.frame(P.REMOTE_PROGRAM, P.REMOTE_PROTOCOL_VERSION, proc.number, P.MESSAGE,
                          1, P.OK, data))

    def register_event(self, family: str, obj: Any, event_id: int, legacy: bool) -> int:
        """Register a driver callback for ``event_id``; return our callback ID."""
        _reg, _dereg, drv_family, reg, _ = K.EVENT_FAMILIES[family]
        drv = getattr(self.drivers, drv_family)
        ours = next(self._ids)
        loop = self.loop
        sent_id = None if legacy else ours

        def deliver(handle: Any, *args: Any) -> None:
            loop.call_soon_threadsafe(self.deliver_event, family, event_id, sent_id, handle,
                                      args)
        drv_id = getattr(drv, reg)(obj, event_id, deliver)
        self.events[ours] = (family, drv, drv_id)
        if legacy:
            self.legacy.setdefault(event_id, []).append(ours)
        return ours

    def deregister_event(self, ours: int) -> None:
        """Remove a callback registered by register_event."""
        entry = self.events.pop(ours, None)
        if entry is None:
            raise report(C.VIR_ERR_INVALID_ARG,
                         f"could not find event callback {ours} for deletion")
        family, drv, drv_id = entry
        getattr(drv, K.EVENT_FAMILIES[family][4])(drv_id)

    # -- end ---------------------------------------------------------------------------------
    def _cleanup(self) -> None:
        if self.keepalive is not None:
            self.keepalive.stop()
        for st in list(self.streams.values()):
            st.abort()
        self.streams.clear()
        for ours in list(self.events):
            try:
                self.deregister_event(ours)
            except Exception:
                log.debug("event deregistration failed", exc_info=True)
        if self.drivers is not None:
            release = getattr(self.drivers.hv, "release_caller", None)
            if release is not None:
                try:
                    release(self)           # what the driver kept for this client
                except Exception:
                    log.exception("releasing what client %s left failed", self.identity)
            self.daemon.release_drivers(self.uri)
            self.drivers = None

    def start_keepalive(self) -> None:
        """Ping the client after keepalive_interval s of silence; drop it after
        keepalive_count unanswered pings (libvirt's virKeepAlive timing)."""
        cfg = self.daemon.config
        if self.keepalive is not None or cfg.keepalive_interval <= 0 or self.closed:
            return

        def dead() -> None:
            log.warning("client %s: no response after %d keepalive messages in %d seconds; "
                        "dropping it", self.identity, cfg.keepalive_count,
                        cfg.keepalive_interval * (cfg.keepalive_count + 1))
            self.close()
        self.keepalive = KeepAlive(self.loop, cfg.keepalive_interval, cfg.keepalive_count,
                                   lambda: self.last_rx, self.send, dead)
        self.keepalive.start()

    # -- identity ----------------------------------------------------------------------------
    def _peer_identity(self, transport: asyncio.Transport) -> str:
        sock = transport.get_extra_info("socket")
        if sock is not None and sock.family == socket.AF_UNIX:
            try:
                creds = sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, 12)
                pid, uid, gid = struct.unpack("3i", creds)
                self.peer_uid = uid
                return f"unix pid={pid} uid={uid} gid={gid}"
            except OSError:
                return "unix"
        peer = transport.get_extra_info("peername")
        return f"{self.listener.kind} {peer}"

    def _tls_allowed(self, transport: asyncio.Transport) -> bool:
        from pyvirt.rpc import tls
        dn = tls.distinguished_name(transport.get_extra_info("peercert"))
        if not tls.dn_allowed(dn, self.daemon.config.tls_allowed_dn_list):
            log.warning("client certificate '%s' is not in tls_allowed_dn_list", dn)
            return False
        self.identity += f" dn={dn}"
        return True


# --- procedures answered by the daemon itself -------------------------------------------
Handler = Callable[[ClientConnection, P.Message, Procedure, tuple], None]
_INTERNAL: dict[tuple[str, str], Handler] = {}


def internal(*names: str, program: str = "remote") -> Callable[[Handler], Handler]:
    """Register a handler for procedures ``names`` of ``program``."""
    def register(func: Handler) -> Handler:
        for name in names:
            _INTERNAL[(program, name)] = func
        return func
    return register


def _ok(conn: ClientConnection, msg: P.Message, proc: Procedure, values: tuple) -> None:
    conn.reply(msg, True, proc.encode_ret(values))


@internal("AUTH_LIST")
def _auth_list(conn: ClientConnection, msg: P.Message, proc: Procedure, args: tuple) -> None:
    kind = {"none": P.AUTH_NONE, "sasl": P.AUTH_SASL, "polkit": P.AUTH_POLKIT}.get(
        conn.listener.auth, P.AUTH_NONE)
    _ok(conn, msg, proc, ([P.AUTH_NONE] if conn.authenticated else [kind],))


@internal("AUTH_SASL_INIT", "AUTH_SASL_START", "AUTH_SASL_STEP")
def _auth_sasl(conn: ClientConnection, msg: P.Message, proc: Procedure, args: tuple) -> None:
    from pyvirt.daemon import sasl
    if conn.listener.auth != "sasl":
        conn.reply_error(msg, C.VIR_ERR_AUTH_FAILED, "unsupported authentication type",
                         C.VIR_FROM_REMOTE)
        return
    try:
        values = sasl.step(conn, proc.name, args)
    except libvirtError as exc:
        conn._error(msg, exc)
        return
    _ok(conn, msg, proc, values)


@internal("AUTH_POLKIT")
def _auth_polkit(conn: ClientConnection, msg: P.Message, proc: Procedure, args: tuple) -> None:
    conn.reply_error(msg, C.VIR_ERR_AUTH_FAILED, "polkit authentication is not supported",
                     C.VIR_FROM_REMOTE)


@internal("CONNECT_OPEN")
def _open(conn: ClientConnection, msg: P.Message, proc: Procedure, args: tuple) -> None:
    name, flags = args
    if conn.drivers is not None:
        conn.reply_error(msg, C.VIR_ERR_INTERNAL_ERROR, "connection already open",
                         C.VIR_FROM_REMOTE)
        return
    text = name or conn.daemon.config.default_uri or urimod.default_uri()
    try:
        parsed = urimod.parse(text)
        policy.check_open(conn.daemon.config, parsed, conn.peer_uid)
    except libvirtError as exc:
        conn._error(msg, exc)
        return
    if flags & C.VIR_CONNECT_RO:
        conn.readonly = True

    def opened(fut: asyncio.Future) -> None:
        try:
            drivers = fut.result()
        except Exception as exc:
            if policy.is_test_file(parsed):
                exc = policy.opaque_load_error(parsed, exc)
            elif not isinstance(exc, libvirtError):
                log.exception("opening %s failed", text)
            conn._error(msg, exc)
            return
        if conn.closed:
            conn.daemon.release_drivers(text)
            return
        conn.uri, conn.drivers = text, drivers
        conn.ctx = K.Context(drivers)
        conn.inline = parsed.driver in conn.daemon.config.inline_drivers
        _ok(conn, msg, proc, ())

    fut = conn.daemon.prio_pool.submit(proc.name, conn.daemon.open_drivers, text)
    fut.add_done_callback(opened)


@internal("CONNECT_CLOSE")
def _close(conn: ClientConnection, msg: P.Message, proc: Procedure, args: tuple) -> None:
    conn._cleanup()
    _ok(conn, msg, proc, ())


@internal("CONNECT_SUPPORTS_FEATURE")
def _feature(conn: ClientConnection, msg: P.Message, proc: Procedure, args: tuple) -> None:
    (feature,) = args
    if feature == P.FEATURE_PROGRAM_KEEPALIVE:
        conn.start_keepalive()
    _ok(conn, msg, proc, (1 if feature in _SUPPORTED_FEATURES else 0,))


@internal("CONNECT_IS_SECURE")
def _secure(conn: ClientConnection, msg: P.Message, proc: Procedure, args: tuple) -> None:
    _ok(conn, msg, proc, (1 if conn.listener.kind in ("unix", "tls") else 0,))


@internal("CONNECT_REGISTER_CLOSE_CALLBACK", "CONNECT_UNREGISTER_CLOSE_CALLBACK",
          "CONNECT_SET_IDENTITY")
def _nothing(conn: ClientConnection, msg: P.Message, proc: Procedure, args: tuple) -> None:
    _ok(conn, msg, proc, ())


def _needs_open(conn: ClientConnection, msg: P.Message) -> bool:
    if conn.drivers is None:
        conn.reply_error(msg, C.VIR_ERR_INTERNAL_ERROR, "connection not open",
                         C.VIR_FROM_REMOTE)
        return False
    return True


_REGISTER = {spec[0]: fam for fam, spec in K.EVENT_FAMILIES.items()}
_DEREGISTER = {spec[1]: fam for fam, spec in K.EVENT_FAMILIES.items()}


@internal(*_REGISTER)
def _event_register(conn: ClientConnection, msg: P.Message, proc: Procedure,
                    args: tuple) -> None:
    if not _needs_open(conn, msg):
        return
    event_id, obj = args
    try:
        ours = conn.register_event(_REGISTER[proc.name], obj, event_id, legacy=False)
    except libvirtError as exc:
        conn._error(msg, exc)
        return
    _ok(conn, msg, proc, (ours,))


@internal(*_DEREGISTER)
def _event_deregister(conn: ClientConnection, msg: P.Message, proc: Procedure,
                      args: tuple) -> None:
    if not _needs_open(conn, msg):
        return
    try:
        conn.deregister_event(args[0])
    except libvirtError as exc:
        conn._error(msg, exc)
        return
    _ok(conn, msg, proc, ())


@internal("CONNECT_DOMAIN_EVENT_REGISTER_ANY", "CONNECT_DOMAIN_EVENT_REGISTER")
def _legacy_register(conn: ClientConnection, msg: P.Message, proc: Procedure,
                     args: tuple) -> None:
    if not _needs_open(conn, msg):
        return
    event_id = args[0] if args else C.VIR_DOMAIN_EVENT_ID_LIFECYCLE
    try:
        conn.register_event("domain", None, event_id, legacy=True)
    except libvirtError as exc:
        conn._error(msg, exc)
        return
    _ok(conn, msg, proc, (1,) if proc.ret_spec else ())


@internal("CONNECT_DOMAIN_EVENT_DEREGISTER_ANY", "CONNECT_DOMAIN_EVENT_DEREGISTER")
def _legacy_deregister(conn: ClientConnection, msg: P.Message, proc: Procedure,
                       args: tuple) -> None:
    if not _needs_open(conn, msg):
        return
    event_id = args[0] if args else C.VIR_DOMAIN_EVENT_ID_LIFECYCLE
    ids = conn.legacy.pop(event_id, [])
    if not ids:
        conn.reply_error(msg, C.VIR_ERR_INTERNAL_ERROR,
                         f"domain event {event_id} not registered", C.VIR_FROM_REMOTE)
        return
    for ours in ids:
        conn.deregister_event(ours)
    _ok(conn, msg, proc, (0,) if proc.ret_spec else ())


@internal("DOMAIN_OPEN_NAMESPACE", program="lxc")
def _lxc_open_namespace(conn: ClientConnection, msg: P.Message, proc: Procedure,
                        args: tuple) -> None:
    if _needs_open(conn, msg):
        fdreply.open_namespace(conn, msg, args)


@internal("CONNECT_DOMAIN_MONITOR_EVENT_REGISTER", "CONNECT_DOMAIN_MONITOR_EVENT_DEREGISTER",
          program="qemu")
def _monitor_events(conn: ClientConnection, msg: P.Message, proc: Procedure,
                    args: tuple) -> None:
    conn._error(msg, no_support("virConnectDomainQemuMonitorEventRegister"))

