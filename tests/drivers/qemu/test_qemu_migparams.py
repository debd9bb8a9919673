"""Migration tunables of the QEMU driver on a real TCG guest, against libvirt 9.0.

One guest is defined for the module; the calls run while it is shut off,
while it runs and after it stopped, in the order
tests/reference/capture_qemu_migparams.py made them on libvirt 9.0's
embedded QEMU driver with the same guest.  Each answer (value, or error
code, domain and message) must be libvirt's, from
tests/data/qemu_migparams/libvirt90.json, and what reached QEMU is read
back with ``query-migrate-parameters`` on the guest's monitor.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from qemutest_util import close_with_guests, guest_xml

import pyvirt
from pyvirt import constants as C
from pyvirt.errors import libvirtError

REF = json.loads((Path(__file__).resolve().parents[2] / "data" / "qemu_migparams"
                  / "libvirt90.json").read_text())
PC = C.VIR_DOMAIN_MIGRATE_MAX_SPEED_POSTCOPY
MIB = 1024 * 1024


def calls(d: Any) -> list[tuple[str, Callable[[], Any]]]:
    """The capture script's sequence of calls (names without the phase prefix)."""
    return [
        ("getspeed", lambda: d.migrateGetMaxSpeed(0)),
        ("getspeed_pc", lambda: d.migrateGetMaxSpeed(PC)),
        ("getspeed_badflag", lambda: d.migrateGetMaxSpeed(4)),
        ("setspeed_over", lambda: d.migrateSetMaxSpeed(8796093022208, 0)),
        ("setspeed_pc_over", lambda: d.migrateSetMaxSpeed(8796093022208, PC)),
        ("setspeed_max", lambda: d.migrateSetMaxSpeed(8796093022207, 0)),
        ("getspeed_after_max", lambda: d.migrateGetMaxSpeed(0)),
        ("setspeed", lambda: d.migrateSetMaxSpeed(100, 0)),
        ("getspeed_after", lambda: d.migrateGetMaxSpeed(0)),
        ("setspeed_pc", lambda: d.migrateSetMaxSpeed(50, PC)),
        ("getspeed_pc_after", lambda: d.migrateGetMaxSpeed(PC)),
        ("setspeed_pc_big", lambda: d.migrateSetMaxSpeed(17592186044415, PC)),
        ("getspeed_pc_big", lambda: d.migrateGetMaxSpeed(PC)),
        ("setspeed_pc_huge", lambda: d.migrateSetMaxSpeed(17592186044416, PC)),
        ("setspeed_pc_back", lambda: d.migrateSetMaxSpeed(50, PC)),
        ("getspeed_after_pc", lambda: d.migrateGetMaxSpeed(0)),
        ("setspeed_badflag", lambda: d.migrateSetMaxSpeed(1, 2)),
        ("getdowntime", lambda: d.migrateGetMaxDowntime(0)),
        ("getdowntime_badflag", lambda: d.migrateGetMaxDowntime(1)),
        ("setdowntime", lambda: d.migrateSetMaxDowntime(500, 0)),
        ("getdowntime_after", lambda: d.migrateGetMaxDowntime(0)),
        ("setdowntime_zero", lambda: d.migrateSetMaxDowntime(0, 0)),
        ("setdowntime_huge", lambda: d.migrateSetMaxDowntime(2000001, 0)),
        ("getdowntime_end", lambda: d.migrateGetMaxDowntime(0)),
        ("setdowntime_badflag", lambda: d.migrateSetMaxDowntime(1, 1)),
        ("getcache", lambda: d.migrateGetCompressionCache(0)),
        ("getcache_badflag", lambda: d.migrateGetCompressionCache(1)),
        ("setcache", lambda: d.migrateSetCompressionCache(1 << 25, 0)),
        ("getcache_after", lambda: d.migrateGetCompressionCache(0)),
        ("setcache_odd", lambda: d.migrateSetCompressionCache(12345, 0)),
        ("setcache_small", lambda: d.migrateSetCompressionCache(1024, 0)),
        ("setcache_zero", lambda: d.migrateSetCompressionCache(0, 0)),
        ("getcache_end", lambda: d.migrateGetCompressionCache(0)),
        ("setcache_badflag", lambda: d.migrateSetCompressionCache(1 << 25, 1)),
        ("postcopy", lambda: d.migrateStartPostCopy(0)),
        ("postcopy_badflag", lambda: d.migrateStartPostCopy(1)),
    ]


def answer(call: Callable[[], Any]) -> list:
    """["ok", value] or the libvirtError's [code, domain, message]."""
    try:
        return ["ok", call()]
    except libvirtError as exc:
        return [exc.get_error_code(), exc.get_error_domain(), str(exc)]


def qemu_params(dom: Any) -> dict:
    """QEMU's migration parameters, asked on the guest's own monitor."""
    return dict(dom._drv.vm_of(dom._o).mon.execute("query-migrate-parameters"))


class Phases:
    """Each phase's answers, pyvirt's and libvirt's, and QEMU's parameters on the way."""

    def __init__(self) -> None:
        self.ours: dict[str, list] = {}
        self.qemu: dict[str, dict] = {}


@pytest.fixture(scope="module")
def phases(guest: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Phases]:
    base = tmp_path_factory.mktemp("qemu-mig")
    img = base / "vda.qcow2"
    subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", str(img), "64M"], check=True)
    disks = (f"<disk type='file' device='disk'><driver name='qemu' type='qcow2'/>"
             f"<source file='{img}'/><target dev='vda' bus='virtio'/></disk>")
    conn = pyvirt.open(f"qemu:///embed?root={base / 'root'}")
    out = Phases()
    try:
        dom = conn.defineXML(guest_xml(guest, "mig", disks=disks))
        for name, call in calls(dom):
            out.ours["off_" + name] = answer(call)
        dom.create()
        out.qemu["start"] = qemu_params(dom)
        for name, call in calls(dom):
            out.ours["on_" + name] = answer(call)
            if name in ("setspeed", "setspeed_pc_back", "setdowntime", "setcache"):
                out.qemu[name] = qemu_params(dom)
        dom.destroy()
        for name, call in calls(dom):
            out.ours["after_" + name] = answer(call)
        dom.undefine()
        yield out
    finally:
        close_with_guests(conn)


@pytest.mark.parametrize("phase", ["off_", "on_", "after_"])
def test_answers_are_libvirts(phases: Phases, phase: str) -> None:
    """Every call's value or error is libvirt 9.0's, in every phase."""
    ours = {k: v for k, v in phases.ours.items() if k.startswith(phase)}
    theirs = {k: v for k, v in REF.items() if k.startswith(phase)}
    assert ours.keys() == theirs.keys()
    diff = {k: (ours[k], theirs[k]) for k in ours if ours[k] != theirs[k]}
    assert not diff


def test_values_reach_qemu(phases: Phases) -> None:
    """The setters change QEMU's own parameters, in QEMU's units (bytes, ms)."""
    q = phases.qemu
    # QEMU 7.2's defaults when the guest starts
    assert q["start"]["downtime-limit"] == 300
    assert q["start"]["xbzrle-cache-size"] == 64 * MIB
    assert q["setspeed"]["max-bandwidth"] == 100 * MIB
    assert q["setspeed_pc_back"]["max-postcopy-bandwidth"] == 50 * MIB
    assert q["setdowntime"]["downtime-limit"] == 500
    assert q["setcache"]["xbzrle-cache-size"] == 32 * MIB


def test_speed_outlives_the_guest(phases: Phases) -> None:
    """The pre-copy limit set while running is still the domain's after it stopped."""
    assert phases.ours["after_getspeed"] == ["ok", 100]
