"""The same secret calls against libvirt-python or pyvirt; prints the outcomes as JSON.

Usage: secret_compare_script.py MODULE URI (MODULE: ``libvirt`` or ``pyvirt``).
"""

from __future__ import annotations

import importlib
import json
import sys
from typing import Any

lv: Any = importlib.import_module(sys.argv[1])
lv.registerErrorHandler(lambda _ctx, _err: None, None)
out: dict[str, Any] = {}
U1, U2, U3 = ("6dd3e4a5-1d76-44ce-961f-f119f5aad935", "11111111-2222-3333-4444-555555555555",
              "0b0cfbb9-9a4c-4b0b-9f3e-1c1b2a3d4e5f")


def sec(uuid: str, usage: str = "<usage type='ceph'><name>client.a</name></usage>",
        private: str = "no", ephemeral: str = "no") -> str:
    return (f"<secret ephemeral='{ephemeral}' private='{private}'><uuid>{uuid}</uuid>"
            f"{usage}</secret>")


def call(case: str, func: Any, *args: Any) -> Any:
    try:
        res = func(*args)
    except lv.libvirtError as exc:
        out[case] = [exc.get_error_code(), exc.get_error_domain(), str(exc)]
        return None
    out[case] = res if isinstance(res, (int, str)) else "ok"
    return res


conn = lv.open(sys.argv[2])
a = call("define", conn.secretDefineXML, sec(U1), 0)
out["xml"] = a.XMLDesc(0)
call("no value yet", a.value, 0)
call("set value", a.setValue, b"v1", 0)
out["value"] = a.value(0).decode()
call("same usage", conn.secretDefineXML, sec(U2), 0)
call("other usage on same uuid", conn.secretDefineXML,
     sec(U1, "<usage type='ceph'><name>client.b</name></usage>"), 0)
call("bad usage type", conn.secretDefineXML, sec(U2, "<usage type='nope'/>"), 0)
call("usage without name", conn.secretDefineXML, sec(U2, "<usage type='ceph'/>"), 0)
call("volume usage without path", conn.secretDefineXML, sec(U2, "<usage type='volume'/>"), 0)
p = call("define private", conn.secretDefineXML,
         sec(U3, "<usage type='iscsi'><target>iqn.x</target></usage>", private="yes"), 0)
call("set private value", p.setValue, b"hidden", 0)
call("get private value", p.value, 0)
call("drop private flag", conn.secretDefineXML,
     sec(U3, "<usage type='iscsi'><target>iqn.x</target></usage>"), 0)
call("lookup missing uuid", conn.secretLookupByUUIDString, U2)
call("lookup bad uuid", conn.secretLookupByUUIDString, "not-a-uuid")
call("lookup missing usage", conn.secretLookupByUsage, lv.VIR_SECRET_USAGE_TYPE_CEPH, "nope")
out["usage id"] = conn.secretLookupByUsage(lv.VIR_SECRET_USAGE_TYPE_CEPH,
                                           "client.a").usageID()
call("list bad flags", conn.listAllSecrets, 1 << 20)
out["private list"] = [s.UUIDString() for s in
                       conn.listAllSecrets(lv.VIR_CONNECT_LIST_SECRETS_PRIVATE)]
call("set value bad flags", a.setValue, b"x", 1)
call("undefine", a.undefine)
call("undefine twice", a.undefine)
call("undefine private", p.undefine)
out["left"] = conn.listSecrets()
conn.close()
print(json.dumps(out, sort_keys=True))
