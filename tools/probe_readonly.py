#!/usr/bin/env python3
"""Measure which libvirt-python methods libvirt refuses on read-only connections.

Run under Debian's python3-libvirt (``/usr/bin/python3 tools/probe_readonly.py``):
it opens ``test:///default`` read-only, calls every method of the main
classes with plausible arguments, and records per method whether libvirt
answered ``VIR_ERR_OPERATION_DENIED`` ('denied'), succeeded ('ok'), failed
otherwise ('errN') or could not be called with guessed arguments ('type').
tools/gen_api.py reads the result (tools/data/readonly_probe.json) to decide
which generated methods check read-only mode.
"""

import inspect
import json
import sys
from collections import Counter
from pathlib import Path

import libvirt

OUT = Path(__file__).resolve().parent / "data" / "readonly_probe.json"
# Methods that block, end the connection or need a live stream: not probed.
SKIP = {"close", "recvAll", "sendAll", "sparseRecvAll", "sparseSendAll", "recv", "send",
        "recvHole", "sendHole", "recvFlags", "finish", "abort"}
CANDIDATES = [0, "x", "<x/>", 1, [], {}, None, b"x"]


def guess_args(params, objs, fallback):
    """Arguments for ``params``, guessed from their names."""
    args = []
    for p in params:
        n = p.name.lower()
        if "flag" in n:
            args.append(0)
        elif "xml" in n:
            args.append("<x/>")
        elif "cb" in n or "callback" in n or "func" in n or "handler" in n:
            args.append(lambda *a: 0)
        elif n in ("dom", "domain"):
            args.append(objs["virDomain"])
        elif n in ("params", "parameters"):
            args.append({})
        else:
            args.append(fallback)
    return args


def probe(obj, cls, objs):
    """Return {method: verdict} for one object."""
    out = {}
    for name, fn in vars(cls).items():
        if name.startswith("_") or name in SKIP or not callable(fn):
            continue
        params = [p for p in list(inspect.signature(fn).parameters.values())[1:]
                  if p.default is inspect.Parameter.empty]
        verdict = None
        for cand in CANDIDATES:
            try:
                getattr(obj, name)(*guess_args(params, objs, cand))
                verdict = "ok"
                break
            except libvirt.libvirtError as e:
                code = e.get_error_code()
                verdict = "denied" if code == libvirt.VIR_ERR_OPERATION_DENIED else f"err{code}"
                break
            except (TypeError, ValueError, OverflowError, SystemError, AttributeError,
                    LookupError):
                verdict = "type"
        out[f"{cls.__name__}.{name}"] = verdict
    return out


def main():
    """Probe and write the JSON file."""
    libvirt.registerErrorHandler(lambda c, e: None, None)
    c = libvirt.openReadOnly("test:///default")
    objs = {
        "virConnect": c,
        "virDomain": c.lookupByName("test"),
        "virNetwork": c.networkLookupByName("default"),
        "virStoragePool": c.storagePoolLookupByName("default-pool"),
        "virInterface": c.interfaceLookupByName("eth1"),
        "virNodeDevice": c.nodeDeviceLookupByName("computer"),
        "virStream": c.newStream(),
    }
    res = {}
    for cname, obj in objs.items():
        res.update(probe(obj, getattr(libvirt, cname), objs))
    OUT.write_text(json.dumps(res, indent=1))
    print(Counter(res.values()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
