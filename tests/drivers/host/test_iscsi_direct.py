"""iscsi-direct pools against Debian's tgt userspace target, and side by side with libvirt.

The target (the session's ``tgt_target``: one target with two LUNs open to
all, one with a LUN behind CHAP) runs on 127.0.0.1.  pyvirt logs in with
libiscsi as libvirt's backend does; Debian's libvirtd 9.0 (private, on the
host's network to reach the target) runs the same script, and pool/volume
XML, infos and errors must be the same.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import tgt
from hostutil import side_by_side

import pyvirt
from pyvirt import constants as C

SCRIPT = str(Path(__file__).with_name("iscsi_compare_script.py"))


def _args(target: Any) -> list[str]:
    return [target.portal, tgt.TARGET, tgt.CHAP_TARGET, tgt.INITIATOR, tgt.CHAP_USER,
            tgt.CHAP_PASSWORD]


def test_luns_are_volumes(conn: pyvirt.virConnect, tgt_target: Any) -> None:
    host, port = tgt_target.portal.split(":")
    pool = conn.storagePoolCreateXML(
        f"<pool type='iscsi-direct'><name>isc</name><source><host name='{host}' "
        f"port='{port}'/><device path='{tgt.TARGET}'/><initiator><iqn name='{tgt.INITIATOR}'/>"
        "</initiator></source></pool>", 0)
    try:
        assert sorted(pool.listVolumes()) == ["unit:0:0:0", "unit:0:0:1", "unit:0:0:2"]
        lun2 = pool.storageVolLookupByName("unit:0:0:2")
        # READ CAPACITY's last block address times 512, as libvirt counts
        assert lun2.info() == [C.VIR_STORAGE_VOL_NETWORK, (32 << 20) - 512, (32 << 20) - 512]
        assert lun2.path() == f"ip-{tgt_target.portal}-iscsi-{tgt.TARGET}-lun-2"
        assert conn.storageVolLookupByPath(lun2.path()).name() == "unit:0:0:2"
        # a LUN added to the target behind pyvirt's back shows up on refresh
        path = f"{tgt_target.dir}/t1-lun3.img"
        with open(path, "wb") as fh:
            fh.truncate(4 << 20)
        tgt_target.admin("--op", "new", "--mode", "logicalunit", "--tid", "1", "--lun", "3",
                         "-b", path)
        try:
            pool.refresh(0)
            assert "unit:0:0:3" in pool.listVolumes()
            assert pool.info()[1] == sum(pool.storageVolLookupByName(n).info()[1]
                                         for n in pool.listVolumes())
        finally:
            tgt_target.admin("--op", "delete", "--mode", "logicalunit", "--tid", "1",
                             "--lun", "3")
        with pytest.raises(pyvirt.libvirtError) as err:
            lun2.delete(0)
        assert err.value.get_error_code() == C.VIR_ERR_NO_SUPPORT
    finally:
        pool.destroy()


def test_same_xml_infos_and_errors_as_libvirt(tmp_path: Path, tgt_target: Any) -> None:
    ref, got = side_by_side(tmp_path, SCRIPT, lambda module, uri: [
        module, uri, *_args(tgt_target)])
    assert ref["chap volumes"] == ["unit:0:0:0", "unit:0:0:1"]
    assert "Target not found" in ref["unknown target"][2]
    assert ref.keys() == got.keys()
    for key in sorted(ref):
        assert got[key] == ref[key], key
