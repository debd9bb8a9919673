"""Odd input gets libvirt's outcome.

Each file of tests/data/outcomes lists inputs (domains, networks, pools) and
what Debian's libvirt 9.0 does with each, captured by
tests/conf/libvirt_outcomes.py: the error (code, domain, message), or the
definition it writes back (whole, or only a domain's devices).  pyvirt's
test driver must do the same.
"""

from __future__ import annotations

import json

import pytest
from libvirt_outcomes import devices_of, outcome
from xml2xml import DATA

import pyvirt
from pyvirt.errors import libvirtError


def _cases() -> list:
    params = []
    for path in sorted((DATA / "outcomes").glob("*.json")):
        data = json.loads(path.read_text())
        params += [pytest.param(data, c, id=f"{path.stem}:{c['name']}") for c in data["cases"]]
    return params


@pytest.mark.parametrize(("data", "case"), _cases())
def test_input_as_libvirt(data: dict, case: dict) -> None:
    conn = pyvirt.open("test:///default")
    try:
        result = outcome(conn, data.get("object", "domain"), case["xml"], libvirtError)
    finally:
        conn.close()
    if "output" in result and data["part"] == "devices":
        result["output"] = devices_of(result["output"])
    expected = {k: case[k] for k in ("code", "domain", "message", "output") if k in case}
    assert result == expected
