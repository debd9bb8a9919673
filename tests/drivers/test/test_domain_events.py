"""Domain events of the test driver through libvirt's default event loop.

Each sequence of (event, detail) is what libvirt 9.0's test driver emits for
the same calls (checked with real libvirt-python).
"""

from __future__ import annotations

import time
from typing import Any

import pytest
from testdrv_util import domain_xml
from waiting import DEADLINE, SETTLE

import pyvirt as libvirt
from pyvirt import constants as C

E = C  # VIR_DOMAIN_EVENT_* constants


@pytest.fixture
def loop():
    """The default event loop, woken every 10 ms so that running it never blocks long."""
    libvirt.virEventRegisterDefaultImpl()
    timer = libvirt.virEventAddTimeout(10, lambda *_a: None, None)
    yield
    libvirt.virEventRemoveTimeout(timer)


def run_until(done, seconds: float = DEADLINE) -> None:
    """Run the default loop until ``done()`` (or the time is up: a generous deadline,
    reached only if the events never come)."""
    deadline = time.monotonic() + seconds
    while not done() and time.monotonic() < deadline:
        libvirt.virEventRunDefaultImpl()


@pytest.fixture
def events(conn: Any, loop):
    """``events(n)``: the next n lifecycle events as (name, event, detail)."""
    got: list[tuple[str, int, int]] = []
    cbid = conn.domainEventRegisterAny(
        None, C.VIR_DOMAIN_EVENT_ID_LIFECYCLE,
        lambda _c, dom, event, detail, _o: got.append((dom.name(), event, detail)), None)

    def drain(count: int) -> list[tuple[str, int, int]]:
        run_until(lambda: len(got) >= count)
        run_until(lambda: False, SETTLE)  # nothing more should come
        out = list(got)
        got.clear()
        return out

    yield drain
    conn.domainEventDeregisterAny(cbid)


def test_lifecycle_events(conn, events):
    dom = conn.defineXML(domain_xml())
    assert events(1) == [("foo", E.VIR_DOMAIN_EVENT_DEFINED,
                                 E.VIR_DOMAIN_EVENT_DEFINED_ADDED)]
    conn.defineXML(dom.XMLDesc(0))
    assert events(1) == [("foo", E.VIR_DOMAIN_EVENT_DEFINED,
                                 E.VIR_DOMAIN_EVENT_DEFINED_UPDATED)]
    dom.create()
    dom.suspend()
    dom.resume()
    dom.reboot(0)  # the test driver emits nothing for a reboot
    dom.shutdown()
    dom.create()
    dom.destroy()
    assert events(6) == [
        ("foo", E.VIR_DOMAIN_EVENT_STARTED, E.VIR_DOMAIN_EVENT_STARTED_BOOTED),
        ("foo", E.VIR_DOMAIN_EVENT_SUSPENDED, E.VIR_DOMAIN_EVENT_SUSPENDED_PAUSED),
        ("foo", E.VIR_DOMAIN_EVENT_RESUMED, E.VIR_DOMAIN_EVENT_RESUMED_UNPAUSED),
        ("foo", E.VIR_DOMAIN_EVENT_STOPPED, E.VIR_DOMAIN_EVENT_STOPPED_SHUTDOWN),
        ("foo", E.VIR_DOMAIN_EVENT_STARTED, E.VIR_DOMAIN_EVENT_STARTED_BOOTED),
        ("foo", E.VIR_DOMAIN_EVENT_STOPPED, E.VIR_DOMAIN_EVENT_STOPPED_DESTROYED)]
    dom.undefine()
    assert events(1) == [("foo", E.VIR_DOMAIN_EVENT_UNDEFINED,
                                 E.VIR_DOMAIN_EVENT_UNDEFINED_REMOVED)]


def test_save_restore_events(conn, events, tmp_path):
    dom = conn.defineXML(domain_xml())
    dom.create()
    dom.save(str(tmp_path / "img"))
    conn.restore(str(tmp_path / "img"))
    dom.managedSave(0)
    dom.create()
    dom.coreDump(str(tmp_path / "core"), C.VIR_DUMP_CRASH)
    assert events(7)[1:] == [
        ("foo", E.VIR_DOMAIN_EVENT_STARTED, E.VIR_DOMAIN_EVENT_STARTED_BOOTED),
        ("foo", E.VIR_DOMAIN_EVENT_STOPPED, E.VIR_DOMAIN_EVENT_STOPPED_SAVED),
        ("foo", E.VIR_DOMAIN_EVENT_STARTED, E.VIR_DOMAIN_EVENT_STARTED_RESTORED),
        ("foo", E.VIR_DOMAIN_EVENT_STOPPED, E.VIR_DOMAIN_EVENT_STOPPED_SAVED),
        ("foo", E.VIR_DOMAIN_EVENT_STARTED, E.VIR_DOMAIN_EVENT_STARTED_BOOTED),
        ("foo", E.VIR_DOMAIN_EVENT_STOPPED, E.VIR_DOMAIN_EVENT_STOPPED_CRASHED)]
    assert dom.state() == [C.VIR_DOMAIN_SHUTOFF, C.VIR_DOMAIN_SHUTOFF_CRASHED]


def test_rename_and_transient_events(conn, events):
    dom = conn.defineXML(domain_xml())
    dom.rename("bar", 0)
    tr = conn.createXML(domain_xml("tr"), 0)
    tr.destroy()
    assert events(5) == [
        ("foo", E.VIR_DOMAIN_EVENT_DEFINED, E.VIR_DOMAIN_EVENT_DEFINED_ADDED),
        ("foo", E.VIR_DOMAIN_EVENT_UNDEFINED, E.VIR_DOMAIN_EVENT_UNDEFINED_RENAMED),
        ("bar", E.VIR_DOMAIN_EVENT_DEFINED, E.VIR_DOMAIN_EVENT_DEFINED_RENAMED),
        ("tr", E.VIR_DOMAIN_EVENT_STARTED, E.VIR_DOMAIN_EVENT_STARTED_BOOTED),
        ("tr", E.VIR_DOMAIN_EVENT_STOPPED, E.VIR_DOMAIN_EVENT_STOPPED_DESTROYED)]


def test_events_reach_other_connections(conn, events):
    other = libvirt.open("test:///default")
    try:
        other.lookupByName("test").suspend()
        assert events(1) == [("test", E.VIR_DOMAIN_EVENT_SUSPENDED,
                                     E.VIR_DOMAIN_EVENT_SUSPENDED_PAUSED)]
    finally:
        other.close()


def test_event_for_one_domain(conn, loop):
    got: list[str] = []
    foo = conn.defineXML(domain_xml())
    cbid = conn.domainEventRegisterAny(foo, C.VIR_DOMAIN_EVENT_ID_LIFECYCLE,
                                       lambda _c, dom, *_a: got.append(dom.name()), None)
    conn.lookupByName("test").suspend()
    foo.create()
    run_until(lambda: bool(got))
    run_until(lambda: False, SETTLE)
    assert got == ["foo"]
    conn.domainEventDeregisterAny(cbid)


def test_metadata_change_event(conn, loop):
    got: list[tuple] = []
    cbid = conn.domainEventRegisterAny(
        None, C.VIR_DOMAIN_EVENT_ID_METADATA_CHANGE,
        lambda _c, dom, mtype, uri, _o: got.append((dom.name(), mtype, uri)), None)
    conn.lookupByName("test").setMetadata(C.VIR_DOMAIN_METADATA_TITLE, "t", None, None, 0)
    run_until(lambda: bool(got))
    assert got == [("test", C.VIR_DOMAIN_METADATA_TITLE, None)]
    conn.domainEventDeregisterAny(cbid)


def test_deregister_unknown(conn):
    with pytest.raises(libvirt.libvirtError) as info:
        conn.domainEventDeregisterAny(12345)
    assert info.value.get_error_code() == C.VIR_ERR_INVALID_ARG
