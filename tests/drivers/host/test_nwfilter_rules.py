"""nwfilter rules to nftables: every protocol's rules load into nft, variables iterate as
libvirt's, statematch gives the conntrack rules libvirt's iptables rules have, and the
IP learner reads addresses from ARP, IPv4 and DHCP frames."""

from __future__ import annotations

import struct
import subprocess
import sys
from pathlib import Path

import pytest
from netns import NEEDS

from pyvirt import constants as C
from pyvirt import libvirtError
from pyvirt.conf.nwfilter import NWFilterBindingDef, NWFilterDef
from pyvirt.drivers.nwfilter import learn, rules

ROOT = Path(__file__).resolve().parents[3]
DATA = ROOT / "tests" / "data" / "nwfilterxml2xml"
STOCK = ROOT / "pyvirt" / "drivers" / "nwfilter" / "stock"
BINDING = """<filterbinding><owner><name>g</name>
<uuid>0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0</uuid></owner>
<portdev name='pvv0'/><mac address='52:54:00:12:34:56'/><filterref filter='{name}'>
{params}</filterref></filterbinding>"""
PARAMS = {"IP": ["10.0.0.1", "10.0.0.2"], "DST": ["10.0.0.5", "10.0.0.6", "10.0.0.7"],
          "PORTS": ["22", "80"], "IPV6": ["fe80::1"], "GATEWAY_MAC": ["52:54:00:00:00:01"],
          "DHCPSERVER": ["10.0.0.254"]}
# what nftables cannot express (libvirt's ebtables/iptables/ipset can), and a parameter
# libvirt refuses too (DHCPSERVER is an IPv4 address here, the filter wants IPv6)
REFUSED = {name: (C.VIR_ERR_NO_SUPPORT, "'ipset'") for name in (
    "all-ah", "all-all", "all-esp", "all-igmp", "all-tcp", "all-udplite")}
REFUSED["all-arp"] = (C.VIR_ERR_NO_SUPPORT, "'gratuitous'")
REFUSED["allow-dhcpv6-server"] = (C.VIR_ERR_INVALID_ARG, "value '10.0.0.254' of variable")


def _defs() -> dict[str, NWFilterDef]:
    defs = {}
    for path in [*DATA.glob("*.xml"), *STOCK.glob("*.xml")]:
        if not path.name.endswith(".out.xml"):
            d = NWFilterDef.parse(path.read_text())
            defs[d.name] = d
    return defs


def _binding(name: str, params: dict[str, list[str]] | None = None) -> NWFilterBindingDef:
    text = "".join(f"<parameter name='{k}' value='{v}'/>"
                   for k, vs in (PARAMS if params is None else params).items() for v in vs)
    return NWFilterBindingDef.parse(BINDING.format(name=name, params=text))


def _filter(body: str, chain: str = "root") -> dict[str, NWFilterDef]:
    d = NWFilterDef.parse(f"<filter name='t' chain='{chain}'>{body}</filter>")
    return {"t": d}


@NEEDS
def test_every_filter_loads_into_nft() -> None:
    """Each filter of the xml2xml data and each stock filter, bound with list parameters:
    nft takes its tables (checked in a namespace; nothing stays) or pyvirt says what it
    cannot express."""
    defs = _defs()
    ns = "pvtest-nwfrules"
    subprocess.run(["ip", "netns", "add", ns], check=True)
    try:
        subprocess.run(["ip", "-n", ns, "link", "add", "pvv0", "type", "veth", "peer", "name",
                        "pvv1"], check=True)
        ifindex = int(subprocess.run(["ip", "netns", "exec", ns, "cat",
                                      "/sys/class/net/pvv0/ifindex"], capture_output=True,
                                     text=True, check=True).stdout)
        script, refused = "", {}
        for name in sorted(defs):
            try:
                lines = rules.ruleset(_binding(name), defs.get, index=ifindex)
            except libvirtError as exc:
                refused[name] = exc
                continue
            script += rules._reset("pvv0") + "\n".join(lines) + "\n"
        res = subprocess.run(["ip", "netns", "exec", ns, "nft", "-c", "-f", "-"], input=script,
                             capture_output=True, text=True, check=False)
        assert res.returncode == 0, res.stderr[-3000:]
    finally:
        subprocess.run(["ip", "netns", "del", ns], check=False)
    assert set(refused) == set(REFUSED)
    for name, exc in refused.items():
        assert exc.get_error_code() == REFUSED[name][0]
        assert REFUSED[name][1] in exc.get_error_message()


def _lines(body: str, params: dict[str, list[str]], chain: str = "root") -> list[str]:
    lines = rules.ruleset(_binding("t", params), _filter(body, chain).get, index=7)
    return [line.split(" ", 4)[4] for line in lines if line.startswith("add rule")
            and "_hook" not in line.split(" ")[4] and "mark_" not in line.split(" ")[4]]


def test_variables_iterate_as_libvirts() -> None:
    # IP and MAC share iterator 0: lists of different lengths cannot walk together
    with pytest.raises(libvirtError, match="Cardinality"):
        rules.ruleset(_binding("t", {"IP": ["10.0.0.1", "10.0.0.2"]}), _filter(
            "<rule action='accept' direction='out'><arp arpsrcipaddr='$IP' "
            "srcmacaddr='$MAC'/></rule>").get, index=7)
    got = _lines("<rule action='accept' direction='out'><arp arpsrcipaddr='$IP' "
                 "arpdstipaddr='$DST[@1]'/></rule>",
                 {"IP": ["10.0.0.1", "10.0.0.2"], "DST": ["10.0.0.5", "10.0.0.6"]})
    assert len(got) == 4 and all(line.startswith("from_vm ether type arp") for line in got)
    assert "@nh,112,32 0xa000002 @nh,192,32 0xa000006 accept" in got[3]
    got = _lines("<rule action='drop' direction='in'><ip srcipaddr='$DST[2]'/></rule>",
                 {"DST": ["10.0.0.5", "10.0.0.6", "10.0.0.7"]})
    assert got == ["to_vm ether type ip ip saddr 10.0.0.7 drop"]
    with pytest.raises(libvirtError, match="unavailable list elements: DST\\[3\\]"):
        _lines("<rule action='drop' direction='in'><ip srcipaddr='$DST[3]'/></rule>",
               {"DST": ["10.0.0.5"]})


def test_inout_mirrors_as_libvirts_ebtables_rules() -> None:
    """libvirt writes an inout rule as seen going to the guest and mirrors it for frames
    from it (captured ebtables: ``-d`` in libvirt-I-, ``-s`` in libvirt-O-); reject is a
    drop there (as libvirt's ebtables rules), and a sub-chain is jumped to."""
    got = _lines("<rule action='reject' direction='inout'><mac srcmacaddr='$MAC' "
                 "srcmacmask='ff:ff:ff:00:00:00'/></rule>"
                 "<rule action='drop' direction='inout'><arp arpsrcipaddr='10.0.0.3'/></rule>",
                 {}, chain="mac")
    assert got == ["from_vm_mac ether daddr and ff:ff:ff:00:00:00 == 52:54:00:00:00:00 drop",
                   "from_vm_mac ether type arp @nh,192,32 0xa000003 drop",
                   "from_vm jump from_vm_mac",
                   "to_vm_mac ether saddr and ff:ff:ff:00:00:00 == 52:54:00:00:00:00 drop",
                   "to_vm_mac ether type arp @nh,112,32 0xa000003 drop",
                   "to_vm jump to_vm_mac"]


def _frame(dst: bytes, src: bytes, ethertype: int, payload: bytes) -> bytes:
    return dst + src + struct.pack("!H", ethertype) + payload


MAC = "52:54:00:12:34:56"
RAW = bytes.fromhex("525400123456")
BCAST = b"\xff" * 6


def _arp(op: int, sender_ip: bytes) -> bytes:
    return _frame(BCAST, RAW, 0x0806, struct.pack("!HHBBH", 1, 0x800, 6, 4, op) + RAW
                  + sender_ip + b"\0" * 6 + bytes([10, 0, 0, 1]))


def _dhcp_ack(yiaddr: bytes, server: bytes) -> bytes:
    bootp = bytearray(240)
    bootp[0] = 2
    bootp[16:20] = yiaddr
    bootp[28:34] = RAW
    bootp[236:240] = b"\x63\x82\x53\x63"
    bootp += bytes([53, 1, 5, 255])
    udp = struct.pack("!HHHH", 67, 68, 8 + len(bootp), 0) + bytes(bootp)
    ip = bytes([0x45, 0]) + struct.pack("!H", 20 + len(udp)) + bytes(4) + bytes([64, 17, 0, 0])
    return _frame(RAW, b"\x02" * 6, 0x0800, ip + server + b"\xff" * 4 + udp)


def test_learner_reads_arp_ipv4_and_dhcp() -> None:
    assert learn.address_in(_arp(1, bytes([10, 0, 0, 9])), MAC, "any") == "10.0.0.9"
    assert learn.address_in(_arp(1, bytes(4)), MAC, "any") is None        # probe
    assert learn.address_in(_arp(1, bytes([10, 0, 0, 9])), MAC, "dhcp") is None
    assert learn.address_in(_arp(1, bytes([10, 0, 0, 9])), "52:54:00:00:00:01", "any") is None
    ack = _dhcp_ack(bytes([10, 0, 0, 42]), bytes([10, 0, 0, 254]))
    assert learn.address_in(ack, MAC, "dhcp") == "10.0.0.42"
    assert learn.address_in(ack, MAC, "dhcp", ["10.0.0.254"]) == "10.0.0.42"
    assert learn.address_in(ack, MAC, "dhcp", ["10.0.0.1"]) is None
    ip = bytes([0x45, 0, 0, 20]) + bytes(5) + bytes([6, 0, 0]) + bytes([10, 0, 0, 7]) + bytes(4)
    assert learn.address_in(_frame(BCAST, RAW, 0x0800, ip + bytes(20)), MAC, "any") == "10.0.0.7"


def test_learning_tables() -> None:
    any_ = rules.learning(_binding("t", {}))
    assert "add rule bridge pyvirt_nwf_pvv0 from_vm ether saddr != 52:54:00:12:34:56 drop" \
        in any_
    dhcp = rules.learning(_binding("t", {"CTRL_IP_LEARNING": ["dhcp"],
                                         "DHCPSERVER": ["10.0.0.254"]}))
    assert ("add rule bridge pyvirt_nwf_pvv0 to_vm ip saddr { 10.0.0.254 } udp sport 67 "
            "udp dport 68 accept") in dhcp
    with pytest.raises(libvirtError, match="CTRL_IP_LEARNING"):
        rules.learn_mode(_binding("t", {"CTRL_IP_LEARNING": ["sometimes"]}))


# iptables options -> the nft words pyvirt writes for them
_IPTABLES_WORDS = {"-s": "ip saddr {}", "-d": "ip daddr {}", "--sport": "th sport {}",
                   "--dport": "th dport {}", "--ctstate": "ct state {}",
                   "--ctdir": "ct direction {}", "--mac-source": "ether saddr {}",
                   "--icmp-type": "icmp type {}"}


def _iptables_words(line: str) -> list[str]:
    """The matches of one of libvirt's iptables rules in pyvirt's nft words."""
    argv = line.split()[2:]
    return [_IPTABLES_WORDS[opt].format(value.removesuffix("/32").lower())
            for opt, value in zip(argv, [*argv[1:], ""], strict=True) if opt in _IPTABLES_WORDS]


def test_layer3_rules_as_libvirts_iptables_rules() -> None:
    """A filter of every direction/statematch/state case: pyvirt's inet rules are libvirt
    9.0's iptables rules (captured: tests/data/nwfilter/statematch.iptables), one for one,
    in the same chains (FI-: from the port, FO-: to it) and order."""
    data = ROOT / "tests" / "data" / "nwfilter"
    flt = NWFilterDef.parse((data / "statematch.xml").read_text())
    lines = rules.ruleset(_binding(flt.name, {}), {flt.name: flt}.get, index=7)
    ours = {base: [line.split(" ", 5)[5] for line in lines
                   if line.startswith(f"add rule inet pyvirt_nwf_pvv0 {base} ")]
            for base in ("from_vm", "to_vm")}
    libvirt: dict[str, list[str]] = {"from_vm": [], "to_vm": []}
    for line in (data / "statematch.iptables").read_text().splitlines()[1:]:
        libvirt["from_vm" if line.startswith("-A FI-") else "to_vm"].append(line)
    for base in ("from_vm", "to_vm"):
        assert len(ours[base]) == len(libvirt[base])
        for mine, theirs in zip(ours[base], libvirt[base], strict=True):
            words = _iptables_words(theirs)
            assert all(w in mine for w in words), (mine, theirs)
            # and nothing more of state or direction than libvirt has
            assert mine.count("ct ") == sum(w.startswith("ct ") for w in words), (mine, theirs)
            assert ("ether saddr" in mine) == ("--mac-source" in theirs)


@NEEDS
def test_bridge_netfilter_turned_on_for_ip_rules() -> None:
    """As libvirt, binding IP rules turns bridge-nf-call-iptables/ip6tables on (in the
    namespace, where a test turned them off); the tables go with the binding."""
    code = ("import subprocess\n"
            "from pyvirt.conf.nwfilter import NWFilterBindingDef, NWFilterDef\n"
            "from pyvirt.drivers.nwfilter import rules\n"
            "for w in ('iptables', 'ip6tables'):\n"
            "    open(rules.BRIDGE_NF.format(w), 'w').write('0')\n"
            "subprocess.run(['ip', 'link', 'add', 'pvv0', 'type', 'veth', 'peer', 'name',"
            " 'pvv1'], check=True)\n"
            "d = NWFilterDef.parse(\"<filter name='t'><rule action='drop' direction='in'>"
            "<tcp dstportstart='1'/></rule></filter>\")\n"
            f"b = NWFilterBindingDef.parse({BINDING.format(name='t', params='')!r})\n"
            "rules.apply(b, {'t': d}.get)\n"
            "print([open(rules.BRIDGE_NF.format(w)).read().strip()"
            " for w in ('iptables', 'ip6tables')])\n"
            "rules.remove('pvv0')\n"
            "print(subprocess.run(['nft', 'list', 'tables'], capture_output=True,"
            " text=True).stdout.strip() or 'none')\n")
    ns = "pvtest-nwfbrnf"
    subprocess.run(["ip", "netns", "add", ns], check=True)
    try:
        res = subprocess.run(["ip", "netns", "exec", ns, sys.executable, "-c", code],
                             capture_output=True, text=True, check=False)
    finally:
        subprocess.run(["ip", "netns", "del", ns], check=False)
    assert res.returncode == 0, res.stderr[-2000:]
    assert res.stdout.splitlines() == ["['1', '1']", "none"]
