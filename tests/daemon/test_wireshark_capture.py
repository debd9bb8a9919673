"""Wireshark's libvirt dissector reads pyvirtd's traffic without a malformed packet."""

from __future__ import annotations

import os
import shutil
import subprocess
import time

import pytest
from waiting import LineWatcher

pytestmark = pytest.mark.skipif(not shutil.which("tshark") or os.geteuid() != 0,
                                reason="needs tshark and root to capture on lo")


def test_capture_of_a_virsh_session_decodes_cleanly(pyvirtd, virsh, tmp_path):
    pcap = tmp_path / "session.pcap"
    # tshark says on stderr when it captures: from then on no packet is missed
    cap = LineWatcher(["tshark", "-i", "lo", "-f", f"tcp port {pyvirtd.tcp_port}",
                       "-w", str(pcap)], merge_stderr=True, stdin=subprocess.DEVNULL)
    try:
        cap.wait_for_line(lambda line: line.startswith("Capturing on"), what="tshark to capture")
        xml = tmp_path / "demo.xml"
        xml.write_text("<domain type='test'><name>demo</name><memory>65536</memory>"
                       "<os><type>hvm</type></os></domain>")
        uri = pyvirtd.uri("tcp")
        pyvirtd.virsh(f"list --all; dominfo test; dumpxml test; define {xml}; start demo; "
                      f"suspend demo; resume demo; destroy demo; undefine demo; net-list --all; "
                      f"pool-list --all; vol-list default-pool; nodeinfo; domstats test; "
                      f"screenshot test {tmp_path / 'shot.png'}; schedinfo test; "
                      f"memtune test; blkiotune test; domblklist test; dominfo nosuch",
                      uri=uri, check=False)
        time.sleep(1)           # the last packets reach the file (losing them fails nothing)
    finally:
        cap.proc.terminate()
        cap.finish()
    decode = ["tshark", "-r", str(pcap), "-d", f"tcp.port=={pyvirtd.tcp_port},libvirt"]
    frames = subprocess.run(decode + ["-Y", "libvirt"], check=False, capture_output=True,
                            text=True, timeout=60).stdout.splitlines()
    assert len(frames) > 40, frames
    flt = 'libvirt && (_ws.malformed || _ws.expert.severity >= "error")'
    res = subprocess.run([*decode, "-Y", flt], check=False, capture_output=True, text=True,
                         timeout=60)
    assert res.returncode == 0, res.stderr
    assert res.stdout.splitlines() == []
