"""nodedevxml2xml: node device XML read and written back as libvirt does.

``computer``, ``scsi_host*`` and ``vhba-create`` are what libvirt 9.0's test
driver wrote; ``pci-net`` and ``net-eth0`` follow libvirt's nodedev layout.
"""

from __future__ import annotations

import pytest
from xml2xml import expect_error, run_case, xml2xml_params

from pyvirt import constants as C
from pyvirt.conf.node_device import CapType, NodeDeviceDef


@pytest.mark.parametrize("name", xml2xml_params("nodedev"))
def test_nodedev_xml2xml(name: str) -> None:
    run_case("nodedev", name, lambda x: NodeDeviceDef.parse(x).format(), "nodedev")


def test_fields() -> None:
    dev = NodeDeviceDef.parse("<device><parent wwnn='2000000012341234' "
                              "wwpn='1000000012341234'/><capability type='scsi_host'>"
                              "<capability type='fc_host'><wwnn>2000000033333333</wwnn>"
                              "<wwpn>1000000033333333</wwpn></capability></capability>"
                              "</device>", create=True)
    assert dev.name is None and dev.parent is None and dev.parent_wwnn == "2000000012341234"
    assert dev.fc_names == ("2000000033333333", "1000000033333333")
    assert dev.cap(CapType.SCSI_HOST) is not None and dev.cap("pci") is None


BAD = [
    ("<device><name>x</name><capability type='bogus'/></device>", C.VIR_ERR_XML_ERROR,
     C.VIR_FROM_XML, "Invalid value for attribute 'type' in element 'capability': 'bogus'."),
    ("<device><name>x</name><capability/></device>", C.VIR_ERR_XML_ERROR, C.VIR_FROM_XML,
     "Missing required attribute 'type' in element 'capability'"),
    ("<device><name>x</name></device>", C.VIR_ERR_INTERNAL_ERROR, C.VIR_FROM_NODEDEV,
     "no device capabilities for 'x'"),
    ("<dev/>", C.VIR_ERR_XML_ERROR, C.VIR_FROM_XML, "expecting root element of 'device'"),
    ("<device><name>x", C.VIR_ERR_XML_DETAIL, C.VIR_FROM_NODEDEV, "(device_definition)"),
    ("<device><capability type='system'/></device>", C.VIR_ERR_NO_NAME, C.VIR_FROM_NODEDEV,
     None),
    (("<device><name>p</name><capability type='pci'><domain>zz</domain></capability>"
     "</device>"), C.VIR_ERR_INTERNAL_ERROR, C.VIR_FROM_NODEDEV, "invalid PCI domain ID"),
]


@pytest.mark.parametrize("xml,code,domain,message", BAD)
def test_nodedev_bad(xml: str, code: int, domain: int, message: str | None) -> None:
    expect_error(lambda: NodeDeviceDef.parse(xml), code, domain, message)
