"""pyvirsh's --json output: one JSON document with the documented keys."""

from __future__ import annotations

import json

import pytest
from shellcase import cmd, run_pyvirsh

from pyvirt.shell.output import JSON_SCHEMA

SETUP = ("define input/dom.xml; net-define input/net.xml; pool-create input/pool.xml; "
         "vol-create pool1 input/vol.xml; snapshot-create-as test s1; "
         "secret-define input/secret.xml; ")
COMMANDS = {
    "version": "version --json",
    "nodeinfo": "nodeinfo --json",
    "list": "list --all --json",
    "dominfo": "dominfo test --json",
    "domstate": "domstate test --json",
    "vcpucount": "vcpucount test --json",
    "domblklist": "domblklist test --json",
    "domiflist": "domiflist test --json",
    "domblkstat": "domblkstat test vda --json",
    "domifstat": "domifstat test testnet0 --json",
    "dommemstat": "dommemstat test --json",
    "domstats": "domstats --json",
    "domjobinfo": "domjobinfo test --json",
    "net-list": "net-list --all --json",
    "net-info": "net-info default --json",
    "pool-list": "pool-list --all --json",
    "pool-info": "pool-info default-pool --json",
    "vol-list": "vol-list pool1 --json",
    "vol-info": "vol-info vol1.img --pool pool1 --json",
    "snapshot-list": "snapshot-list test --json",
    "snapshot-info": "snapshot-info test s1 --json",
    "nodedev-list": "nodedev-list --all --json",
    "secret-list": "secret-list --json",
    "iface-list": "iface-list --all --json",
}


def test_every_data_command_is_covered() -> None:
    assert set(COMMANDS) == set(JSON_SCHEMA)


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_json_keys(name: str) -> None:
    result = run_pyvirsh(cmd(SETUP + COMMANDS[name]))
    # the setup commands print their messages first; the JSON document is last
    text = result.out[result.out.index("{"):] if "{" in result.out else ""
    assert result.rc == 0, result.err
    document = json.loads(text)
    top, items = JSON_SCHEMA[name]
    assert list(document) == list(top)
    if items is not None:
        assert isinstance(document[top[0]], list)
        assert document[top[0]], f"{name}: empty list"
        for item in document[top[0]]:
            assert list(item) == list(items)


def test_json_values() -> None:
    result = run_pyvirsh(cmd("dominfo test --json"))
    info = json.loads(result.out)
    assert info["name"] == "test"
    assert info["id"] == 1
    assert info["state"] == "running"
    assert info["persistent"] is True
    listing = json.loads(run_pyvirsh(cmd("list --all --json")).out)
    assert listing["domains"][0]["uuid"] == "6695eb01-f6a4-8304-79aa-97f2502e193f"


def test_json_error_is_plain() -> None:
    result = run_pyvirsh(cmd("dominfo nope --json"))
    assert result.rc == 1
    assert result.out == ""
    assert result.err == "error: failed to get domain 'nope'\n"
