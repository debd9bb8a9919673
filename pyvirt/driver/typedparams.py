"""Checking typed parameters as libvirt's virTypedParamsValidate does.

Shared by the drivers: a parameter dict from libvirt-python (or decoded from
the wire) is checked against the names and Python types a call accepts.
"""

from __future__ import annotations

from typing import Any

from pyvirt import constants as C
from pyvirt.errors import report


def check_params(params: dict[str, Any], spec: dict[str, type]) -> None:
    """libvirt's virTypedParamsValidate: known names with values of the right type."""
    names = {bool: "boolean", int: "ullong", str: "string", float: "double"}
    for name, value in params.items():
        kind = spec.get(name)
        if kind is None:
            raise report(C.VIR_ERR_ARGUMENT_UNSUPPORTED, f"parameter '{name}' not supported",
                         C.VIR_FROM_NONE)
        ok = isinstance(value, kind) and not (kind is int and isinstance(value, bool))
        if kind is bool and isinstance(value, int):
            ok = True
        if not ok:
            raise report(C.VIR_ERR_INVALID_ARG,
                         f"invalid type '{type(value).__name__}' for parameter '{name}', "
                         f"expected '{names.get(kind, kind.__name__)}'", C.VIR_FROM_NONE)
