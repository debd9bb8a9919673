"""Fixtures of the QEMU driver's tests: the tiny test guest, embed roots."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from qemutest_util import remove_cgroups

import pyvirt

REPO = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="session")
def guest() -> str:
    """The test guest's directory (built by tools/build_guest.py, cached outside the repo)."""
    if shutil.which("qemu-system-x86_64") is None:
        pytest.skip("qemu-system-x86_64 is not installed")
    res = subprocess.run([sys.executable, str(REPO / "tools" / "build_guest.py"),
                          "--print-dir"], capture_output=True, text=True, check=False)
    if res.returncode == 2:
        pytest.skip(f"the test guest cannot be built (Debian packages not fetched): "
                    f"{res.stderr.strip()}")
    assert res.returncode == 0, res.stderr
    return res.stdout.strip().splitlines()[-1]


@pytest.fixture
def root(tmp_path: Path) -> Iterator[str]:
    """An empty embed root; any QEMU left under it is killed at the end."""
    path = str(tmp_path / "root")
    yield path
    _kill_leftovers(path)


@pytest.fixture
def conn(root: str) -> Iterator[Any]:
    """A connection to a fresh embed root."""
    c = pyvirt.open(f"qemu:///embed?root={root}")
    yield c
    try:
        for dom in c.listAllDomains(pyvirt.VIR_CONNECT_LIST_DOMAINS_ACTIVE):
            dom.destroy()
    finally:
        c.close()


def _kill_leftovers(root: str) -> None:
    run = os.path.join(root, "run", "qemu")
    if not os.path.isdir(run):
        return
    killed = []
    for name in os.listdir(run):
        if name.endswith(".pid") and name != "driver.pid":
            try:
                with open(os.path.join(run, name)) as f:
                    pid = int(f.read())
                os.kill(pid, 9)
                killed.append(pid)
            except (OSError, ValueError):
                pass
    remove_cgroups(root, killed)
