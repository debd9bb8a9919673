"""Descriptors clients send with their calls (CALL_WITH_FDS), as libvirtd takes them.

libvirt's client writes the call, then each descriptor in a message of its
own: one byte of data carrying the descriptor as SCM_RIGHTS.  The kernel
hands a descriptor to the reader of the byte it came with, and a plain
``recv`` (what asyncio's transport does) would close it.  So pyvirtd's
unix sockets are :class:`FDSocket`: their ``recv`` is a ``recvmsg`` that
keeps the descriptors, in arrival order, in :attr:`FDSocket.fds`.  The
connection then takes, after a CALL_WITH_FDS frame that counts N, the N
one-byte messages out of the byte stream and the first N queued
descriptors (:func:`take`).

Only unix sockets pass descriptors; on TCP and TLS a CALL_WITH_FDS gets
libvirt's "Receiving file descriptors is not supported on this socket".
"""

from __future__ import annotations

import array
import collections
import contextlib
import os
import socket
from typing import Any

from pyvirt.rpc import protocol as P

# Descriptors a client may have queued, unclaimed, before the rest are closed:
# two calls' worth (libvirt's limit per message is NUM_FDS_MAX).
_QUEUE_MAX = 2 * P.NUM_FDS_MAX
_CMSG_SPACE = socket.CMSG_SPACE(P.NUM_FDS_MAX * 4)


class FDSocket(socket.socket):
    """A unix socket whose reads keep the descriptors that come with the data."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fds: collections.deque[int] = collections.deque()

    def accept(self) -> tuple[socket.socket, Any]:
        """Accept a client on a socket of this class too."""
        fd, addr = self._accept()  # type: ignore[attr-defined]
        return FDSocket(self.family, self.type, self.proto, fileno=fd), addr

    def recv(self, bufsize: int, flags: int = 0) -> bytes:
        """Read data; queue the descriptors that came with it (close-on-exec)."""
        data, anc, _mflags, _addr = self.recvmsg(bufsize, _CMSG_SPACE,
                                                 flags | socket.MSG_CMSG_CLOEXEC)
        self._keep(anc)
        return data

    def recv_into(self, buffer: Any, nbytes: int = 0, flags: int = 0) -> int:
        """Read data into ``buffer`` (what asyncio does for a buffered protocol);
        queue the descriptors that came with it (close-on-exec)."""
        view = memoryview(buffer)
        if nbytes:
            view = view[:nbytes]
        n, anc, _mflags, _addr = self.recvmsg_into([view], _CMSG_SPACE,
                                                   flags | socket.MSG_CMSG_CLOEXEC)
        self._keep(anc)
        return n

    def _keep(self, anc: list[tuple[int, int, bytes]]) -> None:
        for level, kind, payload in anc:
            if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
                got = array.array("i")
                got.frombytes(payload[:len(payload) - len(payload) % got.itemsize])
                for fd in got:
                    if len(self.fds) < _QUEUE_MAX:
                        self.fds.append(fd)
                    else:
                        os.close(fd)

    def close(self) -> None:
        """Close the socket and any descriptor nobody claimed."""
        close_all(self.fds)
        super().close()


def listening_socket(path: str) -> FDSocket:
    """A listening unix socket at ``path`` whose clients may send descriptors."""
    sock = FDSocket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.bind(path)
        sock.listen(128)
        sock.setblocking(False)
    except OSError:
        sock.close()
        raise
    return sock


def queue_of(transport: Any) -> collections.deque[int] | None:
    """The descriptor queue of a connection's socket (None: it cannot pass any)."""
    sock = getattr(transport, "_sock", None)
    return sock.fds if isinstance(sock, FDSocket) else None


def take(queue: collections.deque[int] | None, count: int) -> list[int] | None:
    """The next ``count`` queued descriptors, or None (and none taken) when missing."""
    if queue is None or len(queue) < count:
        return None
    return [queue.popleft() for _ in range(count)]


def close_all(fds: Any) -> None:
    """Close descriptors, ignoring those already closed."""
    while fds:
        fd = fds.pop()
        with contextlib.suppress(OSError):
            os.close(fd)
