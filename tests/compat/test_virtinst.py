"""Debian's virtinst (virt-install, virt-xml, virt-clone) on pyvirt.

Each tool runs twice under Debian's /usr/bin/python3: once on
libvirt-python (libvirt's own test driver), once with a sitecustomize
that calls ``pyvirt.install_as_libvirt()``.  Outputs must match once
random UUIDs and MAC addresses are masked.
"""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DEBIAN_PY = "/usr/bin/python3"

pytestmark = pytest.mark.skipif(not shutil.which("virt-install") or not os.path.exists(DEBIAN_PY),
                                reason="virtinst (Debian package) not installed")

NODE_XML = """<node>
 <domain type='test' xmlns:test='http://libvirt.org/schemas/domain/test/1.0'>
  <name>off</name><memory>65536</memory><os><type>hvm</type></os>
  <devices><disk type='file' device='disk'><source file='{img}'/>
   <target dev='vda' bus='virtio'/></disk></devices>
  <test:runstate>5</test:runstate>
 </domain>
</node>
"""


def _site_dirs() -> list[str]:
    """The directories pyvirt and its dependencies import from."""
    code = "import lxml, os; print(os.path.dirname(os.path.dirname(lxml.__file__)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.strip()
    return [str(ROOT), out]


def _run(argv: list[str], tmp: Path, pyvirt: bool) -> tuple[int, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["HOME"] = str(tmp / ("home-pyvirt" if pyvirt else "home-libvirt"))
    if pyvirt:
        shim = tmp / "shim"
        shim.mkdir(exist_ok=True)
        (shim / "sitecustomize.py").write_text("import pyvirt\npyvirt.install_as_libvirt()\n")
        env["PYTHONPATH"] = os.pathsep.join([str(shim), *_site_dirs()])
    proc = subprocess.run([DEBIAN_PY, shutil.which(argv[0]) or argv[0], *argv[1:]],
                          capture_output=True, text=True, env=env, cwd=tmp, timeout=120,
                          check=False)
    text = proc.stdout + proc.stderr
    text = re.sub(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "UUID", text)
    text = re.sub(r"(?:[0-9a-f]{2}:){5}[0-9a-f]{2}", "MAC", text)
    return proc.returncode, text


def _same(argv: list[str], tmp: Path) -> str:
    theirs = _run(argv, tmp, pyvirt=False)
    ours = _run(argv, tmp, pyvirt=True)
    assert theirs[0] == 0, theirs[1][-2000:]
    assert ours == theirs
    return ours[1]


@pytest.mark.parametrize("argv", [
    ["virt-install", "--connect", "test:///default", "--name", "x", "--memory", "512",
     "--disk", "none", "--import", "--noautoconsole", "--osinfo", "linux2020", "--print-xml"],
    ["virt-install", "--connect", "test:///default", "--name", "y", "--memory", "512",
     "--disk", "size=1", "--cdrom", "/dev/null", "--noautoconsole", "--osinfo", "linux2020",
     "--print-xml"],
    ["virt-install", "--connect", "test:///default", "--name", "z", "--memory", "512",
     "--disk", "none", "--import", "--noautoconsole", "--osinfo", "linux2020"],
    ["virt-xml", "--connect", "test:///default", "test", "--edit", "--memory", "1024",
     "--print-diff"],
    ["virt-xml", "--connect", "test:///default", "test", "--add-device", "--network",
     "default", "--print-diff"],
    ["virt-xml", "--connect", "test:///default", "test", "--edit", "--vcpus", "3"],
], ids=["install-print", "install-cdrom", "install-create", "xml-edit", "xml-add", "xml-define"])
def test_virtinst_tool_matches_libvirt_python(argv, tmp_path):
    out = _same(argv, tmp_path)
    if "--print-xml" in argv:
        assert "<domain" in out


def test_virt_clone_matches_libvirt_python(tmp_path):
    img = tmp_path / "off.img"
    img.write_bytes(b"\0" * 65536)
    node = tmp_path / "node.xml"
    node.write_text(NODE_XML.format(img=img))
    argv = ["virt-clone", "--connect", f"test://{node}", "-o", "off", "--auto-clone"]
    out = _same(argv, tmp_path)
    assert "Clone 'off-clone' created successfully" in out
    assert (tmp_path / "off-clone.img").read_bytes() == img.read_bytes()
