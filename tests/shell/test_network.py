"""Virtual network commands."""

from __future__ import annotations

import pytest
from shellcase import check, cmd

DEFINE = "net-define input/net.xml; "
UUID = "dd8fe884-6c02-601e-7551-cca97df1c5df"
CASES = {
    "net-list": cmd("net-list"),
    "net-list-all": cmd(DEFINE + "net-list --all"),
    "net-list-inactive": cmd(DEFINE + "net-list --inactive"),
    "net-list-name": cmd(DEFINE + "net-list --all --name"),
    "net-list-uuid": cmd(DEFINE + "net-list --all --uuid"),
    "net-list-both": cmd("net-list --name --uuid"),
    "net-list-persistent": cmd("net-create input/net.xml; net-list --persistent"),
    "net-list-transient": cmd("net-create input/net.xml; net-list --transient"),
    "net-list-autostart": cmd(DEFINE + "net-autostart net1; net-list --all --autostart"),
    "net-list-no-autostart": cmd(DEFINE + "net-list --all --no-autostart"),
    "net-info": cmd("net-info default"),
    "net-info-uuid": cmd(f"net-info {UUID}"),
    "net-info-inactive": cmd(DEFINE + "net-info net1"),
    "net-info-missing": cmd("net-info nope"),
    "net-dumpxml": cmd("net-dumpxml default"),
    "net-dumpxml-inactive": cmd("net-dumpxml default --inactive"),
    "net-dumpxml-xpath": cmd("net-dumpxml default --xpath //ip"),
    "net-define": cmd(DEFINE + "net-dumpxml net1"),
    "net-define-missing": cmd("net-define input/nosuch.xml"),
    "net-create": cmd("net-create input/net.xml; net-info net1"),
    "net-start-destroy": cmd(DEFINE + "net-start net1; net-list --all; net-destroy net1; "
                                      "net-list --all"),
    "net-start-active": cmd("net-start default"),
    "net-destroy-inactive": cmd(DEFINE + "net-destroy net1"),
    "net-undefine": cmd(DEFINE + "net-undefine net1; net-list --all"),
    "net-undefine-transient": cmd("net-create input/net.xml; net-undefine net1"),
    "net-autostart": cmd("net-autostart default; net-info default; "
                         "net-autostart default --disable; net-info default"),
    "net-name": cmd(f"net-name {UUID}"),
    "net-name-by-name": cmd("net-name default"),
    "net-uuid": cmd("net-uuid default"),
    "net-uuid-missing": cmd("net-uuid nope"),
    "net-dhcp-leases": cmd("net-dhcp-leases default"),
    "net-quiet": ["-q", "-c", "test:///default", DEFINE + "net-start net1; net-list --all"],
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_network(name: str) -> None:
    check("network", name, CASES[name])
