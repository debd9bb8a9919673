"""Ask real libvirt 9.0's test driver for the CPU baselines of tests/data/cpubaseline.

Run with Debian's ``/usr/bin/python3`` (python3-libvirt), not pyvirt::

    /usr/bin/python3 tests/reference/capture_cpu.py [--write]

``cases.json`` maps a case name to ``[list of host <cpu> XML, flags]``; each
goes to ``virConnectBaselineCPU`` on ``test:///default``.  The answers,
``{name: ["ok", xml] | ["err", code, domain, message]}``, are printed as JSON
and with ``--write`` stored as ``libvirt.json``: the only way that file is made.
The same runner serves pyvirt (``run(module)``) so both answer alike.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

DATA = Path(__file__).resolve().parent.parent / "data" / "cpubaseline"


def run(lib, cases: dict) -> dict:
    """Each case's baseline through ``lib`` (libvirt or pyvirt)."""
    lib.registerErrorHandler(lambda _ctx, _err: None, None)
    conn = lib.open("test:///default")
    out = {}
    for name, (xmls, flags) in cases.items():
        try:
            out[name] = ["ok", conn.baselineCPU(xmls, flags)]
        except lib.libvirtError as exc:
            out[name] = ["err", exc.get_error_code(), exc.get_error_domain(), str(exc)]
    conn.close()
    return out


if __name__ == "__main__":
    import libvirt  # type: ignore[import-not-found]

    found = run(libvirt, json.loads((DATA / "cases.json").read_text()))
    if sys.argv[1:] == ["--write"]:
        (DATA / "libvirt.json").write_text(json.dumps(found, indent=1, sort_keys=True) + "\n")
    json.dump(found, sys.stdout)
