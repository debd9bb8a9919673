"""Debian's real virsh net-* commands against pyvirtd's qemu:///system network driver.

pyvirtd runs in a network namespace the test creates and in a private mount
namespace where pyvirt's system directories are bind mounts of directories
under the test's tmp_path, so its state survives a restart of the daemon
and nothing of it reaches the host.
"""

from __future__ import annotations

import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import daemons
import pytest
from netns import NEEDS, namespace, ns_pids
from waiting import nonblank, wait_until

pytestmark = [NEEDS, pytest.mark.timeout(300),
              pytest.mark.skipif(shutil.which("virsh") is None, reason="needs virsh")]

NET = """<network><name>vnet1</name><forward mode='nat'/><bridge name='pvbr7'/>
<ip address='10.66.0.1' netmask='255.255.255.0'><dhcp>
<range start='10.66.0.10' end='10.66.0.20'/></dhcp></ip></network>"""


class Daemon:
    """pyvirtd in namespace ``ns`` with its system directories under ``base``."""

    def __init__(self, ns: str, base: Path) -> None:
        self.ns, self.base = ns, base
        self.sockdir = base / "sock"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.sockdir.mkdir(parents=True, exist_ok=True)
        # its own network namespace: the 'default' network may autostart there
        prelude = daemons.private_system(self.base, autostart=True)
        sock = self.sockdir / "libvirt-sock"
        if sock.exists():
            sock.unlink()
        log = open(self.base / "pyvirtd.log", "ab")   # noqa: SIM115 - the daemon's log
        self.proc = subprocess.Popen(
            ["ip", "netns", "exec", self.ns, *daemons.unshared(prelude), sys.executable, "-m",
             "pyvirt.daemon.main", "--unix-sock-dir", str(self.sockdir), "--pid-file",
             f"{self.base}/pyvirtd.pid"], stdout=log, stderr=log, start_new_session=True)
        log.close()
        deadline = time.monotonic() + 30
        while not sock.exists():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise AssertionError((self.base / "pyvirtd.log").read_text()[-3000:])
            time.sleep(0.05)

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)
        self.proc = None

    def virsh(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        uri = f"qemu+unix:///system?socket={self.sockdir / 'libvirt-sock'}"
        res = subprocess.run(["virsh", "-q", "-c", uri, *args], capture_output=True,
                             text=True, timeout=60, check=False)
        if check and res.returncode != 0:
            raise AssertionError(f"virsh {args}: {res.stderr}")
        return res


def _ns(ns: str, *argv: str) -> str:
    return subprocess.run(["ip", "-n", ns, *argv], capture_output=True, text=True,
                          check=True).stdout


def _dnsmasq_pids(ns: str) -> list[int]:
    out = []
    for pid in ns_pids(ns):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as fh:
                if fh.read().split(b"\0")[0].endswith(b"/dnsmasq"):
                    out.append(pid)
        except OSError:
            continue
    return out


def test_virsh_net_commands_and_daemon_restart(netns: str, tmp_path: Path) -> None:
    xml = tmp_path / "net.xml"
    xml.write_text(NET)
    d = Daemon(netns, tmp_path)
    d.start()
    try:
        # qemu:///system defines default and starts it, as libvirt's packages do
        listing = d.virsh("net-list", "--all").stdout
        assert re.search(r"^\s*default\s+active\s+yes\s+yes", listing, re.MULTILINE), listing
        assert "192.168.122.1/24" in _ns(netns, "addr", "show", "virbr0")
        d.virsh("net-destroy", "default")
        assert "virbr0" not in _ns(netns, "link") and _dnsmasq_pids(netns) == []
        filters = d.virsh("nwfilter-list").stdout       # the stock filters, through RPC
        assert re.search(r"\s+clean-traffic\s*$", filters, re.MULTILINE), filters
        assert "<filter name='no-mac-spoofing' chain='mac' priority='-800'>" in \
            d.virsh("nwfilter-dumpxml", "no-mac-spoofing").stdout
        assert d.virsh("nwfilter-binding-list").stdout.strip() == ""
        d.virsh("net-define", str(xml))
        d.virsh("net-start", "vnet1")
        listing = d.virsh("net-list", "--all").stdout
        assert re.search(r"^\s*vnet1\s+active\s+no\s+yes", listing, re.MULTILINE), listing
        dumped = d.virsh("net-dumpxml", "vnet1").stdout
        assert "<bridge name='pvbr7' stp='on' delay='0'/>" in dumped
        assert "<mac address='52:54:00:" in dumped
        assert d.virsh("net-dhcp-leases", "vnet1").stdout.strip() == ""
        with namespace("c") as client:            # a DHCP client on the network
            _ns(netns, "link", "add", "pvv0", "type", "veth", "peer", "name", "pvv1")
            _ns(netns, "link", "set", "pvv0", "master", "pvbr7", "up")
            _ns(netns, "link", "set", "pvv1", "address", "52:54:00:12:34:57", "netns", client)
            dhcp = subprocess.run(
                ["ip", "netns", "exec", client, "sh", "-c", ("ip link set pvv1 up && busybox "
                 "udhcpc -i pvv1 -n -q -t 30 -T 1 -s /bin/true -x hostname:vguest")],
                capture_output=True, text=True, timeout=60, check=False)
            assert dhcp.returncode == 0, dhcp.stdout + dhcp.stderr
            _ns(netns, "link", "del", "pvv0")      # (its peer goes with it)
        leases = wait_until(lambda: nonblank(d.virsh("net-dhcp-leases", "vnet1").stdout),
                            what="vnet1's lease")
        assert re.search(r"52:54:00:12:34:57\s+ipv4\s+10\.66\.0\.(1\d|20)/24\s+vguest\s+",
                         leases), leases
        assert "10.66.0.1/24" in _ns(netns, "addr", "show", "pvbr7")
        started = _dnsmasq_pids(netns)
        assert len(started) == 1
        host = "<host mac='52:54:00:12:34:99' name='fixed' ip='10.66.0.99'/>"
        d.virsh("net-update", "vnet1", "add", "ip-dhcp-host", host, "--live", "--config")
        assert host in d.virsh("net-dumpxml", "vnet1", "--inactive").stdout
        hostsfile = tmp_path / "run_pyvirt" / "network" / "dnsmasq" / "vnet1.hostsfile"
        assert hostsfile.read_text() == "52:54:00:12:34:99,10.66.0.99,fixed\n"
        assert _dnsmasq_pids(netns) == started      # read again on SIGHUP, not restarted
        bad = d.virsh("net-update", "vnet1", "delete", "ip-dhcp-host",
                      "<host mac='52:54:00:12:34:98' ip='10.66.0.98'/>", check=False)
        assert bad.returncode == 1 and "couldn't locate a matching dhcp host" in bad.stderr, \
            bad.stderr
        refused = d.virsh("net-start", "vnet1", check=False)
        assert refused.returncode == 1
        assert "network is already active" in refused.stderr

        d.kill()                                    # pyvirtd dies; the network stays
        assert _dnsmasq_pids(netns) == started
        d.start()
        listing = d.virsh("net-list", "--all").stdout
        assert re.search(r"^\s*vnet1\s+active\s+no\s+yes", listing, re.MULTILINE), listing
        assert _dnsmasq_pids(netns) == started      # taken back, not restarted

        d.virsh("net-destroy", "vnet1")
        assert "pvbr7" not in _ns(netns, "link")
        tables = subprocess.run(["ip", "netns", "exec", netns, "nft", "list", "tables"],
                                capture_output=True, text=True, check=True).stdout
        assert tables.strip() == ""
        assert _dnsmasq_pids(netns) == []
        d.virsh("net-undefine", "vnet1")
        assert "vnet1" not in d.virsh("net-list", "--all").stdout
    finally:
        d.kill()
