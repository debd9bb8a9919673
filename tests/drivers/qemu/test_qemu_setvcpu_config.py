"""virDomainSetVcpu with VIR_DOMAIN_AFFECT_CONFIG: the persistent ``<vcpus>`` list.

tests/reference/capture_setvcpu_config.py runs a sequence of requests (good
and bad) on defined domains and prints each answer and the domain's
``<vcpu>``/``<vcpus>`` after it; libvirt 9.0's output (its embedded QEMU
driver) is tests/data/qemu_resources/setvcpu_config.json.  pyvirt's must be
the same, byte for byte.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]


def test_setvcpu_config_as_libvirt(tmp_path: Path) -> None:
    res = subprocess.run([sys.executable, str(REPO / "tests" / "reference" /
                                              "capture_setvcpu_config.py"),
                          str(tmp_path / "root"), "--pyvirt"],
                         capture_output=True, text=True, timeout=120, check=False)
    assert res.returncode == 0, res.stderr
    expected = json.loads((REPO / "tests" / "data" / "qemu_resources" /
                           "setvcpu_config.json").read_text())
    ours = json.loads(res.stdout)
    assert len(ours) == len(expected)
    for mine, theirs in zip(ours, expected):
        assert mine == theirs
