"""The storage driver of a qemu:///embed root: dir pools and file volumes, for real.

Files are made under pytest's temporary directory; images are checked with
the real ``qemu-img``.
"""

from __future__ import annotations

import json
import os
import subprocess
import threading
from pathlib import Path

import pytest
from hostutil import code
from waiting import run_event_loop_until

import pyvirt
from pyvirt import constants as C
from pyvirt.drivers import hostroot

pytestmark = pytest.mark.skipif(not os.path.exists("/usr/bin/qemu-img"),
                                reason="qemu-img is not installed")


def pool_xml(name: str, path: Path) -> str:
    return f"<pool type='dir'><name>{name}</name><target><path>{path}</path></target></pool>"


def vol_xml(name: str, mib: int, fmt: str = "raw", alloc: int | None = None,
            backing: str = "") -> str:
    a = f"<allocation>{alloc}</allocation>" if alloc is not None else ""
    return (f"<volume><name>{name}</name><capacity unit='MiB'>{mib}</capacity>{a}"
            f"<target><format type='{fmt}'/></target>{backing}</volume>")


def img_info(path: str) -> dict:
    out = subprocess.run(["qemu-img", "info", "--output=json", "-U", path], check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out)





@pytest.fixture
def pool(conn: pyvirt.virConnect, tmp_path: Path) -> pyvirt.virStoragePool:
    p = conn.storagePoolDefineXML(pool_xml("p", tmp_path / "images"), 0)
    p.build(0)
    p.create(0)
    return p


# --- the host root -------------------------------------------------------------------------

def test_connections_of_a_root_share_one_storage_driver(uri: str, tmp_path: Path) -> None:
    a, b = pyvirt.open(uri), pyvirt.open(uri)
    other = pyvirt.open(f"qemu:///embed?root={tmp_path / 'other'}")
    try:
        assert a._stor is b._stor
        assert other._stor is not a._stor
        a.storagePoolDefineXML(pool_xml("shared", tmp_path / "s"), 0)
        assert b.listDefinedStoragePools() == ["shared"]
        assert other.listDefinedStoragePools() == []
        drv = a._stor
    finally:
        a.close()
    root = drv.root
    assert hostroot.current("storage", root) is drv       # b still holds it
    b.close()
    assert hostroot.current("storage", root) is None       # the last one closed it
    other.close()


def test_state_files_follow_libvirts_layout(uri: str, tmp_path: Path) -> None:
    root = tmp_path / "root"
    with pyvirt.open(uri) as c:
        p = c.storagePoolDefineXML(pool_xml("p", tmp_path / "images"), 0)
        p.setAutostart(1)
        p.create(C.VIR_STORAGE_POOL_CREATE_WITH_BUILD)
        cfg = root / "etc" / "storage" / "p.xml"
        assert "<name>p</name>" in cfg.read_text()
        assert "<capacity" not in cfg.read_text() or "<capacity unit='bytes'>0<" in \
            cfg.read_text()
        link = root / "etc" / "storage" / "autostart" / "p.xml"
        assert link.is_symlink() and os.readlink(link) == str(cfg)
        status = (root / "run" / "storage" / "p.xml").read_text()
        assert status.startswith("<poolstate>\n  <pool type='dir'>")
        assert (tmp_path / "images").is_dir()
        p.destroy()
        assert not (root / "run" / "storage" / "p.xml").exists()
        p.setAutostart(0)
        assert not link.exists()


def test_running_pools_and_autostart_come_back_after_reopen(uri: str, tmp_path: Path) -> None:
    with pyvirt.open(uri) as c:
        p = c.storagePoolDefineXML(pool_xml("auto", tmp_path / "a"), 0)
        p.build(0)
        p.setAutostart(1)
        run = c.storagePoolDefineXML(pool_xml("run", tmp_path / "r"), 0)
        run.create(C.VIR_STORAGE_POOL_CREATE_WITH_BUILD)
        run.createXML(vol_xml("d.img", 1), 0)
        c.storagePoolCreateXML(pool_xml("trans", tmp_path / "t"),
                               C.VIR_STORAGE_POOL_CREATE_WITH_BUILD)
        c.storagePoolDefineXML(pool_xml("idle", tmp_path / "i"), 0)
    with pyvirt.open(uri) as c:
        active = {p.name(): p.isPersistent() for p in
                  c.listAllStoragePools(C.VIR_CONNECT_LIST_STORAGE_POOLS_ACTIVE)}
        assert active == {"auto": 1, "run": 1, "trans": 0}
        assert c.listDefinedStoragePools() == ["idle"]
        assert c.storagePoolLookupByName("run").listVolumes() == ["d.img"]
        assert c.storagePoolLookupByName("auto").autostart() == 1


def test_list_all_flags(conn: pyvirt.virConnect, tmp_path: Path) -> None:
    a = conn.storagePoolDefineXML(pool_xml("a", tmp_path / "a"), 0)
    a.create(C.VIR_STORAGE_POOL_CREATE_WITH_BUILD)
    a.setAutostart(1)
    conn.storagePoolDefineXML(pool_xml("b", tmp_path / "b"), 0)
    conn.storagePoolCreateXML(pool_xml("c", tmp_path / "c"), C.VIR_STORAGE_POOL_CREATE_WITH_BUILD)

    def names(flags: int) -> list[str]:
        return sorted(p.name() for p in conn.listAllStoragePools(flags))

    assert names(0) == ["a", "b", "c"]
    assert names(C.VIR_CONNECT_LIST_STORAGE_POOLS_ACTIVE) == ["a", "c"]
    assert names(C.VIR_CONNECT_LIST_STORAGE_POOLS_INACTIVE) == ["b"]
    assert names(C.VIR_CONNECT_LIST_STORAGE_POOLS_TRANSIENT) == ["c"]
    assert names(C.VIR_CONNECT_LIST_STORAGE_POOLS_AUTOSTART) == ["a"]
    assert names(C.VIR_CONNECT_LIST_STORAGE_POOLS_DIR) == ["a", "b", "c"]
    assert names(C.VIR_CONNECT_LIST_STORAGE_POOLS_LOGICAL) == []
    with pytest.raises(pyvirt.libvirtError) as exc:
        conn.listAllStoragePools(1 << 30)
    assert code(exc) == (C.VIR_ERR_INVALID_ARG, C.VIR_FROM_STORAGE)


# --- pools -----------------------------------------------------------------------------------

def test_pool_lifecycle_and_events(conn: pyvirt.virConnect, tmp_path: Path) -> None:
    seen: list[tuple[str, int]] = []
    pyvirt.virEventRegisterDefaultImpl()
    cb = conn.storagePoolEventRegisterAny(None, C.VIR_STORAGE_POOL_EVENT_ID_LIFECYCLE,
                                          lambda c, p, ev, det, op: seen.append((p.name(), ev)),
                                          None)
    path = tmp_path / "lc"
    p = conn.storagePoolDefineXML(pool_xml("lc", path), 0)
    with pytest.raises(pyvirt.libvirtError) as exc:
        p.create(0)                                  # not built: the directory is missing
    assert code(exc) == (C.VIR_ERR_SYSTEM_ERROR, C.VIR_FROM_NONE)
    assert f"cannot open directory '{path}'" in str(exc.value)
    p.build(0)
    assert oct(path.stat().st_mode & 0o777) == "0o711"
    p.create(0)
    assert p.isActive() == 1
    info = p.info()
    vfs = os.statvfs(path)
    assert info[0] == C.VIR_STORAGE_POOL_RUNNING and info[1] == vfs.f_frsize * vfs.f_blocks
    assert "<mode>0711</mode>" in p.XMLDesc(0)
    assert conn.storagePoolLookupByTargetPath(str(path)).name() == "lc"
    with pytest.raises(pyvirt.libvirtError) as exc:
        p.undefine()
    assert code(exc) == (C.VIR_ERR_OPERATION_INVALID, C.VIR_FROM_STORAGE)
    p.destroy()
    p.delete(0)
    assert not path.exists()
    p.undefine()
    with pytest.raises(pyvirt.libvirtError) as exc:
        conn.storagePoolLookupByName("lc")
    assert code(exc) == (C.VIR_ERR_NO_STORAGE_POOL, C.VIR_FROM_STORAGE)
    run_event_loop_until(lambda: len(seen) >= 6)
    conn.storagePoolEventDeregisterAny(cb)
    assert [ev for _n, ev in seen] == [
        C.VIR_STORAGE_POOL_EVENT_DEFINED, C.VIR_STORAGE_POOL_EVENT_CREATED,
        C.VIR_STORAGE_POOL_EVENT_STARTED, C.VIR_STORAGE_POOL_EVENT_STOPPED,
        C.VIR_STORAGE_POOL_EVENT_DELETED, C.VIR_STORAGE_POOL_EVENT_UNDEFINED]


def test_delete_refuses_a_pool_with_volumes(pool: pyvirt.virStoragePool) -> None:
    pool.createXML(vol_xml("x.img", 1), 0)
    pool.destroy()
    with pytest.raises(pyvirt.libvirtError) as exc:
        pool.delete(0)
    assert code(exc) == (C.VIR_ERR_SYSTEM_ERROR, C.VIR_FROM_STORAGE)
    assert "Directory not empty" in str(exc.value)


def test_sheepdog_pools_are_refused_as_libvirt_9_refuses_them(conn: pyvirt.virConnect) -> None:
    with pytest.raises(pyvirt.libvirtError) as exc:
        conn.storagePoolDefineXML("<pool type='sheepdog'><name>sd</name><source><host "
                                  "name='h'/></source></pool>", 0)
    assert code(exc) == (C.VIR_ERR_INTERNAL_ERROR, C.VIR_FROM_STORAGE)
    assert "missing backend for pool type 10 (sheepdog)" in str(exc.value)
    assert conn.listAllStoragePools(0) == []


def test_pool_names_with_slash_are_refused(conn: pyvirt.virConnect, tmp_path: Path) -> None:
    with pytest.raises(pyvirt.libvirtError) as exc:
        conn.storagePoolDefineXML(pool_xml("a/b", tmp_path), 0)
    assert code(exc) == (C.VIR_ERR_XML_ERROR, C.VIR_FROM_STORAGE)
    assert str(exc.value) == "XML error: name a/b cannot contain '/'"


# --- volumes -----------------------------------------------------------------------------------

def test_raw_volume_sizes_and_preallocation(pool: pyvirt.virStoragePool) -> None:
    full = pool.createXML(vol_xml("full.img", 4), 0)
    sparse = pool.createXML(vol_xml("sparse.img", 4, alloc=0), 0)
    st_full, st_sparse = os.stat(full.path()), os.stat(sparse.path())
    assert st_full.st_size == st_sparse.st_size == 4 << 20
    assert st_full.st_blocks * 512 >= 4 << 20 and st_sparse.st_blocks == 0
    assert oct(st_full.st_mode & 0o777) == "0o600"
    assert full.info() == [C.VIR_STORAGE_VOL_FILE, 4 << 20, st_full.st_blocks * 512]
    xml = sparse.XMLDesc(0)
    for part in (f"<key>{sparse.path()}</key>", "<capacity unit='bytes'>4194304</capacity>",
                 "<allocation unit='bytes'>0</allocation>",
                 "<physical unit='bytes'>4194304</physical>", "<format type='raw'/>",
                 "<mode>0600</mode>", "<btime>0</btime>"):
        assert part in xml


def test_qcow2_with_backing_store(pool: pyvirt.virStoragePool) -> None:
    base = pool.createXML(vol_xml("base.img", 8, alloc=0), 0)
    backing = (f"<backingStore><path>{base.path()}</path><format type='raw'/>"
               "</backingStore>")
    top = pool.createXML(vol_xml("top.qcow2", 8, "qcow2", backing=backing), 0)
    info = img_info(top.path())
    assert info["format"] == "qcow2" and info["virtual-size"] == 8 << 20
    assert info["backing-filename"] == base.path()
    assert info["backing-filename-format"] == "raw"
    assert info["format-specific"]["data"]["compat"] == "1.1"
    xml = top.XMLDesc(0)
    assert "<format type='qcow2'/>" in xml
    assert f"<backingStore>\n    <path>{base.path()}</path>\n    <format type='raw'/>" in xml
    with pytest.raises(pyvirt.libvirtError) as exc:
        pool.createXML(vol_xml("bad.img", 1, backing=backing), 0)
    assert code(exc) == (C.VIR_ERR_NO_SUPPORT, C.VIR_FROM_STORAGE)
    assert not os.path.exists(os.path.join(os.path.dirname(base.path()), "bad.img"))


def test_clone_converts_with_qemu_img(pool: pyvirt.virStoragePool) -> None:
    src = pool.createXML(vol_xml("src.img", 2, alloc=0), 0)
    with open(src.path(), "r+b") as fh:
        fh.seek(4096)
        fh.write(b"pyvirt-clone-data")
    clone = pool.createXMLFrom(vol_xml("c.qcow2", 1, "qcow2"), src, 0)
    assert img_info(clone.path())["format"] == "qcow2"
    assert clone.info()[1] == 2 << 20                   # never smaller than the source
    out = subprocess.run(["qemu-img", "compare", "-f", "raw", "-F", "qcow2", src.path(),
                          clone.path()], capture_output=True, text=True, check=False)
    assert out.returncode == 0, out.stdout + out.stderr


def test_refresh_finds_files_placed_behind_its_back(pool: pyvirt.virStoragePool,
                                                    tmp_path: Path) -> None:
    images = tmp_path / "images"
    subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", str(images / "ext.qcow2"),
                    "3M"], check=True)
    (images / "plain.img").write_bytes(b"\0" * 8192)
    (images / "subdir").mkdir()
    assert sorted(pool.listVolumes()) == []
    pool.refresh(0)
    assert sorted(pool.listVolumes()) == ["ext.qcow2", "plain.img"]
    ext = pool.storageVolLookupByName("ext.qcow2")
    assert ext.info()[1] == 3 << 20
    assert "<format type='qcow2'/>" in ext.XMLDesc(0)
    conn = pool.connect()
    assert conn.storageVolLookupByPath(str(images / "plain.img")).name() == "plain.img"
    assert conn.storageVolLookupByKey(str(images / "ext.qcow2")).name() == "ext.qcow2"
    assert pool.storageVolLookupByName("plain.img").storagePoolLookupByVolume().name() == "p"
    # other formats are recognised by their header; a change behind its back is seen
    for fmt in ("vmdk", "vdi", "vpc"):
        subprocess.run(["qemu-img", "create", "-q", "-f", fmt, str(images / f"x.{fmt}"), "2M"],
                       check=True)
    pool.refresh(0)
    for fmt in ("vmdk", "vdi", "vpc"):
        assert f"<format type='{fmt}'/>" in pool.storageVolLookupByName(f"x.{fmt}").XMLDesc(0)
    subprocess.run(["qemu-img", "resize", "-q", str(images / "ext.qcow2"), "5M"], check=True)
    assert ext.info()[1] == 5 << 20


def test_resize_grow_and_shrink(pool: pyvirt.virStoragePool) -> None:
    raw = pool.createXML(vol_xml("r.img", 2, alloc=0), 0)
    raw.resize(4 << 20, 0)
    assert os.path.getsize(raw.path()) == 4 << 20
    raw.resize(1 << 20, C.VIR_STORAGE_VOL_RESIZE_DELTA)
    assert raw.info()[1] == 5 << 20
    with pytest.raises(pyvirt.libvirtError) as exc:
        raw.resize(1 << 20, 0)
    assert code(exc) == (C.VIR_ERR_INVALID_ARG, C.VIR_FROM_STORAGE)
    assert os.path.getsize(raw.path()) == 5 << 20       # unchanged
    raw.resize(1 << 20, C.VIR_STORAGE_VOL_RESIZE_SHRINK)
    assert raw.info()[1] == 1 << 20
    q = pool.createXML(vol_xml("q.qcow2", 2, "qcow2"), 0)
    q.resize(6 << 20, 0)
    assert img_info(q.path())["virtual-size"] == 6 << 20
    q.resize(3 << 20, C.VIR_STORAGE_VOL_RESIZE_SHRINK)
    assert img_info(q.path())["virtual-size"] == 3 << 20


def test_wipe_zeroes_and_patterns_need_scrub(pool: pyvirt.virStoragePool) -> None:
    vol = pool.createXML(vol_xml("w.img", 1), 0)
    with open(vol.path(), "r+b") as fh:
        fh.write(b"secret" * 1000)
    vol.wipe(0)
    data = Path(vol.path()).read_bytes()
    assert len(data) == 1 << 20 and data.count(0) == len(data)
    if not any(os.path.exists(os.path.join(d, "scrub")) for d in
               os.environ.get("PATH", "").split(":")):
        with pytest.raises(pyvirt.libvirtError) as exc:
            vol.wipePattern(C.VIR_STORAGE_VOL_WIPE_ALG_NNSA, 0)
        assert code(exc) == (C.VIR_ERR_SYSTEM_ERROR, C.VIR_FROM_NONE)
        assert "Cannot find 'scrub' in path" in str(exc.value)
    with pytest.raises(pyvirt.libvirtError) as exc:
        vol.wipePattern(99, 0)
    assert code(exc) == (C.VIR_ERR_INVALID_ARG, C.VIR_FROM_STORAGE)


def test_upload_and_download_through_streams(pool: pyvirt.virStoragePool) -> None:
    conn = pool.connect()
    vol = pool.createXML(vol_xml("u.img", 1, alloc=0), 0)
    payload = os.urandom(300_000) + b"end"
    st = conn.newStream(0)
    vol.upload(st, 4096, 0, 0)
    for i in range(0, len(payload), 65536):
        st.send(payload[i:i + 65536])
    st.finish()
    assert Path(vol.path()).read_bytes()[4096:4096 + len(payload)] == payload
    st = conn.newStream(0)
    vol.download(st, 4096, len(payload), 0)
    got = b""
    while True:
        chunk = st.recv(100_000)
        if not chunk:
            break
        got += chunk
    st.finish()
    assert got == payload
    # a bigger upload than the volume grows the file, as libvirt's does
    big = b"\1" * (2 << 20)
    st = conn.newStream(0)
    vol.upload(st, 0, 0, 0)
    st.send(big)
    st.finish()
    assert vol.info()[1] == 2 << 20
    # a sparse download of a volume without holes is its data (test_sparse_streams.py
    # has the holes)
    st = conn.newStream(0)
    vol.download(st, 0, 0, C.VIR_STORAGE_VOL_DOWNLOAD_SPARSE_STREAM)
    got: list[bytes] = []
    st.sparseRecvAll(lambda _s, d, _o: got.append(d), lambda _s, n, _o: got.append(bytes(n)),
                     None)
    st.finish()
    assert b"".join(got) == big
    vol.delete(0)                                       # nothing holds it any more


def test_volume_errors_leave_nothing_behind(pool: pyvirt.virStoragePool,
                                            tmp_path: Path) -> None:
    images = tmp_path / "images"
    pool.createXML(vol_xml("a.img", 1), 0)
    cases = [
        (vol_xml("x/y", 1), C.VIR_ERR_OPERATION_INVALID,
         "Requested operation is not valid: volume name 'x/y' cannot contain '/'"),
        (vol_xml("..", 1), C.VIR_ERR_OPERATION_INVALID,
         f"Requested operation is not valid: volume target path '{images}/..' already exists"),
        (vol_xml("a.img", 1), C.VIR_ERR_STORAGE_VOL_EXIST, "storage volume 'a.img' exists already"),
    ]
    for xml, want, msg in cases:
        with pytest.raises(pyvirt.libvirtError) as exc:
            pool.createXML(xml, 0)
        assert code(exc) == (want, C.VIR_FROM_STORAGE)
        assert str(exc.value) == msg
    assert sorted(os.listdir(images)) == ["a.img"]
    vol = pool.storageVolLookupByName("a.img")
    vol.delete(0)
    assert os.listdir(images) == []
    with pytest.raises(pyvirt.libvirtError) as exc:
        vol.XMLDesc(0)
    assert code(exc) == (C.VIR_ERR_NO_STORAGE_VOL, C.VIR_FROM_STORAGE)


def test_a_clone_runs_without_blocking_the_driver(pool: pyvirt.virStoragePool) -> None:
    conn = pool.connect()
    src = pool.createXML(vol_xml("big.img", 256, alloc=0), 0)
    with open(src.path(), "r+b") as fh:
        block = os.urandom(1 << 20)
        fh.writelines(block for _ in range(256))
    done: list[object] = []
    worker = threading.Thread(target=lambda: done.append(
        pool.createXMLFrom(vol_xml("copy.qcow2", 1, "qcow2"), src, 0)))
    worker.start()
    seen = False
    while worker.is_alive() and not seen:
        seen = "copy.qcow2" in pool.listVolumes()       # the driver answers meanwhile
    if not seen:
        worker.join()
        pytest.skip("the clone finished before it could be observed")
    copy = pool.storageVolLookupByName("copy.qcow2")
    for call in (lambda: copy.delete(0), lambda: copy.download(conn.newStream(0), 0, 0, 0)):
        with pytest.raises(pyvirt.libvirtError) as exc:
            call()                                        # as libvirt: being built
        assert code(exc) == (C.VIR_ERR_OPERATION_INVALID, C.VIR_FROM_STORAGE)
        assert str(exc.value).endswith("volume 'copy.qcow2' is still being allocated.")
    with pytest.raises(pyvirt.libvirtError) as exc:
        src.delete(0)                                     # the source is in use
    assert code(exc) == (C.VIR_ERR_OPERATION_INVALID, C.VIR_FROM_STORAGE)
    assert str(exc.value).endswith("volume 'big.img' is still in use.")
    reading = conn.newStream(0)
    src.download(reading, 0, 4096, 0)                     # as libvirt's: only a build stops it
    assert reading.recv(4096) == block[:4096]
    reading.finish()
    with pytest.raises(pyvirt.libvirtError) as exc:
        pool.destroy()
    assert code(exc) == (C.VIR_ERR_OPERATION_INVALID, C.VIR_FROM_STORAGE)
    worker.join()
    assert len(done) == 1
    assert img_info(done[0].path())["virtual-size"] == 256 << 20
    done[0].delete(0)
    src.delete(0)
    pool.destroy()
