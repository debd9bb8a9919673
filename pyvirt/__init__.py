"""pyvirt: libvirt, written in Python.

The top level is a drop-in for libvirt-python: ``import pyvirt as libvirt``
and scripts written for libvirt-python run unchanged, or call
:func:`install_as_libvirt` so that a later ``import libvirt`` (and
``import libvirtaio``) gives pyvirt.
"""

from __future__ import annotations

import sys as _sys
from collections.abc import Callable as _Callable
from typing import TypeVar as _TypeVar

from pyvirt import libvirtmod
from pyvirt.api import (  # noqa: F401
    open,
    openAuth,
    openReadOnly,
    virConnect,
    virDomain,
    virDomainCheckpoint,
    virDomainSnapshot,
    virInterface,
    virNetwork,
    virNetworkPort,
    virNodeDevice,
    virNWFilter,
    virNWFilterBinding,
    virSecret,
    virStoragePool,
    virStorageVol,
    virStream,
)
from pyvirt.api.event import (  # noqa: F401
    virEventAddHandle,
    virEventAddTimeout,
    virEventInvokeFreeCallback,
    virEventRegisterDefaultImpl,
    virEventRegisterImpl,
    virEventRemoveHandle,
    virEventRemoveTimeout,
    virEventRunDefaultImpl,
    virEventUpdateHandle,
    virEventUpdateTimeout,
)
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

__version__ = "0.1.0"

# Type aliases libvirt-python exports and event-loop code annotates with.
_T = _TypeVar("_T")
_EventCB = _Callable[[int, int, int, _T], None]
_TimerCB = _Callable[[int, _T], None]

# The libvirt version pyvirt implements (its API, XML and protocol).
LIBVIRT_VERSION = 9000000


def getVersion(name: str | None = None) -> int:  # noqa: N802
    """Return the libvirt version implemented, as major*1e6 + minor*1e3 + micro."""
    return LIBVIRT_VERSION


def virInitialize() -> int:  # noqa: N802
    """Initialise the library (nothing to do; kept for compatibility)."""
    return 0


def _name_classes(module: str) -> None:
    """Make the public classes (and libvirtError) report ``module`` as their
    module, so reprs and messages read ``libvirt.virDomain`` as with
    libvirt-python, and ``pickle``/``inspect`` find them there."""
    from pyvirt.api import CLASSES
    for cls in (*CLASSES.values(), libvirtError):
        cls.__module__ = module


_name_classes(__name__)


def install_as_libvirt() -> None:
    """Make later ``import libvirt``, ``import libvirtaio`` and
    ``import libvirtmod`` resolve to pyvirt."""
    from pyvirt import aio
    this = _sys.modules[__name__]
    _name_classes("libvirt")
    _sys.modules["libvirt"] = this
    _sys.modules["libvirtmod"] = libvirtmod
    _sys.modules["libvirtaio"] = aio
