"""macvtap interfaces plugged into and out of a running guest, in a network namespace.

One tiny TCG guest boots (no NIC); then, each time checked on the host side
and in the live XML:

- ``pyvirsh attach-interface --type direct`` on a veth: a macvtap
  on it with the guest's MAC, in ``vepa`` mode (libvirt's default);
- ``<interface type='direct'>`` in ``bridge`` mode through
  ``attachDeviceFlags``;
- ``<interface type='network'>`` on a network in ``private`` macvtap mode:
  a macvtap on the network's device and a network port with a ``direct`` plug;

and each detach (the guest lets go of the PCI device) removes its macvtap
(and the port).  A failed attach (no such source device) leaves nothing.
The same three plugs into a guest of Debian's libvirtd 9.0 (in the same
namespace, before) give the same live ``<interface>`` XML (``type='direct'``
for the network one, its ``<source>`` naming network, port, device and
mode), the same macvtaps and the same port XML.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest
from netns import NEEDS, run
from test_network_root import _guest_dir

from tests.daemon import daemons

pytestmark = [NEEDS, pytest.mark.timeout(300), pytest.mark.slow]

SCRIPT = r"""
def macvtaps():
    return sorted([l["ifname"], l["address"], l["linkinfo"]["info_data"]["mode"], l.get("link")]
                  for l in links().values()
                  if l.get("linkinfo", {}).get("info_kind") == "macvtap")

def iface_xml(d, mac):
    xml = d.XMLDesc(0)
    start = xml.rfind("<interface", 0, xml.index(mac))
    return xml[start:xml.index("</interface>", start) + len("</interface>")]

def plugged(key, d, xml, mac):
    # attached already (when xml is None) or now: its macvtaps and live XML, kept as KEY_*
    if xml is not None:
        d.attachDeviceFlags(xml, C.VIR_DOMAIN_AFFECT_LIVE)
    OUT[key + "_tap"] = macvtaps()
    OUT[key + "_xml"] = iface_xml(d, mac)
    return xml or OUT[key + "_xml"]

def detach(d, xml, mac):
    d.detachDeviceFlags(xml, C.VIR_DOMAIN_AFFECT_LIVE)
    deadline = time.monotonic() + 30
    while mac in d.XMLDesc(0) and time.monotonic() < deadline:
        time.sleep(0.1)
    return mac not in d.XMLDesc(0)

for dev in ("pvdm0", "pvdm1"):
    sh("ip", "link", "add", dev, "type", "veth", "peer", "name", dev.replace("m", "n"))
    sh("ip", "link", "set", dev, "up")
c = pyvirt.open(URI)
n = c.networkCreateXML("<network><name>mv</name><forward mode='private'>"
                       "<interface dev='pvdm1'/></forward></network>")
d = c.createXML(DOM, 0)
deadline = time.monotonic() + 120
while "PYVIRT-GUEST-READY" not in open(CONSOLE, errors="replace").read():
    assert time.monotonic() < deadline, "the guest did not boot"
    time.sleep(0.2)
c.close()                     # an embed root is driven by one process at a time
OUT["virsh"] = pyvirsh("attach-interface", "g1", "direct", "pvdm0", "--model", "virtio",
                       "--mac", "52:54:00:0d:00:01")
c = pyvirt.open(URI)
d = c.lookupByName("g1")
n = c.networkLookupByName("mv")
xml = plugged("virsh", d, None, "52:54:00:0d:00:01")
OUT["virsh_detached"] = detach(d, xml, "52:54:00:0d:00:01")
OUT["virsh_after"] = macvtaps()

direct = ("<interface type='direct'><source dev='pvdm0' mode='bridge'/>"
          "<mac address='52:54:00:0d:00:02'/><model type='virtio'/></interface>")
plugged("direct", d, direct, "52:54:00:0d:00:02")
OUT["missing"] = err(d.attachDeviceFlags, direct.replace("pvdm0", "pvnone").replace(
    ":02'", ":09'"), C.VIR_DOMAIN_AFFECT_LIVE)
OUT["after_missing"] = [macvtaps(), "52:54:00:0d:00:09" in d.XMLDesc(0)]
OUT["direct_detached"] = detach(d, direct, "52:54:00:0d:00:02")
OUT["direct_after"] = macvtaps()

on_net = ("<interface type='network'><source network='mv'/>"
          "<mac address='52:54:00:0d:00:03'/><model type='virtio'/></interface>")
plugged("net", d, on_net, "52:54:00:0d:00:03")
OUT["net_ports"] = [p.XMLDesc(0) for p in n.listAllPorts()]
OUT["net_detached"] = detach(d, on_net, "52:54:00:0d:00:03")
OUT["net_after"] = [macvtaps(), n.listAllPorts()]
d.destroy()
n.destroy()
for dev in ("pvdm0", "pvdm1"):
    sh("ip", "link", "del", dev)
OUT["after"] = sorted(links())
c.close()
"""


DIRECT = ("<interface type='direct'><source dev='pvdm0' mode='bridge'/>"
          "<mac address='52:54:00:0d:00:02'/><model type='virtio'/></interface>")
ON_NET = ("<interface type='network'><source network='mv'/>"
          "<mac address='52:54:00:0d:00:03'/><model type='virtio'/></interface>")
MV = ("<network><name>mv</name><forward mode='private'><interface dev='pvdm1'/></forward>"
      "</network>")


def _domain(guest: str, console: Path) -> str:
    return f"""<domain type='qemu'><name>g1</name><memory unit='MiB'>96</memory>
      <vcpu>1</vcpu><os><type arch='x86_64' machine='pc'>hvm</type>
      <kernel>{guest}/vmlinuz</kernel><initrd>{guest}/initrd.img</initrd>
      <cmdline>console=ttyS0 quiet panic=-1</cmdline></os><features><acpi/></features>
      <devices><serial type='file'><source path='{console}'/></serial></devices></domain>"""


def _iface(xml: str, mac: str) -> str:
    """The live ``<interface>`` of ``mac``, its alias, PCI address, macvtap name and port
    UUID masked (they depend on what was plugged before)."""
    start = xml.rfind("<interface", 0, xml.index(mac))
    text = xml[start:xml.index("</interface>", start) + len("</interface>")]
    text = re.sub(r"<address type='pci'[^>]*/>", "<address/>", text)
    text = re.sub(r"macvtap\d+", "macvtapN", re.sub(r"net\d+'", "netN'", text))
    return re.sub(r"portid='[0-9a-f-]+'", "portid='P'", text)


def _libvirt_side(ns: str, work: Path, guest: str) -> dict:
    """The same plugs into a guest of Debian's libvirtd 9.0 (not booted: attaching needs no
    guest kernel; detaching does, so the guest is destroyed instead)."""
    work.mkdir(parents=True)
    for dev in ("pvdm0", "pvdm1"):
        subprocess.run(["ip", "-n", ns, "link", "add", dev, "type", "veth", "peer", "name",
                        dev.replace("m", "n")], check=True)
        subprocess.run(["ip", "-n", ns, "link", "set", dev, "up"], check=True)
    ref = daemons.start_libvirtd(work / "libvirtd", netns=ns)
    try:
        uri = ref.uri(driver="qemu", path="/system")

        def virsh(*args: str) -> str:
            return str(ref.virsh(*args, uri=uri).stdout)

        for name, text in (("mv.xml", MV), ("g1.xml", _domain(guest, work / "g1.log")),
                           ("direct.xml", DIRECT), ("net.xml", ON_NET)):
            (work / name).write_text(text)
        virsh("net-create", str(work / "mv.xml"))
        virsh("create", str(work / "g1.xml"))
        virsh("attach-interface", "g1", "direct", "pvdm0", "--model", "virtio",
              "--mac", "52:54:00:0d:00:01")
        virsh("attach-device", "g1", str(work / "direct.xml"), "--live")
        virsh("attach-device", "g1", str(work / "net.xml"), "--live")
        xml = virsh("dumpxml", "g1")
        links = json.loads(subprocess.run(["ip", "-n", ns, "-j", "-d", "link"],
                                          capture_output=True, text=True, check=True).stdout)
        out = {"xml": [_iface(xml, f"52:54:00:0d:00:0{i}") for i in (1, 2, 3)],
               "taps": sorted([lk["address"], lk["linkinfo"]["info_data"]["mode"]]
                              for lk in links if lk.get("linkinfo", {}).get("info_kind")
                              == "macvtap"),
               "ports": virsh("net-port-list", "mv").split()}
        out["port"] = virsh("net-port-dumpxml", "mv", out["ports"][0])
        virsh("destroy", "g1")
        virsh("net-destroy", "mv")
        return out
    finally:
        ref.stop()
        for dev in ("pvdm0", "pvdm1"):
            subprocess.run(["ip", "-n", ns, "link", "del", dev], check=False)


def test_macvtap_hotplug(netns: str, tmp_path: Path) -> None:
    guest = _guest_dir()
    want = _libvirt_side(netns, tmp_path / "libvirt", guest)
    console = tmp_path / "root" / "g1.log"
    dom = _domain(guest, console)
    out = run(netns, tmp_path / "root", f"DOM = {dom!r}\nCONSOLE = {str(console)!r}\n"
              + SCRIPT, timeout=240)
    assert out["virsh_tap"] == [["macvtap0", "52:54:00:0d:00:01", "vepa", "pvdm0"]]
    assert "<source dev='pvdm0' mode='vepa'/>" in out["virsh_xml"]
    assert "<target dev='macvtap0'/>" in out["virsh_xml"]
    assert out["virsh_detached"] and out["virsh_after"] == []
    assert out["direct_tap"] == [["macvtap0", "52:54:00:0d:00:02", "bridge", "pvdm0"]]
    assert "<source dev='pvdm0' mode='bridge'/>" in out["direct_xml"]
    assert out["missing"][0] == 1      # VIR_ERR_INTERNAL_ERROR
    assert "Cannot get interface index for 'pvnone'" in out["missing"][2]
    assert out["after_missing"] == [out["direct_tap"], False]
    assert out["direct_detached"] and out["direct_after"] == []
    assert out["net_tap"] == [["macvtap0", "52:54:00:0d:00:03", "private", "pvdm1"]]
    assert "<interface type='direct'>" in out["net_xml"]
    assert "<source network='mv' portid='" in out["net_xml"]
    assert len(out["net_ports"]) == 1
    assert "<plug type='direct' dev='pvdm1' mode='private'/>" in out["net_ports"][0]
    assert out["net_detached"] and out["net_after"] == [[], []]
    assert out["after"] == ["lo"]
    # as libvirt 9.0: the live XML of each interface, the macvtaps' MACs and modes, the port
    assert [_iface(out[f"{k}_xml"], f"52:54:00:0d:00:0{i}")
            for i, k in enumerate(("virsh", "direct", "net"), 1)] == want["xml"]
    assert sorted(out[f"{k}_tap"][0][1:3] for k in ("virsh", "direct", "net")) == want["taps"]
    uuids = re.compile(r"<uuid>[0-9a-f-]+</uuid>")
    assert uuids.sub("U", out["net_ports"][0]) == uuids.sub("U", want["port"])
