"""An fs pool on a loop device, run inside a private mount namespace (see test_fs_pool.py).

Usage: fs_pool_script.py BASE LOOPDEV -- prints what it saw as JSON.
"""

from __future__ import annotations

import json
import os
import sys

import pyvirt
from pyvirt import constants as C
from pyvirt.drivers.storage.backends.fs import is_mounted

BASE, DEV = sys.argv[1], sys.argv[2]
MNT = f"{BASE}/mnt"
out: dict[str, object] = {}
pyvirt.registerErrorHandler(lambda _c, _e: None, None)


def err(case: str, func, *args) -> None:  # type: ignore[no-untyped-def]
    try:
        func(*args)
        out[case] = "ok"
    except pyvirt.libvirtError as exc:
        out[case] = [exc.get_error_code(), str(exc)]


conn = pyvirt.open(f"qemu:///embed?root={BASE}/root")
pool = conn.storagePoolDefineXML(
    f"<pool type='fs'><name>fsp</name><source><device path='{DEV}'/><format type='ext4'/>"
    f"</source><target><path>{MNT}</path></target></pool>", 0)
err("build auto", conn.storagePoolDefineXML(
    f"<pool type='fs'><name>auto</name><source><device path='{BASE}/other'/></source>"
    f"<target><path>{BASE}/auto</path></target></pool>", 0).build,
    C.VIR_STORAGE_POOL_BUILD_OVERWRITE)
err("build", pool.build, C.VIR_STORAGE_POOL_BUILD_OVERWRITE)
err("build again without overwrite", pool.build, C.VIR_STORAGE_POOL_BUILD_NO_OVERWRITE)
err("start", pool.create, 0)
out["mounted"] = is_mounted(MNT)
vol = pool.createXML("<volume><name>d.qcow2</name><capacity unit='M'>8</capacity>"
                     "<target><format type='qcow2'/></target></volume>", 0)
out["vol path"] = vol.path()
out["volumes"] = pool.listVolumes()
out["pool type in list"] = [p.name() for p in
                            conn.listAllStoragePools(C.VIR_CONNECT_LIST_STORAGE_POOLS_FS)]
out["capacity under 64M"] = pool.info()[1] < 64 << 20
err("destroy", pool.destroy)
out["mounted after destroy"] = is_mounted(MNT)
out["file visible after destroy"] = os.path.exists(f"{MNT}/d.qcow2")
os.makedirs(f"{BASE}/again", exist_ok=True)
conn.close()
conn = pyvirt.open(f"qemu:///embed?root={BASE}/root")
pool = conn.storagePoolLookupByName("fsp")
err("start again", pool.create, 0)
out["volumes again"] = pool.listVolumes()
conn.close()
conn = pyvirt.open(f"qemu:///embed?root={BASE}/root")     # a running pool is taken back
out["active after reopen"] = conn.storagePoolLookupByName("fsp").isActive()
err("destroy again", conn.storagePoolLookupByName("fsp").destroy)
out["mounted at end"] = is_mounted(MNT)
conn.close()
print(json.dumps(out, sort_keys=True))
