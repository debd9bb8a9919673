"""Write thresholds on the images of a disk's backing chain (``vda[N]``).

libvirt numbers a disk's images from the top's node index down the chain
(here top 1, mid 2, base 3) and names the BLOCK_THRESHOLD event of an image
asked with an index ``vdb[N]``.  The guest stays paused (it never writes):
an active commit of the top into the middle image writes into the middle
one and crosses its threshold.  Expected values are libvirt 9.0's, from
its embedded QEMU driver given the same guest, images and calls.
"""

from __future__ import annotations

import subprocess
import threading
from pathlib import Path
from typing import Any

import pytest
from qemutest_util import start_event_loop, wait_for

from pyvirt import constants as C
from pyvirt.errors import libvirtError

# libvirt 9.0: (devstr, answer: None or [code, domain, message])
ERRORS = [
    ("vdb[4]", [8, 10, "invalid argument: failed to find disk 'vdb[4]'"]),
    ("vdz[2]", [8, 10, "invalid argument: failed to find disk 'vdz'"]),
    ("vdb[x]", [8, 10, "invalid argument: failed to parse block device 'vdb[x]'"]),
    ("vdb[", [8, 10, "invalid argument: failed to parse block device 'vdb['"]),
    ("vdb[2]x", [8, 10, "invalid argument: failed to parse block device 'vdb[2]x'"]),
]


def _chain(d: Path) -> None:
    """base <- mid <- top, 2 MiB written into the top."""
    for args in (["create", "-q", "-f", "qcow2", f"{d}/base.qcow2", "16M"],
                 ["create", "-q", "-f", "qcow2", "-b", f"{d}/base.qcow2", "-F", "qcow2",
                  f"{d}/mid.qcow2"],
                 ["create", "-q", "-f", "qcow2", "-b", f"{d}/mid.qcow2", "-F", "qcow2",
                  f"{d}/top.qcow2"]):
        subprocess.run(["qemu-img", *args], check=True)
    subprocess.run(["qemu-io", "-f", "qcow2", "-c", "write -P 0x5a 0 2M", f"{d}/top.qcow2"],
                   check=True, capture_output=True)


def test_threshold_on_backing_image(conn: Any, guest: str, tmp_path: Path) -> None:
    _chain(tmp_path)
    start_event_loop()
    events: list[tuple] = []
    lock = threading.Lock()

    def on_threshold(c: Any, dom: Any, dev: str, path: str, threshold: int, excess: int,
                     opaque: Any) -> None:
        with lock:
            events.append((dev, path, threshold, excess))

    cb = conn.domainEventRegisterAny(None, C.VIR_DOMAIN_EVENT_ID_BLOCK_THRESHOLD,
                                     on_threshold, None)
    xml = f"""<domain type='qemu'><name>thr</name><memory unit='MiB'>96</memory>
<vcpu>1</vcpu><os><type arch='x86_64' machine='pc'>hvm</type><kernel>{guest}/vmlinuz</kernel>
<initrd>{guest}/initrd.img</initrd></os><devices><disk type='file' device='disk'>
<driver name='qemu' type='qcow2'/><source file='{tmp_path}/top.qcow2'/>
<target dev='vdb' bus='virtio'/></disk></devices></domain>"""
    dom = conn.createXML(xml, C.VIR_DOMAIN_START_PAUSED)
    try:
        live = dom.XMLDesc()
        for dev, expected in ERRORS:
            with pytest.raises(libvirtError) as err:
                dom.setBlockThreshold(dev, 65536, 0)
            e = err.value
            assert [e.get_error_code(), e.get_error_domain(), e.get_error_message()] == expected
        assert dom.XMLDesc() == live
        for dev in ("vdb", "vdb[0]", "vdb[1]", "vdb[2]", "vdb[3]"):
            assert dom.setBlockThreshold(dev, 65536, 0) == 0
        # base='vdb[2]' names the middle image, as libvirt numbers the chain
        dom.blockCommit("vdb", "vdb[2]", None, 0, C.VIR_DOMAIN_BLOCK_COMMIT_ACTIVE)
        wait_for(lambda: events, what="a threshold event")
        wait_for(lambda: dom.blockJobInfo("vdb", 0).get("cur") == 2 << 20,
                 what="the commit to be ready")
        with lock:
            assert events == [("vdb[2]", f"{tmp_path}/mid.qcow2", 65536, 131072)]
        assert dom.info()[0] == C.VIR_DOMAIN_PAUSED
    finally:
        conn.domainEventDeregisterAny(cb)
        dom.destroy()
