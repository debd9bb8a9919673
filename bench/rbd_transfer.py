#!/usr/bin/env python3
"""RBD volume transfers: pyvirt's vol-create + vol-upload + vol-download against ``rbd``.

Starts a private single-node Ceph cluster (tests/drivers/host/ceph.py: one
mon, one mgr, one bluestore OSD on a sparse file, 127.0.0.1), writes a file
of --size MiB of random data, then, in the same run:

(a) ``rbd import FILE POOL/cli`` and ``rbd export POOL/cli OUT`` (Ceph's own
    tool, librbd with its parallel I/O);
(b) pyvirt (``qemu:///embed``, in process): storageVolCreateXML of the same
    capacity, upload of the file through a virStream (1 MiB sends), download
    into OUT (1 MiB receives).

libvirt 9.0's rbd backend has no vol-upload/vol-download (it answers "not
supported"), so there is no libvirt column.  Prints seconds (median of
--runs), MiB/s and pyvirt's rate as a ratio of rbd's, and checks that the
downloaded bytes are the file's.

Usage: bench/rbd_transfer.py [--size MiB] [--runs N]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "tests" / "drivers" / "host")]

import ceph

import pyvirt

CHUNK = 1 << 20
SECRET = "0c0c0c0c-9999-4222-8333-444444444444"


def _timed(func) -> float:  # type: ignore[no-untyped-def]
    t0 = time.perf_counter()
    func()
    return time.perf_counter() - t0


def _rbd_round(cluster: ceph.CephCluster, src: str, out: str) -> tuple[float, float]:
    up = _timed(lambda: cluster.run("rbd", "import", "--no-progress", src,
                                    f"{ceph.POOL}/cli", timeout=600))
    down = _timed(lambda: cluster.run("rbd", "export", "--no-progress", f"{ceph.POOL}/cli",
                                      out, timeout=600))
    cluster.run("rbd", "rm", "--no-progress", f"{ceph.POOL}/cli")
    os.unlink(out)
    return up, down


def _pyvirt_round(conn, pool, src: str, out: str, size: int) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    def upload() -> None:
        vol = pool.createXML(f"<volume><name>pv</name><capacity unit='bytes'>{size}"
                             "</capacity></volume>", 0)
        st = conn.newStream(0)
        vol.upload(st, 0, size, 0)
        with open(src, "rb") as fh:
            while data := fh.read(CHUNK):
                st.send(data)
        st.finish()

    def download() -> None:
        vol = pool.storageVolLookupByName("pv")
        st = conn.newStream(0)
        vol.download(st, 0, size, 0)
        with open(out, "wb") as fh:
            while data := st.recv(CHUNK):
                fh.write(data)
        st.finish()

    up, down = _timed(upload), _timed(download)
    with open(src, "rb") as a, open(out, "rb") as b:
        assert a.read() == b.read(), "the downloaded bytes differ from the file"
    pool.storageVolLookupByName("pv").delete(0)
    os.unlink(out)
    return up, down


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--size", type=int, default=256, help="MiB (default 256)")
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    lacking = ceph.missing()
    if lacking:
        print(f"Ceph is not installed (missing {', '.join(lacking)})")
        return 2
    size = args.size << 20
    work = tempfile.mkdtemp(prefix="pyvirt-bench-rbd-")
    src, out = os.path.join(work, "src.img"), os.path.join(work, "out.img")
    with open(src, "wb") as fh:
        fh.writelines(os.urandom(CHUNK) for _ in range(args.size))
    t0 = time.perf_counter()
    cluster = ceph.start_cluster()
    print(f"cluster up in {time.perf_counter() - t0:.1f} s; {args.size} MiB of random data, "
          f"median of {args.runs} runs (measured on a machine shared with other work)")
    conn = pyvirt.open(f"qemu:///embed?root={work}/root")
    try:
        pool = cluster.start_pool(conn, "ceph", SECRET)
        rbd_runs, pv_runs = [], []
        for _ in range(args.runs):
            rbd_runs.append(_rbd_round(cluster, src, out))
            pv_runs.append(_pyvirt_round(conn, pool, src, out, size))
        pool.destroy()
    finally:
        conn.close()
        cluster.stop()
        shutil.rmtree(work, ignore_errors=True)
    rows = []
    for what, idx in (("upload (rbd import)", 0), ("download (rbd export)", 1)):
        ref = statistics.median(r[idx] for r in rbd_runs)
        got = statistics.median(r[idx] for r in pv_runs)
        rows.append((what, ref, got))
    print(f"{'':24} {'rbd s':>8} {'MiB/s':>8} {'pyvirt s':>9} {'MiB/s':>8} {'ratio':>6}")
    for what, ref, got in rows:
        print(f"{what:24} {ref:8.2f} {args.size / ref:8.0f} {got:9.2f} {args.size / got:8.0f} "
              f"{ref / got:6.2f}")
    print("ratio = pyvirt's rate / rbd's rate (1.00: as fast as Ceph's own tool); "
          "libvirt 9.0: no rbd upload/download to compare")
    return 0


if __name__ == "__main__":
    sys.exit(main())
