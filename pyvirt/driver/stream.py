"""The driver side of a virStream: bytes between an application and a driver.

A stream is made by ``virConnect.newStream()`` and bound to a transfer by a
driver call (``openConsole``, ``download``, ``upload``, ``screenshot``).
The driver produces data with :meth:`Stream.feed` / :meth:`Stream.feed_eof`
/ :meth:`Stream.feed_error`, and consumes what the application sends
through the ``sink`` it binds (``sink.write(data)``, ``sink.finish()``,
``sink.abort()``).  Every method is thread-safe: drivers may feed from
their own threads.

Sparse streams (libvirt's virStreamSendHole/RecvHole) carry holes between
the data: a driver feeds one with :meth:`Stream.feed_hole`, the
application skips it with ``recvFlags(STOP_AT_HOLE)`` (-3) and
``recvHole()``, or reads it as zeros with a plain ``recv()``; holes the
application sends go to ``sink.write_hole(length)``, which sinks that do
not take holes lack.
"""

from __future__ import annotations

import collections
import os
import threading
from collections.abc import Callable
from typing import Any, Protocol

from pyvirt import constants as C
from pyvirt.errors import libvirtError, report, report_system

_FROM = C.VIR_FROM_STREAMS

#: the data moved in one piece: what sendAll asks its handler for, what recvAll
#: asks for, a region a download feeds.  Four of libvirt's stream messages
#: (262120 bytes of data each, VIR_NET_MESSAGE_LEGACY_PAYLOAD_MAX), so through
#: an RPC connection a piece is whole messages, never a short one after them.
CHUNK = 4 * 262120

#: the piece of a stream whose both ends are in this process (an application and a
#: storage driver in process): whole pages, as the file's writes then are (writes
#: that start or end inside a page cost the kernel several times more to put in
#: the page cache: 3-5x the system time, 1 GiB in 1,048,480-byte writes against
#: 1 MiB ones); no wire message limits it
LOCAL_CHUNK = 1 << 20


class Sink(Protocol):
    """Where the data an application sends goes."""

    def write(self, data: bytes) -> None: ...
    def finish(self) -> None: ...
    def abort(self) -> None: ...


class Hole:
    """A hole of ``length`` bytes between data chunks."""

    __slots__ = ("length",)

    def __init__(self, length: int) -> None:
        self.length = length


class Region:
    """``length`` bytes of an open file from ``offset``, read only when they are taken
    (by the application's recv() on its thread; pyvirtd sends them with ``sendfile``,
    with no copy in between).  ``source`` has
    the file's descriptor ``fd`` (-1 once closed) and a ``lock`` its closer takes."""

    __slots__ = ("length", "offset", "source")

    def __init__(self, source: Any, offset: int, length: int) -> None:
        self.source, self.offset, self.length = source, offset, length

    def __len__(self) -> int:
        return self.length

    def read(self, nbytes: int) -> bytes:
        """Take up to ``nbytes`` from the front of the region (b'' when the file is
        closed or ends early)."""
        with self.source.lock:
            fd = self.source.fd
            try:
                data = os.pread(fd, min(nbytes, self.length), self.offset) if fd >= 0 else b""
            except OSError as exc:
                raise report_system(exc.errno or 0, "cannot read from the stream's file",
                                    _FROM) from None
        self.offset += len(data)
        self.length = self.length - len(data) if data else 0
        return data


class Lent:
    """Data in a buffer lent by its owner (a connection's receive buffer): copied to
    bytes when the application takes it, then ``release()`` gives the buffer back
    to be filled again (no new buffer per message)."""

    __slots__ = ("release", "view")

    def __init__(self, view: memoryview, release: Callable[[], None]) -> None:
        self.view, self.release = view, release

    def __len__(self) -> int:
        return len(self.view)


#: lent pieces that may wait for a gathering consumer before it is woken anyway
_GATHER_PIECES = 8

#: what recvFlags(STOP_AT_HOLE) returns when a hole comes next
AT_HOLE = -3


class Stream:
    """A bidirectional byte stream with an end-of-file and an error state."""

    def __init__(self, flags: int = 0) -> None:
        self.nonblock = bool(flags & C.VIR_STREAM_NONBLOCK)
        self._cond = threading.Condition()
        self._chunks: collections.deque[bytes | memoryview | Hole | Region | Lent] = \
            collections.deque()
        self._eof = False
        self._error: libvirtError | None = None
        self._closed = False
        # data a consumer gathering with recv_whole still lacks: feeds of less do not
        # wake it (one wake-up per chunk it returns, not one per message)
        self._lacking = 0
        self._closer: Callable[[], None] | None = None     # see feed_eof
        self.sink: Sink | None = None
        self.bound = False
        # Whether a download may feed file regions, read when taken (see
        # feed_region): an application in process reads them on its own thread
        # (no thread hop per chunk), pyvirtd sends them with sendfile; pyvirtd
        # clears it while its loop, which reads no files, sends.
        self.takes_regions = True
        # The size of a piece: what sendAll asks its handler for and recvAll for, a
        # download's regions.  A driver in process sets LOCAL_CHUNK unless the stream
        # is a daemon's (``on_wire``: its pieces are whole messages).
        self.piece = CHUNK
        self.on_wire = False
        # Called (under the stream's lock) when the application is about to wait for
        # data: a feeder that stopped reading for a full queue must read again, or a
        # consumer holding some of the queue's pieces (recv_whole) or passing pieces
        # that give nothing back (holes, short messages) would wait for ever.
        self.starved: Callable[[], None] | None = None
        self._starving = False
        self._watchers: list[Callable[[], None]] = []

    # --- driver side ---------------------------------------------------
    def bind(self, sink: Sink | None = None) -> None:
        """Attach the stream to a transfer; ``sink`` receives sent data."""
        with self._cond:
            if self.bound:
                raise report(C.VIR_ERR_OPERATION_INVALID, "stream is already in use", _FROM)
            self.bound = True
            self.sink = sink
        self._notify()

    def feed(self, data: bytes) -> None:
        """Make ``data`` available to the application's recv()."""
        if not data:
            return
        with self._cond:
            if self._closed:
                return
            self._chunks.append(data if isinstance(data, bytes) else bytes(data))
            self._cond.notify_all()
        self._notify()

    def feed_lent(self, view: memoryview, release: Callable[[], None]) -> None:
        """Make the data in ``view`` available without copying it now: the
        application's recv() copies it and then calls ``release()`` (never called
        when the stream is closed first)."""
        if not len(view):
            release()
            return
        with self._cond:
            if self._closed:
                return
            self._chunks.append(Lent(view, release))
            self._wake(len(view))
        self._notify()

    def _wake(self, fed: int) -> None:
        # (under _cond) ``fed`` bytes were lent: wake the consumer, unless a recv_whole
        # waits for more than that and few pieces wait (fewer than a connection's
        # reader queues before it stops reading)
        if self._lacking > fed and len(self._chunks) < _GATHER_PIECES:
            self._lacking -= fed
            return
        self._lacking = 0
        self._cond.notify_all()

    def feed_region(self, region: Region) -> None:
        """Make a file region available like data (read when taken)."""
        if not region.length:
            return
        with self._cond:
            if self._closed:
                return
            self._chunks.append(region)
            self._cond.notify_all()
        self._notify()

    def take_region(self) -> Region | None:
        """Take the file region that comes next, whole (None when other data or
        nothing comes next): the daemon sends it from the file."""
        with self._cond:
            if self._chunks and isinstance(self._chunks[0], Region):
                region = self._chunks.popleft()
                self._cond.notify_all()
                assert isinstance(region, Region)
                return region
            return None

    def feed_hole(self, length: int) -> None:
        """Make a hole of ``length`` bytes the next thing the application receives."""
        if length <= 0:
            return
        with self._cond:
            if self._closed:
                return
            last = self._chunks[-1] if self._chunks else None
            if isinstance(last, Hole):
                last.length += length
            else:
                self._chunks.append(Hole(length))
            self._cond.notify_all()
        self._notify()

    def feed_eof(self, closer: Callable[[], None] | None = None) -> None:
        """Mark the end of the data.  ``closer()`` (releasing what the fed file
        regions are read from) runs once, on the consumer's thread as it meets the
        end (before it sees it), or when the stream is finished or aborted first:
        the producer need not wait for its regions to be taken."""
        with self._cond:
            self._eof = True
            if not self._closed:
                self._closer, closer = closer, None
            self._cond.notify_all()
        if closer is not None:
            closer()                    # closed already: nothing will be read
        self._notify()

    def _close_source(self) -> None:
        with self._cond:
            closer, self._closer = self._closer, None
        if closer is not None:
            closer()

    def feed_error(self, err: libvirtError) -> None:
        """Fail the stream: the application's next call raises ``err``."""
        with self._cond:
            self._error = err
            self._cond.notify_all()
        self._notify()

    def _wait_data(self) -> None:
        """(under _cond) Wait for what a feeder gives, marked waiting (:meth:`starving`)
        and telling the feeder first (:attr:`starved`)."""
        self._starving = True
        try:
            if self.starved is not None:
                self.starved()
            self._cond.wait()
        finally:
            self._starving = False

    def starving(self) -> bool:
        """Whether the application waits for data now (any thread)."""
        return self._starving

    def wait_room(self, backlog: int) -> bool:
        """Block while ``backlog`` or more fed chunks wait for the application (a
        producer's flow control); False once the stream is closed or aborted."""
        with self._cond:
            while len(self._chunks) >= backlog and not self._closed:
                self._cond.wait()
            return not self._closed

    def queued(self) -> int:
        """How many fed pieces wait for the application (any thread)."""
        return len(self._chunks)

    # --- application side ------------------------------------------------
    def recv(self, nbytes: int, stop_at_hole: bool = False) -> bytes | int:
        """Return up to ``nbytes`` (b'' at end of file; -2 if non-blocking and empty).
        A hole comes as zeros, or, with ``stop_at_hole``, as :data:`AT_HOLE` (-3)."""
        with self._cond:
            while not self._chunks and not self._eof and self._error is None:
                if self.nonblock:
                    return -2
                self._wait_data()
            if self._chunks:
                chunk = self._chunks[0]
                if isinstance(chunk, Hole):
                    if stop_at_hole:
                        return AT_HOLE
                    take = min(nbytes, chunk.length)
                    chunk.length -= take
                    if not chunk.length:
                        self._chunks.popleft()
                    self._cond.notify_all()
                    return bytes(take)
                if isinstance(chunk, Region):
                    data = chunk.read(nbytes)
                    if not chunk.length:
                        self._chunks.popleft()
                        self._cond.notify_all()
                    if data:
                        return data
                    return self.recv(nbytes, stop_at_hole)    # the file ended early
                if isinstance(chunk, Lent):
                    lent = chunk.view
                    if len(lent) > nbytes:
                        chunk.view = lent[nbytes:]
                        return bytes(lent[:nbytes])
                    self._chunks.popleft()
                    self._cond.notify_all()
                    data = bytes(lent)
                    chunk.release()
                    return data
                if len(chunk) > nbytes:
                    # the rest stays queued as a view: each byte is copied once
                    view = memoryview(chunk)
                    self._chunks[0] = view[nbytes:]
                    return bytes(view[:nbytes])
                self._chunks.popleft()
                self._cond.notify_all()
                return chunk if isinstance(chunk, bytes) else bytes(chunk)
            if self._error is not None:
                raise self._error
        self._close_source()            # before the end is seen
        return b""

    def recv_whole(self, nbytes: int, stop_at_hole: bool = False) -> bytes | int:
        """Like :meth:`recv`, but data fed in pieces (a remote stream's messages) is
        gathered until ``nbytes`` are in or something else comes next (a hole, a
        file region, the end, an error: the next call meets it), and copied once
        into the bytes returned (no bytes per piece: building and freeing those
        has the allocator hand memory back to the kernel and fault it in again)."""
        views: list[memoryview] = []
        lent: list[Lent] = []
        have = 0
        with self._cond:
            while have < nbytes:
                while not self._chunks and not self._eof and self._error is None \
                        and not self.nonblock:
                    self._lacking = nbytes - have
                    self._wait_data()
                self._lacking = 0
                chunk = self._chunks[0] if self._chunks else None
                if chunk is None or isinstance(chunk, (Hole, Region)):
                    break
                view = chunk.view if isinstance(chunk, Lent) else memoryview(chunk)
                take = min(nbytes - have, len(view))
                if not views and take == nbytes == len(view) and isinstance(chunk, bytes):
                    break                   # one whole piece: recv() returns it as it is
                views.append(view[:take])
                have += take
                if take < len(view):
                    if isinstance(chunk, Lent):
                        chunk.view = view[take:]
                    else:
                        self._chunks[0] = view[take:]
                    continue
                self._chunks.popleft()
                if isinstance(chunk, Lent):
                    lent.append(chunk)
            data = b"".join(views)
            if views:
                self._cond.notify_all()
        if not views:
            return self.recv(nbytes, stop_at_hole)
        for chunk in lent:
            chunk.release()
        return data

    def recv_hole(self) -> int:
        """Take the hole that comes next and return its length (0: data comes next)."""
        with self._cond:
            while not self._chunks and not self._eof and self._error is None:
                if self.nonblock:
                    return 0
                self._wait_data()
            if self._chunks and isinstance(self._chunks[0], Hole):
                hole = self._chunks.popleft()
                self._cond.notify_all()
                assert isinstance(hole, Hole)
                return hole.length
            if not self._chunks and self._error is not None:
                raise self._error
            return 0

    def failed(self) -> bool:
        """Whether the driver failed the stream (and no data waits before the error)."""
        with self._cond:
            return self._error is not None and not self._chunks

    def next_is_hole(self) -> bool:
        """Whether a hole is the next thing queued (the daemon's pump asks)."""
        with self._cond:
            return bool(self._chunks) and isinstance(self._chunks[0], Hole)

    def send_hole(self, length: int) -> None:
        """Hand a hole of ``length`` bytes to the driver's sink."""
        with self._cond:
            if self._error is not None:
                raise self._error
            sink = self.sink
        write_hole = getattr(sink, "write_hole", None)
        if write_hole is None:
            raise report(C.VIR_ERR_OPERATION_INVALID,
                         "this stream does not accept holes (not a sparse upload)", _FROM)
        write_hole(length)

    def _data_sink(self) -> Sink:
        with self._cond:
            if self._error is not None:
                raise self._error
            sink = self.sink
        if sink is None:
            raise report(C.VIR_ERR_OPERATION_INVALID,
                         "stream does not accept data (not bound to an upload or console)",
                         _FROM)
        return sink

    def send(self, data: bytes) -> int:
        """Hand ``data`` to the driver's sink; return the count sent."""
        # sinks consume what they are given before returning: no copy needed
        self._data_sink().write(data)
        return len(data)

    def send_vector(self, buffers: list[Any]) -> None:
        """Hand several buffers to the driver's sink at once (one write where the
        sink can: ``sink.write_vector``)."""
        sink = self._data_sink()
        write_vector = getattr(sink, "write_vector", None)
        if write_vector is not None:
            write_vector(buffers)
            return
        for data in buffers:
            sink.write(data)

    def finish(self) -> None:
        """End a transfer successfully (the driver's sink sees finish())."""
        with self._cond:
            err = self._error
            sink = self.sink
            self._closed = True
            self._cond.notify_all()
        self._close_source()
        if sink is not None:
            sink.finish()
        if err is not None:
            raise err

    def abort(self) -> None:
        """Cancel the transfer."""
        with self._cond:
            self._closed = True
            self._eof = True
            sink = self.sink
            self._cond.notify_all()
        self._close_source()
        if sink is not None:
            sink.abort()

    def readiness(self) -> int:
        """Return the VIR_STREAM_EVENT_* bits that hold now."""
        events = 0
        with self._cond:
            if self._chunks or self._eof:
                events |= C.VIR_STREAM_EVENT_READABLE
            if self._error is not None:
                events |= C.VIR_STREAM_EVENT_ERROR
            if self.sink is not None and not self._closed:
                events |= C.VIR_STREAM_EVENT_WRITABLE
        return events

    def watch(self, func: Callable[[], None]) -> None:
        """Call ``func`` whenever the stream's state changes."""
        self._watchers.append(func)

    def unwatch(self, func: Callable[[], None]) -> None:
        """Stop calling ``func``."""
        if func in self._watchers:
            self._watchers.remove(func)

    def _notify(self) -> None:
        for func in list(self._watchers):
            func()


def handle_of(stream: Any) -> Stream:
    """Return the driver-side Stream of a virStream handle (drivers call this)."""
    if not isinstance(stream, Stream):
        raise report(C.VIR_ERR_INVALID_STREAM, "virStream", _FROM)
    return stream
