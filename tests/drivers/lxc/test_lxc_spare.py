"""Spare controllers: a start takes the controller forked ahead, already in its cgroups."""

from __future__ import annotations

import contextlib
import glob
import hashlib
import os
import shutil
import signal
import time

import pytest
from lxctest_util import build_rootfs, container_xml, init_pid, run_inside

import pyvirt as libvirt
from pyvirt.drivers.lxc import spare

pytestmark = pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("busybox")
                                or not spare.usable("auto"),
                                reason="needs root, busybox and only v1 cgroup controllers")


def read(path: str) -> str:
    with open(path) as f:
        return f.read()


def spares(parent: str) -> list[int]:
    """The pids of the spares waiting under ``parent`` (from their staging groups)."""
    return sorted(int(os.path.basename(p).split("-")[2].split(".")[0])
                  for p in glob.glob(f"/sys/fs/cgroup/pids/{parent}/pyvirt-spare-*"))


def wait_for(pred, timeout: float = 10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = pred()
        if got:
            return got
        time.sleep(0.01)
    return pred()


@contextlib.contextmanager
def embed(root: str):
    """A connection to the embed root ``root``; its containers destroyed after."""
    conn = libvirt.open(f"lxc:///embed?root={root}")
    try:
        yield conn
    finally:
        for d in conn.listAllDomains():
            if d.isActive():
                d.destroy()
        conn.close()


def test_start_takes_the_spare(tmp_path):
    os.chmod(tmp_path, 0o755)
    rootfs = build_rootfs(str(tmp_path / "rootfs"))
    root = str(tmp_path / "root")
    parent = f"machine/pyvirt-{hashlib.sha256(root.encode()).hexdigest()[:8]}"
    with embed(root) as conn:
        first = conn.createXML(container_xml("sp1", rootfs), 0)
        # after a start the launcher forks the next container's controller ahead: in
        # its staging groups with the container's first process and its init, forked
        # ahead too (not in memory: as any controller, it stays out of the
        # container's memory limit)
        (ahead,) = wait_for(lambda: spares(parent))
        staging = f"{parent}/pyvirt-spare-{ahead}.libvirt-lxc"
        def pid1(pid: str) -> bool:      # PID 1 of a PID namespace of its own
            return read(f"/proc/{pid}/status").split("NSpid:")[1].split("\n")[0].split()[
                -1] == "1"

        def placed() -> list[str]:
            procs = read(f"/sys/fs/cgroup/pids/{staging}/cgroup.procs").split()
            return procs if len(procs) == 3 and any(pid1(p) for p in procs) else []

        procs = wait_for(placed)
        assert str(ahead) in procs
        others = sorted(p for p in procs if int(p) != ahead)
        assert sorted(read(f"/sys/fs/cgroup/memory/{staging}/cgroup.procs").split()) == others
        # the init ahead is in its first process's network namespace, a new one
        init_ahead = next(p for p in others if pid1(p))
        child = next(p for p in others if p != init_ahead)
        assert os.readlink(f"/proc/{init_ahead}/ns/net") == os.readlink(f"/proc/{child}/ns/net")
        assert os.readlink(f"/proc/{child}/ns/net") != os.readlink("/proc/self/ns/net")
        first.destroy()
        # init gets the caller's files (CreateWithFiles) through the spare's child too
        r, w = os.pipe()
        try:
            dom = conn.createXMLWithFiles(container_xml("sp2", rootfs, memory_kib=81920),
                                          [r], 0)
            assert os.readlink(f"/proc/{init_pid(dom)}/fd/3") == os.readlink(f"/proc/self/fd/{r}")
        finally:
            os.close(r)
            os.close(w)
        # the spare is the new container's controller; its groups have the
        # container's name, as libvirt names them
        assert dom.ID() == ahead
        rel = f"/{parent}/lxc-{ahead}-sp2.libvirt-lxc"
        pid = init_pid(dom)
        lines = dict(line.split(":", 2)[1:] for line in read(f"/proc/{pid}/cgroup").splitlines())
        assert lines["memory"] == lines["cpu"] == lines["devices"] == lines["freezer"] == rel
        assert not os.path.exists(f"/sys/fs/cgroup/cpu/{staging}")
        assert read(f"/sys/fs/cgroup/memory{rel}/memory.limit_in_bytes").strip() == str(
            81920 * 1024)
        assert "c 1:3 rwm" in read(f"/sys/fs/cgroup/devices{rel}/devices.list")
        assert "a *:* rwm" not in read(f"/sys/fs/cgroup/devices{rel}/devices.list")
        assert read(f"/proc/{ahead}/cgroup").count(rel) == 7       # all but memory
        # the next one is forked already
        assert wait_for(lambda: [p for p in spares(parent) if p != ahead])
        dom.suspend()
        assert read(f"/sys/fs/cgroup/freezer{rel}/freezer.state").strip() == "FROZEN"
        dom.resume()
        dom.destroy()
        assert not glob.glob(f"/sys/fs/cgroup/*{rel}")
        # a spare killed: the next start forks its controller, the dead spare's child
        # and groups go
        (killed,) = wait_for(lambda: spares(parent))
        os.kill(killed, signal.SIGKILL)
        assert wait_for(lambda: not os.path.exists(f"/proc/{killed}"))
        dom = conn.createXML(container_xml("sp3", rootfs), 0)
        assert dom.ID() != killed
        assert not glob.glob(f"/sys/fs/cgroup/*/{parent}/pyvirt-spare-{killed}.libvirt-lxc")
        dom.destroy()
    # closing the driver ends its launcher, which ends the spare: no group, no process left
    assert not glob.glob(f"/sys/fs/cgroup/*/{parent}")
    assert not os.path.exists(f"/proc/{ahead}") or "pyvirt" not in read(f"/proc/{ahead}/cmdline")


# run in the launcher (the driver's PYTHONPATH reaches it): the controller lingers
# between denying every device and allowing the container's, as a controller a loaded
# host preempts there would
SLOW_WHITELIST = """
import time
from pyvirt.drivers.lxc import cgroup
_set = cgroup.Cgroup.set
def _slow_set(self, ctrl, name, value):
    _set(self, ctrl, name, value)
    if name == "devices.deny" and value == "a":
        time.sleep(0.3)
cgroup.Cgroup.set = _slow_set
"""


def test_spare_child_waits_for_its_device_whitelist(tmp_path, monkeypatch):
    """A spare's child is in the container's devices group before the start: it
    makes /dev's nodes only once the controller has written the whole whitelist
    (it used to fail with a bare EPERM when the controller was slow to)."""
    os.chmod(tmp_path, 0o755)
    inject = tmp_path / "inject"
    inject.mkdir()
    (inject / "sitecustomize.py").write_text(SLOW_WHITELIST)
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(
        [str(inject)] + [p for p in [os.environ.get("PYTHONPATH")] if p]))
    rootfs = build_rootfs(str(tmp_path / "rootfs"))
    root = str(tmp_path / "root")
    parent = f"machine/pyvirt-{hashlib.sha256(root.encode()).hexdigest()[:8]}"
    with embed(root) as conn:
        conn.createXML(container_xml("wl1", rootfs), 0).destroy()
        (ahead,) = wait_for(lambda: spares(parent))
        dom = conn.createXML(container_xml("wl2", rootfs), 0)
        assert dom.ID() == ahead
        assert run_inside(dom, ["/bin/ls", "/dev/null", "/dev/urandom"]).split() == [
            "/dev/null", "/dev/urandom"]
        assert "MemTotal:          65536 kB" in run_inside(dom, ["/bin/cat", "/proc/meminfo"])
        dom.destroy()
