"""Ceph's Python bindings (``rados``, ``rbd``), wherever Debian installed them.

Debian ships them as python3-rados and python3-rbd: compiled modules in
``/usr/lib/python3/dist-packages`` built for Debian's ``/usr/bin/python3``.
pyvirt runs in a virtual environment that does not see that directory
(``include-system-site-packages = false``), and adding the whole directory
to ``sys.path`` would also bring Debian's copies of every other package
(libvirt-python among them) in front of nothing or behind the venv's, by
chance.  So the two modules are imported normally when the environment has
them, and else loaded from exactly their files there, for this
interpreter's ABI (``rados.cpython-311-x86_64-linux-gnu.so`` for CPython
3.11) -- nothing else from dist-packages is reachable.  A Python whose ABI
Debian did not build for gets a clear error naming the packages.
"""

from __future__ import annotations

import importlib
import importlib.machinery
import importlib.util
import os
import sys
import threading
from types import ModuleType

from pyvirt import constants as C
from pyvirt.errors import report

DIST_PACKAGES = ("/usr/lib/python3/dist-packages",)
_lock = threading.Lock()


def _load(name: str) -> ModuleType:
    try:
        return importlib.import_module(name)
    except ImportError:
        pass
    for folder in DIST_PACKAGES:
        for suffix in importlib.machinery.EXTENSION_SUFFIXES:
            path = os.path.join(folder, name + suffix)
            if not os.path.exists(path):
                continue
            spec = importlib.util.spec_from_file_location(name, path)
            if spec is None or spec.loader is None:
                continue
            module = importlib.util.module_from_spec(spec)
            sys.modules[name] = module       # rbd imports rados by name
            try:
                spec.loader.exec_module(module)
            except BaseException:
                del sys.modules[name]
                raise
            return module
    raise report(C.VIR_ERR_NO_SUPPORT, f"Ceph's Python module '{name}' is not installed for "
                 f"Python {sys.version_info[0]}.{sys.version_info[1]} (Debian: python3-rados "
                 "and python3-rbd)", C.VIR_FROM_STORAGE)


def modules() -> tuple[ModuleType, ModuleType]:
    """``(rados, rbd)``; VIR_ERR_NO_SUPPORT when they are not installed."""
    with _lock:
        return _load("rados"), _load("rbd")
