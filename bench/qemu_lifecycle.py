#!/usr/bin/env python3
"""Start and stop a guest: raw QEMU, then pyvirt and libvirt 9.0 set up alike.

* raw QEMU, the limit: spawn QEMU (the command line pyvirt builds) and time
  launch -> QMP ready (greeting read, ``qmp_capabilities`` answered), then
  SIGTERM -> exit;
* embed against embed: ``create()``/``destroy()`` with pyvirt's
  ``qemu:///embed`` in this process and libvirt 9.0's ``qemu:///embed`` in
  Debian's python3-libvirt;
* daemon against daemon: the same calls from Debian's python3-libvirt to
  pyvirtd (``qemu:///session``) and to a private libvirtd
  (``qemu:///system``); see ``bench/qemu_setups.py``.

Every setup defines the same XML, warms up with one untimed start and stop
and then times ``--rounds`` of each.  The guest is the tiny test guest
(``tools/build_guest.py``) under TCG; it is not waited for (the numbers
are the management overhead around QEMU).
Usage: ``python3 bench/qemu_lifecycle.py [-n ROUNDS] [--no-libvirt] [--no-daemons]``.
"""

from __future__ import annotations

import argparse
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
sys.path.insert(0, str(REPO / "bench"))

import qemu_setups as setups  # noqa: E402

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
  <devices><emulator>{setups.EMULATOR}</emulator><serial type='pty'/></devices>
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
    """pyvirt's ``qemu:///embed`` in this process: define, warm up, time create/destroy."""
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


# The same steps under Debian's python3-libvirt (``conn`` from qemu_setups).
CHILD = """
dom = conn.defineXML(sys.stdin.read())
dom.create(); dom.destroy()
create, destroy = [], []
for _ in range(int(sys.argv[2])):
    t0 = time.perf_counter(); dom.create(); create.append(time.perf_counter() - t0)
    t1 = time.perf_counter(); dom.destroy(); destroy.append(time.perf_counter() - t1)
dom.undefine()
print(json.dumps([create, destroy]))
"""


def bench_child(uri: str | None, guest: str, rounds: int) -> tuple[list, list] | None:
    """Time create/destroy through python3-libvirt connected to ``uri`` (None: skipped)."""
    if uri is None:
        return None
    try:
        create, destroy = setups.run_child(CHILD, uri, str(rounds), stdin=xml(guest, "bench"))
    except RuntimeError as exc:
        print(f"skipped: {exc}", file=sys.stderr)
        return None
    return create, destroy


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("-n", "--rounds", type=int, default=10)
    ap.add_argument("--no-libvirt", action="store_true", help="pyvirt and raw QEMU only")
    ap.add_argument("--no-daemons", action="store_true", help="leave out the daemon rows")
    args = ap.parse_args()
    guest = guest_dir()
    libvirt = not args.no_libvirt and setups.libvirt_available() is None
    rows: list[tuple[str, tuple[list, list] | None]] = []
    with tempfile.TemporaryDirectory(prefix="pyvirt-bench-") as tmp:
        rows.append(("raw QEMU (QMP ready / SIGTERM->exit)", bench_raw(guest, args.rounds, tmp)))
        rows.append((setups.PYVIRT_EMBED, bench_pyvirt(guest, args.rounds, tmp)))
        if libvirt:
            uri = setups.libvirt_embed_uri(os.path.join(tmp, "lvroot"))
            rows.append((setups.LIBVIRT_EMBED, bench_child(uri, guest, args.rounds)))
        if libvirt and not args.no_daemons:        # python3-libvirt is the daemons' client
            with setups.pyvirtd_session(Path(tmp, "pyvirtd")) as uri:
                rows.append((setups.PYVIRTD, bench_child(uri, guest, args.rounds)))
            with setups.libvirtd_system(Path(tmp, "libvirtd")) as luri:
                rows.append((setups.LIBVIRTD, bench_child(luri, guest, args.rounds)))
    med = {label: (ms(r[0]), ms(r[1])) for label, r in rows if r is not None}
    raw = med[rows[0][0]]
    print(f"create()/destroy() of the tiny guest under TCG, median of {args.rounds}, ms;")
    print(setups.HEADER)
    print(f"{'setup':<38}{'start':>9}{'stop':>9}{'start x raw':>13}{'stop x raw':>12}")
    for label, (start, stop) in med.items():
        print(f"{label:<38}{start:>9.1f}{stop:>9.1f}{setups.ratio(start, raw[0]):>13}"
              f"{setups.ratio(stop, raw[1]):>12}")
    for kind, py, lv in setups.PAIRS:
        if py in med and lv in med:
            print(f"{kind}: libvirt / pyvirt  start {setups.ratio(med[lv][0], med[py][0])}, "
                  f"stop {setups.ratio(med[lv][1], med[py][1])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
