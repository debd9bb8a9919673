#!/usr/bin/env python3
"""Start-up time: pyvirsh and ``import pyvirt`` against virsh and libvirt-python.

Scripts call virsh in loops, so a command's whole run counts.  Each pair
runs alternately (A B A B ...) as whole processes, after warm-up runs that
also fill the bytecode cache; the script prints the median wall-clock and
CPU (user + system) milliseconds of each and the ratio pyvirt / libvirt
measured in this same run.  The goals: each pyvirsh line under
100 ms, ``import pyvirt`` under 30 ms.

  pyvirsh -c test:///default list        virsh -c test:///default list
  pyvirsh -c qemu:///embed?root=D list   virsh -c qemu:///embed?root=D list
  python -c 'import pyvirt'              /usr/bin/python3 -c 'import libvirt'
  python -c pass                         /usr/bin/python3 -c pass   (the floor)

Usage: bench/startup.py [-n RUNS] [--warmup RUNS]
"""

from __future__ import annotations

import argparse
import compileall
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEBIAN_PY = "/usr/bin/python3"
VIRSH = "/usr/bin/virsh"


def pyvirsh() -> list[str]:
    """The installed pyvirsh console script (what a user runs), else the module."""
    script = Path(sys.executable).parent / "pyvirsh"
    found = str(script) if script.exists() else shutil.which("pyvirsh")
    return [found] if found else [sys.executable, "-m", "pyvirt.shell.main"]


def run_once(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Run ``argv`` to its end; return its (wall, cpu) seconds."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, env=env, stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _pid, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read() if proc.stderr else b""
    if proc.stderr:
        proc.stderr.close()
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed ({proc.returncode}): {err.decode()}")
    return wall, usage.ru_utime + usage.ru_stime


def compare(ours: list[str], theirs: list[str], runs: int, warmup: int,
            env: dict[str, str]) -> dict[str, float]:
    """Median wall and CPU seconds of both commands, run alternately."""
    for _ in range(warmup):
        run_once(ours, env)
        run_once(theirs, env)
    samples: dict[str, list[float]] = {"ours_wall": [], "ours_cpu": [], "theirs_wall": [],
                                       "theirs_cpu": [], "ratio_wall": [], "ratio_cpu": []}
    for _ in range(runs):
        ow, oc = run_once(ours, env)
        tw, tc = run_once(theirs, env)
        for key, value in (("ours_wall", ow), ("ours_cpu", oc), ("theirs_wall", tw),
                           ("theirs_cpu", tc), ("ratio_wall", ow / tw),
                           ("ratio_cpu", oc / max(tc, 1e-3))):
            samples[key].append(value)
    return {key: statistics.median(values) for key, values in samples.items()}


def main(argv: list[str] | None = None) -> int:
    """Run the comparisons and print the table."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", "--runs", type=int, default=20, help="counted runs of each command")
    ap.add_argument("--warmup", type=int, default=3, help="runs not counted, first")
    args = ap.parse_args(argv)
    # A warm bytecode cache, as an installed pyvirt has: compile once, let runs write.
    compileall.compile_dir(str(ROOT / "pyvirt"), quiet=1)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env.update(LC_ALL="C", PYTHONPATH=str(ROOT))
    env.pop("LIBVIRT_DEFAULT_URI", None)
    shell = pyvirsh()
    with tempfile.TemporaryDirectory(prefix="pyvirt-bench-") as tmp:
        ours_root, theirs_root = os.path.join(tmp, "pyvirt"), os.path.join(tmp, "libvirt")
        os.mkdir(ours_root)
        os.mkdir(theirs_root)
        cases = [
            ("pyvirsh -c test:///default list",
             shell + ["-c", "test:///default", "list"],
             [VIRSH, "-c", "test:///default", "list"]),
            ("pyvirsh -c qemu:///embed?root=DIR list",
             shell + ["-c", f"qemu:///embed?root={ours_root}", "list"],
             [VIRSH, "-c", f"qemu:///embed?root={theirs_root}", "list"]),
            ("python -c 'import pyvirt'",
             [sys.executable, "-c", "import pyvirt"],
             [DEBIAN_PY, "-c", "import libvirt"]),
            ("python -c pass (interpreter start)",
             [sys.executable, "-c", "pass"],
             [DEBIAN_PY, "-c", "pass"]),
        ]
        print(f"{args.runs} runs each after {args.warmup} warm-up runs; medians in ms; "
              "ratio = pyvirt / libvirt, run by run")
        header = (f"{'command':<40} {'pyvirt wall':>11} {'cpu':>6} {'libvirt wall':>12} "
                  f"{'cpu':>6} {'ratio wall':>10} {'cpu':>6}")
        print(header)
        print("-" * len(header))
        for label, ours, theirs in cases:
            got = compare(ours, theirs, args.runs, args.warmup, env)
            print(f"{label:<40} {got['ours_wall'] * 1e3:>11.1f} {got['ours_cpu'] * 1e3:>6.1f} "
                  f"{got['theirs_wall'] * 1e3:>12.1f} {got['theirs_cpu'] * 1e3:>6.1f} "
                  f"{got['ratio_wall']:>10.2f} {got['ratio_cpu']:>6.2f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
