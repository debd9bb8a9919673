"""Uploads on an ext4 loop device, run inside a private mount namespace (see
test_upload_writeback.py).

Usage: writeback_script.py BASE LOOPDEV -- mounts LOOPDEV (formatted already) on
BASE/mnt, then for an upload in process and one through pyvirtd: sends 48 MiB
without finishing and prints, as JSON, how many bytes the device had written
when the disk writes stopped growing (up to 5 s), then finishes the upload.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "daemon"))
import daemons  # noqa: E402

import pyvirt  # noqa: E402

BASE, DEV = Path(sys.argv[1]), sys.argv[2]
MNT = BASE / "mnt"
SENT = 48 << 20
STAT = Path("/sys/block") / os.path.basename(DEV) / "stat"


def written() -> int:
    """Bytes the device has written since it was set up (its sectors written)."""
    return int(STAT.read_text().split()[6]) * 512


def upload(uri: str, name: str) -> int:
    conn = pyvirt.open(uri)
    pool = conn.storagePoolCreateXML(
        f"<pool type='dir'><name>{name}</name><target><path>{MNT / name}</path></target>"
        "</pool>", pyvirt.VIR_STORAGE_POOL_CREATE_WITH_BUILD)
    vol = pool.createXML(f"<volume><name>v.img</name><capacity>{SENT}</capacity>"
                         "<allocation>0</allocation></volume>", 0)
    os.sync()
    before = written()
    st = conn.newStream(0)
    vol.upload(st, 0, 0, 0)
    chunk = os.urandom(1 << 20)
    for _ in range(SENT >> 20):
        st.send(chunk)
    # the kernel keeps dirty pages for 30 s unless asked to write them: wait
    # until the device stops writing (or 5 s), then count
    last, deadline = -1, time.monotonic() + 5
    while time.monotonic() < deadline:
        now = written()
        if now == last and now - before >= SENT:
            break
        last = now
        time.sleep(0.2)
    moved = written() - before
    st.finish()
    vol.delete(0)
    pool.destroy()
    conn.close()
    return moved


def main() -> None:
    # commit=300: the journal's own commits (every 5 s by default) do not write
    # the data out either
    subprocess.run(["mount", "-o", "commit=300", DEV, str(MNT)], check=True)
    out = {"in process": upload(f"qemu:///embed?root={BASE}/root", "a")}
    daemon = daemons.start_pyvirtd(BASE / "d", tcp=False)
    try:
        out["through pyvirtd"] = upload(
            f"qemu+unix:///embed?root={BASE}/rootd&socket={daemon.sock}", "b")
    finally:
        daemon.stop()
    subprocess.run(["umount", str(MNT)], check=True)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
