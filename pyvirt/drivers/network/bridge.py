"""A network's Linux bridge, made and removed through netlink (pyroute2).

:func:`create` makes the bridge with the network's STP setting, forward
delay, MTU and MAC, gives it the network's addresses and brings it up; if
any step fails the bridge is deleted again.  :func:`delete` removes it.
"""

from __future__ import annotations

import ipaddress
import os
from typing import TYPE_CHECKING

from pyvirt import constants as C
from pyvirt.conf.network import NetworkDef
from pyvirt.errors import libvirtError, report, report_system
from pyvirt.util.lazy import lazy_module

# pyroute2 (and the asyncio it loads) only when a bridge is touched, not
# when a connection opens the network driver of a root
if TYPE_CHECKING:
    import pyroute2
    from pyroute2 import IPRoute
    from pyroute2.netlink import exceptions as netlink_errors
else:
    pyroute2 = lazy_module("pyroute2", globals())
    netlink_errors = lazy_module("pyroute2.netlink.exceptions", globals())

_FROM = C.VIR_FROM_NETWORK


def used_names() -> set[str]:
    """The names of the host's network devices."""
    try:
        return set(os.listdir("/sys/class/net"))
    except OSError:
        return set()


def free_name(template: str, taken: set[str]) -> str:
    """The first name ``template % n`` (n = 0, 1, ...) neither on the host nor in ``taken``."""
    used = used_names() | taken
    for n in range(256):
        name = template % n
        if name not in used:
            return name
    raise report(C.VIR_ERR_INTERNAL_ERROR,
                 "Bridge generation exceeded max id 256", _FROM)


def _index(ipr: IPRoute, name: str) -> int:
    found = ipr.link_lookup(ifname=name)
    if not found:
        raise report(C.VIR_ERR_INTERNAL_ERROR, f"Cannot get interface index for '{name}'",
                     _FROM)
    return int(found[0])


def create(def_: NetworkDef) -> None:
    """Create and set up the network's bridge (refused when a device has its name)."""
    name = def_.bridge or ""
    with pyroute2.IPRoute() as ipr:
        try:
            ipr.link("add", ifname=name, kind="bridge",
                     br_stp_state=1 if def_.stp else 0,
                     br_forward_delay=def_.delay * 100)
        except netlink_errors.NetlinkError as exc:
            # libvirt's virNetDevBridgeCreate reports this without an error domain
            raise report_system(exc.code, f"error creating bridge interface {name}",
                                C.VIR_FROM_NONE) from None
        try:
            _configure(ipr, def_, _index(ipr, name))
        except BaseException:
            delete(name)
            raise


def _configure(ipr: IPRoute, def_: NetworkDef, index: int) -> None:
    name = def_.bridge
    try:
        if def_.mac:
            ipr.link("set", index=index, address=def_.mac)
        if def_.mtu:
            ipr.link("set", index=index, mtu=def_.mtu)
    except netlink_errors.NetlinkError as exc:
        raise report_system(exc.code, f"Cannot set interface MAC/MTU on '{name}'",
                            _FROM) from None
    for ip in def_.ips:
        if not ip.address:
            continue
        prefix = ip.effective_prefix()
        extra = {}
        if not ip.is_ipv6:
            net = ipaddress.ip_network(f"{ip.address}/{prefix}", strict=False)
            extra["broadcast"] = str(net.broadcast_address)
        try:
            ipr.addr("add", index=index, address=ip.address, prefixlen=prefix, **extra)
        except netlink_errors.NetlinkError as exc:
            raise report_system(exc.code, f"Failed to add IP address {ip.address}/{prefix} "
                                f"to {name}", _FROM) from None
    try:
        ipr.link("set", index=index, state="up")
    except netlink_errors.NetlinkError as exc:
        raise report_system(exc.code, f"Failed to set bridge interface {name} up",
                            _FROM) from None


def delete(name: str) -> None:
    """Delete bridge ``name`` if it exists (its ports are released by the kernel)."""
    with pyroute2.IPRoute() as ipr:
        found = ipr.link_lookup(ifname=name)
        if not found:
            return
        try:
            ipr.link("del", index=found[0])
        except netlink_errors.NetlinkError as exc:
            if exc.code != 19:   # ENODEV: already gone
                raise report_system(exc.code, f"Unable to delete bridge {name}",
                                    _FROM) from None


def is_bridge(name: str) -> bool:
    """Whether ``name`` exists and is a bridge."""
    return os.path.isdir(f"/sys/class/net/{name}/bridge")


def attach(bridge: str, ifname: str) -> None:
    """Make ``ifname`` a port of ``bridge`` and bring it up."""
    with pyroute2.IPRoute() as ipr:
        try:
            ipr.link("set", index=_index(ipr, ifname), master=_index(ipr, bridge), state="up")
        except netlink_errors.NetlinkError as exc:
            raise report_system(exc.code, f"Unable to add bridge {bridge} port {ifname}",
                                _FROM) from None


def set_tap(ifname: str, mac: str, mtu: int | None) -> None:
    """Give a guest's tap its MAC (and MTU, if set)."""
    with pyroute2.IPRoute() as ipr:
        try:
            index = _index(ipr, ifname)
            ipr.link("set", index=index, address=mac)
            if mtu:
                ipr.link("set", index=index, mtu=mtu)
        except netlink_errors.NetlinkError as exc:
            raise report_system(exc.code, f"Cannot set interface MAC/MTU on '{ifname}'",
                                _FROM) from None


def routes_v4() -> list[tuple[str, ipaddress.IPv4Network]]:
    """(interface, destination network) of the host's IPv4 routes (/proc/net/route)."""
    out: list[tuple[str, ipaddress.IPv4Network]] = []
    try:
        with open("/proc/net/route", encoding="ascii") as fh:
            rows = fh.read().splitlines()[1:]
    except OSError:
        return out
    for row in rows:
        cols = row.split()
        if len(cols) < 8:
            continue
        dest = ipaddress.IPv4Address(int(cols[1], 16).to_bytes(4, "little"))
        mask = ipaddress.IPv4Address(int(cols[7], 16).to_bytes(4, "little"))
        try:
            out.append((cols[0], ipaddress.IPv4Network(f"{dest}/{mask}")))
        except ValueError:
            continue
    return out


def check_route_collision(def_: NetworkDef) -> None:
    """Refuse a network whose IPv4 subnet the host already routes (networkCheckRouteCollision)."""
    routes = [(i, n) for i, n in routes_v4() if n.prefixlen]
    for ip in def_.ips:
        if not ip.address or ip.is_ipv6:
            continue
        mine = ipaddress.ip_network(f"{ip.address}/{ip.effective_prefix()}", strict=False)
        for iface, net in routes:
            if net == mine:
                raise report(C.VIR_ERR_INTERNAL_ERROR,
                             f"Network is already in use by interface {iface}", _FROM)


def error_in_use(name: str) -> libvirtError:
    """libvirt's error for a bridge name another device has."""
    return report(C.VIR_ERR_INTERNAL_ERROR, f"bridge name '{name}' already in use.", _FROM)
