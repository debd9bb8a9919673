"""Debian's real virsh tuning a QEMU guest through pyvirtd, beside Debian's libvirtd.

The same guest XML runs under pyvirtd (qemu:///session) and under a private
libvirtd (qemu:///system); every virsh tuning and host command is run
against both and their outputs compared (names, values, units, errors),
and pyvirtd's changes are read back from the cgroup files and the thread
affinity of its QEMU.
"""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import daemons
import pytest
from test_qemu_via_pyvirtd import _guest_dir, _start_daemon, guest_xml

from pyvirt.util import hostinfo

CGROUP = Path("/sys/fs/cgroup")
NCPU = hostinfo.parse_cpulist(hostinfo.read("/sys/devices/system/cpu/present"))[-1] + 1

pytestmark = pytest.mark.skipif(not (CGROUP / "cpu").is_dir() or os.geteuid() != 0,
                                reason="needs root and cgroup v1 controllers")


class Pair:
    """The guest under pyvirtd ('ptune') and under libvirtd ('rtune')."""

    def __init__(self, pyvirtd: daemons.RunningDaemon, libvirtd_uri: str, base: Path,
                 guest: str) -> None:
        self.pyvirtd = pyvirtd
        self.mine = f"qemu+unix:///session?socket={pyvirtd.sock}"
        self.ref = libvirtd_uri
        self.state_dir = base / "xdg" / "run" / "pyvirt" / "qemu"
        for name in ("ptune", "rtune"):
            disk = base / f"{name}.img"
            with open(disk, "wb") as f:
                f.truncate(8 << 20)
            disks = (f"<disk type='file' device='disk'><driver name='qemu' type='raw'/>"
                     f"<source file='{disk}'/><target dev='vda' bus='virtio'/></disk>")
            xml = guest_xml(guest, name, disks=disks).replace(
                "<vcpu>1</vcpu>", f"<vcpu>{NCPU}</vcpu><iothreads>1</iothreads>")
            (base / f"{name}.xml").write_text(xml)
        self.base = base

    def virsh(self, uri: str, *args: str) -> subprocess.CompletedProcess:
        """Run the real virsh."""
        return subprocess.run([daemons.VIRSH, "-c", uri, *args], capture_output=True,
                              text=True, timeout=60, check=False)

    def both(self, *args: str) -> tuple[subprocess.CompletedProcess, subprocess.CompletedProcess]:
        """Run ``args`` ('DOM' stands for the guest) against pyvirtd and libvirtd."""
        mine = self.virsh(self.mine, *[a.replace("DOM", "ptune") for a in args])
        ref = self.virsh(self.ref, *[a.replace("DOM", "rtune") for a in args])
        return mine, ref

    def same(self, *args: str, numbers: bool = False) -> str:
        """Assert virsh says the same through both daemons; return pyvirtd's output.

        libvirt answers virsh's first question of a parameter getter (how many
        parameters?) before it looks at the device or the cgroup; pyvirtd asks the
        driver, which may fail there already: the same error then follows another
        first line ('Unable to get number of ...'), which is left out here.
        """
        mine, ref = self.both(*args)

        def norm(text: str) -> str:
            text = text.replace("ptune", "DOM").replace("rtune", "DOM")
            text = text.replace("Unable to get number of ", "Unable to get ")
            return re.sub(r"\d+", "N", text) if numbers else text

        assert (mine.returncode, norm(mine.stdout), norm(mine.stderr)) == \
            (ref.returncode, norm(ref.stdout), norm(ref.stderr)), args
        return mine.stdout

    def scope(self, controller: str) -> Path:
        """pyvirtd's guest's cgroup directory in ``controller`` (its session root's name)."""
        digest = hashlib.sha256(str(self.state_dir).encode()).hexdigest()[:8]
        return CGROUP / controller / "machine" / f"qemu-session-{digest}-1-ptune.libvirt-qemu"

    def qemu_pid(self) -> int:
        """The pid of pyvirtd's QEMU."""
        return int((self.state_dir / "ptune.pid").read_text())


@pytest.fixture(scope="module")
def p(virsh: str, reference_libvirtd: daemons.LibvirtDaemon,
      tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pair]:
    guest = _guest_dir()
    base = tmp_path_factory.mktemp("qemu-tune-pyvirtd")
    daemon = _start_daemon(base)
    pair = Pair(daemon, reference_libvirtd.uri(driver="qemu", path="/system"), base, guest)
    try:
        for uri, name in ((pair.mine, "ptune"), (pair.ref, "rtune")):
            res = pair.virsh(uri, "create", str(base / f"{name}.xml"))
            assert res.returncode == 0, res.stderr
        yield pair
    finally:
        pair.virsh(pair.mine, "destroy", "ptune")
        pair.virsh(pair.ref, "destroy", "rtune")
        assert daemon.stop() == 0, daemon.log.read_text()[-3000:]


def test_host_commands_as_libvirt(p: Pair) -> None:
    p.same("nodeinfo")
    p.same("nodecpumap")
    p.same("nodecpumap", "--pretty")
    p.same("node-memory-tune")
    p.same("sysinfo")
    for cmd in (["nodecpustats"], ["nodecpustats", "0"], ["nodememstats"],
                ["freecell", "--all"], ["freecell"], ["freepages", "--all"]):
        p.same(*cmd, numbers=True)


def test_queries_as_libvirt(p: Pair) -> None:
    for cmd in ("schedinfo", "memtune", "numatune", "vcpupin", "emulatorpin", "iothreadinfo",
                "perf", "blkiotune"):
        p.same(cmd, "DOM")
    p.same("blkdeviotune", "DOM", "vda")
    # (a vCPU that has not run yet has no 'CPU time' line)
    mine, ref = p.both("vcpuinfo", "DOM")
    labels = [[re.sub(r"\d+", "N", line) for line in out.stdout.splitlines()
               if not line.startswith("CPU time")] for out in (mine, ref)]
    assert labels[0] == labels[1]
    for cmd in (["blkdeviotune", "DOM", "vdz"], ["domiftune", "DOM", "vnet9"],
                ["vcpupin", "DOM", "--vcpu", "9"]):
        p.same(*cmd)


def test_changes_as_libvirt(p: Pair) -> None:
    out = p.same("schedinfo", "DOM", "--set", "cpu_shares=512", "--set", "vcpu_quota=5000")
    assert "cpu_shares     : 512" in out
    assert (p.scope("cpu") / "cpu.shares").read_text().strip() == "512"
    assert (p.scope("cpu") / "vcpu0" / "cpu.cfs_quota_us").read_text().strip() == "5000"
    p.same("memtune", "DOM", "--hard-limit", "500000")
    p.same("memtune", "DOM")
    assert (p.scope("memory") / "memory.limit_in_bytes").read_text().strip() == \
        str(500000 * 1024)
    p.same("vcpupin", "DOM", "0", "0")
    p.same("vcpupin", "DOM")
    tids = {Path(f"/proc/{p.qemu_pid()}/task/{t}/comm").read_text().strip(): int(t)
            for t in os.listdir(f"/proc/{p.qemu_pid()}/task")}
    assert os.sched_getaffinity(tids["CPU 0/TCG"]) == {0}
    p.same("emulatorpin", "DOM", "0")
    p.same("emulatorpin", "DOM")
    p.same("iothreadadd", "DOM", "3")
    p.same("iothreadpin", "DOM", "1", "0")
    p.same("iothreadinfo", "DOM")
    p.same("iothreaddel", "DOM", "3")
    p.same("blkdeviotune", "DOM", "vda", "--total-iops-sec", "100")
    p.same("blkdeviotune", "DOM", "vda")
    p.same("numatune", "DOM", "--nodeset", "0")
    p.same("numatune", "DOM")
    # refused changes: same errors, nothing changed
    for cmd in (["schedinfo", "DOM", "--set", "vcpu_period=10"],
                ["memtune", "DOM", "--hard-limit", "600000", "--swap-hard-limit", "1"],
                ["iothreaddel", "DOM", "9"], ["iothreadpin", "DOM", "9", "0"],
                ["numatune", "DOM", "--mode", "interleave"],
                ["blkiotune", "DOM", "--weight", "300"]):
        p.same(*cmd)
    mine, ref = p.both("dumpxml", "DOM")
    for tag in ("cputune", "memtune", "iothreadids", "numatune"):
        section = re.compile(rf"<{tag}>.*?</{tag}>", re.DOTALL)
        assert section.findall(mine.stdout) == section.findall(ref.stdout), tag


def test_destroy_removes_the_cgroup(p: Pair) -> None:
    dirs = [p.scope(c) for c in ("cpu", "cpuset", "memory", "blkio")]
    assert p.virsh(p.mine, "destroy", "ptune").returncode == 0
    assert not any(d.exists() for d in dirs)
