"""virDomainFDAssociate and ``<source fdgroup='NAME'/>`` on real QEMU guests.

A client opens an image, hands the descriptor to the domain under a name,
and a disk whose source names that fd group is opened by QEMU from it:
the disk's path in the XML does not even exist.  The guest's disk counter
(tools/guest.d/counter.sh) proves the disk is read (it carries on from the
number already on it) and written (the image file gets the new numbers).

Checked in-process (qemu:///embed), through pyvirtd with Debian's
libvirt-python and with pyvirt's own client (descriptors as SCM_RIGHTS
after a CALL_WITH_FDS), and with Debian's virsh and pyvirsh
(``dom-fd-associate --pass-fds``).  The errors expected are libvirt 9.0's,
captured from Debian's libvirtd and libvirt's embedded QEMU driver on the
same requests.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import daemons
import pytest
from test_qemu_via_pyvirtd import _guest_dir, _start_daemon

QEMU_TESTS = Path(__file__).resolve().parents[1] / "drivers" / "qemu"
sys.path.insert(0, str(QEMU_TESTS))

from qemutest_util import counters, wait_for, wait_ready

import pyvirt

GROUP = "disk"
# libvirt 9.0's answers (code, error domain, message), from libvirtd and its
# embedded QEMU driver given the same calls.
LIBVIRT = {
    "start_unassociated": [8, 10, (f"invalid argument: file descriptor group '{GROUP}' was "
                                   "not associated with the domain")],
    "bad_flags": [8, 10, "unsupported flags (0x8) in function qemuDomainFDAssociate"],
    "bad_fd": [38, 7, "Cannot duplicate FD 9999: Bad file descriptor"],
    "no_fds": [8, 20, "nfds in virDomainFDAssociate must not be zero"],
    "read_only": [29, 20, "operation forbidden: read only access prevents virDomainFDAssociate"],
    "tcp": [1, 7, "internal error: Sending file descriptors is not supported on this socket"],
}

# Run by Debian's python3 (import libvirt) and by pyvirt's (installed as libvirt):
# argv = uri, read-only uri, TCP uri, domain name, image; prints the results as JSON.
CLIENT = r'''
import json, os, sys
import libvirt
uri, ro_uri, tcp_uri, name, image = sys.argv[1:6]
libvirt.registerErrorHandler(lambda ctx, err: None, None)

def attempt(call):
    try:
        call()
    except libvirt.libvirtError as exc:
        return [exc.get_error_code(), exc.get_error_domain(), exc.get_error_message()]
    return None

conn = libvirt.open(uri)
dom = conn.lookupByName(name)
fd = os.open(image, os.O_RDWR)
out = {"start_unassociated": attempt(dom.create),
       "bad_flags": attempt(lambda: dom.FDAssociate("disk", [fd], 8)),
       "bad_fd": attempt(lambda: dom.FDAssociate("disk", [9999], 0)),
       "no_fds": attempt(lambda: dom.FDAssociate("disk", [], 0)),
       "read_only": attempt(lambda: libvirt.openReadOnly(ro_uri).lookupByName(name)
                            .FDAssociate("disk", [fd], 0)),
       "tcp": attempt(lambda: libvirt.open(tcp_uri).lookupByName(name)
                      .FDAssociate("disk", [fd], 0))}
out["associate"] = dom.FDAssociate("disk", [fd], 0)
os.close(fd)                    # the daemon keeps its own duplicates
out["start"] = attempt(dom.create)
xml = dom.XMLDesc()
out["running"] = [attempt(lambda: dom.FDAssociate("disk", [9999], 0)),
                  attempt(lambda: libvirt.open(tcp_uri).lookupByName(name)
                          .FDAssociate("other", [0], 0))]
out["xml_unchanged"] = dom.XMLDesc() == xml
out["state"] = dom.state()[0]
print(json.dumps(out))
'''


def _xml(guest_dir: str, name: str, serial: str) -> str:
    """A guest whose counter disk is read from fd group GROUP (its path does not exist)."""
    from qemutest_util import guest_xml
    disk = ("<disk type='file' device='disk'><driver name='qemu' type='raw'/>"
            f"<source file='/nonexistent/{name}.img' fdgroup='{GROUP}'/>"
            "<target dev='vdb' bus='virtio'/><serial>pyvirt-counter</serial></disk>")
    return guest_xml(guest_dir, name, serial=serial, disks=disk)


def _image(path: Path, start: int) -> str:
    """A 1 MiB raw image whose first sector holds counter value ``start``."""
    with open(path, "wb") as f:
        f.write(f"PYVIRT-COUNTER {start:08d}\n".encode())
        f.truncate(1 << 20)
    return str(path)


def _counted_from(serial: str, image: str, start: int) -> None:
    """Wait until the guest carried on from ``start`` (read the image) and wrote a
    later number into it."""
    wait_ready(serial)
    wait_for(lambda: len(counters(serial)) >= 2, what="the disk counter")
    assert counters(serial)[0] == start + 1
    with open(image, "rb") as f:
        head = f.read(24)
    assert head.startswith(b"PYVIRT-COUNTER ") and int(head[15:23]) > start, head


class Setup:
    """pyvirtd (unix socket and TCP) serving qemu:///session, the guest's parts."""

    def __init__(self, daemon: daemons.RunningDaemon, base: Path, guest_dir: str) -> None:
        self.daemon = daemon
        self.base = base
        self.guest_dir = guest_dir
        self.uri = f"qemu+unix:///session?socket={daemon.sock}"
        self.ro_uri = f"qemu+unix:///session?socket={daemon.sock_ro}"
        self.tcp_uri = f"qemu+tcp://127.0.0.1:{daemon.tcp_port}/session"
        self.conn = pyvirt.open(self.uri)

    def define(self, name: str) -> tuple[pyvirt.virDomain, str]:
        """Define guest ``name``; return it and its serial log."""
        serial = str(self.base / f"{name}.serial")
        return self.conn.defineXML(_xml(self.guest_dir, name, serial)), serial

    def shell(self, tool: str, *args: str, fds: tuple[int, ...] = ()
              ) -> subprocess.CompletedProcess:
        """Run Debian's virsh or pyvirsh (inheriting ``fds``) against the daemon."""
        argv = [daemons.VIRSH] if tool == "virsh" else [sys.executable, "-m",
                                                        "pyvirt.shell.main"]
        return subprocess.run([*argv, "-c", self.uri, *args], capture_output=True, text=True,
                              timeout=120, check=False, pass_fds=fds)


@pytest.fixture(scope="module")
def s(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Setup]:
    guest_dir = _guest_dir()
    base = tmp_path_factory.mktemp("qemu-fdassoc")
    daemon = _start_daemon(base, tcp=True)
    setup = Setup(daemon, base, guest_dir)
    try:
        yield setup
    finally:
        try:
            remove_all(setup.conn)
        finally:
            status = daemon.stop()
        assert status == 0, f"pyvirtd exited with {status}: {daemon.log.read_text()[-3000:]}"


def remove_all(conn: pyvirt.virConnect) -> None:
    """Destroy and undefine every guest of ``conn``, then close it (a fixture's end)."""
    for dom in conn.listAllDomains():
        if dom.isActive():
            dom.destroy()
        dom.undefine()
    conn.close()


def client_python(client: str, code: str) -> list[str]:
    """The command running ``code`` with ``import libvirt`` as Debian's libvirt-python
    ('libvirt-python') or as pyvirt ('pyvirt'); skips without Debian's python3."""
    if client == "libvirt-python":
        if not os.path.exists(daemons.REAL_PYTHON):
            pytest.skip("no /usr/bin/python3")
        return [daemons.REAL_PYTHON, "-c", code]
    return [sys.executable, "-c", "import pyvirt; pyvirt.install_as_libvirt()\n" + code]


def _client(s: Setup, python: list[str], name: str, image: str) -> dict:
    res = subprocess.run([*python, s.uri, s.ro_uri, s.tcp_uri, name, image],
                         capture_output=True, text=True, timeout=120, check=False,
                         env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"})
    assert res.returncode == 0, res.stderr
    return json.loads(res.stdout)


@pytest.mark.parametrize("client", ["libvirt-python", "pyvirt"])
def test_through_pyvirtd(s: Setup, client: str) -> None:
    """Errors as libvirt's; the associated descriptor is the disk QEMU reads and writes;
    bad input on the running guest changes nothing."""
    python = client_python(client, CLIENT)
    name = f"fd-{client.split('-')[0]}"
    dom, serial = s.define(name)
    image = _image(s.base / f"{name}.img", 41)
    out = _client(s, python, name, image)
    for key, expected in LIBVIRT.items():
        assert out[key] == expected, (key, out[key])
    assert out["associate"] == 0 and out["start"] is None
    assert out["running"] == [LIBVIRT["bad_fd"], LIBVIRT["tcp"]]
    assert out["xml_unchanged"] and out["state"] == pyvirt.VIR_DOMAIN_RUNNING
    _counted_from(serial, image, 41)
    dom.destroy()


def test_virsh_and_pyvirsh_dom_fd_associate(s: Setup) -> None:
    """Debian's virsh hands its inherited descriptor over and starts the guest on the same
    connection; pyvirsh then does so with another image, and the next boot uses that one.
    An association lasts as long as the connection that made it, as with libvirt."""
    dom, serial = s.define("fd-shell")
    res = s.shell("virsh", "dom-fd-associate", "fd-shell", GROUP, "x")
    ours = s.shell("pyvirsh", "dom-fd-associate", "fd-shell", GROUP, "x")
    assert res.returncode == ours.returncode == 1
    assert res.stderr.strip() == ours.stderr.strip() == "error: Unable to parse FD number 'x'"
    for tool, name, start in (("virsh", "first", 7), ("pyvirsh", "second", 100)):
        image = _image(s.base / f"{name}.img", start)
        fd = os.open(image, os.O_RDWR)
        try:
            alone = s.shell(tool, "dom-fd-associate", "fd-shell", GROUP, str(fd), fds=(fd,))
            assert alone.returncode == 0, alone.stderr
            # that connection is gone: so is its association (libvirt 9.0 says so too)
            late = s.shell(tool, "start", "fd-shell")
            assert late.returncode == 1 and f"error: {LIBVIRT['start_unassociated'][2]}" in \
                late.stderr, late.stderr
            res = s.shell(tool, f"dom-fd-associate fd-shell {GROUP} {fd} "
                          "--seclabel-writable; start fd-shell", fds=(fd,))
        finally:
            os.close(fd)
        assert res.returncode == 0, res.stderr
        _counted_from(serial, image, start)
        dom.destroy()
        os.unlink(serial)


def test_embedded(tmp_path: Path) -> None:
    """In-process (qemu:///embed): the same errors, the command line libvirt 9.0 writes
    (-add-fd, /dev/fdset/N, read-only stated), the guest reading the descriptor."""
    guest_dir = _guest_dir()
    root = tmp_path / "root"
    conn = pyvirt.open(f"qemu:///embed?root={root}")
    try:
        serial = str(tmp_path / "serial.log")
        dom = conn.defineXML(_xml(guest_dir, "fd-embed", serial))
        xml = dom.XMLDesc()
        image = _image(tmp_path / "disk.img", 3)
        fd = os.open(image, os.O_RDWR)
        errors = []
        for call in (dom.create, lambda: dom.FDAssociate(GROUP, [fd], 8),
                     lambda: dom.FDAssociate(GROUP, [], 0)):
            with pytest.raises(pyvirt.libvirtError) as err:
                call()
            e = err.value
            errors.append([e.get_error_code(), e.get_error_domain(), e.get_error_message()])
        assert errors == [LIBVIRT["start_unassociated"], LIBVIRT["bad_flags"], LIBVIRT["no_fds"]]
        with pytest.raises(pyvirt.libvirtError) as err:
            dom.FDAssociate(GROUP, [9999], 0)
        assert err.value.get_error_message() == ("failed to duplicate passed fd with index '0': "
                                                 "Bad file descriptor")
        assert dom.XMLDesc() == xml and not dom.isActive()
        assert dom.FDAssociate(GROUP, [fd], 0) == 0
        os.close(fd)
        dom.create()
        pid = int((root / "run" / "qemu" / "fd-embed.pid").read_text())
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        i = argv.index(b"-add-fd")
        assert argv[i + 1].startswith(b"set=0,fd=") and \
            argv[i + 1].endswith(b",opaque=libvirt-1-storage0")
        assert json.loads(argv[i + 3]) == {"driver": "file", "filename": "/dev/fdset/0",
                                           "node-name": "libvirt-1-storage",
                                           "read-only": False, "discard": "unmap"}
        _counted_from(serial, image, 3)
        _hotplug(dom, tmp_path)
        dom.destroy()
        dom.undefine()
        # several descriptors (read-only and read-write ones, say): QEMU picks
        # the one whose mode fits, so the mode is left to it (libvirt 9.0's argv)
        from pyvirt.conf.domain import DomainDef
        from pyvirt.drivers.qemu import command
        disk = DomainDef.parse(_xml(guest_dir, "x", serial)).devices.disks[0]
        assert command.blockdev_props(disk, 4, fdset=(2, 2))[0] == {
            "driver": "file", "filename": "/dev/fdset/2", "node-name": "libvirt-4-storage",
            "auto-read-only": True, "discard": "unmap"}
    finally:
        for dom in conn.listAllDomains(pyvirt.VIR_CONNECT_LIST_DOMAINS_ACTIVE):
            dom.destroy()
        conn.close()


def _fdsets(dom: Any) -> list:
    """QEMU's fd sets (asked through the in-process driver's monitor)."""
    sets: list = dom._drv.vm_of(dom._o).mon.execute("query-fdsets")
    return sets


def _hotplug(dom: Any, tmp_path: Path) -> None:
    """A disk read from an fd group attached to the running guest (a new fd set, given
    with add-fd), and detached (the set removed); an unknown group changes nothing."""
    disk = ("<disk type='file' device='disk'><driver name='qemu' type='raw'/>"
            "<source file='/nonexistent/hot.img' fdgroup='{}'/>"
            "<target dev='vdc' bus='virtio'/></disk>")
    xml = dom.XMLDesc()
    with pytest.raises(pyvirt.libvirtError) as err:
        dom.attachDeviceFlags(disk.format("nogroup"), pyvirt.VIR_DOMAIN_AFFECT_LIVE)
    assert err.value.get_error_message() == ("invalid argument: file descriptor group "
                                             "'nogroup' was not associated with the domain")
    assert dom.XMLDesc() == xml
    image = tmp_path / "hot.img"
    with open(image, "wb") as f:
        f.truncate(4 << 20)
    fd = os.open(image, os.O_RDWR)
    dom.FDAssociate("hot", [fd], 0)
    os.close(fd)
    before = {fdset["fdset-id"] for fdset in _fdsets(dom)}
    dom.attachDeviceFlags(disk.format("hot"), pyvirt.VIR_DOMAIN_AFFECT_LIVE)
    new = [fdset for fdset in _fdsets(dom) if fdset["fdset-id"] not in before]
    assert len(new) == 1 and new[0]["fds"][0]["opaque"].endswith("-storage0")
    nodes = dom._drv.vm_of(dom._o).mon.execute("query-named-block-nodes", {"flat": True})
    sizes = [n["image"]["virtual-size"] for n in nodes
             if n.get("file") == f"/dev/fdset/{new[0]['fdset-id']}"]
    assert sizes and set(sizes) == {4 << 20}           # QEMU reads the descriptor
    dom.detachDeviceFlags(disk.format("hot"), pyvirt.VIR_DOMAIN_AFFECT_LIVE)
    wait_for(lambda: "vdc" not in dom.XMLDesc(), what="the disk to go")
    wait_for(lambda: {fdset["fdset-id"] for fdset in _fdsets(dom)} == before,
             what="its fd set to go")
