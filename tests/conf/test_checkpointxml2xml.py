"""checkpointxml2xml: domain checkpoint XML read and written back as libvirt does.

Expected outputs follow libvirt's own qemudomaincheckpointxml2xml data (the
test driver of libvirt 9.0 has no checkpoints to show them).
"""

from __future__ import annotations

import pytest
from xml2xml import check_schema, expect_error, run_case, xml2xml_params

from pyvirt import constants as C
from pyvirt.conf.checkpoint import CheckpointType, DomainCheckpointDef


@pytest.mark.parametrize("name", xml2xml_params("checkpoint"))
def test_checkpoint_xml2xml(name: str) -> None:
    run_case("checkpoint", name, lambda x: DomainCheckpointDef.parse(x).format(),
             "domaincheckpoint")


def test_defaults_and_size() -> None:
    chk = DomainCheckpointDef.parse("<domaincheckpoint><disks><disk name='vda' size='1024'/>"
                                    "</disks></domaincheckpoint>")
    assert chk.name == str(chk.creation_time)
    assert chk.disks[0].checkpoint is CheckpointType.BITMAP and chk.disks[0].bitmap == chk.name
    assert "size='1024'" not in chk.format()
    assert "size='1024'" in chk.format(size=True)
    check_schema(chk.format(size=True), "domaincheckpoint")


BAD = [
    ("<domaincheckpoint><name>c", C.VIR_ERR_XML_DETAIL, C.VIR_FROM_DOMAIN_CHECKPOINT,
     "(domaincheckpoint)"),
    ("<checkpoint/>", C.VIR_ERR_XML_ERROR, C.VIR_FROM_XML,
     "expecting root element of 'domaincheckpoint', not 'checkpoint'"),
    ("<domaincheckpoint><disks><disk checkpoint='no'/></disks></domaincheckpoint>",
     C.VIR_ERR_XML_ERROR, C.VIR_FROM_DOMAIN_CHECKPOINT, "missing name"),
    (("<domaincheckpoint><disks><disk name='vda' checkpoint='bogus'/></disks>"
     "</domaincheckpoint>"), C.VIR_ERR_XML_ERROR, C.VIR_FROM_XML,
     "Invalid value for attribute 'checkpoint' in element 'disk': 'bogus'."),
]


@pytest.mark.parametrize("xml,code,domain,message", BAD)
def test_checkpoint_bad(xml: str, code: int, domain: int, message: str) -> None:
    expect_error(lambda: DomainCheckpointDef.parse(xml), code, domain, message)
