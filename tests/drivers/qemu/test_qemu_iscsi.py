"""A TCG guest with a LUN of an iscsi-direct pool (the session's private tgt target).

The ``<disk type='volume'>`` becomes QEMU's iscsi driver (libiscsi) at start;
the guest reads the LUN's first bytes (written into its backing file before)
and writes a marker that then is in the file.  A second guest uses the LUN
behind CHAP (paused: QEMU logs in when it opens the disk): its password
reaches QEMU only in an encrypted secret object.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "host"))

import tgt
from qemutest_util import file_text, guest_xml, pid_of, wait_for

from pyvirt import constants as C

SECRET = "0c0c0c0c-3333-4222-8333-444444444444"


def _pool(conn: Any, target: Any, name: str, iqn: str, auth: str = "") -> Any:
    host, port = target.portal.split(":")
    return conn.storagePoolCreateXML(
        f"<pool type='iscsi-direct'><name>{name}</name><source><host name='{host}' "
        f"port='{port}'/><device path='{iqn}'/>{auth}<initiator><iqn name='{tgt.INITIATOR}'/>"
        "</initiator></source></pool>", 0)


def _disk(pool: str) -> str:
    return (f"<disk type='volume' device='disk'><driver name='qemu' type='raw'/>"
            f"<source pool='{pool}' volume='unit:0:0:1'/><target dev='vda' bus='virtio'/>"
            "<serial>pyvirt-netdisk</serial></disk>")


def _boot(conn: Any, guest: str, root: str, tmp_path: Any, name: str, pool: str) -> list[str]:
    serial = str(tmp_path / f"{name}.log")
    dom = conn.createXML(guest_xml(guest, name, serial=serial, disks=_disk(pool)), 0)
    try:
        with open(f"/proc/{pid_of(root, name)}/cmdline", "rb") as fh:
            argv = fh.read().decode().split("\0")
        wait_for(lambda: b"PYVIRT-NETDISK-DONE" in file_text(serial),
                 what=f"the guest's I/O (console: {file_text(serial)[-1500:]!r})")
        assert b"PYVIRT-NETDISK-DONE 0" in file_text(serial)
    finally:
        dom.destroy()
    return argv + [file_text(serial).decode(errors="replace")]


def test_guest_reads_and_writes_a_lun(conn: Any, guest: str, root: str, tmp_path: Any,
                                      tgt_target: Any) -> None:
    lun_file = f"{tgt_target.dir}/t1-lun1.img"
    with open(lun_file, "r+b") as fh:
        fh.write(b"HELLO-FROM-THE-TARGET-0123456789")
    pool = _pool(conn, tgt_target, "isc", tgt.TARGET)
    try:
        argv = _boot(conn, guest, root, tmp_path, "iscsi", "isc")
    finally:
        pool.destroy()
    nodes = [json.loads(argv[i + 1]) for i, a in enumerate(argv) if a == "-blockdev"]
    assert {"driver": "iscsi", "portal": tgt_target.portal, "target": tgt.TARGET, "lun": 1,
            "initiator-name": tgt.INITIATOR}.items() <= nodes[0].items()
    assert "PYVIRT-NETDISK-READ HELLO-FROM-THE-TARGET-0123456789" in argv[-1]
    with open(lun_file, "rb") as fh:
        assert fh.read(4096 + 22)[4096:] == b"PYVIRT-NETDISK-WRITTEN"


def test_guest_on_a_chap_lun(conn: Any, guest: str, root: str, tgt_target: Any) -> None:
    sec = conn.secretDefineXML(f"<secret ephemeral='no' private='yes'><uuid>{SECRET}</uuid>"
                               f"<usage type='iscsi'><target>{tgt.CHAP_USER}</target></usage>"
                               "</secret>")
    sec.setValue(tgt.CHAP_PASSWORD.encode())
    auth = f"<auth type='chap' username='{tgt.CHAP_USER}'><secret uuid='{SECRET}'/></auth>"
    pool = _pool(conn, tgt_target, "chap", tgt.CHAP_TARGET, auth)
    try:
        # QEMU logs in to the LUN when it opens the disk: a paused guest is enough
        dom = conn.createXML(guest_xml(guest, "chap", disks=_disk("chap")),
                             C.VIR_DOMAIN_START_PAUSED)
        with open(f"/proc/{pid_of(root, 'chap')}/cmdline", "rb") as fh:
            argv = fh.read().decode().split("\0")
        assert dom.blockStats("vda")[0] >= 0
        dom.destroy()
    finally:
        pool.destroy()
    assert tgt.CHAP_PASSWORD not in " ".join(argv)
    nodes = [json.loads(argv[i + 1]) for i, a in enumerate(argv) if a == "-blockdev"]
    objects = [json.loads(argv[i + 1]) for i, a in enumerate(argv) if a == "-object"]
    assert nodes[0]["user"] == tgt.CHAP_USER
    assert nodes[0]["password-secret"] in {o["id"] for o in objects}
