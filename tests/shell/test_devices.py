"""Device hotplug commands: attach-disk, attach-interface, attach/detach-device."""

from __future__ import annotations

import pytest
from shellcase import check, cmd

CASES = {
    "attach-disk-print": cmd("attach-disk test /var/lib/images/x.img vdb --print-xml"),
    "attach-disk-print-full": cmd(
        "attach-disk test /var/lib/images/x.img vdb --targetbus virtio --driver qemu "
        "--subdriver qcow2 --cache none --io native --mode readonly --serial abc "
        "--alias ua-disk1 --wwn 5000c50015ea71ad --type disk --print-xml"),
    "attach-disk-print-positional": cmd("attach-disk test /img.raw vdc virtio qemu raw "
                                        "--print-xml"),
    "attach-disk-print-address": cmd("attach-disk test /img.raw vdc --address "
                                     "pci:0000.00.0a.0 --print-xml"),
    "attach-disk-print-network": cmd("attach-disk test pool/image vdd --sourcetype network "
                                     "--source-protocol rbd --source-host-name mon:6789 "
                                     "--print-xml"),
    "attach-disk-bad-mode": cmd("attach-disk test /img.raw vdc --mode bogus --print-xml"),
    "attach-disk-bad-address": cmd("attach-disk test /img.raw vdc --address ide:0.0.0 "
                                   "--print-xml"),
    "attach-disk-bad-sourcetype": cmd("attach-disk test /img.raw vdc --sourcetype tape"),
    "attach-disk-config": cmd("attach-disk test /img.raw vdb --config"),
    "attach-disk": cmd("attach-disk test /img.raw vdb"),
    "attach-interface-print": cmd("attach-interface test network default --print-xml"),
    "attach-interface-print-full": cmd(
        "attach-interface test bridge br0 --mac 52:54:00:00:00:01 --model virtio "
        "--target vnet9 --alias ua-net1 --inbound 100,200,300 --outbound 50 --print-xml"),
    "attach-interface-print-direct": cmd("attach-interface test direct eth0 --print-xml"),
    "attach-interface-bad-type": cmd("attach-interface test bogus x --print-xml"),
    "attach-interface-config": cmd("attach-interface test network default --config"),
    "attach-device": cmd("attach-device test input/disk.xml --config"),
    "attach-device-missing": cmd("attach-device test input/nosuch.xml"),
    "detach-device": cmd("detach-device test input/disk.xml --persistent"),
    "attach-device-exclusive": cmd("attach-device test input/disk.xml --current --live"),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_devices(name: str) -> None:
    check("devices", name, CASES[name])
