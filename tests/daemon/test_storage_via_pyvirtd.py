"""Debian's virsh and virt-install using pyvirt's storage driver through pyvirtd.

pyvirtd serves ``qemu:///session`` with its XDG directories in a temporary
directory, so pools, volumes and the driver's state stay under it.
"""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import daemons
import pytest


class Setup:
    """The daemon, its URI and the temporary base directory."""

    def __init__(self, daemon: daemons.RunningDaemon, base: Path) -> None:
        self.daemon, self.base = daemon, base
        self.uri = f"qemu+unix:///session?socket={daemon.sock}"

    def virsh(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        """Debian's virsh, not quiet (its messages are compared)."""
        return self.daemon.virsh(*args, uri=self.uri, check=check, quiet=False)


@pytest.fixture(scope="module")
def s(virsh: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Setup]:
    if shutil.which("qemu-img") is None:
        pytest.skip("qemu-img is not installed")
    base = tmp_path_factory.mktemp("storage-pyvirtd")
    with pytest.MonkeyPatch.context() as mp:
        for var, sub in (("XDG_CONFIG_HOME", "config"), ("XDG_DATA_HOME", "data"),
                         ("XDG_CACHE_HOME", "cache"), ("XDG_RUNTIME_DIR", "run")):
            mp.setenv(var, str(base / "xdg" / sub))
        daemon = daemons.start_pyvirtd(base, tcp=False)
    setup = Setup(daemon, base)
    try:
        yield setup
        assert daemon.stop() == 0, daemon.log.read_text()[-3000:]
    finally:
        daemon.stop()


def _info(path: Path) -> dict:
    return json.loads(subprocess.run(["qemu-img", "info", "--output=json", "-U", str(path)],
                                     check=True, capture_output=True, text=True).stdout)


def test_virsh_pool_and_volume_commands(s: Setup) -> None:
    images = s.base / "pool1"
    assert s.virsh("pool-define-as", "p1", "dir", "--target", str(images)).stdout.strip() \
        == "Pool p1 defined"
    assert s.virsh("pool-build", "p1").stdout.strip() == "Pool p1 built"
    assert s.virsh("pool-start", "p1").stdout.strip() == "Pool p1 started"
    assert images.is_dir()
    cfg = s.base / "xdg" / "config" / "pyvirt" / "storage" / "p1.xml"
    assert "<name>p1</name>" in cfg.read_text()
    out = s.virsh("vol-create-as", "p1", "a.qcow2", "10M", "--format", "qcow2").stdout
    assert out.strip() == "Vol a.qcow2 created"
    assert _info(images / "a.qcow2")["virtual-size"] == 10 << 20
    s.virsh("vol-create-as", "p1", "r.img", "2M", "--allocation", "0")
    listing = s.virsh("vol-list", "p1").stdout
    assert f"a.qcow2   {images}/a.qcow2" in listing and f"r.img     {images}/r.img" in listing
    xml = s.virsh("vol-dumpxml", "--pool", "p1", "a.qcow2").stdout
    assert f"<path>{images}/a.qcow2</path>" in xml and "<format type='qcow2'/>" in xml
    data = os.urandom(1_500_000)
    up, down = s.base / "up.bin", s.base / "down.bin"
    up.write_bytes(data)
    s.virsh("vol-upload", "--pool", "p1", "r.img", str(up))
    s.virsh("vol-download", "--pool", "p1", "r.img", str(down))
    got = down.read_bytes()
    assert len(got) == 2 << 20 and got[:len(data)] == data
    err = s.virsh("vol-create-as", "p1", "x/y", "1M", check=False)
    assert err.returncode == 1
    assert "volume name 'x/y' cannot contain '/'" in err.stderr
    assert s.virsh("vol-delete", "--pool", "p1", "r.img").stdout.strip() == "Vol r.img deleted"
    assert not (images / "r.img").exists()
    assert s.virsh("pool-destroy", "p1").stdout.strip() == "Pool p1 destroyed"
    assert s.virsh("pool-undefine", "p1").stdout.strip() == "Pool p1 has been undefined"
    assert not cfg.exists()
    assert (images / "a.qcow2").exists()      # undefining a pool leaves its files


def _virt_install(s: Setup, *extra: str) -> subprocess.CompletedProcess:
    if shutil.which("virt-install") is None:
        pytest.skip("virt-install (virtinst) is not installed")
    env = dict(os.environ, XDG_DATA_HOME=str(s.base / "vi"), XDG_CACHE_HOME=str(s.base / "vic"))
    env.pop("PYTHONPATH", None)
    return subprocess.run(["virt-install", "--connect", s.uri, "--name", "g", "--memory", "256",
                           "--import", "--noautoconsole", "--osinfo", "detect=off,require=off",
                           *extra], capture_output=True, text=True, timeout=120, env=env,
                          check=False)


def test_virt_install_dry_run_creates_nothing(s: Setup) -> None:
    res = _virt_install(s, "--disk", "size=1", "--dry-run")
    assert res.returncode == 0, res.stderr
    assert not (s.base / "vi" / "images" / "g.qcow2").exists()


def test_virt_install_disk_size_makes_the_default_pool_and_volume(s: Setup) -> None:
    res = _virt_install(s, "--disk", "size=1", "--print-xml")
    assert res.returncode == 0, res.stderr
    images = s.base / "vi" / "images"
    vol = images / "g.qcow2"
    assert f'<source file="{vol}"/>' in res.stdout
    assert '<driver name="qemu" type="qcow2"' in res.stdout
    info = _info(vol)
    assert info["format"] == "qcow2" and info["virtual-size"] == 1 << 30
    pools = s.virsh("pool-list", "--all").stdout
    assert re.search(r"^ default\s+active\s+yes$", pools, re.MULTILINE), pools
    assert s.virsh("pool-dumpxml", "default").stdout.count(f"<path>{images}</path>") == 1
    assert "g.qcow2" in s.virsh("vol-list", "default").stdout


def test_virt_install_disk_in_a_named_pool(s: Setup) -> None:
    images = s.base / "named"
    s.virsh("pool-create-as", "named", "dir", "--target", str(images), "--build")
    res = _virt_install(s, "--name", "h", "--disk", "pool=named,size=1,format=raw",
                        "--print-xml")
    assert res.returncode == 0, res.stderr
    assert _info(images / "h.img")["format"] == "raw"
    assert os.path.getsize(images / "h.img") == 1 << 30


def test_virsh_secret_commands(s: Setup) -> None:
    uuid = "6dd3e4a5-1d76-44ce-961f-f119f5aad935"
    xml = s.base / "secret.xml"
    xml.write_text(f"<secret ephemeral='no' private='no'><uuid>{uuid}</uuid>"
                   "<usage type='ceph'><name>client.pyvirt</name></usage></secret>")
    assert s.virsh("secret-define", str(xml)).stdout.strip() == f"Secret {uuid} created"
    value = base64.b64encode(b"ceph key").decode()
    s.virsh("secret-set-value", uuid, value)
    assert s.virsh("secret-get-value", uuid).stdout.strip() == value
    stored = s.base / "xdg" / "config" / "pyvirt" / "secrets" / f"{uuid}.base64"
    assert stored.exists() and b"ceph key" not in base64.b64decode(stored.read_bytes())
    assert "client.pyvirt" in s.virsh("secret-list").stdout
    assert s.virsh("secret-undefine", uuid).stdout.strip() == f"Secret {uuid} deleted"
    assert not stored.exists()
