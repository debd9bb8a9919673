"""The same filter on the same port under libvirt 9.0 and under pyvirt: the same traffic
passes and the same is dropped.

Three network namespaces: ``h`` holds a bridge with two veth ports, the filtered
``pvv0`` (its peer, the "guest", in namespace ``c``: MAC 52:54:00:12:34:56,
address 10.89.0.50 and a spoofed 10.89.0.77) and an unfiltered one to a
"server" in namespace ``s`` (10.89.0.1).  Debian's libvirtd runs in ``h``
(tests/daemon/daemons.py, its own mount namespace: ebtables/iptables, which
are Debian's nft-based ones, write there) and gets the filter and a binding
through real ``virsh`` (``nwfilter-define``, ``nwfilter-binding-create``);
then pyvirt's driver does the same in ``h`` (nft tables).  Each time the
guest pings the server from its own and a spoofed address, opens TCP
connections to an allowed, a refused and a statelessly allowed port (libvirt
mirrors a statematch='false' rule for the replies) over IPv4 and to an
allowed and a refused one over IPv6, asks a UDP echo, sends raw frames of
a refused and another ethertype, and the server pings the guest
and connects to two of its ports, one let in; all with real packets.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import daemons  # tests/daemon/daemons.py
import pytest
from netns import NEEDS, namespace, run

pytestmark = [NEEDS, pytest.mark.slow, pytest.mark.timeout(240),
              pytest.mark.skipif(daemons.libvirtd_available() is not None,
                                 reason=str(daemons.libvirtd_available()))]

STOCK = Path(__file__).resolve().parents[3] / "pyvirt" / "drivers" / "nwfilter" / "stock"
MAC = "52:54:00:12:34:56"
FILTER = """<filter name='pv-side' chain='root'>
  <uuid>6a3b1f7c-2d4e-4f60-8a9b-0c1d2e3f4a5b</uuid>
  <filterref filter='no-mac-spoofing'/>
  <filterref filter='no-ip-spoofing'/>
  <filterref filter='no-arp-spoofing'/>
  <rule action='accept' direction='inout' priority='400'>
    <icmpv6/>
  </rule>
  <rule action='accept' direction='out' priority='500'>
    <tcp-ipv6 dstportstart='2222'/>
  </rule>
  <rule action='drop' direction='inout' priority='600'>
    <all-ipv6/>
  </rule>
  <rule action='drop' direction='out' priority='500'>
    <mac protocolid='0x88b5'/>
  </rule>
  <rule action='accept' direction='out' priority='500'>
    <tcp dstipaddr='10.89.0.1' dstportstart='2222'/>
  </rule>
  <rule action='accept' direction='out' priority='500'>
    <icmp/>
  </rule>
  <rule action='accept' direction='in' priority='500'>
    <tcp dstportstart='8080'/>
  </rule>
  <rule action='accept' direction='out' priority='500'>
    <udp dstportstart='5353'/>
  </rule>
  <rule action='accept' direction='out' priority='500' statematch='false'>
    <tcp dstportstart='2224'/>
  </rule>
  <rule action='drop' direction='inout' priority='600'>
    <all/>
  </rule>
</filter>
"""
BINDING = f"""<filterbinding>
  <owner><name>guest1</name><uuid>0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0</uuid></owner>
  <portdev name='pvv0'/>
  <mac address='{MAC}'/>
  <filterref filter='pv-side'>
    <parameter name='IP' value='10.89.0.50'/>
  </filterref>
</filterbinding>
"""
# A server answering on its TCP ports and echoing on UDP port 5353 (run in a
# namespace, killed at the end).
LISTEN = textwrap.dedent("""
    import socket, sys, threading
    def serve(port):
        s = socket.socket(socket.AF_INET6)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        s.bind(("::", port))
        s.listen(8)
        while True:
            s.accept()[0].close()
    def echo():
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        u.bind(("0.0.0.0", 5353))
        while True:
            data, peer = u.recvfrom(100)
            u.sendto(data, peer)
    for p in sys.argv[1:]:
        threading.Thread(target=serve, args=(int(p),), daemon=True).start()
    threading.Thread(target=echo, daemon=True).start()
    print("up", flush=True)
    sys.stdin.read()
""")
CONNECT = ("import socket, sys\n"
           "try:\n"
           "    socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=1).close()\n"
           "except OSError:\n"
           "    sys.exit(1)\n")
ASK_UDP = ("import socket, sys\n"
           "u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
           "u.settimeout(1)\n"
           "u.sendto(b'hi', (sys.argv[1], 5353))\n"
           "try:\n"
           "    u.recvfrom(100)\n"
           "except OSError:\n"
           "    sys.exit(1)\n")


# Receive (in the server's namespace) one raw frame of an ethertype; exit 0 if it came.
RECEIVE = ("import socket, sys\n"
           "s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))\n"
           "s.bind(('pvs1', 0))\n"
           "s.settimeout(1.5)\n"
           "print('up', flush=True)\n"
           "try:\n"
           "    while s.recv(2048)[12:16] != bytes.fromhex(sys.argv[1]) + b'pv':\n"
           "        pass\n"
           "except OSError:\n"
           "    sys.exit(1)\n")
# Send (from the guest) a broadcast frame of an ethertype.
SEND = ("import socket, sys\n"
        "s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)\n"
        "s.bind(('pvv1', 0))\n"
        "mac = open('/sys/class/net/pvv1/address').read().strip()\n"
        "s.send(b'\\xff' * 6 + bytes.fromhex(mac.replace(':', '')) + "
        "bytes.fromhex(sys.argv[1]) + b'pv' + bytes(44))\n")


def _frame_passes(c: str, s: str, ethertype: str) -> bool:
    """Whether a raw frame of ``ethertype`` (hex) from the guest reaches the server."""
    recv = subprocess.Popen(["ip", "netns", "exec", s, sys.executable, "-c", RECEIVE,
                             ethertype], stdout=subprocess.PIPE, text=True)
    try:
        assert recv.stdout is not None and recv.stdout.readline().strip() == "up"
        assert _ok(c, sys.executable, "-c", SEND, ethertype)
        return recv.wait(10) == 0
    finally:
        recv.kill()
        recv.wait()


def _sh(*argv: str) -> None:
    subprocess.run(argv, check=True, capture_output=True)


def _ok(ns: str, *argv: str) -> bool:
    return subprocess.run(["ip", "netns", "exec", ns, *argv], capture_output=True,
                          timeout=30, check=False).returncode == 0


@contextmanager
def _topology(h: str) -> Iterator[tuple[str, str]]:
    """Namespace h (the bridge) wired to new ones c (guest) and s (server), with the
    listeners started."""
    with ExitStack() as stack:
        c, s = (stack.enter_context(namespace(t)) for t in ("c", "s"))
        _sh("ip", "-n", h, "link", "add", "pvbr0", "type", "bridge", "stp_state", "0",
            "forward_delay", "0")
        _sh("ip", "-n", h, "link", "add", "pvv0", "type", "veth", "peer", "name", "pvv1",
            "netns", c)
        _sh("ip", "-n", h, "link", "add", "pvs0", "type", "veth", "peer", "name", "pvs1",
            "netns", s)
        for port in ("pvv0", "pvs0"):
            _sh("ip", "-n", h, "link", "set", port, "master", "pvbr0", "up")
        _sh("ip", "-n", h, "link", "set", "pvbr0", "up")
        _sh("ip", "-n", c, "link", "set", "pvv1", "address", MAC)
        for ns, dev, addrs in ((c, "pvv1", ("10.89.0.50/24", "10.89.0.77/24", "fd00:89::50/64")),
                               (s, "pvs1", ("10.89.0.1/24", "fd00:89::1/64"))):
            for addr in addrs:
                _sh("ip", "-n", ns, "addr", "add", addr, "dev", dev,
                    *(["nodad"] if ":" in addr else []))
            _sh("ip", "-n", ns, "link", "set", dev, "up")
        for ns, ports in ((s, ("2222", "2223", "2224")), (c, ("8080", "8081"))):
            proc = subprocess.Popen(["ip", "netns", "exec", ns, sys.executable, "-c", LISTEN,
                                     *ports], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                    text=True)
            stack.callback(proc.wait)
            stack.callback(proc.kill)
            assert proc.stdout is not None and proc.stdout.readline().strip() == "up"
        yield c, s


def _traffic(c: str, s: str) -> dict[str, bool]:
    """What gets through the guest's port."""
    def ping(src: str) -> bool:
        return _ok(c, "busybox", "ping", "-c", "1", "-W", "1", "-I", src, "10.89.0.1")

    return {
        "ping": ping("10.89.0.50"),
        "ping spoofed": ping("10.89.0.77"),
        "ping in": _ok(s, "busybox", "ping", "-c", "1", "-W", "1", "10.89.0.50"),
        "udp out with reply": _ok(c, sys.executable, "-c", ASK_UDP, "10.89.0.1"),
        "tcp out stateless": _ok(c, sys.executable, "-c", CONNECT, "10.89.0.1", "2224"),
        "tcp out allowed": _ok(c, sys.executable, "-c", CONNECT, "10.89.0.1", "2222"),
        "tcp out refused": _ok(c, sys.executable, "-c", CONNECT, "10.89.0.1", "2223"),
        "tcp6 out allowed": _ok(c, sys.executable, "-c", CONNECT, "fd00:89::1", "2222"),
        "tcp6 out refused": _ok(c, sys.executable, "-c", CONNECT, "fd00:89::1", "2223"),
        "tcp in allowed": _ok(s, sys.executable, "-c", CONNECT, "10.89.0.50", "8080"),
        "tcp in refused": _ok(s, sys.executable, "-c", CONNECT, "10.89.0.50", "8081"),
        "frame 0x88b5": _frame_passes(c, s, "88b5"),
        "frame 0x88b6": _frame_passes(c, s, "88b6"),
    }


def _under_libvirt(tmp: Path, h: str, c: str, s: str) -> tuple[dict, dict, dict]:
    daemon = daemons.start_libvirtd(tmp / "libvirtd", netns=h)
    try:
        uri = daemon.uri(driver="qemu", path="/system")
        (tmp / "filter.xml").write_text(FILTER)
        (tmp / "binding.xml").write_text(BINDING)
        # its private /etc/libvirt has no stock filters: Debian's files (pyvirt's copy)
        for path in [*sorted(STOCK.glob("*.xml")), tmp / "filter.xml"]:
            res = daemon.virsh("nwfilter-define", str(path), uri=uri)
            assert res.returncode == 0, res.stderr
        before = _traffic(c, s)
        res = daemon.virsh("nwfilter-binding-create", str(tmp / "binding.xml"), uri=uri)
        assert res.returncode == 0, res.stderr
        during = _traffic(c, s)
        res = daemon.virsh("nwfilter-binding-delete", "pvv0", uri=uri)
        assert res.returncode == 0, res.stderr
        after = _traffic(c, s)
    finally:
        daemon.stop()
    return before, during, after


PYVIRT = """
c = pyvirt.open(URI)
c.nwfilterDefineXML(FILTER)
b = c.nwfilterBindingCreateXML(BINDING, 0)
mine = lambda: [t for t in tables() if t.startswith("pyvirt")]   # (libvirt's stay)
OUT["tables"] = mine()
print("ready", flush=True)
sys.stdin.readline()
b.delete()
OUT["left"] = mine()
"""


def test_same_traffic_passes_as_under_libvirt(netns: str, tmp_path: Path) -> None:
    h = netns
    with _topology(h) as (c, s):
        lv_before, lv_during, lv_after = _under_libvirt(tmp_path, h, c, s)
        seen: dict[str, dict[str, bool]] = {}
        out = run(h, tmp_path / "pyvirt", f"FILTER = {FILTER!r}\nBINDING = {BINDING!r}\n"
                  + PYVIRT, pause=lambda: seen.update(during=_traffic(c, s)))
        pv_after = _traffic(c, s)
    everything = dict.fromkeys(lv_before, True)
    assert lv_before == everything and lv_after == everything    # unfiltered port
    assert lv_during == {"ping": True, "ping spoofed": False, "ping in": False,
                         "udp out with reply": True, "tcp out stateless": True,
                         "tcp out allowed": True, "tcp out refused": False,
                         "tcp6 out allowed": True, "tcp6 out refused": False,
                         "tcp in allowed": True, "tcp in refused": False,
                         "frame 0x88b5": False, "frame 0x88b6": True}
    assert seen["during"] == lv_during
    assert pv_after == everything
    assert out["tables"] == ["pyvirt_nwf_pvv0", "pyvirt_nwf_pvv0"]   # bridge and inet
    assert out["left"] == []


LEARN_BINDING = BINDING.replace("pv-side", "clean-traffic").replace(
    "<parameter name='IP' value='10.89.0.50'/>", "")


def _learned(c: str) -> dict[str, bool]:
    """The guest talks from 10.89.0.77 first: that address is learned, 10.89.0.50 is
    then spoofed.  libvirt loads the learned address's rules a second or so later on a
    quiet machine and much later on a busy one (its rules are many firewall commands),
    so the spoofed address is tried until it stops passing, up to a generous deadline
    (60 s): "other address" is True only if it still passed then."""
    def ping(src: str) -> bool:
        return _ok(c, "busybox", "ping", "-c", "1", "-W", "1", "-I", src, "10.89.0.1")

    first = any(ping("10.89.0.77") for _ in range(5))
    # keep talking from the first address for a while: libvirt's learning thread
    # may start listening only after the first packets (on a busy machine it then
    # learned the spoofed address instead)
    end = time.monotonic() + 2.0
    while time.monotonic() < end:
        ping("10.89.0.77")
        time.sleep(0.2)
    end = time.monotonic() + 60.0
    other = ping("10.89.0.50")
    while other and time.monotonic() < end:
        time.sleep(0.5)
        other = ping("10.89.0.50")
    return {"first address": first, "other address": other,
            "first address still": ping("10.89.0.77")}


PYVIRT_LEARN = """
c = pyvirt.open(URI)
b = c.nwfilterBindingCreateXML(BINDING, 0)
print("ready", flush=True)
sys.stdin.readline()
b.delete()
OUT["left"] = [t for t in tables() if t.startswith("pyvirt")]
"""


def test_address_learned_as_under_libvirt(netns: str, tmp_path: Path) -> None:
    """CTRL_IP_LEARNING's default (any): the first ARP/IPv4 packet tells the port's
    address under both."""
    h = netns
    with _topology(h) as (c, _s):
        daemon = daemons.start_libvirtd(tmp_path / "libvirtd", netns=h)
        try:
            uri = daemon.uri(driver="qemu", path="/system")
            for path in sorted(STOCK.glob("*.xml")):
                daemon.virsh("nwfilter-define", str(path), uri=uri)
            (tmp_path / "binding.xml").write_text(LEARN_BINDING)
            daemon.virsh("nwfilter-binding-create", str(tmp_path / "binding.xml"), uri=uri)
            libvirt = _learned(c)
            daemon.virsh("nwfilter-binding-delete", "pvv0", uri=uri)
        finally:
            daemon.stop()
        seen: dict[str, dict[str, bool]] = {}
        out = run(h, tmp_path / "pyvirt", f"BINDING = {LEARN_BINDING!r}\n" + PYVIRT_LEARN,
                  pause=lambda: seen.update(pyvirt=_learned(c)))
    assert libvirt == {"first address": True, "other address": False,
                       "first address still": True}
    assert seen["pyvirt"] == libvirt
    assert out["left"] == []
