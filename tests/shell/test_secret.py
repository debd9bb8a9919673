"""Secret commands."""

from __future__ import annotations

import pytest
from shellcase import check, cmd

SECRET = "44444444-2222-3333-4444-555555555555"
CASES = {
    # libvirt 9.0's test driver has no secret calls: the expected files of the
    # cases it fails are pyvirt's own (tests/data/shell/pyvirt-only/secret)
    "secret-list": cmd("secret-list"),
    "secret-define": cmd("secret-define input/secret.xml"),
    "secret-define-missing": cmd("secret-define input/nosuch.xml"),
    "secret-dumpxml-bad-uuid": cmd("secret-dumpxml nope"),
    "secret-dumpxml": cmd(f"secret-dumpxml {SECRET}"),
    "secret-set-value-missing": cmd(f"secret-set-value {SECRET}"),
    "secret-get-value": cmd(f"secret-get-value {SECRET}"),
    "secret-undefine": cmd(f"secret-undefine {SECRET}"),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_secret(name: str) -> None:
    check("secret", name, CASES[name])
