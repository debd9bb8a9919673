"""Reading dnsmasq's leases file, and the lease script that keeps DHCPv6 clients' MACs.

Lines as dnsmasq 2.90 writes them (the DHCPv6 line is one a ``dhclient -6``
lease produced); the lease script is run as dnsmasq runs it (a child with
dnsmasq's arguments and ``DNSMASQ_*`` environment), through the wrapper
the driver writes.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from pyvirt import constants as C
from pyvirt.conf.network import NetworkDef
from pyvirt.drivers.network import leases

NET = NetworkDef.parse(
    "<network><name>v6</name><bridge name='pvbr16'/>"
    "<ip address='10.66.0.1' prefix='24'/><ip family='ipv6' address='fd00:66::1' "
    "prefix='64'/></network>")
DUID = "00:01:00:01:32:a6:14:47:52:54:00:6e:00:07"
TEXT = ("1796433367 52:54:00:6e:00:07 10.66.0.19 client4 01:52:54:00:6e:00:07\n"
        "1000 52:54:00:6e:00:08 10.66.0.18 * *\n"              # expired
        "duid 00:01:00:01:32:a6:14:3d:52:54:00:11:00:61\n"
        f"1796437267 7208967 fd00:66::1a7 client6 {DUID}\n"
        f"0 T7208968 fd00:66::1a8 * {DUID}\n"                    # temporary, no expiry
        f"1796437267 7208969 fd00:66::1a9 * {DUID}\n")          # MAC not known: left out


def test_v4_and_v6_leases() -> None:
    macs = {"fd00:66::1a7": "52:54:00:6e:00:07", "fd00:66::1a8": "52:54:00:6e:00:07"}
    got = leases.parse(TEXT, "pvbr16", NET.ips, macs, now=2000)
    assert got == [
        {"iface": "pvbr16", "expirytime": 1796433367, "type": C.VIR_IP_ADDR_TYPE_IPV4,
         "mac": "52:54:00:6e:00:07", "iaid": None, "ipaddr": "10.66.0.19", "prefix": 24,
         "hostname": "client4", "clientid": "01:52:54:00:6e:00:07"},
        {"iface": "pvbr16", "expirytime": 1796437267, "type": C.VIR_IP_ADDR_TYPE_IPV6,
         "mac": "52:54:00:6e:00:07", "iaid": "7208967", "ipaddr": "fd00:66::1a7",
         "prefix": 64, "hostname": "client6", "clientid": DUID},
        {"iface": "pvbr16", "expirytime": 0, "type": C.VIR_IP_ADDR_TYPE_IPV6,
         "mac": "52:54:00:6e:00:07", "iaid": "7208968", "ipaddr": "fd00:66::1a8",
         "prefix": 64, "hostname": None, "clientid": DUID}]
    assert leases.parse(TEXT, "pvbr16", NET.ips, macs, mac="52:54:00:6E:00:07",
                        now=2000) == got
    assert leases.parse(TEXT, "pvbr16", NET.ips, macs, mac="52:54:00:6e:00:09",
                        now=2000) == []


def _event(helper: Path, *args: str, **env: str) -> None:
    subprocess.run([str(helper), *args], env={"PATH": os.environ["PATH"], **env},
                   check=True, timeout=60)


def test_lease_script_keeps_dhcpv6_macs(tmp_path: Path) -> None:
    helper, macfile = tmp_path / "v6.leasehelper", tmp_path / "v6.macs"
    leases.write_helper(str(helper), str(macfile))
    assert os.stat(helper).st_mode & 0o777 == 0o700
    assert json.loads(macfile.read_text()) == {}       # made with the script
    # an IPv4 event: nothing kept (its MAC is in the leases file)
    _event(helper, "add", "52:54:00:6e:00:07", "10.66.0.19", "client4")
    assert json.loads(macfile.read_text()) == {}
    _event(helper, "add", DUID, "fd00:66::1a7", "client6", DNSMASQ_IAID="7208967",
           DNSMASQ_MAC="52:54:00:6e:00:07")
    assert json.loads(macfile.read_text()) == {"fd00:66::1a7": "52:54:00:6e:00:07"}
    # dnsmasq restarted: 'old' without a MAC keeps the one known
    _event(helper, "old", DUID, "fd00:66::1a7", DNSMASQ_IAID="7208967")
    assert leases.read_macs(str(macfile)) == {"fd00:66::1a7": "52:54:00:6e:00:07"}
    _event(helper, "del", DUID, "fd00:66::1a7", DNSMASQ_IAID="7208967")
    assert leases.read_macs(str(macfile)) == {}
    assert leases.read_macs(str(tmp_path / "none")) == {}


def test_lease_event_after_the_stop_leaves_no_file(tmp_path: Path) -> None:
    # dnsmasq's script process may handle a lease event after the network
    # stopped and its files were removed: it must not make the MAC file again
    # (it was left behind when a released lease's 'del' raced the stop).
    helper, macfile = tmp_path / "v6.leasehelper", tmp_path / "v6.macs"
    leases.write_helper(str(helper), str(macfile))
    _event(helper, "add", DUID, "fd00:66::1a7", "client6", DNSMASQ_IAID="7208967",
           DNSMASQ_MAC="52:54:00:6e:00:07")
    leases.remove_macfile(str(macfile))
    for action in ("del", "add", "old"):
        _event(helper, action, DUID, "fd00:66::1a7", "client6", DNSMASQ_IAID="7208967",
               DNSMASQ_MAC="52:54:00:6e:00:07")
    assert not macfile.exists()
    leases.write_helper(str(helper), str(macfile))         # started again: kept as found
    assert json.loads(macfile.read_text()) == {}
