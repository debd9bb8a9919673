#!/usr/bin/env python3
"""Block copy of a 1 GiB disk with data: pyvirt against libvirt 9.0, embed against embed.

Both run the test guest (tools/build_guest.py) with the same domain XML and
one raw disk filled with data, each on its own ``qemu:///embed`` root and in
its own process (like with like: embed against embed, no daemon on either
side): pyvirt under this interpreter, libvirt in Debian's python3-libvirt
(/usr/bin/python3), with QEMU as root as pyvirt runs it (``qemu.conf``; and
``stdio_handler = "file"``: no virtlogd).  Once the guest has booted (its
readiness line on the serial log), a run times ``blockCopy`` (raw
destination) up to the mirror being ready (its BLOCK_JOB_2 READY event,
with ``blockJobInfo`` every 0.5 s meanwhile), then the pivot
(``blockJobAbort(PIVOT)``, synchronous), as ``virsh blockcopy --wait
--pivot`` does.  (Polling the job and the XML every 10 ms, as an earlier
version did, takes CPU from QEMU's copy on a 2-core machine, and more so
on the side whose calls cost more: it measured the client's polling, not
the copy.)  Runs alternate between the two in ABBA order; the medians,
their ratio (pyvirt / libvirt), the median of each phase and the load
average are printed.

Usage: bench/blockcopy.py [--runs N] [--size-mib N] [--dir DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))
sys.path.insert(0, str(REPO / "tests" / "drivers" / "qemu"))

#: per run phase times of each side: blockCopy call, mirror to ready, pivot
PHASES: dict[str, list[dict[str, float]]] = {}

GUEST_DIR = os.environ.get("PYVIRT_GUEST_DIR", os.path.expanduser("~/.cache/pyvirt/guest"))

# One run, the same code for both: ``import MODULE as libvirt`` (pyvirt under this
# interpreter, libvirt under /usr/bin/python3), each in its own process.
RUN = r"""
import importlib, json, sys, threading, time
libvirt = importlib.import_module(sys.argv[1])
root, xml, dest, serial = sys.argv[2:6]
libvirt.virEventRegisterDefaultImpl()
threading.Thread(target=lambda: [libvirt.virEventRunDefaultImpl() for _ in iter(int, 1)],
                 daemon=True).start()
conn = libvirt.open(f"qemu:///embed?root={root}")
with open(xml) as fh:
    dom = conn.createXML(fh.read().replace("@SERIAL@", serial), 0)
try:
    # time the copy, not the boot: a booting TCG guest takes a core from QEMU's copy
    deadline = time.monotonic() + 120
    while b"PYVIRT-GUEST-READY" not in open(serial, "rb").read():
        if time.monotonic() > deadline:
            raise SystemExit("the guest did not boot in 120 s")
        time.sleep(0.05)
    # as virsh blockcopy --wait: the job's READY event, and blockJobInfo every 0.5 s
    ready = threading.Event()

    def on_job(_c, _d, disk, _type, status, _o):
        if disk == "vda" and status == libvirt.VIR_DOMAIN_BLOCK_JOB_READY:
            ready.set()
    cb = conn.domainEventRegisterAny(dom, libvirt.VIR_DOMAIN_EVENT_ID_BLOCK_JOB_2, on_job, None)
    t0 = time.monotonic()
    dom.blockCopy("vda", f"<disk type='file'><source file='{dest}'/><driver type='raw'/></disk>",
                  None, 0)
    t1 = time.monotonic()
    while not ready.wait(0.5):
        info = dom.blockJobInfo("vda", 0)
        if not info:
            raise SystemExit("the block job went away")
    t2 = time.monotonic()
    conn.domainEventDeregisterAny(cb)
    dom.blockJobAbort("vda", libvirt.VIR_DOMAIN_BLOCK_JOB_ABORT_PIVOT)
    t3 = time.monotonic()
    print(json.dumps({"seconds": t3 - t0, "start": t1 - t0, "mirror": t2 - t1,
                      "pivot": t3 - t2}))
finally:
    dom.destroy()
    conn.close()
"""


def make_disk(path: str, size_mib: int) -> None:
    """A raw image full of data (a repeated random MiB: no zero block to skip)."""
    block = os.urandom(1 << 20)
    with open(path, "wb") as f:
        f.writelines(block for _ in range(size_mib))
        f.flush()
        os.fsync(f.fileno())


def domain_xml(disk: str) -> str:
    from qemutest_util import guest_xml
    return guest_xml(GUEST_DIR, "bench-copy", serial="@SERIAL@", disks=(
        f"<disk type='file' device='disk'><driver name='qemu' type='raw'/>"
        f"<source file='{disk}'/><target dev='vda' bus='virtio'/></disk>"))


def run(name: str, base: Path, xml: str, dest: str) -> float:
    """One timed copy with ``name`` ('pyvirt' or 'libvirt') on its own embed root."""
    root = base / f"{name}-root"
    (root / "etc").mkdir(parents=True, exist_ok=True)
    # libvirt: QEMU as root like pyvirt's (the guest kernel lives under root's home; and
    # no re-probe of QEMU per call), no virtlogd
    (root / "etc" / "qemu.conf").write_text('user = "root"\ngroup = "root"\n'
                                            'stdio_handler = "file"\n')
    xml_path = base / f"{name}.xml"
    xml_path.write_text(xml)
    env = dict(os.environ)
    python = sys.executable
    if name == "libvirt":
        python = "/usr/bin/python3"
        env.pop("PYTHONPATH", None)
    else:
        env["PYTHONPATH"] = str(REPO)
    serial = base / f"{name}-serial.log"
    serial.unlink(missing_ok=True)
    res = subprocess.run([python, "-c", RUN, name, str(root), str(xml_path), dest, str(serial)],
                         capture_output=True, text=True, env=env, timeout=600, check=False)
    if res.returncode != 0:
        raise RuntimeError(f"{name} run failed: {res.stderr[-2000:]}")
    phases = json.loads(res.stdout.strip().splitlines()[-1])
    PHASES.setdefault(name, []).append(phases)
    return float(phases["seconds"])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=6)
    ap.add_argument("--size-mib", type=int, default=1024)
    ap.add_argument("--dir", default=None, help="where the images go (default: a temp dir)")
    args = ap.parse_args()
    if not (Path(GUEST_DIR) / "initrd.img").exists():
        print(f"the test guest is not built in {GUEST_DIR} (tools/build_guest.py)")
        return 2
    base = Path(tempfile.mkdtemp(prefix="bench-copy-", dir=args.dir))
    os.chmod(base, 0o755)       # libvirt runs QEMU as its own user
    try:
        disk = str(base / "disk.img")
        make_disk(disk, args.size_mib)
        xml = domain_xml(disk)
        times: dict[str, list[float]] = {"pyvirt": [], "libvirt": []}
        for i in range(args.runs):
            # ABBA order: neither side always runs first (after the other's copy)
            for name in ("pyvirt", "libvirt") if i % 2 == 0 else ("libvirt", "pyvirt"):
                dest = str(base / f"copy-{name}-{i}.img")
                times[name].append(run(name, base, xml, dest))
                os.unlink(dest)
        med = {k: statistics.median(v) for k, v in times.items()}
        print(f"block copy of a {args.size_mib} MiB raw disk with data, copy + pivot, "
              f"embed vs embed, median of {args.runs}:")
        for name in ("pyvirt", "libvirt"):
            runs = " ".join(f"{t:.2f}" for t in times[name])
            print(f"  {name:8s} {med[name]:7.2f} s   ({runs})")
        print(f"  ratio pyvirt/libvirt: {med['pyvirt'] / med['libvirt']:.2f}")
        print("  phase medians (s): blockCopy call / mirror to ready / pivot")
        for name in ("pyvirt", "libvirt"):
            cols = [statistics.median(p[k] for p in PHASES[name])
                    for k in ("start", "mirror", "pivot")]
            print(f"  {name:8s} " + " / ".join(f"{c:.3f}" for c in cols))
        print(f"  load average: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    finally:
        shutil.rmtree(base, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
