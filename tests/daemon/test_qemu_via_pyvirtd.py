"""Debian's real virsh driving a real QEMU guest through pyvirtd.

pyvirtd serves ``qemu:///session`` with its XDG directories in a temporary
directory (the real virsh's remote driver refuses ``qemu:///embed`` URIs on
the client side, before it reaches the daemon).  The tests run in file
order on one guest: define, start, look, pause, console, events, destroy,
undefine.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import daemons
import pytest
from waiting import LineWatcher, wait_until

QEMU_TESTS = Path(__file__).resolve().parents[1] / "drivers" / "qemu"
sys.path.insert(0, str(QEMU_TESTS))

from qemutest_util import file_text, guest_xml, ticks, wait_ready
from test_qemu_pyvirsh import console_session

REPO = Path(__file__).resolve().parents[2]
NAME = "remote1"


class Setup:
    """The daemon, its qemu:///session URI, the guest's XML file and serial log."""

    def __init__(self, daemon: daemons.RunningDaemon, base: Path, guest_dir: str) -> None:
        self.daemon = daemon
        self.uri = f"qemu+unix:///session?socket={daemon.sock}"
        self.serial = str(base / "serial.log")
        self.xml = base / f"{NAME}.xml"
        self.xml.write_text(guest_xml(guest_dir, NAME, serial=self.serial))
        self.state_dir = str(base / "xdg" / "run" / "pyvirt" / "qemu")

    def virsh(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        """Run the real virsh (not quiet: its messages are compared) against the daemon."""
        res = subprocess.run([daemons.VIRSH, "-c", self.uri, *args], capture_output=True,
                             text=True, timeout=60, check=False)
        if check:
            assert res.returncode == 0, f"virsh {' '.join(args)}: {res.stderr}"
        return res

    def kill_guests(self) -> None:
        """SIGKILL any QEMU the daemon left running (after a failure)."""
        for pidfile in Path(self.state_dir).glob("*.pid"):
            if pidfile.name != "driver.pid":
                try:
                    os.kill(int(pidfile.read_text()), 9)
                except (OSError, ValueError):
                    pass


def _guest_dir() -> str:
    if shutil.which("qemu-system-x86_64") is None:
        pytest.skip("qemu-system-x86_64 is not installed")
    res = subprocess.run([sys.executable, str(REPO / "tools" / "build_guest.py"),
                          "--print-dir"], capture_output=True, text=True, check=False)
    if res.returncode == 2:
        pytest.skip(f"the test guest cannot be built: {res.stderr.strip()}")
    assert res.returncode == 0, res.stderr
    return res.stdout.strip().splitlines()[-1]


def _start_daemon(base: Path, tcp: bool = False) -> daemons.RunningDaemon:
    """pyvirtd with its sockets under ``base`` (and a TCP port with ``tcp``);
    qemu:///session state in base/xdg."""
    xdg = base / "xdg"
    with pytest.MonkeyPatch.context() as mp:
        for var, sub in (("XDG_CONFIG_HOME", "config"), ("XDG_DATA_HOME", "data"),
                         ("XDG_CACHE_HOME", "cache"), ("XDG_RUNTIME_DIR", "run")):
            mp.setenv(var, str(xdg / sub))
        return daemons.start_pyvirtd(base, tcp=tcp)


def _qemu_pid(s: Setup) -> int:
    """The pid of the guest's QEMU, from the driver's pidfile."""
    pidfiles = [p for p in Path(s.state_dir).glob("*.pid") if p.name != "driver.pid"]
    assert len(pidfiles) == 1, pidfiles
    return int(pidfiles[0].read_text())


@pytest.fixture(scope="module")
def s(virsh: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Setup]:
    guest_dir = _guest_dir()
    base = tmp_path_factory.mktemp("qemu-pyvirtd")
    daemon = _start_daemon(base)
    setup = Setup(daemon, base, guest_dir)
    yield setup
    try:
        setup.virsh("destroy", NAME, check=False)
        setup.virsh("undefine", NAME, check=False)
        # the restart test replaces the daemon: stop the current one
        status = setup.daemon.stop()
        assert status == 0, (f"pyvirtd exited with {status}: "
                             f"{setup.daemon.log.read_text()[-3000:]}")
    finally:
        setup.daemon.stop()
        daemon.stop()
        setup.kill_guests()


def test_define_start_list_dominfo(s: Setup) -> None:
    out = s.virsh("define", str(s.xml)).stdout
    assert out.strip() == f"Domain '{NAME}' defined from {s.xml}"
    assert s.virsh("start", NAME).stdout.strip() == f"Domain '{NAME}' started"
    wait_ready(s.serial)
    listing = s.virsh("list", "--all").stdout
    assert re.search(rf"^\s*\d+\s+{NAME}\s+running$", listing, re.MULTILINE), listing
    info = s.virsh("dominfo", NAME).stdout
    for pattern in (rf"^Name:\s+{NAME}$", r"^State:\s+running$", r"^CPU\(s\):\s+1$",
                    r"^Max memory:\s+98304 KiB$", r"^Persistent:\s+yes$",
                    r"^UUID:\s+[0-9a-f-]{36}$", r"^CPU time:\s+[\d.]+s$"):
        assert re.search(pattern, info, re.MULTILINE), (pattern, info)
    res = s.virsh("start", NAME, check=False)
    assert res.returncode == 1 and "error: Domain is already active" in res.stderr


def test_suspend_resume(s: Setup) -> None:
    assert s.virsh("suspend", NAME).stdout.strip() == f"Domain '{NAME}' suspended"
    assert s.virsh("domstate", NAME, "--reason").stdout.strip() == "paused (user)"
    assert s.virsh("resume", NAME).stdout.strip() == f"Domain '{NAME}' resumed"
    assert s.virsh("domstate", NAME, "--reason").stdout.strip() == "running (unpaused)"


def test_daemon_restart_leaves_the_guest_running(s: Setup) -> None:
    """SIGTERM to pyvirtd; a new pyvirtd finds the guest still running and manages it."""
    pid = _qemu_pid(s)
    dom_id = s.virsh("domid", NAME).stdout.strip()
    before = ticks(s.serial)
    assert s.daemon.stop() == 0
    os.kill(pid, 0)                       # QEMU outlived the daemon
    s.daemon = _start_daemon(Path(s.xml).parent)
    assert s.virsh("domstate", NAME, "--reason").stdout.strip().startswith("running")
    assert s.virsh("domid", NAME).stdout.strip() == dom_id
    assert _qemu_pid(s) == pid
    wait_until(lambda: ticks(s.serial) > before, what="the guest to carry on counting")
    assert s.virsh("suspend", NAME).stdout.strip() == f"Domain '{NAME}' suspended"
    assert s.virsh("resume", NAME).stdout.strip() == f"Domain '{NAME}' resumed"


def test_console_through_the_daemons_stream(s: Setup) -> None:
    status, out = console_session([daemons.VIRSH, "-c", s.uri, "console", NAME, "--force"],
                                  "hello virsh")
    assert status == 0, out
    assert f"Connected to domain '{NAME}'".encode() in out
    assert b"PYVIRT-GUEST-ECHO hello virsh" in out
    assert b"PYVIRT-GUEST-ECHO hello virsh" in file_text(s.serial)


def test_event_loop_sees_suspend_resume_destroy(s: Setup) -> None:
    prefix = f"event 'lifecycle' for domain '{NAME}': "
    watcher = LineWatcher([daemons.VIRSH, "-c", s.uri, "event", "--loop", "--all",
                           "--timeout", "40"])
    try:
        # virsh prints nothing once it listens: suspend and resume until it
        # reports them (the test's own sequence starts the same way)
        start = watcher.ready_after(
            lambda: (s.virsh("suspend", NAME), s.virsh("resume", NAME)),
            lambda line: line == prefix + "Resumed Unpaused", timeout=180)
        s.virsh("suspend", NAME)
        s.virsh("resume", NAME)
        assert s.virsh("destroy", NAME).stdout.strip() == f"Domain '{NAME}' destroyed"
        watcher.wait_for_line(lambda line: line == prefix + "Stopped Destroyed",
                              what="the destroy event", start=start)
        _status, all_lines, err = watcher.finish()
    finally:
        watcher.stop()
    out = "\n".join(all_lines)
    lines = [ln[len(prefix):] for ln in all_lines[start:] if ln.startswith(prefix)]
    assert lines[:2] == ["Suspended Paused", "Resumed Unpaused"], out
    assert lines[-1] == "Stopped Destroyed", out
    assert "events received:" in out, (out, err)


def test_undefine(s: Setup) -> None:
    assert s.virsh("domstate", NAME).stdout.strip() == "shut off"
    out = s.virsh("undefine", NAME).stdout.strip()
    assert out == f"Domain '{NAME}' has been undefined"
    assert NAME not in s.virsh("list", "--all").stdout
