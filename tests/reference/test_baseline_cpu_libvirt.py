"""CPU baselines: the committed libvirt answers, and pyvirt on random inputs.

``test_committed_answers_are_libvirts`` re-asks Debian's libvirt 9.0 test
driver for ``tests/data/cpubaseline/cases.json`` and requires the committed
``libvirt.json``.  ``test_random_inputs`` gives both libvirt and pyvirt the
same 400 random pairs and triples of CPU models (with random features, and
now and then a vendor the model does not have) and requires the same answer,
XML or error, for every one; it prints any that differ.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from refutil import REAL_PYTHON, has_libvirt_python, real_env

HERE = Path(__file__).resolve().parent
DATA = HERE.parent / "data" / "cpubaseline"

pytestmark = [pytest.mark.libvirt_ref,
              pytest.mark.skipif(not has_libvirt_python(),
                                 reason="Debian's python3-libvirt is not installed")]


def _real(args: list[str], stdin: str | None = None) -> str:
    env = real_env()
    proc = subprocess.run([REAL_PYTHON, *args], capture_output=True, text=True, input=stdin,
                          timeout=600, check=False, env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc.stdout


def test_committed_answers_are_libvirts() -> None:
    found = json.loads(_real([str(HERE / "capture_cpu.py")]))
    assert found == json.loads((DATA / "libvirt.json").read_text())


def _random_cases(seed: int, count: int) -> dict:
    """Random baseline inputs from the CPU map's x86 models and features."""
    import random

    from pyvirt.drivers.test.cpu import x86_map
    cmap = x86_map()
    rnd = random.Random(seed)
    models = [m for m in cmap.models]
    names = [name for name, _bits in cmap.features]
    vendors = sorted(cmap.vendors)
    cases = {}
    for i in range(count):
        first = rnd.choice(models)
        cpus = []
        for j in range(rnd.choice([2, 2, 3])):
            pool = [m for m in models if m.vendor in (first.vendor, None)]
            model = first if rnd.random() < 0.3 else rnd.choice(pool)
            vendor = model.vendor or first.vendor
            if rnd.random() < 0.1:
                vendor = rnd.choice(vendors)      # possibly not the model's
            tag = f"<vendor>{vendor}</vendor>" if vendor and rnd.random() < 0.5 else ""
            feats = "".join(f"<feature name='{f}'/>"
                            for f in rnd.sample(names, rnd.choice([0, 1, 3, 8])))
            cpus.append(f"<cpu><arch>x86_64</arch><model>{model.name}</model>{tag}{feats}"
                        "</cpu>")
        cases[f"r{i}"] = [cpus, rnd.choice([0, 1])]
    return cases


def test_random_inputs() -> None:
    import pyvirt
    sys.path.insert(0, str(HERE))
    from capture_cpu import run

    cases = _random_cases(20261205, 400)
    code = ("import json, sys; sys.path.insert(0, sys.argv[1]); import libvirt; "
            "from capture_cpu import run; print(json.dumps(run(libvirt, json.load(sys.stdin))))")
    theirs = json.loads(_real(["-c", code, str(HERE)], json.dumps(cases)))
    ours = run(pyvirt, cases)
    differ = [name for name in cases if ours[name] != theirs[name]]
    for name in differ:
        print(name, cases[name], "\n  libvirt:", theirs[name], "\n  pyvirt: ", ours[name])
    assert not differ
