"""Debian's real virsh and pyvirsh on a real QEMU guest through pyvirtd: vCPUs,
memory, statistics, screenshots, keys, dumps, disks, lifecycle actions,
metadata, display.

Both shells run the same commands against the same daemon and guest; their
output must be the same (virsh's is libvirt's), and the effect is checked
on the guest.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import daemons
import pytest
from test_qemu_via_pyvirtd import _guest_dir, _start_daemon

QEMU_TESTS = Path(__file__).resolve().parents[1] / "drivers" / "qemu"
sys.path.insert(0, str(QEMU_TESTS))

from qemutest_util import guest_xml, wait_for, wait_ready

NAME = "resvirsh"


class Setup:
    """The daemon, its URI, the guest's files."""

    def __init__(self, daemon: daemons.RunningDaemon, base: Path, guest_dir: str) -> None:
        self.daemon = daemon
        self.base = base
        self.uri = f"qemu+unix:///session?socket={daemon.sock}"
        self.serial = str(base / "serial.log")
        self.disk = base / "vda.qcow2"
        subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", str(self.disk), "32M"],
                       check=True)
        disks = (f"<disk type='file' device='disk'><driver name='qemu' type='qcow2'/>"
                 f"<source file='{self.disk}'/><target dev='vda' bus='virtio'/></disk>")
        extra = ("<graphics type='vnc' autoport='yes' listen='127.0.0.1'/>"
                 "<video><model type='vga'/></video>")
        xml = guest_xml(guest_dir, NAME, serial=self.serial, disks=disks, extra=extra)
        self.xml = base / f"{NAME}.xml"
        self.xml.write_text(xml.replace("<vcpu>1</vcpu>", "<vcpu current='1'>2</vcpu>"))
        self.off_xml = base / "resoff.xml"
        self.off_xml.write_text(guest_xml(guest_dir, "resoff"))

    def run(self, tool: str, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        """Run ``virsh`` (Debian's) or ``pyvirsh`` against the daemon."""
        argv = [daemons.VIRSH] if tool == "virsh" else [sys.executable, "-m", "pyvirt.shell.main"]
        res = subprocess.run([*argv, "-c", self.uri, *args], capture_output=True, text=True,
                             timeout=120, check=False, cwd=self.base)
        if check:
            assert res.returncode == 0, f"{tool} {' '.join(args)}: {res.stderr}"
        return res

    def both(self, *args: str) -> str:
        """Run a command with both shells; their output must be the same."""
        ours = self.run("pyvirsh", *args).stdout
        theirs = self.run("virsh", *args).stdout
        assert ours == theirs, (args, ours, theirs)
        return theirs


@pytest.fixture(scope="module")
def s(virsh: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Setup]:
    guest_dir = _guest_dir()
    base = tmp_path_factory.mktemp("qemu-res-virsh")
    daemon = _start_daemon(base)
    setup = Setup(daemon, base, guest_dir)
    try:
        setup.run("virsh", "define", str(setup.xml))
        setup.run("virsh", "start", NAME)
        wait_ready(setup.serial)
        yield setup
    finally:
        setup.run("virsh", "destroy", NAME, check=False)
        setup.run("virsh", "undefine", NAME, check=False)
        daemon.stop()


def test_vcpus_and_memory(s: Setup) -> None:
    s.run("virsh", "setvcpus", NAME, "2", "--live")
    assert "vcpu.current=2" in s.run("pyvirsh", "domstats", NAME, "--vcpu").stdout
    assert s.both("vcpucount", NAME, "--live", "--active").strip() == "2"
    s.run("pyvirsh", "setmem", NAME, "80M", "--live")
    wait_for(lambda: "actual 81920" in s.run("virsh", "dommemstat", NAME).stdout,
             what="balloon at 80 MiB")
    s.run("pyvirsh", "dommemstat", NAME, "--period", "1", "--live")
    wait_for(lambda: "last_update" in s.run("virsh", "dommemstat", NAME).stdout,
             what="balloon statistics")
    names = [line.split()[0] for line in s.run("virsh", "dommemstat", NAME).stdout.split("\n")
             if line.strip()]
    ours = [line.split()[0] for line in s.run("pyvirsh", "dommemstat", NAME).stdout.split("\n")
            if line.strip()]
    assert ours == names and "usable" in names


def test_domstats_field_names_agree(s: Setup) -> None:
    def names(tool: str) -> list[str]:
        out = s.run(tool, "domstats", NAME).stdout
        return [line.strip().split("=")[0] for line in out.splitlines() if "=" in line]

    assert names("pyvirsh") == names("virsh")
    assert "  block.0.capacity=33554432\n" in s.run("virsh", "domstats", NAME, "--block").stdout


def test_screenshot(s: Setup) -> None:
    for tool in ("virsh", "pyvirsh"):
        path = s.base / f"shot-{tool}.png"
        out = s.run(tool, "screenshot", NAME, str(path)).stdout
        assert out.strip() == f"Screenshot saved to {path}, with type of image/png"
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_keys_nmi_dump(s: Setup) -> None:
    for tool in ("virsh", "pyvirsh"):
        s.run(tool, "send-key", NAME, "KEY_A")
        s.run(tool, "send-key", NAME, "--codeset", "usb", "4")
        bad = s.run(tool, "send-key", NAME, "70000", check=False)
        assert bad.returncode == 1
        s.run(tool, "inject-nmi", NAME)
        core = s.base / f"core-{tool}"
        out = s.run(tool, "dump", NAME, str(core), "--memory-only").stdout
        assert out == f"\nDomain '{NAME}' dumped to {core}\n\n"
        assert core.read_bytes()[:4] == b"\x7fELF"
        core.unlink()
    assert s.both("domstate", NAME).strip() == "running"


def test_disk_and_control_queries(s: Setup) -> None:
    info = s.both("domblkinfo", NAME, "vda")
    assert re.match(r"Capacity:\s+33554432\n", info), info
    assert s.both("domblkerror", NAME).strip() == "No errors found"
    assert s.both("domcontrol", NAME).strip() == "ok"
    assert s.both("domdisplay", NAME).startswith("vnc://127.0.0.1:")


def test_lifecycle_metadata_desc(s: Setup) -> None:
    s.run("pyvirsh", "set-lifecycle-action", NAME, "reboot", "destroy", "--live")
    assert "<on_reboot>destroy</on_reboot>" in s.run("virsh", "dumpxml", NAME).stdout
    s.run("virsh", "set-lifecycle-action", NAME, "reboot", "restart", "--live")
    assert "<on_reboot>restart</on_reboot>" in s.run("pyvirsh", "dumpxml", NAME).stdout
    assert s.run("pyvirsh", "desc", NAME, "--live", "a", "guest").stdout.strip() == \
        "Domain description updated successfully"
    assert s.both("desc", NAME).strip() == "a guest"
    assert s.run("virsh", "metadata", NAME, "http://example.org/x", "--key", "x",
                 "--set", "<thing n='1'/>").stdout.strip() == "Metadata modified"
    assert s.both("metadata", NAME, "http://example.org/x").strip() == '<thing n="1"/>'


def test_rename_and_dirtyrate(s: Setup) -> None:
    s.run("virsh", "define", str(s.off_xml))
    assert s.run("pyvirsh", "domrename", "resoff", "resoff2").stdout.strip() == \
        "Domain successfully renamed"
    assert "resoff2" in s.run("virsh", "list", "--all", "--name").stdout
    assert s.run("virsh", "domrename", NAME, "x", check=False).returncode == 1
    s.run("virsh", "undefine", "resoff2")
    outs = []
    for tool in ("pyvirsh", "virsh"):          # one measurement at a time
        outs.append(s.run(tool, "domdirtyrate-calc", NAME, "--seconds", "1").stdout)
        wait_for(lambda: "dirtyrate.calc_status=2" in
                 s.run("virsh", "domstats", NAME, "--dirtyrate").stdout, what="dirty rate")
    assert outs[0] == outs[1]
    assert outs[0].strip() == "Start to calculate domain's memory dirty rate successfully."


def test_setvcpu_config(s: Setup) -> None:
    """setvcpu --config on the running guest: the persistent <vcpus> list changes, the
    live definition not; bad requests fail alike in both shells."""
    live = s.run("virsh", "dumpxml", NAME).stdout
    res = [s.run(tool, "setvcpu", NAME, "1", "--enable", "--config") for tool in
           ("virsh", "pyvirsh")]
    assert res[0].stdout == res[1].stdout
    inactive = s.run("virsh", "dumpxml", NAME, "--inactive").stdout
    assert "<vcpu placement='static'>2</vcpu>" in inactive or "<vcpu>2</vcpu>" in inactive
    assert "<vcpu id='1' enabled='yes' hotpluggable='yes'/>" in inactive
    s.run("pyvirsh", "setvcpu", NAME, "1", "--disable", "--config")
    assert "<vcpu id='1' enabled='no' hotpluggable='yes'/>" in \
        s.run("pyvirsh", "dumpxml", NAME, "--inactive").stdout
    assert s.both("vcpucount", NAME, "--config", "--active").strip() == "1"
    for args, message in ((("0", "--disable"), "invalid argument: vCPU '0' can't be modified"),
                          (("5", "--enable"), ("invalid argument: vcpu 5 is not present in "
                                               "persistent config"))):
        errs = [s.run(tool, "setvcpu", NAME, *args, "--config", check=False)
                for tool in ("virsh", "pyvirsh")]
        assert [e.returncode for e in errs] == [1, 1]
        assert errs[0].stderr.strip() == errs[1].stderr.strip() == f"error: {message}"
    assert s.run("virsh", "dumpxml", NAME).stdout == live
    assert s.both("domstate", NAME).strip() == "running"


def test_migration_tunables(s: Setup) -> None:
    """Debian's virsh sets and reads the migration tunables through pyvirtd: its output
    and errors are those it gives on libvirt 9.0's own QEMU driver for the same commands
    (tests/data/qemu_migparams/virsh90.json, from tests/reference/capture_qemu_migparams.py)."""
    ref = json.loads((Path(__file__).resolve().parents[1] / "data" / "qemu_migparams"
                      / "virsh90.json").read_text())
    batch = "; ".join(cmd.format(n=NAME) for cmd in ref["commands"])
    res = s.run("virsh", batch, check=False)
    assert (res.returncode, res.stdout, res.stderr) == (ref["rc"], ref["stdout"], ref["stderr"])
