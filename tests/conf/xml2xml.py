"""Shared driver for the ``<family>xml2xml`` tests.

Each family keeps input/expected pairs under ``tests/data/<family>xml2xml/``:
``NAME.xml`` is the input and ``NAME.out.xml`` what real libvirt writes for it.
A test parses the input with pyvirt, formats it, and checks that

* the output equals ``NAME.out.xml`` (with ``PYVIRT_REGENERATE=1`` the file is
  rewritten from pyvirt's output instead),
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


def run_case(family: str, name: str, convert: Callable[[str], str], schema: str | None,
             *, stable: bool = True) -> None:
    """Convert input ``name`` of ``family`` and compare with its expected output
    (and, when ``stable``, check that converting the output gives it back)."""
    folder = DATA / f"{family}xml2xml"
    source = (folder / f"{name}.xml").read_text()
    expected_path = folder / f"{name}.out.xml"
    actual = convert(source)
    if REGENERATE:
        expected_path.write_text(actual)
    assert expected_path.exists(), f"missing expected output {expected_path}"
    assert actual == expected_path.read_text()
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
