"""Shared fixtures: silence libvirt's default stderr error printer in tests;
the reference libvirtd (private to the test run) for side-by-side tests."""

from __future__ import annotations

import importlib
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from typing import Any

import pytest

import pyvirt

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "daemon"))

import daemons  # tests/daemon/daemons.py

# -- skip-reason summary and CI check (tests/_skipreport.py) --------------------
pytest_plugins = ("_skipreport",)
# -------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _quiet_errors():
    pyvirt.registerErrorHandler(lambda _ctx, _err: None, None)
    yield
    pyvirt.registerErrorHandler(None, None)


@pytest.fixture
def short_tmp() -> Iterator[str]:
    """A fresh directory with a short path (under /tmp), removed afterwards: for
    daemons that put unix sockets in it, whose paths must stay under 108
    bytes wherever pytest's own tmp_path happens to be."""
    path = tempfile.mkdtemp(prefix="pv-", dir="/tmp")
    yield path
    shutil.rmtree(path, ignore_errors=True)


# --- the reference libvirtd ---------------------------------------------------------------------

@pytest.fixture(scope="session")
def reference_libvirtd(tmp_path_factory) -> Iterator[daemons.LibvirtDaemon]:
    """Debian's libvirtd (with its virtlogd), started for this test run only.

    It runs in its own mount namespace with empty private libvirt
    directories (tests/daemon/daemons.py: start_libvirtd), so a libvirtd of
    the system, running or not, is neither used nor disturbed.  One per
    test process (each pytest-xdist worker starts its own when a test of it
    asks); stopped, with any guest it still runs, at the end.  Its QEMU
    driver is ``reference_libvirtd.uri(driver="qemu", path="/system")``.
    """
    why = daemons.libvirtd_available()
    if why:
        pytest.skip(why)
    d = daemons.start_libvirtd(tmp_path_factory.mktemp("reference-libvirtd"))
    yield d
    d.stop()


@pytest.fixture(scope="session")
def reference_qemu_uri(reference_libvirtd) -> str:
    """``qemu+unix:///system?socket=...`` of the reference libvirtd."""
    return reference_libvirtd.uri(driver="qemu", path="/system")


def _host_service(module: str, packages: str) -> Any:
    """tests/drivers/host/MODULE.py, skipping the test when its programs are missing."""
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), "drivers", "host"))
    mod = importlib.import_module(module)
    lacking = mod.missing()
    if lacking:
        pytest.skip(f"missing {', '.join(lacking)} (Debian: {packages})")
    return mod


@pytest.fixture(scope="session")
def ceph_cluster() -> Iterator[object]:
    """A real single-node Ceph cluster (mon, mgr, bluestore OSD on 127.0.0.1, cephx:
    tests/drivers/host/ceph.py), started once per test session, stopped at its end
    leaving no process."""
    cluster = _host_service("ceph", "ceph-mon ceph-mgr ceph-osd ceph-common").start_cluster()
    yield cluster
    from pyvirt.drivers.storage.backends.rbd import forget_all
    forget_all()
    cluster.stop()


@pytest.fixture(scope="session")
def tgt_target() -> Iterator[object]:
    """Debian's userspace iSCSI target on 127.0.0.1 (tests/drivers/host/tgt.py), private
    to the session and stopped at its end."""
    target = _host_service("tgt", "tgt libiscsi-bin").start_target()
    yield target
    target.stop()


# --- the fast subset (tools/run-tests --quick runs -m "not slow") -------------------------------

# Tests that use these fixtures boot real QEMU guests or start a real libvirtd (or Ceph, tgt).
_SLOW_FIXTURES = frozenset({"guest", "reference_libvirtd", "ceph_cluster", "tgt_target"})
# Every test under these directories starts real daemons (pyvirtd, libvirtd).
_SLOW_DIRS = (os.path.join(os.path.dirname(__file__), "daemon") + os.sep,)


# pyvirt's system directories missing when the run began (a fresh host): the
# tests that bind private state over them (daemons.private_system) make them
# as mount points; the run removes them again when they are still empty.
_MADE_DIRS: list[str] = []


def pytest_sessionstart(session: pytest.Session) -> None:
    if not hasattr(session.config, "workerinput"):    # the run itself, not an xdist worker
        _MADE_DIRS[:] = [d for d in daemons.SYSTEM_DIRS if not os.path.exists(d)]


def pytest_unconfigure(config: pytest.Config) -> None:
    if hasattr(config, "workerinput"):
        return
    for d in _MADE_DIRS:
        try:
            os.rmdir(d)     # only when empty: nothing a test left there is lost
        except OSError:
            pass


def pytest_collection_modifyitems(config, items) -> None:
    """Mark ``slow`` the tests that boot guests or start daemons."""
    for item in items:
        if _SLOW_FIXTURES & set(getattr(item, "fixturenames", ())) or \
                str(item.path).startswith(_SLOW_DIRS):
            item.add_marker(pytest.mark.slow)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """A test that fails on a command's exit status shows what the command said:
    ``CalledProcessError`` names only the argv and the status."""
    outcome = yield
    report = outcome.get_result()
    err = call.excinfo.value if call.excinfo is not None else None
    if report.failed and isinstance(err, subprocess.CalledProcessError):
        for name, text in (("stdout", err.stdout), ("stderr", err.stderr)):
            if text:
                if isinstance(text, bytes):
                    text = text.decode(errors="replace")
                report.sections.append((f"failed command's {name}", text[-4000:]))
