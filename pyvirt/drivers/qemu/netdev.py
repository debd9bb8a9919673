"""Host side of guest network interfaces: tap devices, bridges.

For ``<interface type='ethernet'|'bridge'>`` the driver opens a tap device
itself (``/dev/net/tun``, ``TUNSETIFF``), brings it up, adds it to the
bridge, and passes the descriptor to QEMU (``-netdev tap,fd=N``).  The tap
is not persistent: it disappears when QEMU, its last holder, exits.
"""

from __future__ import annotations

import fcntl
import os
import socket
import struct
from typing import Any

from pyvirt import constants as C
from pyvirt.errors import report, report_system

_FROM = C.VIR_FROM_QEMU

_TUNSETIFF = 0x400454CA
_IFF_TAP = 0x0002
_IFF_NO_PI = 0x1000
_IFF_VNET_HDR = 0x4000
_SIOCGIFFLAGS = 0x8913
_SIOCSIFFLAGS = 0x8914
_SIOCGIFINDEX = 0x8933
_SIOCBRADDIF = 0x89A2
_IFF_UP = 0x1


def _ifreq(name: str, data: bytes = b"") -> bytes:
    return struct.pack("16s", name.encode()) + data.ljust(24, b"\0")


def open_tap(name: str | None) -> tuple[int, str]:
    """Create (or open) tap ``name`` ('vnet%d' picks a free one); return (fd, name)."""
    try:
        fd = os.open("/dev/net/tun", os.O_RDWR | os.O_CLOEXEC)
    except OSError as exc:
        raise report_system(exc.errno or 0, "Unable to open /dev/net/tun", _FROM) from None
    try:
        req = _ifreq(name or "vnet%d", struct.pack("H", _IFF_TAP | _IFF_NO_PI | _IFF_VNET_HDR))
        res = fcntl.ioctl(fd, _TUNSETIFF, req)
    except OSError as exc:
        os.close(fd)
        raise report_system(exc.errno or 0,
                            f"Unable to create tap device {name or 'vnet%d'}", _FROM) from None
    ifname = res[:16].split(b"\0", 1)[0].decode()
    return fd, ifname


def set_up(ifname: str) -> None:
    """Bring ``ifname`` up."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            res = fcntl.ioctl(s, _SIOCGIFFLAGS, _ifreq(ifname))
            flags = struct.unpack("H", res[16:18])[0] | _IFF_UP
            fcntl.ioctl(s, _SIOCSIFFLAGS, _ifreq(ifname, struct.pack("H", flags)))
        except OSError as exc:
            raise report_system(exc.errno or 0, f"Cannot set interface flags on '{ifname}'",
                                _FROM) from None


def add_to_bridge(bridge: str, ifname: str) -> None:
    """Add ``ifname`` to ``bridge``."""
    if not os.path.isdir(f"/sys/class/net/{bridge}/bridge"):
        raise report(C.VIR_ERR_CONFIG_UNSUPPORTED,
                     f"bridge '{bridge}' does not exist or is not a bridge", _FROM)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            res = fcntl.ioctl(s, _SIOCGIFINDEX, _ifreq(ifname))
            index = struct.unpack("i", res[16:20])[0]
            fcntl.ioctl(s, _SIOCBRADDIF, _ifreq(bridge, struct.pack("i", index)))
        except OSError as exc:
            raise report_system(exc.errno or 0,
                                f"Unable to add bridge {bridge} port {ifname}", _FROM) from None


def interface_stats(ifname: str) -> tuple[int, int, int, int, int, int, int, int]:
    """(rx_bytes, rx_packets, rx_errs, rx_drop, tx_bytes, tx_packets, tx_errs, tx_drop).

    Seen from the guest, as libvirt reports: the host's tx is the guest's rx.
    """
    base = f"/sys/class/net/{ifname}/statistics/"

    def get(name: str) -> int:
        try:
            with open(base + name) as f:
                return int(f.read())
        except (OSError, ValueError):
            return 0

    return (get("tx_bytes"), get("tx_packets"), get("tx_errors"), get("tx_dropped"),
            get("rx_bytes"), get("rx_packets"), get("rx_errors"), get("rx_dropped"))


def apply_bandwidth(net: Any) -> None:
    """Give the host side of interface ``net`` (its tap or macvtap, ``net.target_dev``) the
    interface's ``<bandwidth>``, if it has one (tc; see
    :mod:`pyvirt.drivers.network.bandwidth`)."""
    elem = next((e for e in getattr(net, "kept", []) if e.tag == "bandwidth"), None)
    if elem is None or not net.target_dev:
        return
    from lxml import etree

    from pyvirt.conf import xmlutil
    from pyvirt.conf.netcommon import Bandwidth
    from pyvirt.drivers.network import bandwidth
    bandwidth.apply(net.target_dev, Bandwidth.parse(etree.fromstring(xmlutil.to_string(elem))))


def clear_bandwidth(def_: Any) -> None:
    """Remove what :func:`apply_bandwidth` left on the host for a guest that stopped (the
    policing tables outlive the taps)."""
    for net in getattr(def_.devices, "interfaces", []):
        clear_bandwidth_of(net)


def clear_bandwidth_of(net: Any) -> None:
    """Remove what :func:`apply_bandwidth` left for interface ``net`` (failures logged)."""
    if not net.target_dev or not any(e.tag == "bandwidth" for e in getattr(net, "kept", [])):
        return
    from pyvirt.drivers.network import bandwidth
    from pyvirt.errors import libvirtError
    try:
        bandwidth.clear(net.target_dev)
    except libvirtError as exc:
        import logging
        logging.getLogger(__name__).warning("bandwidth of %s: %s", net.target_dev, exc)


def _kept(net: Any, tag: str) -> Any:
    """The ``<tag>`` element interface ``net`` keeps (vlan, virtualport, bandwidth), parsed
    into its conf object (None when absent)."""
    elem = next((e for e in getattr(net, "kept", []) if e.tag == tag), None)
    if elem is None:
        return None
    from lxml import etree

    from pyvirt.conf import netcommon, xmlutil
    node = etree.fromstring(xmlutil.to_string(elem))
    if tag == "vlan":
        return netcommon.Vlan.parse(node)
    if tag == "virtualport":
        return netcommon.VirtualPort.parse(node)
    return netcommon.Bandwidth.parse(node)


def openvswitch_port(net: Any) -> Any:
    """The ``<virtualport type='openvswitch'>`` of interface ``net`` (None: not on OVS)."""
    from pyvirt.conf.netcommon import VirtualPortType
    vport = _kept(net, "virtualport")
    return vport if vport is not None and vport.type is VirtualPortType.OPENVSWITCH else None


def validate(net: Any, direct_mode: str | None) -> None:
    """Refuse what interface ``net`` asks for but its connection cannot give, as libvirt's
    virDomainActualNetDefValidate: a ``floor`` off a network, a ``<vlan>`` other than on
    an Open vSwitch port or a macvtap ``passthrough`` device (and there only on an SR-IOV
    virtual function, which pyvirt does not set up)."""
    from pyvirt.drivers.network import floor
    mac, kind = net.mac or "", net.type.value
    if kind != "network" and floor.floor_of(_kept(net, "bandwidth")):
        raise floor.off_network(mac, C.VIR_ERR_CONFIG_UNSUPPORTED, _FROM)
    if _kept(net, "vlan") is None:
        return
    if kind in ("bridge", "network") and openvswitch_port(net) is not None:
        return
    if direct_mode == "passthrough":
        raise report(C.VIR_ERR_CONFIG_UNSUPPORTED, f"interface {mac} - a vlan tag on a "
                     "macvtap passthrough device is set on its SR-IOV virtual function, and "
                     "pyvirt does not manage virtual functions", _FROM)
    raise report(C.VIR_ERR_CONFIG_UNSUPPORTED,
                 f"interface {mac} - vlan tag not supported for this connection type", _FROM)


def plug_bridge(net: Any, bridge: str, ifname: str, owner_uuid: str) -> None:
    """Put tap ``ifname`` of interface ``net`` on ``bridge``: a Linux bridge, or an Open
    vSwitch one when the interface has ``<virtualport type='openvswitch'>`` (the OVS port
    outlives the tap: :func:`unplug_openvswitch` deletes it)."""
    vport = openvswitch_port(net)
    if vport is None:
        add_to_bridge(bridge, ifname)
        return
    import uuid

    from pyvirt.drivers.network import openvswitch
    openvswitch.add_port(bridge, ifname, net.mac or "", vport.interfaceid or str(uuid.uuid4()),
                         owner_uuid, _kept(net, "vlan"), vport.profileid)


def unplug_openvswitch(nets: Any) -> None:
    """Delete the Open vSwitch ports of interfaces ``nets`` (a guest stopped, a NIC
    unplugged)."""
    for net in nets:
        if net.target_dev and net.type.value in ("bridge", "network") and \
                openvswitch_port(net) is not None:
            from pyvirt.drivers.network import openvswitch
            openvswitch.del_port(net.target_dev)
