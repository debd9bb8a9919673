"""The LXC driver's cgroup v2 backend.

Real where this host allows it: its unified hierarchy (``/sys/fs/cgroup/unified``
next to the v1 controllers, with only ``hugetlb`` in it) takes groups,
processes, ``cgroup.freeze``, ``cgroup.kill``, hugetlb and the BPF device
program, and a container runs with its placement, freezer and devices there
(``PYVIRT_LXC_CGROUP=unified``) and memory/CPU on v1.  The v2 files of
controllers this host keeps on v1 (memory.max, cpu.weight, cpu.max,
io.weight, ...) cannot exist here: those are tested as data, on a directory
laid out as a pure v2 host's, against libvirt's conversions
(``src/util/vircgroupv2.c``).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time

import pytest
from lxctest_util import build_rootfs, container_xml, init_pid

import pyvirt as libvirt
from pyvirt.drivers.lxc import bpfdev, cgroup
from pyvirt.drivers.lxc.cgroup import UNLIMITED, Cgroup

UNIFIED = cgroup.unified_mount()
# cgroup.kill came with Linux 5.14
KERNEL = tuple(int(x) for x in os.uname().release.split(".")[:2])
real = pytest.mark.skipif(os.geteuid() != 0 or UNIFIED is None or KERNEL < (5, 14),
                          reason="needs root and a unified hierarchy with cgroup.kill")


read, write = cgroup._read, cgroup._write


# --- which backend serves which controller ------------------------------------------------

def fake_host(root, v1: tuple[str, ...], unified: str | None, offered: str) -> str:
    for ctrl in v1:
        (root / ctrl).mkdir(parents=True)
    if unified is not None:
        top = root / unified if unified else root
        top.mkdir(parents=True, exist_ok=True)
        (top / "cgroup.controllers").write_text(offered + "\n")
    return str(root)


def test_layout_as_libvirt_chooses(tmp_path):
    """Per controller, the hierarchy it lives in (libvirt's rule); 'unified' takes v2
    wherever the unified hierarchy serves."""
    pure = fake_host(tmp_path / "pure", (), "", "cpuset cpu io memory pids")
    assert cgroup.unified_mount(pure) == pure
    assert set(cgroup.layout("auto", pure).values()) == {"v2"}
    assert sorted(cgroup.layout("auto", pure)) == sorted(cgroup.CONTROLLERS)
    # this host: every controller on v1, only hugetlb in the unified hierarchy
    hybrid = fake_host(tmp_path / "hybrid", cgroup.CONTROLLERS, "unified", "hugetlb")
    assert cgroup.layout("auto", hybrid) == dict.fromkeys(cgroup.CONTROLLERS, "v1")
    forced = cgroup.layout("unified", hybrid)
    assert {c for c, b in forced.items() if b == "v2"} == {"devices", "freezer"}
    # a controller v1 lacks is v2's when the unified hierarchy has it
    part = fake_host(tmp_path / "part", ("cpu", "cpuacct", "devices", "freezer"),
                     "unified", "memory pids")
    got = cgroup.layout("auto", part)
    assert got["memory"] == got["pids"] == "v2" and got["cpu"] == "v1"
    assert "blkio" not in got and "cpuset" not in got
    assert cgroup.layout("auto", fake_host(tmp_path / "none", ("cpu",), None, "")) == {
        "cpu": "v1"}


# --- v2 values as libvirt converts them (data: this host has no v2 memory/cpu/io) -----------

@pytest.fixture
def v2_group(tmp_path, monkeypatch):
    """A group on a directory laid out as a pure v2 host's, with the files the kernel
    would show for a new group."""
    root = fake_host(tmp_path, (), "", "cpuset cpu io memory pids")
    monkeypatch.setattr(cgroup, "CGROUP_ROOT", root)
    d = tmp_path / "machine" / "ct"
    d.mkdir(parents=True)
    for name, text in (("cpu.max", "max 100000"), ("cpu.weight", "100"),
                       ("memory.max", "max"), ("memory.high", "max"),
                       ("memory.swap.max", "max"), ("memory.current", "4096000"),
                       ("memory.swap.current", "8192"), ("io.weight", "default 100"),
                       ("memory.stat", ("anon 1048576\nfile 2097152\nactive_anon 1024\n"
                                       "inactive_file 4096\n")),
                       ("memory.events", "low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\n"),
                       ("cpu.stat", "usage_usec 1500\nuser_usec 1000\nsystem_usec 500\n")):
        (d / name).write_text(text + "\n")
    cg = Cgroup("machine/ct")
    assert all(cg.v2(c) for c in cgroup.CONTROLLERS)
    return cg, d


def test_v2_memory_as_libvirt(v2_group):
    cg, d = v2_group
    cg.set_memory("hard_limit", 65536)                 # KiB << 10
    assert (d / "memory.max").read_text() == "67108864"
    cg.set_memory("soft_limit", 32768)
    assert (d / "memory.high").read_text() == "33554432"
    cg.set_memory("swap_hard_limit", 1024)             # memory.swap.max, as given
    assert (d / "memory.swap.max").read_text() == "1048576"
    assert cg.get_memory("hard_limit") == 65536
    cg.set_memory("hard_limit", UNLIMITED)             # the unlimited value: "max"
    assert (d / "memory.max").read_text() == "max"
    assert cg.get_memory("hard_limit") == UNLIMITED
    assert cg.memory_kib() == 4000 and cg.swap_kib() == 8
    stat = cg.memory_stat()
    assert stat["cache"] == 2048 and stat["active_anon"] == 1    # 'file' is v1's cache
    assert cg.oom_kills() == 1


def test_v2_cpu_and_io_as_libvirt(v2_group):
    cg, d = v2_group
    cg.set_sched("shares", 512)                        # cpu.weight takes shares as they are
    assert (d / "cpu.weight").read_text() == "512" and cg.get_sched("shares") == 512
    with pytest.raises(ValueError, match=r"shares '20000' must be in range \[1, 10000\]"):
        cg.set_sched("shares", 20000)
    cg.set_sched("period", 50000)                      # cpu.max keeps its quota
    assert (d / "cpu.max").read_text() == "max 50000"
    assert cg.get_sched("quota") == cgroup.QUOTA_MAX   # libvirt's reading of "max"
    assert cgroup.v2_sched_write("quota", 25000, "max 50000") == ("cpu.max", "25000")
    assert cgroup.v2_sched_write("quota", -1, "25000 50000") == ("cpu.max", "max")
    assert cgroup.v2_sched_write("period", 20000, "25000 100000") == ("cpu.max",
                                                                       "25000 20000")
    with pytest.raises(ValueError, match="cfs_period"):
        cg.set_sched("period", 999)
    (d / "cpu.max").write_text("25000 50000\n")
    assert cg.get_sched("quota") == 25000 and cg.get_sched("period") == 50000
    # io.weight with its "default" line; io.bfq.weight first when the host has it
    cg.set_blkio_weight(300)
    assert (d / "io.weight").read_text() == "default 300"
    assert cgroup.parse_io_weight("default 300\n8:0 200\n") == 300
    (d / "io.bfq.weight").write_text("100\n")
    cg.set_blkio_weight(500)
    assert (d / "io.bfq.weight").read_text() == "500" and cg.get_blkio_weight() == 500
    assert cg.cpu_time_ns() == 1_500_000
    assert cg.cpu_user_system() == (1_000_000, 500_000)
    cg.apply([("memory", "hard_limit", 1024), ("cpu", "shares", 7)])
    assert (d / "memory.max").read_text() == "1048576"
    assert (d / "cpu.weight").read_text() == "7"


def test_v2_create_enables_controllers(v2_group, tmp_path):
    """Making a group enables, in each parent, the v2 controllers the group uses
    that the parent offers and has not enabled yet (one write)."""
    del v2_group                # the host laid out, with its files
    (tmp_path / "cgroup.subtree_control").write_text("memory\n")
    new = Cgroup("machine/ct2")
    new.create()
    assert (tmp_path / "machine" / "ct2").is_dir()
    # memory was on; cpu (for cpu and cpuacct), cpuset, io (blkio), pids were not
    assert (tmp_path / "cgroup.subtree_control").read_text() == "+cpu +cpuset +io +pids"


def test_device_rules_as_map_entries():
    """A v1 rule is one map entry: (major << 32 | minor, access << 16 | types)."""
    assert bpfdev.parse_rule("c 1:3 rwm") == ((1 << 32) | 3, (7 << 16) | 2)
    assert bpfdev.parse_rule("c 136:* rw") == ((136 << 32) | 0xFFFFFFFF, (6 << 16) | 2)
    assert bpfdev.parse_rule("b 8:0 r") == ((8 << 32), (2 << 16) | 1)
    assert bpfdev.parse_rule("a") == ((0xFFFFFFFF << 32) | 0xFFFFFFFF, (7 << 16) | 3)
    with pytest.raises(ValueError):
        bpfdev.parse_rule("x 1:3 rwm")
    assert len(bpfdev.program(3)) % 8 == 0


# --- the real unified hierarchy of this host -------------------------------------------------

PROBE = r"""
import os, sys
sys.stdin.readline()
out = []
for path, flags in [a.split("=") for a in sys.argv[1:]]:
    mode = {"r": os.O_RDONLY, "w": os.O_WRONLY, "rw": os.O_RDWR}[flags]
    try:
        os.close(os.open(path, mode | os.O_NOCTTY))
        out.append("ok")
    except OSError as exc:
        out.append(str(exc.errno))
print(" ".join(out), flush=True)
"""


def probe(cg: Cgroup, *opens: str) -> list[str]:
    """Open each ``PATH=MODE`` from a process placed in ``cg``; 'ok' or the errno."""
    proc = subprocess.Popen([sys.executable, "-c", PROBE, *opens], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)
    try:
        cg.add(proc.pid)
        out, _ = proc.communicate("go\n", timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    return out.split()


@pytest.fixture
def v2_real():
    """A group of its own in this host's unified hierarchy (mode 'unified'), removed after."""
    rel = f"pyvirt-test-{os.getpid()}/ct"
    cg = Cgroup(rel, "unified")
    assert cg.unified == UNIFIED
    cg.create()
    try:
        yield cg
    finally:
        cg.kill_all(timeout=5)
        for d in (os.path.join(UNIFIED, rel), os.path.join(UNIFIED, os.path.dirname(rel))):
            for _ in range(200):
                try:
                    os.rmdir(d)
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    time.sleep(0.01)
        # the v1 groups the 'unified' mode keeps on v1 here
        for ctrl, backend in cg.backend.items():
            if backend == "v1":
                for d in (cg.path(ctrl), os.path.dirname(cg.path(ctrl))):
                    if os.path.isdir(d):
                        os.rmdir(d)


@real
def test_v2_place_freeze_kill(v2_real):
    cg = v2_real
    group = os.path.join(UNIFIED, cg.rel)
    sleeper = subprocess.Popen(["sleep", "60"])
    try:
        cg.add(sleeper.pid)
        assert read(f"/proc/{sleeper.pid}/cgroup").splitlines()[-1] == f"0::/{cg.rel}"
        assert str(sleeper.pid) in read(os.path.join(group, "cgroup.procs")).split()
        assert cg.freeze() and cg.frozen()
        assert "frozen 1" in read(os.path.join(group, "cgroup.events"))
        cg.thaw()
        assert not cg.frozen() and "frozen 0" in read(os.path.join(group, "cgroup.events"))
        cg.freeze()
        # cgroup.kill kills a frozen group as it is
        assert cg.kill_all(timeout=5)
        assert sleeper.wait(5) == -9
        assert read(os.path.join(group, "cgroup.procs")) == ""
    finally:
        if sleeper.poll() is None:
            sleeper.kill()
            sleeper.wait()


@real
def test_v2_controller_enabled_for_children(v2_real):
    """A controller the unified hierarchy has (here: hugetlb) is enabled in the
    parents' cgroup.subtree_control, and the group gets its files."""
    offered = read(os.path.join(UNIFIED, "cgroup.controllers")).split()
    if "hugetlb" not in offered:
        pytest.skip("no hugetlb in the unified hierarchy")
    top_before = read(os.path.join(UNIFIED, "cgroup.subtree_control")).split()
    parent = os.path.join(UNIFIED, os.path.dirname(v2_real.rel))
    try:
        cgroup._enable(UNIFIED, ["hugetlb"])
        cgroup._enable(parent, ["hugetlb", "memory"])    # memory: not offered, left out
        assert read(os.path.join(parent, "cgroup.subtree_control")).split() == ["hugetlb"]
        group = os.path.join(UNIFIED, v2_real.rel)
        assert any(f.startswith("hugetlb.") and f.endswith(".max") for f in os.listdir(group))
    finally:
        write(os.path.join(parent, "cgroup.subtree_control"), "-hugetlb")
        if "hugetlb" not in top_before:
            write(os.path.join(UNIFIED, "cgroup.subtree_control"), "-hugetlb")
    assert read(os.path.join(UNIFIED, "cgroup.subtree_control")).split() == top_before


@real
def test_v2_device_program_denies(v2_real):
    """The BPF program really decides: allowed devices open, others fail with EPERM;
    rules added and taken away later change the answer."""
    cg = v2_real
    assert cg.v2("devices")
    cg.set_devices(["c 1:3 rwm", "c 1:5 r"])
    assert bpfdev.rules(cg.path("devices")) == ["c 1:3 rwm", "c 1:5 r"]
    assert probe(cg, "/dev/null=rw", "/dev/zero=r", "/dev/zero=w", "/dev/full=r") == [
        "ok", "ok", "1", "1"]
    cg.allow_device("c 1:7 rw")
    cg.deny_device("c 1:3 rwm")
    cg.deny_device("c 1:5 w")            # takes nothing it had: read stays
    assert bpfdev.rules(cg.path("devices")) == ["c 1:5 r", "c 1:7 rw"]
    assert probe(cg, "/dev/null=r", "/dev/zero=r", "/dev/full=rw") == ["1", "ok", "ok"]


# --- a container with placement, freezer and devices on v2 -----------------------------------

@real
@pytest.mark.skipif(not shutil.which("busybox") or not os.path.isdir("/sys/fs/cgroup/memory"),
                    reason="needs busybox and the v1 memory controller")
def test_container_on_unified_hierarchy(tmp_path, monkeypatch):
    """PYVIRT_LXC_CGROUP=unified on this hybrid host: the container's group in the
    unified hierarchy holds its processes (not the controller), its suspend is
    cgroup.freeze, its devices the BPF program; memory and CPU stay on v1."""
    monkeypatch.setenv(cgroup.MODE_ENV, "unified")
    os.chmod(tmp_path, 0o755)
    rootfs = build_rootfs(str(tmp_path / "rootfs"))
    conn = libvirt.open(f"lxc:///embed?root={tmp_path / 'root'}")
    try:
        dom = conn.createXML(container_xml("v2ct", rootfs, memory_kib=98304), 0)
        pid, ctl = init_pid(dom), dom.ID()
        lines = dict(line.split(":", 2)[1:] for line in read(f"/proc/{pid}/cgroup").splitlines())
        rel = lines[""]
        assert rel.endswith(f"/lxc-{ctl}-v2ct.libvirt-lxc") and rel.startswith("/machine/")
        assert lines["memory"] == lines["cpu"] == rel and lines["freezer"] == "/"
        group = UNIFIED + rel
        assert str(ctl) not in read(group + "/cgroup.procs").split()
        assert read(f"/proc/{ctl}/cgroup").splitlines()[-1] == "0::/"
        assert read(f"/sys/fs/cgroup/memory{rel}/memory.limit_in_bytes").strip() == str(
            98304 * 1024)
        # inside, the group is at the unified hierarchy's place
        assert os.path.exists(f"/proc/{pid}/root/sys/fs/cgroup/unified/cgroup.freeze")
        dom.suspend()
        assert read(group + "/cgroup.freeze").strip() == "1"
        assert "frozen 1" in read(group + "/cgroup.events")
        assert dom.state()[0] == libvirt.VIR_DOMAIN_PAUSED
        dom.resume()
        assert "frozen 0" in read(group + "/cgroup.events")
        rules = bpfdev.rules(group)
        assert "c 1:3 rwm" in rules and "c 136:* rwm" in rules
        # a process in the container's group: /dev/null opens, /dev/kmsg (1:11) does not
        probe_cg = Cgroup(rel.lstrip("/"), "unified")
        assert probe(probe_cg, "/dev/null=rw", "/dev/kmsg=r") == ["ok", "1"]
        assert dom.memoryParameters(0)["hard_limit"] == 98304
        dom.destroy()
        assert not os.path.exists(group) and not os.path.exists(
            f"/sys/fs/cgroup/memory{rel}")
        assert not os.path.exists(os.path.dirname(group))     # the embed root's parent
    finally:
        for d in conn.listAllDomains():       # a transient one destroyed is gone
            if d.isActive():
                d.destroy()
        conn.close()
