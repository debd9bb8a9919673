"""Network ports of a guest's ``<interface type='network'>``.

As libvirt's QEMU driver does, each such interface of a starting guest (or
a plugged one) gets a port on its network from the network driver of the
host root (owner: the guest; its MAC and bandwidth); the port's UUID is
the interface's ``<source portid=...>``.  The port is deleted when the guest
stops or the interface is unplugged.
"""

from __future__ import annotations

import contextlib
import logging
import os
import uuid as _uuid
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from pyvirt import constants as C
from pyvirt.conf import xmlutil
from pyvirt.drivers import hostroot
from pyvirt.errors import libvirtError

log = logging.getLogger(__name__)


def _driver(cfg: Any) -> Any:
    return hostroot.current("network", hostroot.HostRoot.of_qemu(cfg)) if cfg else None


def create(cfg: Any, owner: Any, net: Any, undo: contextlib.ExitStack) -> None:
    """Give interface ``net`` of guest ``owner`` a port on its network (if it is a
    ``network`` interface and the root has a network driver); ``undo`` deletes it."""
    drv = _driver(cfg)
    if drv is None or not net.source.get("network"):    # (a macvtap one is 'direct' now)
        return
    network = drv.networkLookupByName(net.source.get("network", ""))
    bandwidth = next((xmlutil.to_string(e) for e in getattr(net, "kept", [])
                      if e.tag == "bandwidth"), "")
    portid = net.source.get("portid") or str(_uuid.uuid4())
    # a macvtap made already (a macvtap network): the port records its device
    lower = _lower_of(net.target_dev)
    plug = ""
    if lower and network.def_.forward is not None:
        plug = f"<plug type='direct' dev={quoteattr(lower)} mode='{network.def_.forward.mode.value}'/>"
    xml = (f"<networkport><uuid>{portid}</uuid><owner><name>{escape(owner.name)}</name>"
           f"<uuid>{owner.uuid}</uuid></owner><mac address={quoteattr(net.mac or '')}/>"
           f"{bandwidth}{plug}</networkport>")
    port = drv.networkPortCreateXML(network, xml, C.VIR_NETWORK_PORT_CREATE_RECLAIM
                                    if plug else 0)
    undo.callback(_delete, drv, port)
    if not bandwidth and port.def_.bandwidth is not None and net.target_dev:
        # the bandwidth of the port's portgroup (the interface has none of its own)
        from pyvirt.drivers.network import bandwidth as tc
        tc.apply(net.target_dev, port.def_.bandwidth)
    # libvirt's order of <source> attributes: network, portid, ..., bridge
    rest = {k: v for k, v in net.source.items() if k != "network"}
    net.source.clear()
    net.source.update({"network": network.name, "portid": portid, **rest})


def _lower_of(ifname: str | None) -> str | None:
    """The device a macvtap ``ifname`` sits on (None for a tap)."""
    if not ifname:
        return None
    try:
        lowers = [n[6:] for n in os.listdir(f"/sys/class/net/{ifname}") if n.startswith("lower_")]
    except OSError:
        return None
    return lowers[0] if lowers else None


def delete(cfg: Any, net: Any) -> None:
    """Delete the port of interface ``net`` (if it has one)."""
    drv = _driver(cfg)
    portid = net.source.get("portid") if net.source.get("network") else None
    if drv is None or not portid:
        return
    try:
        network = drv.networkLookupByName(net.source.get("network", ""))
        port = drv.networkPortLookupByUUIDString(network, portid)
        if port.def_.bandwidth is not None and net.target_dev:
            from pyvirt.drivers.network import bandwidth as tc
            tc.clear(net.target_dev)
        _delete(drv, port)
    except libvirtError as exc:
        log.warning("network port %s: %s", portid, exc)


def set_bandwidth(cfg: Any, net: Any, rates: dict[str, dict[str, int]]) -> Any:
    """Give the port of interface ``net`` (if it has one) the bandwidth ``rates``
    ({direction: {attribute: value}}), its floor class following, as libvirt's
    virDomainNetBandwidthUpdate; returns a callable that puts the old one back."""
    drv = _driver(cfg)
    portid = net.source.get("portid") if net.source.get("network") else None
    if drv is None or not portid:
        return lambda: None
    network = drv.networkLookupByName(net.source.get("network", ""))
    port = drv.networkPortLookupByUUIDString(network, portid)
    old = drv.networkPortGetParameters(port, 0)
    drv.networkPortSetParameters(port, {f"{d}.{a}": v for d, rate in rates.items()
                                        for a, v in rate.items() if v}, 0)
    return lambda: drv.networkPortSetParameters(port, old, 0)


def delete_all(cfg: Any, def_: Any) -> None:
    """Delete the ports of a guest that stopped."""
    for net in getattr(def_.devices, "interfaces", []):
        delete(cfg, net)


def _delete(drv: Any, port: Any) -> None:
    try:
        drv.networkPortDelete(port, 0)
    except libvirtError as exc:
        log.warning("network port %s not deleted: %s", port.uuid, exc)
