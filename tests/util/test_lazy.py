"""pyvirt.util.lazy: a module imported when one of its attributes is first read."""

from __future__ import annotations

import subprocess
import sys

import pytest

_CODE = """
import sys
from pyvirt.util.lazy import lazy_module
ns = {}
ns["wave"] = lazy_module("wave", ns)
print("wave" in sys.modules, repr(ns["wave"]))
print(ns["wave"].Error.__name__, "wave" in sys.modules, ns["wave"] is sys.modules["wave"])
"""


def test_module_is_imported_on_first_attribute_and_replaces_the_placeholder() -> None:
    # A fresh interpreter, so that the module is surely not imported yet.
    proc = subprocess.run([sys.executable, "-c", _CODE], capture_output=True, text=True,
                          timeout=60, check=True)
    assert proc.stdout.splitlines() == [
        "False <module 'wave' (not yet imported)>",
        "Error True True"]


def test_missing_module_raises_on_first_use() -> None:
    from pyvirt.util.lazy import lazy_module

    ns: dict[str, object] = {}
    ns["nope"] = lazy_module("pyvirt.no_such_module", ns)
    with pytest.raises(ModuleNotFoundError) as exc:
        getattr(ns["nope"], "anything")  # noqa: B009 - the read is the point
    assert exc.value.name == "pyvirt.no_such_module"
