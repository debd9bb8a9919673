#!/usr/bin/env python3
"""One minute of load: 100 concurrent clients mixing calls against one pyvirtd.

Half the clients are pyvirt's, half real libvirt-python (/usr/bin/python3),
in four processes; each client loops define/start/list/dumpxml/destroy/
undefine plus lookups.  Prints calls per second and fails (exit 1) when a
call failed, a domain was lost or a client got stuck.

Usage: bench/rpc_load.py [--clients N] [--seconds S]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests" / "daemon"))

import daemons
import test_load


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clients", type=int, default=100)
    ap.add_argument("--seconds", type=float, default=60.0)
    args = ap.parse_args()
    import pyvirt
    d = daemons.start_pyvirtd(Path(tempfile.mkdtemp(prefix="rpcload-")), tcp=False)
    holder = pyvirt.open(d.uri())
    failed = False
    try:
        reports = test_load.run_load(d, args.clients, args.seconds)
        calls = sum(r["calls"] for r in reports)
        secs = max(r["seconds"] for r in reports)
        print(f"{args.clients} clients, {secs:.1f} s: {calls} calls, {calls / secs:.0f} calls/s")
        for r in reports:
            if r["nerrors"] or r["lost"] or r["stuck"] or not r["min_client_calls"]:
                failed = True
                print("PROBLEM:", r)
        leftovers = [x.name() for x in holder.listAllDomains() if x.name().startswith("load-")]
        if leftovers:
            failed = True
            print("PROBLEM: domains left behind:", leftovers[:10])
    finally:
        holder.close()
        d.stop()
    print("FAILED" if failed else "OK: nothing lost, nothing stuck")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
