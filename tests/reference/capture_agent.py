"""Capture libvirt 9.0's answers to the guest agent and block job calls on the test guest.

Run with Debian's python3 (python3-libvirt) as root, on libvirt's own
``qemu:///embed`` driver (no daemon; ``stdio_handler = "file"`` in the
root's qemu.conf so that no virtlogd is needed):

    /usr/bin/python3 tests/reference/capture_agent.py ROOT DOMAIN.xml COPY.img > out.json

DOMAIN.xml is ``qemutest_util.guest_xml(..., disks=<one raw 16 MiB vda>,
extra=<the agent channel>)`` without the serial ``<log>``.  The output, with
its directory written as ``@DIR@``, is tests/data/qemu_agent/libvirt-9.0.json;
the QEMU driver's tests compare pyvirt's answers with it.
"""
import json
import sys
import threading
import time

import libvirt

root, xml, disk_dest = sys.argv[1], sys.argv[2], sys.argv[3]
libvirt.virEventRegisterDefaultImpl()
threading.Thread(target=lambda: [libvirt.virEventRunDefaultImpl() for _ in iter(int, 1)], daemon=True).start()
conn = libvirt.open(f"qemu:///embed?root={root}")
ev = []
conn.domainEventRegisterAny(None, libvirt.VIR_DOMAIN_EVENT_ID_AGENT_LIFECYCLE, lambda c, d, s, r, o: ev.append(("agent", s, r)), None)
conn.domainEventRegisterAny(None, libvirt.VIR_DOMAIN_EVENT_ID_BLOCK_JOB_2, lambda c, d, dev, t, s, o: ev.append(("job2", dev, t, s)), None)
out = {}
def err(f):
    try:
        return ["ok", f()]
    except libvirt.libvirtError as e:
        return ["err", e.get_error_code(), e.get_error_domain(), str(e)]
with open(xml) as fh:
    dom = conn.createXML(fh.read(), 0)
try:
    t0 = time.time()
    while time.time() - t0 < 90:
        r = err(dom.hostname)
        if r[0] == "ok": break
        out.setdefault("early", r)
        time.sleep(0.3)
    out["hostname"] = err(dom.hostname)
    out["getTime"] = err(lambda: sorted(dom.getTime()))
    out["guestInfo"] = err(lambda: sorted(dom.guestInfo()))
    out["guestInfo_types"] = {str(t): err(lambda t=t: dom.guestInfo(t))
                              for t in (1, 2, 4, 8, 16, 32, 64)}
    out["fsInfo"] = err(dom.fsInfo)
    out["ifaddr_agent"] = err(lambda: dom.interfaceAddresses(1))
    out["guestVcpus"] = err(dom.guestVcpus)
    out["setTime"] = err(lambda: dom.setTime({"seconds": 1700000000, "nseconds": 0}))
    out["sshkeys"] = err(lambda: dom.authorizedSSHKeysGet("nobody"))
    out["password"] = err(lambda: dom.setUserPassword("root", "secret"))
    out["suspend5"] = err(lambda: dom.pMSuspendForDuration(0, 5))
    out["setGuestVcpus_off0"] = err(lambda: dom.setGuestVcpus("0", 0))
    out["freeze"] = err(dom.fsFreeze)
    out["thaw"] = err(dom.fsThaw)
    out["xml_channel"] = [l.strip() for l in dom.XMLDesc(0).splitlines() if "guest_agent" in l]
    # block copy of vda, pivot before ready, info shape, abort
    out["copy"] = err(lambda: dom.blockCopy("vda", f"<disk type='file'><source file='{disk_dest}'/><driver type='raw'/></disk>", {"bandwidth": 1024}, 0))
    out["info"] = err(lambda: dom.blockJobInfo("vda", 1))
    out["second"] = err(lambda: dom.blockCommit("vda", None, None, 0, 4))
    out["pivot_early"] = err(lambda: dom.blockJobAbort("vda", 2))
    out["mirror_xml"] = [l.strip() for l in dom.XMLDesc(0).splitlines() if "mirror" in l]
    out["abort"] = err(lambda: dom.blockJobAbort("vda", 0))
    out["abort_nojob"] = err(lambda: dom.blockJobAbort("vda", 0))
    out["info_nojob"] = err(lambda: dom.blockJobInfo("vda", 0))
    out["resize_bad"] = err(lambda: dom.blockResize("vdz", 1, 0))
    out["commit_noactive"] = err(lambda: dom.blockCommit("vda", None, None, 0, 0))
    time.sleep(1)
    out["events"] = ev
finally:
    dom.destroy()
    conn.close()
print(json.dumps(out))
