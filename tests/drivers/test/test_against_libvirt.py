"""Run the same scripted calls on real libvirt and on pyvirt and compare every result.

The script is :mod:`scenario` (next to this file); each implementation runs it
in a fresh process so that both start from the pristine test:///default.
Skipped when Debian's python3-libvirt is not importable by /usr/bin/python3.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

SCENARIO = Path(__file__).with_name("scenario.py")
SYSTEM_PYTHON = "/usr/bin/python3"


def _has_libvirt() -> bool:
    try:
        return subprocess.run([SYSTEM_PYTHON, "-c", "import libvirt"], capture_output=True,
                              timeout=60, check=False).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


pytestmark = [pytest.mark.libvirt_ref,
              pytest.mark.skipif(not _has_libvirt(),
                                 reason="real libvirt-python (python3-libvirt) not available")]


def _run(python: str, module: str) -> list:
    proc = subprocess.run([python, str(SCENARIO), module], capture_output=True, text=True,
                          timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout)


@pytest.fixture(scope="module")
def results() -> tuple[list, list]:
    return _run(SYSTEM_PYTHON, "libvirt"), _run(sys.executable, "pyvirt")


def test_same_steps(results: tuple[list, list]) -> None:
    real, ours = results
    assert [s[0] for s in ours] == [s[0] for s in real]


def test_same_results(results: tuple[list, list]) -> None:
    real, ours = results
    mismatches = [(r[0], r[1:], o[1:]) for r, o in zip(real, ours) if r != o]
    report = "\n".join(f"{label}:\n  libvirt: {want}\n  pyvirt:  {got}"
                       for label, want, got in mismatches)
    assert not mismatches, report


def test_default_domain_xml_identical(results: tuple[list, list]) -> None:
    real, ours = results
    want = {s[0]: s for s in real}
    for label in ("default xml", "default xml inactive", "capabilities", "snap xml B",
                  "chk xml"):
        assert {s[0]: s for s in ours}[label] == want[label]
