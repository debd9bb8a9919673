"""The domain object model as drivers use it: fields, helpers, flags."""

from __future__ import annotations

import enum
import re
import time

from xml2xml import DATA

from pyvirt import constants as C
from pyvirt.conf.domain import DomainDef, format_device, parse_device
from pyvirt.conf.domain_base import DriveAddress, PciAddress, UsbAddress, VirtioSerialAddress
from pyvirt.conf.domain_chardev import ChrType
from pyvirt.conf.domain_cpu import CpuMode
from pyvirt.conf.domain_disk import Disk, DiskBus, DiskDevice, DiskType
from pyvirt.conf.domain_net import Interface, NetType
from pyvirt.conf.domain_os import BootDev, Lifecycle, OSType

CASES = DATA / "domainxml2xml"
SECURE = C.VIR_DOMAIN_XML_SECURE
INACTIVE = C.VIR_DOMAIN_XML_INACTIVE


def load(name: str) -> DomainDef:
    """Parse the input file of case ``name``."""
    return DomainDef.parse((CASES / f"{name}.xml").read_text())


def minimal(devices: str = "", extra: str = "") -> str:
    """A small domain with ``extra`` top-level XML and ``devices``."""
    return ("<domain type='kvm'><name>m</name><memory unit='MiB'>512</memory>" + extra +
            "<os><type arch='x86_64' machine='pc'>hvm</type></os><devices>" + devices +
            "</devices></domain>")


def test_general_fields() -> None:
    dom = load("kitchen-sink")
    assert dom.type == "kvm" and dom.name == "kitchen"
    assert dom.uuid == "c7a5fdbd-edaf-9455-926a-d65c16db1809"
    assert dom.genid == "e9392370-2917-565e-692b-d057f46512d6"
    assert dom.title == "A title" and dom.description == "Some <description>"
    assert dom.metadata is not None and dom.metadata[0].tag == "{http://app1.org/app1/}foo"
    assert (dom.memory, dom.current_memory) == (1048576, 524288)
    assert (dom.max_memory, dom.max_memory_slots) == (4194304, 16)
    assert (dom.vcpus, dom.max_vcpus) == (2, 4)
    assert dom.vcpu_cpuset == frozenset({1, 2, 4, 6})
    assert dom.iothreads == 2 and dom.iothread_ids == [1, 2]
    assert dom.cputune is not None and dom.cputune.shares == 2048
    assert dom.cputune.vcpupin[1] == frozenset({0, 1})
    assert dom.on_crash is Lifecycle.COREDUMP_RESTART and dom.on_reboot == "restart"
    assert dom.emulator == "/usr/bin/qemu-system-x86_64"


def test_os_features_cpu_clock() -> None:
    dom = load("kitchen-sink")
    assert dom.os.type is OSType.HVM and dom.os.arch == "x86_64"
    assert dom.os.machine == "pc-q35-7.2" and dom.os.bootmenu is True
    assert "acpi" in dom.features and dom.features["hap"].state is True
    hyperv = dom.features["hyperv"]
    assert [f.name for f in hyperv.children] == ["relaxed", "vapic", "spinlocks"]
    assert hyperv.children[2].attrs == {"retries": "8191"}
    assert dom.cpu is not None and dom.cpu.mode is CpuMode.CUSTOM
    assert dom.cpu.model == "Skylake-Client" and (dom.cpu.sockets, dom.cpu.cores) == (1, 2)
    assert [(f.name, f.policy.value) for f in dom.cpu.features] == [
        ("vmx", "require"), ("pdpe1gb", "disable")]
    assert [t.name for t in dom.clock.timers] == ["rtc", "pit", "hpet"]
    kernel = load("os-kernel").os
    assert (kernel.kernel, kernel.initrd, kernel.dtb) == (
        "/boot/vmlinuz", "/boot/initrd.img", "/boot/board.dtb")
    assert kernel.cmdline == "console=ttyS0 root=/dev/vda1 quiet"
    assert kernel.boot == [BootDev.HD]
    fw = load("os-firmware").os
    assert fw.loader == "/usr/share/OVMF/OVMF_CODE.secboot.fd" and fw.loader_readonly
    assert fw.nvram == "/var/lib/libvirt/qemu/nvram/firmware_VARS.fd"
    assert fw.nvram_template == "/usr/share/OVMF/OVMF_VARS.fd"


def test_disk_fields() -> None:
    dom = load("disk-file")
    disk = dom.find_disk("vda")
    assert isinstance(disk, Disk)
    assert disk.type is DiskType.FILE and disk.device is DiskDevice.DISK
    assert disk.bus is DiskBus.VIRTIO and disk.bus == "virtio"
    assert disk.source is not None and disk.source.file == "/var/lib/libvirt/images/a.qcow2"
    assert disk.driver is not None and (disk.driver.type, disk.driver.cache) == ("qcow2", "writeback")
    assert disk.iotune["read_iops_sec"] == 400 and disk.serial == "WD-WMAP9A966149"
    assert isinstance(disk.address, PciAddress) and disk.address.slot == 4
    cdrom = dom.find_disk("hdc")
    assert cdrom is not None and cdrom.readonly and cdrom.tray == "open" and cdrom.boot_order == 1
    assert isinstance(cdrom.address, DriveAddress) and (cdrom.address.bus, cdrom.address.unit) == (1, 0)
    assert dom.find_disk("nope") is None
    net = load("disk-network").find_disk("vda")
    assert net is not None and net.source is not None
    assert (net.source.protocol, net.source.name) == ("rbd", "pool/image")
    assert (net.source.hosts[0].name, net.source.hosts[0].port) == ("mon1.example.org", 6321)
    vol = load("disk-volume-dir").find_disk("vda")
    assert vol is not None and vol.source is not None
    assert (vol.source.pool, vol.source.volume) == ("default", "vol1.qcow2")


def test_interface_chardev_graphics_fields() -> None:
    dom = load("interfaces")
    by_type = {n.type: n for n in reversed(dom.devices.interfaces)}
    net = by_type[NetType.NETWORK]
    assert net.mac == "52:54:00:00:00:02" and net.source["network"] == "default"
    assert net.model == "virtio" and net.link_state == "down" and net.boot_order == 1
    assert by_type[NetType.BRIDGE].source == {"bridge": "br0"}
    assert by_type[NetType.DIRECT].source == {"dev": "eth0", "mode": "vepa"}
    assert by_type[NetType.ETHERNET].target_dev == "mytap0"
    chars = load("chardevs").devices
    assert chars.serials[2].source.type is ChrType.TCP
    assert (chars.serials[2].source.host, chars.serials[2].source.service) == ("127.0.0.1", "9999")
    assert chars.serials[0].target_port == 0 and chars.consoles[0].target_type == "serial"
    agent = chars.channels[0]
    assert agent.target_name == "org.qemu.guest_agent.0"
    assert isinstance(agent.address, VirtioSerialAddress) and agent.address.port == 1
    gfx = load("graphics-vnc").devices.graphics[0]
    assert (gfx.type, gfx.port, gfx.autoport, gfx.passwd) == ("vnc", 5903, False, "secret")
    assert gfx.listens[0].address == "127.0.0.1"


def test_enums_are_enums_with_libvirt_strings() -> None:
    for value in (DiskBus.VIRTIO, NetType.BRIDGE, ChrType.PTY, Lifecycle.DESTROY):
        assert isinstance(value, enum.Enum) and value == value.value


def test_format_id_and_flags() -> None:
    dom = load("graphics-vnc")
    live = dom.format(id=7)
    assert live.startswith("<domain type='kvm' id='7'>\n")
    assert "passwd=" not in live and "passwdValidTo='2030-01-01T00:00:00'" in live
    assert "passwd='secret'" in dom.format(id=7, flags=SECURE)
    assert dom.format(id=7, flags=INACTIVE).startswith("<domain type='kvm'>\n")
    assert "<memory unit='KiB'>1048576</memory>" in live


def test_memory_written_in_kib() -> None:
    dom = DomainDef.parse(minimal(extra="<currentMemory unit='G'>1</currentMemory>"))
    assert dom.memory == 524288 and dom.current_memory == 524288  # clamped to memory
    assert "<memory unit='KiB'>524288</memory>" in dom.format()


def test_defaults_filled() -> None:
    dom = DomainDef.parse(minimal("<interface type='user'/><disk type='file'>"
                                  "<source file='/a'/><target dev='hdb'/></disk>"))
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}",
                        dom.uuid)
    assert dom.uuid != DomainDef.parse(minimal()).uuid
    assert re.fullmatch(r"52:54:00(:[0-9a-f]{2}){3}", dom.devices.interfaces[0].mac or "")
    assert dom.vcpus == dom.max_vcpus == 1 and dom.os.boot == [BootDev.HD]
    disk = dom.devices.disks[0]
    assert disk.bus is DiskBus.IDE
    assert disk.address == DriveAddress(controller=0, bus=0, target=0, unit=1)
    assert [(c.type.value, c.index) for c in dom.devices.controllers] == [("ide", 0)]


def test_copy_is_deep() -> None:
    dom = load("kitchen-sink")
    twin = dom.copy()
    assert twin.format(flags=SECURE) == dom.format(flags=SECURE)
    twin.devices.disks[0].source.file = "/other"  # type: ignore[union-attr]
    assert twin.metadata is not None
    twin.metadata.clear()
    assert dom.devices.disks[0].source.file == "/var/lib/libvirt/images/k.qcow2"  # type: ignore[union-attr]
    assert dom.metadata


def test_parse_and_format_device() -> None:
    xml = ("<disk type='file' device='disk'>\n  <driver name='qemu' type='qcow2'/>\n"
           "  <source file='/var/lib/libvirt/images/new.qcow2'/>\n"
           "  <target dev='vdb' bus='virtio'/>\n</disk>\n")
    disk = parse_device(xml)
    assert isinstance(disk, Disk) and disk.target == "vdb"
    assert format_device(disk) == xml
    net = parse_device("<interface type='bridge'><mac address='52:54:00:AB:CD:EF'/>"
                       "<source bridge='br0'/><model type='virtio'/></interface>")
    assert isinstance(net, Interface) and net.mac == "52:54:00:ab:cd:ef"
    assert format_device(net) == ("<interface type='bridge'>\n"
                                  "  <mac address='52:54:00:ab:cd:ef'/>\n"
                                  "  <source bridge='br0'/>\n  <model type='virtio'/>\n"
                                  "</interface>\n")
    dom = DomainDef.parse(minimal())
    dom.devices.add(disk)
    assert dom.find_disk("vdb") is disk
    assert "<target dev='vdb' bus='virtio'/>" in dom.format()


def test_attach_fills_device_defaults() -> None:
    dom = DomainDef.parse(minimal("<disk type='file'><source file='/a'/>"
                                  "<target dev='sda' bus='scsi'/></disk>"))
    before = dom.format()
    disk = parse_device("<disk type='file'><source file='/b'/><target dev='sdb'/></disk>", dom)
    assert isinstance(disk, Disk) and disk.bus is DiskBus.SCSI
    assert disk.address == DriveAddress(controller=0, bus=0, target=0, unit=1)
    assert dom.format() == before  # parse_device does not change the domain
    alone = parse_device("<disk type='file'><source file='/c'/><target dev='vdc'/></disk>")
    assert isinstance(alone, Disk) and alone.bus is DiskBus.VIRTIO and alone.address is None
    dom.add_device(disk)
    dom.add_device(parse_device("<interface type='user'/>"))
    dom.add_device(parse_device("<serial type='pty'/>"))
    dom.validate()
    assert [d.target for d in dom.devices.disks] == ["sda", "sdb"]
    assert dom.devices.interfaces[0].mac is not None
    assert dom.devices.serials[0].target_port == 0
    assert dom.devices.consoles[0].target_type == "serial"
    assert DomainDef.parse(dom.format()).format() == dom.format()


def test_aliases_and_runtime_names() -> None:
    devices = ("<disk type='file'><source file='/a'/><target dev='vda'/>"
               "<alias name='virtio-disk0'/></disk>"
               "<interface type='network'><mac address='52:54:00:00:00:01'/>"
               "<source network='default'/><target dev='vnet0'/><alias name='ua-n'/></interface>")
    config = DomainDef.parse(minimal(devices))
    assert config.devices.disks[0].alias is None
    assert config.devices.interfaces[0].alias == "ua-n"
    assert config.devices.interfaces[0].target_dev is None
    status = DomainDef.parse(minimal(devices), live=True)
    assert status.devices.disks[0].alias == "virtio-disk0"
    assert status.devices.interfaces[0].target_dev == "vnet0"
    assert "<alias name='virtio-disk0'/>" in status.format(id=1)


def test_usb_address() -> None:
    dom = load("addresses")
    tablet = dom.devices.inputs[0]
    assert isinstance(tablet.address, UsbAddress) and tablet.address.port == "1.2.3"


def test_unknown_elements() -> None:
    """Elements libvirt knows are kept; elements it does not know are dropped."""
    extra = ("<numatune><memory mode='strict' nodeset='0'/></numatune>"
             "<seclabel type='dynamic' model='selinux' relabel='yes'/><bogus>x</bogus>")
    devices = "<shmem name='s'><model type='ivshmem-plain'/></shmem><bogusdev/>"
    out = DomainDef.parse(minimal(devices, extra)).format()
    assert "<numatune>\n    <memory mode='strict' nodeset='0'/>\n  </numatune>" in out
    assert "  <seclabel type='dynamic' model='selinux' relabel='yes'/>\n</domain>" in out
    assert "<shmem name='s'>\n      <model type='ivshmem-plain'/>\n    </shmem>" in out
    assert "bogus" not in out


def test_qemu_namespace_kept() -> None:
    xml = ("<domain type='kvm' xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>"
           "<name>q</name><memory>1024</memory><os><type arch='x86_64'>hvm</type></os>"
           "<qemu:commandline><qemu:arg value='-newarg'/></qemu:commandline></domain>")
    out = DomainDef.parse(xml).format()
    assert out.startswith("<domain type='kvm' "
                          "xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>\n")
    assert out.endswith("  <qemu:commandline>\n    <qemu:arg value='-newarg'/>\n"
                        "  </qemu:commandline>\n</domain>\n")
    assert DomainDef.parse(out).format() == out


def test_disks_without_bus_sort_by_name() -> None:
    """libvirt orders disks while their bus is still unset: all by name."""
    devices = "".join(f"<disk type='file'><source file='/{t}'/><target dev='{t}'/></disk>"
                      for t in ("vdb", "sdb", "hda", "vda"))
    dom = DomainDef.parse(minimal(devices))
    assert [d.target for d in dom.devices.disks] == ["hda", "vda", "vdb", "sdb"]


def test_implicit_controllers_appended() -> None:
    """Implicit controllers go at the end of the list, as libvirt appends them."""
    devices = ("<controller type='scsi' index='1'/>"
               "<disk type='file'><source file='/a'/><target dev='sda' bus='scsi'/></disk>"
               "<channel type='pty'><target type='virtio' name='a'/>"
               "<address type='virtio-serial' controller='1'/></channel>"
               "<console type='pty'><target type='virtio'/></console>")
    dom = DomainDef.parse(minimal(devices))
    assert [(c.type.value, c.index) for c in dom.devices.controllers] == [
        ("scsi", 1), ("scsi", 0), ("virtio-serial", 1), ("virtio-serial", 0)]


def test_console_mirrors_first_serial() -> None:
    dom = DomainDef.parse(minimal("<serial type='file'><source path='/s'/></serial>"
                                  "<console type='pty'/>"))
    assert len(dom.devices.serials) == 1 and dom.devices.consoles[0].target_type == "serial"
    assert "<console type='file'>\n      <source path='/s'/>\n" \
           "      <target type='serial' port='0'/>" in dom.format()


def test_speed() -> None:
    """Parsing and formatting a small domain stays cheap (no quadratic work)."""
    xml = (CASES / "default-test.xml").read_text()
    start = time.perf_counter()
    for _ in range(200):
        DomainDef.parse(xml).format()
    per_call = (time.perf_counter() - start) / 200
    assert per_call < 0.002, f"{per_call * 1e6:.0f} us per parse+format"


LIVE = """<domain type='kvm' id='3'>
  <name>live</name>
  <uuid>8f5f6e8a-4c4b-4d35-9a0e-2b6f8f7a1c3d</uuid>
  <memory unit='KiB'>1048576</memory>
  <currentMemory unit='KiB'>1048576</currentMemory>
  <vcpu placement='static'>1</vcpu>
  <os>
    <type arch='x86_64' machine='pc-q35-7.2'>hvm</type>
    <boot dev='hd'/>
  </os>
  <clock offset='utc'/>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>restart</on_reboot>
  <on_crash>destroy</on_crash>
  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>
    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2'/>
      <source file='/var/lib/libvirt/images/live.qcow2'/>
      <target dev='vda' bus='virtio'/>
      <alias name='virtio-disk0'/>
      <address type='pci' domain='0x0000' bus='0x04' slot='0x00' function='0x0'/>
    </disk>
    <controller type='virtio-serial' index='0'>
      <alias name='virtio-serial0'/>
      <address type='pci' domain='0x0000' bus='0x03' slot='0x00' function='0x0'/>
    </controller>
    <interface type='network'>
      <mac address='52:54:00:8c:2a:11'/>
      <source network='default' portid='5d8e1d3c-1b2a-4c3d-9e8f-0a1b2c3d4e5f' bridge='virbr0'/>
      <target dev='vnet2'/>
      <model type='virtio'/>
      <alias name='net0'/>
      <address type='pci' domain='0x0000' bus='0x01' slot='0x00' function='0x0'/>
    </interface>
    <serial type='pty'>
      <source path='/dev/pts/4'/>
      <target type='isa-serial' port='0'>
        <model name='isa-serial'/>
      </target>
      <alias name='serial0'/>
    </serial>
    <console type='pty' tty='/dev/pts/4'>
      <source path='/dev/pts/4'/>
      <target type='serial' port='0'/>
      <alias name='serial0'/>
    </console>
    <channel type='unix'>
      <source mode='bind' path='/run/libvirt/qemu/channel/3-live/org.qemu.guest_agent.0'/>
      <target type='virtio' name='org.qemu.guest_agent.0' state='connected'/>
      <alias name='channel0'/>
      <address type='virtio-serial' controller='0' bus='0' port='1'/>
    </channel>
    <graphics type='vnc' port='5900' autoport='yes' listen='127.0.0.1'>
      <listen type='address' address='127.0.0.1'/>
    </graphics>
    <video>
      <model type='vga' vram='16384' heads='1' primary='yes'/>
      <alias name='video0'/>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x01' function='0x0'/>
    </video>
  </devices>
</domain>
"""


def test_live_xml_round_trip() -> None:
    """Status XML parsed with live=True comes back unchanged with its id."""
    dom = DomainDef.parse(LIVE, live=True)
    assert dom.format(id=3) == LIVE
    assert dom.devices.graphics[0].port == 5900
    inactive = dom.format(flags=INACTIVE)
    assert "<alias" not in inactive
    assert "port='-1' autoport='yes'" in inactive and "state=" not in inactive
    assert "tty=" not in inactive and "/dev/pts" not in inactive
    config = DomainDef.parse(LIVE)
    assert config.devices.interfaces[0].source == {"network": "default"}
    assert config.devices.interfaces[0].target_dev is None
