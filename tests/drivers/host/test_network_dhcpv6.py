"""DHCPv6 leases side by side with Debian's libvirtd 9.0.

One ``open`` network serving DHCP on IPv4 and IPv6 is started by libvirtd
(in the test's network namespace and a private mount namespace), then by
pyvirt.  Each time a client namespace behind a veth on the bridge takes an
IPv4 lease (busybox udhcpc) and a DHCPv6 one (ISC ``dhclient -6``, with the
same DUID both times: its lease file is kept).  ``net-dhcp-leases`` (all,
and ``--mac``) must print libvirt's rows, expiry times left out; the
DHCPv6 row carries the MAC dnsmasq learnt (libvirt's leaseshelper, pyvirt's
lease script), the client's DUID and its IAID.  A guest whose NIC has the
client's MAC gets both addresses from ``domifaddr --source lease``.
pyvirt's client then releases its address: the lease goes from the list.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from netns import NEEDS, namespace, run
from test_network_root import _guest_dir, guest_domain
from test_network_vs_libvirt import private_libvirtd
from waiting import DEADLINE

pytestmark = [NEEDS, pytest.mark.timeout(300), pytest.mark.slow,
              pytest.mark.skipif(not (shutil.which("virsh") and shutil.which("libvirtd")
                                      and shutil.which("dhclient")),
                                 reason="needs Debian's libvirtd, virsh and dhclient")]

MAC = "52:54:00:6e:00:07"
NET = ("<network><name>v6</name><uuid>4b2e6a53-5f0e-4b55-9d1a-3c7b0a6c9f61</uuid>"
       "<forward mode='open'/><bridge name='pvbr16'/><mac address='52:54:00:11:00:61'/>"
       "<ip address='10.66.0.1' prefix='24'><dhcp><range start='10.66.0.10' "
       "end='10.66.0.20'/></dhcp></ip>"
       "<ip family='ipv6' address='fd00:66::1' prefix='64'><dhcp>"
       "<range start='fd00:66::100' end='fd00:66::1ff'/></dhcp></ip></network>")


def _client(ns: str, client: str, work: Path) -> None:
    """A veth from the bridge into ``client``; an IPv4 and a DHCPv6 lease taken there."""
    for argv in (["link", "add", "pvc16", "type", "veth", "peer", "name", "pvd16"],
                 ["link", "set", "pvc16", "master", "pvbr16", "up"],
                 ["link", "set", "pvd16", "address", MAC, "netns", client]):
        subprocess.run(["ip", "-n", ns, *argv], check=True)
    (work / "dhclient.conf").write_text('send fqdn.fqdn "client6";\n')
    script = ("sysctl -qw net.ipv6.conf.pvd16.accept_dad=0 && ip link set pvd16 up && "
              "busybox udhcpc -i pvd16 -n -q -t 30 -T 1 -s /bin/true -x hostname:client4 && "
              f"dhclient -6 -1 -sf /bin/true -cf {work}/dhclient.conf "
              f"-lf {work}/dhclient6.leases -pf {work}/dhclient6.pid pvd16")
    res = subprocess.run(["ip", "netns", "exec", client, "sh", "-c", script],
                         capture_output=True, text=True, timeout=90, check=False)
    assert res.returncode == 0, res.stdout + res.stderr


def _stop(client: str, work: Path, how: str) -> list[str]:
    """The argv that stops the DHCPv6 client: ``-r`` gives its address back, ``-x`` not."""
    return ["ip", "netns", "exec", client, "dhclient", "-6", how, "-sf", "/bin/true",
            "-cf", f"{work}/dhclient.conf", "-lf", f"{work}/dhclient6.leases",
            "-pf", f"{work}/dhclient6.pid", "pvd16"]


def _rows(text: str) -> list[str]:
    """``net-dhcp-leases`` rows without the expiry time, blanks squeezed, sorted; the
    DHCPv6 address (dnsmasq picks one at random in the range) masked."""
    return sorted(re.sub(r"fd00:66::[0-9a-f]+/", "fd00:66::X/", " ".join(line.split()[2:]))
                  for line in text.splitlines() if line.strip())


def _fresh_client(work: Path) -> None:
    """Forget the DHCPv6 client's lease but keep its DUID (the lease file's first line)."""
    leases = work / "dhclient6.leases"
    duid = [ln for ln in leases.read_text().splitlines() if ln.startswith("default-duid")]
    leases.write_text("".join(f"{ln}\n" for ln in duid))


def _wait_rows(ask: Callable[[], str], count: int) -> str:
    """``ask()``'s text once it has ``count`` rows (or its last after a generous deadline):
    the DHCPv6 row waits for the lease script, a process dnsmasq starts."""
    deadline = time.monotonic() + DEADLINE
    while True:
        text = ask()
        if len(_rows(text)) >= count or time.monotonic() > deadline:
            return text
        time.sleep(0.1)


def _libvirt_side(ns: str, work: Path, client: str) -> dict[str, list[str]]:
    with private_libvirtd(ns, work) as (virsh, _pid):
        (work / "v6.xml").write_text(NET)
        virsh("net-create", str(work / "v6.xml"))
        _client(ns, client, work.parent)
        out = {"all": _rows(_wait_rows(lambda: virsh("net-dhcp-leases", "v6"), 2)),
               "mac": _rows(virsh("net-dhcp-leases", "v6", "--mac", MAC))}
        subprocess.run(_stop(client, work.parent, "-x"), capture_output=True, check=True)
        subprocess.run(["ip", "-n", ns, "link", "del", "pvc16"], check=True)
        _fresh_client(work.parent)
        virsh("net-destroy", "v6")
    return out


PYVIRT_SIDE = """
c = pyvirt.open(URI)
n = c.networkCreateXML(NET)
print("ready", flush=True)
sys.stdin.readline()          # the client has its leases
until(lambda: len(n.DHCPLeases()) >= 2)
c.close()                     # an embed root is driven by one process at a time
OUT["all"] = pyvirsh("net-dhcp-leases", "v6")
OUT["mac"] = pyvirsh("net-dhcp-leases", "v6", "--mac", MAC)
c = pyvirt.open(URI)
n = c.networkLookupByName("v6")
OUT["api"] = sorted(([l["type"], l["mac"], l["iaid"], l["ipaddr"], l["prefix"], l["hostname"],
                     l["clientid"]] for l in n.DHCPLeases()), key=str)
# a guest whose NIC has the client's MAC (its link down: it takes no lease of its own)
d = c.createXML(DOM, 0)
OUT["domifaddr"] = d.interfaceAddresses(C.VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_LEASE, 0)
d.destroy()
OUT["script"] = [a for a in open(f"/proc/{dnsmasqs()[0]}/cmdline").read().split("\\0")
                 if a.startswith("--dhcp-script")]
subprocess.run(RELEASE, check=True, capture_output=True)
until(lambda: [l["type"] for l in n.DHCPLeases()] == [C.VIR_IP_ADDR_TYPE_IPV4])
OUT["released"] = [l["type"] for l in n.DHCPLeases()]
n.destroy()
OUT["files"] = sorted(os.listdir(ROOT + "/run/network/dnsmasq"))
OUT["after"] = [[l for l in links() if l.startswith("pvbr")], tables(), dnsmasqs()]
"""


def test_dhcpv6_leases_as_libvirt(netns: str, tmp_path: Path) -> None:
    work = tmp_path / "client"
    work.mkdir()
    guest = _guest_dir()
    dom = guest_domain(guest, "g6", "<interface type='network'><source network='v6'/>"
                       f"<mac address='{MAC}'/><model type='virtio'/><link state='down'/>"
                       "</interface>", 64)
    with namespace("c6") as client:
        want = _libvirt_side(netns, work / "libvirt", client)
        code = (f"NET = {NET!r}\nMAC = {MAC!r}\n"
                f"RELEASE = {_stop(client, work, '-r')!r}\nDOM = {dom!r}\n" + PYVIRT_SIDE)
        got = run(netns, tmp_path / "pyvirt", code, pause=lambda: _client(netns, client, work))
        subprocess.run(["ip", "-n", netns, "link", "del", "pvc16"], check=False)
    assert len(want["all"]) == 2, want
    assert _rows(got["all"]) == want["all"]
    assert _rows(got["mac"]) == want["mac"] == want["all"]
    v6 = next(row for row in want["all"] if " ipv6 " in row)
    assert v6.startswith(f"{MAC} ipv6 fd00:66::") and "/64 client6 00:01:00:01:" in v6
    duid = v6.split()[-1]
    iaid = str(int(MAC.replace(":", "")[-8:], 16))      # dhclient's IAID: the MAC's end
    kinds = [row[0] for row in got["api"]]
    assert kinds == [0, 1]
    assert got["api"][1][1:3] == [MAC, iaid] and got["api"][1][4:] == [64, "client6", duid]
    assert got["api"][0][2] is None
    (tap, entry), = got["domifaddr"].items()
    assert tap.startswith("vnet") and entry["hwaddr"] == MAC
    assert sorted((a["type"], a["addr"], a["prefix"]) for a in entry["addrs"]) == \
        sorted((row[0], row[3], row[4]) for row in got["api"])
    assert got["script"] and got["script"][0].endswith("/v6.leasehelper")
    assert got["released"] == [0]
    assert got["files"] == []
    assert got["after"] == [[], [], []]
