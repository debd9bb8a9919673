"""pyvirt's remote client against pyvirtd and against a real libvirtd."""

from __future__ import annotations

import time

import daemons
import pytest

import pyvirt
from pyvirt import constants as C

DOMAIN_XML = """<domain type='test'>
  <name>demo</name>
  <memory unit='KiB'>1048576</memory>
  <vcpu>1</vcpu>
  <os><type arch='i686'>hvm</type></os>
</domain>
"""


@pytest.fixture(params=["pyvirtd", "libvirtd", "pyvirtd-tcp", "libvirtd-tcp"])
def conn(request):
    name = request.param
    daemon = request.getfixturevalue(name.split("-")[0])
    c = pyvirt.open(daemon.uri("tcp" if name.endswith("tcp") else "unix"))
    yield c
    c.close()


def _snapshot(c) -> list:
    d = c.lookupByName("test")
    by_uuid = c.lookupByUUIDString(d.UUIDString())
    net = c.networkLookupByName("default")
    pool = c.storagePoolLookupByName("default-pool")
    return [
        c.getType(), c.getVersion(), c.getLibVersion(), c.getInfo(), c.getMaxVcpus(None),
        sorted(x.name() for x in c.listAllDomains()), c.listDomainsID(),
        c.listDefinedDomains(), c.numOfDomains(),
        d.ID(), d.UUIDString(), by_uuid.name(), c.lookupByID(1).name(),
        d.info()[:4], d.state(), d.maxMemory(), d.OSType(), d.isActive(), d.isPersistent(),
        d.autostart(), d.schedulerType(), d.securityLabel(), c.getSecurityModel(),
        d.vcpusFlags(0), d.maxVcpus(), d.hasManagedSaveImage(0),
        sorted(x.name() for x in c.listAllNetworks()), net.bridgeName(), net.isActive(),
        net.UUIDString() == c.networkLookupByUUIDString(net.UUIDString()).UUIDString(),
        sorted(x.name() for x in c.listAllStoragePools()), pool.info()[0], pool.isActive(),
        sorted(v.name() for v in pool.listAllVolumes()),
        c.getCellsFreeMemory(0, 2), c.getFreeMemory(),
    ]


def test_results_match_libvirtd(pyvirtd, libvirtd):
    ours = pyvirt.open(pyvirtd.uri())
    theirs = pyvirt.open(libvirtd.uri())
    try:
        assert _snapshot(ours) == _snapshot(theirs)
        assert ours.lookupByName("test").XMLDesc() == theirs.lookupByName("test").XMLDesc()
        assert ours.getCapabilities() == theirs.getCapabilities()
    finally:
        ours.close()
        theirs.close()


def test_lifecycle(conn):
    dom = conn.defineXML(DOMAIN_XML)
    assert dom.ID() == -1 and not dom.isActive()
    dom.create()
    assert dom.ID() > 0 and dom.state()[0] == C.VIR_DOMAIN_RUNNING
    dom.suspend()
    assert dom.state()[0] == C.VIR_DOMAIN_PAUSED
    dom.resume()
    dom.setMemory(524288)
    assert dom.info()[2] == 524288
    dom.destroy()
    assert dom.ID() == -1 and dom.state()[0] == C.VIR_DOMAIN_SHUTOFF
    dom.undefine()
    with pytest.raises(pyvirt.libvirtError) as exc:
        conn.lookupByName("demo")
    assert exc.value.get_error_code() == C.VIR_ERR_NO_DOMAIN


def test_errors_carry_libvirts_code_domain_and_message(conn):
    with pytest.raises(pyvirt.libvirtError) as exc:
        conn.lookupByName("nosuch")
    assert exc.value.get_error_code() == C.VIR_ERR_NO_DOMAIN
    assert exc.value.get_error_domain() == C.VIR_FROM_TEST
    assert str(exc.value) == "Domain not found"
    assert pyvirt.virGetLastErrorCode() == C.VIR_ERR_NO_DOMAIN


def test_an_argument_that_does_not_encode_is_refused_and_the_connection_goes_on(conn):
    """The client's direct encoding of a call's arguments reports a bad one as
    VIR_ERR_INVALID_ARG, sends nothing, and the next call works."""
    with pytest.raises(pyvirt.libvirtError) as exc:
        conn.lookupByName(123)
    assert exc.value.get_error_code() == C.VIR_ERR_INVALID_ARG
    assert "virDomainLookupByName" in str(exc.value)
    assert conn.lookupByName("test").info()[0] == C.VIR_DOMAIN_RUNNING


def test_screenshot_stream(conn):
    st = conn.newStream()
    mime = conn.lookupByName("test").screenshot(st, 0)
    assert mime == "image/png"
    chunks = []
    st.recvAll(lambda _s, data, acc: acc.append(data), chunks)
    st.finish()
    assert b"".join(chunks).startswith(b"\x89PNG")


def test_events_arrive(conn):
    got: list[tuple[str, int, int]] = []

    def on_lifecycle(_c, dom, event, detail, _opaque) -> None:
        got.append((dom.name(), event, detail))

    with daemons.event_loop_thread():
        cbid = conn.domainEventRegisterAny(None, C.VIR_DOMAIN_EVENT_ID_LIFECYCLE, on_lifecycle,
                                           None)
        try:
            dom = conn.defineXML(DOMAIN_XML)
            dom.create()
            dom.destroy()
            dom.undefine()
            deadline = time.monotonic() + 60          # generous: only a hang takes this long
            while len(got) < 4 and time.monotonic() < deadline:
                time.sleep(0.05)
        finally:
            conn.domainEventDeregisterAny(cbid)
    assert [e[:2] for e in got] == [("demo", C.VIR_DOMAIN_EVENT_DEFINED),
                                    ("demo", C.VIR_DOMAIN_EVENT_STARTED),
                                    ("demo", C.VIR_DOMAIN_EVENT_STOPPED),
                                    ("demo", C.VIR_DOMAIN_EVENT_UNDEFINED)]


def test_readonly_connection(pyvirtd):
    c = pyvirt.openReadOnly(pyvirtd.uri(readonly=True))
    try:
        assert c.lookupByName("test").isActive()
        with pytest.raises(pyvirt.libvirtError) as exc:
            c.lookupByName("test").destroy()
        assert exc.value.get_error_code() == C.VIR_ERR_OPERATION_DENIED
    finally:
        c.close()


def test_daemon_exit_fails_pending_and_later_calls(tmp_path):
    import daemons
    d = daemons.start_pyvirtd(tmp_path, tcp=False)
    c = pyvirt.open(d.uri())
    assert c.isAlive()
    d.stop()
    with pytest.raises(pyvirt.libvirtError):
        c.getVersion()
    assert not c.isAlive()
    c.close()


def test_ssh_transport_runs_netcat_on_the_host(pyvirtd, tmp_path):
    import shutil
    if not shutil.which("nc"):
        pytest.skip("nc is not installed")
    fake = tmp_path / "fake-ssh"
    # Stands in for ssh: runs the remote command (the last argument) locally.
    fake.write_text('#!/bin/sh\nfor last; do :; done\nexec sh -c "$last"\n')
    fake.chmod(0o755)
    c = pyvirt.open(f"test+ssh://someone@localhost/default?command={fake}"
                    f"&socket={pyvirtd.sock}")
    try:
        assert c.isEncrypted() == 1
        assert c.lookupByName("test").ID() == 1
    finally:
        c.close()
