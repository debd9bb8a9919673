"""Node devices and host interfaces of a real host, side by side with libvirt 9.0.

A network namespace made by the test holds a bridge (STP on, a forward
delay), a veth pair with one end in the bridge, and loopback; the host's
PCI and block devices are seen from there too.  A private libvirtd (its
udev node-device and interface backends) and pyvirtd both run in that
namespace (``ip netns exec`` gives each its /sys), and Debian's virsh asks
both the same questions: ``nodedev-list`` (all, by capability, as a tree),
``nodedev-dumpxml`` of every device, ``iface-list --all`` and
``iface-dumpxml`` of every interface, and the errors of bad requests.
The answers must be the same, byte for byte.

Events: pyvirt also watches the kernel's device events (libvirt listens to
udevd, which these machines do not run, so it sees no change at all): a
veth pair made in a namespace arrives as two ``CREATED`` events and leaves
as two ``DELETED`` ones.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from netns import NEEDS, namespace, run
from waiting import wait_until

from tests.daemon import daemons

pytestmark = [NEEDS, pytest.mark.slow, pytest.mark.libvirt_ref]

CAPS = ("system", "pci", "net", "storage", "usb_device", "scsi_host", "scsi")


class Pair:
    """libvirtd and pyvirtd in one namespace, and virsh for each."""

    def __init__(self, ns: str, ref: daemons.RunningDaemon, mine: daemons.RunningDaemon) -> None:
        self.ns = ns
        self.ref, self.mine = ref, mine
        self.my_uri = f"qemu+unix:///session?socket={mine.sock}"

    def both(self, *args: str,
             family: str = "") -> tuple[subprocess.CompletedProcess, subprocess.CompletedProcess]:
        """The same virsh command against libvirtd and against pyvirtd.  libvirtd is
        asked through the URI of the driver family (``nodedev:///system``...), which
        spares it probing QEMU; ``family`` 'qemu' for the calls of its QEMU driver."""
        family = family or ("interface" if args[0].startswith("iface") else "nodedev")
        ref_uri = self.ref.uri(driver=family, path="/system")
        return (self.ref.virsh(*args, uri=ref_uri, check=False, quiet=False),
                self.mine.virsh(*args, uri=self.my_uri, check=False, quiet=False))


def _ip(ns: str, *args: str) -> None:
    subprocess.run(["ip", "-n", ns, *args], check=True)


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pair]:
    if daemons.libvirtd_available() is not None:
        pytest.skip(daemons.libvirtd_available())
    base = tmp_path_factory.mktemp("nodedev")
    with namespace("nd") as ns:
        _ip(ns, "link", "add", "pvbr0", "type", "bridge", "stp_state", "1",
            "forward_delay", "200")
        _ip(ns, "link", "add", "pvva", "type", "veth", "peer", "name", "pvvb")
        _ip(ns, "link", "set", "pvva", "master", "pvbr0")
        _ip(ns, "link", "set", "pvbr0", "mtu", "1400")
        for dev in ("pvva", "pvvb", "pvbr0"):
            _ip(ns, "link", "set", dev, "up")
        # with STP on, the bridge's port forwards (and the bridge is 'up') only after
        # twice the forward delay: both daemons must see the same settled state
        wait_until(lambda: "state UP" in subprocess.run(
            ["ip", "-n", ns, "link", "show", "pvbr0"], capture_output=True, text=True,
            check=False).stdout,
            what="the bridge to come up")
        ref = daemons.start_libvirtd(base / "libvirtd", netns=ns)
        try:
            with pytest.MonkeyPatch.context() as mp:
                for var, sub in (("XDG_CONFIG_HOME", "config"), ("XDG_DATA_HOME", "data"),
                                 ("XDG_CACHE_HOME", "cache"), ("XDG_RUNTIME_DIR", "run")):
                    mp.setenv(var, str(base / "xdg" / sub))
                mine = daemons.start_pyvirtd(base / "pyvirtd", tcp=False, netns=ns)
            try:
                yield Pair(ns, ref, mine)
            finally:
                mine.stop()
        finally:
            ref.stop()


def _same(pair: Pair, *args: str, family: str = "") -> str:
    theirs, ours = pair.both(*args, family=family)
    assert (ours.returncode, ours.stdout, ours.stderr) == \
        (theirs.returncode, theirs.stdout, theirs.stderr), args
    return ours.stdout


def test_device_lists_and_xml_are_libvirts(pair: Pair) -> None:
    names = _same(pair, "nodedev-list").split()
    assert "computer" in names and any(n.startswith("net_pvva_") for n in names)
    # udev calls a bridge's DEVTYPE 'bridge', which libvirt's backend does not take
    assert not any(n.startswith("net_pvbr0_") for n in names)
    assert not any(n.startswith("net_eth0") for n in names)      # the host's own: not here
    _same(pair, "nodedev-list", "--tree")
    for cap in CAPS:
        _same(pair, "nodedev-list", "--cap", cap)
    for name in names:
        _same(pair, "nodedev-dumpxml", name)
    _same(pair, "nodedev-dumpxml", "no_such_device")


def test_interfaces_are_libvirts(pair: Pair) -> None:
    listing = _same(pair, "iface-list", "--all")
    # a bridge's port is not listed (it is in the bridge's XML), yet it can be looked up
    assert "pvva" not in listing
    for name in ("pvbr0", "pvva", "pvvb", "lo"):
        assert name in listing or name == "pvva"
        _same(pair, "iface-dumpxml", name)
        _same(pair, "iface-dumpxml", name, "--inactive")
    bridge = _same(pair, "iface-dumpxml", "pvbr0")
    assert "<bridge stp='on' delay='200'>" in bridge and "name='pvva'" in bridge
    _same(pair, "iface-list")
    _same(pair, "iface-list", "--inactive")
    _same(pair, "iface-dumpxml", "no-such-iface")
    theirs, ours = pair.both("iface-mac", "pvvb")
    assert ours.stdout == theirs.stdout and ours.returncode == 0


def test_assignment_errors_are_libvirts(pair: Pair) -> None:
    if os.path.isdir("/sys/kernel/iommu_groups") and os.listdir("/sys/kernel/iommu_groups"):
        pytest.skip("this host has an IOMMU: detaching a real device is not done in tests")
    names = _same(pair, "nodedev-list", "--cap", "pci").split()
    net = next(n for n in _same(pair, "nodedev-list", "--cap", "net").split()
               if n.startswith("net_pvvb_"))
    # the memory balloon: harmless even if something went wrong
    balloon = next((n for n in names if "Virtio 1.0 memory balloon" in
                    _same(pair, "nodedev-dumpxml", n)), None)
    if balloon is not None:
        theirs, ours = pair.both("nodedev-detach", balloon, family="qemu")
        assert theirs.returncode == 1 and (ours.returncode, ours.stderr) == \
            (theirs.returncode, theirs.stderr)
    theirs, ours = pair.both("nodedev-detach", net, family="qemu")
    assert (ours.returncode, ours.stderr) == (theirs.returncode, theirs.stderr)


def test_device_events_from_the_kernel(tmp_path: Path) -> None:
    with namespace("ev") as ns:
        out = run(ns, tmp_path / "root", r"""
            import threading
            pyvirt.virEventRegisterDefaultImpl()
            conn = pyvirt.open(URI)
            seen, lock = [], threading.Lock()
            def cb(c, dev, event, detail, opaque):
                with lock:
                    seen.append([dev.name(), event])
            cid = conn.nodeDeviceEventRegisterAny(None, C.VIR_NODE_DEVICE_EVENT_ID_LIFECYCLE,
                                                  cb, None)
            stop = False
            def loop():
                while not stop:
                    pyvirt.virEventRunDefaultImpl()
            t = threading.Thread(target=loop, daemon=True); t.start()
            before = set(conn.listDevices("net", 0))
            sh("ip", "link", "add", "pvev0", "type", "veth", "peer", "name", "pvev1")
            def wait(n):
                deadline = time.time() + 20
                while time.time() < deadline:
                    with lock:
                        if len(seen) >= n:
                            return
                    time.sleep(0.05)
            wait(2)
            OUT["listed"] = sorted(set(conn.listDevices("net", 0)) - before)
            dev = conn.nodeDeviceLookupByName(OUT["listed"][0])
            OUT["parent"] = dev.parent()
            OUT["xml"] = dev.XMLDesc(0)
            sh("ip", "link", "del", "pvev0")
            wait(4)
            OUT["after"] = sorted(set(conn.listDevices("net", 0)) - before)
            with lock:
                OUT["seen"] = list(seen)
            conn.nodeDeviceEventDeregisterAny(cid)
            stop = True
            pyvirt.virEventAddTimeout(0, lambda *a: None, None)
            conn.close()
        """)
    created = sorted(n for n, e in out["seen"] if e == 0)
    deleted = sorted(n for n, e in out["seen"] if e == 1)
    assert created == out["listed"] and len(created) == 2, out
    assert all(n.startswith(("net_pvev0_", "net_pvev1_")) for n in created)
    assert deleted == created and out["after"] == []
    assert out["parent"] == "computer"
    assert "<interface>pvev" in out["xml"] and "<capability type='80203'/>" in out["xml"]
