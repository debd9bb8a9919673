#!/usr/bin/env python3
"""Snapshots and backups of a running guest: pyvirt against libvirt 9.0, embed against embed.

The same steps run in pyvirt's ``qemu:///embed`` (this process) and in
libvirt 9.0's ``qemu:///embed`` (Debian's python3-libvirt, /usr/bin/python3,
a child process driven step by step), each on its own copy of a 1 GiB qcow2
disk filled with data, with the project's tiny guest (tools/build_guest.py)
running with 256 MiB of RAM.  Both guests run at the same time and the two
sides take turns: run i does each step first on one side, then on the other,
and the side that goes first alternates from run to run, so load that comes
and goes weighs on both alike.  The disk copies are synced before the guests
boot (a fresh copy's dirty pages would otherwise be written back during the
first side's steps).

* internal snapshot create (disks + memory) and revert to it, --runs times;
  the create is also split at the guest's pause: the SUSPENDED and RESUMED
  lifecycle events each side's client receives mark it, so "outside the
  pause" is the driver's own work before and after QEMU's;
* an external disk-only snapshot create, --runs times (a new overlay each);
* a full push backup of the 1 GiB disk to a new qcow2 file, --backup-runs
  times: the whole call (begin until the job-completed event, after which
  jobInfo says no job) and the job alone (from the begin call's return).  Both drivers end the job by closing the
  target, which flushes it to the disk.  The references are ``qemu-img
  convert -O qcow2`` of the same image with ``-t writeback`` (through the
  page cache, as libvirt 9.0 writes a target) and ``-t none`` (O_DIRECT, as
  pyvirt writes one); both flush their output when they close it (qemu-img's
  default output cache, ``unsafe``, never flushes: that would compare a
  durable copy with one left in the page cache).  Each backup's rate is
  given against the convert in its target's cache mode and against the
  faster convert.  The goal: a backup rate >= 0.9 of the convert's.

Prints seconds (medians) per side and the ratio pyvirt/libvirt (below 1:
pyvirt is faster).  Machine load is not controlled: compare ratios from the
same run.

Usage: bench/snapshots.py [--runs N] [--backup-runs N] [--dir DIR] [--no-libvirt] [--raw]
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
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import qemu_setups as setups  # noqa: E402

DISK_SIZE = "1G"
SIZE = 1 << 30
# qemu-img convert's output cache modes the backups are compared with: pyvirt
# writes a push backup's target with O_DIRECT (cache.direct, as -t none),
# libvirt 9.0 through the page cache (as -t writeback); both flush at the end
CONVERT_CACHES = ("writeback", "none")

# Run by both sides: ``conn`` and ``libvirt`` are given; boot(p) once, then step().
STEPS = r"""
import os, threading, time
libvirt.virEventRegisterDefaultImpl()
def _events():
    while True:
        libvirt.virEventRunDefaultImpl()
threading.Thread(target=_events, daemon=True).start()
S = {"snaps": {}, "marks": []}

def _lifecycle(_conn, _dom, event, _detail, _opaque):
    S["marks"].append((event, time.perf_counter()))

S["done"] = threading.Event()

def _job_completed(_conn, _dom, _params, _opaque):
    S["done"].set()

def boot(p):
    dom = conn.defineXML(p["xml"])
    dom.create()
    deadline = time.time() + 180
    while b"PYVIRT-GUEST-READY" not in open(p["serial"], "rb").read():
        if time.time() > deadline:
            raise RuntimeError("the guest did not boot")
        time.sleep(0.05)
    conn.domainEventRegisterAny(dom, libvirt.VIR_DOMAIN_EVENT_ID_LIFECYCLE, _lifecycle, None)
    conn.domainEventRegisterAny(dom, libvirt.VIR_DOMAIN_EVENT_ID_JOB_COMPLETED,
                                _job_completed, None)
    S["dom"] = dom

def _pause():
    time.sleep(0.1)                # the RESUMED event on its way
    marks = S["marks"]
    down = [t for e, t in marks if e == libvirt.VIR_DOMAIN_EVENT_SUSPENDED]
    up = [t for e, t in marks if e == libvirt.VIR_DOMAIN_EVENT_RESUMED]
    S["marks"] = []
    return up[-1] - down[0] if down and up else None

def step(op, i, p):
    dom = S["dom"]
    t = time.perf_counter()
    if op == "create":
        S["marks"] = []
        S["snaps"][i] = dom.snapshotCreateXML(
            f"<domainsnapshot><name>s{i}</name></domainsnapshot>", 0)
        took = time.perf_counter() - t
        return {"s": took, "pause": _pause()}
    if op == "revert":
        dom.revertToSnapshot(S["snaps"][i], 0)
        return {"s": time.perf_counter() - t}
    if op == "delete":
        S["snaps"].pop(i).delete(0)
        return {}
    if op == "external":
        dom.snapshotCreateXML(f"<domainsnapshot><name>ext{i}</name><disks><disk name='vda'>"
                              f"<source file='{p['dir']}/ext{i}.qcow2'/></disk></disks>"
                              "</domainsnapshot>",
                              libvirt.VIR_DOMAIN_SNAPSHOT_CREATE_DISK_ONLY)
        return {"s": time.perf_counter() - t}
    if op == "backup":
        target = f"{p['dir']}/backup{i}.qcow2"
        S["done"].clear()
        dom.backupBegin("<domainbackup><disks><disk name='vda' type='file'>"
                        f"<driver type='qcow2'/><target file='{target}'/></disk></disks>"
                        "</domainbackup>", None, 0)
        began = time.perf_counter()
        # the job-completed event, not polling (each poll is a query of QEMU,
        # whose main loop also runs the copy)
        if not S["done"].wait(600):
            raise RuntimeError("no job-completed event")
        while dom.jobInfo()[0] != libvirt.VIR_DOMAIN_JOB_NONE:
            time.sleep(0.005)
        end = time.perf_counter()
        os.unlink(target)
        return {"s": end - t, "job": end - began}
    if op == "destroy":
        dom.destroy()
        return {}
    raise ValueError(op)
"""

# The libvirt side's driver loop: boot, then one JSON step per line.
CHILD_LOOP = r"""
p = json.loads(sys.stdin.readline())
boot(p)
print(json.dumps({"ready": True}), flush=True)
for line in sys.stdin:
    cmd = json.loads(line)
    if cmd["op"] == "quit":
        break
    print(json.dumps(step(cmd["op"], cmd["i"], p)), flush=True)
"""


def guest_dir() -> str:
    out = subprocess.run([sys.executable, str(Path(__file__).resolve().parents[1] / "tools"
                                              / "build_guest.py"), "--print-dir"],
                         capture_output=True, text=True, check=True).stdout
    return out.strip().splitlines()[-1]


def domain_xml(guest: str, name: str, disk: str, serial: str) -> str:
    return f"""<domain type='qemu'>
  <name>{name}</name>
  <memory unit='MiB'>256</memory>
  <vcpu>1</vcpu>
  <os>
    <type arch='x86_64' machine='pc'>hvm</type>
    <kernel>{guest}/vmlinuz</kernel>
    <initrd>{guest}/initrd.img</initrd>
    <cmdline>console=ttyS0 quiet panic=-1</cmdline>
  </os>
  <features><acpi/></features>
  <devices>
    <disk type='file' device='disk'><driver name='qemu' type='qcow2'/>
      <source file='{disk}'/><target dev='vda' bus='virtio'/></disk>
    <serial type='file'><source path='{serial}'/></serial>
  </devices>
</domain>"""


def make_disk(path: Path) -> None:
    """A 1 GiB qcow2 image with every cluster written (a repeating byte)."""
    subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", str(path), DISK_SIZE],
                   check=True)
    subprocess.run(["qemu-io", "-f", "qcow2", "-c", f"write -P 0x5a 0 {DISK_SIZE}", str(path)],
                   check=True, capture_output=True)


class PyvirtSide:
    """pyvirt's embedded driver in this process, running :data:`STEPS`."""

    def __init__(self, params: dict, root: Path) -> None:
        import pyvirt
        self.params = params
        self.conn = pyvirt.open(f"qemu:///embed?root={root}")
        self.ns: dict[str, Any] = {"conn": self.conn, "libvirt": pyvirt}
        exec(STEPS, self.ns)  # noqa: S102 - the steps both sides run, written above

    def boot(self) -> None:
        self.ns["boot"](self.params)

    def step(self, op: str, i: int) -> dict:
        return dict(self.ns["step"](op, i, self.params))

    def close(self) -> None:
        self.conn.close()


class LibvirtSide:
    """libvirt 9.0's embedded driver in Debian's python3, running :data:`STEPS`."""

    def __init__(self, params: dict, root: Path) -> None:
        uri = setups.libvirt_embed_uri(str(root))
        env = dict(os.environ)
        env.pop("PYTHONPATH", None)
        self.proc = subprocess.Popen(
            [setups.REAL_PYTHON, "-c", setups.CHILD_PRELUDE + STEPS + CHILD_LOOP, uri],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env)
        self._send(params)

    def _send(self, msg: dict) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps(msg) + "\n")
        self.proc.stdin.flush()

    def _reply(self) -> dict:
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"libvirt's side ended (exit status {self.proc.wait()})")
        return dict(json.loads(line))

    def boot(self) -> None:
        self._reply()

    def step(self, op: str, i: int) -> dict:
        self._send({"op": op, "i": i})
        return self._reply()

    def close(self) -> None:
        if self.proc.poll() is None:
            self._send({"op": "quit", "i": 0})
            try:
                self.proc.wait(60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def convert(work: Path, disk: Path, cache: str) -> float:
    """Seconds ``qemu-img convert -t CACHE -O qcow2`` takes to copy ``disk`` (its
    output flushed at the end, as a backup's target is)."""
    out = work / "convert.qcow2"
    t = time.perf_counter()
    res = subprocess.run(["qemu-img", "convert", "-t", cache, "-O", "qcow2", str(disk),
                          str(out)], check=False)
    elapsed = time.perf_counter() - t
    out.unlink(missing_ok=True)
    return elapsed if res.returncode == 0 else float("nan")   # -t none on tmpfs


def take_turns(sides: dict[str, Any], op: str, i: int, results: dict[str, dict],
               extra: dict[str, Any] | None = None) -> None:
    """Run step ``op`` of run ``i`` on every side, the first side alternating with
    ``i``; ``extra`` (label: callable) take their turns among them."""
    order: list[tuple[str, Any]] = list(sides.items()) + list((extra or {}).items())
    shift = i % len(order)
    for who, side in order[shift:] + order[:shift]:
        if op == "backup":
            os.sync()          # the other turn's writes are not this one's to flush
        if who not in sides:
            results.setdefault(who, {}).setdefault("s", []).append(side())
            continue
        for key, value in side.step(op, i).items():
            results.setdefault(who, {}).setdefault(f"{op}.{key}", []).append(value)


def run(args: argparse.Namespace, work: Path) -> dict[str, dict]:
    guest = guest_dir()
    disk = work / "disk.qcow2"
    make_disk(disk)
    want = ["pyvirt"]
    why = "--no-libvirt" if args.no_libvirt else setups.libvirt_available()
    if why is None:
        want.append("libvirt")
    params = {}
    for who in want:
        own = work / who
        own.mkdir()
        shutil.copyfile(disk, own / "vda.qcow2")
        params[who] = {"xml": domain_xml(guest, f"bench-{who}", str(own / "vda.qcow2"),
                                         str(own / "serial.log")),
                       "serial": str(own / "serial.log"), "dir": str(own)}
    os.sync()
    sides: dict[str, Any] = {}
    results: dict[str, dict] = {}
    try:
        for who in want:
            cls = PyvirtSide if who == "pyvirt" else LibvirtSide
            sides[who] = cls(params[who], work / who / "root")
        for side in sides.values():
            side.boot()
        time.sleep(1.0)
        for i in range(args.runs):
            take_turns(sides, "create", i, results)
            time.sleep(0.3)
            take_turns(sides, "revert", i, results)
            take_turns(sides, "delete", i, results)
        for i in range(args.backup_runs):
            take_turns(sides, "backup", i, results, extra={
                f"convert -t {cache}": (lambda cache=cache: convert(work, disk, cache))
                for cache in CONVERT_CACHES})
        for i in range(args.runs):
            take_turns(sides, "external", i, results)
        for side in sides.values():
            side.step("destroy", 0)
    finally:
        for side in sides.values():
            side.close()
    return results


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=9)
    ap.add_argument("--backup-runs", type=int, default=3)
    ap.add_argument("--dir", default=None)
    ap.add_argument("--no-libvirt", action="store_true")
    ap.add_argument("--raw", action="store_true", help="print every run's figures too")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="pyvirt-bench-snap-", dir=args.dir))
    try:
        results = run(args, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if args.raw:
        print(json.dumps(results, indent=1))
    print("embed against embed (pyvirt qemu:///embed in this process, libvirt 9.0 "
          "qemu:///embed in Debian's python3-libvirt); 256 MiB TCG guest, 1 GiB qcow2 disk; "
          f"sides take turns, {args.runs} runs ({args.backup_runs} backups); medians; "
          "machine load not controlled")
    print(f"{'operation':<40}{'pyvirt s':>10}{'libvirt s':>11}{'pyvirt/libvirt':>16}")

    def med(who: str, key: str) -> float:
        values = [v for v in results.get(who, {}).get(key, []) if v is not None]
        return statistics.median(values) if values else float("nan")

    def outside(who: str) -> float:
        pairs = zip(results.get(who, {}).get("create.s", []),
                    results.get(who, {}).get("create.pause", []), strict=False)
        values = [s - p for s, p in pairs if p is not None]
        return statistics.median(values) if values else float("nan")

    rows = (("internal snapshot create", "create.s"),
            ("  of which outside the pause", None),
            ("internal snapshot revert", "revert.s"),
            ("external disk-only create", "external.s"),
            ("full push backup (1 GiB), whole call", "backup.s"),
            ("  the job alone (after begin returns)", "backup.job"))
    for label, key in rows:
        pv = med("pyvirt", key) if key else outside("pyvirt")
        lv = med("libvirt", key) if key else outside("libvirt")
        print(f"{label:<40}{pv:>10.3f}{lv:>11.3f}{setups.ratio(pv, lv):>16}")
    converts = {cache: statistics.median(results[f"convert -t {cache}"]["s"])
                for cache in CONVERT_CACHES}
    for cache, conv in converts.items():
        print(f"qemu-img convert -t {cache} -O qcow2 (1 GiB): {conv:.3f} s, "
              f"{SIZE / conv / 2**20:.0f} MiB/s")
    for who, cache in (("pyvirt", "none"), ("libvirt", "writeback")):
        if who in results:
            rate = SIZE / med(who, "backup.s")
            print(f"{who} backup rate: {rate / 2**20:.0f} MiB/s = "
                  f"{rate * converts[cache] / SIZE:.2f} of qemu-img convert -t {cache}'s "
                  f"(the target's cache mode), "
                  f"{rate * min(converts.values()) / SIZE:.2f} of the faster convert's")
    return 0


if __name__ == "__main__":
    sys.exit(main())
