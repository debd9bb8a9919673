"""The real virsh against pyvirtd, on the unix socket and on TCP."""

from __future__ import annotations

import re

import pytest
from waiting import LineWatcher

DOMAIN_XML = """<domain type='test'>
  <name>demo</name>
  <memory unit='KiB'>1048576</memory>
  <vcpu>1</vcpu>
  <os><type arch='i686'>hvm</type></os>
</domain>
"""


@pytest.fixture
def domxml(tmp_path):
    path = tmp_path / "demo.xml"
    path.write_text(DOMAIN_XML)
    return path


@pytest.mark.parametrize("transport", ["unix", "tcp"])
def test_list_dominfo_dumpxml(pyvirtd, virsh, transport):
    uri = pyvirtd.uri(transport)
    out = pyvirtd.virsh("list", "--all", uri=uri).stdout
    assert re.search(r"^\s*1\s+test\s+running", out, re.MULTILINE), out
    info = pyvirtd.virsh("dominfo", "test", uri=uri).stdout
    assert re.search(r"^Name:\s+test$", info, re.MULTILINE)
    assert re.search(r"^UUID:\s+6695eb01-f6a4-8304-79aa-97f2502e193f$", info, re.MULTILINE)
    assert re.search(r"^Max memory:\s+8388608 KiB$", info, re.MULTILINE)
    assert re.search(r"^Security model:\s+testSecurity$", info, re.MULTILINE)
    xml = pyvirtd.virsh("dumpxml", "test", uri=uri).stdout
    assert xml.startswith("<domain type='test' id='1'>")
    assert "<name>test</name>" in xml


def test_lifecycle_in_one_session(pyvirtd, virsh, domxml, tmp_path):
    save = tmp_path / "demo.save"
    script = (f"define {domxml}; start demo; suspend demo; domstate demo; resume demo; "
              f"domstate demo; save demo {save}; domstate demo; restore {save}; "
              f"domstate demo; destroy demo; domstate demo; undefine demo; list --all")
    out = pyvirtd.virsh(script).stdout
    states = re.findall(r"^(running|paused|shut off)$", out, re.MULTILINE)
    assert states == ["paused", "running", "shut off", "running", "shut off"], out
    assert "demo" not in out.splitlines()[-1]


def test_lifecycle_over_tcp(pyvirtd, virsh, domxml):
    out = pyvirtd.virsh(f"define {domxml}; start demo; dominfo demo; destroy demo; "
                        "undefine demo", uri=pyvirtd.uri("tcp")).stdout
    assert re.search(r"^State:\s+running$", out, re.MULTILINE)


def test_networks_pools_volumes(pyvirtd, virsh):
    nets = pyvirtd.virsh("net-list", "--all").stdout
    assert re.search(r"^\s*default\s+active\s+no\s+yes", nets, re.MULTILINE), nets
    pools = pyvirtd.virsh("pool-list", "--all").stdout
    assert re.search(r"^\s*default-pool\s+active", pools, re.MULTILINE), pools
    pyvirtd.virsh("vol-list", "default-pool")
    out = pyvirtd.virsh("net-dumpxml default; pool-info default-pool; nodeinfo; "
                        "capabilities; version; hostname").stdout
    assert "<network" in out and "Capacity:" in out and "CPU model:" in out
    assert "Running hypervisor: TEST" in out


def test_volume_create_and_delete(pyvirtd, virsh, tmp_path):
    vol = tmp_path / "vol.xml"
    vol.write_text("<volume><name>v1.img</name><capacity unit='KiB'>1024</capacity></volume>")
    out = pyvirtd.virsh(f"vol-create default-pool {vol}; vol-list default-pool; "
                        "vol-info v1.img --pool default-pool; "
                        "vol-delete v1.img --pool default-pool; vol-list default-pool").stdout
    assert "v1.img" in out and "Capacity:" in out
    assert "v1.img" not in out.split("Allocation:")[1]


def test_screenshot_streams_data(pyvirtd, virsh, tmp_path):
    png = tmp_path / "shot.png"
    pyvirtd.virsh("screenshot", "test", str(png))
    assert png.read_bytes().startswith(b"\x89PNG")


def test_event_loop(pyvirtd, virsh, domxml):
    poke_xml = domxml.with_name("poke.xml")
    poke_xml.write_text(domxml.read_text().replace("<name>demo</name>", "<name>poke</name>"))
    watcher = LineWatcher([virsh, "-c", pyvirtd.uri(), "event", "--loop", "--all"])
    try:
        # virsh prints nothing once it listens: a harmless domain defined and
        # undefined until its event shows says it does
        start = watcher.ready_after(
            lambda: pyvirtd.virsh(f"define {poke_xml}; undefine poke"),
            lambda line: line == "event 'lifecycle' for domain 'poke': Undefined Removed")
        pyvirtd.virsh(f"define {domxml}; start demo; suspend demo; resume demo; "
                      "destroy demo; undefine demo")
        watcher.wait_for_line(lambda line: line.endswith("'demo': Undefined Removed"),
                              what="demo's last event", start=start)
    finally:
        watcher.stop()
    out = "\n".join(watcher.lines())
    lines = [line for line in watcher.lines()[start:]
             if line.startswith("event 'lifecycle' for domain 'demo'")]
    assert lines == [
        "event 'lifecycle' for domain 'demo': Defined Added",
        "event 'lifecycle' for domain 'demo': Started Booted",
        "event 'lifecycle' for domain 'demo': Suspended Paused",
        "event 'lifecycle' for domain 'demo': Resumed Unpaused",
        "event 'lifecycle' for domain 'demo': Stopped Destroyed",
        "event 'lifecycle' for domain 'demo': Undefined Removed",
    ], out


def test_readonly_socket_refuses_changes(pyvirtd, virsh):
    uri = pyvirtd.uri(readonly=True)
    assert "test" in pyvirtd.virsh("list", uri=uri).stdout
    res = pyvirtd.virsh("destroy", "test", uri=uri, check=False)
    assert res.returncode != 0
    assert "read only access prevents virDomainDestroy" in res.stderr
    res = pyvirtd.virsh("dumpxml", "--security-info", "test", uri=uri, check=False)
    assert "read only access prevents virDomainGetXMLDesc" in res.stderr


def test_errors_keep_code_and_message(pyvirtd, virsh):
    res = pyvirtd.virsh("dominfo", "nosuchdomain", check=False)
    assert res.returncode != 0
    assert "failed to get domain 'nosuchdomain'" in res.stderr
