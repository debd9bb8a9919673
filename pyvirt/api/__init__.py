"""pyvirt's public API: the classes and functions of libvirt-python.

Thin by design: each method checks the object, read-only mode and flags,
calls the driver and shapes the result as libvirt-python does.  The
dispatch methods are generated (_generated.py, by tools/gen_api.py); the
modules here add what needs more than dispatch.
"""

from __future__ import annotations

import inspect
import sys
import types

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


def _name_methods(cls: type) -> None:
    """Make every public method of ``cls`` report itself as ``cls.method``.

    Python names a method in argument errors by its qualified name; the
    methods come from generated and shared base classes, so without this
    a wrong call reads ``_virDomain.info() takes 1 positional argument``
    where libvirt-python says ``virDomain.info() ...``.  A method defined
    on ``cls`` is renamed; an inherited one gets a renamed copy on ``cls``.
    """
    for name in dir(cls):
        if name.startswith("_"):
            continue
        func = inspect.getattr_static(cls, name)
        qualname = f"{cls.__name__}.{name}"
        if not isinstance(func, types.FunctionType) or func.__qualname__ == qualname:
            continue
        if name not in vars(cls):
            copy = types.FunctionType(func.__code__, func.__globals__, name, func.__defaults__,
                                      func.__closure__)
            copy.__kwdefaults__ = func.__kwdefaults__
            copy.__doc__ = func.__doc__
            copy.__dict__.update(func.__dict__)
            copy.__annotations__ = func.__annotations__
            setattr(cls, name, copy)
            func = copy
        func.__qualname__ = qualname


for _cls in CLASSES.values():
    _name_methods(_cls)
    _cls.__module__ = sys.modules["pyvirt"]._CLASS_MODULE

__all__ = [
    "open", "openAuth", "openReadOnly", "virConnect", "virDomain", "virDomainCheckpoint",
    "virDomainSnapshot", "virInterface", "virNWFilter", "virNWFilterBinding", "virNetwork",
    "virNetworkPort", "virNodeDevice", "virSecret", "virStoragePool", "virStorageVol",
    "virStream",
]
