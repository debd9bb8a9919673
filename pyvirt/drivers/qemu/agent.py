"""A client of the QEMU guest agent (qemu-ga) on a domain's virtio-serial channel.

The agent listens inside the guest on the port ``org.qemu.guest_agent.0``;
QEMU offers that port on the host as a unix socket (the channel's
``<source path>``).  The protocol is QMP-like JSON, one object per line,
without a greeting and without events.

Because a guest agent may have been restarted, or a previous caller may
have given up on a reply that arrives later, every command is preceded by
a ``guest-sync-delimited`` handshake: the host sends a 0xFF byte (which
resets the agent's JSON parser) and a sync with a fresh id; the agent
answers with 0xFF followed by that id.  Everything read before the 0xFF is
stale and dropped.

Errors are libvirt's (qemu_agent.c / qemu_domain.c):

* no reply to the handshake within 5 s (or the shorter response timeout set
  with ``virDomainAgentSetResponseTimeout``), or no reply to the command
  within the response timeout: ``VIR_ERR_AGENT_UNRESPONSIVE`` "Guest agent
  not available for now";
* the channel is configured but the agent never connected (VSERPORT_CHANGE):
  ``VIR_ERR_AGENT_UNRESPONSIVE`` "QEMU guest agent is not connected";
* no channel: ``VIR_ERR_ARGUMENT_UNSUPPORTED`` "QEMU guest agent is not
  configured";
* the agent's own error: ``VIR_ERR_INTERNAL_ERROR`` "unable to execute QEMU
  agent command 'NAME': DESC".

A client belongs to one QEMU process (``proc``): a new start gets a new one.
"""

from __future__ import annotations

import json
import os
import select
import socket
import threading
import time
from typing import Any

from pyvirt import constants as C
from pyvirt.errors import libvirtError, report

_FROM = C.VIR_FROM_QEMU

AGENT_NAME = "org.qemu.guest_agent.0"

# libvirt's QEMU_AGENT_WAIT_TIME: the longest a handshake (and a command under
# VIR_DOMAIN_AGENT_RESPONSE_TIMEOUT_DEFAULT) waits.
SYNC_WAIT = 5.0

# How long a command the agent does not answer when it works (shutdown, suspend)
# waits for an error reply.
NO_REPLY_WAIT = 2.0

# What a class of agent error means, when the agent sends no 'desc'.
_CLASS_TEXT = {
    "CommandDisabled": "The command has been disabled for this instance",
    "CommandNotFound": "The command has not been found",
    "InvalidParameter": "Invalid parameter",
    "QgaCommandFailed": "Guest agent command failed",
    "Unsupported": "this feature or command is not currently supported",
}


class Unsupported(Exception):
    """The agent does not know (or has disabled) a command the caller may skip."""


def unresponsive(message: str) -> libvirtError:
    """libvirt's VIR_ERR_AGENT_UNRESPONSIVE with ``message``."""
    return report(C.VIR_ERR_AGENT_UNRESPONSIVE, message, _FROM)


def agent_channel(def_: Any) -> Any:
    """The domain's guest agent channel (a unix virtio channel named for the agent), or None."""
    for chan in _channels(def_):
        if (chan.target_type == "virtio" and chan.target_name == AGENT_NAME
                and chan.source is not None and chan.source.type.value == "unix"):
            return chan
    return None


def _channels(def_: Any) -> list[Any]:
    from pyvirt.drivers.qemu import address
    return list(address.devices(def_, "channel"))


def prepare_channels(lib_dir: str, def_: Any, dom_dir: str) -> None:
    """Give path-less unix virtio channels libvirt's socket path and make its directory.

    libvirt puts them at ``LIBDIR/channel/target/domain-N-NAME/TARGETNAME``.
    """
    for chan in _channels(def_):
        prepare_channel(lib_dir, chan, dom_dir)


def prepare_channel(lib_dir: str, chan: Any, dom_dir: str) -> None:
    """:func:`prepare_channels` for one channel (a hotplugged one)."""
    src = chan.source
    if (chan.target_type != "virtio" or src is None or src.type.value != "unix"
            or src.path or not chan.target_name):
        return
    where = os.path.join(lib_dir, "channel", "target", os.path.basename(dom_dir))
    path = os.path.join(where, chan.target_name)
    if len(os.fsencode(path)) >= 108:
        raise report(C.VIR_ERR_INTERNAL_ERROR, f"UNIX socket path '{path}' too long", _FROM)
    os.makedirs(where, mode=0o750, exist_ok=True)
    src.path = path
    if not src.mode:
        src.mode = "bind"


class Agent:
    """One connection to a guest agent; commands are serialised by ``lock``."""

    def __init__(self, path: str, proc: Any) -> None:
        self.path = path
        self.proc = proc
        self.lock = threading.Lock()
        self.sock: socket.socket | None = None
        self.buf = b""
        self.next_id = int(time.time() * 1000)

    # --- the socket -------------------------------------------------------------
    def _connect(self) -> socket.socket:
        if self.sock is None:
            from pyvirt.drivers.qemu.monitor import connect_unix
            try:
                self.sock = connect_unix(self.path)
            except OSError:
                raise unresponsive("QEMU guest agent is not connected") from None
            self.sock.setblocking(False)
            self.buf = b""
        return self.sock

    def close(self) -> None:
        """Drop the connection (the next command connects again)."""
        sock, self.sock = self.sock, None
        if sock is not None:
            sock.close()

    def _send(self, data: bytes) -> None:
        sock = self._connect()
        view = memoryview(data)
        while view:
            select.select([], [sock], [], 1.0)
            try:
                n = sock.send(view)
            except BlockingIOError:
                continue
            except OSError:
                self.close()
                raise unresponsive("Guest agent disappeared while executing command") from None
            view = view[n:]

    def _fill(self, deadline: float | None) -> None:
        """Read more bytes into ``buf`` before ``deadline`` (None: wait for ever)."""
        sock = self._connect()
        left = None if deadline is None else max(0.0, deadline - time.monotonic())
        ready, _, _ = select.select([sock], [], [], left)
        if not ready:
            raise TimeoutError
        try:
            data = sock.recv(65536)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if not data:
            self.close()
            raise unresponsive("Guest agent disappeared while executing command")
        self.buf += data

    def _read_reply(self, deadline: float | None) -> dict:
        while True:
            nl = self.buf.find(b"\n")
            if nl >= 0:
                line, self.buf = self.buf[:nl], self.buf[nl + 1:]
                line = line.strip().lstrip(b"\xff")
                if not line:
                    continue
                try:
                    msg = json.loads(line)
                except ValueError:
                    continue        # garbage from an earlier, abandoned exchange
                if isinstance(msg, dict) and ("return" in msg or "error" in msg):
                    return msg
                continue
            self._fill(deadline)

    # --- the protocol -------------------------------------------------------------
    def _sync(self, timeout: int) -> None:
        wait = SYNC_WAIT
        if 0 <= timeout < SYNC_WAIT:
            wait = float(timeout)
        self.next_id += 1
        sync_id = self.next_id
        deadline = time.monotonic() + wait
        self.buf = b""
        self._send(b"\xff" + json.dumps({"execute": "guest-sync-delimited",
                                          "arguments": {"id": sync_id}}).encode() + b"\n")
        try:
            while True:
                # drop everything up to the agent's delimiter
                marker = self.buf.find(b"\xff")
                if marker < 0:
                    self.buf = b""
                    self._fill(deadline)
                    continue
                self.buf = self.buf[marker + 1:]
                reply = self._read_reply(deadline)
                if reply.get("return") == sync_id:
                    return
        except TimeoutError:
            raise unresponsive("Guest agent not available for now") from None

    def execute(self, cmd: str, args: dict | None = None, timeout: int = -2,
                report_unsupported: bool = True, await_reply: bool = True) -> Any:
        """Run agent command ``cmd``; return the reply's ``return`` value.

        ``timeout`` is libvirt's: -2 wait for ever, -1 the default (5 s),
        0 do not wait, N seconds.  ``report_unsupported`` False raises
        :class:`Unsupported` for an unknown or disabled command instead of
        an error.  ``await_reply`` False is for commands the agent does not
        answer when they work (shutdown, suspend): no reply before the
        deadline (or the agent going away) is success.
        """
        message: dict[str, Any] = {"execute": cmd}
        if args is not None:
            message["arguments"] = args
        reply = self.command(message, timeout, await_reply)
        if reply is None:
            return None
        return check_reply(cmd, reply, report_unsupported)

    def command(self, message: dict, timeout: int, await_reply: bool = True) -> dict | None:
        """Send ``message`` after a handshake; return the agent's whole reply (or None)."""
        with self.lock:
            self._sync(timeout)
            self._send(json.dumps(message).encode() + b"\n")
            if timeout == 0:
                return None
            seconds = SYNC_WAIT if timeout == -1 else (None if timeout == -2 else timeout)
            if not await_reply:
                # the agent answers such a command only when it fails, and at once
                seconds = min(seconds or NO_REPLY_WAIT, NO_REPLY_WAIT)
            deadline = None if seconds is None else time.monotonic() + seconds
            try:
                return self._read_reply(deadline)
            except TimeoutError:
                if not await_reply:
                    return None
                raise unresponsive("Guest agent not available for now") from None
            except libvirtError:
                if not await_reply:
                    return None
                raise


def check_reply(cmd: str, reply: dict, report_unsupported: bool = True) -> Any:
    """The ``return`` of an agent reply, or libvirt's error for it."""
    if "error" in reply:
        err = reply.get("error") or {}
        klass = err.get("class")
        if not report_unsupported and klass in ("CommandNotFound", "CommandDisabled"):
            raise Unsupported(cmd)
        desc = err.get("desc") or _CLASS_TEXT.get(klass or "", klass or
                                                  "unknown QEMU command error")
        raise report(C.VIR_ERR_INTERNAL_ERROR,
                     f"unable to execute QEMU agent command '{cmd}': {desc}", _FROM)
    if "return" not in reply:
        raise report(C.VIR_ERR_INTERNAL_ERROR, f"unable to execute QEMU agent command '{cmd}'",
                     _FROM)
    return reply["return"]
