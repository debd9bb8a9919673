"""Node device commands."""

from __future__ import annotations

import pytest
from shellcase import check, cmd

CASES = {
    # libvirt 9.0's test driver refuses the ACTIVE/INACTIVE list flags virsh
    # 9.0 passes: the listing cases it fails are pyvirt's own
    # (tests/data/shell/pyvirt-only/nodedev)
    "nodedev-list": cmd("nodedev-list"),
    "nodedev-list-all": cmd("nodedev-list --all"),
    "nodedev-list-tree": cmd("nodedev-list --tree"),
    "nodedev-list-cap": cmd("nodedev-list --cap scsi_host"),
    "nodedev-list-bad-cap": cmd("nodedev-list --cap bogus"),
    "nodedev-list-tree-cap": cmd("nodedev-list --tree --cap system"),
    "nodedev-list-all-inactive": cmd("nodedev-list --all --inactive"),
    "nodedev-dumpxml": cmd("nodedev-dumpxml computer"),
    "nodedev-dumpxml-scsi": cmd("nodedev-dumpxml scsi_host1"),
    "nodedev-dumpxml-xpath": cmd("nodedev-dumpxml computer --xpath //vendor"),
    "nodedev-dumpxml-missing": cmd("nodedev-dumpxml nope"),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_nodedev(name: str) -> None:
    check("nodedev", name, CASES[name])
