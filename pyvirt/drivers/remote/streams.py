"""The client's end of streams: a driver Stream fed from STREAM messages.

A call that opens a stream (openConsole, download, upload, screenshot)
registers its :class:`ClientStream` under the call's serial before the
call is sent, since data may follow the reply at once.  Incoming data
feeds the application's :class:`pyvirt.driver.stream.Stream`; what the
application sends goes out as STREAM messages (at most 256 KiB each).
``finish()`` and ``abort()`` send status OK / ERROR and wait for the
daemon's confirmation, as libvirt's client does: the caller reads it itself
when no other thread reads the socket, like a call's reply.
"""

from __future__ import annotations

import collections
from typing import Any

from pyvirt.driver.stream import Stream
from pyvirt.rpc import protocol as P

_CONFIRM_TIMEOUT = 30.0
# Data messages received and not yet taken by the application before the
# connection is not read any more (a download to a slow disk is not held in
# memory whole), and how few let it be read again.
_QUEUE_HIGH = 32
_QUEUE_LOW = 8


class ClientStream:
    """Bridges one driver Stream and the STREAM messages of one call."""

    def __init__(self, client: Any, stream: Stream) -> None:
        self.client = client
        self.stream = stream
        self.serial = 0
        self.proc = 0
        self.prog = P.REMOTE_PROGRAM
        self.vers = P.REMOTE_PROTOCOL_VERSION
        self.done = False
        self.allow_skip = False       # holes may be sent (a sparse volume transfer)
        self.paused = False           # the connection is not read: the application lags
        # messages received for the stream, in order, for the loop thread to handle
        self.inbox: collections.deque[P.Message] = collections.deque()
        stream.starved = self._resume_soon

    def bind(self) -> None:
        """Attach to the application's stream after the call succeeded."""
        self.client.io.grow_send_buffer()
        self.stream.bind(self)

    # -- the application's side (the sink) -------------------------------------------
    def write(self, data: bytes) -> None:
        """Send data to the daemon (the caller's thread), as many messages as it
        takes, with one system call."""
        view = memoryview(data)
        self.client.send_data(self.prog, self.vers, self.proc, P.STREAM, self.serial,
                              P.CONTINUE, [view[off:off + P.STREAM_CHUNK_MAX]
                                           for off in range(0, len(view), P.STREAM_CHUNK_MAX)])

    def write_hole(self, length: int) -> None:
        """Send a hole to the daemon (a sparse upload): a STREAM_HOLE message."""
        if not self.allow_skip:
            from pyvirt import constants as C
            from pyvirt.errors import report
            raise report(C.VIR_ERR_OPERATION_INVALID,
                         "Skipping is not supported with this stream", C.VIR_FROM_RPC)
        self.client.send_raw(self.prog, self.vers, self.proc, P.STREAM_HOLE, self.serial,
                             P.CONTINUE, P.encode_hole(length))

    def finish(self) -> None:
        """End the transfer and wait for the daemon to confirm."""
        self._end(P.OK)

    def abort(self) -> None:
        """Abort the transfer."""
        self._end(P.ERROR)

    def _end(self, status: int) -> None:
        if self.done or self.client.closed is not None:
            self._forget()
            return
        try:
            got, body = self.client.end_stream(self, status, _CONFIRM_TIMEOUT)
        except Exception:
            self._forget()
            if status == P.OK:
                raise
            return
        self._forget()
        if status == P.OK and got != P.OK:
            from pyvirt.drivers.remote.client import raise_error
            err = P.decode_error(body).err
            assert err is not None      # decode_error() always builds the error tuple
            raise_error(err)

    def _forget(self) -> None:
        self.done = True
        self.client.streams.pop(self.serial, None)
        self._resume_soon()

    def _taken(self, body: memoryview) -> None:
        # (the application's thread) a lent message was copied: its buffer may be
        # received into again; the loop checks whether to read again
        self.client.reader.recycle(body)
        self._resume_soon()

    def _resume_soon(self) -> None:
        # (any thread) while the connection is paused, the loop checks whether to read
        # again.  Also the stream's ``starved`` hook (the application waits for data,
        # its stream marked so): reading resumes even when no piece it took gave a
        # buffer back (holes, short messages, or pieces it still holds while
        # gathering a larger one).  With the loop's order in incoming() (paused set,
        # then the mark read), either the loop sees the mark and does not pause, or
        # this sees ``paused``.
        if self.paused:
            self.client.loop.call_soon_threadsafe(self._resume)

    def _resume(self) -> None:
        if self.paused and (self.done or self.stream.queued() <= _QUEUE_LOW
                            or self.stream.starving()):
            self.paused = False
            self.client.io.resume()

    # -- the daemon's side (loop thread) ---------------------------------------------------
    def drain(self) -> None:
        """Handle the messages received for the stream so far, in order."""
        inbox = self.inbox
        while inbox:
            self.incoming(inbox.popleft())

    def incoming(self, msg: P.Message) -> None:
        """A STREAM (or STREAM_HOLE) message for this stream arrived."""
        if msg.type == P.STREAM_HOLE:
            try:
                self.stream.feed_hole(P.decode_hole(msg.body))
            except ValueError as exc:
                from pyvirt.errors import report
                self.stream.feed_error(report(1, f"malformed stream hole: {exc}"))
            return
        if msg.status == P.CONTINUE:
            body = msg.body
            if isinstance(body, memoryview) and len(body):
                # the application copies it when it takes it; then the reader may
                # receive into its buffer again
                self.stream.feed_lent(body, lambda: self._taken(body))
                if not self.paused and not self.done and \
                        self.stream.queued() >= _QUEUE_HIGH:
                    self.paused = True
                    if self.stream.starving():      # it waits: never pause then
                        self.paused = False
                    else:
                        self.client.io.pause()
            elif body:
                self.stream.feed(body)
            else:                      # libvirt's end of data: an empty CONTINUE
                self.stream.feed_eof()
            return
        if msg.status == P.OK:
            self.stream.feed_eof()
            return
        self.stream.feed_error(P.decode_error(msg.body))

    def lost(self, err: Any) -> None:
        """The connection broke."""
        from pyvirt.errors import libvirtError
        self.stream.feed_error(libvirtError(err[2], err=err))
