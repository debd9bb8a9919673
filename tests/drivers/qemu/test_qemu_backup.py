"""Checkpoints and backups of a real QEMU guest.

The guest writes a counter to its first virtio disk (tools/guest.d/counter.sh).
Each backup is checked byte for byte (``qemu-img compare``) against a copy
of the disk taken, with the guest paused, just before the backup began; an
incremental backup must hold only the clusters written since its checkpoint.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from qemutest_util import Events, counting, guest_xml, last_counter, wait_for

import pyvirt
from pyvirt import constants as C
from pyvirt.errors import libvirtError

REPO = Path(__file__).resolve().parents[3]


def img(*args: str) -> str:
    return subprocess.run(["qemu-img", *args], capture_output=True, text=True,
                          check=True).stdout


def same(a: str, b: str) -> bool:
    res = subprocess.run(["qemu-img", "compare", "-U", a, b], capture_output=True, text=True,
                         check=False)
    assert res.returncode in (0, 1), res.stderr
    return res.returncode == 0


def allocated(path: str) -> list[tuple[int, int]]:
    """(offset, length) of the data ranges stored in ``path`` itself."""
    return [(m["start"], m["length"]) for m in json.loads(img("map", "--output=json", path))
            if m["data"] and m.get("depth", 0) == 0]


class Guest:
    """The shared running guest with a qcow2 disk."""

    def __init__(self, base: Path, guest: str) -> None:
        self.base, self.guest = base, guest
        self.root = str(base / "root")
        self.disk = str(base / "vda.qcow2")
        img("create", "-q", "-f", "qcow2", self.disk, "16M")
        self.serial = str(base / "serial.log")
        self.open()
        disk = (f"<disk type='file' device='disk'><driver name='qemu' type='qcow2'/>"
                f"<source file='{self.disk}'/><target dev='vda' bus='virtio'/>"
                "<serial>pyvirt-counter</serial></disk>")
        self.dom = self.conn.defineXML(guest_xml(guest, "bk", serial=self.serial, disks=disk))

    def open(self) -> None:
        self.conn = pyvirt.open(f"qemu:///embed?root={self.root}")
        self.events = Events(self.conn)
        self.completed: list[dict] = []
        self.done = threading.Event()

        def job_done(conn: Any, dom: Any, params: dict, opaque: Any) -> None:
            self.completed.append(params)
            self.done.set()

        self.conn.domainEventRegisterAny(None, C.VIR_DOMAIN_EVENT_ID_JOB_COMPLETED,
                                         job_done, None)

    def wait_counting(self, past: int) -> None:
        wait_for(lambda: last_counter(self.serial) > past, what=f"counter past {past}")

    def frozen_copy(self, name: str) -> str:
        """Pause the guest and copy its disk as it is now (the caller resumes it)."""
        self.dom.suspend()
        copy = str(self.base / name)
        img("convert", "-U", "-O", "raw", self.disk, copy)
        return copy

    def backup(self, xml: str, checkpoint: str | None = None) -> dict:
        """Run a backup to its end; return the completion event's parameters."""
        self.done.clear()
        self.dom.backupBegin(xml, checkpoint)
        self.dom.resume()
        assert self.done.wait(60), "no job-completed event"
        return self.completed[-1]


@pytest.fixture(scope="module")
def g(guest: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Guest]:
    it = Guest(tmp_path_factory.mktemp("qemu-backup"), guest)
    with counting(it):
        yield it


def test_checkpoints_bitmaps_sizes_tree(g: Guest) -> None:
    c1 = g.dom.checkpointCreateXML("<domaincheckpoint><name>c1</name></domaincheckpoint>")
    xml = c1.getXMLDesc()
    assert "<disk name='vda' checkpoint='bitmap' bitmap='c1'/>" in xml
    assert "<domain type='qemu'>" in xml
    assert "<domain " not in c1.getXMLDesc(C.VIR_DOMAIN_CHECKPOINT_XML_NO_DOMAIN)
    g.wait_counting(last_counter(g.serial) + 1)
    sized = c1.getXMLDesc(C.VIR_DOMAIN_CHECKPOINT_XML_SIZE)
    # the guest rewrote its first sector: one 64 KiB cluster of the bitmap is dirty
    assert "<disk name='vda' checkpoint='bitmap' bitmap='c1' size='65536'/>" in sized
    c2 = g.dom.checkpointCreateXML("<domaincheckpoint><name>c2</name></domaincheckpoint>")
    assert c2.getParent().getName() == "c1"
    assert [c.getName() for c in c1.listAllChildren()] == ["c2"]
    assert [c.getName() for c in g.dom.listAllCheckpoints(
        C.VIR_DOMAIN_CHECKPOINT_LIST_ROOTS)] == ["c1"]
    assert [c.getName() for c in g.dom.listAllCheckpoints(
        C.VIR_DOMAIN_CHECKPOINT_LIST_LEAVES)] == ["c2"]
    with pytest.raises(libvirtError) as exc:
        g.dom.checkpointCreateXML("<domaincheckpoint><name>c2</name></domaincheckpoint>")
    assert exc.value.get_error_code() == C.VIR_ERR_OPERATION_FAILED

    saved = c1.getXMLDesc()
    c1.delete()
    assert [c.getName() for c in g.dom.listAllCheckpoints()] == ["c2"]
    with pytest.raises(libvirtError) as exc:
        c2.getParent()
    assert exc.value.get_error_code() == C.VIR_ERR_NO_DOMAIN_CHECKPOINT
    # its bitmap is gone from QEMU; redefining brings back the metadata only
    g.dom.checkpointCreateXML(saved, C.VIR_DOMAIN_CHECKPOINT_CREATE_REDEFINE)
    assert sorted(c.getName() for c in g.dom.listAllCheckpoints()) == ["c1", "c2"]
    g.dom.checkpointLookupByName("c1").delete(C.VIR_DOMAIN_CHECKPOINT_DELETE_METADATA_ONLY)
    g.dom.checkpointLookupByName("c2").delete()
    assert g.dom.listAllCheckpoints() == []
    assert os.listdir(os.path.join(g.root, "lib", "qemu", "checkpoint", "bk")) == []


def test_full_then_incremental_push_backup(g: Guest) -> None:
    start0 = g.frozen_copy("start0.raw")
    full = str(g.base / "full.qcow2")
    params = g.backup("<domainbackup><disks><disk name='vda' type='file'>"
                      f"<target file='{full}'/><driver type='qcow2'/></disk></disks>"
                      "</domainbackup>",
                      "<domaincheckpoint><name>b0</name></domaincheckpoint>")
    assert params["operation"] == C.VIR_DOMAIN_JOB_OPERATION_BACKUP
    # libvirt's event parameters: the statistics without the job's type
    assert params["success"] is True and "type" not in params
    assert params["disk_processed"] == params["disk_total"] > 0
    assert same(full, start0)
    assert g.dom.jobStats()["type"] == C.VIR_DOMAIN_JOB_NONE
    done = g.dom.jobStats(C.VIR_DOMAIN_JOB_STATS_COMPLETED)
    assert done["type"] == C.VIR_DOMAIN_JOB_COMPLETED and done["disk_processed"] > 0
    assert g.dom.jobStats(C.VIR_DOMAIN_JOB_STATS_COMPLETED)["type"] == C.VIR_DOMAIN_JOB_NONE
    assert [c.getName() for c in g.dom.listAllCheckpoints()] == ["b0"]

    g.wait_counting(last_counter(g.serial) + 3)
    start1 = g.frozen_copy("start1.raw")
    inc = str(g.base / "inc.qcow2")
    g.backup("<domainbackup mode='push'><incremental>b0</incremental><disks>"
             f"<disk name='vda' type='file'><target file='{inc}'/><driver type='qcow2'/>"
             "</disk></disks></domainbackup>")
    assert not same(start0, start1)
    # only the cluster the counter lives in was copied
    assert allocated(inc) == [(0, 65536)], allocated(inc)
    img("rebase", "-u", "-F", "qcow2", "-b", full, inc)
    assert same(inc, start1)
    g.dom.checkpointLookupByName("b0").delete()


def test_push_target_written_with_o_direct_or_else_the_page_cache(
        g: Guest, monkeypatch: pytest.MonkeyPatch) -> None:
    """A push target's file node asks QEMU for O_DIRECT (cache.direct); where QEMU
    refuses it (a file system without O_DIRECT: refused here on QEMU's behalf, as
    this kernel's tmpfs has it too), the backup goes through the page cache."""
    mon = g.dom._drv.vm_of(g.dom._o).mon
    real = mon.execute
    added: list[dict] = []

    def execute(cmd: str, args: dict | None = None, **kw: Any) -> Any:
        if cmd == "blockdev-add" and (args or {}).get("driver") == "file":
            added.append(dict(args or {}))
            if refuse and (args or {}).get("cache"):
                raise libvirtError("unable to execute QEMU command 'blockdev-add': Could not "
                                   "open: Invalid argument")
        return real(cmd, args, **kw)

    monkeypatch.setattr(mon, "execute", execute)
    for refuse in (False, True):
        added.clear()
        start = g.frozen_copy(f"direct-{refuse}.raw")
        target = str(g.base / f"direct-{refuse}.qcow2")
        params = g.backup("<domainbackup><disks><disk name='vda' type='file'>"
                          f"<target file='{target}'/><driver type='qcow2'/></disk></disks>"
                          "</domainbackup>")
        assert params["success"] is True, params
        assert same(target, start)
        assert [a.get("cache") for a in added] == ([{"direct": True}] if not refuse
                                                   else [{"direct": True}, None])


def test_pull_backup_exports_the_disk_as_at_start(g: Guest) -> None:
    sock = str(g.base / "nbd.sock")
    scratch = str(g.base / "vda.scratch")
    pre = g.dom.snapshotCreateXML("<domainsnapshot><name>pre</name></domainsnapshot>")
    start = g.frozen_copy("pull-start.raw")
    g.dom.backupBegin(f"<domainbackup mode='pull'><server transport='unix' socket='{sock}'/>"
                      f"<disks><disk name='vda' type='file'><scratch file='{scratch}'/>"
                      "</disk></disks></domainbackup>", None)
    g.dom.resume()
    xml = g.dom.backupGetXMLDesc()
    assert "<domainbackup mode='pull'>" in xml and f"socket='{sock}'" in xml
    assert "backupmode='full'" in xml and "exportname='vda'" in xml
    assert g.dom.jobStats()["operation"] == C.VIR_DOMAIN_JOB_OPERATION_BACKUP
    # a revert is refused while a block job (the backup's) runs, and changes nothing
    with pytest.raises(libvirtError) as exc:
        g.dom.revertToSnapshot(pre)
    assert exc.value.get_error_code() == C.VIR_ERR_OPERATION_INVALID
    assert "active block job" in str(exc.value)
    assert g.dom.state()[0] == C.VIR_DOMAIN_RUNNING
    g.wait_counting(last_counter(g.serial) + 3)       # the guest writes on meanwhile
    out = str(g.base / "pulled.raw")
    img("convert", "-f", "raw", "-O", "raw", f"nbd+unix:///vda?socket={sock}", out)
    assert same(out, start)
    g.done.clear()
    g.dom.abortJob()
    assert g.done.wait(30)
    # libvirt: a pull backup ends when it is stopped, a success with QEMU's words
    assert g.completed[-1]["success"] is True
    assert g.completed[-1]["errmsg"] == "Operation canceled"
    assert not os.path.exists(scratch)
    assert g.dom.jobStats()["type"] == C.VIR_DOMAIN_JOB_NONE
    with pytest.raises(libvirtError) as exc:
        g.dom.backupGetXMLDesc()
    assert exc.value.get_error_code() == C.VIR_ERR_NO_DOMAIN_BACKUP
    pre.delete()


def pyvirsh(g: Guest, *argv: str) -> str:
    """Run a pyvirsh command in this process (it shares the driver of the root)."""
    import io

    from pyvirt.shell.main import main
    out, err = io.StringIO(), io.StringIO()
    rc = main(["-c", f"qemu:///embed?root={g.root}", *argv], stdout=out, stderr=err)
    assert rc == 0, (argv, err.getvalue())
    return out.getvalue()


def test_pyvirsh_checkpoint_backup_and_snapshot_commands(g: Guest) -> None:
    assert pyvirsh(g, "checkpoint-create-as", "bk", "k1").strip() == \
        "Domain checkpoint k1 created"
    assert pyvirsh(g, "checkpoint-create-as", "bk", "--name", "k2", "--description",
                   "second").strip() == "Domain checkpoint k2 created"
    assert pyvirsh(g, "checkpoint-list", "bk", "--name").split() == ["k1", "k2"]
    assert pyvirsh(g, "checkpoint-list", "bk", "--tree").split() == ["k1", "|", "+-", "k2"]
    assert pyvirsh(g, "checkpoint-parent", "bk", "k2").strip() == "k1"
    info = pyvirsh(g, "checkpoint-info", "bk", "k1").splitlines()
    assert info[0].split() == ["Name:", "k1"] and info[3].split() == ["Children:", "1"]
    assert "size='" in pyvirsh(g, "checkpoint-dumpxml", "bk", "k1", "--size", "--no-domain")

    sock = str(g.base / "shell.sock")
    xml = g.base / "backup.xml"
    xml.write_text(f"<domainbackup mode='pull'><incremental>k1</incremental>"
                   f"<server transport='unix' socket='{sock}'/></domainbackup>")
    assert pyvirsh(g, "backup-begin", "bk", str(xml)).strip() == "Backup started"
    dumped = pyvirsh(g, "backup-dumpxml", "bk")
    assert "<incremental>k1</incremental>" in dumped and "exportbitmap='backup-vda'" in dumped
    assert "Backup" in pyvirsh(g, "domjobinfo", "bk")
    g.done.clear()
    pyvirsh(g, "domjobabort", "bk")
    assert g.done.wait(30)
    assert pyvirsh(g, "checkpoint-delete", "bk", "k1", "--children").strip() == \
        "Domain checkpoint k1 deleted"
    assert pyvirsh(g, "checkpoint-list", "bk", "--name").strip() == ""

    out = pyvirsh(g, "snapshot-create-as", "bk", "sh1", "--verbose")
    assert "Domain snapshot sh1 created" in out
    assert pyvirsh(g, "snapshot-list", "bk", "--name").split() == ["sh1"]
    assert "Domain snapshot sh1 reverted" in pyvirsh(g, "snapshot-revert", "bk", "sh1")
    assert g.dom.state()[0] == C.VIR_DOMAIN_RUNNING
    assert "Domain snapshot sh1 deleted" in pyvirsh(g, "snapshot-delete", "bk", "sh1")


_KILLED = r"""
import os, sys, time
sys.path.insert(0, sys.argv[1])
import pyvirt
c = pyvirt.open("qemu:///embed?root=" + sys.argv[2])
d = c.lookupByName("bk")
d.backupBegin(sys.argv[3], None)
print("started", flush=True)
time.sleep(60)
"""


def test_backup_left_by_a_killed_process_is_cleaned_up(g: Guest) -> None:
    sock = str(g.base / "nbd2.sock")
    scratch = str(g.base / "killed.scratch")
    xml = (f"<domainbackup mode='pull'><server transport='unix' socket='{sock}'/><disks>"
           f"<disk name='vda' type='file'><scratch file='{scratch}'/></disk></disks>"
           "</domainbackup>")
    g.conn.close()
    proc = subprocess.Popen([sys.executable, "-c", _KILLED, str(REPO), g.root, xml],
                            stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "started"
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    assert os.path.exists(scratch)
    g.open()
    g.dom = g.conn.lookupByName("bk")
    assert g.dom.isActive()
    full = str(g.base / "after-kill.qcow2")
    start = g.frozen_copy("after-kill.raw")
    g.backup(f"<domainbackup><disks><disk name='vda'><target file='{full}'/></disk></disks>"
             "</domainbackup>")
    assert not os.path.exists(scratch)
    assert same(full, start)


# --- beside libvirt 9.0 -----------------------------------------------------------------

_LIBVIRT_SIDE = r"""
import json, sys, libvirt
uri, xml = sys.argv[1], sys.stdin.read()
conn = libvirt.open(uri)
"""


def _scenario(conn: Any, xml: str, sock: str, scratch: str) -> dict:
    """The same calls on either side: a checkpoint and a pull backup of a running guest."""
    dom = conn.createXML(xml, 0)
    out: dict = {}
    try:
        chk = dom.checkpointCreateXML("<domaincheckpoint><name>k</name></domaincheckpoint>", 0)
        out["checkpoint"] = chk.getXMLDesc(2)
        out["checkpoint-size"] = chk.getXMLDesc(2 | 4)
        out["list"] = [c.getName() for c in dom.listAllCheckpoints(0)]
        dom.backupBegin(f"<domainbackup mode='pull'><incremental>k</incremental>"
                        f"<server transport='unix' socket='{sock}'/><disks>"
                        f"<disk name='vda' type='file'><scratch file='{scratch}'/></disk>"
                        "</disks></domainbackup>", None, 0)
        out["backup"] = dom.backupGetXMLDesc(0)
        out["job-operation"] = dom.jobStats(0).get("operation")
        dom.abortJob()
        chk.delete(0)
        out["after-delete"] = [c.getName() for c in dom.listAllCheckpoints(0)]
    finally:
        dom.destroy()
    return out


def _normal(text: Any, base: str) -> Any:
    import re
    if not isinstance(text, str):
        return text
    text = re.sub(r"<creationTime>\d+</creationTime>", "<creationTime>T</creationTime>", text)
    text = re.sub(r"size='\d+'", "size='N'", text)
    return text.replace(base, "BASE")


def test_same_shapes_as_libvirt(g: Guest, tmp_path: Path, reference_qemu_uri: str) -> None:
    """A checkpoint and a pull backup by libvirt 9.0 (the run's reference libvirtd,
    through Debian's python3-libvirt) and by pyvirt, on the same guest XML."""
    import inspect
    results = {}
    for side in ("libvirt", "pyvirt"):
        base = tmp_path / side
        base.mkdir()
        disk = str(base / "d.qcow2")
        img("create", "-q", "-f", "qcow2", disk, "16M")
        xml = guest_xml(g.guest, "bkcmp", disks=(
            "<disk type='file' device='disk'><driver name='qemu' type='qcow2'/>"
            f"<source file='{disk}'/><target dev='vda' bus='virtio'/></disk>"))
        sock, scratch = str(base / "nbd.sock"), str(base / "vda.scratch")
        if side == "libvirt":
            script = ("from typing import Any\n" + _LIBVIRT_SIDE + inspect.getsource(_scenario)
                      + f"\nprint(json.dumps(_scenario(conn, xml, {sock!r}, {scratch!r})))\n")
            res = subprocess.run(["/usr/bin/python3", "-c", script, reference_qemu_uri],
                                 input=xml, capture_output=True, text=True, timeout=120,
                                 check=False)
            assert res.returncode == 0, res.stderr
            out = json.loads(res.stdout.strip().splitlines()[-1])
        else:
            out = _scenario(g.conn, xml, sock, scratch)
        results[side] = {k: _normal(v, str(base)) for k, v in out.items()}
    assert results["pyvirt"] == results["libvirt"]


def test_refusals_beside_backups_and_block_jobs_as_libvirt(
        g: Guest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Snapshots, checkpoints and backups while a backup or a block copy runs, and
    undefine with snapshots and checkpoints: libvirt 9.0's answers (captured with
    tests/reference/capture_moments.py), refusals that change nothing included."""
    sys.path.insert(0, str(REPO / "tests" / "reference"))
    from moment_exclusions import exclusions

    from pyvirt.drivers.qemu import snapjob
    # libvirt gives up on its job lock after 30 s: the same refusal, sooner
    monkeypatch.setattr(snapjob, "ASYNC_WAIT", 1.0)
    disks = ""
    for target in ("vda", "vdb"):
        img("create", "-q", "-f", "qcow2", str(tmp_path / f"{target}.qcow2"), "16M")
        disks += (f"<disk type='file' device='disk'><driver name='qemu' type='qcow2'/>"
                  f"<source file='{tmp_path}/{target}.qcow2'/>"
                  f"<target dev='{target}' bus='virtio'/></disk>")
    out = exclusions(g.conn, guest_xml(g.guest, "ex", disks=disks), str(tmp_path))
    got = json.loads(json.dumps(out).replace(str(tmp_path), "@DIR@"))
    want = json.loads((REPO / "tests" / "data" / "qemu_moments" / "libvirt-9.0.json")
                      .read_text())
    assert got == want


def _certificates(base: Path) -> tuple[Path, Path]:
    """A CA, a server certificate for localhost and a client certificate (openssl):
    the server's and the client's directories as QEMU's tls-creds-x509 reads them."""
    def run(*argv: str) -> None:
        subprocess.run(["openssl", *argv], check=True, capture_output=True, cwd=base)

    key = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    run("req", "-x509", *key, "-keyout", "ca-key.pem", "-out", "ca-cert.pem", "-days", "2",
        "-subj", "/CN=pyvirt test CA", "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    san = "subjectAltName=DNS:localhost,IP:127.0.0.1"
    for who, usage, extra in (("server", "serverAuth", san), ("client", "clientAuth", "")):
        run("req", *key, "-keyout", f"{who}-key.pem", "-out", f"{who}.csr",
            "-subj", f"/CN={'localhost' if who == 'server' else 'pyvirt client'}")
        ext = base / f"{who}.ext"
        ext.write_text(f"basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\n"
                       f"extendedKeyUsage={usage}\n{extra}\n")
        run("x509", "-req", "-in", f"{who}.csr", "-CA", "ca-cert.pem", "-CAkey", "ca-key.pem",
            "-CAcreateserial", "-out", f"{who}-cert.pem", "-days", "2", "-extfile", str(ext))
    dirs = []
    for who in ("server", "client"):
        d = base / who
        d.mkdir()
        for name in ("ca-cert.pem", f"{who}-cert.pem", f"{who}-key.pem"):
            (d / name).write_bytes((base / name).read_bytes())
        dirs.append(d)
    return dirs[0], dirs[1]


def test_pull_backup_over_tls(g: Guest, tmp_path: Path) -> None:
    """<server transport='tcp' tls='yes'>: the NBD server takes qemu.conf's
    backup_tls_x509_cert_dir; a client with the CA's certificate reads the
    disk as it was, a client without TLS is turned away."""
    sys.path.insert(0, str(REPO / "tests" / "daemon"))
    from daemons import free_port
    server, client = _certificates(tmp_path)
    conf = Path(g.root) / "etc" / "qemu.conf"
    port = free_port()
    xml = (f"<domainbackup mode='pull'><server transport='tcp' tls='yes' name='localhost' "
           f"port='{port}'/><disks><disk name='vda' type='file'><scratch "
           f"file='{tmp_path}/vda.scratch'/></disk></disks></domainbackup>")
    conf.write_text(f'backup_tls_x509_cert_dir = "{tmp_path}/missing"\n')
    with pytest.raises(libvirtError) as exc:
        g.dom.backupBegin(xml, None)
    assert exc.value.get_error_code() == C.VIR_ERR_CONF_SYNTAX
    assert f"directory '{tmp_path}/missing' does not exist" in str(exc.value)
    assert not os.path.exists(f"{tmp_path}/vda.scratch")
    assert g.dom.jobStats()["type"] == C.VIR_DOMAIN_JOB_NONE

    conf.write_text(f'backup_tls_x509_cert_dir = "{server}"\n')
    try:
        start = g.frozen_copy("tls-start.raw")
        g.dom.backupBegin(xml, None)
        g.dom.resume()
        assert "tls='yes'" in g.dom.backupGetXMLDesc()
        g.wait_counting(last_counter(g.serial) + 2)         # the guest writes on meanwhile
        plain = subprocess.run(["qemu-img", "info", f"nbd://localhost:{port}/vda"],
                               capture_output=True, text=True, check=False)
        assert plain.returncode != 0                        # the server wants TLS
        out = str(tmp_path / "pulled.raw")
        img("convert", "--object", f"tls-creds-x509,id=tls0,endpoint=client,dir={client}",
            "--image-opts", f"driver=nbd,host=localhost,port={port},export=vda,"
            "tls-creds=tls0", "-O", "raw", out)
        assert same(out, start)
        g.done.clear()
        g.dom.abortJob()
        assert g.done.wait(30)
    finally:
        conf.unlink()
    assert not os.path.exists(f"{tmp_path}/vda.scratch")


def test_incremental_backup_across_an_external_snapshot(g: Guest) -> None:
    """A checkpoint made before an external snapshot: its bitmap goes on in the
    overlay (as libvirt's), and an incremental backup from it merges the bitmaps
    of the whole chain, so it holds every cluster written since the checkpoint."""
    full = str(g.base / "xfull.qcow2")
    g.frozen_copy("xfull-start.raw")                      # paused for the backup's start
    g.backup(f"<domainbackup><disks><disk name='vda' type='file'><target file='{full}'/>"
             "</disk></disks></domainbackup>",
             "<domaincheckpoint><name>kx</name></domaincheckpoint>")
    g.wait_counting(last_counter(g.serial) + 2)           # written below the overlay
    overlay = str(g.base / "vda.xsnap")
    snap = g.dom.snapshotCreateXML(f"<domainsnapshot><name>xs</name><disks><disk name='vda'>"
                                   f"<source file='{overlay}'/></disk></disks></domainsnapshot>",
                                   C.VIR_DOMAIN_SNAPSHOT_CREATE_DISK_ONLY)
    # QEMU stores persistent bitmaps in the image when it closes it: ask QEMU
    mon = g.dom._drv.vm_of(g.dom._o).mon
    nodes = {n["file"]: n for n in mon.execute("query-named-block-nodes")
             if n["drv"] == "qcow2"}
    assert [(b["name"], b["persistent"], b["recording"])
            for b in nodes[overlay]["dirty-bitmaps"]] == [("kx", True, True)]
    g.wait_counting(last_counter(g.serial) + 2)           # written into the overlay
    kx = g.dom.checkpointLookupByName("kx")
    assert "<disk name='vda' checkpoint='bitmap' bitmap='kx' size='65536'/>" in \
        kx.getXMLDesc(C.VIR_DOMAIN_CHECKPOINT_XML_SIZE)
    g.dom.suspend()                                        # the disk now, through the overlay
    start = str(g.base / "xinc-start.raw")
    img("convert", "-U", "-O", "raw", overlay, start)
    inc = str(g.base / "xinc.qcow2")
    g.backup(f"<domainbackup><incremental>kx</incremental><disks><disk name='vda' "
             f"type='file'><target file='{inc}'/></disk></disks></domainbackup>")
    assert allocated(inc) == [(0, 65536)], allocated(inc)
    img("rebase", "-u", "-F", "qcow2", "-b", full, inc)
    assert same(inc, start)
    # the checkpoint's bitmaps go from the overlay and, reopened read-write for it
    # (as libvirt does), from the read-only image below, which stays read-only
    kx.delete()
    nodes = {n["file"]: n for n in mon.execute("query-named-block-nodes")
             if n["drv"] == "qcow2"}
    assert not nodes[overlay].get("dirty-bitmaps") and not nodes[g.disk].get("dirty-bitmaps")
    assert nodes[g.disk]["ro"] and not nodes[overlay]["ro"]
    assert g.dom.listAllCheckpoints() == []
    snap.delete()
    assert not os.path.exists(overlay) and f"<source file='{g.disk}'" in g.dom.XMLDesc(0)
