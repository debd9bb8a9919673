"""Bad domain XML: pyvirt raises the error libvirt 9.0 raises.

Each case below was checked against real libvirt (test driver defineXML):
error code, error domain and the whole message are the same.
"""

from __future__ import annotations

import json

import pytest
from xml2xml import DATA, expect_error

import pyvirt
from pyvirt import constants as C
from pyvirt.conf.domain import DomainDef, parse_device

HEAD = ("<domain type='kvm'><name>e</name><memory>1024</memory>"
        "<os><type arch='x86_64'>hvm</type></os>")


def top(xml: str) -> str:
    """A domain with ``xml`` after its <os>."""
    return HEAD + xml + "</domain>"


def dev(xml: str) -> str:
    """A domain with ``xml`` as its devices."""
    return HEAD + "<devices>" + xml + "</devices></domain>"


CASES = [
    ("wrong-root",
     "<domainx type='kvm'><name>e</name></domainx>",
     C.VIR_ERR_XML_ERROR, C.VIR_FROM_XML,
     "XML error: expecting root element of 'domain', not 'domainx'"),
    ("no-name",
     "<domain type='kvm'><memory>1</memory><os><type>hvm</type></os></domain>",
     C.VIR_ERR_NO_NAME, C.VIR_FROM_DOMAIN,
     "missing name information"),
    ("empty-name",
     "<domain type='kvm'><name></name><memory>1</memory><os><type>hvm</type></os></domain>",
     C.VIR_ERR_NO_NAME, C.VIR_FROM_DOMAIN,
     "missing name information"),
    ("name-slash",
     "<domain type='kvm'><name>a/b</name><memory>1</memory><os><type>hvm</type></os></domain>",
     C.VIR_ERR_XML_ERROR, C.VIR_FROM_DOMAIN,
     "XML error: name a/b cannot contain '/'"),
    ("bad-uuid",
     ("<domain type='kvm'><name>e</name><uuid>zz</uuid><memory>1</memory><os><type>hvm</type>"
      "</os></domain>"),
     C.VIR_ERR_INTERNAL_ERROR, C.VIR_FROM_DOMAIN,
     "internal error: malformed uuid element"),
    ("bad-genid",
     ("<domain type='kvm'><name>e</name><genid>12</genid><memory>1</memory><os><type>hvm</type>"
      "</os></domain>"),
     C.VIR_ERR_INTERNAL_ERROR, C.VIR_FROM_DOMAIN,
     "internal error: malformed genid element"),
    ("memory-lots",
     "<domain type='kvm'><name>e</name><memory>lots</memory><os><type>hvm</type></os></domain>",
     C.VIR_ERR_XML_ERROR, C.VIR_FROM_XML,
     "XML error: Invalid value 'lots' for element or attribute './memory[1]'"),
    ("memory-unit",
     ("<domain type='kvm'><name>e</name><memory unit='foo'>1</memory><os><type>hvm</type></os>"
      "</domain>"),
     C.VIR_ERR_INVALID_ARG, C.VIR_FROM_NONE,
     "invalid argument: unknown suffix 'foo'"),
    ("memory-zero",
     "<domain type='kvm'><name>e</name><memory>0</memory><os><type>hvm</type></os></domain>",
     C.VIR_ERR_XML_ERROR, C.VIR_FROM_DOMAIN,
     "XML error: Memory size must be specified via <memory> or in the <numa> configuration"),
    ("no-memory",
     "<domain type='kvm'><name>e</name><os><type>hvm</type></os></domain>",
     C.VIR_ERR_XML_ERROR, C.VIR_FROM_DOMAIN,
     "XML error: Memory size must be specified via <memory> or in the <numa> configuration"),
    ("no-virt-type",
     "<domain><name>e</name><memory>1</memory><os><type>hvm</type></os></domain>",
     C.VIR_ERR_INTERNAL_ERROR, C.VIR_FROM_DOMAIN,
     "internal error: missing domain type attribute"),
    ("bad-virt-type",
     "<domain type='foo'><name>e</name><memory>1</memory><os><type>hvm</type></os></domain>",
     C.VIR_ERR_CONFIG_UNSUPPORTED, C.VIR_FROM_DOMAIN,
     "unsupported configuration: invalid domain type foo"),
    ("bad-os-type",
     "<domain type='kvm'><name>e</name><memory>1</memory><os><type>foo</type></os></domain>",
     C.VIR_ERR_CONFIG_UNSUPPORTED, C.VIR_FROM_DOMAIN,
     "unsupported configuration: unknown OS type 'foo'"),
    ("no-os-type",
     "<domain type='kvm'><name>e</name><memory>1</memory></domain>",
     C.VIR_ERR_XML_ERROR, C.VIR_FROM_DOMAIN,
     "XML error: an os <type> must be specified"),
    ("title-newline",
     top("<title>a\nb</title>"),
     C.VIR_ERR_XML_ERROR, C.VIR_FROM_DOMAIN,
     "XML error: Domain title can't contain newlines"),
    ("vcpu-text",
     top("<vcpu>x</vcpu>"),
     C.VIR_ERR_XML_ERROR, C.VIR_FROM_DOMAIN,
     "XML error: maximum vcpus count must be an integer"),
    ("vcpu-current",
     top("<vcpu current='5'>2</vcpu>"),
     C.VIR_ERR_CONFIG_UNSUPPORTED, C.VIR_FROM_DOMAIN,
     "unsupported configuration: maximum vCPU count must not be less than current vCPU count"),
    ("maxmemory-small",
     ("<domain type='kvm'><name>e</name><maxMemory slots='1'>512</maxMemory><memory>"
      "1024</memory><os><type>hvm</type></os></domain>"),
     C.VIR_ERR_XML_ERROR, C.VIR_FROM_DOMAIN,
     "XML error: maximum memory size must be equal or greater than the actual memory size"),
    ("lifecycle",
     top("<on_reboot>foo</on_reboot>"),
     C.VIR_ERR_CONFIG_UNSUPPORTED, C.VIR_FROM_DOMAIN,
     "unsupported configuration: unknown on_reboot action: foo"),
    ("lifecycle-coredump",
     top("<on_poweroff>coredump-destroy</on_poweroff>"),
     C.VIR_ERR_CONFIG_UNSUPPORTED, C.VIR_FROM_DOMAIN,
     ("unsupported configuration: Lifecycle event 'poweroff' doesn't support "
      "'coredump-destroy' action")),
    ("clock-offset",
     top("<clock offset='foo'/>"),
     C.VIR_ERR_CONFIG_UNSUPPORTED, C.VIR_FROM_DOMAIN,
     "unsupported configuration: unknown clock offset 'foo'"),
    ("cpu-mode",
     top("<cpu mode='foo'/>"),
     C.VIR_ERR_CONFIG_UNSUPPORTED, C.VIR_FROM_CPU,
     "unsupported configuration: Invalid mode attribute 'foo'"),
    ("cpu-vendor-no-model",
     top("<cpu><vendor>Intel</vendor></cpu>"),
     C.VIR_ERR_XML_ERROR, C.VIR_FROM_CPU,
     "XML error: CPU vendor specified without CPU model"),
    ("cpu-feature-no-model",
     top("<cpu><feature name='vmx'/></cpu>"),
     C.VIR_ERR_XML_ERROR, C.VIR_FROM_CPU,
     "XML error: Non-empty feature list specified without CPU model"),
    ("cpu-feature-dup",
     top("<cpu><model>core2duo</model><feature name='vmx'/><feature name='vmx'/></cpu>"),
     C.VIR_ERR_XML_ERROR, C.VIR_FROM_CPU,
     "XML error: CPU feature 'vmx' specified more than once"),
    ("cpu-migratable",
     top("<cpu mode='host-model' migratable='on'/>"),
     C.VIR_ERR_CONFIG_UNSUPPORTED, C.VIR_FROM_CPU,
     ("unsupported configuration: Attribute migratable is only allowed for 'host-passthrough' "
      "/ 'maximum' CPU mode")),
    ("numa-cpus",
     top("<vcpu>2</vcpu><cpu><numa><cell id='0' cpus='0-3' memory='1024'/></numa></cpu>"),
     C.VIR_ERR_INTERNAL_ERROR, C.VIR_FROM_DOMAIN,
     "internal error: Number of CPUs in <numa> exceeds the <vcpu> count"),
    ("feature-unknown",
     top("<features><bogus/></features>"),
     C.VIR_ERR_CONFIG_UNSUPPORTED, C.VIR_FROM_DOMAIN,
     "unsupported configuration: unexpected feature 'bogus'"),
    ("feature-state",
     top("<features><smm state='maybe'/></features>"),
     C.VIR_ERR_XML_ERROR, C.VIR_FROM_XML,
     "XML error: Invalid value for attribute 'state' in element 'smm': 'maybe'."),
    ("feature-htm",
     top("<features><htm/></features>"),
     C.VIR_ERR_XML_ERROR, C.VIR_FROM_XML,
     "XML error: Missing required attribute 'state' in element 'htm'"),
    ("hyperv-state",
     top("<features><hyperv><relaxed/></hyperv></features>"),
     C.VIR_ERR_XML_ERROR, C.VIR_FROM_XML,
     "XML error: Missing required attribute 'state' in element 'relaxed'"),
    ("boot-dev",
     ("<domain type='kvm'><name>e</name><memory>1024</memory><os><type>hvm</type><boot "
      "dev='foo'/></os></domain>"),
     C.VIR_ERR_XML_ERROR, C.VIR_FROM_XML,
     "XML error: Invalid value for attribute 'dev' in element 'boot': 'foo'."),
    ("disk-device",
     dev("<disk type='file' device='floppyx'><source file='/a'/><target dev='vda'/></disk>"),
     C.VIR_ERR_XML_ERROR, C.VIR_FROM_XML,
     "XML error: Invalid value for attribute 'device' in element 'disk': 'floppyx'."),
    ("disk-type",
     dev("<disk type='filex'><source file='/a'/><target dev='vda'/></disk>"),
     C.VIR_ERR_XML_ERROR, C.VIR_FROM_XML,
     "XML error: Invalid value for attribute 'type' in element 'disk': 'filex'."),
    ("disk-bus",
     dev("<disk type='file' device='disk'><source file='/a'/><target dev='vda' bus='floppyx'/>"
         "</disk>"),
     C.VIR_ERR_XML_ERROR, C.VIR_FROM_XML,
     "XML error: Invalid value for attribute 'bus' in element 'target': 'floppyx'."),
    ("disk-no-target",
     dev("<disk type='file'><source file='/a'/></disk>"),
     C.VIR_ERR_NO_TARGET, C.VIR_FROM_DOMAIN,
     "missing target information for device /a"),
    ("disk-no-source-block",
     dev("<disk type='block'><target dev='vda'/></disk>"),
     C.VIR_ERR_NO_SOURCE, C.VIR_FROM_DOMAIN,
     "missing source information for device vda"),
    ("disk-dup-target",
     dev("<disk type='file'><source file='/a'/><target dev='vda'/></disk><disk type='file'>"
         "<source file='/b'/><target dev='vda'/></disk>"),
     C.VIR_ERR_XML_ERROR, C.VIR_FROM_DOMAIN,
     "XML error: target 'vda' duplicated for disk sources '/a' and '/b'"),
    ("disk-unknown-name",
     dev("<disk type='file'><source file='/a'/><target dev='zz'/></disk>"),
     C.VIR_ERR_XML_ERROR, C.VIR_FROM_DOMAIN,
     "XML error: Unknown disk name 'zz' and no address specified"),
    ("disk-ioeventfd",
     dev("<disk type='file'><driver ioeventfd='maybe'/><source file='/a'/><target dev='vda'/>"
         "</disk>"),
     C.VIR_ERR_XML_ERROR, C.VIR_FROM_XML,
     "XML error: Invalid value for attribute 'ioeventfd' in element 'driver': 'maybe'."),
    ("disk-cache",
     dev("<disk type='file'><driver cache='bogus'/><source file='/a'/><target dev='vda'/>"
         "</disk>"),
     C.VIR_ERR_XML_ERROR, C.VIR_FROM_XML,
     "XML error: Invalid value for attribute 'cache' in element 'driver': 'bogus'."),
    ("address-type",
     dev("<disk type='file'><source file='/a'/><target dev='vda'/><address type='foo'/></disk>"),
     C.VIR_ERR_CONFIG_UNSUPPORTED, C.VIR_FROM_DOMAIN,
     "unsupported configuration: unknown address type 'foo'"),
    ("address-slot-text",
     dev("<disk type='file'><source file='/a'/><target dev='vda'/><address type='pci' "
         "slot='zz'/></disk>"),
     C.VIR_ERR_XML_ERROR, C.VIR_FROM_XML,
     ("XML error: Invalid value for attribute 'slot' in element 'address': 'zz'. Expected "
      "non-negative integer value")),
    ("address-slot-range",
     dev("<disk type='file'><source file='/a'/><target dev='vda'/><address type='pci' "
         "slot='0x20'/></disk>"),
     C.VIR_ERR_XML_ERROR, C.VIR_FROM_NONE,
     "XML error: Invalid PCI address slot='0x20', must be <= 0x1F"),
    ("address-unit-negative",
     dev("<disk type='file'><source file='/a'/><target dev='sda'/><address type='drive' "
         "unit='-1'/></disk>"),
     C.VIR_ERR_XML_ERROR, C.VIR_FROM_XML,
     ("XML error: Invalid value for attribute 'unit' in element 'address': '-1'. Expected "
      "non-negative integer value")),
    ("boot-order-text",
     dev("<disk type='file'><source file='/a'/><target dev='vda'/><boot order='x'/></disk>"),
     C.VIR_ERR_XML_ERROR, C.VIR_FROM_XML,
     ("XML error: Invalid value for attribute 'order' in element 'boot': 'x'. Expected "
      "non-negative integer value")),
    ("boot-order-dup",
     dev("<disk type='file'><source file='/a'/><target dev='vda'/><boot order='1'/></disk>"
         "<interface type='user'><mac address='52:54:00:00:00:01'/><boot order='1'/>"
         "</interface>"),
     C.VIR_ERR_CONFIG_UNSUPPORTED, C.VIR_FROM_DOMAIN,
     "unsupported configuration: boot order '1' used for more than one device"),
    ("boot-mixed",
     ("<domain type='kvm'><name>e</name><memory>1024</memory><os><type arch='x86_64'>hvm</type>"
      "<boot dev='hd'/></os><devices><disk type='file'><source file='/a'/><target dev='vda'/>"
      "<boot order='1'/></disk></devices></domain>"),
     C.VIR_ERR_CONFIG_UNSUPPORTED, C.VIR_FROM_DOMAIN,
     ("unsupported configuration: per-device boot elements cannot be used together with "
      "os/boot elements")),
    ("controller-type",
     dev("<controller type='foo'/>"),
     C.VIR_ERR_XML_ERROR, C.VIR_FROM_XML,
     "XML error: Invalid value for attribute 'type' in element 'controller': 'foo'."),
    ("controller-model",
     dev("<controller type='usb' model='foo'/>"),
     C.VIR_ERR_CONFIG_UNSUPPORTED, C.VIR_FROM_DOMAIN,
     "unsupported configuration: Unknown model type 'foo'"),
    ("controller-model-name",
     dev("<controller type='pci' model='pcie-root-port'><model name='foo'/></controller>"),
     C.VIR_ERR_XML_ERROR, C.VIR_FROM_XML,
     "XML error: Invalid value for attribute 'name' in element 'model': 'foo'."),
    ("usb-none-twice",
     dev("<controller type='usb' index='0' model='none'/><controller type='usb' index='1'/>"),
     C.VIR_ERR_XML_DETAIL, C.VIR_FROM_DOMAIN,
     "Can't add another USB controller: USB is disabled for this domain"),
    ("redirdev-no-usb",
     dev("<redirdev bus='usb' type='spicevmc'/>"),
     C.VIR_ERR_CONFIG_UNSUPPORTED, C.VIR_FROM_DOMAIN,
     ("unsupported configuration: cannot add redirected USB device: USB is disabled for this "
      "domain")),
    ("interface-type",
     dev("<interface type='foo'/>"),
     C.VIR_ERR_XML_ERROR, C.VIR_FROM_XML,
     "XML error: Invalid value for attribute 'type' in element 'interface': 'foo'."),
    ("interface-mac",
     dev("<interface type='network'><mac address='zz'/><source network='default'/></interface>"),
     C.VIR_ERR_XML_ERROR, C.VIR_FROM_DOMAIN,
     "XML error: unable to parse mac address 'zz'"),
    ("interface-multicast",
     dev("<interface type='network'><mac address='01:54:00:00:00:01'/><source network='x'/>"
         "</interface>"),
     C.VIR_ERR_XML_ERROR, C.VIR_FROM_DOMAIN,
     "XML error: expected unicast mac address, found multicast '01:54:00:00:00:01'"),
    ("interface-no-source",
     dev("<interface type='network'></interface>"),
     C.VIR_ERR_XML_ERROR, C.VIR_FROM_DOMAIN,
     "XML error: interface type='network' requires a 'source' element"),
    ("interface-bridge-no-source",
     dev("<interface type='bridge'><mac address='52:54:00:00:00:01'/></interface>"),
     C.VIR_ERR_XML_ERROR, C.VIR_FROM_DOMAIN,
     "XML error: interface type='bridge' requires a 'source' element"),
    ("chardev-type",
     dev("<serial type='foo'/>"),
     C.VIR_ERR_CONFIG_UNSUPPORTED, C.VIR_FROM_DOMAIN,
     "unsupported configuration: unknown type presented to host for character device: foo"),
    ("console-serial-second",
     dev("<console type='pty'/><console type='pty'><target type='serial'/></console>"),
     C.VIR_ERR_CONFIG_UNSUPPORTED, C.VIR_FROM_DOMAIN,
     "unsupported configuration: Only the first console can be a serial port"),
    ("graphics-type",
     dev("<graphics type='foo'/>"),
     C.VIR_ERR_XML_ERROR, C.VIR_FROM_XML,
     "XML error: Invalid value for attribute 'type' in element 'graphics': 'foo'."),
    ("graphics-port",
     dev("<graphics type='vnc' port='abc'/>"),
     C.VIR_ERR_INTERNAL_ERROR, C.VIR_FROM_DOMAIN,
     "internal error: cannot parse vnc port abc"),
    ("video-model",
     dev("<video><model type='foo'/></video>"),
     C.VIR_ERR_CONFIG_UNSUPPORTED, C.VIR_FROM_DOMAIN,
     "unsupported configuration: unknown video model 'foo'"),
    ("video-none",
     dev("<video><model type='none'/></video><video><model type='vga'/></video>"),
     C.VIR_ERR_CONFIG_UNSUPPORTED, C.VIR_FROM_DOMAIN,
     ("unsupported configuration: a 'none' video type must be the only video device defined "
      "for the domain")),
    ("input-type",
     dev("<input type='foo' bus='usb'/>"),
     C.VIR_ERR_CONFIG_UNSUPPORTED, C.VIR_FROM_DOMAIN,
     "unsupported configuration: unknown input device type 'foo'"),
    ("input-bus",
     dev("<input type='mouse' bus='foo'/>"),
     C.VIR_ERR_CONFIG_UNSUPPORTED, C.VIR_FROM_DOMAIN,
     "unsupported configuration: unknown input bus type 'foo'"),
    ("sound-model",
     dev("<sound model='foo'/>"),
     C.VIR_ERR_XML_ERROR, C.VIR_FROM_XML,
     "XML error: Invalid value for attribute 'model' in element 'sound': 'foo'."),
    ("memballoon-model",
     dev("<memballoon model='foo'/>"),
     C.VIR_ERR_XML_ERROR, C.VIR_FROM_XML,
     "XML error: Invalid value for attribute 'model' in element 'memballoon': 'foo'."),
    ("watchdog-model",
     dev("<watchdog model='foo'/>"),
     C.VIR_ERR_CONFIG_UNSUPPORTED, C.VIR_FROM_DOMAIN,
     "unsupported configuration: unknown watchdog model 'foo'"),
    ("watchdog-two",
     dev("<watchdog model='ib700'/><watchdog model='i6300esb'/>"),
     C.VIR_ERR_INTERNAL_ERROR, C.VIR_FROM_DOMAIN,
     "internal error: only a single watchdog device is supported"),
    ("tpm-model",
     dev("<tpm model='foo'><backend type='passthrough'/></tpm>"),
     C.VIR_ERR_XML_ERROR, C.VIR_FROM_XML,
     "XML error: Invalid value for attribute 'model' in element 'tpm': 'foo'."),
    ("rng-model",
     dev("<rng model='foo'><backend model='random'/></rng>"),
     C.VIR_ERR_CONFIG_UNSUPPORTED, C.VIR_FROM_DOMAIN,
     "unsupported configuration: unknown RNG model 'foo'"),
    ("cpuset-bad",
     top("<vcpu cpuset='1-'>2</vcpu>"),
     C.VIR_ERR_INVALID_ARG, C.VIR_FROM_NONE,
     "invalid argument: Failed to parse bitmap '1-'"),
    ("vcpupin-cpuset",
     top("<vcpu>2</vcpu><cputune><vcpupin vcpu='0' cpuset='x'/></cputune>"),
     C.VIR_ERR_INVALID_ARG, C.VIR_FROM_NONE,
     "invalid argument: Failed to parse bitmap 'x'"),
    ("vcpupin-vcpu",
     top("<vcpu>2</vcpu><cputune><vcpupin vcpu='x' cpuset='1'/></cputune>"),
     C.VIR_ERR_XML_ERROR, C.VIR_FROM_XML,
     ("XML error: Invalid value for attribute 'vcpu' in element 'vcpupin': 'x'. Expected "
      "non-negative integer value")),
    ("topology-zero",
     top("<vcpu>2</vcpu><cpu><topology sockets='0' cores='1' threads='1'/></cpu>"),
     C.VIR_ERR_XML_ERROR, C.VIR_FROM_XML,
     ("XML error: Invalid value for attribute 'sockets' in element 'topology': Zero is not "
      "permitted")),
    ("cputune-shares",
     top("<cputune><shares>x</shares></cputune>"),
     C.VIR_ERR_XML_ERROR, C.VIR_FROM_DOMAIN,
     "XML error: can't parse cputune shares value"),
    ("iothreads-text",
     top("<iothreads>x</iothreads>"),
     C.VIR_ERR_XML_ERROR, C.VIR_FROM_DOMAIN,
     "XML error: invalid iothreads count 'x'"),
    ("numa-cells-count",
     top("<vcpu>2</vcpu><cpu><numa><cell id='0' cpus='0-2' memory='1024'/></numa></cpu>"),
     C.VIR_ERR_INTERNAL_ERROR, C.VIR_FROM_DOMAIN,
     "internal error: Number of CPUs in <numa> exceeds the <vcpu> count"),
    ("exe-no-init",
     "<domain type='kvm'><name>e</name><memory>1024</memory><os><type>exe</type></os></domain>",
     C.VIR_ERR_XML_ERROR, C.VIR_FROM_DOMAIN,
     "XML error: init binary must be specified"),
    ("disk-network-no-protocol",
     dev("<disk type='network'><source name='x'/><target dev='vda'/></disk>"),
     C.VIR_ERR_XML_ERROR, C.VIR_FROM_XML,
     "XML error: Missing required attribute 'protocol' in element 'source'"),
    ("hostdev-type",
     dev("<hostdev mode='subsystem' type='foo'/>"),
     C.VIR_ERR_CONFIG_UNSUPPORTED, C.VIR_FROM_DOMAIN,
     "unsupported configuration: unknown host device source address type 'foo'"),
    ("graphics-listen-mismatch",
     dev("<graphics type='vnc' listen='1.2.3.4'><listen type='address' address='5.6.7.8'/>"
         "</graphics>"),
     C.VIR_ERR_CONFIG_UNSUPPORTED, C.VIR_FROM_DOMAIN,
     ("unsupported configuration: graphics 'listen' attribute '1.2.3.4' must match 'address' "
      "attribute of first listen element (found '5.6.7.8')")),
    ("interface-link",
     dev("<interface type='user'><link state='sideways'/></interface>"),
     C.VIR_ERR_CONFIG_UNSUPPORTED, C.VIR_FROM_DOMAIN,
     "unsupported configuration: unknown interface link state 'sideways'"),
    ("smartcard-mode",
     dev("<smartcard mode='foo'/>"),
     C.VIR_ERR_XML_ERROR, C.VIR_FROM_XML,
     "XML error: Invalid value for attribute 'mode' in element 'smartcard': 'foo'."),
    ("filesystem-no-target",
     dev("<filesystem type='mount'><source dir='/a'/></filesystem>"),
     C.VIR_ERR_NO_TARGET, C.VIR_FROM_DOMAIN,
     "missing target information for device /a"),
    ("timer-name",
     top("<clock offset='utc'><timer name='foo'/></clock>"),
     C.VIR_ERR_XML_ERROR, C.VIR_FROM_XML,
     "XML error: Invalid value for attribute 'name' in element 'timer': 'foo'."),
    ("uuid-short",
     ("<domain type='kvm'><name>e</name><uuid>c7a5fdbd-edaf-9455-926a</uuid><memory>1</memory>"
      "<os><type>hvm</type></os></domain>"),
     C.VIR_ERR_INTERNAL_ERROR, C.VIR_FROM_DOMAIN,
     "internal error: malformed uuid element"),
]


@pytest.mark.parametrize(("xml", "code", "domain", "message"),
                         [pytest.param(*c[1:], id=c[0]) for c in CASES])
def test_error(xml: str, code: int, domain: int, message: str) -> None:
    err = expect_error(lambda: DomainDef.parse(xml), code, domain)
    assert err.get_error_message() == message


def test_not_well_formed() -> None:
    """Syntax errors come from xmlutil.parse_xml, naming the document."""
    expect_error(lambda: DomainDef.parse("<domain type='kvm'><name>e</name>"),
                 C.VIR_ERR_XML_DETAIL, C.VIR_FROM_DOMAIN, "(domain_definition)")


def test_bad_device_xml() -> None:
    expect_error(lambda: parse_device("<disk type='file'><target dev='vda' bus='x'/></disk>"),
                 C.VIR_ERR_XML_ERROR, C.VIR_FROM_XML, "Invalid value for attribute 'bus'")
    expect_error(lambda: parse_device("<bogus/>"), C.VIR_ERR_XML_ERROR, C.VIR_FROM_DOMAIN,
                 "unknown device type 'bogus'")
    expect_error(lambda: parse_device("<disk"), C.VIR_ERR_XML_DETAIL, C.VIR_FROM_DOMAIN,
                 "(device_definition)")


def _outcome_cases() -> list:
    params = []
    for path in sorted((DATA / "domainoutcomes").glob("*.json")):
        data = json.loads(path.read_text())
        params += [pytest.param(data["part"], c, id=f"{path.stem}:{c['name']}")
                   for c in data["cases"]]
    return params


def _devices_of(xml: str) -> str:
    return xml.split("<devices>\n", 1)[1].split("  </devices>", 1)[0] if "<devices>\n" in xml \
        else ""


@pytest.mark.parametrize(("part", "case"), _outcome_cases())
def test_input_as_libvirt(part: str, case: dict) -> None:
    """Each odd input (tests/data/domainoutcomes) gets libvirt's outcome: the
    same error (code, domain, message) or, when libvirt accepts it, the same
    definition written back (the whole domain, or its devices)."""
    conn = pyvirt.open("test:///default")
    try:
        if "code" in case:
            err = expect_error(lambda: conn.defineXML(case["xml"]), case["code"],
                               case["domain"])
            assert err.get_error_message() == case["message"]
            return
        dom = conn.defineXML(case["xml"])
        xml = dom.XMLDesc(C.VIR_DOMAIN_XML_INACTIVE | C.VIR_DOMAIN_XML_SECURE)
        dom.undefine()
        assert (xml if part == "domain" else _devices_of(xml)) == case["output"]
    finally:
        conn.close()
