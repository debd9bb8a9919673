"""The QEMU driver against real guests: the tiny Debian-kernel guest under TCG.

One guest boots once per module for the tests that only look at it or
change it reversibly (``running``); tests that must end a guest start their
own, paused when they need no booted kernel.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from qemutest_util import (
    Events,
    alive,
    close_with_guests,
    file_text,
    guest_xml,
    pid_of,
    ticks,
    wait_for,
    wait_ready,
)

import pyvirt
from pyvirt import constants as C
from pyvirt import libvirt_qemu
from pyvirt.conf import xmlutil
from pyvirt.errors import libvirtError

E = C  # event and state names are libvirt's constants


# --- one booted guest shared by the looking tests -----------------------------------------

class Running:
    """The shared booted guest: connection, domain, paths, events."""

    def __init__(self, conn: Any, dom: Any, root: str, serial: str, events: Events,
                 images: Path) -> None:
        self.conn, self.dom, self.root, self.serial = conn, dom, root, serial
        self.events, self.images = events, images


@pytest.fixture(scope="module")
def running(guest: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    base = tmp_path_factory.mktemp("qemu-running")
    root = str(base / "root")
    images = base / "images"
    images.mkdir()
    for name in ("vda.img", "vdb.img", "cd1.iso", "cd2.iso"):
        with open(images / name, "wb") as f:
            f.truncate(8 << 20)
    serial = str(base / "serial.log")
    conn = pyvirt.open(f"qemu:///embed?root={root}")
    events = Events(conn)
    disks = (f"<disk type='file' device='disk'><driver name='qemu' type='raw' cache='none'/>"
             f"<source file='{images}/vda.img'/><target dev='vda' bus='virtio'/></disk>"
             f"<disk type='file' device='cdrom'><source file='{images}/cd1.iso'/>"
             f"<target dev='hdc' bus='ide'/><readonly/></disk>")
    nets = ("<interface type='user'><mac address='52:54:00:aa:00:01'/>"
            "<model type='virtio'/></interface>"
            "<interface type='ethernet'><mac address='52:54:00:aa:00:02'/>"
            "<model type='virtio'/></interface>")
    extra = ("<rng model='virtio'><backend model='random'>/dev/urandom</backend></rng>")
    dom = conn.defineXML(guest_xml(guest, "shared", serial=serial, disks=disks, nets=nets,
                                   extra=extra))
    dom.create()
    wait_ready(serial)
    yield Running(conn, dom, root, serial, events, images)
    close_with_guests(conn)


def test_started_with_libvirt_events_and_state(running: Running) -> None:
    r = running
    assert r.events.of("shared")[:3] == [(E.VIR_DOMAIN_EVENT_DEFINED, 0),
                                         (E.VIR_DOMAIN_EVENT_RESUMED, 0),
                                         (E.VIR_DOMAIN_EVENT_STARTED, 0)]
    assert r.dom.state() == [C.VIR_DOMAIN_RUNNING, C.VIR_DOMAIN_RUNNING_BOOTED]
    assert r.dom.isActive() and r.dom.isPersistent() and r.dom.ID() > 0
    assert r.conn.lookupByID(r.dom.ID()).name() == "shared"
    assert [d.name() for d in r.conn.listAllDomains(C.VIR_CONNECT_LIST_DOMAINS_ACTIVE)] == \
        ["shared"]


def test_live_xml_has_aliases_addresses_and_ptys(running: Running) -> None:
    xml = running.dom.XMLDesc(0)
    assert f"id='{running.dom.ID()}'" in xml
    for alias in ("virtio-disk0", "ide0-1-0", "net0", "net1", "serial0",
                  "balloon0", "rng0", "usb", "pci.0"):
        assert f"<alias name='{alias}'/>" in xml, alias
    assert "<address type='pci' domain='0x0000' bus='0x00' slot=" in xml
    assert "<source path='/dev/pts/" in xml
    assert "<target dev='vnet" in xml or "<target dev='tap" in xml
    xmlutil.validate(xml, "domain")
    inactive = running.dom.XMLDesc(C.VIR_DOMAIN_XML_INACTIVE)
    assert "<alias" not in inactive and "/dev/pts/" not in inactive


def test_info_and_stats(running: Running) -> None:
    dom = running.dom
    state, maxmem, _mem, ncpu, cputime = dom.info()
    assert state == C.VIR_DOMAIN_RUNNING and maxmem == 96 * 1024 and ncpu == 1
    assert cputime > 0
    total = dom.getCPUStats(True)[0]
    assert total["cpu_time"] > 0 and "user_time" in total
    mstats = dom.memoryStats()
    assert mstats["actual"] == 96 * 1024 and mstats["rss"] > 0
    rd_req, rd_bytes, _wr_req, _wr_bytes, errs = dom.blockStats("vda")
    assert errs == -1
    assert rd_req > 0 and rd_bytes > 0
    assert dom.blockStats(str(running.images / "vda.img"))[0] == rd_req
    infos, maps = dom.vcpus()
    assert len(infos) == 1 and infos[0][0] == 0 and infos[0][2] > 0 and len(maps) == 1
    tap = [ln for ln in dom.XMLDesc(0).splitlines() if "<target dev=" in ln and "vnet" in ln]
    ifname = tap[0].split("'")[1]
    assert len(dom.interfaceStats(ifname)) == 8
    assert len(dom.interfaceStats("52:54:00:aa:00:02")) == 8
    with pytest.raises(libvirtError):
        dom.interfaceStats("nosuchif")
    [(sdom, stats)] = running.conn.getAllDomainStats()
    assert sdom.name() == "shared" and stats["state.state"] == C.VIR_DOMAIN_RUNNING
    assert stats["block.count"] == 2 and stats["block.0.name"] == "vda"
    assert stats["cpu.time"] > 0 and stats["balloon.current"] == 96 * 1024
    assert stats["vcpu.0.time"] > 0 and stats["net.count"] == 2


def test_console_stream(running: Running) -> None:
    st = running.conn.newStream(0)
    running.dom.openConsole(None, st, 0)
    # a second session on the same device is refused unless forced
    with pytest.raises(libvirtError) as err:
        running.dom.openConsole("serial0", running.conn.newStream(0), 0)
    assert err.value.get_error_code() == C.VIR_ERR_OPERATION_FAILED
    st.abort()
    st = running.conn.newStream(0)
    running.dom.openConsole("serial0", st, C.VIR_DOMAIN_CONSOLE_FORCE)
    st.send(b"hello console\r")
    buf = b""
    deadline = time.monotonic() + 60
    while b"PYVIRT-GUEST-ECHO hello console" not in buf and time.monotonic() < deadline:
        buf += st.recv(4096)
    assert b"PYVIRT-GUEST-ECHO hello console" in buf
    st.finish()


def test_suspend_resume_keeps_counting(running: Running) -> None:
    dom, ev = running.dom, running.events
    dom.suspend()
    assert dom.state() == [C.VIR_DOMAIN_PAUSED, C.VIR_DOMAIN_PAUSED_USER]
    ev.wait("shared", (E.VIR_DOMAIN_EVENT_SUSPENDED, E.VIR_DOMAIN_EVENT_SUSPENDED_PAUSED))
    frozen = ticks(running.serial)
    time.sleep(1.5)
    assert ticks(running.serial) == frozen
    dom.resume()
    assert dom.state() == [C.VIR_DOMAIN_RUNNING, C.VIR_DOMAIN_RUNNING_UNPAUSED]
    ev.wait("shared", (E.VIR_DOMAIN_EVENT_RESUMED, E.VIR_DOMAIN_EVENT_RESUMED_UNPAUSED))
    wait_for(lambda: ticks(running.serial) > frozen, what="the counter to go on")
    assert ticks(running.serial) == frozen + 1 or ticks(running.serial) > frozen


def test_hotplug_disk_live_and_config(running: Running) -> None:
    dom, ev = running.dom, running.events
    disk = (f"<disk type='file' device='disk'><source file='{running.images}/vdb.img'/>"
            f"<target dev='vdb' bus='virtio'/></disk>")
    dom.attachDeviceFlags(disk, C.VIR_DOMAIN_AFFECT_LIVE | C.VIR_DOMAIN_AFFECT_CONFIG)
    live = dom.XMLDesc(0)
    assert "<alias name='virtio-disk1'/>" in live
    assert "vdb" in dom.XMLDesc(C.VIR_DOMAIN_XML_INACTIVE)
    assert dom.blockStats("vdb")[0] >= 0
    with pytest.raises(libvirtError) as err:
        dom.attachDeviceFlags(disk, C.VIR_DOMAIN_AFFECT_LIVE)
    assert err.value.get_error_code() == C.VIR_ERR_OPERATION_INVALID
    # the guest's kernel has seen the new disk once it read its partition table
    wait_for(lambda: dom.blockStats("vdb")[0] > 0, what="the guest to read the new disk")
    dom.detachDeviceFlags(disk, C.VIR_DOMAIN_AFFECT_LIVE | C.VIR_DOMAIN_AFFECT_CONFIG)
    ev.wait("shared", ("removed", "virtio-disk1"))
    assert "vdb" not in dom.XMLDesc(0)
    assert "vdb" not in dom.XMLDesc(C.VIR_DOMAIN_XML_INACTIVE)


def _driver_ok(dom: Any, alias: str) -> bool:
    """Whether the guest's driver has set up virtio device ``alias`` (DRIVER_OK)."""
    reply = libvirt_qemu.qemuMonitorCommand(dom, json.dumps({
        "execute": "x-query-virtio-status",
        "arguments": {"path": f"/machine/peripheral/{alias}/virtio-backend"}}), 0)
    return "DRIVER_OK" in json.dumps(json.loads(reply)["return"]["status"])


def test_hotplug_interface(running: Running) -> None:
    dom = running.dom
    nic = "<interface type='user'><mac address='52:54:00:aa:00:09'/><model type='virtio'/>" \
          "</interface>"
    dom.attachDeviceFlags(nic, C.VIR_DOMAIN_AFFECT_LIVE)
    assert "52:54:00:aa:00:09" in dom.XMLDesc(0)
    # unplugged once the guest's driver has taken the new NIC (not after a guessed
    # 0.5 s: a guest still probing it on a loaded host may not act on the unplug)
    wait_for(lambda: _driver_ok(dom, "net2"), what="the guest's driver to take the NIC")
    dom.detachDeviceFlags(nic, C.VIR_DOMAIN_AFFECT_LIVE)
    running.events.wait("shared", ("removed", "net2"))
    assert "52:54:00:aa:00:09" not in dom.XMLDesc(0)


def test_cdrom_media_change(running: Running) -> None:
    dom = running.dom
    cd = (f"<disk type='file' device='cdrom'><source file='{running.images}/cd2.iso'/>"
          f"<target dev='hdc' bus='ide'/><readonly/></disk>")
    dom.updateDeviceFlags(cd, C.VIR_DOMAIN_AFFECT_LIVE)
    assert "cd2.iso" in dom.XMLDesc(0) and "cd1.iso" in dom.XMLDesc(C.VIR_DOMAIN_XML_INACTIVE)
    assert dom.blockStats("hdc")[4] == -1
    eject = "<disk type='file' device='cdrom'><target dev='hdc' bus='ide'/><readonly/></disk>"
    dom.updateDeviceFlags(eject, C.VIR_DOMAIN_AFFECT_LIVE | C.VIR_DOMAIN_AFFECT_CONFIG)
    assert "cd2.iso" not in dom.XMLDesc(0) and "cd1.iso" not in \
        dom.XMLDesc(C.VIR_DOMAIN_XML_INACTIVE)


def test_reset_and_reboot(running: Running) -> None:
    dom, ev = running.dom, running.events
    seen = file_text(running.serial).count(b"PYVIRT-GUEST-READY")
    dom.reset()
    ev.wait("shared", ("reboot",))
    wait_ready(running.serial, seen + 1)
    ev.clear()
    dom.reboot(0)
    wait_ready(running.serial, seen + 2)
    assert ("reboot",) in ev.of("shared")
    assert dom.state() == [C.VIR_DOMAIN_RUNNING, C.VIR_DOMAIN_RUNNING_BOOTED]
    assert not [e for e in ev.of("shared") if e[0] == E.VIR_DOMAIN_EVENT_STOPPED]


def test_autostart(running: Running) -> None:
    dom = running.dom
    assert dom.autostart() == 0
    dom.setAutostart(1)
    assert dom.autostart() == 1
    assert os.path.islink(os.path.join(running.root, "etc", "qemu", "autostart", "shared.xml"))
    dom.setAutostart(0)
    assert dom.autostart() == 0


def test_acpi_shutdown(running: Running) -> None:
    dom, ev = running.dom, running.events
    ev.clear()
    dom.shutdown()
    ev.wait("shared", (E.VIR_DOMAIN_EVENT_STOPPED, E.VIR_DOMAIN_EVENT_STOPPED_SHUTDOWN))
    assert ev.of("shared") == [(E.VIR_DOMAIN_EVENT_SHUTDOWN, E.VIR_DOMAIN_EVENT_SHUTDOWN_GUEST),
                               (E.VIR_DOMAIN_EVENT_STOPPED, E.VIR_DOMAIN_EVENT_STOPPED_SHUTDOWN)]
    assert dom.state() == [C.VIR_DOMAIN_SHUTOFF, C.VIR_DOMAIN_SHUTOFF_SHUTDOWN]
    assert not dom.isActive() and running.conn.lookupByName("shared").ID() == -1
    assert not os.path.exists(os.path.join(running.root, "run", "qemu", "shared.xml"))
    assert "<alias" not in dom.XMLDesc(0)
    dom.undefine()
    with pytest.raises(libvirtError) as err:
        running.conn.lookupByName("shared")
    assert err.value.get_error_code() == C.VIR_ERR_NO_DOMAIN


# --- guests of their own ---------------------------------------------------------------------

def test_destroy_is_fast_and_evented(conn: Any, guest: str, root: str) -> None:
    ev = Events(conn)
    dom = conn.createXML(guest_xml(guest, "quick"), C.VIR_DOMAIN_START_PAUSED)
    assert dom.state() == [C.VIR_DOMAIN_PAUSED, C.VIR_DOMAIN_PAUSED_USER]
    ev.wait("quick", (E.VIR_DOMAIN_EVENT_SUSPENDED, 0))
    assert ev.of("quick")[:2] == [(E.VIR_DOMAIN_EVENT_STARTED, 0),
                                  (E.VIR_DOMAIN_EVENT_SUSPENDED, 0)]
    pid = pid_of(root, "quick")
    t0 = time.perf_counter()
    dom.destroy()
    elapsed = time.perf_counter() - t0
    assert elapsed < 2.0, f"destroy took {elapsed * 1000:.0f} ms"   # no TERM_WAIT (3 s)
    assert not alive(pid)
    ev.wait("quick", (E.VIR_DOMAIN_EVENT_STOPPED, E.VIR_DOMAIN_EVENT_STOPPED_DESTROYED))
    assert ev.of("quick")[-2:] == [(E.VIR_DOMAIN_EVENT_SHUTDOWN, E.VIR_DOMAIN_EVENT_SHUTDOWN_HOST),
                                   (E.VIR_DOMAIN_EVENT_STOPPED, E.VIR_DOMAIN_EVENT_STOPPED_DESTROYED)]
    with pytest.raises(libvirtError) as err:      # transient: gone with its QEMU
        conn.lookupByName("quick")
    assert err.value.get_error_code() == C.VIR_ERR_NO_DOMAIN
    assert _leftovers(root) == []


def test_graceful_destroy_and_not_running_errors(conn: Any, guest: str) -> None:
    dom = conn.defineXML(guest_xml(guest, "grace"))
    dom.createWithFlags(C.VIR_DOMAIN_START_PAUSED)
    with pytest.raises(libvirtError) as err:
        dom.create()
    assert err.value.get_error_code() == C.VIR_ERR_OPERATION_INVALID
    assert "already running" in str(err.value)
    dom.destroyFlags(C.VIR_DOMAIN_DESTROY_GRACEFUL)
    assert dom.state() == [C.VIR_DOMAIN_SHUTOFF, C.VIR_DOMAIN_SHUTOFF_DESTROYED]
    for op in (dom.destroy, dom.suspend, dom.resume, dom.shutdown):
        with pytest.raises(libvirtError) as err:
            op()
        assert err.value.get_error_code() == C.VIR_ERR_OPERATION_INVALID, op


def test_sigkill_marks_crashed(conn: Any, guest: str, root: str) -> None:
    ev = Events(conn)
    dom = conn.defineXML(guest_xml(guest, "victim"))
    dom.createWithFlags(C.VIR_DOMAIN_START_PAUSED)
    os.kill(pid_of(root, "victim"), 9)
    ev.wait("victim", (E.VIR_DOMAIN_EVENT_STOPPED, E.VIR_DOMAIN_EVENT_STOPPED_FAILED))
    assert dom.state() == [C.VIR_DOMAIN_SHUTOFF, C.VIR_DOMAIN_SHUTOFF_CRASHED]
    assert not os.path.exists(os.path.join(root, "run", "qemu", "victim.xml"))
    dom.createWithFlags(C.VIR_DOMAIN_START_PAUSED)       # and it starts again
    assert dom.isActive()
    dom.destroy()


def test_sigterm_from_outside_is_a_shutdown(conn: Any, guest: str, root: str) -> None:
    ev = Events(conn)
    dom = conn.defineXML(guest_xml(guest, "termed"))
    dom.createWithFlags(C.VIR_DOMAIN_START_PAUSED)
    os.kill(pid_of(root, "termed"), 15)
    ev.wait("termed", (E.VIR_DOMAIN_EVENT_STOPPED, E.VIR_DOMAIN_EVENT_STOPPED_SHUTDOWN))
    assert dom.state() == [C.VIR_DOMAIN_SHUTOFF, C.VIR_DOMAIN_SHUTOFF_SHUTDOWN]


def _leftovers(root: str) -> list[str]:
    run = os.path.join(root, "run", "qemu")
    return sorted(n for n in os.listdir(run) if n not in ("driver.pid", "autostarted")) \
        if os.path.isdir(run) else []


def test_bad_input_leaves_nothing_behind(conn: Any, guest: str, root: str,
                                         tmp_path: Path) -> None:
    def fails(xml: str, code: int, text: str, domain: int | None = None) -> None:
        with pytest.raises(libvirtError) as err:
            conn.createXML(xml, 0)
        assert err.value.get_error_code() == code, str(err.value)
        assert text in str(err.value)
        if domain is not None:
            assert err.value.get_error_domain() == domain
        assert _leftovers(root) == []
        assert conn.listAllDomains(0) == []

    missing = ("<disk type='file' device='disk'><source file='/nonexistent/x.img'/>"
               "<target dev='vda' bus='virtio'/></disk>")
    fails(guest_xml(guest, "bad", disks=missing), C.VIR_ERR_SYSTEM_ERROR,
          "Cannot access storage file '/nonexistent/x.img'", C.VIR_FROM_STORAGE)
    fails(guest_xml(guest, "bad", machine="pc-nosuch-9.9"), C.VIR_ERR_CONFIG_UNSUPPORTED,
          "does not support machine type 'pc-nosuch-9.9'")
    fails(guest_xml(guest, "bad", emulator="/usr/bin/qemu-system-nosuch"),
          C.VIR_ERR_SYSTEM_ERROR, "Cannot check QEMU binary /usr/bin/qemu-system-nosuch")
    # QEMU itself refuses the configuration and exits while starting
    fails(guest_xml(guest, "bad", memory_mib=64 * 1024 * 1024), C.VIR_ERR_INTERNAL_ERROR,
          "qemu unexpectedly closed the monitor")
    with pytest.raises(libvirtError) as err:
        conn.defineXML("<domain type='qemu'><name>x</name></domain>")
    assert err.value.get_error_code() in (C.VIR_ERR_XML_ERROR, C.VIR_ERR_INTERNAL_ERROR)


def test_two_starts_at_once(conn: Any, guest: str, root: str) -> None:
    dom = conn.defineXML(guest_xml(guest, "racer"))
    results: list[Any] = []

    def start() -> None:
        try:
            dom.createWithFlags(C.VIR_DOMAIN_START_PAUSED)
            results.append("ok")
        except libvirtError as exc:
            results.append(exc.get_error_code())

    threads = [threading.Thread(target=start) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results, key=str) == sorted(["ok", C.VIR_ERR_OPERATION_INVALID], key=str)
    assert len([n for n in os.listdir(os.path.join(root, "run", "qemu"))
                if n.endswith(".pid") and n != "driver.pid"]) == 1
    dom.destroy()


def test_domain_xml_to_native(conn: Any, guest: str) -> None:
    argv = conn.domainXMLToNative("qemu-argv", guest_xml(guest, "native"), 0)
    assert "qemu-system-x86_64 -name guest=native,debug-threads=on -S" in argv
    assert "-kernel " in argv and "-accel tcg" in argv


def test_capabilities_documents(conn: Any) -> None:
    caps = conn.getCapabilities()
    # schema validation of the host CPU: test_qemu_capabilities.test_documents_validate
    # (capability.rng rejects 'sse4.1', which libvirt itself reports)
    assert "<domain type='qemu'/>" in caps and "pc-i440fx-7.2" in caps
    dcaps = conn.getDomainCapabilities(None, "x86_64", "pc", "qemu", 0)
    xmlutil.validate(dcaps, "domaincaps")
    assert "<machine>pc-i440fx-7.2</machine>" in dcaps
    assert conn.getType() == "QEMU" and conn.getVersion() >= 7000000
