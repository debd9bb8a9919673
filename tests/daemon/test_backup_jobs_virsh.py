"""Backup jobs through pyvirtd and through Debian's libvirtd 9.0, driven by the real virsh.

Each ``virsh`` command is a client of its own: between two of them pyvirtd
has no client.  A running backup must still be there for the next command
(``domjobinfo``, ``backup-dumpxml``, ``domjobabort``) and a finished one must
leave its statistics for ``domjobinfo --completed``, printed as virsh prints
libvirt's; so do a core dump, a snapshot with memory and a save.  The guest is only started paused: no boot is needed.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import daemons

QEMU_TESTS = Path(__file__).resolve().parents[1] / "drivers" / "qemu"
sys.path.insert(0, str(QEMU_TESTS))

from qemutest_util import guest_xml
from test_qemu_via_pyvirtd import _guest_dir, _start_daemon

PYVIRSH = [sys.executable, "-m", "pyvirt.shell.main"]
TOOL = [daemons.VIRSH]            # the shell the session drives (pyvirsh in the last run)


def _virsh(uri: str, *args: str) -> str:
    res = subprocess.run([*TOOL, "-c", uri, *args], capture_output=True, text=True,
                         timeout=90, check=False, cwd=Path(__file__).resolve().parents[2])
    return (res.stdout + res.stderr).strip()


def _normal(text: str, base: str) -> str:
    """Timings (and a bandwidth shown only when QEMU measured one) vary from run to run."""
    text = re.sub(r"((?:Time elapsed|Total downtime|Setup time):\s+)\d+\s+ms", r"\1T ms", text)
    text = re.sub(r"Memory bandwidth:.*\n", "", text)
    return text.replace(base, "BASE")


def _session(uri: str, base: Path, guest: str) -> dict[str, str]:
    """The same virsh commands on either side; their outputs."""
    disk = base / "d.qcow2"
    subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", str(disk), "16M"], check=True)
    xml = base / "g.xml"
    xml.write_text(guest_xml(guest, "bj", disks=(
        "<disk type='file' device='disk'><driver name='qemu' type='qcow2'/>"
        f"<source file='{disk}'/><target dev='vda' bus='virtio'/></disk>")))
    push, pull = base / "push.xml", base / "pull.xml"
    push.write_text("<domainbackup><disks><disk name='vda' type='file'>"
                    f"<target file='{base}/full.qcow2'/></disk></disks></domainbackup>")
    pull.write_text(f"<domainbackup mode='pull'><server transport='unix' "
                    f"socket='{base}/nbd.sock'/><disks><disk name='vda' type='file'>"
                    f"<scratch file='{base}/s.qcow2'/></disk></disks></domainbackup>")
    out = {}
    out["define"] = _virsh(uri, "define", str(xml))
    out["start"] = _virsh(uri, "start", "bj", "--paused")
    out["push"] = _virsh(uri, "backup-begin", "bj", str(push))
    deadline = time.monotonic() + 60
    while "Completed" not in _virsh(uri, "domjobinfo", "bj", "--completed", "--keep-completed"):
        assert time.monotonic() < deadline, "the push backup did not finish"
        time.sleep(0.1)
    out["push-done"] = _virsh(uri, "domjobinfo", "bj", "--completed")
    out["push-done-again"] = _virsh(uri, "domjobinfo", "bj", "--completed")   # forgotten
    out["pull"] = _virsh(uri, "backup-begin", "bj", str(pull))
    out["pull-running"] = _virsh(uri, "domjobinfo", "bj")
    out["pull-xml-has-scratch"] = str(f"{base}/s.qcow2" in _virsh(uri, "backup-dumpxml", "bj"))
    out["abort"] = _virsh(uri, "domjobabort", "bj")
    deadline = time.monotonic() + 60
    while "Completed" not in _virsh(uri, "domjobinfo", "bj", "--completed", "--keep-completed"):
        assert time.monotonic() < deadline, "the pull backup did not end"
        time.sleep(0.1)
    out["pull-done"] = _virsh(uri, "domjobinfo", "bj", "--completed")
    out["scratch-left"] = str((base / "s.qcow2").exists())
    # the other jobs that leave statistics: a core dump, a snapshot with memory, a save
    out["dump"] = _virsh(uri, "dump", "bj", str(base / "core"))
    out["dump-done"] = _virsh(uri, "domjobinfo", "bj", "--completed")
    _virsh(uri, "destroy", "bj")
    _virsh(uri, "start", "bj", "--paused")
    out["snapshot"] = _virsh(uri, "snapshot-create-as", "bj", "m1", "--memspec",
                             f"file={base}/m1.mem", "--diskspec", f"vda,file={base}/m1.ovl")
    out["snapshot-done"] = _virsh(uri, "domjobinfo", "bj", "--completed")
    _virsh(uri, "destroy", "bj")
    _virsh(uri, "start", "bj", "--paused")
    out["save"] = _virsh(uri, "save", "bj", str(base / "saved"))
    out["save-done"] = _virsh(uri, "domjobinfo", "bj", "--completed", "--keep-completed")
    out["undefine"] = _virsh(uri, "undefine", "bj", "--snapshots-metadata")
    # the figures of a copy of the guest's memory vary a little from run to run
    # (pages QEMU found zero, iterations): their fields are compared, not their values
    for key in ("dump-done", "snapshot-done", "save-done"):
        out[key] = re.sub(r"(:\s+)[0-9][0-9.]*(\s*\S*)", r"\1N", out[key])
    return {k: _normal(v, str(base)) for k, v in out.items()}


def _kill_guests(base: Path) -> None:
    """QEMUs a failed session left to its pyvirtd's roots (guests outlive the daemon)."""
    for pidfile in base.glob("*/xdg/run/pyvirt/qemu/*.pid"):
        if pidfile.name != "driver.pid":
            with contextlib.suppress(OSError, ValueError):
                os.kill(int(pidfile.read_text()), signal.SIGKILL)


def test_backup_jobs_as_libvirt(virsh: str, reference_libvirtd: daemons.LibvirtDaemon) -> None:
    guest = _guest_dir()
    base = Path(tempfile.mkdtemp(prefix="bj-"))
    try:
        _compare(base, guest, reference_libvirtd)
    finally:
        _kill_guests(base)
        shutil.rmtree(base, ignore_errors=True)


def _compare(base: Path, guest: str, reference_libvirtd: daemons.LibvirtDaemon) -> None:
    daemon = _start_daemon(base / "pyvirtd")
    try:
        (base / "p").mkdir()
        mine = _session(f"qemu+unix:///session?socket={daemon.sock}", base / "p", guest)
    finally:
        daemon.stop()
    (base / "l").mkdir()
    theirs = _session(reference_libvirtd.uri(driver="qemu", path="/system"), base / "l", guest)
    assert "File processed:   16.000 MiB" in theirs["push-done"]
    assert mine == theirs
    # pyvirsh prints the same through pyvirtd
    daemon = _start_daemon(base / "pyvirtd2")
    try:
        (base / "s").mkdir()
        TOOL[:] = PYVIRSH
        shell = _session(f"qemu+unix:///session?socket={daemon.sock}", base / "s", guest)
    finally:
        TOOL[:] = [daemons.VIRSH]
        daemon.stop()
    assert shell == theirs
