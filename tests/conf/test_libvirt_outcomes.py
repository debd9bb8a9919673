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
from xml2xml import DATA, expect_error

import pyvirt
from pyvirt import constants as C


def _cases() -> list:
    params = []
    for path in sorted((DATA / "outcomes").glob("*.json")):
        data = json.loads(path.read_text())
        params += [pytest.param(data, c, id=f"{path.stem}:{c['name']}") for c in data["cases"]]
    return params


def _devices_of(xml: str) -> str:
    if "<devices>\n" not in xml:
        return ""
    return xml.split("<devices>\n", 1)[1].split("  </devices>", 1)[0]


@pytest.mark.parametrize(("data", "case"), _cases())
def test_input_as_libvirt(data: dict, case: dict) -> None:
    conn = pyvirt.open("test:///default")
    kind = data.get("object", "domain")
    define = {"domain": conn.defineXML, "network": conn.networkDefineXML,
              "pool": conn.storagePoolDefineXML}[kind]
    try:
        if "code" in case:
            err = expect_error(lambda: define(case["xml"]), case["code"], case["domain"])
            assert err.get_error_message() == case["message"]
            return
        obj = define(case["xml"])
        xml = obj.XMLDesc(C.VIR_DOMAIN_XML_INACTIVE | C.VIR_DOMAIN_XML_SECURE
                          if kind == "domain" else 0)
        obj.undefine()
        assert (_devices_of(xml) if data["part"] == "devices" else xml) == case["output"]
    finally:
        conn.close()
