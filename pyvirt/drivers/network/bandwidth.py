"""``<bandwidth>`` on a device (a guest's tap, a network's bridge): tc and nftables.

As libvirt's virNetDevBandwidthSet: traffic the device sends (for a tap:
into the guest, libvirt's ``inbound``; for a bridge: into the network) is
shaped by an HTB class (``average`` as rate, ``peak`` as ceil, ``burst``)
with an SFQ below it (when the kernel has it); traffic it receives
(``outbound``) is policed at ``average`` (excess dropped) by an nftables
``netdev`` table on the device's ingress (libvirt uses tc's police action,
which kernels without ``act_police`` lack).  libvirt's rates are KiB/s
and bursts KiB, tc's ``kbps`` and ``kb`` (and nft's ``kbytes``) the same
units.  A network's bridge gets libvirt's class tree, under which the
ports' ``floor`` classes hang (:mod:`.floor`).  Commands are argv lists for
``tc``; :func:`clear` removes both parts.
"""

from __future__ import annotations

import os
import re
import subprocess

from pyvirt import constants as C
from pyvirt.conf.netcommon import Bandwidth, Rate
from pyvirt.drivers.network import floor, nft
from pyvirt.errors import report

TC = "/usr/sbin/tc"
_FROM = C.VIR_FROM_NETWORK


def commands(dev: str, bw: Bandwidth, swapped: bool = False,
             hierarchical: bool = False) -> list[list[str]]:
    """The tc argv lists that give ``dev`` the bandwidth ``bw`` (``swapped``: the
    device's own view, inbound = what it receives).  ``hierarchical`` (a network's
    bridge): the classes ``1:1`` (the whole rate) and ``1:2`` (ports without a floor,
    the default) that ports' floors hang under (see :mod:`.floor`).  A ``floor`` is
    not the device's: the network's class tree carries it."""
    tx = bw.outbound if swapped else bw.inbound
    out: list[list[str]] = []
    if tx is None or not tx.average:
        return out
    rate, peak = f"{tx.average}kbps", f"{tx.peak}kbps" if tx.peak else None
    out.append(["qdisc", "add", "dev", dev, "root", "handle", "1:", "htb", "default",
                "2" if hierarchical else "1"])
    if hierarchical:
        out.append(["class", "add", "dev", dev, "parent", "1:", "classid", "1:1", "htb",
                    "rate", rate, "ceil", peak or rate, *floor.quantum(tx.average)])
    cls = ["class", "add", "dev", dev, "parent", "1:1" if hierarchical else "1:",
           "classid", "1:2" if hierarchical else "1:1", "htb", "rate", rate]
    if peak:
        cls += ["ceil", peak]
    if tx.burst:
        cls += ["burst", f"{tx.burst}kb"]
    out.append(cls + floor.quantum(tx.average))
    out.append(["qdisc", "add", "dev", dev, "parent", "1:2" if hierarchical else "1:1",
                "handle", "2:", "sfq", "perturb", "10"])
    return out


def policing(dev: str, bw: Bandwidth, swapped: bool = False) -> list[str] | None:
    """The nft statements that police what ``dev`` receives (None: nothing to police)."""
    rx = bw.inbound if swapped else bw.outbound
    if rx is None or not rx.average:
        return None
    table = f"netdev {table_name(dev)}"
    quoted = '"' + dev.replace('"', "") + '"'
    return [f"add table {table}",
            (f"add chain {table} ingress {{ type filter hook ingress device {quoted} "
            "priority 0; policy accept; }"),
            (f"add rule {table} ingress limit rate over {rx.average} kbytes/second burst "
            f"{_burst(rx)} kbytes drop")]


def table_name(dev: str) -> str:
    """The nft table (netdev family) that polices ``dev``'s received traffic."""
    return "pyvirt_bw_" + re.sub(r"[^A-Za-z0-9_]", "_", dev)


def _burst(rate: Rate) -> int:
    # libvirt polices with the burst given, else with the average (one second's worth)
    return rate.burst or rate.average or 1


def _tc(argv: list[str]) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run([TC, *argv], capture_output=True, text=True, timeout=30,
                              check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise report(C.VIR_ERR_INTERNAL_ERROR, f"Failed to run '{TC}': {exc}", _FROM) from None


def apply(dev: str, bw: Bandwidth | None, swapped: bool = False,
          hierarchical: bool = False) -> None:
    """Give ``dev`` the bandwidth ``bw`` (nothing when None); on failure ``dev`` is left
    without any."""
    if bw is None:
        return
    clear(dev)
    police = policing(dev, bw, swapped)
    if police is not None:
        nft.replace_table(f"netdev {table_name(dev)}", police,
                          f"Failed to set bandwidth of '{dev}'")
    try:
        run(commands(dev, bw, swapped, hierarchical))
    except BaseException:
        clear(dev)
        raise


def run(argvs: list[list[str]], check: bool = True) -> None:
    """Run tc with each argv in turn; the first failure is raised (with ``check``; an
    ``sfq`` below a class is left out where the kernel has no sfq)."""
    for argv in argvs:
        res = _tc(argv)
        if res.returncode != 0 and check and "sfq" not in argv:
            raise report(C.VIR_ERR_INTERNAL_ERROR, f"Child process ({TC} {' '.join(argv)}) "
                         f"unexpected exit status {res.returncode}: {res.stderr.strip()}",
                         _FROM)


def clear(dev: str) -> None:
    """Remove the shaping qdisc and the policing table of ``dev`` (absent ones are fine;
    the table goes even when the device is gone)."""
    if os.path.isdir(f"/sys/class/net/{dev}"):
        _tc(["qdisc", "del", "dev", dev, "root"])
    nft.delete_table(f"netdev {table_name(dev)}", f"Failed to set bandwidth of '{dev}'")
