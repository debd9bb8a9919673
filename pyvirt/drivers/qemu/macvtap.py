"""``<interface type='direct'>``: a macvtap device on a host interface.

The device is made through netlink (pyroute2) on the source device, in the
source's mode (``vepa`` by default, ``bridge``, ``private``,
``passthrough``), with the guest's MAC, named ``macvtapN`` as libvirt names
them; its character device ``/dev/tapIFINDEX`` is opened and the descriptor
passed to QEMU like a tap's.  Unlike a tap it outlives the descriptor: the
guest's stop deletes it (:func:`delete`).
"""

from __future__ import annotations

import contextlib
import os
import time
from typing import TYPE_CHECKING, Any

from pyvirt import constants as C
from pyvirt.errors import report, report_system
from pyvirt.util.lazy import lazy_module

if TYPE_CHECKING:
    import pyroute2
    from pyroute2.netlink import exceptions as netlink_errors
else:
    pyroute2 = lazy_module("pyroute2", globals())
    netlink_errors = lazy_module("pyroute2.netlink.exceptions", globals())

_FROM = C.VIR_FROM_QEMU
MODES = {"vepa": "vepa", "bridge": "bridge", "private": "private", "passthrough": "passthru"}


def source_of(cfg: Any, net: Any) -> tuple[str, str | None] | None:
    """(host device, mode) when interface ``net`` gets a macvtap: ``type='direct'``, or
    ``type='network'`` on a macvtap network (asked of the network driver of ``cfg``'s
    root); None otherwise."""
    kind = net.type.value
    if kind == "direct":
        dev = net.source.get("dev")
        if not dev:
            raise report(C.VIR_ERR_XML_ERROR, "Missing source dev for direct interface", _FROM)
        return dev, net.source.get("mode")
    if kind != "network" or cfg is None:
        return None
    from pyvirt.drivers import hostroot
    drv = hostroot.current("network", hostroot.HostRoot.of_qemu(cfg))
    if drv is None:
        return None
    found: tuple[str, str] | None = drv.direct_of(net.source.get("network", ""))
    return found


def open_guest_macvtap(net: Any, source: tuple[str, str | None], fds: contextlib.ExitStack,
                       undo: contextlib.ExitStack) -> int:
    """The macvtap of interface ``net`` on ``source`` (device, mode): ``fds`` closes its
    descriptor, ``undo`` deletes it.  ``net.target_dev`` names it then; an interface on a
    macvtap network becomes ``type='direct'`` in the live definition (its ``<source>``
    keeps the network and gains the device and mode), as libvirt shows it."""
    dev, mode = source
    name = net.target_dev if net.target_dev and not net.target_dev.startswith("vnet") else None
    fd, ifname = open_macvtap(dev, mode, net.mac or "", fds, undo, name)
    net.target_dev = ifname
    if net.type.value == "network":
        # as libvirt's live XML: the actual type, the network's device and mode in <source>
        from pyvirt.conf.domain_net import NetType
        net.type = NetType.DIRECT
        net.source.update({"dev": dev, "mode": mode or "vepa"})
    return fd


def open_macvtap(parent: str, mode: str | None, mac: str, fds: contextlib.ExitStack,
                 undo: contextlib.ExitStack, name: str | None = None) -> tuple[int, str]:
    """Make a macvtap on ``parent`` and open it; ``fds`` closes the descriptor, ``undo``
    deletes the device.  Returns (descriptor, device name)."""
    mode = mode or "vepa"
    if mode not in MODES:
        raise report(C.VIR_ERR_CONFIG_UNSUPPORTED,
                     f"unknown macvtap mode '{mode}'", _FROM)
    if not os.path.isdir(f"/sys/class/net/{parent}"):
        raise report(C.VIR_ERR_INTERNAL_ERROR,
                     f"Cannot get interface index for '{parent}'", _FROM)
    with pyroute2.IPRoute() as ipr:
        ifname = name or _free_name()
        try:
            ipr.link("add", ifname=ifname, kind="macvtap",
                     link=ipr.link_lookup(ifname=parent)[0], macvtap_mode=MODES[mode],
                     address=mac)
        except netlink_errors.NetlinkError as exc:
            raise report_system(exc.code, f"error creating macvtap interface {ifname}@{parent} "
                                f"({mac})", _FROM) from None
        undo.callback(delete, ifname)
        index = ipr.link_lookup(ifname=ifname)[0]
        try:
            if mode == "passthrough":
                # passthru takes the parent's MAC at creation: the guest's is set again
                # (on the parent too, as libvirt does; it is not restored afterwards)
                ipr.link("set", index=index, address=mac)
            ipr.link("set", index=index, state="up")
        except netlink_errors.NetlinkError as exc:
            raise report_system(exc.code, f"Cannot set interface flags on '{ifname}'",
                                _FROM) from None
    fd = _open_chardev(f"/dev/tap{index}")
    fds.callback(os.close, fd)
    return fd, ifname


def _open_chardev(path: str) -> int:
    # udev (or devtmpfs) may make the node a moment after the link
    for _ in range(50):
        try:
            return os.open(path, os.O_RDWR | os.O_CLOEXEC)
        except FileNotFoundError:
            time.sleep(0.01)
        except OSError as exc:
            raise report_system(exc.errno or 0, f"cannot open macvtap tap device {path}",
                                _FROM) from None
    raise report(C.VIR_ERR_INTERNAL_ERROR, f"cannot open macvtap tap device {path}", _FROM)


def _free_name() -> str:
    used = set(os.listdir("/sys/class/net"))
    return next(f"macvtap{n}" for n in range(1 << 16) if f"macvtap{n}" not in used)


def delete(ifname: str) -> None:
    """Delete macvtap ``ifname`` if it is there (and is a macvtap)."""
    if not os.path.isdir(f"/sys/class/net/{ifname}"):
        return
    with pyroute2.IPRoute() as ipr:
        found = ipr.link_lookup(ifname=ifname)
        if not found:
            return
        links = ipr.get_links(found[0])
        info = links[0].get_attr("IFLA_LINKINFO") if links else None
        if info is None or info.get_attr("IFLA_INFO_KIND") != "macvtap":
            return
        with contextlib.suppress(netlink_errors.NetlinkError):
            ipr.link("del", index=found[0])


def delete_all(def_: Any) -> None:
    """Delete the macvtaps of a guest that stopped."""
    for net in getattr(def_.devices, "interfaces", []):
        if net.type.value in ("direct", "network") and net.target_dev:
            delete(net.target_dev)
