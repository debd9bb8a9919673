"""The object handles that travel in RPC messages.

libvirt identifies objects on the wire by small structs
(``remote_nonnull_domain``: name, uuid, id; ``remote_nonnull_storage_vol``:
pool, name, key ...).  They decode to these slotted classes, which are
also valid driver handles (``.name``, ``.uuid`` as canonical text, ``.id``),
so the daemon passes them straight to a local driver and the remote
client returns them to the API layer.  Encoding accepts any object with
the same attributes; :func:`encode_prep` adapts the few families whose
driver handles may spell them differently.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


class _Handle:
    """Fields in wire order (``_fields``); positional construction follows it."""

    __slots__: tuple[str, ...] = ()
    _fields: tuple[str, ...] = ()

    def __init__(self, *values: Any) -> None:
        for name, value in zip(self._fields, values):
            setattr(self, name, value)

    def __repr__(self) -> str:
        inner = ", ".join(f"{n}={getattr(self, n)!r}" for n in self._fields)
        return f"{type(self).__name__}({inner})"

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and all(
            getattr(self, n) == getattr(other, n) for n in self._fields)

    def __hash__(self) -> int:
        return hash(tuple(getattr(self, n) for n in self._fields if n != "id"))


class DomainHandle(_Handle):
    """remote_nonnull_domain."""

    __slots__ = ("id", "name", "uuid")
    _fields = ("name", "uuid", "id")


class NetworkHandle(_Handle):
    """remote_nonnull_network."""

    __slots__ = ("name", "uuid")
    _fields = ("name", "uuid")


class NetworkPortHandle(_Handle):
    """remote_nonnull_network_port: the network and the port's UUID."""

    __slots__ = ("net", "uuid")
    _fields = ("net", "uuid")


class NWFilterHandle(_Handle):
    """remote_nonnull_nwfilter."""

    __slots__ = ("name", "uuid")
    _fields = ("name", "uuid")


class NWFilterBindingHandle(_Handle):
    """remote_nonnull_nwfilter_binding."""

    __slots__ = ("filtername", "portdev")
    _fields = ("portdev", "filtername")


class InterfaceHandle(_Handle):
    """remote_nonnull_interface."""

    __slots__ = ("mac", "name")
    _fields = ("name", "mac")


class StoragePoolHandle(_Handle):
    """remote_nonnull_storage_pool."""

    __slots__ = ("name", "uuid")
    _fields = ("name", "uuid")
    name: str
    uuid: str


class StorageVolHandle(_Handle):
    """remote_nonnull_storage_vol: pool name, volume name, key."""

    __slots__ = ("key", "name", "pool")
    _fields = ("pool", "name", "key")


class NodeDeviceHandle(_Handle):
    """remote_nonnull_node_device."""

    __slots__ = ('name',)
    _fields = ('name',)


class SecretHandle(_Handle):
    """remote_nonnull_secret."""

    __slots__ = ("usageID", "usageType", "uuid")
    _fields = ("uuid", "usageType", "usageID")


class CheckpointHandle(_Handle):
    """remote_nonnull_domain_checkpoint."""

    __slots__ = ("dom", "name")
    _fields = ("name", "dom")
    dom: Any
    name: str

    @property
    def domain(self) -> Any:
        """The domain's handle (the name drivers use for it)."""
        return self.dom


class SnapshotHandle(_Handle):
    """remote_nonnull_domain_snapshot."""

    __slots__ = ("dom", "name")
    _fields = ("name", "dom")
    dom: Any
    name: str

    @property
    def domain(self) -> Any:
        """The domain's handle (the name drivers use for it)."""
        return self.dom


def _name_of(value: Any) -> Any:
    return value if isinstance(value, str) or value is None else value.name


def _prep_vol(v: Any) -> Any:
    if type(v) is StorageVolHandle:
        return v
    pool = getattr(v, "pool", None)
    if pool is None:
        pool = getattr(v, "pool_name", None)
    return StorageVolHandle(_name_of(pool) or "", v.name, v.key)


def _prep_secret(v: Any) -> Any:
    if type(v) is SecretHandle:
        return v
    utype = getattr(v, "usageType", None)
    if utype is None:
        utype = getattr(v, "usage_type", 0)
    uid = getattr(v, "usageID", None)
    if uid is None:
        uid = getattr(v, "usage_id", "")
    return SecretHandle(v.uuid, utype or 0, uid or "")


def _prep_child(cls: type) -> Callable[[Any], Any]:
    def prep(v: Any) -> Any:
        if type(v) is cls:
            return v
        dom = getattr(v, "dom", None)
        if dom is None:
            dom = getattr(v, "domain", None)
        return cls(v.name, dom)
    return prep


def _prep_port(v: Any) -> Any:
    if type(v) is NetworkPortHandle:
        return v
    net = getattr(v, "net", None)
    if net is None:
        net = getattr(v, "network", None)
    return NetworkPortHandle(net, v.uuid)


_PREP: dict[type, Callable[[Any], Any]] = {
    StorageVolHandle: _prep_vol,
    SecretHandle: _prep_secret,
    SnapshotHandle: _prep_child(SnapshotHandle),
    CheckpointHandle: _prep_child(CheckpointHandle),
    NetworkPortHandle: _prep_port,
}


def encode_prep(cls: type) -> Callable[[Any], Any] | None:
    """Return the function that adapts a driver handle before encoding as ``cls``."""
    return _PREP.get(cls)
