"""Secrets of test:///, which follow libvirt's secret driver.

libvirt 9.0's own test driver has no secret driver (every call raises
VIR_ERR_NO_SUPPORT); pyvirt's keeps secrets in memory with the semantics of
libvirt's secret driver, and :func:`test_same_as_libvirt` compares it with
that driver run embedded (``secret:///embed``).
"""

from __future__ import annotations

from test_networks import EventLog, needs_libvirt, same_as_libvirt
from testdrv_util import expect_error

import pyvirt as libvirt
from pyvirt import constants as C

UUID = "67c54bb7-cfb6-4de0-bed5-76c39e266526"
VOL = (f"<secret ephemeral='no' private='no'><uuid>{UUID}</uuid>"
       "<usage type='volume'><volume>/a/b</volume></usage></secret>")
VOL_XML = f"""<secret ephemeral='no' private='no'>
  <uuid>{UUID}</uuid>
  <usage type='volume'>
    <volume>/a/b</volume>
  </usage>
</secret>
"""


def test_define_and_look_up(conn):
    assert conn.listAllSecrets() == [] and conn.numOfSecrets() == 0
    sec = conn.secretDefineXML(VOL)
    assert sec.XMLDesc() == VOL_XML
    assert (sec.UUIDString(), sec.usageType(), sec.usageID()) == \
        (UUID, C.VIR_SECRET_USAGE_TYPE_VOLUME, "/a/b")
    assert conn.listSecrets() == [UUID] and conn.numOfSecrets() == 1
    assert conn.secretLookupByUUIDString(UUID).usageID() == "/a/b"
    assert conn.secretLookupByUUID(sec.UUID()).UUIDString() == UUID
    assert conn.secretLookupByUsage(C.VIR_SECRET_USAGE_TYPE_VOLUME, "/a/b").UUIDString() == UUID
    expect_error(lambda: conn.secretLookupByUsage(C.VIR_SECRET_USAGE_TYPE_CEPH, "/a/b"),
                 C.VIR_ERR_NO_SECRET, C.VIR_FROM_SECRET,
                 "Secret not found: no secret with matching usage '/a/b'")
    expect_error(lambda: conn.secretLookupByUUIDString(UUID[:-1] + "7"), C.VIR_ERR_NO_SECRET,
                 C.VIR_FROM_SECRET, "Secret not found: no secret with matching uuid "
                 "'67c54bb7-cfb6-4de0-bed5-76c39e266527'")
    plain = conn.secretDefineXML("<secret/>")
    assert (plain.usageType(), plain.usageID()) == (C.VIR_SECRET_USAGE_TYPE_NONE, None)


def test_usage_is_unique(conn):
    conn.secretDefineXML(VOL)
    expect_error(lambda: conn.secretDefineXML(
        "<secret><usage type='volume'><volume>/a/b</volume></usage></secret>"),
        C.VIR_ERR_INTERNAL_ERROR, C.VIR_FROM_SECRET,
        f"internal error: a secret with UUID {UUID} already defined for use with /a/b")
    expect_error(lambda: conn.secretDefineXML(VOL.replace("/a/b", "/c")),
                 C.VIR_ERR_INTERNAL_ERROR, C.VIR_FROM_SECRET,
                 f"internal error: a secret with UUID {UUID} is already defined for use "
                 "with /a/b")
    # the same usage under another type is another usage
    conn.secretDefineXML("<secret><usage type='ceph'><name>/a/b</name></usage></secret>")
    # redefinition with the same usage replaces the definition
    conn.secretDefineXML(VOL.replace("<uuid>", "<description>d</description><uuid>"))
    assert "<description>d</description>" in conn.secretLookupByUUIDString(UUID).XMLDesc()


def test_values(conn):
    sec = conn.secretDefineXML(VOL)
    expect_error(sec.value, C.VIR_ERR_NO_SECRET, C.VIR_FROM_SECRET,
                 f"Secret not found: secret '{UUID}' does not have a value")
    sec.setValue(b"abc")
    assert sec.value() == b"abc"
    expect_error(lambda: sec.value(1), C.VIR_ERR_INVALID_ARG, C.VIR_FROM_SECRET,
                 "unsupported flags (0x1) in function secretGetValue")


def test_private_secrets(conn):
    sec = conn.secretDefineXML(VOL.replace("private='no'", "private='yes'"))
    sec.setValue(b"hidden")
    expect_error(sec.value, C.VIR_ERR_INVALID_SECRET, C.VIR_FROM_SECRET,
                 "Invalid secret: secret is private")
    from pyvirt.drivers.test.secret import secret_value
    assert secret_value(conn._sec.state, UUID) == b"hidden"  # drivers may read it
    expect_error(lambda: conn.secretDefineXML(VOL), C.VIR_ERR_INTERNAL_ERROR,
                 C.VIR_FROM_SECRET,
                 "internal error: cannot change private flag on existing secret")


def test_undefine(conn):
    sec = conn.secretDefineXML(VOL)
    sec.setValue(b"x")
    sec.undefine()
    expect_error(sec.value, C.VIR_ERR_NO_SECRET)
    expect_error(sec.undefine, C.VIR_ERR_NO_SECRET)
    assert conn.listSecrets() == []
    conn.secretDefineXML("<secret><usage type='volume'><volume>/a/b</volume></usage></secret>")


def test_list_all_filters(conn):
    conn.secretDefineXML("<secret ephemeral='yes' private='no'/>")
    conn.secretDefineXML("<secret ephemeral='no' private='yes'/>")

    def count(flags: int) -> int:
        return len(conn.listAllSecrets(flags))

    assert count(0) == 2
    assert count(C.VIR_CONNECT_LIST_SECRETS_EPHEMERAL) == 1
    assert count(C.VIR_CONNECT_LIST_SECRETS_NO_EPHEMERAL) == 1
    assert count(C.VIR_CONNECT_LIST_SECRETS_PRIVATE) == 1
    assert count(C.VIR_CONNECT_LIST_SECRETS_EPHEMERAL | C.VIR_CONNECT_LIST_SECRETS_PRIVATE) == 0
    expect_error(lambda: conn.listAllSecrets(16), C.VIR_ERR_INVALID_ARG, C.VIR_FROM_SECRET,
                 "unsupported flags (0x10) in function secretConnectListAllSecrets")


def test_events(conn):
    log = EventLog()
    ids = [conn.secretEventRegisterAny(
        None, C.VIR_SECRET_EVENT_ID_LIFECYCLE,
        lambda _c, sec, event, detail, _o: log.add(sec.UUIDString(), event, detail), None),
        conn.secretEventRegisterAny(
        None, C.VIR_SECRET_EVENT_ID_VALUE_CHANGED,
        lambda _c, sec, _o: log.add(sec.UUIDString(), "value"), None)]
    sec = conn.secretDefineXML(VOL)
    sec.setValue(b"v")
    sec.undefine()
    assert log.pump(3) == [(UUID, C.VIR_SECRET_EVENT_DEFINED, 0), (UUID, "value"),
                           (UUID, C.VIR_SECRET_EVENT_UNDEFINED, 0)]
    for cbid in ids:
        conn.secretEventDeregisterAny(cbid)


def test_read_only_connection(conn):
    conn.secretDefineXML(VOL)
    ro = libvirt.openReadOnly("test:///default")
    try:
        sec = ro.secretLookupByUUIDString(UUID)
        assert sec.usageID() == "/a/b"
        for call in (sec.undefine, lambda: sec.setValue(b"x"),
                     lambda: ro.secretDefineXML("<secret/>")):
            expect_error(call, C.VIR_ERR_OPERATION_DENIED)
    finally:
        ro.close()


@needs_libvirt
def test_same_as_libvirt():
    same_as_libvirt('''
        import tempfile
        if sys.argv[1] == "libvirt":   # libvirt's test driver has no secrets
            c = lib.open("secret:///embed?root=" + tempfile.mkdtemp())
        c.secretEventRegisterAny(None, 0, lambda c_, s, e, d, o: ev(s.UUIDString(), e, d), None)
        c.secretEventRegisterAny(None, 1, lambda c_, s, o: ev(s.UUIDString(), "value"), None)
        U = "67c54bb7-cfb6-4de0-bed5-76c39e266526"
        X = "<secret ephemeral='no' private='no'><uuid>%s</uuid><usage type='volume'><volume>/a/b</volume></usage></secret>" % U
        s = c.secretDefineXML(X)
        t("xml", s.XMLDesc)
        t("usage", lambda: (s.usageType(), s.usageID()))
        t("lists", lambda: (c.listSecrets(), c.numOfSecrets()))
        t("dup usage", lambda: c.secretDefineXML("<secret><usage type='volume'><volume>/a/b</volume></usage></secret>"))
        t("change usage", lambda: c.secretDefineXML(X.replace("/a/b", "/c")))
        t("no value", s.value)
        t("set", lambda: s.setValue(b"abc"))
        t("value", s.value)
        t("by usage", lambda: c.secretLookupByUsage(1, "/a/b").UUIDString())
        t("by usage missing", lambda: c.secretLookupByUsage(2, "/a/b"))
        t("by uuid missing", lambda: c.secretLookupByUUIDString(U[:-1] + "7"))
        t("private", lambda: c.secretDefineXML(X.replace("private='no'", "private='yes'")).UUIDString())
        t("unprivate", lambda: c.secretDefineXML(X))
        t("bad flags", lambda: c.listAllSecrets(16))
        # (libvirt 9.0's embedded secret driver crashes in virSecretUndefine)
    ''')
