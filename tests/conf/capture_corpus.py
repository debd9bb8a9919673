"""Capture what real libvirt does with each document of tests/data/corpus.

Run with Debian's python3 that has libvirt-python (not pyvirt's venv):

    /usr/bin/python3 tests/conf/capture_corpus.py [KIND/NAME.xml ...]

Each ``KIND/NAME.xml`` (KIND: domain, network, pool, volume) goes through
libvirt's ``test:///default`` as :func:`libvirt_outcomes.outcome` does it
(define, read back, remove; volumes are created in the driver's default
pool) and libvirt's answer is written to ``KIND/NAME.expected``: a header
line naming the libvirt that answered, then either the XML it read back or
one line ``error CODE DOMAIN MESSAGE``.  These files are only ever written
from libvirt, never from pyvirt.
"""

import sys
from pathlib import Path

from libvirt_outcomes import captured_from, outcome

CORPUS = Path(__file__).resolve().parent.parent / "data" / "corpus"
KINDS = ("domain", "network", "pool", "volume")
HEADER = "# captured from "


def documents() -> list[Path]:
    """Every input document of the corpus, kind by kind, sorted by name."""
    return [p for kind in KINDS for p in sorted((CORPUS / kind).glob("*.xml"))]


def render(result: dict) -> str:
    """The body of an expected file for an :func:`outcome` result."""
    if "output" in result:
        return result["output"]
    return f"error {result['code']} {result['domain']} {result['message']}\n"


def parse_expected(text: str) -> tuple[str, str]:
    """(header, body) of an expected file."""
    header, body = text.split("\n", 1)
    assert header.startswith(HEADER), "expected file without its capture header"
    return header, body


def main(paths: list[str]) -> int:
    import libvirt  # type: ignore[import-not-found]
    libvirt.registerErrorHandler(lambda ctx, err: None, None)
    conn = libvirt.open("test:///default")
    header = f"{HEADER}{captured_from(libvirt)} by tests/conf/capture_corpus.py\n"
    for path in [Path(p).resolve() for p in paths] or documents():
        result = outcome(conn, path.parent.name, path.read_text(), libvirt.libvirtError)
        path.with_suffix(".expected").write_text(header + render(result))
        print(f"{path.parent.name}/{path.name}: {'ok' if 'output' in result else 'error'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
