#!/usr/bin/env python3
"""pyvirt's remote client beside libvirt-python's, in one process, call for call.

Separate client processes measured one after the other see different load
on a shared machine; here one process (Debian's python3, which can import
both ``libvirt`` and this tree's ``pyvirt``) holds a connection of each
client and alternates blocks of the same call between them, so both see
the same load.  Per call: the calling thread's CPU (``time.thread_time``)
and the wall time, medians over the blocks.

Two comparisons, each for the test driver and the QEMU driver:

- same daemon (pyvirtd, then libvirtd): pyvirt's client / libvirt-python's;
- the goal of pyvirt's client (issue 10): pyvirt's client talking to
  pyvirtd / libvirt-python talking to libvirtd.

Starts a pyvirtd and a libvirtd as ``bench/rpc_calls.py`` does (root
needed).  Usage: bench/rpc_client_ab.py [--blocks N] [--calls N]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import rpc_calls as B

WORKER = r"""
import json, statistics, sys, time
import libvirt, pyvirt
uri_a, uri_b, op, name, blocks, n = sys.argv[1:7]
blocks, n = int(blocks), int(n)
for lib in (libvirt, pyvirt):
    lib.registerErrorHandler(lambda c, e: None, None)
conns = {"pyvirt": pyvirt.open(uri_a), "libvirt": libvirt.open(uri_b)}

def call(c):
    d = c.lookupByName(name)
    return {"getVersion": c.getVersion, "lookupByName": lambda: c.lookupByName(name),
            "info": d.info, "XMLDesc": lambda: d.XMLDesc(0),
            "lookupByName+info": lambda: c.lookupByName(name).info(),
            "listAllDomains": c.listAllDomains}[op]
funcs = {k: call(c) for k, c in conns.items()}
for f in funcs.values():
    for _ in range(100):
        f()
got = {k: [] for k in funcs}
for b in range(blocks):
    for k in (("pyvirt", "libvirt") if b % 2 else ("libvirt", "pyvirt")):
        f = funcs[k]
        t0, c0 = time.perf_counter(), time.thread_time()
        for _ in range(n):
            f()
        got[k].append(((time.thread_time() - c0) / n * 1e6, (time.perf_counter() - t0) / n * 1e6))
print(json.dumps({k: [statistics.median(x[0] for x in v), statistics.median(x[1] for x in v)]
                  for k, v in got.items()}))
for c in conns.values():
    c.close()
"""

OPS = ("getVersion", "lookupByName", "info", "lookupByName+info", "XMLDesc", "listAllDomains")


def ab(uri_a: str, uri_b: str, op: str, name: str, blocks: int, calls: int) -> dict:
    """{client: [thread CPU µs, wall µs]} per call, pyvirt on ``uri_a``, libvirt on ``uri_b``."""
    env = dict(os.environ, PYTHONPATH=str(HERE.parent))
    out = subprocess.run([B.daemons.REAL_PYTHON, "-c", WORKER, uri_a, uri_b, op, name,
                          str(blocks), str(calls)], capture_output=True, text=True, env=env,
                         timeout=1800, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--blocks", type=int, default=20, help="blocks of calls per client")
    ap.add_argument("--calls", type=int, default=200, help="calls per block")
    ap.add_argument("--qemu-domains", type=int, default=100, help="QEMU domains to define")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="rpcab-"))
    pyvirtd = B.start_pyvirtd(work / "pyvirtd")
    libvirtd = B.daemons.start_libvirtd(work / "libvirtd")
    uris = {("test", "pyvirtd"): pyvirtd.uri(), ("test", "libvirtd"): libvirtd.uri(),
            ("qemu", "pyvirtd"): f"qemu+unix:///session?socket={pyvirtd.sock}",
            ("qemu", "libvirtd"): f"qemu+unix:///system?socket={libvirtd.sock}"}
    holders = [B.populate(uris[("qemu", d)], B.QEMU_XML, "guest-", args.qemu_domains)
               for d in ("pyvirtd", "libvirtd")]
    try:
        print(f"Measured {time.strftime('%Y-%m-%d %H:%M')}, load average "
              f"{os.getloadavg()[0]:.2f}; per call: calling thread's CPU µs and wall µs, "
              f"medians of {args.blocks} alternating blocks of {args.calls} calls")
        print(f"{'':44s} {'CPU pyvirt':>10s} {'libvirt':>8s} {'ratio':>6s}"
              f" {'wall pyvirt':>11s} {'libvirt':>8s} {'ratio':>6s}")
        goal = []
        for driver, name in (("test", "test"), ("qemu", "guest-0001")):
            for op in OPS:
                rows = [(f"{driver} {op}, both to {d}", uris[(driver, d)], uris[(driver, d)])
                        for d in ("pyvirtd", "libvirtd")]
                rows.append((f"{driver} {op}, pyvirt->pyvirtd vs libvirt->libvirtd",
                             uris[(driver, "pyvirtd")], uris[(driver, "libvirtd")]))
                for label, a, b in rows:
                    r = ab(a, b, op, name, args.blocks, args.calls)
                    (pc, pw), (lc, lw) = r["pyvirt"], r["libvirt"]
                    print(f"{label:44s} {pc:10.1f} {lc:8.1f} {pc / lc:6.2f}"
                          f" {pw:11.1f} {lw:8.1f} {pw / lw:6.2f}")
                    if a != b:
                        goal.append((f"{driver} {op}", pw, lw))
        met = sum(1 for _l, p, q in goal if p <= q)
        print(f"\nGOAL pyvirt->pyvirtd <= libvirt-python->libvirtd, wall µs/call: met in {met} "
              f"of {len(goal)} -- " + "; ".join(f"{label}: {p:.1f} vs {q:.1f} ({p / q:.2f})"
                                              for label, p, q in goal))
    finally:
        for h in holders:
            h.close()
        pyvirtd.stop()
        libvirtd.stop()
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
