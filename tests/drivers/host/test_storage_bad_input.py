"""Bad input to the storage driver: libvirt's errors, and nothing half-made left.

A pool whose target is a file (side by side with libvirt 9.0), a label
rewrite on a device whose partition is in use, deleting a busy partition,
an upload bigger than its partition, and an upload whose client dies
halfway through pyvirtd.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from hostutil import both_sides, delete_when_closed
from test_disk_pool import _pool, _vol, loopdev  # noqa: F401  (the loop device fixture)

import pyvirt
from pyvirt import constants as C

REPO = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(REPO / "tests" / "daemon"))
import daemons

SCRIPT = str(Path(__file__).with_name("badinput_script.py"))


@pytest.mark.slow
def test_pool_target_is_a_file_as_libvirt(tmp_path: Path) -> None:
    def args(_side: str, base: Path) -> list[str]:
        (base / "file").write_text("not a directory\n")
        return [str(base)]
    ref, got = both_sides(tmp_path, SCRIPT, args)
    assert got == ref
    for side in ("libvirt", "pyvirt"):
        assert (tmp_path / side / "file").read_text() == "not a directory\n"


def _label(dev: str) -> str:
    return subprocess.run(["blkid", "-p", "-o", "value", "-s", "PTTYPE", dev],
                          capture_output=True, text=True, check=False).stdout.strip()


def test_busy_partitions_are_left_alone(loopdev: Callable[[int], str],  # noqa: F811
                                        conn: pyvirt.virConnect) -> None:
    dev = loopdev(32)
    base = os.path.basename(dev)
    pool = _pool(conn, dev, "gpt")
    pool.create(C.VIR_STORAGE_POOL_CREATE_WITH_BUILD)
    vol = pool.createXML(_vol(f"{base}p1", 8), 0)
    pool.destroy()
    held = os.open(f"{dev}p1", os.O_RDONLY | os.O_EXCL)    # as a mount or a guest holds it
    try:
        with pytest.raises(pyvirt.libvirtError) as exc:
            pool.build(C.VIR_STORAGE_POOL_BUILD_OVERWRITE)
        assert exc.value.get_error_code() == C.VIR_ERR_OPERATION_INVALID
        assert f"partition '{dev}p1' is busy" in str(exc.value)
        assert _label(dev) == "gpt" and os.path.exists(f"{dev}p1")   # nothing written
        pool.create(0)
        vol = pool.storageVolLookupByName(f"{base}p1")
        with pytest.raises(pyvirt.libvirtError, match="is in use and cannot be removed"):
            vol.delete(0)
        assert pool.listVolumes() == [f"{base}p1"] and os.path.exists(f"{dev}p1")
    finally:
        os.close(held)
    # an upload bigger than the partition fails at its end; the volume is free after
    st = conn.newStream(0)
    vol.upload(st, 0, 0, 0)
    with pytest.raises(pyvirt.libvirtError) as exc:
        for _ in range(9):
            st.send(b"\x5a" * (1 << 20))
        st.finish()
    st.abort()
    assert "No space left on device" in str(exc.value)
    vol.delete(0)
    assert pool.listVolumes() == []
    pool.destroy()


_CLIENT = """
import sys, pyvirt
conn = pyvirt.open(sys.argv[1])
vol = conn.storagePoolLookupByName("cut").storageVolLookupByName("v.img")
st = conn.newStream(0)
vol.upload(st, 0, 0, 0)
st.send(b"\\x11" * (1 << 20))
print("sent", flush=True)
sys.stdin.read()
"""


@pytest.mark.slow
def test_upload_cut_halfway_through_pyvirtd(tmp_path: Path) -> None:
    daemon = daemons.start_pyvirtd(tmp_path / "d", tcp=False)
    try:
        uri = f"qemu+unix:///embed?root={tmp_path / 'root'}&socket={daemon.sock}"
        conn = pyvirt.open(uri)
        pool = conn.storagePoolCreateXML(
            f"<pool type='dir'><name>cut</name><target><path>{tmp_path / 'pool'}</path>"
            "</target></pool>", C.VIR_STORAGE_POOL_CREATE_WITH_BUILD)
        pool.createXML("<volume><name>v.img</name><capacity unit='M'>4</capacity></volume>",
                       0)
        client = subprocess.Popen([sys.executable, "-c", _CLIENT, uri], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, text=True)
        assert client.stdout is not None and client.stdout.readline().strip() == "sent"
        vol = pool.storageVolLookupByName("v.img")
        client.send_signal(signal.SIGKILL)             # the client dies mid-transfer
        client.wait(10)
        delete_when_closed(vol, daemon.proc.pid)
        assert pool.listVolumes() == [] and daemon.alive()
        pool.destroy()
        conn.close()
    finally:
        daemon.stop()
