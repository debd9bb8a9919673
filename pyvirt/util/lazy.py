"""Modules imported on first use, so that importing a module stays cheap.

A driver module that needs an XML family only inside its methods names
the family through :func:`lazy_module` instead of importing it::

    if TYPE_CHECKING:
        from pyvirt.conf import network as netconf
    else:
        netconf = lazy_module("pyvirt.conf.network", globals())

The first attribute read (``netconf.NetworkDef``) imports the module and
puts it in place of the placeholder in the importing module's globals,
so later reads cost what a plain module attribute costs.  (mypy sees the
plain import.)
"""

from __future__ import annotations

import importlib
from typing import Any


class _Pending:
    """Stands for a module until one of its attributes is first read."""

    __slots__ = ("_name", "_namespace")

    def __init__(self, name: str, namespace: dict[str, Any]) -> None:
        self._name = name
        self._namespace = namespace

    def __getattr__(self, attr: str) -> Any:
        module = importlib.import_module(self._name)
        for key, value in list(self._namespace.items()):
            if value is self:
                self._namespace[key] = module
        return getattr(module, attr)

    def __repr__(self) -> str:
        return f"<module {self._name!r} (not yet imported)>"


def lazy_module(name: str, namespace: dict[str, Any]) -> Any:
    """A placeholder for module ``name``, imported when an attribute is first read.

    ``namespace`` is the caller's ``globals()``: the placeholder replaces
    itself there with the module.
    """
    return _Pending(name, namespace)
