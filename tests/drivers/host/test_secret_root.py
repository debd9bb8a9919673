"""The secret driver of a qemu:///embed root: secrets on disk, values encrypted at rest."""

from __future__ import annotations

import base64
import os
import stat
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from hostutil import code
from waiting import run_event_loop_until

import pyvirt
from pyvirt import constants as C

UUID = "6dd3e4a5-1d76-44ce-961f-f119f5aad935"
VOL = f"""<secret ephemeral='no' private='no'>
  <uuid>{UUID}</uuid>
  <usage type='volume'><volume>/var/lib/images/a.qcow2</volume></usage>
</secret>"""





def test_persistent_secret_survives_reopen_encrypted(uri: str, tmp_path: Path) -> None:
    sdir = tmp_path / "root" / "etc" / "secrets"
    with pyvirt.open(uri) as c:
        sec = c.secretDefineXML(VOL, 0)
        sec.setValue(b"top secret passphrase", 0)
        xml = sec.XMLDesc(0)
    assert stat.S_IMODE(sdir.stat().st_mode) == 0o700
    key_file = sdir / "secrets-encryption-key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600 and len(key_file.read_bytes()) == 32
    stored = (sdir / f"{UUID}.base64").read_bytes()
    assert stat.S_IMODE((sdir / f"{UUID}.base64").stat().st_mode) == 0o600
    raw = base64.b64decode(stored)
    assert b"top secret" not in raw and b"top secret" not in stored
    plain = AESGCM(key_file.read_bytes()).decrypt(raw[:12], raw[12:], UUID.encode())
    assert plain == b"top secret passphrase"
    assert (sdir / f"{UUID}.xml").read_text() == xml
    with pyvirt.open(uri) as c:
        again = c.secretLookupByUsage(C.VIR_SECRET_USAGE_TYPE_VOLUME, "/var/lib/images/a.qcow2")
        assert again.UUIDString() == UUID
        assert again.value(0) == b"top secret passphrase"
        assert again.XMLDesc(0) == xml
        again.undefine()
    assert sorted(os.listdir(sdir)) == ["secrets-encryption-key"]


def test_a_value_that_does_not_decrypt_is_not_loaded(uri: str, tmp_path: Path) -> None:
    with pyvirt.open(uri) as c:
        c.secretDefineXML(VOL, 0).setValue(b"v", 0)
    vfile = tmp_path / "root" / "etc" / "secrets" / f"{UUID}.base64"
    raw = bytearray(base64.b64decode(vfile.read_bytes()))
    raw[-1] ^= 1
    vfile.write_bytes(base64.b64encode(bytes(raw)))
    with pyvirt.open(uri) as c:
        assert c.listSecrets() == []


def test_private_and_ephemeral_secrets(uri: str, tmp_path: Path) -> None:
    sdir = tmp_path / "root" / "etc" / "secrets"
    priv = VOL.replace("private='no'", "private='yes'")
    eph_uuid = "0b0cfbb9-9a4c-4b0b-9f3e-1c1b2a3d4e5f"
    eph = (f"<secret ephemeral='yes' private='no'><uuid>{eph_uuid}</uuid>"
           "<usage type='ceph'><name>client.admin</name></usage></secret>")
    with pyvirt.open(uri) as c:
        p = c.secretDefineXML(priv, 0)
        p.setValue(b"hidden", 0)
        with pytest.raises(pyvirt.libvirtError) as exc:
            p.value(0)
        assert code(exc) == (C.VIR_ERR_INVALID_SECRET, C.VIR_FROM_SECRET)
        with pytest.raises(pyvirt.libvirtError) as exc:
            c.secretDefineXML(VOL, 0)                   # the private flag cannot be dropped
        assert code(exc) == (C.VIR_ERR_INTERNAL_ERROR, C.VIR_FROM_SECRET)
        e = c.secretDefineXML(eph, 0)
        e.setValue(b"in memory only", 0)
        assert e.value(0) == b"in memory only"
        assert not (sdir / f"{eph_uuid}.xml").exists()
        assert not (sdir / f"{eph_uuid}.base64").exists()
        names = {s.UUIDString() for s in c.listAllSecrets(C.VIR_CONNECT_LIST_SECRETS_EPHEMERAL)}
        assert names == {eph_uuid}
        assert [s.UUIDString() for s in
                c.listAllSecrets(C.VIR_CONNECT_LIST_SECRETS_PRIVATE)] == [UUID]
    with pyvirt.open(uri) as c:
        assert c.listSecrets() == [UUID]                # the ephemeral one is gone
        assert c.secretLookupByUUIDString(UUID).XMLDesc(0).startswith(
            "<secret ephemeral='no' private='yes'>")


def test_usage_is_unique_and_events(conn: pyvirt.virConnect) -> None:
    pyvirt.virEventRegisterDefaultImpl()
    seen: list[tuple[str, object]] = []
    conn.secretEventRegisterAny(None, C.VIR_SECRET_EVENT_ID_LIFECYCLE,
                                lambda c, s, ev, det, op: seen.append(("life", ev)), None)
    conn.secretEventRegisterAny(None, C.VIR_SECRET_EVENT_ID_VALUE_CHANGED,
                                lambda c, s, op: seen.append(("value", None)), None)
    sec = conn.secretDefineXML(VOL, 0)
    other = VOL.replace(UUID, "11111111-2222-3333-4444-555555555555")
    with pytest.raises(pyvirt.libvirtError) as exc:
        conn.secretDefineXML(other, 0)
    assert code(exc) == (C.VIR_ERR_INTERNAL_ERROR, C.VIR_FROM_SECRET)
    assert "already defined for use with /var/lib/images/a.qcow2" in str(exc.value)
    with pytest.raises(pyvirt.libvirtError) as exc:
        sec.value(0)
    assert code(exc) == (C.VIR_ERR_NO_SECRET, C.VIR_FROM_SECRET)
    sec.setValue(b"x", 0)
    sec.undefine()
    with pytest.raises(pyvirt.libvirtError) as exc:
        conn.secretLookupByUUIDString(UUID)
    assert code(exc) == (C.VIR_ERR_NO_SECRET, C.VIR_FROM_SECRET)
    run_event_loop_until(lambda: len(seen) >= 3)
    assert seen == [("life", C.VIR_SECRET_EVENT_DEFINED), ("value", None),
                    ("life", C.VIR_SECRET_EVENT_UNDEFINED)]


def test_connections_of_a_root_share_the_secret_driver(uri: str) -> None:
    a, b = pyvirt.open(uri), pyvirt.open(uri)
    try:
        a.secretDefineXML(VOL, 0).setValue(b"shared", 0)
        assert b.secretLookupByUUIDString(UUID).value(0) == b"shared"
    finally:
        a.close()
        b.close()
