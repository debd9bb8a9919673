"""Volume uploads through pyvirtd spliced from the client's socket into the file.

An in-process pyvirtd serves a dir pool; pyvirt's client uploads into
it.  Checks that the data messages did go by splice (counted on
:class:`pyvirt.daemon.splice.Run`), that the bytes and holes arrive whole
with other calls interleaved, that an upload limited to a length stops
there, that a client cut in the middle of a message leaves the volume
free and the daemon serving, and (a pyvirtd in a mount namespace with a
small tmpfs) that a full disk gives libvirt's error; that an upload's
finish after spliced data and a download's start skip the daemon's loop, and
that the client's loop reads a download's data as soon as its call returns.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import daemons
import pytest
from test_streams_events import InProcessDaemon

import pyvirt
from pyvirt import constants as C
from pyvirt.daemon import splice

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "drivers" / "host"))
from hostutil import delete_when_closed
from test_sparse_streams import _upload as sparse_upload

MIB = 1 << 20


class _Served(InProcessDaemon):
    """pyvirtd's server on a thread of this process, and a pyvirt client of it."""

    def __init__(self, base: Path) -> None:
        super().__init__(str(base), inline=False)
        self.base = base
        self.uri = f"qemu+unix:///embed?root={base / 'root'}&socket={base / 'libvirt-sock'}"
        self.conn = pyvirt.open(self.uri)
        self.pool = self.conn.storagePoolCreateXML(
            f"<pool type='dir'><name>sp</name><target><path>{base / 'pool'}</path></target>"
            "</pool>", C.VIR_STORAGE_POOL_CREATE_WITH_BUILD)

    def volume(self, name: str, size: int) -> pyvirt.virStorageVol:
        return self.pool.createXML(f"<volume><name>{name}</name><capacity>{size}</capacity>"
                                   "<allocation>0</allocation></volume>", 0)

    def stop(self) -> None:
        self.conn.close()
        super().stop()


@pytest.fixture
def served(tmp_path: Path):
    s = _Served(tmp_path)
    yield s
    s.stop()


@pytest.fixture
def spliced(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The messages each splice run moved."""
    frames: list[int] = []
    run = splice.Run.run

    def counted(self: splice.Run) -> None:
        try:
            run(self)
        finally:
            frames.append(self.frames)
    monkeypatch.setattr(splice.Run, "run", counted)
    return frames


def test_dense_upload_is_spliced_with_calls_in_between(served: _Served,
                                                       spliced: list[int]) -> None:
    size = 24 * MIB
    data = os.urandom(size)
    vol = served.volume("d.img", size)
    st = served.conn.newStream(0)
    vol.upload(st, 0, 0, 0)
    for off in range(0, size, MIB):
        st.send(data[off:off + MIB])
        if off in (4 * MIB, 13 * MIB):
            # other calls on the same connection in the middle of the data
            assert served.conn.getLibVersion() > 0
            assert served.pool.listVolumes() == ["d.img"]
    st.finish()
    assert (served.base / "pool" / "d.img").read_bytes() == data
    messages = size // 262120 + 1
    assert len(spliced) >= 3                    # the calls ended runs, data restarted one
    assert sum(spliced) >= messages * 3 // 4    # most data went by splice
    assert vol.info()[1] == size


def test_sparse_upload_spliced_keeps_holes(served: _Served, spliced: list[int]) -> None:
    size = 64 * MIB
    src = served.base / "src.img"
    with open(src, "wb") as fh:
        fh.truncate(size)
        for off in (MIB, 20 * MIB, 40 * MIB, size - 2 * MIB):
            fh.seek(off)
            fh.write(os.urandom(MIB + 4096))
    vol = served.volume("s.img", size)
    sparse_upload(served.conn, vol, src)
    dst = served.base / "pool" / "s.img"
    assert dst.read_bytes() == src.read_bytes()
    assert os.stat(dst).st_blocks * 512 < 8 * MIB     # the holes stayed holes
    assert sum(spliced) >= 10


def test_upload_of_a_length_stops_there(served: _Served, spliced: list[int]) -> None:
    vol = served.volume("l.img", 8 * MIB)
    length = 3 * MIB + 12345
    data = os.urandom(6 * MIB)
    st = served.conn.newStream(0)
    vol.upload(st, 4096, length, 0)
    for off in range(0, len(data), MIB):
        st.send(data[off:off + MIB])
    st.finish()
    got = (served.base / "pool" / "l.img").read_bytes()
    assert got[4096:4096 + length] == data[:length]
    assert got[:4096] == bytes(4096) and got[4096 + length:] == bytes(len(got) - 4096 - length)
    assert sum(spliced) > 0


_CUT = """
import struct, sys, pyvirt
conn = pyvirt.open(sys.argv[1])
vol = conn.storagePoolLookupByName("sp").storageVolLookupByName("c.img")
st = conn.newStream(0)
vol.upload(st, 0, 0, 0)
for _ in range(8):
    st.send(b"\\x22" * (1 << 20))
print("sent", flush=True)
sys.stdin.readline()
ours = st._o.sink
# a data message of the upload that ends after 1000 of its 262120 bytes
head = struct.pack(">IIIiiIi", 28 + 262120, ours.prog, ours.vers, ours.proc, 3, ours.serial, 2)
conn._drivers.hv.client.io.sock.sendall(head + b"\\x33" * 1000)
print("cut", flush=True)
sys.stdin.read()
"""


def test_client_cut_in_a_message(served: _Served, spliced: list[int]) -> None:
    served.volume("c.img", 16 * MIB)
    client = subprocess.Popen([sys.executable, "-c", _CUT, served.uri],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert client.stdout is not None and client.stdout.readline().strip() == "sent"
        deadline = time.monotonic() + 10
        while not spliced or sum(spliced) < 1:
            assert time.monotonic() < deadline, "no data was spliced"
            time.sleep(0.02)
        assert client.stdin is not None
        client.stdin.write("go\n")
        client.stdin.flush()
        assert client.stdout.readline().strip() == "cut"
        vol = served.pool.storageVolLookupByName("c.img")
    finally:
        client.send_signal(signal.SIGKILL)             # gone in the middle of a message
        client.wait(10)
    delete_when_closed(vol, os.getpid())              # (the server runs in this process)
    assert served.pool.listVolumes() == []
    data = (served.base / "pool").iterdir()
    assert list(data) == []


@pytest.mark.slow
def test_full_disk_gives_libvirts_error(tmp_path: Path) -> None:
    if os.geteuid() != 0 or shutil.which("unshare") is None:
        pytest.skip("needs root and unshare for a private tmpfs")
    small = tmp_path / "small"
    small.mkdir()
    run = tmp_path / "run"
    run.mkdir()
    log = tmp_path / "pyvirtd.log"
    proc = daemons.spawn_pyvirtd_unshared(f"mount -t tmpfs -o size=6m tmpfs {small} && ",
                                          ["--unix-sock-dir", str(run)], log)
    try:
        daemons._wait_socket(str(run / "libvirt-sock"), proc, log)
        conn = pyvirt.open(f"qemu+unix:///embed?root={tmp_path / 'root'}"
                           f"&socket={run / 'libvirt-sock'}")
        pool = conn.storagePoolCreateXML(
            f"<pool type='dir'><name>full</name><target><path>{small}/p</path></target>"
            "</pool>", C.VIR_STORAGE_POOL_CREATE_WITH_BUILD)
        vol = pool.createXML("<volume><name>f.img</name><capacity unit='M'>16</capacity>"
                             "<allocation>0</allocation></volume>", 0)
        st = conn.newStream(0)
        vol.upload(st, 0, 0, 0)
        with pytest.raises(pyvirt.libvirtError) as exc:
            for _ in range(16):
                st.send(b"\x5a" * MIB)
            st.finish()
        st.abort()
        assert "No space left on device" in str(exc.value)
        assert "cannot write to file" in str(exc.value)
        assert conn.getLibVersion() > 0               # the connection still serves
        vol.delete(0)
        assert pool.listVolumes() == []
        pool.destroy()
        conn.close()
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(10)


def test_finish_reads_its_own_confirmation(served: _Served) -> None:
    """The caller of finish() reads the daemon's confirmation itself: it returns
    while the client's event loop is busy (before, the loop had to pass it on)."""
    from pyvirt.util import aioloop
    data = os.urandom(2 * MIB)
    vol = served.volume("f.img", len(data))
    st = served.conn.newStream(0)
    vol.upload(st, 0, 0, 0)
    st.send(data)
    busy = threading.Event()

    def block() -> None:
        busy.set()
        time.sleep(6)
    aioloop.get_loop().call_soon_threadsafe(block)
    assert busy.wait(10)
    start = time.monotonic()
    st.finish()
    assert time.monotonic() - start < 3      # the loop is busy for 6 s
    assert (served.base / "pool" / "f.img").read_bytes() == data


def test_finish_after_spliced_data_skips_the_loop(served: _Served,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """A finish that follows the spliced data is read by the splice run and carried
    out by the writer (sync, confirmation) at once: it returns while the daemon's
    loop is busy (before, the run gave it back to the loop, which passed it on)."""
    monkeypatch.setattr(splice, "IDLE", 10.0)     # the run waits for the rest
    data = os.urandom(4 * MIB)
    vol = served.volume("g.img", len(data))
    st = served.conn.newStream(0)
    vol.upload(st, 0, 0, 0)
    st.send(data[:MIB])
    deadline = time.monotonic() + 10
    while not any(s._running for c in served.daemon.clients for s in c.streams.values()):
        assert time.monotonic() < deadline, "no splice run started"
        time.sleep(0.005)
    busy = threading.Event()

    def block() -> None:
        busy.set()
        time.sleep(8)
    served.loop.call_soon_threadsafe(block)
    assert busy.wait(10)
    start = time.monotonic()
    st.send(data[MIB:])
    st.finish()
    assert time.monotonic() - start < 4      # the loop is busy for 8 s
    assert (served.base / "pool" / "g.img").read_bytes() == data


def test_download_starts_on_the_worker(served: _Served,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """The worker that ran a download's call sends its reply and then the file
    regions the download fed meanwhile, by sendfile: the daemon's loop reads none
    of the file into memory (before, it sent the first regions itself).  1 MiB, which
    the grown socket buffer holds whole: a client slower than the file (a loaded
    machine) would otherwise fill the socket, and the loop rightly send the rest."""
    from pyvirt.driver.stream import Region
    readers: list[threading.Thread] = []
    read = Region.read

    def recorded(self: Region, nbytes: int) -> bytes:
        readers.append(threading.current_thread())
        return read(self, nbytes)
    monkeypatch.setattr(Region, "read", recorded)
    data = os.urandom(MIB)
    vol = served.volume("r.img", len(data))
    (served.base / "pool" / "r.img").write_bytes(data)
    got: list[bytes] = []
    st = served.conn.newStream(0)
    vol.download(st, 0, 0, 0)
    st.recvAll(lambda _s, d, _o: got.append(d), None)
    st.finish()
    assert b"".join(got) == data
    assert served.thread not in readers


def test_download_data_is_read_at_once(served: _Served,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """Once a download's call returns, the client's loop watches the socket for the
    stream's data at once (before, it waited as after any call, in case more calls
    followed: here 5 s)."""
    from pyvirt.drivers.remote import client as clientmod
    monkeypatch.setattr(clientmod, "_REARM_DELAY", 5.0)
    data = os.urandom(2 * MIB)
    vol = served.volume("a.img", len(data))
    (served.base / "pool" / "a.img").write_bytes(data)
    got: list[bytes] = []
    start = time.monotonic()
    st = served.conn.newStream(0)
    vol.download(st, 0, 0, 0)
    st.recvAll(lambda _s, d, _o: got.append(d), None)
    st.finish()
    assert time.monotonic() - start < 2.5
    assert b"".join(got) == data


@pytest.mark.parametrize("shell", ["virsh", "pyvirsh"])
def test_virsh_vol_upload_round_trips(served: _Served, spliced: list[int], shell: str,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """Debian's virsh and pyvirsh: vol-upload (dense and --sparse) through pyvirtd,
    then vol-download, give back the file byte for byte."""
    prog = shutil.which("virsh") if shell == "virsh" else str(Path(sys.executable).parent
                                                               / "pyvirsh")
    if prog is None or not os.path.exists(prog):
        pytest.skip(f"needs {shell}")
    base = served.base
    for var in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_RUNTIME_DIR"):
        monkeypatch.setenv(var, str(base / "xdg" / var))   # the daemon's qemu:///session
    uri = f"qemu+unix:///session?socket={base / 'libvirt-sock'}"

    def virsh(*args: str) -> None:
        res = subprocess.run([prog, "-c", uri, *args], capture_output=True, text=True,
                             timeout=60, check=False)
        assert res.returncode == 0, res.stderr
    size = 12 * MIB
    src = base / "src.img"
    with open(src, "wb") as fh:
        fh.truncate(size)
        for off in (0, 5 * MIB, size - MIB):
            fh.seek(off)
            fh.write(os.urandom(MIB - 512))
    (base / "vs.xml").write_text(f"<pool type='dir'><name>vs</name><target><path>"
                                 f"{base / 'vs'}</path></target></pool>")
    virsh("pool-create", str(base / "vs.xml"), "--build")
    for sparse in ((), ("--sparse",)):
        name = f"v{len(sparse)}.img"
        dst = base / f"back-{name}"
        virsh("vol-create-as", "vs", name, str(size), "--allocation", "0")
        virsh("vol-upload", *sparse, "--pool", "vs", name, str(src))
        virsh("vol-download", *sparse, "--pool", "vs", name, str(dst))
        assert dst.read_bytes() == src.read_bytes()
        assert (base / "vs" / name).read_bytes() == src.read_bytes()
    virsh("pool-destroy", "vs")
    assert sum(spliced) >= 10
