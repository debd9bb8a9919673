"""Tiny TCG guests on virtual networks, inside a network namespace: the guest side.

Two guests boot at once (the test guest's ``net`` part, tools/guest.d/net.sh,
runs busybox udhcpc and the checks the kernel command line asks for):

- on a NAT network, with ``clean-traffic`` on its interface: it gets its
  static DHCP address, pings the gateway, resolves a DNS host entry through
  dnsmasq, reaches a "remote" address in a second namespace (which has no
  route back: only NAT makes the reply come back), and a ping from a source
  address it was not given is dropped;
- on an isolated network: it gets an address (no router) and pings the
  host, and cannot reach the remote address even when it routes through
  the host.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from netns import NEEDS, namespace, run
from test_network_root import NAT, _guest_dir

pytestmark = [NEEDS, pytest.mark.timeout(300), pytest.mark.slow]

ISOLATED = """<network><name>iso</name><bridge name='pvbr4'/>
<ip address='10.79.0.1' prefix='24'><dhcp><range start='10.79.0.10' end='10.79.0.20'/>
</dhcp></ip></network>"""


def _domain(name: str, guest: str, net: str, mac: str, console: str, extra: str,
            filterref: str = "") -> str:
    return f"""<domain type='qemu'><name>{name}</name><memory unit='MiB'>96</memory>
      <vcpu>1</vcpu><os><type arch='x86_64' machine='pc'>hvm</type>
      <kernel>{guest}/vmlinuz</kernel><initrd>{guest}/initrd.img</initrd>
      <cmdline>console=ttyS0 quiet panic=-1 {extra}</cmdline></os><features><acpi/></features>
      <devices><interface type='network'><source network='{net}'/>
      <mac address='{mac}'/><model type='virtio'/>{filterref}</interface>
      <serial type='file'><source path='{console}'/></serial></devices></domain>"""


SCRIPT = """
sh("ip", "link", "add", "pvr0", "type", "veth", "peer", "name", "pvr1")
sh("ip", "addr", "add", "203.0.113.1/24", "dev", "pvr0")
sh("ip", "link", "set", "pvr0", "up")
sh("ip", "link", "set", "pvr1", "netns", REMOTE)
sh("ip", "netns", "exec", REMOTE, "sh", "-c",
   "ip addr add 203.0.113.2/24 dev pvr1 && ip link set pvr1 up")
c = pyvirt.open(URI)
c.networkCreateXML(NAT)
c.networkCreateXML(ISOLATED)
doms = [c.createXML(DOM_NAT, 0), c.createXML(DOM_ISO, 0)]
consoles = [ROOT + "/nat.log", ROOT + "/iso.log"]
deadline = time.monotonic() + 120
texts = ["", ""]
while time.monotonic() < deadline:
    texts = [open(p, errors="replace").read() if os.path.exists(p) else "" for p in consoles]
    if all("PYVIRT-GUEST-NET-DONE" in t for t in texts):
        break
    time.sleep(0.2)
OUT["consoles"] = [[l.strip() for l in t.splitlines() if "PYVIRT-GUEST-" in l and
                    "TICK" not in l and "ECHO" not in l] for t in texts]
OUT["leases"] = [[l["ipaddr"], l["mac"], l["hostname"]]
                 for l in c.networkLookupByName("n1").DHCPLeases()]
for d in doms:
    d.destroy()
for n in ("n1", "iso"):
    c.networkLookupByName(n).destroy()
sh("ip", "link", "del", "pvr0")
OUT["after"] = [sorted(links()), tables(), dnsmasqs()]
c.close()
"""


def test_guests_on_nat_and_isolated_networks(netns: str, tmp_path: Path) -> None:
    guest = _guest_dir()
    root = tmp_path / "root"
    checks = "pyvirt.dns=nine pyvirt.remote=203.0.113.2"
    nat = _domain("gnat", guest, "n1", "52:54:00:00:00:42", f"{root}/nat.log",
                  checks + " pyvirt.spoof=10.77.0.99",
                  "<filterref filter='clean-traffic'>"
                  "<parameter name='IP' value='10.77.0.42'/></filterref>")
    iso = _domain("giso", guest, "iso", "52:54:00:00:00:43", f"{root}/iso.log", checks)
    with namespace("r") as remote:
        out = run(netns, root, f"NAT = {NAT!r}\nISOLATED = {ISOLATED!r}\nREMOTE = {remote!r}\n"
                  f"DOM_NAT = {nat!r}\nDOM_ISO = {iso!r}\n" + SCRIPT, timeout=240)
    nat_lines, iso_lines = out["consoles"]
    assert "PYVIRT-GUEST-IP 10.77.0.42/24 10.77.0.1 10.77.0.1" in nat_lines, nat_lines
    assert "PYVIRT-GUEST-GW ok" in nat_lines
    assert "PYVIRT-GUEST-DNS nine 10.77.0.9" in nat_lines
    assert "PYVIRT-GUEST-REMOTE ok" in nat_lines              # through NAT
    assert "PYVIRT-GUEST-SPOOF fail" in nat_lines             # clean-traffic dropped it
    assert out["leases"] == [["10.77.0.42", "52:54:00:00:00:42", "fixed"]]   # its static host
    iso_ip = next(line for line in iso_lines if line.startswith("PYVIRT-GUEST-IP "))
    assert iso_ip.split()[1].startswith("10.79.0.") and iso_ip.endswith(" - 10.79.0.1")
    assert "PYVIRT-GUEST-HOST ok" in iso_lines                # no router, the host only
    assert "PYVIRT-GUEST-REMOTE fail" in iso_lines            # isolated: nothing beyond
    assert out["after"] == [["lo"], [], []]
    assert not os.path.exists(root / "run" / "nwfilter-binding" / "vnet0.xml")
