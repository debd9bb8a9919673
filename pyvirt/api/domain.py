"""virDomain, virDomainSnapshot and virDomainCheckpoint."""

from __future__ import annotations

from typing import Any

from pyvirt.api import _generated as G
from pyvirt.api.base import ApiObject, NamedUUIDObject


class virDomain(NamedUUIDObject, G._virDomain):  # noqa: N801
    """A guest: lifecycle, configuration and runtime queries."""

    __slots__ = ()

    def ID(self) -> int:  # noqa: N802
        """Return the domain's id (-1 when it is not running), as when it was looked up."""
        return self._o.id


class _DomainChild(ApiObject):
    """An object that belongs to a domain (snapshot, checkpoint)."""

    __slots__ = ("_dom",)

    def __init__(self, dom: Any, _obj: Any = None) -> None:
        ApiObject.__init__(self, dom._conn, _obj)
        self._dom = dom

    def domain(self) -> Any:
        """Return the virDomain this object belongs to."""
        return self._dom

    def getDomain(self) -> Any:  # noqa: N802
        """Return the virDomain this object belongs to."""
        return self._dom

    def getConnect(self) -> Any:  # noqa: N802
        """Return the connection."""
        return self._conn

    def getName(self) -> str:  # noqa: N802
        """Return the object's name."""
        return self._o.name


class virDomainSnapshot(_DomainChild, G._virDomainSnapshot):  # noqa: N801
    """A snapshot of a domain."""

    __slots__ = ()


class virDomainCheckpoint(_DomainChild, G._virDomainCheckpoint):  # noqa: N801
    """A checkpoint of a domain."""

    __slots__ = ()
