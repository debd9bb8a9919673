"""The VIR_* constants match libvirt's API description and libvirt-python."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import pyvirt
from pyvirt import constants, constants_qemu

ROOT = Path(__file__).resolve().parents[2]
API_XML = Path("/usr/share/libvirt/api/libvirt-api.xml")
DEBIAN_PY = "/usr/bin/python3"


@pytest.mark.skipif(not API_XML.exists(), reason="libvirt-dev's libvirt-api.xml not installed")
def test_generated_module_matches_api_xml():
    proc = subprocess.run([sys.executable, str(ROOT / "tools" / "gen_constants.py"), "--check"],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_count_and_sample_values():
    names = [n for n in dir(pyvirt) if n.startswith("VIR_")]
    assert len(names) == 1194
    assert pyvirt.VIR_DOMAIN_RUNNING == 1
    assert pyvirt.VIR_ERR_NO_SUPPORT == 3
    assert pyvirt.VIR_DOMAIN_SCHEDULER_WEIGHT == "weight"
    assert pyvirt.VIR_CONNECT_LIST_DOMAINS_ACTIVE == 1 << 0
    assert constants_qemu.VIR_DOMAIN_QEMU_MONITOR_COMMAND_HMP == 1
    assert not hasattr(constants, "VIR_DOMAIN_LAST")


def _libvirt_python_available():
    if not os.path.exists(DEBIAN_PY):
        return False
    return subprocess.run([DEBIAN_PY, "-c", "import libvirt"], capture_output=True,
                          check=False).returncode == 0


@pytest.mark.libvirt_ref
@pytest.mark.skipif(not _libvirt_python_available(), reason="python3-libvirt not installed")
def test_same_names_and_values_as_libvirt_python():
    code = ("import json, libvirt; print(json.dumps({k: getattr(libvirt, k) "
            "for k in dir(libvirt) if k.startswith('VIR_')}))")
    theirs = json.loads(subprocess.run([DEBIAN_PY, "-c", code], capture_output=True,
                                       text=True, check=True).stdout)
    ours = {k: getattr(pyvirt, k) for k in dir(pyvirt) if k.startswith("VIR_")}
    assert ours == theirs
