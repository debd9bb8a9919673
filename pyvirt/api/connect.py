"""virConnect: a connection to a driver, and the functions that open one."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, Self

from pyvirt import constants as C
from pyvirt.api import _generated as G
from pyvirt.api.event import EventQueue
from pyvirt.driver import registry
from pyvirt.driver import uri as urimod
from pyvirt.errors import report


class _Closed:
    """Stands in for the drivers of a closed connection."""

    def __getattr__(self, name: str) -> Any:
        def fail(*_args: Any, **_kwargs: Any) -> Any:
            raise report(C.VIR_ERR_INVALID_CONN, "virConnect (the connection is closed)")
        return fail


# eventID -> the API class that wraps the object of each event family
_EVENT_FAMILIES = {
    "domain": ("_hv", "connectDomainEventRegisterAny", "connectDomainEventDeregisterAny",
               "virDomain"),
    "network": ("_net", "connectNetworkEventRegisterAny", "connectNetworkEventDeregisterAny",
                "virNetwork"),
    "pool": ("_stor", "connectStoragePoolEventRegisterAny",
             "connectStoragePoolEventDeregisterAny", "virStoragePool"),
    "nodedev": ("_dev", "connectNodeDeviceEventRegisterAny",
                "connectNodeDeviceEventDeregisterAny", "virNodeDevice"),
    "secret": ("_sec", "connectSecretEventRegisterAny", "connectSecretEventDeregisterAny",
               "virSecret"),
}


class virConnect(G._virConnect):  # noqa: N801
    """A connection to a hypervisor driver and its host-resource drivers."""

    def __init__(self, _obj: Any = None) -> None:
        drivers, uri, readonly = _obj
        self._uri: str = uri
        self._ro: bool = readonly
        self._drivers: registry.Drivers | None = drivers
        self._hv = drivers.hv
        self._net = drivers.net
        self._stor = drivers.stor
        self._dev = drivers.dev
        self._sec = drivers.sec
        self._iface = drivers.iface
        self._nwf = drivers.nwf
        self._events = EventQueue()
        self._callbacks: dict[tuple[str, int], Any] = {}
        self._old_callbacks: dict[Callable[..., Any], int] = {}
        self._close_cb: tuple[Callable[..., Any], Any] | None = None
        self._lock = threading.Lock()

    # --- the connection itself ------------------------------------------
    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:
        # As libvirt-python: dropping the last reference closes the connection.
        try:
            if getattr(self, "_drivers", None) is not None:
                self.close()
        except Exception:  # noqa: BLE001, S110 - never raise from a finaliser
            pass

    def close(self) -> int:
        """Close the connection; later calls on it fail with VIR_ERR_INVALID_CONN."""
        if self._drivers is None:
            return 0
        for (family, cbid) in list(self._callbacks):
            self._deregister(family, cbid)
        drivers, self._drivers = self._drivers, None
        closed = _Closed()
        self._hv = self._net = self._stor = self._dev = closed
        self._sec = self._iface = self._nwf = closed
        drivers.close()
        return 0

    def getURI(self) -> str:  # noqa: N802
        """Return the URI of the connection."""
        getter = getattr(self._hv, "connectGetURI", None)
        try:
            return getter() if getter else self._uri
        except Exception:  # noqa: BLE001 - a driver without its own answer
            return self._uri

    def c_pointer(self) -> int:
        """Return an integer identifying the connection."""
        return id(self)

    def virConnGetLastError(self) -> Any:  # noqa: N802
        """Return the thread's last error (libvirt keeps no per-connection copy here)."""
        from pyvirt.errors import virGetLastError
        return virGetLastError()

    def virConnResetLastError(self) -> None:  # noqa: N802
        """Forget the thread's last error."""
        from pyvirt.errors import virResetLastError
        virResetLastError()

    def newStream(self, flags: int = 0) -> Any:  # noqa: N802
        """Return a new virStream, to be bound by openConsole, download, upload..."""
        from pyvirt.driver.stream import Stream
        return G.virStream(self, Stream(flags))

    def registerCloseCallback(self, cb: Callable[..., Any], opaque: Any) -> int:  # noqa: N802
        """Call cb(conn, reason, opaque) when the connection closes unexpectedly."""
        if self._close_cb is not None:
            raise report(C.VIR_ERR_OPERATION_INVALID, "A close callback is already registered")
        self._close_cb = (cb, opaque)
        hook = getattr(self._hv, "connectRegisterCloseCallback", None)
        if hook is not None:
            try:
                hook(lambda reason: self._events.deliver(self._closed_by_driver, reason))
            except Exception:  # noqa: BLE001, S110 - drivers that never close on their own
                pass
        return 0

    def unregisterCloseCallback(self) -> int:  # noqa: N802
        """Remove the close callback."""
        if self._close_cb is None:
            raise report(C.VIR_ERR_OPERATION_INVALID, "A different callback was requested")
        self._close_cb = None
        return 0

    def _closed_by_driver(self, reason: int) -> None:
        if self._close_cb is not None:
            cb, opaque = self._close_cb
            cb(self, reason, opaque)

    # --- statistics -------------------------------------------------------
    def getAllDomainStats(self, stats: int = 0, flags: int = 0) -> list[tuple[Any, dict]]:  # noqa: N802
        """Return [(virDomain, {stat: value})] for the domains that flags select."""
        return [(G.virDomain(self, h), st)
                for h, st in self._hv.connectGetAllDomainStats(stats, flags)]

    def domainListGetStats(self, doms: list[Any], stats: int = 0,  # noqa: N802
                           flags: int = 0) -> list[tuple[Any, dict]]:
        """Return [(virDomain, {stat: value})] for the given domains."""
        handles = [d._o for d in doms]
        return [(G.virDomain(self, h), st)
                for h, st in self._hv.domainListGetStats(handles, stats, flags)]

    # --- events -------------------------------------------------------------
    def _register(self, family: str, obj: Any, event_id: int,
                  cb: Callable[..., Any], opaque: Any) -> int:
        attr, reg, _dereg, cls_name = _EVENT_FAMILIES[family]
        self._events.acquire()
        wrap = getattr(G, cls_name)

        def deliver(handle: Any, *args: Any) -> None:
            self._events.deliver(self._dispatch, cb, wrap, handle, args, opaque)

        try:
            cbid = getattr(getattr(self, attr), reg)(
                None if obj is None else obj._o, event_id, deliver)
        except BaseException:
            self._events.release()
            raise
        self._callbacks[(family, cbid)] = cb
        return cbid

    def _dispatch(self, cb: Callable[..., Any], wrap: Any, handle: Any,
                  args: tuple, opaque: Any) -> None:
        cb(self, wrap(self, handle), *args, opaque)

    def _deregister(self, family: str, cbid: int) -> int:
        if (family, cbid) not in self._callbacks:
            raise report(C.VIR_ERR_INVALID_ARG,
                         f"could not find event callback {cbid} for deletion")
        attr, _reg, dereg, _cls = _EVENT_FAMILIES[family]
        del self._callbacks[(family, cbid)]
        try:
            getattr(getattr(self, attr), dereg)(cbid)
        finally:
            self._events.release()
        return 0

    def domainEventRegisterAny(self, dom: Any, eventID: int, cb: Callable[..., Any],  # noqa: N802,N803
                               opaque: Any) -> int:
        """Call cb(conn, dom, ..., opaque) for event ``eventID`` of ``dom`` (None: all)."""
        return self._register("domain", dom, eventID, cb, opaque)

    def domainEventDeregisterAny(self, callbackID: int) -> int:  # noqa: N802,N803
        """Remove a callback added by domainEventRegisterAny."""
        return self._deregister("domain", callbackID)

    def domainEventRegister(self, cb: Callable[..., Any], opaque: Any) -> int:  # noqa: N802
        """Old interface: cb(conn, dom, event, detail, opaque) for lifecycle events."""
        cbid = self._register("domain", None, C.VIR_DOMAIN_EVENT_ID_LIFECYCLE, cb, opaque)
        self._old_callbacks[cb] = cbid
        return 0

    def domainEventDeregister(self, cb: Callable[..., Any]) -> int:  # noqa: N802
        """Remove a callback added by domainEventRegister."""
        cbid = self._old_callbacks.pop(cb, None)
        if cbid is None:
            raise report(C.VIR_ERR_INVALID_ARG, "could not find event callback for deletion")
        return self._deregister("domain", cbid)

    def networkEventRegisterAny(self, net: Any, eventID: int, cb: Callable[..., Any],  # noqa: N802,N803
                                opaque: Any) -> int:
        """Call cb(conn, net, ..., opaque) for network events."""
        return self._register("network", net, eventID, cb, opaque)

    def networkEventDeregisterAny(self, callbackID: int) -> int:  # noqa: N802,N803
        """Remove a network event callback."""
        return self._deregister("network", callbackID)

    def storagePoolEventRegisterAny(self, pool: Any, eventID: int,  # noqa: N802,N803
                                    cb: Callable[..., Any], opaque: Any) -> int:
        """Call cb(conn, pool, ..., opaque) for storage pool events."""
        return self._register("pool", pool, eventID, cb, opaque)

    def storagePoolEventDeregisterAny(self, callbackID: int) -> int:  # noqa: N802,N803
        """Remove a storage pool event callback."""
        return self._deregister("pool", callbackID)

    def nodeDeviceEventRegisterAny(self, dev: Any, eventID: int,  # noqa: N802,N803
                                   cb: Callable[..., Any], opaque: Any) -> int:
        """Call cb(conn, dev, ..., opaque) for node device events."""
        return self._register("nodedev", dev, eventID, cb, opaque)

    def nodeDeviceEventDeregisterAny(self, callbackID: int) -> int:  # noqa: N802,N803
        """Remove a node device event callback."""
        return self._deregister("nodedev", callbackID)

    def secretEventRegisterAny(self, secret: Any, eventID: int,  # noqa: N802,N803
                               cb: Callable[..., Any], opaque: Any) -> int:
        """Call cb(conn, secret, ..., opaque) for secret events."""
        return self._register("secret", secret, eventID, cb, opaque)

    def secretEventDeregisterAny(self, callbackID: int) -> int:  # noqa: N802,N803
        """Remove a secret event callback."""
        return self._deregister("secret", callbackID)


def _open(name: str | None, auth: Any, flags: int) -> virConnect:
    text = name or urimod.default_uri()
    parsed = urimod.parse(text)
    drivers = registry.open_drivers(parsed, auth, flags)
    return virConnect((drivers, text, bool(flags & C.VIR_CONNECT_RO)))


def open(name: str | None = None, flags: int = 0) -> virConnect:  # noqa: A001
    """Open a read-write connection to the driver of URI ``name``."""
    return _open(name, None, flags)


def openReadOnly(name: str | None = None, flags: int = 0) -> virConnect:  # noqa: N802
    """Open a read-only connection: every call that changes state is refused."""
    return _open(name, None, flags | C.VIR_CONNECT_RO)


def openAuth(uri: str | None, auth: list, flags: int = 0) -> virConnect:  # noqa: N802
    """Open a connection, answering credential requests with auth [credtypes, cb, opaque]."""
    return _open(uri, auth, flags)
