"""``<pool type='iscsi'>`` (the kernel's initiator): refused clearly where the kernel has
none; the iscsiadm command lines it runs, as data, are libvirt's (viriscsi.c)."""

from __future__ import annotations

from pathlib import Path

import pytest

import pyvirt
from pyvirt import constants as C
from pyvirt.conf.storage_pool import StoragePoolDef
from pyvirt.drivers.storage.backends import iscsi

XML = ("<pool type='iscsi'><name>k</name><source><host name='192.0.2.7' port='3261'/>"
       "<device path='iqn.2026-12.org.pyvirt:disks'/><initiator>"
       "<iqn name='iqn.2026-12.org.pyvirt:initiator'/></initiator></source>"
       "<target><path>/dev/disk/by-path</path></target></pool>")


def test_iscsiadm_command_lines() -> None:
    pool = StoragePoolDef.parse(XML)
    portal = "192.0.2.7:3261,1"
    assert iscsi.portal(pool) == portal
    assert iscsi.discovery_argv(portal) == [
        "iscsiadm", "--mode", "discovery", "--type", "sendtargets", "--portal", portal,
        "--op", "nonpersistent"]
    assert iscsi.login_argv(pool, "libvirt-iface-0000002a") == [
        "iscsiadm", "--mode", "node", "--portal", portal, "--targetname",
        "iqn.2026-12.org.pyvirt:disks", "--login", "--interface", "libvirt-iface-0000002a"]
    assert iscsi.logout_argv(pool) == [
        "iscsiadm", "--mode", "node", "--portal", portal, "--targetname",
        "iqn.2026-12.org.pyvirt:disks", "--logout"]
    assert iscsi.iface_list_argv() == ["iscsiadm", "--mode", "iface"]
    assert iscsi.iface_create_argvs("if0", "iqn.x:y") == [
        ["iscsiadm", "--mode", "iface", "--interface", "if0", "--op", "new"],
        ["iscsiadm", "--mode", "iface", "--interface", "if0", "--op", "update", "--name",
         "iface.initiatorname", "--value", "iqn.x:y"]]
    assert iscsi.chap_argvs(portal, "iqn.t", "u", "p")[2] == [
        "iscsiadm", "--mode", "node", "--portal", portal, "--target", "iqn.t", "--op",
        "update", "--name", "node.session.auth.password", "--value", "p"]
    assert iscsi.session_argv() == ["iscsiadm", "--mode", "session"]
    assert iscsi.rescan_argv("3") == ["iscsiadm", "--mode", "session", "-r", "3", "-R"]
    v6 = StoragePoolDef.parse(XML.replace("192.0.2.7", "2001:db8::7"))
    assert iscsi.portal(v6) == "[2001:db8::7]:3261,1"


def test_kernel_initiator_check(tmp_path: Path) -> None:
    sysfs, mods = tmp_path / "sys", tmp_path / "modules"
    (sysfs / "module").mkdir(parents=True)
    mods.mkdir()
    why = iscsi.kernel_initiator(str(sysfs), str(mods))
    assert why is not None and "scsi_transport_iscsi and iscsi_tcp" in why
    (mods / "modules.dep").write_text(
        "kernel/drivers/scsi/scsi_transport_iscsi.ko:\n"
        "kernel/drivers/scsi/iscsi_tcp.ko: kernel/drivers/scsi/libiscsi_tcp.ko\n")
    assert iscsi.kernel_initiator(str(sysfs), str(mods)) is None
    (sysfs / "class" / "iscsi_transport").mkdir(parents=True)
    assert iscsi.kernel_initiator(str(sysfs), str(tmp_path / "none")) is None


def test_pool_start_names_the_missing_piece(conn: pyvirt.virConnect) -> None:
    why = iscsi.kernel_initiator()
    if why is None:
        pytest.skip("this kernel has an iSCSI initiator")
    pool = conn.storagePoolDefineXML(XML, 0)
    with pytest.raises(pyvirt.libvirtError) as err:
        pool.create(0)
    assert err.value.get_error_code() == C.VIR_ERR_OPERATION_UNSUPPORTED
    assert "has no iSCSI initiator" in str(err.value) and "iscsi_tcp" in str(err.value)
    assert "iscsi-direct" in str(err.value)
    assert pool.isActive() == 0
    with pytest.raises(pyvirt.libvirtError):
        conn.storagePoolCreateXML(XML.replace("<name>k</name>", "<name>k2</name>"), 0)
    assert [p.name() for p in conn.listAllStoragePools(0)] == ["k"]
