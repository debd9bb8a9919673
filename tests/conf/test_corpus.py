"""Real-world documents give libvirt's answer, byte for byte.

tests/data/corpus holds domain, network, pool and volume documents (from
virt-install for many guest OSes and options, and hand-written edge cases)
with what Debian's libvirt 9.0 test driver answers for each, captured by
tests/conf/capture_corpus.py.  Each goes through pyvirt's test driver the
same way; the definition read back must be the same bytes, an error the same
code, domain and message.
"""

from __future__ import annotations

import pytest
from capture_corpus import documents, parse_expected, render
from libvirt_outcomes import outcome

import pyvirt
from pyvirt.errors import libvirtError

# Documents where pyvirt knowingly answers differently, with the reason.
# An entry whose document starts to match fails the test: remove it then.
EXPECTED_DIVERGENCES: dict[str, str] = {
}


def _params() -> list:
    return [pytest.param(p, id=f"{p.parent.name}/{p.stem}") for p in documents()]


@pytest.mark.parametrize("path", _params())
def test_document_as_libvirt(path) -> None:
    _, expected = parse_expected(path.with_suffix(".expected").read_text())
    conn = pyvirt.open("test:///default")
    try:
        result = outcome(conn, path.parent.name, path.read_text(), libvirtError)
    finally:
        conn.close()
    actual = render(result)
    key = f"{path.parent.name}/{path.stem}"
    if key in EXPECTED_DIVERGENCES:
        assert actual != expected, f"{key} now matches libvirt: drop its divergence entry"
        pytest.xfail(EXPECTED_DIVERGENCES[key])
    assert actual == expected
