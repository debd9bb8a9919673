"""A read-only connection refuses every changing call and changes nothing."""

from __future__ import annotations

import pytest
from testdrv_util import domain_xml, expect_error

import pyvirt as libvirt
from pyvirt import constants as C

DENIED = C.VIR_ERR_OPERATION_DENIED


@pytest.fixture
def ro(conn):
    """A read-only connection to the same default node as ``conn``."""
    conn.defineXML(domain_xml())
    conn.lookupByName("test").snapshotCreateXML("<domainsnapshot><name>s</name>"
                                                "</domainsnapshot>", 0)
    c = libvirt.openReadOnly("test:///default")
    yield c
    c.close()


def _snapshot_of_state(conn):
    doms = sorted((d.name(), d.state(), d.XMLDesc(0), d.autostart())
                  for d in conn.listAllDomains(0))
    snaps = conn.lookupByName("test").snapshotListNames(0)
    return doms, snaps


def test_changing_calls_are_denied(conn, ro, tmp_path):
    before = _snapshot_of_state(conn)
    test = ro.lookupByName("test")
    foo = ro.lookupByName("foo")
    snap = test.snapshotLookupByName("s", 0)
    path = str(tmp_path / "img")
    calls = {
        "virDomainDefineXML": lambda: ro.defineXML(domain_xml("bar")),
        "virDomainDefineXMLFlags": lambda: ro.defineXMLFlags(domain_xml("bar"), 0),
        "virDomainCreateXML": lambda: ro.createXML(domain_xml("bar"), 0),
        "virDomainCreate": foo.create,
        "virDomainCreateWithFlags": lambda: foo.createWithFlags(0),
        "virDomainUndefine": foo.undefine,
        "virDomainUndefineFlags": lambda: foo.undefineFlags(0),
        "virDomainSuspend": test.suspend,
        "virDomainResume": test.resume,
        "virDomainShutdown": test.shutdown,
        "virDomainShutdownFlags": lambda: test.shutdownFlags(0),
        "virDomainReboot": lambda: test.reboot(0),
        "virDomainReset": lambda: test.reset(0),
        "virDomainDestroy": test.destroy,
        "virDomainDestroyFlags": lambda: test.destroyFlags(0),
        "virDomainSave": lambda: test.save(path),
        "virDomainRestore": lambda: ro.restore(path),
        "virDomainManagedSave": lambda: test.managedSave(0),
        "virDomainManagedSaveRemove": lambda: foo.managedSaveRemove(0),
        "virDomainSetAutostart": lambda: foo.setAutostart(1),
        "virDomainSetMemory": lambda: test.setMemory(1024),
        "virDomainSetMemoryFlags": lambda: test.setMemoryFlags(1024, 0),
        "virDomainSetMaxMemory": lambda: foo.setMaxMemory(1024),
        "virDomainSetVcpus": lambda: test.setVcpus(1),
        "virDomainSetVcpusFlags": lambda: test.setVcpusFlags(1, 0),
        "virDomainPinVcpu": lambda: test.pinVcpu(0, (True,)),
        "virDomainSetMetadata": lambda: test.setMetadata(0, "x", None, None, 0),
        "virDomainRename": lambda: foo.rename("bar", 0),
        "virDomainAttachDeviceFlags": lambda: test.attachDeviceFlags("<disk/>", 0),
        "virDomainDetachDeviceFlags": lambda: test.detachDeviceFlags("<disk/>", 0),
        "virDomainSetSchedulerParameters": lambda: test.setSchedulerParameters({"weight": 1}),
        "virDomainSetBlkioParameters": lambda: test.setBlkioParameters({"weight": 1}, 0),
        "virDomainSetMemoryParameters": lambda: test.setMemoryParameters({}, 0),
        "virDomainSnapshotCreateXML": lambda: test.snapshotCreateXML("<domainsnapshot/>", 0),
        "virDomainRevertToSnapshot": lambda: test.revertToSnapshot(snap, 0),
        "virDomainSnapshotDelete": lambda: snap.delete(0),
        "virDomainCheckpointCreateXML": lambda: test.checkpointCreateXML(
            "<domaincheckpoint/>", 0),
        "virDomainCoreDump": lambda: test.coreDump(path, 0),
        "virDomainSetTime": lambda: test.setTime({"seconds": 1}, 0),
        "virDomainFSFreeze": lambda: test.fsFreeze(None, 0),
        "virDomainInjectNMI": lambda: test.injectNMI(0),
    }
    for name, call in calls.items():
        err = expect_error(call, DENIED)
        assert str(err) == f"operation forbidden: read only access prevents {name}"
    assert _snapshot_of_state(conn) == before


def test_queries_are_allowed(ro):
    test = ro.lookupByName("test")
    assert test.state() == [C.VIR_DOMAIN_RUNNING, 0]
    assert test.info()[:4] == [1, 8388608, 2097152, 2]
    assert "<name>test</name>" in test.XMLDesc(0)
    assert sorted(d.name() for d in ro.listAllDomains(0)) == ["foo", "test"]
    assert test.snapshotListNames(0) == ["s"]
    assert ro.getCapabilities().startswith("<capabilities>")
