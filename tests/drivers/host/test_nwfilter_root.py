"""The nwfilter driver of a host root: libvirt's stock filters, filter definitions, and
bindings whose rules (an nftables bridge table on the port) really drop a spoofing
client's traffic.  Runs in network namespaces (see netns.py): the port is one end of a
veth pair on a test bridge, the "guest" the other end in a second namespace."""

from __future__ import annotations

from pathlib import Path

import pytest
from netns import NEEDS, namespace, run

from pyvirt import constants as C

pytestmark = [NEEDS, pytest.mark.timeout(300)]

STOCK = ["allow-arp", "allow-dhcp", "allow-dhcp-server", "allow-dhcpv6",
         "allow-dhcpv6-server", "allow-incoming-ipv4", "allow-incoming-ipv6", "allow-ipv4",
         "allow-ipv6", "clean-traffic", "clean-traffic-gateway", "no-arp-ip-spoofing",
         "no-arp-mac-spoofing", "no-arp-spoofing", "no-ip-multicast", "no-ip-spoofing",
         "no-ipv6-multicast", "no-ipv6-spoofing", "no-mac-broadcast", "no-mac-spoofing",
         "no-other-l2-traffic", "no-other-rarp-traffic", "qemu-announce-self",
         "qemu-announce-self-rarp"]

BINDING = """<filterbinding><owner><name>guest1</name>
<uuid>0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0</uuid></owner>
<portdev name='pvv0'/><mac address='52:54:00:12:34:56'/>
<filterref filter='clean-traffic'><parameter name='IP' value='10.88.0.50'/></filterref>
</filterbinding>"""

# a bridge with a veth port whose other end (the "guest": 10.88.0.50 and 10.88.0.77) is
# in namespace CLIENT
PORT = """
sh("ip", "link", "add", "pvbr9", "type", "bridge", "stp_state", "0", "forward_delay", "0")
sh("ip", "addr", "add", "10.88.0.1/24", "dev", "pvbr9")
sh("ip", "link", "set", "pvbr9", "up")
sh("ip", "link", "add", "pvv0", "type", "veth", "peer", "name", "pvv1")
sh("ip", "link", "set", "pvv0", "master", "pvbr9", "up")
sh("ip", "link", "set", "pvv1", "address", "52:54:00:12:34:56", "netns", CLIENT)
sh("ip", "netns", "exec", CLIENT, "sh", "-c", "ip addr add 10.88.0.50/24 dev pvv1 && "
   "ip addr add 10.88.0.77/24 dev pvv1 && ip link set pvv1 up")
"""

SCRIPT = """
def ping(src=None):
    argv = ["ip", "netns", "exec", CLIENT, "busybox", "ping", "-c", "1", "-W", "1"]
    r = subprocess.run(argv + (["-I", src] if src else []) + ["10.88.0.1"],
                       capture_output=True, text=True)
    return r.returncode == 0

def ping_until(src=None):
    # the bridge port forwards once STP lets it
    for _ in range(10):
        if ping(src):
            return True
    return False

""" + PORT + """
c = pyvirt.open(URI)
OUT["names"] = sorted(c.listNWFilters())
OUT["num"] = c.numOfNWFilters()
clean = c.nwfilterLookupByName("clean-traffic")
OUT["clean"] = clean.XMLDesc(0)
OUT["same_uuid"] = c.nwfilterLookupByUUIDString(clean.UUIDString()).name()
OUT["on_disk"] = open(ROOT + "/etc/nwfilter/clean-traffic.xml").read()
OUT["missing"] = err(c.nwfilterLookupByName, "nope")
OUT["dup"] = err(c.nwfilterDefineXML, "<filter name='clean-traffic' chain='root'/>")
c.nwfilterDefineXML("<filter name='pv-a'><filterref filter='pv-b'/></filter>")
OUT["loop"] = err(c.nwfilterDefineXML,
                  "<filter name='pv-b'><filterref filter='pv-a'/></filter>")

OUT["before"] = ping_until()
OUT["spoof_unfiltered"] = ping("10.88.0.77")
b = c.nwfilterBindingCreateXML(BINDING, 0)
OUT["binding"] = [b.portDev(), b.filterName(), [x.portDev() for x in c.listAllNWFilterBindings()]]
OUT["binding_xml"] = c.nwfilterBindingLookupByPortDev("pvv0").XMLDesc(0)
OUT["tables"] = tables()
OUT["filtered"] = [ping(), ping("10.88.0.77")]
OUT["in_use"] = err(clean.undefine)
OUT["again"] = err(c.nwfilterBindingCreateXML, BINDING, 0)

# a changed filter: the binding's rules are made again
nis = c.nwfilterLookupByName("no-ip-spoofing")
xml = nis.XMLDesc(0).replace("</filter>", "<rule action='return' direction='out' "
                             "priority='400'><ip srcipaddr='10.88.0.77'/></rule></filter>")
c.nwfilterDefineXML(xml)
OUT["changed"] = [ping("10.88.0.77"), c.nwfilterLookupByName("no-ip-spoofing").UUIDString()
                  == nis.UUIDString()]

# a new driver (no connection left, table gone meanwhile) loads the rules again
c.close()
sh("nft", "delete", "table", "bridge", "pyvirt_nwf_pvv0")
c = pyvirt.open(URI)
OUT["reloaded"] = [tables(), [x.portDev() for x in c.listAllNWFilterBindings()]]
b = c.nwfilterBindingLookupByPortDev("pvv0")
b.delete()
OUT["deleted"] = [tables(), err(c.nwfilterBindingLookupByPortDev, "pvv0"), ping("10.88.0.77")]
b = c.nwfilterBindingCreateXML(                 # no IP: learned from its traffic
    BINDING.replace("<parameter name='IP' value='10.88.0.50'/>", ""), 0)
OUT["learning"] = tables()
b.delete()
OUT["no_ip"] = err(c.nwfilterBindingCreateXML, BINDING.replace(
    "<parameter name='IP' value='10.88.0.50'/>",
    "<parameter name='CTRL_IP_LEARNING' value='none'/>"), 0)
OUT["no_filter"] = err(c.nwfilterBindingCreateXML,
                       BINDING.replace("'clean-traffic'", "'nope'"), 0)
OUT["after_errors"] = [tables(), c.listAllNWFilterBindings()]
c.nwfilterLookupByName("pv-a").undefine()
OUT["undefined"] = [err(c.nwfilterLookupByName, "pv-a")[0],
                    os.path.exists(ROOT + "/etc/nwfilter/pv-a.xml")]
sh("ip", "link", "del", "pvv0")
sh("ip", "link", "del", "pvbr9")
"""


def test_filters_and_bindings(netns: str, tmp_path: Path) -> None:
    with namespace("c") as client:
        out = run(netns, tmp_path, f"CLIENT = {client!r}\nBINDING = {BINDING!r}\n" + SCRIPT)
    assert out["names"] == STOCK and out["num"] == len(STOCK)
    assert out["clean"].startswith("<filter name='clean-traffic' chain='root'>\n  <uuid>")
    assert "<filterref filter='no-ip-spoofing'/>" in out["clean"]
    assert out["same_uuid"] == "clean-traffic"
    assert out["on_disk"] == out["clean"]          # the generated UUID is kept
    assert out["missing"][:2] == [C.VIR_ERR_NO_NWFILTER, C.VIR_FROM_NWFILTER]
    assert "no nwfilter with matching name 'nope'" in out["missing"][2]
    assert out["dup"][0] == C.VIR_ERR_OPERATION_FAILED
    assert "filter 'clean-traffic' already exists with uuid" in out["dup"][2]
    assert out["loop"][0] == C.VIR_ERR_OPERATION_FAILED
    assert "filter would introduce a loop" in out["loop"][2]
    # the client may spoof before the binding, not after
    assert out["before"] and out["spoof_unfiltered"]
    assert out["binding"] == ["pvv0", "clean-traffic", ["pvv0"]]
    assert "<portdev name='pvv0'/>" in out["binding_xml"]
    assert "<parameter name='IP' value='10.88.0.50'/>" in out["binding_xml"]
    assert out["tables"] == ["pyvirt_nwf_pvv0"]
    assert out["filtered"] == [True, False]
    assert out["in_use"][0] == C.VIR_ERR_OPERATION_INVALID
    assert "nwfilter is in use" in out["in_use"][2]
    assert out["again"][0] == C.VIR_ERR_OPERATION_INVALID
    assert out["changed"] == [True, True]
    assert out["reloaded"] == [["pyvirt_nwf_pvv0"], ["pvv0"]]
    deleted_tables, gone, spoof = out["deleted"]
    assert deleted_tables == [] and gone[0] == C.VIR_ERR_NO_NWFILTER_BINDING and spoof
    assert out["learning"] == ["pyvirt_nwf_pvv0"]
    assert out["no_ip"][0] == C.VIR_ERR_INVALID_ARG and "variables" in out["no_ip"][2]
    assert out["no_ip"][2].endswith(": IP")
    assert out["no_filter"][0] == C.VIR_ERR_NO_NWFILTER
    assert out["after_errors"] == [[], []]
    assert out["undefined"] == [C.VIR_ERR_NO_NWFILTER, False]


LEARN = """
import sys as _sys
_sys.path.insert(0, TESTS)
from test_network_root import NAT
def ping(src):
    r = subprocess.run(["ip", "netns", "exec", CLIENT, "busybox", "ping", "-c", "1", "-W", "1",
                        "-I", src, "10.77.0.1"], capture_output=True, text=True)
    return r.returncode == 0

c = pyvirt.open(URI)
n = c.networkCreateXML(NAT)
sh("ip", "link", "add", "pvv0", "type", "veth", "peer", "name", "pvv1")
sh("ip", "link", "set", "pvv0", "master", "pvbr1", "up")
sh("ip", "link", "set", "pvv1", "address", "52:54:00:12:34:56", "netns", CLIENT)
sh("ip", "netns", "exec", CLIENT, "sh", "-c",
   "ip addr add 10.77.0.77/24 dev pvv1 && ip link set pvv1 up")
c.nwfilterBindingCreateXML(BINDING.replace("<parameter name='IP' value='10.88.0.50'/>",
                                           "<parameter name='CTRL_IP_LEARNING' value='dhcp'/>"), 0)
for _ in range(100):                # the port forwards once STP lets it (3: forwarding)
    if open("/sys/class/net/pvv0/brport/state").read().strip() == "3":
        break
    time.sleep(0.1)
OUT["learning"] = [ping("10.77.0.77")]      # DHCP only, until a lease
r = subprocess.run(["ip", "netns", "exec", CLIENT, "busybox", "udhcpc", "-i", "pvv1", "-n", "-q",
                    "-t", "30", "-T", "1", "-s", "/bin/true"], capture_output=True, text=True)
OUT["udhcpc"] = r.returncode
leased = n.DHCPLeases()[0]["ipaddr"]
sh("ip", "netns", "exec", CLIENT, "ip", "addr", "add", leased + "/24", "dev", "pvv1")
ok = False
for _ in range(20):                 # the learner applies the rules within a poll or two
    ok = ping(leased)
    if ok:
        break
OUT["learned"] = [ok, ping("10.77.0.77")]
c.nwfilterBindingLookupByPortDev("pvv0").delete()
n.destroy()
sh("ip", "link", "del", "pvv0")
OUT["after"] = [sorted(links()), tables(), dnsmasqs()]
"""


def test_ip_learned_from_the_networks_dhcp(netns: str, tmp_path: Path) -> None:
    tests = str(Path(__file__).parent)
    with namespace("c") as client:
        out = run(netns, tmp_path, f"CLIENT = {client!r}\nBINDING = {BINDING!r}\n"
                  f"TESTS = {tests!r}\n" + LEARN)
    assert out["learning"] == [False]
    assert out["udhcpc"] == 0                   # DHCP passes while the address is learned
    assert out["learned"] == [True, False]      # the lease's address only
    assert out["after"] == [["lo"], [], []]


ARP_LEARN = """
def ping(src):
    r = subprocess.run(["ip", "netns", "exec", CLIENT, "busybox", "ping", "-c", "1", "-W", "1",
                        "-I", src, "10.88.0.1"], capture_output=True, text=True)
    return r.returncode == 0

""" + PORT + """
c = pyvirt.open(URI)
c.nwfilterBindingCreateXML(BINDING.replace("<parameter name='IP' value='10.88.0.50'/>", ""), 0)
OUT["first"] = ping("10.88.0.77")           # its ARP and IPv4 pass while learning
for _ in range(20):                          # the learned address's rules are loaded
    if not ping("10.88.0.50"):
        break
OUT["learned"] = [ping("10.88.0.77"), ping("10.88.0.50")]
c.nwfilterBindingLookupByPortDev("pvv0").delete()
sh("ip", "link", "del", "pvv0")
sh("ip", "link", "del", "pvbr9")
OUT["after"] = [sorted(links()), tables()]
"""


def test_ip_learned_from_the_first_arp(netns: str, tmp_path: Path) -> None:
    """CTRL_IP_LEARNING='any' (the default): the first address the port uses is its
    own, the others are spoofed (no network of pyvirt's, no DHCP)."""
    with namespace("c") as client:
        out = run(netns, tmp_path, f"CLIENT = {client!r}\nBINDING = {BINDING!r}\n" + ARP_LEARN)
    assert out["first"] is True
    assert out["learned"] == [True, False]
    assert out["after"] == [["lo"], []]
