"""The xml2xml expectations captured from libvirt are still libvirt's output.

For every family, each input whose expected file is not under ``pyvirt-only/``
is given to real libvirt 9.0 again (``capture_xml.py`` under Debian's
``/usr/bin/python3`` with python3-libvirt) and the answer must equal the
committed ``NAME.out.xml`` byte for byte.  Inputs under ``pyvirt-only/`` must
be ones libvirt cannot reproduce.  Host capabilities and domain capabilities
depend on the host they were captured on; for them this host's libvirt output
is captured and pyvirt must write it back unchanged.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from pathlib import Path

import daemons  # tests/daemon/daemons.py
import pytest
from refutil import REAL_PYTHON, has_libvirt_python, qemu_as_root, real_env

from pyvirt.conf.capabilities import Capabilities
from pyvirt.conf.domain_capabilities import DomainCapabilities

HERE = Path(__file__).resolve().parent
DATA = HERE.parent / "data"
CAPTURE = HERE / "capture_xml.py"
FAMILIES = ("domain", "network", "storagepool", "storagevol", "interface", "secret",
            "nodedev", "snapshot", "checkpoint", "capabilities", "domaincaps", "nwfilter")
# libvirt's output on the host that captured them: checked against this host below
HOST_CAPTURED = {("capabilities", "qemu-host"), ("domaincaps", "qemu-x86_64")}



pytestmark = [pytest.mark.libvirt_ref,
              pytest.mark.skipif(not has_libvirt_python(),
                                 reason="Debian's python3-libvirt is not installed")]


def _inputs(family: str) -> list[str]:
    folder = DATA / f"{family}xml2xml"
    return sorted(p.name[:-4] for p in folder.glob("*.xml") if not p.name.endswith(".out.xml"))


def _pyvirt_only(family: str, name: str) -> bool:
    return (DATA / f"{family}xml2xml" / "pyvirt-only" / f"{name}.out.xml").exists()


def _capture(family: str, names: list[str], nwfilter_uri: str | None
             ) -> dict[str, dict[str, str]]:
    env = real_env()
    if nwfilter_uri:
        env["PYVIRT_NWFILTER_URI"] = nwfilter_uri
    proc = subprocess.run([REAL_PYTHON, str(CAPTURE), family, *names], capture_output=True,
                          text=True, timeout=300, check=False, env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout)


@pytest.fixture(scope="module")
def captured(request: pytest.FixtureRequest) -> dict[str, dict[str, dict[str, str]]]:
    # nwfilter XML is formatted only by a libvirtd's nwfilter driver: the private one
    uri = None
    if daemons.libvirtd_available() is None:
        uri = request.getfixturevalue("reference_libvirtd").uri(driver="qemu", path="/system")
    return {family: _capture(family, _inputs(family), uri) for family in FAMILIES}


@pytest.mark.parametrize("family", FAMILIES)
def test_captured_files_are_libvirts_output(family: str, captured: dict) -> None:
    folder = DATA / f"{family}xml2xml"
    differ = []
    for name in _inputs(family):
        if _pyvirt_only(family, name) or (family, name) in HOST_CAPTURED:
            continue
        got = captured[family][name]
        assert "xml" in got, f"{family}/{name}: libvirt refused it: {got.get('error')}"
        if got["xml"] != (folder / f"{name}.out.xml").read_text():
            differ.append(name)
    assert differ == [], f"{family}: committed files differ from libvirt's output"


@pytest.mark.parametrize("family", FAMILIES)
def test_pyvirt_only_files_are_not_libvirts(family: str, captured: dict) -> None:
    folder = DATA / f"{family}xml2xml" / "pyvirt-only"
    for path in sorted(folder.glob("*.out.xml")):
        name = path.name[:-len(".out.xml")]
        header, _, text = path.read_text().partition("\n")
        assert header.startswith("<!-- pyvirt-only: ") and len(header) > 40, path
        got = captured[family][name]
        assert got.get("xml") != text, f"{path}: libvirt writes this; capture it instead"


def _host_xml() -> tuple[str, str]:
    code = ("import libvirt, os, sys\n"
            "libvirt.registerErrorHandler(lambda c, e: None, None)\n"
            "libvirt.virEventRegisterDefaultImpl()\n"
            "c = libvirt.open('qemu:///embed?root=' + sys.argv[1])\n"
            "import json\n"
            "print(json.dumps([c.getCapabilities(),"
            " c.getDomainCapabilities(None, 'x86_64', None, 'qemu', 0)]))\n"
            "sys.stdout.flush()\n"
            "os._exit(0)\n")
    root = tempfile.mkdtemp(prefix="pyvirt-hostcaps-")
    qemu_as_root(root)
    try:
        proc = subprocess.run([REAL_PYTHON, "-c", code, root], capture_output=True, text=True,
                              timeout=300, check=False)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    if proc.returncode != 0:
        pytest.skip(f"libvirt's qemu:///embed did not answer: {proc.stderr[-500:]}")
    caps, domcaps = json.loads(proc.stdout)
    return caps, domcaps


def test_this_hosts_capabilities_written_back_unchanged() -> None:
    """What libvirt 9.0 says about this host, parsed and formatted by pyvirt."""
    caps, domcaps = _host_xml()
    assert Capabilities.parse(caps).format() == caps
    assert DomainCapabilities.parse(domcaps).format() == domcaps
