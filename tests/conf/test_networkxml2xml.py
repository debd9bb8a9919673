"""networkxml2xml: network XML read and written back as libvirt does."""

from __future__ import annotations

import pytest
from xml2xml import expect_error, run_case, xml2xml_params

from pyvirt import constants as C
from pyvirt.conf.network import ForwardMode, NetworkDef, NetworkPortDef


@pytest.mark.parametrize("name", xml2xml_params("network"))
def test_network_xml2xml(name: str) -> None:
    run_case("network", name, lambda x: NetworkDef.parse(x).format(), "network")


def test_fields() -> None:
    net = NetworkDef.parse("<network><name>n</name><uuid>dd8fe884-6c02-601e-7551-cca97df1c5df"
                           "</uuid><forward mode='nat'/><bridge name='virbr0'/>"
                           "<ip address='192.168.1.1' prefix='24'/></network>")
    assert net.name == "n" and net.bridge == "virbr0"
    assert net.uuid == "dd8fe884-6c02-601e-7551-cca97df1c5df"
    assert net.forward is not None and net.forward.mode is ForwardMode.NAT
    assert net.ips[0].effective_prefix() == 24


def test_uuid_generated() -> None:
    a = NetworkDef.parse("<network><name>n</name></network>")
    b = NetworkDef.parse("<network><name>n</name></network>")
    assert len(a.uuid) == 36 and a.uuid != b.uuid


def test_title_description_kept_not_written() -> None:
    net = NetworkDef.parse("<network><name>n</name><title>T</title>"
                           "<description>D</description></network>")
    assert (net.title, net.description) == ("T", "D")
    assert "<title>" not in net.format()


BAD = [
    ("<network><name>x</name", C.VIR_ERR_XML_DETAIL, C.VIR_FROM_NETWORK, "(network_definition)"),
    ("<net/>", C.VIR_ERR_XML_ERROR, C.VIR_FROM_XML, "expecting root element of 'network'"),
    ("<network></network>", C.VIR_ERR_NO_NAME, C.VIR_FROM_NETWORK, None),
    ("<network><name>a/b</name></network>", C.VIR_ERR_XML_DETAIL, C.VIR_FROM_XML,
     "invalid char in name: /"),
    ("<network><name>x</name><uuid>zzz</uuid></network>", C.VIR_ERR_INTERNAL_ERROR,
     C.VIR_FROM_NETWORK, "malformed uuid element"),
    ("<network><name>x</name><forward mode='bogus'/></network>", C.VIR_ERR_CONFIG_UNSUPPORTED,
     C.VIR_FROM_NETWORK, "unknown forwarding type 'bogus'"),
    ("<network><name>x</name><bridge name='v' delay='x'/></network>", C.VIR_ERR_XML_ERROR,
     C.VIR_FROM_NETWORK, "Invalid delay value in network 'x'"),
    ("<network><name>x</name><mac address='zz'/></network>", C.VIR_ERR_XML_ERROR,
     C.VIR_FROM_NETWORK, "Invalid bridge mac address 'zz' in network 'x'"),
    ("<network><name>x</name><mac address='01:00:00:00:00:00'/></network>",
     C.VIR_ERR_XML_ERROR, C.VIR_FROM_NETWORK, "Invalid multicast bridge mac address"),
    ("<network><name>x</name><ip address='1.2.3.x'/></network>", C.VIR_ERR_XML_ERROR,
     C.VIR_FROM_NETWORK, "Invalid address '1.2.3.x' in network 'x'"),
    ("<network><name>x</name><ip address='1.2.3.4' prefix='40'/></network>",
     C.VIR_ERR_CONFIG_UNSUPPORTED, C.VIR_FROM_NETWORK, "Invalid IPv4 prefix '40'"),
    ("<network><name>x</name><ip address='1.2.3.4' family='ipv5'/></network>",
     C.VIR_ERR_XML_ERROR, C.VIR_FROM_NETWORK, "Unrecognized family 'ipv5' in network 'x'"),
    ("<network><name>x</name><mtu size='abc'/></network>", C.VIR_ERR_XML_ERROR,
     C.VIR_FROM_NETWORK, "Invalid mtu size 'abc' in network 'x'"),
    (("<network><name>x</name><ip address='1.2.3.4' prefix='24'><dhcp>"
     "<range start='1.2.3.9' end='1.2.3.5'/></dhcp></ip></network>"),
     C.VIR_ERR_INTERNAL_ERROR, C.VIR_FROM_NONE, "range 1.2.3.9 - 1.2.3.5 is reversed"),
    (("<network><name>x</name><ip address='1.2.3.4' prefix='24'><dhcp>"
     "<range start='1.2.3.9' end='1.2.4.5'/></dhcp></ip></network>"),
     C.VIR_ERR_INTERNAL_ERROR, C.VIR_FROM_NONE, "is not entirely within network 1.2.3.4/24"),
    (("<network><name>x</name><ip address='1.2.3.4' prefix='24' netmask='255.0.0.0'/>"
     "</network>"), C.VIR_ERR_CONFIG_UNSUPPORTED, C.VIR_FROM_NETWORK,
     "cannot have both a prefix and a netmask"),
    ("<network><name>x</name><dns><host><hostname>a</hostname></host></dns></network>",
     C.VIR_ERR_XML_DETAIL, C.VIR_FROM_NETWORK, "Missing IP address in network 'x'"),
    ("<network><name>x</name><dns><txt name='a b' value='x'/></dns></network>",
     C.VIR_ERR_XML_DETAIL, C.VIR_FROM_NETWORK, "prohibited character in DNS TXT record"),
    ("<network><name>x</name><portgroup/></network>", C.VIR_ERR_XML_ERROR, C.VIR_FROM_NETWORK,
     "Missing required name attribute in portgroup"),
    ("<network><name>x</name><route address='1.2.3.0' prefix='24'/></network>",
     C.VIR_ERR_XML_ERROR, C.VIR_FROM_NETWORK, "Missing required gateway attribute"),
    (("<network><name>x</name><forward mode='nat'><nat><address start='1.2.3.4'/></nat>"
     "</forward></network>"), C.VIR_ERR_XML_ERROR, C.VIR_FROM_NETWORK,
     "missing 'end' attribute in <address> element in <nat> in <forward> in network x"),
    (("<network><name>x</name><ip address='1.2.3.4' prefix='24'><dhcp><host mac='zz' "
     "ip='1.2.3.5'/></dhcp></ip></network>"), C.VIR_ERR_XML_ERROR, C.VIR_FROM_NETWORK,
     "Cannot parse MAC address 'zz' in network 'x'"),
    (("<network><name>x</name><ip address='1.2.3.4' prefix='24'><dhcp><host ip='1.2.3.5'/>"
     "</dhcp></ip></network>"), C.VIR_ERR_XML_ERROR, C.VIR_FROM_NETWORK,
     "must have mac or name attribute"),
    (("<network><name>x</name><ip address='1.2.3.4' prefix='24'><dhcp>"
     "<range start='1.2.3.9'/></dhcp></ip></network>"), C.VIR_ERR_XML_ERROR,
     C.VIR_FROM_NETWORK, "Missing 'end' attribute in dhcp range for network 'x'"),
    ("<network><name>x</name><forward mode='bridge'/><bridge name='br0' stp='on'/></network>",
     C.VIR_ERR_XML_ERROR, C.VIR_FROM_NETWORK,
     "bridge delay/stp/zone options only allowed in route, nat, and isolated mode"),
    (("<network><name>x</name><forward mode='bridge' dev='eth0'><interface dev='eth1'/>"
     "</forward></network>"), C.VIR_ERR_XML_ERROR, C.VIR_FROM_NETWORK,
     "<forward dev='eth0'> must match first <interface dev='eth1'/> in network x"),
    (("<network><name>x</name><ip address='1.2.3.4' prefix='24'><dhcp>"
     "<range start='1.2.3.9' end='1.2.3.10'><lease expiry='5' unit='seconds'/></range>"
     "</dhcp></ip></network>"), C.VIR_ERR_CONFIG_UNSUPPORTED, C.VIR_FROM_NETWORK,
     "The minimum lease time should be greater than 2 minutes"),
    (("<network><name>x</name><forward mode='bridge'/><bridge name='br0'/><vlan>"
     "<tag id='4096'/></vlan></network>"), C.VIR_ERR_XML_ERROR, C.VIR_FROM_NONE,
     "vlan tag id 4096 too large (maximum 4095)"),
    ("<network><name>x</name><bandwidth><inbound/></bandwidth></network>",
     C.VIR_ERR_XML_DETAIL, C.VIR_FROM_NONE, "Missing mandatory average or floor attributes"),
    (("<network><name>x</name><bandwidth><outbound average='1' floor='10'/></bandwidth>"
     "</network>"), C.VIR_ERR_CONFIG_UNSUPPORTED, C.VIR_FROM_NONE,
     "'floor' attribute allowed only in <inbound> element"),
    (("<network><name>x</name><bandwidth><inbound average='1' floor='10'/></bandwidth>"
     "</network>"), C.VIR_ERR_CONFIG_UNSUPPORTED, C.VIR_FROM_NONE,
     "floor attribute is not supported for this config"),
]


@pytest.mark.parametrize("xml,code,domain,message", BAD)
def test_network_bad(xml: str, code: int, domain: int, message: str | None) -> None:
    expect_error(lambda: NetworkDef.parse(xml), code, domain, message)


PORT = """<networkport>
  <uuid>5d744f21-ba4a-4d6e-bdb2-30a35ff3207d</uuid>
  <owner>
    <name>myguest</name>
    <uuid>c7a5fdbd-edaf-9455-926a-d65c16db1809</uuid>
  </owner>
  <group>web-servers</group>
  <mac address='52:54:00:7b:35:93'/>
  <virtualport type='openvswitch'>
    <parameters interfaceid='09b11c53-8b5c-4eeb-8f00-d84eaa0aaa4f'/>
  </virtualport>
  <bandwidth classID='5'>
    <inbound average='1000' peak='5000' floor='20' burst='1024'/>
  </bandwidth>
  <vlan>
    <tag id='42'/>
  </vlan>
  <port isolated='yes'/>
  <rxfilters trustGuest='yes'/>
  <plug type='bridge' bridge='virbr0' macTableManager='libvirt'/>
</networkport>
"""


def test_networkport_roundtrip() -> None:
    port = NetworkPortDef.parse(PORT)
    assert port.owner_name == "myguest" and port.plug_bridge == "virbr0"
    assert port.class_id == 5 and port.port_isolated is True
    out = port.format()
    assert out == PORT
    from xml2xml import check_schema
    check_schema(out, "networkport")


PORT_HOSTDEV = """<networkport>
  <uuid>5d744f21-ba4a-4d6e-bdb2-30a35ff3207d</uuid>
  <owner>
    <name>myguest</name>
    <uuid>c7a5fdbd-edaf-9455-926a-d65c16db1809</uuid>
  </owner>
  <mac address='52:54:00:7b:35:93'/>
  <plug type='hostdev-pci' managed='yes'>
    <driver name='vfio'/>
    <address domain='0x0000' bus='0x03' slot='0x00' function='0x1'/>
  </plug>
</networkport>
"""


def test_networkport_hostdev() -> None:
    out = NetworkPortDef.parse(PORT_HOSTDEV).format()
    assert out == PORT_HOSTDEV
    from xml2xml import check_schema
    check_schema(out, "networkport")


def test_networkport_bad() -> None:
    expect_error(lambda: NetworkPortDef.parse("<networkport><uuid>5d744f21-ba4a-4d6e-bdb2-"
                                              "30a35ff3207d</uuid></networkport>"),
                 C.VIR_ERR_XML_ERROR, C.VIR_FROM_NETWORK, "missing owner name")
