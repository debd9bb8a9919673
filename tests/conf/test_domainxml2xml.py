"""domainxml2xml: domain XML read, defaulted and written back as libvirt does.

The expected outputs are what real libvirt 9.0 writes for each input
through its test driver (``tests/conf/libvirt_reference.py``), read with
``VIR_DOMAIN_XML_INACTIVE | VIR_DOMAIN_XML_SECURE``.
"""

from __future__ import annotations

import pytest
from xml2xml import DATA, run_case, xml2xml_params

from pyvirt import constants as C
from pyvirt.conf.domain import DomainDef

FLAGS = C.VIR_DOMAIN_XML_INACTIVE | C.VIR_DOMAIN_XML_SECURE


def convert(xml: str) -> str:
    """Parse (with defaults) and format as the reference files were made."""
    return DomainDef.parse(xml).format(flags=FLAGS)


@pytest.mark.parametrize("name", xml2xml_params("domain"))
def test_domain_xml2xml(name: str) -> None:
    run_case("domain", name, convert, "domain")


@pytest.mark.parametrize("name", xml2xml_params("domain"))
def test_round_trip_stable(name: str) -> None:
    """format(parse(format(parse(x)))) == format(parse(x))."""
    source = (DATA / "domainxml2xml" / f"{name}.xml").read_text()
    once = DomainDef.parse(source).format(flags=FLAGS)
    assert DomainDef.parse(once).format(flags=FLAGS) == once


def test_enough_cases() -> None:
    assert len(xml2xml_params("domain")) >= 25
