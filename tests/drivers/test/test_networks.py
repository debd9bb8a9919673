"""Virtual networks of the test driver, checked against libvirt 9.0's test driver.

The expected values, messages and event sequences were taken from real
libvirt-python on test:///default; :func:`test_same_as_libvirt` replays a
scenario on both when Debian's python3-libvirt is installed.  This module
also holds what the other host-resource test modules share: the scenario
runner and an event pump.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import time
from typing import Any

import pytest
from testdrv_util import expect_error

import pyvirt as libvirt
from pyvirt import constants as C

SYSTEM_PYTHON = "/usr/bin/python3"
DEFAULT_UUID = "dd8fe884-6c02-601e-7551-cca97df1c5df"
DEFAULT_XML = """<network>
  <name>default</name>
  <uuid>dd8fe884-6c02-601e-7551-cca97df1c5df</uuid>
  <forward mode='nat'/>
  <bridge name='virbr0' stp='on' delay='0'/>
  <ip address='192.168.122.1' netmask='255.255.255.0'>
    <dhcp>
      <range start='192.168.122.2' end='192.168.122.254'/>
    </dhcp>
  </ip>
</network>
"""
N2 = "<network><name>n2</name><uuid>11111111-2222-3333-4444-555555555555</uuid></network>"
ADD_LAST, ADD_FIRST = C.VIR_NETWORK_UPDATE_COMMAND_ADD_LAST, C.VIR_NETWORK_UPDATE_COMMAND_ADD_FIRST
DELETE, MODIFY = C.VIR_NETWORK_UPDATE_COMMAND_DELETE, C.VIR_NETWORK_UPDATE_COMMAND_MODIFY
LIVE, CONFIG = C.VIR_NETWORK_UPDATE_AFFECT_LIVE, C.VIR_NETWORK_UPDATE_AFFECT_CONFIG
HOST = C.VIR_NETWORK_SECTION_IP_DHCP_HOST


# --- shared by the host-resource test modules -------------------------------------

class EventLog:
    """Callbacks appending to one list, and a pump of libvirt's default event loop."""

    def __init__(self) -> None:
        libvirt.virEventRegisterDefaultImpl()
        self.got: list[tuple] = []

    def add(self, *item: Any) -> None:
        """Record one event."""
        self.got.append(item)

    def pump(self, count: int) -> list[tuple]:
        """Run the loop until ``count`` events arrived (then a little more, to catch
        extra ones); return and forget them."""
        timer = libvirt.virEventAddTimeout(5, lambda _t, _o: None, None)
        try:
            deadline = time.monotonic() + 60   # generous: ends as soon as they arrived
            while len(self.got) < count and time.monotonic() < deadline:
                libvirt.virEventRunDefaultImpl()
            for _ in range(3):
                libvirt.virEventRunDefaultImpl()
        finally:
            libvirt.virEventRemoveTimeout(timer)
        out, self.got = self.got, []
        return out


def _has_libvirt() -> bool:
    try:
        return subprocess.run([SYSTEM_PYTHON, "-c", "import libvirt"], check=False,
                              capture_output=True, timeout=60).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


needs_libvirt = pytest.mark.skipif(not _has_libvirt(),
                                   reason="real libvirt-python (python3-libvirt) not available")

# Run by both interpreters: `lib` is libvirt or pyvirt; t() records a result or an
# error (code, domain, message); codes() records only the error code; UUIDs that
# change from run to run are masked and hash-ordered name lists sorted.
_PRELUDE = '''
import json, os, re, sys, threading, time
lib = __import__(sys.argv[1])
lib.registerErrorHandler(lambda *a: None, None)
lib.virEventRegisterDefaultImpl()
threading.Thread(target=lambda: [lib.virEventRunDefaultImpl() for _ in iter(int, 1)],
                 daemon=True).start()
OUT, EVENTS = [], []
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
KEEP = ("dd8fe884", "dfe224cb", "11111111", "6695eb01")
def clean(v):
    if isinstance(v, str):
        return _UUID.sub(lambda m: m.group(0) if m.group(0).startswith(KEEP) else "UUID", v)
    if isinstance(v, (list, tuple)):
        return [clean(x) for x in v]
    if isinstance(v, bytes):
        return v.decode()
    if hasattr(v, "name") and callable(v.name):
        return "<%s %s>" % (type(v).__name__, v.name())
    return v
def t(label, f, sort=False):
    try:
        v = clean(f())
        OUT.append([label, "ok", sorted(v) if sort else v])
    except lib.libvirtError as e:
        OUT.append([label, "err", e.get_error_code(), e.get_error_domain(), clean(str(e))])
def codes(label, f):
    try:
        OUT.append([label, "ok", clean(f())])
    except lib.libvirtError as e:
        OUT.append([label, "err", e.get_error_code()])
def ev(*item):
    EVENTS.append([clean(x) for x in item])
c = lib.open("test:///default")
'''
# the events: a marker domain is defined and undefined last, watched by a
# domain-event callback of its own (bodies watch other kinds); a driver's events
# are dispatched in order, so once the marker's UNDEFINED event is in, the
# body's callbacks have had all earlier ones (no fixed window; a generous
# deadline only against a hang).  A connection without domains (the embedded
# secret driver) waits for a full second without events instead.
_EPILOGUE = '''
_marker = []
try:
    _mid = c.domainEventRegisterAny(None, lib.VIR_DOMAIN_EVENT_ID_LIFECYCLE,
                                    lambda c_, d, e, x, o: _marker.append((d.name(), e)), None)
except lib.libvirtError:        # a connection without domains (secret:///embed)
    _mid = None
if _mid is not None:
    c.defineXML("<domain type='test'><name>zz-flush-marker</name><memory>1024</memory>"
                "<os><type>hvm</type></os></domain>").undefine()
    _deadline = time.monotonic() + 60
    while ("zz-flush-marker", lib.VIR_DOMAIN_EVENT_UNDEFINED) not in list(_marker):
        if time.monotonic() > _deadline:
            raise SystemExit("the marker domain's events did not arrive in 60 s")
        time.sleep(0.005)
    c.domainEventDeregisterAny(_mid)
else:
    # no marker possible: wait until no event came for a whole second
    _seen, _quiet = -1, time.monotonic()
    while time.monotonic() - _quiet < 1.0:
        if len(EVENTS) != _seen:
            _seen, _quiet = len(EVENTS), time.monotonic()
        time.sleep(0.01)
OUT.append(["events", "ok", EVENTS])
print(json.dumps(OUT), flush=True)
os._exit(0)  # libvirt's embedded secret driver may crash while tearing down
'''


def same_as_libvirt(body: str) -> None:
    """Run ``body`` (see _PRELUDE) on real libvirt and on pyvirt; assert equal results."""
    script = _PRELUDE + textwrap.dedent(body) + _EPILOGUE
    runs = []
    for python, module in ((SYSTEM_PYTHON, "libvirt"), (sys.executable, "pyvirt")):
        proc = subprocess.run([python, "-c", script, module], check=False,
                              capture_output=True, text=True, timeout=120)
        assert proc.returncode == 0, proc.stderr[-3000:]
        runs.append(json.loads(proc.stdout))
    real, ours = runs
    assert [s[0] for s in ours] == [s[0] for s in real]
    bad = [f"{r[0]}:\n  libvirt: {r[1:]}\n  pyvirt:  {o[1:]}"
           for r, o in zip(real, ours) if r != o]
    assert not bad, "\n".join(bad)


# --- the default network and lookups ------------------------------------------------

def test_default_network(conn):
    net = conn.networkLookupByName("default")
    assert net.XMLDesc() == DEFAULT_XML
    assert (net.name(), net.UUIDString()) == ("default", DEFAULT_UUID)
    assert (net.isActive(), net.isPersistent(), net.autostart()) == (1, 1, 0)
    assert net.bridgeName() == "virbr0"
    assert conn.listNetworks() == ["default"] and conn.listDefinedNetworks() == []
    assert (conn.numOfNetworks(), conn.numOfDefinedNetworks()) == (1, 0)


def test_lookups(conn):
    net = conn.networkLookupByName("default")
    assert conn.networkLookupByUUIDString(DEFAULT_UUID.upper()).name() == "default"
    assert conn.networkLookupByUUIDString(DEFAULT_UUID.replace("-", "")).name() == "default"
    assert conn.networkLookupByUUID(net.UUID()).name() == "default"
    expect_error(lambda: conn.networkLookupByName("nope"), C.VIR_ERR_NO_NETWORK,
                 C.VIR_FROM_TEST, "Network not found: no network with matching name 'nope'")
    expect_error(lambda: conn.networkLookupByUUIDString(DEFAULT_UUID[:-1] + "0"),
                 C.VIR_ERR_NO_NETWORK, C.VIR_FROM_TEST,
                 "Network not found: no network with matching uuid "
                 "'dd8fe884-6c02-601e-7551-cca97df1c5d0'")
    expect_error(lambda: conn.networkLookupByUUIDString("zz"), C.VIR_ERR_INVALID_ARG,
                 C.VIR_FROM_NETWORK,
                 "uuidstr in virNetworkLookupByUUIDString must be a valid UUID")


def test_flags_are_checked(conn):
    net = conn.networkLookupByName("default")
    expect_error(lambda: conn.listAllNetworks(0x40), C.VIR_ERR_INVALID_ARG, C.VIR_FROM_TEST,
                 "unsupported flags (0x40) in function testConnectListAllNetworks")
    expect_error(lambda: net.XMLDesc(C.VIR_NETWORK_XML_INACTIVE), C.VIR_ERR_INVALID_ARG,
                 C.VIR_FROM_TEST, "unsupported flags (0x1) in function testNetworkGetXMLDesc")
    expect_error(lambda: conn.networkDefineXMLFlags(N2, 4), C.VIR_ERR_INVALID_ARG)
    expect_error(lambda: conn.networkCreateXMLFlags(N2, 2), C.VIR_ERR_INVALID_ARG)
    expect_error(lambda: net.update(ADD_LAST, HOST, -1, "<host/>", 4), C.VIR_ERR_INVALID_ARG,
                 C.VIR_FROM_TEST, "unsupported flags (0x4) in function testNetworkUpdate")


# --- life cycle ------------------------------------------------------------------------

def test_persistent_lifecycle(conn):
    net = conn.networkDefineXML(N2)
    assert net.XMLDesc() == ("<network>\n  <name>n2</name>\n"
                             "  <uuid>11111111-2222-3333-4444-555555555555</uuid>\n"
                             "  <bridge stp='on' delay='0'/>\n</network>\n")
    assert (net.isActive(), net.isPersistent()) == (0, 1)
    assert conn.listDefinedNetworks() == ["n2"]
    expect_error(net.bridgeName, C.VIR_ERR_INTERNAL_ERROR, C.VIR_FROM_TEST,
                 "internal error: network 'n2' does not have a bridge name.")
    assert net.destroy() == 0          # libvirt's test driver does not check it runs
    assert net.create() == 0
    expect_error(net.create, C.VIR_ERR_OPERATION_INVALID, C.VIR_FROM_TEST,
                 "Requested operation is not valid: Network 'n2' is already running")
    expect_error(net.undefine, C.VIR_ERR_OPERATION_INVALID, C.VIR_FROM_TEST,
                 "Requested operation is not valid: Network 'n2' is still running")
    assert net.destroy() == 0
    assert net.undefine() == 0
    expect_error(net.XMLDesc, C.VIR_ERR_NO_NETWORK, C.VIR_FROM_TEST,
                 "Network not found: no network with matching name 'n2'")
    expect_error(net.isActive, C.VIR_ERR_NO_NETWORK, C.VIR_FROM_TEST,
                 "Network not found: no network with matching uuid "
                 "'11111111-2222-3333-4444-555555555555'")


def test_transient_network_disappears_on_destroy(conn):
    net = conn.networkCreateXML("<network><name>t</name><forward mode='bridge'/>"
                                "<bridge name='br0'/></network>")
    assert (net.isActive(), net.isPersistent(), net.autostart()) == (1, 0, 0)
    assert "<forward mode='bridge'/>\n  <bridge name='br0'/>\n" in net.XMLDesc()
    expect_error(net.undefine, C.VIR_ERR_OPERATION_INVALID)
    net.destroy()
    expect_error(net.isActive, C.VIR_ERR_NO_NETWORK)
    assert conn.listAllNetworks() and [n.name() for n in conn.listAllNetworks()] == ["default"]


def test_define_conflicts(conn):
    expect_error(lambda: conn.networkDefineXML("<network><name>default</name></network>"),
                 C.VIR_ERR_OPERATION_FAILED, C.VIR_FROM_NETWORK,
                 f"operation failed: network 'default' already exists with uuid {DEFAULT_UUID}")
    expect_error(lambda: conn.networkDefineXML(
        f"<network><name>zz</name><uuid>{DEFAULT_UUID}</uuid></network>"),
        C.VIR_ERR_OPERATION_FAILED, C.VIR_FROM_NETWORK,
        f"operation failed: network 'default' is already defined with uuid {DEFAULT_UUID}")
    expect_error(lambda: conn.networkCreateXML(
        f"<network><name>default</name><uuid>{DEFAULT_UUID}</uuid></network>"),
        C.VIR_ERR_OPERATION_INVALID, C.VIR_FROM_NETWORK,
        "Requested operation is not valid: network is already active as 'default'")


def test_redefine_running_network_keeps_live_definition(conn):
    net = conn.networkDefineXML(N2)
    net.create()
    conn.networkDefineXML(N2.replace("</network>", "<bridge name='br9'/></network>"))
    assert "br9" not in net.XMLDesc()
    net.destroy()   # libvirt's test driver does not apply the new definition either
    assert "br9" not in net.XMLDesc()


def test_define_transient_running_makes_it_persistent(conn):
    net = conn.networkCreateXML(N2)
    conn.networkDefineXML(N2)
    assert net.isPersistent() == 1
    net.destroy()
    assert net.isActive() == 0


def test_validate_flag(conn):
    expect_error(lambda: conn.networkDefineXMLFlags(
        "<network><name>x</name><bogus/></network>", C.VIR_NETWORK_DEFINE_VALIDATE),
        C.VIR_ERR_XML_INVALID_SCHEMA)
    assert conn.networkDefineXMLFlags(N2, C.VIR_NETWORK_DEFINE_VALIDATE).name() == "n2"


def test_list_all_filters(conn):
    n2 = conn.networkDefineXML(N2)
    n2.setAutostart(1)
    assert n2.autostart() == 1
    conn.networkCreateXML("<network><name>t</name></network>")

    def names(flags: int) -> list[str]:
        return sorted(n.name() for n in conn.listAllNetworks(flags))

    assert names(0) == ["default", "n2", "t"]
    assert names(C.VIR_CONNECT_LIST_NETWORKS_INACTIVE) == ["n2"]
    assert names(C.VIR_CONNECT_LIST_NETWORKS_ACTIVE) == ["default", "t"]
    assert names(C.VIR_CONNECT_LIST_NETWORKS_PERSISTENT) == ["default", "n2"]
    assert names(C.VIR_CONNECT_LIST_NETWORKS_TRANSIENT) == ["t"]
    assert names(C.VIR_CONNECT_LIST_NETWORKS_AUTOSTART) == ["n2"]
    assert names(C.VIR_CONNECT_LIST_NETWORKS_NO_AUTOSTART) == ["default", "t"]
    assert names(C.VIR_CONNECT_LIST_NETWORKS_ACTIVE | C.VIR_CONNECT_LIST_NETWORKS_TRANSIENT) \
        == ["t"]
    assert names(C.VIR_CONNECT_LIST_NETWORKS_ACTIVE | C.VIR_CONNECT_LIST_NETWORKS_INACTIVE) \
        == ["default", "n2", "t"]


def test_no_ports_no_leases(conn):
    net = conn.networkLookupByName("default")
    expect_error(lambda: net.DHCPLeases(), C.VIR_ERR_NO_SUPPORT,
                 message="this function is not supported by the connection driver: "
                         "virNetworkGetDHCPLeases")
    expect_error(lambda: net.listAllPorts(), C.VIR_ERR_NO_SUPPORT)
    expect_error(lambda: net.portCreateXML("<networkport/>"), C.VIR_ERR_NO_SUPPORT)


# --- virNetworkUpdate -------------------------------------------------------------

def test_update_dhcp_hosts(conn):
    net = conn.networkLookupByName("default")
    net.update(ADD_LAST, HOST, -1,
               "<host mac='52:54:00:00:00:01' name='a' ip='192.168.122.10'/>", 0)
    net.update(ADD_FIRST, HOST, -1,
               "<host mac='52:54:00:00:00:02' name='b' ip='192.168.122.11'/>", LIVE)
    net.update(MODIFY, HOST, -1,
               "<host mac='52:54:00:00:00:01' name='aa' ip='192.168.122.20'/>", 0)
    assert ("      <range start='192.168.122.2' end='192.168.122.254'/>\n"
            "      <host mac='52:54:00:00:00:02' name='b' ip='192.168.122.11'/>\n"
            "      <host mac='52:54:00:00:00:01' name='aa' ip='192.168.122.20'/>\n"
            "    </dhcp>") in net.XMLDesc()
    expect_error(lambda: net.update(ADD_LAST, HOST, -1, "<host mac='52:54:00:00:00:01' "
                                    "name='c' ip='192.168.122.12'/>", 0),
                 C.VIR_ERR_OPERATION_INVALID, C.VIR_FROM_NETWORK,
                 "Requested operation is not valid: there is an existing dhcp host entry in "
                 "network 'default' that matches \"<host mac='52:54:00:00:00:01' name='c' "
                 "ip='192.168.122.12'/>\"")
    expect_error(lambda: net.update(ADD_LAST, HOST, -1, "<host mac='52:54:00:00:00:05'/>", 0),
                 C.VIR_ERR_XML_ERROR, C.VIR_FROM_NETWORK,
                 "XML error: Missing IP address in static host definition for network "
                 "'default'")
    expect_error(lambda: net.update(ADD_LAST, HOST, 3, "<host mac='52:54:00:00:00:05' "
                                    "ip='192.168.122.13'/>", 0),
                 C.VIR_ERR_OPERATION_INVALID, C.VIR_FROM_NETWORK,
                 "Requested operation is not valid: couldn't update dhcp host entry - no <ip> "
                 "element found at index 3 in network 'default'")
    expect_error(lambda: net.update(MODIFY, HOST, -1, "<host mac='52:54:00:00:00:09' "
                                    "ip='192.168.122.29'/>", 0),
                 C.VIR_ERR_OPERATION_INVALID, C.VIR_FROM_NETWORK,
                 "Requested operation is not valid: couldn't locate an existing dhcp host "
                 "entry with \"mac='52:54:00:00:00:09'\" \"name='(null)'\" "
                 "\"ip='192.168.122.29'\" in network 'default'")
    net.update(DELETE, HOST, -1, "<host name='b'/>", 0)
    expect_error(lambda: net.update(DELETE, HOST, -1, "<host name='b'/>", 0),
                 C.VIR_ERR_OPERATION_INVALID)
    expect_error(lambda: net.update(DELETE, HOST, -1, "<host/>", 0), C.VIR_ERR_XML_ERROR)
    expect_error(lambda: net.update(ADD_LAST, HOST, -1, "<hostx mac='52:54:00:00:00:05'/>",
                                    0), C.VIR_ERR_XML_ERROR, C.VIR_FROM_NETWORK,
                 "XML error: unexpected element <hostx>, expecting <host>, while updating "
                 "network 'default'")
    assert "name='b'" not in net.XMLDesc()


def test_update_other_sections(conn):
    net = conn.networkLookupByName("default")
    sec = C
    net.update(ADD_LAST, sec.VIR_NETWORK_SECTION_DNS_HOST, -1,
               "<host ip='192.168.122.5'><hostname>foo</hostname><hostname>bar</hostname>"
               "</host>", 0)
    net.update(ADD_LAST, sec.VIR_NETWORK_SECTION_DNS_TXT, -1,
               "<txt name='example' value='v'/>", 0)
    net.update(ADD_LAST, sec.VIR_NETWORK_SECTION_DNS_SRV, -1,
               "<srv service='name' protocol='tcp' domain='d' target='.' port='1024' "
               "priority='10' weight='10'/>", 0)
    net.update(ADD_LAST, sec.VIR_NETWORK_SECTION_FORWARD_INTERFACE, -1,
               "<interface dev='eth5'/>", 0)
    net.update(DELETE, sec.VIR_NETWORK_SECTION_IP_DHCP_RANGE, -1,
               "<range start='192.168.122.2' end='192.168.122.254'/>", 0)
    xml = net.XMLDesc()
    assert ("  <forward dev='eth5' mode='nat'>\n    <interface dev='eth5'/>\n  </forward>\n"
            in xml)
    assert ("  <dns>\n    <txt name='example' value='v'/>\n"
            "    <srv service='name' protocol='tcp' domain='d' target='.' port='1024' "
            "priority='10' weight='10'/>\n"
            "    <host ip='192.168.122.5'>\n      <hostname>foo</hostname>\n"
            "      <hostname>bar</hostname>\n    </host>\n  </dns>\n") in xml
    assert "<dhcp>" not in xml
    expect_error(lambda: net.update(ADD_LAST, sec.VIR_NETWORK_SECTION_DNS_HOST, -1,
                                    "<host ip='192.168.122.5'><hostname>x</hostname></host>",
                                    0), C.VIR_ERR_OPERATION_INVALID)
    expect_error(lambda: net.update(MODIFY, sec.VIR_NETWORK_SECTION_DNS_HOST, -1,
                                    "<host ip='192.168.122.6'/>", 0),
                 C.VIR_ERR_OPERATION_UNSUPPORTED, C.VIR_FROM_NETWORK,
                 "Operation not supported: DNS HOST records cannot be modified, only added "
                 "or deleted")
    expect_error(lambda: net.update(MODIFY, sec.VIR_NETWORK_SECTION_IP_DHCP_RANGE, -1,
                                    "<range start='10.0.0.2' end='10.0.0.5'/>", 0),
                 C.VIR_ERR_OPERATION_UNSUPPORTED)
    net.update(DELETE, sec.VIR_NETWORK_SECTION_DNS_HOST, -1,
               "<host><hostname>bar</hostname></host>", 0)
    net.update(DELETE, sec.VIR_NETWORK_SECTION_DNS_TXT, -1, "<txt name='example'/>", 0)
    net.update(DELETE, sec.VIR_NETWORK_SECTION_DNS_SRV, -1, "<srv service='name'/>", 0)
    net.update(DELETE, sec.VIR_NETWORK_SECTION_FORWARD_INTERFACE, -1,
               "<interface dev='eth5'/>", 0)
    net.update(ADD_LAST, sec.VIR_NETWORK_SECTION_PORTGROUP, -1,
               "<portgroup name='engineering' default='yes'/>", 0)
    expect_error(lambda: net.update(ADD_LAST, sec.VIR_NETWORK_SECTION_PORTGROUP, -1,
                                    "<portgroup name='sales' default='yes'/>", 0),
                 C.VIR_ERR_OPERATION_INVALID, C.VIR_FROM_NETWORK,
                 "Requested operation is not valid: a different portgroup entry in network "
                 "'default' is already set as the default. Only one default is allowed.")
    net.update(DELETE, sec.VIR_NETWORK_SECTION_PORTGROUP, -1,
               "<portgroup name='engineering'/>", 0)
    assert "<dns>" not in net.XMLDesc() and "portgroup" not in net.XMLDesc()


def test_update_refusals(conn):
    net = conn.networkLookupByName("default")
    expect_error(lambda: net.update(9, HOST, -1, "<host mac='52:54:00:00:00:08' "
                                    "ip='192.168.122.31'/>", 0),
                 C.VIR_ERR_OPERATION_UNSUPPORTED, C.VIR_FROM_NETWORK,
                 "Operation not supported: unrecognized network update command code 9")
    expect_error(lambda: net.update(ADD_LAST, 99, -1, "<host/>", 0),
                 C.VIR_ERR_OPERATION_UNSUPPORTED, C.VIR_FROM_NETWORK,
                 "Operation not supported: can't update unrecognized section of network")
    expect_error(lambda: net.update(ADD_LAST, C.VIR_NETWORK_SECTION_BRIDGE, -1, "<bridge/>", 0),
                 C.VIR_ERR_OPERATION_UNSUPPORTED, C.VIR_FROM_NETWORK,
                 "Operation not supported: can't update 'bridge' section of network 'default'")
    expect_error(lambda: net.update(ADD_LAST, C.VIR_NETWORK_SECTION_IP_DHCP_RANGE, -1,
                                    "<range start='10.0.0.2' end='10.0.0.5'/>", 0),
                 C.VIR_ERR_INTERNAL_ERROR, message="internal error: range 10.0.0.2 - 10.0.0.5 "
                 "is not entirely within network 192.168.122.1/24")


def test_update_live_and_config(conn):
    net = conn.networkLookupByName("default")
    host = "<host mac='52:54:00:00:00:07' ip='192.168.122.30'/>"
    net.update(ADD_LAST, HOST, -1, host, CONFIG)     # the running definition stays
    assert "52:54:00:00:00:07" not in net.XMLDesc()
    net.destroy()
    expect_error(lambda: net.update(ADD_LAST, HOST, -1, host, LIVE),
                 C.VIR_ERR_OPERATION_INVALID, C.VIR_FROM_NETWORK,
                 "Requested operation is not valid: network is not running")
    net.update(ADD_LAST, HOST, -1, "<host mac='52:54:00:00:00:11' name='q' "
               "ip='192.168.122.40'/>", 0)          # current = config when stopped
    xml = net.XMLDesc()
    assert "52:54:00:00:00:07" in xml and "52:54:00:00:00:11" in xml
    tnet = conn.networkCreateXML("<network><name>t3</name><ip address='10.1.0.1' "
                                 "prefix='24'/></network>")
    expect_error(lambda: tnet.update(ADD_LAST, HOST, -1, "<host mac='52:54:00:00:00:01' "
                                     "ip='10.1.0.5'/>", CONFIG),
                 C.VIR_ERR_OPERATION_INVALID, C.VIR_FROM_NETWORK,
                 "Requested operation is not valid: cannot change persistent config of a "
                 "transient network")
    tnet.update(ADD_LAST, HOST, -1, "<host mac='52:54:00:00:00:01' name='a' ip='10.1.0.5'/>",
                0)
    assert ("  <ip address='10.1.0.1' prefix='24'>\n    <dhcp>\n"
            "      <host mac='52:54:00:00:00:01' name='a' ip='10.1.0.5'/>\n") in tnet.XMLDesc()


# --- events and read-only connections -------------------------------------------------

def test_lifecycle_events(conn):
    log = EventLog()
    cbid = conn.networkEventRegisterAny(
        None, C.VIR_NETWORK_EVENT_ID_LIFECYCLE,
        lambda _c, net, event, detail, _o: log.add(net.name(), event, detail), None)
    net = conn.networkDefineXML(N2)
    net.create()
    net.destroy()
    net.undefine()
    conn.networkCreateXML("<network><name>t</name></network>").destroy()
    assert log.pump(6) == [("n2", C.VIR_NETWORK_EVENT_DEFINED, 0),
                           ("n2", C.VIR_NETWORK_EVENT_STARTED, 0),
                           ("n2", C.VIR_NETWORK_EVENT_STOPPED, 0),
                           ("n2", C.VIR_NETWORK_EVENT_UNDEFINED, 0),
                           ("t", C.VIR_NETWORK_EVENT_STARTED, 0),
                           ("t", C.VIR_NETWORK_EVENT_STOPPED, 0)]
    conn.networkEventDeregisterAny(cbid)
    expect_error(lambda: conn.networkEventDeregisterAny(cbid), C.VIR_ERR_INVALID_ARG)


def test_events_of_one_network(conn):
    log = EventLog()
    default = conn.networkLookupByName("default")
    cbid = conn.networkEventRegisterAny(
        default, C.VIR_NETWORK_EVENT_ID_LIFECYCLE,
        lambda _c, net, event, detail, _o: log.add(net.name(), event), None)
    conn.networkCreateXML("<network><name>t</name></network>").destroy()
    default.destroy()
    default.create()
    assert log.pump(2) == [("default", C.VIR_NETWORK_EVENT_STOPPED),
                           ("default", C.VIR_NETWORK_EVENT_STARTED)]
    conn.networkEventDeregisterAny(cbid)


def test_read_only_connection():
    ro = libvirt.openReadOnly("test:///default")
    try:
        net = ro.networkLookupByName("default")
        assert net.XMLDesc() == DEFAULT_XML
        for call in (lambda: ro.networkDefineXML(N2), net.destroy, net.create, net.undefine,
                     lambda: net.setAutostart(1),
                     lambda: net.update(ADD_LAST, HOST, -1, "<host/>", 0)):
            expect_error(call, C.VIR_ERR_OPERATION_DENIED)
    finally:
        ro.close()


def test_host_resource_mixins_are_not_shadowed():
    """The families share one class: no method of a mixin may hide another's."""
    from pyvirt.drivers.test import interface, network, nodedev, nwfilter, secret, storage
    from pyvirt.drivers.test.driver import TestDriver
    for module, name in ((network, "NetworkMixin"), (storage, "StorageMixin"),
                         (interface, "InterfaceMixin"), (nodedev, "NodeDeviceMixin"),
                         (secret, "SecretMixin"), (nwfilter, "NWFilterMixin")):
        mixin = getattr(module, name)
        for attr in vars(mixin):
            if not attr.startswith("__"):
                owner = next(k for k in TestDriver.__mro__ if attr in vars(k))
                assert owner is mixin, f"{name}.{attr} is shadowed by {owner.__name__}"


@pytest.mark.libvirt_ref
@needs_libvirt
def test_same_as_libvirt():
    same_as_libvirt('''
        c.networkEventRegisterAny(None, 0, lambda c_, n, e, d, o: ev(n.name(), e, d), None)
        n = c.networkLookupByName("default")
        t("xml", n.XMLDesc)
        t("state", lambda: (n.isActive(), n.isPersistent(), n.autostart(), n.bridgeName()))
        t("missing", lambda: c.networkLookupByName("nope"))
        t("bad flags", lambda: c.listAllNetworks(0x40))
        n2 = c.networkDefineXML("<network><name>n2</name></network>")
        t("n2 xml", n2.XMLDesc)
        t("n2 bridge", n2.bridgeName)
        t("lists", lambda: (c.listNetworks(), c.listDefinedNetworks()))
        for f in (0, 1, 2, 4, 8, 16, 32):
            t("listall %d" % f, lambda: [x.name() for x in c.listAllNetworks(f)], sort=True)
        t("create", n2.create)
        t("create again", n2.create)
        t("undefine running", n2.undefine)
        t("destroy", n2.destroy)
        t("undefine", n2.undefine)
        t("gone", n2.isActive)
        t("dup", lambda: c.networkDefineXML("<network><name>default</name></network>"))
        H = "<host mac='52:54:00:00:00:01' name='a' ip='192.168.122.10'/>"
        t("add host", lambda: n.update(3, 4, -1, H, 0))
        t("add dup", lambda: n.update(3, 4, -1, H, 0))
        t("add txt", lambda: n.update(4, 11, -1, "<txt name='x' value='y'/>", 0))
        t("del range", lambda: n.update(2, 5, -1,
                                        "<range start='192.168.122.2' end='192.168.122.254'/>", 0))
        t("config", lambda: n.update(3, 4, -1, "<host mac='52:54:00:00:00:02' ip='192.168.122.11'/>", 2))
        t("after", n.XMLDesc)
        t("destroy default", n.destroy)
        t("after destroy", n.XMLDesc)
        t("live on stopped", lambda: n.update(3, 4, -1, H, 1))
        t("create default", n.create)
        codes("leases", lambda: n.DHCPLeases())
        codes("ports", lambda: n.listAllPorts())
    ''')
