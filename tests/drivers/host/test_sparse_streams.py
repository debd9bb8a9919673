"""Sparse volume transfers: holes stay holes both ways.

In process, through pyvirtd (STREAM_HOLE messages on the wire) with
pyvirt's client and with Debian's virsh, and the same virsh commands
against libvirt 9.0's storage driver for the hole layout libvirt keeps.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest

import pyvirt
from pyvirt import constants as C

REPO = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(REPO / "tests" / "daemon"))
import daemons

SIZE = 64 << 20
DATA = ((1 << 20, b"A" * 4096), (40 << 20, b"B" * 100000), (SIZE - 512, b"C" * 512))


def _source(path: Path) -> None:
    with open(path, "wb") as fh:
        fh.truncate(SIZE)
        for off, data in DATA:
            fh.seek(off)
            fh.write(data)


def data_map(path: str | Path) -> list[tuple[int, int]]:
    """The data extents of a file (SEEK_DATA/SEEK_HOLE), rounded out to 4 KiB."""
    out = []
    fd = os.open(path, os.O_RDONLY)
    try:
        size, pos = os.fstat(fd).st_size, 0
        while pos < size:
            try:
                start = os.lseek(fd, pos, os.SEEK_DATA)
            except OSError:
                break
            end = os.lseek(fd, start, os.SEEK_HOLE)
            out.append((start // 4096 * 4096, -(-end // 4096) * 4096))
            pos = end
    finally:
        os.close(fd)
    return out


def _pool(conn: pyvirt.virConnect, base: Path) -> pyvirt.virStoragePool:
    return conn.storagePoolCreateXML(
        f"<pool type='dir'><name>sparse</name><target><path>{base / 'pool'}</path></target>"
        "</pool>", C.VIR_STORAGE_POOL_CREATE_WITH_BUILD)


def _empty_vol(pool: pyvirt.virStoragePool) -> pyvirt.virStorageVol:
    return pool.createXML(f"<volume><name>s.img</name><capacity>{SIZE}</capacity>"
                          "<allocation>0</allocation></volume>", 0)


def _upload(conn: pyvirt.virConnect, vol: pyvirt.virStorageVol, src: Path) -> None:
    st = conn.newStream(0)
    vol.upload(st, 0, 0, C.VIR_STORAGE_VOL_UPLOAD_SPARSE_STREAM)
    # unbuffered: the lseeks below move the position read() uses (a buffered file
    # could serve a seek within its buffer and then read from the wrong place)
    fh = open(src, "rb", buffering=0)    # noqa: SIM115 - closed below
    size = os.fstat(fh.fileno()).st_size

    def hole(_st: object, _op: object) -> tuple[bool, int]:
        pos = fh.tell()
        if pos >= size:
            return True, 0
        try:
            data = os.lseek(fh.fileno(), pos, os.SEEK_DATA)
        except OSError:
            data = size
        end = data if data > pos else os.lseek(fh.fileno(), pos, os.SEEK_HOLE)
        fh.seek(pos)
        return data <= pos, end - pos

    try:
        st.sparseSendAll(lambda _s, n, _o: fh.read(n), hole,
                         lambda _s, n, _o: fh.seek(n, 1), None)
        st.finish()
    finally:
        fh.close()


def _download(conn: pyvirt.virConnect, vol: pyvirt.virStorageVol, dst: Path
              ) -> list[int]:
    holes: list[int] = []
    st = conn.newStream(0)
    vol.download(st, 0, 0, C.VIR_STORAGE_VOL_DOWNLOAD_SPARSE_STREAM)
    with open(dst, "wb") as out:
        st.sparseRecvAll(lambda _s, d, _o: out.write(d),
                         lambda _s, n, _o: (holes.append(n), out.seek(n, 1)), None)
        out.truncate()
    st.finish()
    return holes


def _round_trip(conn: pyvirt.virConnect, base: Path) -> None:
    src, dst = base / "src.img", base / "dst.img"
    _source(src)
    pool = _pool(conn, base)
    vol = _empty_vol(pool)
    _upload(conn, vol, src)
    assert vol.info()[2] < 256 << 10                      # holes were not written
    assert data_map(vol.path()) == data_map(src)
    holes = _download(conn, vol, dst)
    extents = data_map(src)
    gaps = [b[0] - a[1] for a, b in zip([(0, 0), *extents], extents, strict=False)]
    assert holes == [g for g in gaps if g] and len(holes) == 3
    assert dst.read_bytes() == src.read_bytes()
    assert data_map(dst) == data_map(src)
    # a plain download gets the holes as zeros
    st = conn.newStream(0)
    vol.download(st, 0, 0, 0)
    total = 0
    while True:
        got = st.recv(1 << 20)
        if not got:
            break
        total += len(got)
    st.finish()
    assert total == SIZE
    # a hole sent to an upload that is not sparse is refused
    st = conn.newStream(0)
    vol.upload(st, 0, 0, 0)
    with pytest.raises(pyvirt.libvirtError):
        st.sendHole(4096, 0)
    st.abort()
    pool.destroy()


def test_sparse_round_trip_in_process(conn: pyvirt.virConnect, tmp_path: Path) -> None:
    _round_trip(conn, tmp_path)


def test_pyvirsh_sparse_commands(tmp_path: Path) -> None:
    pyvirsh = str(Path(sys.executable).with_name("pyvirsh"))
    if not os.path.exists(pyvirsh):
        pytest.skip("pyvirsh is not installed in this environment")
    _virsh_side(f"qemu:///embed?root={tmp_path / 'root'}", tmp_path / "shell", pyvirsh)


@pytest.mark.slow
def test_sparse_through_pyvirtd_and_virsh(tmp_path: Path) -> None:
    daemon = daemons.start_pyvirtd(tmp_path / "d", tcp=False)
    try:
        uri = f"qemu+unix:///embed?root={tmp_path / 'root'}&socket={daemon.sock}"
        conn = pyvirt.open(uri)
        try:
            _round_trip(conn, tmp_path)
        finally:
            conn.close()
    finally:
        daemon.stop()


def _virsh_side(uri: str, base: Path, shell: str = "virsh") -> list[tuple[int, int]]:
    """virsh (or pyvirsh): vol-upload --sparse then vol-download --sparse; the data map
    of what came back."""
    base.mkdir()
    src, dst = base / "src.img", base / "dst.img"
    _source(src)

    def virsh(*args: str) -> str:
        res = subprocess.run([shell, "-c", uri, *args], capture_output=True, text=True,
                             timeout=60, check=False)
        assert res.returncode == 0, res.stderr
        return res.stdout
    pool_xml = base / "pool.xml"
    pool_xml.write_text(f"<pool type='dir'><name>vs</name><target><path>{base / 'pool'}"
                        "</path></target></pool>")
    virsh("pool-create", str(pool_xml), "--build")
    virsh("vol-create-as", "vs", "s.img", str(SIZE), "--allocation", "0")
    virsh("vol-upload", "--sparse", "--pool", "vs", "s.img", str(src))
    virsh("vol-download", "--sparse", "--pool", "vs", "s.img", str(dst))
    assert dst.read_bytes() == src.read_bytes()
    got = data_map(dst)
    assert got == data_map(src)
    assert data_map(base / "pool" / "s.img") == data_map(src)
    virsh("pool-destroy", "vs")
    return got


@pytest.mark.slow
def test_virsh_sparse_same_as_libvirt(tmp_path: Path) -> None:
    why = daemons.libvirtd_available()
    if why or shutil.which("virsh") is None:
        pytest.skip(why or "needs virsh")
    daemon = daemons.start_libvirtd(tmp_path / "d")
    try:
        ref = _virsh_side(f"qemu+unix:///system?socket={daemon.sock}", tmp_path / "libvirt")
    finally:
        daemon.stop()
    ours = daemons.start_private_pyvirtd(tmp_path / "p", tmp_path / "p")
    try:
        got = _virsh_side(f"qemu+unix:///system?socket={ours.sock}", tmp_path / "pyvirt")
    finally:
        ours.stop()
    assert got == ref


@pytest.mark.slow
def test_paused_download_reads_again_when_the_application_waits(tmp_path: Path,
                                                                monkeypatch) -> None:
    """pyvirt's client stops reading a download while many messages wait for the
    application, and reads again once it takes them.  An application gathering a
    1 MiB piece (sparseRecvAll) holds the messages it took until the piece is
    whole, and holes give nothing back: with the queue's marks below a piece's
    messages it waited for ever (until the keepalive closed the connection).
    Reading now resumes whenever the application waits for data."""
    from pyvirt.drivers.remote import streams
    monkeypatch.setattr(streams, "_QUEUE_HIGH", 8)
    monkeypatch.setattr(streams, "_QUEUE_LOW", 3)
    src, dst = tmp_path / "src.img", tmp_path / "dst.img"
    with open(src, "wb") as fh:          # 16 x 1 MiB of data, 3 MiB holes between
        fh.truncate(SIZE)
        for i in range(16):
            fh.seek(i * (4 << 20))
            fh.write(os.urandom(1 << 20))
    daemon = daemons.start_pyvirtd(tmp_path / "d", tcp=False)
    try:
        conn = pyvirt.open(f"qemu+unix:///embed?root={tmp_path / 'root'}"
                           f"&socket={daemon.sock}")
        vol = _empty_vol(_pool(conn, tmp_path))
        _upload(conn, vol, src)
        for i in range(8):          # without the fix one of the first few stalled
            done: list[object] = []
            worker = threading.Thread(target=lambda got=done: got.append(_download(conn, vol,
                                                                                   dst)),
                                      daemon=True)
            worker.start()
            worker.join(20)
            assert done, f"download {i} stalled"
            assert dst.read_bytes() == src.read_bytes()
            assert data_map(dst) == data_map(src)
        conn.close()
    finally:
        daemon.stop()
