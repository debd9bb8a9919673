"""QEMU's monitor (QMP), through the ``qemu.qmp`` client on the library's loop.

:class:`Monitor` is a synchronous facade: driver code calls
:meth:`Monitor.execute` from any thread; the command runs on the single
library loop thread (:mod:`pyvirt.util.aioloop`).  Events QEMU sends
(``SHUTDOWN``, ``STOP``, ``DEVICE_DELETED`` ...) are passed to the
``on_event(name, data, seconds)`` callback *on the loop thread*; it must
not block (the driver queues them for its worker).

Errors (the boundary where QMP errors become libvirt errors)::

    QEMU replied with an error      -> VIR_ERR_INTERNAL_ERROR
        "unable to execute QEMU command 'NAME': QEMU's description"
    the connection closed / QEMU died -> VIR_ERR_OPERATION_FAILED
        "QEMU monitor connection closed"  (Monitor.closed becomes True)
    no reply within the timeout      -> VIR_ERR_OPERATION_TIMEOUT
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import threading
from collections.abc import Callable
from typing import Any

from qemu.qmp import ExecInterruptedError, ExecuteError, QMPClient, QMPError
from qemu.qmp.events import EventListener
from qemu.qmp.protocol import Runstate

from pyvirt import constants as C
from pyvirt.errors import libvirtError, report
from pyvirt.util import aioloop

_FROM = C.VIR_FROM_QEMU

# How long a command may take before the call gives up (libvirt: 30 s).
COMMAND_TIMEOUT = 30.0
# How long an exited QEMU's last events may take to be read and handled.
DRAIN_WAIT = 2.0

EventCallback = Callable[[str, dict, float], None]

# qemu.qmp logs every disconnect at WARNING/ERROR; the driver reports them itself.
logging.getLogger("qemu.qmp").setLevel(logging.CRITICAL)


def short_unix_path(path: str) -> tuple[str, int | None]:
    """Return a path to reach the unix socket ``path`` by, and an fd to close after.

    A sockaddr_un holds at most 107 bytes; longer paths are reached through
    ``/proc/self/fd/N/`` of an O_PATH descriptor of the socket's directory.
    """
    if len(os.fsencode(path)) < 100:
        return path, None
    dfd = os.open(os.path.dirname(path) or ".", os.O_PATH | os.O_DIRECTORY | os.O_CLOEXEC)
    return f"/proc/self/fd/{dfd}/{os.path.basename(path)}", dfd


def listen_unix(path: str) -> socket.socket:
    """Create a listening unix socket at ``path`` (replacing a stale one)."""
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    short, dfd = short_unix_path(path)
    try:
        sock.bind(short)
        sock.listen(4)
    except BaseException:
        sock.close()
        raise
    finally:
        if dfd is not None:
            os.close(dfd)
    return sock


def connect_unix(path: str) -> socket.socket:
    """Connect a stream socket to the unix socket ``path``; raise ``OSError``."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    short, dfd = short_unix_path(path)
    try:
        sock.connect(short)
    except BaseException:
        sock.close()
        raise
    finally:
        if dfd is not None:
            os.close(dfd)
    return sock


class MonitorEOF(Exception):
    """QEMU closed the monitor before its greeting (it exited while starting).

    Not a libvirtError: the caller knows why (the log's tail) and reports that.
    """


class Monitor:
    """One QMP connection to one QEMU process."""

    def __init__(self, path: str, on_event: EventCallback | None = None,
                 name: str = "qemu") -> None:
        self.path = path
        self.name = name
        self._on_event = on_event
        self._client: QMPClient | None = None
        self._listener: EventListener | None = None
        self._pump: asyncio.Task | None = None
        self.closed = False
        self._lock = threading.Lock()

    # --- connection -------------------------------------------------------
    def connect(self, timeout: float = COMMAND_TIMEOUT) -> None:
        """Connect to QEMU, wait for its greeting and negotiate capabilities.

        Raises :class:`MonitorEOF` if QEMU closes the socket first (it exited)
        or nobody listens there, VIR_ERR_OPERATION_TIMEOUT if it says nothing.
        """
        try:
            sock = connect_unix(self.path)
        except OSError as exc:
            self.closed = True
            raise MonitorEOF(f"cannot connect to '{self.path}': {exc.strerror}") from exc
        try:
            aioloop.run(self._connect(sock), timeout)
        except TimeoutError:
            self.close()
            raise report(C.VIR_ERR_OPERATION_TIMEOUT,
                         f"connecting to the QEMU monitor of '{self.name}'", _FROM) from None
        except (QMPError, OSError, EOFError) as exc:
            self.close()
            raise MonitorEOF("QEMU closed the monitor before its greeting") from exc

    async def _connect(self, sock: socket.socket) -> None:
        client = QMPClient(self.name)
        self._client = client
        listener = EventListener()
        client.register_listener(listener)
        self._listener = listener
        await client.connect(sock)
        self._pump = asyncio.get_running_loop().create_task(self._pump_events())

    async def _pump_events(self) -> None:
        # Runs until close() cancels it; QEMU's death is noticed by the
        # process watcher, not here.
        assert self._listener is not None
        while True:
            self._dispatch(await self._listener.get())

    def _dispatch(self, msg: Any) -> None:
        if self._on_event is None:
            return
        ts = msg.get("timestamp") or {}
        seconds = ts.get("seconds", 0) + ts.get("microseconds", 0) / 1e6
        try:
            self._on_event(str(msg.get("event")), dict(msg.get("data") or {}), seconds)
        except Exception:
            logging.getLogger(__name__).exception("QMP event handler failed")

    # --- commands -----------------------------------------------------------
    def execute(self, cmd: str, args: dict | None = None,
                timeout: float = COMMAND_TIMEOUT) -> Any:
        """Run QMP command ``cmd`` with ``args``; return its result (see module errors)."""
        client = self._client
        if client is None or self.closed:
            raise self._closed_error()
        try:
            return aioloop.run(self._execute(client, cmd, args, timeout))
        except ExecuteError as exc:
            raise report(C.VIR_ERR_INTERNAL_ERROR,
                         f"unable to execute QEMU command '{cmd}': {exc}", _FROM) from exc
        except TimeoutError:
            raise report(C.VIR_ERR_OPERATION_TIMEOUT,
                         f"QEMU command '{cmd}' gave no reply", _FROM) from None
        except (ExecInterruptedError, QMPError, OSError, EOFError) as exc:
            self.closed = True
            raise self._closed_error() from exc

    def execute_raw(self, msg: dict, fd: int | None = None,
                    timeout: float = COMMAND_TIMEOUT) -> dict:
        """Send a whole QMP message (with descriptor ``fd`` as SCM_RIGHTS) and return
        QEMU's reply message as it came, errors included (libvirt's
        qemuMonitorArbitraryCommand).  The caller chose the message's ``id``."""
        client = self._client
        if client is None or self.closed:
            raise self._closed_error()
        try:
            reply = aioloop.run(self._raw(client, msg, fd), timeout)
        except TimeoutError:
            raise report(C.VIR_ERR_OPERATION_TIMEOUT, "QEMU command gave no reply",
                         _FROM) from None
        except (ExecInterruptedError, QMPError, OSError, EOFError) as exc:
            self.closed = True
            raise self._closed_error() from exc
        return dict(reply)

    @staticmethod
    async def _raw(client: QMPClient, msg: dict, fd: int | None) -> Any:
        # as in _send_fd: the descriptor goes just before the command that takes it
        if fd is not None:
            client.send_fd_scm(fd)
        return await client._raw(msg, assign_id=False)

    def send_fd(self, fd: int, name: str) -> None:
        """Pass descriptor ``fd`` to QEMU under ``name`` (SCM_RIGHTS, then 'getfd')."""
        self._with_fd(fd, "getfd", {"fdname": name})

    def add_fd(self, fd: int, fdset: int, opaque: str) -> None:
        """Add descriptor ``fd`` to QEMU's fd set ``fdset`` (SCM_RIGHTS, then 'add-fd')."""
        self._with_fd(fd, "add-fd", {"fdset-id": fdset, "opaque": opaque})

    def _with_fd(self, fd: int, cmd: str, args: dict) -> None:
        client = self._client
        if client is None or self.closed:
            raise self._closed_error()
        try:
            aioloop.run(self._send_fd(client, fd, cmd, args), COMMAND_TIMEOUT)
        except ExecuteError as exc:
            raise report(C.VIR_ERR_INTERNAL_ERROR,
                         f"unable to execute QEMU command '{cmd}': {exc}", _FROM) from exc
        except (ExecInterruptedError, QMPError, OSError, EOFError) as exc:
            self.closed = True
            raise self._closed_error() from exc

    @staticmethod
    async def _send_fd(client: QMPClient, fd: int, cmd: str, args: dict) -> None:
        # the descriptor and the command that takes it must not be interleaved
        # with another command: both are sent from this one coroutine
        client.send_fd_scm(fd)
        await client.execute(cmd, args)

    @staticmethod
    async def _execute(client: QMPClient, cmd: str, args: dict | None,
                       timeout: float) -> Any:
        return await asyncio.wait_for(client.execute(cmd, args), timeout)

    def drain(self, timeout: float = DRAIN_WAIT) -> None:
        """Wait until QEMU has closed the monitor and every event it sent before
        has been handled (never raises).

        A QEMU that exits is seen through its pidfd, which may be read before
        the monitor socket that still holds its last events (SHUTDOWN).
        """
        client, listener = self._client, self._listener
        if client is None or self.closed:
            return
        with contextlib.suppress(BaseException):
            aioloop.run(self._drain(client, listener), timeout)

    @staticmethod
    async def _drain(client: QMPClient, listener: EventListener | None) -> None:
        while client.runstate == Runstate.RUNNING:
            await asyncio.sleep(0.01)
        while listener is not None and not listener.empty():
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.01)          # the event pump handles what it took last

    def _closed_error(self) -> libvirtError:
        return report(C.VIR_ERR_OPERATION_FAILED, "QEMU monitor connection closed", _FROM)

    def close(self) -> None:
        """Disconnect (idempotent; never raises)."""
        with self._lock:
            client, self._client = self._client, None
            pump, self._pump = self._pump, None
        self.closed = True
        if client is None:
            return
        with contextlib.suppress(BaseException):     # closing a dead connection
            aioloop.run(self._close(client, pump), 5.0)

    @staticmethod
    async def _close(client: QMPClient, pump: asyncio.Task | None) -> None:
        if pump is not None:
            pump.cancel()
        with contextlib.suppress(BaseException):     # EOF or reset from a QEMU that is gone
            await client.disconnect()
