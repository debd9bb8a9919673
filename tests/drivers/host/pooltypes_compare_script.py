"""Pool types this kernel cannot serve fully, against libvirt-python or pyvirt.

Usage: pooltypes_compare_script.py MODULE URI BASE DEV -- DEV is an empty
loop device (for the LVM volume group), BASE a scratch directory.  Prints
errors (code, domain, message with BASE/DEV replaced) and XML as JSON.
Run where /etc/lvm and /run/lock are private (a tmpfs in a mount namespace).
"""

from __future__ import annotations

import importlib
import json
import re
import sys
from typing import Any

from compare_common import cleaner, recorder

MOD, URI, BASE, DEV = sys.argv[1:5]
lv: Any = importlib.import_module(MOD)
lv.registerErrorHandler(lambda _ctx, _err: None, None)
out: dict[str, Any] = {}


_clean = cleaner([(BASE, "BASE"), (DEV, "DEV")])


def clean(text: str) -> str:
    # LVM tools name the process that leaked descriptors to them: not part of the answer
    text = re.sub(r"File descriptor \d+ \([^)]*\) leaked on \S+ invocation\. Parent PID "
                  r"\d+: \S+\n?", "", _clean(text))
    return text.strip()


call = recorder(lv, out, clean)


POOLS = {
    "netfs-nfs": "<pool type='netfs'><name>nfs</name><source><host name='127.0.0.1'/>"
                 "<dir path='/export'/><format type='nfs'/></source><target><path>BASE/mnt"
                 "</path></target></pool>",
    "netfs-auto": "<pool type='netfs'><name>nfsa</name><source><host name='127.0.0.1'/>"
                  "<dir path='/export'/></source><target><path>BASE/mnt</path></target></pool>",
    "netfs-cifs": "<pool type='netfs'><name>cifs</name><source><host name='127.0.0.1'/>"
                  "<dir path='share'/><format type='cifs'/></source><target><path>BASE/mnt"
                  "</path></target></pool>",
    "netfs-gluster": "<pool type='netfs'><name>glfs</name><source><host name='127.0.0.1'/>"
                     "<dir path='/vol'/><format type='glusterfs'/></source><target><path>"
                     "BASE/mnt</path></target></pool>",
    "scsi": "<pool type='scsi'><name>scsi</name><source><adapter type='scsi_host' "
            "name='host0'/></source><target><path>/dev/disk/by-path</path></target></pool>",
    "mpath": "<pool type='mpath'><name>mp</name><target><path>/dev/mapper</path></target>"
             "</pool>",
    "sheepdog": "<pool type='sheepdog'><name>sd</name><source><host name='127.0.0.1'/>"
                "<name>sd</name></source></pool>",
}
conn = lv.open(URI)
for kind, xml in POOLS.items():
    pool = call(f"{kind} define", conn.storagePoolDefineXML, xml.replace("BASE", BASE), 0)
    if pool is None:
        continue
    call(f"{kind} build", pool.build, 0)
    if call(f"{kind} start", pool.create, 0) is not None:
        out[f"{kind} xml"] = clean(pool.XMLDesc(0))
        out[f"{kind} volumes"] = pool.listVolumes()
        call(f"{kind} destroy", pool.destroy)
    call(f"{kind} undefine", pool.undefine)

vg = conn.storagePoolDefineXML(f"<pool type='logical'><name>pyvg</name><source><device "
                               f"path='{DEV}'/></source><target><path>/dev/pyvg</path>"
                               "</target></pool>", 0)
out["logical defined xml"] = clean(vg.XMLDesc(0))
call("logical start unbuilt", vg.create, 0)
call("logical build", vg.build, 0)
call("logical build again", vg.build, lv.VIR_STORAGE_POOL_BUILD_NO_OVERWRITE)
call("logical start", vg.create, 0)
out["logical xml"] = re.sub(r"<(available|allocation|capacity) unit='bytes'>\d+",
                            r"<\1 unit='bytes'>N", clean(vg.XMLDesc(0)))
out["logical info"] = vg.info()
out["logical volumes"] = vg.listVolumes()
call("logical vol create", vg.createXML, "<volume><name>lv1</name><capacity unit='M'>4"
     "</capacity></volume>", 0)
out["logical volumes after create"] = vg.listVolumes()
call("logical find sources", conn.findStoragePoolSources, "logical", None, 0)
call("logical destroy", vg.destroy)
call("logical delete", vg.delete, 0)
call("logical undefine", vg.undefine)
for kind, spec in (("netfs", "<source><host name='127.0.0.1'/><format type='nfs'/></source>"),
                   ("netfs", "<source><format type='nfs'/></source>"),
                   ("disk", None), ("fs", None), ("dir", None)):
    call(f"{kind} find sources {bool(spec and 'host' in spec)}",
         conn.findStoragePoolSources, kind, spec, 0)
conn.close()
print(json.dumps(out, indent=1, sort_keys=True))
