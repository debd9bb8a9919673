"""Domain events and the guest console: ``event`` and ``console``."""

from __future__ import annotations

import contextlib
import datetime
import os
import sys
import threading
from collections.abc import Callable
from typing import Any

import pyvirt as libvirt
from pyvirt.shell import lookup
from pyvirt.shell.command import DOMAIN, Args, CmdError, command, exclusive, flag, number, string
from pyvirt.shell.main import Shell
from pyvirt.shell.output import typed_value

EVENTS = "events"
DOMAIN_GROUP = "domain"

_LIFECYCLE = ("Defined", "Undefined", "Started", "Suspended", "Resumed", "Stopped",
              "Shutdown", "PMSuspended", "Crashed")
_LIFECYCLE_DETAIL = (
    ("Added", "Updated", "Renamed", "Snapshot"),
    ("Removed", "Renamed"),
    ("Booted", "Migrated", "Restored", "Snapshot", "Event wakeup"),
    ("Paused", "Migrated", "I/O Error", "Watchdog", "Restored", "Snapshot", "API error",
     "Post-copy", "Post-copy Error"),
    ("Unpaused", "Migrated", "Snapshot", "Post-copy", "Post-copy Error"),
    ("Shutdown", "Destroyed", "Crashed", "Migrated", "Saved", "Failed", "Snapshot"),
    ("Finished", "Finished after guest request", "Finished after host request"),
    ("Memory", "Disk"),
    ("Panicked", "Crashloaded"),
)
_WATCHDOG = ("none", "pause", "reset", "poweroff", "shutdown", "debug", "inject-nmi")
_IO_ERROR = ("none", "pause", "report")
_GRAPHICS_PHASE = ("connect", "initialize", "disconnect")
_GRAPHICS_FAMILY = ("IPv4", "IPv6", "unix")
_BLOCK_JOB = ("Unknown job", "Block Pull", "Block Copy", "Block Commit",
              "Active Block Commit", "Backup")
_BLOCK_STATUS = ("completed", "failed", "canceled", "ready")
_DISK_CHANGE = ("changed", "dropped")
_TRAY = ("opened", "closed")
_AGENT_STATE = ("unknown", "connected", "disconnected")
_AGENT_REASON = ("unknown", "domain started", "channel event")
_METADATA = ("description", "title", "element")
_MEM_RECIPIENT = ("hypervisor", "guest")
_MEM_ACTION = ("ignore", "inject", "fatal", "reset")


def _pick(names: tuple[str, ...], index: int, default: str = "unknown") -> str:
    return names[index] if 0 <= index < len(names) else default


def _lifecycle(name: str, dom: Any, event: int, detail: int) -> str:
    details = _LIFECYCLE_DETAIL[event] if 0 <= event < len(_LIFECYCLE_DETAIL) else ()
    return (f"event 'lifecycle' for domain '{dom.name()}': {_pick(_LIFECYCLE, event)} "
            f"{_pick(details, detail)}\n")


def _generic(name: str, dom: Any, *_: Any) -> str:
    return f"event '{name}' for domain '{dom.name()}'\n"


def _graphics(name: str, dom: Any, phase: int, local: Any, remote: Any, scheme: str,
              subject: Any) -> str:
    def addr(value: Any) -> str:
        family = value.get("family", -1) if isinstance(value, dict) else -1
        return (f"{_pick(_GRAPHICS_FAMILY, int(family))} {value.get('node')} "
                f"{value.get('service')}")
    text = (f"event 'graphics' for domain '{dom.name()}': {_pick(_GRAPHICS_PHASE, phase)} "
            f"local[{addr(local)}] remote[{addr(remote)}] {scheme}\n")
    for kind, ident in subject or []:
        text += f"\t{kind}={ident}\n"
    return text


def _params(title: str, dom: Any, params: dict[str, Any]) -> str:
    text = f"event '{title}' for domain '{dom.name()}':\n"
    for key, value in (params or {}).items():
        text += f"\t{key}: {typed_value(value)}\n"
    return text


def _memory_failure(name: str, dom: Any, recipient: int, action: int, flags: int) -> str:
    return (f"event 'memory-failure' for domain '{dom.name()}':\n"
            f"recipient: {_pick(_MEM_RECIPIENT, recipient, 'unsupported value')}\n"
            f"action: {_pick(_MEM_ACTION, action, 'unsupported value')}\n"
            f"flags:\n\taction required: {int(bool(flags & 1))}\n"
            f"\trecursive: {int(bool(flags & 2))}\n")


# event name -> (VIR_DOMAIN_EVENT_ID_* suffix, formatter(name, dom, *args))
EVENT_TYPES: dict[str, tuple[str, Callable[..., str]]] = {
    "lifecycle": ("LIFECYCLE", _lifecycle),
    "reboot": ("REBOOT", _generic),
    "rtc-change": ("RTC_CHANGE", lambda n, d, off: (
        f"event 'rtc-change' for domain '{d.name()}': {off}\n")),
    "watchdog": ("WATCHDOG", lambda n, d, act: (
        f"event 'watchdog' for domain '{d.name()}': {_pick(_WATCHDOG, act)}\n")),
    "io-error": ("IO_ERROR", lambda n, d, src, alias, act: (
        f"event 'io-error' for domain '{d.name()}': {src} ({alias}) "
        f"{_pick(_IO_ERROR, act)}\n")),
    "graphics": ("GRAPHICS", _graphics),
    "io-error-reason": ("IO_ERROR_REASON", lambda n, d, src, alias, act, why: (
        f"event 'io-error-reason' for domain '{d.name()}': {src} ({alias}) "
        f"{_pick(_IO_ERROR, act)} due to {why}\n")),
    "control-error": ("CONTROL_ERROR", _generic),
    "block-job": ("BLOCK_JOB", lambda n, d, disk, kind, status: (
        f"event '{n}' for domain '{d.name()}': {_pick(_BLOCK_JOB, kind, 'Unknown job')} "
        f"for {disk} {_pick(_BLOCK_STATUS, status)}\n")),
    "disk-change": ("DISK_CHANGE", lambda n, d, old, new, alias, why: (
        f"event 'disk-change' for domain '{d.name()}' disk {alias}: "
        f"{old or '<null>'} -> {new or '<null>'}: {_pick(_DISK_CHANGE, why)}\n")),
    "tray-change": ("TRAY_CHANGE", lambda n, d, alias, why: (
        f"event 'tray-change' for domain '{d.name()}' disk {alias}: {_pick(_TRAY, why)}\n")),
    "pm-wakeup": ("PMWAKEUP", _generic),
    "pm-suspend": ("PMSUSPEND", _generic),
    "balloon-change": ("BALLOON_CHANGE", lambda n, d, actual: (
        f"event 'balloon-change' for domain '{d.name()}': {actual}KiB\n")),
    "pm-suspend-disk": ("PMSUSPEND_DISK", _generic),
    "device-removed": ("DEVICE_REMOVED", lambda n, d, alias: (
        f"event 'device-removed' for domain '{d.name()}': {alias}\n")),
    "block-job-2": ("BLOCK_JOB_2", lambda n, d, disk, kind, status: (
        f"event '{n}' for domain '{d.name()}': {_pick(_BLOCK_JOB, kind, 'Unknown job')} "
        f"for {disk} {_pick(_BLOCK_STATUS, status)}\n")),
    "tunable": ("TUNABLE", lambda n, d, params: _params("tunable", d, params)),
    "agent-lifecycle": ("AGENT_LIFECYCLE", lambda n, d, state, why: (
        f"event 'agent-lifecycle' for domain '{d.name()}': state: "
        f"'{_pick(_AGENT_STATE, state, 'unsupported value')}' reason: "
        f"'{_pick(_AGENT_REASON, why, 'unsupported value')}'\n")),
    "device-added": ("DEVICE_ADDED", lambda n, d, alias: (
        f"event 'device-added' for domain '{d.name()}': {alias}\n")),
    "migration-iteration": ("MIGRATION_ITERATION", lambda n, d, it: (
        f"event 'migration-iteration' for domain '{d.name()}': iteration: '{it}'\n")),
    "job-completed": ("JOB_COMPLETED", lambda n, d, params: _params("job-completed", d,
                                                                     params)),
    "device-removal-failed": ("DEVICE_REMOVAL_FAILED", lambda n, d, alias: (
        f"event 'device-removal-failed' for domain '{d.name()}': {alias}\n")),
    "metadata-change": ("METADATA_CHANGE", lambda n, d, kind, uri: (
        f"event 'metadata-change' for domain '{d.name()}': type "
        f"{_pick(_METADATA, kind, 'unsupported value')}, uri {uri or '<null>'}\n")),
    "block-threshold": ("BLOCK_THRESHOLD", lambda n, d, dev, path, limit, excess: (
        f"event 'block-threshold' for domain '{d.name()}': dev: {dev}({path or '<null>'}) "
        f"{limit} {excess}\n")),
    "memory-failure": ("MEMORY_FAILURE", _memory_failure),
    "memory-device-size-change": ("MEMORY_DEVICE_SIZE_CHANGE", lambda n, d, alias, size: (
        f"event 'memory-device-size-change' for domain '{d.name()}':\n"
        f"alias: {alias}\nsize: {size}\n")),
}


class _EventWaiter:
    """Collects printed events; wakes the command when it should stop."""

    def __init__(self, shell: Shell, loop: bool, timestamp: bool):
        self.shell = shell
        self.loop = loop
        self.timestamp = timestamp
        self.count = 0
        self.done = threading.Event()
        self.lock = threading.Lock()

    def callback(self, name: str, formatter: Callable[..., str]) -> Callable[..., None]:
        def handler(conn: Any, dom: Any, *rest: Any) -> None:
            args = rest[:-1]   # the last argument is the opaque value
            try:
                text = formatter(name, dom, *args)
            except Exception as exc:  # noqa: BLE001 - never kill the event thread
                text = f"event '{name}' for domain '{dom.name()}': ({exc})\n"
            with self.lock:
                if not self.loop and self.count:
                    return
                if self.timestamp:
                    now = datetime.datetime.now(datetime.UTC)
                    text = now.strftime("%Y-%m-%d %H:%M:%S.") + \
                        f"{now.microsecond // 1000:03d}+0000: " + text
                self.shell.out.print(text)
                self.count += 1
                if not self.loop:
                    self.done.set()
        return handler


@command("event", EVENTS, "Domain Events",
         [string("domain", "filter by domain name, id or uuid", positional=True,
                 complete="domain"),
          string("event", "which event type to wait for", positional=True,
                 complete="event"),
          flag("all", "wait for all events instead of just one type"),
          flag("loop", "loop until timeout or interrupt, rather than one-shot"),
          number("timeout", "timeout seconds", positional=True),
          flag("list", "list valid event types"),
          flag("timestamp", "show timestamp for each printed event")])
def cmd_event(shell: Shell, args: Args) -> bool:
    """Print domain events as they arrive (one, or all with --loop)."""
    name: str | None
    exclusive(args, "all", "event")
    exclusive(args, "list", "all")
    exclusive(args, "list", "event")
    if args.flag("list"):
        for name in EVENT_TYPES:
            shell.out.print(name + "\n")
        return True
    name = args.get("event")
    if name is None and not args.flag("all"):
        raise CmdError("one of --list, --all, or --event <type> is required")
    selected = [key for key in EVENT_TYPES if name is None or key == name]
    if not selected:
        raise CmdError(f"unknown event type {name}")
    timeout = args.uint("timeout")
    if timeout is not None and (timeout == 0 or timeout > (2 ** 31 - 1) // 1000):
        raise CmdError(f"Numeric value '{timeout}' for <timeout> option is malformed or "
                       "out of range")
    dom = lookup.domain(shell, args)[0] if args.flag("domain") else None
    waiter = _EventWaiter(shell, args.flag("loop"), args.flag("timestamp"))
    shell.start_event_loop()
    conn = shell.conn
    ids = []
    try:
        for index, key in enumerate(selected):
            suffix, formatter = EVENT_TYPES[key]
            event_id = getattr(libvirt, "VIR_DOMAIN_EVENT_ID_" + suffix, None)
            if event_id is None:
                continue
            try:
                ids.append(conn.domainEventRegisterAny(dom, event_id,
                                                       waiter.callback(key, formatter), None))
            except libvirt.libvirtError:
                if index == 0:
                    raise
        outcome = _wait(waiter.done, timeout)
    finally:
        for callback_id in ids:
            try:
                conn.domainEventDeregisterAny(callback_id)
            except libvirt.libvirtError:
                pass
    if outcome == "interrupt":
        shell.out.print("event loop interrupted\n")
    elif outcome == "timeout":
        shell.out.print("event loop timed out\n")
    shell.out.print(f"events received: {waiter.count}\n")
    return waiter.count > 0


def _wait(done: threading.Event, timeout: int | None) -> str:
    """Wait for ``done``; 'done', 'timeout' or 'interrupt' (Ctrl-C)."""
    try:
        if done.wait(timeout if timeout else None):
            return "done"
        return "timeout"
    except KeyboardInterrupt:
        return "interrupt"


# -- console -------------------------------------------------------------------

ESCAPE = "^]"


@command("console", DOMAIN_GROUP, "connect to the guest console",
         [DOMAIN, string("devname", "character device name", positional=True),
          flag("force", "force console connection (disconnect already connected sessions)"),
          flag("safe", "only connect if safe console handling is supported")])
def cmd_console(shell: Shell, args: Args) -> bool:
    """Attach the terminal to the guest's serial console (Ctrl+] leaves)."""
    dom, _ = lookup.domain(shell, args)
    return run_console(shell, dom, args.get("devname"), args.flag("force"),
                       args.flag("safe"))


def run_console(shell: Shell, dom: Any, devname: str | None, force: bool,
                safe: bool) -> bool:
    """Connect stdin/stdout to the domain's console stream until ^]."""
    from pyvirt.shell.domain_monitor import domain_state

    try:
        state = domain_state(dom)[0]
    except libvirt.libvirtError as exc:
        raise CmdError("Unable to get domain status", exc) from None
    if state == libvirt.VIR_DOMAIN_SHUTOFF:
        raise CmdError("The domain is not running")
    stdin = sys.stdin
    if not stdin.isatty():
        raise CmdError("Cannot run interactive console without a controlling TTY")
    out = shell.out
    out.extra(f"Connected to domain '{dom.name()}'\n")
    out.extra(f"Escape character is {ESCAPE} (Ctrl + {ESCAPE[1]})\n")
    flags = 0
    if force:
        flags |= libvirt.VIR_DOMAIN_CONSOLE_FORCE
    if safe:
        flags |= libvirt.VIR_DOMAIN_CONSOLE_SAFE
    stream = dom.connect().newStream(0)
    dom.openConsole(devname, stream, flags)
    return _pump(stream, stdin.fileno(), out)


def _pump(stream: Any, fd_in: int, out: Any) -> bool:
    """Copy between the terminal (raw mode) and the stream until ^] or EOF."""
    import termios
    import tty

    saved = termios.tcgetattr(fd_in)
    stop = threading.Event()
    errors: list[BaseException] = []

    def reader() -> None:
        try:
            while not stop.is_set():
                chunk = stream.recv(4096)
                if not chunk:
                    break
                os.write(out.stdout.fileno(), chunk)
        except Exception as exc:  # noqa: BLE001 - reported after the terminal is restored
            if not stop.is_set():
                errors.append(exc)
        stop.set()

    thread = threading.Thread(target=reader, name="pyvirsh-console", daemon=True)
    try:
        tty.setraw(fd_in)
        thread.start()
        while not stop.is_set():
            data = os.read(fd_in, 1024)
            if not data or b"\x1d" in data:
                data = data.split(b"\x1d")[0]
                if data:
                    stream.send(data)
                break
            stream.send(data)
    finally:
        stop.set()
        termios.tcsetattr(fd_in, termios.TCSAFLUSH, saved)
        with contextlib.suppress(Exception):  # the stream may already be closed
            stream.abort()
    out.print("\n")
    if errors:
        raise CmdError(None, errors[0])
    return True
