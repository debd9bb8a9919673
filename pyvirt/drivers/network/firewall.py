"""A network's firewall rules: one nftables table of pyvirt's own per network.

The table (``inet pyvirt_<bridge>``) holds a ``forward`` filter chain that
lets the network's traffic through as its forward mode allows (NAT and
routed: to and from the outside; isolated: between guests only) and rejects
the rest of the bridge's traffic, and for NAT a ``postrouting`` chain that
masquerades the network's IPv4 subnets.  ``open`` networks get no table.
The rules are made as data (:func:`ruleset`) and loaded in one transaction
with ``nft -f -``; destroying the network deletes the table whole.
"""

from __future__ import annotations

import ipaddress
import re
import subprocess

from pyvirt import constants as C
from pyvirt.conf.network import ForwardMode, NetworkDef
from pyvirt.drivers.network import nft
from pyvirt.errors import report

_FROM = C.VIR_FROM_NETWORK


def table_name(bridge: str) -> str:
    """The name of the table of the network whose bridge is ``bridge``."""
    return "pyvirt_" + re.sub(r"[^A-Za-z0-9_]", "_", bridge)


def _nets(def_: NetworkDef) -> list[tuple[str, str]]:
    """(nft family keyword ``ip``/``ip6``, subnet) of the network's addresses."""
    out = []
    for ip in def_.ips:
        if ip.address:
            net = ipaddress.ip_network(f"{ip.address}/{ip.effective_prefix()}", strict=False)
            out.append(("ip6" if ip.is_ipv6 else "ip", str(net)))
    return out


def _quote(name: str) -> str:
    return '"' + name.replace('"', "") + '"'


def ruleset(def_: NetworkDef) -> list[str] | None:
    """The rules of the network's table, one nft statement per line (None: no table)."""
    mode = def_.forward.mode if def_.forward else None
    if mode not in (None, ForwardMode.NAT, ForwardMode.ROUTE):
        return None
    br = _quote(def_.bridge or "")
    dev = def_.forward.dev if def_.forward else None
    out_dev = f"oifname {_quote(dev)} " if dev else ""
    in_dev = f"iifname {_quote(dev)} " if dev else ""
    fwd = []
    for fam, net in _nets(def_) if mode is not None else []:
        fwd.append(f"iifname {br} {out_dev}{fam} saddr {net} accept")
        if mode is ForwardMode.NAT and fam == "ip":
            fwd.append(f"{in_dev}oifname {br} {fam} daddr {net} ct state related,established "
                       "accept")
        else:
            fwd.append(f"{in_dev}oifname {br} {fam} daddr {net} accept")
    fwd += [f"iifname {br} oifname {br} accept", f"iifname {br} reject",
            f"oifname {br} reject"]
    table = table_name(def_.bridge or "")
    lines = [f"add table inet {table}",
             (f"add chain inet {table} forward {{ type filter hook forward priority filter; "
             "policy accept; }")]
    lines += [f"add rule inet {table} forward {rule}" for rule in fwd]
    if mode is ForwardMode.NAT:
        lines.append(f"add chain inet {table} postrouting {{ type nat hook postrouting "
                     "priority srcnat; policy accept; }")
        for rule in _masquerade(def_, out_dev):
            lines.append(f"add rule inet {table} postrouting {rule}")
    return lines


def _masquerade(def_: NetworkDef, out_dev: str) -> list[str]:
    fwd = def_.forward
    assert fwd is not None
    ports = f":{fwd.port_start or 1024}-{fwd.port_end or 65535}"
    rules = []
    for fam, net in _nets(def_):
        if fam != "ip":
            continue
        if fwd.nat_start:
            addr = fwd.nat_start + (f"-{fwd.nat_end}" if fwd.nat_end else "")
            target, tcp_udp = f"snat ip to {addr}", f"snat ip to {addr}{ports}"
        else:
            target, tcp_udp = "masquerade", f"masquerade to {ports}"
        rules += [f"ip saddr {net} ip daddr 224.0.0.0/24 {out_dev}return",
                  f"ip saddr {net} ip daddr 255.255.255.255 {out_dev}return",
                  (f"meta l4proto {{ tcp, udp }} ip saddr {net} ip daddr != {net} "
                  f"{out_dev}{tcp_udp}"),
                  f"ip saddr {net} ip daddr != {net} {out_dev}{target}"]
    return rules


def add(def_: NetworkDef) -> bool:
    """Load the network's table (replacing a stale one); False when it needs none."""
    lines = ruleset(def_)
    if lines is None:
        return False
    nft.replace_table(f"inet {table_name(def_.bridge or '')}", lines,
                      f"Failed to apply firewall rules for network '{def_.name}'")
    _set_forwarding(def_)
    return True


def remove(bridge: str) -> None:
    """Delete the table of the network whose bridge is ``bridge`` (if it is there)."""
    nft.delete_table(f"inet {table_name(bridge)}",
                     f"Failed to remove firewall rules of bridge '{bridge}'")


def exists(bridge: str) -> bool:
    """Whether the table of ``bridge`` is loaded."""
    res = subprocess.run([nft.NFT, "list", "table", "inet", table_name(bridge)],
                         capture_output=True, text=True, timeout=30, check=False)
    return res.returncode == 0


def _set_forwarding(def_: NetworkDef) -> None:
    """Turn on IP forwarding for NAT and routed networks (as libvirt does)."""
    mode = def_.forward.mode if def_.forward else None
    if mode not in (ForwardMode.NAT, ForwardMode.ROUTE):
        return
    paths = {"ip": "/proc/sys/net/ipv4/ip_forward",
             "ip6": "/proc/sys/net/ipv6/conf/all/forwarding"}
    for fam in {fam for fam, _ in _nets(def_)}:
        try:
            with open(paths[fam], "w", encoding="ascii") as fh:
                fh.write("1\n")
        except OSError as exc:
            raise report(C.VIR_ERR_SYSTEM_ERROR, f"cannot enable {paths[fam]}: "
                         f"{exc.strerror}", _FROM) from None
