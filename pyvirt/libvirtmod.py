"""The part of libvirt-python's low-level ``libvirtmod`` that needs no C.

libvirt-python's classes sit on a C extension, ``libvirtmod``; a few
programs (and libvirt-python's own tests) call it directly for the event
loop and error functions.  pyvirt has no C layer, so this module offers
those entry points, backed by the same code as the public API.
"""

from __future__ import annotations

from pyvirt.api.event import (  # noqa: F401
    virEventAddHandle,
    virEventAddTimeout,
    virEventRegisterDefaultImpl,
    virEventRegisterImpl,
    virEventRemoveHandle,
    virEventRemoveTimeout,
    virEventRunDefaultImpl,
    virEventUpdateHandle,
    virEventUpdateTimeout,
)
from pyvirt.errors import (  # noqa: F401
    registerErrorHandler as virRegisterErrorHandler,
)


def virEventInvokeFreeCallback(ff, opaque) -> None:  # noqa: N802
    """Call a free function with its opaque (libvirtmod's argument order)."""
    if ff is not None:
        ff(opaque)


def virGetVersion(name=None) -> int:  # noqa: N802
    """Return the libvirt version implemented."""
    from pyvirt import LIBVIRT_VERSION
    return LIBVIRT_VERSION
