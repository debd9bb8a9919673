"""Which driver serves a URI, and the set of family drivers of a connection.

Drivers register an opener under their URI scheme name (``test``,
``qemu``, ``remote``).  An opener returns a :class:`Drivers` for the URI,
or None when the URI is not for it; modules are imported only when a URI
asks for them, so ``import pyvirt`` stays cheap.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from pyvirt import constants as C
from pyvirt.driver import interface as I
from pyvirt.driver.uri import URI
from pyvirt.errors import report


class Drivers:
    """The family drivers behind one connection (unset families: NO_SUPPORT)."""

    __slots__ = ("dev", "hv", "iface", "net", "nwf", "sec", "stor")

    def __init__(self, hv: I.HypervisorDriver, net: I.NetworkDriver | None = None,
                 stor: I.StorageDriver | None = None, dev: I.NodeDeviceDriver | None = None,
                 sec: I.SecretDriver | None = None, iface: I.InterfaceDriver | None = None,
                 nwf: I.NWFilterDriver | None = None) -> None:
        self.hv = hv
        self.net = net if net is not None else I.NetworkDriver()
        self.stor = stor if stor is not None else I.StorageDriver()
        self.dev = dev if dev is not None else I.NodeDeviceDriver()
        self.sec = sec if sec is not None else I.SecretDriver()
        self.iface = iface if iface is not None else I.InterfaceDriver()
        self.nwf = nwf if nwf is not None else I.NWFilterDriver()

    def __repr__(self) -> str:
        return f"Drivers(hv={self.hv!r})"

    @classmethod
    def single(cls, drv: Any) -> Drivers:
        """All families served by one object (the test driver, the remote client)."""
        return cls(hv=drv, net=drv, stor=drv, dev=drv, sec=drv, iface=drv, nwf=drv)

    def close(self) -> None:
        """Close each distinct driver object once."""
        seen: set[int] = set()
        drv: Any
        for drv in (self.hv, self.net, self.stor, self.dev, self.sec, self.iface, self.nwf):
            if id(drv) in seen:
                continue
            seen.add(id(drv))
            closer = getattr(drv, "connectClose", None)
            if closer is not None and type(drv).connectClose is not I.HypervisorDriver.connectClose:
                closer()


# An opener: (uri, auth, flags) -> Drivers | None
Opener = Callable[[URI, Any, int], "Drivers | None"]

# scheme -> "module:function", imported on first use
_OPENERS: dict[str, str] = {
    "test": "pyvirt.drivers.test:open_uri",
    "qemu": "pyvirt.drivers.qemu:open_uri",
    "lxc": "pyvirt.drivers.lxc:open_uri",
    "remote": "pyvirt.drivers.remote:open_uri",
}


def register(scheme: str, target: str) -> None:
    """Register ``module:function`` as the opener for ``scheme`` URIs."""
    _OPENERS[scheme] = target


def _load(target: str) -> Opener | None:
    module, _, func = target.partition(":")
    try:
        mod = importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name and module.startswith(exc.name):
            return None
        raise
    return getattr(mod, func)


def open_drivers(uri: URI, auth: Any, flags: int) -> Drivers:
    """Return the drivers for ``uri``, or raise ``VIR_ERR_NO_CONNECT``."""
    scheme = "remote" if uri.is_remote else uri.driver
    target = _OPENERS.get(scheme)
    opener = _load(target) if target else None
    drivers = opener(uri, auth, flags) if opener else None
    if drivers is None:
        raise report(C.VIR_ERR_NO_CONNECT, uri.raw, C.VIR_FROM_NONE)
    return drivers
