"""Fixtures: a pyvirtd per test, one real libvirtd per module."""

from __future__ import annotations

import os
import shutil
import sys

import pytest

sys.path.insert(0, os.path.dirname(__file__))

import daemons


@pytest.fixture
def pyvirtd(tmp_path):
    """A pyvirtd on a temporary unix socket and a TCP port, stopped after the test."""
    d = daemons.start_pyvirtd(tmp_path)
    yield d
    status = d.stop()
    assert status == 0, f"pyvirtd exited with {status}: {d.log.read_text()[-3000:]}"


@pytest.fixture(scope="module")
def libvirtd(tmp_path_factory):
    """A real libvirtd (its test driver is test+unix:///default) for the module."""
    why = daemons.libvirtd_available()
    if why:
        pytest.skip(why)
    try:
        d = daemons.start_libvirtd(tmp_path_factory.mktemp("libvirtd"), tcp=True)
    except RuntimeError as exc:
        pytest.skip(f"libvirtd did not start: {exc}")
    yield d
    d.stop()


@pytest.fixture(scope="session")
def virsh():
    """The real virsh, or skip."""
    if not shutil.which("virsh"):
        pytest.skip("virsh is not installed")
    return daemons.VIRSH


@pytest.fixture(scope="session")
def real_python():
    """Debian's python3 with libvirt-python, or skip."""
    if not os.path.exists(daemons.REAL_PYTHON):
        pytest.skip("no /usr/bin/python3")
    res = daemons.run_real_python(["-c", "import libvirt"], "test:///default")
    if res.returncode != 0:
        pytest.skip("libvirt-python is not installed for /usr/bin/python3")
    return daemons.REAL_PYTHON
