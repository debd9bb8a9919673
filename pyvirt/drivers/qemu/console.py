"""Guest consoles on virStreams (``virDomainOpenConsole``).

A console binds a :class:`pyvirt.driver.stream.Stream` to a character
device of the guest: a pty QEMU opened (we open its slave side, in raw
mode, as libvirt does) or a unix socket QEMU listens on.  What the guest
prints is read on the library's loop thread and fed to the stream; what the
application sends is written by its own thread through the stream's sink.

One console per device at a time: a second open fails unless
``VIR_DOMAIN_CONSOLE_FORCE`` is given, which ends the first one.
"""

from __future__ import annotations

import errno
import os
import select
import termios
import threading
import tty
from typing import Any, cast

from pyvirt import constants as C
from pyvirt.driver.stream import handle_of
from pyvirt.drivers.qemu import address
from pyvirt.drivers.qemu import monitor as qmon
from pyvirt.drivers.qemu.domain import not_running
from pyvirt.drivers.qemu.domobj import DomainObj
from pyvirt.errors import report
from pyvirt.util import aioloop

_FROM = C.VIR_FROM_QEMU


class Console:
    """One open console: a descriptor pumped into a stream."""

    def __init__(self, vm: DomainObj, alias: str, fd: int, stream: Any) -> None:
        self.vm = vm
        self.alias = alias
        self.fd: int | None = fd
        self.stream = stream
        self._lock = threading.Lock()
        self._reading = False

    def start(self) -> None:
        """Begin feeding what the guest prints into the stream."""
        fd = self.fd

        def add() -> None:
            if self.fd is not None:
                # fd is self.fd as start() found it; add() runs only while it is open
                aioloop.get_loop().add_reader(cast(int, fd), self._readable)
                self._reading = True

        aioloop.call_soon(add)

    def _readable(self) -> None:
        fd = self.fd
        if fd is None:
            return
        data: bytes | None
        try:
            data = os.read(fd, 65536)
        except BlockingIOError:
            return
        except OSError as exc:
            data = b"" if exc.errno in (errno.EIO, errno.EBADF) else None
            if data is None:
                self.close(eof=True)
                return
        if not data:
            self.close(eof=True)
            return
        self.stream.feed(data)

    # --- the stream's sink -----------------------------------------------------------
    def write(self, data: bytes) -> None:
        """Send ``data`` to the guest (blocks while the device is full)."""
        view = memoryview(data)
        while view:
            with self._lock:
                fd = self.fd
            if fd is None:
                raise report(C.VIR_ERR_OPERATION_FAILED, "console is closed", _FROM)
            try:
                view = view[os.write(fd, view):]
            except BlockingIOError:
                select.select([], [fd], [], 1.0)

    def finish(self) -> None:
        """The application finished the stream."""
        self.close(eof=False)

    def abort(self) -> None:
        """The application aborted the stream."""
        self.close(eof=False)

    def close(self, eof: bool = True) -> None:
        """Stop pumping and close the descriptor (idempotent)."""
        with self._lock:
            fd, self.fd = self.fd, None
        if fd is None:
            return
        with self.vm.lock:
            if self.vm.consoles.get(self.alias) is self:
                del self.vm.consoles[self.alias]

        def drop() -> None:
            if self._reading:
                aioloop.get_loop().remove_reader(fd)
            os.close(fd)

        aioloop.call_soon(drop)
        if eof:
            self.stream.feed_eof()


def _find_chardev(vm: DomainObj, dev_name: str | None) -> Any:
    def_ = vm.def_
    if dev_name is None:
        consoles = address.devices(def_, "console")
        if consoles:
            con = consoles[0]
            if (con.target_type or "serial") == "serial":
                serials = address.devices(def_, "serial")
                return serials[0] if serials else con
            return con
        serials = address.devices(def_, "serial")
        if serials:
            return serials[0]
        raise report(C.VIR_ERR_INTERNAL_ERROR, "cannot find default console device", _FROM)
    for kind in ("console", "serial", "parallel", "channel"):
        for dev in address.devices(def_, kind):
            if dev.alias == dev_name or (kind == "channel" and dev.target_name == dev_name):
                if kind == "console" and (dev.target_type or "serial") == "serial":
                    serials = address.devices(def_, "serial")
                    return serials[0] if serials else dev
                return dev
    raise report(C.VIR_ERR_INTERNAL_ERROR, f"cannot find character device {dev_name}", _FROM)


def _open_fd(dev: Any) -> int:
    src = dev.source
    kind = src.type.value
    if kind == "pty":
        if not src.path:
            raise report(C.VIR_ERR_OPERATION_FAILED, "no pty path known for the console", _FROM)
        fd = os.open(src.path, os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK | os.O_CLOEXEC)
        try:
            tty.setraw(fd, termios.TCSANOW)
        except termios.error:
            pass
        return fd
    if kind == "unix":
        sock = qmon.connect_unix(src.path)
        sock.setblocking(False)
        return sock.detach()
    raise report(C.VIR_ERR_OPERATION_UNSUPPORTED,
                 f"character device {dev.alias} is not using a PTY or a unix socket "
                 f"(it is '{kind}')", _FROM)


def open_console(drv: Any, vm: DomainObj, dev_name: str | None, stream: Any,
                 flags: int) -> None:
    """Bind ``stream`` to the guest's console ``dev_name`` (None: the first one)."""
    st = handle_of(stream)
    with vm.lock:
        if not vm.is_active():
            raise not_running()
        dev = _find_chardev(vm, dev_name)
        alias = dev.alias
        old = vm.consoles.get(alias)
    if old is not None:
        if not flags & C.VIR_DOMAIN_CONSOLE_FORCE:
            raise report(C.VIR_ERR_OPERATION_FAILED,
                         "Active console session exists for this domain", _FROM)
        old.close(eof=True)
    try:
        fd = _open_fd(dev)
    except OSError as exc:
        raise report(C.VIR_ERR_OPERATION_FAILED,
                     f"cannot open console device of '{alias}': {exc.strerror}", _FROM) from None
    con = Console(vm, alias, fd, st)
    with vm.lock:
        vm.consoles[alias] = con
    st.bind(con)
    con.start()
