"""nwfilterxml2xml: network filter XML read and written back as libvirt does.

libvirt 9.0 has no test or embedded nwfilter driver, so expected outputs
follow libvirt's own nwfilterxml2xml data.
"""

from __future__ import annotations

import pytest
from xml2xml import check_schema, expect_error, run_case, xml2xml_params

from pyvirt import constants as C
from pyvirt.conf.nwfilter import FilterRef, NWFilterBindingDef, NWFilterDef, Rule, RuleAction


@pytest.mark.parametrize("name", xml2xml_params("nwfilter"))
def test_nwfilter_xml2xml(name: str) -> None:
    run_case("nwfilter", name, lambda x: NWFilterDef.parse(x).format(), "nwfilter")


def test_fields() -> None:
    flt = NWFilterDef.parse("<filter name='f' chain='ipv4'><rule action='drop' "
                            "direction='in'><ip/></rule><filterref filter='g'/></filter>")
    assert flt.chain == "ipv4" and flt.priority == -700 and len(flt.uuid) == 36
    assert isinstance(flt.entries[0], Rule) and flt.entries[0].action is RuleAction.DROP
    assert isinstance(flt.entries[1], FilterRef) and flt.entries[1].filter == "g"
    assert "priority='-700'" in flt.format()


BINDING = """<filterbinding>
  <owner>
    <name>memtest</name>
    <uuid>d54df46f-1ab5-4a22-8618-4560ef5fac2c</uuid>
  </owner>
  <portdev name='vnet0'/>
  <linkdev name='eth0'/>
  <mac address='52:54:00:7b:35:93'/>
  <filterref filter='clean-traffic'>
    <parameter name='IP' value='10.0.0.1'/>
    <parameter name='MAC' value='52:54:00:7b:35:93'/>
  </filterref>
</filterbinding>
"""


def test_binding_roundtrip() -> None:
    bind = NWFilterBindingDef.parse(BINDING)
    assert bind.portdev == "vnet0" and bind.filterref and bind.filterref.filter == "clean-traffic"
    assert bind.format() == BINDING
    check_schema(bind.format(), "nwfilterbinding")


BAD = [
    ("<filter name='f'", C.VIR_ERR_XML_DETAIL, C.VIR_FROM_NWFILTER, "(nwfilter_definition)"),
    ("<filtre/>", C.VIR_ERR_XML_ERROR, C.VIR_FROM_XML, "expecting root element of 'filter'"),
    ("<filter/>", C.VIR_ERR_XML_ERROR, C.VIR_FROM_NWFILTER, "filter has no name"),
    ("<filter name='f'><rule direction='in'/></filter>", C.VIR_ERR_XML_ERROR,
     C.VIR_FROM_NWFILTER, "rule node requires action attribute"),
    ("<filter name='f'><rule action='accept'/></filter>", C.VIR_ERR_XML_ERROR,
     C.VIR_FROM_NWFILTER, "rule node requires direction attribute"),
    ("<filter name='f'><rule action='bogus' direction='in'/></filter>", C.VIR_ERR_XML_ERROR,
     C.VIR_FROM_NWFILTER, "unknown rule action attribute value"),
    ("<filter name='f' chain='bogus'/>", C.VIR_ERR_INVALID_ARG, C.VIR_FROM_NWFILTER,
     "unknown chain suffix 'bogus'"),
    ("<filter name='f'><uuid>zz</uuid></filter>", C.VIR_ERR_XML_ERROR, C.VIR_FROM_NWFILTER,
     "unable to parse uuid"),
]


@pytest.mark.parametrize("xml,code,domain,message", BAD)
def test_nwfilter_bad(xml: str, code: int, domain: int, message: str) -> None:
    expect_error(lambda: NWFilterDef.parse(xml), code, domain, message)
