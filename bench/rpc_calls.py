#!/usr/bin/env python3
"""RPC round trips per second: pyvirtd beside libvirtd, on the same machine.

Starts a pyvirtd and a libvirtd (private mount namespace; root needed),
defines 1,000 extra domains in each test driver (a holder connection keeps
that state alive), then measures with real libvirt-python clients
(/usr/bin/python3, the C client) and with pyvirt's client:

- getVersion, lookupByName+info, listAllDomains (1,001 domains): µs per call
  from one client, and calls per second from eight client processes;
- ``virsh list --all`` wall time with the 1,001 domains.

Prints each figure for both daemons and the ratio pyvirtd/libvirtd
(time ratios: below 1 is faster; rate ratios: above 1 is faster).

Usage: bench/rpc_calls.py [--seconds S] [--domains N] [--no-libvirtd]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests" / "daemon"))

import daemons

WORKER = r"""
import json, sys, time
flavour, uri, op, seconds = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
if flavour == "pyvirt":
    import pyvirt as libvirt
else:
    import libvirt
libvirt.registerErrorHandler(lambda c, e: None, None)
c = libvirt.open(uri)
ops = {"getVersion": c.getVersion,
       "lookupByName+info": lambda: c.lookupByName("test").info(),
       "listAllDomains": c.listAllDomains}
f = ops[op]
for _ in range(20):
    f()
n = 0
t0 = time.perf_counter()
end = t0 + seconds
while True:
    for _ in range(20):
        f()
    n += 20
    now = time.perf_counter()
    if now >= end:
        break
print(json.dumps({"n": n, "t": now - t0}))
c.close()
"""

OPS = ("getVersion", "lookupByName+info", "listAllDomains")


def _python(flavour: str) -> list[str]:
    return [sys.executable] if flavour == "pyvirt" else [daemons.REAL_PYTHON]


def _env(flavour: str) -> dict:
    env = dict(os.environ)
    if flavour != "pyvirt":
        env.pop("PYTHONPATH", None)
    return env


def measure(flavour: str, uri: str, op: str, seconds: float, procs: int) -> tuple[float, float]:
    """Return (µs per call of one process, total calls/s of ``procs`` processes)."""
    argv = _python(flavour) + ["-c", WORKER, flavour, uri, op, str(seconds)]
    runs = [subprocess.Popen(argv, stdout=subprocess.PIPE, text=True, env=_env(flavour))
            for _ in range(procs)]
    results = []
    for p in runs:
        out, _ = p.communicate(timeout=seconds * 4 + 60)
        results.append(json.loads(out.strip().splitlines()[-1]))
    per_call = sum(r["t"] / r["n"] for r in results) / len(results) * 1e6
    rate = sum(r["n"] / r["t"] for r in results)
    return per_call, rate


def virsh_list(uri: str, repeat: int = 5) -> float:
    """Return the best wall time of ``virsh list --all``."""
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        subprocess.run([daemons.VIRSH, "-c", uri, "list", "--all"], capture_output=True,
                       check=True)
        best = min(best, time.perf_counter() - t0)
    return best


def populate(uri: str, count: int):
    """Open a holder connection and define ``count`` domains; return the connection."""
    import pyvirt
    conn = pyvirt.open(uri)
    for i in range(count):
        conn.defineXML(f"<domain type='test'><name>bench-{i:04d}</name><memory>65536</memory>"
                       "<os><type>hvm</type></os></domain>")
    return conn


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=3.0, help="seconds per measurement")
    ap.add_argument("--domains", type=int, default=1000, help="extra domains to define")
    ap.add_argument("--no-libvirtd", action="store_true", help="measure pyvirtd alone")
    args = ap.parse_args()

    work = Path(tempfile.mkdtemp(prefix="rpcbench-"))
    daemons_ = {"pyvirtd": daemons.start_pyvirtd(work / "pyvirtd", tcp=False)}
    if not args.no_libvirtd and not daemons.libvirtd_available():
        daemons_["libvirtd"] = daemons.start_libvirtd(work / "libvirtd")
    holders = []
    try:
        for d in daemons_.values():
            holders.append(populate(d.uri(), args.domains))
        rows: list[tuple[str, dict[str, float]]] = []
        for client in ("libvirt", "pyvirt"):
            if client == "libvirt" and not os.path.exists(daemons.REAL_PYTHON):
                continue
            for op in OPS:
                one: dict[str, float] = {}
                eight: dict[str, float] = {}
                for name, d in daemons_.items():
                    one[name], _ = measure(client, d.uri(), op, args.seconds, 1)
                    _, eight[name] = measure(client, d.uri(), op, args.seconds, 8)
                rows.append((f"{client:7s} client  {op:18s} µs/call (1 client)", one))
                rows.append((f"{client:7s} client  {op:18s} calls/s (8 procs) ", eight))
        lists = {name: virsh_list(d.uri()) * 1000 for name, d in daemons_.items()}
        rows.append((f"virsh list --all ({args.domains + 1} domains), ms          ", lists))
        print(f"{'':58s} {'pyvirtd':>10s} {'libvirtd':>10s} {'ratio':>7s}")
        for label, vals in rows:
            py, lv = vals.get("pyvirtd"), vals.get("libvirtd")
            ratio = f"{py / lv:7.2f}" if py and lv else "      -"
            print(f"{label:58s} {py:10.1f} {lv if lv else float('nan'):10.1f} {ratio}")
    finally:
        for h in holders:
            h.close()
        for d in daemons_.values():
            d.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
