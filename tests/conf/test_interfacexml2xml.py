"""interfacexml2xml: host interface XML read and written back as libvirt does."""

from __future__ import annotations

import pytest
from xml2xml import expect_error, run_case, xml2xml_params

from pyvirt import constants as C
from pyvirt.conf.interface import BondMode, InterfaceDef, InterfaceType


@pytest.mark.parametrize("name", xml2xml_params("interface"))
def test_interface_xml2xml(name: str) -> None:
    run_case("interface", name, lambda x: InterfaceDef.parse(x).format(), "interface")


def test_fields() -> None:
    iface = InterfaceDef.parse("<interface type='bond' name='bond0'><bond mode='802.3ad'>"
                               "<interface type='ethernet' name='eth0'/></bond></interface>")
    assert iface.type is InterfaceType.BOND and iface.bond_mode is BondMode.IEEE_802_3AD
    assert [m.name for m in iface.members] == ["eth0"]


BAD = [
    ("<interface type='ethernet' name='x'", C.VIR_ERR_XML_DETAIL, C.VIR_FROM_INTERFACE,
     "(interface_definition)"),
    ("<iface/>", C.VIR_ERR_XML_ERROR, C.VIR_FROM_XML, "expecting root element of 'interface'"),
    ("<interface type='bogus' name='x'/>", C.VIR_ERR_XML_ERROR, C.VIR_FROM_XML,
     "Invalid value for attribute 'type' in element 'interface': 'bogus'."),
    ("<interface type='ethernet'/>", C.VIR_ERR_XML_ERROR, C.VIR_FROM_INTERFACE,
     "interface has no name"),
    ("<interface name='x'/>", C.VIR_ERR_XML_ERROR, C.VIR_FROM_XML,
     "Missing required attribute 'type' in element 'interface'"),
    ("<interface type='ethernet' name='x'><start mode='bogus'/></interface>",
     C.VIR_ERR_XML_ERROR, C.VIR_FROM_INTERFACE, "unknown interface startmode bogus"),
    (("<interface type='ethernet' name='x'><protocol family='ipv4'><ip address='1.2.3.4' "
     "prefix='abc'/></protocol></interface>"), C.VIR_ERR_XML_ERROR, C.VIR_FROM_XML,
     "Invalid value for attribute 'prefix' in element 'ip': 'abc'. Expected integer value"),
    ("<interface type='ethernet' name='x'><protocol family='ipx'/></interface>",
     C.VIR_ERR_XML_ERROR, C.VIR_FROM_INTERFACE, "unsupported protocol family 'ipx'"),
    ("<interface type='vlan' name='x'><vlan><interface name='eth0'/></vlan></interface>",
     C.VIR_ERR_XML_ERROR, C.VIR_FROM_INTERFACE, "vlan interface misses the tag attribute"),
    ("<interface type='vlan' name='x'><vlan tag='1'/></interface>", C.VIR_ERR_XML_ERROR,
     C.VIR_FROM_INTERFACE, "vlan interface misses name attribute"),
    ("<interface type='bond' name='x'><bond mode='bogus'/></interface>", C.VIR_ERR_XML_ERROR,
     C.VIR_FROM_INTERFACE, "unknown bonding mode bogus"),
    ("<interface type='bridge' name='x'/>", C.VIR_ERR_XML_ERROR, C.VIR_FROM_INTERFACE,
     "bridge interface misses the bridge element"),
    ("<interface type='ethernet' name='x'><link state='bogus'/></interface>",
     C.VIR_ERR_XML_ERROR, C.VIR_FROM_XML,
     "Invalid value for attribute 'state' in element 'link': 'bogus'."),
    (("<interface type='bond' name='x'><bond><miimon freq='100' carrier='bogus'/></bond>"
     "</interface>"), C.VIR_ERR_XML_ERROR, C.VIR_FROM_INTERFACE,
     "unknown mii bonding carrier bogus"),
    ("<interface type='bond' name='x'><bond><arpmon interval='100'/></bond></interface>",
     C.VIR_ERR_XML_ERROR, C.VIR_FROM_INTERFACE, "bond interface arpmon target missing"),
    (("<interface type='bridge' name='x'><bridge><interface type='bridge' name='y'><bridge/>"
     "</interface></bridge></interface>"), C.VIR_ERR_XML_ERROR, C.VIR_FROM_INTERFACE,
     "interface has unsupported type 'bridge'"),
    (("<interface type='ethernet' name='x'><protocol family='ipv4'><dhcp peerdns='maybe'/>"
     "</protocol></interface>"), C.VIR_ERR_XML_ERROR, C.VIR_FROM_XML,
     "Invalid value for attribute 'peerdns' in element 'dhcp': 'maybe'."),
]


@pytest.mark.parametrize("xml,code,domain,message", BAD)
def test_interface_bad(xml: str, code: int, domain: int, message: str) -> None:
    expect_error(lambda: InterfaceDef.parse(xml), code, domain, message)
