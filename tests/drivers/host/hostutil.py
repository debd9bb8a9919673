"""Helpers of the host drivers' tests."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest


def code(exc: pytest.ExceptionInfo) -> tuple[int, int]:
    """(error code, error domain) of a raised libvirtError."""
    return exc.value.get_error_code(), exc.value.get_error_domain()


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
