"""What a QEMU driver refuses while a backup or a block job runs, and undefine
with snapshots and checkpoints: one scenario for libvirt 9.0 (through Debian's
python3-libvirt, tests/reference/capture_moments.py) and for pyvirt
(tests/drivers/qemu/test_qemu_backup.py), which must answer alike.

Only the connection's and the domain's methods are used, so either library runs it.
"""
import time
from typing import Any

# VIR_DOMAIN_SNAPSHOT_CREATE_DISK_ONLY, VIR_DOMAIN_BLOCK_COPY_TRANSIENT_JOB,
# VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA, VIR_DOMAIN_UNDEFINE_CHECKPOINTS_METADATA
DISK_ONLY, TRANSIENT_JOB, SNAPSHOTS, CHECKPOINTS = 16, 4, 2, 16
UUID = "5d3c1b7e-2f4a-4c1e-9b8d-0a6e3f7c2d19"


def attempt(out: dict, key: str, call: Any) -> None:
    """``out[key]``: 'ok', or the error's [code, domain, message]."""
    try:
        call()
        out[key] = "ok"
    except Exception as exc:  # noqa: BLE001 - the libvirtError of either library
        out[key] = [exc.get_error_code(), exc.get_error_domain(), str(exc)]


def moments(dom: Any) -> list:
    return [sorted(s.getName() for s in dom.listAllSnapshots(0)),
            sorted(c.getName() for c in dom.listAllCheckpoints(0))]


def exclusions(conn: Any, xml: str, base: str) -> dict:
    """The scenario; ``xml`` defines a domain with qcow2 disks vda and vdb."""
    out: dict = {}
    # a fixed uuid: the last answer ('no domain with matching uuid') names it
    dom = conn.defineXML(xml.replace("</name>", f"</name><uuid>{UUID}</uuid>", 1))
    dom.createWithFlags(1)                      # paused: nothing needs to boot
    try:
        dom.snapshotCreateXML("<domainsnapshot><name>s0</name></domainsnapshot>", 0)
        dom.checkpointCreateXML("<domaincheckpoint><name>k0</name></domaincheckpoint>", 0)
        attempt(out, "checkpoint-quiesce", lambda: dom.checkpointCreateXML(
            "<domaincheckpoint><name>kq</name></domaincheckpoint>", 2))
        for name in ("d-backup", "d-copy"):         # one to delete in each phase
            dom.snapshotCreateXML(f"<domainsnapshot><name>{name}</name></domainsnapshot>", 0)
        dom.snapshotCreateXML(f"<domainsnapshot><name>x0</name><disks><disk name='vda' "
                              f"snapshot='no'/><disk name='vdb'><source file='{base}/x0'/>"
                              "</disk></disks></domainsnapshot>", DISK_ONLY)

        def cases(phase: str) -> list:
            ext = (f"<domainsnapshot><name>x-{phase}</name><disks><disk name='vda'><source "
                   f"file='{base}/x-{phase}'/></disk><disk name='vdb' snapshot='no'/></disks>"
                   "</domainsnapshot>")
            return [
                ("snapshot-external", lambda: dom.snapshotCreateXML(ext, DISK_ONLY)),
                ("snapshot-internal", lambda: dom.snapshotCreateXML(
                    f"<domainsnapshot><name>i-{phase}</name></domainsnapshot>", 0)),
                ("revert", lambda: dom.revertToSnapshot(dom.snapshotLookupByName("s0"), 0)),
                ("snapshot-delete", lambda: dom.snapshotLookupByName(f"d-{phase}").delete(0)),
                ("backup", lambda: dom.backupBegin(
                    f"<domainbackup><disks><disk name='vda' type='file'><target "
                    f"file='{base}/b-{phase}'/></disk><disk name='vdb' backup='no'/></disks>"
                    "</domainbackup>", None, 0)),
                ("checkpoint-create", lambda: dom.checkpointCreateXML(
                    f"<domaincheckpoint><name>k-{phase}</name></domaincheckpoint>", 0)),
                ("checkpoint-delete", lambda: dom.checkpointLookupByName(f"k-{phase}").delete(0)),
            ]

        dom.backupBegin(f"<domainbackup mode='pull'><server transport='unix' "
                        f"socket='{base}/nbd.sock'/><disks><disk name='vda' type='file'>"
                        f"<scratch file='{base}/s.qcow2'/></disk><disk name='vdb' backup='no'/>"
                        "</disks></domainbackup>", None, 0)
        for key, call in cases("backup"):
            attempt(out, "during backup: " + key, call)
        attempt(out, "during backup: block copy", lambda: dom.blockCopy(
            "vda", f"<disk type='file'><source file='{base}/copy'/><driver type='qcow2'/></disk>",
            None, TRANSIENT_JOB))
        out["during backup: moments"] = moments(dom)
        dom.abortJob()
        time.sleep(1)
        dom.blockCopy("vda", f"<disk type='file'><source file='{base}/copy2'/>"
                      "<driver type='qcow2'/></disk>", None, TRANSIENT_JOB)
        for key, call in cases("copy"):
            attempt(out, "during block copy: " + key, call)
        attempt(out, "during block copy: external snapshot delete",
                lambda: dom.snapshotLookupByName("x0").delete(0))
        out["during block copy: moments"] = moments(dom)
        dom.blockJobAbort("vda", 0)
        time.sleep(1)
    finally:
        dom.destroy()
    for key, flags in (("undefine", 0), ("undefine with checkpoints", CHECKPOINTS),
                       ("undefine with snapshots", SNAPSHOTS),
                       ("undefine with both", SNAPSHOTS | CHECKPOINTS)):
        attempt(out, key, lambda flags=flags: dom.undefineFlags(flags))
        attempt(out, f"after {key}", lambda: out.setdefault("moments", []).append(moments(dom)))
    return out
