"""The host-resource classes: networks, storage, interfaces, devices, secrets, filters."""

from __future__ import annotations

from typing import Any

from pyvirt.api import _generated as G
from pyvirt.api.base import ApiObject, NamedUUIDObject, uuid_bytes


class virNetwork(NamedUUIDObject, G._virNetwork):  # noqa: N801
    """A virtual network."""

    _family = "_net"


class virNetworkPort(ApiObject, G._virNetworkPort):  # noqa: N801
    """A port of a virtual network."""

    _family = "_net"

    def __init__(self, net: Any, _obj: Any = None) -> None:
        ApiObject.__init__(self, net._conn, _obj)
        self._net = net

    def network(self) -> Any:
        """Return the virNetwork the port belongs to."""
        return self._net

    def UUID(self) -> bytes:  # noqa: N802
        """Return the port's UUID as 16 bytes."""
        return uuid_bytes(self._o.uuid)

    def UUIDString(self) -> str:  # noqa: N802
        """Return the port's UUID as a string."""
        return self._o.uuid


class virStoragePool(NamedUUIDObject, G._virStoragePool):  # noqa: N801
    """A storage pool."""

    _family = "_stor"


class virStorageVol(ApiObject, G._virStorageVol):  # noqa: N801
    """A storage volume."""

    _family = "_stor"

    def name(self) -> str:
        """Return the volume's name."""
        return self._o.name

    def key(self) -> str:
        """Return the volume's key (unique on the host)."""
        return self._o.key


class virInterface(ApiObject, G._virInterface):  # noqa: N801
    """A host network interface."""

    _family = "_iface"

    def name(self) -> str:
        """Return the interface's name."""
        return self._o.name

    def MACString(self) -> str:  # noqa: N802
        """Return the interface's MAC address."""
        return self._o.mac


class virNodeDevice(ApiObject, G._virNodeDevice):  # noqa: N801
    """A host device."""

    _family = "_dev"

    def name(self) -> str:
        """Return the device's name."""
        return self._o.name


class virSecret(ApiObject, G._virSecret):  # noqa: N801
    """A secret (a passphrase or key) kept by the secret driver."""

    _family = "_sec"

    def UUID(self) -> bytes:  # noqa: N802
        """Return the secret's UUID as 16 bytes."""
        return uuid_bytes(self._o.uuid)

    def UUIDString(self) -> str:  # noqa: N802
        """Return the secret's UUID as a string."""
        return self._o.uuid


class virNWFilter(NamedUUIDObject, G._virNWFilter):  # noqa: N801
    """A network filter."""

    _family = "_nwf"


class virNWFilterBinding(ApiObject, G._virNWFilterBinding):  # noqa: N801
    """A binding of a network filter to a port."""

    _family = "_nwf"

    def portDev(self) -> str:  # noqa: N802
        """Return the port device the binding applies to."""
        return self._o.portdev

    def filterName(self) -> str:  # noqa: N802
        """Return the name of the bound filter."""
        return self._o.filtername
