"""Live attach and detach of virtio channels (virtio-serial ports), as libvirt does.

Attach: the channel gets libvirt's alias (``channelN`` past the highest
used), the first free port of its virtio-serial controller (the
controller must exist: one cannot be hotplugged here), a socket path as at
start for a path-less unix source; then its host side is added
(``chardev-add``) and the port (``device_add virtserialport``), the
first undone if the second fails.  Detach removes the port (``device_del``,
DEVICE_DELETED) then the host side (``chardev-remove``).
"""

from __future__ import annotations

import contextlib
from typing import Any

from pyvirt import constants as C
from pyvirt.conf.domain_base import VirtioSerialAddress
from pyvirt.drivers.qemu import address, command
from pyvirt.drivers.qemu.domobj import DomainObj
from pyvirt.errors import report

_FROM = C.VIR_FROM_QEMU


def same_channel(a: Any, b: Any) -> bool:
    """Whether channel ``b`` (from detach XML) designates ``a`` (libvirt's
    virDomainChrEquals: target and source alike, alias if given)."""
    if a.target_type != b.target_type or a.target_name != b.target_name:
        return False
    if b.alias and a.alias != b.alias:
        return False
    sa, sb = a.source, b.source
    if sa is None or sb is None:
        return sa is sb
    return sa.type == sb.type and (sb.path is None or sa.path == sb.path or
                                   str(sa.type) == "pty")


def find(def_: Any, spec: Any) -> Any:
    """The channel of ``def_`` that ``spec`` designates, or libvirt's error."""
    for chan in address.devices(def_, "channel"):
        if same_channel(chan, spec):
            return chan
    raise report(C.VIR_ERR_DEVICE_MISSING, "chr type 'channel' device not present in domain "
                 "configuration", _FROM)


def check_new(def_: Any, chan: Any) -> None:
    """Refuse a second channel like one ``def_`` has (libvirt's wording)."""
    if chan.target_type != "virtio":
        raise report(C.VIR_ERR_OPERATION_UNSUPPORTED,
                     f"attach of channel type '{chan.target_type}' is not supported", _FROM)
    for other in address.devices(def_, "channel"):
        if same_channel(other, chan):
            raise report(C.VIR_ERR_OPERATION_INVALID, "chardev already exists", _FROM)


def _backend(src: Any) -> dict[str, Any]:
    """chardev-add's backend for a channel's host source."""
    kind = str(src.type)
    if kind == "unix":
        server = src.mode == "bind"
        data: dict[str, Any] = {"addr": {"type": "unix", "data": {"path": src.path}},
                                "server": server}
        if server:
            data["wait"] = False
        return {"type": "socket", "data": data}
    if kind == "pty":
        return {"type": "pty", "data": {}}
    if kind == "null":
        return {"type": "null", "data": {}}
    if kind == "file":
        return {"type": "file", "data": {"out": src.path}}
    raise report(C.VIR_ERR_OPERATION_UNSUPPORTED,
                 f"live attach of a channel with source type '{kind}' is not supported", _FROM)


def _alias(def_: Any) -> str:
    """libvirt's alias for a new channel: one past the highest channelN in use."""
    used = [int(c.alias[7:]) for c in address.devices(def_, "channel")
            if c.alias and c.alias.startswith("channel") and c.alias[7:].isdigit()]
    return f"channel{max(used, default=-1) + 1}"


def _assign_port(live: Any, chan: Any) -> None:
    """Give ``chan`` its virtio-serial port among the live channels (in place)."""
    a = chan.address
    idx = a.controller if isinstance(a, VirtioSerialAddress) else 0
    if not any(c.type.value == "virtio-serial" and (c.index or 0) == idx
               for c in address.devices(live, "controller")):
        raise report(C.VIR_ERR_INTERNAL_ERROR, f"virtio-serial controller {idx} not available",
                     C.VIR_FROM_DOMAIN)
    if not isinstance(a, VirtioSerialAddress):
        chan.address = VirtioSerialAddress(controller=idx, bus=0)
    chans = address.devices(live, "channel")
    chans.append(chan)
    try:
        address.assign_virtio_serial_addresses(live)
    finally:
        chans.remove(chan)


def live_attach(drv: Any, vm: DomainObj, chan: Any) -> None:
    """Plug virtio channel ``chan`` into the running guest (the caller holds the job)."""
    from pyvirt.drivers.qemu.agent import prepare_channel
    from pyvirt.drivers.qemu.domain import active_monitor
    live = vm.def_
    check_new(live, chan)
    _assign_port(live, chan)
    chan.alias = _alias(live)
    if vm.domain_dir:
        prepare_channel(drv.cfg.lib_dir, chan, vm.domain_dir)
    mon = active_monitor(vm)
    with contextlib.ExitStack() as undo:
        reply = mon.execute("chardev-add", {"id": "char" + chan.alias,
                                            "backend": _backend(chan.source)})
        undo.callback(remove_backend, mon, chan)
        if isinstance(reply, dict) and reply.get("pty"):
            chan.source.path = reply["pty"]
        mon.execute("device_add", command.virtserialport_props(chan))
        undo.pop_all()
    with vm.lock:
        live.devices.add(chan)


def remove_backend(mon: Any, chan: Any) -> None:
    """Remove a channel's host side (after its port left, or on a failed attach)."""
    with contextlib.suppress(Exception):
        mon.execute("chardev-remove", {"id": "char" + chan.alias})

