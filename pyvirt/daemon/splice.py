"""Upload data moved from a client's socket into the volume with splice(2).

While an upload's data messages arrive in a row, the daemon's loop stops
reading the client and hands what it had received of the next messages to
the upload's writer (a worker), which owns the socket's reads for a *run*:
it reads each message's 28-byte header itself and, for a ``STREAM``/
``CONTINUE`` message of the upload, moves the payload socket -> pipe ->
volume with ``splice`` (the bytes never enter the process's memory).  A
``STREAM_HOLE`` of the upload is read and handed to the sink.  The
upload's finish ends the run and is carried out by the writer at once (no
trip through the loop and back before the volume is synced).  Anything
else (an abort, a keepalive, another call, data past the upload's length)
ends the run: the bytes read of it are given back to the frame reader and
the loop reads the client again, as it does when no data comes for a
moment.  TLS connections never get here (their bytes must be decrypted
first).

Errors: a volume write that fails (disk full) consumes the rest of the
message from the socket, so the framing holds, and raises the sink's
libvirtError (the daemon then fails and aborts the stream); a client that
goes away or stalls for ``STALL`` s in the middle of a message raises
:class:`Gone` (the daemon closes the connection: its framing is lost).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import select
import struct
import time
from collections.abc import Callable
from typing import Any

from pyvirt.rpc import protocol as P

HEAD = P.MESSAGE_LEN_SIZE + P.MESSAGE_HEADER_SIZE   # length word + header
IDLE = 0.02            # a run ends when no message starts for this long (s)
STALL = 30.0           # and gives up on a client that stops mid-message
PIPE_SIZE = 1 << 20    # asked of the kernel; the pipe may be smaller
_HOLE_BODY = 12
_FLAGS = getattr(os, "SPLICE_F_MOVE", 0) | getattr(os, "SPLICE_F_NONBLOCK", 0)
_HEAD = struct.Struct(">I" + P.HEADER.format.lstrip(">"))   # length word + header


class Gone(Exception):
    """The client's socket ended or failed in the middle of a message."""


def available() -> bool:
    """Whether this Python and kernel offer splice(2)."""
    return hasattr(os, "splice")


class Run:
    """One run of spliced upload messages on the client socket ``fd`` (a duplicate
    this run owns and closes).

    ``ids`` are the stream's (prog, vers, proc, serial); ``sink`` the upload's sink
    (``write_spliced``, ``left``); ``hole(length)`` hands a hole to the stream;
    ``alive()`` is False once the connection or stream closed; ``seen()`` notes
    that the client sent something (keepalive); ``ahead`` the bytes of the next
    messages the loop had received already (read before the socket)."""

    def __init__(self, fd: int, ids: tuple[int, int, int, int], sink: Any,
                 hole: Callable[[int], None], alive: Callable[[], bool],
                 seen: Callable[[], None], ahead: bytes = b"") -> None:
        self.fd = fd
        self.ids = ids
        self.sink = sink
        self.hole = hole
        self.alive = alive
        self.seen = seen
        self.frames = 0
        self.finished = False    # the run ended at the upload's finish (read, not given back)
        self.rest = b""          # bytes read that the frame reader must take back
        self.ahead = memoryview(ahead)
        self._pr, self._pw = os.pipe2(os.O_CLOEXEC)
        with contextlib.suppress(OSError):
            fcntl.fcntl(self._pw, fcntl.F_SETPIPE_SZ, PIPE_SIZE)
        self._room = fcntl.fcntl(self._pw, fcntl.F_GETPIPE_SZ)

    def close(self) -> None:
        """Release the pipe and the socket duplicate."""
        for fd in (self._pr, self._pw, self.fd):
            with contextlib.suppress(OSError):
                os.close(fd)
        self._pr = self._pw = self.fd = -1

    def run(self) -> None:
        """Move messages until one is not the upload's (kept in ``rest``), the
        client pauses, or finishes the upload (``finished``).  Raises the sink's
        libvirtError."""
        while self.alive():
            head = self._read(HEAD, IDLE)
            if len(head) < HEAD:
                self._give_back(head)
                return
            self.seen()
            length, prog, vers, proc, mtype, serial, status = _HEAD.unpack(head)
            size = length - HEAD
            if (prog, vers, proc, serial) == self.ids and status == P.OK \
                    and mtype == P.STREAM and size == 0:
                self._give_back(b"")
                self.finished = True
                return
            if (prog, vers, proc, serial) != self.ids or status != P.CONTINUE:
                self._give_back(head)
                return
            if mtype == P.STREAM_HOLE and size == _HOLE_BODY:
                body = self._read(size, STALL)
                try:
                    gap = P.decode_hole(body)
                except ValueError:
                    self._give_back(head + body)
                    return
                self.hole(gap)
            elif (mtype == P.STREAM and 0 < size <= P.STREAM_CHUNK_MAX
                    and (self.sink.left is None or self.sink.left >= size)):
                self._payload(size)
            else:
                self._give_back(head)
                return
            self.frames += 1

    def _give_back(self, data: bytes) -> None:
        """End the run: ``data`` and what is left of ``ahead`` go back to the loop."""
        self.rest = data + bytes(self.ahead)
        self.ahead = memoryview(b"")

    def _payload(self, size: int) -> None:
        """Splice ``size`` bytes of the socket into the volume (those received
        already are written from memory)."""
        left = size
        if self.ahead:
            first, self.ahead = self.ahead[:size], self.ahead[size:]
            try:
                self.sink.write_vector([first])
            except BaseException:
                self._skip(size - len(first))
                raise
            left -= len(first)
        while left:
            try:
                n = os.splice(self.fd, self._pw, min(left, self._room), flags=_FLAGS)
            except (BlockingIOError, InterruptedError):
                if not self._wait(STALL):
                    raise Gone("the client stopped in the middle of a message") from None
                continue
            except OSError as exc:
                raise Gone(str(exc)) from None
            if n == 0:
                raise Gone("the client closed its connection in a message")
            left -= n
            try:
                self.sink.write_spliced(self._pr, n)
            except BaseException:
                self._skip(left)
                raise

    def _skip(self, count: int) -> None:
        """Read and drop the rest of a message (its data cannot be written)."""
        while count:
            got = self._read(min(count, 1 << 16), STALL)
            if not got:
                return
            count -= len(got)

    def _read(self, count: int, wait: float) -> bytes:
        """Up to ``count`` bytes: fewer when the socket stays empty for ``wait`` s
        before the first byte, or ends; raises Gone when it stalls later."""
        out = bytes(self.ahead[:count])
        self.ahead = self.ahead[len(out):]
        while len(out) < count:
            try:
                got = os.read(self.fd, count - len(out))
            except (BlockingIOError, InterruptedError):
                if not self._wait(wait if not out else STALL):
                    if out:
                        raise Gone("the client stopped in the middle of a message") from None
                    return out
                continue
            except OSError as exc:
                if out:
                    raise Gone(str(exc)) from None
                return out
            if not got:
                return out
            out += got
        return out

    def _wait(self, wait: float) -> bool:
        """Wait for the socket to be readable (False after ``wait`` s, or once the
        stream or connection closed)."""
        deadline = time.monotonic() + wait
        poll = select.poll()
        poll.register(self.fd, select.POLLIN)
        while self.alive():
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            if poll.poll(min(left, 0.5) * 1000):
                return True
        return False

