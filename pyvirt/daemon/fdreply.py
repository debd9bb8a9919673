"""Replies that carry file descriptors (REPLY_WITH_FDS), as libvirtd sends them.

libvirtd writes the reply message, then each descriptor in a message of
its own: one byte of data with the descriptor as SCM_RIGHTS; the client
reads the whole reply, then one byte and one descriptor per descriptor
the reply counts.  Only on a unix socket.

The procedures that answer with descriptors are the LXC program's
``DOMAIN_OPEN_NAMESPACE`` (``virDomainLxcOpenNamespace``, which
``virsh lxc-enter-namespace`` calls) and those of
:data:`pyvirt.rpc.calls.REPLY_FDS` (``virDomainOpenGraphicsFD``,
``virDomainQemuMonitorCommandWithFiles``), whose encoded reply is an
:class:`FDBody`.
"""

from __future__ import annotations

import array
import os
import select
import socket
from typing import Any, Self

from pyvirt import constants as C
from pyvirt.errors import libvirtError
from pyvirt.rpc import protocol as P

_WAIT = 5.0     # seconds a reply may wait for the client's socket to take it


def _sendmsg(sock: socket.socket, data: bytes, fds: list[int]) -> None:
    view = memoryview(data)
    first = True
    while view or first:
        if not select.select([], [sock], [], _WAIT)[1]:
            raise OSError("the client does not read")
        anc = [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", fds).tobytes())] \
            if first and fds else []
        try:
            n = sock.sendmsg([view], anc)
        except BlockingIOError:
            continue
        first = False
        view = view[n:]


class FDBody(bytes):
    """An encoded OK reply body with the descriptors that go with it (owned: the
    reply closes them)."""

    fds: list[int]

    def __new__(cls, body: bytes, fds: list[int]) -> Self:
        self = super().__new__(cls, body)
        self.fds = fds
        return self


def reply_with_fds(conn: Any, msg: P.Message, body: bytes, fds: list[int]) -> None:
    """Send an OK reply to ``msg`` carrying ``fds`` (closed here), or an error."""
    data = P.frame(msg.prog, msg.vers, msg.proc, P.REPLY_WITH_FDS, msg.serial, P.OK, body,
                   nfds=len(fds))
    try:
        with conn._wlock:
            t = conn.transport
            if conn._wfd < 0 or conn._tail or t is None or t.get_write_buffer_size():
                raise OSError("descriptors go on an idle unix socket only")
            sock = socket.socket(fileno=os.dup(conn._wfd))
            try:
                if sock.family != socket.AF_UNIX:
                    raise OSError("descriptors go on a unix socket only")
                _sendmsg(sock, data, [])
                for fd in fds:
                    _sendmsg(sock, b"!", [fd])
            finally:
                sock.close()
    except OSError as exc:
        conn.reply_error(msg, C.VIR_ERR_RPC, f"cannot send file descriptors: {exc}")
    finally:
        for fd in fds:
            os.close(fd)


def open_namespace(conn: Any, msg: P.Message, args: tuple) -> None:
    """LXC_PROC_DOMAIN_OPEN_NAMESPACE: the domain's namespace descriptors."""
    dom, flags = args
    try:
        fds = conn.drivers.hv.domainLxcOpenNamespace(dom, flags)
    except libvirtError as exc:
        conn.reply(msg, False, P.encode_error(exc))
        return
    reply_with_fds(conn, msg, b"", list(fds))
