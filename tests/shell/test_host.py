"""Host commands: version, hostname, uri, nodeinfo, capabilities, connect."""

from __future__ import annotations

import pytest
from shellcase import check, cmd, run_pyvirsh

CASES = {
    "version": cmd("version"),
    "version-daemon": cmd("version --daemon"),
    "hostname": cmd("hostname"),
    "uri": cmd("uri"),
    "nodeinfo": cmd("nodeinfo"),
    "capabilities": cmd("capabilities"),
    "sysinfo": cmd("sysinfo"),
    "domcapabilities": cmd("domcapabilities"),
    "connect-uri": cmd("connect test:///default; uri"),
    "connect-readonly": cmd("connect --readonly; destroy test"),
    "readonly-destroy": ["-r", "-c", "test:///default", "destroy", "test"],
    "quiet-version": ["-q", "-c", "test:///default", "version"],
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_host(name: str) -> None:
    check("host", name, CASES[name])


def test_default_uri_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LIBVIRT_DEFAULT_URI", "test:///default")
    result = run_pyvirsh(["uri"])
    assert (result.out, result.err, result.rc) == ("test:///default\n\n", "", 0)


def test_help_lists_groups_and_commands() -> None:
    result = run_pyvirsh(["help"])
    assert result.rc == 0
    assert " Domain Management (help keyword 'domain'):\n" in result.out
    assert "    dominfo                        domain information\n" in result.out
    assert "    snapshot-create-as " in result.out


def test_help_for_command_and_group() -> None:
    result = run_pyvirsh(["help", "dominfo"])
    assert result.rc == 0
    assert "  SYNOPSIS\n    dominfo <domain> [--json]\n" in result.out
    assert "JSON KEYS" in result.out
    group = run_pyvirsh(["help", "network"])
    assert " Networking (help keyword 'network'):\n" in group.out
    assert "net-list" in group.out
    flag_help = run_pyvirsh(["dominfo", "--help"])
    assert flag_help.out == result.out


def test_help_unknown() -> None:
    result = run_pyvirsh(["help", "nosuch"])
    assert result.err == "error: command or command group 'nosuch' doesn't exist\n"
    assert result.rc == 1
