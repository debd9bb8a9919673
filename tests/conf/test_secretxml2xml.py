"""secretxml2xml: secret XML read and written back as libvirt does."""

from __future__ import annotations

import pytest
from xml2xml import expect_error, run_case, xml2xml_params

from pyvirt import constants as C
from pyvirt.conf.secret import SecretDef, UsageType


@pytest.mark.parametrize("name", xml2xml_params("secret"))
def test_secret_xml2xml(name: str) -> None:
    run_case("secret", name, lambda x: SecretDef.parse(x).format(), "secret")


def test_fields() -> None:
    sec = SecretDef.parse("<secret private='yes'><usage type='ceph'><name>c</name></usage>"
                          "</secret>")
    assert sec.private and not sec.ephemeral and len(sec.uuid) == 36
    assert sec.usage_type is UsageType.CEPH and sec.usage_id == "c"


BAD = [
    ("<secret><uuid>x</uuid", C.VIR_ERR_XML_DETAIL, C.VIR_FROM_SECRET, "(secret_definition)"),
    ("<secrets/>", C.VIR_ERR_XML_ERROR, C.VIR_FROM_XML, "expecting root element of 'secret'"),
    ("<secret><usage type='bogus'/></secret>", C.VIR_ERR_CONFIG_UNSUPPORTED, C.VIR_FROM_SECRET,
     "unknown secret usage type bogus"),
    ("<secret><usage/></secret>", C.VIR_ERR_XML_ERROR, C.VIR_FROM_SECRET,
     "unknown secret usage type"),
    ("<secret><usage type='volume'/></secret>", C.VIR_ERR_INTERNAL_ERROR, C.VIR_FROM_SECRET,
     "volume usage specified, but volume path is missing"),
    ("<secret><usage type='ceph'/></secret>", C.VIR_ERR_INTERNAL_ERROR, C.VIR_FROM_SECRET,
     "Ceph usage specified, but name is missing"),
    ("<secret><usage type='iscsi'/></secret>", C.VIR_ERR_INTERNAL_ERROR, C.VIR_FROM_SECRET,
     "iSCSI usage specified, but target is missing"),
    ("<secret><usage type='tls'/></secret>", C.VIR_ERR_INTERNAL_ERROR, C.VIR_FROM_SECRET,
     "TLS usage specified, but name is missing"),
    ("<secret ephemeral='maybe'/>", C.VIR_ERR_XML_ERROR, C.VIR_FROM_SECRET,
     "invalid value of 'ephemeral'"),
    ("<secret private='x'/>", C.VIR_ERR_XML_ERROR, C.VIR_FROM_SECRET,
     "invalid value of 'private'"),
    ("<secret><uuid>zz</uuid></secret>", C.VIR_ERR_INTERNAL_ERROR, C.VIR_FROM_SECRET,
     "malformed uuid element"),
]


@pytest.mark.parametrize("xml,code,domain,message", BAD)
def test_secret_bad(xml: str, code: int, domain: int, message: str) -> None:
    expect_error(lambda: SecretDef.parse(xml), code, domain, message)
