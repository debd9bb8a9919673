"""pyvirt's secret driver side by side with libvirt 9.0's (a private libvirtd whose
/etc/libvirt/secrets is a tmpfs of its own mount namespace): same XML, values and
errors for the same calls."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(REPO / "tests" / "daemon"))

import daemons

SCRIPT = str(Path(__file__).with_name("secret_compare_script.py"))


def test_same_secret_behaviour_as_libvirt(tmp_path: Path) -> None:
    why = daemons.libvirtd_available()
    if why:
        pytest.skip(why)
    daemon = daemons.start_libvirtd(tmp_path / "daemon",
                                    tmpfs={"/etc/libvirt/secrets": "mode=0700"})
    try:
        ref = daemons.run_real_python([SCRIPT, "libvirt",
                                       f"qemu+unix:///system?socket={daemon.sock}"], "")
    finally:
        daemon.stop()
    assert ref.returncode == 0, ref.stderr[-3000:]
    got = subprocess.run([sys.executable, SCRIPT, "pyvirt",
                          f"qemu:///embed?root={tmp_path / 'root'}"], capture_output=True,
                         text=True, timeout=120, check=False)
    assert got.returncode == 0, got.stderr[-3000:]
    want, have = json.loads(ref.stdout), json.loads(got.stdout)
    assert want["get private value"][0] == 65          # VIR_ERR_INVALID_SECRET in libvirt too
    assert want.keys() == have.keys()
    for key in sorted(want):
        assert have[key] == want[key], key
