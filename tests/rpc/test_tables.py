"""The procedure tables: complete, consistent, and equal to Wireshark's dissector."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from pyvirt.rpc import calls as K
from pyvirt.rpc import qemu_protocol as Q
from pyvirt.rpc import remote_protocol as R


def test_every_procedure_of_libvirt_9_0_is_declared_once():
    numbers = sorted(R.PROGRAM.procs)
    assert numbers == list(range(1, R.LAST_9_0 + 1))
    assert len({p.name for p in R.PROGRAM}) == len(numbers)
    R.PROGRAM.compile_all()
    Q.QEMU.compile_all()


def test_flags_are_known_letters():
    for proc in list(R.PROGRAM) + list(Q.QEMU):
        assert set(proc.flags) <= set("hwpsfei"), proc


def test_calls_map_to_driver_methods():
    unmapped = [c.proc.name for c in K.REMOTE_CALLS.values()
                if c.method is None and not c.proc.internal]
    # Only the migration protocol (driven by virDomainMigrate*) has no 1:1 driver method.
    assert all("MIGRATE" in name for name in unmapped), unmapped
    for call in K.REMOTE_CALLS.values():
        if call.method is None or call.proc.name in K._CUSTOM or call.proc.fds:
            continue
        visible = len(call.visible_args) + (call.stream_pos is not None) - call.drop_flags
        assert visible == len(call.params), (call.proc.name, call.params)


def test_events_have_message_procedures():
    for (proc, _layout, legacy) in K.DOMAIN_EVENTS.values():
        assert R.PROGRAM[proc].is_event
        if legacy:
            assert R.PROGRAM[legacy].is_event
    for proc in K.OTHER_EVENTS.values():
        assert R.PROGRAM[proc].is_event


_FT = {"i": "FT_INT32", "u": "FT_UINT32", "h": "FT_INT64", "uh": "FT_UINT64",
       "uc": "FT_UINT8", "us": "FT_UINT16", "c": "FT_INT8", "d": "FT_DOUBLE",
       "s": "FT_STRING", "s?": "FT_STRING"}


def _wireshark_fields() -> dict[str, list[tuple[str, str]]]:
    out = subprocess.run(["tshark", "-G", "fields"], check=False, capture_output=True, text=True,
                         timeout=120).stdout
    fields: dict[str, list[tuple[str, str]]] = {}
    for line in out.splitlines():
        parts = line.split("\t")
        if len(parts) < 4:
            continue
        m = re.match(r"libvirt\.((?:remote|qemu|lxc)_\w+)\.(\w+)$", parts[2])
        if m:
            fields.setdefault(m.group(1), []).append((m.group(2), parts[3]))
    return fields


@pytest.mark.skipif(not shutil.which("tshark"), reason="tshark (libvirt-wireshark) missing")
def test_structs_match_wiresharks_libvirt_dissector():
    fields = _wireshark_fields()
    if not any(k.startswith("remote_") for k in fields):
        pytest.skip("Wireshark's libvirt dissector (libvirt-wireshark) is not installed")
    checked = 0
    for prog, prefix in ((R.PROGRAM, "remote"), (Q.QEMU, "qemu"), (Q.LXC, "lxc")):
        for proc in prog:
            for kind, declared in (("args", proc.args_fields), ("ret", proc.ret_fields)):
                if proc.is_event and kind == "ret":
                    continue
                base = f"{prefix}_{proc.name.lower()}_{'msg' if proc.is_event else kind}"
                got = next((fields[n] for n in (base, base.replace("remote_connect_", "remote_"))
                            if n in fields), None)
                if not declared:
                    assert got is None, (proc.name, kind)
                    continue
                assert got is not None, (proc.name, kind)
                assert [f.name for f in declared] == [n for n, _ in got], (proc.name, kind)
                for f, (_n, ft) in zip(declared, got):
                    # Wireshark registers every field called 'type' as the header's.
                    if f.name != "type" and f.type in _FT:
                        assert _FT[f.type] == ft, (proc.name, kind, f.name)
                checked += 1
    assert checked > 600
