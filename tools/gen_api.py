#!/usr/bin/env python3
"""Generate pyvirt's API dispatch methods and driver interface.

libvirt-python's ``libvirt.py`` (Debian package python3-libvirt) defines
the classes, method names and signatures that pyvirt must offer, and each
method's body names the C function it wraps.  This script reads that file
as data (with ``ast``, nothing is imported or copied) and writes:

- ``pyvirt/api/_generated.py``: one base class per public class whose
  methods check read-only mode, call the driver method named after the C
  function and wrap returned objects;
- ``pyvirt/driver/interface.py``: one abstract class per object family
  whose methods all raise ``VIR_ERR_NO_SUPPORT`` until a driver overrides
  them.

Hand-written classes in pyvirt/api/ subclass the generated ones for the
methods that need more than dispatch (events, streams, callbacks).

Usage: tools/gen_api.py [--libvirt-py PATH] [--check]
"""

from __future__ import annotations

import argparse
import ast
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LIBVIRT_PY = Path("/usr/lib/python3/dist-packages/libvirt.py")
API_OUT = ROOT / "pyvirt" / "api" / "_generated.py"
DRIVER_OUT = ROOT / "pyvirt" / "driver" / "interface.py"
# Measured with libvirt 9.0's test driver on a read-only connection:
# which methods answer VIR_ERR_OPERATION_DENIED (see tools/probe_readonly.py).
READONLY_PROBE = ROOT / "tools" / "data" / "readonly_probe.json"

# C functions that libvirt-python names differently from libvirt's C API.
C_RENAMES = {"virConnectListDomainsID": "virConnectListDomains"}

# Methods written by hand in pyvirt/api/ (not generated).
HANDWRITTEN = {
    "virConnect": {
        "close", "domainEventRegisterAny", "domainEventDeregisterAny",
        "domainEventRegister", "domainEventDeregister",
        "networkEventRegisterAny", "networkEventDeregisterAny",
        "storagePoolEventRegisterAny", "storagePoolEventDeregisterAny",
        "nodeDeviceEventRegisterAny", "nodeDeviceEventDeregisterAny",
        "secretEventRegisterAny", "secretEventDeregisterAny",
        "registerCloseCallback", "unregisterCloseCallback", "newStream",
        "getAllDomainStats", "domainListGetStats", "virConnGetLastError",
        "virConnResetLastError", "c_pointer", "getURI",
    },
    "virDomain": {"name", "UUID", "UUIDString", "ID", "c_pointer"},
    "virNetwork": {"name", "UUID", "UUIDString", "c_pointer"},
    "virNetworkPort": {"UUID", "UUIDString", "c_pointer"},
    "virStoragePool": {"name", "UUID", "UUIDString", "c_pointer"},
    "virStorageVol": {"name", "key", "c_pointer"},
    "virInterface": {"name", "MACString", "c_pointer"},
    "virNodeDevice": {"name", "c_pointer"},
    "virSecret": {"UUID", "UUIDString", "c_pointer"},
    "virNWFilter": {"name", "UUID", "UUIDString", "c_pointer"},
    "virNWFilterBinding": {"portDev", "filterName", "c_pointer"},
    "virDomainSnapshot": {"getName", "c_pointer"},
    "virDomainCheckpoint": {"getName", "c_pointer"},
    "virStream": {
        "abort", "finish", "recv", "send", "recvFlags", "recvHole", "sendHole",
        "eventAddCallback", "eventRemoveCallback", "eventUpdateCallback", "c_pointer",
    },
}

# The driver family that serves each C function: checked in order.
FAMILIES = [
    ("NWFilterDriver", ("NWFilter",)),
    ("NetworkDriver", ("Network",)),
    ("StorageDriver", ("StoragePool", "StorageVol", "FindStoragePoolSources")),
    ("NodeDeviceDriver", ("NodeDevice", "NodeListDevices", "NodeNumOfDevices",
                          "ListAllNodeDevices")),
    ("SecretDriver", ("Secret",)),
    ("InterfaceDriver", ("virInterface", "ListAllInterfaces", "NumOfInterfaces",
                         "NumOfDefinedInterfaces", "ListInterfaces",
                         "ListDefinedInterfaces")),
]
# Attribute of the connection that holds each family's driver.
FAMILY_ATTR = {
    "HypervisorDriver": "_hv", "NetworkDriver": "_net", "StorageDriver": "_stor",
    "NodeDeviceDriver": "_dev", "SecretDriver": "_sec", "InterfaceDriver": "_iface",
    "NWFilterDriver": "_nwf",
}
# Error domain each family reports under.
FAMILY_FROM = {
    "HypervisorDriver": "VIR_FROM_DOMAIN", "NetworkDriver": "VIR_FROM_NETWORK",
    "StorageDriver": "VIR_FROM_STORAGE", "NodeDeviceDriver": "VIR_FROM_NODEDEV",
    "SecretDriver": "VIR_FROM_SECRET", "InterfaceDriver": "VIR_FROM_INTERFACE",
    "NWFilterDriver": "VIR_FROM_NWFILTER",
}
# Words that mark a C function as a query allowed on read-only connections,
# for the methods the probe could not classify.
READ_WORDS = ("Get", "List", "Lookup", "NumOf", "Is", "Has", "XMLDesc",
              "Compare", "Baseline", "Current", "Stats", "Parent", "Info")
WRITE_WORDS = ("Set", "Peek", "Screenshot", "OpenConsole", "OpenChannel",
               "OpenGraphics", "Migrate", "Agent", "Backup")


def family_of(cfunc: str) -> str:
    """Return the driver family class name that implements ``cfunc``."""
    if cfunc.startswith(("virDomain", "virStream")) and not cfunc.startswith(
            "virDomainCheckpointLookup"):
        return "HypervisorDriver"
    for family, words in FAMILIES:
        if any(w in cfunc for w in words):
            return family
    return "HypervisorDriver"


def driver_method(cfunc: str) -> str:
    """Return the driver method name for a C function: virDomainGetInfo -> domainGetInfo."""
    name = C_RENAMES.get(cfunc, cfunc)[3:]
    if name.startswith("NWFilter"):
        return "nwfilter" + name[8:]
    return name[0].lower() + name[1:]


def extract(libvirt_py: Path) -> list[dict]:
    """Read libvirt.py and describe each method that wraps one C function."""
    tree = ast.parse(libvirt_py.read_text())
    methods = []
    for node in tree.body:
        if not (isinstance(node, ast.ClassDef) and node.name.startswith("vir")):
            continue
        for func in node.body:
            if not isinstance(func, ast.FunctionDef) or func.name.startswith("_"):
                continue
            calls = [n for n in ast.walk(func) if isinstance(n, ast.Call)
                     and isinstance(n.func, ast.Attribute)
                     and isinstance(n.func.value, ast.Name)
                     and n.func.value.id == "libvirtmod"]
            wraps = [n for n in ast.walk(func) if isinstance(n, ast.Call)
                     and isinstance(n.func, ast.Name) and n.func.id.startswith("vir")
                     and any(k.arg == "_obj" for k in n.keywords)]
            args = func.args
            params = [a.arg for a in args.args[1:]]
            defaults = [ast.unparse(d) for d in args.defaults]
            methods.append({
                "cls": node.name, "name": func.name, "params": params,
                "defaults": defaults,
                "cfunc": calls[0].func.attr if len(calls) == 1 else None,
                "cargs": [ast.unparse(a) for a in calls[0].args] if len(calls) == 1 else [],
                "wrap": wraps[0].func.id if wraps else None,
                "wrap_parent": ast.unparse(wraps[0].args[0]) if wraps and wraps[0].args else None,
                "is_list": bool(wraps) and any(isinstance(n, (ast.For, ast.ListComp))
                                               for n in ast.walk(func)),
                "returns_int": _returns_int(func),
            })
    return methods


def _returns_int(func: ast.FunctionDef) -> bool:
    text = ast.unparse(func)
    return "if ret == -1" in text


# Queries that libvirt nevertheless refuses on read-only connections.
READONLY_REFUSED = {"virSecretGetValue", "virDomainScreenshot", "virDomainBlockPeek",
                    "virDomainMemoryPeek", "virDomainOpenConsole", "virDomainOpenChannel",
                    "virDomainOpenGraphics", "virDomainOpenGraphicsFD"}


def is_readonly_safe(cls: str, name: str, cfunc: str, probe: dict[str, str]) -> bool:
    """True when the method may run on a read-only connection."""
    if cfunc in READONLY_REFUSED:
        return False
    verdict = probe.get(f"{cls}.{name}")
    if verdict == "denied":
        return False
    if verdict == "ok":
        return True
    bare = cfunc[3:]
    if cls == "virStream":
        return True
    if any(w in bare for w in WRITE_WORDS):
        return False
    return any(w in bare for w in READ_WORDS)


def signature(m: dict) -> str:
    """Return the parameter list of a generated method (self first)."""
    params = list(m["params"])
    n_def = len(m["defaults"])
    parts = ["self"]
    for i, p in enumerate(params):
        j = i - (len(params) - n_def)
        parts.append(f"{p}={m['defaults'][j]}" if j >= 0 else p)
    return ", ".join(parts)


def _driver_args(m: dict) -> list[str]:
    """Arguments passed to the driver: object arguments become handles."""
    out = []
    for arg in m["cargs"]:
        if arg == "self._o":
            out.append("self._o")
        elif arg.endswith("__o"):
            name = arg[:-3]
            out.append(f"None if {name} is None else {name}._o")
        else:
            out.append(arg)
    return out


def gen_method(m: dict, probe: dict[str, str]) -> list[str]:
    """Return the source lines of one generated API method."""
    cfunc = m["cfunc"]
    family = family_of(cfunc)
    dmeth = driver_method(cfunc)
    on_conn = m["cls"] == "virConnect"
    drv = f"self.{FAMILY_ATTR[family]}" if on_conn else "self._drv"
    args = _driver_args(m)
    if on_conn:
        args = [a for a in args if a != "self._o"]
    call = f"{drv}.{dmeth}({', '.join(args)})"
    lines = [f"    def {m['name']}({signature(m)}):",
             f'        """Call the driver\'s {dmeth} (libvirt\'s {C_RENAMES.get(cfunc, cfunc)})."""']
    if not is_readonly_safe(m["cls"], m["name"], cfunc, probe):
        lines.append("        if self._ro:")
        lines.append(f"            raise _denied({C_RENAMES.get(cfunc, cfunc)!r}, "
                     f"_C.{FAMILY_FROM[family]})")
    if m["wrap"]:
        parent = {"self": "self", "self._conn": "self._conn", "self._dom": "self._dom",
                  "self.domain()": "self._dom"}.get(m["wrap_parent"], "self")
        if m["is_list"]:
            lines.append(f"        return [{m['wrap']}({parent}, h) for h in {call}]")
        else:
            lines.append(f"        return {m['wrap']}({parent}, {call})")
    elif m["returns_int"]:
        lines.append(f"        ret = {call}")
        lines.append("        return 0 if ret is None else ret")
    else:
        lines.append(f"        return {call}")
    return lines


def render_api(methods: list[dict], probe: dict[str, str]) -> str:
    """Return the text of pyvirt/api/_generated.py."""
    out = [
        '"""Generated dispatch methods of the public classes.',
        "",
        "Written by tools/gen_api.py from libvirt-python's method list; do not",
        "edit by hand.  Each method checks read-only mode where the operation",
        "changes state, calls the driver method named after libvirt's C function",
        "and wraps returned objects.  pyvirt/api/*.py subclass these.",
        '"""',
        "",
        "# ruff: noqa: N802, N803, E501",
        "# fmt: off",
        "from __future__ import annotations",
        "",
        "from typing import Any",
        "",
        "from pyvirt import constants as _C",
        "from pyvirt.errors import denied as _denied",
        "",
        "# Filled in by pyvirt.api once the hand-written classes exist.",
    ]
    classes: dict[str, list[dict]] = {}
    for m in methods:
        classes.setdefault(m["cls"], []).append(m)
    for cls in classes:
        out.append(f"{cls}: Any = None")
    for cls, ms in classes.items():
        out += ["", "", f"class _{cls}:", f'    """Generated methods of {cls}."""', ""]
        out.append("    __slots__ = ()")
        for m in ms:
            if m["cfunc"] is None or m["name"] in HANDWRITTEN.get(cls, ()):
                continue
            if m["cfunc"].endswith("_pointer"):
                continue
            out.append("")
            out += gen_method(m, probe)
    out.append("")
    return "\n".join(out)


def render_driver(methods: list[dict]) -> str:
    """Return the text of pyvirt/driver/interface.py."""
    fams: dict[str, dict[str, tuple[str, list[str]]]] = {f: {} for f in FAMILY_ATTR}
    for m in methods:
        cfunc = m["cfunc"]
        if (cfunc is None or cfunc.endswith("_pointer") or m["cls"] == "virStream"
                or m["name"] in HANDWRITTEN.get(m["cls"], ())):
            continue
        family = family_of(cfunc)
        params = list(m["params"])
        if m["cls"] != "virConnect":
            params = [_ref_name(m["cls"])] + params
        fams[family][driver_method(cfunc)] = (C_RENAMES.get(cfunc, cfunc), params)
    for extra_family, extra in EXTRA_DRIVER_METHODS.items():
        for dmeth, (cname, params) in extra.items():
            fams[extra_family].setdefault(dmeth, (cname, params))
    out = [
        '"""The driver interface: one abstract class per object family.',
        "",
        "Written by tools/gen_api.py; do not edit by hand.  Every method is named",
        "after libvirt's C function (virDomainGetInfo -> domainGetInfo) and takes",
        "the libvirt-python method's arguments, preceded by the handle of the",
        "object it acts on.  Object arguments arrive as handles; object results",
        "are returned as handles (lists of handles for listAll*); other results",
        "in libvirt-python's shape.  A driver overrides what it supports; every",
        "other method raises VIR_ERR_NO_SUPPORT naming the C function.",
        '"""',
        "",
        "# ruff: noqa: N802, N803, E501",
        "# fmt: off",
        "from __future__ import annotations",
        "",
        "from typing import Any",
        "",
        "from pyvirt import constants as C",
        "from pyvirt.errors import no_support",
    ]
    for family, ms in fams.items():
        out += ["", "", f"class {family}:",
                f'    """Operations of the {family[:-6].lower()} family; each raises VIR_ERR_NO_SUPPORT."""',
                "", f"    error_domain = C.{FAMILY_FROM[family]}"]
        for dmeth in sorted(ms):
            cname, params = ms[dmeth]
            sig = ", ".join(["self"] + [f"{p}: Any" for p in params])
            out += ["", f"    def {dmeth}({sig}) -> Any:",
                    f'        """libvirt\'s {cname}."""',
                    f"        raise no_support({cname!r}, C.{FAMILY_FROM[family]})"]
    out.append("")
    return "\n".join(out)


# Driver methods behind hand-written API methods (events, streams, ...).
EXTRA_DRIVER_METHODS: dict[str, dict[str, tuple[str, list[str]]]] = {
    "HypervisorDriver": {
        "connectClose": ("virConnectClose", []),
        "connectGetURI": ("virConnectGetURI", []),
        "connectSupportsFeature": ("virConnectSupportsFeature", ["feature"]),
        "connectDomainEventRegisterAny": ("virConnectDomainEventRegisterAny",
                                          ["dom", "eventID", "callback"]),
        "connectDomainEventDeregisterAny": ("virConnectDomainEventDeregisterAny",
                                            ["callbackID"]),
        "connectGetAllDomainStats": ("virConnectGetAllDomainStats", ["stats", "flags"]),
        "domainListGetStats": ("virDomainListGetStats", ["doms", "stats", "flags"]),
    },
    "NetworkDriver": {
        "connectNetworkEventRegisterAny": ("virConnectNetworkEventRegisterAny",
                                           ["net", "eventID", "callback"]),
        "connectNetworkEventDeregisterAny": ("virConnectNetworkEventDeregisterAny",
                                             ["callbackID"]),
    },
    "StorageDriver": {
        "connectStoragePoolEventRegisterAny": ("virConnectStoragePoolEventRegisterAny",
                                               ["pool", "eventID", "callback"]),
        "connectStoragePoolEventDeregisterAny": ("virConnectStoragePoolEventDeregisterAny",
                                                 ["callbackID"]),
    },
    "NodeDeviceDriver": {
        "connectNodeDeviceEventRegisterAny": ("virConnectNodeDeviceEventRegisterAny",
                                              ["dev", "eventID", "callback"]),
        "connectNodeDeviceEventDeregisterAny": ("virConnectNodeDeviceEventDeregisterAny",
                                                ["callbackID"]),
    },
    "SecretDriver": {
        "connectSecretEventRegisterAny": ("virConnectSecretEventRegisterAny",
                                          ["secret", "eventID", "callback"]),
        "connectSecretEventDeregisterAny": ("virConnectSecretEventDeregisterAny",
                                            ["callbackID"]),
    },
}


def _ref_name(cls: str) -> str:
    return {"virDomain": "dom", "virNetwork": "net", "virNetworkPort": "port",
            "virStoragePool": "pool", "virStorageVol": "vol", "virInterface": "iface",
            "virNodeDevice": "dev", "virSecret": "secret", "virNWFilter": "nwfilter",
            "virNWFilterBinding": "binding", "virDomainSnapshot": "snap",
            "virDomainCheckpoint": "checkpoint", "virStream": "stream"}[cls]


def main(argv: list[str] | None = None) -> int:
    """Write (or with --check, compare) the generated modules."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--libvirt-py", type=Path, default=LIBVIRT_PY)
    ap.add_argument("--check", action="store_true")
    args = ap.parse_args(argv)
    if not args.libvirt_py.exists():
        print(f"{args.libvirt_py} not found (install python3-libvirt)", file=sys.stderr)
        return 2
    methods = extract(args.libvirt_py)
    probe = json.loads(READONLY_PROBE.read_text()) if READONLY_PROBE.exists() else {}
    outputs = {API_OUT: render_api(methods, probe), DRIVER_OUT: render_driver(methods)}
    status = 0
    for path, text in outputs.items():
        if args.check:
            if not path.exists() or path.read_text() != text:
                print(f"{path} is out of date")
                status = 1
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
    return status


if __name__ == "__main__":
    sys.exit(main())
