#!/usr/bin/env python3
"""In-process API calls on test:///default: pyvirt against libvirt (C), side by side.

Runs each operation many times under pyvirt (this interpreter) and under
Debian's python3-libvirt (/usr/bin/python3, a subprocess running this same
file with --impl libvirt), then prints microseconds per call and the ratio
pyvirt/libvirt.  The goal (issue 2) is a ratio of 2 or less on each line.

Usage: bench/api_calls.py [--seconds S]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

DOMAIN_XML = """<domain type='test'>
  <name>{name}</name>
  <memory unit='KiB'>1048576</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64'>hvm</type></os>
</domain>"""


def _per_call(func, seconds: float) -> float:
    """Return the mean seconds per call of func(), run for about ``seconds``."""
    n = 1
    while True:
        start = time.perf_counter()
        for _ in range(n):
            func()
        took = time.perf_counter() - start
        if took >= seconds:
            return took / n
        n = max(n * 2, int(n * seconds / max(took, 1e-6) * 1.1))


def measure(lib, seconds: float) -> dict[str, float]:
    """Time the benchmark operations with module ``lib`` (pyvirt or libvirt)."""
    lib.registerErrorHandler(lambda *_: None, None)
    conn = lib.open("test:///default")
    dom = conn.lookupByName("test")
    out = {
        "lookupByName": _per_call(lambda: conn.lookupByName("test"), seconds),
        "info": _per_call(dom.info, seconds),
        "XMLDesc": _per_call(lambda: dom.XMLDesc(0), seconds),
        "listAllDomains": _per_call(conn.listAllDomains, seconds),
    }
    xml = DOMAIN_XML.format(name="bench-define")
    out["defineXML+undefine"] = _per_call(lambda: conn.defineXML(xml).undefine(), seconds)
    for i in range(1000):
        conn.defineXML(DOMAIN_XML.format(name=f"many-{i}"))
    out["listAllDomains(1001)"] = _per_call(conn.listAllDomains, seconds)
    for d in conn.listAllDomains(lib.VIR_CONNECT_LIST_DOMAINS_INACTIVE):
        d.undefine()
    return out


def main() -> int:
    """Run both sides and print the comparison."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--impl", choices=["pyvirt", "libvirt"], default=None)
    ap.add_argument("--seconds", type=float, default=0.3)
    args = ap.parse_args()
    if args.impl == "libvirt":
        import libvirt
        print(json.dumps(measure(libvirt, args.seconds)))
        return 0
    import pyvirt
    ours = measure(pyvirt, args.seconds)
    theirs: dict[str, float] = {}
    if os.path.exists("/usr/bin/python3"):
        proc = subprocess.run(["/usr/bin/python3", __file__, "--impl", "libvirt",  # noqa: PLW1510
                               "--seconds", str(args.seconds)], capture_output=True, text=True)
        if proc.returncode == 0:
            theirs = json.loads(proc.stdout)
        else:
            print(f"libvirt side unavailable: {proc.stderr.strip()[-200:]}", file=sys.stderr)
    print(f"{'operation':<24}{'pyvirt µs':>12}{'libvirt µs':>12}{'ratio':>8}")
    for name, secs in ours.items():
        ref = theirs.get(name)
        ratio = f"{secs / ref:8.2f}" if ref else "       -"
        ref_text = f"{ref * 1e6:12.2f}" if ref else "           -"
        print(f"{name:<24}{secs * 1e6:12.2f}{ref_text}{ratio}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
