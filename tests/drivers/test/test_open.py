"""Opening test:/// URIs: the shared default node, <node> files, <auth>, bad URIs."""

from __future__ import annotations

import pytest
from testdrv_util import domain_xml, expect_error

import pyvirt as libvirt
from pyvirt import constants as C
from pyvirt.drivers.test import state as statemod

TEST = C.VIR_FROM_TEST

NODE = """<node>
  <cpu><mhz>6000</mhz><model>i986</model><active>50</active><nodes>4</nodes>
    <sockets>4</sockets><cores>4</cores><threads>2</threads></cpu>
  <memory>8192000</memory>
  <domain file="dom.xml"/>
  <domain type='test'><name>inline</name><memory>1024</memory><os><type>hvm</type></os>
    <test:runstate xmlns:test='http://libvirt.org/schemas/domain/test/1.0'>5</test:runstate>
  </domain>
  <domain type='test'><name>tran</name><memory>1024</memory><os><type>hvm</type></os>
    <test:transient xmlns:test='http://libvirt.org/schemas/domain/test/1.0'/>
    <test:runstate xmlns:test='http://libvirt.org/schemas/domain/test/1.0'>3</test:runstate>
  </domain>
  <domain type='test'><name>saved</name><memory>1024</memory><os><type>hvm</type></os>
    <test:runstate xmlns:test='http://libvirt.org/schemas/domain/test/1.0'>5</test:runstate>
    <test:hasmanagedsave xmlns:test='http://libvirt.org/schemas/domain/test/1.0'/>
  </domain>
  <auth><user password='pw'>alice</user><user>bob</user></auth>
</node>
"""

DOM = ("<domain type='test'><name>fromfile</name>"
       "<uuid>11111111-2222-3333-4444-555555555555</uuid><memory>2048</memory>"
       "<os><type>hvm</type></os></domain>")


@pytest.fixture
def node_file(tmp_path):
    (tmp_path / "dom.xml").write_text(DOM)
    path = tmp_path / "node.xml"
    path.write_text(NODE)
    return str(path)


def creds(user, password):
    """libvirt-python's auth list answering with ``user`` and ``password``."""
    asked = []

    def callback(credentials, opaque):
        for cred in credentials:
            asked.append((cred[0], cred[1], cred[2]))
            cred[4] = user if cred[0] == C.VIR_CRED_AUTHNAME else password
        return 0
    return [[C.VIR_CRED_AUTHNAME, C.VIR_CRED_PASSPHRASE], callback, None], asked


def test_default_is_shared():
    statemod._default = None
    one = libvirt.open("test:///default")
    two = libvirt.open("test:///default")
    one.defineXML(domain_xml("shared"))
    assert two.lookupByName("shared").name() == "shared"
    one.close()
    assert "shared" in two.listDefinedDomains()
    two.close()
    # after the last connection closed, the default node starts afresh (as in libvirt)
    three = libvirt.open("test:///default")
    assert three.listDefinedDomains() == []
    three.close()


def test_node_file(node_file):
    auth, asked = creds("alice", "pw")
    conn = libvirt.openAuth(f"test://{node_file}", auth, 0)
    assert asked == [(C.VIR_CRED_AUTHNAME, "Enter username for localhost", "localhost"),
                     (C.VIR_CRED_PASSPHRASE, "Enter alice's password for localhost",
                      "localhost")]
    assert conn.getURI() == f"test://{node_file}"
    assert conn.getInfo() == ["i986", 8000, 50, 6000, 4, 4, 4, 2]
    doms = {d.name(): (d.state(), d.ID(), d.isPersistent()) for d in conn.listAllDomains(0)}
    assert doms == {"fromfile": ([1, 0], 1, 1), "inline": ([5, 0], -1, 1),
                    "tran": ([3, 0], 2, 0), "saved": ([5, 0], -1, 1)}
    assert conn.lookupByName("saved").hasManagedSaveImage(0) == 1
    assert conn.lookupByName("fromfile").UUIDString() == "11111111-2222-3333-4444-555555555555"
    assert "<cells num='0'>\n      </cells>" in conn.getCapabilities()
    assert conn.getFreeMemory() == 0
    expect_error(lambda: conn.getCellsFreeMemory(0, 4), C.VIR_ERR_INVALID_ARG, TEST)
    # each open of a file gets its own state
    other = libvirt.openAuth(f"test://{node_file}", creds("bob", None)[0], 0)
    conn.lookupByName("inline").create()
    assert other.lookupByName("inline").state() == [5, 0]
    other.close()
    conn.close()


def test_node_file_auth_failures(node_file):
    uri = f"test://{node_file}"
    expect_error(lambda: libvirt.open(uri), C.VIR_ERR_INVALID_ARG, C.VIR_FROM_AUTH,
                 "invalid argument: Missing authentication credentials")
    message = ("authentication failed: authentication failed, see test XML for the correct "
               "username/password")
    expect_error(lambda: libvirt.openAuth(uri, creds("alice", "nope")[0], 0),
                 C.VIR_ERR_AUTH_FAILED, TEST, message)
    auth, asked = creds("eve", "x")
    expect_error(lambda: libvirt.openAuth(uri, auth, 0), C.VIR_ERR_AUTH_FAILED, TEST, message)
    assert [a[1] for a in asked] == ["Enter username for localhost",
                                     "Enter eve's password for localhost"]
    auth, asked = creds("bob", None)
    libvirt.openAuth(uri, auth, 0).close()
    assert len(asked) == 1  # bob has no password: libvirt does not ask for one


@pytest.mark.parametrize("uri, code, domain, message", [
    ("test:///", C.VIR_ERR_INVALID_ARG, TEST,
     "invalid argument: testOpen: supply a path or use test:///default"),
    ("test://", C.VIR_ERR_INVALID_ARG, TEST,
     "invalid argument: testOpen: supply a path or use test:///default"),
    ("test:///nonexistent.xml", C.VIR_ERR_XML_ERROR, TEST,
     "XML error: failed to parse xml document '/nonexistent.xml'"),
])
def test_bad_uris(uri, code, domain, message):
    expect_error(lambda: libvirt.open(uri), code, domain, message)


def test_garbage_file(tmp_path):
    path = tmp_path / "garbage"
    path.write_text("hello world garbage")
    err = expect_error(lambda: libvirt.open(f"test://{path}"), C.VIR_ERR_XML_DETAIL, TEST)
    assert str(err).startswith(f"{path}:1: ")
    (tmp_path / "notnode.xml").write_text("<domain/>")
    expect_error(lambda: libvirt.open(f"test://{tmp_path}/notnode.xml"), C.VIR_ERR_XML_ERROR,
                 TEST, "XML error: Root element is not 'node'")


def test_query_ignored():
    statemod._default = None
    conn = libvirt.open("test:///default?x=1")
    assert conn.getURI() == "test:///default?x=1"
    conn.close()


SNAP_NODE = """<node>
  <domain type='test' xmlns:test='http://libvirt.org/schemas/domain/test/1.0'>
    <name>snappy</name><uuid>12345678-1234-1234-1234-123456789abc</uuid>
    <memory>1024</memory><os><type>hvm</type></os>
    <test:runstate>5</test:runstate>
    <test:domainsnapshot>
      <name>first</name><state>shutoff</state><creationTime>1234</creationTime>
      <active>0</active>
    </test:domainsnapshot>
    <test:domainsnapshot file="second.xml"/>
  </domain>
</node>
"""


def test_node_file_snapshots(tmp_path):
    """Snapshots of <node> domains, inline or in files (checked with libvirt 9.0)."""
    (tmp_path / "second.xml").write_text(
        "<domainsnapshot><name>second</name><state>running</state><parent><name>first"
        "</name></parent><creationTime>1236</creationTime><active>1</active>"
        "</domainsnapshot>")
    (tmp_path / "node.xml").write_text(SNAP_NODE)
    conn = libvirt.open(f"test://{tmp_path}/node.xml")
    dom = conn.lookupByName("snappy")
    assert dom.snapshotListNames(C.VIR_DOMAIN_SNAPSHOT_LIST_TOPOLOGICAL) == ["first", "second"]
    assert dom.snapshotCurrent(0).getName() == "second"
    second = dom.snapshotLookupByName("second", 0)
    assert second.getParent(0).getName() == "first"
    assert second.getXMLDesc(0) == (
        "<domainsnapshot>\n  <name>second</name>\n  <state>running</state>\n  <parent>\n"
        "    <name>first</name>\n  </parent>\n  <creationTime>1236</creationTime>\n"
        "  <memory snapshot='internal'/>\n  <domain>\n"
        "    <uuid>12345678-1234-1234-1234-123456789abc</uuid>\n  </domain>\n"
        "</domainsnapshot>\n")
    conn.close()
