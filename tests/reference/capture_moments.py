"""Capture libvirt 9.0's refusals of snapshot, checkpoint and backup calls while a
backup or a block copy runs, and of undefine with snapshots and checkpoints.

Run with Debian's python3 (python3-libvirt) against a libvirt QEMU driver
(the tests' private libvirtd: tests/daemon/daemons.py start_libvirtd):

    /usr/bin/python3 tests/reference/capture_moments.py URI DIR < DOMAIN.xml > out.json

DOMAIN.xml is ``qemutest_util.guest_xml(guest, "ex", disks=...)`` with two
16 MiB qcow2 disks DIR/vda.qcow2 (vda) and DIR/vdb.qcow2 (vdb).  The output,
with DIR written as ``@DIR@``, is tests/data/qemu_moments/libvirt-9.0.json;
test_qemu_backup.py runs the same scenario (moment_exclusions.py) on pyvirt.
Each refusal behind a running backup's job lock takes libvirt 30 s.
"""
import json
import os
import sys

import libvirt

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from moment_exclusions import exclusions  # noqa: E402

uri, base = sys.argv[1], sys.argv[2]
out = exclusions(libvirt.open(uri), sys.stdin.read(), base)
print(json.dumps(json.loads(json.dumps(out).replace(base, "@DIR@")), indent=1))
