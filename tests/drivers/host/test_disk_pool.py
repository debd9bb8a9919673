"""Disk pools on real loop devices (partition scanning on), and side by side with libvirt.

Each loop device is made by a fixture and detached after the test; no mount
is made.  The command lines the backend runs are checked as data too.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hostutil import both_sides

import pyvirt
from pyvirt import constants as C
from pyvirt.drivers.storage.backends import disk

SCRIPT = str(Path(__file__).with_name("disk_compare_script.py"))


def _need_tools() -> None:
    if os.geteuid() != 0 or not all(shutil.which(t) for t in ("losetup", "parted", "blkid")):
        pytest.skip("needs root, losetup, parted and blkid")


@pytest.fixture
def loopdev(tmp_path: Path) -> Iterator[Callable[[int], str]]:
    """Make loop devices (partition scanning on) over sparse files; detached after."""
    _need_tools()
    made: list[str] = []

    def make(mib: int = 64) -> str:
        img = tmp_path / f"disk{len(made)}.img"
        with open(img, "wb") as fh:
            fh.truncate(mib << 20)
        dev = subprocess.run(["losetup", "-f", "--show", "-P", str(img)], capture_output=True,
                             text=True, check=True).stdout.strip()
        made.append(dev)
        return dev
    yield make
    for dev in made:
        subprocess.run(["losetup", "-d", dev], check=False)


def _pool(conn: pyvirt.virConnect, dev: str, fmt: str | None, name: str = "dp"
          ) -> pyvirt.virStoragePool:
    f = f"<format type='{fmt}'/>" if fmt else ""
    return conn.storagePoolDefineXML(
        f"<pool type='disk'><name>{name}</name><source><device path='{dev}'/>{f}</source>"
        "<target><path>/dev</path></target></pool>", 0)


def _vol(name: str, mib: int, fmt: str | None = None) -> str:
    f = f"<target><format type='{fmt}'/></target>" if fmt else ""
    return f"<volume><name>{name}</name><capacity unit='M'>{mib}</capacity>{f}</volume>"


def test_command_lines_as_data() -> None:
    assert disk.mklabel_argv("/dev/sdb", "dos") == ["parted", "/dev/sdb", "mklabel",
                                                    "--script", "msdos"]
    assert disk.mklabel_argv("/dev/sdb", "gpt")[-1] == "gpt"
    # libvirt passes the partition type and file system as one argument
    assert disk.mkpart_argv("/dev/sdb", "primary ext2", 1024, 8616959) == [
        "parted", "/dev/sdb", "mkpart", "--script", "primary ext2", "1024B", "8616959B"]
    assert disk.rm_argv("/dev/sdb", 2) == ["parted", "/dev/sdb", "rm", "--script", "2"]


def test_dos_boundaries_round_to_cylinders() -> None:
    # a 64 MiB loop device: parted's geometry 257 cylinders of 255 heads x 2 sectors
    table = disk.Table("dos", 64 << 20, [], [disk.Free(1024, 67107840)], 255 * 2 * 512, 257)
    assert disk.DiskBackend.boundaries(table, 8 << 20, False) == (1024, 8616959)
    gpt = disk.Table("gpt", 64 << 20, [], [disk.Free(17408, 67091968)], 0, 0)
    assert disk.DiskBackend.boundaries(gpt, 8 << 20, False) == (17408, 8406015)


def test_gpt_pool_volumes_are_partitions(loopdev: Callable[[int], str],
                                         conn: pyvirt.virConnect) -> None:
    dev = loopdev(64)
    base = os.path.basename(dev)
    pool = _pool(conn, dev, "gpt")
    pool.build(0)
    pool.create(0)
    assert pool.info()[1:] == [67091968, 0, 67074560]
    v1 = pool.createXML(_vol(f"{base}p1", 8), 0)
    assert v1.path() == f"{dev}p1" and os.path.exists(f"{dev}p1")
    assert v1.info() == [C.VIR_STORAGE_VOL_BLOCK, 8 << 20, 8 << 20]
    # a stream into the partition and back
    st = conn.newStream(0)
    v1.upload(st, 0, 0, 0)
    st.send(b"pyvirt!" * 1000)
    st.finish()
    st = conn.newStream(0)
    v1.download(st, 0, 7000, 0)
    got = b""
    while True:                              # to the end of the stream
        chunk = st.recv(65536)
        if not chunk:
            break
        got += chunk
    st.finish()
    assert got == b"pyvirt!" * 1000
    v1.wipe(0)
    with open(f"{dev}p1", "rb") as fh:
        assert fh.read(7000) == bytes(7000)
    v2 = pool.createXML(_vol(f"{base}p2", 4), 0)
    assert sorted(pool.listVolumes()) == [f"{base}p1", f"{base}p2"]
    assert pool.info()[2] == 12 << 20
    with pytest.raises(pyvirt.libvirtError) as exc:
        pool.createXML(_vol("data", 4), 0)
    assert exc.value.get_error_code() == C.VIR_ERR_INVALID_ARG
    assert f"expected '{base}p3'" in str(exc.value)
    assert not os.path.exists(f"{dev}p3")                      # nothing made
    v1.delete(0)
    assert not os.path.exists(f"{dev}p1") and pool.listVolumes() == [f"{base}p2"]
    # the freed first slot is the next volume's
    pool.createXML(_vol(f"{base}p1", 2), 0)
    pool.refresh(0)
    assert sorted(pool.listVolumes()) == [f"{base}p1", f"{base}p2"]
    assert v2.info()[1] == 4 << 20
    pool.destroy()
    pool.create(0)
    assert sorted(pool.listVolumes()) == [f"{base}p1", f"{base}p2"]
    pool.destroy()
    pool.delete(0)
    assert subprocess.run(["blkid", "-p", dev], capture_output=True, check=False).returncode == 2


def test_dos_pool_primary_extended_logical(loopdev: Callable[[int], str],
                                           conn: pyvirt.virConnect,
                                           tmp_path: Path) -> None:
    dev = loopdev(64)
    base = os.path.basename(dev)
    pool = _pool(conn, dev, None)
    pool.create(C.VIR_STORAGE_POOL_CREATE_WITH_BUILD)
    assert "<format type='dos'/>" in pool.XMLDesc(0)
    for n in (1, 2, 3):
        pool.createXML(_vol(f"{base}p{n}", 4, "linux"), 0)
    ext = pool.createXML(_vol(f"{base}p4", 20, "extended"), 0)
    assert ext.info()[2] == 0
    with pytest.raises(pyvirt.libvirtError, match="cannot wipe extended partition"):
        ext.wipe(0)
    logical = pool.createXML(_vol(f"{base}p5", 4, "linux"), 0)
    assert os.path.exists(f"{dev}p5")
    xml = logical.XMLDesc(0)
    assert "<format type='linux'/>" in xml
    pool.refresh(0)
    assert sorted(pool.listVolumes()) == [f"{base}p{n}" for n in (1, 2, 3, 4, 5)]
    # clone a qcow2 image (from a dir pool) into a new logical partition
    files = conn.storagePoolCreateXML(
        f"<pool type='dir'><name>files</name><target><path>{tmp_path / 'files'}</path>"
        "</target></pool>", C.VIR_STORAGE_POOL_CREATE_WITH_BUILD)
    src = files.createXML("<volume><name>s.qcow2</name><capacity unit='M'>2</capacity>"
                          "<target><format type='qcow2'/></target></volume>", 0)
    st = conn.newStream(0)
    src_raw = files.createXML("<volume><name>s.raw</name><capacity unit='M'>1</capacity>"
                              "</volume>", 0)
    src_raw.upload(st, 0, 0, 0)
    st.send(b"\xab" * 4096)
    st.finish()
    clone = pool.createXMLFrom(_vol(f"{base}p6", 2, "linux"), src_raw, 0)
    with open(clone.path(), "rb") as fh:
        assert fh.read(4097) == b"\xab" * 4096 + b"\0"
    assert src.info()[1] == 2 << 20
    with pytest.raises(pyvirt.libvirtError, match="extended partition already exists"):
        pool.createXML(_vol(f"{base}p7", 4, "extended"), 0)
    pool.storageVolLookupByName(f"{base}p5").delete(0)
    assert max(pool.listVolumes()) == f"{base}p5"     # the kernel renumbered p6
    for v in sorted(pool.listAllVolumes(0), key=lambda v: v.name(), reverse=True):
        v.delete(0)
    assert pool.listVolumes() == []
    pool.destroy()
    files.destroy()


def test_build_and_start_errors(loopdev: Callable[[int], str],
                                conn: pyvirt.virConnect) -> None:
    dev = loopdev(16)
    pool = _pool(conn, dev, "gpt")
    with pytest.raises(pyvirt.libvirtError, match="mutually exclusive"):
        pool.build(C.VIR_STORAGE_POOL_BUILD_OVERWRITE | C.VIR_STORAGE_POOL_BUILD_NO_OVERWRITE)
    subprocess.run(["mkfs.ext4", "-q", dev], check=True)
    with pytest.raises(pyvirt.libvirtError) as exc:
        pool.create(0)
    assert exc.value.get_error_code() == C.VIR_ERR_OPERATION_INVALID
    with pytest.raises(pyvirt.libvirtError, match="forced overwrite is necessary"):
        pool.build(C.VIR_STORAGE_POOL_BUILD_NO_OVERWRITE)
    pool.build(C.VIR_STORAGE_POOL_BUILD_OVERWRITE)
    pool.create(0)
    assert pool.isActive() == 1
    pool.destroy()


@pytest.mark.slow
def test_same_as_libvirt(loopdev: Callable[[int], str], tmp_path: Path) -> None:
    ref, got = both_sides(tmp_path, SCRIPT, lambda _side, _base: [loopdev(64), loopdev(64)])
    assert ref.keys() == got.keys()
    for key in sorted(ref):
        assert got[key] == ref[key], (key, ref[key])
