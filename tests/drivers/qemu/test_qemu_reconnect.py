"""Guests outlive the process that started them; another process takes them over.

A child process opens an embed root, starts guests and is killed with
SIGKILL; this process then opens the same root, finds the guests through
their status XML, reconnects to QMP and manages them.  While the child
holds the root, a second opener is refused.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from qemutest_util import Events, alive, file_text, guest_xml, pid_of, ticks, wait_for, wait_ready

import pyvirt
from pyvirt import constants as C
from pyvirt.errors import libvirtError

CHILD = textwrap.dedent("""
    import sys, time
    import pyvirt
    root, xml_a, xml_b = sys.argv[1], sys.argv[2], sys.argv[3]
    conn = pyvirt.open("qemu:///embed?root=" + root)
    a = conn.createXML(open(xml_a).read(), 0)
    b = conn.defineXML(open(xml_b).read())
    b.createWithFlags(pyvirt.VIR_DOMAIN_START_PAUSED)
    print("STARTED", a.ID(), b.ID(), flush=True)
    time.sleep(3600)
""")


def test_take_over_guests_of_a_killed_process(guest: str, root: str, tmp_path: Path) -> None:
    serial = str(tmp_path / "a.log")
    (tmp_path / "a.xml").write_text(guest_xml(guest, "survivor", serial=serial))
    (tmp_path / "b.xml").write_text(guest_xml(guest, "orphan"))
    child = subprocess.Popen([sys.executable, "-c", CHILD, root, str(tmp_path / "a.xml"),
                              str(tmp_path / "b.xml")], stdout=subprocess.PIPE, text=True)
    try:
        line = child.stdout.readline() if child.stdout else ""
        assert line.startswith("STARTED"), line
        id_a, id_b = (int(x) for x in line.split()[1:])
        # the root is the child's while it lives
        with pytest.raises(libvirtError) as err:
            pyvirt.open(f"qemu:///embed?root={root}")
        assert err.value.get_error_code() == C.VIR_ERR_RESOURCE_BUSY
        assert str(child.pid) in str(err.value)
        wait_ready(serial)
        qemu_a, qemu_b = pid_of(root, "survivor"), pid_of(root, "orphan")
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
    assert alive(qemu_a) and alive(qemu_b)
    # the orphan's QEMU dies while nobody watches it
    os.kill(qemu_b, signal.SIGKILL)
    wait_for(lambda: not alive(qemu_b), what="the orphan's QEMU to die")

    conn = pyvirt.open(f"qemu:///embed?root={root}")
    try:
        ev = Events(conn)
        a = conn.lookupByName("survivor")
        assert a.isActive() and a.ID() == id_a and not a.isPersistent()
        assert a.state() == [C.VIR_DOMAIN_RUNNING, C.VIR_DOMAIN_RUNNING_BOOTED]
        assert "<alias name='serial0'/>" in a.XMLDesc(0)
        b = conn.lookupByName("orphan")
        assert b.state() == [C.VIR_DOMAIN_SHUTOFF, C.VIR_DOMAIN_SHUTOFF_CRASHED]
        assert not os.path.exists(os.path.join(root, "run", "qemu", "orphan.xml"))
        # the survivor is managed as if we had started it
        before = ticks(serial)
        a.suspend()
        assert a.state() == [C.VIR_DOMAIN_PAUSED, C.VIR_DOMAIN_PAUSED_USER]
        a.resume()
        wait_for(lambda: ticks(serial) > before, what="the counter to go on")
        assert a.info()[4] > 0
        a.reset()
        wait_ready(serial, 2)
        assert b"PYVIRT-GUEST-READY" in file_text(serial)
        t0 = time.perf_counter()
        a.destroy()
        # a zombie counts as exited: no wait for SIGTERM to work (TERM_WAIT, 3 s)
        assert time.perf_counter() - t0 < 2.0
        assert not alive(qemu_a)
        ev.wait("survivor", (C.VIR_DOMAIN_EVENT_STOPPED, C.VIR_DOMAIN_EVENT_STOPPED_DESTROYED))
        b.createWithFlags(C.VIR_DOMAIN_START_PAUSED)
        assert b.ID() > max(id_a, id_b)
        b.destroy()
    finally:
        conn.close()


def test_crash_of_adopted_qemu_is_seen(guest: str, root: str, tmp_path: Path) -> None:
    """A QEMU we did not start (not our child) that is SIGKILLed: crashed at once."""
    (tmp_path / "a.xml").write_text(guest_xml(guest, "adopted"))
    (tmp_path / "b.xml").write_text(guest_xml(guest, "other"))
    child = subprocess.Popen([sys.executable, "-c", CHILD, root, str(tmp_path / "a.xml"),
                              str(tmp_path / "b.xml")], stdout=subprocess.PIPE, text=True)
    try:
        line = child.stdout.readline() if child.stdout else ""
        assert line.startswith("STARTED"), line
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
    conn = pyvirt.open(f"qemu:///embed?root={root}")
    try:
        ev = Events(conn)
        dom = conn.lookupByName("adopted")
        assert dom.isActive()
        t0 = time.monotonic()
        os.kill(pid_of(root, "adopted"), signal.SIGKILL)
        ev.wait("adopted", (C.VIR_DOMAIN_EVENT_STOPPED, C.VIR_DOMAIN_EVENT_STOPPED_FAILED))
        assert time.monotonic() - t0 < 2.0, "the exit of a zombie was not seen promptly"
        conn.lookupByName("other").destroy()
    finally:
        conn.close()


def test_autostart_on_open(guest: str, root: str) -> None:
    conn = pyvirt.open(f"qemu:///embed?root={root}")
    dom = conn.defineXML(guest_xml(guest, "auto"))
    dom.setAutostart(1)
    assert not dom.isActive()
    conn.close()
    # autostart runs once per host boot: forget that it ran for this root
    os.unlink(os.path.join(root, "run", "qemu", "autostarted"))
    conn = pyvirt.open(f"qemu:///embed?root={root}")
    try:
        dom = conn.lookupByName("auto")
        assert dom.isActive() and dom.autostart() == 1
        assert conn.listAllDomains(C.VIR_CONNECT_LIST_DOMAINS_AUTOSTART)[0].name() == "auto"
        dom.destroy()
    finally:
        conn.close()
    conn = pyvirt.open(f"qemu:///embed?root={root}")
    try:
        assert not conn.lookupByName("auto").isActive()      # not again on the next open
    finally:
        conn.close()
