"""Hot-plugging LUKS-encrypted pool volumes into a running test guest.

The guest boots with the agent channel only.  A raw LUKS volume and a
LUKS-in-qcow2 volume of a dir pool, each holding known plaintext written
through qemu-io, are attached live: their passphrase reaches QEMU as a
secret object AES-encrypted with the domain's master key (read by QEMU from
its file), the guest reads the plaintext, and a detach leaves no secret
object or block node of the disk behind.  A disk whose secret does not
exist fails with libvirt's error and leaves nothing behind either.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from qemutest_util import BOOT_WAIT, attempt, close_with_guests, guest_xml, wait_for

import pyvirt
from pyvirt import constants as C
from pyvirt import libvirt_qemu

UUID = "5b1c0d3e-7a41-4c0e-9f4e-2d6a9c1b7e55"
PASS = b"hot luks passphrase 7"
MiB = 1 << 20
CHAN = ("<channel type='unix'><target type='virtio' name='org.qemu.guest_agent.0'/>"
        "</channel>")


class Host:
    """The module's connection, pool, guest and directory."""

    def __init__(self, conn: Any, d: Path) -> None:
        self.conn, self.d = conn, d
        self.pool: Any = None
        self.dom: Any = None


def _plaintext(path: str, fmt: str, pattern: int, passfile: str) -> None:
    """Write 1 MiB of ``pattern`` into the decrypted view of the image."""
    opts = (f"driver=luks,key-secret=s0,file.filename={path}" if fmt == "raw" else
            f"driver=qcow2,encrypt.key-secret=s0,file.filename={path}")
    res = subprocess.run(["qemu-io", "--object", f"secret,id=s0,file={passfile}",
                          "--image-opts", opts, "-c", f"write -P {pattern:#x} 0 1M"],
                         capture_output=True, text=True, check=False)
    assert res.returncode == 0 and "error" not in res.stdout.lower(), res.stdout + res.stderr


@pytest.fixture(scope="module")
def h(guest: str) -> Iterator[Host]:
    if shutil.which("qemu-io") is None:
        pytest.skip("qemu-io is not installed")
    d = Path(tempfile.mkdtemp(prefix="lh-"))   # short: the agent socket lives under it
    mp = pytest.MonkeyPatch()
    mp.setenv("PYVIRT_LUKS_ITER_TIME", "10")
    conn = pyvirt.open(f"qemu:///embed?root={d}/root")
    out = Host(conn, d)
    try:
        sec = conn.secretDefineXML(f"<secret ephemeral='no' private='yes'><uuid>{UUID}</uuid>"
                                   "<usage type='volume'><volume>/hot</volume></usage>"
                                   "</secret>", 0)
        sec.setValue(PASS, 0)
        out.pool = conn.storagePoolCreateXML(
            f"<pool type='dir'><name>hp</name><target><path>{d}/pool</path></target></pool>",
            C.VIR_STORAGE_POOL_CREATE_WITH_BUILD)
        (d / "pass").write_bytes(PASS)
        for fmt, pattern in (("raw", 0x5A), ("qcow2", 0xC3)):
            vol = out.pool.createXML(
                f"<volume><name>h.{fmt}</name><capacity unit='M'>8</capacity><target>"
                f"<format type='{fmt}'/><encryption format='luks'><secret type='passphrase' "
                f"uuid='{UUID}'/></encryption></target></volume>", 0)
            _plaintext(vol.path(), fmt, pattern, str(d / "pass"))
        out.dom = conn.createXML(guest_xml(guest, "lukshot", serial=f"{d}/serial.log",
                                           extra=CHAN), 0)
        wait_for(lambda: attempt(lambda: libvirt_qemu.qemuAgentCommand(
            out.dom, '{"execute":"guest-ping"}', -1, 0)), BOOT_WAIT, "guest agent up")
        yield out
    finally:
        try:
            close_with_guests(conn)
        finally:
            mp.undo()
            shutil.rmtree(d, ignore_errors=True)


def _disk(fmt: str, dev: str, uuid: str = UUID) -> str:
    return (f"<disk type='volume' device='disk'><driver name='qemu' type='{fmt}'/>"
            f"<source pool='hp' volume='h.{fmt}'><encryption format='luks'><secret "
            f"type='passphrase' uuid='{uuid}'/></encryption></source>"
            f"<target dev='{dev}' bus='virtio'/><serial>luks-{dev}</serial></disk>")


def _qmp(h: Host, cmd: str, args: dict | None = None) -> Any:
    """A QMP query on the guest's monitor, through the driver's connection to it."""
    from pyvirt.drivers.qemu.driver import _roots
    root = os.path.abspath(f"{h.d}/root")
    drv = next(d for d in _roots._drivers.values() if d.cfg.root == root)
    return drv.domains.by_name(h.dom.name()).mon.execute(cmd, args)


def _objects(h: Host) -> dict[str, str]:
    """The user-created QOM objects (QEMU 7.2 has no query-objects): id -> type."""
    return {o["name"]: o["type"] for o in _qmp(h, "qom-list", {"path": "/objects"})}


def _nodes(h: Host) -> set[str]:
    return {n["node-name"] for n in _qmp(h, "query-named-block-nodes")}


def _guest_sh(dom: Any, cmd: str) -> str:
    """Run ``cmd`` in the guest through its agent; return its output."""
    started = json.loads(libvirt_qemu.qemuAgentCommand(dom, json.dumps({
        "execute": "guest-exec", "arguments": {"path": "/bin/sh", "arg": ["-c", cmd],
                                               "capture-output": True}}), -1, 0))
    pid = started["return"]["pid"]

    def status() -> Any:
        ret = json.loads(libvirt_qemu.qemuAgentCommand(dom, json.dumps({
            "execute": "guest-exec-status", "arguments": {"pid": pid}}), -1, 0))["return"]
        return ret if ret.get("exited") else None

    ret = wait_for(status, what=f"guest command {cmd!r}")
    return base64.b64decode(ret.get("out-data", "")).decode()


# the guest's disk with a given serial, its first MiB hashed: waits (some 30 s) for the
# device to have its size and its /dev node and to give a whole MiB (a loaded host's TCG
# guest read nothing from a disk just plugged, twice); if it never does, the last read's
# error is the output
_READ = ("n=; for i in $(seq 300); do for b in /sys/block/vd*; do "
         "[ \"$(cat $b/serial 2>/dev/null)\" = {serial} ] && n=${{b##*/}} && "
         "[ \"$(cat $b/size 2>/dev/null)\" -gt 0 ] && [ -b /dev/$n ] && "
         "[ \"$(dd if=/dev/$n bs=1M count=1 2>/dev/null | wc -c)\" = 1048576 ] && "
         "{{ dd if=/dev/$n bs=1M count=1 2>/dev/null | md5sum; exit 0; }}; done; "
         "sleep 0.1; done; echo missing $n; [ -n \"$n\" ] && "
         "dd if=/dev/$n of=/dev/null bs=1M count=1 2>&1")


@pytest.mark.parametrize(("fmt", "dev", "pattern"), [("raw", "vdb", 0x5A),
                                                      ("qcow2", "vdc", 0xC3)])
def test_hotplug_luks_volume(h: Host, fmt: str, dev: str, pattern: int) -> None:
    before_objects, before_nodes = _objects(h), _nodes(h)
    h.dom.attachDeviceFlags(_disk(fmt, dev), C.VIR_DOMAIN_AFFECT_LIVE)
    added = set(_objects(h)) - set(before_objects)
    secrets = [o for o in added if o.endswith("-format-encryption-secret0")]
    assert len(secrets) == 1 and _objects(h)[secrets[0]] == "child<secret>"
    assert _objects(h).get("masterKey0") == "child<secret>"
    # the domain's master key file is what QEMU read: the passphrase file is not kept
    assert not list(h.d.rglob("*.secret"))
    xml = h.dom.XMLDesc(0)
    assert f"<target dev='{dev}' bus='virtio'/>" in xml
    assert "<encryption format='luks'>" in xml
    want = hashlib.md5(bytes([pattern]) * MiB).hexdigest()
    got = _guest_sh(h.dom, _READ.format(serial=f"luks-{dev}"))
    assert got.split()[:1] == [want], got
    h.dom.detachDeviceFlags(_disk(fmt, dev), C.VIR_DOMAIN_AFFECT_LIVE)
    wait_for(lambda: f"<target dev='{dev}'" not in h.dom.XMLDesc(0), what=f"{dev} detached")
    wait_for(lambda: not set(_objects(h)) & set(secrets), what="secret object removed")
    assert _nodes(h) <= before_nodes


def test_hotplug_luks_without_its_secret(h: Host) -> None:
    before_objects, before_nodes = set(_objects(h)), _nodes(h)
    with pytest.raises(pyvirt.libvirtError) as err:
        h.dom.attachDeviceFlags(_disk("raw", "vdd", "0a0a0a0a-0000-4000-8000-000000000001"),
                                C.VIR_DOMAIN_AFFECT_LIVE)
    assert err.value.get_error_code() == C.VIR_ERR_NO_SECRET
    assert "<target dev='vdd'" not in h.dom.XMLDesc(0)
    assert set(_objects(h)) - {"masterKey0"} <= before_objects
    assert _nodes(h) == before_nodes
