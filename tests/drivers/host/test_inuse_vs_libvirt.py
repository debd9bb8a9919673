"""Deleting a volume that a running guest uses: libvirt 9.0's storage driver does not
know which guests use a volume and deletes it; pyvirt's does the same."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(REPO / "tests" / "daemon"))

import daemons

SCRIPT = str(Path(__file__).with_name("inuse_script.py"))


def test_delete_volume_of_a_running_guest_as_libvirt(tmp_path: Path) -> None:
    why = daemons.libvirtd_available()
    if why or shutil.which("qemu-system-x86_64") is None:
        pytest.skip(why or "qemu-system-x86_64 is not installed")
    (tmp_path / "lv").mkdir()
    # the reference's own /etc/libvirt: QEMU logs to files (no virtlogd), runs as root
    etc = tmp_path / "etc-libvirt"
    etc.mkdir()
    (etc / "qemu.conf").write_text('user = "root"\ngroup = "root"\n'
                                   'security_driver = "none"\nstdio_handler = "file"\n')
    daemon = daemons.start_libvirtd(tmp_path / "daemon", tmpfs={"/etc/libvirt": f"bind:{etc}"})
    try:
        ref = daemons.run_real_python([SCRIPT, "libvirt",
                                       f"qemu+unix:///system?socket={daemon.sock}",
                                       str(tmp_path / "lv")], "", timeout=120)
    finally:
        daemon.stop()
    assert ref.returncode == 0, ref.stderr[-3000:]
    got = subprocess.run([sys.executable, SCRIPT, "pyvirt",
                          f"qemu:///embed?root={tmp_path / 'root'}", str(tmp_path / "pv")],
                         capture_output=True, text=True, timeout=120, check=False)
    assert got.returncode == 0, got.stderr[-3000:]
    want, have = json.loads(ref.stdout), json.loads(got.stdout)
    assert want["running"] == 1
    assert have == want
