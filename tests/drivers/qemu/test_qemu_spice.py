"""SPICE displays on one running TCG guest, served by a pyvirtd.

The guest has ``<graphics type='spice' autoport='yes' passwd=...>``, a
spicevmc channel and SPICE audio.  The checks talk SPICE to QEMU's port as
a client does: the link message (``REDQ``, main channel), QEMU's reply with
its RSA key, then the password encrypted with that key (RSA-OAEP/SHA-1) and
QEMU's link result.  Everything goes through a pyvirtd serving the embed
root, so pyvirt's remote client (events) and Debian's real ``virsh``
(``domdisplay``) reach the same guest.  Expected values are libvirt 9.0's
(its live XML and errors for the same domain, checked by hand against
Debian's libvirt on ``qemu:///embed``).
"""

from __future__ import annotations

import contextlib
import os
import re
import socket
import struct
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from qemutest_util import guest_xml, start_event_loop, wait_for

import pyvirt
from pyvirt import constants as C

DAEMON_TESTS = Path(__file__).resolve().parents[2] / "daemon"
NAME = "spice1"
PASSWORD = "s3cret"
LISTEN = "<listen type='address' address='127.0.0.1'/>"
DEVICES = ("<channel type='spicevmc'><target type='virtio' name='com.redhat.spice.0'/>"
           "</channel>"
           f"<graphics type='spice' autoport='yes' passwd='{PASSWORD}'>"
           "<image compression='off'/><mouse mode='client'/></graphics>"
           "<audio id='1' type='spice'/><video><model type='qxl'/></video>")
OK = 0                       # SPICE_LINK_ERR_OK
PERMISSION_DENIED = 7        # SPICE_LINK_ERR_PERMISSION_DENIED


class Guest:
    """The module's guest behind a pyvirtd: URI, client connection, graphics events."""

    def __init__(self, daemon: Any, guest_dir: str) -> None:
        self.daemon = daemon
        # qemu:///session: the real virsh refuses qemu:///embed URIs on its side
        self.uri = f"qemu+unix:///session?socket={daemon.sock}"
        start_event_loop()
        self.conn = pyvirt.open(self.uri)
        self.events: list[tuple] = []
        self._cond = threading.Condition()
        self.conn.domainEventRegisterAny(None, C.VIR_DOMAIN_EVENT_ID_GRAPHICS, self._graphics,
                                         None)
        self.dom = self.conn.createXML(guest_xml(guest_dir, NAME, extra=DEVICES), 0)

    def _graphics(self, conn: Any, dom: Any, phase: int, local: dict, remote: dict,
                  scheme: str, subject: list, opaque: Any) -> None:
        with self._cond:
            self.events.append((phase, local, remote, scheme, subject))

    def of_client(self, port: int) -> list[tuple]:
        """The graphics events about the client at local port ``port``."""
        with self._cond:
            return [e for e in self.events if e[2]["service"] == str(port)]

    def port(self) -> int:
        """The SPICE port in the live XML."""
        m = re.search(r"<graphics type='spice' port='(\d+)'", self.dom.XMLDesc(0))
        assert m, self.dom.XMLDesc(0)
        return int(m.group(1))


@pytest.fixture(scope="module")
def g(guest: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Guest]:
    sys.path.insert(0, str(DAEMON_TESTS))
    import daemons
    base = tmp_path_factory.mktemp("spice")
    xdg = base / "xdg"
    with pytest.MonkeyPatch.context() as mp:        # the daemon's qemu:///session state
        for var, sub in (("XDG_CONFIG_HOME", "config"), ("XDG_DATA_HOME", "data"),
                         ("XDG_CACHE_HOME", "cache"), ("XDG_RUNTIME_DIR", "run")):
            mp.setenv(var, str(xdg / sub))
        daemon = daemons.start_pyvirtd(base / "d", tcp=False)
    it = None
    try:
        it = Guest(daemon, guest)
        yield it
    finally:
        try:
            if it is not None:
                if it.dom.isActive():
                    it.dom.destroy()
                it.conn.close()
        finally:
            daemon.stop()
            for pidfile in (xdg / "run" / "pyvirt" / "qemu").glob("*.pid"):
                if pidfile.name != "driver.pid":       # a QEMU a failure left behind
                    with contextlib.suppress(OSError, ValueError):
                        os.kill(int(pidfile.read_text()), 9)


def read(sock: socket.socket, size: int) -> bytes:
    """Exactly ``size`` bytes from ``sock`` (MSG_WAITALL is not kept on sockets with a
    timeout)."""
    data = b""
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        assert chunk, f"QEMU closed the SPICE connection after {data!r}"
        data += chunk
    return data


def link(port: int, password: str) -> tuple[tuple, int, socket.socket]:
    """Link to the main channel of the SPICE server at ``port`` with ``password``.

    Returns (QEMU's link header: magic, major, minor; its link error), the link
    result after the ticket, and the open socket (the caller closes it).
    """
    sock = socket.create_connection(("127.0.0.1", port), timeout=30)
    # SpiceLinkMess: connection id 0, channel type 1 (main), channel id 0, no
    # capabilities (so no auth selection: the ticket follows the reply)
    mess = struct.pack("<IBBIII", 0, 1, 0, 0, 0, 18)
    sock.sendall(struct.pack("<4sIII", b"REDQ", 2, 2, len(mess)) + mess)
    magic, major, minor, size = struct.unpack("<4sIII", read(sock, 16))
    reply = read(sock, size)
    error = struct.unpack("<I", reply[:4])[0]
    key: Any = serialization.load_der_public_key(reply[4:4 + 162])
    ticket = key.encrypt(password.encode() + b"\0",
                         padding.OAEP(mgf=padding.MGF1(hashes.SHA1()), algorithm=hashes.SHA1(),
                                      label=None))
    sock.sendall(ticket)
    result = struct.unpack("<I", read(sock, 4))[0]
    return (magic, major, minor, error), result, sock


def test_live_xml_has_the_assigned_port(g: Guest) -> None:
    port = g.port()
    assert 5900 <= port < 65536
    gfx = re.search(r"<graphics.*?</graphics>", g.dom.XMLDesc(0), re.DOTALL).group(0)
    # libvirt 9.0's live XML for the same definition (its port aside)
    assert gfx == (f"<graphics type='spice' port='{port}' autoport='yes' listen='127.0.0.1'>\n"
                   f"      {LISTEN}\n      <image compression='off'/>\n"
                   "      <mouse mode='client'/>\n    </graphics>")
    # no spice-vdagent in the guest: its port stays closed (libvirt's state)
    assert "<target type='virtio' name='com.redhat.spice.0' state='disconnected'/>" in \
        g.dom.XMLDesc(0)
    secure = g.dom.XMLDesc(C.VIR_DOMAIN_XML_SECURE)
    assert f"listen='127.0.0.1' passwd='{PASSWORD}'>" in secure
    assert "<audio id='1' type='spice'/>" in secure


def test_link_handshake_and_graphics_events(g: Guest) -> None:
    header, result, sock = link(g.port(), PASSWORD)
    client = sock.getsockname()[1]
    assert header == (b"REDQ", 2, 2, OK) and result == OK
    server = {"family": C.VIR_DOMAIN_EVENT_GRAPHICS_ADDRESS_IPV4, "node": "127.0.0.1",
              "service": str(g.port())}
    remote = {"family": C.VIR_DOMAIN_EVENT_GRAPHICS_ADDRESS_IPV4, "node": "127.0.0.1",
              "service": str(client)}
    wait_for(lambda: len(g.of_client(client)) >= 2, what="connect and initialize events")
    sock.close()
    wait_for(lambda: len(g.of_client(client)) >= 3, what="disconnect event")
    assert g.of_client(client) == [
        (C.VIR_DOMAIN_EVENT_GRAPHICS_CONNECT, server, remote, "", []),
        (C.VIR_DOMAIN_EVENT_GRAPHICS_INITIALIZE, server, remote, "spice", []),
        (C.VIR_DOMAIN_EVENT_GRAPHICS_DISCONNECT, server, remote, "", [])]


def test_wrong_password_is_refused(g: Guest) -> None:
    header, result, sock = link(g.port(), "wrong")
    client = sock.getsockname()[1]
    sock.close()
    assert header[3] == OK and result == PERMISSION_DENIED
    # connected, never initialized
    wait_for(lambda: len(g.of_client(client)) >= 2, what="connect and disconnect events")
    assert [e[0] for e in g.of_client(client)] == [C.VIR_DOMAIN_EVENT_GRAPHICS_CONNECT,
                                                  C.VIR_DOMAIN_EVENT_GRAPHICS_DISCONNECT]


def test_password_changes_live(g: Guest) -> None:
    upd = (f"<graphics type='spice' passwd='n3w' autoport='yes' connected='keep'>{LISTEN}"
           "</graphics>")
    g.dom.updateDeviceFlags(upd, C.VIR_DOMAIN_AFFECT_LIVE)
    assert "listen='127.0.0.1' passwd='n3w' connected='keep'>" in \
        g.dom.XMLDesc(C.VIR_DOMAIN_XML_SECURE)
    for password, expected in ((PASSWORD, False), ("n3w", True)):
        _header, result, sock = link(g.port(), password)
        sock.close()
        assert result == (OK if expected else PERMISSION_DENIED), password
    # what libvirt refuses, with its errors; the guest keeps its display
    bad = {f"<graphics type='spice' passwd='x' port='5999'>{LISTEN}</graphics>":
           "cannot change port settings on spice graphics",
           "<graphics type='spice' passwd='x' autoport='yes'/>":
           "cannot change listen address setting on 'spice' graphics",
           "<graphics type='vnc' autoport='yes'/>":
           "cannot find existing graphics device to modify of type 'vnc'"}
    for xml, message in bad.items():
        with pytest.raises(pyvirt.libvirtError) as info:
            g.dom.updateDeviceFlags(xml, C.VIR_DOMAIN_AFFECT_LIVE)
        assert message in str(info.value)
    _header, result, sock = link(g.port(), "n3w")
    sock.close()
    assert result == OK


def test_open_graphics_serves_spice(guest: str, tmp_path: Path) -> None:
    """openGraphicsFD and openGraphics hand QEMU's SPICE server a connection.

    On an embed connection of its own (a paused guest: SPICE answers without a
    running CPU): pyvirtd does not pass descriptors yet.
    """
    conn = pyvirt.open(f"qemu:///embed?root={tmp_path / 'root'}")
    try:
        dom = conn.createXML(guest_xml(guest, "spice2", extra=DEVICES),
                             C.VIR_DOMAIN_START_PAUSED)
        mess = struct.pack("<IBBIII", 0, 1, 0, 0, 0, 18)
        hello = struct.pack("<4sIII", b"REDQ", 2, 2, len(mess)) + mess
        with socket.socket(fileno=dom.openGraphicsFD(0, C.VIR_DOMAIN_OPEN_GRAPHICS_SKIPAUTH)) \
                as sock:
            sock.settimeout(30)
            sock.sendall(hello)
            assert read(sock, 16)[:4] == b"REDQ"
        ours, theirs = socket.socketpair()
        with ours, theirs:
            dom.openGraphics(0, theirs.fileno(), 0)
            ours.settimeout(30)
            ours.sendall(hello)
            assert read(ours, 16)[:4] == b"REDQ"
        with pytest.raises(pyvirt.libvirtError) as info:
            dom.openGraphicsFD(1, 0)
        assert info.value.get_error_code() == C.VIR_ERR_INTERNAL_ERROR
        assert str(info.value) == "internal error: No graphics backend with index 1"
        dom.destroy()
    finally:
        conn.close()


def test_domdisplay_through_real_virsh_and_pyvirsh(g: Guest) -> None:
    port = g.port()
    password = re.search(r"passwd='([^']*)'", g.dom.XMLDesc(C.VIR_DOMAIN_XML_SECURE)).group(1)
    pyvirsh = str(Path(sys.executable).with_name("pyvirsh"))
    for args, expected in ((["domdisplay", NAME], f"spice://127.0.0.1:{port}"),
                           (["domdisplay", "--include-password", NAME],
                            f"spice://127.0.0.1:{port}?password={password}"),
                           (["domdisplay", "--type", "spice", NAME],
                            f"spice://127.0.0.1:{port}")):
        assert g.daemon.virsh(*args, uri=g.uri).stdout.strip() == expected
        res = subprocess.run([pyvirsh, "-q", "-c", g.uri, *args], capture_output=True,
                             text=True, timeout=60, check=False)
        assert (res.returncode, res.stdout.strip()) == (0, expected), res.stderr


# libvirt 9.0's answers (domxml-to-native on qemu:///embed, TLS off in qemu.conf, no /dev/dri)
REFUSED = {
    "<graphics type='spice' port='5903' tlsPort='5904'/>":
        (C.VIR_ERR_CONFIG_UNSUPPORTED, ("unsupported configuration: spice TLS port set in XML "
         "configuration, but TLS is disabled in qemu.conf")),
    "<graphics type='spice' port='5903' defaultMode='secure'/>":
        (C.VIR_ERR_CONFIG_UNSUPPORTED, ("unsupported configuration: spice defaultMode secure "
         "requested in XML configuration, but TLS connection is not available")),
    "<graphics type='spice' port='5903'><channel name='main' mode='secure'/></graphics>":
        (C.VIR_ERR_CONFIG_UNSUPPORTED, ("unsupported configuration: spice secure channels set "
         "in XML configuration, but TLS connection is not available")),
    "<graphics type='vnc' port='5903'/><channel type='spicevmc'><target type='virtio' "
    "name='com.redhat.spice.0'/></channel>":
        (C.VIR_ERR_CONFIG_UNSUPPORTED, ("unsupported configuration: chardev 'spicevmc' not "
         "supported without spice graphics")),
    "<graphics type='vnc' port='5903'/><audio id='1' type='spice'/>":
        (C.VIR_ERR_CONFIG_UNSUPPORTED, ("unsupported configuration: Spice audio is not "
         "supported without spice graphics")),
    "<graphics type='spice' port='5903'/><graphics type='spice' port='5904'/>":
        (C.VIR_ERR_CONFIG_UNSUPPORTED, ("unsupported configuration: only 1 graphics device of "
         "each type (sdl, vnc, spice, headless, dbus) is supported")),
    "<graphics type='spice' port='5903'><image compression='bogus'/></graphics>":
        (C.VIR_ERR_XML_ERROR, ("XML error: Invalid value for attribute 'compression' in element "
         "'image': 'bogus'.")),
    "<graphics type='spice' port='5903'><mouse mode='x'/></graphics>":
        (C.VIR_ERR_XML_ERROR, ("XML error: Invalid value for attribute 'mode' in element "
         "'mouse': 'x'.")),
    "<graphics type='spice' port='5903'><channel name='bogus' mode='secure'/></graphics>":
        (C.VIR_ERR_XML_ERROR, ("XML error: Invalid value for attribute 'name' in element "
         "'channel': 'bogus'.")),
}


def test_what_libvirt_refuses(conn: Any, guest: str) -> None:
    """The same errors as libvirt, from domxml-to-native and from a start."""
    cases = dict(REFUSED)
    if not os.path.isdir("/dev/dri"):
        cases["<graphics type='spice' port='5903'><gl enable='yes'/></graphics>"] = (
            C.VIR_ERR_SYSTEM_ERROR, "cannot open directory '/dev/dri': No such file or directory")
    for devices, (code, message) in cases.items():
        xml = guest_xml(guest, "refused", extra=devices)
        for call, args in ((conn.domainXMLToNative, ("qemu-argv", xml, 0)),
                           (conn.createXML, (xml, 0))):
            with pytest.raises(pyvirt.libvirtError) as info:
                call(*args)
            assert (info.value.get_error_code(), str(info.value)) == (code, message), devices
    assert conn.listAllDomains() == []


def test_network_listen_needs_a_running_network(conn: Any, guest: str) -> None:
    """A SPICE display on a network listens on the network's address, or not at all."""
    display = ("<graphics type='spice' autoport='yes'><listen type='network' network='{}'/>"
               "</graphics>")
    conn.networkDefineXML("<network><name>spicenet</name><bridge name='virbr-spice'/>"
                          "<ip address='192.0.2.1' prefix='24'/></network>")
    for name, code, message in (
            ("nosuch", C.VIR_ERR_NO_NETWORK,
             "Network not found: no network with matching name 'nosuch'"),
            ("spicenet", C.VIR_ERR_OPERATION_INVALID,
             "Requested operation is not valid: network 'spicenet' is not active")):
        xml = guest_xml(guest, "netlisten", extra=display.format(name))
        for call, args in ((conn.domainXMLToNative, ("qemu-argv", xml, 0)),
                           (conn.createXML, (xml, 0))):
            with pytest.raises(pyvirt.libvirtError) as info:
                call(*args)
            assert (info.value.get_error_code(), str(info.value)) == (code, message)
    assert conn.listAllDomains() == []


def test_real_virsh_prints_the_graphics_events(g: Guest) -> None:
    """``virsh event --event graphics`` through pyvirtd, as virsh prints libvirt's."""
    import daemons
    from waiting import LineWatcher
    port = g.port()
    password = re.search(r"passwd='([^']*)'", g.dom.XMLDesc(C.VIR_DOMAIN_XML_SECURE)).group(1)
    prefix = f"event 'graphics' for domain '{NAME}': "
    # virsh's stdout to a pipe is block-buffered: stdbuf makes it a line at a time
    watcher = LineWatcher(["stdbuf", "-oL", daemons.VIRSH, "-c", g.uri, "event", NAME, "--event", "graphics",
                           "--loop", "--timeout", "60"])
    try:
        def poke() -> None:
            link(port, password)[2].close()
        start = watcher.ready_after(poke, lambda line: line.startswith(prefix), timeout=120)
        _header, result, sock = link(port, password)
        client = sock.getsockname()[1]
        sock.close()
        assert result == OK
        where = f"local[IPv4 127.0.0.1 {port}] remote[IPv4 127.0.0.1 {client}]"
        # virsh ends a line with the auth scheme, empty but for 'initialize'
        expected = [f"{prefix}connect {where}", f"{prefix}initialize {where} spice",
                    f"{prefix}disconnect {where}"]
        watcher.wait_for_line(lambda line: line.rstrip() == expected[-1], start=start)
        assert [ln.rstrip() for ln in watcher.lines()[start:] if f" {client}]" in ln] == expected
    finally:
        watcher.stop()
