#!/usr/bin/python3
"""Capture libvirt 9.0's answers to the resource and guest-data calls on the test guest.

Run with Debian's python3 (python3-libvirt), as root:
``/usr/bin/python3 tests/reference/capture_qemu_resources.py WORKDIR GUEST_DIR > out.json``
(GUEST_DIR from ``tools/build_guest.py --print-dir``).  It starts the test
guest on libvirt's own ``qemu:///embed?root=WORKDIR/lv`` and prints, as JSON,
each call's result or its error as [code, domain, message].
tests/data/qemu_resources/libvirt90.json is its output without the XML
documents.  The order of calls matters: libvirt 9.0's QEMU of this guest
dies when a vCPU is plugged while an unplug is pending, so none is.
"""
# ruff: noqa: E501, E701, E702, PLR2004
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import libvirt
from refutil import open_embedded

root = sys.argv[1]
guest = sys.argv[2]
os.makedirs(root, exist_ok=True)
img = root + "/vda.qcow2"
subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", img, "64M"], check=True)
xml = f"""<domain type='qemu'><name>ref</name><memory unit='MiB'>96</memory><currentMemory unit='MiB'>96</currentMemory>
<vcpu current='1'>3</vcpu><os><type arch='x86_64' machine='pc'>hvm</type><kernel>{guest}/vmlinuz</kernel><initrd>{guest}/initrd.img</initrd>
<cmdline>console=ttyS0 quiet panic=-1</cmdline></os><features><acpi/></features>
<devices><disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='{img}'/><target dev='vda' bus='virtio'/></disk>
<interface type='user'><model type='virtio'/></interface>
<serial type='pty'><log file='{root}/serial.log'/></serial><console type='pty'/><graphics type='vnc' autoport='yes' listen='127.0.0.1'/><video><model type='vga'/></video></devices></domain>"""
c = open_embedded(libvirt, root + "/lv")
d = c.createXML(xml, 0)
for _ in range(600):
    if os.path.exists(root + "/serial.log") and b"READY" in Path(root, "serial.log").read_bytes():
        break
    time.sleep(0.1)
out = {}
out["xml"] = d.XMLDesc()
d.setMemoryStatsPeriod(1, libvirt.VIR_DOMAIN_AFFECT_LIVE)
time.sleep(2.5)
out["memstats"] = d.memoryStats()
def err(f):
    try: return ["ok", f()]
    except libvirt.libvirtError as e: return [e.get_error_code(), e.get_error_domain(), str(e)]
out["stats"] = c.getAllDomainStats(0)[0][1]
out["calc"] = err(lambda: d.startDirtyRateCalc(1, 0))
time.sleep(2)
out["stats_dirty"] = c.domainListGetStats([d], libvirt.VIR_DOMAIN_STATS_DIRTYRATE)[0][1]
out["setvcpus2"] = err(lambda: d.setVcpusFlags(2, libvirt.VIR_DOMAIN_AFFECT_LIVE))
time.sleep(1)
out["vcpustats"] = c.domainListGetStats([d], libvirt.VIR_DOMAIN_STATS_VCPU)[0][1]
out["xml2"] = d.XMLDesc()
out["setvcpus0"] = err(lambda: d.setVcpusFlags(0, libvirt.VIR_DOMAIN_AFFECT_LIVE))
out["setvcpus9"] = err(lambda: d.setVcpusFlags(9, libvirt.VIR_DOMAIN_AFFECT_LIVE))
out["setvcpusmaxlive"] = err(lambda: d.setVcpusFlags(2, libvirt.VIR_DOMAIN_AFFECT_LIVE|libvirt.VIR_DOMAIN_VCPU_MAXIMUM))
out["setvcpusguest"] = err(lambda: d.setVcpusFlags(1, libvirt.VIR_DOMAIN_VCPU_GUEST))
out["setvcpu0"] = err(lambda: d.setVcpu("0", 0, libvirt.VIR_DOMAIN_AFFECT_LIVE))
out["setmem_high"] = err(lambda: d.setMemoryFlags(200*1024, libvirt.VIR_DOMAIN_AFFECT_LIVE))
out["setmem"] = err(lambda: d.setMemoryFlags(80*1024, libvirt.VIR_DOMAIN_AFFECT_LIVE))
time.sleep(1)
out["info"] = err(d.info)
out["setmaxmem_live"] = err(lambda: d.setMemoryFlags(80*1024, libvirt.VIR_DOMAIN_AFFECT_LIVE|libvirt.VIR_DOMAIN_MEM_MAXIMUM))
out["period_neg"] = err(lambda: d.setMemoryStatsPeriod(-1, libvirt.VIR_DOMAIN_AFFECT_LIVE))
out["blockinfo"] = err(lambda: d.blockInfo("vda"))
out["blockinfo_bad"] = err(lambda: d.blockInfo("vdz"))
out["blockpeek"] = err(lambda: d.blockPeek("vda", 0, 16).hex())
out["blockpeek_bad"] = err(lambda: d.blockPeek("vdz", 0, 16))
out["memorypeek"] = err(lambda: d.memoryPeek(0, 16, libvirt.VIR_MEMORY_PHYSICAL).hex())
out["memorypeek_virt"] = err(lambda: d.memoryPeek(0, 16, libvirt.VIR_MEMORY_VIRTUAL).hex())
out["memorypeek_both"] = err(lambda: d.memoryPeek(0, 16, 3))
out["diskerrors"] = err(lambda: d.diskErrors())
out["control"] = err(lambda: d.controlInfo())
out["messages"] = err(lambda: d.messages())
out["hostname"] = err(lambda: d.hostname())
out["launchsec"] = err(lambda: d.launchSecurityInfo())
out["setlaunchsec"] = err(lambda: d.setLaunchSecurityState({}, 0))
out["sendkey"] = err(lambda: d.sendKey(libvirt.VIR_KEYCODE_SET_LINUX, 0, [30], 1, 0))
out["sendkey_bad"] = err(lambda: d.sendKey(libvirt.VIR_KEYCODE_SET_LINUX, 0, [60000], 1, 0))
out["sendkey_badset"] = err(lambda: d.sendKey(99, 0, [1], 1, 0))
out["nmi"] = err(lambda: d.injectNMI(0))
out["lifecycle"] = err(lambda: d.setLifecycleAction(libvirt.VIR_DOMAIN_LIFECYCLE_REBOOT, libvirt.VIR_DOMAIN_LIFECYCLE_ACTION_DESTROY, libvirt.VIR_DOMAIN_AFFECT_LIVE))
out["lifecycle_crash_dump"] = err(lambda: d.setLifecycleAction(libvirt.VIR_DOMAIN_LIFECYCLE_POWEROFF, libvirt.VIR_DOMAIN_LIFECYCLE_ACTION_COREDUMP_DESTROY, libvirt.VIR_DOMAIN_AFFECT_LIVE))
out["lifecycle_poweroff_restart"] = err(lambda: d.setLifecycleAction(libvirt.VIR_DOMAIN_LIFECYCLE_POWEROFF, libvirt.VIR_DOMAIN_LIFECYCLE_ACTION_RESTART, libvirt.VIR_DOMAIN_AFFECT_LIVE))
out["meta_set"] = err(lambda: d.setMetadata(libvirt.VIR_DOMAIN_METADATA_DESCRIPTION, "hello", None, None, libvirt.VIR_DOMAIN_AFFECT_LIVE))
out["meta_get"] = err(lambda: d.metadata(libvirt.VIR_DOMAIN_METADATA_DESCRIPTION, None, 0))
out["meta_get_title"] = err(lambda: d.metadata(libvirt.VIR_DOMAIN_METADATA_TITLE, None, 0))
out["meta_el"] = err(lambda: d.setMetadata(libvirt.VIR_DOMAIN_METADATA_ELEMENT, "<foo a='1'/>", "app", "http://example.org/app", 0))
out["meta_el_get"] = err(lambda: d.metadata(libvirt.VIR_DOMAIN_METADATA_ELEMENT, "http://example.org/app", 0))
out["rename_live"] = err(lambda: d.rename("ref2", 0))
out["dump_windmp"] = err(lambda: d.coreDumpWithFormat(root+"/x.dmp", libvirt.VIR_DOMAIN_CORE_DUMP_FORMAT_WIN_DMP, libvirt.VIR_DUMP_MEMORY_ONLY))
out["dump_kdump_snappy"] = err(lambda: d.coreDumpWithFormat(root+"/x.snappy", libvirt.VIR_DOMAIN_CORE_DUMP_FORMAT_KDUMP_SNAPPY, libvirt.VIR_DUMP_MEMORY_ONLY))
out["dump_kdump_zlib"] = err(lambda: d.coreDumpWithFormat(root+"/x.zlib", libvirt.VIR_DOMAIN_CORE_DUMP_FORMAT_KDUMP_ZLIB, libvirt.VIR_DUMP_MEMORY_ONLY))
out["dump_raw_nomem"] = err(lambda: d.coreDumpWithFormat(root+"/x.raw", libvirt.VIR_DOMAIN_CORE_DUMP_FORMAT_KDUMP_ZLIB, 0))
out["dump_elf"] = err(lambda: d.coreDump(root+"/x.elf", libvirt.VIR_DUMP_MEMORY_ONLY))
out["dump_elf_head"] = Path(root, "x.elf").read_bytes()[:4].hex() if os.path.exists(root + "/x.elf") else None
out["state_after_dump"] = d.state()
st = c.newStream(0)
out["screenshot_mime"] = err(lambda: d.screenshot(st, 0, 0))
data = b""
while True:
    b = st.recv(65536)
    if not b: break
    data += b
st.finish()
out["screenshot_head"] = data[:20].decode("latin1")
out["screenshot_len"] = len(data)
out["screenshot_badscreen"] = err(lambda: d.screenshot(c.newStream(0), 5, 0))
out["xml_final"] = d.XMLDesc()
out["stats_final"] = c.getAllDomainStats(0)[0][1]
d.destroy()
print(json.dumps(out, indent=1, default=str))
