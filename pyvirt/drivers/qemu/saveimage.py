"""The QEMU save image: libvirt's header, the domain XML, QEMU's migration stream.

The layout is libvirt's (``src/qemu/qemu_saveimage.h``), so images written
by libvirt and by pyvirt can be read by either::

    offset 0    magic        16 bytes  "LibvirtQemudSave" (complete image)
                                       "LibvirtQemudPart" (still being written)
           16   version      uint32    2 (1: old images, no compression)
           20   data_len     uint32    bytes of XML + cookie + padding that follow
           24   was_running  uint32    1: resume the guest after restore
           28   format       uint32    SaveFormat: 0 raw, 1 gzip, 2 bzip2, 3 xz,
                                       4 lzop, 5 zstd, 6 sparse (mapped-ram)
           32   cookieOffset uint32    offset of the cookie XML in the data, 0: none
           36   unused       14 x uint32, zero
    92          domain XML, NUL; cookie XML, NUL; zeros up to data_len
    92+data_len QEMU's migration stream, compressed as ``format`` says

The integers are in the writer's byte order (little-endian on x86); like
libvirt, a reader that sees a version above its own swaps the bytes and
tries again.  A new image reserves 64 KiB of zeros after the XML so that
``saveImageDefineXML`` can store a larger XML in place; a replacement that
does not fit is refused.

Errors: every problem with an image's header (unreadable, foreign,
truncated, incomplete, newer version, unknown format) is
``VIR_ERR_OPERATION_FAILED`` with the reason and the path; the file is
left as it was.
"""

from __future__ import annotations

import enum
import errno
import os
import struct
from collections.abc import Callable
from dataclasses import dataclass, field

from pyvirt import constants as C
from pyvirt.errors import report, report_system
from pyvirt.util import iohelper

_FROM = C.VIR_FROM_QEMU

MAGIC = b"LibvirtQemudSave"
PARTIAL = b"LibvirtQemudPart"
VERSION = 2
# Room left after the XML so that a later, larger XML fits (libvirt: 64 KiB).
XML_PADDING = 64 * 1024

_HEADER = struct.Struct("16s5I14I")
HEADER_SIZE = _HEADER.size  # 92


class SaveFormat(enum.IntEnum):
    """``format`` field values; on-disk ABI, libvirt's numbers and names."""

    RAW = 0
    GZIP = 1
    BZIP2 = 2
    XZ = 3
    LZOP = 4
    ZSTD = 5
    SPARSE = 6  # libvirt >= 10.x: mapped-ram, a seekable file QEMU writes itself

    @property
    def program(self) -> str:
        """The name of the program (and of the format in qemu.conf)."""
        return self.name.lower()

    @classmethod
    def from_name(cls, name: str) -> SaveFormat:
        """Return the format called ``name`` (qemu.conf's save_image_format)."""
        try:
            return cls[name.upper()]
        except KeyError:
            raise report(C.VIR_ERR_OPERATION_FAILED,
                         f"Invalid save image format '{name}'", _FROM) from None


def compress_argv(fmt: SaveFormat) -> list[list[str]] | None:
    """Return the compression pipeline for ``fmt`` (None for raw), as libvirt runs it."""
    if fmt in (SaveFormat.RAW, SaveFormat.SPARSE):
        return None
    argv = [fmt.program, "-c"]
    if fmt == SaveFormat.XZ:
        argv.append("-3")
    return [argv]


def decompress_argv(fmt: SaveFormat) -> list[list[str]] | None:
    """Return the decompression pipeline for ``fmt`` (None for raw), as libvirt runs it."""
    if fmt in (SaveFormat.RAW, SaveFormat.SPARSE):
        return None
    argv = [fmt.program, "-dc"]
    if fmt == SaveFormat.LZOP:
        argv.append("--ignore-warn")
    return [argv]


def _failed(reason: str, path: str):
    return report(C.VIR_ERR_OPERATION_FAILED, f"{reason}: '{path}'", _FROM)


@dataclass
class SaveHeader:
    """The fixed 92-byte header at the start of every save image."""

    magic: bytes = PARTIAL
    version: int = VERSION
    data_len: int = 0
    was_running: int = 0
    format: int = SaveFormat.RAW
    cookie_offset: int = 0
    unused: tuple[int, ...] = field(default=(0,) * 14)
    byteorder: str = "<"

    def pack(self) -> bytes:
        """Return the 92 header bytes, in ``byteorder`` ('<' little, '>' big endian)."""
        return struct.pack(self.byteorder + _HEADER.format, self.magic, self.version,
                           self.data_len, self.was_running, int(self.format),
                           self.cookie_offset, *self.unused)

    @classmethod
    def unpack(cls, data: bytes, path: str = "") -> SaveHeader:
        """Parse and check a header as libvirt does; raise ``VIR_ERR_OPERATION_FAILED``.

        ``path`` only names the file in error messages.
        """
        if len(data) < HEADER_SIZE:
            raise _failed("failed to read qemu header", path)
        magic = bytes(data[:16])
        if magic != MAGIC:
            if magic == PARTIAL:
                raise _failed("save image is incomplete", path)
            raise _failed("image magic is incorrect", path)
        byteorder = "<"
        fields = struct.unpack_from("<" + _HEADER.format, data)
        if fields[1] > VERSION:
            # written on a host of the other byte order: swap and try again
            swapped = struct.unpack_from(">" + _HEADER.format, data)
            if swapped[1] > VERSION:
                # neither order fits: name the version as stored (libvirt names the swapped)
                raise _failed(f"image version is not supported ({fields[1]} > {VERSION})",
                              path)
            byteorder, fields = ">", swapped
        hdr = cls(magic=fields[0], version=fields[1], data_len=fields[2],
                  was_running=fields[3], format=fields[4], cookie_offset=fields[5],
                  unused=tuple(fields[6:]), byteorder=byteorder)
        if hdr.format not in SaveFormat._value2member_map_:
            raise _failed(f"unsupported save image format: {hdr.format}", path)
        if hdr.data_len <= 0:
            raise _failed(f"invalid header data length: {hdr.data_len}", path)
        if hdr.cookie_offset > hdr.data_len:
            raise _failed(f"invalid cookie offset: {hdr.cookie_offset}", path)
        hdr.format = SaveFormat(hdr.format)
        return hdr

    @property
    def data_offset(self) -> int:
        """Where QEMU's migration stream starts in the file."""
        return HEADER_SIZE + self.data_len


@dataclass
class SaveData:
    """A header with the domain XML and the optional save cookie it carries."""

    header: SaveHeader
    xml: str
    cookie: str | None = None

    def pack(self) -> bytes:
        """Return header, XML, cookie and zero padding, fixing ``data_len`` on first use.

        A new header (``data_len`` 0) reserves :data:`XML_PADDING` bytes;
        an existing one keeps its size and refuses data that does not fit
        (``VIR_ERR_OPERATION_FAILED``: "new xml too large to fit in file").
        """
        xml = self.xml.encode() + b"\0"
        cookie = b"" if self.cookie is None else self.cookie.encode() + b"\0"
        used = len(xml) + len(cookie)
        hdr = self.header
        if hdr.data_len == 0:
            hdr.data_len = used + XML_PADDING
        elif used > hdr.data_len:
            raise report(C.VIR_ERR_OPERATION_FAILED, "new xml too large to fit in file", _FROM)
        hdr.cookie_offset = len(xml) if cookie else 0
        return hdr.pack() + xml + cookie + bytes(hdr.data_len - used)


def new_save_data(xml: str, *, cookie: str | None = None, was_running: bool = False,
                  fmt: SaveFormat = SaveFormat.RAW) -> SaveData:
    """Return the data of a new image: 'Part' magic until the stream is complete."""
    return SaveData(SaveHeader(was_running=int(was_running), format=fmt), xml, cookie)


def _cstring(data: bytes) -> str:
    return data.split(b"\0", 1)[0].decode()


def read_image(path: str) -> SaveData:
    """Read and check the header, XML and cookie of the image at ``path``.

    Raises ``VIR_ERR_OPERATION_FAILED`` for anything that is not a complete
    save image, ``VIR_ERR_SYSTEM_ERROR`` if the file cannot be opened.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except OSError as err:
        raise report_system(err.errno or errno.EIO,
                            f"cannot open save image '{path}'", _FROM) from None
    try:
        head = os.pread(fd, HEADER_SIZE, 0)
        hdr = SaveHeader.unpack(head, path)
        data = os.pread(fd, hdr.data_len, HEADER_SIZE)
        if len(data) != hdr.data_len:
            raise _failed("failed to read domain XML", path)
        size = os.fstat(fd).st_size
    except OSError as err:
        raise report_system(err.errno or errno.EIO,
                            f"cannot read save image '{path}'", _FROM) from None
    finally:
        os.close(fd)
    if size <= hdr.data_offset:
        raise _failed("save image is truncated: it holds no memory state", path)
    xml_len = hdr.cookie_offset or hdr.data_len
    cookie = _cstring(data[xml_len:]) if hdr.cookie_offset else None
    try:
        return SaveData(hdr, _cstring(data[:xml_len]), cookie)
    except UnicodeDecodeError:
        raise _failed("failed to read domain XML", path) from None


def read_image_header(path: str) -> tuple[SaveHeader, str]:
    """Return (header, domain XML) of the image at ``path`` (``saveImageGetXMLDesc``)."""
    data = read_image(path)
    return data.header, data.xml


def update_xml(path: str, new_xml: str, *, was_running: bool | None = None,
               fsync: Callable[[int], None] = os.fdatasync) -> SaveHeader:
    """Store ``new_xml`` in the image at ``path`` in place (``saveImageDefineXML``).

    As libvirt does, the XML (and the cookie kept from the image) must fit
    the space reserved when the image was written, else
    ``VIR_ERR_OPERATION_FAILED`` "new xml too large to fit in file" and the
    file is not touched.  ``was_running`` (the SAVE_RUNNING / SAVE_PAUSED
    flags) replaces the stored state when given.  The caller checks that
    the new definition is ABI-compatible with the stored one.
    """
    data = read_image(path)
    if was_running is not None:
        data.header.was_running = int(was_running)
    data.xml = new_xml
    blob = data.pack()
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CLOEXEC)
        try:
            iohelper.pwrite_all(fd, blob, 0)
            fsync(fd)
        finally:
            os.close(fd)
    except OSError as err:
        raise report_system(err.errno or errno.EIO,
                            f"failed to write header data to '{path}'", _FROM) from None
    return data.header


def image_writer(path: str, data: SaveData, *, bypass_cache: bool = False,
                 fsync: Callable[[int], None] = os.fdatasync) -> iohelper.DurableWriter:
    """Return a writer of a new image at ``path``: ``data``, then the stream it is given.

    The image is written to a temporary file beside ``path`` with the
    'Part' magic; :meth:`~pyvirt.util.iohelper.DurableWriter.commit` turns
    it into 'Save', syncs and renames it over ``path``.
    """
    data.header.magic = PARTIAL
    prefix = data.pack()
    return iohelper.DurableWriter(
        path, prefix=prefix, patches=[(0, MAGIC)], bypass_cache=bypass_cache,
        pipeline=compress_argv(SaveFormat(data.header.format)), fsync=fsync)


def image_reader(path: str, *, bypass_cache: bool = False) -> tuple[SaveData, iohelper.StreamReader]:
    """Check the image at ``path``; return its data and a reader of its (decompressed) stream."""
    data = read_image(path)
    # version 1 images predate compression (libvirt ignores the field there)
    fmt = SaveFormat(data.header.format) if data.header.version >= 2 else SaveFormat.RAW
    if fmt == SaveFormat.SPARSE:
        raise report(C.VIR_ERR_OPERATION_UNSUPPORTED,
                     f"save image format 'sparse' is not supported: '{path}'", _FROM)
    reader = iohelper.StreamReader(path, offset=data.header.data_offset,
                                   bypass_cache=bypass_cache, pipeline=decompress_argv(fmt))
    return data, reader
