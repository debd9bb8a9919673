"""pyvirt: libvirt, written in Python.

The top level is a drop-in for libvirt-python: ``import pyvirt as libvirt``
and scripts written for libvirt-python run unchanged, or call
:func:`install_as_libvirt` so that a later ``import libvirt`` (and
``import libvirtaio``) gives pyvirt.
"""

from __future__ import annotations

import importlib as _importlib
import sys as _sys

from pyvirt.constants import *  # noqa: F403
from pyvirt.errors import (  # noqa: F401
    libvirtError,
    registerErrorHandler,
    virGetLastError,
    virGetLastErrorCode,
    virGetLastErrorDomain,
    virGetLastErrorMessage,
    virResetLastError,
)

# Names imported on first use (PEP 562): the classes pull in the driver
# interface and registry, the event functions the event loop.  Constants
# and errors above are all a script needs before it opens a connection.
_LAZY: dict[str, str] = {
    **dict.fromkeys((
        "open", "openAuth", "openReadOnly", "virConnect", "virDomain",
        "virDomainCheckpoint", "virDomainSnapshot", "virInterface", "virNetwork",
        "virNetworkPort", "virNodeDevice", "virNWFilter", "virNWFilterBinding",
        "virSecret", "virStoragePool", "virStorageVol", "virStream"), "pyvirt.api"),
    **dict.fromkeys((
        "virEventAddHandle", "virEventAddTimeout", "virEventInvokeFreeCallback",
        "virEventRegisterDefaultImpl", "virEventRegisterImpl", "virEventRemoveHandle",
        "virEventRemoveTimeout", "virEventRunDefaultImpl", "virEventUpdateHandle",
        "virEventUpdateTimeout"), "pyvirt.api.event"),
    "libvirtmod": "pyvirt.libvirtmod",
}


# Type aliases libvirt-python defines and event-loop code annotates with
# (built on first use: typing itself takes longer to import than pyvirt).
_TYPING_ALIASES = ("_T", "_EventCB", "_TimerCB")


def _typing_aliases() -> dict[str, object]:
    from collections.abc import Callable
    from typing import TypeVar
    _T = TypeVar("_T")
    return {"_T": _T, "_EventCB": Callable[[int, int, int, _T], None],
            "_TimerCB": Callable[[int, _T], None]}


def __getattr__(name: str):  # unannotated: mypy then types each lazy name as Any
    """Import a lazily loaded name on first access and keep it."""
    if name in _TYPING_ALIASES:
        globals().update(_typing_aliases())
        return globals()[name]
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    loaded = _importlib.import_module(module)
    value = loaded if module == f"{__name__}.{name}" else getattr(loaded, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    """The module's names, the lazy ones included."""
    return sorted(set(globals()) | set(_LAZY) | set(_TYPING_ALIASES))


__version__ = "0.1.0"

# The libvirt version pyvirt implements (its API, XML and protocol).
LIBVIRT_VERSION = 9000000


def getVersion(name: str | None = None) -> int:  # noqa: N802
    """Return the libvirt version implemented, as major*1e6 + minor*1e3 + micro."""
    return LIBVIRT_VERSION


def virInitialize() -> int:  # noqa: N802
    """Initialise the library (nothing to do; kept for compatibility)."""
    return 0


# The module the public classes and libvirtError report as theirs, so reprs
# and messages read ``libvirt.virDomain`` as with libvirt-python and
# ``pickle``/``inspect`` find them there.  pyvirt.api applies it to the
# classes when it is first imported.
_CLASS_MODULE = __name__


def _name_classes(module: str) -> None:
    """Make the public classes (and libvirtError) report ``module`` as their module."""
    global _CLASS_MODULE
    _CLASS_MODULE = module
    libvirtError.__module__ = module
    api = _sys.modules.get("pyvirt.api")
    for cls in api.CLASSES.values() if api is not None else ():
        cls.__module__ = module


_name_classes(__name__)


def install_as_libvirt() -> None:
    """Make later ``import libvirt``, ``import libvirtaio`` and
    ``import libvirtmod`` resolve to pyvirt."""
    from pyvirt import aio, libvirtmod
    this = _sys.modules[__name__]
    _name_classes("libvirt")
    _sys.modules["libvirt"] = this
    _sys.modules["libvirtmod"] = libvirtmod
    _sys.modules["libvirtaio"] = aio
    from pyvirt import libvirt_qemu
    _sys.modules["libvirt_qemu"] = libvirt_qemu


# ``from pyvirt import *`` gives what ``from libvirt import *`` gives (and
# so loads the lazy names).
__all__ = [name for name in sorted(set(globals()) | set(_LAZY))
           if not name.startswith("_") and name != "annotations"]
