"""A guest that powers off while no pyvirt process watches is not lost.

QEMU runs with ``-no-shutdown``, as libvirt starts it: when the guest powers
off, QEMU stays, paused in its ``shutdown`` run state.  The next process
that opens the root asks QEMU (``query-status``), records the guest as
shut off because it shut down, and ends QEMU, or resets it when the guest
was to reboot (``virDomainReboot``, ``<on_poweroff>restart``).  Each
command here is a separate ``pyvirsh`` process (or goes through a pyvirtd
that is stopped while the guest powers off); the test process only pokes
QEMU's monitor itself while no pyvirt process holds it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from lxml import etree
from qemutest_util import WAIT, Events, alive, file_text, guest_xml, pid_of, wait_for, wait_ready

from pyvirt import constants as C
from pyvirt.drivers.qemu import monitor as qmon
from pyvirt.errors import libvirtError

# the pyvirsh of the Python running the tests (a virtual environment's), else PATH's
_BESIDE = Path(sys.executable).parent / "pyvirsh"
PYVIRSH = str(_BESIDE) if _BESIDE.exists() else shutil.which("pyvirsh")
DAEMON_TESTS = Path(__file__).resolve().parents[2] / "daemon"


def pyvirsh(uri: str, *args: str) -> str:
    """Run ``pyvirsh -c URI ARGS`` in its own process; return its output (must succeed)."""
    if PYVIRSH is None:
        pytest.skip("the pyvirsh console script is not installed")
    res = subprocess.run([PYVIRSH, "-c", uri, *args], capture_output=True, text=True,
                         timeout=90, check=False)
    assert res.returncode == 0 and "Traceback" not in res.stderr, \
        f"pyvirsh {' '.join(args)}: {res.stderr}"
    return res.stdout.strip()


def qmp(root: str, name: str, cmd: str, args: dict | None = None) -> dict:
    """Run one QMP command on the QEMU of ``name`` (no pyvirt process may hold it)."""
    status = etree.parse(os.path.join(root, "run", "qemu", f"{name}.xml"))
    mon = qmon.Monitor(status.find("monitor").get("path"), name=name)
    mon.connect(timeout=WAIT)
    try:
        return mon.execute(cmd, args)
    finally:
        mon.close()


def wait_powered_off(root: str, name: str) -> None:
    """Wait until the guest has powered off and QEMU waits in its 'shutdown' state."""
    wait_for(lambda: qmp(root, name, "query-status").get("status") == "shutdown", 60,
             f"{name} to power off", step=0.3)


def write_guest(guest: str, tmp_path: Path, name: str, extra_xml: str = "") -> tuple[Path, str]:
    """The domain XML file of a test guest and its serial log path."""
    serial = str(tmp_path / f"{name}.serial")
    xml = guest_xml(guest, name, serial=serial)
    if extra_xml:
        xml = xml.replace("</os>", "</os>" + extra_xml)
    path = tmp_path / f"{name}.xml"
    path.write_text(xml)
    return path, serial


# --- the lifecycle actions libvirt's QEMU driver takes --------------------------------

# Messages of Debian's libvirt 9.0 (virsh -c qemu:///embed?root=DIR define).
NO_RENAME = ("qemu driver doesn't support the 'rename-restart' action for "
             "'on_reboot'/'on_poweroff'/'on_crash'")
REFUSED = [
    ("<on_poweroff>preserve</on_poweroff>",
     "qemu driver doesn't support the 'preserve' action for 'on_reboot'/'on_poweroff'"),
    ("<on_reboot>preserve</on_reboot>",
     "qemu driver doesn't support the 'preserve' action for 'on_reboot'/'on_poweroff'"),
    ("<on_poweroff>rename-restart</on_poweroff>", NO_RENAME),
    ("<on_crash>rename-restart</on_crash>", NO_RENAME),
    ("<on_poweroff>restart</on_poweroff><on_reboot>destroy</on_reboot>",
     "qemu driver doesn't support 'onReboot' set to 'destroy and 'onPoweroff' set to 'reboot'"),
]


@pytest.mark.parametrize(("actions", "message"), REFUSED)
def test_refused_actions_at_define(guest: str, conn: object, tmp_path: Path, actions: str,
                                   message: str) -> None:
    xml, _ = write_guest(guest, tmp_path, "refused", actions)
    with pytest.raises(libvirtError) as err:
        conn.defineXML(xml.read_text())               # type: ignore[attr-defined]
    assert err.value.get_error_code() == C.VIR_ERR_CONFIG_UNSUPPORTED
    assert str(err.value) == f"unsupported configuration: {message}"
    assert conn.listDefinedDomains() == []            # type: ignore[attr-defined]


def test_crash_preserve_is_accepted(guest: str, conn: object, tmp_path: Path) -> None:
    xml, _ = write_guest(guest, tmp_path, "keep", "<on_crash>preserve</on_crash>")
    dom = conn.defineXML(xml.read_text())             # type: ignore[attr-defined]
    assert "<on_crash>preserve</on_crash>" in dom.XMLDesc(0)
    dom.undefine()


def test_on_poweroff_restart_reboots(guest: str, root: str, conn: object,
                                    tmp_path: Path) -> None:
    """A guest power-off becomes a reset (libvirt's fake reboot): QEMU and its pid stay."""
    xml, serial = write_guest(guest, tmp_path, "again", "<on_poweroff>restart</on_poweroff>")
    ev = Events(conn)
    dom = conn.createXML(xml.read_text(), 0)         # type: ignore[attr-defined]
    wait_ready(serial)
    pid = pid_of(root, "again")
    dom.shutdown()
    wait_ready(serial, 2)
    assert b"PYVIRT-GUEST-POWEROFF" in file_text(serial)
    assert dom.state() == [C.VIR_DOMAIN_RUNNING, C.VIR_DOMAIN_RUNNING_BOOTED]
    assert pid_of(root, "again") == pid and alive(pid)
    assert not [e for e in ev.of("again") if e[0] in (C.VIR_DOMAIN_EVENT_STOPPED,
                                                     C.VIR_DOMAIN_EVENT_SHUTDOWN)]
    dom.destroy()


# --- across processes ----------------------------------------------------------------------

def test_shutdown_seen_by_next_process(guest: str, root: str, tmp_path: Path) -> None:
    """``pyvirsh shutdown`` exits at once; the next pyvirsh finds why the guest stopped."""
    uri = f"qemu:///embed?root={root}"
    xml, serial = write_guest(guest, tmp_path, "down1")
    pyvirsh(uri, "define", str(xml))
    pyvirsh(uri, "start", "down1")
    wait_ready(serial)
    pid = pid_of(root, "down1")
    assert pyvirsh(uri, "shutdown", "down1") == "Domain 'down1' is being shutdown"
    wait_powered_off(root, "down1")
    assert alive(pid)                     # -no-shutdown: QEMU waits for the next process
    assert pyvirsh(uri, "domstate", "--reason", "down1") == "shut off (shutdown)"
    wait_for(lambda: not alive(pid), what="QEMU to be gone")
    assert not os.path.exists(os.path.join(root, "run", "qemu", "down1.xml"))
    pyvirsh(uri, "undefine", "down1")


def test_reboot_finished_by_next_process(guest: str, root: str, tmp_path: Path) -> None:
    """``pyvirsh reboot`` exits at once; the next pyvirsh resets the powered-off guest."""
    uri = f"qemu:///embed?root={root}"
    xml, serial = write_guest(guest, tmp_path, "again1")
    pyvirsh(uri, "create", str(xml))
    wait_ready(serial)
    pid = pid_of(root, "again1")
    assert pyvirsh(uri, "reboot", "again1") == "Domain 'again1' is being rebooted"
    # Usually pyvirsh is gone before the guest powers off and QEMU waits in its
    # 'shutdown' state for the next process.  On a loaded machine pyvirsh may
    # still be exiting when the power-off comes, and finish the reboot itself.
    def off_or_rebooted() -> bool:
        if file_text(serial).count(b"PYVIRT-GUEST-READY") >= 2:
            return True
        try:
            return qmp(root, "again1", "query-status").get("status") == "shutdown"
        except libvirtError:            # the monitor is still pyvirsh's
            return False
    wait_for(off_or_rebooted, 60, "again1 to power off", step=0.3)
    assert pyvirsh(uri, "domstate", "--reason", "again1") == "running (booted)"
    wait_ready(serial, 2)
    assert pid_of(root, "again1") == pid and alive(pid)
    pyvirsh(uri, "destroy", "again1")


def test_killed_while_unwatched_is_a_crash(guest: str, root: str, tmp_path: Path) -> None:
    """SIGKILL is not a power-off: the next process says 'crashed', as libvirt does."""
    uri = f"qemu:///embed?root={root}"
    xml, _ = write_guest(guest, tmp_path, "gone1")
    pyvirsh(uri, "define", str(xml))
    pyvirsh(uri, "start", "--paused", "gone1")     # no need to boot the kernel
    pid = pid_of(root, "gone1")
    os.kill(pid, 9)
    wait_for(lambda: not alive(pid), what="QEMU to die")
    assert pyvirsh(uri, "domstate", "--reason", "gone1") == "shut off (crashed)"
    pyvirsh(uri, "undefine", "gone1")


def test_poweroff_while_pyvirtd_is_stopped(guest: str, root: str, tmp_path: Path) -> None:
    """The guest powers off between two pyvirtd runs; the second daemon tells how."""
    sys.path.insert(0, str(DAEMON_TESTS))
    import daemons

    xml, serial = write_guest(guest, tmp_path, "down2")
    daemon = daemons.start_pyvirtd(tmp_path / "d1", tcp=False)
    try:
        uri = f"qemu+unix:///embed?root={root}&socket={daemon.sock}"
        pyvirsh(uri, "define", str(xml))
        pyvirsh(uri, "start", "down2")
        wait_ready(serial)
        pid = pid_of(root, "down2")
    finally:
        assert daemon.stop() == 0
    assert alive(pid)
    # Nobody holds QEMU's monitor now: press the power button ourselves.
    qmp(root, "down2", "system_powerdown")
    wait_powered_off(root, "down2")
    daemon = daemons.start_pyvirtd(tmp_path / "d2", tcp=False)
    try:
        uri = f"qemu+unix:///embed?root={root}&socket={daemon.sock}"
        assert pyvirsh(uri, "domstate", "--reason", "down2") == "shut off (shutdown)"
        assert not alive(pid)
        assert pyvirsh(uri, "domid", "down2") == "-"
        pyvirsh(uri, "undefine", "down2")
    finally:
        assert daemon.stop() == 0
