"""NAT, routed and isolated networks side by side with Debian's libvirtd 9.0.

libvirtd runs in the test's network namespace and a private mount namespace
(:func:`test_network_vs_libvirt.private_libvirtd`; libvirt 9.0 writes its
NAT/route/isolation rules with ``iptables``, which stay in that namespace).
Three networks, one per mode, are started by libvirt, a DHCP client
(busybox udhcpc in a namespace of its own, behind a veth on the bridge)
takes a lease on each, and the same is then done with pyvirt: the live
``net-dumpxml``, the dnsmasq configuration (libvirt's paths put in) and the
``net-dhcp-leases`` lines (expiry times left out) must be libvirt's.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from netns import NEEDS, namespace, run
from test_network_vs_libvirt import private_libvirtd
from waiting import nonblank, wait_until

from pyvirt.conf.network import NetworkDef
from pyvirt.drivers.network import dnsmasq

pytestmark = [NEEDS, pytest.mark.timeout(300), pytest.mark.slow,
              pytest.mark.skipif(not (shutil.which("virsh") and shutil.which("libvirtd")
                                      and shutil.which("iptables")),
                                 reason="needs Debian's libvirtd, virsh and iptables")]

MODES = {"nat": "<forward mode='nat'/>", "route": "<forward mode='route'/>", "iso": ""}


def _net(i: int, mode: str) -> str:
    return (f"<network><name>m_{mode}</name><uuid>4b2e6a53-5f0e-4b55-9d1a-3c7b0a6c9f{i:02d}"
            f"</uuid>{MODES[mode]}<bridge name='pvbr1{i}'/><mac address='52:54:00:11:00:{i:02d}'/>"
            f"<ip address='10.6{i}.0.1' netmask='255.255.255.0'><dhcp>"
            f"<range start='10.6{i}.0.10' end='10.6{i}.0.20'/>"
            f"<host mac='52:54:00:6{i}:00:05' name='cl{i}' ip='10.6{i}.0.5'/>"
            "</dhcp></ip></network>")


NETS = {mode: _net(i, mode) for i, mode in enumerate(MODES, 1)}


def _plug_clients(ns: str, clients: dict[str, str]) -> None:
    """A veth from each network's bridge to its client namespace; udhcpc there, all at
    once."""
    procs = []
    for i, mode in enumerate(MODES, 1):
        cns = clients[mode]
        for argv in (["link", "add", f"pvc{i}", "type", "veth", "peer", "name", f"pvd{i}"],
                     ["link", "set", f"pvc{i}", "master", f"pvbr1{i}", "up"],
                     ["link", "set", f"pvd{i}", "address", f"52:54:00:6{i}:00:05",
                      "netns", cns]):
            subprocess.run(["ip", "-n", ns, *argv], check=True)
        procs.append(subprocess.Popen(
            ["ip", "netns", "exec", cns, "sh", "-c", (f"ip link set pvd{i} up && busybox udhcpc "
             f"-i pvd{i} -n -q -t 30 -T 1 -s /bin/true -x hostname:client{i}")],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True))
    for p in procs:
        out = p.communicate(timeout=60)[0]
        assert p.returncode == 0, out


def _unplug_clients(ns: str) -> None:
    for i in range(1, len(MODES) + 1):
        subprocess.run(["ip", "-n", ns, "link", "del", f"pvc{i}"], check=False)


def _leases(text: str) -> list[str]:
    """``net-dhcp-leases`` rows without the expiry time, blanks squeezed."""
    return [" ".join(line.split()[2:]) for line in text.splitlines() if line.strip()]


def _libvirt_side(ns: str, work: Path, clients: dict[str, str]) -> dict:
    out: dict = {}
    with private_libvirtd(ns, work) as (virsh, pid):
        for mode, xml in NETS.items():
            (work / f"{mode}.xml").write_text(xml)
            virsh("net-create", str(work / f"{mode}.xml"))
        _plug_clients(ns, clients)
        for mode in MODES:
            name = f"m_{mode}"
            out[f"{mode}.xml"] = virsh("net-dumpxml", name)
            out[f"{mode}.conf"] = Path(f"/proc/{pid}/root/var/lib/libvirt/dnsmasq/"
                                       f"{name}.conf").read_text()
            out[f"{mode}.leases"] = _leases(wait_until(
                lambda n=name: nonblank(virsh("net-dhcp-leases", n)), what=f"{name}'s lease"))
        _unplug_clients(ns)
        for mode in MODES:
            virsh("net-destroy", f"m_{mode}")
    return out


PYVIRT_SIDE = """
c = pyvirt.open(URI)
c.networkLookupByName("default").undefine()
for xml in NETS.values():
    c.networkCreateXML(xml)
for mode in NETS:
    OUT[mode + ".xml"] = c.networkLookupByName("m_" + mode).XMLDesc(0)
c.close()
print("ready", flush=True)
sys.stdin.readline()          # the clients have their leases
for mode in NETS:
    def leases(mode=mode):
        text = pyvirsh("net-dhcp-leases", "m_" + mode)
        return text if text.strip() else ""
    OUT[mode + ".leases"] = until(leases)
c = pyvirt.open(URI)
for mode in NETS:
    c.networkLookupByName("m_" + mode).destroy()
# (the clients' veths are the test's; libvirt's iptables tables stay in the namespace)
OUT["after"] = [[l for l in links() if l.startswith("pvbr")],
                [t for t in tables() if t.startswith("pyvirt")], dnsmasqs()]
"""


def test_nat_route_isolated_as_libvirt(netns: str, tmp_path: Path) -> None:
    with namespace("c1") as c1, namespace("c2") as c2, namespace("c3") as c3:
        clients = dict(zip(MODES, (c1, c2, c3), strict=True))
        want = _libvirt_side(netns, tmp_path / "libvirt", clients)
        assert not subprocess.run(["ip", "-n", netns, "-br", "link"], capture_output=True,
                                  text=True, check=True).stdout.count("pvbr1")
        # pyvirt: the script stops once the networks run; the clients are plugged then
        code = f"NETS = {NETS!r}\n" + PYVIRT_SIDE
        got = run(netns, tmp_path / "pyvirt", code, pause=lambda: _plug_clients(netns, clients))
        _unplug_clients(netns)
    for mode in MODES:
        assert got[f"{mode}.xml"] == want[f"{mode}.xml"], mode
        assert _leases(got[f"{mode}.leases"]) == want[f"{mode}.leases"], mode
        assert len(want[f"{mode}.leases"]) == 1
        # the configuration with libvirt's paths: option by option, in libvirt's order
        def_ = NetworkDef.parse(got[f"{mode}.xml"])
        name = f"m_{mode}"
        files = dnsmasq.DnsmasqFiles(f"/var/lib/libvirt/dnsmasq/{name}.conf",
                                     f"/var/lib/libvirt/dnsmasq/{name}.hostsfile",
                                     f"/var/lib/libvirt/dnsmasq/{name}.addnhosts", None,
                                     f"/run/libvirt/network/{name}.pid")
        assert dnsmasq.conf_text(def_, files) == want[f"{mode}.conf"], mode
    assert re.search(r"52:54:00:61:00:05\s+ipv4\s+10\.61\.0\.5/24\s+cl1\s",
                     " ".join(want["nat.leases"]))
    assert got["after"] == [[], [], []]
