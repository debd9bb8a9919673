"""Network ports' bandwidth: typed parameters, floors, <virtualport>, <vlan>, Open vSwitch.

- Side by side with Debian's libvirtd 9.0 (in the test's network namespace,
  a private mount namespace; Debian's python3-libvirt drives it): the same
  calls on ports of an ``open`` network without bandwidth give the same
  XML, typed parameters and errors, from pyvirt in-process and from
  pyvirtd (the same python3-libvirt client, over libvirt's protocol).  (libvirt 9.0 cannot start a network
  with ``<bandwidth>`` on this kernel: it has no ``sfq`` qdisc.)
- pyvirt alone, on a network with inbound bandwidth: libvirt's class tree
  on the bridge, a class and a MAC filter per floor, ``1:2``'s rate what
  the floors leave, overcommit refused, everything gone with the ports; a
  guest NIC's floor is its port's class, moved by ``domiftune`` (refused
  when it does not fit, nothing changed) and gone with the guest.
- A guest NIC asking for what its connection cannot give (a ``<vlan>`` on a
  Linux bridge, a ``floor`` off a network, an Open vSwitch port without
  ``ovs-vsctl``) is refused before QEMU starts, with nothing left behind.
- The ``tc`` and ``ovs-vsctl`` argv lists as data (no root needed).
"""

from __future__ import annotations

import shutil
import subprocess
import textwrap
from pathlib import Path

import pytest
from netns import NEEDS, run
from test_network_root import _guest_dir, guest_domain
from test_network_virsh import Daemon
from test_network_vs_libvirt import private_libvirtd

from pyvirt import constants as C
from pyvirt.conf.netcommon import Bandwidth, NativeMode, Rate, Vlan, VlanTag
from pyvirt.drivers.network import floor, openvswitch
from pyvirt.errors import libvirtError

NET = ("<network><name>pq</name><forward mode='open'/><bridge name='pvbr19'/>"
       "<ip address='10.69.0.1' prefix='24'/></network>")

SCENARIO = """
def call(fn, *args):
    try:
        return fn(*args)
    except lv.libvirtError as exc:
        return [exc.get_error_code(), exc.get_error_domain(), exc.get_error_message()]

def port(i, extra=""):
    return ("<networkport><uuid>7c1a6f0e-2b3d-4e5f-8a9b-0c1d2e3f4a5%d</uuid><owner>"
            "<name>vm1</name><uuid>11111111-2222-3333-4444-555555555555</uuid></owner>"
            "<mac address='52:54:00:00:00:9%d'/>%s</networkport>" % (i, i, extra))

n = c.networkCreateXML(NET)
p0 = n.portCreateXML(port(0), 0)
OUT["p0"] = [p0.XMLDesc(0), p0.parameters(0)]
p1 = n.portCreateXML(port(1, "<bandwidth><inbound average='100' peak='120' burst='10'/>"
                             "<outbound average='50' peak='60'/></bandwidth>"), 0)
OUT["p1"] = [p1.XMLDesc(0), p1.parameters(0)]
OUT["set_floor"] = call(p1.setParameters, {"inbound.floor": 300, "inbound.average": 150}, 0)
OUT["after_floor"] = p1.parameters(0)
OUT["set_avg"] = [call(p1.setParameters, {"inbound.average": 150, "inbound.burst": 20}, 0),
                  p1.XMLDesc(0), p1.parameters(0)]
pin = n.portCreateXML(port(2, "<bandwidth><inbound average='100'/></bandwidth>"), 0)
pout = n.portCreateXML(port(3, "<bandwidth><outbound average='100'/></bandwidth>"), 0)
OUT["one_way"] = [pin.parameters(0), pout.parameters(0)]
OUT["flags"] = call(p1.parameters, 1)
OUT["floor_no_qos"] = call(n.portCreateXML, port(4, "<bandwidth><inbound average='100' "
                                                   "floor='20'/></bandwidth>"), 0)
OUT["outbound_floor"] = call(n.portCreateXML, port(5, "<bandwidth><outbound average='100' "
                                                     "floor='20'/></bandwidth>"), 0)
OUT["openvswitch"] = call(n.portCreateXML, port(6, "<virtualport type='openvswitch'/>"), 0)
vlan = n.portCreateXML(port(7, "<vlan><tag id='42'/></vlan>"), 0)
OUT["vlan"] = vlan.XMLDesc(0)
OUT["reclaim"] = [call(n.portCreateXML, port(8), 1),            # RECLAIM without a plug
                  call(n.portCreateXML, port(8, "<plug type='network' bridge='pvbr19'/>"), 0)]
OUT["ports"] = len(n.listAllPorts(0))
for p in n.listAllPorts(0):
    p.delete(0)
OUT["left"] = n.listAllPorts(0)
n.destroy()
"""

LIBVIRT_PRELUDE = """
import json, sys
import libvirt
libvirt.registerErrorHandler(lambda *a: None, None)
c = libvirt.open(sys.argv[1])
lv = libvirt
OUT = {}
"""


def _real_client(ns: str, uri: str, before: str = "") -> dict:
    """The scenario run by Debian's python3-libvirt against the daemon at ``uri``."""
    import json
    script = (LIBVIRT_PRELUDE + before + f"NET = {NET!r}\n" + textwrap.dedent(SCENARIO)
              + "print(json.dumps(OUT, default=str))\n")
    res = subprocess.run(["ip", "netns", "exec", ns, "/usr/bin/python3", "-c", script, uri],
                         capture_output=True, text=True, timeout=120, check=False)
    assert res.returncode == 0, res.stderr[-3000:]
    return dict(json.loads(res.stdout.strip().splitlines()[-1]))


def _libvirt_side(ns: str, work: Path) -> dict:
    with private_libvirtd(ns, work) as (virsh, _pid):
        return _real_client(ns, virsh.uri)  # type: ignore[attr-defined]


def _pyvirtd_side(ns: str, work: Path) -> dict:
    """The same client against pyvirtd's qemu:///system (private state directories)."""
    daemon = Daemon(ns, work)
    daemon.start()
    try:
        # the system root's own 'default' network is stopped first (nothing left running)
        return _real_client(ns, f"qemu+unix:///system?socket={daemon.sockdir}/libvirt-sock",
                            "d = c.networkLookupByName('default')\n"
                            "d.isActive() and d.destroy()\n")
    finally:
        daemon.kill()


@NEEDS
@pytest.mark.slow
@pytest.mark.timeout(300)
@pytest.mark.skipif(not (shutil.which("libvirtd") and
                         Path("/usr/lib/python3/dist-packages/libvirt.py").exists()),
                    reason="needs Debian's libvirtd and python3-libvirt")
def test_port_parameters_as_libvirt(netns: str, tmp_path: Path) -> None:
    want = _libvirt_side(netns, tmp_path / "libvirt")
    (tmp_path / "pyvirtd").mkdir()
    remote = _pyvirtd_side(netns, tmp_path / "pyvirtd")
    got = run(netns, tmp_path / "pyvirt", "c = pyvirt.open(URI)\nlv = pyvirt\n"
              f"NET = {NET!r}\n" + SCENARIO + "OUT['left'] = len(OUT['left'])\n")
    want["left"] = len(want["left"]) if isinstance(want["left"], list) else want["left"]
    assert want["p1"][1] == {"inbound.average": 100, "inbound.peak": 120, "inbound.floor": 0,
                             "inbound.burst": 10, "outbound.average": 50, "outbound.peak": 60,
                             "outbound.burst": 0}
    for key in ("p0", "p1", "set_floor", "after_floor", "set_avg", "one_way", "flags",
                "floor_no_qos", "openvswitch", "vlan", "reclaim", "ports"):
        assert got[key] == want[key], key
        assert remote[key] == want[key], key          # libvirt-python through pyvirtd
    # libvirt reports this one in no error domain (its XML parser's), pyvirt in the network's
    assert got["outbound_floor"][::2] == want["outbound_floor"][::2]
    assert got["left"] == want["left"] == 0


FLOORS = """
def port(i, bw):
    return ("<networkport><uuid>7c1a6f0e-2b3d-4e5f-8a9b-0c1d2e3f4a6%d</uuid><owner>"
            "<name>vm1</name><uuid>11111111-2222-3333-4444-555555555555</uuid></owner>"
            "<mac address='52:54:00:00:01:0%d'/><bandwidth>%s</bandwidth></networkport>"
            % (i, i, bw))

def tree():
    return sorted(l.split(" burst")[0] for l in sh("tc", "class", "show", "dev",
                  "pvbr20").splitlines() if l.startswith("class"))

c = pyvirt.open(URI)
n = c.networkCreateXML("<network><name>fl</name><bridge name='pvbr20'/>"
                       "<bandwidth><inbound average='1000' peak='2000' burst='256'/>"
                       "</bandwidth><ip address='10.70.0.1' prefix='24'/></network>")
OUT["tree"] = tree()
a = n.portCreateXML(port(1, "<inbound average='100' floor='200'/>"), 0)
b = n.portCreateXML(port(2, "<inbound floor='300'/>"), 0)
OUT["xml"] = [a.XMLDesc(0), b.XMLDesc(0)]
OUT["two"] = tree()
OUT["filters"] = sh("tc", "filter", "show", "dev", "pvbr20")
OUT["overcommit"] = err(n.portCreateXML, port(3, "<inbound floor='1600'/>"), 0)
OUT["overcommit_set"] = err(a.setParameters, {"inbound.floor": 1800}, 0)
OUT["after_refusal"] = [tree(), a.parameters(0)]
a.setParameters({"inbound.floor": 700}, 0)
OUT["raised"] = [tree(), a.XMLDesc(0)]
b.delete(0)
a.setParameters({"inbound.average": 5}, 0)
OUT["dropped"] = [tree(), sh("tc", "filter", "show", "dev", "pvbr20"), a.XMLDesc(0)]
c.close()
c = pyvirt.open(URI)                          # a new driver takes the ports back
n = c.networkLookupByName("fl")
a = n.portLookupByUUIDString("7c1a6f0e-2b3d-4e5f-8a9b-0c1d2e3f4a61")
a.setParameters({"inbound.floor": 100}, 0)
OUT["again"] = [tree(), a.XMLDesc(0)]
a.delete(0)
# a guest NIC with a floor: its port's class; domiftune moves it (or is refused)
d = c.createXML(DOM, 0)
tap = d.XMLDesc(0).split("<target dev='", 1)[1].split("'", 1)[0]
OUT["guest"] = tree()
d.setInterfaceParameters(tap, {"inbound.average": 100, "inbound.floor": 500},
                         C.VIR_DOMAIN_AFFECT_LIVE)
OUT["domiftune"] = [tree(), d.interfaceParameters(tap, 0)["inbound.floor"],
                    [p.XMLDesc(0) for p in n.listAllPorts(0)]]
OUT["domiftune_over"] = err(d.setInterfaceParameters, tap,
                            {"inbound.average": 100, "inbound.floor": 5000},
                            C.VIR_DOMAIN_AFFECT_LIVE)
OUT["domiftune_kept"] = [tree(), d.interfaceParameters(tap, 0)["inbound.floor"]]
d.destroy()
OUT["guest_gone"] = [tree(), n.listAllPorts(0)]
n.destroy()
OUT["after"] = [sorted(links()), tables()]
"""


@NEEDS
@pytest.mark.timeout(120)
def test_floors_on_the_bridge(netns: str, tmp_path: Path) -> None:
    guest = _guest_dir()
    dom = guest_domain(guest, "gf", "<interface type='network'><source network='fl'/>"
                       "<mac address='52:54:00:00:01:09'/><model type='virtio'/>"
                       "<link state='down'/><bandwidth><inbound average='100' floor='200'/>"
                       "</bandwidth></interface>", 64)
    out = run(netns, tmp_path, f"DOM = {dom!r}\n" + FLOORS)
    assert out["tree"] == ["class htb 1:1 root rate 8Mbit ceil 16Mbit",
                           "class htb 1:2 parent 1:1 prio 0 rate 8Mbit ceil 16Mbit"]
    assert "<bandwidth classID='3'>\n    <inbound average='100' floor='200'/>" in out["xml"][0]
    assert "<bandwidth classID='4'>\n    <inbound floor='300'/>" in out["xml"][1]
    # 1:2 gets what the floors leave of the peak: 2000 - 500 KiB/s = 12 Mbit/s
    assert out["two"] == ["class htb 1:1 root rate 8Mbit ceil 16Mbit",
                          "class htb 1:2 parent 1:1 prio 0 rate 12Mbit ceil 16Mbit",
                          "class htb 1:3 parent 1:1 prio 0 rate 1600Kbit ceil 16Mbit",
                          "class htb 1:4 parent 1:1 prio 0 rate 2400Kbit ceil 16Mbit"]
    # a filter per floor on the guest's MAC (dst 52:54:00:00:01:0N) into its class
    for n in (3, 4):
        assert f"fh 800::{n} order {n} key ht 800 bkt 0 *flowid 1:{n}" in out["filters"]
    assert "match 00000101/ffffffff at -12" in out["filters"]
    assert out["overcommit"] == [C.VIR_ERR_OPERATION_INVALID, C.VIR_FROM_NETWORK,
                                 ("Requested operation is not valid: Cannot plug "
                                  "'52:54:00:00:01:03' interface into 'pvbr20' because new "
                                  "combined inbound floor=2100 would overcommit peak=2000 on "
                                  "network 'fl'")]
    assert "combined inbound floor=2100" in out["overcommit_set"][2]
    assert out["after_refusal"] == [out["two"], {"inbound.average": 100, "inbound.peak": 0,
                                                 "inbound.floor": 200, "inbound.burst": 0}]
    assert "class htb 1:3 parent 1:1 prio 0 rate 5600Kbit ceil 16Mbit" in out["raised"][0]
    assert "class htb 1:2 parent 1:1 prio 0 rate 8Mbit ceil 16Mbit" in out["raised"][0]
    assert "<bandwidth classID='3'>\n    <inbound floor='700'/>" in out["raised"][1]
    tree, filters, xml = out["dropped"]
    assert tree == ["class htb 1:1 root rate 8Mbit ceil 16Mbit",
                    "class htb 1:2 parent 1:1 prio 0 rate 16Mbit ceil 16Mbit"]
    assert "800::" not in filters
    assert "<bandwidth>\n    <inbound average='5'/>" in xml
    assert "class htb 1:3 parent 1:1 prio 0 rate 800Kbit ceil 16Mbit" in out["again"][0]
    assert "<bandwidth classID='3'>" in out["again"][1]
    assert "class htb 1:3 parent 1:1 prio 0 rate 1600Kbit ceil 16Mbit" in out["guest"]
    tree, floor_now, ports = out["domiftune"]
    assert "class htb 1:3 parent 1:1 prio 0 rate 4Mbit ceil 16Mbit" in tree
    assert "class htb 1:2 parent 1:1 prio 0 rate 12Mbit ceil 16Mbit" in tree
    assert floor_now == 500
    assert "<inbound average='100' floor='500'/>" in ports[0]
    assert out["domiftune_over"][0] == C.VIR_ERR_OPERATION_INVALID
    assert "new combined inbound floor=5000 would overcommit peak=2000" in \
        out["domiftune_over"][2]
    assert out["domiftune_kept"] == [tree, 500]
    assert out["guest_gone"] == [["class htb 1:1 root rate 8Mbit ceil 16Mbit",
                                  "class htb 1:2 parent 1:1 prio 0 rate 16Mbit ceil 16Mbit"],
                                 []]
    assert out["after"] == [["lo"], []]


@NEEDS
@pytest.mark.timeout(120)
def test_guest_nic_refusals(netns: str, tmp_path: Path) -> None:
    guest = _guest_dir()

    def dom(name: str, iface: str) -> str:
        return guest_domain(guest, name, iface, 64)

    mac = "<mac address='52:54:00:0c:00:01'/><model type='virtio'/>"
    vlan = dom("v1", f"<interface type='bridge'><source bridge='pvbr21'/>{mac}"
                     "<vlan><tag id='42'/></vlan></interface>")
    floor_ = dom("f1", f"<interface type='bridge'><source bridge='pvbr21'/>{mac}"
                       "<bandwidth><inbound average='100' floor='50'/></bandwidth></interface>")
    ovs = dom("o1", f"<interface type='bridge'><source bridge='pvbr21'/>{mac}"
                    "<virtualport type='openvswitch'/></interface>")
    out = run(netns, tmp_path, f"""
        sh("ip", "link", "add", "pvbr21", "type", "bridge")
        c = pyvirt.open(URI)
        OUT["vlan"] = err(c.createXML, {vlan!r}, 0)
        OUT["floor"] = err(c.createXML, {floor_!r}, 0)
        OUT["ovs"] = err(c.createXML, {ovs!r}, 0)
        OUT["domains"] = c.listDomainsID()
        OUT["after"] = sorted(links())
        sh("ip", "link", "del", "pvbr21")
    """)
    assert out["vlan"][:2] == [C.VIR_ERR_CONFIG_UNSUPPORTED, C.VIR_FROM_QEMU]
    assert out["vlan"][2].endswith(
        "interface 52:54:00:0c:00:01 - vlan tag not supported for this connection type")
    assert out["floor"][0] == C.VIR_ERR_CONFIG_UNSUPPORTED
    assert out["floor"][2].endswith(
        "Invalid use of 'floor' on interface with MAC address 52:54:00:0c:00:01 - 'floor' is "
        "only supported for interface type 'network' with forward type 'nat', 'route', "
        "'open' or none")
    if shutil.which("ovs-vsctl") is None:
        assert out["ovs"][0] == C.VIR_ERR_CONFIG_UNSUPPORTED
        assert "Unable to add port vnet0 to OVS bridge pvbr21: Open vSwitch is not " \
            "available: 'ovs-vsctl' was not found in PATH" in out["ovs"][2]
    assert out["domains"] == []
    assert out["after"] == ["lo", "pvbr21"]           # the taps went with the failures


# --- argv lists as data --------------------------------------------------------------------

def test_floor_tc_argv() -> None:
    net = Bandwidth(Rate(average=1000, peak=2000, burst=256))
    port = Bandwidth(Rate(average=100, floor=200))
    assert floor.plug_commands("virbr0", net, "52:54:00:ab:cd:ef", port, 3) == [
        ["class", "add", "dev", "virbr0", "parent", "1:1", "classid", "1:3", "htb",
         "rate", "200kbps", "ceil", "2000kbps", "quantum", "8"],
        ["qdisc", "add", "dev", "virbr0", "parent", "1:3", "handle", "3:", "sfq", "perturb",
         "10"],
        ["filter", "add", "dev", "virbr0", "protocol", "ip", "prio", "2", "handle", "800::3",
         "u32", "match", "u16", "0x0800", "0xffff", "at", "-2",
         "match", "u32", "0x00abcdef", "0xffffffff", "at", "-12",
         "match", "u16", "0x5254", "0xffff", "at", "-14", "flowid", "1:3"]]
    assert floor.unplug_commands("virbr0", 12) == [
        ["qdisc", "del", "dev", "virbr0", "handle", "c:"],
        ["filter", "del", "dev", "virbr0", "prio", "2", "handle", "800::12", "u32"],
        ["class", "del", "dev", "virbr0", "classid", "1:c"]]
    assert floor.rate_command("virbr0", 2, net, 1500) == [
        "class", "change", "dev", "virbr0", "classid", "1:2", "htb", "rate", "1500kbps",
        "ceil", "2000kbps", "quantum", "85"]
    assert floor.next_class_id({3, 4, 6}) == 5
    with pytest.raises(libvirtError) as exc:
        floor.check("n", "virbr0", "bridge", net, "52:54:00:ab:cd:ef", port, None, 0)
    assert exc.value.get_error_code() == C.VIR_ERR_OPERATION_UNSUPPORTED
    # without a peak the floors may take the average
    avg = Bandwidth(Rate(average=1000))
    assert floor.check("n", "virbr0", "nat", avg, "m", port, None, 700) == 100
    with pytest.raises(libvirtError, match="floor=1001 would overcommit average=1000"):
        floor.check("n", "virbr0", "nat", avg, "m", port, None, 801)
    assert floor.check("n", "virbr0", "nat", None, "m", Bandwidth(Rate(average=5)), None, 0) \
        is None


def test_openvswitch_argv() -> None:
    assert openvswitch.add_port_argv("ovsbr0", "vnet0", "52:54:00:ab:cd:ef",
                                     "09b11c53-8b5c-4eeb-8f00-d84eaa0aaa4f",
                                     "11111111-2222-3333-4444-555555555555") == [
        "ovs-vsctl", "--timeout=5", "--", "--may-exist", "add-port", "ovsbr0", "vnet0",
        "--", "set", "Interface", "vnet0", 'external-ids:attached-mac="52:54:00:ab:cd:ef"',
        "--", "set", "Interface", "vnet0",
        'external-ids:iface-id="09b11c53-8b5c-4eeb-8f00-d84eaa0aaa4f"',
        "--", "set", "Interface", "vnet0",
        'external-ids:vm-id="11111111-2222-3333-4444-555555555555"',
        "--", "set", "Interface", "vnet0", "external-ids:iface-status=active"]
    assert openvswitch.vlan_args(Vlan([VlanTag(42)])) == ["tag=42"]
    assert openvswitch.vlan_args(Vlan([VlanTag(42), VlanTag(47)], trunk=True)) == \
        ["trunk=42,47"]
    assert openvswitch.vlan_args(Vlan([VlanTag(42, NativeMode.UNTAGGED), VlanTag(47)],
                                      trunk=True)) == \
        ["vlan_mode=native-untagged", "tag=42", "trunk=42,47"]
    with_profile = openvswitch.add_port_argv("b", "t", "m", "i", "u", Vlan([VlanTag(7)]), "web")
    assert with_profile[7] == "tag=7"
    assert 'external-ids:port-profile="web"' in with_profile
    assert openvswitch.del_port_argv("vnet0") == [
        "ovs-vsctl", "--timeout=5", "--", "--if-exists", "del-port", "vnet0"]
