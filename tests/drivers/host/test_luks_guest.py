"""A QEMU guest opens a LUKS volume with the passphrase from the secret driver.

The passphrase goes to QEMU as a secret object read from a 0600 file that is
gone once QEMU runs; QEMU's command line names the secret, never holds it; a
wrong passphrase fails the start with QEMU's reason.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import pyvirt
from pyvirt import constants as C

UUID = "0a81f5b2-8403-7b23-c8d6-21ccc2f80d6f"
PASS = b"sekrit passphrase 42"


def _domain(enc: str) -> str:
    return f"""<domain type='qemu'><name>lg</name><memory unit='MiB'>64</memory>
<os><type arch='x86_64' machine='pc'>hvm</type></os>
<devices><emulator>/usr/bin/qemu-system-x86_64</emulator>
<disk type='volume' device='disk'><driver name='qemu' type='{enc}'/>
<source pool='g' volume='e.{enc}'><encryption format='luks'><secret type='passphrase'
uuid='{UUID}'/></encryption></source><target dev='vda' bus='virtio'/></disk>
</devices></domain>"""


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("qemu-system-x86_64") is None, reason="needs QEMU")
def test_guest_opens_luks_volume(conn: pyvirt.virConnect, tmp_path: Path,
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYVIRT_LUKS_ITER_TIME", "10")
    sec = conn.secretDefineXML(f"<secret ephemeral='no' private='yes'><uuid>{UUID}</uuid>"
                               "<usage type='volume'><volume>/v</volume></usage></secret>", 0)
    sec.setValue(PASS, 0)
    pool = conn.storagePoolCreateXML(
        f"<pool type='dir'><name>g</name><target><path>{tmp_path / 'pool'}</path></target>"
        "</pool>", C.VIR_STORAGE_POOL_CREATE_WITH_BUILD)
    root = tmp_path / "root"
    for fmt in ("raw", "qcow2"):
        pool.createXML(f"<volume><name>e.{fmt}</name><capacity unit='M'>8</capacity><target>"
                       f"<format type='{fmt}'/><encryption format='luks'><secret "
                       f"type='passphrase' uuid='{UUID}'/></encryption></target></volume>", 0)
        dom = conn.createXML(_domain(fmt), C.VIR_DOMAIN_START_PAUSED)
        try:
            assert dom.isActive() == 1
            pid = int(next(root.rglob("lg.pid")).read_text())
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
            assert PASS not in cmdline
            assert b'"qom-type":"secret"' in cmdline and b"key-secret" in cmdline
            assert not list(root.rglob("*.secret"))            # read by QEMU, removed
            assert "<encryption format='luks'>" in dom.XMLDesc(0)
        finally:
            dom.destroy()
    sec.setValue(b"not the passphrase", 0)
    with pytest.raises(pyvirt.libvirtError, match="Invalid password"):
        conn.createXML(_domain("raw"), C.VIR_DOMAIN_START_PAUSED)
    assert not list(root.rglob("*.secret"))
    sec.undefine()
    with pytest.raises(pyvirt.libvirtError) as exc:
        conn.createXML(_domain("raw"), C.VIR_DOMAIN_START_PAUSED)
    assert exc.value.get_error_code() == C.VIR_ERR_NO_SECRET
    assert conn.listAllDomains(0) == []
    pool.destroy()
