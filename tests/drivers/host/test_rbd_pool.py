"""rbd pools against a real Ceph cluster: pyvirt's own checks, then side by side with libvirt.

The cluster (one mon, one mgr, one bluestore OSD on 127.0.0.1, cephx on) is
the session's ``ceph_cluster``.  Side by side, Debian's libvirtd 9.0 (private,
in its own mount namespace, on the host's network so that it reaches the
cluster) runs the same script as pyvirt: pool and volume XML, infos and
errors must be the same, but for what pyvirt does on purpose otherwise:

- volume upload/download: libvirt 9.0's rbd backend has none, pyvirt has;
- a volume name with '/': libvirt 9.0 makes an image that its own
  ``<disk>`` name syntax POOL/IMAGE cannot address; pyvirt refuses it as it
  does in every pool;
- errno texts of a refused cephx key and of deleting an image with
  snapshots: librados/librbd give them, the Python bindings map them
  differently from libvirt's C calls (code, domain and message are the same).
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest
from hostutil import side_by_side

import pyvirt
from pyvirt import constants as C

SCRIPT = str(Path(__file__).with_name("rbd_compare_script.py"))
SECRET = "0c0c0c0c-1111-4222-8333-444444444444"
# a malformed key: refused at once (a well-formed unknown one waits for the 30 s timeout)
WRONG_KEY = base64.b64encode(b"\x01" * 16).decode()


def _pool_xml(ceph: Any, name: str = "ceph", secret: str = SECRET, source: str = "pyvirt") -> str:
    return str(ceph.pool_xml(name, secret, source))


def _vol(name: str, mib: int) -> str:
    return f"<volume><name>{name}</name><capacity unit='M'>{mib}</capacity></volume>"


@pytest.fixture
def rbd_pool(conn: pyvirt.virConnect, ceph_cluster: Any) -> Any:
    pool = ceph_cluster.start_pool(conn, "ceph", SECRET)
    yield pool
    for vol in pool.listAllVolumes(0):
        if vol.name().startswith("t-"):
            vol.delete(C.VIR_STORAGE_VOL_DELETE_WITH_SNAPSHOTS)
    pool.destroy()


def _images(ceph: Any) -> list[str]:
    return sorted(n for n in json.loads(ceph.run("rbd", "ls", "pyvirt", "--format", "json"))
                  if n.startswith("t-"))


def test_volumes_are_rbd_images(conn: pyvirt.virConnect, rbd_pool: Any,
                                ceph_cluster: Any) -> None:
    vol = rbd_pool.createXML(_vol("t-a", 8), 0)
    assert _images(ceph_cluster) == ["t-a"]
    info = json.loads(ceph_cluster.run("rbd", "info", "pyvirt/t-a", "--format", "json"))
    assert info["size"] == 8 << 20 and info["format"] == 2
    assert vol.info() == [C.VIR_STORAGE_VOL_NETWORK, 8 << 20, 8 << 20]
    assert vol.path() == vol.key() == "pyvirt/t-a"
    # an image made behind pyvirt's back shows up on refresh
    ceph_cluster.run("rbd", "create", "--size", "4M", "pyvirt/t-side")
    rbd_pool.refresh(0)
    assert sorted(n for n in rbd_pool.listVolumes() if n.startswith("t-")) == ["t-a", "t-side"]
    state, cap, _alloc, avail = rbd_pool.info()
    df = json.loads(ceph_cluster.run("ceph", "df", "--format", "json"))["stats"]
    assert state == C.VIR_STORAGE_POOL_RUNNING and cap == df["total_bytes"]
    assert 0 < avail <= cap
    # data written through a stream is in the image, and comes back
    data = bytes(range(256)) * 8192
    st = conn.newStream(0)
    vol.upload(st, 1 << 20, 0, 0)
    st.send(data)
    st.finish()
    exported = ceph_cluster.run_bytes("rbd", "export", "--no-progress", "pyvirt/t-a", "-")
    assert exported[1 << 20:(1 << 20) + len(data)] == data
    st = conn.newStream(0)
    vol.download(st, 1 << 20, len(data), 0)
    got = b""
    while chunk := st.recv(1 << 20):
        got += chunk
    st.finish()
    assert got == data
    # an upload beyond the image's end fails and the stream says so
    st = conn.newStream(0)
    vol.upload(st, (8 << 20) - 10, 0, 0)
    with pytest.raises(pyvirt.libvirtError, match="beyond the end"):
        st.send(b"x" * 100)
    st.abort()
    # clone (COW through a protected snapshot), grow, delete
    clone = rbd_pool.createXMLFrom(_vol("t-b", 16), vol, 0)
    assert clone.info()[1] == 16 << 20
    cinfo = json.loads(ceph_cluster.run("rbd", "info", "pyvirt/t-b", "--format", "json"))
    assert cinfo["parent"]["image"] == "t-a"
    vol.resize(32 << 20, 0)
    assert vol.info()[1] == 32 << 20
    clone.delete(0)
    vol.delete(C.VIR_STORAGE_VOL_DELETE_WITH_SNAPSHOTS)
    assert _images(ceph_cluster) == ["t-side"]


def test_bad_input_leaves_nothing(conn: pyvirt.virConnect, rbd_pool: Any,
                                  ceph_cluster: Any) -> None:
    with pytest.raises(pyvirt.libvirtError) as err:
        rbd_pool.createXML(_vol("t-x/y", 1), 0)
    assert err.value.get_error_code() == C.VIR_ERR_OPERATION_INVALID
    with pytest.raises(pyvirt.libvirtError) as err:
        conn.storagePoolLookupByName("nope")
    assert err.value.get_error_code() == C.VIR_ERR_NO_STORAGE_POOL
    with pytest.raises(pyvirt.libvirtError) as err:
        rbd_pool.storageVolLookupByName("t-missing")
    assert err.value.get_error_code() == C.VIR_ERR_NO_STORAGE_VOL
    wrong = "0c0c0c0c-1111-4222-8333-555555555555"
    sec = conn.secretDefineXML(f"<secret ephemeral='no' private='no'><uuid>{wrong}</uuid>"
                               "<usage type='ceph'><name>wrong</name></usage></secret>")
    sec.setValue(base64.b64decode(WRONG_KEY))
    with pytest.raises(pyvirt.libvirtError, match="failed to connect to the RADOS monitor"):
        conn.storagePoolCreateXML(_pool_xml(ceph_cluster, "wrong", wrong), 0)
    with pytest.raises(pyvirt.libvirtError, match="Does the pool 'nope' exist"):
        conn.storagePoolCreateXML(_pool_xml(ceph_cluster, "nopool", source="nope"), 0)
    assert sorted(p.name() for p in conn.listAllStoragePools(0)) == ["ceph"]
    assert _images(ceph_cluster) == []


def test_same_xml_infos_and_errors_as_libvirt(tmp_path: Path, ceph_cluster: Any) -> None:
    ref, got = side_by_side(tmp_path, SCRIPT, lambda module, uri: [
        module, uri, ceph_cluster.host, ceph_cluster.admin_key,
        "lv-" if module == "libvirt" else "pv-", WRONG_KEY])
    assert ref["upload"][0] == C.VIR_ERR_NO_SUPPORT and got["upload"] == "ok"
    assert got["download == upload"] is True
    assert ref["vol name with slash"] == "ok"
    assert got["vol name with slash"][0] == C.VIR_ERR_OPERATION_INVALID
    for key in ("upload", "download == upload", "vol name with slash"):
        del ref[key], got[key]
    assert ref.keys() == got.keys()
    for key in sorted(ref):
        assert got[key] == ref[key], key


def test_unreachable_monitor(conn: pyvirt.virConnect, rbd_pool: Any, ceph_cluster: Any,
                             monkeypatch: pytest.MonkeyPatch) -> None:
    """No monitor at the address: libvirt's error once the mount timeout (libvirt's 30 s,
    3 s here) has passed, and no pool left."""
    from pyvirt.drivers.storage.backends import rbd
    monkeypatch.setattr(rbd, "TIMEOUT", "3")
    xml = ceph_cluster.pool_xml("unreachable", SECRET).replace(
        f"port='{ceph_cluster.port}'", "port='1'")
    with pytest.raises(pyvirt.libvirtError) as err:
        conn.storagePoolCreateXML(xml, 0)
    assert err.value.get_error_code() == C.VIR_ERR_SYSTEM_ERROR
    assert str(err.value).startswith("failed to connect to the RADOS monitor on: 127.0.0.1:1,")
    assert sorted(p.name() for p in conn.listAllStoragePools(0)) == ["ceph"]
