"""Disk-pool calls against libvirt-python or pyvirt; prints what came back as JSON.

Usage: disk_compare_script.py MODULE URI DEV1 DEV2 -- MODULE is ``libvirt``
(Debian's python3) or ``pyvirt``; DEV1 and DEV2 are empty loop devices made
with partition scanning.  Device names are printed as DEV1/DEV2; UUIDs and
timestamps are left out.  Only what libvirt 9.0 gets right on loop devices
is asked (its volume deletion cannot parse 'loop0p1').
"""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
from typing import Any

from compare_common import cleaner, recorder

MOD, URI, DEV1, DEV2 = sys.argv[1:5]
lv: Any = importlib.import_module(MOD)
lv.registerErrorHandler(lambda _ctx, _err: None, None)
out: dict[str, Any] = {}


clean = cleaner([(DEV1, "DEV1"), (DEV2, "DEV2"), (f"{DEV1.split('/')[-1]}p", "DEV1p"),
                 (f"{DEV2.split('/')[-1]}p", "DEV2p")])
call = recorder(lv, out, clean)


def pool_xml(name: str, dev: str, fmt: str | None) -> str:
    f = f"<format type='{fmt}'/>" if fmt else ""
    return (f"<pool type='disk'><name>{name}</name><source><device path='{dev}'/>{f}"
            "</source><target><path>/dev</path></target></pool>")


def vol_xml(name: str, mib: int, fmt: str | None = None) -> str:
    f = f"<target><format type='{fmt}'/></target>" if fmt else ""
    return f"<volume><name>{name}</name><capacity unit='M'>{mib}</capacity>{f}</volume>"


conn = lv.open(URI)
base1, base2 = DEV1.split("/")[-1], DEV2.split("/")[-1]
gpt = conn.storagePoolDefineXML(pool_xml("gpt", DEV1, "gpt"), 0)
call("start unbuilt", gpt.create, 0)
call("build", gpt.build, 0)
call("build again", gpt.build, 0)
call("build no overwrite", gpt.build, lv.VIR_STORAGE_POOL_BUILD_NO_OVERWRITE)
call("build overwrite", gpt.build, lv.VIR_STORAGE_POOL_BUILD_OVERWRITE)
call("start", gpt.create, 0)
out["gpt.xml"] = clean(gpt.XMLDesc(0))
out["gpt.info"] = gpt.info()
call("too big", gpt.createXML, vol_xml(f"{base1}p1", 800), 0)
out["after too big"] = gpt.listVolumes()
v = call("create", gpt.createXML, vol_xml(f"{base1}p1", 8), 0)
out["gpt vol.xml"] = clean(v.XMLDesc(0))
out["gpt vol.info"] = v.info()
call("resize", v.resize, 16 << 20, 0)
call("encrypted", gpt.createXML, f"<volume><name>{base1}p2</name><capacity>1048576</capacity>"
     "<target><encryption format='luks'/></target></volume>", 0)
call("encrypted with secret", gpt.createXML, f"<volume><name>{base1}p2</name><capacity>1048576"
     "</capacity><target><encryption format='luks'><secret type='passphrase' "
     "uuid='0a81f5b2-8403-7b23-c8d6-21ccc2f80d6f'/></encryption></target></volume>", 0)
call("destroy", gpt.destroy)
gpt.undefine()

subprocess.run(["parted", "-s", DEV2, "mklabel", "msdos"], check=True)
mism = conn.storagePoolDefineXML(pool_xml("mism", DEV2, "gpt"), 0)
call("start mismatch", mism.create, 0)
call("build mismatch", mism.build, 0)
mism.undefine()
dos = conn.storagePoolDefineXML(pool_xml("dos", DEV2, None), 0)
out["dos defined.xml"] = clean(dos.XMLDesc(0))
call("start dos", dos.create, 0)
out["dos.xml"] = clean(dos.XMLDesc(0))
v = call("create dos", dos.createXML, vol_xml(f"{base2}p1", 8, "linux"), 0)
out["dos vol.xml"] = clean(v.XMLDesc(0))
out["dos after create.xml"] = clean(dos.XMLDesc(0))
call("destroy dos", dos.destroy)
dos.undefine()

nodev = conn.storagePoolDefineXML(pool_xml("nodev", "/dev/nonexistent-disk", None), 0)
call("start nodev", nodev.create, 0)
call("build nodev", nodev.build, 0)
nodev.undefine()
conn.close()
print(json.dumps(out, indent=1, sort_keys=True))
