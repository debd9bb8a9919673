"""The daemon's end of streams: driver Streams carried as STREAM messages.

A call that opens a stream (console, volume upload/download, screenshot)
gets a non-blocking :class:`pyvirt.driver.stream.Stream` bound by the
driver.  Data the driver feeds is sent to the client as ``STREAM``
messages with status ``CONTINUE`` (at most libvirt's 256 KiB each), end
of file as an empty ``CONTINUE`` (libvirt's convention), a failure as
status ``ERROR``; holes of a sparse stream travel as ``STREAM_HOLE``
messages both ways.  Data the client
sends is written to the driver's sink in order, on a worker, and reading
from the client pauses while too much is queued.  The client's ``OK``
(finish) and ``ERROR`` (abort) are confirmed with a ``STREAM`` message of
the same serial.
"""

from __future__ import annotations

import asyncio
import collections
import logging
from typing import TYPE_CHECKING, Any, cast

from pyvirt import constants as C
from pyvirt.driver.stream import Stream
from pyvirt.errors import libvirtError, report
from pyvirt.rpc import protocol as P

if TYPE_CHECKING:
    from pyvirt.daemon.connection import ClientConnection

log = logging.getLogger("pyvirt.daemon")

_QUEUE_HIGH = 16     # queued incoming chunks before reading from the client pauses
_FINISH, _ABORT = object(), object()


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
        self.started = False          # the call's reply went out: data may follow
        self.closed = False
        self.eof_sent = False
        self._queue: collections.deque[Any] = collections.deque()
        self._writer: asyncio.Task | None = None
        self._paused = False
        self._scheduled = False
        self.stream.watch(self._changed)

    # -- driver -> client --------------------------------------------------------
    def _changed(self) -> None:
        # Any thread: the driver fed data, ended, or failed.
        if not self._scheduled and not self.closed:
            self._scheduled = True
            self.conn.loop.call_soon_threadsafe(self.pump)

    def start(self) -> None:
        """The call succeeded and its reply was sent: start moving data."""
        self.started = True
        self.pump()

    def pump(self) -> None:
        """Send what the driver has produced, while the client keeps up (loop thread)."""
        self._scheduled = False
        if not self.started or self.closed or self.eof_sent:
            return
        while not self.conn.write_paused:
            try:
                if self.stream.next_is_hole():
                    self._send(P.CONTINUE, P.encode_hole(self.stream.recv_hole()),
                               P.STREAM_HOLE)
                    continue
                got = self.stream.recv(P.STREAM_CHUNK_MAX)
            except libvirtError as exc:
                self._send(P.ERROR, P.encode_error(exc))
                self.close()
                return
            if got == -2:
                return
            if not got:
                # libvirt marks the end of the data with an empty CONTINUE.
                self.eof_sent = True
                self._send(P.CONTINUE, b"")
                return
            self._send(P.CONTINUE, cast(bytes, got))

    def _send(self, status: int, body: bytes, mtype: int = P.STREAM) -> None:
        self.conn.send(P.frame(self.prog, self.vers, self.proc, mtype, self.serial,
                               status, body))

    # -- client -> driver ----------------------------------------------------------
    def incoming(self, msg: P.Message) -> None:
        """Handle a STREAM or STREAM_HOLE message from the client (loop thread)."""
        if msg.type == P.STREAM_HOLE:
            try:
                self._enqueue(_HoleItem(P.decode_hole(msg.body)))
            except ValueError:
                self._enqueue(_ABORT)
        elif msg.status == P.CONTINUE:
            if msg.body:
                self._enqueue(msg.body)
        elif msg.status == P.OK:
            self._enqueue(_FINISH)
        else:
            self._enqueue(_ABORT)

    def _enqueue(self, item: Any) -> None:
        if self.closed:
            return
        self._queue.append(item)
        if len(self._queue) >= _QUEUE_HIGH and not self._paused:
            self._paused = True
            self.conn.pause_reading("stream")
        if self._writer is None or self._writer.done():
            self._writer = self.conn.loop.create_task(self._drain())

    async def _drain(self) -> None:
        while self._queue and not self.closed:
            item = self._queue.popleft()
            if self._paused and len(self._queue) < _QUEUE_HIGH // 4:
                self._paused = False
                self.conn.resume_reading("stream")
            try:
                if item is _FINISH:
                    await self.conn.run_io(self.stream.finish)
                    self._send(P.OK, b"")
                    self.close()
                elif item is _ABORT:
                    await self.conn.run_io(self.stream.abort)
                    self._send(P.OK, b"")
                    self.close()
                elif isinstance(item, _HoleItem):
                    await self.conn.run_io(self.stream.send_hole, item.length)
                else:
                    await self.conn.run_io(self._write, item)
            except libvirtError as exc:
                self._send(P.ERROR, P.encode_error(exc))
                self.close()
            except Exception as exc:
                log.exception("stream write failed")
                self._send(P.ERROR, P.encode_error(exc))
                self.close()
        if self._paused:
            self._paused = False
            self.conn.resume_reading("stream")

    def _write(self, data: bytes) -> None:
        if self.stream.sink is None:
            raise report(C.VIR_ERR_OPERATION_INVALID, "this stream does not accept data",
                         C.VIR_FROM_STREAMS)
        self.stream.send(data)

    # -- end -----------------------------------------------------------------------
    def close(self) -> None:
        """Forget the stream (its driver end is finished or aborted)."""
        if self.closed:
            return
        self.closed = True
        self.stream.unwatch(self._changed)
        self.conn.streams.pop(self.serial, None)
        if self._paused:
            self._paused = False
            self.conn.resume_reading("stream")

    def abort(self) -> None:
        """The client went away: abort the driver's end."""
        if self.closed:
            return
        self.closed = True
        self.stream.unwatch(self._changed)
        try:
            self.stream.abort()
        except Exception:
            log.debug("abort of a stream failed", exc_info=True)
