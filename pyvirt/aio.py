"""An asyncio event loop for pyvirt: the interface of libvirt-python's libvirtaio.

``virEventRegisterAsyncIOImpl(loop=None)`` makes pyvirt deliver events
(domain lifecycle, streams...) from an asyncio loop.  ``install_as_libvirt``
makes ``import libvirtaio`` give this module; libvirt-python's own
``libvirtaio.py`` also runs on pyvirt unchanged.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections.abc import Callable
from typing import Any

from pyvirt import constants as C

__all__ = ["getCurrentImpl", "virEventAsyncIOImpl", "virEventRegisterAsyncIOImpl"]

_ids = itertools.count(1)


class _Timer:
    def __init__(self, impl: virEventAsyncIOImpl, timer: int, cb: Callable[..., Any],
                 opaque: Any) -> None:
        self.impl, self.timer, self.cb, self.opaque = impl, timer, cb, opaque
        self.interval = -1
        self.task: asyncio.Task | None = None

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.interval / 1000 if self.interval > 0 else 0)
            self.cb(self.timer, self.opaque)

    def set(self, interval: int) -> None:
        self.interval = interval
        if interval >= 0 and self.task is None:
            self.task = self.impl.loop.create_task(self._run())
        elif interval < 0 and self.task is not None:
            self.task.cancel()
            self.task = None


class _Handle:
    def __init__(self, impl: virEventAsyncIOImpl, watch: int, fd: int, events: int,
                 cb: Callable[..., Any], opaque: Any) -> None:
        self.impl, self.watch, self.fd, self.cb, self.opaque = impl, watch, fd, cb, opaque
        self.events = 0
        self.set(events)

    def _ready(self, event: int) -> None:
        self.cb(self.watch, self.fd, event, self.opaque)

    def set(self, events: int) -> None:
        loop = self.impl.loop
        for flag, add, remove in ((C.VIR_EVENT_HANDLE_READABLE, loop.add_reader, loop.remove_reader),
                                  (C.VIR_EVENT_HANDLE_WRITABLE, loop.add_writer, loop.remove_writer)):
            if events & flag and not self.events & flag:
                add(self.fd, self._ready, flag)
            elif self.events & flag and not events & flag:
                remove(self.fd)
        self.events = events


class virEventAsyncIOImpl:  # noqa: N801
    """Handles and timers of pyvirt served by an asyncio loop."""

    def __init__(self, loop: asyncio.AbstractEventLoop | None = None) -> None:
        self.loop = loop or asyncio.get_event_loop()
        self.callbacks: dict[int, _Timer | _Handle] = {}
        self.log = logging.getLogger(type(self).__name__)
        self._pending = 0
        self._finished: asyncio.Event | None = None

    def register(self) -> virEventAsyncIOImpl:
        """Install this object as pyvirt's event loop."""
        import pyvirt  # looked up at call time, so a patched function is honoured
        pyvirt.virEventRegisterImpl(self._add_handle, self._update_handle, self._remove_handle,
                                     self._add_timeout, self._update_timeout,
                                     self._remove_timeout)
        return self

    def is_idle(self) -> bool:
        """True when no handle or timer is left and no free function is pending."""
        return not self.callbacks and not self._pending

    async def drain(self) -> None:
        """Wait until every pending free function has run."""
        if self._pending:
            self._finished = asyncio.Event()
            await self._finished.wait()
            self._finished = None

    def _release(self, opaque: Any) -> None:
        self._pending += 1

        async def free() -> None:
            import pyvirt
            pyvirt.virEventInvokeFreeCallback(opaque)
            self._pending -= 1
            if self._pending == 0 and self._finished is not None:
                self._finished.set()
        self.loop.create_task(free())

    def _add_handle(self, fd: int, event: int, cb: Callable[..., Any], opaque: Any) -> int:
        watch = next(_ids)
        self.callbacks[watch] = _Handle(self, watch, fd, event, cb, opaque)
        return watch

    def _update_handle(self, watch: int, event: int) -> None:
        handle = self.callbacks[watch]
        assert isinstance(handle, _Handle)
        handle.set(event)

    def _remove_handle(self, watch: int) -> int:
        handle = self.callbacks.pop(watch, None)
        if handle is None:
            return -1
        assert isinstance(handle, _Handle)
        handle.set(0)
        self._release(handle.opaque)
        return 0

    def _add_timeout(self, timeout: int, cb: Callable[..., Any], opaque: Any) -> int:
        timer = next(_ids)
        entry = _Timer(self, timer, cb, opaque)
        self.callbacks[timer] = entry
        entry.set(timeout)
        return timer

    def _update_timeout(self, timer: int, timeout: int) -> None:
        entry = self.callbacks[timer]
        assert isinstance(entry, _Timer)
        entry.set(timeout)

    def _remove_timeout(self, timer: int) -> int:
        entry = self.callbacks.pop(timer, None)
        if entry is None:
            return -1
        assert isinstance(entry, _Timer)
        entry.set(-1)
        self._release(entry.opaque)
        return 0


_current: virEventAsyncIOImpl | None = None


def getCurrentImpl() -> virEventAsyncIOImpl | None:  # noqa: N802
    """Return the registered implementation, or None."""
    return _current


def virEventRegisterAsyncIOImpl(loop: asyncio.AbstractEventLoop | None = None  # noqa: N802
                                ) -> virEventAsyncIOImpl:
    """Create, register and return an asyncio implementation for ``loop``."""
    global _current
    _current = virEventAsyncIOImpl(loop=loop).register()
    return _current
