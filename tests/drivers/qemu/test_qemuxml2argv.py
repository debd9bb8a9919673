"""qemuxml2argv: domain XML -> QEMU command line, against expected files.

Each ``tests/data/qemuxml2argv/NAME.xml`` is turned into a command line the
way a start would (implicit devices, addresses, aliases) with fixed
capabilities and runtime values, serialised by ``Command.to_text`` and
compared with ``NAME.args``.  ``PYVIRT_REGENERATE=1`` rewrites the files.
No QEMU is run.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from pyvirt import constants as C
from pyvirt.conf.domain import DomainDef
from pyvirt.drivers.qemu import address, command, domain
from pyvirt.drivers.qemu.capabilities import Machine, QemuCaps
from pyvirt.errors import libvirtError

DATA = Path(__file__).resolve().parents[2] / "data" / "qemuxml2argv"
REGENERATE = os.environ.get("PYVIRT_REGENERATE") == "1"

CAPS = QemuCaps(
    binary="/usr/bin/qemu-system-x86_64", arch="x86_64", version=7002022,
    machines=[Machine("pc-i440fx-7.2", "pc", True, 255), Machine("pc-i440fx-7.1", None, False, 255),
              Machine("pc-q35-7.2", "q35", False, 288)],
    accels=["kvm", "tcg"], devices=["virtio-blk-pci", "ide-hd", "scsi-hd", "VGA"],
    kvm_present=True)


def to_argv(xml: str) -> str:
    """The command line text for ``xml`` with fixed runtime values."""
    def_ = DomainDef.parse(xml)
    domain.prepare_live(def_, CAPS, check_accel=False)
    ctx = command.BuildContext(caps=CAPS, monitor_fd=3,
                               domain_dir=f"/var/lib/pyvirt/qemu/domain--1-{def_.name}")
    for i, net in enumerate(address.devices(def_, "interface")):
        if net.type.value in ("ethernet", "bridge", "network"):
            ctx.tap_fds[net.alias] = 100 + i
    if def_.os.loader and def_.os.loader_type != "rom":
        ctx.nvram = def_.os.nvram
    return command.build(def_, ctx).to_text()


CASES = sorted(p.stem for p in DATA.glob("*.xml"))


@pytest.mark.parametrize("name", CASES)
def test_xml2argv(name: str) -> None:
    actual = to_argv((DATA / f"{name}.xml").read_text())
    expected = DATA / f"{name}.args"
    if REGENERATE:
        expected.write_text(actual)
    assert expected.exists(), f"missing {expected}: run with PYVIRT_REGENERATE=1"
    assert actual == expected.read_text()


def test_argv_is_a_list_of_strings() -> None:
    def_ = DomainDef.parse((DATA / "chardevs.xml").read_text())
    domain.prepare_live(def_, CAPS, check_accel=False)
    cmd = command.build(def_, command.BuildContext(caps=CAPS, monitor_fd=7, domain_dir="/x"))
    argv = cmd.argv()
    assert argv[0] == CAPS.binary and all(isinstance(a, str) for a in argv)
    assert cmd.pass_fds == [7]
    # a comma in a path is doubled in QEMU's key=value syntax, never in JSON
    assert "file,id=charserial1,path=/var/log/guest,,serial.log,append=on" in argv


def test_escape() -> None:
    assert command.escape("a,b,,c") == "a,,b,,,,c"
    assert command.opts("socket", ("path", "/x,y"), ("server", True), ("wait", False),
                        ("skip", None)) == "socket,path=/x,,y,server=on,wait=off"


def test_unknown_machine() -> None:
    def_ = DomainDef.parse((DATA / "minimal.xml").read_text().replace("machine='pc'",
                                                                     "machine='pc-foo-1.0'"))
    with pytest.raises(libvirtError) as err:
        domain.prepare_live(def_, CAPS)
    assert err.value.get_error_code() == C.VIR_ERR_CONFIG_UNSUPPORTED
    assert "does not support machine type 'pc-foo-1.0'" in str(err.value)


def test_refused_lifecycle() -> None:
    xml = (DATA / "minimal.xml").read_text().replace(
        "</features>", "</features><on_poweroff>restart</on_poweroff>"
        "<on_reboot>destroy</on_reboot>")
    def_ = DomainDef.parse(xml)
    with pytest.raises(libvirtError) as err:
        domain.prepare_live(def_, CAPS, check_accel=False)
    assert err.value.get_error_code() == C.VIR_ERR_CONFIG_UNSUPPORTED


def test_pci_addresses_written_back() -> None:
    def_ = DomainDef.parse((DATA / "disks.xml").read_text())
    domain.prepare_live(def_, CAPS, check_accel=False)
    xml = def_.format(id=1)
    assert "<alias name='virtio-disk0'/>" in xml
    assert "<alias name='ide0-1-0'/>" in xml and "<alias name='sata0-0-0'/>" in xml
    slots = [d.address.slot for d in def_.devices.disks if d.bus == "virtio"]
    assert len(set(slots)) == len(slots) and 0 not in slots and 1 not in slots
