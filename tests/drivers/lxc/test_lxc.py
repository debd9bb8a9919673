"""The LXC driver on real namespaces and cgroups: busybox containers in an embed root.

One embed root and one busybox root filesystem per module; each test
starts its own containers and checks that nothing is left behind.
"""

from __future__ import annotations

import glob
import os
import re
import shutil
import signal
import subprocess
import sys
import time

import pytest

import pyvirt as libvirt
from pyvirt.drivers.lxc import launcher

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "qemu"))
from lxctest_util import build_rootfs, container_xml, init_pid, read_console, run_inside
from qemutest_util import Events

pytestmark = pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("busybox")
                                or not os.path.isdir("/sys/fs/cgroup/memory"),
                                reason="needs root, busybox and v1 cgroups")

@pytest.fixture(scope="module")
def env(tmp_path_factory):
    base = tmp_path_factory.mktemp("lxc")
    rootfs = build_rootfs(str(base / "rootfs"))
    root = str(base / "root")
    conn = libvirt.open(f"lxc:///embed?root={root}")
    yield conn, rootfs, root
    for dom in conn.listAllDomains():
        if dom.isActive():
            dom.destroy()
    conn.close()


def read(path: str) -> str:
    with open(path) as f:
        return f.read()


def cgroup_dirs(root: str, name: str) -> list[str]:
    import hashlib
    tag = hashlib.sha256(root.encode()).hexdigest()[:8]
    rel = f"machine/pyvirt-{tag}/lxc-*-{name}.libvirt-lxc"
    return [p for c in ("memory", "cpu", "freezer", "pids", "blkio")
            for p in glob.glob(f"/sys/fs/cgroup/{c}/{rel}")]


def wait_inactive(dom, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while dom.isActive() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not dom.isActive()


def test_container_runs_init_as_pid1(env):
    conn, rootfs, root = env
    events = Events(conn)
    dom = conn.defineXML(container_xml("ct1", rootfs))
    dom.create()
    try:
        assert dom.state() == [libvirt.VIR_DOMAIN_RUNNING, libvirt.VIR_DOMAIN_RUNNING_BOOTED]
        out = read_console(conn, dom, b"FOO=bar")
        assert b"hello from ct1 pid 1 FOO=bar" in out
        pid = init_pid(dom)
        # the memory limit is in the container's cgroup
        cgs = cgroup_dirs(root, "ct1")
        assert cgs
        with open(f"/sys/fs/cgroup/memory/{cgs[0].split('/memory/')[1]}"
                  "/memory.limit_in_bytes") as f:
            assert int(f.read()) == 65536 * 1024
        assert str(pid) in read(os.path.join(cgs[0], "cgroup.procs")).split()
        # entering the namespaces: its hostname, its processes, its mounts
        assert run_inside(dom, ["/bin/hostname"]).strip() == "ct1"
        ps = run_inside(dom, ["/bin/ps"])
        assert "    1 " in ps or "\n    1 " in ps or ps.splitlines()[1].split()[0] == "1"
        mounts = run_inside(dom, ["/bin/cat", "/proc/mounts"])
        for line in ("proc /proc proc", "sysfs /sys sysfs ro", "devfs /dev tmpfs",
                     "devpts /dev/pts devpts"):
            assert line in mounts, mounts
        # its own /proc/meminfo (libvirt's FUSE overlay): the 64 MiB limit, its use
        assert "libvirt /proc/meminfo fuse" in mounts
        meminfo = run_inside(dom, ["/bin/cat", "/proc/meminfo"])
        assert "MemTotal:          65536 kB\n" in meminfo, meminfo
        free = int(re.search(r"MemFree: +(\d+) kB", meminfo).group(1))
        assert 0 < free < 65536
        with open("/proc/meminfo") as f:        # the other lines are the host's
            assert meminfo.splitlines()[-1].split(":")[0] == f.read().splitlines()[-1] \
                .split(":")[0]
        env_out = run_inside(dom, ["/bin/cat", "/proc/1/environ"])
        assert "FOO=bar" in env_out and "container=lxc-libvirt" in env_out
        info = dom.info()
        assert info[0] == libvirt.VIR_DOMAIN_RUNNING and info[1] == 65536 and info[4] > 0
        xml = dom.XMLDesc(0)
        assert "<target type='lxc' port='0'/>" in xml and "<alias name='console0'/>" in xml
        # suspend / resume through the freezer
        dom.suspend()
        assert dom.state() == [libvirt.VIR_DOMAIN_PAUSED, libvirt.VIR_DOMAIN_PAUSED_USER]
        dom.resume()
        assert dom.state() == [libvirt.VIR_DOMAIN_RUNNING, libvirt.VIR_DOMAIN_RUNNING_UNPAUSED]
        # default shutdown: no /dev/initctl, so init gets SIGTERM
        dom.shutdown()
        wait_inactive(dom)
        assert dom.state() == [libvirt.VIR_DOMAIN_SHUTOFF, libvirt.VIR_DOMAIN_SHUTOFF_SHUTDOWN]
        assert not os.path.exists(f"/proc/{pid}")
        assert cgroup_dirs(root, "ct1") == []
        events.wait("ct1", (libvirt.VIR_DOMAIN_EVENT_STOPPED,
                            libvirt.VIR_DOMAIN_EVENT_STOPPED_SHUTDOWN))
        assert events.of("ct1") == [
            (libvirt.VIR_DOMAIN_EVENT_DEFINED, libvirt.VIR_DOMAIN_EVENT_DEFINED_ADDED),
            (libvirt.VIR_DOMAIN_EVENT_STARTED, libvirt.VIR_DOMAIN_EVENT_STARTED_BOOTED),
            (libvirt.VIR_DOMAIN_EVENT_SUSPENDED, libvirt.VIR_DOMAIN_EVENT_SUSPENDED_PAUSED),
            (libvirt.VIR_DOMAIN_EVENT_RESUMED, libvirt.VIR_DOMAIN_EVENT_RESUMED_UNPAUSED),
            (libvirt.VIR_DOMAIN_EVENT_STOPPED, libvirt.VIR_DOMAIN_EVENT_STOPPED_SHUTDOWN)]
    finally:
        if dom.isActive():
            dom.destroy()
        for cb in events.ids:
            conn.domainEventDeregisterAny(cb)
    dom.undefine()


def test_destroy_kills_everything(env):
    conn, rootfs, root = env
    dom = conn.createXML(container_xml(
        "ct2", rootfs, script="sleep 1000 & sleep 1000 & while :; do sleep 1; done"), 0)
    pid = init_pid(dom)
    procs = read(os.path.join(cgroup_dirs(root, "ct2")[0], "cgroup.procs")).split()
    assert len(procs) >= 3
    t = time.monotonic()
    dom.destroy()
    assert time.monotonic() - t < 5
    for p in procs:
        assert not os.path.exists(f"/proc/{p}") or read(f"/proc/{p}/stat").split()[2] \
            in "ZX"
    assert not os.path.exists(f"/proc/{pid}")
    assert cgroup_dirs(root, "ct2") == []
    with pytest.raises(libvirt.libvirtError) as exc:
        conn.lookupByName("ct2")     # transient: gone
    assert exc.value.get_error_code() == libvirt.VIR_ERR_NO_DOMAIN


def test_tuning_live(env):
    conn, rootfs, root = env
    dom = conn.createXML(container_xml("ct3", rootfs), 0)
    try:
        cg = cgroup_dirs(root, "ct3")
        dom.setSchedulerParameters({"cpu_shares": 512})
        assert dom.schedulerParameters()["cpu_shares"] == 512
        cpu = next(p for p in cg if "/cpu/" in p)
        assert read(os.path.join(cpu, "cpu.shares")).strip() == "512"
        dom.setMemoryParameters({"hard_limit": 50000}, libvirt.VIR_DOMAIN_AFFECT_LIVE)
        assert dom.memoryParameters(0)["hard_limit"] == 50000
        # below what the container uses: refused, limit unchanged
        with pytest.raises(libvirt.libvirtError) as exc:
            dom.setMemoryParameters({"hard_limit": 4}, libvirt.VIR_DOMAIN_AFFECT_LIVE)
        assert exc.value.get_error_code() == libvirt.VIR_ERR_OPERATION_FAILED
        assert "uses more" in str(exc.value)
        assert dom.memoryParameters(0)["hard_limit"] == 50000
    finally:
        dom.destroy()


def test_reconnect_after_reopen(env, tmp_path):
    _conn, rootfs, _root = env
    root = str(tmp_path / "r2")
    c1 = libvirt.open(f"lxc:///embed?root={root}")
    dom = c1.defineXML(container_xml("ct4", rootfs))
    dom.create()
    pid = init_pid(dom)
    console = re.search(r"<console type='pty'.*?</console>", dom.XMLDesc(0),
                        re.DOTALL).group(0)
    assert "<source path='/dev/pts/" in console
    c1.close()                       # the controller keeps the container running
    assert os.path.exists(f"/proc/{pid}")
    c2 = libvirt.open(f"lxc:///embed?root={root}")
    try:
        dom = c2.lookupByName("ct4")
        assert dom.isActive() and dom.state()[0] == libvirt.VIR_DOMAIN_RUNNING
        # the status was written as the container started: init's pid and the
        # console's pty come from the controller's state file
        assert init_pid(dom) == pid
        assert console in dom.XMLDesc(0)
        assert run_inside(dom, ["/bin/hostname"]).strip() == "ct4"
        os.kill(pid, signal.SIGKILL)       # init dies: shut off, cgroup gone
        wait_inactive(dom)
        assert cgroup_dirs(root, "ct4") == []
    finally:
        if dom.isActive():
            dom.destroy()
        c2.close()


@pytest.mark.parametrize("case", ["missing-root", "missing-init", "init-exits",
                                  "init-busy-exits", "idmap", "low-memory", "emulator"])
def test_bad_input(env, case):
    conn, rootfs, root = env
    name = f"bad-{case}"
    if case == "missing-root":
        xml = container_xml(name, rootfs + "-nope")
        code, words = libvirt.VIR_ERR_SYSTEM_ERROR, "Failed to access"
    elif case == "missing-init":
        xml = container_xml(name, rootfs, init="/bin/nope")
        code, words = libvirt.VIR_ERR_SYSTEM_ERROR, "cannot find init path '/bin/nope'"
    elif case == "init-exits":
        xml = container_xml(name, rootfs, init="/bin/false")
        code, words = libvirt.VIR_ERR_INTERNAL_ERROR, "exited at once"
    elif case == "init-busy-exits":
        # busy (never blocked) for ~40 ms of CPU, then gone: it never settled, however
        # long that took in wall time
        xml = container_xml(name, rootfs, script="i=0; while [ $i -lt 40000 ]; do "
                            "i=$((i+1)); done; exit 3")
        code, words = libvirt.VIR_ERR_INTERNAL_ERROR, "exited at once (status 3)"
    elif case == "emulator":
        xml = container_xml(name, rootfs).replace(
            "<devices>", "<devices><emulator>/usr/bin/qemu-system-x86_64</emulator>")
        code, words = libvirt.VIR_ERR_CONFIG_UNSUPPORTED, "is not an LXC controller"
    elif case == "low-memory":
        xml = container_xml(name, rootfs, memory_kib=256)
        code, words = libvirt.VIR_ERR_INTERNAL_ERROR, "ran out of memory while starting"
    else:
        xml = container_xml(name, rootfs, idmap="""<idmap>
    <uid start='0' target='100000' count='1000'/>
    <uid start='500' target='200000' count='10'/>
    <gid start='0' target='100000' count='1000'/>
  </idmap>""")
        code, words = libvirt.VIR_ERR_CONFIG_UNSUPPORTED, "overlap"
    dom = conn.defineXML(xml)
    try:
        with pytest.raises(libvirt.libvirtError) as exc:
            dom.create()
        assert exc.value.get_error_code() == code, str(exc.value)
        assert words in str(exc.value)
        assert not dom.isActive()
        assert cgroup_dirs(root, name) == []
    finally:
        dom.undefine()


def test_emulator(env):
    """<emulator> names pyvirt's controller program, as libvirt names libvirt_lxc (a
    definition from libvirt, naming libvirt_lxc, runs under pyvirt's).  (cgroup v2
    hosts: test_lxc_cgroup2.py.)"""
    conn, rootfs, _root = env
    dom = conn.defineXML(container_xml("ct13", rootfs))
    try:
        path = launcher.program_path()
        assert os.path.basename(path) == "pyvirt-lxc-controller"
        for flags in (0, libvirt.VIR_DOMAIN_XML_INACTIVE):
            assert f"<emulator>{path}</emulator>" in dom.XMLDesc(flags)
        libvirt_xml = container_xml("ct13", rootfs).replace(
            "<devices>", "<devices><emulator>/usr/lib/libvirt/libvirt_lxc</emulator>")
        dom.undefine()
        dom = conn.defineXML(libvirt_xml)
        dom.create()
        assert "<emulator>/usr/lib/libvirt/libvirt_lxc</emulator>" in dom.XMLDesc(0)
        dom.destroy()
    finally:
        if dom.isActive():
            dom.destroy()
        dom.undefine()


def test_idmap_user_namespace(env):
    conn, rootfs, root = env
    os.chmod(rootfs, 0o755)
    conn.createXML(container_xml("ct5w", rootfs), 0).destroy()
    time.sleep(0.3)         # the next start takes the spare forked meanwhile
    dom = conn.createXML(container_xml("ct5", rootfs, idmap="""<idmap>
    <uid start='0' target='100000' count='65536'/>
    <gid start='0' target='100000' count='65536'/>
  </idmap>"""), 0)
    try:
        pid = init_pid(dom)
        with open(f"/proc/{pid}/status") as f:
            uids = next(line for line in f if line.startswith("Uid:")).split()
        assert uids[1] == "100000"
        assert "0 100000 65536" in " ".join(read(f"/proc/{pid}/uid_map").split())
        # its /proc/meminfo too, for its own root (a FUSE request of an id the user
        # namespace does not map is refused: nsenter -a becomes the container's root)
        out = subprocess.run(["nsenter", "-a", "-t", str(pid), "/bin/cat", "/proc/meminfo"],
                             capture_output=True, text=True, check=True).stdout
        assert "MemTotal:          65536 kB\n" in out
        # opened through a FUSE node of the container's root (the host's /dev/fuse
        # may be host root's alone), which is not left in its /dev
        assert not [n for n in os.listdir(f"/proc/{pid}/root/dev") if "fuse" in n]
        # started from a spare, whose init forked ahead (in a PID namespace not the
        # user namespace's) was let go: reaped by the controller, no zombie left
        ctl = dom.ID()

        def zombies() -> list[str]:
            kids = read(f"/proc/{ctl}/task/{ctl}/children").split()
            return [k for k in kids if os.path.exists(f"/proc/{k}")
                    and read(f"/proc/{k}/stat").rsplit(")", 1)[1].split()[0] == "Z"]
        deadline = time.monotonic() + 5
        while zombies() and time.monotonic() < deadline:
            time.sleep(0.02)
        assert zombies() == []
    finally:
        dom.destroy()
    assert cgroup_dirs(root, "ct5") == []


def test_domxml_from_native(env):
    """An lxc-tools configuration converts as libvirt 9.0 converts it (its output
    captured in tests/data/lxc; the UUID is random, and the emulator is each one's
    own controller program)."""
    conn, _rootfs, _root = env
    data = os.path.join(os.path.dirname(__file__), "..", "..", "data", "lxc")
    xml = conn.domainXMLFromNative("lxc-tools", read(os.path.join(data, "native-web.conf")), 0)
    want = read(os.path.join(data, "native-web.xml"))

    def norm(text: str) -> str:
        text = re.sub(r"<uuid>[^<]*</uuid>", "<uuid/>", text)
        return re.sub(r"<emulator>[^<]*</emulator>", "<emulator/>", text).strip()

    assert norm(xml) == norm(want)
    assert "<emulator>/usr/lib/libvirt/libvirt_lxc</emulator>" in want
    assert f"<emulator>{launcher.program_path()}</emulator>" in xml
    with pytest.raises(libvirt.libvirtError) as exc:
        conn.domainXMLFromNative("lxc-tools", "lxc.rootfs.path = /x\n", 0)
    assert exc.value.get_error_code() == libvirt.VIR_ERR_INTERNAL_ERROR


def test_filesystems_and_reboot(env, tmp_path):
    """ram, read-only bind and ext4 image filesystems; reboot restarts init."""
    conn, rootfs, root = env
    data = tmp_path / "data"
    data.mkdir()
    (data / "hello").write_text("from the host\n")
    image = tmp_path / "disk.img"
    with open(image, "wb") as f:
        f.truncate(8 << 20)
    subprocess.run(["mkfs.ext4", "-q", "-F", str(image)], check=True, capture_output=True)
    os.chmod(tmp_path, 0o755)
    extra = f"""<filesystem type='ram'><source usage='1024' units='KiB'/>
      <target dir='/mnt'/></filesystem>
    <filesystem type='mount'><source dir='{data}'/><target dir='/data'/><readonly/>
      </filesystem>
    <filesystem type='file'><driver type='loop' format='ext4'/><source file='{image}'/>
      <target dir='/img'/></filesystem>"""
    script = "trap 'exit 0' TERM; trap 'exit 1' HUP; while :; do sleep 0.05; done"
    dom = conn.defineXML(container_xml("ct6", rootfs, script=script, extra_fs=extra))
    dom.setAutostart(1)
    dom.create()
    try:
        mounts = run_inside(dom, ["/bin/cat", "/proc/mounts"])
        assert "tmpfs /mnt tmpfs rw,nosuid,nodev,relatime,size=1024k" in mounts
        assert " /data " in mounts and " /img ext4 " in mounts
        assert run_inside(dom, ["/bin/cat", "/data/hello"]) == "from the host\n"
        loops = subprocess.run(["losetup", "-j", str(image)], capture_output=True,
                               text=True, check=True).stdout
        assert loops.strip()
        old = init_pid(dom)
        dom.reboot(0)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if dom.isActive() and init_pid(dom) != old:
                break
            time.sleep(0.05)
        assert dom.state() == [libvirt.VIR_DOMAIN_RUNNING, libvirt.VIR_DOMAIN_RUNNING_BOOTED]
        assert init_pid(dom) != old
    finally:
        dom.destroy()
    assert subprocess.run(["losetup", "-j", str(image)], capture_output=True, text=True,
                          check=True).stdout == ""
    assert cgroup_dirs(root, "ct6") == []
    # autostart: a new process on the root after a host boot starts it
    other = str(tmp_path / "r3")
    c1 = libvirt.open(f"lxc:///embed?root={other}")
    d1 = c1.defineXML(container_xml("ct7", rootfs))
    d1.setAutostart(1)
    c1.close()
    os.unlink(os.path.join(other, "run", "lxc", "autostarted"))     # as after a reboot
    c2 = libvirt.open(f"lxc:///embed?root={other}")
    try:
        assert c2.lookupByName("ct7").isActive()
    finally:
        c2.lookupByName("ct7").destroy()
        c2.close()
    dom.undefine()


def test_shutdown_modes(env):
    """initctl: sysvinit's request on /dev/initctl; signal: SIGTERM; initctl without
    the pipe: libvirt's error."""
    conn, rootfs, root = env
    dom = conn.defineXML(container_xml("ct8", rootfs))
    dom.create()
    try:
        with pytest.raises(libvirt.libvirtError) as exc:
            dom.shutdownFlags(libvirt.VIR_DOMAIN_SHUTDOWN_INITCTL)
        assert exc.value.get_error_code() == libvirt.VIR_ERR_OPERATION_UNSUPPORTED
        assert "initctl" in str(exc.value)
        dom.shutdownFlags(libvirt.VIR_DOMAIN_SHUTDOWN_SIGNAL)
        wait_inactive(dom)
        assert dom.state() == [libvirt.VIR_DOMAIN_SHUTOFF, libvirt.VIR_DOMAIN_SHUTOFF_SHUTDOWN]
    finally:
        if dom.isActive():
            dom.destroy()
        dom.undefine()
    # an init reading /dev/initctl: the request (runlevel 0) arrives there
    # (the pipe held open read-write first: the driver writes only to a pipe with a
    # reader, and then the test knows the reader is there)
    script = ("mkfifo /dev/initctl; exec 3<>/dev/initctl; : > /tmp/ready; "
              "od -A n -t x1 -N 12 <&3 > /tmp/request; exit 0")
    tmp = os.path.join(rootfs, "tmp", "request")
    ready = os.path.join(rootfs, "tmp", "ready")
    dom = conn.defineXML(container_xml("ct9", rootfs, script=script))
    dom.create()
    try:
        deadline = time.monotonic() + 5
        while not os.path.exists(ready) and time.monotonic() < deadline:
            time.sleep(0.02)
        dom.shutdown()
        wait_inactive(dom)
        assert read(tmp).split() == ["69", "19", "09", "03", "01", "00", "00", "00",
                                     "30", "00", "00", "00"]
    finally:
        if dom.isActive():
            dom.destroy()
        dom.undefine()
        for path in (tmp, ready):
            if os.path.exists(path):
                os.unlink(path)
    assert cgroup_dirs(root, "ct8") == [] and cgroup_dirs(root, "ct9") == []


def test_pyvirsh_lxc_enter_namespace(env, tmp_path):
    """pyvirsh's lxc-enter-namespace runs a command inside; each pyvirsh is a new
    process that takes the running container over."""
    _conn, rootfs, _root = env
    uri = f"lxc:///embed?root={tmp_path / 'r'}"
    xml = tmp_path / "ct.xml"
    xml.write_text(container_xml("ct10", rootfs))

    def pyvirsh(*args: str, check: bool = True) -> subprocess.CompletedProcess:
        res = subprocess.run([sys.executable, "-m", "pyvirt.shell.main", "-c", uri, *args],
                             capture_output=True, text=True, timeout=60, check=False)
        assert not check or res.returncode == 0, res.stderr
        return res

    pyvirsh("create", str(xml))
    try:
        assert pyvirsh("lxc-enter-namespace", "ct10", "/bin/hostname").stdout.strip() == "ct10"
        bad = pyvirsh("lxc-enter-namespace", "ct10", "/bin/false", check=False)
        assert bad.returncode == 1 and "exited with status 1" in bad.stderr
    finally:
        pyvirsh("destroy", "ct10")


def test_blkio_weight_as_libvirt(env):
    """Without I/O scheduler weights (no blkio.weight) libvirt refuses blkiotune."""
    conn, rootfs, root = env
    dom = conn.createXML(container_xml("ct11", rootfs), 0)
    try:
        blkio = [p for p in cgroup_dirs(root, "ct11") if "/blkio/" in p]
        if blkio and os.path.exists(os.path.join(blkio[0], "blkio.weight")):
            dom.setBlkioParameters({"weight": 300}, libvirt.VIR_DOMAIN_AFFECT_LIVE)
            assert dom.blkioParameters(0)["weight"] == 300
        else:
            with pytest.raises(libvirt.libvirtError) as exc:
                dom.blkioParameters(0)
            assert exc.value.get_error_code() == libvirt.VIR_ERR_OPERATION_INVALID
            assert "bfq or cfq" in str(exc.value)
    finally:
        dom.destroy()


def _devices_list(root: str, name: str) -> list[str]:
    cg = [p.replace("/memory/", "/devices/") for p in cgroup_dirs(root, name) if "/memory/" in p]
    return read(os.path.join(cg[0], "devices.list")).split("\n") if cg else []


def test_disk_and_hostdev_hotplug(env, tmp_path):
    """A loop device as <disk type='block'> and <hostdev> storage, /dev/net/tun as a misc
    hostdev: live attach makes the node (mode 0700, as libvirt 9.0) and the devices
    cgroup rule, detach removes both; a disk in the persistent definition is there at
    start; libvirt's errors for what cannot be attached."""
    conn, rootfs, root = env
    image = tmp_path / "disk.img"
    with open(image, "wb") as f:
        f.write(b"PYVIRTDISK")
        f.truncate(1 << 20)
    loop = subprocess.run(["losetup", "--find", "--show", str(image)], capture_output=True,
                          text=True, check=True).stdout.strip()
    st = os.stat(loop)
    blk = f"b {os.major(st.st_rdev)}:{os.minor(st.st_rdev)} rwm"
    tun = os.stat("/dev/net/tun").st_rdev
    disk = f"<disk type='block' device='disk'><source dev='{loop}'/><target dev='sdb'/></disk>"
    storage = (f"<hostdev mode='capabilities' type='storage'><source><block>{loop}</block>"
               "</source></hostdev>")
    misc = ("<hostdev mode='capabilities' type='misc'><source><char>/dev/net/tun</char>"
            "</source></hostdev>")
    live = libvirt.VIR_DOMAIN_AFFECT_LIVE
    config = libvirt.VIR_DOMAIN_AFFECT_CONFIG
    dom = conn.defineXML(container_xml("ct12", rootfs))
    dom.create()
    try:
        for xml in (disk, storage, misc):
            dom.attachDeviceFlags(xml, live)
        ls = run_inside(dom, ["/bin/ls", "-l", "/dev/sdb", loop, "/dev/net/tun"])
        assert re.search(rf"brwx------ .* {os.major(st.st_rdev)}, +{os.minor(st.st_rdev)} .*"
                         r"/dev/sdb", ls), ls
        assert re.search(rf"brwx------ .* {loop}", ls), ls
        assert re.search(rf"crwx------ .* {os.major(tun)}, +{os.minor(tun)} .*/dev/net/tun",
                         ls), ls
        assert run_inside(dom, ["/bin/od", "-A", "n", "-c", "-N", "10", "/dev/sdb"]).split() \
            == list("PYVIRTDISK")
        rules = _devices_list(root, "ct12")
        assert blk in rules and f"c {os.major(tun)}:{os.minor(tun)} rwm" in rules
        xml = dom.XMLDesc(0)
        assert "<target dev='sdb' bus='scsi'/>" in xml and f"<block>{loop}</block>" in xml
        file_disk = (f"<disk type='file' device='disk'><source file='{image}'/>"
                     "<target dev='sdc'/></disk>")
        fs = f"<filesystem type='mount'><source dir='{tmp_path}'/><target dir='/mnt'/></filesystem>"
        for bad, code, words in (
                (disk, libvirt.VIR_ERR_OPERATION_FAILED, "target sdb already exists"),
                (file_disk, libvirt.VIR_ERR_CONFIG_UNSUPPORTED, "non-block device"),
                (fs, libvirt.VIR_ERR_CONFIG_UNSUPPORTED,
                 "device type 'filesystem' cannot be attached")):
            with pytest.raises(libvirt.libvirtError) as exc:
                dom.attachDeviceFlags(bad, live)
            assert exc.value.get_error_code() == code and words in str(exc.value)
        # libvirt 9.0's words, once
        assert str(exc.value) == ("unsupported configuration: device type 'filesystem' "
                                  "cannot be attached")
        with pytest.raises(libvirt.libvirtError) as exc:
            dom.detachDeviceFlags(disk.replace("sdb", "sdz"), live)
        assert exc.value.get_error_code() == libvirt.VIR_ERR_OPERATION_FAILED
        assert "disk sdz not found" in str(exc.value)
        for xml in (disk, storage, misc):
            dom.detachDeviceFlags(xml, live)
        assert run_inside(dom, ["/bin/ls", "/dev"]).split().count("sdb") == 0
        assert blk not in _devices_list(root, "ct12")
        assert "<disk" not in dom.XMLDesc(0) and "<hostdev" not in dom.XMLDesc(0)
        # in the persistent definition: made at the next start
        dom.attachDeviceFlags(disk, config)
        inactive = dom.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE)
        # as libvirt 9.0 writes it: a drive address, no disk controller in a container
        assert "<target dev='sdb' bus='scsi'/>" in inactive and "<controller" not in inactive
        assert "<address type='drive' controller='0' bus='0' target='0' unit='1'/>" in inactive
        with pytest.raises(libvirt.libvirtError) as exc:
            dom.attachDeviceFlags(disk, config)
        assert exc.value.get_error_code() == libvirt.VIR_ERR_INVALID_ARG
        dom.destroy()
        dom.create()
        assert "/dev/sdb" in run_inside(dom, ["/bin/ls", "/dev/sdb"])
        assert blk in _devices_list(root, "ct12")
        dom.detachDeviceFlags(disk, config)
        assert "<disk" not in dom.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE)
    finally:
        if dom.isActive():
            dom.destroy()
        dom.undefine()
        subprocess.run(["losetup", "--detach", loop], check=False)
    assert cgroup_dirs(root, "ct12") == []
