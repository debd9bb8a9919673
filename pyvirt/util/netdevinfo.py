"""What libvirt reports about a host network device: link state, speed, offloads.

Read the way libvirt 9.0 reads them (virNetDevGetLinkInfo and
virNetDevGetFeatures): the link from ``/sys/class/net/NAME/operstate`` and
``speed`` (the speed only when the link is up; the kernel's ``-1`` for
"unknown" is shown as libvirt shows it, as an unsigned 32-bit number), the
offload features through the ``SIOCETHTOOL`` ioctl.  Used by the node-device
driver (``<capability type='net'>``) and the interface driver (``<link>``).
"""

from __future__ import annotations

import ctypes
import fcntl
import os
import socket
import struct

SIOCETHTOOL = 0x8946

# ethtool commands that answer one on/off value (struct ethtool_value)
_VALUE_CMDS = (("rx", 0x14), ("tx", 0x16), ("sg", 0x18), ("tso", 0x1e),
               ("gso", 0x23), ("gro", 0x2b))
_GFLAGS = 0x25
# bits of ETHTOOL_GFLAGS, in libvirt's feature order
_FLAG_BITS = (("lro", 1 << 15), ("rxvlan", 1 << 8), ("txvlan", 1 << 7),
              ("ntuple", 1 << 27), ("rxhash", 1 << 28))
_GFEATURES = 0x3a
# libvirt asks the generic feature words for this bit (its TX_UDP_TNL)
_TX_UDP_TNL_BIT = 25

#: operstate values, in libvirt's virNetDevIfState order
LINK_STATES = ("unknown", "notpresent", "down", "lowerlayerdown", "testing", "dormant", "up")

#: every feature name libvirt knows, in its order (how they are printed)
FEATURE_ORDER = ("rx", "tx", "sg", "tso", "gso", "gro", "lro", "rxvlan", "txvlan",
                 "ntuple", "rxhash", "rdma", "txudptnl", "switchdev")


def _sysfs(ifname: str, attr: str, sysroot: str = "/sys") -> str | None:
    try:
        with open(os.path.join(sysroot, "class/net", ifname, attr)) as f:
            return f.read().strip()
    except OSError:
        return None


def link_info(ifname: str, sysroot: str = "/sys") -> tuple[str | None, int]:
    """(state, speed in Mbit/s) of ``ifname``; speed 0 when not known or the link
    is not up.  The state is None when the device has no operstate."""
    state = _sysfs(ifname, "operstate", sysroot)
    if state is None or state not in LINK_STATES:
        return (None, 0) if state is None else ("unknown", 0)
    speed = 0
    if state == "up":
        text = _sysfs(ifname, "speed", sysroot)
        if text:
            try:
                speed = int(text) & 0xFFFFFFFF
            except ValueError:
                speed = 0
    return state, speed


def _ethtool(sock: socket.socket, ifname: str, buf: ctypes.Array) -> bool:
    """Run one SIOCETHTOOL request whose data is ``buf``; False when refused."""
    ifr = struct.pack("16sP", ifname.encode()[:15], ctypes.addressof(buf)) + b"\0" * 16
    try:
        fcntl.ioctl(sock.fileno(), SIOCETHTOOL, ifr)
    except OSError:
        return False
    return True


def features(ifname: str, sysroot: str = "/sys") -> list[str]:
    """The offload features ``ifname`` has on, by libvirt's names, in its order."""
    found: set[str] = set()
    try:
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    except OSError:
        return []
    with sock:
        for name, cmd in _VALUE_CMDS:
            buf = (ctypes.c_uint32 * 2)(cmd, 0)
            if _ethtool(sock, ifname, buf) and buf[1]:
                found.add(name)
        buf = (ctypes.c_uint32 * 2)(_GFLAGS, 0)
        if _ethtool(sock, ifname, buf):
            found.update(name for name, bit in _FLAG_BITS if buf[1] & bit)
        # ethtool_gfeatures: cmd, size, then 'size' blocks of
        # (available, requested, active, never_changed)
        blocks = 2
        gbuf = (ctypes.c_uint32 * (2 + 4 * blocks))(_GFEATURES, blocks)
        if _ethtool(sock, ifname, gbuf):
            block, bit = divmod(_TX_UDP_TNL_BIT, 32)
            if gbuf[2 + 4 * block + 2] & (1 << bit):
                found.add("txudptnl")
    if os.path.isdir(os.path.join(sysroot, "class/net", ifname, "device/infiniband")):
        found.add("rdma")
    return [name for name in FEATURE_ORDER if name in found]


__all__ = ["FEATURE_ORDER", "LINK_STATES", "features", "link_info"]
