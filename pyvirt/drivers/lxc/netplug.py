"""Containers' network interfaces: veth pairs and macvlans, as libvirt's LXC driver makes them.

Host side, in the driver before the controller starts (:func:`prepare`):

* ``bridge``, ``network`` (the bridge of the network, through the network
  driver of the host root) and ``ethernet``: a veth pair; the host end
  (``<target dev>``, ``vethN`` when not given) is brought up and, but for
  ``ethernet``, added to the bridge; the other end goes to the container;
* ``direct``: a macvlan on ``<source dev>`` (mode from ``<source mode>``,
  libvirt's default ``vepa``), all of it for the container.

Container side, in the container's first process once it has its network
namespace (:func:`plug`): the ends are moved in through a netlink socket
opened before, renamed to ``<guest dev>`` (``ethN`` by default), given
the interface's MAC and ``<ip>`` addresses and brought up, with ``lo``.
When the container's network namespace goes, so do they.
"""

from __future__ import annotations

import contextlib
import os
from typing import Any

from pyvirt import constants as C
from pyvirt.errors import report

_FROM = C.VIR_FROM_LXC


def guest_name(net: Any, index: int) -> str:
    """The container's name of interface ``net``, the ``index``-th: ``<guest dev>``, else ethN."""
    for k in net.kept:
        if getattr(k, "tag", None) == "guest":
            name = dict(k.attrs).get("dev")
            if name:
                return str(name)
    return f"eth{index}"


def _bridge_of(drv: Any, net: Any) -> str:
    if net.type.value == "bridge":
        return str(net.source.get("bridge", ""))
    from pyvirt.drivers import hostroot
    name = net.source.get("network", "")
    netdrv = hostroot.current("network", hostroot.HostRoot.of_qemu(drv.cfg))
    if netdrv is None:
        raise report(C.VIR_ERR_NO_NETWORK, f"no network with matching name '{name}'",
                     C.VIR_FROM_NETWORK)
    return str(netdrv.bridge_of(name)[0])


def prepare(drv: Any, def_: Any, undo: contextlib.ExitStack,
            nets: list[Any] | None = None, first: int = 0) -> list[dict[str, Any]]:
    """Make the host side of every interface of ``def_`` (or of ``nets``, numbered
    from ``first``); what the container plugs in.

    ``undo`` deletes what was made (before the container took it over).
    """
    if nets is None:
        nets = def_.devices.interfaces
    if not nets:
        return []
    from pyroute2 import IPRoute

    from pyvirt.drivers.network import bridge as netbridge
    from pyvirt.drivers.qemu import netdev
    out = []
    with IPRoute() as ipr:
        taken = netbridge.used_names()
        for i, net in enumerate(nets, first):
            kind = net.type.value
            net.alias = f"net{i}"
            entry: dict[str, Any] = {"guest": guest_name(net, i), "mac": net.mac,
                                     "ips": [(ip.address, ip.prefix) for ip in net.ips]}
            if kind in ("bridge", "network", "ethernet"):
                bridge = _bridge_of(drv, net) if kind != "ethernet" else None
                if bridge is not None and not netbridge.is_bridge(bridge):
                    raise report(C.VIR_ERR_CONFIG_UNSUPPORTED,
                                 f"bridge '{bridge}' does not exist or is not a bridge", _FROM)
                host = net.target_dev or netbridge.free_name("veth%d", taken)
                taken.add(host)
                peer = netbridge.free_name("veth%d", taken)
                taken.add(peer)
                try:
                    ipr.link("add", ifname=host, kind="veth", peer=peer)
                except Exception as exc:  # noqa: BLE001 - netlink errors carry errno text
                    raise report(C.VIR_ERR_SYSTEM_ERROR,
                                 f"Failed to create veth device pair '{host}', '{peer}': "
                                 f"{exc}", _FROM) from None
                undo.callback(_delete, host)
                netdev.set_up(host)
                if bridge is not None:
                    netdev.add_to_bridge(bridge, host)
                net.target_dev = host
                entry["ifname"] = peer
            elif kind == "direct":
                dev = net.source.get("dev", "")
                link = ipr.link_lookup(ifname=dev)
                if not link:
                    raise report(C.VIR_ERR_SYSTEM_ERROR,
                                 f"Cannot get interface index of '{dev}'", _FROM)
                name = netbridge.free_name("macvlan%d", taken)
                taken.add(name)
                try:
                    ipr.link("add", ifname=name, kind="macvlan", link=link[0],
                             macvlan_mode=net.source.get("mode", "vepa"))
                except Exception as exc:  # noqa: BLE001
                    raise report(C.VIR_ERR_SYSTEM_ERROR,
                                 f"error creating macvlan interface on '{dev}': {exc}",
                                 _FROM) from None
                undo.callback(_delete, name)
                entry["ifname"] = name
            else:
                raise report(C.VIR_ERR_CONFIG_UNSUPPORTED,
                             f"Network device type '{kind}' is not supported", _FROM)
            out.append(entry)
    return out


def delete_host(name: str) -> None:
    """Delete host link ``name`` (a veth's host end: its peer goes with it)."""
    _delete(name)


def _delete(name: str) -> None:
    from pyroute2 import IPRoute
    with IPRoute() as ipr, contextlib.suppress(Exception):
        idx = ipr.link_lookup(ifname=name)
        if idx:
            ipr.link("del", index=idx[0])


def host_socket(nets: list[dict[str, Any]]) -> Any:
    """A netlink socket of the host's namespace (opened before leaving it), or None."""
    if not nets:
        return None
    from pyroute2 import IPRoute
    return IPRoute()


def plug(nets: list[dict[str, Any]], host: Any) -> None:
    """In the container's new network namespace (the caller's): take each end in,
    name, address, bring up; and ``lo``."""
    if not nets:
        from pyvirt.drivers.qemu import netdev
        netdev.set_up("lo")
        return
    move_in(nets, host, os.getpid())
    configure(nets)


def move_in(nets: list[dict[str, Any]], host: Any, pid: int) -> None:
    """Move each end into the network namespace of ``pid`` through ``host``, a
    netlink socket of the host's namespace (closed here)."""
    for net in nets:
        idx = host.link_lookup(ifname=net["ifname"])
        host.link("set", index=idx[0], net_ns_pid=pid)
    host.close()


def configure(nets: list[dict[str, Any]]) -> None:
    """In the container's network namespace: name, address and bring up each end,
    and ``lo``."""
    from pyroute2 import IPRoute
    with IPRoute() as ipr:
        for net in nets:
            idx = ipr.link_lookup(ifname=net["ifname"])[0]
            changes: dict[str, Any] = {"ifname": net["guest"]}
            if net.get("mac"):
                changes["address"] = net["mac"]
            ipr.link("set", index=idx, **changes)
            for address, prefix in net["ips"]:
                ipr.addr("add", index=idx, address=address,
                         mask=prefix if prefix is not None else 24)
            ipr.link("set", index=idx, state="up")
        lo = ipr.link_lookup(ifname="lo")
        if lo:
            ipr.link("set", index=lo[0], state="up")


def in_container(init_pid: int, work: Any) -> None:
    """Run ``work()`` in a thread that has joined the network namespace of
    ``init_pid``; raise what it raised (a netlink socket it opens is the
    container's)."""
    import threading

    from pyvirt.drivers.lxc import nsutil
    failure: list[BaseException] = []

    def run() -> None:
        try:
            fd = os.open(f"/proc/{init_pid}/ns/net", os.O_RDONLY | os.O_CLOEXEC)
            try:
                nsutil.setns(fd, nsutil.CLONE_NEWNET)
            finally:
                os.close(fd)
            work()
        except BaseException as exc:  # noqa: BLE001 - handed to the caller
            failure.append(exc)

    thread = threading.Thread(target=run, name="pyvirt-lxc-netns")
    thread.start()
    thread.join()
    if failure:
        raise failure[0]


def unplug(init_pid: int, guest: str) -> None:
    """Delete interface ``guest`` of the container (its veth peer goes with it)."""
    def work() -> None:
        from pyroute2 import IPRoute
        with IPRoute() as ipr:
            idx = ipr.link_lookup(ifname=guest)
            if idx:
                ipr.link("del", index=idx[0])
    in_container(init_pid, work)
