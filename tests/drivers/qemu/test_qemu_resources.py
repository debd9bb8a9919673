"""Resources, statistics and guest-data calls of the QEMU driver on a real TCG guest.

One guest (1 of 3 vCPUs online, 96 MiB, a qcow2 and a raw disk, VGA, a
balloon) boots once for the module.  Where libvirt 9.0 answers the same
call on the same guest, its answer (captured by
tests/reference/capture_qemu_resources.py into
tests/data/qemu_resources/libvirt90.json) is the expected shape: field
names, units, error codes and domains.
"""

from __future__ import annotations

import json
import os
import socket
import struct
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from qemutest_util import close_with_guests, guest_xml, wait_for, wait_ready

import pyvirt
from pyvirt import constants as C
from pyvirt.errors import libvirtError
from pyvirt.util import keymaps

REF = json.loads((Path(__file__).resolve().parents[2] / "data" / "qemu_resources"
                  / "libvirt90.json").read_text())
MIB = 1024


class Guest:
    """The module's running guest."""

    def __init__(self, conn: Any, dom: Any, base: Path, serial: str) -> None:
        self.conn, self.dom, self.base, self.serial = conn, dom, base, serial


@pytest.fixture(scope="module")
def g(guest: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Guest]:
    base = tmp_path_factory.mktemp("qemu-res")
    root = str(base / "root")
    qcow = base / "vda.qcow2"
    subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", str(qcow), "64M"], check=True)
    raw = base / "vdb.img"
    head = b"PYVIRT-PEEK" + bytes(range(256)) * 16
    raw.write_bytes(head + b"\0" * ((2 << 20) - len(head)))
    serial = str(base / "serial.log")
    disks = (f"<disk type='file' device='disk'><driver name='qemu' type='qcow2'/>"
             f"<source file='{qcow}'/><target dev='vda' bus='virtio'/></disk>"
             f"<disk type='file' device='disk'><driver name='qemu' type='raw'/>"
             f"<source file='{raw}'/><target dev='vdb' bus='virtio'/></disk>")
    extra = ("<channel type='pty'><target type='virtio' name='org.pyvirt.test'/></channel>"
             "<graphics type='vnc' autoport='yes' listen='127.0.0.1' passwd='secret'/>"
             "<video><model type='vga'/></video>")
    xml = guest_xml(guest, "res", serial=serial, disks=disks, nets="", extra=extra)
    xml = xml.replace("<vcpu>1</vcpu>", "<vcpu current='1'>3</vcpu>")
    conn = pyvirt.open(f"qemu:///embed?root={root}")
    dom = conn.defineXML(xml)
    dom.create()
    wait_ready(serial)
    yield Guest(conn, dom, base, serial)
    close_with_guests(conn)


def error_of(call: Any) -> list:
    """[code, domain, message] of the libvirtError ``call()`` raises."""
    with pytest.raises(libvirtError) as info:
        call()
    exc = info.value
    return [exc.get_error_code(), exc.get_error_domain(), str(exc)]


def same_error(call: Any, ref_key: str) -> None:
    """``call`` fails as libvirt 9.0 failed (code, domain and message)."""
    assert error_of(call) == REF[ref_key]


def still_fine(g: Guest, xml_before: str) -> None:
    assert g.dom.state()[0] == C.VIR_DOMAIN_RUNNING
    assert g.dom.XMLDesc(C.VIR_DOMAIN_XML_INACTIVE) == xml_before


def test_core_dump_of_the_whole_state(g: Guest) -> None:
    # without MEMORY_ONLY: QEMU's whole state (its migration stream), the guest paused
    # for the copy and running again after.  First of the module: QEMU 7.2's
    # migration of this guest was seen to stay in its 'setup' state for ever once
    # vCPU hotplug, an unanswered unplug and calc-dirty-rate had run.
    state = g.base / "core.state"
    g.dom.coreDump(str(state), 0)
    assert state.read_bytes()[:4] == b"QEVM"
    assert g.dom.state() == [C.VIR_DOMAIN_RUNNING, C.VIR_DOMAIN_RUNNING_UNPAUSED]
    state.unlink()
    # live: QEMU stops the guest at the end of the stream; it runs again, as with libvirt
    g.dom.coreDump(str(state), C.VIR_DUMP_LIVE)
    assert state.read_bytes()[:4] == b"QEVM"
    assert g.dom.state() == [C.VIR_DOMAIN_RUNNING, C.VIR_DOMAIN_RUNNING_UNPAUSED]
    state.unlink()


# --- vCPUs -------------------------------------------------------------------------------

def test_vcpu_hotplug_visible_to_qemu(g: Guest) -> None:
    assert len(g.dom.vcpus()[0]) == 1              # QEMU's query-cpus-fast
    g.dom.setVcpusFlags(2, C.VIR_DOMAIN_AFFECT_LIVE)
    assert len(g.dom.vcpus()[0]) == 2
    assert g.dom.vcpusFlags(C.VIR_DOMAIN_AFFECT_LIVE) == 2
    assert "<vcpu placement='static' current='2'>3</vcpu>" in g.dom.XMLDesc() or \
        "<vcpu current='2'>3</vcpu>" in g.dom.XMLDesc()
    assert "<vcpu id='1' enabled='yes' hotpluggable='yes' order='2'/>" in g.dom.XMLDesc()
    stats = g.conn.domainListGetStats([g.dom], C.VIR_DOMAIN_STATS_VCPU)[0][1]
    assert set(stats) == set(REF["vcpustats"])     # libvirt's names for 2 of 3 online
    assert g.dom.vcpusFlags(C.VIR_DOMAIN_AFFECT_CONFIG) == 1


def test_vcpu_bad_requests_as_libvirt(g: Guest) -> None:
    before = g.dom.XMLDesc(C.VIR_DOMAIN_XML_INACTIVE)
    same_error(lambda: g.dom.setVcpusFlags(0, C.VIR_DOMAIN_AFFECT_LIVE), "setvcpus0")
    same_error(lambda: g.dom.setVcpusFlags(9, C.VIR_DOMAIN_AFFECT_LIVE), "setvcpus9")
    same_error(lambda: g.dom.setVcpusFlags(2, C.VIR_DOMAIN_AFFECT_LIVE
                                           | C.VIR_DOMAIN_VCPU_MAXIMUM), "setvcpusmaxlive")
    same_error(lambda: g.dom.setVcpusFlags(1, C.VIR_DOMAIN_VCPU_GUEST), "setvcpusguest")
    same_error(lambda: g.dom.setVcpu("0", 0, C.VIR_DOMAIN_AFFECT_LIVE), "setvcpu0")
    assert len(g.dom.vcpus()[0]) == 2
    still_fine(g, before)


def test_vcpu_unplug_answers_as_libvirt(g: Guest) -> None:
    # This guest (no udev) does not hand a CPU back: libvirt 9.0 times out the
    # same way after 5 s; a guest that does lets the CPU go.
    try:
        g.dom.setVcpusFlags(1, C.VIR_DOMAIN_AFFECT_LIVE)
    except libvirtError as exc:
        assert exc.get_error_code() == C.VIR_ERR_OPERATION_TIMEOUT
        assert "vcpu unplug request timed out" in str(exc)
    else:
        assert len(g.dom.vcpus()[0]) == 1


def test_vcpu_config_and_maximum(g: Guest) -> None:
    g.dom.setVcpusFlags(2, C.VIR_DOMAIN_AFFECT_CONFIG)
    assert "<vcpu placement='static' current='2'>3</vcpu>" in \
        g.dom.XMLDesc(C.VIR_DOMAIN_XML_INACTIVE)
    g.dom.setVcpusFlags(4, C.VIR_DOMAIN_AFFECT_CONFIG | C.VIR_DOMAIN_VCPU_MAXIMUM)
    assert g.dom.vcpusFlags(C.VIR_DOMAIN_AFFECT_CONFIG | C.VIR_DOMAIN_VCPU_MAXIMUM) == 4
    assert g.dom.vcpusFlags(C.VIR_DOMAIN_AFFECT_LIVE | C.VIR_DOMAIN_VCPU_MAXIMUM) == 3
    with pytest.raises(libvirtError) as info:
        g.dom.setVcpusFlags(5, C.VIR_DOMAIN_AFFECT_CONFIG)
    assert info.value.get_error_code() == C.VIR_ERR_INVALID_ARG
    g.dom.setVcpusFlags(3, C.VIR_DOMAIN_AFFECT_CONFIG | C.VIR_DOMAIN_VCPU_MAXIMUM)
    g.dom.setVcpusFlags(1, C.VIR_DOMAIN_AFFECT_CONFIG)


# --- memory and the balloon ------------------------------------------------------------------

def test_balloon_target_set_in_qemu(g: Guest) -> None:
    before = g.dom.XMLDesc(C.VIR_DOMAIN_XML_INACTIVE)
    same_error(lambda: g.dom.setMemoryFlags(200 * MIB, C.VIR_DOMAIN_AFFECT_LIVE), "setmem_high")
    same_error(lambda: g.dom.setMemoryFlags(80 * MIB, C.VIR_DOMAIN_AFFECT_LIVE
                                            | C.VIR_DOMAIN_MEM_MAXIMUM), "setmaxmem_live")
    still_fine(g, before)
    g.dom.setMemoryFlags(80 * MIB, C.VIR_DOMAIN_AFFECT_LIVE)
    # QEMU's query-balloon: the guest's driver gave the memory back
    wait_for(lambda: g.dom.memoryStats()["actual"] == 80 * MIB, what="balloon at 80 MiB")
    # ... and said so (BALLOON_CHANGE, which QEMU sends at most once a second)
    wait_for(lambda: g.dom.info()[1:3] == [96 * MIB, 80 * MIB], what="info at 80 MiB")
    assert "<currentMemory unit='KiB'>81920</currentMemory>" in g.dom.XMLDesc()
    assert g.dom.XMLDesc(C.VIR_DOMAIN_XML_INACTIVE) == before


def test_max_memory_in_config(g: Guest) -> None:
    g.dom.setMemoryFlags(128 * MIB, C.VIR_DOMAIN_AFFECT_CONFIG | C.VIR_DOMAIN_MEM_MAXIMUM)
    assert "<memory unit='KiB'>131072</memory>" in g.dom.XMLDesc(C.VIR_DOMAIN_XML_INACTIVE)
    assert g.dom.maxMemory() == 96 * MIB
    g.dom.setMemoryFlags(96 * MIB, C.VIR_DOMAIN_AFFECT_CONFIG | C.VIR_DOMAIN_MEM_MAXIMUM)


def test_balloon_statistics_as_libvirt(g: Guest) -> None:
    same_error(lambda: g.dom.setMemoryStatsPeriod(-1, C.VIR_DOMAIN_AFFECT_LIVE), "period_neg")
    g.dom.setMemoryStatsPeriod(1, C.VIR_DOMAIN_AFFECT_LIVE)
    assert "<stats period='1'/>" in g.dom.XMLDesc()
    wait_for(lambda: "last_update" in g.dom.memoryStats(), what="balloon statistics")
    stats = g.dom.memoryStats()
    assert list(stats) == list(REF["memstats"])
    assert 0 < stats["unused"] <= stats["available"] <= 96 * MIB


def test_all_domain_stats_have_libvirts_names(g: Guest) -> None:
    g.dom.setMemoryStatsPeriod(1, C.VIR_DOMAIN_AFFECT_LIVE)
    wait_for(lambda: "balloon.last-update" in g.conn.getAllDomainStats(0)[0][1],
             what="balloon group")
    stats = g.conn.getAllDomainStats(0)[0][1]
    ref = REF["stats"]
    for group in ("state.", "cpu.", "balloon.", "dirtyrate."):
        assert [k for k in stats if k.startswith(group)] == \
            [k for k in ref if k.startswith(group)], group
    for key in ("block.0.name", "block.0.path", "block.0.rd.reqs", "block.0.allocation",
                "block.0.capacity", "block.0.physical", "block.0.fl.times"):
        assert key in stats
    assert stats["block.count"] == 2
    assert stats["block.0.capacity"] == 64 << 20          # qcow2: the virtual size
    assert stats["block.0.physical"] < 64 << 20           # ... not the file's
    assert stats["block.1.capacity"] == os.path.getsize(g.base / "vdb.img")
    assert stats["net.count"] == 0
    assert not [k for k in stats if k.startswith(("perf.", "iothread.", "vm."))]


def test_dirty_rate(g: Guest) -> None:
    g.dom.startDirtyRateCalc(1, 0)
    wait_for(lambda: g.conn.domainListGetStats([g.dom], C.VIR_DOMAIN_STATS_DIRTYRATE)[0][1]
             .get("dirtyrate.calc_status") == 2, what="dirty rate measured")
    stats = g.conn.domainListGetStats([g.dom], C.VIR_DOMAIN_STATS_DIRTYRATE)[0][1]
    assert set(stats) == set(REF["stats_dirty"])
    assert stats["dirtyrate.calc_period"] == 1
    with pytest.raises(libvirtError) as info:
        g.dom.startDirtyRateCalc(0, 0)
    assert info.value.get_error_code() == C.VIR_ERR_INVALID_ARG


# --- disks ------------------------------------------------------------------------------------

def test_block_info_and_peek(g: Guest) -> None:
    capacity, allocation, physical = g.dom.blockInfo("vda")
    assert capacity == 64 << 20 and physical == os.path.getsize(g.base / "vda.qcow2")
    assert allocation == os.stat(g.base / "vda.qcow2").st_blocks * 512
    same_error(lambda: g.dom.blockInfo("vdz"), "blockinfo_bad")
    assert g.dom.blockPeek("vdb", 0, 11, 0) == b"PYVIRT-PEEK"
    assert g.dom.blockPeek("vdb", 11 + 256, 4, 0) == bytes(range(4))
    same_error(lambda: g.dom.blockPeek("vda", 0, 16, 0), "blockpeek")
    same_error(lambda: g.dom.blockPeek("vdz", 0, 16, 0), "blockpeek_bad")
    assert g.dom.diskErrors() == REF["diskerrors"][1]


# --- guest memory -----------------------------------------------------------------------------

def test_memory_peek(g: Guest) -> None:
    low = g.dom.memoryPeek(0, 16, C.VIR_MEMORY_PHYSICAL)
    assert low.hex() == REF["memorypeek"][1]          # the BIOS's real-mode vectors
    same_error(lambda: g.dom.memoryPeek(0, 16, C.VIR_MEMORY_VIRTUAL), "memorypeek_virt")
    same_error(lambda: g.dom.memoryPeek(0, 16, 3), "memorypeek_both")


def test_core_dumps(g: Guest) -> None:
    elf = g.base / "core.elf"
    g.dom.coreDump(str(elf), C.VIR_DUMP_MEMORY_ONLY)
    head = elf.read_bytes()[:20]
    assert head[:4] == b"\x7fELF" and head[4] == 2            # ELF64
    assert struct.unpack("<H", head[16:18])[0] == 4             # ET_CORE
    assert elf.stat().st_size > 64 * MIB
    elf.unlink()
    zlib = g.base / "core.kdump"
    g.dom.coreDumpWithFormat(str(zlib), C.VIR_DOMAIN_CORE_DUMP_FORMAT_KDUMP_ZLIB,
                             C.VIR_DUMP_MEMORY_ONLY)
    # makedumpfile's flattened format (QEMU writes it to a descriptor), or plain kdump
    assert zlib.read_bytes()[:12] == b"makedumpfile" or zlib.read_bytes()[:8] == b"KDUMP   "
    zlib.unlink()
    for fmt, key in ((C.VIR_DOMAIN_CORE_DUMP_FORMAT_KDUMP_SNAPPY, "dump_kdump_snappy"),
                     (C.VIR_DOMAIN_CORE_DUMP_FORMAT_WIN_DMP, "dump_windmp")):
        same_error(lambda f=fmt: g.dom.coreDumpWithFormat(str(g.base / "x"), f,
                                                          C.VIR_DUMP_MEMORY_ONLY), key)
    same_error(lambda: g.dom.coreDumpWithFormat(
        str(g.base / "x"), C.VIR_DOMAIN_CORE_DUMP_FORMAT_KDUMP_ZLIB, 0), "dump_raw_nomem")



# --- screen, keys, NMI -----------------------------------------------------------------------

def test_screenshot_is_a_png_of_the_screen(g: Guest) -> None:
    st = g.conn.newStream(0)
    assert g.dom.screenshot(st, 0, 0) == REF["screenshot_mime"][1]
    data = b""
    while True:
        chunk = st.recv(65536)
        if not chunk:
            break
        data += chunk
    st.finish()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    assert (width, height) in ((720, 400), (640, 480), (1024, 768), (1280, 800))
    same_error(lambda: g.dom.screenshot(g.conn.newStream(0), 5, 0), "screenshot_badscreen")


def test_keymap_translation() -> None:
    up, a = 0xC8, 0x1E           # qnum of cursor up (e0 48) and of 'a'
    assert keymaps.to_qnum(C.VIR_KEYCODE_SET_LINUX, 30) == a
    assert keymaps.to_qnum(C.VIR_KEYCODE_SET_LINUX, 103) == up
    assert keymaps.to_qnum(C.VIR_KEYCODE_SET_ATSET1, 0xE048) == up
    assert keymaps.to_qnum(C.VIR_KEYCODE_SET_ATSET2, 0x1C) == a
    assert keymaps.to_qnum(C.VIR_KEYCODE_SET_USB, 4) == a
    assert keymaps.to_qnum(C.VIR_KEYCODE_SET_USB, 82) == up
    assert keymaps.to_qnum(C.VIR_KEYCODE_SET_WIN32, 0x41) == a
    assert keymaps.to_qnum(C.VIR_KEYCODE_SET_OSX, 0x00) == a
    assert keymaps.to_qnum(C.VIR_KEYCODE_SET_XT, 0x1E) == a
    assert keymaps.to_qnum(C.VIR_KEYCODE_SET_XT, 0xE048) is None
    assert keymaps.NAME_TO_SET["rfb"] == C.VIR_KEYCODE_SET_QNUM
    # every set maps the whole row of letters to the same 26 keys
    for codeset in (C.VIR_KEYCODE_SET_LINUX, C.VIR_KEYCODE_SET_USB, C.VIR_KEYCODE_SET_WIN32,
                    C.VIR_KEYCODE_SET_OSX, C.VIR_KEYCODE_SET_ATSET2):
        table = keymaps._TABLES[codeset]
        assert len(set(table.values())) == len(table)


def test_send_key_and_nmi(g: Guest) -> None:
    before = g.dom.XMLDesc(C.VIR_DOMAIN_XML_INACTIVE)
    assert g.dom.sendKey(C.VIR_KEYCODE_SET_LINUX, 0, [30], 1, 0) == 0
    assert g.dom.sendKey(C.VIR_KEYCODE_SET_USB, 50, [224, 4], 2, 0) == 0
    same_error(lambda: g.dom.sendKey(C.VIR_KEYCODE_SET_LINUX, 0, [60000], 1, 0), "sendkey_bad")
    same_error(lambda: g.dom.sendKey(99, 0, [1], 1, 0), "sendkey_badset")
    assert g.dom.injectNMI(0) == 0
    time.sleep(0.5)
    still_fine(g, before)


# --- state, messages, things this host lacks ----------------------------------------------------

def test_control_messages_hostname_launch_security(g: Guest) -> None:
    assert g.dom.controlInfo() == REF["control"][1]
    assert g.dom.messages() == REF["messages"][1]
    same_error(lambda: g.dom.hostname(), "hostname")
    assert g.dom.launchSecurityInfo() == REF["launchsec"][1]
    same_error(lambda: g.dom.setLaunchSecurityState({}, 0), "setlaunchsec")


def test_lifecycle_actions_live(g: Guest) -> None:
    before = g.dom.XMLDesc(C.VIR_DOMAIN_XML_INACTIVE)
    g.dom.setLifecycleAction(C.VIR_DOMAIN_LIFECYCLE_REBOOT,
                             C.VIR_DOMAIN_LIFECYCLE_ACTION_DESTROY, C.VIR_DOMAIN_AFFECT_LIVE)
    assert "<on_reboot>destroy</on_reboot>" in g.dom.XMLDesc()
    same_error(lambda: g.dom.setLifecycleAction(
        C.VIR_DOMAIN_LIFECYCLE_POWEROFF, C.VIR_DOMAIN_LIFECYCLE_ACTION_COREDUMP_DESTROY,
        C.VIR_DOMAIN_AFFECT_LIVE), "lifecycle_crash_dump")
    same_error(lambda: g.dom.setLifecycleAction(
        C.VIR_DOMAIN_LIFECYCLE_POWEROFF, C.VIR_DOMAIN_LIFECYCLE_ACTION_RESTART,
        C.VIR_DOMAIN_AFFECT_LIVE), "lifecycle_poweroff_restart")
    g.dom.setLifecycleAction(C.VIR_DOMAIN_LIFECYCLE_REBOOT,
                             C.VIR_DOMAIN_LIFECYCLE_ACTION_RESTART, C.VIR_DOMAIN_AFFECT_LIVE)
    assert "<on_reboot>restart</on_reboot>" in g.dom.XMLDesc()
    assert g.dom.XMLDesc(C.VIR_DOMAIN_XML_INACTIVE) == before


def test_metadata_live_and_config(g: Guest) -> None:
    g.dom.setMetadata(C.VIR_DOMAIN_METADATA_DESCRIPTION, "hello", None, None,
                      C.VIR_DOMAIN_AFFECT_LIVE)
    assert g.dom.metadata(C.VIR_DOMAIN_METADATA_DESCRIPTION, None, 0) == REF["meta_get"][1]
    same_error(lambda: g.dom.metadata(C.VIR_DOMAIN_METADATA_TITLE, None, 0), "meta_get_title")
    g.dom.setMetadata(C.VIR_DOMAIN_METADATA_ELEMENT, "<foo a='1'/>", "app",
                      "http://example.org/app", 0)
    assert g.dom.metadata(C.VIR_DOMAIN_METADATA_ELEMENT, "http://example.org/app", 0) == \
        REF["meta_el_get"][1]
    g.dom.setMetadata(C.VIR_DOMAIN_METADATA_TITLE, "A title", None, None,
                      C.VIR_DOMAIN_AFFECT_CONFIG)
    assert "<title>A title</title>" in g.dom.XMLDesc(C.VIR_DOMAIN_XML_INACTIVE)
    assert "<title>" not in g.dom.XMLDesc()


def test_rename(g: Guest, guest: str) -> None:
    same_error(lambda: g.dom.rename("res2", 0), "rename_live")
    other = g.conn.defineXML(guest_xml(guest, "off1"))
    other.rename("off2", 0)
    assert other.name() == "off2"
    assert g.conn.lookupByName("off2").UUIDString() == other.UUIDString()
    with pytest.raises(libvirtError) as info:
        g.conn.lookupByName("off1")
    assert info.value.get_error_code() == C.VIR_ERR_NO_DOMAIN
    with pytest.raises(libvirtError) as info:
        other.rename("res", 0)
    assert info.value.get_error_code() == C.VIR_ERR_OPERATION_INVALID
    other.undefine()


def test_open_channel(g: Guest) -> None:
    st = g.conn.newStream(C.VIR_STREAM_NONBLOCK)
    g.dom.openChannel("org.pyvirt.test", st, 0)
    assert st.send(b"hello\n") == 6
    st.abort()
    with pytest.raises(libvirtError):
        g.dom.openChannel("org.nothing", g.conn.newStream(0), 0)


# --- the VNC display and its password -----------------------------------------------------------

def _vnc_auth(sock: socket.socket, password: str | None) -> int:
    """Speak RFB 3.8 up to the security result (0: in); None: expect no auth."""
    from cryptography.hazmat.primitives.ciphers import Cipher, modes
    try:
        from cryptography.hazmat.decrepit.ciphers.algorithms import TripleDES
    except ImportError:                     # older cryptography
        from cryptography.hazmat.primitives.ciphers.algorithms import TripleDES  # type: ignore

    def recv(n: int) -> bytes:
        data = b""
        while len(data) < n:
            chunk = sock.recv(n - len(data))
            assert chunk, "VNC server closed the connection"
            data += chunk
        return data

    sock.settimeout(30)
    assert recv(12) == b"RFB 003.008\n"
    sock.sendall(b"RFB 003.008\n")
    types = recv(recv(1)[0])
    if password is None:
        assert types == b"\x01"            # no authentication
        sock.sendall(b"\x01")
        return struct.unpack(">I", recv(4))[0]
    assert types == b"\x02"                # VNC authentication
    sock.sendall(b"\x02")
    challenge = recv(16)
    # VNC's DES key: the password's bytes, each with its bits reversed
    key = bytes(int(f"{b:08b}"[::-1], 2) for b in password.encode()[:8].ljust(8, b"\0"))
    enc = Cipher(TripleDES(key * 3), modes.ECB()).encryptor()
    sock.sendall(enc.update(challenge) + enc.finalize())
    return struct.unpack(">I", recv(4))[0]


def _graphics_socket(g: Guest, flags: int = 0) -> socket.socket:
    return socket.socket(fileno=g.dom.openGraphicsFD(0, flags))


def test_vnc_password_applied_and_updated(g: Guest) -> None:
    with _graphics_socket(g) as sock:
        assert _vnc_auth(sock, "secret") == 0
    with _graphics_socket(g) as sock:
        assert _vnc_auth(sock, "wrong") != 0
    with _graphics_socket(g, C.VIR_DOMAIN_OPEN_GRAPHICS_SKIPAUTH) as sock:
        assert _vnc_auth(sock, None) == 0
    g.dom.updateDeviceFlags("<graphics type='vnc' passwd='other'/>", C.VIR_DOMAIN_AFFECT_LIVE)
    with _graphics_socket(g) as sock:
        assert _vnc_auth(sock, "secret") != 0
    with _graphics_socket(g) as sock:
        assert _vnc_auth(sock, "other") == 0
    assert "passwd='other'" in g.dom.XMLDesc(C.VIR_DOMAIN_XML_SECURE)
    assert "passwd='secret'" in g.dom.XMLDesc(C.VIR_DOMAIN_XML_SECURE
                                              | C.VIR_DOMAIN_XML_INACTIVE)
    with pytest.raises(libvirtError) as info:
        g.dom.openGraphicsFD(3, 0)
    assert info.value.get_error_code() == C.VIR_ERR_INTERNAL_ERROR  # as libvirt 9.0
