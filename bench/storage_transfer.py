#!/usr/bin/env python3
"""Volume upload/download and pool refresh: pyvirt against cp/dd and libvirt 9.0.

(a) ``vol-upload`` + ``vol-download`` of a 1 GiB image, dense (every byte
    data) and sparse (16 MiB of data in 1 GiB), through pyvirt's API in
    process (``qemu:///embed``) and through pyvirtd (pyvirt's client), the
    sparse image with the SPARSE_STREAM flags; also pyvirtd with Debian's
    libvirt-python as the client, the client libvirtd is measured with; against ``cp`` and ``dd``
    (bs=1M) copying the same file in the same run, and against libvirtd
    9.0 (Debian's python3-libvirt over its socket) doing the same transfers.
    Every copy ends with its data on disk (fsync, ``conv=fsync``; an upload
    with an fsync of the volume, which pyvirt's upload did already and
    libvirtd's does not do) and starts after a ``sync`` (the writeback of the
    step before does not slow it).
(b) ``pool-refresh`` of a dir pool of 1,000 volumes (raw files and qcow2
    images) in pyvirt (in process and through pyvirtd) and in libvirtd 9.0:
    the first refresh and a repeated one.

The rows take turns: each round runs cp and dd, then every row once, the
rows in a rotating order (the first row after cp one round is the second
the next), so no row always meets the page cache or the memory as another
row left it.  The cost of writing fresh page-cache pages swings with the
machine's memory state (on a VM whose free memory goes back to the host
a few seconds after it is freed, a page first touched again costs a fault
in the host too: a plain ``dd`` of 512 MiB costs 1.3-1.8 s of system time
when its target's pages were freed 6 s before, 0.3-0.6 s when as much
was written and deleted just before it).  So every timed step starts, after
its sync, with as many pages as it will write freed just before (a scratch
file written and deleted: its ``prime``), the same for every row and cp.
When every row of one client ran before the next client's and nothing
was primed, the first daemon row paid for it (with 512 MiB images, swapping
the two pyvirtd rows swapped their daemon CPU figures).  With turns and
priming, 1 GiB under load, pyvirtd's upload CPU in the "pyvirt via pyvirtd"
row still came out 2-3x the libvirt-py row's (3.2-3.4 against 1.2-1.4 s/GiB,
two runs), both uploads fully spliced and the extra all in the kernel's
page-cache copy; that row opens ``qemu+unix:///embed?root=``, the other
``qemu+unix:///session``, and pyvirt's client alone showed embed uploads
costlier than session ones in most pairs (1.4-1.9 against 0.7-1.25 s/GiB):
not explained yet.

Prints seconds (median of --runs; for the sparse image, of --sparse-runs:
its steps take tens of milliseconds, most of it the final fsync, and one
round moves its rates by a fifth or more, cp's as much as the others') and,
for (a), each rate as a fraction of cp's (the goal: >= 0.9); the CPU time the
daemon (pyvirtd, or libvirtd for its row) spent per GiB it moved, uploads and downloads apart (its utime +
stime; on a busy machine a steadier figure than the rates), the client's
own CPU per GiB, and cp's CPU per GiB copied (the kernel's cost of writing
the page cache, which an upload's daemon and a download's client pay as
well); for (b), pyvirt's time over libvirt's.  The
machine this runs on may be busy: compare the ratios of one run only.

Usage: bench/storage_transfer.py [--runs N] [--sparse-runs N] [--size MiB] [--dir DIR]
                                 [--no-libvirt]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "daemon"))

import daemons  # noqa: E402

CHUNK = 1 << 20

# The same transfers from Debian's python3-libvirt (or pyvirt): argv MODULE URI BASE SRC
# SPARSE(0/1) DAEMON_PID (0: none); one upload and one download; prints 'upload
# SECONDS', 'download SECONDS', and the CPU seconds the daemon ('dcpu_up', 'dcpu_down')
# and this process ('ccpu_up', 'ccpu_down') spent in each.
# The client scripts' prime(BASE, WRITTEN): as many page-cache pages freed just now as
# the step will write (see the docstring), by a file next to BASE written and deleted.
PRIME = r'''
import os
def prime(base, written):
    with open(f"{base}.prime", "wb", buffering=0) as tmp:
        zeros = bytes(1 << 20)
        for _ in range(0, written, 1 << 20):
            tmp.write(zeros)
    os.unlink(f"{base}.prime")
'''

TRANSFER = PRIME + r'''
import filecmp, importlib, os, resource, sys, time
lv = importlib.import_module(sys.argv[1])
uri, base, src, sparse, pid = sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5] == "1", int(sys.argv[6])
size = os.path.getsize(src)
written = os.stat(src).st_blocks * 512      # the data a copy writes (holes aside)
def cpu():
    me = resource.getrusage(resource.RUSAGE_SELF)
    if not pid:
        return 0.0, me.ru_utime + me.ru_stime
    with open(f"/proc/{pid}/stat") as fh:
        fields = fh.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK"), me.ru_utime + me.ru_stime
conn = lv.open(uri)
pool = conn.storagePoolCreateXML(f"<pool type='dir'><name>bench</name><target><path>{base}/pool</path></target></pool>", lv.VIR_STORAGE_POOL_CREATE_WITH_BUILD)
vol = pool.createXML(f"<volume><name>v.img</name><capacity>{size}</capacity><allocation>0</allocation></volume>", 0)
path = vol.path()
fh = open(src, "rb", buffering=0)   # unbuffered: the hole handler's lseeks are the file's
os.sync()                           # no writeback of earlier steps runs meanwhile
prime(base, written)
c0 = cpu()
t = time.perf_counter()
st = conn.newStream(0)
if sparse:
    vol.upload(st, 0, 0, lv.VIR_STORAGE_VOL_UPLOAD_SPARSE_STREAM)
    def hole(_s, _o):
        pos = fh.tell()
        if pos >= size:
            return True, 0
        try:
            data = os.lseek(fh.fileno(), pos, os.SEEK_DATA)
        except OSError:
            data = size
        end = data if data > pos else os.lseek(fh.fileno(), pos, os.SEEK_HOLE)
        fh.seek(pos)
        return data <= pos, end - pos
    st.sparseSendAll(lambda _s, n, _o: fh.read(n), hole, lambda _s, n, _o: fh.seek(n, 1), None)
else:
    vol.upload(st, 0, 0, 0)
    st.sendAll(lambda _s, n, _o: fh.read(n), None)
st.finish()
fd = os.open(path, os.O_RDONLY)     # the volume on disk, whoever wrote it
os.fsync(fd)
os.close(fd)
up = time.perf_counter() - t
c1 = cpu()
fh.close()
out = open(f"{base}/down.img", "wb", buffering=0)
os.sync()
prime(base, written)
c2 = cpu()
t = time.perf_counter()
st = conn.newStream(0)
if sparse:
    vol.download(st, 0, 0, lv.VIR_STORAGE_VOL_DOWNLOAD_SPARSE_STREAM)
    st.sparseRecvAll(lambda _s, d, _o: out.write(d), lambda _s, n, _o: out.seek(n, 1), None)
    out.truncate()
else:
    vol.download(st, 0, 0, 0)
    st.recvAll(lambda _s, d, _o: out.write(d), None)
st.finish()
out.flush()
os.fsync(out.fileno())
down = time.perf_counter() - t
c3 = cpu()
out.close()
vol.delete(0)
pool.destroy()
# the round trip gave back the source, byte for byte (not timed)
if not filecmp.cmp(src, f"{base}/down.img", shallow=False):
    sys.exit("the downloaded image differs from the uploaded one")
print("upload", up)
print("download", down)
print("dcpu_up", c1[0] - c0[0])
print("dcpu_down", c3[0] - c2[0])
print("ccpu_up", c1[1] - c0[1])
print("ccpu_down", c3[1] - c2[1])
'''

REFRESH = r'''
import importlib, statistics, sys, time
lv = importlib.import_module(sys.argv[1])
uri, path, runs = sys.argv[2], sys.argv[3], int(sys.argv[4])
conn = lv.open(uri)
t = time.perf_counter()
pool = conn.storagePoolCreateXML(f"<pool type='dir'><name>many</name><target><path>{path}</path></target></pool>", 0)
first = time.perf_counter() - t
times = []
for _ in range(runs):
    t = time.perf_counter()
    pool.refresh(0)
    times.append(time.perf_counter() - t)
n = pool.numOfVolumes()
pool.destroy()
print("first", first)
print("refresh", statistics.median(times))
print("volumes", n)
'''


def prime(path: Path, size: int) -> None:
    """Write ``size`` bytes to ``path`` and delete it: that many page-cache pages were
    freed just before the step that follows (see the docstring)."""
    zeros = bytes(CHUNK)
    with open(path, "wb", buffering=0) as fh:
        fh.writelines(zeros for _ in range(0, size, CHUNK))
    path.unlink()


def timed(func: Callable[[], None], scratch: Path, size: int) -> tuple[float, float]:
    """Seconds ``func`` took, after a sync (no writeback of earlier steps runs
    meanwhile) and :func:`prime`, and the CPU seconds of the processes it ran."""
    os.sync()
    prime(scratch, size)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    func()
    took = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return took, (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)


def start_session_pyvirtd(work: Path) -> daemons.RunningDaemon:
    """pyvirtd on a unix socket under ``work``, its ``qemu:///session`` state in
    temporary XDG dirs there."""
    saved = dict(os.environ)
    for var in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_RUNTIME_DIR"):
        os.environ[var] = str(work / "xdg" / var)
    try:
        return daemons.start_pyvirtd(work / "pyvirtd", tcp=False)
    finally:
        os.environ.clear()
        os.environ.update(saved)


def make_images(base: Path, mib: int) -> tuple[Path, Path]:
    """A dense image (data everywhere) and a sparse one (16 x 1 MiB of data)."""
    block = os.urandom(CHUNK)
    dense, sparse = base / "dense.img", base / "sparse.img"
    with open(dense, "wb") as fh:
        fh.writelines(block for _ in range(mib))
    with open(sparse, "wb") as fh:
        fh.truncate(mib * CHUNK)
        for i in range(16):
            fh.seek(i * (mib // 16) * CHUNK)
            fh.write(block)
    return dense, sparse


def baseline_round(src: Path, base: Path, sparse: bool) -> dict[str, float]:
    """One cp and one dd of ``src``: their seconds, and cp's CPU seconds."""
    dst = base / "copy.img"

    def cp() -> None:
        subprocess.run(["cp", f"--sparse={'always' if sparse else 'never'}", str(src),
                        str(dst)], check=True)
        subprocess.run(["sync", str(dst)], check=True)

    def dd() -> None:
        extra = ["conv=sparse,fsync"] if sparse else ["conv=fsync"]
        subprocess.run(["dd", f"if={src}", f"of={dst}", "bs=1M", "status=none", *extra],
                       check=True)
    written = os.stat(src).st_blocks * 512
    cp_time, cp_cpu = timed(cp, base / "prime.tmp", written)
    dd_time, _ = timed(dd, base / "prime.tmp", written)
    dst.unlink()
    return {"cp": cp_time, "cp_cpu": cp_cpu, "dd": dd_time}


LEGEND = """\
rows (each starts after a sync and ends with its data on disk; the rows take turns):
  cp        cp FILE COPY, then sync COPY (an fsync of the copy)
  dd        dd bs=1M conv=fsync
  upload    newStream + vol.upload + send all + finish, then an fsync of the volume
            (pyvirt's finish syncs the volume itself; libvirtd's does not)
  download  newStream + vol.download + receive all + finish, then an fsync of the copy
  CPU       the daemon's (pyvirtd's; libvirtd's in its row) and the client process's
            utime + stime in the step, per GiB moved (in process: the client has the driver)\
"""


def run_script(python: list[str], script: str, args: list[str]) -> dict[str, float]:
    res = subprocess.run([*python, "-c", script, *args], capture_output=True, text=True,
                         check=False, timeout=1800)
    if res.returncode != 0:
        raise RuntimeError(res.stderr[-2000:])
    return {k: float(v) for k, v in (line.split() for line in res.stdout.splitlines())}


def make_pool_dir(path: Path, count: int) -> None:
    """``count`` volumes: raw files and qcow2 images (copies of one) alternating."""
    path.mkdir()
    template = path.parent / "template.qcow2"
    subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", str(template), "64M"],
                   check=True)
    for i in range(count):
        if i % 2:
            shutil.copyfile(template, path / f"v{i:04d}.qcow2")
        else:
            with open(path / f"v{i:04d}.img", "wb") as fh:
                fh.truncate(1 << 20)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--sparse-runs", type=int, default=None,
                    help="rounds for the sparse image (default: 3 x --runs)")
    ap.add_argument("--size", type=int, default=1024, help="image size in MiB")
    ap.add_argument("--volumes", type=int, default=1000)
    ap.add_argument("--dir", default=None, help="work directory (default: a temporary one)")
    ap.add_argument("--no-libvirt", action="store_true")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="pyvirt-bench-", dir=args.dir))
    libvirtd = None if args.no_libvirt or daemons.libvirtd_available() else \
        daemons.start_libvirtd(work / "libvirtd")
    pyvirtd = start_session_pyvirtd(work)
    try:
        dense, sparse = make_images(work, args.size)
        sparse_runs = args.sparse_runs or 3 * args.runs
        print(f"load average at start: {os.getloadavg()[0]:.1f} "
              f"({os.cpu_count()} CPUs); {args.size} MiB images, median of {args.runs} "
              f"rounds (the sparse image: {sparse_runs})")
        print(LEGEND)
        for label, src, is_sparse in (("dense", dense, False), ("sparse", sparse, True)):
            sides = {"pyvirt in process": ([sys.executable], "pyvirt",
                                           f"qemu:///embed?root={work}/root-{label}", 0),
                     "pyvirt via pyvirtd": ([sys.executable], "pyvirt",
                                            (f"qemu+unix:///embed?root={work}/rootd-{label}"
                                             f"&socket={pyvirtd.sock}"), pyvirtd.proc.pid)}
            # the same client (Debian's libvirt-python) against both daemons
            sides["libvirt-py via pyvirtd"] = (["/usr/bin/python3"], "libvirt",
                                               f"qemu+unix:///session?socket={pyvirtd.sock}",
                                               pyvirtd.proc.pid)
            if libvirtd is not None:
                sides["libvirtd 9.0"] = (["/usr/bin/python3"], "libvirt",
                                         f"qemu+unix:///system?socket={libvirtd.sock}",
                                         libvirtd.proc.pid)
            base_runs: list[dict[str, float]] = []
            runs: dict[str, list[dict[str, float]]] = {name: [] for name in sides}
            names = list(sides)
            for rnd in range(sparse_runs if is_sparse else args.runs):
                base_runs.append(baseline_round(src, work, is_sparse))
                for name in names[rnd % len(names):] + names[:rnd % len(names)]:
                    python, module, uri, pid = sides[name]
                    runs[name].append(run_script(python, TRANSFER, [
                        module, uri, str(work / f"x-{label}"), str(src),
                        "1" if is_sparse else "0", str(pid)]))
            base = {key: statistics.median(r[key] for r in base_runs)
                    for key in base_runs[0]}
            gib = args.size / 1024
            print(f"\n{label} image: cp {base['cp']:.3f} s ({base['cp_cpu'] / gib:.2f} s CPU "
                  f"per GiB), dd {base['dd']:.3f} s")
            for name in names:
                got = {key: statistics.median(r[key] for r in runs[name])
                       for key in runs[name][0]}
                for what, short in (("upload", "up"), ("download", "down")):
                    daemon = (f"daemon CPU {got['dcpu_' + short] / gib:.2f} s/GiB  "
                              if sides[name][3] else "")
                    print(f"  {name:22s} {what:8s} {got[what]:.3f} s  "
                          f"rate/cp {base['cp'] / got[what]:.2f}  "
                          f"rate/dd {base['dd'] / got[what]:.2f}  {daemon}"
                          f"client CPU {got['ccpu_' + short] / gib:.2f} s/GiB")
        pool_dir = work / "many"
        make_pool_dir(pool_dir, args.volumes)
        print(f"\npool-refresh of {args.volumes} volumes (half qcow2)")
        results = {}
        sides2 = {"pyvirt in process": ([sys.executable], "pyvirt",
                                        f"qemu:///embed?root={work}/root-refresh"),
                  "pyvirt via pyvirtd": ([sys.executable], "pyvirt",
                                         (f"qemu+unix:///embed?root={work}/rootd-refresh"
                                          f"&socket={pyvirtd.sock}"))}
        if libvirtd is not None:
            sides2["libvirtd 9.0"] = (["/usr/bin/python3"], "libvirt",
                                      f"qemu+unix:///system?socket={libvirtd.sock}")
        for name, (python, module, uri) in sides2.items():
            results[name] = run_script(python, REFRESH, [module, uri, str(pool_dir),
                                                         str(args.runs)])
            got = results[name]
            print(f"  {name:20s} start+first scan {got['first']:.3f} s  "
                  f"refresh {got['refresh']:.3f} s  ({int(got['volumes'])} volumes)")
        ref = results.get("libvirtd 9.0")
        if ref is not None:
            for name in ("pyvirt in process", "pyvirt via pyvirtd"):
                got = results[name]
                print(f"  {name}/libvirt: first {got['first'] / ref['first']:.2f}  "
                      f"refresh {got['refresh'] / ref['refresh']:.2f}")
        print(f"load average at end: {os.getloadavg()[0]:.1f}")
    finally:
        pyvirtd.stop()
        if libvirtd is not None:
            libvirtd.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
