"""The attribute text a compiled writer of a long declaration table
(:func:`pyvirt.conf.xmlattr.attr_writer`) writes follows every change of
the object's values: a changed value shows in the next format, a value
set back writes the old text again, and copies are independent.  (The
writers once kept their text in the object; they now write it afresh.)"""

from __future__ import annotations

import copy

from pyvirt.conf.domain import DomainDef
from pyvirt.conf.domain_disk import DiskCache, DiskDriver
from pyvirt.conf.xmlattr import A, attr_writer

XML = """<domain type='test'>
  <name>memo</name>
  <memory unit='KiB'>1024</memory>
  <os><type arch='x86_64'>hvm</type></os>
  <devices>
    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2' cache='none'/>
      <source file='/var/lib/a.qcow2'/>
      <target dev='vda' bus='virtio'/>
    </disk>
  </devices>
</domain>"""


def _driver_line(dom: DomainDef) -> str:
    return next(line.strip() for line in dom.format().splitlines() if "<driver" in line)


def test_changed_driver_values_show_in_the_next_format() -> None:
    dom = DomainDef.parse(XML)
    assert _driver_line(dom) == "<driver name='qemu' type='qcow2' cache='none'/>"
    drv = dom.devices.disks[0].driver
    assert drv is not None
    drv.cache = DiskCache.WRITEBACK
    assert _driver_line(dom) == "<driver name='qemu' type='qcow2' cache='writeback'/>"
    drv.iothread = 2
    drv.type = "raw"
    assert _driver_line(dom) == "<driver name='qemu' type='raw' cache='writeback' iothread='2'/>"
    drv.iothread = None
    drv.name = "a&b"
    assert _driver_line(dom) == "<driver name='a&amp;b' type='raw' cache='writeback'/>"
    drv.name, drv.type, drv.cache = "qemu", "qcow2", DiskCache.NONE
    assert _driver_line(dom) == "<driver name='qemu' type='qcow2' cache='none'/>"
    drv.name = drv.type = drv.cache = None
    assert "<driver" not in dom.format()


def test_copies_and_equal_objects_write_their_own_values() -> None:
    write = attr_writer(DiskDriver._ATTRS)
    first = DiskDriver(name="qemu", type="qcow2")
    assert write(first) == " name='qemu' type='qcow2'"
    second = copy.deepcopy(first)
    second.type = "raw"
    assert write(second) == " name='qemu' type='raw'"
    assert write(first) == " name='qemu' type='qcow2'"
    assert first != second and first == DiskDriver(name="qemu", type="qcow2")


class _Slotted:
    """An object without a ``__dict__`` is written by reading attributes."""

    __slots__ = ("a", "b", "c", "d", "e", "f")

    def __init__(self) -> None:
        self.a, self.b, self.c, self.d, self.e, self.f = "1", None, None, None, None, "x'y"


def test_objects_without_dict_are_written_too() -> None:
    table = tuple(A(name) for name in "abcdef")
    obj = _Slotted()
    assert attr_writer(table)(obj) == " a='1' f='x&apos;y'"
    obj.b = "2"
    assert attr_writer(table)(obj) == " a='1' b='2' f='x&apos;y'"
