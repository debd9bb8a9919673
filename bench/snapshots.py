#!/usr/bin/env python3
"""Snapshots and backups of a running guest: pyvirt against libvirt 9.0, embed against embed.

The same calls run in pyvirt's ``qemu:///embed`` (this process) and in
libvirt 9.0's ``qemu:///embed`` (Debian's python3-libvirt, /usr/bin/python3),
each on its own copy of a 1 GiB qcow2 disk filled with data, with the
project's tiny guest (tools/build_guest.py) running with 256 MiB of RAM:

* internal snapshot create (disks + memory) and revert to it, --runs times;
* a full push backup of the 1 GiB disk to a new qcow2 file (begin until the
  job is gone), and its rate against ``qemu-img convert -O qcow2`` of the
  same image (the goal: >= 0.9 of it);
* an external disk-only snapshot create.

Prints seconds (median) per side and the ratio pyvirt/libvirt (below 1:
pyvirt is faster).  Machine load is not controlled: compare ratios from
the same run.

Usage: bench/snapshots.py [--runs N] [--dir DIR] [--no-libvirt]
"""

from __future__ import annotations

import argparse
import json
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

# Run by both sides: ``conn``, ``libvirt`` and ``params`` are given.
SCENARIO = r"""
import time
p = params
dom = conn.defineXML(p["xml"])
dom.create()
deadline = time.time() + 180
while b"PYVIRT-GUEST-READY" not in open(p["serial"], "rb").read():
    if time.time() > deadline:
        raise RuntimeError("the guest did not boot")
    time.sleep(0.05)
time.sleep(1.0)
res = {"create": [], "revert": []}
for i in range(p["runs"]):
    t = time.perf_counter()
    snap = dom.snapshotCreateXML(f"<domainsnapshot><name>s{i}</name></domainsnapshot>", 0)
    res["create"].append(time.perf_counter() - t)
    time.sleep(0.3)
    t = time.perf_counter()
    dom.revertToSnapshot(snap, 0)
    res["revert"].append(time.perf_counter() - t)
    snap.delete(0)
xml = ("<domainbackup><disks><disk name='vda' type='file'><driver type='qcow2'/>"
       f"<target file='{p['target']}'/></disk></disks></domainbackup>")
t = time.perf_counter()
dom.backupBegin(xml, None, 0)
while dom.jobInfo()[0] != libvirt.VIR_DOMAIN_JOB_NONE:
    time.sleep(0.005)
res["backup"] = time.perf_counter() - t
t = time.perf_counter()
dom.snapshotCreateXML("<domainsnapshot><name>ext</name></domainsnapshot>",
                      libvirt.VIR_DOMAIN_SNAPSHOT_CREATE_DISK_ONLY)
res["external"] = time.perf_counter() - t
dom.destroy()
result = res
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


def side(work: Path, label: str, guest: str, disk: Path, runs: int) -> dict[str, Any]:
    """Run the scenario on one side; return its timings."""
    own = work / label
    own.mkdir()
    image = own / "vda.qcow2"
    shutil.copyfile(disk, image)
    params = {"xml": domain_xml(guest, f"bench-{label}", str(image), str(own / "serial.log")),
              "serial": str(own / "serial.log"), "target": str(own / "backup.qcow2"),
              "runs": runs}
    if label == "libvirt":
        uri = setups.libvirt_embed_uri(str(own / "root"))
        body = ("params = json.loads(sys.stdin.read())\n" + SCENARIO
                + "\nprint(json.dumps(result))\n")
        return dict(setups.run_child(body, uri, stdin=json.dumps(params), timeout=900))
    import pyvirt
    conn = pyvirt.open(f"qemu:///embed?root={own / 'root'}")
    try:
        ns: dict[str, Any] = {"conn": conn, "libvirt": pyvirt, "params": params}
        exec(SCENARIO, ns)  # noqa: S102 - the scenario both sides run, written above
        return dict(ns["result"])
    finally:
        conn.close()


def convert_rate(work: Path, disk: Path) -> float:
    """Seconds ``qemu-img convert -O qcow2`` takes to copy ``disk``."""
    out = work / "convert.qcow2"
    t = time.perf_counter()
    # qemu-img flushes its output when it closes it, as the backup's target is flushed
    subprocess.run(["qemu-img", "convert", "-O", "qcow2", str(disk), str(out)], check=True)
    elapsed = time.perf_counter() - t
    out.unlink()
    return elapsed


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--dir", default=None)
    ap.add_argument("--no-libvirt", action="store_true")
    args = ap.parse_args()
    guest = guest_dir()
    work = Path(tempfile.mkdtemp(prefix="pyvirt-bench-snap-", dir=args.dir))
    try:
        disk = work / "disk.qcow2"
        make_disk(disk)
        results = {"pyvirt": side(work, "pyvirt", guest, disk, args.runs)}
        why = None if not args.no_libvirt else "--no-libvirt"
        why = why or setups.libvirt_available()
        if why is None:
            results["libvirt"] = side(work, "libvirt", guest, disk, args.runs)
        convert = convert_rate(work, disk)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print("embed against embed (pyvirt qemu:///embed in this process, libvirt 9.0 "
          "qemu:///embed in Debian's python3-libvirt); 256 MiB TCG guest, 1 GiB qcow2 disk; "
          "machine load not controlled")
    print(f"{'operation':<34}{'pyvirt s':>10}{'libvirt s':>11}{'pyvirt/libvirt':>16}")
    rows = (("internal snapshot create", "create"), ("internal snapshot revert", "revert"),
            ("external disk-only create", "external"), ("full push backup (1 GiB)", "backup"))
    for label, key in rows:
        values = {}
        for who, res in results.items():
            v = res[key]
            values[who] = statistics.median(v) if isinstance(v, list) else v
        lv = values.get("libvirt", float("nan"))
        print(f"{label:<34}{values['pyvirt']:>10.3f}{lv:>11.3f}"
              f"{setups.ratio(values['pyvirt'], lv):>16}")
    size = 1 << 30
    print(f"qemu-img convert -O qcow2 (1 GiB): {convert:.3f} s, {size / convert / 2**20:.0f} MiB/s")
    for who, res in results.items():
        rate = size / res["backup"]
        print(f"{who} backup rate: {rate / 2**20:.0f} MiB/s = "
              f"{rate / (size / convert):.2f} of qemu-img convert's")
    return 0


if __name__ == "__main__":
    sys.exit(main())
