"""A TCG guest with RBD disks on the session's real Ceph cluster.

One guest boots with two disks on the cluster: a ``<disk type='volume'>`` of
an rbd pool (translated to QEMU's rbd driver at start) and a ``<disk
type='network' protocol='rbd'>`` with ``<auth>``.  The guest reads the
volume's first bytes (written through a vol-upload before) and writes a
marker that ``rbd export`` then finds in the image.  The cephx key reaches
QEMU only encrypted in a secret object: it is not on the command line (nor
in the hot-plugged disk's QMP commands: object-add of an encrypted secret).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from qemutest_util import file_text, guest_xml, pid_of, wait_for

import pyvirt
from pyvirt import constants as C

SECRET = "0c0c0c0c-2222-4222-8333-444444444444"


def _disks(port: int) -> str:
    auth = (f"<auth username='admin'><secret type='ceph' uuid='{SECRET}'/></auth>")
    return (f"<disk type='volume' device='disk'><driver name='qemu' type='raw'/>"
            f"<source pool='ceph' volume='g-vol'/><target dev='vda' bus='virtio'/>"
            f"<serial>pyvirt-netdisk</serial></disk>"
            f"<disk type='network' device='disk'><driver name='qemu' type='raw'/>{auth}"
            f"<source protocol='rbd' name='pyvirt/g-net'><host name='127.0.0.1' "
            f"port='{port}'/></source><target dev='vdb' bus='virtio'/></disk>")


def test_guest_reads_and_writes_rbd_disks(conn: Any, guest: str, root: str, tmp_path: Any,
                                          ceph_cluster: Any) -> None:
    pool = ceph_cluster.start_pool(conn, "ceph", SECRET)
    vol = pool.createXML("<volume><name>g-vol</name><capacity unit='M'>8</capacity>"
                         "</volume>", 0)
    pool.createXML("<volume><name>g-net</name><capacity unit='M'>4</capacity></volume>", 0)
    st = conn.newStream(0)
    vol.upload(st, 0, 0, 0)
    st.send(b"HELLO-FROM-THE-HOST-0123456789AB")
    st.finish()
    serial = str(tmp_path / "serial.log")
    dom = conn.createXML(guest_xml(guest, "rbd", serial=serial,
                                   disks=_disks(ceph_cluster.port)), 0)
    try:
        with open(f"/proc/{pid_of(root, 'rbd')}/cmdline", "rb") as fh:
            argv = fh.read().decode().split("\0")
        assert ceph_cluster.admin_key not in " ".join(argv)
        nodes = [json.loads(argv[i + 1]) for i, a in enumerate(argv) if a == "-blockdev"]
        rbd_nodes = [n for n in nodes if n.get("driver") == "rbd"]
        assert {(n["pool"], n["image"], n["user"]) for n in rbd_nodes} == {
            ("pyvirt", "g-vol", "admin"), ("pyvirt", "g-net", "admin")}
        objects = [json.loads(argv[i + 1]) for i, a in enumerate(argv) if a == "-object"]
        assert {n["key-secret"] for n in rbd_nodes} <= {o["id"] for o in objects}
        wait_for(lambda: b"PYVIRT-NETDISK-DONE" in file_text(serial),
                 what=f"the guest's I/O (console: {file_text(serial)[-1500:]!r})")
        log = file_text(serial)
        assert b"PYVIRT-NETDISK-READ HELLO-FROM-THE-HOST-0123456789AB" in log
        assert b"PYVIRT-NETDISK-DONE 0" in log
        assert "<source pool='ceph' volume='g-vol'" in dom.XMLDesc(0)
        image = ceph_cluster.run_bytes("rbd", "export", "--no-progress", "pyvirt/g-vol", "-")
        assert image[4096:4096 + 22] == b"PYVIRT-NETDISK-WRITTEN"
        # hot-plug: the secret object goes in before the rbd node
        pool.createXML("<volume><name>g-hot</name><capacity unit='M'>4</capacity>"
                       "</volume>", 0)
        dom.attachDeviceFlags("<disk type='volume' device='disk'><driver name='qemu' "
                              "type='raw'/><source pool='ceph' volume='g-hot'/>"
                              "<target dev='vdc' bus='virtio'/></disk>",
                              C.VIR_DOMAIN_AFFECT_LIVE)
        assert dom.blockStats("vdc")[0] >= 0
        # the running guest holds the image open: Ceph refuses to remove it
        with pytest.raises(pyvirt.libvirtError) as err:
            vol.delete(0)
        assert err.value.get_error_code() == C.VIR_ERR_SYSTEM_ERROR
        assert "failed to remove volume 'pyvirt/g-vol'" in str(err.value)
        assert sorted(v for v in pool.listVolumes() if v.startswith("g-")) == [
            "g-hot", "g-net", "g-vol"]
    finally:
        dom.destroy()
    for name in ("g-vol", "g-net", "g-hot"):
        pool.storageVolLookupByName(name).delete(0)
    pool.destroy()


def test_rbd_disk_with_a_missing_secret(conn: Any, guest: str, ceph_cluster: Any) -> None:
    with pytest.raises(pyvirt.libvirtError) as err:
        conn.createXML(guest_xml(guest, "nosecret", disks=_disks(ceph_cluster.port).split(
            "</disk>", 1)[1]), C.VIR_DOMAIN_START_PAUSED)
    assert err.value.get_error_code() == C.VIR_ERR_NO_SECRET
    assert conn.listAllDomains(0) == []
