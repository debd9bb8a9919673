"""pyvirtd's end of a download stream when the client's socket is full.

The thread producing a download writes its messages to the client's socket
itself; when the socket stays full it leaves them to the event loop.  The
message it could not write may be the end of the data (an empty
``CONTINUE``): the loop must still send it, once, or the client waits for
ever (seen with libvirt's client and a sparse download on a busy machine).
The connection here is a stand-in that records what is sent and refuses
direct writes of empty messages, as a full socket would.
"""

from __future__ import annotations

from typing import Any

from pyvirt.daemon.streams import ServerStream
from pyvirt.rpc import protocol as P


class _Loop:
    def call_soon_threadsafe(self, func: Any, *args: Any) -> None:
        func(*args)

    call_soon = call_soon_threadsafe


class _FullSocketConnection:
    """Records messages; a direct write of an empty message finds the socket full."""

    def __init__(self) -> None:
        self.loop = _Loop()
        self.write_paused = False
        self.streams: dict[int, Any] = {}
        self.out = bytearray()

    def can_write_direct(self) -> bool:
        return True

    def in_loop(self) -> bool:
        return False

    def grow_send_buffer(self) -> None:
        pass

    def queued_output(self) -> int:
        return 0

    def write_direct(self, parts: list[Any]) -> bool:
        if sum(len(p) for p in parts) == P.MESSAGE_LEN_SIZE + P.MESSAGE_HEADER_SIZE:
            return False
        self.out += b"".join(parts)
        return True

    def send(self, data: bytes) -> None:
        self.out += data


def test_the_end_of_a_download_goes_out_when_the_socket_was_full() -> None:
    conn = _FullSocketConnection()
    ss = ServerStream(conn, P.REMOTE_PROGRAM, P.REMOTE_PROTOCOL_VERSION, 209, 5)  # type: ignore[arg-type]
    ss.start()
    ss.stream.feed(b"data")
    ss.stream.feed_hole(1 << 20)
    ss.stream.feed_eof()
    msgs = [P.parse_frame(b) for b in P.FrameReader().feed(bytes(conn.out))]
    assert [(m.type, m.status, bytes(m.body)) for m in msgs] == [
        (P.STREAM, P.CONTINUE, b"data"),
        (P.STREAM_HOLE, P.CONTINUE, P.encode_hole(1 << 20)),
        (P.STREAM, P.CONTINUE, b""),             # the end, sent once
    ]
    assert all(m.serial == 5 for m in msgs)
