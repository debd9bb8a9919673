"""The library's one asyncio event loop, on a daemon thread of its own.

Protocol clients that are asyncio-native (``qemu.qmp`` for QEMU's monitor,
later the RPC client) run here, so synchronous driver code can use them
without each owning a loop.  :func:`run` hands a coroutine to the loop and
waits for its result; :func:`call_soon` schedules a plain callable.  The
thread starts on first use and lives as long as the process.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

T = TypeVar("T")

_lock = threading.Lock()
_loop: asyncio.AbstractEventLoop | None = None
_thread: threading.Thread | None = None


def _serve(loop: asyncio.AbstractEventLoop, ready: threading.Event) -> None:
    asyncio.set_event_loop(loop)
    loop.call_soon(ready.set)
    loop.run_forever()


def get_loop() -> asyncio.AbstractEventLoop:
    """Return the library's loop, starting its thread the first time."""
    global _loop, _thread
    loop = _loop
    if loop is not None:
        return loop
    with _lock:
        if _loop is None:
            loop = asyncio.new_event_loop()
            ready = threading.Event()
            thread = threading.Thread(target=_serve, args=(loop, ready),
                                      name="pyvirt-aioloop", daemon=True)
            thread.start()
            ready.wait()
            _loop, _thread = loop, thread
        return _loop


def in_loop_thread() -> bool:
    """True when called from the loop's own thread (where :func:`run` would deadlock)."""
    return _thread is not None and threading.current_thread() is _thread


def loop_thread_ident() -> int | None:
    """The loop thread's identifier (threading.get_ident() there), starting it if needed."""
    get_loop()
    return _thread.ident if _thread is not None else None


def submit(coro: Coroutine[Any, Any, T]) -> concurrent.futures.Future[T]:
    """Schedule ``coro`` on the loop; return a concurrent Future for its result."""
    return asyncio.run_coroutine_threadsafe(coro, get_loop())


def run(coro: Coroutine[Any, Any, T], timeout: float | None = None) -> T:
    """Run ``coro`` on the loop and return its result (or raise its exception).

    On timeout the coroutine is cancelled and ``TimeoutError`` is raised.
    Must not be called from the loop thread itself.
    """
    if in_loop_thread():
        raise RuntimeError("aioloop.run() called from the loop thread")
    fut = submit(coro)
    try:
        return fut.result(timeout)
    except concurrent.futures.TimeoutError:
        fut.cancel()
        raise TimeoutError("operation on the event loop timed out") from None


def call_soon(func: Callable[..., Any], *args: Any) -> None:
    """Call ``func(*args)`` on the loop thread soon (thread-safe)."""
    get_loop().call_soon_threadsafe(func, *args)
