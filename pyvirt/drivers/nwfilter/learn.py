"""Learning a port's IPv4 address from its traffic, as libvirt's nwfilter does.

libvirt watches a filtered port whose filters want ``$IP`` and no ``IP``
parameter was given: with ``CTRL_IP_LEARNING='any'`` (the default) the
first ARP packet or IPv4 packet the guest sends with its MAC tells its
address; with ``'dhcp'`` only a DHCP acknowledgement sent to it (from one
of ``DHCPSERVER`` when given) does.  :class:`Learner` reads the port's
frames through an ``AF_PACKET`` socket (which sees them before the bridge
filters them) and calls back once with the address.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
import struct
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)
ETH_P_ALL = 0x0003
POLL = 0.2        # seconds between looks at whether the learner is still wanted


def _mac_bytes(mac: str) -> bytes:
    return bytes(int(x, 16) for x in mac.split(":"))


def address_in(frame: bytes, mac: str, mode: str, servers: list[str] | None = None
               ) -> str | None:
    """The guest's IPv4 address a frame tells (None when it tells none).

    ``mode`` is ``any`` (ARP or IPv4 sent by ``mac``, or a DHCP ack to it) or
    ``dhcp`` (only the DHCP ack, from ``servers`` when given)."""
    if len(frame) < 42:
        return None
    want = _mac_bytes(mac)
    dst, src, ethertype = frame[0:6], frame[6:12], struct.unpack("!H", frame[12:14])[0]
    if ethertype == 0x0806 and mode == "any" and src == want:
        op = struct.unpack("!H", frame[20:22])[0]
        sender = frame[28:32]
        if op in (1, 2) and frame[22:28] == want and sender != b"\0\0\0\0":
            return str(ipaddress.IPv4Address(sender))
        return None
    if ethertype != 0x0800:
        return None
    ihl = (frame[14] & 0x0F) * 4
    proto, saddr = frame[23], frame[26:30]
    if src == want and mode == "any" and saddr != b"\0\0\0\0":
        return str(ipaddress.IPv4Address(saddr))
    udp = 14 + ihl
    if proto != 17 or dst != want or len(frame) < udp + 8 + 240:
        return None
    sport, dport = struct.unpack("!HH", frame[udp:udp + 4])
    if (sport, dport) != (67, 68):
        return None
    if servers and str(ipaddress.IPv4Address(saddr)) not in servers:
        return None
    bootp = frame[udp + 8:]
    if bootp[0] != 2 or bootp[28:34] != want or bootp[236:240] != b"\x63\x82\x53\x63":
        return None
    i = 240
    while i + 1 < len(bootp) and bootp[i] != 255:
        if bootp[i] == 0:
            i += 1
            continue
        if bootp[i] == 53 and i + 2 < len(bootp) and bootp[i + 2] == 5:     # DHCPACK
            return str(ipaddress.IPv4Address(bootp[16:20]))
        i += 2 + bootp[i + 1]
    return None


class Learner:
    """Watch ``portdev`` until a frame tells the address of ``mac``; then call
    ``found(ip)`` once.  ``wanted()`` says whether to go on (checked between reads)."""

    def __init__(self, portdev: str, mac: str, mode: str, servers: list[str],
                 found: Callable[[str], None], wanted: Callable[[], bool]) -> None:
        self.portdev, self.mac, self.mode, self.servers = portdev, mac, mode, servers
        self.found, self.wanted = found, wanted
        self.sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
        try:
            self.sock.bind((portdev, 0))
            self.sock.settimeout(POLL)
        except OSError:
            self.sock.close()
            raise
        self.thread = threading.Thread(target=self._run, name=f"nwfilter-learn-{portdev}",
                                       daemon=True)

    def start(self) -> None:
        """Start watching (a daemon thread)."""
        self.thread.start()

    def _run(self) -> None:
        try:
            while self.wanted():
                try:
                    frame = self.sock.recv(2048)
                except TimeoutError:
                    continue
                except OSError as exc:
                    log.warning("learning the address of %s stopped: %s", self.portdev, exc)
                    return
                ip = address_in(frame, self.mac, self.mode, self.servers)
                if ip is not None:
                    self.found(ip)
                    return
        finally:
            self.sock.close()
