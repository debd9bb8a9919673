"""Domain listing, information, XML and statistics commands."""

from __future__ import annotations

import pytest
from shellcase import check, cmd, mask_numbers

DEFINE = "define input/dom.xml; "
CASES = {
    "list": cmd("list"),
    "list-all": cmd("list --all"),
    "list-inactive": cmd(DEFINE + "list --inactive"),
    "list-defined": cmd(DEFINE + "list --all"),
    "list-title": cmd(DEFINE + "list --all --title"),
    "list-name": cmd(DEFINE + "list --all --name"),
    "list-uuid": cmd(DEFINE + "list --all --uuid"),
    "list-id": cmd(DEFINE + "list --all --id"),
    "list-uuid-name": cmd(DEFINE + "list --all --uuid --name"),
    "list-table": cmd(DEFINE + "list --all --table"),
    "list-table-name": cmd("list --table --name"),
    "list-state-running": cmd(DEFINE + "list --all --state-running"),
    "list-state-shutoff": cmd(DEFINE + "list --state-shutoff"),
    "list-state-paused": cmd(DEFINE + "suspend test; list --all --state-paused"),
    "list-state-other": cmd(DEFINE + "list --all --state-other"),
    "list-persistent": cmd(DEFINE + "list --all --persistent"),
    "list-transient": cmd("create input/dom.xml; list --transient"),
    "list-autostart": cmd(DEFINE + "autostart vm1; list --all --autostart"),
    "list-no-autostart": cmd(DEFINE + "autostart vm1; list --all --no-autostart"),
    "list-with-snapshot": cmd(DEFINE + "snapshot-create-as test s1; list --all "
                                       "--with-snapshot"),
    "list-without-snapshot": cmd(DEFINE + "snapshot-create-as test s1; list --all "
                                          "--without-snapshot"),
    "list-managed-save": cmd("managedsave test; list --all --managed-save"),
    "list-quiet": ["-q", "-c", "test:///default", DEFINE + "list --all"],
    "dominfo": cmd("dominfo test"),
    "dominfo-by-id": cmd("dominfo 1"),
    "dominfo-by-uuid": cmd("dominfo 6695eb01-f6a4-8304-79aa-97f2502e193f"),
    "dominfo-inactive": cmd(DEFINE + "dominfo vm1"),
    "dominfo-named": cmd("dominfo --domain=test"),
    "domstate": cmd("domstate test"),
    "domstate-reason": cmd("domstate test --reason"),
    "domstate-paused": cmd("suspend test; domstate test --reason"),
    "domstate-shutoff": cmd("destroy test; domstate test --reason"),
    "domid": cmd(DEFINE + "domid test; domid vm1"),
    "domname": cmd("domname 1; domname 6695eb01-f6a4-8304-79aa-97f2502e193f"),
    "domuuid": cmd("domuuid test; domuuid 1"),
    "dumpxml": cmd("dumpxml test"),
    "dumpxml-inactive": cmd(DEFINE + "dumpxml vm1 --inactive"),
    "dumpxml-security": cmd("dumpxml test --security-info"),
    "dumpxml-xpath": cmd("dumpxml test --xpath //disk"),
    "dumpxml-xpath-wrap": cmd("dumpxml test --xpath //name --wrap"),
    "dumpxml-xpath-attr": cmd("dumpxml test --xpath //disk/@type"),
    "dumpxml-xpath-text": cmd("dumpxml test --xpath //name/text()"),
    "dumpxml-xpath-empty": cmd("dumpxml test --xpath //nothing --wrap"),
    "dumpxml-xpath-count": cmd("dumpxml test --xpath count(//disk)"),
    "vcpucount": cmd("vcpucount test"),
    "vcpucount-inactive": cmd(DEFINE + "vcpucount vm1"),
    "vcpucount-maximum-live": cmd("vcpucount test --maximum --live"),
    "vcpucount-current-config": cmd("vcpucount test --current --config"),
    "vcpucount-exclusive": cmd("vcpucount test --live --config"),
    "domblklist": cmd("domblklist test"),
    "domblklist-details": cmd(DEFINE + "domblklist vm1 --details"),
    "domblklist-inactive": cmd(DEFINE + "domblklist vm1 --inactive"),
    "domiflist": cmd("domiflist test"),
    "domiflist-inactive": cmd(DEFINE + "domiflist vm1 --inactive"),
    # no job calls in libvirt 9.0's test driver: pyvirt-only expected files
    "domjobinfo": cmd("domjobinfo test"),
    "domjobabort": cmd("domjobabort test"),
    "domstats-state": cmd("domstats --state"),
}

# statistics whose values come from the clock: compare the layout only
NUMERIC = {
    "domblkstat": cmd("domblkstat test vda"),
    "domblkstat-human": cmd("domblkstat test vda --human"),
    "domblkstat-all": cmd("domblkstat test"),
    "domifstat": cmd("domifstat test testnet0"),
    "dommemstat": cmd("dommemstat test"),
    "domstats": cmd("domstats"),
    "domstats-domain": cmd("domstats test --state --balloon"),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_monitor(name: str) -> None:
    check("monitor", name, CASES[name])


@pytest.mark.parametrize("name", sorted(NUMERIC))
def test_statistics(name: str) -> None:
    check("monitor", name, NUMERIC[name], mask=mask_numbers)
