"""The pieces of an in-process volume transfer are whole pages.

An application's ``sendAll`` handler is asked for, and ``recvAll``'s handler
given, page-sized pieces when the storage driver runs in the application's
process, so the volume's (and the application's) file writes start and end
on page boundaries: the kernel puts unaligned writes into the page cache at
several times the cost.  A daemon's streams keep pieces of whole wire
messages; recvAll and sparseRecvAll join a remote stream's message pieces into
1 MiB (one copy, no bytes per piece, one wake-up per chunk); an upload sent
in pieces of any size is written in whole pages, and the bytes it holds back
for the rest of a page are written (or their error raised) at the finish.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from hostutil import opened_by

import pyvirt
from pyvirt import constants as C
from pyvirt.driver.stream import CHUNK, Stream
from pyvirt.drivers.storage import transfer
from pyvirt.errors import report
from pyvirt.util.spare_threads import SpareThreads

PAGE = 4096


def test_in_process_pieces_are_pages(tmp_path: Path) -> None:
    conn = pyvirt.open(f"qemu:///embed?root={tmp_path / 'root'}")
    pool = conn.storagePoolCreateXML(
        f"<pool type='dir'><name>p</name><target><path>{tmp_path / 'pool'}</path></target>"
        "</pool>", C.VIR_STORAGE_POOL_CREATE_WITH_BUILD)
    data = os.urandom(5 * (1 << 20) + 100)
    vol = pool.createXML(f"<volume><name>v.img</name><capacity>{len(data)}</capacity>"
                         "</volume>", 0)
    asked: list[int] = []
    pos = [0]

    def give(_st: object, nbytes: int, _o: object) -> bytes:
        asked.append(nbytes)
        chunk = data[pos[0]:pos[0] + nbytes]
        pos[0] += len(chunk)
        return chunk

    st = conn.newStream(0)
    vol.upload(st, 0, 0, 0)
    st.sendAll(give, None)
    st.finish()
    assert asked and all(n % PAGE == 0 and n >= 1 << 20 for n in asked)
    assert Path(vol.path()).read_bytes() == data

    got: list[bytes] = []
    st = conn.newStream(0)
    vol.download(st, 0, 0, 0)
    st.recvAll(lambda _s, d, _o: got.append(d), None)
    st.finish()
    assert b"".join(got) == data
    # every piece but the last ends on a page boundary
    assert all(len(d) % PAGE == 0 for d in got[:-1]) and len(got) > 1
    vol.delete(0)
    pool.destroy()
    conn.close()


def test_daemon_streams_keep_message_pieces(tmp_path: Path) -> None:
    """A daemon's stream (``on_wire``) keeps pieces of whole messages when a storage
    driver binds it; a stream of the application's in process gets pages."""
    path = tmp_path / "v.img"
    path.write_bytes(b"x" * 8192)

    class Vol:
        def __init__(self) -> None:
            self.path = str(path)

    wire = Stream(C.VIR_STREAM_NONBLOCK)
    wire.on_wire = True
    transfer.upload(Vol(), wire, 0, 0, lambda: None)
    assert wire.piece == CHUNK
    wire.abort()
    local = Stream()
    transfer.upload(Vol(), local, 0, 0, lambda: None)
    assert local.piece % PAGE == 0 and local.piece != CHUNK
    local.abort()


def _volume(conn: pyvirt.virConnect, base: Path, size: int) -> pyvirt.virStorageVol:
    pool = conn.storagePoolCreateXML(
        f"<pool type='dir'><name>q</name><target><path>{base / 'pool'}</path></target>"
        "</pool>", C.VIR_STORAGE_POOL_CREATE_WITH_BUILD)
    return pool.createXML(f"<volume><name>w.img</name><capacity>{size}</capacity>"
                          "<allocation>0</allocation></volume>", 0)


def test_odd_sends_are_written_in_pages(tmp_path: Path,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """Pieces of any size (libvirt-python's 262,120 bytes, a few bytes, a hole in the
    middle of a page) reach the file whole and in writes that end on page
    boundaries, but where the hole starts."""
    ends: list[int] = []
    pwritev = transfer.FileIO.pwritev

    def recorded(self: transfer.FileIO, buffers: list[memoryview], offset: int) -> int:
        n = pwritev(self, buffers, offset)
        ends.append(offset + n)
        return n
    monkeypatch.setattr(transfer.FileIO, "pwritev", recorded)
    conn = pyvirt.open(f"qemu:///embed?root={tmp_path / 'root'}")
    size = 3 << 20
    vol = _volume(conn, tmp_path, size)
    data = bytearray(os.urandom(size))
    data[1000000:1100000] = bytes(100000)          # a hole, sent as one
    st = conn.newStream(0)
    vol.upload(st, 0, 0, C.VIR_STORAGE_VOL_UPLOAD_SPARSE_STREAM)
    pos = 0
    for n in (262120, 262120, 3, 5, 475752):       # ends at 1,000,000
        st.send(bytes(data[pos:pos + n]))
        pos += n
    st.sendHole(100000, 0)
    pos += 100000
    while pos < size:
        st.send(bytes(data[pos:pos + 262120]))
        pos += 262120
    st.finish()
    assert Path(vol.path()).read_bytes() == bytes(data)
    # the bytes before the hole go when it comes
    assert [end for end in ends if end % PAGE] == [1000000] and ends[-1] == size
    vol.delete(0)
    conn.close()


def test_abort_keeps_what_was_sent(tmp_path: Path) -> None:
    """Bytes held back for the rest of their page are written when the stream is
    aborted: the volume has everything sent before the abort."""
    conn = pyvirt.open(f"qemu:///embed?root={tmp_path / 'root'}")
    vol = _volume(conn, tmp_path, 1 << 20)
    sent = os.urandom(262120)
    st = conn.newStream(0)
    vol.upload(st, 0, 0, 0)
    st.send(sent)
    st.abort()
    assert Path(vol.path()).read_bytes()[:len(sent)] == sent
    vol.delete(0)
    conn.close()


def test_recv_all_gathers_message_pieces() -> None:
    """recvAll hands over 1 MiB chunks gathered from a remote stream's 262,120-byte
    pieces (the last shorter); what came before an error still reaches the handler
    before the error is raised."""
    conn = pyvirt.open("test:///default")
    data = os.urandom(10 * 262120 + 7)
    st = conn.newStream(0)
    for off in range(0, len(data), 262120):
        st._o.feed(data[off:off + 262120])
    st._o.feed_eof()
    got: list[bytes] = []
    st.recvAll(lambda _s, d, _o: got.append(d), None)
    assert b"".join(got) == data
    assert [len(d) for d in got[:-1]] == [1 << 20] * (len(got) - 1) and len(got) == 3

    st = conn.newStream(0)
    st._o.feed(data[:262120])
    st._o.feed_error(report(C.VIR_ERR_INTERNAL_ERROR, "cut short", C.VIR_FROM_STREAMS))
    got = []
    with pytest.raises(pyvirt.libvirtError, match="cut short"):
        st.recvAll(lambda _s, d, _o: got.append(d), None)
    assert got == [data[:262120]]
    conn.close()


def test_sparse_recv_all_gathers_message_pieces() -> None:
    """sparseRecvAll gathers a remote stream's message pieces into 1 MiB chunks as
    recvAll does, a chunk ending where a hole comes; pieces lent by the connection's
    reader are given back once copied; what came before an error is delivered."""
    conn = pyvirt.open("test:///default")
    data = os.urandom(7 * 262120)
    released: list[int] = []
    st = conn.newStream(0)
    for off in range(0, 5 * 262120, 262120):
        view = memoryview(bytearray(data[off:off + 262120]))
        st._o.feed_lent(view, lambda off=off: released.append(off))
    st._o.feed_hole(1 << 20)
    st._o.feed(data[5 * 262120:6 * 262120])
    st._o.feed(data[6 * 262120:])
    st._o.feed_eof()
    got: list[bytes | int] = []
    st.sparseRecvAll(lambda _s, d, _o: got.append(d), lambda _s, n, _o: got.append(n), None)
    assert [len(d) if isinstance(d, bytes) else d for d in got] == [
        1 << 20, 5 * 262120 - (1 << 20), 1 << 20, 2 * 262120]
    assert b"".join(d for d in got if isinstance(d, bytes)) == data
    assert sorted(released) == list(range(0, 5 * 262120, 262120))

    st = conn.newStream(0)
    st._o.feed(data[:262120])
    st._o.feed_error(report(C.VIR_ERR_INTERNAL_ERROR, "cut short", C.VIR_FROM_STREAMS))
    got = []
    with pytest.raises(pyvirt.libvirtError, match="cut short"):
        st.sparseRecvAll(lambda _s, d, _o: got.append(d), lambda _s, n, _o: None, None)
    assert got == [data[:262120]]
    conn.close()


class _CountingCondition:
    """A stream's condition that counts the waits that return (wake-ups)."""

    def __init__(self, cond: threading.Condition) -> None:
        self.cond, self.wakeups = cond, 0

    def __enter__(self) -> bool:
        return self.cond.__enter__()

    def __exit__(self, *exc: object) -> None:
        self.cond.__exit__(*exc)

    def wait(self, timeout: float | None = None) -> bool:
        got = self.cond.wait(timeout)
        self.wakeups += 1
        return got

    def notify_all(self) -> None:
        self.cond.notify_all()


def test_gathering_consumer_wakes_once_per_chunk() -> None:
    """A recvAll gathering a remote stream's messages is woken when the chunk it
    waits for is complete, not at each message; with many small pieces it is woken
    anyway before the connection's reader would stop reading (no stall)."""
    # (imported here: the scripts that import this file lack tests/ on their path)
    from waiting import wait_until

    st = Stream()
    counting = _CountingCondition(st._cond)
    st._cond = counting          # type: ignore[assignment]
    data = os.urandom(5 * 262120)

    def feed() -> None:
        for off in range(0, len(data), 262120):
            time.sleep(0.02)
            st.feed_lent(memoryview(bytearray(data[off:off + 262120])), lambda: None)
    feeder = threading.Thread(target=feed)
    feeder.start()
    got = st.recv_whole(1 << 20)
    feeder.join()
    assert got == data[:1 << 20]
    assert counting.wakeups <= 2
    # small pieces: the consumer takes them before the reader would pause (it then
    # waits for the rest of its chunk, here the end)
    st2 = Stream()
    small: list[bytes | int] = []
    waiter = threading.Thread(target=lambda: small.append(st2.recv_whole(1 << 20)))
    waiter.start()
    time.sleep(0.05)
    for _ in range(8):
        st2.feed_lent(memoryview(bytearray(b"y" * 100)), lambda: None)
    wait_until(lambda: not st2.queued(), 10, what="the consumer taking the pieces",
               step=0.01)
    st2.feed_eof()
    waiter.join(10)
    assert small == [b"y" * 800]


_HELD_BACK_FAILS = """
import os, resource, signal, sys
from pathlib import Path
import pyvirt
sys.path.insert(0, sys.argv[2])
from test_stream_pieces import _volume
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)      # writes past the limit fail: EFBIG
conn = pyvirt.open(f"qemu:///embed?root={sys.argv[1]}/root")
vol = _volume(conn, Path(sys.argv[1]), 1 << 20)
data = os.urandom(262120)
resource.setrlimit(resource.RLIMIT_FSIZE, (260000, resource.RLIM_INFINITY))
st = conn.newStream(0)
vol.upload(st, 0, 0, 0)
st.send(data)                 # 258,048 bytes written, the last 4,072 held back
try:
    st.finish()
except pyvirt.libvirtError as exc:
    print("error", exc.get_error_code(), exc.get_error_domain(), exc.get_error_message())
else:
    print("no error")
with open(vol.path(), "rb") as fh:
    print("kept", fh.read(258048) == data[:258048])
vol.delete(0)                 # the failed upload left the volume free
print("deleted")
"""


def test_held_back_bytes_failing_at_finish_raise(tmp_path: Path) -> None:
    """The bytes an upload holds back for the rest of their page are written at the
    finish; when that write fails (here past a file size limit, as a full disk),
    finish() raises the storage driver's error with the file named, the bytes
    written before are in the volume, and the volume is free again."""
    res = subprocess.run([sys.executable, "-c", _HELD_BACK_FAILS, str(tmp_path),
                          str(Path(__file__).parent)],
                         capture_output=True, text=True, timeout=120, check=False)
    assert res.returncode == 0, res.stderr[-2000:]
    lines = res.stdout.splitlines()
    assert lines[0].startswith(f"error {C.VIR_ERR_SYSTEM_ERROR} {C.VIR_FROM_STORAGE} "
                               "cannot write to file '"), lines
    assert lines[0].endswith("w.img': File too large"), lines
    assert lines[1:] == ["kept True", "deleted"]


def test_download_thread_ends_before_its_regions_are_read(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A download's thread is done once it has fed its file regions and the end,
    without waiting for the application to take them (so the application meets the
    end without waiting for that thread again); the file stays open while regions
    wait and is closed when the application sees the end.  As in libvirt, the
    transfer does not keep the volume in use: it may be downloaded again meanwhile."""
    # (imported here: see test_gathering_consumer_wakes_once_per_chunk)
    from waiting import wait_until

    # a pool of the test's own: its one thread is idle again once the job is done
    pumps = SpareThreads("pyvirt-vol-download")
    monkeypatch.setattr(transfer, "_PUMPS", pumps)
    conn = pyvirt.open(f"qemu:///embed?root={tmp_path / 'root'}")
    vol = _volume(conn, tmp_path, 2 << 20)
    data = os.urandom(2 << 20)
    Path(vol.path()).write_bytes(data)
    st = conn.newStream(0)
    vol.download(st, 0, 0, 0)
    wait_until(lambda: pumps.idle_threads() == 1, 5,
               what="the download's thread done without the reader", step=0.01)
    assert opened_by(os.getpid(), vol.path()) == 1
    again = conn.newStream(0)
    vol.download(again, 0, 0, 0)
    got = []
    while True:
        chunk = st.recv(1 << 20)
        if not chunk:
            break
        got.append(chunk)
    assert b"".join(got) == data
    # closed once the end was seen (before the finish): only the second one's is open
    assert opened_by(os.getpid(), vol.path()) == 1
    st.finish()
    # and a download aborted before its end closes its file as well
    assert again.recv(4096) == data[:4096]
    again.abort()
    assert opened_by(os.getpid(), vol.path()) == 0
    vol.delete(0)
    conn.close()
