"""The daemon's end of streams: driver Streams carried as STREAM messages.

A call that opens a stream (console, volume upload/download, screenshot)
gets a non-blocking :class:`pyvirt.driver.stream.Stream` bound by the
driver.  Data the driver feeds is sent to the client as ``STREAM``
messages with status ``CONTINUE`` (at most libvirt's 256 KiB each), end
of file as an empty ``CONTINUE`` (libvirt's convention), a failure as
status ``ERROR``; holes of a sparse stream travel as ``STREAM_HOLE``
messages both ways.  Data the client
sends is written to the driver's sink in order, on a worker, and reading
from the client pauses while too much is queued; an upload into a file
takes its data messages from the socket on that worker with splice(2)
once the loop reads nothing more of them (:mod:`pyvirt.daemon.splice`).  The client's ``OK``
(finish) and ``ERROR`` (abort) are confirmed with a ``STREAM`` message of
the same serial.
"""

from __future__ import annotations

import asyncio
import collections
import logging
import os
import threading
import time
from typing import TYPE_CHECKING, Any, cast

from pyvirt import constants as C
from pyvirt.daemon import splice
from pyvirt.driver.stream import Region, Stream
from pyvirt.errors import libvirtError, report
from pyvirt.rpc import protocol as P

if TYPE_CHECKING:
    from pyvirt.daemon.connection import ClientConnection

log = logging.getLogger("pyvirt.daemon")

_QUEUE_HIGH = 16     # queued incoming chunks before reading from the client pauses
_LINGER = 0.005      # how long an upload's writer waits for more data before leaving
_BATCH = 16          # data messages written to the driver at once
_TAKE_MAX = 16 * P.STREAM_CHUNK_MAX   # driver data sent at once (split into messages)
_FINISH, _ABORT = object(), object()
_CONFIRMED = object()     # a finish or abort done and confirmed to the client by the worker


class _HoleItem:
    """A hole the client sent, queued in order with its data."""

    __slots__ = ("length",)

    def __init__(self, length: int) -> None:
        self.length = length


class ServerStream:
    """One open stream of a client, identified by the serial of its call."""

    def __init__(self, conn: ClientConnection, prog: int, vers: int, proc: int,
                 serial: int) -> None:
        self.conn = conn
        self.prog, self.vers, self.proc, self.serial = prog, vers, proc, serial
        self.stream = Stream(C.VIR_STREAM_NONBLOCK)
        self.stream.takes_regions = conn.can_write_direct()
        self.stream.on_wire = True       # its pieces stay whole messages
        self.started = False          # the call's reply went out: data may follow
        self.closed = False
        self.eof_sent = False
        self._queue: collections.deque[Any] = collections.deque()
        self._writer: asyncio.Task | None = None
        self._paused = False
        self._resuming = False
        self._more = threading.Event()   # data was queued (wakes a lingering writer)
        self._scheduled = False
        # Who takes the driver's data and sends it: the producing thread itself,
        # straight to the socket, or the loop once the socket was full (until
        # its output is drained).  _plock keeps the two from interleaving.
        self._plock = threading.Lock()
        self._via_loop = False
        self._held: list[Any] = []    # messages the producer could not write
        # client -> volume by splice: possible (a file, no TLS, not inline), and
        # running (the writer, not the loop, reads the socket)
        self._splice_ok = False
        self._splicing = False
        self._running = False         # the writer runs the splicing now
        self._slock = threading.Lock()    # between the two: a close cancels or waits
        self._ahead = b""             # bytes of the next messages the loop had read
        self.spliced = 0              # messages spliced (tests look)
        self.stream.watch(self._changed)

    # -- driver -> client --------------------------------------------------------
    def _changed(self) -> None:
        # Any thread: the driver fed data, ended, or failed.
        if self.closed:
            return
        if self.started and not self._via_loop and not self.conn.in_loop() and \
                self._plock.acquire(blocking=False):
            try:
                self._send_direct()
            finally:
                self._plock.release()
            if not self._via_loop:
                return
        self._schedule()

    def _schedule(self) -> None:
        if not self._scheduled and not self.closed:
            self._scheduled = True
            self.conn.loop.call_soon_threadsafe(self.pump)

    def prepare(self) -> None:
        """The call succeeded: get ready for data, which may follow its reply at once
        (any thread, before the reply is sent)."""
        self._splice_ok = (hasattr(self.stream.sink, "can_splice") and splice.available()
                           and not self.conn.inline and self.conn.can_write_direct())
        self.conn.grow_send_buffer()

    def start(self) -> None:
        """The call succeeded and its reply was sent: start moving data (loop thread)."""
        self.prepare()
        self.started = True
        self.pump()

    def start_from_worker(self) -> None:
        """The worker that ran the call sent its reply (after :meth:`prepare`): start
        moving data from that thread, as a producer does (what a download fed
        meanwhile goes from its file by sendfile, not read by the loop)."""
        self.started = True
        self._changed()

    def _take(self) -> list[Any] | None:
        """The next message(s) to send as (status, body parts, type), taken from the
        driver's stream; None when nothing waits.  Raises libvirtError."""
        if self.stream.next_is_hole():
            return [(P.CONTINUE, P.encode_hole(self.stream.recv_hole()), P.STREAM_HOLE)]
        got = self.stream.recv(_TAKE_MAX)
        if got == -2:
            return None
        if not got:
            # libvirt marks the end of the data with an empty CONTINUE.
            self.eof_sent = True
            return [(P.CONTINUE, b"", P.STREAM)]
        view = memoryview(cast(bytes, got))
        return [(P.CONTINUE, view[off:off + P.STREAM_CHUNK_MAX], P.STREAM)
                for off in range(0, len(view), P.STREAM_CHUNK_MAX)]

    def _parts(self, msgs: list[Any]) -> list[Any]:
        parts: list[Any] = []
        for status, body, mtype in msgs:
            parts.append(P.frame_head(self.prog, self.vers, self.proc, mtype, self.serial,
                                      status, len(body)))
            parts.append(body)
        return parts

    def _send_direct(self) -> None:
        """Send what the driver produced from the producing thread (we hold _plock)."""
        while not self.closed and not self.eof_sent:
            if self.stream.failed():
                self._via_loop = True       # the loop sends the error and closes
                return
            region = self.stream.take_region()
            if region is not None:
                if not self._send_region(region):
                    return
                continue
            msgs = self._take()
            if msgs is None:
                return
            parts = self._parts(msgs)
            if not self.conn.write_direct(parts):
                # the socket is full or output waits: the loop sends them first
                self._held = parts
                self._lagging()
                return

    def _send_region(self, region: Region) -> bool:
        """Send a file region as messages straight from the file (``sendfile``);
        False when the loop must send (the rest of) it, read into memory."""
        with region.source.lock:
            fd = region.source.fd
            while region.length and fd >= 0:
                n = min(region.length, P.STREAM_CHUNK_MAX)
                head = P.frame_head(self.prog, self.vers, self.proc, P.STREAM, self.serial,
                                    P.CONTINUE, n)
                if not self.conn.write_direct_file(head, fd, region.offset, n):
                    break
                region.offset += n
                region.length -= n
        if not region.length:
            return True
        rest = []
        while region.length:
            data = region.read(P.STREAM_CHUNK_MAX)
            if not data:
                break
            rest += self._parts([(P.CONTINUE, data, P.STREAM)])
        self._held = rest
        self._lagging()
        return False

    def _lagging(self) -> None:
        # The client's socket is full: the loop sends from now on, and the driver
        # feeds bytes again, not regions (the loop does not read files).
        self._via_loop = True
        self.stream.takes_regions = False

    def pump(self) -> None:
        """Send what the driver has produced, while the client keeps up (loop thread)."""
        self._scheduled = False
        # (the end of the data may be among the held messages: they go out first)
        if not self.started or self.closed or (self.eof_sent and not self._held):
            return
        if not self._plock.acquire(blocking=False):
            self.conn.loop.call_later(0.001, self.pump)     # the producer sends now
            return
        try:
            if self._held:
                held, self._held = self._held, []
                self.conn.send(b"".join(held))
            while not self.eof_sent and not self.conn.write_paused:
                try:
                    msgs = self._take()
                except libvirtError as exc:
                    self._send(P.ERROR, P.encode_error(exc))
                    self.close()
                    return
                if msgs is None:
                    break
                for status, body, mtype in msgs:
                    self._send(status, bytes(body), mtype)
                if self.eof_sent:
                    return
            if self._via_loop and not self.conn.queued_output():
                self._via_loop = False
                self.stream.takes_regions = self.conn.can_write_direct()
        finally:
            self._plock.release()

    def _send(self, status: int, body: bytes, mtype: int = P.STREAM) -> None:
        self.conn.send(P.frame(self.prog, self.vers, self.proc, mtype, self.serial,
                               status, body))

    # -- client -> driver ----------------------------------------------------------
    def incoming(self, msg: P.Message) -> None:
        """Handle a STREAM or STREAM_HOLE message from the client (loop thread)."""
        if msg.type == P.STREAM_HOLE:
            try:
                item: Any = _HoleItem(P.decode_hole(msg.body))
            except ValueError:
                self._enqueue(_ABORT)
                return
            self._hand_over()
            self._enqueue(item)
        elif msg.status == P.CONTINUE:
            if msg.body:
                self._hand_over()
                self._enqueue(msg.body)
        elif msg.status == P.OK:
            self._enqueue(_FINISH)
        else:
            self._enqueue(_ABORT)

    def _enqueue(self, item: Any) -> None:
        if self.closed:
            return
        self._queue.append(item)
        self._more.set()
        if len(self._queue) >= _QUEUE_HIGH and not self._paused:
            self._paused = True
            self.conn.pause_reading("stream")
        if self._writer is None or self._writer.done():
            self._writer = self.conn.loop.create_task(self._drain())

    async def _drain(self) -> None:
        # One trip to a worker writes everything queued by then (not one per chunk).
        while self._queue and not self.closed:
            try:
                end = await self.conn.run_io(self._write_queued)
                if end is not None:
                    if end is not _CONFIRMED:
                        self._send(P.OK, b"")
                    self.close()
            except Exception as exc:
                if not isinstance(exc, libvirtError):
                    log.exception("stream write failed")
                self._send(P.ERROR, P.encode_error(exc))
                self.close()
                # as libvirtd, a failed transfer is aborted: the volume is free again
                self._abort_driver()
        self._resume()

    def _write_queued(self) -> object | None:
        """Hand the queued data and holes to the driver (a worker), up to a finish or
        an abort, which it carries out and returns."""
        queue = self._queue
        while not self.closed:
            if self._paused and not self._resuming and len(queue) < _QUEUE_HIGH // 4:
                self._resuming = True       # read from the client again
                self.conn.loop.call_soon_threadsafe(self._resume)
            if not queue:
                if self._splicing:
                    if self._splice_run():
                        queue.appendleft(_FINISH)     # the run read the client's finish
                    continue
                # more data is usually on its way: wait a moment for it rather
                # than going back to the loop and here again for each chunk
                self._more.clear()
                if not queue and not self._more.wait(_LINGER):
                    return None
                continue
            item = queue.popleft()
            if item is _FINISH or item is _ABORT:
                if item is _FINISH:
                    self.stream.finish()
                else:
                    self.stream.abort()
                # the worker confirms when it can write to the socket now (no hop
                # back to the loop before the client hears of it)
                done = P.frame(self.prog, self.vers, self.proc, P.STREAM, self.serial, P.OK,
                               b"")
                return _CONFIRMED if self.conn.send_from_worker(done) else item
            if isinstance(item, _HoleItem):
                self.stream.send_hole(item.length)
                continue
            # the data queued in a row goes to the volume in one write
            batch = [item]
            while queue and len(batch) < _BATCH and not isinstance(
                    queue[0], _HoleItem) and queue[0] is not _FINISH and queue[0] is not _ABORT:
                batch.append(queue.popleft())
            self._write(batch)
        return None

    def _hand_over(self) -> None:
        # (loop thread, before the message is queued: the writer sees the flag once
        # it took the message) Stop reading: the writer reads the following data
        # messages itself, starting with the bytes of them already received.
        conn = self.conn
        if (not self._splice_ok or self._splicing or self.closed or conn.closed
                or conn.receiving_fds()):
            return
        ahead = conn.reader.take_pending()
        if ahead is None:
            return
        self._ahead = ahead
        self._splicing = True
        conn.pause_reading("splice")

    def _splice_run(self) -> bool:
        """Splice the upload's next data messages from the socket into the volume
        (the writer, on a worker), then give the socket back to the loop; True when
        the run ended at the client's finish, which the writer then carries out.
        Raises the volume's libvirtError."""
        with self._slock:
            if not self._splicing:
                return False                # the stream closed: close() took it back
            self._running = True
        rest, gone, self._ahead = self._ahead, False, b""
        finished = False
        try:
            sink = self.stream.sink
            fd = self.conn.dup_socket()
            if fd < 0:
                return False
            if not sink.can_splice():        # type: ignore[union-attr]
                os.close(fd)
                return False
            run = splice.Run(fd, (self.prog, self.vers, self.proc, self.serial), sink,
                             self.stream.send_hole, self._splice_alive, self._seen,
                             rest)
            rest = b""
            try:
                run.run()
                finished = run.finished
            except splice.Gone:
                gone = True
            finally:
                rest = run.rest + bytes(run.ahead)     # (after a failed write too)
                self.spliced += run.frames
                run.close()
        finally:
            with self._slock:
                self._splicing = self._running = False
            self.conn.loop.call_soon_threadsafe(self._splice_done, rest, gone)
        return finished

    def _splice_alive(self) -> bool:
        return not self.closed and not self.conn.closed

    def _seen(self) -> None:
        self.conn.last_rx = time.monotonic()

    def _splice_done(self, rest: bytes, gone: bool) -> None:
        """The loop reads the socket again, starting with the bytes the run read of a
        message that was not its own (loop thread)."""
        if gone:
            log.warning("client %s: its connection failed in a stream message",
                        self.conn.identity)
            self.conn.close()
            return
        try:
            if rest:
                self.conn.reader.push(rest)
        except P.ProtocolError as exc:
            log.warning("client %s: %s; dropping it", self.conn.identity, exc)
            self.conn.close()
            return
        self.conn.resume_reading("splice")

    def _resume(self) -> None:
        self._resuming = False
        if self._paused:
            self._paused = False
            self.conn.resume_reading("stream")

    def _write(self, batch: list[Any]) -> None:
        if self.stream.sink is None:
            raise report(C.VIR_ERR_OPERATION_INVALID, "this stream does not accept data",
                         C.VIR_FROM_STREAMS)
        self.stream.send_vector(batch)

    # -- end -----------------------------------------------------------------------
    def close(self) -> None:
        """Forget the stream (its driver end is finished or aborted)."""
        if self.closed:
            return
        self.closed = True
        self._more.set()
        self.stream.unwatch(self._changed)
        self.conn.streams.pop(self.serial, None)
        with self._slock:
            # the socket was handed to the writer, which will not run any more:
            # the loop reads it again, from the bytes it had handed over
            cancel = self._splicing and not self._running
            self._splicing = self._splicing and self._running
        if cancel:
            ahead, self._ahead = self._ahead, b""
            self._splice_done(ahead, False)
        if self._paused:
            self._paused = False
            self.conn.resume_reading("stream")

    def abort(self) -> None:
        """The client went away: abort the driver's end."""
        if self.closed:
            return
        self.closed = True
        self._more.set()
        self.stream.unwatch(self._changed)
        self._abort_driver()

    def _abort_driver(self) -> None:
        try:
            self.stream.abort()
        except Exception:
            log.debug("abort of a stream failed", exc_info=True)
