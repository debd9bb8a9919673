"""Graphical displays of a running guest: passwords and client connections.

A ``<graphics passwd=...>`` display starts with QEMU's password auth on
(``password=on``); the password itself is handed over the monitor, as
libvirt does, with ``set_password`` and its lifetime with
``expire_password`` (``passwdValidTo`` or never).  A password update
(virDomainUpdateDeviceFlags of the ``<graphics>``) does the same live.
virDomainOpenGraphics(FD) hands QEMU one end of a connection with
``add_client``.
"""

from __future__ import annotations

import calendar
import os
import socket
import time
from typing import Any

from pyvirt import constants as C
from pyvirt.drivers.qemu import address
from pyvirt.drivers.qemu.domobj import DomainObj
from pyvirt.errors import report

_FROM = C.VIR_FROM_QEMU


def _expiry(valid_to: str | None) -> str:
    """expire_password's time: 'never' or seconds since the epoch (from ISO 8601 UTC)."""
    if not valid_to:
        return "never"
    try:
        stamp = calendar.timegm(time.strptime(valid_to[:19], "%Y-%m-%dT%H:%M:%S"))
    except ValueError:
        raise report(C.VIR_ERR_CONFIG_UNSUPPORTED,
                     f"cannot parse password validity time '{valid_to}'", _FROM) from None
    return str(stamp)


def set_password(mon: Any, gfx: Any) -> None:
    """Give QEMU the password (and its expiry) of display ``gfx``."""
    protocol = str(gfx.type.value if hasattr(gfx.type, "value") else gfx.type)
    if protocol not in ("vnc", "spice"):
        return
    args: dict[str, Any] = {"protocol": protocol, "password": gfx.passwd or ""}
    if gfx.connected:
        args["connected"] = gfx.connected
    mon.execute("set_password", args)
    mon.execute("expire_password", {"protocol": protocol, "time": _expiry(gfx.passwd_valid_to)})


def apply_passwords(vm: DomainObj, mon: Any) -> None:
    """At start: hand QEMU the password of every display that has one."""
    for gfx in address.devices(vm.def_, "graphics"):
        if gfx.passwd is not None:
            set_password(mon, gfx)


def update(vm: DomainObj, mon: Any, new: Any) -> None:
    """Live update of a display: only its password (and validity) may change."""
    same = [g for g in address.devices(vm.def_, "graphics") if g.type == new.type]
    if not same:
        raise report(C.VIR_ERR_DEVICE_MISSING,
                     f"cannot find existing graphics device to modify of type "
                     f"'{new.type.value}'", _FROM)
    old = same[0]
    if str(new.type) == "spice":
        _check_spice_update(old, new)
    elif new.port and old.port and new.port != old.port and not new.autoport:
        raise report(C.VIR_ERR_OPERATION_UNSUPPORTED,
                     "cannot change port settings on vnc graphics", _FROM)
    if (new.passwd, new.passwd_valid_to, new.connected) != \
            (old.passwd, old.passwd_valid_to, old.connected):
        set_password(mon, new)
        with vm.lock:
            old.passwd = new.passwd
            old.passwd_valid_to = new.passwd_valid_to
            old.connected = new.connected


def _check_spice_update(old: Any, new: Any) -> None:
    """libvirt's refusals of a live SPICE update that changes more than the password."""
    def refuse(msg: str) -> Exception:
        return report(C.VIR_ERR_OPERATION_UNSUPPORTED, msg, _FROM)
    if len(new.listens) != len(old.listens):
        raise refuse("cannot change the number of listen addresses")
    for was, now in zip(old.listens, new.listens, strict=True):
        if was.type != now.type:
            raise refuse("cannot change the type of listen address")
        for attr, what in (("address", "listen address"), ("network", "listen address network"),
                           ("socket", "listen socket")):
            if getattr(was, attr) != getattr(now, attr):
                raise refuse(f"cannot change {what} setting on 'spice' graphics")
    if new.autoport != old.autoport or (not new.autoport and (
            (new.port or 0) != (old.port or 0) or (new.tls_port or 0) != (old.tls_port or 0))):
        raise refuse("cannot change port settings on spice graphics")


def _display(vm: DomainObj, idx: int) -> Any:
    displays = address.devices(vm.def_, "graphics")
    if not 0 <= idx < len(displays):
        raise report(C.VIR_ERR_INTERNAL_ERROR, f"No graphics backend with index {idx}", _FROM)
    gfx = displays[idx]
    kind = str(gfx.type.value)
    if kind not in ("vnc", "spice"):
        raise report(C.VIR_ERR_INTERNAL_ERROR,
                     f"Can only open VNC or SPICE graphics backends, not {kind}", _FROM)
    return gfx


def open_client(vm: DomainObj, mon: Any, idx: int, fd: int, skipauth: bool) -> None:
    """Make QEMU serve display ``idx`` on the connected socket ``fd`` (kept by the caller)."""
    gfx = _display(vm, idx)
    mon.send_fd(fd, "graphicsfd")
    mon.execute("add_client", {"protocol": str(gfx.type.value), "fdname": "graphicsfd",
                               "skipauth": skipauth})


def open_pair(vm: DomainObj, mon: Any, idx: int, skipauth: bool) -> int:
    """virDomainOpenGraphicsFD: one end of a new socket pair for QEMU, the other returned."""
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        open_client(vm, mon, idx, theirs.fileno(), skipauth)
    except BaseException:
        ours.close()
        raise
    finally:
        theirs.close()
    fd = ours.detach()
    os.set_inheritable(fd, False)
    return fd
