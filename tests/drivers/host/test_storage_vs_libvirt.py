"""pyvirt's storage driver side by side with libvirt 9.0's, on the same calls.

libvirt 9.0 has no embedded storage driver, so the reference is a private
libvirtd (its own mount namespace, transient pools only) driven by
Debian's python3-libvirt; pyvirt runs the same script against a
``qemu:///embed`` root.  Each side gets a 4 MiB tmpfs (in its own mount
namespace) for the out-of-space cases.  Pool and volume XML, infos, and the
code, domain and message of every error must be the same.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(REPO / "tests" / "daemon"))

import daemons

SCRIPT = str(Path(__file__).with_name("compare_script.py"))


def _pyvirt_side(base: Path) -> dict:
    cmd = (f"mount -t tmpfs -o size=4M tmpfs '{base}/small' && exec {sys.executable} "
           f"{SCRIPT} pyvirt '{base}' 'qemu:///embed?root={base}/root'")
    res = subprocess.run(["unshare", "-m", "--propagation", "private", "sh", "-c", cmd],
                         capture_output=True, text=True, timeout=180, check=False)
    assert res.returncode == 0, res.stderr[-3000:]
    return json.loads(res.stdout)


def _libvirt_side(base: Path) -> dict:
    daemon = daemons.start_libvirtd(base / "daemon", tmpfs={str(base / "small"): "size=4M"})
    try:
        res = daemons.run_real_python([SCRIPT, "libvirt", str(base),
                                       f"qemu+unix:///system?socket={daemon.sock}"], "",
                                      timeout=180)
    finally:
        daemon.stop()
    assert res.returncode == 0, res.stderr[-3000:]
    return json.loads(res.stdout)


def test_same_xml_infos_and_errors_as_libvirt(tmp_path: Path) -> None:
    why = daemons.libvirtd_available()
    if why:
        pytest.skip(why)
    sides = {}
    for name in ("libvirt", "pyvirt"):
        base = tmp_path / name
        (base / "small").mkdir(parents=True)
        (base / "daemon").mkdir()
        sides[name] = _libvirt_side(base) if name == "libvirt" else _pyvirt_side(base)
    ref, got = sides["libvirt"], sides["pyvirt"]
    assert "No space left on device" in ref["vol beyond free space"][2]
    assert ref.keys() == got.keys()
    for key in sorted(ref):
        assert got[key] == ref[key], key
