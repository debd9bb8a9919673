"""dnsmasq configuration of a network, against libvirt's expected files.

data/networkxml2conf holds input XML and the dnsmasq conf and hosts file
libvirt's networkxml2conftest expects for it (copied from libvirt's test
data; each file says where from in its ``# `` header lines).  pyvirt's
generated configuration must have the same options in the same order
(pyvirt's own additions, pid-file and dhcp-leasefile, are left out here by
not naming those files, as libvirt's test does), and real dnsmasq must
accept it (``dnsmasq --test``).
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from pyvirt.conf.network import NetworkDef
from pyvirt.drivers.network import dnsmasq

DATA = Path(__file__).parent / "data" / "networkxml2conf"
CASES = sorted(p.stem for p in DATA.glob("*.xml"))


def _expected(path: Path) -> list[str]:
    return [line for line in path.read_text().splitlines() if not line.startswith("# ")]


def _libvirt_files(name: str) -> dnsmasq.DnsmasqFiles:
    base = f"/var/lib/libvirt/dnsmasq/{name}"
    return dnsmasq.DnsmasqFiles(f"{base}.conf", f"{base}.hostsfile", f"{base}.addnhosts",
                                None, None)


@pytest.mark.parametrize("case", CASES)
def test_conf_matches_libvirt(case: str) -> None:
    def_ = NetworkDef.parse((DATA / f"{case}.xml").read_text())
    files = _libvirt_files(def_.name)
    got = dnsmasq.conf_text(def_, files).splitlines()
    want = _expected(DATA / f"{case}.conf")
    options = [line for line in want if not line.startswith("##")]
    assert [line for line in got if not line.startswith("##")] == options
    assert got == want
    hosts = DATA / f"{case}.hostsfile"
    if hosts.exists():
        assert dnsmasq.hostsfile_text(def_).splitlines() == _expected(hosts)


def test_cases_present() -> None:
    assert len(CASES) >= 2


@pytest.mark.skipif(shutil.which("dnsmasq") is None, reason="needs dnsmasq")
@pytest.mark.parametrize("xml", [
    ("<network><name>iso</name><bridge name='br9'/><dns><txt name='t' value='v'/>"
    "<srv service='ldap' protocol='tcp' target='srv.example' port='389' priority='1'/>"
    "<forwarder addr='10.0.0.53'/><forwarder domain='corp'/></dns>"
    "<ip address='10.9.0.1' prefix='24' localPtr='yes'><dhcp>"
    "<host mac='52:54:00:00:00:01' ip='10.9.0.5'/></dhcp></ip>"
    "<ip family='ipv6' address='fd00:9::1' prefix='64'/></network>"),
    ("<network><name>nat</name><forward mode='nat'/><bridge name='br8'/><mtu size='9000'/>"
    "<domain name='lab' localOnly='yes'/><dns forwardPlainNames='no'/>"
    "<ip address='10.8.0.1' prefix='24'><dhcp><range start='10.8.0.2' end='10.8.0.3'>"
    "<lease expiry='2' unit='hours'/></range></dhcp></ip></network>"),
])
def test_dnsmasq_accepts_generated_conf(tmp_path: Path, xml: str) -> None:
    def_ = NetworkDef.parse(xml)
    files = dnsmasq.DnsmasqFiles.of(str(tmp_path), def_.name)
    Path(files.conf).write_text(dnsmasq.conf_text(def_, files))
    Path(files.hostsfile).write_text(dnsmasq.hostsfile_text(def_))
    res = subprocess.run(["dnsmasq", "--test", f"--conf-file={files.conf}"],
                         capture_output=True, text=True, check=False)
    assert res.returncode == 0, res.stderr
    text = Path(files.conf).read_text()
    if def_.name == "iso":
        for option in ("dhcp-option=3\nno-resolv\n", "txt-record=t,v\n",
                       "srv-host=_ldap._tcp,srv.example,389,1\n",
                       "server=10.0.0.53\nserver=/corp/#\nno-resolv\n",
                       "local=/0.9.10.in-addr.arpa/\n", "dhcp-range=10.9.0.1,static\n",
                       "dhcp-range=fd00:9::1,ra-only\n"):
            assert option in text
        assert dnsmasq.hostsfile_text(def_) == "52:54:00:00:00:01,10.9.0.5\n"
    else:
        for option in ("local=/lab/\ndomain=lab\nexpand-hosts\n", "domain-needed\nlocal=//\n",
                       "dhcp-range=10.8.0.2,10.8.0.3,255.255.255.0,2h\n",
                       "dhcp-lease-max=2\n", "dhcp-option=option:mtu,9000\n"):
            assert option in text
