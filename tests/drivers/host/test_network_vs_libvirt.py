"""pyvirt's network driver side by side with Debian's libvirt 9.0 network driver.

A private libvirtd runs in a network namespace the test creates and in a
private mount namespace (tmpfs over libvirt's directories, /etc/libvirt
included), so nothing reaches the host.  The same network (an ``open``
one: libvirt 9.0 would need iptables for the other modes) is started by
both; libvirt's dnsmasq configuration, hosts files and live XML are the
expected output for pyvirt's.
"""

from __future__ import annotations

import re
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from netns import NEEDS, run

from pyvirt.conf.network import NetworkDef
from pyvirt.drivers.network import dnsmasq

pytestmark = [NEEDS, pytest.mark.timeout(300),
              pytest.mark.skipif(not (shutil.which("virsh") and shutil.which("libvirtd")),
                                 reason="needs Debian's libvirtd and virsh")]

NET = ("<network><name>o1</name><uuid>4b2e6a53-5f0e-4b55-9d1a-3c7b0a6c9e11</uuid>"
       "<forward mode='open'/><bridge name='pvbr5'/><mtu size='1450'/>"
       "<mac address='52:54:00:11:22:33'/><domain name='lab' localOnly='yes'/>"
       "<dns><txt name='info' value='hello'/><host ip='10.55.0.7'><hostname>seven</hostname>"
       "<hostname>sieben</hostname></host></dns>"
       "<ip address='10.55.0.1' prefix='24'><dhcp>"
       "<range start='10.55.0.2' end='10.55.0.9'><lease expiry='1' unit='hours'/></range>"
       "<host mac='52:54:00:00:00:05' name='five' ip='10.55.0.5'/>"
       "<host mac='52:54:00:00:00:06' ip='10.55.0.6'><lease expiry='0'/></host>"
       "</dhcp></ip></network>")


BARE = ("<network><name>o2</name><uuid>4b2e6a53-5f0e-4b55-9d1a-3c7b0a6c9e12</uuid>"
        "<ip address='10.56.0.1' prefix='24'/></network>")
CLASH = ("<network><name>o3</name><bridge name='pvbr5'/>"
         "<ip address='10.57.0.1' prefix='24'/></network>")


def _mac_masked(xml: str) -> str:
    return re.sub(r"<mac address='52:54:00:[0-9a-f:]{8}'/>", "<mac address='MAC'/>", xml)


@contextmanager
def private_libvirtd(ns: str, work: Path) -> Iterator[tuple[Callable[..., str], int]]:
    """Debian's libvirtd in namespace ``ns`` and a private mount namespace (tmpfs over
    libvirt's directories); yields a ``virsh(*args)`` that returns its output (its
    ``uri`` attribute: the daemon's URI), and the daemon's pid (its files are under
    ``/proc/PID/root``)."""
    work.mkdir(parents=True, exist_ok=True)
    # the sockets' directory has a short path of its own: libvirtd's socket paths
    # must stay under 108 bytes wherever pytest's tmp_path is
    sock = Path(tempfile.mkdtemp(prefix="pvl-", dir="/tmp"))
    conf = work / "libvirtd.conf"
    conf.write_text(f'unix_sock_dir = "{sock}"\nauth_unix_rw = "none"\n'
                    'auth_unix_ro = "none"\nunix_sock_rw_perms = "0700"\n'
                    'log_outputs = "3:stderr"\n')
    script = ("for d in /etc/libvirt /run/libvirt /var/lib/libvirt /var/log/libvirt "
              "/var/cache/libvirt; do mount -t tmpfs tmpfs $d || exit 1; done; "
              f"exec {shutil.which('libvirtd')} -f {conf} -p {work}/libvirtd.pid")
    log = open(work / "libvirtd.log", "wb")   # noqa: SIM115 - the daemon's log
    proc = subprocess.Popen(["ip", "netns", "exec", ns, "unshare", "-m", "--propagation",
                             "private", "sh", "-c", script], stdout=log, stderr=log,
                            start_new_session=True)
    log.close()
    uri = f"qemu+unix:///system?socket={sock / 'libvirt-sock'}"

    def virsh(*args: str, check: bool = True) -> str:
        """virsh's output (with ``check=False``: its error output, when it failed)."""
        res = subprocess.run(["virsh", "-q", "-c", uri, *args], capture_output=True,
                             text=True, check=False, timeout=60)
        if res.returncode and not check:
            return res.stderr.strip()
        if res.returncode:
            raise AssertionError(f"virsh {args}: {res.stderr}\n"
                                 + (work / "libvirtd.log").read_text()[-2000:])
        return res.stdout

    virsh.uri = uri  # type: ignore[attr-defined] - for clients other than virsh
    try:
        deadline = time.monotonic() + 30
        while not (sock / "libvirt-sock").exists():
            assert proc.poll() is None and time.monotonic() < deadline, \
                (work / "libvirtd.log").read_text()[-2000:]
            time.sleep(0.05)
        yield virsh, proc.pid
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
        shutil.rmtree(sock, ignore_errors=True)


def _libvirt_side(ns: str, work: Path) -> dict[str, str]:
    with private_libvirtd(ns, work) as (virsh, pid):
        xml = work / "net.xml"
        xml.write_text(NET)
        virsh("net-define", str(xml))
        virsh("net-start", "o1")
        out = {"xml": virsh("net-dumpxml", "o1"),
               "inactive": virsh("net-dumpxml", "--inactive", "o1")}
        # a network without bridge name and MAC; one reusing o1's bridge
        (work / "bare.xml").write_text(BARE)
        virsh("net-define", str(work / "bare.xml"))
        out["bare"] = virsh("net-dumpxml", "o2")
        virsh("net-undefine", "o2")
        (work / "clash.xml").write_text(CLASH)
        out["clash"] = virsh("net-define", str(work / "clash.xml"), check=False)
        files = Path(f"/proc/{pid}/root/var/lib/libvirt/dnsmasq")
        for ext in ("conf", "hostsfile", "addnhosts"):
            out[ext] = (files / f"o1.{ext}").read_text()
        virsh("net-destroy", "o1")
        virsh("net-undefine", "o1")
        return out


def test_open_network_as_libvirt_starts_it(netns: str, tmp_path: Path) -> None:
    want = _libvirt_side(netns, tmp_path / "libvirt")
    got = run(netns, tmp_path / "pyvirt", f"""
        c = pyvirt.open(URI)
        c.networkLookupByName("default").undefine()   # libvirt's tmpfs /etc has none
        n = c.networkDefineXML({NET!r})
        n.create()
        OUT["xml"] = n.XMLDesc(0)
        OUT["inactive"] = n.XMLDesc(C.VIR_NETWORK_XML_INACTIVE)
        d = ROOT + "/run/network/dnsmasq/o1."
        for ext in ("hostsfile", "addnhosts"):
            OUT[ext] = open(d + ext).read()
        OUT["link"] = [links()["pvbr5"]["mtu"], links()["pvbr5"]["address"]]
        OUT["bare"] = c.networkDefineXML({BARE!r}).XMLDesc(0)
        c.networkLookupByName("o2").undefine()
        OUT["clash"] = err(c.networkDefineXML, {CLASH!r})[2]
        n.destroy()
    """)
    assert got["xml"] == want["xml"]
    assert got["inactive"] == want["inactive"]
    assert got["hostsfile"] == want["hostsfile"]
    assert got["addnhosts"] == want["addnhosts"]
    assert got["link"] == [1450, "52:54:00:11:22:33"]
    assert _mac_masked(got["bare"]) == _mac_masked(want["bare"])
    assert "<bridge name='virbr0' stp='on' delay='0'/>" in got["bare"]
    assert want["clash"] == f"error: Failed to define network from {tmp_path}/libvirt/" \
        f"clash.xml\nerror: {got['clash']}"
    # the configuration, with libvirt's paths (pyvirt adds its leases file)
    def_ = NetworkDef.parse(NET)
    files = dnsmasq.DnsmasqFiles("/var/lib/libvirt/dnsmasq/o1.conf",
                                 "/var/lib/libvirt/dnsmasq/o1.hostsfile",
                                 "/var/lib/libvirt/dnsmasq/o1.addnhosts", None,
                                 "/run/libvirt/network/o1.pid")
    ours = dnsmasq.conf_text(def_, files).splitlines()
    theirs = want["conf"].splitlines()
    assert [ln for ln in ours if not ln.startswith("##")] == \
        [ln for ln in theirs if not ln.startswith("##")]
    assert ours == theirs
