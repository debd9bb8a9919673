#!/usr/bin/python3
"""Capture libvirt 9.0's answers to the migration tunables on an inactive and a running guest.

Run with Debian's python3 (python3-libvirt), as root:
``/usr/bin/python3 tests/reference/capture_qemu_migparams.py WORKDIR GUEST_DIR > out.json``
(GUEST_DIR from ``tools/build_guest.py --print-dir``).  It defines the test
guest on libvirt's own ``qemu:///embed?root=WORKDIR/lv``, asks the
migration calls while it is shut off, starts it and asks them again; each
answer is printed as ["ok", value] or its error as [code, domain, message].
tests/data/qemu_migparams/libvirt90.json is its output;
tests/drivers/qemu/test_qemu_migparams.py makes the same calls in the same
order on pyvirt.
"""
# ruff: noqa: E501, E701, E702
import json
import os
import subprocess
import sys
from pathlib import Path

import libvirt
from refutil import EMBED_QEMU_CONF, open_embedded

root = sys.argv[1]
guest = sys.argv[2]
os.makedirs(root, exist_ok=True)
img = root + "/vda.qcow2"
subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", img, "64M"], check=True)
xml = f"""<domain type='qemu'><name>mig</name><memory unit='MiB'>96</memory><vcpu>1</vcpu>
<os><type arch='x86_64' machine='pc'>hvm</type><kernel>{guest}/vmlinuz</kernel><initrd>{guest}/initrd.img</initrd>
<cmdline>console=ttyS0 quiet panic=-1</cmdline></os><features><acpi/></features>
<devices><disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='{img}'/><target dev='vda' bus='virtio'/></disk>
<serial type='pty'/><console type='pty'/></devices></domain>"""
c = open_embedded(libvirt, root + "/lv")
d = c.defineXML(xml)
PC = libvirt.VIR_DOMAIN_MIGRATE_MAX_SPEED_POSTCOPY


def err(f):
    # python3-libvirt's migrateGetMaxDowntime and migrateGetCompressionCache
    # return None on failure: the error is then the thread's last error.
    libvirt.virResetLastError()
    try: value = f()
    except libvirt.libvirtError as e: return [e.get_error_code(), e.get_error_domain(), str(e)]
    last = libvirt.virGetLastError()
    if value is None and last is not None:
        return [last[0], last[1], last[2]]
    return ["ok", value]


def calls(tag):
    """The sequence the pyvirt test repeats (same names, same order)."""
    return [
        (f"{tag}getspeed", lambda: d.migrateGetMaxSpeed(0)),
        (f"{tag}getspeed_pc", lambda: d.migrateGetMaxSpeed(PC)),
        (f"{tag}getspeed_badflag", lambda: d.migrateGetMaxSpeed(4)),
        (f"{tag}setspeed_over", lambda: d.migrateSetMaxSpeed(8796093022208, 0)),
        (f"{tag}setspeed_pc_over", lambda: d.migrateSetMaxSpeed(8796093022208, PC)),
        (f"{tag}setspeed_max", lambda: d.migrateSetMaxSpeed(8796093022207, 0)),
        (f"{tag}getspeed_after_max", lambda: d.migrateGetMaxSpeed(0)),
        (f"{tag}setspeed", lambda: d.migrateSetMaxSpeed(100, 0)),
        (f"{tag}getspeed_after", lambda: d.migrateGetMaxSpeed(0)),
        (f"{tag}setspeed_pc", lambda: d.migrateSetMaxSpeed(50, PC)),
        (f"{tag}getspeed_pc_after", lambda: d.migrateGetMaxSpeed(PC)),
        (f"{tag}setspeed_pc_big", lambda: d.migrateSetMaxSpeed(17592186044415, PC)),
        (f"{tag}getspeed_pc_big", lambda: d.migrateGetMaxSpeed(PC)),
        (f"{tag}setspeed_pc_huge", lambda: d.migrateSetMaxSpeed(17592186044416, PC)),
        (f"{tag}setspeed_pc_back", lambda: d.migrateSetMaxSpeed(50, PC)),
        (f"{tag}getspeed_after_pc", lambda: d.migrateGetMaxSpeed(0)),
        (f"{tag}setspeed_badflag", lambda: d.migrateSetMaxSpeed(1, 2)),
        (f"{tag}getdowntime", lambda: d.migrateGetMaxDowntime(0)),
        (f"{tag}getdowntime_badflag", lambda: d.migrateGetMaxDowntime(1)),
        (f"{tag}setdowntime", lambda: d.migrateSetMaxDowntime(500, 0)),
        (f"{tag}getdowntime_after", lambda: d.migrateGetMaxDowntime(0)),
        (f"{tag}setdowntime_zero", lambda: d.migrateSetMaxDowntime(0, 0)),
        (f"{tag}setdowntime_huge", lambda: d.migrateSetMaxDowntime(2000001, 0)),
        (f"{tag}getdowntime_end", lambda: d.migrateGetMaxDowntime(0)),
        (f"{tag}setdowntime_badflag", lambda: d.migrateSetMaxDowntime(1, 1)),
        (f"{tag}getcache", lambda: d.migrateGetCompressionCache(0)),
        (f"{tag}getcache_badflag", lambda: d.migrateGetCompressionCache(1)),
        (f"{tag}setcache", lambda: d.migrateSetCompressionCache(1 << 25, 0)),
        (f"{tag}getcache_after", lambda: d.migrateGetCompressionCache(0)),
        (f"{tag}setcache_odd", lambda: d.migrateSetCompressionCache(12345, 0)),
        (f"{tag}setcache_small", lambda: d.migrateSetCompressionCache(1024, 0)),
        (f"{tag}setcache_zero", lambda: d.migrateSetCompressionCache(0, 0)),
        (f"{tag}getcache_end", lambda: d.migrateGetCompressionCache(0)),
        (f"{tag}setcache_badflag", lambda: d.migrateSetCompressionCache(1 << 25, 1)),
        (f"{tag}postcopy", lambda: d.migrateStartPostCopy(0)),
        (f"{tag}postcopy_badflag", lambda: d.migrateStartPostCopy(1)),
    ]


out = {}
for name, f in calls("off_"):
    out[name] = err(f)
d.create()
for name, f in calls("on_"):
    out[name] = err(f)
d.destroy()
for name, f in calls("after_"):
    out[name] = err(f)
d.undefine()
c.close()
json.dump(out, sys.stdout, indent=1, sort_keys=True)
print()

# Debian's virsh on the same guest XML, the commands tests/daemon/test_qemu_resources_virsh.py
# runs through pyvirtd on its running guest 'resvirsh' (stdout and stderr apart; libvirt's
# own log lines left out): written to WORKDIR/virsh.json, kept as
# tests/data/qemu_migparams/virsh90.json.
VIRSH_CMDS = ["migrate-getspeed {n}", "migrate-getspeed {n} --postcopy",
              "migrate-setspeed {n} 100", "migrate-getspeed {n}",
              "migrate-setspeed {n} --bandwidth 30 --postcopy", "migrate-getspeed {n} --postcopy",
              "migrate-getmaxdowntime {n}", "migrate-setmaxdowntime {n} 700",
              "migrate-getmaxdowntime {n}", "migrate-compcache {n}",
              "migrate-compcache {n} --size 33554432", "migrate-compcache {n}",
              "migrate-compcache {n} --size 1000", "migrate-setmaxdowntime {n} 3000000",
              "migrate-setspeed {n} 8796093022208", "migrate-postcopy {n}"]
Path(root, "v.xml").write_text(xml.replace("<name>mig</name>", "<name>resvirsh</name>"))
# a root of its own: this process keeps the first one's embedded driver (and its lock)
os.makedirs(root + "/lv2/etc", exist_ok=True)
Path(root, "lv2/etc/qemu.conf").write_text(EMBED_QEMU_CONF)
uri = f"qemu:///embed?root={root}/lv2"
subprocess.run(["virsh", "-c", uri, f"define {root}/v.xml; start resvirsh"], capture_output=True, check=True)
res = subprocess.run(["virsh", "-c", uri, "; ".join(c.format(n="resvirsh") for c in VIRSH_CMDS)],
                     capture_output=True, text=True, check=False)
subprocess.run(["virsh", "-c", uri, "destroy resvirsh; undefine resvirsh"], capture_output=True, check=True)
err_lines = [line for line in res.stderr.splitlines(True) if not line[:4].isdigit()]
Path(root, "virsh.json").write_text(json.dumps({"commands": VIRSH_CMDS, "rc": res.returncode, "stdout": res.stdout,
                                                "stderr": "".join(err_lines)}, indent=1) + "\n")
