"""Rate limits on a host network device with ``tc``, as libvirt's virnetdevbandwidth.c
sets them on a guest's tap.

Traffic *to* the guest (libvirt's inbound) leaves the tap: an HTB class
shapes it.  Traffic *from* the guest (outbound) enters the tap: an ingress
policer drops what exceeds the rate.  Rates are KiB/s and bursts KiB, as
in libvirt's ``<bandwidth>`` (tc's ``kbps`` and ``kb``).
"""

from __future__ import annotations

import shutil
import subprocess

from pyvirt import constants as C
from pyvirt.errors import report

#: libvirt's interface parameters: (name, direction, <bandwidth> attribute)
PARAMS = (("inbound.average", "inbound", "average"), ("inbound.peak", "inbound", "peak"),
          ("inbound.burst", "inbound", "burst"), ("inbound.floor", "inbound", "floor"),
          ("outbound.average", "outbound", "average"), ("outbound.peak", "outbound", "peak"),
          ("outbound.burst", "outbound", "burst"))


def merge(rates: dict[str, dict[str, int]], params: dict[str, int]) -> None:
    """Apply virDomainSetInterfaceParameters ``params`` to ``rates`` ({direction:
    {attribute: value}}) as libvirt does: a direction given without an average (or
    floor) loses its limits."""
    for direction in ("inbound", "outbound"):
        given = {attr: params[key] for key, d, attr in PARAMS
                 if d == direction and key in params}
        if not given:
            continue
        if given.get("average") or given.get("floor"):
            rates[direction] = {a: given[a] for a in ("average", "peak", "burst", "floor")
                                if given.get(a)}
        else:
            rates.pop(direction, None)


def _tc(*argv: str, check: bool = True) -> None:
    tc = shutil.which("tc") or "/usr/sbin/tc"
    res = subprocess.run([tc, *argv], capture_output=True, text=True, check=False)
    if check and res.returncode != 0:
        raise report(C.VIR_ERR_SYSTEM_ERROR, f"Cannot set interface bandwidth: tc "
                     f"{' '.join(argv)}: {res.stderr.strip()}", C.VIR_FROM_NONE)


def clear(dev: str) -> None:
    """Remove any shaping and policing from ``dev``."""
    _tc("qdisc", "del", "dev", dev, "root", check=False)
    _tc("qdisc", "del", "dev", dev, "ingress", check=False)


def apply(dev: str, inbound: dict[str, int], outbound: dict[str, int]) -> None:
    """Set the limits of ``dev`` (each dict: average, peak, burst, floor; empty: none).

    On failure ``dev`` is left without limits."""
    clear(dev)
    try:
        _apply(dev, inbound, outbound)
    except BaseException:
        clear(dev)
        raise


def _apply(dev: str, inbound: dict[str, int], outbound: dict[str, int]) -> None:
    if inbound.get("average"):
        avg = inbound["average"]
        cls = ["class", "add", "dev", dev, "parent", "1:", "classid", "1:1", "htb",
               "rate", f"{avg}kbps"]
        if inbound.get("peak"):
            cls += ["ceil", f"{inbound['peak']}kbps"]
        if inbound.get("burst"):
            cls += ["burst", f"{inbound['burst']}kb"]
        _tc("qdisc", "add", "dev", dev, "root", "handle", "1:", "htb", "default", "1")
        _tc(*cls)
        # fairness between flows; a kernel without sfq shapes without it
        _tc("qdisc", "add", "dev", dev, "parent", "1:1", "handle", "2:", "sfq", "perturb", "10",
            check=False)
        # (libvirt also steers marked packets with an fw filter; 'default 1' already sends
        # every packet to the class, so a kernel without cls_fw loses nothing)
        _tc("filter", "add", "dev", dev, "parent", "1:0", "protocol", "all", "prio", "1",
            "handle", "1", "fw", "flowid", "1", check=False)
    if outbound.get("average"):
        avg = outbound["average"]
        burst = outbound.get("burst") or avg
        _tc("qdisc", "add", "dev", dev, "ingress")
        _tc("filter", "add", "dev", dev, "parent", "ffff:", "protocol", "all", "u32",
            "match", "u32", "0", "0", "police", "rate", f"{avg}kbps", "burst", f"{burst}kb",
            "mtu", "64kb", "drop", "flowid", ":1")


def show(dev: str) -> str:
    """``tc qdisc show`` and ``tc class show`` of ``dev`` (for checks and logs)."""
    tc = shutil.which("tc") or "/usr/sbin/tc"
    out = []
    for what in ("qdisc", "class", "filter"):
        argv = [tc, what, "show", "dev", dev]
        if what == "filter":
            argv += ["parent", "ffff:"]
        out.append(subprocess.run(argv, capture_output=True, text=True, check=False).stdout)
    return "".join(out)
