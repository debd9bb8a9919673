"""DomainDef.format with a cache of parts writes what a format from scratch writes.

The test driver keeps formatted parts between calls (``FormatParts``: the
text around the memory elements, the devices); these cases check, on every domainxml2xml input, that the
cached form equals the plain one for every output flag and id, and that a
change of the memory sizes shows in the cached form.
"""

from __future__ import annotations

import pytest
from xml2xml import DATA, xml2xml_params

from pyvirt import constants as C
from pyvirt.conf.domain import DomainDef, FormatParts

FLAG_SETS = (0, C.VIR_DOMAIN_XML_INACTIVE, C.VIR_DOMAIN_XML_SECURE,
             C.VIR_DOMAIN_XML_MIGRATABLE,
             C.VIR_DOMAIN_XML_INACTIVE | C.VIR_DOMAIN_XML_SECURE)


@pytest.mark.parametrize("name", xml2xml_params("domain"))
def test_parts_equal_scratch(name: str) -> None:
    source = (DATA / "domainxml2xml" / f"{name}.xml").read_text()
    dom = DomainDef.parse(source)
    parts = FormatParts()
    for _round in range(2):  # first fills the cache, second reads it
        for flags in FLAG_SETS:
            for id_ in (None, 7):
                assert dom.format(id=id_, flags=flags, parts=parts) == \
                    dom.format(id=id_, flags=flags)
    # the memory elements are written anew from the cached parts
    dom.memory += 1024
    dom.current_memory = 4096
    for flags in FLAG_SETS:
        text = dom.format(flags=flags, parts=parts)
        assert text == dom.format(flags=flags)
        assert f">{dom.memory}</memory>" in text
        assert "<currentMemory unit='KiB'>4096</currentMemory>" in text
    # after clear_top the devices are kept, the rest written anew
    dom.title = "a <new> title"
    parts.clear_top()
    for flags in FLAG_SETS:
        assert dom.format(flags=flags, parts=parts) == dom.format(flags=flags)
        assert "<title>a &lt;new&gt; title</title>" in dom.format(flags=flags, parts=parts)


def test_max_memory_and_dump_core_in_parts() -> None:
    dom = DomainDef.parse("<domain type='test'><name>m</name>"
                          "<maxMemory slots='4' unit='KiB'>8388608</maxMemory>"
                          "<memory dumpCore='off'>1048576</memory>"
                          "<vcpu>1</vcpu><os><type>hvm</type></os></domain>")
    parts = FormatParts()
    first = dom.format(parts=parts)
    assert "<maxMemory slots='4' unit='KiB'>8388608</maxMemory>" in first
    dom.memory_dump_core = True
    dom.max_memory = 16777216
    text = dom.format(parts=parts)
    assert text == dom.format()
    assert "<memory dumpCore='on' unit='KiB'>1048576</memory>" in text
    assert "<maxMemory slots='4' unit='KiB'>16777216</maxMemory>" in text


@pytest.mark.parametrize("name", xml2xml_params("domain"))
def test_clear_device_rewrites_that_device(name: str) -> None:
    source = (DATA / "domainxml2xml" / f"{name}.xml").read_text()
    dom = DomainDef.parse(source)
    devices = [d for d in dom.devices.all() if hasattr(d, "alias")]
    if not devices:
        pytest.skip("no device")
    parts = FormatParts()
    for flags in FLAG_SETS:
        dom.format(flags=flags, parts=parts)
    for dev in devices:
        dev.alias = "ua-changed"
        parts.clear_device(dev)
        for flags in FLAG_SETS:
            assert dom.format(flags=flags, parts=parts) == dom.format(flags=flags)
