"""The interface driver of a host root: the host's network interfaces, read live.

It answers as libvirt's udev interface backend does (the backend Debian's
libvirt uses): every interface of the ``net`` class in sysfs, active when
its ``operstate`` is ``up``; its XML made from sysfs on each call — MAC
address, MTU, link state and speed, and by kind (udev's ``DEVTYPE``) a
bridge with its ports (``brif/``, leaving out guest taps named ``vnetN``),
a bond with its options and enslaved interfaces, a VLAN with its tag and
parent device (``/proc/net/vlan``).  Like that backend it changes nothing:
defining, starting, stopping and the change transactions answer
``VIR_ERR_NO_SUPPORT``.
"""

from __future__ import annotations

import logging
import os
from typing import Any

from pyvirt import constants as C
from pyvirt.conf import interface as ifaceconf
from pyvirt.driver import interface as I
from pyvirt.drivers import hostroot
from pyvirt.drivers.test.interface import IfaceObj
from pyvirt.errors import check_flags, libvirtError, report
from pyvirt.util import netdevinfo
from pyvirt.util.hostinfo import read as _hostread

log = logging.getLogger(__name__)


def _readopt(path: str) -> str | None:
    """The stripped text of ``path``, None when unreadable or empty."""
    return _hostread(path) or None


_FROM = C.VIR_FROM_INTERFACE
# a guest tap libvirt names itself: not shown as a bridge port
_GUEST_TAP = "vnet"



class HostIfaceDriver(I.InterfaceDriver):
    """Read-only view of the host's interfaces."""

    error_domain = _FROM

    def __init__(self, root: hostroot.HostRoot, sysroot: str = "/sys",
                 procroot: str = "/proc") -> None:
        self.root = root
        self.sysroot = sysroot
        self.procroot = procroot

    def startup(self) -> None:
        """Nothing to load: every call reads the host."""

    def shutdown(self) -> None:
        """Nothing runs."""

    def connectClose(self) -> int:
        """One connection of the root is done with the driver."""
        hostroot.release("iface", self.root)
        return 0

    # --- reading the host ----------------------------------------------------------
    def _dir(self, name: str) -> str:
        return os.path.join(self.sysroot, "class/net", name)

    def _names(self) -> list[str]:
        """The interfaces to list: not those enslaved to a bridge or bond (they show
        inside their master's XML), as libvirt's backend lists them."""
        try:
            names = sorted(os.listdir(os.path.join(self.sysroot, "class/net")))
        except OSError:
            return []
        return [n for n in names if not os.path.islink(os.path.join(self._dir(n), "master"))]

    def _active(self, name: str) -> bool:
        return _readopt(os.path.join(self._dir(name), "operstate")) == "up"

    def _exists(self, name: str) -> bool:
        return bool(name) and "/" not in name and name not in (".", "..") \
            and os.path.isdir(self._dir(name))

    def _def(self, name: str, depth: int = 0) -> ifaceconf.InterfaceDef:
        base = self._dir(name)
        if not self._exists(name):
            raise report(C.VIR_ERR_NO_INTERFACE, f"couldn't find interface named '{name}'",
                         _FROM)
        def_ = ifaceconf.InterfaceDef(name=name)
        def_.mac = _readopt(os.path.join(base, "address"))
        mtu = _readopt(os.path.join(base, "mtu"))
        if mtu is not None and mtu.isdigit():
            def_.mtu = int(mtu)
        state, speed = netdevinfo.link_info(name, self.sysroot)
        if state is not None:
            def_.link_state = ifaceconf.LinkState(state)
        def_.link_speed = speed or None
        devtype = None
        for line in (_readopt(os.path.join(base, "uevent")) or "").splitlines():
            if line.startswith("DEVTYPE="):
                devtype = line[len("DEVTYPE="):]
        if depth > 8:                # a loop of bridges and bonds: stop descending
            return def_
        if devtype == "bridge":
            self._bridge(def_, base, depth)
        elif devtype == "bond":
            self._bond(def_, base, depth)
        elif devtype == "vlan":
            self._vlan(def_)
        return def_

    def _bridge(self, def_: ifaceconf.InterfaceDef, base: str, depth: int) -> None:
        def_.type = ifaceconf.InterfaceType.BRIDGE
        # libvirt 9.0 shows sysfs's value as it is (centiseconds), not in seconds
        def_.delay = _readopt(os.path.join(base, "bridge/forward_delay"))
        stp = _readopt(os.path.join(base, "bridge/stp_state"))
        if stp in ("0", "1"):
            def_.stp = stp == "1"
        try:
            ports = sorted(os.listdir(os.path.join(base, "brif")))
        except OSError:
            ports = []
        for port in ports:
            if port.startswith(_GUEST_TAP) and port[len(_GUEST_TAP):][:1].isdigit():
                continue
            def_.members.append(self._def(port, depth + 1))

    def _bond(self, def_: ifaceconf.InterfaceDef, base: str, depth: int) -> None:
        def_.type = ifaceconf.InterfaceType.BOND

        def num(attr: str) -> int:
            text = (_readopt(os.path.join(base, "bonding", attr)) or "").split()
            value = text[-1] if text else ""
            try:
                return int(value)
            except ValueError:
                raise report(C.VIR_ERR_INTERNAL_ERROR, f"Could not parse 'bonding/{attr}' "
                             f"'{value}' for '{def_.name}'", _FROM) from None
        modes = list(ifaceconf.BondMode)
        mode = num("mode")
        def_.bond_mode = modes[mode] if 0 <= mode < len(modes) else None
        interval, freq = num("arp_interval"), num("miimon")
        if interval > 0:
            def_.arpmon_interval = interval
            def_.arpmon_target = _readopt(os.path.join(base, "bonding/arp_ip_target")) or None
            validate = (_readopt(os.path.join(base, "bonding/arp_validate")) or "").split()
            if validate and validate[0] != "none":
                def_.arpmon_validate = validate[0]
        elif freq > 0:
            def_.miimon_freq = freq
            def_.miimon_downdelay = num("downdelay") or None
            def_.miimon_updelay = num("updelay") or None
            def_.miimon_carrier = "netif" if num("use_carrier") else "ioctl"
        slaves = (_readopt(os.path.join(base, "bonding/slaves")) or "").split()
        for slave in sorted(slaves):
            def_.members.append(self._def(slave, depth + 1))

    def _vlan(self, def_: ifaceconf.InterfaceDef) -> None:
        def_.type = ifaceconf.InterfaceType.VLAN
        text = _readopt(os.path.join(self.procroot, "net/vlan", def_.name)) or ""
        tag = device = None
        for line in text.splitlines():
            if "VID:" in line:
                tag = line.split("VID:", 1)[1].split()[0]
            if line.startswith("Device:"):
                device = line.split(":", 1)[1].strip()
        if tag is None or device is None:
            stem, dot, vid = def_.name.rpartition(".")
            if not dot:
                raise report(C.VIR_ERR_INTERNAL_ERROR, f"failed to find the VID for the "
                             f"VLAN device '{def_.name}'", _FROM)
            tag, device = vid, stem
        def_.vlan_tag, def_.vlan_dev = tag, device

    def _obj(self, name: str) -> IfaceObj:
        def_ = self._def(name)
        return IfaceObj(def_, self._active(name))

    # --- the API -----------------------------------------------------------------------
    def connectNumOfInterfaces(self) -> int:
        """Count the interfaces that are up."""
        return len(self.connectListInterfaces())

    def connectNumOfDefinedInterfaces(self) -> int:
        """Count the interfaces that are not up."""
        return len(self.connectListDefinedInterfaces())

    def connectListInterfaces(self) -> list[str]:
        """Names of the interfaces that are up."""
        return [n for n in self._names() if self._active(n)]

    def connectListDefinedInterfaces(self) -> list[str]:
        """Names of the interfaces that are not up."""
        return [n for n in self._names() if not self._active(n)]

    def connectListAllInterfaces(self, flags: int) -> list[IfaceObj]:
        """The interfaces VIR_CONNECT_LIST_INTERFACES_ACTIVE/INACTIVE select."""
        on, off = C.VIR_CONNECT_LIST_INTERFACES_ACTIVE, C.VIR_CONNECT_LIST_INTERFACES_INACTIVE
        check_flags(flags, on | off, "udevConnectListAllInterfaces", _FROM)
        out = []
        for name in self._names():
            active = self._active(name)
            if flags & (on | off) and not ((flags & on and active) or (flags & off
                                                                       and not active)):
                continue
            try:
                out.append(self._obj(name))
            except libvirtError:      # gone while listing
                log.debug("interface %s went away while listing", name)
        return out

    def interfaceLookupByName(self, name: str) -> IfaceObj:
        """The interface called ``name``."""
        return self._obj(name)

    def interfaceLookupByMACString(self, macstr: str) -> IfaceObj:
        """The one interface with MAC address ``macstr``."""
        want = (macstr or "").lower()
        found = [n for n in self._names()
                 if (_readopt(os.path.join(self._dir(n), "address")) or "").lower() == want]
        if not found:
            raise report(C.VIR_ERR_NO_INTERFACE,
                         f"couldn't find interface with MAC address '{macstr}'", _FROM)
        if len(found) > 1:
            raise report(C.VIR_ERR_MULTIPLE_INTERFACES, f"the MAC address '{macstr}' "
                         f"matches multiple interfaces", _FROM)
        return self._obj(found[0])

    def interfaceIsActive(self, iface: Any) -> int:
        """1 when the interface is up."""
        if not self._exists(iface.name):
            raise report(C.VIR_ERR_NO_INTERFACE,
                         f"couldn't find interface named '{iface.name}'", _FROM)
        return int(self._active(iface.name))

    def interfaceGetXMLDesc(self, iface: Any, flags: int) -> str:
        """The interface's XML, read from the host now."""
        check_flags(flags, C.VIR_INTERFACE_XML_INACTIVE, "udevInterfaceGetXMLDesc", _FROM)
        return self._def(iface.name).format()


def open_iface(root: hostroot.HostRoot) -> HostIfaceDriver:
    """The interface driver of ``root``, one more connection's reference."""
    drv: HostIfaceDriver = hostroot.acquire("iface", root, HostIfaceDriver)
    return drv


__all__ = ["HostIfaceDriver", "open_iface"]
