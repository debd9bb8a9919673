"""Graphics events of the QEMU driver: QEMU's SPICE client events as libvirt's.

QEMU reports SPICE clients with ``SPICE_CONNECTED`` (a channel connected),
``SPICE_INITIALIZED`` (its link handshake done) and ``SPICE_DISCONNECTED``;
libvirt turns each into a ``VIR_DOMAIN_EVENT_ID_GRAPHICS`` event with phase
CONNECT, INITIALIZE or DISCONNECT, the server's and the client's address
(family, host, port) and, for INITIALIZE only, the server's auth scheme
("none" or "spice"); SPICE events carry no identity subject.  An event
without the server or client part is dropped, as libvirt drops it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pyvirt import constants as C
from pyvirt.drivers.qemu.domobj import DomainObj

_FAMILIES = {"ipv4": C.VIR_DOMAIN_EVENT_GRAPHICS_ADDRESS_IPV4,
             "ipv6": C.VIR_DOMAIN_EVENT_GRAPHICS_ADDRESS_IPV6,
             "unix": C.VIR_DOMAIN_EVENT_GRAPHICS_ADDRESS_UNIX}


def _address(part: dict) -> dict[str, Any] | None:
    """libvirt's event address (family number, node, service) of a QMP address."""
    family, host, port = part.get("family"), part.get("host"), part.get("port")
    if family is None or host is None or port is None:
        return None
    return {"family": _FAMILIES.get(str(family), C.VIR_DOMAIN_EVENT_GRAPHICS_ADDRESS_IPV4),
            "node": str(host), "service": str(port)}


def spice_event(data: dict, phase: int) -> tuple | None:
    """The GRAPHICS event arguments for a SPICE_* event's data, or None to drop it."""
    server, client = data.get("server"), data.get("client")
    if not isinstance(server, dict) or not isinstance(client, dict):
        return None
    local, remote = _address(server), _address(client)
    if local is None or remote is None:
        return None
    auth = str(server.get("auth") or "") if phase == C.VIR_DOMAIN_EVENT_GRAPHICS_INITIALIZE \
        else ""
    return (phase, local, remote, auth, [])


class GraphicsAPI:
    """QMP handlers for the SPICE events (mixed into the QEMU driver)."""

    # provided by QemuDriver
    emit: Callable[..., None]

    def _spice(self, vm: DomainObj, data: dict, phase: int) -> None:
        args = spice_event(data, phase)
        if args is not None:
            self.emit(vm, C.VIR_DOMAIN_EVENT_ID_GRAPHICS, *args)

    def qmp_spice_connected(self, vm: DomainObj, data: dict) -> None:
        """A SPICE channel connected."""
        self._spice(vm, data, C.VIR_DOMAIN_EVENT_GRAPHICS_CONNECT)

    def qmp_spice_initialized(self, vm: DomainObj, data: dict) -> None:
        """A SPICE channel finished its link handshake."""
        self._spice(vm, data, C.VIR_DOMAIN_EVENT_GRAPHICS_INITIALIZE)

    def qmp_vserport_change(self, vm: DomainObj, data: dict) -> None:
        """A virtio-serial port opened or closed: a spicevmc channel's live state here,
        then the other mixins (the agent's channel)."""
        from pyvirt.drivers.qemu import spice
        for chan in spice.spicevmc_channels(vm.def_):
            if chan.alias == data.get("id"):
                chan.target_state = "connected" if data.get("open") else "disconnected"
        parent = getattr(super(), "qmp_vserport_change", None)
        if parent is not None:
            parent(vm, data)

    def qmp_spice_disconnected(self, vm: DomainObj, data: dict) -> None:
        """A SPICE channel closed."""
        self._spice(vm, data, C.VIR_DOMAIN_EVENT_GRAPHICS_DISCONNECT)
