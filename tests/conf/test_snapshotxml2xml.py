"""snapshotxml2xml: domain snapshot XML read and written back as libvirt does."""

from __future__ import annotations

import time

import pytest
from xml2xml import check_schema, expect_error, run_case, xml2xml_params

from pyvirt import constants as C
from pyvirt.conf import moment
from pyvirt.conf.snapshot import DomainSnapshotDef, SnapshotLocation, SnapshotState


@pytest.mark.parametrize("name", xml2xml_params("snapshot"))
def test_snapshot_xml2xml(name: str) -> None:
    run_case("snapshot", name, lambda x: DomainSnapshotDef.parse(x).format(), "domainsnapshot")


def test_default_name_is_creation_time() -> None:
    before = int(time.time())
    snap = DomainSnapshotDef.parse("<domainsnapshot/>")
    assert snap.creation_time is not None and snap.creation_time >= before
    assert snap.name == str(snap.creation_time)


def test_internal_fields() -> None:
    xml = ("<domainsnapshot><name>s</name><state>running</state><creationTime>5"
           "</creationTime><memory snapshot='internal'/><active>1</active>"
           "<cookie><cpu mode='custom'/></cookie></domainsnapshot>")
    snap = DomainSnapshotDef.parse(xml)
    assert snap.state is SnapshotState.RUNNING and snap.memory is SnapshotLocation.INTERNAL
    assert snap.active is True
    assert "<active>" not in snap.format()
    internal = snap.format(internal=True)
    assert internal.endswith("  <cookie>\n    <cpu mode='custom'/>\n  </cookie>\n"
                             "  <active>1</active>\n</domainsnapshot>\n")


def test_domain_hooks() -> None:
    seen = []
    moment.set_domain_hooks(lambda x: seen.append(x) or {"xml": x}, lambda d: d["xml"])
    try:
        snap = DomainSnapshotDef.parse("<domainsnapshot><name>s</name><creationTime>1"
                                       "</creationTime><domain type='kvm'><name>g</name>"
                                       "</domain></domainsnapshot>")
    finally:
        moment.set_domain_hooks(None, None)
    assert snap.domain == {"xml": seen[0]}
    assert "  <domain type='kvm'>\n    <name>g</name>\n  </domain>\n" in snap.format()
    check_schema(snap.format(), "domainsnapshot")


BAD = [
    ("<domainsnapshot><name>s</name", C.VIR_ERR_XML_DETAIL, C.VIR_FROM_DOMAIN_SNAPSHOT,
     "(domainsnapshot)"),
    ("<snapshot/>", C.VIR_ERR_XML_ERROR, C.VIR_FROM_XML,
     "expecting root element of 'domainsnapshot', not 'snapshot'"),
    ("<domainsnapshot><memory snapshot='bogus'/></domainsnapshot>", C.VIR_ERR_XML_ERROR,
     C.VIR_FROM_XML, "Invalid value for attribute 'snapshot' in element 'memory': 'bogus'."),
    ("<domainsnapshot><disks><disk snapshot='no'/></disks></domainsnapshot>",
     C.VIR_ERR_INTERNAL_ERROR, C.VIR_FROM_DOMAIN_SNAPSHOT,
     "missing name from disk snapshot element"),
    ("<domainsnapshot><disks><disk name='vda' snapshot='bogus'/></disks></domainsnapshot>",
     C.VIR_ERR_XML_ERROR, C.VIR_FROM_XML,
     "Invalid value for attribute 'snapshot' in element 'disk': 'bogus'."),
    ("<domainsnapshot><memory snapshot='no' file='/x'/></domainsnapshot>",
     C.VIR_ERR_XML_ERROR, C.VIR_FROM_DOMAIN_SNAPSHOT,
     "memory filename '/x' requires external snapshot"),
    ("<domainsnapshot><name>d</name><memory snapshot='external'/></domainsnapshot>",
     C.VIR_ERR_XML_ERROR, C.VIR_FROM_DOMAIN_SNAPSHOT,
     "external memory snapshots require a filename"),
]


@pytest.mark.parametrize("xml,code,domain,message", BAD)
def test_snapshot_bad(xml: str, code: int, domain: int, message: str) -> None:
    expect_error(lambda: DomainSnapshotDef.parse(xml), code, domain, message)
