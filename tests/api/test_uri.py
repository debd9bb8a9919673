"""Connection URIs are parsed as libvirt parses them."""

import pytest

import pyvirt
from pyvirt.driver import uri


@pytest.mark.parametrize("text, expect", [
    ("test:///default", ("test", None, None, None, None, "/default")),
    ("qemu:///system", ("qemu", None, None, None, None, "/system")),
    ("qemu+ssh://root@host.example:2222/system", ("qemu", "ssh", "root", "host.example", 2222,
                                                   "/system")),
    ("test+unix:///default?socket=/tmp/s", ("test", "unix", None, None, None, "/default")),
    ("qemu+tcp://10.0.0.1/session", ("qemu", "tcp", None, "10.0.0.1", None, "/session")),
])
def test_parse(text, expect):
    u = uri.parse(text)
    assert (u.driver, u.transport, u.user, u.host, u.port, u.path) == expect


def test_query_and_remote():
    u = uri.parse("qemu:///embed?root=/tmp/x%20y")
    assert u.query == {"root": "/tmp/x y"}
    assert not u.is_remote
    assert uri.parse("test+unix:///default").is_remote
    assert uri.parse("qemu://host/system").is_remote


@pytest.mark.parametrize("bad", ["nonsense", "test:/default", "qemu://host:notaport/system", ""])
def test_malformed_uri_is_no_connect(bad, monkeypatch):
    monkeypatch.setenv("LIBVIRT_DEFAULT_URI", "bogus-driver:///x")
    with pytest.raises(pyvirt.libvirtError) as exc:
        pyvirt.open(bad)
    assert exc.value.get_error_code() == pyvirt.VIR_ERR_NO_CONNECT


def test_unknown_driver_is_no_connect():
    with pytest.raises(pyvirt.libvirtError) as exc:
        pyvirt.open("bogus:///x")
    assert exc.value.get_error_code() == pyvirt.VIR_ERR_NO_CONNECT
    assert "bogus:///x" in str(exc.value)


def test_default_uri_from_environment(monkeypatch):
    monkeypatch.setenv("LIBVIRT_DEFAULT_URI", "bogus:///from-env")
    assert uri.default_uri() == "bogus:///from-env"
    with pytest.raises(pyvirt.libvirtError) as exc:
        pyvirt.open()
    assert "bogus:///from-env" in str(exc.value)
