"""Bad input against libvirt-python or pyvirt; prints the answers as JSON.

Usage: badinput_script.py MODULE URI BASE.  BASE/file is a regular file.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
from typing import Any

from compare_common import cleaner, recorder

MOD, URI, BASE = sys.argv[1:4]
lv: Any = importlib.import_module(MOD)
lv.registerErrorHandler(lambda _ctx, _err: None, None)
out: dict[str, Any] = {}


call = recorder(lv, out, cleaner([(BASE, "BASE")]))


conn = lv.open(URI)
target = f"<target><path>{BASE}/file</path></target>"
call("create on a file", conn.storagePoolCreateXML,
     f"<pool type='dir'><name>f1</name>{target}</pool>", 0)
call("create with build on a file", conn.storagePoolCreateXML,
     f"<pool type='dir'><name>f2</name>{target}</pool>", lv.VIR_STORAGE_POOL_CREATE_WITH_BUILD)
pool = conn.storagePoolDefineXML(f"<pool type='dir'><name>f3</name>{target}</pool>", 0)
call("build on a file", pool.build, 0)
call("start on a file", pool.create, 0)
out["still a file"] = os.path.isfile(f"{BASE}/file")
out["pools"] = sorted(p.name() for p in conn.listAllStoragePools(0))
out["active"] = pool.isActive()
pool.undefine()
target = f"<target><path>{BASE}/file/sub</path></target>"
call("build below a file", conn.storagePoolCreateXML,
     f"<pool type='dir'><name>f4</name>{target}</pool>", lv.VIR_STORAGE_POOL_CREATE_WITH_BUILD)
conn.close()
print(json.dumps(out, indent=1, sort_keys=True))
