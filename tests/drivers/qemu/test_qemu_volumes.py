"""Guests with ``<disk type='volume'>``: the storage driver of the root gives the file.

Real QEMU (TCG, paused guests: the disks only need to be opened) and real
qcow2 images made by the storage driver.
"""

from __future__ import annotations

import json
import os
from typing import Any

import pytest
from qemutest_util import guest_xml, pid_of

import pyvirt
from pyvirt import constants as C
from pyvirt.errors import libvirtError


def _pool(conn: Any, path: str) -> Any:
    pool = conn.storagePoolCreateXML(
        f"<pool type='dir'><name>p</name><target><path>{path}</path></target></pool>",
        C.VIR_STORAGE_POOL_CREATE_WITH_BUILD)
    for name, fmt in (("boot.qcow2", "qcow2"), ("extra.img", "raw")):
        pool.createXML(f"<volume><name>{name}</name><capacity unit='MiB'>16</capacity>"
                       f"<target><format type='{fmt}'/></target></volume>", 0)
    return pool


def _vol_disk(vol: str, dev: str, fmt: str, pool: str = "p") -> str:
    return (f"<disk type='volume' device='disk'><driver name='qemu' type='{fmt}'/>"
            f"<source pool='{pool}' volume='{vol}'/><target dev='{dev}' bus='virtio'/></disk>")


def _blockdevs(conn: Any, root: str, name: str) -> list[dict]:
    with open(f"/proc/{pid_of(root, name)}/cmdline", "rb") as f:
        argv = f.read().decode().split("\0")
    return [json.loads(argv[i + 1]) for i, a in enumerate(argv) if a == "-blockdev"]


def test_volume_disks_start_and_hotplug(conn: Any, guest: str, root: str,
                                        tmp_path: Any) -> None:
    images = str(tmp_path / "images")
    pool = _pool(conn, images)
    dom = conn.createXML(guest_xml(guest, "vols", disks=_vol_disk("boot.qcow2", "vda",
                                                                  "qcow2")),
                         C.VIR_DOMAIN_START_PAUSED)
    nodes = _blockdevs(conn, root, "vols")
    assert {"driver": "file", "filename": f"{images}/boot.qcow2"}.items() <= nodes[0].items()
    assert nodes[1]["driver"] == "qcow2"
    live = dom.XMLDesc(0)
    assert "<source pool='p' volume='boot.qcow2'" in live      # the XML keeps the volume
    assert dom.blockStats("vda")[0] >= 0
    dom.attachDeviceFlags(_vol_disk("extra.img", "vdb", "raw"), C.VIR_DOMAIN_AFFECT_LIVE)
    assert "volume='extra.img'" in dom.XMLDesc(0)
    assert dom.blockStats("vdb")[0] >= 0
    with pytest.raises(libvirtError) as exc:
        dom.attachDeviceFlags(_vol_disk("nope.img", "vdc", "raw"), C.VIR_DOMAIN_AFFECT_LIVE)
    assert exc.value.get_error_code() == C.VIR_ERR_NO_STORAGE_VOL
    assert "vdc" not in dom.XMLDesc(0)
    # libvirt's storage driver does not know which guests use a volume: deleting works
    pool.storageVolLookupByName("extra.img").delete(0)
    assert not os.path.exists(f"{images}/extra.img")
    dom.destroy()


def test_volume_disk_of_a_missing_or_stopped_pool(conn: Any, guest: str, root: str,
                                                  tmp_path: Any) -> None:
    xml = guest_xml(guest, "novol", disks=_vol_disk("boot.qcow2", "vda", "qcow2", "q"))
    dom = conn.defineXML(xml)
    with pytest.raises(libvirtError) as exc:
        dom.createWithFlags(C.VIR_DOMAIN_START_PAUSED)
    assert exc.value.get_error_code() == C.VIR_ERR_NO_STORAGE_POOL
    pool = conn.storagePoolDefineXML(f"<pool type='dir'><name>q</name><target><path>"
                                     f"{tmp_path / 'q'}</path></target></pool>", 0)
    pool.create(C.VIR_STORAGE_POOL_CREATE_WITH_BUILD)
    pool.createXML("<volume><name>boot.qcow2</name><capacity unit='MiB'>8</capacity>"
                   "<target><format type='qcow2'/></target></volume>", 0)
    pool.destroy()
    with pytest.raises(libvirtError) as exc:
        dom.createWithFlags(C.VIR_DOMAIN_START_PAUSED)
    assert exc.value.get_error_code() == C.VIR_ERR_OPERATION_INVALID
    assert str(exc.value) == ("Requested operation is not valid: storage pool 'q' "
                              "containing volume 'boot.qcow2' is not active")
    assert dom.isActive() == 0
    pool.create(0)
    dom.createWithFlags(C.VIR_DOMAIN_START_PAUSED)
    assert dom.isActive() == 1
    dom.destroy()


def test_volume_disk_after_the_driver_reopens(guest: str, root: str, tmp_path: Any) -> None:
    images = str(tmp_path / "images")
    uri = f"qemu:///embed?root={root}"
    conn = pyvirt.open(uri)
    try:
        _pool(conn, images)
        dom = conn.createXML(guest_xml(guest, "again", disks=_vol_disk("boot.qcow2", "vda",
                                                                       "qcow2")),
                             C.VIR_DOMAIN_START_PAUSED)
        assert dom.blockStats(f"{images}/boot.qcow2")[0] >= 0
    finally:
        conn.close()                      # the guest keeps running without a driver
    conn = pyvirt.open(uri)
    try:
        dom = conn.lookupByName("again")
        assert dom.isActive() == 1
        # the storage driver took its running pool back and resolves the volume again
        assert dom.blockStats(f"{images}/boot.qcow2")[0] >= 0
        dom.destroy()
    finally:
        conn.close()


def test_domxml_to_native_resolves_volume_disks(conn: Any, guest: str, tmp_path: Any) -> None:
    images = str(tmp_path / "images")
    _pool(conn, images)
    xml = guest_xml(guest, "native", disks=_vol_disk("boot.qcow2", "vda", "qcow2"))
    argv = conn.domainXMLToNative("qemu-argv", xml, 0)
    assert f'"filename":"{images}/boot.qcow2"' in argv.replace(" ", "")
    with pytest.raises(libvirtError) as exc:
        conn.domainXMLToNative("qemu-argv", xml.replace("boot.qcow2", "gone.qcow2"), 0)
    assert exc.value.get_error_code() == C.VIR_ERR_NO_STORAGE_VOL
