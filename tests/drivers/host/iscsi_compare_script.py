"""The same iscsi-direct pool calls against libvirt-python or pyvirt; prints JSON.

Usage: iscsi_compare_script.py MODULE URI PORTAL TARGET CHAP_TARGET INITIATOR USER PASSWORD
-- MODULE is ``libvirt`` (Debian's python3 with python3-libvirt) or ``pyvirt``.
UUIDs are left out and the portal's port is written PORT.
"""

from __future__ import annotations

import importlib
import json
import sys
from typing import Any

from compare_util import Record

MOD, URI, PORTAL, TARGET, CHAP_TARGET, INITIATOR, USER, PASSWORD = sys.argv[1:9]
HOST, PORT = PORTAL.rsplit(":", 1)
lv: Any = importlib.import_module(MOD)
out = Record(lv, [(f"port='{PORT}'", "port='PORT'"), (PORTAL, "PORTAL")])
clean, call = out.clean, out.call
SECRET = "6f3fc3e5-0c4b-4a8e-9c55-0d0b4f6a9b01"


def pool_xml(name: str, target: str = TARGET, port: str = PORT, auth: str = "") -> str:
    return (f"<pool type='iscsi-direct'><name>{name}</name><source><host name='{HOST}' "
            f"port='{port}'/><device path='{target}'/>{auth}<initiator><iqn name='{INITIATOR}'/>"
            "</initiator></source></pool>")


conn = lv.open(URI)
pool = conn.storagePoolCreateXML(pool_xml("isc"), 0)
out["pool.xml"] = clean(pool.XMLDesc(0))
out["pool.info"] = pool.info()
for vol in pool.listAllVolumes(0):
    out[f"{vol.name()}.xml"] = clean(vol.XMLDesc(0))
    out[f"{vol.name()}.info"] = vol.info()
    out[f"{vol.name()}.path"] = clean(vol.path())
lun1 = pool.storageVolLookupByName("unit:0:0:1")
call("vol create", pool.createXML, "<volume><name>x</name><capacity>1</capacity></volume>", 0)
call("vol delete", lun1.delete, 0)
call("vol resize", lun1.resize, 1 << 30, 0)
call("vol upload", lun1.upload, conn.newStream(0), 0, 0, 0)
call("lookup missing", pool.storageVolLookupByName, "unit:0:0:9")
call("refresh", pool.refresh, 0)
out["volumes"] = sorted(pool.listVolumes())
call("unknown target", conn.storagePoolCreateXML, pool_xml("bad", TARGET + "-nope"), 0)
call("no initiator", conn.storagePoolCreateXML,
     f"<pool type='iscsi-direct'><name>ni</name><source><host name='{HOST}'/>"
     f"<device path='{TARGET}'/></source></pool>", 0)
sec = conn.secretDefineXML(f"<secret ephemeral='no' private='no'><uuid>{SECRET}</uuid>"
                           f"<usage type='iscsi'><target>{USER}</target></usage></secret>")
sec.setValue(PASSWORD.encode())
auth = (f"<auth type='chap' username='{USER}'><secret usage='{USER}'/></auth>")
chap = call("chap pool", conn.storagePoolCreateXML, pool_xml("chap", CHAP_TARGET, auth=auth), 0)
if chap is not None:
    out["chap.xml"] = clean(chap.XMLDesc(0))
    out["chap volumes"] = sorted(chap.listVolumes())
    chap.destroy()
out["pools"] = sorted(p.name() for p in conn.listAllStoragePools(0))
pool.destroy()
conn.close()
print(json.dumps(out.out, indent=1, sort_keys=True))
