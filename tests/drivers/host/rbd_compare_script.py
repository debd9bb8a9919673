"""The same rbd pool calls against libvirt-python or pyvirt; prints what came back as JSON.

Usage: rbd_compare_script.py MODULE URI MON KEY PREFIX WRONG -- MODULE is ``libvirt``
(Debian's python3 with python3-libvirt) or ``pyvirt``; MON is the cluster's
monitor ``host:port``, KEY client.admin's cephx key (base64), PREFIX starts
the names of the images this run makes (the two sides share one cluster),
WRONG a key the cluster refuses (a malformed one fails at once; a well-formed
unknown one only after libvirt's 30 s mount timeout).
UUIDs are left out of the output, sizes that depend on the cluster's state
are replaced by N.
"""

from __future__ import annotations

import base64
import importlib
import json
import re
import sys
from typing import Any

from compare_util import Record

MOD, URI, MON, KEY, PREFIX, WRONG_KEY = sys.argv[1:7]
HOST, PORT = MON.rsplit(":", 1)
lv: Any = importlib.import_module(MOD)
out = Record(lv, [(PREFIX, "P-"), (f"port='{PORT}'", "port='PORT'"), (f"{HOST}:{PORT}", "MON")])
clean, call = out.clean, out.call
SECRET = "6f3fc3e5-0c4b-4a8e-9c55-0d0b4f6a9a01"
BAD_SECRET = "6f3fc3e5-0c4b-4a8e-9c55-0d0b4f6a9a02"


def no_sizes(text: str) -> str:
    return re.sub(r"<(capacity|allocation|available) unit='bytes'>\d+<", r"<\1 unit='bytes'>N<",
                  text)


def pool_xml(name: str, secret: str = SECRET, port: str = PORT, source: str = "pyvirt") -> str:
    return (f"<pool type='rbd'><name>{name}</name><source><host name='{HOST}' port='{port}'/>"
            f"<name>{source}</name><auth type='ceph' username='admin'>"
            f"<secret uuid='{secret}'/></auth></source></pool>")


def vol(name: str, cap: str, unit: str = "M") -> str:
    return (f"<volume><name>{name}</name><capacity unit='{unit}'>{cap}</capacity>"
            "</volume>")


conn = lv.open(URI)
for uuid, key in ((SECRET, KEY), (BAD_SECRET, WRONG_KEY)):
    sec = conn.secretDefineXML(f"<secret ephemeral='no' private='no'><uuid>{uuid}</uuid>"
                               f"<usage type='ceph'><name>{uuid} key</name></usage></secret>")
    sec.setValue(base64.b64decode(key))

pool = conn.storagePoolCreateXML(pool_xml("ceph"), 0)
out["pool.xml"] = no_sizes(clean(pool.XMLDesc(0)))
info = pool.info()
out["pool.info sane"] = [info[0], info[1] > 0, 0 < info[3] <= info[1]]

a = pool.createXML(vol(f"{PREFIX}a", "8"), 0)
out["a.xml"] = clean(a.XMLDesc(0))
out["a.info"] = a.info()
out["a.path"] = clean(a.path())
out["a.key"] = clean(a.key())
out["lookup by path"] = clean(conn.storageVolLookupByPath(a.path()).name())
data = bytes(range(256)) * 4096                       # 1 MiB


def upload_download() -> bool:
    """libvirt 9.0's rbd backend has no upload (pyvirt has): whether the data came back."""
    st = conn.newStream(0)
    try:
        a.upload(st, 4096, len(data), 0)
    except lv.libvirtError:
        st.abort()
        raise
    st.send(data)
    st.finish()
    st = conn.newStream(0)
    a.download(st, 4096, len(data), 0)
    got = b""
    while True:
        chunk = st.recv(1 << 20)
        if not chunk:
            break
        got += chunk
    st.finish()
    return got == data


out["download == upload"] = call("upload", upload_download)
b = call("clone", pool.createXMLFrom, vol(f"{PREFIX}b", "4"), a, 0)
if b is not None:
    out["b.xml"] = clean(b.XMLDesc(0))
    out["b.info"] = b.info()
call("grow", a.resize, 16 << 20, 0)
out["a.info after grow"] = a.info()
call("shrink without flag", a.resize, 1 << 20, 0)
call("shrink with flag", a.resize, 4 << 20, lv.VIR_STORAGE_VOL_RESIZE_SHRINK)
out["a.info after shrink"] = a.info()
call("refresh", pool.refresh, 0)
out["volumes"] = sorted(clean(n) for n in pool.listVolumes() if n.startswith(PREFIX))

slashed = call("vol name with slash", pool.createXML, vol(f"{PREFIX}x/y", "1"), 0)
if slashed is not None:          # libvirt 9.0 makes it (pyvirt refuses, see the test)
    slashed.delete(0)
call("vol exists", pool.createXML, vol(f"{PREFIX}a", "1"), 0)
call("vol beyond free space", pool.createXML, vol(f"{PREFIX}huge", "64", "G"), 0)
out["volumes after errors"] = sorted(clean(n) for n in pool.listVolumes()
                                     if n.startswith(PREFIX))
call("lookup missing image", pool.storageVolLookupByName, f"{PREFIX}nope")
call("lookup unknown pool", conn.storagePoolLookupByName, "nope")
call("wrong key", conn.storagePoolCreateXML, pool_xml("wrongkey", BAD_SECRET), 0)
if isinstance(out["wrong key"], list):     # errno texts differ (see the test)
    out["wrong key"][2] = out["wrong key"][2].split(": ")[0]
call("unknown secret", conn.storagePoolCreateXML,
     pool_xml("nosecret", "6f3fc3e5-0c4b-4a8e-9c55-0d0b4f6a9a03"), 0)
call("missing ceph pool", conn.storagePoolCreateXML, pool_xml("nopool", source="nope"), 0)
out["pools after errors"] = sorted(p.name() for p in conn.listAllStoragePools(0))

if b is not None:
    call("delete clone", b.delete, 0)
call("delete with snapshot", a.delete, 0)
if isinstance(out["delete with snapshot"], list):     # errno texts differ (see the test)
    out["delete with snapshot"][2] = out["delete with snapshot"][2].split(": ")[0]
call("delete with snapshots flag", a.delete, lv.VIR_STORAGE_VOL_DELETE_WITH_SNAPSHOTS)
huge = call("lookup huge", pool.storageVolLookupByName, f"{PREFIX}huge")
if huge is not None:
    huge.delete(0)
out["volumes at end"] = sorted(clean(n) for n in pool.listVolumes() if n.startswith(PREFIX))
pool.destroy()
conn.close()
print(json.dumps(out.out, indent=1, sort_keys=True))
