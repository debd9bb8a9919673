"""Host interfaces of the test driver, checked against libvirt 9.0's test driver."""

from __future__ import annotations

from test_networks import needs_libvirt, same_as_libvirt
from testdrv_util import expect_error

import pyvirt as libvirt
from pyvirt import constants as C

ETH2 = ("<interface type='ethernet' name='eth2'><start mode='none'/>"
        "<mac address='aa:bb:cc:dd:ee:ff'/></interface>")
ETH2_XML = """<interface type='ethernet' name='eth2'>
  <start mode='none'/>
  <mac address='aa:bb:cc:dd:ee:ff'/>
</interface>
"""


def test_default_interface(conn):
    eth1 = conn.interfaceLookupByName("eth1")
    assert (eth1.name(), eth1.MACString(), eth1.isActive()) == ("eth1", "aa:bb:cc:dd:ee:ff", 1)
    assert conn.listInterfaces() == ["eth1"] and conn.listDefinedInterfaces() == []
    assert (conn.numOfInterfaces(), conn.numOfDefinedInterfaces()) == (1, 0)
    assert conn.interfaceLookupByMACString("AA:BB:CC:DD:EE:FF").name() == "eth1"
    assert "<interface type='ethernet' name='eth1'>\n  <start mode='onboot'/>\n" \
        in eth1.XMLDesc()


def test_lookup_errors_and_flags(conn):
    expect_error(lambda: conn.interfaceLookupByName("eth9"), C.VIR_ERR_NO_INTERFACE,
                 C.VIR_FROM_TEST, "Interface not found: no interface with matching name 'eth9'")
    expect_error(lambda: conn.interfaceLookupByMACString("aa:bb:cc:dd:ee:00"),
                 C.VIR_ERR_NO_INTERFACE, C.VIR_FROM_TEST,
                 "Interface not found: no interface with matching mac 'aa:bb:cc:dd:ee:00'")
    expect_error(lambda: conn.listAllInterfaces(4), C.VIR_ERR_INVALID_ARG, C.VIR_FROM_TEST,
                 "unsupported flags (0x4) in function testConnectListAllInterfaces")
    eth1 = conn.interfaceLookupByName("eth1")
    expect_error(lambda: eth1.XMLDesc(1), C.VIR_ERR_INVALID_ARG)
    expect_error(lambda: eth1.create(1), C.VIR_ERR_INVALID_ARG, C.VIR_FROM_TEST,
                 "unsupported flags (0x1) in function testInterfaceCreate")
    expect_error(lambda: conn.interfaceDefineXML(ETH2, 2), C.VIR_ERR_INVALID_ARG)


def test_start_stop(conn):
    eth1 = conn.interfaceLookupByName("eth1")
    expect_error(eth1.create, C.VIR_ERR_OPERATION_INVALID, C.VIR_FROM_TEST,
                 "Requested operation is not valid")
    eth1.destroy()
    expect_error(eth1.destroy, C.VIR_ERR_OPERATION_INVALID)
    assert eth1.isActive() == 0
    assert conn.listInterfaces() == [] and conn.listDefinedInterfaces() == ["eth1"]

    def names(flags: int) -> list[str]:
        return [i.name() for i in conn.listAllInterfaces(flags)]

    assert names(C.VIR_CONNECT_LIST_INTERFACES_INACTIVE) == ["eth1"]
    assert names(C.VIR_CONNECT_LIST_INTERFACES_ACTIVE) == []
    eth1.create()
    assert names(C.VIR_CONNECT_LIST_INTERFACES_ACTIVE) == ["eth1"]


def test_define_undefine(conn):
    eth2 = conn.interfaceDefineXML(ETH2)
    assert (eth2.name(), eth2.MACString(), eth2.isActive()) == ("eth2", "aa:bb:cc:dd:ee:ff", 0)
    assert eth2.XMLDesc() == ETH2_XML
    expect_error(lambda: conn.interfaceLookupByMACString("aa:bb:cc:dd:ee:ff"),
                 C.VIR_ERR_MULTIPLE_INTERFACES, C.VIR_FROM_TEST,
                 "multiple matching interfaces found")
    # redefining keeps the interface's state
    eth1 = conn.interfaceDefineXML("<interface type='ethernet' name='eth1'><mac "
                                   "address='11:22:33:44:55:66'/></interface>")
    assert (eth1.MACString(), eth1.isActive()) == ("11:22:33:44:55:66", 1)
    eth2.undefine()
    expect_error(eth2.isActive, C.VIR_ERR_NO_INTERFACE)
    eth1.undefine()       # a running interface can go too
    assert conn.listAllInterfaces() == []
    expect_error(lambda: conn.interfaceDefineXML("<interface type='ethernet'/>"),
                 C.VIR_ERR_XML_ERROR)


def test_transactions(conn):
    expect_error(conn.changeCommit, C.VIR_ERR_OPERATION_INVALID, C.VIR_FROM_TEST,
                 "Requested operation is not valid: no transaction running, nothing to be "
                 "committed.")
    expect_error(conn.changeRollback, C.VIR_ERR_OPERATION_INVALID, C.VIR_FROM_TEST,
                 "Requested operation is not valid: no transaction running, nothing to "
                 "rollback.")
    eth1 = conn.interfaceLookupByName("eth1")
    conn.changeBegin()
    expect_error(conn.changeBegin, C.VIR_ERR_OPERATION_INVALID, C.VIR_FROM_TEST,
                 "Requested operation is not valid: there is another transaction running.")
    eth2 = conn.interfaceDefineXML(ETH2)
    eth1.destroy()
    conn.changeRollback()
    expect_error(eth2.isActive, C.VIR_ERR_NO_INTERFACE)
    assert eth1.isActive() == 1
    conn.changeBegin()
    eth2 = conn.interfaceDefineXML(ETH2)
    conn.changeCommit()
    assert eth2.isActive() == 0
    expect_error(lambda: conn.changeBegin(1), C.VIR_ERR_INVALID_ARG)


def test_read_only_connection():
    ro = libvirt.openReadOnly("test:///default")
    try:
        eth1 = ro.interfaceLookupByName("eth1")
        assert eth1.isActive() == 1
        for call in (eth1.destroy, eth1.create, eth1.undefine, ro.changeBegin,
                     lambda: ro.interfaceDefineXML(ETH2)):
            expect_error(call, C.VIR_ERR_OPERATION_DENIED)
    finally:
        ro.close()


@needs_libvirt
def test_same_as_libvirt():
    same_as_libvirt('''
        i = c.interfaceLookupByName("eth1")
        t("xml", i.XMLDesc)
        t("state", lambda: (i.name(), i.MACString(), i.isActive()))
        t("lists", lambda: (c.listInterfaces(), c.listDefinedInterfaces()))
        for f in (0, 1, 2, 3):
            t("listall %d" % f, lambda: [x.name() for x in c.listAllInterfaces(f)])
        t("bymac", lambda: c.interfaceLookupByMACString("AA:BB:CC:DD:EE:FF").name())
        t("create running", i.create)
        t("destroy", i.destroy)
        t("destroy again", i.destroy)
        t("begin", c.changeBegin)
        X = "<interface type='bridge' name='br0'><start mode='onboot'/><mtu size='1500'/><bridge stp='off' delay='0.01'><interface type='ethernet' name='eth0'><mac address='ab:bb:cc:dd:ee:ff'/></interface></bridge></interface>"
        b = c.interfaceDefineXML(X)
        t("bridge xml", b.XMLDesc)
        t("rollback", c.changeRollback)
        t("bridge gone", b.isActive)
        t("eth1 back", i.isActive)
        t("commit none", c.changeCommit)
        t("define noname", lambda: c.interfaceDefineXML("<interface type='ethernet'/>"))
        t("undefine", i.undefine)
        t("empty", lambda: c.listAllInterfaces())
    ''')
