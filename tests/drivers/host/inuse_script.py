"""Deleting a volume a running (paused) guest uses, against libvirt-python or pyvirt.

Usage: inuse_script.py MODULE URI BASE -- prints the outcomes as JSON.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
from typing import Any

lv: Any = importlib.import_module(sys.argv[1])
lv.registerErrorHandler(lambda _ctx, _err: None, None)
URI, BASE = sys.argv[2], sys.argv[3]
out: dict[str, Any] = {}
conn = lv.open(URI)
pool = conn.storagePoolCreateXML(f"<pool type='dir'><name>inuse</name><target><path>{BASE}/p"
                                 "</path></target></pool>",
                                 lv.VIR_STORAGE_POOL_CREATE_WITH_BUILD)
vol = pool.createXML("<volume><name>d.img</name><capacity unit='M'>8</capacity></volume>", 0)
dom = conn.createXML("""<domain type='qemu'><name>inuse</name><memory unit='MiB'>64</memory>
<os><type arch='x86_64' machine='pc'>hvm</type></os>
<devices><emulator>/usr/bin/qemu-system-x86_64</emulator>
<disk type='volume' device='disk'><driver name='qemu' type='raw'/>
<source pool='inuse' volume='d.img'/><target dev='vda' bus='virtio'/></disk>
</devices></domain>""", lv.VIR_DOMAIN_START_PAUSED)
out["running"] = dom.isActive()
try:
    vol.delete(0)
    out["delete"] = "ok"
except lv.libvirtError as exc:
    out["delete"] = [exc.get_error_code(), exc.get_error_domain(), str(exc)]
out["file left"] = os.path.exists(f"{BASE}/p/d.img")
out["guest still running"] = dom.isActive()
dom.destroy()
pool.destroy()
conn.close()
print(json.dumps(out, sort_keys=True))
