#!/usr/bin/env python3
"""``domstats`` of many running guests: pyvirtd against libvirtd 9.0, in the same run.

Each daemon (see ``bench/qemu_setups.py``: pyvirtd serving ``qemu:///session``,
a private libvirtd serving ``qemu:///system``) gets the same ``--guests``
transient guests (the tiny test guest, 64 MiB, one qcow2 disk each,
started paused so that N TCG guests fit on a small machine without their
CPUs competing with the daemons).  Debian's python3-libvirt, the client of
both, then times ``virConnectGetAllDomainStats`` (every group) and
``virDomainListGetStats`` of the balloon, vcpu and block groups for all
guests, ``--rounds`` times, and destroys the guests.
Usage: ``python3 bench/qemu_domstats.py [--guests N] [--rounds R]``.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench"))

import qemu_setups as setups  # noqa: E402

CHILD = r"""
import subprocess
guests, rounds, tmp = int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
template = sys.stdin.read()
doms = []
try:
    for i in range(guests):
        disk = f"{tmp}/disk{i}.qcow2"
        subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", disk, "64M"], check=True)
        xml = template.replace("@NAME@", f"stats{i}").replace("@DISK@", disk)
        doms.append(conn.createXML(xml, libvirt.VIR_DOMAIN_START_PAUSED))
    every, some = [], []
    groups = (libvirt.VIR_DOMAIN_STATS_BALLOON | libvirt.VIR_DOMAIN_STATS_VCPU
              | libvirt.VIR_DOMAIN_STATS_BLOCK)
    conn.getAllDomainStats(0, libvirt.VIR_CONNECT_GET_ALL_DOMAINS_STATS_ACTIVE)
    fields = 0
    for _ in range(rounds):
        t = time.perf_counter()
        got = conn.getAllDomainStats(0, libvirt.VIR_CONNECT_GET_ALL_DOMAINS_STATS_ACTIVE)
        every.append(time.perf_counter() - t)
        fields = sum(len(s) for _d, s in got)
        assert len(got) == guests, len(got)
        t = time.perf_counter()
        conn.domainListGetStats(doms, groups, 0)
        some.append(time.perf_counter() - t)
    print(json.dumps([every, some, fields]))
finally:
    for d in doms:
        try:
            d.destroy()
        except libvirt.libvirtError:
            pass
"""


def guest_xml(guest: str) -> str:
    return f"""<domain type='qemu'>
  <name>@NAME@</name>
  <memory unit='MiB'>64</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type>
    <kernel>{guest}/vmlinuz</kernel><initrd>{guest}/initrd.img</initrd>
    <cmdline>console=ttyS0 quiet</cmdline></os>
  <features><acpi/></features>
  <devices><emulator>{setups.EMULATOR}</emulator>
    <disk type='file' device='disk'><driver name='qemu' type='qcow2'/>
      <source file='@DISK@'/><target dev='vda' bus='virtio'/></disk>
    <serial type='pty'/><memballoon model='virtio'/></devices>
</domain>"""


def run(uri: str | None, guest: str, guests: int, rounds: int, tmp: str) -> list | None:
    if uri is None:
        return None
    Path(tmp).mkdir(parents=True, exist_ok=True)
    try:
        return setups.run_child(CHILD, uri, str(guests), str(rounds), tmp,
                                stdin=guest_xml(guest), timeout=1800)
    except RuntimeError as exc:
        print(f"skipped: {exc}", file=sys.stderr)
        return None


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--guests", type=int, default=50)
    ap.add_argument("-n", "--rounds", type=int, default=20)
    args = ap.parse_args()
    why = setups.libvirt_available()
    if why is not None:
        print(f"cannot compare: {why}", file=sys.stderr)
        return 1
    guest = subprocess.run([sys.executable, str(REPO / "tools" / "build_guest.py"),
                            "--print-dir"], capture_output=True, text=True,
                           check=True).stdout.strip().splitlines()[-1]
    rows = {}
    with tempfile.TemporaryDirectory(prefix="pyvirt-bench-") as tmp:
        with setups.pyvirtd_session(Path(tmp, "pyvirtd")) as uri:
            rows[setups.PYVIRTD] = run(uri, guest, args.guests, args.rounds, f"{tmp}/py")
        with setups.libvirtd_system(Path(tmp, "libvirtd")) as luri:
            rows[setups.LIBVIRTD] = run(luri, guest, args.guests, args.rounds, f"{tmp}/lv")
    print(f"domstats of {args.guests} running (paused) TCG guests, median of {args.rounds}, "
          "ms; client: Debian's python3-libvirt")
    print(f"{'setup':<38}{'all groups':>12}{'balloon+vcpu+block':>20}{'fields':>8}")
    med = {}
    for label, res in rows.items():
        if res is None:
            continue
        every, some, fields = res
        med[label] = (statistics.median(every) * 1000, statistics.median(some) * 1000)
        print(f"{label:<38}{med[label][0]:>12.1f}{med[label][1]:>20.1f}{fields:>8}")
    if setups.PYVIRTD in med and setups.LIBVIRTD in med:
        py, lv = med[setups.PYVIRTD], med[setups.LIBVIRTD]
        print(f"daemon: libvirt / pyvirt  all groups {setups.ratio(lv[0], py[0])}, "
              f"balloon+vcpu+block {setups.ratio(lv[1], py[1])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
