"""The same storage calls against libvirt-python or pyvirt; prints what came back as JSON.

Usage: compare_script.py MODULE BASE URI -- MODULE is ``libvirt`` (Debian's
python3 with python3-libvirt) or ``pyvirt``.  BASE/small must be a 4 MiB
tmpfs.  Paths are printed with BASE replaced by ``BASE``; UUIDs and
timestamps (which differ from run to run) are left out.
"""

from __future__ import annotations

import importlib
import json
import re
import sys
from typing import Any

MOD, BASE, URI = sys.argv[1], sys.argv[2], sys.argv[3]
lv: Any = importlib.import_module(MOD)
lv.registerErrorHandler(lambda _ctx, _err: None, None)     # no error printing on stderr
out: dict[str, Any] = {}


def clean(text: str) -> str:
    text = text.replace(BASE, "BASE")
    text = re.sub(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "UUID", text)
    return re.sub(r"\s*<timestamps>.*?</timestamps>", "", text, flags=re.DOTALL)


def no_sizes(text: str) -> str:
    return re.sub(r"<(capacity|allocation|available) unit='bytes'>\d+<", r"<\1 unit='bytes'>N<",
                  text)


def call(case: str, func: Any, *args: Any) -> Any:
    try:
        res = func(*args)
    except lv.libvirtError as exc:
        out[case] = [exc.get_error_code(), exc.get_error_domain(), clean(str(exc))]
        return None
    out[case] = "ok"
    return res


def vol(name: str, cap: str, fmt: str = "raw", alloc: str | None = None,
        extra: str = "") -> str:
    a = f"<allocation unit='M'>{alloc}</allocation>" if alloc is not None else ""
    return (f"<volume><name>{name}</name><capacity unit='M'>{cap}</capacity>{a}"
            f"<target><format type='{fmt}'/></target>{extra}</volume>")


conn = lv.open(URI)
big = conn.storagePoolCreateXML(f"<pool type='dir'><name>big</name><target><path>{BASE}/pool"
                                "</path></target></pool>",
                                lv.VIR_STORAGE_POOL_CREATE_WITH_BUILD)
small = conn.storagePoolCreateXML(f"<pool type='dir'><name>small</name><target><path>{BASE}"
                                  "/small/pool</path></target></pool>",
                                  lv.VIR_STORAGE_POOL_CREATE_WITH_BUILD)
out["big.xml"] = no_sizes(clean(big.XMLDesc(0)))

raw = big.createXML(vol("raw.img", "2", alloc="0"), 0)
full = small.createXML(vol("full.img", "1"), 0)
q = big.createXML(vol("q.qcow2", "10", "qcow2"), 0)
backing = f"<backingStore><path>{BASE}/pool/raw.img</path><format type='raw'/></backingStore>"
top = big.createXML(vol("top.qcow2", "2", "qcow2", extra=backing), 0)
clone = big.createXMLFrom(vol("clone.qcow2", "1", "qcow2"), raw, 0)
for v in (raw, full, q, top, clone):
    out[f"{v.name()}.xml"] = clean(v.XMLDesc(0))
    out[f"{v.name()}.info"] = v.info()
out["small.xml"] = clean(small.XMLDesc(0))
out["small.info"] = small.info()[:1]

call("vol name with slash", big.createXML, vol("a/b", "1"), 0)
call("vol name dotdot", big.createXML, vol("..", "1"), 0)
call("vol exists", big.createXML, vol("raw.img", "1"), 0)
call("vol beyond free space", small.createXML, vol("huge.img", "8"), 0)
out["after beyond free space"] = sorted(small.listVolumes())
call("raw with backing", big.createXML, vol("rb.img", "1", extra=backing), 0)
call("bad format", big.createXML, vol("bf.img", "1", "nope"), 0)
call("pool name with slash", conn.storagePoolCreateXML,
     f"<pool type='dir'><name>a/b</name><target><path>{BASE}/x</path></target></pool>", 0)
call("pool target clash", conn.storagePoolCreateXML,
     f"<pool type='dir'><name>other</name><target><path>{BASE}/pool</path></target></pool>", 0)
call("pool no target", conn.storagePoolCreateXML,
     "<pool type='dir'><name>nt</name></pool>", 0)
call("pool missing dir", conn.storagePoolCreateXML,
     f"<pool type='dir'><name>md</name><target><path>{BASE}/missing</path></target></pool>", 0)
call("lookup pool", conn.storagePoolLookupByName, "nope")
call("lookup vol", big.storageVolLookupByName, "nope")
call("lookup path", conn.storageVolLookupByPath, f"{BASE}/nope")
call("lookup key", conn.storageVolLookupByKey, f"{BASE}/nope")
call("shrink without flag", raw.resize, 1024, 0)
call("shrink with flag", raw.resize, 1 << 20, lv.VIR_STORAGE_VOL_RESIZE_SHRINK)
out["raw.img.info after shrink"] = raw.info()
call("grow qcow2", q.resize, 20 << 20, 0)
out["q.qcow2.info after grow"] = q.info()
call("wipe zero", raw.wipe, 0)
call("wipe bad algorithm", raw.wipePattern, 99, 0)
call("list flags", conn.listAllStoragePools, 1 << 30)

st = conn.newStream(0)
raw.upload(st, 0, 0, 0)
st.send(b"\x01" * (3 << 20))
st.finish()
out["raw.img.info after big upload"] = raw.info()

# A transfer marks its volume in use only while it is set up: while one runs, the
# volume may be downloaded again, uploaded to, its pool refreshed, and it deleted
cur = big.createXML(vol("cur.img", "1"), 0)
first = conn.newStream(0)
call("download", cur.download, first, 0, 0, 0)
second = conn.newStream(0)
call("second download while one runs", cur.download, second, 0, 0, 0)
third = conn.newStream(0)
call("upload while a download runs", cur.upload, third, 0, 0, 0)
call("pool refresh while a download runs", big.refresh, 0)
cur = big.storageVolLookupByName("cur.img")
call("delete while a download runs", cur.delete, 0)
got: list[int] = []
if out["second download while one runs"] == "ok":        # (an unbound stream would wait)
    call("second download after the delete", second.recvAll,
         lambda _s, d, _o: got.append(len(d)), None)
out["bytes of the second download"] = sum(got)
for stream in (third, second, first):
    try:
        stream.abort()
    except lv.libvirtError:
        pass
out["volumes after the delete"] = sorted(big.listVolumes())

edge = big.createXML(vol("edge.img", "1"), 0)


def received(stream: Any) -> int:
    sizes: list[int] = []
    stream.recvAll(lambda _s, d, got: got.append(len(d)), sizes)
    stream.finish()
    return sum(sizes)


def sent(stream: Any) -> list[int]:
    stream.send(b"\x02" * 4096)
    stream.finish()
    return edge.info()


for case, off, length in (("download from the middle", 1 << 19, 0),
                          ("download past the end", 1 << 20, 4096),
                          ("download far past the end", 8 << 20, 4096),
                          ("download longer than the rest", (1 << 20) - 100, 4096)):
    stream = conn.newStream(0)
    call(case, edge.download, stream, off, length, 0)
    if out[case] == "ok":
        out[case + ": bytes"] = call(case + ": receive", received, stream)
for case, off in (("upload past the end", 2 << 20), ("upload at the end", 1 << 20)):
    stream = conn.newStream(0)
    call(case, edge.upload, stream, off, 0, 0)
    if out[case] == "ok":
        out[case + ": info"] = call(case + ": send", sent, stream)

call("delete vol", full.delete, 0)
call("delete vol twice", full.delete, 0)
out["small vols"] = sorted(small.listVolumes())
call("destroy", small.destroy)
call("destroy twice", small.destroy)
out["pools"] = sorted(p.name() for p in conn.listAllStoragePools(0))
for v in big.listAllVolumes(0):
    v.delete(0)
big.destroy()
conn.close()
print(json.dumps(out, indent=1, sort_keys=True))
