"""XMLDesc after changes: the test driver's cached text never goes stale.

The test driver keeps each definition's formatted XML, and after a change
of the memory sizes only it writes the memory elements anew into the kept
rest (``TestDef.touch_memory``); after a change outside ``<devices>`` it
keeps the formatted devices (``TestDef.touch_top``), after a change of one
device the lines of the others (``TestDef.touch_device``).  These tests change domains through
every driver call that edits a definition in place and check that
XMLDesc shows the change and equals a format of the same definition from
scratch, for every output flag; a seeded random sequence of such calls
checks the same after each step.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from typing import Any

import pytest
from testdrv_util import domain_xml

import pyvirt
from pyvirt import constants as C

FLAG_SETS = (0, C.VIR_DOMAIN_XML_INACTIVE, C.VIR_DOMAIN_XML_SECURE,
             C.VIR_DOMAIN_XML_MIGRATABLE)
LIVE, CONFIG = C.VIR_DOMAIN_AFFECT_LIVE, C.VIR_DOMAIN_AFFECT_CONFIG

DEVICES = ("<devices><disk type='file' device='disk'><source file='/var/lib/foo.img'/>"
           "<target dev='vda' bus='virtio'/></disk>"
           "<disk type='file' device='disk'><source file='/var/lib/bar.img'/>"
           "<target dev='vdb' bus='virtio'/></disk>"
           "<interface type='network'><mac address='52:54:00:aa:bb:cc'/>"
           "<source network='default'/></interface>"
           "<interface type='network'><mac address='52:54:00:aa:bb:cd'/>"
           "<source network='default'/></interface>"
           "<serial type='pty'/><memballoon model='virtio'/></devices>")


def scratch(dom: Any, flags: int) -> str:
    """The domain's XML formatted from scratch (no cache of any kind)."""
    drv = dom._drv
    with drv.state.lock:
        obj = drv._dom_obj(dom._o)
        if flags & C.VIR_DOMAIN_XML_INACTIVE:
            return str(obj.persistent_def().d.format(flags=flags))
        return str(obj.def_.d.format(id=None if obj.id < 0 else obj.id, flags=flags))


def check(dom: Any) -> None:
    for flags in FLAG_SETS:
        assert dom.XMLDesc(flags) == scratch(dom, flags), f"flags {flags}"


def current_memory(dom: Any, flags: int = 0) -> int:
    found = re.search(r"<currentMemory unit='KiB'>(\d+)<", dom.XMLDesc(flags))
    assert found is not None
    return int(found.group(1))


def test_set_memory_shows_in_every_form(conn: Any) -> None:
    dom = conn.lookupByName("test")
    check(dom)
    for value in (2097152, 2097160, 1048576, 2097160):
        dom.setMemory(value)
        assert current_memory(dom) == value
        assert dom.info()[2] == value
        check(dom)
    dom.setMemoryFlags(1000000, CONFIG)
    assert current_memory(dom, C.VIR_DOMAIN_XML_INACTIVE) == 1000000
    check(dom)


def test_max_memory_of_shut_off_domain(conn: Any, foo: Any) -> None:
    check(foo)
    foo.setMaxMemory(2097152)
    assert "<memory unit='KiB'>2097152</memory>" in foo.XMLDesc(0)
    foo.setMaxMemory(524288)
    text = foo.XMLDesc(0)
    assert "<memory unit='KiB'>524288</memory>" in text
    assert "<currentMemory unit='KiB'>524288</currentMemory>" in text
    check(foo)


def _steps(conn: Any, dom: Any) -> list[tuple[str, Callable[[random.Random], Any]]]:
    """Calls that change a definition, each taking a random source."""
    return [
        ("setMemory", lambda r: dom.setMemoryFlags(r.randrange(262144, 1048576),
                                                   r.choice((LIVE, CONFIG)))),
        ("setMaxMemory", lambda r: dom.setMaxMemory(r.randrange(1048576, 16777216))),
        ("setVcpus", lambda r: dom.setVcpusFlags(r.randrange(1, 5), r.choice((LIVE, CONFIG)))),
        ("setMetadata title", lambda r: dom.setMetadata(
            C.VIR_DOMAIN_METADATA_TITLE, f"title {r.random()}", None, None, 0)),
        ("setMetadata description", lambda r: dom.setMetadata(
            C.VIR_DOMAIN_METADATA_DESCRIPTION, f"d{r.random()}", None, None, CONFIG)),
        ("setMetadata element", lambda r: dom.setMetadata(
            C.VIR_DOMAIN_METADATA_ELEMENT, f"<n v='{r.randrange(9)}'/>", "x",
            "http://example.org/x", 0)),
        ("pinVcpu", lambda r: dom.pinVcpu(r.randrange(2), (True, r.random() < 0.5))),
        ("memory parameters", lambda r: dom.setMemoryParameters(
            {"hard_limit": r.randrange(1 << 20, 1 << 22)}, 0)),
        ("blkio parameters", lambda r: dom.setBlkioParameters({"weight": r.randrange(100, 1000)},
                                                              0)),
        ("scheduler", lambda r: dom.setSchedulerParameters({"weight": r.randrange(1, 100)})),
        ("numa", lambda r: dom.setNumaParameters({"numa_nodeset": "0"}, CONFIG)),
        ("add iothread", lambda r: dom.addIOThread(r.randrange(1, 5), r.choice((LIVE, CONFIG)))),
        ("del iothread", lambda r: dom.delIOThread(r.randrange(1, 5), r.choice((LIVE, CONFIG)))),
        ("balloon period", lambda r: dom.setMemoryStatsPeriod(r.randrange(0, 10),
                                                              r.choice((LIVE, CONFIG)))),
        ("pinEmulator", lambda r: dom.pinEmulator((True, r.random() < 0.5), 0)),
        ("pinIOThread", lambda r: dom.pinIOThread(r.randrange(1, 5), (True, r.random() < 0.5),
                                                  0)),
        ("lifecycle", lambda r: dom.setLifecycleAction(
            C.VIR_DOMAIN_LIFECYCLE_POWEROFF, r.choice((0, 1)), 0)),
        ("interface bandwidth", lambda r: dom.setInterfaceParameters(
            r.choice(("52:54:00:aa:bb:cc", "52:54:00:aa:bb:cd")),
            {"inbound.average": r.randrange(1, 1000)}, r.choice((LIVE, CONFIG)))),
        ("block iotune", lambda r: dom.setBlockIoTune(
            r.choice(("vda", "vdb")), {"total_bytes_sec": r.randrange(1, 1 << 20),
                    "total_bytes_sec_max": 1 << 21}, r.choice((LIVE, CONFIG)))),
        ("perf", lambda r: dom.setPerfEvents({"cmt": r.random() < 0.5}, 0)),
        ("start", lambda r: dom.create()),
        ("destroy", lambda r: dom.destroy()),
        ("suspend", lambda r: dom.suspend()),
        ("resume", lambda r: dom.resume()),
        ("rename", lambda r: dom.rename(f"foo{r.randrange(1000)}", 0)),
        ("autostart", lambda r: dom.setAutostart(r.random() < 0.5)),
    ]


@pytest.mark.parametrize("seed", range(6))
def test_random_changes_never_stale(conn: Any, seed: int) -> None:
    xml = domain_xml(extra=DEVICES).replace("<vcpu>1</vcpu>", "<vcpu current='2'>4</vcpu>")
    dom = conn.defineXML(xml)
    steps = _steps(conn, dom)
    rnd = random.Random(seed)
    done: set[str] = set()
    check(dom)
    for _ in range(200):
        name, step = rnd.choice(steps)
        try:
            step(rnd)
        except pyvirt.libvirtError:
            continue  # refused in this state: nothing changed
        done.add(name)
        check(dom)
    assert {"setMemory", "setMaxMemory", "setMetadata title", "start"} <= done


def test_blkio_change_formats_everything(conn: Any) -> None:
    """bench/api_calls.py's 'whole' rows rely on this: after
    setBlkioParameters the driver keeps no formatted part."""
    dom = conn.lookupByName("test")
    dom.XMLDesc(0)
    parts = dom._drv._dom_obj(dom._o).def_._parts
    assert parts.lines
    dom.setBlkioParameters({"weight": 321}, 0)
    assert not parts.devices and not parts.around_memory and not parts.device_lines \
        and not parts.device_runs and not parts.lines
    assert "<weight>321</weight>" in dom.XMLDesc(0)
    check(dom)
