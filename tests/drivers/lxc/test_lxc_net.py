"""Containers' network interfaces: a veth on a bridge, an ethernet veth, a macvlan.

Everything runs in network and mount namespaces the test makes (``unshare``): the
bridge, the dummy link the macvlan sits on, the driver and its container.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap

import pytest

pytestmark = pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("busybox"),
                                reason="needs root and busybox")

HERE = os.path.dirname(os.path.abspath(__file__))

SCRIPT = textwrap.dedent("""
    import json, os, sys, time
    sys.path.insert(0, HERE)
    from lxctest_util import build_rootfs, container_xml, init_pid, run_inside
    from pyroute2 import IPRoute
    import pyvirt as libvirt
    base = sys.argv[1]
    with IPRoute() as ipr:
        ipr.link("add", ifname="br0", kind="bridge")
        ipr.link("add", ifname="lower0", kind="veth", peer="lower1")  # under the macvlan
        for name in ("br0", "lower0", "lower1", "lo"):
            ipr.link("set", index=ipr.link_lookup(ifname=name)[0], state="up")
        ipr.addr("add", index=ipr.link_lookup(ifname="br0")[0], address="10.9.0.1", mask=24)
    rootfs = build_rootfs(base + "/rootfs")
    nets = '''
      <interface type='bridge'><mac address='52:54:00:00:00:11'/><source bridge='br0'/>
        <ip address='10.9.0.2' prefix='24'/></interface>
      <interface type='ethernet'><mac address='52:54:00:00:00:12'/>
        <target dev='hostend0'/></interface>
      <interface type='direct'><mac address='52:54:00:00:00:13'/>
        <source dev='lower0' mode='bridge'/><guest dev='mv0'/></interface>'''
    xml = container_xml("netct", rootfs, extra_fs=nets)
    conn = libvirt.open("lxc:///embed?root=" + base + "/root")
    dom = conn.createXML(xml, 0)
    out = {}
    try:
        pid = init_pid(dom)
        sysnet = f"/proc/{pid}/root/sys/class/net"
        out["inside"] = {n: open(f"{sysnet}/{n}/address").read().strip()
                         for n in os.listdir(sysnet)}
        out["ping"] = run_inside(dom, ["/bin/ping", "-c", "1", "-W", "2", "10.9.0.1"])
        out["brif"] = sorted(os.listdir("/sys/class/net/br0/brif"))
        out["host_links"] = sorted(os.listdir("/sys/class/net"))
        out["xml"] = dom.XMLDesc(0)
        # hotplug: a bridge interface attached and detached while it runs
        nic = ("<interface type='bridge'><mac address='52:54:00:00:00:14'/>"
               "<source bridge='br0'/><guest dev='hot0'/></interface>")
        dom.attachDevice(nic)
        out["attached"] = sorted(os.listdir(sysnet))
        out["attached_brif"] = len(os.listdir("/sys/class/net/br0/brif"))
        out["attached_xml"] = dom.XMLDesc(0).count("<interface")
        dom.detachDevice(nic)
        out["detached"] = sorted(os.listdir(sysnet))
        out["detached_brif"] = len(os.listdir("/sys/class/net/br0/brif"))
    finally:
        dom.destroy()
    # again, from the spare forked meanwhile: its child made its network namespace
    # ahead, and moves the interfaces in through a socket of the host's
    import glob
    deadline = time.monotonic() + 60      # the spare is forked after the destroy
    ahead = []
    while not ahead and time.monotonic() < deadline:
        time.sleep(0.1)
        ahead = [int(os.path.basename(p).split("-")[2].split(".")[0])
                 for p in glob.glob("/sys/fs/cgroup/pids/machine/pyvirt-*/pyvirt-spare-*")]
    dom = conn.createXML(xml, 0)
    try:
        out["from_spare"] = dom.ID() in ahead
        pid = init_pid(dom)
        sysnet = f"/proc/{pid}/root/sys/class/net"
        out["inside2"] = {n: open(f"{sysnet}/{n}/address").read().strip()
                          for n in os.listdir(sysnet)}
        out["ping2"] = run_inside(dom, ["/bin/ping", "-c", "1", "-W", "2", "10.9.0.1"])
    finally:
        dom.destroy()
    deadline = time.monotonic() + 60      # the host ends of the veths go with the netns
    while True:
        out["after"] = sorted(os.listdir("/sys/class/net"))
        if out["after"] == ["br0", "lo", "lower0", "lower1"] or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    conn.close()
    print(json.dumps(out))
""").replace("HERE", repr(HERE))


def test_interfaces(tmp_path):
    os.chmod(tmp_path, 0o755)
    # a mount namespace too, for a /sys of the new network namespace (the cgroup
    # hierarchies moved over from the old one)
    keep = tmp_path / "cgroup"
    keep.mkdir()
    res = subprocess.run(["unshare", "-n", "-m", "--propagation", "private", "sh", "-c",
                          (f"mount --rbind /sys/fs/cgroup {keep} && mount -t sysfs sysfs /sys "
                          f"&& mount --move {keep} /sys/fs/cgroup && "
                          'exec "$0" -c "$1" "$2"'), sys.executable, SCRIPT, str(tmp_path)],
                         capture_output=True, text=True, timeout=120, check=False)
    assert res.returncode == 0, res.stderr[-3000:]
    out = json.loads(res.stdout.strip().splitlines()[-1])
    assert out["inside"] == {"lo": "00:00:00:00:00:00", "eth0": "52:54:00:00:00:11",
                             "eth1": "52:54:00:00:00:12", "mv0": "52:54:00:00:00:13"}
    assert " 0% packet loss" in out["ping"]
    assert len(out["brif"]) == 1 and out["brif"][0].startswith("veth")
    assert "hostend0" in out["host_links"]
    assert f"<target dev='{out['brif'][0]}'/>" in out["xml"]
    assert "<alias name='net2'/>" in out["xml"]
    assert out["attached"] == ["eth0", "eth1", "hot0", "lo", "mv0"]
    assert out["attached_brif"] == 2 and out["attached_xml"] == 4
    assert out["detached"] == ["eth0", "eth1", "lo", "mv0"] and out["detached_brif"] == 1
    assert out["from_spare"]
    assert out["inside2"] == out["inside"]
    assert " 0% packet loss" in out["ping2"]
    # the container's interfaces went with it: only the test's own links remain
    assert out["after"] == ["br0", "lo", "lower0", "lower1"]
