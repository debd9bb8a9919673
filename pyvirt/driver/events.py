"""Callback bookkeeping for drivers that raise events.

A driver keeps one :class:`EventRegistry`; its ``connect*EventRegisterAny``
methods call :meth:`EventRegistry.register` and its operations call
:meth:`EventRegistry.emit` with the object's handle and the event's
arguments in libvirt-python's order (for a domain lifecycle event:
``emit("domain", VIR_DOMAIN_EVENT_ID_LIFECYCLE, handle, event, detail)``).
The API layer queues each call into the application's event loop, so
``emit`` never runs application code itself and may be called with the
driver's locks held.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable
from typing import Any

from pyvirt import constants as C
from pyvirt.errors import report

# Number of event IDs of each family (valid IDs are 0 .. N-1).
EVENT_ID_COUNTS = {
    "domain": C.VIR_DOMAIN_EVENT_ID_MEMORY_DEVICE_SIZE_CHANGE + 1,
    "network": C.VIR_NETWORK_EVENT_ID_LIFECYCLE + 1,
    "pool": C.VIR_STORAGE_POOL_EVENT_ID_REFRESH + 1,
    "nodedev": C.VIR_NODE_DEVICE_EVENT_ID_UPDATE + 1,
    "secret": C.VIR_SECRET_EVENT_ID_VALUE_CHANGED + 1,
}


class EventRegistry:
    """Registered callbacks: (family, event ID, object filter) -> deliver function."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        # libvirt numbers callbacks from 0 within a driver's event state
        self._ids = itertools.count(0)
        self._callbacks: dict[int, tuple[str, int, str | None, Callable[..., Any]]] = {}

    def register(self, family: str, event_id: int, key: str | None,
                 deliver: Callable[..., Any]) -> int:
        """Add a callback for ``event_id`` of objects whose key (UUID or name) is ``key``
        (None: every object); return its ID."""
        if not 0 <= event_id < EVENT_ID_COUNTS[family]:
            raise report(C.VIR_ERR_INVALID_ARG, f"unsupported event ID {event_id}")
        with self._lock:
            cbid = next(self._ids)
            self._callbacks[cbid] = (family, event_id, key, deliver)
        return cbid

    def deregister(self, callback_id: int) -> None:
        """Remove a callback; ``VIR_ERR_INVALID_ARG`` if it is unknown."""
        with self._lock:
            if self._callbacks.pop(callback_id, None) is None:
                raise report(C.VIR_ERR_INVALID_ARG,
                             f"could not find event callback {callback_id} for deletion")

    def emit(self, family: str, event_id: int, handle: Any, key: str, *args: Any) -> None:
        """Send an event about the object ``handle`` (identified by ``key``)."""
        with self._lock:
            targets = [d for fam, eid, k, d in self._callbacks.values()
                       if fam == family and eid == event_id and (k is None or k == key)]
        for deliver in targets:
            deliver(handle, *args)

    def __len__(self) -> int:
        return len(self._callbacks)
