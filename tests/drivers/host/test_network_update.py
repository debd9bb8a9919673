"""virNetworkUpdate on the network driver of a host root: the live change reaches
dnsmasq (hosts files re-read on SIGHUP, a restart for ranges and records), the
persistent one reaches the definition on disk, and a refused update changes
nothing.  Runs in a network namespace (see netns.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from netns import NEEDS, namespace, run
from test_network_root import NAT

pytestmark = [NEEDS, pytest.mark.timeout(300)]

RESOLVER = r"""
import socket, struct, sys, time
name = sys.argv[1]
q = struct.pack(">HHHHHH", 7, 0x0100, 1, 0, 0, 0) + b"".join(
    bytes([len(p)]) + p.encode() for p in name.split(".")) + b"\0" + struct.pack(">HH", 1, 1)
for _ in range(100):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(0.2)
        s.sendto(q, ("10.77.0.1", 53))
        try:
            data = s.recv(512)
        except TimeoutError:   # the bridge port forwards once STP lets it (a few s)
            continue
    if struct.unpack(">H", data[6:8])[0]:
        print(socket.inet_ntoa(data[-4:]))
        break
    time.sleep(0.05)   # dnsmasq reads its files again on SIGHUP, soon after
"""

SCRIPT = """
import socket, struct
L, CF = C.VIR_NETWORK_UPDATE_AFFECT_LIVE, C.VIR_NETWORK_UPDATE_AFFECT_CONFIG
ADD, MOD, DEL = (C.VIR_NETWORK_UPDATE_COMMAND_ADD_LAST, C.VIR_NETWORK_UPDATE_COMMAND_MODIFY,
                 C.VIR_NETWORK_UPDATE_COMMAND_DELETE)
S = {k[len("VIR_NETWORK_SECTION_"):]: getattr(C, k) for k in dir(C)
     if k.startswith("VIR_NETWORK_SECTION_")}

def resolve(name):
    # one DNS A query from the client namespace to the network's dnsmasq
    res = subprocess.run(["ip", "netns", "exec", CLIENT, sys.executable, "-c", RESOLVER,
                          name], capture_output=True, text=True, timeout=30)
    return res.stdout.strip() or res.stderr.strip() or None

def files():
    d = ROOT + "/run/network/dnsmasq/n1."
    return {k: open(d + k).read() for k in ("conf", "hostsfile", "addnhosts")}

c = pyvirt.open(URI)
n = c.networkDefineXML(NAT)
n.create()
sh("ip", "link", "add", "pvv0", "type", "veth", "peer", "name", "pvv1")
sh("ip", "link", "set", "pvv0", "master", "pvbr1", "up")
sh("ip", "link", "set", "pvv1", "netns", CLIENT)
sh("ip", "netns", "exec", CLIENT, "sh", "-c",
   "ip addr add 10.77.0.50/24 dev pvv1 && ip link set pvv1 up")
pid0 = dnsmasqs()
OUT["nine"] = resolve("nine")
n.update(ADD, S["IP_DHCP_HOST"], -1,
         "<host mac='52:54:00:00:00:43' name='other' ip='10.77.0.43'/>", L | CF)
n.update(ADD, S["DNS_HOST"], -1, "<host ip='10.77.0.10'><hostname>ten</hostname></host>", L)
OUT["ten"] = resolve("ten")
OUT["hup"] = [dnsmasqs() == pid0, files()["hostsfile"], files()["addnhosts"]]
OUT["xml"] = [n.XMLDesc(0), n.XMLDesc(C.VIR_NETWORK_XML_INACTIVE),
              open(ROOT + "/etc/qemu/networks/n1.xml").read()]
n.update(ADD, S["IP_DHCP_RANGE"], -1, "<range start='10.77.0.200' end='10.77.0.209'/>", L | CF)
n.update(ADD, S["DNS_TXT"], -1, "<txt name='example' value='hello'/>", L)
n.update(DEL, S["IP_DHCP_HOST"], -1,
         "<host mac='52:54:00:00:00:42' name='fixed' ip='10.77.0.42'/>", L | CF)
n.update(DEL, S["DNS_HOST"], -1, "<host ip='10.77.0.10'><hostname>ten</hostname></host>", L)
n.update(ADD, S["DNS_HOST"], -1, "<host ip='10.77.0.10'><hostname>dix</hostname></host>", L)
OUT["dix"] = resolve("dix")
pid1 = dnsmasqs()
OUT["restarted"] = [len(pid1), pid1 != pid0, files()]
before = [files(), n.XMLDesc(0), n.XMLDesc(C.VIR_NETWORK_XML_INACTIVE)]
OUT["errors"] = [
    err(n.update, MOD, S["IP_DHCP_HOST"], -1, "<host mac='52:54:00:00:00:99' ip='10.77.0.99'/>", L),
    err(n.update, ADD, S["DNS_HOST"], -1, "<host ip='10.77.0.10'><hostname>dix</hostname></host>", L),
    err(n.update, ADD, S["IP_DHCP_HOST"], -1, "<range start='10.77.0.5' end='10.77.0.6'/>", L),
    err(n.update, ADD, S["BRIDGE"], -1, "<bridge name='x'/>", L),
    err(n.update, ADD, S["DNS_HOST"], -1, "<host ip='10.77.0.11'><hostname>x</hostname>", L),
]
OUT["unchanged"] = before == [files(), n.XMLDesc(0), n.XMLDesc(C.VIR_NETWORK_XML_INACTIVE)] \\
    and dnsmasqs() == pid1
n.destroy()
OUT["inactive"] = err(n.update, ADD, S["DNS_TXT"], -1, "<txt name='a' value='b'/>", L)
n.update(ADD, S["DNS_TXT"], -1, "<txt name='a' value='b'/>", 0)   # current: the config
OUT["next"] = n.XMLDesc(0)
t = c.networkCreateXML("<network><name>t1</name><bridge name='pvbr2'/></network>")
OUT["transient"] = err(t.update, ADD, S["DNS_TXT"], -1, "<txt name='a' value='b'/>", CF)
t.destroy()
n.undefine()
sh("ip", "link", "del", "pvv0")
OUT["after"] = [sorted(links()), tables(), dnsmasqs()]
"""


def test_update_live_and_config(netns: str, tmp_path: Path) -> None:
    with namespace("c") as client:
        out = run(netns, tmp_path, f"NAT = {NAT!r}\nCLIENT = {client!r}\nRESOLVER = {RESOLVER!r}\n"
                  + SCRIPT)
    assert out["nine"] == "10.77.0.9"
    # hosts: files rewritten, the same dnsmasq told to read them (SIGHUP)
    assert out["ten"] == "10.77.0.10"
    same, hosts, addn = out["hup"]
    assert same
    assert hosts == "52:54:00:00:00:42,10.77.0.42,fixed\n52:54:00:00:00:43,10.77.0.43,other\n"
    assert addn == "10.77.0.9\tnine\t\n10.77.0.10\tten\t\n"
    live, inactive, on_disk = out["xml"]
    host = "<host mac='52:54:00:00:00:43' name='other' ip='10.77.0.43'/>"
    assert host in live and host in inactive and host in on_disk
    assert "ten" in live and "ten" not in inactive and "ten" not in on_disk
    # ranges and TXT records: a new configuration, dnsmasq restarted
    assert out["dix"] == "10.77.0.10"
    count, changed, conf = out["restarted"]
    assert count == 1 and changed
    assert "dhcp-range=10.77.0.200,10.77.0.209,255.255.255.0\n" in conf["conf"]
    assert "txt-record=example,hello\n" in conf["conf"]
    assert "dhcp-lease-max=30\n" in conf["conf"]
    assert conf["hostsfile"] == "52:54:00:00:00:43,10.77.0.43,other\n"
    # libvirt's errors; nothing changed by them
    op_invalid, xml_error, op_unsupported, xml_detail = 55, 27, 84, 35
    codes = [e[0] for e in out["errors"]]
    assert codes == [op_invalid, op_invalid, xml_error, op_unsupported, xml_detail], out["errors"]
    assert "couldn't locate an existing dhcp host entry with \"mac='52:54:00:00:00:99'\"" \
        in out["errors"][0][2]
    assert out["unchanged"]
    assert out["inactive"][0] == op_invalid and "network is not running" in out["inactive"][2]
    assert "<txt name='a' value='b'/>" in out["next"]
    assert out["transient"][0] == op_invalid
    assert out["after"] == [["lo"], [], []]
