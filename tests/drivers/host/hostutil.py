"""Helpers of the host drivers' tests."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "daemon"))


def on_loop_device(tmp_path: Path, script: str, size: int, *, ext4: bool = False,
                   timeout: float = 120) -> subprocess.CompletedProcess:
    """Run ``script BASE LOOPDEV`` (BASE: ``tmp_path``) in a private mount namespace
    (``unshare -m``: its mounts vanish with it) on a loop device of ``size`` bytes made
    for it (formatted ext4 first with ``ext4``), detached afterwards; the test skips
    unless root with losetup, unshare and mkfs.ext4."""
    if os.geteuid() != 0 or not all(shutil.which(t) for t in ("losetup", "unshare",
                                                               "mkfs.ext4", "blkid")):
        pytest.skip("needs root, losetup, unshare, mkfs.ext4 and blkid")
    img = tmp_path / "disk.img"
    with open(img, "wb") as fh:
        fh.truncate(size)
    if ext4:
        subprocess.run(["mkfs.ext4", "-q", "-F", str(img)], check=True)
    (tmp_path / "mnt").mkdir()
    dev = subprocess.run(["losetup", "-f", "--show", str(img)], capture_output=True, text=True,
                         check=True).stdout.strip()
    try:
        return subprocess.run(["unshare", "-m", "--propagation", "private", sys.executable,
                               script, str(tmp_path), dev], capture_output=True, text=True,
                              timeout=timeout, check=False)
    finally:
        subprocess.run(["losetup", "-d", dev], check=False)


def code(exc: pytest.ExceptionInfo) -> tuple[int, int]:
    """(error code, error domain) of a raised libvirtError."""
    return exc.value.get_error_code(), exc.value.get_error_domain()


def opened_by(pid: int, path: str) -> int:
    """How many descriptors of process ``pid`` have the file at ``path`` open."""
    count = 0
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            count += os.readlink(f"/proc/{pid}/fd/{fd}") == path
        except OSError:
            pass                            # closed meanwhile
    return count


def delete_when_closed(vol: Any, pid: int, timeout: float = 10) -> None:
    """Delete volume ``vol`` once process ``pid`` (the daemon) has closed its file (a
    transfer whose client died is let go soon after); fails the test if it stays
    open.  (Nothing else waits for it: as in libvirt, a transfer does not keep its
    volume in use.)"""
    from waiting import wait_until
    path = vol.path()
    wait_until(lambda: not opened_by(pid, path), timeout,
               what="the daemon closing the volume's file", step=0.05)
    vol.delete(0)


def side_by_side(tmp_path: Path, script: str,
                 args: Callable[[str, str], list[str]]) -> tuple[dict, dict]:
    """Run ``script`` against a private libvirtd 9.0 (on the host's network, so that it
    reaches servers the test started on 127.0.0.1) with Debian's python3, then against
    a pyvirt embed root; ``args(module, uri)`` are its arguments.  Returns both JSON
    outputs (libvirt's first); skips where no libvirtd can run."""
    import daemons
    why = daemons.libvirtd_available()
    if why:
        pytest.skip(why)
    daemon = daemons.start_libvirtd(tmp_path / "daemon", tcp=True)
    try:
        res = daemons.run_real_python(
            [script, *args("libvirt", f"qemu+unix:///system?socket={daemon.sock}")], "",
            timeout=180)
    finally:
        daemon.stop()
    assert res.returncode == 0, res.stderr[-3000:]
    ref = json.loads(res.stdout)
    res = subprocess.run([sys.executable, script, *args(
        "pyvirt", f"qemu:///embed?root={tmp_path / 'root'}")], capture_output=True, text=True,
        timeout=180, check=False)
    assert res.returncode == 0, res.stderr[-3000:]
    return ref, json.loads(res.stdout)


def both_sides(tmp_path: Path, script: str, args: Callable[[str, Path], list[str]],
               tmpfs: dict[str, str] | None = None,
               wrap: Callable[[list[str]], list[str]] | None = None) -> tuple[dict, dict]:
    """Run ``script MODULE URI *args(side, base)`` against a private libvirtd 9.0 (through
    Debian's python3-libvirt) and against a pyvirt embed root; return both JSON outputs
    (libvirt's, pyvirt's).  ``tmpfs`` is mounted in libvirtd's namespace, ``wrap`` turns
    the pyvirt side's argv into the command that runs it (a namespace)."""
    import daemons
    why = daemons.libvirtd_available()
    if why:
        pytest.skip(why)
    out = []
    for side in ("libvirt", "pyvirt"):
        base = tmp_path / side
        base.mkdir(exist_ok=True)
        if side == "libvirt":
            daemon = daemons.start_libvirtd(base / "daemon", tmpfs=tmpfs)
            try:
                res = daemons.run_real_python(
                    [script, "libvirt", f"qemu+unix:///system?socket={daemon.sock}",
                     *args(side, base)], "", timeout=180)
            finally:
                daemon.stop()
        else:
            argv = [sys.executable, script, "pyvirt", f"qemu:///embed?root={base}/root",
                    *args(side, base)]
            res = subprocess.run(wrap(argv) if wrap else argv, capture_output=True,
                                 text=True, timeout=180, check=False)
        assert res.returncode == 0, res.stderr[-3000:]
        out.append(json.loads(res.stdout))
    return out[0], out[1]
