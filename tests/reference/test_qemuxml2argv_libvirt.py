"""pyvirt's QEMU command lines against libvirt 9.0's for the same domain XML.

``test_differences_are_explained`` needs no libvirt: it compares the committed
pyvirt command lines (``tests/data/qemuxml2argv/NAME.args``, kept equal to
pyvirt's output by ``test_qemuxml2argv.py``) with the committed libvirt ones
(``tests/data/qemuxml2argv/libvirt/NAME.args``) and requires every difference
to be one listed, with its reason, in ``argv_differences.py`` (and in
``tests/data/qemuxml2argv/libvirt/DIFFERENCES.md``).

``test_libvirt_files_are_libvirts_output`` asks Debian's libvirt again
(``capture_argv.py`` under ``/usr/bin/python3``, ``qemu:///embed`` with the
host's QEMU) and requires the committed libvirt files to be exactly its answer.
With QEMU run as root (see capture_argv.py) libvirt probes QEMU once.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections import Counter
from pathlib import Path

import pytest
from argv_differences import ORDER_DIFFERS, RULES, common_in_order, explain, normalise
from argvtext import CAPTURE_HEADER, one_per_line
from refutil import REAL_PYTHON, has_libvirt_python, real_env

HERE = Path(__file__).resolve().parent
DATA = HERE.parent / "data" / "qemuxml2argv"
LIBVIRT = DATA / "libvirt"
NOTES = LIBVIRT / "DIFFERENCES.md"
CASES = sorted(p.stem for p in DATA.glob("*.xml"))


def _pairs(name: str) -> tuple[list[str], list[str]]:
    theirs = normalise((LIBVIRT / f"{name}.args").read_text(), libvirt=True)
    ours = normalise(one_per_line((DATA / f"{name}.args").read_text()), libvirt=False)
    return theirs, ours


def unexplained(name: str) -> tuple[list[tuple[str, str]], set[str]]:
    """Lines only one side has that no rule explains, and the rules used."""
    theirs, ours = _pairs(name)
    only_theirs = Counter(theirs) - Counter(ours)
    only_ours = Counter(ours) - Counter(theirs)
    bad, used = [], set()
    for side, lines in (("libvirt", only_theirs), ("pyvirt", only_ours)):
        for line in lines.elements():
            rule = explain(side, line)
            if rule is None:
                bad.append((side, line))
            else:
                used.add(rule.id)
    return bad, used


def test_every_input_has_a_libvirt_command_line() -> None:
    assert sorted(p.stem for p in LIBVIRT.glob("*.args")) == CASES


@pytest.mark.parametrize("name", CASES)
def test_differences_are_explained(name: str) -> None:
    bad, _used = unexplained(name)
    assert bad == [], "differences from libvirt 9.0 no rule explains:\n" + "\n".join(
        f"  only in {side}'s: {line}" for side, line in bad)


@pytest.mark.parametrize("name", CASES)
def test_option_order(name: str) -> None:
    theirs, ours = common_in_order(*_pairs(name))
    if name in ORDER_DIFFERS:
        assert theirs != ours, "same order as libvirt now: drop it from ORDER_DIFFERS"
    else:
        assert theirs == ours, "options in another order than libvirt's"


def test_every_rule_is_needed_and_documented() -> None:
    used: set[str] = set()
    for name in CASES:
        used |= unexplained(name)[1]
    ids = {rule.id for rule in RULES}
    assert ids - used == set(), "rules no difference needs any more: remove them"
    notes = NOTES.read_text()
    assert [i for i in sorted(ids | set(ORDER_DIFFERS)) if f"`{i}`" not in notes] == []



@pytest.mark.libvirt_ref
@pytest.mark.skipif(not has_libvirt_python(), reason="Debian's python3-libvirt is not installed")
@pytest.mark.skipif(not os.access("/usr/bin/qemu-system-x86_64", os.X_OK),
                    reason="Debian's qemu-system-x86 is not installed")
@pytest.mark.timeout(1800)
def test_libvirt_files_are_libvirts_output() -> None:
    env = real_env()
    proc = subprocess.run([REAL_PYTHON, str(HERE / "capture_argv.py"), *CASES],
                          capture_output=True, text=True, timeout=1700, check=False, env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    found = json.loads(proc.stdout)
    differ = []
    for name in CASES:
        assert "argv" in found[name], f"{name}: libvirt refused it: {found[name]}"
        if (LIBVIRT / f"{name}.args").read_text() != CAPTURE_HEADER + "\n" + one_per_line(
                found[name]["argv"]):
            differ.append(name)
    assert differ == [], "committed libvirt command lines differ from libvirt's answer"
