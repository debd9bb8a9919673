"""What every public object shares: its connection, driver and handle."""

from __future__ import annotations

from typing import Any


class ApiObject:
    """Base of the public object classes.

    ``_o`` is the driver's handle for the object (libvirt-python keeps its C
    pointer under the same name); ``_drv`` the family driver that serves it;
    ``_ro`` whether the connection is read-only.
    """

    _family = "_hv"

    def __init__(self, conn: Any, _obj: Any = None) -> None:
        self._conn = conn
        self._o = _obj
        self._drv = getattr(conn, self._family)
        self._ro = conn._ro

    def connect(self) -> Any:
        """Return the virConnect this object belongs to."""
        return self._conn

    def c_pointer(self) -> int:
        """Return an integer identifying the underlying object (its id here)."""
        return id(self._o)


def uuid_bytes(text: str) -> bytes:
    """Return the 16 raw bytes of a UUID string."""
    import uuid  # (uuid imports platform: only when bytes are asked for)

    return uuid.UUID(text).bytes


class NamedUUIDObject(ApiObject):
    """An object whose handle carries ``name`` and ``uuid`` (domain, network, pool...)."""

    def name(self) -> str:
        """Return the object's name."""
        return self._o.name

    def UUID(self) -> bytes:  # noqa: N802
        """Return the object's UUID as 16 bytes."""
        return uuid_bytes(self._o.uuid)

    def UUIDString(self) -> str:  # noqa: N802
        """Return the object's UUID as a string."""
        return self._o.uuid
