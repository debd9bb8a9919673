"""virConnectBaselineCPU on the test driver against libvirt 9.0's own answers.

``tests/data/cpubaseline/libvirt.json`` holds what Debian's libvirt 9.0 test
driver answered for each input of ``cases.json`` (captured by
``tests/reference/capture_cpu.py``; ``test_baseline_cpu_libvirt.py`` there
re-captures it).  pyvirt must give the same XML, or the same error code,
domain and message.  Both read the CPU map Debian's libvirt0 installs.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

import pyvirt
from pyvirt import constants as C

DATA = Path(__file__).resolve().parents[2] / "data" / "cpubaseline"
CASES = json.loads((DATA / "cases.json").read_text())
LIBVIRT = json.loads((DATA / "libvirt.json").read_text())
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "reference"))

pytestmark = pytest.mark.skipif(not os.path.exists("/usr/share/libvirt/cpu_map/index.xml"),
                                reason="libvirt's CPU map (libvirt0) is not installed")


@pytest.fixture(scope="module")
def answers() -> dict:
    from capture_cpu import run
    return run(pyvirt, CASES)


@pytest.mark.parametrize("name", sorted(CASES))
def test_same_as_libvirt(name: str, answers: dict) -> None:
    assert answers[name] == LIBVIRT[name]


def test_mitigation_features_are_expanded(answers: dict) -> None:
    """The expanded baseline names the models' speculation-control features."""
    xml = answers["mitigations-expand"][1]
    for feature in ("spec-ctrl", "ssbd", "ibpb", "md-clear"):
        assert f"name='{feature}'" in xml


def test_compare_and_hypervisor_calls_are_not_in_libvirts_test_driver() -> None:
    conn = pyvirt.open("test:///default")
    cpu = "<cpu><arch>x86_64</arch><model>Haswell</model></cpu>"
    for call in (lambda: conn.compareCPU(cpu, 0),
                 lambda: conn.baselineHypervisorCPU(None, "x86_64", None, None, [cpu], 0),
                 lambda: conn.compareHypervisorCPU(None, "x86_64", None, None, cpu, 0)):
        with pytest.raises(pyvirt.libvirtError) as err:
            call()
        assert err.value.get_error_code() == C.VIR_ERR_NO_SUPPORT
    conn.close()


def test_other_architectures_are_refused_clearly() -> None:
    conn = pyvirt.open("test:///default")
    with pytest.raises(pyvirt.libvirtError) as err:
        conn.baselineCPU(["<cpu><arch>ppc64</arch><model>POWER8</model></cpu>"], 0)
    assert err.value.get_error_code() == C.VIR_ERR_NO_SUPPORT
    assert "ppc64" in str(err.value)
    conn.close()
