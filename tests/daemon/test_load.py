"""100 concurrent clients mixing calls for ~20 s: nothing lost, nothing stuck.

Half are pyvirt clients (two processes), half real libvirt-python clients
(two processes), all against one pyvirtd.  A holder connection keeps the
test driver's state alive for the whole run.  bench/rpc_load.py runs the
same for a minute.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import daemons

import pyvirt

LOADGEN = os.path.join(os.path.dirname(__file__), "loadgen.py")


def run_load(daemon, clients: int, seconds: float) -> list[dict]:
    """Run ``clients`` clients in four processes for ``seconds``; return their reports."""
    per = clients // 4
    procs = []
    env = dict(os.environ)
    for k in range(4):
        real = k % 2 == 1
        python = daemons.REAL_PYTHON if real and os.path.exists(daemons.REAL_PYTHON) \
            else sys.executable
        flavour = "libvirt" if python == daemons.REAL_PYTHON else "pyvirt"
        e = dict(env)
        if flavour == "libvirt":
            e.pop("PYTHONPATH", None)
        procs.append(subprocess.Popen([python, LOADGEN, daemon.uri(), str(per), str(seconds),
                                       flavour, str(k)], stdout=subprocess.PIPE, text=True,
                                      env=e))
    reports = []
    for p in procs:
        out, _ = p.communicate(timeout=seconds + 120)
        assert p.returncode == 0, out
        reports.append(json.loads(out.strip().splitlines()[-1]))
    return reports


def test_hundred_clients(pyvirtd):
    holder = pyvirt.open(pyvirtd.uri())
    try:
        reports = run_load(pyvirtd, 100, 15)
        for r in reports:
            assert r["nerrors"] == 0, r["errors"]
            assert not r["lost"], r["lost"]
            assert r["stuck"] == 0
            assert r["min_client_calls"] > 0, r
        leftovers = [d.name() for d in holder.listAllDomains() if d.name().startswith("load-")]
        assert leftovers == []
        assert holder.getVersion() == 2
    finally:
        holder.close()
