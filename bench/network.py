#!/usr/bin/env python3
"""Virtual networks: pyvirt against libvirt 9.0 in the same run, each in a network namespace.

Timed, median of ``--rounds``:

* ``net-start`` / ``net-destroy`` of a NAT network with DHCP (bridge,
  firewall rules, dnsmasq);
* a guest NIC's setup within ``create()``: ``create()`` of the tiny test
  guest with one ``<interface type='network'>`` on that network, minus
  ``create()`` of the same guest without it (the tap, its bridge port and
  the netdev; the guest is not waited for).

pyvirt: ``qemu:///embed`` (the driver in the timing process) in a network
namespace made for the run.  libvirt 9.0: a private libvirtd
(``tests/daemon/daemons.py``: own mount and network namespaces; it writes
its NAT rules with ``iptables``, inside its namespace), driven by Debian's
python3-libvirt; the RPC round trip (~0.1 ms) is small beside what is
timed.  The same steps run on both sides (:data:`BODY`).
Usage: ``python3 bench/network.py [-n ROUNDS]`` (as root).
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench"))

import qemu_setups as setups

NET = ("<network><name>bnat</name><forward mode='nat'/><bridge name='pvbb0'/>"
       "<ip address='10.90.0.1' netmask='255.255.255.0'><dhcp>"
       "<range start='10.90.0.10' end='10.90.0.200'/></dhcp></ip></network>")

# Run by both sides with ``conn`` open (setups.CHILD_PRELUDE); argv: URI ROUNDS GUEST_DIR
BODY = r"""
import statistics
rounds, guest = int(sys.argv[2]), sys.argv[3]
NET = sys.stdin.read()

def dom_xml(name, nic):
    iface = ("<interface type='network'><source network='bnat'/><model type='virtio'/>"
             "</interface>") if nic else ""
    return (f"<domain type='qemu'><name>{name}</name><memory unit='MiB'>96</memory>"
            "<os><type arch='x86_64' machine='pc'>hvm</type>"
            f"<kernel>{guest}/vmlinuz</kernel><initrd>{guest}/initrd.img</initrd>"
            "<cmdline>console=ttyS0 quiet</cmdline></os><features><acpi/></features>"
            "<devices><emulator>/usr/bin/qemu-system-x86_64</emulator>"
            f"{iface}<serial type='pty'/></devices></domain>")

def timed(fn):
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t

net = conn.networkDefineXML(NET)
net.create(); net.destroy()                       # warm-up
starts, stops = [], []
for _ in range(rounds):
    starts.append(timed(net.create))
    stops.append(timed(net.destroy))
net.create()
creates = {}
for name, nic in (("bplain", False), ("bnic", True)):
    d = conn.defineXML(dom_xml(name, nic))
    d.create(); d.destroy()                       # warm-up
    creates[name] = []
    for _ in range(rounds):
        creates[name].append(timed(d.create))
        d.destroy()
    d.undefine()
net.destroy()
net.undefine()
med = lambda v: statistics.median(v) * 1000
print(json.dumps({"net-start": med(starts), "net-destroy": med(stops),
                  "create": med(creates["bplain"]), "create+nic": med(creates["bnic"])}))
"""


def pyvirt_side(work: Path, rounds: int, guest: str) -> dict[str, float]:
    """BODY with pyvirt's embed driver, in a network namespace made for it."""
    ns = f"pvbench-{secrets.token_hex(3)}"
    subprocess.run(["ip", "netns", "add", ns], check=True)
    try:
        subprocess.run(["ip", "-n", ns, "link", "set", "lo", "up"], check=True)
        prelude = "import pyvirt\npyvirt.install_as_libvirt()\n" + setups.CHILD_PRELUDE
        res = subprocess.run(["ip", "netns", "exec", ns, sys.executable, "-c", prelude + BODY,
                              f"qemu:///embed?root={work}", str(rounds), guest], input=NET,
                             capture_output=True, text=True, timeout=900, check=False)
        if res.returncode != 0:
            raise RuntimeError(f"pyvirt: {res.stderr.strip()[-1500:]}")
        result: dict[str, float] = json.loads(res.stdout.strip().splitlines()[-1])
        return result
    finally:
        pids = subprocess.run(["ip", "netns", "pids", ns], capture_output=True, text=True,
                              check=False).stdout.split()
        for pid in pids:        # nothing should be left; the namespace goes either way
            try:
                os.kill(int(pid), 9)
            except (ProcessLookupError, ValueError):
                pass
        subprocess.run(["ip", "netns", "del", ns], check=False)


def libvirt_side(work: Path, rounds: int, guest: str) -> dict[str, float] | None:
    """BODY with Debian's python3-libvirt against a private libvirtd 9.0."""
    if setups.libvirt_available() is not None:
        return None
    with setups.libvirtd_system(work) as uri:
        if uri is None:
            return None
        result: dict[str, float] = setups.run_child(BODY, uri, str(rounds), guest, stdin=NET,
                                                    timeout=900)
        return result


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("-n", "--rounds", type=int, default=10)
    args = ap.parse_args()
    guest = subprocess.run([sys.executable, str(REPO / "tools" / "build_guest.py"),
                            "--print-dir"], capture_output=True, text=True,
                           check=True).stdout.strip().splitlines()[-1]
    with tempfile.TemporaryDirectory(prefix="pyvirt-bench-net-") as tmp:
        py = pyvirt_side(Path(tmp, "pyvirt"), args.rounds, guest)
        lv = libvirt_side(Path(tmp, "libvirtd"), args.rounds, guest)
    rows = {"net-start (NAT, DHCP)": "net-start", "net-destroy": "net-destroy",
            "guest create() without NIC": "create", "guest create() with a network NIC":
            "create+nic"}
    print(f"virtual networks, median of {args.rounds}, ms; pyvirt qemu:///embed in-process, "
          "libvirt 9.0 a private libvirtd (python3-libvirt client); each in its own netns")
    print(f"{'':<40}{'pyvirt':>9}{'libvirt':>9}{'libvirt/pyvirt':>16}")
    nan = float("nan")
    for label, key in rows.items():
        a, b = py[key], (lv or {}).get(key, nan)
        print(f"{label:<40}{a:>9.1f}{b:>9.1f}{setups.ratio(b, a):>16}")
    nic_py = py["create+nic"] - py["create"]
    nic_lv = lv["create+nic"] - lv["create"] if lv else nan
    # a difference within the noise (<= 0) has no meaningful ratio
    both = nic_py > 0 and nic_lv > 0
    print(f"{'NIC setup within create() (difference)':<40}{nic_py:>9.1f}{nic_lv:>9.1f}"
          f"{setups.ratio(nic_lv, nic_py) if both else '-':>16}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
