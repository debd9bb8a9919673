"""Shared by the comparisons with Debian's libvirt under /usr/bin/python3."""

from __future__ import annotations

import os
import subprocess

REAL_PYTHON = "/usr/bin/python3"


def has_libvirt_python() -> bool:
    """Whether Debian's python3 can import libvirt (python3-libvirt)."""
    if not os.access(REAL_PYTHON, os.X_OK):
        return False
    return subprocess.run([REAL_PYTHON, "-c", "import libvirt"], capture_output=True,
                          check=False, timeout=60).returncode == 0


def real_env() -> dict[str, str]:
    """The environment for /usr/bin/python3: without pyvirt's PYTHONPATH."""
    return {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
