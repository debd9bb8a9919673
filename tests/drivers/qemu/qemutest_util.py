"""Helpers of the QEMU driver's real-guest tests: domain XML, waiting, events."""

from __future__ import annotations

import contextlib
import os
import re
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from typing import Any

from waiting import wait_until

import pyvirt
from pyvirt import constants as C
from pyvirt.api import event as pyvirt_event

READY = b"PYVIRT-GUEST-READY"

# Deadlines, not expectations: they are long because a loaded machine (two
# cores, tests in parallel, TCG guests) can be slow, and a wait ends as soon
# as its condition holds.  A boot of the test guest takes ~1 s when idle.
WAIT = 60.0           # a state change, an event, a tick of the guest's counter
BOOT_WAIT = 120.0     # the guest's kernel and init up to its readiness line


def guest_xml(guest: str, name: str, *, serial: str | None = None, disks: str = "",
              nets: str = "", extra: str = "", virt: str = "qemu", machine: str = "pc",
              memory_mib: int = 96, emulator: str | None = None) -> str:
    """A domain booting the test guest's kernel under TCG.

    The console is a pty; ``serial`` is a file QEMU also logs it to.
    """
    log = f"<log file='{serial}'/>" if serial else ""
    console = f"<serial type='pty'>{log}</serial><console type='pty'/>"
    emu = f"<emulator>{emulator}</emulator>" if emulator else ""
    return f"""<domain type='{virt}'>
  <name>{name}</name>
  <memory unit='MiB'>{memory_mib}</memory>
  <vcpu>1</vcpu>
  <os>
    <type arch='x86_64' machine='{machine}'>hvm</type>
    <kernel>{guest}/vmlinuz</kernel>
    <initrd>{guest}/initrd.img</initrd>
    <cmdline>console=ttyS0 quiet panic=-1</cmdline>
  </os>
  <features><acpi/></features>
  <devices>
    {emu}{disks}{nets}{console}{extra}
  </devices>
</domain>"""


def wait_for(cond: Callable[[], Any], timeout: float = WAIT, what: str = "condition",
             step: float = 0.02) -> Any:
    """Poll ``cond`` until it is truthy; fail after ``timeout`` seconds."""
    return wait_until(cond, timeout, what, step)


def file_text(path: str) -> bytes:
    """The bytes of ``path`` ('' if missing)."""
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError:
        return b""


def wait_ready(path: str, count: int = 1, timeout: float = BOOT_WAIT) -> None:
    """Wait until the serial log ``path`` shows the guest's readiness line ``count`` times."""
    wait_for(lambda: file_text(path).count(READY) >= count, timeout, f"{path} ready")


def _values(tag: bytes, text: bytes) -> list[int]:
    """The numbers of the lines ``TAG N`` in ``text``: whole lines that are
    exactly that (QEMU may be writing the last line, and the console's echo of
    what a test typed can land in the middle of one: 'PYVIRT-GUEST-TICK
    1hello console' was read once)."""
    line = re.compile(rb"^" + re.escape(tag) + rb" (\d+)\r?$", re.MULTILINE)
    return [int(m) for m in line.findall(text[:text.rfind(b"\n") + 1])]


def ticks(path: str) -> int:
    """The last tick counter the guest printed in the serial log ``path`` (-1: none)."""
    values = _values(b"PYVIRT-GUEST-TICK", file_text(path))
    return values[-1] if values else -1


COUNTER = b"PYVIRT-GUEST-COUNTER"


def counters(path: str, since: int = 0) -> list[int]:
    """The disk counter values (tools/guest.d/counter.sh) the guest printed in the
    serial log ``path`` after byte ``since`` (see :func:`_values`)."""
    return _values(COUNTER, file_text(path)[since:])


def last_counter(path: str) -> int:
    """The last disk counter value the guest printed (-1: none yet)."""
    values = counters(path)
    return values[-1] if values else -1


@contextlib.contextmanager
def counting(guest: Any) -> Iterator[None]:
    """Start ``guest.dom``, wait until its disk counter runs; at the end stop every
    guest of ``guest.conn`` (as it is then) and close it (a module-scoped fixture's
    body; ``guest`` has ``conn``, ``dom`` and ``serial``)."""
    guest.dom.create()
    wait_ready(guest.serial)
    wait_for(lambda: last_counter(guest.serial) > 1, what="the disk counter")
    try:
        yield
    finally:
        conn = guest.conn
        try:
            for active in conn.listAllDomains(pyvirt.VIR_CONNECT_LIST_DOMAINS_ACTIVE):
                active.destroy()
        finally:
            conn.close()


_loop_thread: threading.Thread | None = None
_loop_obj: Any = None
_loop_lock = threading.Lock()


def start_event_loop() -> None:
    """Register libvirt's default event loop and run it on a daemon thread (once).

    The thread runs that loop object itself, not "whatever the default loop
    is now": a test of another file in the same process (pytest-xdist mixes
    files per worker) may swap in a fresh default loop for a while
    (tests/api/test_event.py), and this thread must neither take that
    loop's timers nor stay blocked in it once it is dropped.
    """
    global _loop_thread, _loop_obj
    with _loop_lock:
        pyvirt.virEventRegisterDefaultImpl()
        loop = pyvirt_event._default_loop()
        if _loop_thread is not None and _loop_thread.is_alive() and loop is _loop_obj:
            return

        def run() -> None:
            while True:
                loop.run_once()

        _loop_obj = loop
        _loop_thread = threading.Thread(target=run, name="test-event-loop", daemon=True)
        _loop_thread.start()


def loop_state() -> str:
    """Where the event loop thread is (for a failed wait's message)."""
    thread = _loop_thread
    if thread is None:
        return "the event loop was not started"
    if not thread.is_alive():
        return "the event loop thread has died"
    frame = sys._current_frames().get(thread.ident or 0)
    stack = "".join(traceback.format_stack(frame)) if frame is not None else "?"
    return f"the event loop thread is at:\n{stack}"


class Events:
    """Lifecycle (and other) events of one connection, recorded in order."""

    def __init__(self, conn: Any) -> None:
        start_event_loop()
        self.items: list[tuple] = []
        self._cond = threading.Condition()
        self.ids = [
            conn.domainEventRegisterAny(None, pyvirt.VIR_DOMAIN_EVENT_ID_LIFECYCLE,
                                        self._lifecycle, None),
            conn.domainEventRegisterAny(None, pyvirt.VIR_DOMAIN_EVENT_ID_REBOOT,
                                        self._reboot, None),
            conn.domainEventRegisterAny(None, pyvirt.VIR_DOMAIN_EVENT_ID_DEVICE_REMOVED,
                                        self._removed, None),
        ]

    def _add(self, item: tuple) -> None:
        with self._cond:
            self.items.append(item)
            self._cond.notify_all()

    def _lifecycle(self, conn: Any, dom: Any, event: int, detail: int, opaque: Any) -> None:
        self._add((dom.name(), event, detail))

    def _reboot(self, conn: Any, dom: Any, opaque: Any) -> None:
        self._add((dom.name(), "reboot"))

    def _removed(self, conn: Any, dom: Any, alias: str, opaque: Any) -> None:
        self._add((dom.name(), "removed", alias))

    def of(self, name: str) -> list[tuple]:
        """The events of domain ``name`` (without its name)."""
        with self._cond:
            return [i[1:] for i in self.items if i[0] == name]

    def wait(self, name: str, item: tuple, timeout: float = WAIT) -> None:
        """Wait until domain ``name`` got event ``item``."""
        try:
            wait_for(lambda: item in self.of(name), timeout, f"event {item} of {name}")
        except AssertionError as exc:
            raise AssertionError(f"{exc}; events of {name}: {self.of(name)}; "
                                 f"{loop_state()}") from None

    def clear(self) -> None:
        """Forget what was recorded."""
        with self._cond:
            self.items.clear()


def pid_of(root: str, name: str) -> int:
    """The QEMU pid of running domain ``name`` under embed root ``root``."""
    with open(os.path.join(root, "run", "qemu", f"{name}.pid")) as f:
        return int(f.read())


def alive(pid: int) -> bool:
    """True if ``pid`` runs and is not a zombie."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except OSError:
        return False


def remove_cgroups(root: str, pids: list[int]) -> None:
    """Remove the cgroups the driver made for guests of the embed ``root`` whose QEMU
    (``pids``) was killed while no driver watched."""
    from pyvirt.drivers.qemu import cgroup
    from pyvirt.drivers.qemu.config import DriverConfig
    deadline = time.monotonic() + 5
    while any(alive(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.02)
    cgroup.remove_unused(cgroup.prefix_of(DriverConfig.embed(root)))
def close_with_guests(conn: Any) -> None:
    """Destroy every guest still running on ``conn``, then close it (a fixture's end)."""
    try:
        for dom in conn.listAllDomains(C.VIR_CONNECT_LIST_DOMAINS_ACTIVE):
            dom.destroy()
    finally:
        conn.close()


def attempt(call: Callable[[], Any]) -> Any:
    """``call()``, or None when it raises a libvirtError (for polling)."""
    try:
        return call()
    except pyvirt.libvirtError:
        return None


def answer(call: Callable[[], Any]) -> list:
    """A call's answer as tests/reference/capture_agent.py records libvirt's:
    ["ok", result] or ["err", code, domain, message]."""
    try:
        return ["ok", call()]
    except pyvirt.libvirtError as exc:
        return ["err", exc.get_error_code(), exc.get_error_domain(), str(exc)]
