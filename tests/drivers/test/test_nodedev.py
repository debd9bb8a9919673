"""Host devices of the test driver, checked against libvirt 9.0's test driver."""

from __future__ import annotations

from test_networks import EventLog, needs_libvirt, same_as_libvirt
from testdrv_util import expect_error

import pyvirt as libvirt
from pyvirt import constants as C

ALL = ["computer", "scsi_host1", "scsi_host11", "scsi_host2"]
VHBA = ("<device><parent>scsi_host1</parent><capability type='scsi_host'>"
        "<capability type='fc_host'><wwnn>2000000012345678</wwnn>"
        "<wwpn>1000000012345678</wwpn></capability></capability></device>")
VHBA_XML = """<device>
  <name>scsi_host12</name>
  <parent>scsi_host1</parent>
  <capability type='scsi_host'>
    <host>11</host>
    <unique_id>10</unique_id>
    <capability type='fc_host'>
      <wwnn>2000000012345678</wwnn>
      <wwpn>1000000012345678</wwpn>
      <fabric_wwn>2000000043214321</fabric_wwn>
    </capability>
  </capability>
</device>
"""


def _vhba(parent: str = "<parent>scsi_host1</parent>", fc: str = "<wwnn>2000000012345678"
          "</wwnn><wwpn>1000000012345678</wwpn>") -> str:
    return (f"<device>{parent}<capability type='scsi_host'><capability type='fc_host'>{fc}"
            "</capability></capability></device>")


def test_default_devices(conn):
    assert sorted(conn.listDevices(None, 0)) == ALL
    assert [conn.numOfDevices(cap, 0) for cap in
            (None, "system", "scsi_host", "fc_host", "vports", "pci", "bogus")] == \
        [4, 1, 3, 3, 2, 0, 0]
    computer = conn.nodeDeviceLookupByName("computer")
    assert (computer.listCaps(), computer.numOfCaps(), computer.parent()) == (["system"], 1,
                                                                             None)
    host1 = conn.nodeDeviceLookupByName("scsi_host1")
    assert (host1.listCaps(), host1.parent()) == (["scsi_host"], "computer")
    assert "<vendor>Libvirt</vendor>" in computer.XMLDesc()


def test_list_all_filters(conn):
    def names(flags: int) -> list[str]:
        return sorted(d.name() for d in conn.listAllDevices(flags))

    assert names(0) == ALL
    assert names(C.VIR_CONNECT_LIST_NODE_DEVICES_CAP_SYSTEM) == ["computer"]
    assert names(C.VIR_CONNECT_LIST_NODE_DEVICES_CAP_SCSI_HOST) == ALL[1:]
    assert names(C.VIR_CONNECT_LIST_NODE_DEVICES_CAP_FC_HOST) == ALL[1:]
    assert names(C.VIR_CONNECT_LIST_NODE_DEVICES_CAP_VPORTS) == ["scsi_host1", "scsi_host2"]
    assert names(C.VIR_CONNECT_LIST_NODE_DEVICES_CAP_PCI_DEV) == []
    assert names(C.VIR_CONNECT_LIST_NODE_DEVICES_CAP_SYSTEM
                 | C.VIR_CONNECT_LIST_NODE_DEVICES_CAP_VPORTS) == \
        ["computer", "scsi_host1", "scsi_host2"]


def test_errors_and_flags(conn):
    expect_error(lambda: conn.nodeDeviceLookupByName("x"), C.VIR_ERR_NO_NODE_DEVICE,
                 C.VIR_FROM_TEST, "Node device not found: no node device with matching name 'x'")
    # libvirt 9.0's test driver refuses the active/inactive filters (so virsh's
    # nodedev-list fails there); pyvirt accepts them, as newer libvirt does.
    assert len(conn.listAllDevices(C.VIR_CONNECT_LIST_NODE_DEVICES_ACTIVE)) == len(
        conn.listAllDevices(0))
    assert conn.listAllDevices(C.VIR_CONNECT_LIST_NODE_DEVICES_INACTIVE) == []
    expect_error(lambda: conn.listAllDevices(1 << 29), C.VIR_ERR_INVALID_ARG, C.VIR_FROM_TEST,
                 "unsupported flags (0x20000000) in function testConnectListAllNodeDevices")
    expect_error(lambda: conn.numOfDevices(None, 1), C.VIR_ERR_INVALID_ARG, C.VIR_FROM_TEST,
                 "unsupported flags (0x1) in function testNodeNumOfDevices")
    expect_error(lambda: conn.listDevices(None, 1), C.VIR_ERR_INVALID_ARG)
    computer = conn.nodeDeviceLookupByName("computer")
    expect_error(lambda: computer.XMLDesc(1), C.VIR_ERR_INVALID_ARG)
    for call in (computer.isActive, computer.dettach, computer.undefine,
                 lambda: computer.create(0), lambda: conn.nodeDeviceDefineXML("<device/>"),
                 lambda: conn.nodeDeviceLookupSCSIHostByWWN("a", "b")):
        expect_error(call, C.VIR_ERR_NO_SUPPORT)


def test_create_and_destroy_vhba(conn):
    dev = conn.nodeDeviceCreateXML(VHBA)
    assert (dev.name(), dev.parent(), dev.listCaps()) == ("scsi_host12", "scsi_host1",
                                                         ["scsi_host"])
    assert dev.XMLDesc() == VHBA_XML
    assert conn.nodeDeviceCreateXML(VHBA).name() == "scsi_host12"   # the same vHBA again
    assert conn.nodeDeviceCreateXML(_vhba(parent="")).name() == "scsi_host12"
    assert conn.nodeDeviceCreateXML(_vhba(
        parent="<parent wwnn='2000000012341234' wwpn='1000000012341234'/>")).name() == \
        "scsi_host12"
    dev.destroy()
    expect_error(dev.destroy, C.VIR_ERR_NO_NODE_DEVICE, C.VIR_FROM_TEST,
                 "Node device not found: no node device with matching name 'scsi_host12'")
    assert sorted(conn.listDevices(None, 0)) == ALL


def test_create_errors(conn):
    expect_error(lambda: conn.nodeDeviceCreateXML(VHBA, 2), C.VIR_ERR_INVALID_ARG)
    expect_error(lambda: conn.nodeDeviceCreateXML(
        "<device><parent>scsi_host1</parent><capability type='scsi_host'/></device>"),
        C.VIR_ERR_INTERNAL_ERROR, C.VIR_FROM_NODEDEV,
        "internal error: Device is not a fibre channel HBA")
    expect_error(lambda: conn.nodeDeviceCreateXML(_vhba(parent="<parent>nope</parent>")),
                 C.VIR_ERR_INTERNAL_ERROR, C.VIR_FROM_NODEDEV,
                 "internal error: Could not find parent device for 'new device'")
    expect_error(lambda: conn.nodeDeviceCreateXML(_vhba(parent="<parent>scsi_host11</parent>")),
                 C.VIR_ERR_INTERNAL_ERROR, C.VIR_FROM_NODEDEV,
                 "internal error: Parent device scsi_host11 is not capable of vport operations")
    expect_error(lambda: conn.nodeDeviceCreateXML(_vhba(fc="")), C.VIR_ERR_INTERNAL_ERROR,
                 C.VIR_FROM_NODEDEV, "internal error: no WWNN supplied for 'new device', and "
                 "auto-generation failed")
    expect_error(lambda: conn.nodeDeviceCreateXML(_vhba(
        parent="<parent wwnn='2000000012341235' wwpn='1000000012341234'/>")),
        C.VIR_ERR_INTERNAL_ERROR, C.VIR_FROM_NODEDEV,
        "internal error: Could not find parent device for 'new device'")


def test_destroy_is_only_for_vhbas(conn):
    """libvirt's test driver returns 0 and keeps a device that is not an FC HBA."""
    assert conn.nodeDeviceLookupByName("computer").destroy() == 0
    assert conn.nodeDeviceLookupByName("scsi_host2").destroy() == 0
    assert sorted(conn.listDevices(None, 0)) == ["computer", "scsi_host1", "scsi_host11"]


def test_events(conn):
    log = EventLog()
    cbid = conn.nodeDeviceEventRegisterAny(
        None, C.VIR_NODE_DEVICE_EVENT_ID_LIFECYCLE,
        lambda _c, dev, event, detail, _o: log.add(dev.name(), event, detail), None)
    conn.nodeDeviceCreateXML(VHBA).destroy()
    assert log.pump(2) == [("scsi_host12", C.VIR_NODE_DEVICE_EVENT_CREATED, 0),
                           ("scsi_host12", C.VIR_NODE_DEVICE_EVENT_DELETED, 0)]
    conn.nodeDeviceEventDeregisterAny(cbid)


def test_read_only_connection():
    ro = libvirt.openReadOnly("test:///default")
    try:
        dev = ro.nodeDeviceLookupByName("scsi_host1")
        assert dev.listCaps() == ["scsi_host"]
        expect_error(dev.destroy, C.VIR_ERR_OPERATION_DENIED)
        expect_error(lambda: ro.nodeDeviceCreateXML(VHBA), C.VIR_ERR_OPERATION_DENIED)
    finally:
        ro.close()


@needs_libvirt
def test_same_as_libvirt():
    same_as_libvirt('''
        c.nodeDeviceEventRegisterAny(None, 0, lambda c_, d, e, dt, o: ev(d.name(), e, dt), None)
        t("names", lambda: c.listDevices(None, 0), sort=True)
        for cap in ("system", "scsi_host", "fc_host", "vports", "net"):
            t("cap " + cap, lambda: c.listDevices(cap, 0), sort=True)
        for f in (1, 32, 512, 1024):
            t("listall %d" % f, lambda: [d.name() for d in c.listAllDevices(f)], sort=True)
        d = c.nodeDeviceLookupByName("scsi_host11")
        t("xml", d.XMLDesc)
        t("caps", lambda: (d.listCaps(), d.numOfCaps(), d.parent()))
        X = "<device><parent>scsi_host2</parent><capability type='scsi_host'><capability type='fc_host'><wwnn>2000000012345678</wwnn><wwpn>1000000012345678</wwpn></capability></capability></device>"
        n = c.nodeDeviceCreateXML(X)
        t("new", lambda: (n.name(), n.parent(), n.XMLDesc()))
        t("bad parent", lambda: c.nodeDeviceCreateXML(X.replace("scsi_host2", "scsi_host11")))
        t("destroy", n.destroy)
        t("destroy again", n.destroy)
        t("destroy computer", c.nodeDeviceLookupByName("computer").destroy)
        t("names after", lambda: c.listDevices(None, 0), sort=True)
        codes("define", lambda: c.nodeDeviceDefineXML("<device/>"))
    ''')
