"""Storage pools and volumes of the test driver, checked against libvirt 9.0's test driver.

Values, messages and events were taken from real libvirt-python on
test:///default; :func:`test_same_as_libvirt` replays a scenario on both.
"""

from __future__ import annotations

from test_networks import EventLog, needs_libvirt, same_as_libvirt
from testdrv_util import expect_error

import pyvirt as libvirt
from pyvirt import constants as C

GIB = 1024 ** 3
CAP = 100 * GIB
DEFAULT_POOL_XML = """<pool type='dir'>
  <name>default-pool</name>
  <uuid>dfe224cb-28fb-8dd0-c4b2-64eb3f0f4566</uuid>
  <capacity unit='bytes'>107374182400</capacity>
  <allocation unit='bytes'>0</allocation>
  <available unit='bytes'>107374182400</available>
  <source>
  </source>
  <target>
    <path>/default-pool</path>
  </target>
</pool>
"""
V1 = ("<volume><name>v1</name><capacity unit='G'>10</capacity>"
      "<allocation unit='G'>2</allocation></volume>")
P2 = "<pool type='dir'><name>p2</name><target><path>/p2</path></target></pool>"
FC_POOL = ("<pool type='scsi'><name>fc</name><source><adapter type='fc_host' "
           "parent='scsi_host1' wwnn='2000000012345678' wwpn='1000000012345678'/></source>"
           "<target><path>/dev/disk/by-path</path></target></pool>")


def _pool(conn):
    return conn.storagePoolLookupByName("default-pool")


def test_default_pool(conn):
    pool = _pool(conn)
    assert pool.XMLDesc() == DEFAULT_POOL_XML
    assert (pool.isActive(), pool.isPersistent(), pool.autostart()) == (1, 1, 0)
    assert pool.info() == [C.VIR_STORAGE_POOL_RUNNING, CAP, 0, CAP]
    assert conn.listStoragePools() == ["default-pool"] and conn.listDefinedStoragePools() == []
    assert pool.listVolumes() == [] and pool.numOfVolumes() == 0
    assert conn.storagePoolLookupByUUIDString("dfe224cb28fb8dd0c4b264eb3f0f4566").name() \
        == "default-pool"
    assert conn.storagePoolLookupByUUID(pool.UUID()).name() == "default-pool"


def test_pool_lookup_errors(conn):
    expect_error(lambda: conn.storagePoolLookupByName("x"), C.VIR_ERR_NO_STORAGE_POOL,
                 C.VIR_FROM_TEST, "Storage pool not found: no storage pool with matching "
                 "name 'x'")
    expect_error(lambda: conn.storagePoolLookupByUUIDString(
        "dfe224cb-28fb-8dd0-c4b2-64eb3f0f4560"), C.VIR_ERR_NO_STORAGE_POOL, C.VIR_FROM_TEST,
        "Storage pool not found: no storage pool with matching uuid "
        "'dfe224cb-28fb-8dd0-c4b2-64eb3f0f4560'")
    expect_error(lambda: conn.storagePoolLookupByUUIDString("xx"), C.VIR_ERR_INVALID_ARG,
                 C.VIR_FROM_STORAGE,
                 "uuidstr in virStoragePoolLookupByUUIDString must be a valid UUID")
    expect_error(lambda: conn.listAllStoragePools(1 << 20), C.VIR_ERR_INVALID_ARG,
                 C.VIR_FROM_TEST,
                 "unsupported flags (0x100000) in function testConnectListAllStoragePools")


def test_running_pool_refuses_inactive_operations(conn):
    pool = _pool(conn)
    for call in (pool.create, pool.build, pool.undefine, pool.delete):
        expect_error(call, C.VIR_ERR_OPERATION_INVALID, C.VIR_FROM_TEST,
                     "Requested operation is not valid: storage pool 'default-pool' is active")
    assert pool.refresh() == 0
    expect_error(lambda: pool.refresh(1), C.VIR_ERR_INVALID_ARG)
    expect_error(lambda: pool.XMLDesc(1), C.VIR_ERR_INVALID_ARG, C.VIR_FROM_TEST,
                 "unsupported flags (0x1) in function testStoragePoolGetXMLDesc")


def test_volumes_charge_the_pool(conn):
    pool = _pool(conn)
    vol = pool.createXML(V1)
    assert (vol.name(), vol.key(), vol.path()) == ("v1", "/default-pool/v1", "/default-pool/v1")
    assert vol.info() == [C.VIR_STORAGE_VOL_FILE, 10 * GIB, 2 * GIB]
    assert vol.XMLDesc() == """<volume type='file'>
  <name>v1</name>
  <key>/default-pool/v1</key>
  <capacity unit='bytes'>10737418240</capacity>
  <allocation unit='bytes'>2147483648</allocation>
  <target>
    <path>/default-pool/v1</path>
    <format type='raw'/>
  </target>
</volume>
"""
    assert pool.info() == [2, CAP, 2 * GIB, CAP - 2 * GIB]
    assert "<allocation unit='bytes'>2147483648</allocation>" in pool.XMLDesc()
    clone = pool.createXMLFrom("<volume><name>v2</name><capacity unit='G'>1</capacity>"
                               "</volume>", vol)
    assert clone.info() == [0, GIB, GIB]
    assert pool.info() == [2, CAP, 3 * GIB, CAP - 3 * GIB]
    assert sorted(pool.listVolumes()) == ["v1", "v2"] and pool.numOfVolumes() == 2
    assert sorted(v.name() for v in pool.listAllVolumes()) == ["v1", "v2"]
    assert conn.storageVolLookupByKey("/default-pool/v1").name() == "v1"
    assert conn.storageVolLookupByPath("/default-pool/v2").name() == "v2"
    assert pool.storageVolLookupByName("v1").key() == "/default-pool/v1"
    assert vol.storagePoolLookupByVolume().name() == "default-pool"
    vol.delete()
    assert pool.info() == [2, CAP, GIB, CAP - GIB]
    expect_error(vol.info, C.VIR_ERR_NO_STORAGE_VOL, C.VIR_FROM_TEST,
                 "Storage volume not found: no storage vol with matching name 'v1'")


def test_volume_errors(conn):
    pool = _pool(conn)
    pool.createXML(V1)
    expect_error(lambda: pool.createXML(V1), C.VIR_ERR_OPERATION_FAILED, C.VIR_FROM_TEST,
                 "operation failed: storage vol already exists")
    expect_error(lambda: pool.createXML("<volume><name>big</name><capacity unit='T'>200"
                                        "</capacity></volume>"),
                 C.VIR_ERR_INTERNAL_ERROR, C.VIR_FROM_TEST,
                 "internal error: Not enough free space in pool for volume 'big'")
    expect_error(lambda: pool.createXML(V1, 2), C.VIR_ERR_INVALID_ARG)
    expect_error(lambda: pool.createXML("<volume><capacity>1</capacity></volume>"),
                 C.VIR_ERR_XML_ERROR, C.VIR_FROM_STORAGE,
                 "XML error: missing volume name element")
    expect_error(lambda: pool.createXML("<volume><name>x</name></volume>"), C.VIR_ERR_XML_ERROR,
                 C.VIR_FROM_STORAGE, "XML error: missing capacity element")
    expect_error(lambda: pool.listAllVolumes(1), C.VIR_ERR_INVALID_ARG)
    for call in (lambda: conn.storageVolLookupByKey("/x"),
                 lambda: conn.storageVolLookupByPath("/x"),
                 lambda: pool.storageVolLookupByName("x")):
        expect_error(call, C.VIR_ERR_NO_STORAGE_VOL, C.VIR_FROM_TEST)
    expect_error(lambda: conn.storageVolLookupByKey("/x"), C.VIR_ERR_NO_STORAGE_VOL,
                 message="Storage volume not found: no storage vol with matching key '/x'")


def test_unsupported_volume_calls(conn):
    """libvirt's test driver has no wipe, resize, infoFlags, upload or download."""
    vol = _pool(conn).createXML(V1)
    stream = conn.newStream()
    for call in (vol.wipe, lambda: vol.wipePattern(0), lambda: vol.resize(1),
                 lambda: vol.infoFlags(0), lambda: vol.upload(stream, 0, 0),
                 lambda: vol.download(stream, 0, 0),
                 lambda: conn.storagePoolLookupByTargetPath("/default-pool"),
                 lambda: conn.getStoragePoolCapabilities()):
        expect_error(call, C.VIR_ERR_NO_SUPPORT)


def test_stopped_pool(conn):
    pool = _pool(conn)
    pool.createXML(V1)
    pool.destroy()
    expect_error(pool.destroy, C.VIR_ERR_OPERATION_INVALID, C.VIR_FROM_TEST,
                 "Requested operation is not valid: storage pool 'default-pool' is not active")
    assert pool.info() == [C.VIR_STORAGE_POOL_INACTIVE, CAP, 2 * GIB, CAP - 2 * GIB]
    for call in (pool.listVolumes, pool.numOfVolumes, pool.refresh,
                 lambda: pool.storageVolLookupByName("v1")):
        expect_error(call, C.VIR_ERR_OPERATION_INVALID, C.VIR_FROM_TEST)
    expect_error(pool.listAllVolumes, C.VIR_ERR_OPERATION_INVALID, C.VIR_FROM_TEST,
                 "Requested operation is not valid: storage pool is not active")
    expect_error(lambda: conn.storageVolLookupByKey("/default-pool/v1"),
                 C.VIR_ERR_NO_STORAGE_VOL)
    assert pool.build() == 0 and pool.delete() == 0
    expect_error(lambda: pool.build(1), C.VIR_ERR_INVALID_ARG)
    pool.create()
    assert pool.listVolumes() == ["v1"]   # the volumes survive a restart


def test_define_and_undefine(conn):
    pool = conn.storagePoolDefineXML(P2)
    assert (pool.isActive(), pool.isPersistent(), pool.autostart()) == (0, 1, 0)
    assert pool.info() == [0, CAP, 0, CAP]
    assert conn.listDefinedStoragePools() == ["p2"]
    pool.setAutostart(1)
    assert pool.autostart() == 1
    expect_error(lambda: conn.storagePoolDefineXML(P2.replace("p2</name>", "p4</name>")),
                 C.VIR_ERR_OPERATION_FAILED, C.VIR_FROM_STORAGE,
                 "operation failed: Storage source conflict with pool: 'p2'")
    expect_error(lambda: conn.storagePoolDefineXML(
        "<pool type='dir'><name>p3</name><uuid>dfe224cb-28fb-8dd0-c4b2-64eb3f0f4566</uuid>"
        "<target><path>/p3</path></target></pool>"), C.VIR_ERR_OPERATION_FAILED,
        C.VIR_FROM_STORAGE, "operation failed: pool 'default-pool' is already defined with "
        "uuid dfe224cb-28fb-8dd0-c4b2-64eb3f0f4566")
    expect_error(lambda: conn.storagePoolCreateXML(P2.replace("<target>", "<uuid>"
                                                             "1092d251-b0c8-47b0-9874-"
                                                             "a6eb2b8757cd</uuid><target>")),
                 C.VIR_ERR_OPERATION_FAILED, C.VIR_FROM_STORAGE)
    expect_error(lambda: conn.storagePoolDefineXML("<pool type='dir'><name>p5</name></pool>"),
                 C.VIR_ERR_XML_ERROR, C.VIR_FROM_STORAGE,
                 "XML error: missing storage pool target path")
    expect_error(lambda: conn.storagePoolDefineXML(P2, 2), C.VIR_ERR_INVALID_ARG)
    pool.undefine()
    expect_error(pool.info, C.VIR_ERR_NO_STORAGE_POOL, C.VIR_FROM_TEST,
                 "Storage pool not found: no storage pool with matching name 'p2'")


def test_transient_pool(conn):
    pool = conn.storagePoolCreateXML("<pool type='dir'><name>p6</name><target><path>/p6"
                                     "</path></target></pool>")
    assert (pool.isActive(), pool.isPersistent(), pool.autostart()) == (1, 0, 0)
    expect_error(lambda: pool.setAutostart(1), C.VIR_ERR_INVALID_ARG, C.VIR_FROM_TEST,
                 "invalid argument: pool has no config file")
    expect_error(lambda: conn.storagePoolCreateXML(P2, 1), C.VIR_ERR_INVALID_ARG)
    pool.destroy()
    expect_error(pool.isActive, C.VIR_ERR_NO_STORAGE_POOL)


def test_list_all_filters(conn):
    conn.storagePoolDefineXML(P2).setAutostart(1)
    conn.storagePoolCreateXML("<pool type='dir'><name>p6</name><target><path>/p6</path>"
                              "</target></pool>")
    conn.storagePoolCreateXML("<pool type='logical'><name>vg</name><source><device "
                              "path='/dev/sdb'/></source></pool>")

    def names(flags: int) -> list[str]:
        return sorted(p.name() for p in conn.listAllStoragePools(flags))

    assert names(0) == ["default-pool", "p2", "p6", "vg"]
    assert names(C.VIR_CONNECT_LIST_STORAGE_POOLS_INACTIVE) == ["p2"]
    assert names(C.VIR_CONNECT_LIST_STORAGE_POOLS_ACTIVE) == ["default-pool", "p6", "vg"]
    assert names(C.VIR_CONNECT_LIST_STORAGE_POOLS_PERSISTENT) == ["default-pool", "p2"]
    assert names(C.VIR_CONNECT_LIST_STORAGE_POOLS_TRANSIENT) == ["p6", "vg"]
    assert names(C.VIR_CONNECT_LIST_STORAGE_POOLS_AUTOSTART) == ["p2"]
    assert names(C.VIR_CONNECT_LIST_STORAGE_POOLS_NO_AUTOSTART) == ["default-pool", "p6", "vg"]
    assert names(C.VIR_CONNECT_LIST_STORAGE_POOLS_LOGICAL) == ["vg"]
    assert names(C.VIR_CONNECT_LIST_STORAGE_POOLS_DIR | C.VIR_CONNECT_LIST_STORAGE_POOLS_ACTIVE) \
        == ["default-pool", "p6"]
    assert names(C.VIR_CONNECT_LIST_STORAGE_POOLS_NETFS) == []


def test_pool_types_and_volume_formats(conn):
    vg = conn.storagePoolDefineXML("<pool type='logical'><name>vg</name><source><device "
                                   "path='/dev/sdb'/></source></pool>")
    assert "<path>/dev/vg</path>" in vg.XMLDesc()
    vg.create()
    lv = vg.createXML("<volume><name>lv1</name><capacity>1024</capacity></volume>")
    assert lv.info() == [C.VIR_STORAGE_VOL_BLOCK, 1024, 1024]
    assert "<format" not in lv.XMLDesc() and lv.key() == "/dev/vg/lv1"
    nfs = conn.storagePoolCreateXML("<pool type='netfs'><name>nfs</name><source><host "
                                    "name='h'/><dir path='/x'/></source><target><path>/mnt"
                                    "</path></target></pool>")
    vol = nfs.createXML("<volume><name>a</name><capacity>1024</capacity><target><format "
                        "type='qcow2'/></target></volume>")
    assert vol.info()[0] == C.VIR_STORAGE_VOL_FILE
    assert "<format type='qcow2'/>" in vol.XMLDesc()


def test_find_pool_sources(conn):
    logical = conn.findStoragePoolSources("logical", None, 0)
    assert logical.startswith("<sources>\n  <source>\n    <device path='/dev/sda20'/>\n")
    assert conn.findStoragePoolSources("netfs", "<source><host name='foo'/></source>", 0) == (
        "<sources>\n  <source>\n    <host name='foo'/>\n    <dir path='/testshare'/>\n"
        "    <format type='nfs'/>\n  </source>\n</sources>\n")
    expect_error(lambda: conn.findStoragePoolSources("netfs", None, 0), C.VIR_ERR_INVALID_ARG,
                 C.VIR_FROM_TEST, "invalid argument: hostname must be specified for netfs "
                 "sources")
    expect_error(lambda: conn.findStoragePoolSources("dir", None, 0), C.VIR_ERR_INTERNAL_ERROR,
                 C.VIR_FROM_TEST, "internal error: unknown storage pool type dir")
    expect_error(lambda: conn.findStoragePoolSources("bogus", None, 0),
                 C.VIR_ERR_INTERNAL_ERROR)
    expect_error(lambda: conn.findStoragePoolSources("iscsi", None, 0), C.VIR_ERR_NO_SUPPORT,
                 C.VIR_FROM_TEST, "this function is not supported by the connection driver: "
                 "pool type 'iscsi' does not support source discovery")


def test_fc_pool_makes_a_vhba(conn):
    pool = conn.storagePoolCreateXML(FC_POOL)
    dev = conn.nodeDeviceLookupByName("scsi_host12")
    assert "<wwnn>2000000012345678</wwnn>" in dev.XMLDesc()
    pool.destroy()
    expect_error(lambda: conn.nodeDeviceLookupByName("scsi_host12"), C.VIR_ERR_NO_NODE_DEVICE)


def test_events(conn):
    log = EventLog()
    ids = [conn.storagePoolEventRegisterAny(
        None, C.VIR_STORAGE_POOL_EVENT_ID_LIFECYCLE,
        lambda _c, pool, event, detail, _o: log.add(pool.name(), event, detail), None),
        conn.storagePoolEventRegisterAny(
        None, C.VIR_STORAGE_POOL_EVENT_ID_REFRESH,
        lambda _c, pool, _o: log.add(pool.name(), "refresh"), None)]
    pool = conn.storagePoolDefineXML(P2)
    for call in (pool.build, pool.create, pool.refresh, pool.destroy, pool.delete,
                 pool.undefine):
        call()
    conn.storagePoolCreateXML(FC_POOL).destroy()
    assert log.pump(9) == [("p2", C.VIR_STORAGE_POOL_EVENT_DEFINED, 0),
                           ("p2", C.VIR_STORAGE_POOL_EVENT_CREATED, 0),
                           ("p2", C.VIR_STORAGE_POOL_EVENT_STARTED, 0),
                           ("p2", "refresh"),
                           ("p2", C.VIR_STORAGE_POOL_EVENT_STOPPED, 0),
                           ("p2", C.VIR_STORAGE_POOL_EVENT_DELETED, 0),
                           ("p2", C.VIR_STORAGE_POOL_EVENT_UNDEFINED, 0),
                           ("fc", C.VIR_STORAGE_POOL_EVENT_STARTED, 0),
                           ("fc", C.VIR_STORAGE_POOL_EVENT_STOPPED, 0)]
    for cbid in ids:
        conn.storagePoolEventDeregisterAny(cbid)


def test_read_only_connection():
    ro = libvirt.openReadOnly("test:///default")
    try:
        pool = ro.storagePoolLookupByName("default-pool")
        assert pool.info() == [2, CAP, 0, CAP]
        for call in (pool.destroy, pool.refresh, lambda: pool.createXML(V1),
                     lambda: ro.storagePoolDefineXML(P2),
                     lambda: ro.findStoragePoolSources("logical", None, 0)):
            expect_error(call, C.VIR_ERR_OPERATION_DENIED)
    finally:
        ro.close()


@needs_libvirt
def test_same_as_libvirt():
    same_as_libvirt('''
        c.storagePoolEventRegisterAny(None, 0, lambda c_, p, e, d, o: ev(p.name(), e, d), None)
        c.storagePoolEventRegisterAny(None, 1, lambda c_, p, o: ev(p.name(), "refresh"), None)
        p = c.storagePoolLookupByName("default-pool")
        t("xml", p.XMLDesc)
        t("info", p.info)
        V = "<volume><name>v1</name><capacity unit='G'>10</capacity><allocation unit='G'>2</allocation></volume>"
        v = p.createXML(V)
        t("vol", lambda: (v.name(), v.key(), v.path(), v.info(), v.XMLDesc()))
        t("pool after", lambda: (p.info(), p.XMLDesc()))
        t("dup", lambda: p.createXML(V))
        t("big", lambda: p.createXML("<volume><name>b</name><capacity unit='T'>200</capacity></volume>"))
        t("clone", lambda: p.createXMLFrom("<volume><name>v2</name><capacity>5</capacity></volume>", v).XMLDesc())
        t("vols", p.listVolumes, sort=True)
        t("bykey", lambda: c.storageVolLookupByKey("/default-pool/v2").name())
        t("delete", v.delete)
        t("info", p.info)
        codes("wipe", v.wipe)
        codes("resize", lambda: v.resize(1))
        t("refresh", p.refresh)
        t("destroy", p.destroy)
        t("inactive vols", p.listVolumes)
        t("bykey inactive", lambda: c.storageVolLookupByKey("/default-pool/v2"))
        t("build", p.build)
        t("delete pool", p.delete)
        t("create", p.create)
        q = c.storagePoolDefineXML("<pool type='dir'><name>q</name><target><path>/q</path></target></pool>")
        t("q", lambda: (q.info(), q.isPersistent(), q.autostart()))
        t("conflict", lambda: c.storagePoolDefineXML("<pool type='dir'><name>r</name><target><path>/q</path></target></pool>"))
        t("undefine", q.undefine)
        t("logical", lambda: c.findStoragePoolSources("logical", None, 0))
        t("netfs", lambda: c.findStoragePoolSources("netfs", "<source><host name='h'/></source>", 0))
        t("dir", lambda: c.findStoragePoolSources("dir", None, 0))
        fc = c.storagePoolCreateXML("<pool type='scsi'><name>fc</name><source><adapter type='fc_host' parent='scsi_host1' wwnn='2000000012345678' wwpn='1000000012345678'/></source><target><path>/dev/disk/by-path</path></target></pool>")
        t("fc devices", lambda: c.listDevices(None, 0), sort=True)
        t("fc destroy", fc.destroy)
        t("fc devices after", lambda: c.listDevices(None, 0), sort=True)
    ''')
