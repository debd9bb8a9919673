"""The save image format: libvirt's header layout, checks on read, in-place XML update.

The last tests make a real image with libvirt (``virsh save`` of a tiny
TCG guest) through the test run's private reference libvirtd
(``reference_qemu_uri`` in tests/conftest.py), read it with pyvirt, and
have libvirt read and restore images pyvirt wrote.
"""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
import threading

import pytest

from pyvirt import constants as C
from pyvirt.drivers.qemu import saveimage
from pyvirt.drivers.qemu.saveimage import (
    HEADER_SIZE,
    MAGIC,
    PARTIAL,
    XML_PADDING,
    SaveFormat,
    SaveHeader,
    new_save_data,
    read_image,
    read_image_header,
    update_xml,
)
from pyvirt.errors import libvirtError

XML = "<domain type='qemu'>\n  <name>g</name>\n</domain>\n"
COOKIE = "<cookie>\n  <cpu mode='custom'/>\n</cookie>\n"
STREAM = b"QEVM\0\0\0\3" + os.urandom(10000)


def make_image(path, *, xml=XML, cookie=COOKIE, fmt=SaveFormat.RAW, stream=STREAM,
               running=True) -> bytes:
    data = new_save_data(xml, cookie=cookie, was_running=running, fmt=fmt)
    data.header.magic = MAGIC
    blob = data.pack() + stream
    with open(path, "wb") as f:
        f.write(blob)
    return blob


def failed(path, *words) -> None:
    before = path.read_bytes() if path.exists() else None
    with pytest.raises(libvirtError) as exc:
        read_image_header(str(path))
    assert exc.value.get_error_code() == C.VIR_ERR_OPERATION_FAILED, str(exc.value)
    assert exc.value.get_error_domain() == C.VIR_FROM_QEMU
    for word in words:
        assert word in str(exc.value)
    if before is not None:
        assert path.read_bytes() == before       # nothing touched


# --- layout ----------------------------------------------------------------------------

def test_header_layout():
    hdr = SaveHeader(magic=MAGIC, version=2, data_len=0x01020304, was_running=1,
                     format=SaveFormat.ZSTD, cookie_offset=865)
    raw = hdr.pack()
    assert HEADER_SIZE == len(raw) == 16 + 5 * 4 + 14 * 4 == 92
    assert raw[:16] == b"LibvirtQemudSave"
    assert struct.unpack_from("<5I", raw, 16) == (2, 0x01020304, 1, 5, 865)
    assert raw[36:] == bytes(56)
    assert SaveHeader.unpack(raw) == hdr
    assert PARTIAL == b"LibvirtQemudPart" and len(PARTIAL) == len(MAGIC)


def test_format_numbers_are_libvirts():
    assert [(f.name.lower(), f.value) for f in SaveFormat] == [
        ("raw", 0), ("gzip", 1), ("bzip2", 2), ("xz", 3), ("lzop", 4), ("zstd", 5),
        ("sparse", 6)]
    assert saveimage.compress_argv(SaveFormat.XZ) == [["xz", "-c", "-3"]]
    assert saveimage.decompress_argv(SaveFormat.LZOP) == [["lzop", "-dc", "--ignore-warn"]]
    assert saveimage.compress_argv(SaveFormat.RAW) is None
    assert SaveFormat.from_name("zstd") is SaveFormat.ZSTD
    with pytest.raises(libvirtError):
        SaveFormat.from_name("lz4")


def test_big_endian_header_is_read():
    hdr = SaveHeader(magic=MAGIC, data_len=70000, was_running=1, format=SaveFormat.GZIP,
                     byteorder=">")
    back = SaveHeader.unpack(hdr.pack())
    assert (back.version, back.data_len, back.was_running, back.format) == (2, 70000, 1, 1)


def test_data_is_xml_cookie_padding():
    data = new_save_data(XML, cookie=COOKIE, was_running=True, fmt=SaveFormat.GZIP)
    blob = data.pack()
    hdr = data.header
    xml_len, cookie_len = len(XML) + 1, len(COOKIE) + 1
    assert hdr.magic == PARTIAL                 # until the stream is complete
    assert hdr.data_len == xml_len + cookie_len + XML_PADDING
    assert hdr.cookie_offset == xml_len
    assert len(blob) == HEADER_SIZE + hdr.data_len == hdr.data_offset
    body = blob[HEADER_SIZE:]
    assert body[:xml_len] == XML.encode() + b"\0"
    assert body[xml_len:xml_len + cookie_len] == COOKIE.encode() + b"\0"
    assert body[xml_len + cookie_len:] == bytes(XML_PADDING)
    no_cookie = new_save_data(XML)
    no_cookie.pack()
    assert no_cookie.header.cookie_offset == 0


def test_read_back(tmp_path):
    path = tmp_path / "img"
    make_image(path, fmt=SaveFormat.ZSTD)
    hdr, xml = read_image_header(str(path))
    assert xml == XML
    assert (hdr.magic, hdr.version, hdr.was_running, hdr.format) == (MAGIC, 2, 1, 5)
    assert read_image(str(path)).cookie == COOKIE
    make_image(path, cookie=None, running=False)
    data = read_image(str(path))
    assert (data.xml, data.cookie, data.header.was_running) == (XML, None, 0)


# --- bad images: OPERATION_FAILED, file untouched ----------------------------------------------

def test_empty_and_short(tmp_path):
    path = tmp_path / "img"
    path.write_bytes(b"")
    failed(path, "failed to read qemu header", str(path))
    path.write_bytes(make_image(path)[:50])
    failed(path, "failed to read qemu header")


def test_foreign_file(tmp_path):
    path = tmp_path / "img"
    path.write_bytes(b"QFI\xfb" + bytes(200))   # a qcow2 image
    failed(path, "image magic is incorrect")
    path.write_bytes(STREAM)                    # a bare migration stream
    failed(path, "image magic is incorrect")


def test_partial_image(tmp_path):
    path = tmp_path / "img"
    blob = bytearray(make_image(path))
    blob[:16] = PARTIAL
    path.write_bytes(blob)
    failed(path, "save image is incomplete")


@pytest.mark.parametrize("field,value,words", [
    (16, 3, "image version is not supported (3 > 2)"),
    (28, 99, "unsupported save image format: 99"),
    (20, 0, "invalid header data length: 0"),
])
def test_bad_fields(tmp_path, field, value, words):
    path = tmp_path / "img"
    blob = bytearray(make_image(path))
    struct.pack_into("<I", blob, field, value)
    path.write_bytes(blob)
    failed(path, words)


def test_truncated(tmp_path):
    path = tmp_path / "img"
    blob = make_image(path)
    data_offset = read_image(str(path)).header.data_offset
    path.write_bytes(blob[:HEADER_SIZE + 100])
    failed(path, "failed to read domain XML")
    path.write_bytes(blob[:data_offset])
    failed(path, "save image is truncated")


def test_missing_file(tmp_path):
    with pytest.raises(libvirtError) as exc:
        read_image_header(str(tmp_path / "nope"))
    assert exc.value.get_error_code() == C.VIR_ERR_SYSTEM_ERROR


# --- saveImageDefineXML ---------------------------------------------------------------------

def test_update_xml_in_place(tmp_path):
    path = tmp_path / "img"
    make_image(path)
    before = read_image(str(path)).header
    bigger = XML.replace("<name>g</name>", "<name>g</name><description>" + "x" * 60000
                         + "</description>")
    update_xml(str(path), bigger, was_running=False)
    data = read_image(str(path))
    assert data.xml == bigger
    assert data.cookie == COOKIE                # kept, moved after the new XML
    assert data.header.data_len == before.data_len
    assert data.header.cookie_offset == len(bigger) + 1
    assert data.header.was_running == 0
    assert path.read_bytes()[data.header.data_offset:] == STREAM


def test_update_xml_too_large(tmp_path):
    path = tmp_path / "img"
    blob = make_image(path)
    with pytest.raises(libvirtError) as exc:
        update_xml(str(path), XML + " " * (XML_PADDING + 10))
    assert exc.value.get_error_code() == C.VIR_ERR_OPERATION_FAILED
    assert "new xml too large to fit in file" in str(exc.value)
    assert path.read_bytes() == blob


# --- writer and reader ------------------------------------------------------------------------

@pytest.mark.parametrize("fmt", [SaveFormat.RAW, SaveFormat.GZIP, SaveFormat.ZSTD])
def test_image_writer_and_reader(tmp_path, fmt):
    if shutil.which(fmt.program) is None and fmt != SaveFormat.RAW:
        pytest.skip(f"{fmt.program} is not installed")
    path = str(tmp_path / "img")
    writer = saveimage.image_writer(path, new_save_data(XML, cookie=COOKIE, fmt=fmt,
                                                        was_running=True))
    rfd, wfd = os.pipe()
    os.write(wfd, STREAM)
    os.close(wfd)
    writer.run(rfd)
    os.close(rfd)
    with pytest.raises(libvirtError):           # still 'Part' until committed: not there
        read_image_header(path)
    writer.commit()
    data, reader = saveimage.image_reader(path)
    assert (data.xml, data.cookie, data.header.format) == (XML, COOKIE, fmt)
    assert stream_of(reader) == STREAM


def stream_of(reader) -> bytes:
    rfd, wfd = os.pipe()
    out = bytearray()

    def drain():
        while chunk := os.read(rfd, 1 << 20):
            out.extend(chunk)
    t = threading.Thread(target=drain)
    t.start()
    reader.run(wfd)
    os.close(wfd)
    t.join(30)
    os.close(rfd)
    return bytes(out)


# --- against libvirt ---------------------------------------------------------------------------

def _virsh(uri: str, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(["virsh", "-q", "-c", uri, *args], capture_output=True,
                          text=True, check=check, timeout=120)


@pytest.fixture(scope="module")
def libvirt_image(tmp_path_factory, reference_qemu_uri):
    """An image written by libvirt's ``virsh save`` of a 64 MiB no-OS TCG guest."""
    if shutil.which("virsh") is None or shutil.which("qemu-system-x86_64") is None:
        pytest.skip("virsh or QEMU is not installed")
    uri = reference_qemu_uri
    workdir = tmp_path_factory.mktemp("libvirt-save")
    os.chmod(workdir, 0o755)
    name = f"pyvirt-saveimage-test-{os.getpid()}"
    xml = workdir / "dom.xml"
    xml.write_text(f"""<domain type='qemu'>
  <name>{name}</name>
  <memory unit='MiB'>64</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  <devices><emulator>/usr/bin/qemu-system-x86_64</emulator></devices>
</domain>
""")
    path = workdir / "libvirt.sav"
    _virsh(uri, "create", str(xml))
    try:
        _virsh(uri, "save", name, str(path))
    finally:
        _virsh(uri, "destroy", name, check=False)
    return name, path


def test_reads_libvirt_image(libvirt_image):
    name, path = libvirt_image
    data = read_image(str(path))
    hdr = data.header
    assert (hdr.magic, hdr.version, hdr.format, hdr.was_running) == (MAGIC, 2, 0, 1)
    assert f"<name>{name}</name>" in data.xml
    assert data.cookie is not None and data.cookie.startswith("<cookie>")
    assert hdr.cookie_offset == len(data.xml.encode()) + 1
    assert hdr.data_len == hdr.cookie_offset + len(data.cookie.encode()) + 1 + XML_PADDING
    with open(path, "rb") as f:
        f.seek(hdr.data_offset)
        assert f.read(4) == b"QEVM"             # QEMU's stream starts right there


def test_truncated_libvirt_images(libvirt_image, tmp_path):
    _name, path = libvirt_image
    blob = path.read_bytes()
    offset = read_image(str(path)).header.data_offset
    for cut, words in ((0, "failed to read qemu header"), (60, "failed to read qemu header"),
                       (HEADER_SIZE + 300, "failed to read domain XML"),
                       (offset, "save image is truncated")):
        copy = tmp_path / f"cut-{cut}.sav"
        copy.write_bytes(blob[:cut])
        failed(copy, words)


def test_libvirt_reads_pyvirt_update(libvirt_image, tmp_path, reference_qemu_uri):
    _name, path = libvirt_image
    copy = tmp_path / "copy.sav"
    shutil.copyfile(path, copy)
    os.chmod(tmp_path, 0o755)
    xml = read_image(str(copy)).xml
    new_xml = xml.replace("</domain>", "  <description>set by pyvirt</description>\n</domain>")
    update_xml(str(copy), new_xml)
    dumped = _virsh(reference_qemu_uri, "save-image-dumpxml", str(copy)).stdout
    assert "<description>set by pyvirt</description>" in dumped


@pytest.mark.parametrize("fmt", [SaveFormat.RAW, SaveFormat.GZIP])
def test_libvirt_restores_pyvirt_image(libvirt_image, tmp_path, fmt, reference_qemu_uri):
    """libvirt's XML, cookie and stream, written by pyvirt's writer: libvirt restores it."""
    name, path = libvirt_image
    src = read_image(str(path))
    os.chmod(tmp_path, 0o755)
    target = str(tmp_path / "pyvirt.sav")
    writer = saveimage.image_writer(
        target, new_save_data(src.xml, cookie=src.cookie, was_running=True, fmt=fmt))
    with open(path, "rb") as f:
        f.seek(src.header.data_offset)
        rfd, wfd = os.pipe()
        t = threading.Thread(target=lambda: (shutil.copyfileobj(f, os.fdopen(wfd, "wb"))))
        t.start()
        writer.run(rfd)
        t.join(30)
        os.close(rfd)
    writer.commit()
    assert read_image(target).header.format == fmt
    uri = reference_qemu_uri
    assert f"<name>{name}</name>" in _virsh(uri, "save-image-dumpxml", target).stdout
    _virsh(uri, "restore", target)
    try:
        assert _virsh(uri, "domstate", name).stdout.strip() == "running"
    finally:
        _virsh(uri, "destroy", name, check=False)
