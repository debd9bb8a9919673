"""DHCP leases of a network: dnsmasq's leases file, and the MACs of DHCPv6 clients.

dnsmasq writes one line per IPv4 lease (``expiry mac address hostname clientid``)
and, after a ``duid SERVER-DUID`` line, one per DHCPv6 lease (``expiry iaid
address hostname client-duid``; a ``T`` before the IAID marks a temporary
address).  A DHCPv6 lease line has no MAC: dnsmasq learns it from the
neighbour table (or a relay) and hands it only to a ``--dhcp-script``, as
``DNSMASQ_MAC``.  libvirt's leaseshelper keeps it in its ``.status`` file;
pyvirt's helper (:func:`main`, run by dnsmasq through a small wrapper that
:func:`write_helper` makes) keeps ``address -> MAC`` of the DHCPv6 leases in
a JSON file beside the leases file.  As libvirt, a DHCPv6 lease whose MAC
dnsmasq did not know is not listed.

dnsmasq runs the script in a process of its own, which may still be
handling an event (the ``del`` of a released lease) while the network is
stopped and its files removed.  The driver therefore makes the MAC file
when it starts dnsmasq and removes it when it stops; the script only
changes a file that exists, and both hold a lock on the directory, so a
late event can neither bring the file back after the stop nor lose a
change to a concurrent one.
"""

from __future__ import annotations

import contextlib
import fcntl
import ipaddress
import json
import os
import shlex
import sys
import time
from collections.abc import Iterator
from typing import Any

from pyvirt import constants as C
from pyvirt.util.fileutil import atomic_write, remove_durably

_HELPER = """#!/bin/sh
# DHCPv6 lease events of a pyvirt network (written by pyvirt; dnsmasq --dhcp-script)
PYTHONPATH={path}${{PYTHONPATH:+:$PYTHONPATH}} exec {python} -m pyvirt.drivers.network.leases \
{macfile} "$@"
"""


def write_helper(helper: str, macfile: str) -> None:
    """Write the executable that dnsmasq runs on each lease event (``--dhcp-script``):
    it calls :func:`main` with the same interpreter and pyvirt as the driver; and the
    MAC file it keeps, empty, unless there is one already."""
    import pyvirt
    path = os.path.dirname(os.path.dirname(os.path.abspath(pyvirt.__file__)))
    atomic_write(helper, _HELPER.format(path=shlex.quote(path),
                                        python=shlex.quote(sys.executable),
                                        macfile=shlex.quote(macfile)), 0o700)
    with _locked(macfile):
        if not os.path.exists(macfile):
            atomic_write(macfile, "{}\n", 0o644)


def remove_macfile(macfile: str) -> None:
    """Remove the MAC file (the network stopped); a lease event handled later changes
    nothing."""
    with _locked(macfile):
        remove_durably(macfile)


@contextlib.contextmanager
def _locked(macfile: str) -> Iterator[None]:
    """Hold the lock of ``macfile``'s directory (which outlives the file)."""
    fd = os.open(os.path.dirname(macfile) or ".", os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def read_macs(macfile: str | None) -> dict[str, str]:
    """``address -> MAC`` of the DHCPv6 leases the helper recorded."""
    try:
        with open(macfile or "", encoding="utf-8") as fh:
            data = json.load(fh)
    except (OSError, ValueError):
        return {}
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


def record(macfile: str, action: str, address: str, mac: str | None) -> None:
    """Follow one DHCPv6 lease event (``add``/``old``/``del``) in ``macfile``; nothing
    if the file is gone (the network stopped)."""
    with _locked(macfile):
        if not os.path.exists(macfile):
            return
        macs = read_macs(macfile)
        if action == "del":
            if macs.pop(address, None) is None:
                return
        elif not mac or macs.get(address) == mac:
            return          # dnsmasq does not always know the MAC of an old lease: kept
        else:
            macs[address] = mac
        atomic_write(macfile, json.dumps(macs, sort_keys=True) + "\n", 0o644)


def main(argv: list[str], env: dict[str, str]) -> int:
    """dnsmasq's lease script: ``MACFILE ACTION MAC|DUID ADDRESS [HOSTNAME]``; only DHCPv6
    events (``DNSMASQ_IAID`` set) are kept, with the MAC dnsmasq found."""
    if len(argv) < 4 or "DNSMASQ_IAID" not in env:
        return 0
    macfile, action, _duid, address = argv[:4]
    if action in ("add", "old", "del"):
        record(macfile, action, address, env.get("DNSMASQ_MAC"))
    return 0


def _prefixes(ips: list[Any]) -> dict[Any, int]:
    return {ipaddress.ip_network(f"{ip.address}/{ip.effective_prefix()}", strict=False):
            ip.effective_prefix() for ip in ips if ip.address}


def parse(text: str, bridge: str | None, ips: list[Any], macs: dict[str, str],
          mac: str | None = None, now: int | None = None) -> list[dict[str, object]]:
    """The unexpired leases in dnsmasq's leases file ``text``, as virNetworkDHCPLease
    dicts (of ``mac`` only, if given); ``macs`` gives the MACs of DHCPv6 leases."""
    prefixes = _prefixes(ips)
    now = int(time.time()) if now is None else now
    out: list[dict[str, object]] = []
    for line in text.splitlines():
        fields = line.split()
        if len(fields) < 5 or fields[0] == "duid":
            continue
        expiry, ident, addr, host, client = fields[:5]
        if ":" in addr:
            lease_mac, iaid = macs.get(addr), ident.lstrip("T")
            kind = C.VIR_IP_ADDR_TYPE_IPV6
        else:
            lease_mac, iaid, kind = ident, None, C.VIR_IP_ADDR_TYPE_IPV4
        if lease_mac is None:
            continue        # as libvirt: a DHCPv6 lease without a known MAC is not listed
        if mac is not None and lease_mac.lower() != mac.lower():
            continue
        if int(expiry) and int(expiry) < now:
            continue
        ipaddr = ipaddress.ip_address(addr)
        prefix = next((p for n, p in prefixes.items() if ipaddr in n), 0)
        out.append({"iface": bridge, "expirytime": int(expiry), "type": kind,
                    "mac": lease_mac, "iaid": iaid, "ipaddr": addr, "prefix": prefix,
                    "hostname": None if host == "*" else host,
                    "clientid": None if client == "*" else client})
    return out


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:], dict(os.environ)))
