"""pyvirt's client sends stream data as whole messages, several per system call.

One virStreamSend() of a large buffer becomes STREAM messages of at most
libvirt's 262120 bytes each, written with one ``sendmsg`` when the socket
takes them; when the socket is full (a slow daemon) the rest follows in
order, whatever the kernel took.  The far end here is a plain socket read
slowly, its bytes split into frames by pyvirt's own frame reader.
"""

from __future__ import annotations

import os
import socket
import threading
import time

from pyvirt.driver.stream import CHUNK, Stream
from pyvirt.drivers.remote.client import RPCClient
from pyvirt.drivers.remote.streams import ClientStream
from pyvirt.rpc import protocol as P


def _read_frames(sock: socket.socket, total: int, slow: bool) -> list[P.Message]:
    reader = P.FrameReader()
    got = 0
    frames = []
    while got < total:
        buf = reader.get_buffer()
        n = sock.recv_into(buf, min(len(buf), 65536))
        assert n, "the client closed the connection early"
        reader.advance(n)
        got += n
        while (body := reader.next_frame()) is not None:
            frames.append(P.parse_frame(body))
        if slow:
            time.sleep(0.002)
    return frames


def test_large_sends_are_whole_messages_in_order_when_the_socket_fills() -> None:
    a, b = socket.socketpair()
    a.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 65536)   # fills at once
    client = RPCClient(a)
    try:
        stream = Stream()
        cs = ClientStream(client, stream)
        cs.serial, cs.proc = 7, 208
        stream.bind(cs)
        sends = [os.urandom(CHUNK), os.urandom(3 * P.STREAM_CHUNK_MAX + 5), b"x",
                 os.urandom(2 * CHUNK + 1)]
        total = sum(len(d) + P.MESSAGE_HEADER_SIZE * -(-len(d) // P.STREAM_CHUNK_MAX) +
                    4 * -(-len(d) // P.STREAM_CHUNK_MAX) for d in sends)
        frames: list[P.Message] = []
        reader = threading.Thread(target=lambda: frames.extend(_read_frames(b, total, True)))
        reader.start()
        for data in sends:
            assert stream.send(data) == len(data)
        reader.join(60)
        assert not reader.is_alive()
        # a CHUNK is whole messages: no short one after them
        assert CHUNK % P.STREAM_CHUNK_MAX == 0
        assert all(f.type == P.STREAM and f.status == P.CONTINUE and f.serial == 7 and
                   f.proc == 208 and 0 < len(f.body) <= P.STREAM_CHUNK_MAX for f in frames)
        assert [len(f.body) for f in frames[:4]] == [P.STREAM_CHUNK_MAX] * 4
        assert b"".join(bytes(f.body) for f in frames) == b"".join(sends)
    finally:
        client.close()
        b.close()
