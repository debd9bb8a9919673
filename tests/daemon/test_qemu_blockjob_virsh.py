"""Block jobs and agent calls through pyvirtd, driven by Debian's real virsh and by pyvirsh.

pyvirtd serves ``qemu:///session`` (XDG directories under a short temporary
directory: the guest agent's socket lives there).  One guest with the agent
channel and three disks; the tests run in file order.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import daemons
import pytest

QEMU_TESTS = Path(__file__).resolve().parents[1] / "drivers" / "qemu"
sys.path.insert(0, str(QEMU_TESTS))

from qemutest_util import BOOT_WAIT, guest_xml, wait_for, wait_ready
from test_qemu_via_pyvirtd import _guest_dir, _start_daemon

REPO = Path(__file__).resolve().parents[2]
PYVIRSH = [sys.executable, "-m", "pyvirt.shell.main"]
NAME = "bjvirsh"
MiB = 1 << 20


class Setup:
    """The daemon, its URI, the guest's images and serial log."""

    def __init__(self, daemon: daemons.RunningDaemon, base: Path) -> None:
        self.daemon, self.base = daemon, base
        self.uri = f"qemu+unix:///session?socket={daemon.sock}"
        self.serial = str(base / "serial.log")

    def run(self, tool: list[str], *args: str, ok: bool = True) -> subprocess.CompletedProcess:
        res = subprocess.run([*tool, "-c", self.uri, *args], capture_output=True, text=True,
                             timeout=90, check=False, cwd=REPO)
        if ok:
            assert res.returncode == 0, f"{tool[-1]} {' '.join(args)}: {res.stderr}"
        return res

    def virsh(self, *args: str, ok: bool = True) -> subprocess.CompletedProcess:
        return self.run([daemons.VIRSH], *args, ok=ok)

    def pyvirsh(self, *args: str, ok: bool = True) -> subprocess.CompletedProcess:
        return self.run(PYVIRSH, *args, ok=ok)


def _img(*args: str) -> str:
    res = subprocess.run(["qemu-img", *args], capture_output=True, text=True, check=False)
    assert res.returncode == 0, res.stderr
    return res.stdout


@pytest.fixture(scope="module")
def s(virsh: str) -> Iterator[Setup]:
    guest_dir = _guest_dir()
    base = Path(tempfile.mkdtemp(prefix="qv-"))
    daemon = _start_daemon(base)
    setup = Setup(daemon, base)
    p = str(base)
    _img("create", "-q", "-f", "raw", f"{p}/a.img", "16M")
    subprocess.run(["qemu-io", "-f", "raw", "-c", "write -P 0x5a 0 3M", f"{p}/a.img"],
                   capture_output=True, check=True)
    _img("create", "-q", "-f", "raw", f"{p}/b-base.img", "16M")
    _img("create", "-q", "-f", "qcow2", "-F", "raw", "-b", f"{p}/b-base.img", f"{p}/b.qcow2")
    _img("create", "-q", "-f", "raw", f"{p}/c-base.img", "16M")
    _img("create", "-q", "-f", "qcow2", "-F", "raw", "-b", f"{p}/c-base.img", f"{p}/c.qcow2")
    disks = "".join(
        f"<disk type='file' device='disk'><driver name='qemu' type='{fmt}'/>"
        f"<source file='{p}/{f}'/><target dev='{dev}' bus='virtio'/></disk>"
        for f, fmt, dev in (("a.img", "raw", "vda"), ("b.qcow2", "qcow2", "vdb"),
                            ("c.qcow2", "qcow2", "vdc")))
    chan = ("<channel type='unix'><target type='virtio' name='org.qemu.guest_agent.0'/>"
            "</channel>")
    xml = base / "dom.xml"
    xml.write_text(guest_xml(guest_dir, NAME, serial=setup.serial, disks=disks, extra=chan))
    try:
        setup.virsh("create", str(xml))
        wait_ready(setup.serial)
        wait_for(lambda: setup.virsh("domhostname", NAME, ok=False).returncode == 0,
                 BOOT_WAIT, "guest agent up")
        yield setup
    finally:
        setup.virsh("destroy", NAME, ok=False)
        status = daemon.stop()
        shutil.rmtree(base, ignore_errors=True)
        assert status == 0, daemon.log.read_text()[-3000:] if daemon.log.exists() else status


def test_virsh_blockcopy_wait_verbose_pivot(s: Setup) -> None:
    dest = f"{s.base}/a-copy.img"
    res = s.virsh("blockcopy", NAME, "vda", dest, "--wait", "--verbose", "--pivot",
                  "--transient-job")
    assert res.stdout.strip() == "Successfully pivoted"
    assert "Block Copy: [100 %]" in res.stderr
    assert "Images are identical" in _img("compare", "-U", f"{s.base}/a.img", dest)
    assert f"<source file='{dest}'/>" in s.virsh("dumpxml", NAME).stdout
    assert s.virsh("blockjob", NAME, "vda", "--info").stdout.strip() == \
        "No current block job for vda"
    res = s.virsh("blockjob", NAME, "vda", "--abort", ok=False)
    assert res.returncode == 1
    assert "error: invalid argument: disk vda does not have an active block job" in res.stderr


def test_virsh_blockcopy_mirror_then_info_and_abort(s: Setup) -> None:
    dest = f"{s.base}/a-copy2.img"
    # 1 KiB/s: the copy stays far from ready, however slow the machine
    res = s.virsh("blockcopy", NAME, "vda", dest, "--bandwidth", "1024", "--bytes")
    assert res.stdout.strip() == "Block Copy started"
    for tool in (s.virsh, s.pyvirsh):      # the same text from both
        info = tool("blockjob", NAME, "vda", "--info", "--bytes")
        assert info.stderr.startswith("\nBlock Copy: [")      # not a terminal: no \\r
        assert info.stdout == "    Bandwidth limit: 1024 bytes/s (1.000 KiB/s)\n\n"
    res = s.virsh("blockjob", NAME, "vda", "--pivot", ok=False)
    # the job is named after the disk's node (a new one since the pivot above)
    assert re.search(r"error: block copy still active: block job 'copy-vda-libvirt-\d+-format' "
                     r"not ready for pivot yet", res.stderr), res.stderr
    res = s.virsh("blockcommit", NAME, "vda", "--active", ok=False)
    assert "error: block copy still active: disk 'vda' already in active block job" in res.stderr
    s.virsh("blockjob", NAME, "vda", "--abort")
    assert "<mirror" not in s.virsh("dumpxml", NAME).stdout


def test_virsh_blockcommit_and_pull(s: Setup) -> None:
    res = s.virsh("blockcommit", NAME, "vdb", "--active", "--pivot", "--wait", "--verbose")
    assert res.stdout.strip() == "Successfully pivoted"
    assert "Block commit: [100 %]" in res.stderr          # virsh's own spelling
    assert f"<source file='{s.base}/b-base.img'/>" in s.virsh("dumpxml", NAME).stdout
    res = s.virsh("blockpull", NAME, "vdc", "--wait", "--verbose")
    assert res.stdout.strip() == "Pull complete"
    assert "backing-filename" not in json.loads(
        _img("info", "-U", "--output=json", f"{s.base}/c.qcow2"))


def test_virsh_resize_threshold_agent(s: Setup) -> None:
    res = s.virsh("blockresize", NAME, "vdc", "32M")
    assert res.stdout.strip() == "Block device 'vdc' is resized"
    assert s.virsh("domblkinfo", NAME, "vdc").stdout.split()[1] == str(32 * MiB)
    s.virsh("domblkthreshold", NAME, "vdc", "8M")
    assert s.virsh("domhostname", NAME).stdout.strip() == "pyvirt-guest"
    out = s.virsh("guestinfo", NAME, "--hostname", "--timezone").stdout
    assert "hostname            : pyvirt-guest" in out and "timezone.name       : UTC" in out
    reply = s.virsh("qemu-agent-command", NAME, '{"execute":"guest-ping"}').stdout
    assert json.loads(reply) == {"return": {}}
    assert s.virsh("domtime", NAME).stdout.startswith("Time: ")


def test_pyvirsh_block_commands(s: Setup) -> None:
    dest = f"{s.base}/a-copy3.img"
    res = s.pyvirsh("blockcopy", NAME, "vda", dest, "--wait", "--verbose", "--finish")
    assert res.stdout.strip() == "Successfully copied"
    assert "Block Copy: [100 %]" in res.stderr
    assert "Images are identical" in _img("compare", "-U", f"{s.base}/a-copy.img", dest)
    assert f"<source file='{s.base}/a-copy.img'/>" in s.virsh("dumpxml", NAME).stdout
    assert s.pyvirsh("blockjob", NAME, "vda").stdout.strip() == "No current block job for vda"
    res = s.pyvirsh("blockresize", NAME, "vdc", "40M")
    assert res.stdout.strip() == "Block device 'vdc' is resized"
    s.pyvirsh("domblkthreshold", NAME, "vdc", "16M")
    res = s.pyvirsh("blockjob", NAME, "vdz", "--abort", ok=False)
    assert "disk 'vdz' not found in domain" in res.stderr
    assert os.path.exists(dest)


def test_pyvirsh_agent_commands_print_as_virsh(s: Setup) -> None:
    for args in (["domhostname", NAME], ["guestinfo", NAME, "--hostname", "--timezone"],
                 ["guestinfo", NAME, "--os", "--disk"],
                 ["qemu-agent-command", NAME, '{"execute":"guest-ping"}']):
        want, got = s.virsh(*args), s.pyvirsh(*args)
        assert (got.stdout, got.stderr) == (want.stdout, want.stderr), args
    want, got = s.virsh("domtime", NAME), s.pyvirsh("domtime", NAME)
    assert abs(int(got.stdout.split()[1]) - int(want.stdout.split()[1])) < 60
    assert got.stdout.startswith("Time: ")
    bad = '{"execute":"no-such"}'
    want = s.virsh("qemu-agent-command", NAME, bad, ok=False)
    got = s.pyvirsh("qemu-agent-command", NAME, bad, ok=False)
    assert (got.returncode, got.stderr) == (want.returncode, want.stderr)


def test_threshold_chain_index(s: Setup) -> None:
    """domblkthreshold with libvirt's vdX[N] names: N counts from the top's index (vdc,
    the last disk, is 1; its backing image was pulled in)."""
    for tool in (s.virsh, s.pyvirsh):
        assert tool("domblkthreshold", NAME, "vdc[1]", "8M").returncode == 0
    for dev, message in (("vdc[2]", "failed to find disk 'vdc[2]'"),
                         ("vdc[x]", "failed to parse block device 'vdc[x]'"),
                         ("vdz[1]", "failed to find disk 'vdz'")):
        errs = [tool("domblkthreshold", NAME, dev, "8M", ok=False) for tool in
                (s.virsh, s.pyvirsh)]
        assert [e.returncode for e in errs] == [1, 1]
        assert errs[0].stderr.strip() == errs[1].stderr.strip() == \
            f"error: invalid argument: {message}"
