"""Host interface commands."""

from __future__ import annotations

import pytest
from shellcase import check, cmd

CASES = {
    "iface-list": cmd("iface-list"),
    "iface-list-all": cmd("iface-list --all"),
    "iface-list-inactive": cmd("iface-list --inactive"),
    "iface-list-exclusive": cmd("iface-list --all --inactive"),
    "iface-dumpxml": cmd("iface-dumpxml eth1"),
    "iface-dumpxml-mac": cmd("iface-dumpxml aa:bb:cc:dd:ee:ff"),
    "iface-dumpxml-xpath": cmd("iface-dumpxml eth1 --xpath //ip"),
    "iface-dumpxml-missing": cmd("iface-dumpxml nope"),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_iface(name: str) -> None:
    check("iface", name, CASES[name])
