#!/usr/bin/env python3
"""Report API coverage: methods per public class, implemented methods per driver.

A method of the driver interface is implemented by a driver when the
driver's class overrides it (the interface's own version raises
VIR_ERR_NO_SUPPORT).  Prints a Markdown table, for the docs.

Usage: tools/api_report.py
"""

from __future__ import annotations

import importlib
import inspect
import sys

import pyvirt
from pyvirt.api import CLASSES
from pyvirt.driver import interface

# driver name -> "module:Class" (skipped when the module does not exist yet)
DRIVERS = {
    "test": "pyvirt.drivers.test.driver:TestDriver",
    "qemu": "pyvirt.drivers.qemu.driver:QemuDriver",
    "remote": "pyvirt.drivers.remote.driver:RemoteDriver",
}
FAMILIES = [interface.HypervisorDriver, interface.NetworkDriver, interface.StorageDriver,
            interface.NodeDeviceDriver, interface.SecretDriver, interface.InterfaceDriver,
            interface.NWFilterDriver]


def interface_methods() -> dict[str, type]:
    """Return driver method name -> the family class that declares it."""
    out = {}
    for fam in FAMILIES:
        for name, _ in inspect.getmembers(fam, inspect.isfunction):
            if not name.startswith("_"):
                out[name] = fam
    return out


def implemented(cls: type, methods: dict[str, type], family: type | None = None) -> int:
    """Count interface methods that ``cls`` overrides (of ``family`` alone when given)."""
    count = 0
    for name, fam in methods.items():
        if family is not None and fam is not family:
            continue
        impl = getattr(cls, name, None)
        if impl is not None and impl is not getattr(fam, name):
            count += 1
    return count


def main() -> int:
    """Print the report."""
    methods = interface_methods()
    print("| class | public methods |")
    print("| --- | ---: |")
    total = 0
    for name, cls in sorted(CLASSES.items()):
        n = len([m for m, v in inspect.getmembers(cls, callable) if not m.startswith("_")])
        total += n
        print(f"| {name} | {n} |")
    funcs = [f for f in dir(pyvirt)
             if not f.startswith("_") and inspect.isfunction(getattr(pyvirt, f))]
    print(f"| (module functions) | {len(funcs)} |")
    print(f"| **total** | {total + len(funcs)} |")
    print()
    print(f"Driver interface: {len(methods)} methods.")
    print()
    hyper = sum(1 for fam in methods.values() if fam is interface.HypervisorDriver)
    print("| driver | implemented | of | hypervisor methods | of |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for name, target in DRIVERS.items():
        module, _, clsname = target.partition(":")
        try:
            cls = getattr(importlib.import_module(module), clsname)
        except (ImportError, AttributeError):
            print(f"| {name} | (not present) | {len(methods)} | (not present) | {hyper} |")
            continue
        print(f"| {name} | {implemented(cls, methods)} | {len(methods)} "
              f"| {implemented(cls, methods, interface.HypervisorDriver)} | {hyper} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
