#!/usr/bin/env python3
"""Start and destroy a container: pyvirt's LXC driver against libvirtd 9.0's, same run.

Setups, all on the same busybox container (``/bin/sh`` as init):

* ``pyvirt embed``: ``lxc:///embed?root=DIR`` in this process;
* ``pyvirtd``: Debian's python3-libvirt (the C client) to a pyvirtd serving
  ``lxc:///system`` (its system directories private to it);
* ``libvirtd``: the same client to a private libvirtd 9.0 (Debian's
  ``libvirt-daemon-driver-lxc``) serving ``lxc:///system``.

``start`` is ``create()`` until it returns, when both drivers have init
running (exec'd as PID 1 of the container); ``destroy`` is ``destroy()``
until it returns (every process of the container killed).  Each setup
warms up with one untimed round, then times ``--rounds`` rounds, the setups
taking turns round by round (a change of load meets them all alike);
medians and the ratios libvirtd/pyvirt are printed.  The machine's load is
printed too: numbers measured while other work runs are noisy.
Usage: ``python3 bench/lxc_lifecycle.py [-n ROUNDS] [--no-libvirt]``.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests" / "drivers" / "lxc"))
sys.path.insert(0, str(REPO / "tests" / "daemon"))

import daemons
from lxctest_util import build_rootfs, start_private_pyvirtd

import pyvirt

REAL_PYTHON = "/usr/bin/python3"

# one round per line read: create() then destroy(), the two times printed
CLIENT = r"""
import sys, time, libvirt
uri, xml = sys.argv[1], open(sys.argv[2]).read()
c = libvirt.open(uri)
for _line in sys.stdin:
    t = time.perf_counter(); dom = c.createXML(xml, 0); t1 = time.perf_counter()
    dom.destroy(); t2 = time.perf_counter()
    print(t1 - t, t2 - t1, flush=True)
"""


def xml(rootfs: str, name: str) -> str:
    return f"""<domain type='lxc'>
  <name>{name}</name>
  <memory unit='KiB'>65536</memory>
  <os><type>exe</type><init>/bin/sh</init>
    <initarg>-c</initarg><initarg>while :; do sleep 1; done</initarg></os>
  <devices>
    <filesystem type='mount'><source dir='{rootfs}'/><target dir='/'/></filesystem>
    <console type='pty'/>
  </devices>
</domain>"""


class InProcess:
    """Rounds on a pyvirt connection in this process."""

    def __init__(self, uri: str, text: str) -> None:
        self.conn = pyvirt.open(uri)
        self.text = text

    def round(self) -> tuple[float, float]:
        t = time.perf_counter()
        dom = self.conn.createXML(self.text, 0)
        t1 = time.perf_counter()
        dom.destroy()
        return t1 - t, time.perf_counter() - t1

    def close(self) -> None:
        self.conn.close()


class Client:
    """Rounds through Debian's python3-libvirt in a client process kept open."""

    def __init__(self, uri: str, xml_path: str) -> None:
        self.proc = subprocess.Popen([REAL_PYTHON, "-c", CLIENT, uri, xml_path],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)

    def round(self) -> tuple[float, float]:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write("go\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            raise SystemExit(f"client {self.proc.args[3]} failed")
        start, destroy = (float(x) for x in line.split())
        return start, destroy

    def close(self) -> None:
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        self.proc.wait(60)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", "--rounds", type=int, default=10)
    ap.add_argument("--no-libvirt", action="store_true", help="skip libvirtd 9.0")
    args = ap.parse_args()
    results: dict[str, dict[str, list[float]]] = {}
    with tempfile.TemporaryDirectory() as tmp, contextlib.ExitStack() as stack:
        base = Path(tmp)
        os.chmod(tmp, 0o755)
        rootfs = build_rootfs(str(base / "rootfs"))
        xml_path = base / "ct.xml"
        xml_path.write_text(xml(rootfs, "benchct"))
        setups: dict[str, InProcess | Client] = {}
        setups["pyvirt embed"] = InProcess(f"lxc:///embed?root={base / 'root'}",
                                           xml_path.read_text())
        stack.callback(setups["pyvirt embed"].close)
        pd = start_private_pyvirtd(base / "pyvirtd", base / "pyvirtd-state")
        stack.callback(pd.stop)
        setups["pyvirtd"] = Client(f"lxc+unix:///system?socket={pd.sock}", str(xml_path))
        stack.callback(setups["pyvirtd"].close)
        if not args.no_libvirt:
            why = daemons.libvirtd_available()
            if why or not os.path.exists("/usr/lib/libvirt/libvirt_lxc"):
                print(f"libvirtd skipped: {why or 'libvirt-daemon-driver-lxc missing'}")
            else:
                # libvirt 9.0's libvirt_lxc fails on a cgroup2 mount next to v1
                # controllers: hide it in the daemon's mount namespace
                ld = daemons.start_libvirtd(base / "libvirtd",
                                            tmpfs={"/sys/fs/cgroup/unified": "mode=0755"})
                stack.callback(ld.stop)
                setups["libvirtd 9.0"] = Client(ld.uri(driver="lxc", path="/system"),
                                                str(xml_path))
                stack.callback(setups["libvirtd 9.0"].close)
        # the setups take turns, round by round, so a change of load meets them all,
        # and the order turns too (no setup always comes right after another's
        # destroy, whose after-effects, such as the kernel freeing cgroups, it would
        # meet); the first round of each warms up (the launcher, the daemons' first start)
        names = list(setups)
        for i in range(args.rounds + 1):
            turn = i % len(names)
            for name in names[turn:] + names[:turn]:
                start, destroy = setups[name].round()
                if i:
                    r = results.setdefault(name, {"start": [], "destroy": []})
                    r["start"].append(start)
                    r["destroy"].append(destroy)
    load = os.getloadavg()
    print(f"rounds: {args.rounds}; load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} "
          f"on {os.cpu_count()} CPUs (figures under load are noisy)")
    print(f"{'setup':<16}{'start ms':>12}{'destroy ms':>14}{'start min':>12}")
    med = {name: {k: statistics.median(v) * 1000 for k, v in r.items()}
           for name, r in results.items()}
    for name, m in med.items():
        print(f"{name:<16}{m['start']:>12.1f}{m['destroy']:>14.1f}"
              f"{min(results[name]['start']) * 1000:>12.1f}")
    ref = med.get("libvirtd 9.0")
    if ref:
        for name in ("pyvirt embed", "pyvirtd"):
            m = med[name]
            print(f"libvirtd 9.0 / {name}: start x{ref['start'] / m['start']:.2f}, "
                  f"destroy x{ref['destroy'] / m['destroy']:.2f}")


if __name__ == "__main__":
    main()
