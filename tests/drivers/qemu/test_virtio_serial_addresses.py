"""virtio-serial addresses of virtio channels, assigned at define as libvirt does.

Each case is defined on pyvirt's qemu:///embed and its XML's virtio-serial
lines (controllers, channel targets, addresses) compared with what
libvirt 9.0's embedded QEMU driver wrote for the same XML
(tests/data/qemu_virtio_serial/libvirt90.json, captured from Debian's
python3-libvirt).  The ports reach QEMU's command line.  A running guest's
channel ports, hotplug included, are checked in
tests/daemon/test_qemu_monitor_command.py.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import pyvirt

DATA = Path(__file__).resolve().parents[2] / "data" / "qemu_virtio_serial" / "libvirt90.json"


def _chan(name: str, addr: str = "") -> str:
    return f"<channel type='unix'><target type='virtio' name='{name}'/>{addr}</channel>"


def _addr(port: int | None = None, ctrl: int | None = None) -> str:
    ctrl_attr = f" controller='{ctrl}'" if ctrl is not None else ""
    port_attr = f" port='{port}'" if port is not None else ""
    return f"<address type='virtio-serial'{ctrl_attr} bus='0'{port_attr}/>"


CASES = {
    "one": _chan("org.qemu.guest_agent.0"),
    "three_given": _chan("a.0") + _chan("b.0", _addr(1)) + _chan("c.0"),
    "console": "<console type='pty'><target type='virtio'/></console>" + _chan("a.0"),
    "dup": _chan("a.0", _addr(2)) + _chan("b.0", _addr(2)),
    "ctrl1": _chan("a.0", _addr(None, 1)) + _chan("b.0"),
    "ctrl_given": ("<controller type='virtio-serial' index='0' ports='2'/>" + _chan("a.0")
                   + _chan("b.0") + _chan("c.0")),
}


def _xml(name: str, devices: str) -> str:
    return f"""<domain type='qemu'><name>vs-{name}</name><memory unit='MiB'>96</memory>
<vcpu>1</vcpu><os><type arch='x86_64' machine='pc'>hvm</type><kernel>/vmlinuz</kernel></os>
<devices>{devices}</devices></domain>"""


def _lines(xml: str) -> list[str]:
    """The lines libvirt's capture kept: virtio-serial ones and channel targets."""
    return [ln.strip() for ln in xml.splitlines()
            if "virtio-serial" in ln or "<target type='virtio'" in ln]


@pytest.fixture(scope="module")
def conn(tmp_path_factory: pytest.TempPathFactory) -> pyvirt.virConnect:
    root = tmp_path_factory.mktemp("virtio-serial")
    c = pyvirt.open(f"qemu:///embed?root={root}")
    yield c
    c.close()


@pytest.mark.parametrize("case", sorted(CASES))
def test_define_as_libvirt(conn: pyvirt.virConnect, case: str) -> None:
    """The same addresses (or the same error) as libvirt 9.0 for each case."""
    expected = json.loads(DATA.read_text())["cases"][case]
    try:
        dom = conn.defineXML(_xml(case, CASES[case]))
    except pyvirt.libvirtError as exc:
        got = [exc.get_error_code(), exc.get_error_domain(), exc.get_error_message()]
        assert got == expected
        assert case not in [d.name() for d in conn.listAllDomains()]
        return
    try:
        assert _lines(dom.XMLDesc(0)) == expected
    finally:
        dom.undefine()


def test_ports_on_command_line(conn: pyvirt.virConnect) -> None:
    """QEMU's virtserialport devices get the controller and port of the XML, the
    controller its number of ports (as libvirt 9.0's domxml-to-native)."""
    xml = _xml("argv", CASES["ctrl_given"])
    argv = conn.domainXMLToNative("qemu-argv", xml, 0)
    ports = [(part.split('"bus":"')[1].split('"')[0], part.split('"nr":')[1].split(",")[0])
             for part in argv.split() if "virtserialport" in part]
    assert ports == [("virtio-serial0.0", "1"), ("virtio-serial1.0", "1"),
                     ("virtio-serial1.0", "2")]
    # libvirt's controller options for the same XML
    assert '{"driver":"virtio-serial-pci","id":"virtio-serial0","max_ports":2,' in argv
