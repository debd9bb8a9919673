"""The libvirt-captured shell expectations are still what Debian's virsh prints.

Every case whose expected file lives under ``tests/data/shell/<group>/`` is run
again with the real ``/usr/bin/virsh`` (libvirt 9.0) and compared, masked the
same way, with the committed file: a file that was edited or written from
pyvirt instead of captured from libvirt fails here.  Cases under
``tests/data/shell/pyvirt-only/`` must really be ones virsh cannot reproduce
(else they belong with the captured ones).  Skipped without virsh.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable

import pytest
from shellcase import (
    CAPTURED,
    CAPTURED_HEADER,
    DATA,
    PYVIRT,
    PYVIRT_ONLY,
    VIRSH,
    Result,
    case_path,
    clean_for,
    compare,
    mask_numbers,
    parse_case,
    run_virsh,
)

# group directory -> the test module holding its CASES (and NUMERIC, masked)
MODULES = {
    "devices": "test_devices", "domain": "test_domain", "events": "test_events",
    "host": "test_host", "iface": "test_iface", "monitor": "test_monitor",
    "network": "test_network", "parse": "test_parse", "secret": "test_secret",
    "nodedev": "test_shell_nodedev", "storage": "test_shell_storage",
    "snapshot": "test_snapshot", "volume": "test_volume",
}

Case = tuple[str, str, list[str], Callable[[str], str] | None]
# (group, name) -> $EDITOR of the cases a module keeps in EDITS (name: (editor, argv))
EDITORS: dict[tuple[str, str], str] = {}


def all_cases() -> list[Case]:
    """(group, name, argv, mask) of every shell case."""
    found: list[Case] = []
    for group, module_name in MODULES.items():
        module = importlib.import_module(module_name)
        found += [(group, name, argv, None) for name, argv in module.CASES.items()]
        found += [(group, name, argv, mask_numbers)
                  for name, argv in getattr(module, "NUMERIC", {}).items()]
        for name, (editor, argv) in getattr(module, "EDITS", {}).items():
            EDITORS[(group, name)] = editor
            found.append((group, name, argv, None))
    return found


CASES = all_cases()
needs_virsh = pytest.mark.skipif(not os.access(VIRSH, os.X_OK),
                                 reason="Debian's virsh (libvirt-clients) is not installed")


def _params(kind: str) -> list:
    own = [(g, n, a, m) for g, n, a, m in CASES if (PYVIRT_ONLY / g / f"{n}.txt").exists()]
    chosen = own if kind == PYVIRT else [c for c in CASES if c not in own]
    return [pytest.param(*case, id=f"{case[0]}/{case[1]}") for case in chosen]


@pytest.mark.libvirt_ref
@needs_virsh
@pytest.mark.parametrize("group,name,argv,mask", _params(CAPTURED))
def test_captured_file_is_virsh_output(group: str, name: str, argv: list[str],
                                       mask: Callable[[str], str] | None,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    if (group, name) in EDITORS:
        monkeypatch.delenv("VISUAL", raising=False)
        monkeypatch.setenv("EDITOR", EDITORS[(group, name)])
    kind, _header, expected = parse_case(case_path(group, name).read_text())
    assert kind == CAPTURED
    compare(run_virsh(argv), expected, argv, mask)


@pytest.mark.libvirt_ref
@needs_virsh
@pytest.mark.parametrize("group,name,argv,mask", _params(PYVIRT))
def test_pyvirt_only_file_differs_from_virsh(group: str, name: str, argv: list[str],
                                             mask: Callable[[str], str] | None) -> None:
    _kind, _header, ours = parse_case(case_path(group, name).read_text())
    theirs = run_virsh(argv)
    clean = clean_for(mask)
    assert (clean(theirs.out), clean(theirs.err), theirs.rc) != \
        (clean(ours.out), clean(ours.err), ours.rc), \
        "virsh now gives this output: move the file out of pyvirt-only and capture it"


def test_every_file_has_a_case_and_a_header() -> None:
    """No orphan expected file; each says where it comes from."""
    wanted = {(g, n) for g, n, _a, _m in CASES}
    seen = set()
    for path in sorted(DATA.rglob("*.txt")):
        rel = path.relative_to(DATA)
        if rel.parts[0] == "input":
            continue
        own = rel.parts[0] == "pyvirt-only"
        group, name = (rel.parts[1] if own else rel.parts[0]), path.stem
        assert (group, name) in wanted, f"{rel} belongs to no case"
        kind, header, _result = parse_case(path.read_text())
        if own:
            assert kind == PYVIRT and len(header) > 20, f"{rel}: say why pyvirt differs"
        else:
            assert (kind, header) == (CAPTURED, CAPTURED_HEADER), f"{rel}: bad header"
        assert (group, name) not in seen, f"{rel}: both captured and pyvirt-only"
        seen.add((group, name))
    assert seen == wanted, f"cases without a file: {sorted(wanted - seen)}"


def test_regenerate_refuses_to_write_captured_files(monkeypatch: pytest.MonkeyPatch) -> None:
    """PYVIRT_REGENERATE=1 (pyvirsh) may not overwrite what libvirt printed."""
    from shellcase import check

    group, name, argv, _mask = next(c for c in CASES if c[:2] == ("monitor", "dominfo"))
    before = case_path(group, name).read_text()
    monkeypatch.setenv("PYVIRT_REGENERATE", "1")
    with pytest.raises(AssertionError, match="refusing to write"):
        check(group, name, argv)
    assert case_path(group, name).read_text() == before


def test_result_round_trip() -> None:
    text = "@@@ pyvirt-only: why\n" + Result("a\n", "", 0).text()
    assert parse_case(text) == (PYVIRT, "why", Result("a\n", "", 0))
