"""pyvirsh against real QEMU guests, as a user runs it: one process per command.

The test process must not hold the embed root itself (a root belongs to one
process at a time), so every command is a ``pyvirsh`` subprocess opening
``qemu:///embed?root=DIR`` in turn; the guest outlives each of them.  The
tests run in file order on one guest (define, start, inspect, console,
pause, reset, shutdown, destroy, undefine); the event test runs its own
guest behind a pyvirtd, since two pyvirsh processes cannot hold one root at
the same time.
"""

from __future__ import annotations

import os
import re
import select
import shutil
import stat
import subprocess
import sys
import termios
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from qemutest_util import file_text, guest_xml, pid_of, wait_for, wait_ready
from waiting import LineWatcher

PYVIRSH = shutil.which("pyvirsh")
DAEMON_TESTS = Path(__file__).resolve().parents[2] / "daemon"
NAME = "shell1"

# virsh's dominfo fields, in virsh's order (the security lines may follow).
DOMINFO_KEYS = ["Id", "Name", "UUID", "OS Type", "State", "CPU(s)", "CPU time",
                "Max memory", "Used memory", "Persistent", "Autostart", "Managed save"]


def run(uri: str, *args: str, check: bool = True,
        timeout: float = 60) -> subprocess.CompletedProcess:
    """Run ``pyvirsh -c URI ARGS`` and return its result (asserting success if ``check``)."""
    assert PYVIRSH is not None
    res = subprocess.run([PYVIRSH, "-c", uri, *args], capture_output=True, text=True,
                         timeout=timeout, check=False)
    assert "Traceback" not in res.stderr, res.stderr
    if check:
        assert res.returncode == 0, f"pyvirsh {' '.join(args)}: {res.stderr}"
    return res


def console_session(argv: list[str], line: str, timeout: float = 60) -> tuple[int, bytes]:
    """Run the console command ``argv`` on a pty, type ``line``, wait for the echo, leave.

    Returns the exit status and everything the command wrote to the terminal.
    """
    master, slave = os.openpty()
    proc = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave,
                            start_new_session=True)
    os.close(slave)
    out = bytearray()

    def read_until(token: bytes) -> bool:
        deadline = time.monotonic() + timeout
        while token not in out and time.monotonic() < deadline:
            if select.select([master], [], [], 0.1)[0]:
                try:
                    out.extend(os.read(master, 4096))
                except OSError:          # the command exited: the pty is gone
                    break
        return token in out

    try:
        assert read_until(b"Escape character is ^]"), bytes(out)
        # Typing before the command put the terminal in raw mode would be
        # flushed (TCSAFLUSH): wait until canonical mode is off.
        wait_for(lambda: not termios.tcgetattr(master)[3] & termios.ICANON, timeout,
                 "the console to enter raw mode")
        echo = f"PYVIRT-GUEST-ECHO {line}".encode()
        os.write(master, line.encode() + b"\r")
        assert read_until(echo), bytes(out)
        os.write(master, b"\x1d")
        status = proc.wait(timeout)
        read_until(b"\0")                # drain what is left (until EOF)
        return status, bytes(out)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(master)


def kill_guests(root: str) -> None:
    """SIGKILL every QEMU still running under embed root ``root`` (after a failure)."""
    run_dir = Path(root, "run", "qemu")
    for pidfile in run_dir.glob("*.pid") if run_dir.is_dir() else []:
        if pidfile.name != "driver.pid":
            try:
                os.kill(pid_of(root, pidfile.stem), 9)
            except (OSError, ValueError):
                pass


class Guest:
    """The module's guest: its root, URI, XML file and serial log."""

    def __init__(self, base: Path, guest_dir: str) -> None:
        self.root = str(base / "root")
        self.uri = f"qemu:///embed?root={self.root}"
        self.serial = str(base / "serial.log")
        image = base / "vda.img"
        with open(image, "wb") as f:
            f.truncate(8 << 20)
        disks = (f"<disk type='file' device='disk'><driver name='qemu' type='raw'/>"
                 f"<source file='{image}'/><target dev='vda' bus='virtio'/></disk>")
        nets = ("<interface type='user'><mac address='52:54:00:aa:10:01'/>"
                "<model type='virtio'/></interface>")
        self.xml = base / f"{NAME}.xml"
        self.xml.write_text(guest_xml(guest_dir, NAME, serial=self.serial, disks=disks,
                                      nets=nets))
        self.image = str(image)

    def state(self) -> str:
        """The output of ``domstate``."""
        return run(self.uri, "domstate", NAME).stdout.strip()

    def ready_count(self) -> int:
        """How often the guest reported ready in its serial log."""
        return file_text(self.serial).count(b"PYVIRT-GUEST-READY")


@pytest.fixture(scope="module")
def g(guest: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Guest]:
    if PYVIRSH is None:
        pytest.skip("the pyvirsh console script is not installed")
    it = Guest(tmp_path_factory.mktemp("pyvirsh-qemu"), guest)
    yield it
    kill_guests(it.root)


def test_define_start_and_look(g: Guest) -> None:
    out = run(g.uri, "define", str(g.xml)).stdout
    assert out.strip() == f"Domain '{NAME}' defined from {g.xml}"
    listing = run(g.uri, "list", "--all").stdout
    assert re.search(rf"^ -\s+{NAME}\s+shut off$", listing, re.MULTILINE), listing
    assert run(g.uri, "start", NAME).stdout.strip() == f"Domain '{NAME}' started"
    wait_ready(g.serial)

    listing = run(g.uri, "list", "--all").stdout.splitlines()
    assert re.match(r"^ Id\s+Name\s+State$", listing[0]) and set(listing[1]) == {"-"}
    assert re.match(rf"^ 1\s+{NAME}\s+running$", listing[2]), listing

    info = dict(line.split(":", 1) for line in run(g.uri, "dominfo", NAME).stdout.splitlines()
                if ":" in line)
    assert list(info)[:len(DOMINFO_KEYS)] == DOMINFO_KEYS, info
    assert info["Id"].strip() == "1" and info["Name"].strip() == NAME
    assert info["State"].strip() == "running" and info["Persistent"].strip() == "yes"
    assert info["Max memory"].strip() == "98304 KiB" and info["CPU(s)"].strip() == "1"
    assert re.fullmatch(r"\s+[0-9a-f-]{36}", info["UUID"])

    assert run(g.uri, "domstate", NAME, "--reason").stdout.strip() == "running (booted)"
    assert run(g.uri, "domid", NAME).stdout.strip() == "1"


def test_live_dumpxml_and_device_lists(g: Guest) -> None:
    xml = run(g.uri, "dumpxml", NAME).stdout
    assert xml.startswith("<domain type='qemu' id='1'>")
    for alias in ("serial0", "virtio-disk0", "net0", "balloon0"):
        assert f"<alias name='{alias}'/>" in xml, alias
    pty = re.search(r"<serial type='pty'>\s*<source path='(/dev/pts/\d+)'/>", xml)
    assert pty, xml
    assert stat.S_ISCHR(os.stat(pty.group(1)).st_mode)
    assert f"<console type='pty' tty='{pty.group(1)}'>" in xml

    blk = run(g.uri, "domblklist", NAME).stdout.splitlines()
    assert re.match(r"^ Target\s+Source$", blk[0])
    assert re.match(rf"^ vda\s+{re.escape(g.image)}$", blk[2]), blk
    ifl = run(g.uri, "domiflist", NAME).stdout.splitlines()
    assert re.match(r"^ Interface\s+Type\s+Source\s+Model\s+MAC$", ifl[0])
    assert re.match(r"^ -\s+user\s+-\s+virtio\s+52:54:00:aa:10:01$", ifl[2]), ifl


def test_start_running_domain_is_one_error(g: Guest) -> None:
    res = run(g.uri, "start", NAME, check=False)
    assert res.returncode == 1 and res.stdout.strip() == ""
    errors = [ln for ln in res.stderr.splitlines() if ln.strip()]
    assert errors == ["error: Domain is already active"], res.stderr


def test_console_echoes_typed_line(g: Guest) -> None:
    assert PYVIRSH is not None
    status, out = console_session([PYVIRSH, "-c", g.uri, "console", NAME, "--force"],
                                  "hello pyvirsh")
    assert status == 0, out
    assert out.startswith(f"Connected to domain '{NAME}'".encode()), out
    assert b"PYVIRT-GUEST-ECHO hello pyvirsh" in out


def test_suspend_resume_reset(g: Guest) -> None:
    assert run(g.uri, "suspend", NAME).stdout.strip() == f"Domain '{NAME}' suspended"
    assert run(g.uri, "domstate", NAME, "--reason").stdout.strip() == "paused (user)"
    assert run(g.uri, "resume", NAME).stdout.strip() == f"Domain '{NAME}' resumed"
    assert run(g.uri, "domstate", NAME, "--reason").stdout.strip() == "running (unpaused)"
    before = g.ready_count()
    assert run(g.uri, "reset", NAME).stdout.strip() == f"Domain '{NAME}' was reset"
    wait_ready(g.serial, before + 1)     # the kernel booted again
    assert g.state() == "running"


def test_shutdown_start_destroy_undefine(g: Guest) -> None:
    out = run(g.uri, "shutdown", NAME).stdout.strip()
    assert out == f"Domain '{NAME}' is being shutdown"
    wait_for(lambda: g.state() == "shut off", 120, "the guest to power off", step=0.3)
    # The process that saw the power-off (one open at that moment, or the next
    # to open the root: QEMU waits with -no-shutdown) recorded 'shutdown' in
    # the root's state dir; every later process reads it back.
    for _ in range(2):
        reason = run(g.uri, "domstate", NAME, "--reason").stdout.strip()
        assert reason == "shut off (shutdown)", reason

    assert run(g.uri, "start", NAME).stdout.strip() == f"Domain '{NAME}' started"
    wait_ready(g.serial)                 # QEMU truncated the log as it started
    assert run(g.uri, "domid", NAME).stdout.strip().isdigit()
    assert run(g.uri, "destroy", NAME).stdout.strip() == f"Domain '{NAME}' destroyed"
    # A new process reads how the domain stopped from the root's state dir
    # (libvirtd forgets it when it restarts; pyvirt keeps it).
    reason = run(g.uri, "domstate", NAME, "--reason").stdout.strip()
    assert reason == "shut off (destroyed)", reason
    assert run(g.uri, "undefine", NAME).stdout.strip() == \
        f"Domain '{NAME}' has been undefined"
    assert NAME not in run(g.uri, "list", "--all").stdout
    res = run(g.uri, "dominfo", NAME, check=False)
    assert res.returncode == 1 and res.stderr.startswith("error:"), res.stderr


def test_domxml_to_native(g: Guest) -> None:
    argv = run(g.uri, "domxml-to-native", "qemu-argv", str(g.xml)).stdout
    assert "qemu-system-x86_64" in argv and f"-name guest={NAME}" in argv


def test_event_loop_sees_destroy(guest: str, tmp_path: Path) -> None:
    """``event --loop --all`` in one pyvirsh while another destroys the guest.

    Both go through a pyvirtd that serves the embed root, the only way two
    processes reach one root at the same time.
    """
    if PYVIRSH is None:
        pytest.skip("the pyvirsh console script is not installed")
    sys.path.insert(0, str(DAEMON_TESTS))
    import daemons

    root = str(tmp_path / "root")
    xml = tmp_path / "ev.xml"
    xml.write_text(guest_xml(guest, "ev1"))
    daemon = daemons.start_pyvirtd(tmp_path / "d", tcp=False)
    try:
        uri = f"qemu+unix:///embed?root={root}&socket={daemon.sock}"
        run(uri, "define", str(xml))
        run(uri, "start", "ev1", "--paused")     # no need to boot the kernel
        watcher = LineWatcher([PYVIRSH, "-c", uri, "event", "--loop", "--all",
                               "--timeout", "40"],
                              env=dict(os.environ, PYTHONUNBUFFERED="1"))
        try:
            # nothing is printed once it listens: resume and pause the guest
            # until it reports that
            watcher.ready_after(
                lambda: (run(uri, "resume", "ev1"), run(uri, "suspend", "ev1")),
                lambda line: line == "event 'lifecycle' for domain 'ev1': Suspended Paused",
                timeout=180)     # it registers ~20 callbacks through the daemon first
            assert run(uri, "destroy", "ev1").stdout.strip() == "Domain 'ev1' destroyed"
            status, lines, err = watcher.finish()
        finally:
            watcher.stop()
        out = "\n".join(lines) + "\n"
        run(uri, "undefine", "ev1")
    finally:
        daemon.stop()
        kill_guests(root)
    assert status == 0 and "Traceback" not in err, err
    assert "event 'lifecycle' for domain 'ev1': Stopped Destroyed" in out, out
    assert out.rstrip().endswith("events received: " + out.rstrip().split()[-1])
    assert "event loop timed out" in out
