"""virStream: the application's end of a console, upload or download."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from pyvirt import constants as C
from pyvirt.api import _generated as G
from pyvirt.api import event
from pyvirt.api.base import ApiObject
from pyvirt.driver.stream import LOCAL_CHUNK as _WHOLE
from pyvirt.driver.stream import Stream
from pyvirt.errors import check_flags, report


class virStream(ApiObject, G._virStream):  # noqa: N801
    """A data stream; made by virConnect.newStream(), bound by a transfer call."""

    def __init__(self, conn: Any, _obj: Any = None) -> None:
        ApiObject.__init__(self, conn, _obj if _obj is not None else Stream())
        self._cb: tuple[Callable[..., Any], Any] | None = None
        self._timer: event.LoopTimer | None = None
        self._events = 0
        self._watch: Callable[[], None] | None = None

    def send(self, data: bytes) -> int:
        """Send bytes to the driver; return how many were sent."""
        return self._o.send(data)

    def recv(self, nbytes: int) -> bytes | int:
        """Receive up to ``nbytes``: b'' at end, -2 when non-blocking and none ready."""
        return self._o.recv(nbytes)

    def recvFlags(self, nbytes: int, flags: int = 0) -> bytes | int:  # noqa: N802
        """Receive like recv(); with VIR_STREAM_RECV_STOP_AT_HOLE a hole that comes next
        is -3 (take it with recvHole()) instead of zeros."""
        check_flags(flags, C.VIR_STREAM_RECV_STOP_AT_HOLE, "virStreamRecvFlags",
                    C.VIR_FROM_STREAMS)
        return self._o.recv(nbytes, bool(flags & C.VIR_STREAM_RECV_STOP_AT_HOLE))

    def recvHole(self, flags: int = 0) -> int:  # noqa: N802
        """The length of the hole that comes next (taking it); 0 when data comes next."""
        check_flags(flags, 0, "virStreamRecvHole", C.VIR_FROM_STREAMS)
        return self._o.recv_hole()

    def sendHole(self, length: int, flags: int = 0) -> int:  # noqa: N802
        """Send a hole of ``length`` bytes (a sparse upload skips it)."""
        check_flags(flags, 0, "virStreamSendHole", C.VIR_FROM_STREAMS)
        if length < 0:
            raise report(C.VIR_ERR_INVALID_ARG, "length must be non-negative",
                         C.VIR_FROM_STREAMS)
        self._o.send_hole(length)
        return 0

    def finish(self) -> None:
        """Finish the transfer; raises if the driver reported an error."""
        self._o.finish()

    def abort(self) -> None:
        """Abort the transfer."""
        self._o.abort()

    def recvAll(self, handler: Callable[[Any, bytes, Any], Any], opaque: Any) -> None:  # noqa: N802
        """Receive until end of file, passing each chunk to handler(stream, data, opaque).

        The chunks are 1 MiB (the last aside), gathered from the smaller pieces a
        remote stream gives (262,120-byte messages) with one copy: an application
        that writes them to a file then writes whole pages, which the kernel takes
        at a fraction of the cost of writes that end inside one.  What came before
        an error reaches the handler before the error is raised."""
        while True:
            got = self._o.recv_whole(_WHOLE)
            if got == -2:
                continue
            if not got:
                break
            self._deliver(handler, cast(bytes, got), opaque)
            del got         # freed before the next is gathered: its pages take the next

    def _deliver(self, handler: Callable[..., Any], data: Any, opaque: Any) -> None:
        # a handler that fails aborts the transfer
        try:
            handler(self, data, opaque)
        except BaseException:
            self.abort()
            raise

    def sendAll(self, handler: Callable[[Any, int, Any], bytes], opaque: Any) -> None:  # noqa: N802
        """Send what handler(stream, nbytes, opaque) returns until it returns b''."""
        while True:
            try:
                got = handler(self, self._o.piece, opaque)
            except BaseException:
                self.abort()
                raise
            if not got:
                break
            self.send(got)

    def sparseRecvAll(self, handler: Callable[..., Any], holeHandler: Callable[..., Any],  # noqa: N802,N803
                      opaque: Any) -> None:
        """Receive until end of file: data to handler(stream, data, opaque), each hole's
        length to holeHandler(stream, length, opaque).  The data comes in 1 MiB
        chunks gathered as recvAll's are (shorter before a hole)."""
        while True:
            got = self._o.recv_whole(_WHOLE, stop_at_hole=True)
            if got == -2:
                raise report(C.VIR_ERR_OPERATION_INVALID, "cannot use sparseRecvAll with "
                             "a non-blocking stream", C.VIR_FROM_STREAMS)
            if got == -3:
                self._deliver(holeHandler, self._o.recv_hole(), opaque)
                continue
            if not got:
                break
            self._deliver(handler, got, opaque)
            del got

    def sparseSendAll(self, handler: Callable[..., Any], holeHandler: Callable[..., Any],  # noqa: N802,N803
                      skipHandler: Callable[..., Any], opaque: Any) -> None:
        """Send a sparse source: holeHandler(stream, opaque) says (in_data, section
        length) at the current place; data sections are read by handler(stream, nbytes,
        opaque) and sent, holes are sent as holes and skipped by skipHandler(stream,
        length, opaque)."""
        while True:
            try:
                in_data, section = holeHandler(self, opaque)
                if not in_data and section > 0:
                    self.sendHole(section, 0)
                    skipHandler(self, section, opaque)
                    continue
                piece = self._o.piece
                want = min(piece, section) if in_data and section > 0 else piece
                got = handler(self, want, opaque)
            except BaseException:
                self.abort()
                raise
            if not got:
                break
            self.send(got)

    def eventAddCallback(self, events: int, cb: Callable[[Any, int, Any], Any],  # noqa: N802
                         opaque: Any) -> None:
        """Call cb(stream, events, opaque) from the event loop when ``events`` hold."""
        self._cb = (cb, opaque)
        self._events = events
        self._timer = event.LoopTimer(self._fire)
        self._watch = self._changed
        self._o.watch(self._watch)
        self._changed()

    def eventUpdateCallback(self, events: int) -> None:  # noqa: N802
        """Change the events of interest."""
        self._events = events
        self._changed()

    def eventRemoveCallback(self) -> None:  # noqa: N802
        """Remove the callback."""
        if self._watch is not None:
            self._o.unwatch(self._watch)
            self._watch = None
        if self._timer is not None:
            self._timer.remove()
            self._timer = None
        self._cb = None

    def _changed(self) -> None:
        timer = self._timer
        if timer is not None and self._o.readiness() & self._events:
            timer.arm()

    def _fire(self, _timer: int, _opaque: Any) -> None:
        timer = self._timer
        if timer is None:                 # removed since this turn began
            return
        ready = self._o.readiness() & self._events
        if not ready or self._cb is None:
            timer.disarm()
            return
        cb, opaque = self._cb
        cb(self, ready, opaque)
        if not self._o.readiness() & self._events and self._timer is timer:
            timer.disarm()
