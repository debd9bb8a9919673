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


def test_a_download_the_application_does_not_take_stops_the_reading() -> None:
    """Received stream data waits in memory only up to a bound: while the
    application takes none the client stops reading the connection (the daemon's
    writes wait), and reads again as it takes them; every byte comes, in order."""
    from pyvirt.drivers.remote import streams as S
    a, b = socket.socketpair()
    client = RPCClient(a)
    try:
        stream = Stream()
        cs = ClientStream(client, stream)
        cs.serial, cs.proc = 7, 209
        client.streams[7] = cs
        stream.bind(cs)
        count = 3 * S._QUEUE_HIGH
        payloads = [bytes([i % 251]) * P.STREAM_CHUNK_MAX for i in range(count)]
        sent = [0]

        def daemon() -> None:
            for i, data in enumerate(payloads):
                b.sendall(P.frame(P.REMOTE_PROGRAM, P.REMOTE_PROTOCOL_VERSION, 209, P.STREAM,
                                  7, P.CONTINUE, data))
                sent[0] = i + 1
            b.sendall(P.frame(P.REMOTE_PROGRAM, P.REMOTE_PROTOCOL_VERSION, 209, P.STREAM, 7,
                              P.CONTINUE, b""))
        writer = threading.Thread(target=daemon)
        writer.start()
        deadline = time.monotonic() + 30
        while stream.queued() < S._QUEUE_HIGH and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(0.3)
        # the client read no further than the bound (what the sockets hold aside)
        assert S._QUEUE_HIGH <= stream.queued() <= S._QUEUE_HIGH + 1
        assert writer.is_alive() and sent[0] < count
        got = []
        while (data := stream.recv(CHUNK)):
            got.append(data)
            assert stream.queued() <= S._QUEUE_HIGH + 1
        writer.join(30)
        assert not writer.is_alive()
        assert b"".join(got) == b"".join(payloads)
    finally:
        client.close()
        b.close()
