"""Storage pool commands."""

from __future__ import annotations

import pytest
from shellcase import check, cmd

DEFINE = "pool-define input/pool.xml; "
CASES = {
    "pool-list": cmd("pool-list"),
    "pool-list-all": cmd(DEFINE + "pool-list --all"),
    "pool-list-inactive": cmd(DEFINE + "pool-list --inactive"),
    "pool-list-details": cmd(DEFINE + "pool-list --all --details"),
    "pool-list-name": cmd(DEFINE + "pool-list --all --name"),
    "pool-list-uuid": cmd(DEFINE + "pool-list --all --uuid"),
    "pool-list-uuid-name": cmd(DEFINE + "pool-list --all --uuid --name"),
    "pool-list-type": cmd(DEFINE + "pool-list --all --type dir"),
    "pool-list-type-none": cmd("pool-list --all --type logical"),
    "pool-list-type-bad": cmd("pool-list --type bogus"),
    "pool-list-exclusive": cmd("pool-list --all --inactive"),
    "pool-list-persistent": cmd("pool-create input/pool.xml; pool-list --persistent"),
    "pool-list-transient": cmd("pool-create input/pool.xml; pool-list --transient"),
    "pool-list-autostart": cmd("pool-autostart default-pool; pool-list --autostart"),
    "pool-info": cmd("pool-info default-pool"),
    "pool-info-bytes": cmd("pool-info default-pool --bytes"),
    "pool-info-inactive": cmd(DEFINE + "pool-info pool1"),
    "pool-info-missing": cmd("pool-info nope"),
    "pool-dumpxml": cmd("pool-dumpxml default-pool"),
    "pool-dumpxml-xpath": cmd("pool-dumpxml default-pool --xpath //path"),
    "pool-define": cmd(DEFINE + "pool-dumpxml pool1"),
    "pool-define-as": cmd("pool-define-as p2 dir --target /p2; pool-list --all; "
                          "pool-dumpxml p2 --xpath //target"),
    "pool-define-as-print": cmd("pool-define-as p3 netfs --source-host nfs.example.com "
                                "--source-path /export --source-format nfs --target /mnt "
                                "--print-xml"),
    "pool-create": cmd("pool-create input/pool.xml; pool-info pool1"),
    "pool-lifecycle": cmd(DEFINE + "pool-build pool1; pool-start pool1; pool-refresh pool1; "
                                   "pool-list --all; pool-destroy pool1; pool-delete pool1; "
                                   "pool-undefine pool1; pool-list --all"),
    "pool-start-active": cmd("pool-start default-pool"),
    "pool-start-build": cmd(DEFINE + "pool-start pool1 --build"),
    "pool-build-exclusive": cmd(DEFINE + "pool-start pool1 --overwrite --no-overwrite"),
    "pool-autostart": cmd("pool-autostart default-pool; pool-info default-pool; "
                          "pool-autostart default-pool --disable; pool-info default-pool"),
    "pool-undefine-active": cmd("pool-undefine default-pool"),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_storage(name: str) -> None:
    check("storage", name, CASES[name])
