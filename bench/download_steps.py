#!/usr/bin/env python3
"""A sparse volume download, step by step: pyvirt in process against pyvirtd.

The sparse rows of ``bench/storage_transfer.py`` (16 MiB of data in a
1 GiB image, ``VIR_STORAGE_VOL_DOWNLOAD_SPARSE_STREAM``) take tens of
milliseconds, most of it the final fsync.  This splits one download into
its steps, each round in a fresh client process (as the bench's rows and
``virsh vol-download`` run) with the image copied into a new dir pool
(where the bench uploads it), after the same ``sync`` and priming as the
bench, pyvirt in process (``qemu:///embed``) and through pyvirtd
(pyvirt's client) taking turns:

  call     newStream + vol.download (through pyvirtd: the RPC)
  first    until the first 1 MiB piece reaches the application's handler
  data     the rest of the data and the holes, the handler writing them
  finish   st.finish() (through pyvirtd: the daemon's confirmation)
  fsync    the fsync of the copy
  total    all of it; CPU is the client process's utime + stime in it,
           faults its minor page faults

Prints the median of each over --rounds, and cp (then ``sync``) of the
same image for scale.

Usage: bench/download_steps.py [--rounds N]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import storage_transfer  # noqa: E402

# argv URI BASE SRC: SRC copied into a new dir pool (not timed), then downloaded once,
# timed step by step; prints 'STEP SECONDS' lines, 'cpu SECONDS' and 'faults N'.
STEPS = storage_transfer.PRIME + r'''
import os, resource, subprocess, sys, time
import pyvirt as lv
uri, base, src = sys.argv[1], sys.argv[2], sys.argv[3]
os.makedirs(f"{base}/pool")
subprocess.run(["cp", "--sparse=always", src, f"{base}/pool/v.img"], check=True)
conn = lv.open(uri)
pool = conn.storagePoolCreateXML(f"<pool type='dir'><name>steps</name><target><path>{base}/pool</path></target></pool>", 0)
vol = pool.storageVolLookupByName("v.img")
out = open(f"{base}/down.img", "wb", buffering=0)
os.sync()
prime(base, os.stat(src).st_blocks * 512)                 # as the bench primes
first = []
def write(_s, data, _o):
    if not first:
        first.append(time.perf_counter())
    out.write(data)
r0 = resource.getrusage(resource.RUSAGE_SELF)
t0 = time.perf_counter()
st = conn.newStream(0)
vol.download(st, 0, 0, lv.VIR_STORAGE_VOL_DOWNLOAD_SPARSE_STREAM)
t1 = time.perf_counter()
st.sparseRecvAll(write, lambda _s, n, _o: out.seek(n, 1), None)
out.truncate()
t2 = time.perf_counter()
st.finish()
t3 = time.perf_counter()
os.fsync(out.fileno())
t4 = time.perf_counter()
r1 = resource.getrusage(resource.RUSAGE_SELF)
out.close()
vol.delete(0)
pool.destroy()
print("call", t1 - t0)
print("first", first[0] - t1)
print("data", t2 - first[0])
print("finish", t3 - t2)
print("fsync", t4 - t3)
print("total", t4 - t0)
print("cpu", r1.ru_utime + r1.ru_stime - r0.ru_utime - r0.ru_stime)
print("faults", r1.ru_minflt - r0.ru_minflt)
'''

STEP_NAMES = ("call", "first", "data", "finish", "fsync", "total", "cpu")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=10)
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="pyvirt-steps-"))
    pyvirtd = storage_transfer.start_session_pyvirtd(work)
    try:
        _dense, sparse = storage_transfer.make_images(work, 1024)
        sides = {"in process": f"qemu:///embed?root={work}/root",
                 "via pyvirtd": f"qemu+unix:///embed?root={work}/rootd&socket={pyvirtd.sock}"}
        dirs = {"in process": "i", "via pyvirtd": "d"}
        got: dict[str, list[dict[str, float]]] = {name: [] for name in sides}
        cps = []
        print(f"load average at start: {os.getloadavg()[0]:.1f}; median of {args.rounds} "
              "rounds, a fresh client process per download")
        for rnd in range(args.rounds):
            cps.append(storage_transfer.baseline_round(sparse, work, True)["cp"])
            names = list(sides)[rnd % 2:] + list(sides)[:rnd % 2]
            for name in names:
                got[name].append(storage_transfer.run_script(
                    [sys.executable], STEPS, [sides[name], str(work / f"r{rnd}{dirs[name]}"),
                                              str(sparse)]))
        cp = statistics.median(cps)
        print(f"cp --sparse=always + sync: {cp * 1000:.1f} ms")
        print(f"{'':12s}" + "".join(f"{s:>9s}" for s in STEP_NAMES) + "   faults   rate/cp")
        for name, rows in got.items():
            med = {k: statistics.median(r[k] for r in rows) for k in rows[0]}
            print(f"{name:12s}" + "".join(f"{med[s] * 1000:9.1f}" for s in STEP_NAMES)
                  + f"{med['faults']:9.0f}   {cp / med['total']:.2f}")
        print("(milliseconds; cpu: the client process's)")
        print(f"load average at end: {os.getloadavg()[0]:.1f}")
    finally:
        pyvirtd.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
