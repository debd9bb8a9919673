"""Block jobs of the QEMU driver on a running test guest: copy, commit, pull, resize,
write thresholds, and their events.

One guest boots for the module with four disks (raw and qcow2 chains whose
images hold data) and the agent channel, through which the guest writes to
a disk for the threshold test.
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
from qemutest_util import (
    BOOT_WAIT,
    answer,
    attempt,
    close_with_guests,
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

MiB = 1 << 20
COPY, COMMIT, ACTIVE = (C.VIR_DOMAIN_BLOCK_JOB_TYPE_COPY, C.VIR_DOMAIN_BLOCK_JOB_TYPE_COMMIT,
                        C.VIR_DOMAIN_BLOCK_JOB_TYPE_ACTIVE_COMMIT)


def _img(*args: str) -> str:
    res = subprocess.run(["qemu-img", *args], capture_output=True, text=True, check=False)
    assert res.returncode == 0, res.stderr
    return res.stdout


def _io(path: str, fmt: str, cmd: str) -> None:
    share = ["-r", "-U"] if cmd.startswith("read") else []   # beside a running QEMU
    res = subprocess.run(["qemu-io", *share, "-f", fmt, "-c", cmd, path], capture_output=True,
                         text=True, check=False)
    assert res.returncode == 0 and "error" not in res.stdout.lower(), res.stdout + res.stderr


def _disk(path: str, fmt: str, dev: str) -> str:
    return (f"<disk type='file' device='disk'><driver name='qemu' type='{fmt}'/>"
            f"<source file='{path}'/><target dev='{dev}' bus='virtio'/></disk>")


class Guest:
    """The module's guest and what it records."""

    def __init__(self, conn: Any, d: Path, serial: str) -> None:
        self.conn, self.d, self.serial = conn, d, serial
        self.dom: Any = None
        self.jobs: list[tuple] = []
        self.thresholds: list[tuple] = []


@pytest.fixture(scope="module")
def g(guest: str) -> Iterator[Guest]:
    d = Path(tempfile.mkdtemp(prefix="qb-"))   # short: the agent socket lives under it
    p = str(d)
    # vda: raw with data; vdb: base <- mid <- top (qcow2); vdc: base <- top; vdd: scratch
    _img("create", "-q", "-f", "raw", f"{p}/a.img", "32M")
    _io(f"{p}/a.img", "raw", "write -P 0x5a 0 4M")
    _io(f"{p}/a.img", "raw", "write -P 0xa5 20M 2M")
    _img("create", "-q", "-f", "raw", f"{p}/b-base.img", "16M")
    _io(f"{p}/b-base.img", "raw", "write -P 0x11 0 2M")
    _img("create", "-q", "-f", "qcow2", "-F", "raw", "-b", f"{p}/b-base.img", f"{p}/b-mid.qcow2")
    _io(f"{p}/b-mid.qcow2", "qcow2", "write -P 0x22 1M 1M")
    _img("create", "-q", "-f", "qcow2", "-F", "qcow2", "-b", f"{p}/b-mid.qcow2",
         f"{p}/b-top.qcow2")
    _io(f"{p}/b-top.qcow2", "qcow2", "write -P 0x33 3M 1M")
    _img("create", "-q", "-f", "raw", f"{p}/c-base.img", "16M")
    _io(f"{p}/c-base.img", "raw", "write -P 0x44 0 1M")
    _img("create", "-q", "-f", "qcow2", "-F", "raw", "-b", f"{p}/c-base.img", f"{p}/c-top.qcow2")
    _img("create", "-q", "-f", "raw", f"{p}/d.img", "16M")
    serial = f"{p}/serial.log"
    conn = pyvirt.open(f"qemu:///embed?root={p}/root")
    start_event_loop()
    out = Guest(conn, d, serial)
    conn.domainEventRegisterAny(None, C.VIR_DOMAIN_EVENT_ID_BLOCK_JOB_2,
                                lambda c, dm, dev, t, s, o: out.jobs.append((dev, t, s)), None)
    conn.domainEventRegisterAny(None, C.VIR_DOMAIN_EVENT_ID_BLOCK_JOB,
                                lambda c, dm, path, t, s, o: out.jobs.append((path, t, s)), None)
    conn.domainEventRegisterAny(None, C.VIR_DOMAIN_EVENT_ID_BLOCK_THRESHOLD,
                                lambda c, dm, dev, path, th, ex, o: out.thresholds.append(
                                    (dev, path, th, ex)), None)
    disks = (_disk(f"{p}/a.img", "raw", "vda") + _disk(f"{p}/b-top.qcow2", "qcow2", "vdb")
             + _disk(f"{p}/c-top.qcow2", "qcow2", "vdc") + _disk(f"{p}/d.img", "raw", "vdd"))
    chan = ("<channel type='unix'><target type='virtio' name='org.qemu.guest_agent.0'/>"
            "</channel>")
    try:
        out.dom = conn.createXML(guest_xml(guest, "blockjobs", serial=serial, disks=disks,
                                           extra=chan), 0)
        wait_ready(serial)
        # the guest's agent (the threshold and pull tests use it) may start late when busy
        errors: list[str] = []

        def ping() -> bool:
            try:
                libvirt_qemu.qemuAgentCommand(out.dom, '{"execute":"guest-ping"}', -1, 0)
                return True
            except libvirtError as exc:
                errors.append(str(exc))
                return False
        try:
            wait_for(ping, BOOT_WAIT, "guest agent up")
        except AssertionError as exc:
            tail = [ln for ln in Path(serial).read_text(errors="replace").splitlines()
                    if "TICK" not in ln][-15:]
            raise AssertionError(f"{exc}: {errors[-1:]}; guest: {tail}") from None
        yield out
    finally:
        try:
            close_with_guests(out.conn)
        finally:
            shutil.rmtree(d, ignore_errors=True)


def _err(call: Any) -> libvirtError:
    with pytest.raises(libvirtError) as info:
        call()
    return info.value


def _sources(dom: Any) -> list[str]:
    return [ln.strip() for ln in dom.XMLDesc(0).splitlines() if "<source file=" in ln]


def _got(g: Guest, item: tuple) -> None:
    """Wait for a block job event (delivered by the event loop, after the call)."""
    wait_for(lambda: item in g.jobs, what=f"event {item}")


def _ready(g: Guest, dev: str, kind: int) -> None:
    wait_for(lambda: (dev, kind, C.VIR_DOMAIN_BLOCK_JOB_READY) in g.jobs, what=f"{dev} ready")


LIBVIRT = json.loads((Path(__file__).resolve().parents[2] / "data" / "qemu_agent"
                      / "libvirt-9.0.json").read_text())


def test_same_answers_as_libvirt(g: Guest) -> None:
    """libvirt 9.0's answers on a raw vda with no job (captured: tests/data/qemu_agent)."""
    assert answer(lambda: g.dom.blockJobInfo("vda", 0)) == LIBVIRT["info_nojob"]
    assert answer(lambda: g.dom.blockJobAbort("vda", 0)) == LIBVIRT["abort_nojob"]
    assert answer(lambda: g.dom.blockResize("vdz", 1, 0)) == LIBVIRT["resize_bad"]
    assert answer(lambda: g.dom.blockCommit("vda", None, None, 0, 0)) == \
        LIBVIRT["commit_noactive"]


def test_copy_pivot_is_identical_and_guest_runs(g: Guest) -> None:
    dest = str(g.d / "a-copy.img")
    before = ticks(g.serial)
    g.dom.blockCopy("vda", f"<disk type='file'><source file='{dest}'/>"
                           "<driver type='raw'/></disk>", {"granularity": 65536}, 0)
    _ready(g, "vda", COPY)
    _got(g, (str(g.d / "a.img"), COPY, C.VIR_DOMAIN_BLOCK_JOB_READY))
    info = g.dom.blockJobInfo("vda", 0)
    assert info["type"] == COPY and info["cur"] == info["end"] == 32 * MiB
    xml = g.dom.XMLDesc(0)
    assert (f"<mirror type='file' file='{dest}' format='raw' job='copy' ready='yes'>"
            in xml)
    assert f"<source file='{dest}'/>" in xml.split("<mirror", 1)[1]
    # one job per disk: libvirt's error for a second
    e = _err(lambda: g.dom.blockCommit("vda", None, None, 0, C.VIR_DOMAIN_BLOCK_COMMIT_ACTIVE))
    assert e.get_error_code() == C.VIR_ERR_BLOCK_COPY_ACTIVE
    assert str(e) == "block copy still active: disk 'vda' already in active block job"
    g.dom.blockJobAbort("vda", C.VIR_DOMAIN_BLOCK_JOB_ABORT_PIVOT)
    _got(g, ("vda", COPY, C.VIR_DOMAIN_BLOCK_JOB_COMPLETED))
    assert g.dom.blockJobInfo("vda", 0) == {}
    assert f"<source file='{dest}'/>" in _sources(g.dom) and "<mirror" not in g.dom.XMLDesc(0)
    assert "Images are identical" in _img("compare", "-U", str(g.d / "a.img"), dest)
    wait_for(lambda: ticks(g.serial) > before + 1, what="guest ticks on")
    e = _err(lambda: g.dom.blockJobAbort("vda", 0))
    assert e.get_error_code() == C.VIR_ERR_INVALID_ARG
    # the status file holds the new chain
    status = (g.d / "root" / "run" / "qemu" / "blockjobs.xml").read_text()
    assert f"<source file='{dest}'/>" in status


def test_copy_never_overwrites_a_file_with_data(g: Guest) -> None:
    """libvirt's refusal (without REUSE_EXT) of a target that exists and holds data."""
    dest = g.d / "taken.img"
    dest.write_bytes(b"keep me" * 100)
    e = _err(lambda: g.dom.blockCopy("vdd", f"<disk type='file'><source file='{dest}'/>"
                                            "<driver type='raw'/></disk>", None, 0))
    assert e.get_error_code() == C.VIR_ERR_CONFIG_UNSUPPORTED
    assert str(e) == ("unsupported configuration: external destination file for disk vdd "
                      f"already exists and is not a block device: {dest}")
    assert dest.read_bytes() == b"keep me" * 100
    assert g.dom.blockJobInfo("vdd", 0) == {} and "<mirror" not in g.dom.XMLDesc(0)


def test_pivot_before_ready_then_abort(g: Guest) -> None:
    dest = str(g.d / "d-copy.qcow2")
    g.jobs.clear()
    g.dom.blockCopy("vdd", f"<disk type='file'><source file='{dest}'/>"
                           "<driver type='qcow2'/></disk>", {"bandwidth": 1024},
                    C.VIR_DOMAIN_BLOCK_COPY_TRANSIENT_JOB)
    info = g.dom.blockJobInfo("vdd", C.VIR_DOMAIN_BLOCK_JOB_INFO_BANDWIDTH_BYTES)
    assert info["bandwidth"] == 1024 and info["type"] == COPY
    e = _err(lambda: g.dom.blockJobAbort("vdd", C.VIR_DOMAIN_BLOCK_JOB_ABORT_PIVOT))
    assert e.get_error_code() == C.VIR_ERR_BLOCK_COPY_ACTIVE
    assert str(e) == ("block copy still active: block job 'copy-vdd-libvirt-1-format' not "
                      "ready for pivot yet")
    # libvirt 9.0 writes no 'ready' before the job is ready
    assert (f"<mirror type='file' file='{dest}' format='qcow2' job='copy'>"
            in g.dom.XMLDesc(0))
    g.dom.blockJobSetSpeed("vdd", 2, 0)
    assert g.dom.blockJobInfo("vdd", 0)["bandwidth"] == 2
    g.dom.blockJobAbort("vdd", 0)
    _got(g, ("vdd", COPY, C.VIR_DOMAIN_BLOCK_JOB_CANCELED))
    assert "<mirror" not in g.dom.XMLDesc(0)
    assert f"<source file='{g.d}/d.img'/>" in _sources(g.dom)


def test_copy_to_a_pool_volume(g: Guest) -> None:
    pooldir = g.d / "pool"
    pooldir.mkdir()
    pool = g.conn.storagePoolCreateXML(f"<pool type='dir'><name>bj</name><target>"
                                       f"<path>{pooldir}</path></target></pool>", 0)
    pool.createXML("<volume><name>copy.img</name><capacity unit='M'>16</capacity>"
                   "<target><format type='raw'/></target></volume>", 0)
    g.jobs.clear()
    g.dom.blockCopy("vdd", "<disk type='volume'><source pool='bj' volume='copy.img'/>"
                           "<driver type='raw'/></disk>", None,
                    C.VIR_DOMAIN_BLOCK_COPY_REUSE_EXT)
    _ready(g, "vdd", COPY)
    g.dom.blockJobAbort("vdd", C.VIR_DOMAIN_BLOCK_JOB_ABORT_PIVOT)
    xml = g.dom.XMLDesc(0)
    vdd = xml[:xml.index("<target dev='vdd'")].rsplit("<disk ", 1)[1]
    assert vdd.startswith("type='volume' device='disk'")
    assert "<source pool='bj' volume='copy.img'" in vdd
    assert "Images are identical" in _img("compare", "-U", str(g.d / "d.img"),
                                          str(pooldir / "copy.img"))


def test_commit_inner_then_active_with_pivot(g: Guest) -> None:
    p = str(g.d)
    g.jobs.clear()
    # mid into base: the base then holds mid's data, top now backs onto base
    g.dom.blockCommit("vdb", f"{p}/b-base.img", f"{p}/b-mid.qcow2", 0, 0)
    wait_for(lambda: ("vdb", COMMIT, C.VIR_DOMAIN_BLOCK_JOB_COMPLETED) in g.jobs,
             what="commit completed")
    _io(f"{p}/b-base.img", "raw", "read -P 0x22 1M 1M")
    chain = json.loads(_img("info", "-U", "--output=json", "--backing-chain",
                            f"{p}/b-top.qcow2"))
    assert [c["filename"] for c in chain] == [f"{p}/b-top.qcow2", f"{p}/b-base.img"]
    e = _err(lambda: g.dom.blockCommit("vdb", None, None, 0, 0))
    assert e.get_error_code() == C.VIR_ERR_INVALID_ARG and "requires active flag" in str(e)
    # the active layer into base, then pivot: the disk is the base image
    g.dom.blockCommit("vdb", None, None, 0, C.VIR_DOMAIN_BLOCK_COMMIT_ACTIVE)
    _ready(g, "vdb", ACTIVE)
    assert "format='raw' job='active-commit' ready='yes'>" in g.dom.XMLDesc(0)
    g.dom.blockJobAbort("vdb", C.VIR_DOMAIN_BLOCK_JOB_ABORT_PIVOT)
    _got(g, ("vdb", ACTIVE, C.VIR_DOMAIN_BLOCK_JOB_COMPLETED))
    assert f"<source file='{p}/b-base.img'/>" in _sources(g.dom)
    _io(f"{p}/b-base.img", "raw", "read -P 0x33 3M 1M")
    assert "<mirror" not in g.dom.XMLDesc(0)


def test_pull_flattens(g: Guest) -> None:
    p = str(g.d)
    g.jobs.clear()
    g.dom.blockPull("vdc", 0, 0)
    wait_for(lambda: ("vdc", C.VIR_DOMAIN_BLOCK_JOB_TYPE_PULL,
                      C.VIR_DOMAIN_BLOCK_JOB_COMPLETED) in g.jobs, what="pull completed")
    info = json.loads(_img("info", "-U", "--output=json", f"{p}/c-top.qcow2"))
    assert "backing-filename" not in info
    # the guest still reads the base's data, now from the one image left
    want = hashlib.md5(b"\x44" * MiB).hexdigest()
    assert _guest_sh(g, "dd if=/dev/vdc bs=1M count=1 2>/dev/null | md5sum").split()[0] == want


def test_resize_and_threshold_event(g: Guest) -> None:
    g.dom.blockResize("vdd", 24 * 1024, 0)                      # KiB
    assert g.dom.blockInfo("vdd")[0] == 24 * MiB
    g.dom.setBlockThreshold("vdd", 4 * MiB)
    wait_for(lambda: _try_exec(g, "dd if=/dev/zero of=/dev/vdd bs=1M count=6 "
                                  "seek=2 oflag=direct"), what="guest agent up")
    wait_for(lambda: g.thresholds, what="threshold event")
    dev, path, threshold, excess = g.thresholds[0]
    # vdd is the pool volume since the copy above
    assert (dev, path, threshold) == ("vdd", f"{g.d}/pool/copy.img", 4 * MiB) and excess > 0


def _guest_sh(g: Guest, cmd: str) -> str:
    """Run ``cmd`` in the guest through its agent; return its output."""
    wait_for(lambda: attempt(lambda: libvirt_qemu.qemuAgentCommand(
        g.dom, '{"execute":"guest-ping"}', -1, 0)), what="guest agent up")
    started = json.loads(libvirt_qemu.qemuAgentCommand(g.dom, json.dumps({
        "execute": "guest-exec", "arguments": {"path": "/bin/sh", "arg": ["-c", cmd],
                                               "capture-output": True}}), -1, 0))
    pid = started["return"]["pid"]

    def status() -> Any:
        ret = json.loads(libvirt_qemu.qemuAgentCommand(g.dom, json.dumps({
            "execute": "guest-exec-status", "arguments": {"pid": pid}}), -1, 0))["return"]
        return ret if ret.get("exited") else None

    ret = wait_for(status, what=f"guest command {cmd!r}")
    return base64.b64decode(ret.get("out-data", "")).decode()


def _try_exec(g: Guest, cmd: str) -> bool:
    try:
        libvirt_qemu.qemuAgentCommand(g.dom, json.dumps({
            "execute": "guest-exec", "arguments": {"path": "/bin/sh", "arg": ["-c", cmd]}}),
            -1, 0)
        return True
    except libvirtError:
        return False


def test_jobs_survive_a_driver_restart(g: Guest) -> None:
    """A copy running when the driver closes is found again by the next one."""
    dest = str(g.d / "a-copy2.img")
    g.dom.blockCopy("vda", f"<disk type='file'><source file='{dest}'/></disk>",
                    {"bandwidth": 1024}, 0)
    root = str(g.d / "root")
    g.conn.close()
    g.conn = pyvirt.open(f"qemu:///embed?root={root}")
    g.dom = g.conn.lookupByName("blockjobs")
    info = g.dom.blockJobInfo("vda", 0)
    assert info["type"] == COPY and info["end"] == 32 * MiB
    assert f"<mirror type='file' file='{dest}' format='raw' job='copy'>" in g.dom.XMLDesc(0)
    g.dom.blockJobSetSpeed("vda", 0, 0)
    wait_for(lambda: g.dom.blockJobInfo("vda", 0).get("cur") == 32 * MiB, what="copy done")
    wait_for(lambda: "ready='yes'" in g.dom.XMLDesc(0), what="copy ready")
    g.dom.blockJobAbort("vda", C.VIR_DOMAIN_BLOCK_JOB_ABORT_PIVOT)
    assert f"<source file='{dest}'/>" in _sources(g.dom)
    assert os.path.getsize(dest) == 32 * MiB
