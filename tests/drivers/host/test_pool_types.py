"""Pool types beyond dir/fs/disk: command lines as data, and side by side with libvirt.

This kernel has no device-mapper, NFS/CIFS/GlusterFS client, SCSI host or
kernel iSCSI: LVM volume groups build, start and refresh but take no
logical volume, network file systems fail to mount, a SCSI host cannot be
scanned.  Each answer (and each error) is compared with libvirt 9.0's on
the same calls; both sides run with /etc/lvm and /run/lock private.
"""

from __future__ import annotations

import shlex
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from hostutil import both_sides
from test_disk_pool import loopdev  # noqa: F401  (the loop device fixture)

from pyvirt.conf.storage_pool import StoragePoolDef
from pyvirt.conf.storage_vol import StorageVolDef
from pyvirt.drivers.storage.backends import logical, netfs, vstorage, zfs

SCRIPT = str(Path(__file__).with_name("pooltypes_compare_script.py"))
PRIVATE = ("/etc/lvm", "/run/lock")


def test_lvm_command_lines() -> None:
    vol = StorageVolDef.parse("<volume><name>lv1</name><capacity unit='M'>4</capacity>"
                              "<allocation unit='M'>1</allocation></volume>", "logical")
    assert logical.lvcreate_argv("vg", vol) == ["/sbin/lvcreate", "--name", "lv1", "-L", "1024K",
                                                "--virtualsize", "4096K", "vg", "--yes"]
    vol.allocation = vol.capacity
    assert logical.lvcreate_argv("vg", vol) == ["/sbin/lvcreate", "--name", "lv1", "-L", "4096K",
                                                "vg", "--yes"]
    assert logical.vgcreate_argv("vg", ["/dev/a", "/dev/b"]) == ["/sbin/vgcreate", "vg", "/dev/a",
                                                                 "/dev/b"]
    assert logical.vgchange_argv("vg", True) == ["/sbin/vgchange", "-aly", "vg"]
    assert logical.lvremove_argv("vg", "lv1")[1] == ["/sbin/lvremove", "-f", "vg/lv1"]
    pool = StoragePoolDef.parse("<pool type='logical'><name>vg</name><source><device "
                                "path='/dev/sdb'/></source><target><path>/dev/vg</path>"
                                "</target></pool>")
    vols = logical.parse_lvs(pool, "  lv1#origin0#UUID-1#/dev/sdb(2)#linear#1#4194304#"
                                   "4194304#8388608#-wi-a-----\n"
                                   "  lv1##UUID-1#/dev/sdc(0)#linear#1#4194304#4194304#"
                                   "8388608#-wi-a-----\n")
    assert [(v.name, v.key, v.capacity, v.allocation) for v in vols] == [
        ("lv1", "UUID-1", 8388608, 8388608)]
    assert [(e.path, e.start, e.end) for e in vols[0].extents] == [
        ("/dev/sdb", 8388608, 12582912), ("/dev/sdc", 0, 4194304)]
    assert vols[0].backing_store is not None and vols[0].backing_store.path == "/dev/vg/origin0"
    assert "<name>vg0</name>" in logical.parse_pvs("  /dev/sdb vg0\n  /dev/sdc\n")


def test_network_and_cluster_command_lines() -> None:
    def pool(xml: str) -> StoragePoolDef:
        return StoragePoolDef.parse(xml)
    nfs = pool("<pool type='netfs'><name>n</name><source><host name='h'/><dir path='/e'/>"
               "<format type='nfs'/></source><target><path>/mnt</path></target></pool>")
    assert netfs.NetfsBackend().mount_argv(nfs) == [
        "/bin/mount", "-o", "nodev,nosuid,noexec", "-t", "nfs", "h:/e", "/mnt"]
    cifs = pool("<pool type='netfs'><name>c</name><source><host name='h'/><dir path='s'/>"
                "<format type='cifs'/></source><target><path>/mnt</path></target></pool>")
    assert netfs.NetfsBackend().mount_argv(cifs)[1:3] == ["-o", "nodev,nosuid,noexec,guest"]
    assert netfs.NetfsBackend().mount_argv(cifs)[-2] == "//h/s"
    # the iscsi pool's command lines: tests/drivers/host/test_iscsi_kernel.py
    tank = pool("<pool type='zfs'><name>tank</name><source><name>tank</name><device "
                "path='/dev/sdb'/></source></pool>")
    assert zfs.zpool_create_argv(tank) == ["zpool", "create", "tank", "/dev/sdb"]
    vol = StorageVolDef.parse("<volume><name>z</name><capacity>1048576</capacity>"
                              "<allocation>0</allocation></volume>")
    assert zfs.zfs_create_argv("tank", vol) == ["zfs", "create", "-s", "-V", "1024K", "tank/z"]
    vs = pool("<pool type='vstorage'><name>v</name><source><name>cl</name></source><target>"
              "<path>/mnt/v</path><permissions><mode>0750</mode></permissions></target></pool>")
    assert vstorage.mount_argv(vs) == ["vstorage-mount", "-c", "cl", "/mnt/v", "-m", "750"]


def _private(argv: list[str]) -> list[str]:
    """``argv`` in a mount namespace where /etc/lvm and /run/lock are empty tmpfs."""
    mounts = "".join(f"mount -t tmpfs -o mode=0755 tmpfs {d} && " for d in PRIVATE)
    return ["unshare", "-m", "--propagation", "private", "sh", "-c",
            mounts + "exec " + " ".join(shlex.quote(a) for a in argv)]


@pytest.mark.slow
def test_same_as_libvirt(loopdev: Callable[[int], str], tmp_path: Path) -> None:  # noqa: F811
    if not all(shutil.which(t) for t in ("pvcreate", "unshare")):
        pytest.skip("needs LVM's tools and unshare")

    def args(_side: str, base: Path) -> list[str]:
        (base / "mnt").mkdir()
        return [str(base), loopdev(64)]
    ref, got = both_sides(tmp_path, SCRIPT, args, tmpfs={d: "mode=0755" for d in PRIVATE},
                          wrap=_private)
    assert "device-mapper" in ref["logical vol create"][2]
    assert ref.keys() == got.keys()
    for key in sorted(ref):
        assert got[key] == ref[key], (key, ref[key])
