"""The network driver of a host root, on real bridges, nftables and dnsmasq.

All of it runs in network namespaces the tests create (see netns.py); the
``netns`` fixture checks that the host's links and nft tables are as before
and that no process is left in the namespace.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from netns import NEEDS, namespace, run

from pyvirt import constants as C

pytestmark = [NEEDS, pytest.mark.timeout(300)]

NAT = """<network><name>n1</name><forward mode='nat'/>
<bridge name='pvbr1'/><mtu size='1400'/><mac address='52:54:00:aa:bb:01'/>
<domain name='example.test'/>
<dns><host ip='10.77.0.9'><hostname>nine</hostname></host></dns>
<ip address='10.77.0.1' netmask='255.255.255.0'><dhcp>
<range start='10.77.0.100' end='10.77.0.119'/>
<host mac='52:54:00:00:00:42' name='fixed' ip='10.77.0.42'/>
</dhcp></ip></network>"""


def test_default_network_defined_on_first_start(netns: str, tmp_path: Path) -> None:
    out = run(netns, tmp_path / "a", """
        c = pyvirt.open(URI)
        n = c.networkLookupByName("default")
        OUT["xml"] = n.XMLDesc(0)
        OUT["state"] = [n.isActive(), n.isPersistent(), n.autostart()]
        OUT["defined"] = c.listDefinedNetworks()
        OUT["links"] = sorted(links())
    """)
    assert out["defined"] == ["default"]
    assert out["state"] == [0, 1, 0]
    assert "<forward mode='nat'/>" in out["xml"]
    assert "<ip address='192.168.122.1' netmask='255.255.255.0'>" in out["xml"]
    assert "<range start='192.168.122.2' end='192.168.122.254'/>" in out["xml"]
    assert "<bridge name='virbr0' stp='on' delay='0'/>" in out["xml"]
    assert out["links"] == ["lo"]            # defining creates nothing
    # 192.168.122.0/24 already routed here: the next free /24
    out = run(netns, tmp_path / "b", """
        sh("ip", "link", "add", "dum0", "type", "bridge")
        sh("ip", "addr", "add", "192.168.122.5/24", "dev", "dum0")
        sh("ip", "link", "set", "dum0", "up")
        c = pyvirt.open(URI)
        OUT["xml"] = c.networkLookupByName("default").XMLDesc(0)
        sh("ip", "link", "del", "dum0")
    """)
    assert "<ip address='192.168.123.1' netmask='255.255.255.0'>" in out["xml"]


def test_system_root_autostarts_default(netns: str, tmp_path: Path) -> None:
    # the system root's driver on private directories (an embed root never marks its
    # default autostart, so opening one adds nothing to the host)
    out = run(netns, tmp_path, """
        from pyvirt.drivers.hostroot import HostRoot
        from pyvirt.drivers.network.driver import NetworkDriver
        def driver():
            d = NetworkDriver(HostRoot(ROOT + "/etc", ROOT + "/run", "qemu:///system"))
            d.startup()
            return d
        sh("ip", "link", "add", "dum0", "type", "bridge")
        sh("ip", "addr", "add", "192.168.122.5/24", "dev", "dum0")
        sh("ip", "link", "set", "dum0", "up")
        drv = driver()
        n = drv.networkLookupByName("default")
        OUT["state"] = [n.active, n.persistent, n.autostart]
        OUT["link"] = [(a["local"], a["prefixlen"]) for a in links()["virbr0"]["addr_info"]
                       if a["family"] == "inet"]
        OUT["tables"] = tables()
        OUT["dnsmasq"] = len(dnsmasqs())
        OUT["link_file"] = os.path.islink(ROOT + "/etc/qemu/networks/autostart/default.xml")
        # a second start takes it back; it is not defined again once undefined
        drv = driver()
        n = drv.networkLookupByName("default")
        drv.networkUndefine(n)
        drv.networkDestroy(n)
        OUT["gone"] = [drv.connectListDefinedNetworks(), drv.connectListNetworks()]
        OUT["after"] = [sorted(links()), tables(), dnsmasqs()]
        drv = driver()
        OUT["third"] = drv.connectListDefinedNetworks() + drv.connectListNetworks()
        sh("ip", "link", "del", "dum0")
    """)
    assert out["state"] == [True, True, True]
    assert out["link"] == [["192.168.123.1", 24]]
    assert out["tables"] == ["pyvirt_virbr0"]
    assert out["dnsmasq"] == 1 and out["link_file"]
    assert out["gone"] == [[], []]
    assert out["after"] == [["dum0", "lo"], [], []]
    assert out["third"] == []


def test_nat_network_start_and_destroy_leave_nothing(netns: str, tmp_path: Path) -> None:
    out = run(netns, tmp_path, f"""
        c = pyvirt.open(URI)
        events = []
        n = c.networkDefineXML({NAT!r})
        n.create()
        OUT["active"] = [n.isActive(), n.bridgeName()]
        OUT["again"] = err(n.create)
        link = links()["pvbr1"]
        OUT["link"] = [link["mtu"], link["address"], link["linkinfo"]["info_kind"],
                       [(a["local"], a["prefixlen"]) for a in link["addr_info"]
                        if a["family"] == "inet"]]
        OUT["tables"] = tables()
        OUT["rules"] = sh("nft", "list", "table", "inet", "pyvirt_pvbr1")
        OUT["dnsmasq"] = len(dnsmasqs())
        d = ROOT + "/run/network/dnsmasq/"
        OUT["conf"] = open(d + "n1.conf").read()
        OUT["hosts"] = open(d + "n1.hostsfile").read()
        OUT["addn"] = open(d + "n1.addnhosts").read()
        OUT["status"] = os.path.exists(ROOT + "/run/network/n1.xml")
        n.destroy()
        OUT["after"] = [sorted(links()), tables(), dnsmasqs(), sorted(os.listdir(d)),
                        os.path.exists(ROOT + "/run/network/n1.xml"), n.isActive()]
        OUT["destroy_again"] = err(n.destroy)
        c.close()
    """)
    assert out["active"] == [1, "pvbr1"]
    assert out["again"] == [C.VIR_ERR_OPERATION_INVALID, C.VIR_FROM_NETWORK,
                            "Requested operation is not valid: network is already active"]
    assert out["link"] == [1400, "52:54:00:aa:bb:01", "bridge", [["10.77.0.1", 24]]]
    assert out["tables"] == ["pyvirt_pvbr1"]
    assert 'iifname "pvbr1" ip saddr 10.77.0.0/24 accept' in out["rules"]
    assert "masquerade" in out["rules"]
    assert out["dnsmasq"] == 1
    assert "dhcp-range=10.77.0.100,10.77.0.119,255.255.255.0\n" in out["conf"]
    assert "dhcp-lease-max=20\n" in out["conf"]
    assert "domain=example.test\nexpand-hosts\n" in out["conf"]
    assert "dhcp-option=option:mtu,1400\n" in out["conf"]
    assert out["hosts"] == "52:54:00:00:00:42,10.77.0.42,fixed\n"
    assert out["addn"] == "10.77.0.9\tnine\t\n"
    assert out["status"] is True
    assert out["after"] == [["lo"], [], [], [], False, 0]
    assert out["destroy_again"][0] == C.VIR_ERR_OPERATION_INVALID
    assert out["destroy_again"][2].endswith("network 'n1' is not active")


@pytest.mark.parametrize("mode,has_table,accepts_in,isolated", [
    ("route", True, 'oifname "pvbr2" ip daddr 10.78.0.0/24 accept', False),
    ("open", False, None, False),
    (None, True, None, True),
])
def test_forward_modes(netns: str, tmp_path: Path, mode: str | None, has_table: bool,
                       accepts_in: str | None, isolated: bool) -> None:
    fwd = f"<forward mode='{mode}'/>" if mode else ""
    xml = (f"<network><name>m</name>{fwd}<bridge name='pvbr2'/>"
           "<ip address='10.78.0.1' prefix='24'><dhcp><range start='10.78.0.10' "
           "end='10.78.0.20'/></dhcp></ip></network>")
    out = run(netns, tmp_path, f"""
        c = pyvirt.open(URI)
        n = c.networkCreateXML({xml!r})
        OUT["tables"] = tables()
        OUT["rules"] = sh("nft", "list", "ruleset")
        OUT["conf"] = open(ROOT + "/run/network/dnsmasq/m.conf").read()
        OUT["persistent"] = n.isPersistent()
        n.destroy()
        OUT["gone"] = err(c.networkLookupByName, "m")
        OUT["after"] = [sorted(links()), tables(), dnsmasqs()]
    """)
    assert out["tables"] == (["pyvirt_pvbr2"] if has_table else [])
    if accepts_in:
        assert accepts_in in out["rules"]
        assert "masquerade" not in out["rules"]
    if isolated:
        assert 'iifname "pvbr2" oifname "pvbr2" accept' in out["rules"]
        assert "saddr" not in out["rules"]
        assert "dhcp-option=3\nno-resolv\n" in out["conf"]
    else:
        assert "dhcp-option=3" not in out["conf"]
    assert out["persistent"] == 0
    assert out["gone"][0] == C.VIR_ERR_NO_NETWORK
    assert out["after"] == [["lo"], [], []]


def test_dhcp_lease_from_busybox_udhcpc(netns: str, tmp_path: Path) -> None:
    with namespace("c") as client:
        out = run(netns, tmp_path, f"""
            c = pyvirt.open(URI)
            n = c.networkDefineXML({NAT!r})
            n.create()
            sh("ip", "link", "add", "pvv0", "type", "veth", "peer", "name", "pvv1")
            sh("ip", "link", "set", "pvv0", "master", "pvbr1", "up")
            sh("ip", "link", "set", "pvv1", "address", "52:54:00:12:34:56",
               "netns", {client!r})
            r = subprocess.run(["ip", "netns", "exec", {client!r}, "sh", "-c",
                                "ip link set pvv1 up && busybox udhcpc -i pvv1 -n -q -t 30 "
                                "-T 1 -s /bin/true -x hostname:guest1"],
                               capture_output=True, text=True, timeout=60)
            OUT["udhcpc"] = [r.returncode, r.stdout + r.stderr]
            OUT["leases"] = until(n.DHCPLeases)
            OUT["by_mac"] = n.DHCPLeases("52:54:00:12:34:56")
            OUT["other_mac"] = n.DHCPLeases("52:54:00:99:99:99")
            n.destroy()
            OUT["port_left"] = "master" in links()["pvv0"]
            sh("ip", "link", "del", "pvv0")       # the test's own veth
            OUT["after"] = [sorted(links()), tables(), dnsmasqs()]
        """)
    assert out["port_left"] is False                # released from the deleted bridge
    assert out["udhcpc"][0] == 0, out["udhcpc"][1]
    assert len(out["leases"]) == 1
    lease = out["leases"][0]
    assert lease["mac"] == "52:54:00:12:34:56"
    assert lease["iface"] == "pvbr1"
    assert lease["type"] == C.VIR_IP_ADDR_TYPE_IPV4
    assert lease["prefix"] == 24
    assert lease["hostname"] == "guest1"
    last = int(lease["ipaddr"].rsplit(".", 1)[1])
    assert lease["ipaddr"].startswith("10.77.0.") and 100 <= last <= 119
    assert out["by_mac"] == out["leases"]
    assert out["other_mac"] == []
    assert out["after"] == [["lo"], [], []]


def test_bad_input_leaves_nothing_behind(netns: str, tmp_path: Path) -> None:
    out = run(netns, tmp_path, f"""
        c = pyvirt.open(URI)
        a = c.networkDefineXML({NAT!r})
        a.create()
        clash = {NAT!r}.replace("<name>n1", "<name>n2").replace("pvbr1", "pvbr3") \\
            .replace("aa:bb:01", "aa:bb:03")
        b = c.networkDefineXML(clash)
        OUT["overlap"] = err(b.create)
        OUT["overlap_after"] = [sorted(links()), tables(), len(dnsmasqs()), b.isActive()]
        OUT["same_bridge"] = err(c.networkDefineXML,
                                 {NAT!r}.replace("<name>n1", "<name>n4"))
        sh("ip", "link", "add", "pvbusy", "type", "bridge")
        busy = c.networkDefineXML("<network><name>n5</name><bridge name='pvbusy'/>"
                                  "<ip address='10.79.0.1' prefix='24'/></network>")
        OUT["busy"] = err(busy.create)
        sh("ip", "link", "del", "pvbusy")
        bad = c.networkDefineXML(
            "<network><name>n6</name><bridge name='pvbr6'/><ip address='10.80.0.1' "
            "prefix='24'><tftp root='/nonexistent/tftp'/><dhcp><range start='10.80.0.2' "
            "end='10.80.0.9'/></dhcp></ip></network>")
        OUT["dnsmasq_fails"] = err(bad.create)
        OUT["dnsmasq_after"] = [sorted(links()), tables(), len(dnsmasqs()), bad.isActive(),
                                sorted(f for f in os.listdir(ROOT + "/run/network/dnsmasq")
                                       if f.startswith("n6."))]
        qos = c.networkDefineXML("<network><name>n8</name><bridge name='pvbr8'/>"
                                 "<bandwidth><inbound average='1000' peak='2000' burst='64'/>"
                                 "<outbound average='500'/></bandwidth></network>")
        qos.create()
        OUT["qos"] = sh("tc", "qdisc", "show", "dev", "pvbr8") + \
            sh("tc", "class", "show", "dev", "pvbr8") + \
            sh("nft", "list", "table", "netdev", "pyvirt_bw_pvbr8")
        qos.destroy()
        floor = c.networkDefineXML("<network><name>n10</name><bridge name='pvbr10'/>"
                                   "<bandwidth><inbound average='1000'/></bandwidth>"
                                   "<forward mode='bridge'/></network>")
        OUT["qos_bridge"] = err(floor.create)
        sh("ip", "link", "add", "pvhost", "type", "bridge")
        br = c.networkDefineXML("<network><name>n9</name><forward mode='bridge'/>"
                                "<bridge name='pvhost'/></network>")
        br.create()
        OUT["host_bridge"] = [br.isActive(), br.bridgeName(), tables()]
        br.destroy()
        OUT["host_bridge_kept"] = "pvhost" in links()
        sh("ip", "link", "del", "pvhost")
        vepa = c.networkDefineXML("<network><name>n7</name><forward mode='vepa'>"
                                  "<interface dev='eth9'/></forward></network>")
        vepa.create()              # as libvirt: the device is looked for when a guest joins
        OUT["vepa"] = [vepa.isActive(), tables()]
        vepa.destroy()
        a.destroy()
        OUT["after"] = [sorted(links()), tables(), dnsmasqs()]
    """)
    assert out["overlap"] == [C.VIR_ERR_INTERNAL_ERROR, C.VIR_FROM_NETWORK,
                              "internal error: Network is already in use by interface pvbr1"]
    assert out["overlap_after"] == [["lo", "pvbr1"], ["pyvirt_pvbr1"], 1, 0]
    assert out["same_bridge"] == [C.VIR_ERR_INTERNAL_ERROR, C.VIR_FROM_NETWORK,
                                  "internal error: bridge name 'pvbr1' already in use."]
    assert out["busy"] == [C.VIR_ERR_SYSTEM_ERROR, C.VIR_FROM_NONE,
                           "error creating bridge interface pvbusy: File exists"]
    code, dom, msg = out["dnsmasq_fails"]
    assert (code, dom) == (C.VIR_ERR_INTERNAL_ERROR, C.VIR_FROM_NETWORK)
    assert "dnsmasq" in msg and "/nonexistent/tftp" in msg
    assert out["dnsmasq_after"] == [["lo", "pvbr1"], ["pyvirt_pvbr1"], 1, 0, []]
    assert out["vepa"] == [1, ["pyvirt_pvbr1"]]
    assert "qdisc htb 1: root" in out["qos"]
    # libvirt's class tree: 1:1 the network's rate, 1:2 (the default) for ports without floor
    assert "qdisc htb 1: root refcnt 2 r2q 10 default 0x2" in out["qos"]
    assert "class htb 1:1 root rate 8Mbit ceil 16Mbit" in out["qos"]
    assert "class htb 1:2 parent 1:1 prio 0 rate 8Mbit ceil 16Mbit burst 64Kb" in out["qos"]
    assert 'hook ingress device "pvbr8"' in out["qos"]
    assert "limit rate over 500 kbytes/second burst 500 kbytes drop" in out["qos"]
    assert out["qos_bridge"][0] == C.VIR_ERR_NO_SUPPORT
    assert out["host_bridge"] == [1, "pvhost", ["pyvirt_pvbr1"]]
    assert out["host_bridge_kept"] is True
    assert out["after"] == [["lo"], [], []]


def test_restart_takes_running_networks_back(netns: str, tmp_path: Path) -> None:
    first = run(netns, tmp_path, f"""
        c = pyvirt.open(URI)
        n = c.networkDefineXML({NAT!r})
        n.create()
        OUT["pids"] = dnsmasqs()
        # the process ends without destroying: as a killed pyvirtd
    """)
    assert len(first["pids"]) == 1
    second = run(netns, tmp_path, """
        c = pyvirt.open(URI)
        n = c.networkLookupByName("n1")
        OUT["active"] = n.isActive()
        OUT["pids"] = dnsmasqs()
        OUT["tables"] = tables()
        os.kill(OUT["pids"][0], 15)
        for _ in range(500):                         # until it is gone (or a zombie)
            if not argv0(OUT["pids"][0]):
                break
            time.sleep(0.02)
    """)
    assert second["active"] == 1
    assert second["pids"] == first["pids"]          # the same dnsmasq, adopted
    assert second["tables"] == ["pyvirt_pvbr1"]
    third = run(netns, tmp_path, """
        c = pyvirt.open(URI)
        n = c.networkLookupByName("n1")
        OUT["active"] = n.isActive()
        OUT["pids"] = dnsmasqs()
        sh("ip", "link", "del", "pvbr1")             # the bridge goes behind our back
    """)
    assert third["active"] == 1
    assert len(third["pids"]) == 1 and third["pids"] != first["pids"]   # restarted
    fourth = run(netns, tmp_path, """
        c = pyvirt.open(URI)
        n = c.networkLookupByName("n1")
        OUT["state"] = [n.isActive(), sorted(links()), tables(), dnsmasqs()]
    """)
    assert fourth["state"] == [0, ["lo"], [], []]


def test_autostart_and_transient(netns: str, tmp_path: Path) -> None:
    out = run(netns, tmp_path, f"""
        c = pyvirt.open(URI)
        n = c.networkDefineXML({NAT!r})
        n.setAutostart(1)
        OUT["link"] = os.path.islink(ROOT + "/etc/qemu/networks/autostart/n1.xml")
        OUT["list"] = [x.name() for x in c.listAllNetworks(
            C.VIR_CONNECT_LIST_NETWORKS_AUTOSTART)]
    """)
    assert out == {"link": True, "list": ["n1"]}
    out = run(netns, tmp_path, """
        # autostart is once per boot of the run directory (a tmpfs): a new boot
        os.remove(ROOT + "/run/network/autostarted")
        pyvirt.virEventRegisterDefaultImpl()
        c = pyvirt.open(URI)
        seen = []
        c.networkEventRegisterAny(None, C.VIR_NETWORK_EVENT_ID_LIFECYCLE,
                                  lambda c_, n_, ev, det, op: seen.append([n_.name(), ev]), None)
        n = c.networkLookupByName("n1")
        OUT["active"] = n.isActive()
        n.undefine()                                 # running: becomes transient
        OUT["after_undefine"] = [n.isActive(), n.isPersistent(),
                                 os.path.exists(ROOT + "/etc/qemu/networks/n1.xml")]
        OUT["autostart_transient"] = err(n.setAutostart, 1)
        n.destroy()
        OUT["gone"] = err(c.networkLookupByName, "n1")[0]
        t = c.networkCreateXML({NAT!r}.replace("<name>n1", "<name>t1"))
        t.destroy()
        for _ in range(50):
            if len(seen) >= 4:
                break
            pyvirt.virEventRunDefaultImpl()
        OUT["events"] = seen
        OUT["after"] = [sorted(links()), tables(), dnsmasqs()]
    """.replace("{NAT!r}", repr(NAT)))
    assert out["events"] == [["n1", C.VIR_NETWORK_EVENT_UNDEFINED],
                             ["n1", C.VIR_NETWORK_EVENT_STOPPED],
                             ["t1", C.VIR_NETWORK_EVENT_STARTED],
                             ["t1", C.VIR_NETWORK_EVENT_STOPPED]]
    assert out["active"] == 1
    assert out["after_undefine"] == [1, 0, False]
    assert out["autostart_transient"][2].endswith("cannot set autostart for transient network")
    assert out["gone"] == C.VIR_ERR_NO_NETWORK
    assert out["after"] == [["lo"], [], []]


def _guest_dir() -> str:
    import subprocess
    import sys
    repo = Path(__file__).resolve().parents[3]
    res = subprocess.run([sys.executable, str(repo / "tools" / "build_guest.py"), "--print-dir"],
                         capture_output=True, text=True, check=False)
    if res.returncode != 0:
        pytest.skip(f"the test guest is not available: {res.stderr.strip()}")
    return res.stdout.strip().splitlines()[-1]


def test_qemu_guest_interface_on_network(netns: str, tmp_path: Path) -> None:
    guest = _guest_dir()
    dom_xml = f"""<domain type='qemu'><name>g1</name><memory unit='MiB'>96</memory>
      <vcpu>1</vcpu><os><type arch='x86_64' machine='pc'>hvm</type>
      <kernel>{guest}/vmlinuz</kernel><initrd>{guest}/initrd.img</initrd>
      <cmdline>console=ttyS0 quiet panic=-1</cmdline></os><features><acpi/></features>
      <devices><interface type='network'><source network='n1'/>
      <mac address='52:54:00:aa:00:07'/><model type='virtio'/>
      <filterref filter='clean-traffic'><parameter name='IP' value='10.77.0.7'/></filterref>
      <bandwidth><inbound average='256'/><outbound average='128' burst='32'/></bandwidth>
      </interface><serial type='pty'/></devices></domain>"""
    out = run(netns, tmp_path, f"""
        c = pyvirt.open(URI)
        n = c.networkDefineXML({NAT!r})
        d = c.defineXML({dom_xml!r})
        OUT["inactive_net"] = err(d.create)
        OUT["links_after_fail"] = sorted(links())
        n.create()
        d.create()
        xml = d.XMLDesc(0)
        tap = xml.split("<target dev='", 1)[1].split("'", 1)[0]
        link = links()[tap]
        OUT["tap"] = [link["address"], link["mtu"], link.get("master"),
                      link["linkinfo"]["info_kind"]]
        OUT["source"] = xml.split("<source ", 1)[1].split("/>", 1)[0]
        OUT["ports"] = [p.XMLDesc(0) for p in n.listAllPorts()]
        OUT["tc"] = sh("tc", "class", "show", "dev", tap) + \
            sh("nft", "list", "table", "netdev", "pyvirt_bw_" + tap)
        # <filterref>: a binding on the tap, for the guest, with its MAC
        b = c.nwfilterBindingLookupByPortDev(tap)
        OUT["binding"] = [b.filterName(), b.XMLDesc(0), tables()]
        hot = ("<interface type='network'><source network='n1'/>"
               "<mac address='52:54:00:aa:00:08'/><model type='virtio'/>"
               "<filterref filter='no-mac-spoofing'/></interface>")
        d.attachDeviceFlags(hot, C.VIR_DOMAIN_AFFECT_LIVE)
        ports = sorted(l["address"] for l in links().values() if l.get("master") == "pvbr1")
        OUT["hotplug"] = ports
        OUT["bindings"] = sorted(x.filterName() for x in c.listAllNWFilterBindings())
        OUT["ports_hot"] = len(n.listAllPorts())
        d.destroy()
        OUT["ports_after"] = len(n.listAllPorts())
        OUT["bindings_after"] = [c.listAllNWFilterBindings(),
                                 [t for t in tables() if t.startswith("pyvirt_nwf")]]
        for _ in range(250):                         # the taps go when QEMU has exited
            if tap not in links():
                break
            time.sleep(0.02)
        OUT["after_guest"] = sorted(links())
        n.destroy()
        OUT["after"] = [sorted(links()), tables(), dnsmasqs()]
        c.close()
    """)
    assert out["inactive_net"][0] == C.VIR_ERR_OPERATION_INVALID
    assert out["inactive_net"][2].endswith("network 'n1' is not active")
    assert out["links_after_fail"] == ["lo"]
    assert out["tap"] == ["fe:54:00:aa:00:07", 1400, "pvbr1", "tun"]
    portid = out["source"].split("portid='", 1)[1].split("'", 1)[0]
    assert out["source"] == f"network='n1' portid='{portid}' bridge='pvbr1'"
    assert len(out["ports"]) == 1
    port = out["ports"][0]
    assert f"<uuid>{portid}</uuid>" in port and "<name>g1</name>" in port
    assert "<mac address='52:54:00:aa:00:07'/>" in port
    assert "<inbound average='256'/>" in port
    assert "<plug type='network' bridge='pvbr1'/>" in port
    assert out["ports_hot"] == 2 and out["ports_after"] == 0
    assert "class htb 1:1 root prio 0 rate 2048Kbit" in out["tc"]          # 256 KiB/s
    assert "limit rate over 128 kbytes/second burst 32 kbytes drop" in out["tc"]
    assert out["hotplug"] == ["fe:54:00:aa:00:07", "fe:54:00:aa:00:08"]
    filtername, binding_xml, tables = out["binding"]
    assert filtername == "clean-traffic"
    assert "<owner>\n    <name>g1</name>" in binding_xml
    assert "<mac address='52:54:00:aa:00:07'/>" in binding_xml
    assert "<parameter name='IP' value='10.77.0.7'/>" in binding_xml
    assert "pyvirt_nwf_vnet0" in tables
    assert out["bindings"] == ["clean-traffic", "no-mac-spoofing"]
    assert out["bindings_after"] == [[], []]
    assert out["after_guest"] == ["lo", "pvbr1"]      # the tap went with QEMU
    assert out["after"] == [["lo"], [], []]


def guest_domain(guest: str, name: str, devices: str, memory: int = 96) -> str:
    """A domain booting the test guest in ``guest`` (its directory) with ``devices``."""
    return (f"<domain type='qemu'><name>{name}</name><memory unit='MiB'>{memory}</memory>"
            "<os><type arch='x86_64' machine='pc'>hvm</type>"
            f"<kernel>{guest}/vmlinuz</kernel><initrd>{guest}/initrd.img</initrd></os>"
            f"<devices>{devices}</devices></domain>")


def test_macvtap_interfaces_and_networks(netns: str, tmp_path: Path) -> None:
    guest = _guest_dir()

    def dom(name: str, iface: str) -> str:
        return guest_domain(guest, name, iface)

    direct = dom("d1", "<interface type='direct'><source dev='pvp0' mode='bridge'/>"
                 "<mac address='52:54:00:00:0d:01'/><model type='virtio'/></interface>")
    on_net = dom("d2", "<interface type='network'><source network='mv'/>"
                 "<mac address='52:54:00:00:0d:02'/><model type='virtio'/></interface>")
    on_pt = [dom(f"p{i}", "<interface type='network'><source network='pt'/>"
                 f"<mac address='52:54:00:00:0e:0{i}'/><model type='virtio'/></interface>")
             for i in (1, 2)]
    out = run(netns, tmp_path, f"""
        def macvtaps():
            return sorted([l["ifname"], l["address"], l["linkinfo"]["info_data"]["mode"],
                           l.get("link")] for l in links().values()
                          if l.get("linkinfo", {{}}).get("info_kind") == "macvtap")
        for a, b in (("pvp0", "pvp1"), ("pvq0", "pvq1")):
            sh("ip", "link", "add", a, "type", "veth", "peer", "name", b)
            sh("ip", "link", "set", a, "up")
        c = pyvirt.open(URI)
        d = c.createXML({direct!r}, 0)
        OUT["direct"] = [macvtaps(), "<target dev='macvtap0'/>" in d.XMLDesc(0)]
        d.destroy()
        OUT["direct_after"] = macvtaps()
        c.networkCreateXML("<network><name>mv</name><forward mode='vepa'>"
                           "<interface dev='pvp0'/><interface dev='pvq0'/></forward></network>")
        d = c.createXML({on_net!r}, 0)
        OUT["vepa"] = macvtaps()
        d.destroy()
        c.networkCreateXML("<network><name>pt</name><forward mode='passthrough'>"
                           "<interface dev='pvq0'/></forward></network>")
        p1 = c.createXML({on_pt[0]!r}, 0)
        OUT["passthrough"] = macvtaps()
        OUT["pt_ports"] = [x.XMLDesc(0) for x in c.networkLookupByName("pt").listAllPorts()]
        OUT["exclusive"] = err(c.createXML, {on_pt[1]!r}, 0)
        OUT["after_refused"] = macvtaps()
        p1.destroy()
        OUT["no_pool"] = err(c.networkCreateXML,
                             "<network><name>np</name><forward mode='private'/></network>")
        OUT["hostdev"] = err(c.networkCreateXML, "<network><name>hd</name>"
                             "<forward mode='hostdev' managed='yes'><pf dev='pvp0'/></forward>"
                             "</network>")
        for n in ("mv", "pt"):
            c.networkLookupByName(n).destroy()
        OUT["after"] = [macvtaps(), sorted(links())]
        sh("ip", "link", "del", "pvp0")
        sh("ip", "link", "del", "pvq0")
    """)
    assert out["direct"] == [[["macvtap0", "52:54:00:00:0d:01", "bridge", "pvp0"]], True]
    assert out["direct_after"] == []
    # the pool device with the fewest macvtaps (the first on a tie), in the network's mode
    assert out["vepa"] == [["macvtap0", "52:54:00:00:0d:02", "vepa", "pvp0"]]
    assert out["passthrough"] == [["macvtap0", "52:54:00:00:0e:01", "passthru", "pvq0"]]
    assert len(out["pt_ports"]) == 1
    assert "<plug type='direct' dev='pvq0' mode='passthrough'/>" in out["pt_ports"][0]
    assert out["exclusive"][0] == C.VIR_ERR_INTERNAL_ERROR
    assert "network 'pt' requires exclusive access to interfaces, but none are available" \
        in out["exclusive"][2]
    assert out["after_refused"] == out["passthrough"]
    assert "uses a direct mode, but has no forward dev and no interface pool" in \
        out["no_pool"][2]
    assert out["hostdev"][0] == C.VIR_ERR_NO_SUPPORT
    assert "physical function 'pvp0' has none" in out["hostdev"][2]
    assert out["after"] == [[], ["lo", "pvp0", "pvp1", "pvq0", "pvq1"]]


PORT = """<networkport><uuid>7c1a6f0e-2b3d-4e5f-8a9b-0c1d2e3f4a5b</uuid>
<owner><name>vm1</name><uuid>11111111-2222-3333-4444-555555555555</uuid></owner>
<group>fast</group><mac address='52:54:00:00:00:99'/></networkport>"""


def test_network_ports(netns: str, tmp_path: Path) -> None:
    net = NAT.replace("</network>", "<portgroup name='fast'><bandwidth>"
                      "<inbound average='1000'/></bandwidth></portgroup></network>")
    out = run(netns, tmp_path, f"""
        c = pyvirt.open(URI)
        n = c.networkDefineXML({net!r})
        OUT["inactive"] = err(n.portCreateXML, {PORT!r}, 0)
        n.create()
        p = n.portCreateXML({PORT!r}, 0)
        OUT["xml"] = p.XMLDesc(0)
        OUT["lookup"] = n.portLookupByUUIDString(p.UUIDString()).UUIDString()
        OUT["dup"] = err(n.portCreateXML, {PORT!r}, 0)
        OUT["missing"] = err(n.portLookupByUUIDString, "00000000-0000-0000-0000-000000000001")
        c.close()                                   # a new driver takes the port back
        c = pyvirt.open(URI)
        n = c.networkLookupByName("n1")
        OUT["again"] = [x.UUIDString() for x in n.listAllPorts()]
        n.portLookupByUUIDString("7c1a6f0e-2b3d-4e5f-8a9b-0c1d2e3f4a5b").delete()
        OUT["deleted"] = n.listAllPorts()
        n.portCreateXML({PORT!r}, 0)
        n.destroy()
        n.create()
        OUT["after_restart"] = n.listAllPorts()
        n.destroy()
    """)
    assert out["inactive"][0] == C.VIR_ERR_OPERATION_INVALID
    assert "<plug type='network' bridge='pvbr1'/>" in out["xml"]
    assert "<inbound average='1000'/>" in out["xml"]        # the portgroup's
    assert "<name>vm1</name>" in out["xml"] and "<group>fast</group>" in out["xml"]
    assert out["lookup"] == "7c1a6f0e-2b3d-4e5f-8a9b-0c1d2e3f4a5b"
    assert out["dup"][0] == C.VIR_ERR_NETWORK_PORT_EXIST
    assert out["missing"][0] == C.VIR_ERR_NO_NETWORK_PORT
    assert out["again"] == ["7c1a6f0e-2b3d-4e5f-8a9b-0c1d2e3f4a5b"]
    assert out["deleted"] == [] and out["after_restart"] == []
