"""Shared driver for the ``<family>xml2xml`` tests.

Each family keeps input/expected pairs under ``tests/data/<family>xml2xml/``:
``NAME.xml`` is the input and ``NAME.out.xml`` what real libvirt 9.0 writes for
it (captured with ``tests/reference/capture_xml.py``, re-checked by
``tests/reference/test_xml2xml_captured.py``).  Where libvirt 9.0 cannot be
made to write it, the expectation is pyvirt's own and lives in
``pyvirt-only/NAME.out.xml`` under a first-line comment saying why.
A test parses the input with pyvirt, formats it, and checks that

* the output equals the expected file (``PYVIRT_REGENERATE=1`` rewrites only
  pyvirt-only files from pyvirt; captured ones come from libvirt alone),
* the output validates against libvirt's RelaxNG schema for the family
  (skipped only when the schema file is not installed),
* formatting is stable: parsing the output and formatting again gives it back.

Bad-input tests use :func:`expect_error` to check libvirt's error code and
domain, and a fragment of the message.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from pyvirt.conf import xmlutil
from pyvirt.errors import libvirtError

DATA = Path(__file__).resolve().parent.parent / "data"
REGENERATE = os.environ.get("PYVIRT_REGENERATE") == "1"


def case_names(family: str) -> list[str]:
    """Names of the input files of ``family`` (without '.xml'), sorted."""
    folder = DATA / f"{family}xml2xml"
    return sorted(p.name[:-4] for p in folder.glob("*.xml") if not p.name.endswith(".out.xml"))


PYVIRT_ONLY = "pyvirt-only"


def expected_file(family: str, name: str) -> tuple[Path, str]:
    """The expected output's path and its text (a pyvirt-only header removed)."""
    folder = DATA / f"{family}xml2xml"
    own = folder / PYVIRT_ONLY / f"{name}.out.xml"
    if own.exists():
        header, _, text = own.read_text().partition("\n")
        assert header.startswith("<!-- pyvirt-only: "), f"{own}: first line must say why"
        return own, text
    path = folder / f"{name}.out.xml"
    return path, path.read_text() if path.exists() else ""


def run_case(family: str, name: str, convert: Callable[[str], str], schema: str | None,
             *, stable: bool = True) -> None:
    """Convert input ``name`` of ``family`` and compare with its expected output
    (and, when ``stable``, check that converting the output gives it back)."""
    folder = DATA / f"{family}xml2xml"
    source = (folder / f"{name}.xml").read_text()
    actual = convert(source)
    expected_path, expected = expected_file(family, name)
    if REGENERATE:
        assert expected_path.parent.name == PYVIRT_ONLY, (
            f"refusing to write {expected_path} from pyvirt: it is libvirt's output "
            "(tests/reference/capture_xml.py --write captures it)")
        header = expected_path.read_text().partition("\n")[0]
        expected_path.write_text(f"{header}\n{actual}")
        expected = actual
    assert expected_path.exists(), f"missing expected output {expected_path}"
    assert actual == expected
    if schema is not None:
        check_schema(actual, schema)
    if stable:
        assert convert(actual) == actual, "formatting is not stable"


def check_schema(text: str, schema: str) -> None:
    """Validate ``text`` against libvirt's schema ``schema`` (skip without it)."""
    if not xmlutil.schema_available(schema):
        pytest.skip(f"libvirt schema {schema}.rng not installed")
    xmlutil.validate(text, schema)


def expect_error(func: Callable[[], object], code: int, domain: int | None = None,
                 message: str | None = None) -> libvirtError:
    """Call ``func`` and check it raises libvirtError with ``code`` (and domain, message)."""
    with pytest.raises(libvirtError) as info:
        func()
    err = info.value
    assert err.get_error_code() == code, err.get_error_message()
    if domain is not None:
        assert err.get_error_domain() == domain, err.get_error_message()
    if message is not None:
        assert message in (err.get_error_message() or ""), err.get_error_message()
    return err


def xml2xml_params(family: str) -> list:
    """pytest parameters for every case of ``family``."""
    return [pytest.param(name, id=name) for name in case_names(family)]
