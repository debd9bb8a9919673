#!/usr/bin/python3
"""virDomainSetVcpu with VIR_DOMAIN_AFFECT_CONFIG on defined (inactive) domains.

Run with Debian's python3 (python3-libvirt): ``/usr/bin/python3
tests/reference/capture_setvcpu_config.py WORKDIR > out.json``; it uses
libvirt's own ``qemu:///embed?root=WORKDIR`` and prints, as JSON, for each
step its result (or [code, domain, message]) and the domain's ``<vcpu>``
and ``<vcpus>`` after it.  tests/data/qemu_resources/setvcpu_config.json
is libvirt 9.0's output; the test runs the same script on pyvirt
(``--pyvirt``) and compares.
"""
# ruff: noqa: E501
import json
import os
import re
import sys
import threading

if "--pyvirt" in sys.argv:
    import pyvirt
    pyvirt.install_as_libvirt()
import libvirt

root = sys.argv[1]
os.makedirs(root + "/etc", exist_ok=True)
with open(root + "/etc/qemu.conf", "w") as f:
    f.write('user = "root"\ngroup = "root"\nstdio_handler = "file"\n')
libvirt.virEventRegisterDefaultImpl()
threading.Thread(target=lambda: [libvirt.virEventRunDefaultImpl() for _ in iter(int, 1)],
                 daemon=True).start()
libvirt.registerErrorHandler(lambda ctx, err: None, None)
conn = libvirt.open(f"qemu:///embed?root={root}")
CONFIG = libvirt.VIR_DOMAIN_AFFECT_CONFIG
BASE = """<domain type='qemu'><name>{name}</name><memory unit='MiB'>96</memory>{vcpus}
<os><type arch='x86_64' machine='pc'>hvm</type></os><devices/></domain>"""
DOMAINS = {
    "plain": "<vcpu current='1'>4</vcpu>",
    "listed": "<vcpu current='2'>4</vcpu><vcpus><vcpu id='0' enabled='yes' hotpluggable='no' order='1'/><vcpu id='1' enabled='yes' hotpluggable='no' order='2'/><vcpu id='2' enabled='no' hotpluggable='yes'/><vcpu id='3' enabled='no' hotpluggable='yes'/></vcpus>",
    "fixed": "<vcpu current='3'>4</vcpu><vcpus><vcpu id='0' enabled='yes' hotpluggable='no'/><vcpu id='1' enabled='yes' hotpluggable='no'/><vcpu id='2' enabled='yes' hotpluggable='no'/><vcpu id='3' enabled='no' hotpluggable='yes'/></vcpus>",
    "all": "<vcpu>2</vcpu>",
}
STEPS = [
    ("plain", "1", 1, CONFIG), ("plain", "2-3", 1, CONFIG), ("plain", "2", 0, CONFIG),
    ("plain", "0", 0, CONFIG), ("plain", "0", 1, CONFIG), ("plain", "4", 1, CONFIG),
    ("plain", "4095", 1, CONFIG), ("plain", "5000", 1, CONFIG), ("plain", "1", 2, CONFIG),
    ("plain", "", 1, CONFIG), ("plain", "x", 1, CONFIG), ("plain", "^1", 1, CONFIG),
    ("plain", "1,3", 0, CONFIG), ("plain", "1", 1, libvirt.VIR_DOMAIN_AFFECT_LIVE),
    ("plain", "1", 1, 4), ("plain", "1", 1, 0),
    ("listed", "1", 0, CONFIG), ("listed", "3", 1, CONFIG), ("listed", "2", 1, CONFIG),
    ("listed", "1-2", 0, CONFIG),
    ("fixed", "1", 0, CONFIG), ("fixed", "1,3", 0, CONFIG), ("fixed", "1-2", 0, CONFIG),
    ("all", "1", 1, CONFIG),
]


def vcpu_xml(dom: "libvirt.virDomain") -> str:
    """The domain's <vcpu> and <vcpus> elements, on one line (placement left out)."""
    xml = dom.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE)
    parts = re.findall(r"<vcpu[ >].*?</vcpu>|<vcpus>.*?</vcpus>", xml, re.DOTALL)
    return re.sub(r"\s*\n\s*", "", " ".join(parts)).replace(" placement='static'", "")


doms = {name: conn.defineXML(BASE.format(name=f"sv-{name}", vcpus=v))
        for name, v in DOMAINS.items()}
out = []
for name, cpumap, state, flags in STEPS:
    try:
        result = doms[name].setVcpu(cpumap, state, flags)
    except libvirt.libvirtError as exc:
        result = [exc.get_error_code(), exc.get_error_domain(), exc.get_error_message()]
    out.append([name, cpumap, state, flags, result, vcpu_xml(doms[name])])
for dom in doms.values():
    dom.undefine()
conn.close()
print(json.dumps(out, indent=1))
