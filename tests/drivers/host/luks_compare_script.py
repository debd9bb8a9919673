"""LUKS volumes against libvirt-python or pyvirt; prints what came back as JSON.

Usage: luks_compare_script.py MODULE URI BASE.  Paths print as BASE; UUIDs
and timestamps are left out.
"""

from __future__ import annotations

import base64
import importlib
import json
import re
import sys
import time
from typing import Any

MOD, URI, BASE = sys.argv[1:4]
lv: Any = importlib.import_module(MOD)
lv.registerErrorHandler(lambda _ctx, _err: None, None)
out: dict[str, Any] = {}
SECRET_UUID = "0a81f5b2-8403-7b23-c8d6-21ccc2f80d6f"


def clean(text: str) -> str:
    text = text.replace(BASE, "BASE").replace(SECRET_UUID, "SECRET")
    text = re.sub(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "UUID", text)
    text = re.sub(r"<allocation unit='bytes'>\d+<", "<allocation unit='bytes'>N<", text)
    return re.sub(r"\s*<timestamps>.*?</timestamps>", "", text, flags=re.DOTALL)


def call(case: str, func: Any, *args: Any) -> Any:
    for attempt in range(10):
        if attempt:
            time.sleep(0.5 * attempt)     # let the other test worker's burst pass
        try:
            res = func(*args)
            break
        except lv.libvirtError as exc:
            # qemu-img's key-derivation timing fails on a busy host: try again
            if "Unable to get accurate CPU usage" in str(exc):
                continue
            out[case] = [exc.get_error_code(), exc.get_error_domain(), clean(str(exc))]
            return None
    else:
        out[case] = "qemu-img kept failing on a busy host"
        return None
    out[case] = "ok"
    return res


def vol(name: str, fmt: str, enc: str) -> str:
    return (f"<volume><name>{name}</name><capacity unit='M'>16</capacity><target>"
            f"<format type='{fmt}'/>{enc}</target></volume>")


LUKS = f"<encryption format='luks'><secret type='passphrase' uuid='{SECRET_UUID}'/></encryption>"
conn = lv.open(URI)
sec = conn.secretDefineXML(f"<secret ephemeral='no' private='no'><uuid>{SECRET_UUID}</uuid>"
                           "<usage type='volume'><volume>/any</volume></usage></secret>", 0)
pool = conn.storagePoolCreateXML(f"<pool type='dir'><name>enc</name><target><path>{BASE}/pool"
                                 "</path></target></pool>", lv.VIR_STORAGE_POOL_CREATE_WITH_BUILD)
call("no value yet", pool.createXML, vol("novalue.img", "raw", LUKS), 0)
sec.setValue(b"correct horse battery staple", 0)
raw = call("raw luks", pool.createXML, vol("raw.img", "raw", LUKS), 0)
q = call("qcow2 luks", pool.createXML, vol("q.qcow2", "qcow2", LUKS), 0)
for v in (raw, q):
    if v is not None:
        out[f"{v.name()}.xml"] = clean(v.XMLDesc(0))
        out[f"{v.name()}.info"] = v.info()[:2]
call("unknown secret", pool.createXML, vol("u.img", "raw", LUKS.replace(SECRET_UUID,
     "11111111-2222-3333-4444-555555555555")), 0)
call("no secret", pool.createXML, vol("n.img", "raw", "<encryption format='luks'/>"), 0)
call("two secrets", pool.createXML, vol("t.img", "raw", LUKS.replace("</encryption>",
     f"<secret type='passphrase' uuid='{SECRET_UUID}'/></encryption>")), 0)
call("vmdk luks", pool.createXML, vol("v.vmdk", "vmdk", LUKS), 0)
out["volumes"] = sorted(pool.listVolumes())
pool.refresh(0)
for name in ("raw.img", "q.qcow2"):
    v = call(f"lookup {name}", pool.storageVolLookupByName, name)
    if v is not None:
        out[f"{name}.xml after refresh"] = clean(v.XMLDesc(0))
out["secret b64"] = base64.b64encode(sec.value(0)).decode()
for v in pool.listAllVolumes(0):
    v.delete(0)
pool.destroy()
sec.undefine()
conn.close()
print(json.dumps(out, indent=1, sort_keys=True))
