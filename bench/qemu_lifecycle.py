#!/usr/bin/env python3
"""Start and stop a guest: raw QEMU vs pyvirt's QEMU driver vs libvirt.

* raw: spawn QEMU (the command line pyvirt builds) and time launch -> QMP
  ready (greeting read, ``qmp_capabilities`` answered), then SIGTERM -> exit;
* pyvirt: ``create()`` and ``destroy()`` through ``qemu:///embed``;
* libvirt: the same through a private libvirtd started for the run
  (tests/daemon/daemons.py: start_libvirtd; needs root), with Debian's
  python3-libvirt under /usr/bin/python3.

The guest is the tiny test guest (``tools/build_guest.py``) under TCG; it
is not waited for (the numbers are the management overhead around QEMU).
Usage: ``python3 bench/qemu_lifecycle.py [-n ROUNDS]``.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests" / "daemon"))

import daemons

import pyvirt  # noqa: E402
from pyvirt.conf.domain import DomainDef  # noqa: E402
from pyvirt.drivers.qemu import command, domain, process  # noqa: E402
from pyvirt.drivers.qemu import monitor as qmon  # noqa: E402
from pyvirt.drivers.qemu.capabilities import CapsCache  # noqa: E402


def guest_dir() -> str:
    out = subprocess.run([sys.executable, str(REPO / "tools" / "build_guest.py"),
                          "--print-dir"], capture_output=True, text=True, check=True)
    return out.stdout.strip().splitlines()[-1]


def xml(guest: str, name: str) -> str:
    return f"""<domain type='qemu'>
  <name>{name}</name>
  <memory unit='MiB'>96</memory>
  <os><type arch='x86_64' machine='pc'>hvm</type>
    <kernel>{guest}/vmlinuz</kernel><initrd>{guest}/initrd.img</initrd>
    <cmdline>console=ttyS0 quiet</cmdline></os>
  <features><acpi/></features>
  <devices><serial type='pty'/></devices>
</domain>"""


def ms(values: list[float]) -> float:
    return statistics.median(values) * 1000


def bench_raw(guest: str, rounds: int, tmp: str) -> tuple[list[float], list[float]]:
    """Launch -> QMP ready and SIGTERM -> exit of bare QEMU."""
    def_ = DomainDef.parse(xml(guest, "raw"))
    caps = CapsCache(os.path.join(tmp, "caps")).get("/usr/bin/qemu-system-x86_64")
    domain.prepare_live(def_, caps)
    ready, stop = [], []
    for i in range(rounds):
        path = os.path.join(tmp, f"raw{i}.sock")
        sock = qmon.listen_unix(path)
        ctx = command.BuildContext(caps=caps, monitor_fd=sock.fileno(), domain_dir=tmp)
        cmd = command.build(def_, ctx)
        t0 = time.perf_counter()
        devnull = os.open(os.devnull, os.O_WRONLY)
        proc = process.spawn(cmd.argv(), cmd.environ(), devnull, cmd.pass_fds)
        os.close(devnull)
        sock.close()
        client = socket.socket(socket.AF_UNIX)
        client.connect(path)
        f = client.makefile("rwb")
        f.readline()                                   # greeting
        f.write(b'{"execute":"qmp_capabilities"}\n')
        f.flush()
        f.readline()
        ready.append(time.perf_counter() - t0)
        t1 = time.perf_counter()
        proc.signal(15)
        proc.wait(10)
        stop.append(time.perf_counter() - t1)
        client.close()
        proc.close()
    return ready, stop


def bench_pyvirt(guest: str, rounds: int, tmp: str) -> tuple[list[float], list[float]]:
    conn = pyvirt.open(f"qemu:///embed?root={tmp}/root")
    dom = conn.defineXML(xml(guest, "bench"))
    dom.create()
    dom.destroy()                                      # warm: capabilities probed
    create, destroy = [], []
    for _ in range(rounds):
        t0 = time.perf_counter()
        dom.create()
        create.append(time.perf_counter() - t0)
        t1 = time.perf_counter()
        dom.destroy()
        destroy.append(time.perf_counter() - t1)
    dom.undefine()
    conn.close()
    return create, destroy


LIBVIRT_HELPER = """
import json, sys, time, libvirt
conn = libvirt.open(sys.argv[2])
try:
    conn.lookupByName("pyvirt-bench").undefine()
except libvirt.libvirtError:
    pass
dom = conn.defineXML(sys.stdin.read())
create, destroy = [], []
for _ in range(int(sys.argv[1])):
    t0 = time.perf_counter(); dom.create(); create.append(time.perf_counter() - t0)
    t1 = time.perf_counter(); dom.destroy(); destroy.append(time.perf_counter() - t1)
dom.undefine()
print(json.dumps([create, destroy]))
"""


def bench_libvirt(guest: str, rounds: int, tmp: str) -> tuple[list[float], list[float]] | None:
    why = daemons.libvirtd_available()
    if why or not os.path.exists("/usr/bin/python3"):
        print(f"libvirt: skipped ({why or 'no /usr/bin/python3'})")
        return None
    libvirtd = daemons.start_libvirtd(Path(tmp) / "libvirtd")
    try:
        res = subprocess.run(["/usr/bin/python3", "-c", LIBVIRT_HELPER, str(rounds),
                              libvirtd.uri(driver="qemu", path="/system")],
                             input=xml(guest, "pyvirt-bench"), capture_output=True, text=True,
                             check=False)
    finally:
        libvirtd.stop()
    if res.returncode != 0:
        print(f"libvirt: skipped ({res.stderr.strip().splitlines()[-1:]})")
        return None
    create, destroy = json.loads(res.stdout)
    return create, destroy


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("-n", "--rounds", type=int, default=10)
    args = ap.parse_args()
    guest = guest_dir()
    with tempfile.TemporaryDirectory(prefix="pyvirt-bench-") as tmp:
        raw_ready, raw_stop = bench_raw(guest, args.rounds, tmp)
        py_create, py_destroy = bench_pyvirt(guest, args.rounds, tmp)
        lv = bench_libvirt(guest, args.rounds, tmp)
    print(f"{'median of ' + str(args.rounds):<28}{'start (ms)':>12}{'stop (ms)':>12}")
    print(f"{'raw QEMU (QMP ready/exit)':<28}{ms(raw_ready):>12.1f}{ms(raw_stop):>12.1f}")
    print(f"{'pyvirt create/destroy':<28}{ms(py_create):>12.1f}{ms(py_destroy):>12.1f}")
    if lv is not None:
        print(f"{'libvirt create/destroy':<28}{ms(lv[0]):>12.1f}{ms(lv[1]):>12.1f}")
    print(f"pyvirt overhead: start +{ms(py_create) - ms(raw_ready):.1f} ms "
          f"(x{ms(py_create) / ms(raw_ready):.2f}), stop +{ms(py_destroy) - ms(raw_stop):.1f} ms "
          f"(x{ms(py_destroy) / ms(raw_stop):.2f})")
    if lv is not None:
        print(f"libvirt / pyvirt: start x{ms(lv[0]) / ms(py_create):.2f}, "
              f"stop x{ms(lv[1]) / ms(py_destroy):.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
