"""The test driver's 338-step scenario, through the daemons, with both clients.

Real libvirt-python against libvirtd is the reference; real libvirt-python
against pyvirtd, pyvirt's client against pyvirtd and pyvirt's client against
libvirtd must record exactly the same results and errors (the URI aside).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import daemons
import pytest

WRAPPER = os.path.join(os.path.dirname(__file__), "remote_scenario.py")


def _run(flavour: str, uri: str) -> list:
    python = daemons.REAL_PYTHON if flavour == "libvirt" else sys.executable
    env = dict(os.environ)
    if flavour == "libvirt":
        env.pop("PYTHONPATH", None)
    proc = subprocess.run([python, WRAPPER, flavour, uri], check=False, capture_output=True,
                          text=True, timeout=600, env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return [step for step in json.loads(proc.stdout) if step[0] != "uri"]


@pytest.fixture(scope="module")
def reference(libvirtd, real_python):
    return _run("libvirt", libvirtd.uri())


@pytest.mark.parametrize("flavour,daemon", [("libvirt", "pyvirtd"), ("pyvirt", "pyvirtd"),
                                            ("pyvirt", "libvirtd")])
def test_scenario_matches_libvirtd(request, reference, flavour, daemon):
    d = request.getfixturevalue(daemon)
    got = _run(flavour, d.uri())
    assert [s[0] for s in got] == [s[0] for s in reference]
    diffs = [(ref, ours) for ref, ours in zip(reference, got) if ref != ours]
    assert diffs == []
