"""LUKS-encrypted volumes: created by qemu-img with the passphrase in a secret file,
readable with that passphrase only, and the same XML and errors as libvirt 9.0."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from hostutil import both_sides

import pyvirt
from pyvirt import constants as C
from pyvirt.conf.storage_vol import StorageVolDef
from pyvirt.drivers.storage import luks

SCRIPT = str(Path(__file__).with_name("luks_compare_script.py"))
UUID = "0a81f5b2-8403-7b23-c8d6-21ccc2f80d6f"
PASS = b"correct horse battery staple"


@pytest.fixture(autouse=True)
def _quick_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    """Key derivation of 10 ms instead of QEMU's 2 s for the volumes pyvirt makes."""
    monkeypatch.setenv("PYVIRT_LUKS_ITER_TIME", "10")


def test_command_lines_never_carry_the_passphrase(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PYVIRT_LUKS_ITER_TIME")
    vol = StorageVolDef.parse(
        f"<volume><name>e.img</name><capacity unit='M'>16</capacity><target><format "
        f"type='raw'/><encryption format='luks'><secret type='passphrase' uuid='{UUID}'/>"
        "<cipher name='aes' size='256' mode='xts' hash='sha256'/><ivgen name='plain64' "
        "hash='sha256'/></encryption><path>/p/e.img</path></target></volume>")
    vol.target.path = "/p/e.img"
    assert luks.create_argv(vol, "/run/s") == [
        "qemu-img", "create", "-f", "luks", "--object", "secret,id=e.img_encrypt0,file=/run/s",
        "-o", ("key-secret=e.img_encrypt0,cipher-alg=aes-256,cipher-mode=xts,hash-alg=sha256,"
               "ivgen-alg=plain64,ivgen-hash-alg=sha256"), "/p/e.img", "16384K"]
    vol.target.format = "qcow2"
    argv = luks.create_argv(vol, "/run/s")
    assert argv[3] == "qcow2" and argv[7].startswith("encrypt.format=luks,encrypt.key-secret=")
    assert luks.resize_argv(vol, 1 << 30, "/run/s")[-2:] == [
        "driver=qcow2,encrypt.key-secret=e.img_encrypt0,file.filename=/p/e.img", str(1 << 30)]


def _opens(path: str, fmt: str, passphrase: bytes) -> bool:
    """Whether qemu-io reads the image with ``passphrase`` (given through a file)."""
    with luks.secret_file(passphrase) as sfile:
        image = (f"driver=luks,key-secret=s0,file.filename={path}" if fmt == "raw" else
                 f"driver=qcow2,encrypt.key-secret=s0,file.filename={path}")
        res = subprocess.run(["qemu-io", "--object", f"secret,id=s0,file={sfile}",
                              "--image-opts", image, "-c", "read 0 512"], capture_output=True,
                             check=False)
    return res.returncode == 0


def test_luks_volumes_open_with_their_secret(conn: pyvirt.virConnect, tmp_path: Path) -> None:
    sec = conn.secretDefineXML(f"<secret ephemeral='no' private='yes'><uuid>{UUID}</uuid>"
                               "<usage type='volume'><volume>/v</volume></usage></secret>", 0)
    sec.setValue(PASS, 0)
    pool = conn.storagePoolCreateXML(
        f"<pool type='dir'><name>enc</name><target><path>{tmp_path / 'pool'}</path></target>"
        "</pool>", C.VIR_STORAGE_POOL_CREATE_WITH_BUILD)
    for name, fmt in (("e.img", "raw"), ("e.qcow2", "qcow2")):
        vol = pool.createXML(
            f"<volume><name>{name}</name><capacity unit='M'>8</capacity><target><format "
            f"type='{fmt}'/><encryption format='luks'><secret type='passphrase' "
            f"uuid='{UUID}'/></encryption></target></volume>", 0)
        assert PASS not in Path(vol.path()).read_bytes()
        assert f"uuid='{UUID}'" in vol.XMLDesc(0)
        assert not _opens(vol.path(), fmt, b"wrong")
        vol.resize(16 << 20, 0)
        assert vol.info()[1] == 16 << 20
        assert _opens(vol.path(), fmt, PASS)
    assert not list(Path("/tmp").glob("pyvirt-secret-*")) or all(
        p.stat().st_mode & 0o077 == 0 for p in Path("/tmp").glob("pyvirt-secret-*"))
    with pytest.raises(pyvirt.libvirtError) as exc:
        pool.createXMLFrom("<volume><name>c.img</name><capacity>1</capacity></volume>",
                           pool.storageVolLookupByName("e.img"), 0)
    assert exc.value.get_error_code() == C.VIR_ERR_NO_SUPPORT
    assert sorted(pool.listVolumes()) == ["e.img", "e.qcow2"]
    pool.destroy()


@pytest.mark.slow
def test_same_as_libvirt(tmp_path: Path) -> None:
    ref, got = both_sides(tmp_path, SCRIPT, lambda _side, base: [str(base)])
    assert ref.keys() == got.keys(), (ref, got)
    for key in sorted(ref):
        assert got[key] == ref[key], (key, ref[key])
