"""The event-loop functions of libvirt-python, and per-connection delivery.

An application chooses the event loop: libvirt's default one
(``virEventRegisterDefaultImpl`` + ``virEventRunDefaultImpl``) or its own
(``virEventRegisterImpl``, as ``libvirtaio`` does with asyncio).  Drivers
raise events from any thread; each connection queues them and delivers
them from a timer of the registered loop, as libvirt does, so callbacks
run in the application's loop.
"""

from __future__ import annotations

import collections
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from pyvirt import constants as C
from pyvirt.errors import report

if TYPE_CHECKING:
    from pyvirt.util.eventloop import DefaultEventLoop

_FROM = C.VIR_FROM_EVENT

# The registered implementation: six functions, as virEventRegisterImpl takes them.
_impl: dict[str, Callable[..., Any]] | None = None
# libvirt's default loop, made when first used after virEventRegisterDefaultImpl().
_default: DefaultEventLoop | None = None
_default_registered = False
_default_lock = threading.Lock()


def virEventRegisterImpl(addHandle: Callable[..., Any], updateHandle: Callable[..., Any],  # noqa: N802,N803
                         removeHandle: Callable[..., Any], addTimeout: Callable[..., Any],
                         updateTimeout: Callable[..., Any], removeTimeout: Callable[..., Any]) -> None:
    """Use the application's event loop (six functions, as libvirt-python takes them)."""
    global _impl
    _impl = {"addHandle": addHandle, "updateHandle": updateHandle,
             "removeHandle": removeHandle, "addTimeout": addTimeout,
             "updateTimeout": updateTimeout, "removeTimeout": removeTimeout}


def _default_loop() -> DefaultEventLoop:
    """The default loop, made (and its module imported) on first use."""
    global _default
    with _default_lock:
        if _default is None:
            from pyvirt.util.eventloop import DefaultEventLoop
            _default = DefaultEventLoop()
        return _default


def virEventRegisterDefaultImpl() -> int:  # noqa: N802
    """Use libvirt's default poll() loop; run it with virEventRunDefaultImpl().

    The loop itself is made when a handle or timer is first added or the
    loop first run: a program that registers it and never uses events
    (pyvirsh's commands, mostly) does not pay for it.
    """
    global _default_registered, _impl
    _default_registered = True
    _impl = _DefaultFuncs(_default_loop)
    return 0


class _DefaultFuncs(dict):
    """The six functions of virEventRegisterImpl, served by the default loop
    that ``loop_of()`` returns when each is called."""

    def __init__(self, loop_of: Callable[[], DefaultEventLoop]) -> None:
        super().__init__(
            addHandle=lambda fd, ev, cb, op: loop_of().add_handle(fd, ev, cb, op, _free_of(op)),
            updateHandle=lambda watch, ev: loop_of().update_handle(watch, ev),
            removeHandle=lambda watch: loop_of().remove_handle(watch),
            addTimeout=lambda ms, cb, op: loop_of().add_timeout(ms, cb, op, _free_of(op)),
            updateTimeout=lambda timer, ms: loop_of().update_timeout(timer, ms),
            removeTimeout=lambda timer: loop_of().remove_timeout(timer))


def _bound_impl() -> dict[str, Callable[..., Any]]:
    """The registered functions, tied to the loop that serves them now.

    A timer added through them is updated and removed in that same loop
    even if the default loop is later replaced or another implementation
    registered: timer numbers are per loop, so "arm timer 3" sent to another
    loop would arm a stranger's timer and leave this one asleep.
    """
    impl = _require()
    if isinstance(impl, _DefaultFuncs):
        loop = _default_loop()
        return _DefaultFuncs(lambda: loop)
    return impl


def _free_of(opaque: Any) -> Callable[[Any], Any] | None:
    if isinstance(opaque, tuple) and len(opaque) == 3 and callable(opaque[2]):
        return lambda op: op[2](op[1])
    return None


def virEventRunDefaultImpl() -> int:  # noqa: N802
    """Run one iteration of the default event loop."""
    if not _default_registered:
        raise report(C.VIR_ERR_INTERNAL_ERROR, "the default event loop is not registered",
                     _FROM)
    _default_loop().run_once()
    return 0


def _require() -> dict[str, Callable[..., Any]]:
    if _impl is None:
        raise report(C.VIR_ERR_INTERNAL_ERROR,
                     "no event loop implementation registered: call "
                     "virEventRegisterDefaultImpl() or virEventRegisterImpl() first", _FROM)
    return _impl


def _invoke_handle(watch: int, fd: int, events: int, opaque: Any) -> None:
    opaque[0](watch, fd, events, opaque[1])


def _invoke_timeout(timer: int, opaque: Any) -> None:
    opaque[0](timer, opaque[1])


def virEventAddHandle(fd: int, event: int, cb: Callable[..., Any], opaque: Any) -> int:  # noqa: N802
    """Watch ``fd`` in the registered loop; cb(watch, fd, events, opaque)."""
    return _require()["addHandle"](fd, event, _invoke_handle, (cb, opaque, None))


def virEventUpdateHandle(watch: int, events: int) -> None:  # noqa: N802
    """Change the events a handle watches."""
    _require()["updateHandle"](watch, events)


def virEventRemoveHandle(watch: int) -> int:  # noqa: N802
    """Stop watching a handle."""
    return _require()["removeHandle"](watch)


def virEventAddTimeout(timeout: int, cb: Callable[..., Any], opaque: Any,  # noqa: N802
                       ff: Callable[[Any], Any] | None = None) -> int:
    """Add a timer in the registered loop; cb(timer, opaque) every ``timeout`` ms."""
    return _require()["addTimeout"](timeout, _invoke_timeout, (cb, opaque, ff))


def virEventUpdateTimeout(timer: int, timeout: int) -> None:  # noqa: N802
    """Change a timer's interval (-1 disables, 0 fires at once)."""
    _require()["updateTimeout"](timer, timeout)


def virEventRemoveTimeout(timer: int) -> int:  # noqa: N802
    """Delete a timer."""
    return _require()["removeTimeout"](timer)


def virEventInvokeFreeCallback(opaque: Any) -> None:  # noqa: N802
    """Run the free function of a handle's or timer's opaque, as libvirt-python does."""
    if isinstance(opaque, tuple) and len(opaque) == 3 and callable(opaque[2]):
        opaque[2](opaque[1])


class LoopTimer:
    """A timer, disabled at first, in the loop registered when it is made.

    Arming, disarming and removing it go to that same loop even if the
    default loop is later replaced or another implementation registered
    (see ``_bound_impl``).  ``cb(timer, opaque)`` is called as a timer's
    callback is, with None as opaque.
    """

    def __init__(self, cb: Callable[[int, Any], Any]) -> None:
        self._ops = _bound_impl()
        self.id = self._ops["addTimeout"](-1, _invoke_timeout, (cb, None, None))

    def arm(self) -> None:
        """Fire on the loop's next turn (and every turn until disarmed)."""
        self._ops["updateTimeout"](self.id, 0)

    def disarm(self) -> None:
        """Stop firing."""
        self._ops["updateTimeout"](self.id, -1)

    def remove(self) -> None:
        """Delete the timer from its loop."""
        self._ops["removeTimeout"](self.id)


class EventQueue:
    """One connection's queue of events from its drivers.

    The first registered callback adds a timer (disabled) to the event loop;
    each queued event arms it; the timer delivers everything queued and
    disarms; the last deregistration removes it.  ``deliver`` is safe to
    call from any thread.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._queue: collections.deque[tuple[Callable[..., Any], tuple]] = collections.deque()
        self._timer: LoopTimer | None = None
        self._users = 0

    def acquire(self) -> None:
        """Note a new callback registration (adds the timer on the first)."""
        with self._lock:
            if self._users == 0:
                if _impl is None:
                    raise report(C.VIR_ERR_INTERNAL_ERROR,
                                 "could not initialize domain event timer (register an event "
                                 "loop with virEventRegisterDefaultImpl() first)", _FROM)
                self._timer = LoopTimer(self._flush)
            self._users += 1

    def release(self) -> None:
        """Note a deregistration (removes the timer after the last)."""
        with self._lock:
            self._users -= 1
            timer = self._timer if self._users == 0 else None
            if self._users == 0:
                self._timer = None
        if timer is not None:
            timer.remove()

    def deliver(self, func: Callable[..., Any], *args: Any) -> None:
        """Queue func(*args) to run from the event loop."""
        with self._lock:
            self._queue.append((func, args))
            timer = self._timer
        if timer is not None:
            timer.arm()

    def _flush(self, _timer: int, _opaque: Any) -> None:
        with self._lock:
            items = list(self._queue)
            self._queue.clear()
            if self._timer is not None:
                self._timer.disarm()
        for func, args in items:
            func(*args)
