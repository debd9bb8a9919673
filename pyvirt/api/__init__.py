"""pyvirt's public API: the classes and functions of libvirt-python.

Thin by design: each method checks the object, read-only mode and flags,
calls the driver and shapes the result as libvirt-python does.  The
dispatch methods are generated (_generated.py, by tools/gen_api.py); the
modules here add what needs more than dispatch.
"""

from __future__ import annotations

from pyvirt.api import _generated
from pyvirt.api.connect import open, openAuth, openReadOnly, virConnect  # noqa: A004
from pyvirt.api.domain import virDomain, virDomainCheckpoint, virDomainSnapshot
from pyvirt.api.objects import (
    virInterface,
    virNetwork,
    virNetworkPort,
    virNodeDevice,
    virNWFilter,
    virNWFilterBinding,
    virSecret,
    virStoragePool,
    virStorageVol,
)
from pyvirt.api.stream import virStream

CLASSES = {cls.__name__: cls for cls in (
    virConnect, virDomain, virDomainCheckpoint, virDomainSnapshot, virInterface, virNetwork,
    virNetworkPort, virNodeDevice, virNWFilter, virNWFilterBinding, virSecret, virStoragePool,
    virStorageVol, virStream)}

# The generated methods wrap results in these classes.
vars(_generated).update(CLASSES)

__all__ = [
    "open", "openAuth", "openReadOnly", "virConnect", "virDomain", "virDomainCheckpoint",
    "virDomainSnapshot", "virInterface", "virNWFilter", "virNWFilterBinding", "virNetwork",
    "virNetworkPort", "virNodeDevice", "virSecret", "virStoragePool", "virStorageVol",
    "virStream",
]
