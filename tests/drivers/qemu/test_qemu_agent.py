"""The guest agent calls of the QEMU driver against the test guest's real qemu-ga.

One guest boots for the module with the agent channel (qemu-ga runs in the
guest, tools/guest.d/agent.*).  The tests that take the agent away (stopped,
then killed) run last.
"""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from qemutest_util import (
    BOOT_WAIT,
    answer,
    attempt,
    close_with_guests,
    file_text,
    guest_xml,
    start_event_loop,
    ticks,
    wait_for,
    wait_ready,
)

import pyvirt
from pyvirt import constants as C
from pyvirt import libvirt_qemu
from pyvirt.errors import libvirtError

CHANNEL = ("<channel type='unix'><target type='virtio' name='org.qemu.guest_agent.0'/>"
           "</channel>")


class Guest:
    """The module's guest: connection, domain, serial log, agent events."""

    def __init__(self, conn: Any, dom: Any, serial: str, root: str) -> None:
        self.conn, self.dom, self.serial, self.root = conn, dom, serial, root
        self.agent_events: list[tuple[int, int]] = []
        self.base = Path(root)


@pytest.fixture(scope="module")
def g(guest: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Guest]:
    base = Path(tempfile.mkdtemp(prefix="qa-"))   # short: the agent socket lives under it
    root = str(base / "root")
    serial = str(base / "serial.log")
    conn = pyvirt.open(f"qemu:///embed?root={root}")
    start_event_loop()
    out = Guest(conn, None, serial, root)
    conn.domainEventRegisterAny(None, C.VIR_DOMAIN_EVENT_ID_AGENT_LIFECYCLE,
                                lambda c, d, state, reason, o: out.agent_events.append(
                                    (state, reason)), None)
    subprocess.run(["qemu-img", "create", "-q", "-f", "raw", str(base / "a.img"), "16M"],
                   check=True)
    disk = (f"<disk type='file' device='disk'><driver name='qemu' type='raw'/>"
            f"<source file='{base}/a.img'/><target dev='vda' bus='virtio'/></disk>")
    out.base = base
    out.dom = conn.createXML(guest_xml(guest, "agent", serial=serial, disks=disk,
                                       extra=CHANNEL), 0)
    try:
        wait_ready(serial)
        wait_for(lambda: len(out.agent_events) >= 2, BOOT_WAIT, "agent connected")
        yield out
    finally:
        try:
            close_with_guests(conn)
        finally:
            shutil.rmtree(base, ignore_errors=True)


def _err(call: Any) -> libvirtError:
    with pytest.raises(libvirtError) as info:
        call()
    return info.value


def test_agent_connects_with_event_and_live_state(g: Guest) -> None:
    # libvirt 9.0's pair: not connected when the domain starts, then the guest opens the port
    assert g.agent_events[:2] == [
        (C.VIR_CONNECT_DOMAIN_EVENT_AGENT_LIFECYCLE_STATE_DISCONNECTED,
         C.VIR_CONNECT_DOMAIN_EVENT_AGENT_LIFECYCLE_REASON_DOMAIN_STARTED),
        (C.VIR_CONNECT_DOMAIN_EVENT_AGENT_LIFECYCLE_STATE_CONNECTED,
         C.VIR_CONNECT_DOMAIN_EVENT_AGENT_LIFECYCLE_REASON_CHANNEL)]
    xml = g.dom.XMLDesc(0)
    chan = xml[xml.index("<channel"):xml.index("</channel>")]
    # libvirt's path for a channel without one, and the state the guest gave the port
    assert "/lib/qemu/channel/target/domain-" in chan and "/org.qemu.guest_agent.0'" in chan
    assert "state='connected'" in chan
    assert "state=" not in g.dom.XMLDesc(C.VIR_DOMAIN_XML_INACTIVE)


def test_time_hostname_vcpus(g: Guest) -> None:
    t = g.dom.getTime()
    assert set(t) == {"seconds", "nseconds"}
    assert abs(t["seconds"] - time.time()) < 120 and 0 <= t["nseconds"] < 10**9
    assert g.dom.hostname() == "pyvirt-guest"
    assert g.dom.hostname(C.VIR_DOMAIN_GET_HOSTNAME_AGENT) == "pyvirt-guest"
    assert g.dom.guestVcpus() == {"vcpus": "0", "online": "0", "offlinable": ""}
    # cpu 0 cannot go offline in this guest: libvirt's check before asking the agent
    e = _err(lambda: g.dom.setGuestVcpus("0", 0))
    assert e.get_error_code() == C.VIR_ERR_OPERATION_UNSUPPORTED
    assert str(e) == "Operation not supported: vCPU '0' is not offlinable"
    g.dom.setGuestVcpus("0", 1)          # already online: nothing to do


def test_guest_info_fields(g: Guest) -> None:
    info = g.dom.guestInfo()
    assert info["hostname"] == "pyvirt-guest"
    assert info["os.machine"] == "x86_64" and info["os.kernel-release"].endswith("-cloud-amd64")
    assert info["timezone.name"] == "UTC" and info["timezone.offset"] == 0
    assert info["user.count"] == 0 and "fs.count" not in info
    assert (info["disk.count"], info["disk.0.name"], info["disk.0.alias"]) == (1, "/dev/vda", "vda")
    assert info["if.count"] >= 1 and info["if.0.name"] == "lo"
    assert g.dom.guestInfo(C.VIR_DOMAIN_GUEST_INFO_HOSTNAME) == {"hostname": "pyvirt-guest"}
    assert set(g.dom.guestInfo(C.VIR_DOMAIN_GUEST_INFO_TIMEZONE)) == {"timezone.name",
                                                                       "timezone.offset"}
    assert g.dom.fsInfo() == []
    addrs = g.dom.interfaceAddresses(C.VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_AGENT)
    assert addrs == {"lo": {"hwaddr": "00:00:00:00:00:00", "addrs": None}}  # libvirt's shape


def test_guest_errors_are_the_agents(g: Guest) -> None:
    # what qemu-ga in an initramfs cannot do comes back as libvirt reports it
    e = _err(lambda: g.dom.setTime({"seconds": 1700000000, "nseconds": 0}))
    assert e.get_error_code() == C.VIR_ERR_INTERNAL_ERROR
    assert "unable to execute QEMU agent command 'guest-set-time'" in str(e)
    e = _err(lambda: g.dom.authorizedSSHKeysGet("nobody"))
    assert "guest-ssh-get-authorized-keys" in str(e)
    e = _err(lambda: g.dom.setUserPassword("root", "secret"))
    assert "guest-set-user-password" in str(e)
    e = _err(lambda: g.dom.pMSuspendForDuration(C.VIR_NODE_SUSPEND_TARGET_MEM, 5))
    assert e.get_error_code() == C.VIR_ERR_ARGUMENT_UNSUPPORTED
    # no interface on a libvirt network: no leases to show
    assert g.dom.interfaceAddresses(C.VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_LEASE) == {}
    assert g.dom.fsFreeze() == 0 and g.dom.fsThaw() == 0


def test_raw_agent_command(g: Guest) -> None:
    out = json.loads(libvirt_qemu.qemuAgentCommand(g.dom, '{"execute":"guest-ping"}', -1, 0))
    assert out == {"return": {}}
    e = _err(lambda: libvirt_qemu.qemuAgentCommand(g.dom, '{"execute":"no-such"}', -1, 0))
    assert e.get_error_code() == C.VIR_ERR_INTERNAL_ERROR and "'no-such'" in str(e)


LIBVIRT = json.loads((Path(__file__).resolve().parents[2] / "data" / "qemu_agent"
                      / "libvirt-9.0.json").read_text())


def test_same_answers_as_libvirt(g: Guest) -> None:
    """libvirt 9.0's answers on the same guest (captured: tests/data/qemu_agent)."""
    dom = g.dom
    for key, call in (
            ("hostname", dom.hostname), ("getTime", lambda: sorted(dom.getTime())),
            ("guestInfo", lambda: sorted(dom.guestInfo())), ("fsInfo", dom.fsInfo),
            ("ifaddr_agent", lambda: dom.interfaceAddresses(1)),
            ("guestVcpus", dom.guestVcpus),
            ("setTime", lambda: dom.setTime({"seconds": 1700000000, "nseconds": 0})),
            ("sshkeys", lambda: dom.authorizedSSHKeysGet("nobody")),
            ("password", lambda: dom.setUserPassword("root", "secret")),
            ("suspend5", lambda: dom.pMSuspendForDuration(0, 5)),
            ("setGuestVcpus_off0", lambda: dom.setGuestVcpus("0", 0)),
            ("freeze", dom.fsFreeze), ("thaw", dom.fsThaw)):
        assert answer(call) == LIBVIRT[key], key
    for types, want in LIBVIRT["guestInfo_types"].items():
        got = answer(lambda t=int(types): dom.guestInfo(t))
        if types == "2":        # the kernel's build date may differ: compare the keys
            assert sorted(got[1]) == sorted(want[1])
        else:
            assert got == want, types
    chan = [ln.strip().replace(str(g.base), "@DIR@").replace("-agent/", "-lvref/")
            for ln in dom.XMLDesc(0).splitlines() if "guest_agent" in ln]
    assert chan == LIBVIRT["xml_channel"]


def _exec(g: Guest, script: str) -> None:
    libvirt_qemu.qemuAgentCommand(g.dom, json.dumps({
        "execute": "guest-exec", "arguments": {"path": "/bin/sh", "arg": ["-c", script]}}),
        -1, 0)


def _run(g: Guest, script: str) -> tuple[int, str]:
    """Run ``script`` in the guest through the agent; its exit code and output."""
    pid = json.loads(libvirt_qemu.qemuAgentCommand(g.dom, json.dumps({
        "execute": "guest-exec", "arguments": {"path": "/bin/sh", "arg": ["-c", script],
                                               "capture-output": True}}), -1, 0))["return"]["pid"]

    def exited() -> dict | None:
        st = json.loads(libvirt_qemu.qemuAgentCommand(g.dom, json.dumps({
            "execute": "guest-exec-status", "arguments": {"pid": pid}}), -1, 0))["return"]
        return st if st["exited"] else None

    status = wait_for(exited, what=f"'{script}' in the guest")
    return status.get("exitcode", -1), base64.b64decode(status.get("out-data", "")).decode()


def _fsfreeze_status(g: Guest) -> str:
    return str(json.loads(libvirt_qemu.qemuAgentCommand(
        g.dom, '{"execute":"guest-fsfreeze-status"}', -1, 0))["return"])


def test_quiesced_disk_only_snapshot(g: Guest) -> None:
    """--quiesce: the agent freezes the guest's file systems (which writes out what
    they hold in memory) around the new overlay, and thaws them after."""
    image = g.base / "a.img"
    rc, out = _run(g, "mke2fs -q /dev/vda && mkdir -p /mnt/q && mount /dev/vda /mnt/q && "
                      "echo PYVIRT-QUIESCE-$((6*7)) > /mnt/q/mark")
    assert rc == 0, out
    try:
        assert b"PYVIRT-QUIESCE-42" not in image.read_bytes()   # still in the guest's cache
        overlay = g.base / "a.quiesced"
        xml = (f"<domainsnapshot><name>quiesced</name><disks><disk name='vda'>"
               f"<source file='{overlay}'/></disk></disks></domainsnapshot>")
        flags = C.VIR_DOMAIN_SNAPSHOT_CREATE_DISK_ONLY | C.VIR_DOMAIN_SNAPSHOT_CREATE_QUIESCE
        # a paused guest cannot freeze: libvirt's error, and nothing is made
        g.dom.suspend()
        try:
            e = _err(lambda: g.dom.snapshotCreateXML(xml, flags))
            assert e.get_error_code() == C.VIR_ERR_OPERATION_INVALID
            assert str(e) == "Requested operation is not valid: domain is not running"
        finally:
            g.dom.resume()
        assert not overlay.exists() and g.dom.snapshotListNames() == []
        # without DISK_ONLY: libvirt's flag check
        e = _err(lambda: g.dom.snapshotCreateXML(xml, C.VIR_DOMAIN_SNAPSHOT_CREATE_QUIESCE))
        assert e.get_error_code() == C.VIR_ERR_INVALID_ARG
        assert str(e) == ("Flag 'VIR_DOMAIN_SNAPSHOT_CREATE_DISK_ONLY' is required by flag "
                          "'VIR_DOMAIN_SNAPSHOT_CREATE_QUIESCE'")
        snap = g.dom.snapshotCreateXML(xml, flags)
        assert snap.getName() == "quiesced" and overlay.exists()
        assert b"PYVIRT-QUIESCE-42" in image.read_bytes()       # the freeze wrote it out
        assert _fsfreeze_status(g) == "thawed"
        assert f"<source file='{overlay}'" in g.dom.XMLDesc(0)
        rc, out = _run(g, "echo after > /mnt/q/after && cat /mnt/q/mark")
        assert (rc, out) == (0, "PYVIRT-QUIESCE-42\n")
    finally:
        _run(g, "umount /mnt/q")


def test_stopped_agent_times_out_unresponsive(g: Guest) -> None:
    # the guest stops its agent for 10 s and says so on its console (not a
    # guessed sleep: a loaded host runs the guest's script late): a call made
    # then gives up after the response timeout
    stopped = file_text(g.serial).count(b"PYVIRT-AGENT-STOPPED")
    _exec(g, "(sleep 0.5; p=$(pidof qemu-ga); kill -STOP $p; echo PYVIRT-AGENT-STOPPED "
             ">/dev/console; sleep 10; kill -CONT $p) >/dev/null 2>&1 &")
    wait_for(lambda: file_text(g.serial).count(b"PYVIRT-AGENT-STOPPED") > stopped,
             what="the guest to stop its agent")
    g.dom.agentSetResponseTimeout(1)
    try:
        t0 = time.monotonic()
        e = _err(g.dom.getTime)
        assert time.monotonic() - t0 < 8          # the 1 s timeout, not the 10 s stop
        assert e.get_error_code() == C.VIR_ERR_AGENT_UNRESPONSIVE
        assert str(e) == "Guest agent is not responding: Guest agent not available for now"
        assert g.dom.state()[0] == C.VIR_DOMAIN_RUNNING
    finally:
        g.dom.agentSetResponseTimeout(C.VIR_DOMAIN_AGENT_RESPONSE_TIMEOUT_BLOCK)
    # once it runs again, the next call resynchronises (stale replies are dropped)
    assert wait_for(lambda: attempt(g.dom.hostname), what="agent back") == "pyvirt-guest"


def test_agent_gone_is_not_connected(g: Guest) -> None:
    before = ticks(g.serial)
    xml = g.dom.XMLDesc(C.VIR_DOMAIN_XML_INACTIVE)
    _exec(g, "(sleep 0.3; kill -9 $(pidof qemu-ga)) >/dev/null 2>&1 &")
    disconnected = (C.VIR_CONNECT_DOMAIN_EVENT_AGENT_LIFECYCLE_STATE_DISCONNECTED,
                    C.VIR_CONNECT_DOMAIN_EVENT_AGENT_LIFECYCLE_REASON_CHANNEL)
    wait_for(lambda: disconnected in g.agent_events, what="agent disconnected event")
    quiesced = ("<domainsnapshot><name>q2</name><disks><disk name='vda'><source file="
                f"'{g.base}/a.q2'/></disk></disks></domainsnapshot>")
    for call in (g.dom.getTime, g.dom.guestInfo, g.dom.hostname, g.dom.fsInfo,
                 lambda: g.dom.shutdownFlags(C.VIR_DOMAIN_SHUTDOWN_GUEST_AGENT),
                 lambda: g.dom.snapshotCreateXML(quiesced, C.VIR_DOMAIN_SNAPSHOT_CREATE_DISK_ONLY
                                                 | C.VIR_DOMAIN_SNAPSHOT_CREATE_QUIESCE)):
        e = _err(call)
        assert e.get_error_code() == C.VIR_ERR_AGENT_UNRESPONSIVE
        assert str(e) == "Guest agent is not responding: QEMU guest agent is not connected"
    assert not (g.base / "a.q2").exists() and g.dom.snapshotListNames() == ["quiesced"]
    assert "state='disconnected'" in g.dom.XMLDesc(0)
    # the guest runs on, its definition unchanged
    wait_for(lambda: ticks(g.serial) > before + 1, what="guest ticks on")
    assert g.dom.XMLDesc(C.VIR_DOMAIN_XML_INACTIVE) == xml


def test_agent_shutdown(guest: str) -> None:
    """Shutdown in agent mode: the guest's qemu-ga powers it off."""
    # a short root: QEMU binds the agent's socket under it (108 bytes at most)
    tmp_path = Path(tempfile.mkdtemp(prefix="qa-"))
    serial = str(tmp_path / "serial.log")
    conn = pyvirt.open(f"qemu:///embed?root={tmp_path / 'root'}")
    try:
        dom = conn.createXML(guest_xml(guest, "agent-off", serial=serial, extra=CHANNEL), 0)
        wait_ready(serial)
        try:
            wait_for(lambda: attempt(dom.hostname), BOOT_WAIT, "agent up")
        except AssertionError as exc:
            tail = [ln for ln in Path(serial).read_text(errors="replace").splitlines()
                    if "TICK" not in ln][-15:]
            err = _err(dom.hostname)
            raise AssertionError(f"{exc}: {err}; guest: {tail}") from None
        dom.shutdownFlags(C.VIR_DOMAIN_SHUTDOWN_GUEST_AGENT)
        wait_for(lambda: not _alive(conn, "agent-off"), what="guest powered off")
        assert b"PYVIRT-GUEST-POWEROFF" in Path(serial).read_bytes()
    finally:
        for dom in conn.listAllDomains(C.VIR_CONNECT_LIST_DOMAINS_ACTIVE):
            dom.destroy()
        conn.close()
        shutil.rmtree(tmp_path, ignore_errors=True)


def _alive(conn: Any, name: str) -> bool:
    try:
        return bool(conn.lookupByName(name).isActive())
    except libvirtError:
        return False

