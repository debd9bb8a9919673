"""lxc:///system through pyvirtd, driven by Debian's virsh (libvirt 9.0's client).

pyvirtd runs in a mount namespace of its own where the system directories
(/etc/pyvirt, /run/pyvirt, ...) are directories of the test bound over them
(daemons.start_private_pyvirtd), so lxc:///system is private to the test.  virsh's ``lxc-enter-namespace`` goes through the
LXC program's DOMAIN_OPEN_NAMESPACE, whose reply carries the namespace
descriptors; a restarted pyvirtd takes the running container over.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time

import daemons
import pytest
from lxctest_util import build_rootfs, container_xml

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("busybox")
                       or not shutil.which("virsh"), reason="needs root, busybox and virsh"),
]

def test_virsh_through_pyvirtd(tmp_path):
    rootfs = build_rootfs(str(tmp_path / "rootfs"))
    xml = tmp_path / "ct.xml"
    xml.write_text(container_xml("vct", rootfs))
    state = tmp_path / "state"
    daemon = daemons.start_private_pyvirtd(tmp_path / "d1", state)
    uri = f"lxc+unix:///system?socket={daemon.sock}"

    def virsh(*args: str) -> str:
        res = subprocess.run([daemons.VIRSH, "-q", "-c", uri, *args], capture_output=True,
                             text=True, timeout=60, check=False)
        assert res.returncode == 0, f"virsh {args}: {res.stderr}"
        return res.stdout

    try:
        virsh("define", str(xml))
        virsh("start", "vct")
        info = virsh("dominfo", "vct")
        assert "State:          running" in info and "Security model: none" in info
        assert virsh("lxc-enter-namespace", "vct", "--noseclabel", "/bin/hostname").strip() \
            == "vct"
        ps = virsh("lxc-enter-namespace", "vct", "/bin/ps")
        assert ps.splitlines()[1].split()[0] == "1" and "/bin/ps" in ps
        assert "cpu_shares     : 1024" in virsh("schedinfo", "vct")
        virsh("schedinfo", "vct", "--live", "cpu_shares=300")
        assert "cpu_shares     : 300" in virsh("schedinfo", "vct")
        assert "hard_limit     : 65536" in virsh("memtune", "vct")
        stats = virsh("domstats", "vct")
        assert "state.state=1" in stats and "cpu.time=" in stats
        # a restarted pyvirtd takes the running container over
        daemon.stop()
        daemon = daemons.start_private_pyvirtd(tmp_path / "d2", state)
        uri = f"lxc+unix:///system?socket={daemon.sock}"
        assert virsh("domstate", "vct", "--reason").strip() == "running (booted)"
        assert virsh("lxc-enter-namespace", "vct", "/bin/hostname").strip() == "vct"
        virsh("shutdown", "vct")
        deadline = time.monotonic() + 10
        while "shut off" not in virsh("domstate", "vct") and time.monotonic() < deadline:
            time.sleep(0.05)
        assert virsh("domstate", "vct", "--reason").strip() == "shut off (shutdown)"
        virsh("undefine", "vct")
    finally:
        subprocess.run([daemons.VIRSH, "-c", uri, "destroy", "vct"], capture_output=True,
                       check=False)
        daemon.stop()
