"""Public objects behave like libvirt-python's plain Python objects."""

import subprocess
import sys

import pytest

import pyvirt


@pytest.fixture
def conn():
    c = pyvirt.open("test:///default")
    yield c
    c.close()


def test_connection_methods_can_be_replaced(conn):
    calls = []
    original = conn.createXML

    def wrapper(xml, flags=0):
        calls.append(flags)
        return original(xml, flags)

    conn.createXML = wrapper
    xml = conn.lookupByName("test").XMLDesc().replace(">test<", ">copy<")
    xml = "\n".join(line for line in xml.splitlines() if "<uuid>" not in line)
    dom = conn.createXML(xml, 0)
    assert calls == [0]
    assert dom.name() == "copy"


def test_every_public_class_accepts_new_attributes(conn):
    dom = conn.lookupByName("test")
    pool = conn.storagePoolLookupByName("default-pool")
    objects = [conn, dom, conn.networkLookupByName("default"), pool,
               pool.storageVolLookupByName(pool.listVolumes()[0]) if pool.listVolumes() else None,
               conn.interfaceLookupByName("eth1"),
               conn.nodeDeviceLookupByName("computer"), conn.newStream()]
    for obj in filter(None, objects):
        obj.tool_data = {"seen": True}
        assert obj.tool_data == {"seen": True}, type(obj).__name__
        obj.name = lambda: "wrapped"   # shadowing a method, as wrappers do
        assert obj.name() == "wrapped"


def test_installed_as_libvirt_classes_name_libvirt():
    code = ("import pyvirt; pyvirt.install_as_libvirt(); import libvirt\n"
            "c = libvirt.open('test:///default'); d = c.lookupByName('test')\n"
            "print(repr(type(d)), repr(d).split(' object')[0], libvirt.libvirtError)\n"
            "try:\n    d.no_such_method\n"
            "except AttributeError as e:\n    print(e)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.splitlines()
    assert out[0] == ("<class 'libvirt.virDomain'> <libvirt.virDomain "
                      "<class 'libvirt.libvirtError'>")
    assert out[1] == "'virDomain' object has no attribute 'no_such_method'"


def test_argument_errors_name_the_public_class(conn):
    dom = conn.lookupByName("test")
    net = conn.networkLookupByName("default")
    cases = [(lambda: dom.info(1), "virDomain.info() takes 1 positional argument"),
             (lambda: dom.name(1), "virDomain.name() takes 1 positional argument"),
             (lambda: net.name(1), "virNetwork.name() takes 1 positional argument"),
             (lambda: conn.lookupByName(), "virConnect.lookupByName() missing 1 required")]
    for call, message in cases:
        with pytest.raises(TypeError) as exc:
            call()
        assert str(exc.value).startswith(message)
    # The renamed copies still behave as the originals.
    assert dom.name() == "test" and net.name() == "default"


# libvirt 9.0's test driver, through Debian's python3-libvirt (libvirt_qemu and
# libvirt_lxc on the "test" domain): every call is refused with code 3
# (VIR_ERR_NO_SUPPORT), domain 0, and this message naming the C function.
_NOT_SUPPORTED = "this function is not supported by the connection driver: "


@pytest.mark.parametrize("name", ["virDomainQemuMonitorCommand", "virDomainQemuAgentCommand",
                                  "virDomainLxcOpenNamespace"])
def test_qemu_and_lxc_calls_on_another_driver_are_not_supported(conn, name):
    from pyvirt import libvirt_lxc, libvirt_qemu
    dom = conn.lookupByName("test")
    call = {"virDomainQemuMonitorCommand":
            lambda: libvirt_qemu.qemuMonitorCommand(dom, '{"execute":"query-status"}', 0),
            "virDomainQemuAgentCommand": lambda: libvirt_qemu.qemuAgentCommand(dom, "{}", -1, 0),
            "virDomainLxcOpenNamespace": lambda: libvirt_lxc.lxcOpenNamespace(dom, 0)}[name]
    with pytest.raises(pyvirt.libvirtError) as exc:
        call()
    assert (exc.value.get_error_code(), exc.value.get_error_domain(), str(exc.value)) == \
        (3, 0, _NOT_SUPPORTED + name)
