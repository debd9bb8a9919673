#!/usr/bin/env python3
"""RPC round trips: pyvirtd beside libvirtd, pyvirt's client beside libvirt's.

Starts a pyvirtd and a libvirtd (private mount namespace, private copy of
/etc/libvirt; root needed) and measures, from real client processes:

- the test driver (answered inline by both daemons), with 1,000 extra
  domains defined in each (a holder connection keeps that state alive):
  getVersion, lookupByName+info, listAllDomains (1,001 domains);
- the QEMU driver (calls pyvirtd runs on its worker pool): pyvirtd serving
  ``qemu:///session`` with its XDG directories in a temporary directory
  (libvirt's client refuses ``qemu+unix:///embed``), libvirtd its
  ``qemu:///system`` (private),
  each with ``--qemu-domains`` defined guests: lookupByName+info,
  lookupByName+XMLDesc (XMLDesc runs on pyvirtd's worker pool) and
  listAllDomains;
- ``virsh list --all`` wall time with the 1,001 test domains.

Each single-client figure is the median of ``--repeat`` runs, the runs of
one figure's four cells (two clients x two daemons) interleaved, so the
ratios printed compare numbers measured side by side.  Tables:

1. same client, two daemons: pyvirtd / libvirtd (time: below 1 is faster);
2. same daemon, two clients: pyvirt's client / libvirt-python's client;
3. end to end: pyvirt client -> pyvirtd / libvirt-python -> libvirtd.

Last come two summary lines: the goal of pyvirt's client (pyvirt client ->
pyvirtd at most libvirt-python -> libvirtd, wall time per call) and the two
clients' CPU per call against pyvirtd, each ``met in N of M`` operations.

Usage: bench/rpc_calls.py [--seconds S] [--repeat N] [--domains N]
                          [--qemu-domains N] [--no-libvirtd] [--no-qemu]
                          [--qemu-only]
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

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests" / "daemon"))

import daemons

WORKER = r"""
import json, sys, time
flavour, uri, op, name, seconds = sys.argv[1:6]
seconds = float(seconds)
if flavour == "pyvirt":
    import pyvirt as libvirt
else:
    import libvirt
libvirt.registerErrorHandler(lambda c, e: None, None)
c = libvirt.open(uri)
ops = {"getVersion": c.getVersion,
       "lookupByName+info": lambda: c.lookupByName(name).info(),
       "lookupByName+XMLDesc": lambda: c.lookupByName(name).XMLDesc(0),
       "listAllDomains": c.listAllDomains}
f = ops[op]
for _ in range(20):
    f()
n = 0
t0 = time.perf_counter()
c0 = time.process_time()
end = t0 + seconds
while True:
    for _ in range(10):
        f()
    n += 10
    now = time.perf_counter()
    if now >= end:
        break
print(json.dumps({"n": n, "t": now - t0, "cpu": time.process_time() - c0}))
c.close()
"""

CLIENTS = ("pyvirt", "libvirt")
DAEMONS = ("pyvirtd", "libvirtd")
TEST_OPS = ("getVersion", "lookupByName+info", "listAllDomains")
QEMU_OPS = ("lookupByName+info", "lookupByName+XMLDesc", "listAllDomains")

QEMU_XML = ("<domain type='qemu'><name>{name}</name><memory>65536</memory>"
            "<os><type arch='x86_64' machine='pc'>hvm</type></os></domain>")
TEST_XML = ("<domain type='test'><name>{name}</name><memory>65536</memory>"
            "<os><type>hvm</type></os></domain>")


def _python(flavour: str) -> str:
    return sys.executable if flavour == "pyvirt" else daemons.REAL_PYTHON


def _env(flavour: str) -> dict:
    env = dict(os.environ)
    if flavour != "pyvirt":
        env.pop("PYTHONPATH", None)
    return env


def run_workers(flavour: str, uri: str, op: str, name: str, seconds: float,
                procs: int) -> list[dict]:
    """Run ``procs`` client processes at once; return their {n, t} results."""
    argv = [_python(flavour), "-c", WORKER, flavour, uri, op, name, str(seconds)]
    runs = [subprocess.Popen(argv, stdout=subprocess.PIPE, text=True, env=_env(flavour))
            for _ in range(procs)]
    results = []
    for p in runs:
        out, _ = p.communicate(timeout=seconds * 4 + 120)
        if p.returncode:
            raise RuntimeError(f"{flavour} client failed on {uri} {op}")
        results.append(json.loads(out.strip().splitlines()[-1]))
    return results


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process (all its threads) has used so far."""
    with open(f"/proc/{pid}/stat") as fh:
        fields = fh.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def per_call_us(flavour: str, uri: str, op: str, name: str, seconds: float,
                daemon_pid: int) -> dict[str, float]:
    """From one client process: wall, client CPU and daemon CPU µs per call."""
    d0 = cpu_seconds(daemon_pid)
    (r,) = run_workers(flavour, uri, op, name, seconds, 1)
    daemon_cpu = cpu_seconds(daemon_pid) - d0
    return {"wall": r["t"] / r["n"] * 1e6, "client": r["cpu"] / r["n"] * 1e6,
            "daemon": daemon_cpu / r["n"] * 1e6}


def rate(flavour: str, uri: str, op: str, name: str, seconds: float, procs: int) -> float:
    """Total calls per second of ``procs`` client processes."""
    return sum(r["n"] / r["t"] for r in run_workers(flavour, uri, op, name, seconds, procs))


def virsh_list(uri: str, repeat: int = 5) -> float:
    """Return the median wall time of ``virsh list --all``, in seconds."""
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        subprocess.run([daemons.VIRSH, "-c", uri, "list", "--all"], capture_output=True,
                       check=True)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def populate(uri: str, template: str, prefix: str, count: int):
    """Open a holder connection and define ``count`` domains; return the connection."""
    import pyvirt
    conn = pyvirt.open(uri)
    for i in range(count):
        conn.defineXML(template.format(name=f"{prefix}{i:04d}"))
    return conn


def start_pyvirtd(base: Path) -> daemons.RunningDaemon:
    """pyvirtd whose qemu:///session keeps its state under base/xdg."""
    saved = dict(os.environ)
    try:
        for var, sub in (("XDG_CONFIG_HOME", "config"), ("XDG_DATA_HOME", "data"),
                         ("XDG_CACHE_HOME", "cache"), ("XDG_RUNTIME_DIR", "run")):
            os.environ[var] = str(base / "xdg" / sub)
        return daemons.start_pyvirtd(base, tcp=False)
    finally:
        os.environ.clear()
        os.environ.update(saved)


class Table:
    """Rows of (label, {column: value}) printed with the ratio of the two columns."""

    def __init__(self, title: str, columns: tuple[str, str], unit_note: str) -> None:
        self.title, self.columns, self.note = title, columns, unit_note
        self.rows: list[tuple[str, dict[str, float]]] = []

    def add(self, label: str, values: dict[str, float]) -> None:
        self.rows.append((label, values))

    def print(self) -> None:
        a, b = self.columns
        print(f"\n{self.title}  ({self.note})")
        print(f"{'':52s} {a:>17s} {b:>17s} {'ratio':>7s}")
        for label, vals in self.rows:
            x, y = vals.get(a), vals.get(b)
            ratio = f"{x / y:7.2f}" if x and y else "      -"
            xs = f"{x:17.1f}" if x is not None else f"{'-':>17s}"
            ys = f"{y:17.1f}" if y is not None else f"{'-':>17s}"
            print(f"{label:52s} {xs} {ys} {ratio}")


Grid = dict[tuple[str, str], dict[str, float]]


def measure_grid(uris: dict[str, str], pids: dict[str, int], op: str, name: str,
                 seconds: float, repeat: int) -> Grid:
    """Median wall, client-CPU and daemon-CPU µs/call of every (client, daemon) pair,
    the runs of all pairs interleaved."""
    samples: dict[tuple[str, str], list[dict[str, float]]] = {}
    for _ in range(repeat):
        for daemon, uri in uris.items():
            for client in CLIENTS:
                if client == "libvirt" and not os.path.exists(daemons.REAL_PYTHON):
                    continue
                samples.setdefault((client, daemon), []).append(
                    per_call_us(client, uri, op, name, seconds, pids[daemon]))
    return {k: {m: statistics.median(r[m] for r in runs) for m in ("wall", "client", "daemon")}
            for k, runs in samples.items()}


def _pick(grid: Grid, pairs: dict[str, tuple[str, str]], metric: str) -> dict[str, float]:
    out = {}
    for column, pair in pairs.items():
        if pair in grid:
            m = grid[pair]
            out[column] = m["client"] + m["daemon"] if metric == "cpu" else m[metric]
    return out


def report(grids: list[tuple[str, Grid]],
           rates: list[tuple[str, dict[tuple[str, str], float]]]) -> None:
    """Print the three comparisons."""
    by_daemon = Table("1. Same client, two daemons", ("pyvirtd", "libvirtd"),
                      "per call from 1 client process: wall µs and the daemon's CPU µs; "
                      "calls/s of 8 processes")
    by_client = Table("2. Same daemon, two clients", ("pyvirt", "libvirt"),
                      "per call from 1 client process: wall µs and the client's CPU µs; "
                      "pyvirt's client / libvirt-python's")
    end_to_end = Table("3. End to end", ("pyvirt->pyvirtd", "libvirt->libvirtd"),
                       "per call from 1 client process: wall µs and CPU µs of client + daemon")
    for label, grid in grids:
        for client in CLIENTS:
            pairs = {d: (client, d) for d in DAEMONS}
            by_daemon.add(f"{client:8s}{label} wall", _pick(grid, pairs, "wall"))
            by_daemon.add(f"{client:8s}{label} daemon CPU", _pick(grid, pairs, "daemon"))
        for daemon in DAEMONS:
            pairs = {c: (c, daemon) for c in CLIENTS}
            by_client.add(f"{daemon:9s}{label} wall", _pick(grid, pairs, "wall"))
            by_client.add(f"{daemon:9s}{label} client CPU", _pick(grid, pairs, "client"))
        pairs = {"pyvirt->pyvirtd": ("pyvirt", "pyvirtd"),
                 "libvirt->libvirtd": ("libvirt", "libvirtd")}
        end_to_end.add(f"{label} wall", _pick(grid, pairs, "wall"))
        end_to_end.add(f"{label} CPU", _pick(grid, pairs, "cpu"))
    for label, rgrid in rates:
        for client in CLIENTS:
            by_daemon.add(f"{client:8s}{label} calls/s",
                          {d: rgrid[(client, d)] for d in DAEMONS if (client, d) in rgrid})
    for table in (by_daemon, by_client, end_to_end):
        table.print()
    print_goal(grids)


def print_goal(grids: list[tuple[str, Grid]]) -> None:
    """One line for the goal of pyvirt's remote client (issue 10): a pyvirt client
    talking to pyvirtd is at least as fast as libvirt-python talking to libvirtd.

    Wall µs per call, medians; a second line compares the clients' own CPU per
    call against the same daemon (pyvirtd), where only the client differs.
    """
    ends = ("pyvirt", "pyvirtd"), ("libvirt", "libvirtd")
    wall, cpu = [], []
    for label, grid in grids:
        if all(pair in grid for pair in ends):
            ours, theirs = (grid[pair]["wall"] for pair in ends)
            wall.append((label, ours, theirs))
        same = ("pyvirt", "pyvirtd"), ("libvirt", "pyvirtd")
        if all(pair in grid for pair in same):
            ours, theirs = (grid[pair]["client"] for pair in same)
            cpu.append((label, ours, theirs))
    goal = "GOAL pyvirt->pyvirtd <= libvirt-python->libvirtd, wall µs/call"
    client = "CLIENT pyvirt <= libvirt-python (both to pyvirtd), client CPU µs/call"
    for title, rows in ((goal, wall), (client, cpu)):
        if not rows:
            continue
        met = sum(1 for _l, a, b in rows if a <= b)
        cells = "; ".join(f"{label}: {a:.1f} vs {b:.1f} ({a / b:.2f})"
                          for label, a, b in rows)
        print(f"\n{title}: met in {met} of {len(rows)} -- {cells}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=2.0, help="seconds per measurement")
    ap.add_argument("--repeat", type=int, default=3, help="runs per single-client figure")
    ap.add_argument("--domains", type=int, default=1000, help="extra test domains to define")
    ap.add_argument("--qemu-domains", type=int, default=100, help="QEMU domains to define")
    ap.add_argument("--no-libvirtd", action="store_true", help="measure pyvirtd alone")
    ap.add_argument("--no-qemu", action="store_true", help="skip the QEMU driver figures")
    ap.add_argument("--qemu-only", action="store_true",
                    help="only the QEMU driver figures (no test driver, rates or virsh)")
    args = ap.parse_args()

    work = Path(tempfile.mkdtemp(prefix="rpcbench-"))
    running = {"pyvirtd": start_pyvirtd(work / "pyvirtd")}
    if not args.no_libvirtd and not daemons.libvirtd_available():
        running["libvirtd"] = daemons.start_libvirtd(work / "libvirtd")
    test_uris = {n: d.uri() for n, d in running.items()}
    pids = {n: d.proc.pid for n, d in running.items()}
    qemu_uris = {"pyvirtd": f"qemu+unix:///session?socket={running['pyvirtd'].sock}"}
    if "libvirtd" in running:
        qemu_uris["libvirtd"] = f"qemu+unix:///system?socket={running['libvirtd'].sock}"
    holders = []
    try:
        for uri in test_uris.values():
            holders.append(populate(uri, TEST_XML, "bench-", args.domains))
        if not args.no_qemu:
            for uri in qemu_uris.values():
                holders.append(populate(uri, QEMU_XML, "guest-", args.qemu_domains))
        print(f"Measured {time.strftime('%Y-%m-%d %H:%M')}, load average "
              f"{os.getloadavg()[0]:.2f}, {os.cpu_count()} CPUs")
        grids = []
        for op in () if args.qemu_only else TEST_OPS:
            label = f"test {op}" + (f" ({args.domains + 1})" if op == "listAllDomains" else "")
            grids.append((label, measure_grid(test_uris, pids, op, "test", args.seconds,
                                              args.repeat)))
        if not args.no_qemu:
            for op in QEMU_OPS:
                label = f"qemu {op}" + (f" ({args.qemu_domains})"
                                        if op == "listAllDomains" else "")
                grids.append((label, measure_grid(qemu_uris, pids, op, "guest-0001",
                                                  args.seconds, args.repeat)))
        rates = []
        for op in () if args.qemu_only else TEST_OPS[:2]:
            rates.append((f"test {op}", {(c, d): rate(c, uri, op, "test", args.seconds, 8)
                                         for d, uri in test_uris.items() for c in CLIENTS}))
        report(grids, rates)
        if args.qemu_only:
            return 0
        lists = Table(f"virsh list --all ({args.domains + 1} test domains)",
                      ("pyvirtd", "libvirtd"), "ms, median of 5")
        lists.add("virsh list --all ms",
                  {n: virsh_list(uri) * 1000 for n, uri in test_uris.items()})
        lists.print()
    finally:
        for h in holders:
            h.close()
        for d in running.values():
            d.stop()
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
