"""Snapshots and checkpoints of the test driver, as libvirt 9.0's behave."""

from __future__ import annotations

import re

import pytest
from testdrv_util import domain_xml, expect_error

from pyvirt import constants as C

TEST = C.VIR_FROM_TEST
S = C


def snap_xml(name: str, extra: str = "") -> str:
    return f"<domainsnapshot><name>{name}</name>{extra}</domainsnapshot>"


@pytest.fixture
def dom(conn):
    """'snap': snapshot A taken shut off, B running, C paused; left running."""
    d = conn.defineXML(domain_xml("snap"))
    d.snapshotCreateXML(snap_xml("A"), 0)
    d.create()
    d.snapshotCreateXML(snap_xml("B", "<description>bee</description>"), 0)
    d.suspend()
    d.snapshotCreateXML(snap_xml("C"), 0)
    d.resume()
    return d


def test_snapshot_xml(conn):
    d = conn.lookupByName("test")
    snap = d.snapshotCreateXML("<domainsnapshot/>", 0)
    assert re.fullmatch(r"\d{10}", snap.getName())
    xml = snap.getXMLDesc(0)
    assert xml.startswith(f"<domainsnapshot>\n  <name>{snap.getName()}</name>\n"
                          "  <state>running</state>\n  <creationTime>")
    assert "  <memory snapshot='internal'/>\n  <disks>\n    <disk name='vda' " \
           "snapshot='internal'/>\n  </disks>\n  <domain type='test'>\n    <name>test</name>" in xml
    assert xml.endswith("  </domain>\n</domainsnapshot>\n")


def test_snapshot_tree(dom):
    A, B, Cs = (dom.snapshotLookupByName(n, 0) for n in "ABC")
    assert "<state>shutoff</state>" in A.getXMLDesc(0)
    assert "<memory snapshot='no'/>" in A.getXMLDesc(0)
    assert "<state>paused</state>" in Cs.getXMLDesc(0)
    assert "<description>bee</description>" in B.getXMLDesc(0)
    assert sorted(dom.snapshotListNames(0)) == ["A", "B", "C"]
    assert dom.snapshotNum(0) == 3
    assert dom.snapshotListNames(S.VIR_DOMAIN_SNAPSHOT_LIST_ROOTS) == ["A"]
    assert dom.snapshotListNames(S.VIR_DOMAIN_SNAPSHOT_LIST_LEAVES) == ["C"]
    assert dom.snapshotListNames(S.VIR_DOMAIN_SNAPSHOT_LIST_INACTIVE) == ["A"]
    assert sorted(dom.snapshotListNames(S.VIR_DOMAIN_SNAPSHOT_LIST_ACTIVE)) == ["B", "C"]
    assert dom.snapshotListNames(S.VIR_DOMAIN_SNAPSHOT_LIST_NO_METADATA) == []
    assert dom.snapshotListNames(S.VIR_DOMAIN_SNAPSHOT_LIST_TOPOLOGICAL) == ["A", "B", "C"]
    assert A.listChildrenNames(0) == ["B"] and A.numChildren(0) == 1
    assert A.listChildrenNames(S.VIR_DOMAIN_SNAPSHOT_LIST_DESCENDANTS) == ["B", "C"]
    assert [s.getName() for s in A.listAllChildren(0)] == ["B"]
    assert Cs.getParent(0).getName() == "B"
    expect_error(lambda: A.getParent(0), C.VIR_ERR_NO_DOMAIN_SNAPSHOT, TEST,
                 "Domain snapshot not found: snapshot 'A' does not have a parent")
    assert dom.snapshotCurrent(0).getName() == "C"
    assert (Cs.isCurrent(0), A.isCurrent(0), A.hasMetadata(0)) == (1, 0, 1)
    assert dom.hasCurrentSnapshot(0) == 1


def test_snapshot_errors(conn, dom):
    expect_error(lambda: dom.snapshotCreateXML(snap_xml("B"), 0), C.VIR_ERR_OPERATION_FAILED,
                 C.VIR_FROM_DOMAIN, "operation failed: domain moment B already exists")
    expect_error(lambda: dom.snapshotCreateXML("<bogus/>", 0), C.VIR_ERR_XML_ERROR,
                 C.VIR_FROM_XML, "XML error: expecting root element of 'domainsnapshot', "
                 "not 'bogus'")
    expect_error(lambda: dom.snapshotCreateXML("<domainsnapshot/>",
                                               S.VIR_DOMAIN_SNAPSHOT_CREATE_DISK_ONLY),
                 C.VIR_ERR_INVALID_ARG, TEST,
                 "unsupported flags (0x10) in function testDomainSnapshotCreateXML")
    expect_error(lambda: dom.snapshotLookupByName("zz", 0), C.VIR_ERR_NO_DOMAIN_SNAPSHOT, TEST,
                 "Domain snapshot not found: no domain snapshot with matching name 'zz'")
    fresh = conn.defineXML(domain_xml("fresh"))
    expect_error(lambda: fresh.snapshotCurrent(0), C.VIR_ERR_NO_DOMAIN_SNAPSHOT, TEST,
                 "Domain snapshot not found: the domain does not have a current snapshot")
    tr = conn.createXML(domain_xml("tr"), 0)
    expect_error(lambda: tr.snapshotCreateXML(snap_xml("h"), S.VIR_DOMAIN_SNAPSHOT_CREATE_HALT),
                 C.VIR_ERR_OPERATION_INVALID, TEST)


def test_revert_transitions(dom):
    """States after each revert, as libvirt 9.0's test driver leaves them."""
    A, B, Cs = (dom.snapshotLookupByName(n, 0) for n in "ABC")
    steps = [(B, 0, [1, C.VIR_DOMAIN_RUNNING_FROM_SNAPSHOT]),
             (Cs, 0, [3, C.VIR_DOMAIN_PAUSED_FROM_SNAPSHOT]),
             (A, 0, [5, C.VIR_DOMAIN_SHUTOFF_FROM_SNAPSHOT]),
             (A, S.VIR_DOMAIN_SNAPSHOT_REVERT_RUNNING, [5, 7]),  # libvirt does not start it
             (B, S.VIR_DOMAIN_SNAPSHOT_REVERT_PAUSED, [3, 7])]
    for snap, flags, state in steps:
        dom.revertToSnapshot(snap, flags)
        assert dom.state() == state
        assert dom.snapshotCurrent(0).getName() == snap.getName()


def test_revert_restores_definition(dom):
    B = dom.snapshotLookupByName("B", 0)
    dom.setMemoryFlags(524288, C.VIR_DOMAIN_AFFECT_LIVE)
    dom.revertToSnapshot(B, 0)
    assert dom.info()[2] == 1048576


def test_halt(dom):
    dom.snapshotCreateXML(snap_xml("H"), S.VIR_DOMAIN_SNAPSHOT_CREATE_HALT)
    assert dom.state() == [C.VIR_DOMAIN_SHUTOFF, C.VIR_DOMAIN_SHUTOFF_FROM_SNAPSHOT]


def test_delete(dom):
    A, B, Cs = (dom.snapshotLookupByName(n, 0) for n in "ABC")
    B.delete(0)
    assert sorted(dom.snapshotListNames(0)) == ["A", "C"]
    assert Cs.getParent(0).getName() == "A"
    expect_error(lambda: B.getXMLDesc(0), C.VIR_ERR_NO_DOMAIN_SNAPSHOT)
    expect_error(lambda: A.delete(S.VIR_DOMAIN_SNAPSHOT_DELETE_METADATA_ONLY),
                 C.VIR_ERR_INVALID_ARG, TEST)
    A.delete(S.VIR_DOMAIN_SNAPSHOT_DELETE_CHILDREN_ONLY)
    assert dom.snapshotListNames(0) == ["A"]
    assert dom.snapshotCurrent(0).getName() == "A"
    A.delete(S.VIR_DOMAIN_SNAPSHOT_DELETE_CHILDREN)
    assert dom.snapshotNum(0) == 0 and dom.hasCurrentSnapshot(0) == 0


def test_redefine(dom):
    A = dom.snapshotLookupByName("A", 0)
    xml = A.getXMLDesc(0).replace("<name>A</name>", "<name>R</name>")
    redefined = dom.snapshotCreateXML(xml, S.VIR_DOMAIN_SNAPSHOT_CREATE_REDEFINE)
    assert redefined.getName() == "R"
    assert dom.snapshotCurrent(0).getName() == "C"  # REDEFINE without CURRENT
    dom.snapshotCreateXML(xml, S.VIR_DOMAIN_SNAPSHOT_CREATE_REDEFINE
                          | S.VIR_DOMAIN_SNAPSHOT_CREATE_CURRENT)
    assert dom.snapshotCurrent(0).getName() == "R"


def test_checkpoints(conn):
    d = conn.lookupByName("test")
    first = d.checkpointCreateXML("<domaincheckpoint/>", 0)
    second = d.checkpointCreateXML(
        "<domaincheckpoint><name>c2</name><description>d</description></domaincheckpoint>", 0)
    assert second.getParent(0).getName() == first.getName()
    assert [c.getName() for c in first.listAllChildren(0)] == ["c2"]
    xml = second.getXMLDesc(0)
    assert "<disk name='vda' checkpoint='bitmap' bitmap='c2'/>" in xml
    assert "<domain type='test'>" in xml
    assert "<domain " not in second.getXMLDesc(C.VIR_DOMAIN_CHECKPOINT_XML_NO_DOMAIN)
    assert "size='1024'" in second.getXMLDesc(C.VIR_DOMAIN_CHECKPOINT_XML_SIZE)
    expect_error(lambda: d.snapshotCreateXML("<domainsnapshot/>", 0),
                 C.VIR_ERR_OPERATION_UNSUPPORTED, TEST,
                 "Operation not supported: cannot create snapshot while checkpoint exists")
    expect_error(lambda: first.getParent(0), C.VIR_ERR_NO_DOMAIN_CHECKPOINT, TEST)
    expect_error(lambda: d.checkpointLookupByName("zz", 0), C.VIR_ERR_NO_DOMAIN_CHECKPOINT,
                 TEST, "Domain checkpoint not found: no domain checkpoint with matching "
                 "name 'zz'")
    first.delete(0)
    assert [c.getName() for c in d.listAllCheckpoints(0)] == ["c2"]
    assert "<parent>" not in second.getXMLDesc(0)
    foo = conn.defineXML(domain_xml())
    expect_error(lambda: foo.checkpointCreateXML("<domaincheckpoint/>", 0),
                 C.VIR_ERR_OPERATION_UNSUPPORTED, TEST,
                 "Operation not supported: cannot create checkpoint for inactive domain")


def test_tree_order(conn):
    """libvirt lists the newest child first; topological lists walk that order."""
    d = conn.defineXML(domain_xml("topo"))
    s1 = d.snapshotCreateXML(snap_xml("s1"), 0)
    s2 = d.snapshotCreateXML(snap_xml("s2"), 0)
    d.snapshotCreateXML(snap_xml("s2a"), 0)
    d.revertToSnapshot(s1, 0)
    d.snapshotCreateXML(snap_xml("s3"), 0)
    d.snapshotCreateXML(snap_xml("s4"), 0)
    d.revertToSnapshot(s2, 0)
    d.snapshotCreateXML(snap_xml("s5"), 0)
    assert d.snapshotListNames(S.VIR_DOMAIN_SNAPSHOT_LIST_TOPOLOGICAL) == \
        ["s1", "s3", "s4", "s2", "s5", "s2a"]
    assert s1.listChildrenNames(0) == ["s3", "s2"]
    s2.delete(0)
    assert s1.listChildrenNames(0) == ["s5", "s2a", "s3"]
