"""domaincapsxml2xml: domain capabilities read and written back as libvirt does.

``qemu-x86_64`` is what libvirt 9.0's QEMU driver wrote on this host; ``basic``
follows libvirt's domaincapsdata layout for features that host lacks.
"""

from __future__ import annotations

import pytest
from xml2xml import check_schema, expect_error, run_case, xml2xml_params

from pyvirt import constants as C
from pyvirt.conf.domain_capabilities import (
    CapsBlock,
    CapsEnum,
    CPUMode,
    DomainCapabilities,
    LoaderCaps,
)


@pytest.mark.parametrize("name", xml2xml_params("domaincaps"))
def test_domaincaps_xml2xml(name: str) -> None:
    run_case("domaincaps", name, lambda x: DomainCapabilities.parse(x).format(), "domaincaps")


def test_built_by_driver() -> None:
    caps = DomainCapabilities("/usr/bin/qemu-system-x86_64", "kvm", "pc-q35-7.2", "x86_64",
                              vcpu_max=288, iothreads=True, os_supported=True,
                              os_enums=[CapsEnum("firmware", ["efi"])],
                              loader=LoaderCaps(True, ["/usr/share/OVMF/OVMF_CODE.fd"],
                                                [CapsEnum("type", ["rom", "pflash"])]))
    caps.cpu_modes = [CPUMode("host-passthrough", True), CPUMode("maximum", False),
                      CPUMode("host-model", False), CPUMode("custom", False)]
    caps.devices = [CapsBlock("disk", True, [CapsEnum("bus", ["virtio", "sata"])]),
                    CapsBlock("graphics", False)]
    caps.features = [CapsBlock("gic", False), CapsBlock("backup", True)]
    out = caps.format()
    check_schema(out, "domaincaps")
    assert caps.device("disk") is not None and caps.device("disk").enum("bus") == ["virtio",
                                                                                  "sata"]
    assert DomainCapabilities.parse(out).format() == out


def test_bad() -> None:
    expect_error(lambda: DomainCapabilities.parse("<domain/>"), C.VIR_ERR_XML_ERROR,
                 C.VIR_FROM_XML, "expecting root element of 'domainCapabilities'")
