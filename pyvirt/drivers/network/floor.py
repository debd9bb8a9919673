"""Guaranteed bandwidth (``<inbound floor=...>``) of network ports, as libvirt's.

A network with ``<bandwidth><inbound>`` shapes what its bridge sends to
the guests with a tree of HTB classes (:func:`pyvirt.drivers.network.
bandwidth.commands` with ``hierarchical``): ``1:1`` holds the network's
rate, ``1:2`` below it takes the traffic of ports without a floor (the
root qdisc's default).  A port with a floor gets its own class ``1:ID``
(ID from 3 up, kept in the port as ``<bandwidth classID=...>``) with the
floor as its rate, fed by a u32 filter on the guest's destination MAC;
``1:2``'s rate is then what the floors leave.  The floors together may
not exceed the network's inbound peak (its average without a peak).  The
tc argv lists are built here as data; :func:`run` runs them.
"""

from __future__ import annotations

from pyvirt import constants as C
from pyvirt.conf.netcommon import Bandwidth
from pyvirt.errors import report

_FROM = C.VIR_FROM_NETWORK
# forward modes (None: isolated) whose ports may have a floor
FLOOR_MODES = (None, "nat", "route", "open")


def quantum(average: int | None) -> list[str]:
    """HTB's ``quantum`` for a class of ``average`` KiB/s (libvirt's: the bytes one MTU of
    1500 takes at the rate, at least 1), so slow classes do not warn."""
    return ["quantum", str(max((average or 0) * 1024 // 8 // 1500, 1))]


def floor_of(bw: Bandwidth | None) -> int:
    """The inbound floor of ``bw`` (0: none)."""
    return (bw.inbound.floor or 0) if bw is not None and bw.inbound is not None else 0


def ceiling(net_bw: Bandwidth) -> int:
    """What the network's classes may reach: its inbound peak, else its average."""
    assert net_bw.inbound is not None
    return net_bw.inbound.peak or net_bw.inbound.average or 0


def off_network(mac: str, code: int, domain: int) -> Exception:
    """libvirt's error for a floor where it cannot be (``code`` and ``domain`` differ
    between the network driver and the hypervisor drivers)."""
    return report(code, f"Invalid use of 'floor' on interface with MAC address {mac} - "
                  "'floor' is only supported for interface type 'network' with forward type "
                  "'nat', 'route', 'open' or none", domain)


def check(name: str, bridge: str, mode: str | None, net_bw: Bandwidth | None, mac: str,
          new: Bandwidth | None, old: Bandwidth | None, floor_sum: int) -> int | None:
    """libvirt's networkCheckBandwidth: the rate left for the class ``1:2`` once port
    ``mac`` has the floor of ``new`` (instead of ``old``'s), or None when no class needs
    to change.  ``floor_sum``: the floors of the network's ports now."""
    if floor_of(new) and mode not in FLOOR_MODES:
        raise off_network(mac, C.VIR_ERR_OPERATION_UNSUPPORTED, _FROM)
    if floor_of(new) and (net_bw is None or net_bw.inbound is None):
        raise report(C.VIR_ERR_OPERATION_UNSUPPORTED, f"Invalid use of 'floor' on interface "
                     f"with MAC address {mac} - network '{name}' has no inbound QoS set", _FROM)
    if net_bw is None or net_bw.inbound is None or not (floor_of(new) or floor_of(old)):
        return None
    total = floor_sum - floor_of(old) + floor_of(new)
    limit, what = ((net_bw.inbound.peak, "peak") if net_bw.inbound.peak
                   else (net_bw.inbound.average or 0, "average"))
    if total > limit:
        raise report(C.VIR_ERR_OPERATION_INVALID, f"Cannot plug '{mac}' interface into "
                     f"'{bridge}' because new combined inbound floor={total} would overcommit "
                     f"{what}={limit} on network '{name}'", _FROM)
    return limit - total


def plug_commands(bridge: str, net_bw: Bandwidth, mac: str, bw: Bandwidth,
                  class_id: int) -> list[list[str]]:
    """The tc argv lists giving port ``mac`` (bandwidth ``bw``) its class ``1:class_id``
    on ``bridge``."""
    assert bw.inbound is not None
    cls, handle = f"1:{class_id:x}", f"{class_id:x}:"
    raw = bytes.fromhex(mac.replace(":", ""))
    return [["class", "add", "dev", bridge, "parent", "1:1", "classid", cls, "htb",
             "rate", f"{floor_of(bw)}kbps", "ceil", f"{ceiling(net_bw)}kbps",
             *quantum(bw.inbound.average)],
            ["qdisc", "add", "dev", bridge, "parent", cls, "handle", handle, "sfq",
             "perturb", "10"],
            ["filter", "add", "dev", bridge, "protocol", "ip", "prio", "2",
             "handle", f"800::{class_id}", "u32",
             "match", "u16", "0x0800", "0xffff", "at", "-2",
             "match", "u32", f"0x{raw[2:].hex()}", "0xffffffff", "at", "-12",
             "match", "u16", f"0x{raw[:2].hex()}", "0xffff", "at", "-14",
             "flowid", cls]]


def unplug_commands(bridge: str, class_id: int) -> list[list[str]]:
    """The tc argv lists removing class ``1:class_id`` (its qdisc, filter, class)."""
    return [["qdisc", "del", "dev", bridge, "handle", f"{class_id:x}:"],
            ["filter", "del", "dev", bridge, "prio", "2", "handle", f"800::{class_id}", "u32"],
            ["class", "del", "dev", bridge, "classid", f"1:{class_id:x}"]]


def rate_command(bridge: str, class_id: int, net_bw: Bandwidth, rate: int) -> list[str]:
    """The tc argv that gives class ``1:class_id`` the rate ``rate`` KiB/s."""
    return ["class", "change", "dev", bridge, "classid", f"1:{class_id:x}", "htb",
            "rate", f"{rate}kbps", "ceil", f"{ceiling(net_bw)}kbps",
            *quantum(net_bw.inbound.average if net_bw.inbound else 0)]


def next_class_id(used: set[int]) -> int:
    """The first class ID from 3 up that no port has."""
    n = 3
    while n in used:
        n += 1
    return n
