"""Storage volume commands: vol-list, vol-info, vol-create(-as), vol-upload, ..."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import pyvirt as libvirt
from pyvirt.shell import lookup
from pyvirt.shell.command import (
    POOL,
    VALIDATE,
    VERBOSE,
    VOL,
    VOL_POOL,
    WRAP,
    XPATH,
    Args,
    CmdError,
    ScaleError,
    command,
    data,
    flag,
    number,
    scale_error,
    scale_integer,
    string,
)
from pyvirt.shell.files import dump_xml, read_file
from pyvirt.shell.jobs import TransferCancelled, run_transfer
from pyvirt.shell.main import Shell
from pyvirt.shell.output import capacity

VOLUME_GROUP = "volume"
VOL_TYPES = ("file", "block", "dir", "network", "netdir", "ploop")
WIPE_ALGORITHMS = ("zero", "nnsa", "dod", "bsi", "gutmann", "schneier", "pfitzner7",
                   "pfitzner33", "random", "trim")
# whole stream messages (pyvirt.driver.stream.CHUNK): 4 x 262120 bytes
CHUNK = 4 * 262120


def vol_type(kind: int) -> str:
    """virsh's name for a volume type."""
    return VOL_TYPES[kind] if 0 <= kind < len(VOL_TYPES) else "unknown"


def vol_size(text: str) -> int:
    """A volume size in bytes (scaled integer); CmdError when malformed."""
    try:
        return scale_integer(text, 1, 2 ** 64 - 1)
    except ScaleError as exc:
        raise scale_error(f"Malformed size {text}", exc) from None


@command("vol-list", VOLUME_GROUP, "list vols",
         [POOL, flag("details", "display extended details for volumes")], json=True)
def cmd_vol_list(shell: Shell, args: Args) -> bool:
    """List the volumes of a pool."""
    pool = lookup.pool(shell, args)
    try:
        vols = sorted(pool.listAllVolumes(0), key=lambda vol: vol.name())
    except libvirt.libvirtError as exc:
        raise CmdError("Failed to list volumes", exc) from None
    rows = []
    for vol in vols:
        try:
            path = vol.path()
        except libvirt.libvirtError:
            path = None
        try:
            info = vol.info()
        except libvirt.libvirtError:
            info = None
        rows.append((vol.name(), path, info))
    if args.json:
        shell.out.json({"volumes": [{
            "name": name, "path": path,
            "type": vol_type(info[0]) if info else None,
            "capacity": info[1] if info else None, "allocation": info[2] if info else None,
        } for name, path, info in rows]})
        return True
    if not args.flag("details"):
        shell.out.table(["Name", "Path"], [[name, path or "unknown"]
                                           for name, path, _ in rows])
        return True
    table = []
    for name, path, info in rows:
        if info is None:
            extra = ["unknown"] * 3
        else:
            extra = [vol_type(info[0]), capacity(info[1]), capacity(info[2])]
        table.append([name, path or "unknown"] + extra)
    shell.out.table(["Name", "Path", "Type", "Capacity", "Allocation"], table)
    return True


@command("vol-info", VOLUME_GROUP, "storage vol information",
         [VOL, VOL_POOL, flag("bytes", "sizes are represented in bytes rather than pretty "
                                       "units"),
          flag("physical", "return the physical size of the volume in allocation field")],
         json=True)
def cmd_vol_info(shell: Shell, args: Args) -> bool:
    """Print a volume's type and sizes."""
    vol = lookup.volume(shell, args)
    physical = args.flag("physical")
    if not args.json:
        shell.out.print(f"{'Name:':<15} {vol.name()}\n")
    if physical:
        info = vol.infoFlags(libvirt.VIR_STORAGE_VOL_GET_PHYSICAL)
    else:
        info = vol.info()
    if args.json:
        shell.out.json({"name": vol.name(), "type": vol_type(info[0]), "capacity": info[1],
                        "allocation": None if physical else info[2],
                        "physical": info[2] if physical else None})
        return True
    out = shell.out
    out.print(f"{'Type:':<15} {vol_type(info[0])}\n")
    second = "Physical:" if physical else "Allocation:"
    if args.flag("bytes"):
        out.print(f"{'Capacity:':<15} {info[1]} bytes\n")
        out.print(f"{second:<15} {info[2]} bytes\n")
    else:
        out.print(f"{'Capacity:':<15} {capacity(info[1])}\n")
        out.print(f"{second:<15} {capacity(info[2])}\n")
    return True


@command("vol-dumpxml", VOLUME_GROUP, "vol information in XML", [VOL, VOL_POOL, XPATH, WRAP])
def cmd_vol_dumpxml(shell: Shell, args: Args) -> bool:
    """Print the volume XML."""
    vol = lookup.volume(shell, args)
    return dump_xml(shell.out, vol.XMLDesc(0), args.values.get("xpath") or None,
                    args.flag("wrap"))


@command("vol-create", VOLUME_GROUP, "create a vol from an XML file",
         [POOL, data("file", "file containing an XML vol description", complete="file"),
          flag("prealloc-metadata", "preallocate metadata (for qcow2 instead of full "
                                    "allocation)"), VALIDATE])
def cmd_vol_create(shell: Shell, args: Args) -> bool:
    """Create a volume in a pool from an XML file."""
    flags = 0
    if args.flag("prealloc-metadata"):
        flags |= libvirt.VIR_STORAGE_VOL_CREATE_PREALLOC_METADATA
    if args.flag("validate"):
        flags |= libvirt.VIR_STORAGE_VOL_CREATE_VALIDATE
    pool = lookup.pool(shell, args)
    path = args.req("file")
    xml = read_file(path)
    try:
        vol = pool.createXML(xml, flags)
    except libvirt.libvirtError as exc:
        raise CmdError(f"Failed to create vol from {path}", exc) from None
    shell.out.extra(f"Vol {vol.name()} created from {path}\n")
    return True


@command("vol-create-as", VOLUME_GROUP, "create a volume from a set of args",
         [data("pool", "pool name", complete="pool"), data("name", "name of the volume"),
          data("capacity", "size of the vol, as scaled integer (default bytes)"),
          string("allocation", "initial allocation size, as scaled integer (default bytes)",
                 positional=True),
          string("format", "file format type raw,bochs,qcow,qcow2,qed,vmdk", positional=True),
          string("backing-vol", "the backing volume if taking a snapshot", positional=True),
          string("backing-vol-format", "format of backing volume if taking a snapshot",
                 positional=True),
          flag("prealloc-metadata", "preallocate metadata (for qcow2 instead of full "
                                    "allocation)"),
          flag("print-xml", "print XML document, but don't define/create")])
def cmd_vol_create_as(shell: Shell, args: Args) -> bool:
    """Create a volume from options (name, capacity, format, backing)."""
    flags = (libvirt.VIR_STORAGE_VOL_CREATE_PREALLOC_METADATA
             if args.flag("prealloc-metadata") else 0)
    pool = lookup.pool(shell, args)
    name = args.req("name")
    size = vol_size(args.req("capacity"))
    alloc_text = args.values.get("allocation") or None
    allocation = vol_size(alloc_text) if alloc_text else None
    fmt = args.get("format")
    lines = ["<volume>", f"  <name>{name}</name>", f"  <capacity>{size}</capacity>"]
    if allocation is not None:
        lines.append(f"  <allocation>{allocation}</allocation>")
    if fmt:
        lines += ["  <target>", f"    <format type='{fmt}'/>", "  </target>"]
    backing = args.get("backing-vol")
    if backing:
        backing_vol = _find_backing(shell, pool, backing)
        lines += ["  <backingStore>", f"    <path>{backing_vol.path()}</path>"]
        if args.get("backing-vol-format"):
            lines.append(f"    <format type='{args.get('backing-vol-format')}'/>")
        lines.append("  </backingStore>")
    lines.append("</volume>")
    xml = "".join(line + "\n" for line in lines)
    if args.flag("print-xml"):
        shell.out.print(xml)
        return True
    try:
        pool.createXML(xml, flags)
    except libvirt.libvirtError as exc:
        raise CmdError(f"Failed to create vol {name}", exc) from None
    shell.out.extra(f"Vol {name} created\n")
    return True


def _find_backing(shell: Shell, pool: Any, name: str) -> Any:
    for func in (pool.storageVolLookupByName, shell.conn.storageVolLookupByKey,
                 shell.conn.storageVolLookupByPath):
        try:
            return func(name)
        except libvirt.libvirtError:
            continue
    raise CmdError(f"failed to get vol '{name}'")


@command("vol-clone", VOLUME_GROUP, "clone a volume.",
         [VOL, data("newname", "clone name"), VOL_POOL,
          flag("prealloc-metadata", "preallocate metadata (for qcow2 instead of full "
                                    "allocation)"),
          flag("reflink", "use btrfs COW lightweight copy"),
          flag("print-xml", "print XML document rather than clone the volume")])
def cmd_vol_clone(shell: Shell, args: Args) -> bool:
    """Copy a volume to a new one in the same pool."""
    from lxml import etree

    vol = lookup.volume(shell, args)
    flags = 0
    if args.flag("prealloc-metadata"):
        flags |= libvirt.VIR_STORAGE_VOL_CREATE_PREALLOC_METADATA
    if args.flag("reflink"):
        flags |= libvirt.VIR_STORAGE_VOL_CREATE_REFLINK
    try:
        pool = vol.storagePoolLookupByVolume()
    except libvirt.libvirtError as exc:
        raise CmdError("failed to get parent pool", exc) from None
    root = etree.fromstring(vol.XMLDesc(0).encode())
    name_node = root.find("name")
    if name_node is None:
        raise CmdError("Failed to allocate XML buffer")
    name_node.text = args.req("newname")
    xml = etree.tostring(root, encoding="unicode")
    if args.flag("print-xml"):
        shell.out.print(xml)
        return True
    try:
        new = pool.createXMLFrom(xml, vol, flags)
    except libvirt.libvirtError as exc:
        raise CmdError(f"Failed to clone vol from {vol.name()}", exc) from None
    shell.out.extra(f"Vol {new.name()} cloned from {vol.name()}\n")
    return True


@command("vol-delete", VOLUME_GROUP, "delete a vol",
         [VOL, VOL_POOL, flag("delete-snapshots", "delete snapshots associated with volume "
                                                  "(must be supported by storage driver)")])
def cmd_vol_delete(shell: Shell, args: Args) -> bool:
    """Delete a volume."""
    vol = lookup.volume(shell, args)
    name = args.req("vol")
    flags = (libvirt.VIR_STORAGE_VOL_DELETE_WITH_SNAPSHOTS
             if args.flag("delete-snapshots") else 0)
    try:
        vol.delete(flags)
    except libvirt.libvirtError as exc:
        raise CmdError(f"Failed to delete vol {name}", exc) from None
    shell.out.extra(f"Vol {name} deleted\n")
    return True


@command("vol-resize", VOLUME_GROUP, "resize a vol",
         [VOL, data("capacity", "new capacity for the vol, as scaled integer (default "
                                "bytes)"), VOL_POOL,
          flag("allocate", "allocate the new capacity, rather than leaving it sparse"),
          flag("delta", "use capacity as a delta to current size, rather than the new size"),
          flag("shrink", "allow the resize to shrink the volume")])
def cmd_vol_resize(shell: Shell, args: Args) -> bool:
    """Change a volume's capacity (absolute, or by a delta)."""
    flags = 0
    if args.flag("allocate"):
        flags |= libvirt.VIR_STORAGE_VOL_RESIZE_ALLOCATE
    delta = args.flag("delta")
    if args.flag("shrink"):
        flags |= libvirt.VIR_STORAGE_VOL_RESIZE_SHRINK
    vol = lookup.volume(shell, args)
    text = args.req("capacity").lstrip(" \t")
    if text.startswith("-"):
        if not args.flag("shrink"):
            raise CmdError("negative size requires --shrink")
        text = text[1:]
        delta = True
    if delta:
        flags |= libvirt.VIR_STORAGE_VOL_RESIZE_DELTA
    size = vol_size(text)
    how = "by" if delta else "to"
    try:
        vol.resize(size, flags)
    except libvirt.libvirtError as exc:
        raise CmdError(f"Failed to change size of volume '{vol.name()}' {how} {text}",
                       exc) from None
    shell.out.extra(f"Size of volume '{vol.name()}' successfully changed {how} {text}\n")
    return True


@command("vol-path", VOLUME_GROUP, "returns the volume path for a given volume name or key",
         [data("vol", "volume name or key", complete="vol"), VOL_POOL])
def cmd_vol_path(shell: Shell, args: Args) -> bool:
    """Print a volume's path."""
    shell.out.print(lookup.volume(shell, args).path() + "\n")
    return True


@command("vol-key", VOLUME_GROUP, "returns the volume key for a given volume name or path",
         [data("vol", "volume name or path", complete="vol"), VOL_POOL])
def cmd_vol_key(shell: Shell, args: Args) -> bool:
    """Print a volume's key."""
    shell.out.print(lookup.volume(shell, args).key() + "\n")
    return True


@command("vol-name", VOLUME_GROUP, "returns the volume name for a given volume key or path",
         [data("vol", "volume key or path", complete="vol")])
def cmd_vol_name(shell: Shell, args: Args) -> bool:
    """Print the name of the volume with the given key or path."""
    shell.out.print(lookup.volume(shell, args, pool_opt=None).name() + "\n")
    return True


# -- data transfer -------------------------------------------------------------

_TRANSFER_OPTS = [VOL_POOL, number("offset", "volume offset to upload from",
                                   positional=True),
                  number("length", "amount of data to upload", positional=True),
                  flag("sparse", "preserve sparseness of volume"), VERBOSE]


@command("vol-upload", VOLUME_GROUP, "upload file contents to a volume",
         [VOL, data("file", "file", complete="file")] + _TRANSFER_OPTS)
def cmd_vol_upload(shell: Shell, args: Args) -> bool:
    """Copy a local file into a volume (progress bar with --verbose)."""
    offset = args.uint("offset", 64) or 0
    length = _wrapped(args, "length")
    vol = lookup.volume(shell, args)
    name = args.req("vol")
    path = args.req("file")
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        raise CmdError(f"cannot read {path}") from None
    flags = libvirt.VIR_STORAGE_VOL_UPLOAD_SPARSE_STREAM if args.flag("sparse") else 0
    with os.fdopen(fd, "rb") as source:
        size = os.fstat(source.fileno()).st_size
        total = min(size, length) if length else size
        stream = shell.conn.newStream(0)
        try:
            vol.upload(stream, offset, length, flags)
        except libvirt.libvirtError as exc:
            raise CmdError(f"cannot upload to volume {name}", exc) from None

        def send(report: Callable[[int], None]) -> None:
            if flags:
                _sparse_send(stream, source, report)
                return
            while True:
                chunk = source.read(CHUNK)
                if not chunk:
                    break
                report(len(chunk))
                stream.send(chunk)

        _transfer(shell, stream, send, total, "Upload", args.flag("verbose"),
                  f"cannot send data to volume {name}")
    try:
        stream.finish()
    except libvirt.libvirtError as exc:
        raise CmdError(f"cannot close volume {name}", exc) from None
    return True


@command("vol-download", VOLUME_GROUP, "download volume contents to a file",
         [VOL, data("file", "file", complete="file")] + _TRANSFER_OPTS)
def cmd_vol_download(shell: Shell, args: Args) -> bool:
    """Copy a volume into a local file (progress bar with --verbose)."""
    offset = args.uint("offset", 64) or 0
    length = _wrapped(args, "length")
    vol = lookup.volume(shell, args)
    name = args.req("vol")
    path = args.req("file")
    flags = libvirt.VIR_STORAGE_VOL_DOWNLOAD_SPARSE_STREAM if args.flag("sparse") else 0
    created = False
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        created = True
    except FileExistsError:
        try:
            fd = os.open(path, os.O_WRONLY | os.O_TRUNC, 0o666)
        except OSError:
            raise CmdError(f"cannot create {path}") from None
    except OSError:
        raise CmdError(f"cannot create {path}") from None
    ok = False
    try:
        with os.fdopen(fd, "wb") as sink:
            try:
                size = vol.info()[1]
            except libvirt.libvirtError:
                size = None
            total = min(size - offset, length) if size is not None and length else (
                size - offset if size is not None else None)
            stream = shell.conn.newStream(0)
            try:
                vol.download(stream, offset, length, flags)
            except libvirt.libvirtError as exc:
                raise CmdError(f"cannot download from volume {name}", exc) from None

            def receive(report: Callable[[int], None]) -> None:
                if flags:
                    _sparse_receive(stream, sink, report)
                    return
                # recvAll's 1 MiB chunks: the file is written in whole pages
                stream.recvAll(lambda _s, chunk, _o: _write_chunk(sink, chunk, report), None)

            _transfer(shell, stream, receive, total, "Download", args.flag("verbose"),
                      f"cannot receive data from volume {name}")
        try:
            stream.finish()
        except libvirt.libvirtError as exc:
            raise CmdError(f"cannot close volume {name}", exc) from None
        ok = True
    finally:
        if not ok and created:
            try:
                os.unlink(path)
            except OSError:
                pass
    return True


def _write_chunk(sink: Any, chunk: bytes, report: Callable[[int], None]) -> None:
    report(len(chunk))
    sink.write(chunk)


def _wrapped(args: Args, name: str) -> int:
    """An unsigned 64-bit option where negative values wrap (virsh's *Wrap)."""
    raw = args.values.get(name)
    if raw is None:
        return 0
    try:
        value = int(str(raw), 10)
    except ValueError:
        value = None
    if value is None or not -(2 ** 63) <= value < 2 ** 64:
        raise CmdError(f"Numeric value '{raw}' for <{name}> option is malformed or out of "
                       "range")
    return value % (2 ** 64)


def _transfer(shell: Shell, stream: Any, func: Callable[[Callable[[int], None]], None],
              total: int | None, label: str, verbose: bool, message: str) -> None:
    try:
        run_transfer(shell, label, total, func, verbose)
    except TransferCancelled:
        _abort(stream)
        raise CmdError(f"{message}: operation aborted") from None
    except (libvirt.libvirtError, OSError) as exc:
        _abort(stream)
        raise CmdError(message, exc) from None


def _abort(stream: Any) -> None:
    try:
        stream.abort()
    except libvirt.libvirtError:
        pass


def _sparse_send(stream: Any, source: Any, report: Callable[[int], None]) -> None:
    fd = source.fileno()

    def handler(_stream: Any, nbytes: int, _opaque: Any) -> bytes:
        chunk = os.read(fd, nbytes)
        report(len(chunk))
        return chunk

    def hole(_stream: Any, _opaque: Any) -> tuple[bool, int]:
        pos = os.lseek(fd, 0, os.SEEK_CUR)
        try:
            data_at = os.lseek(fd, pos, os.SEEK_DATA)
        except OSError:
            end = os.fstat(fd).st_size
            os.lseek(fd, pos, os.SEEK_SET)
            return False, end - pos
        if data_at > pos:
            os.lseek(fd, pos, os.SEEK_SET)
            return False, data_at - pos
        hole_at = os.lseek(fd, pos, os.SEEK_HOLE)
        os.lseek(fd, pos, os.SEEK_SET)
        return True, hole_at - pos

    def skip(_stream: Any, length: int, _opaque: Any) -> int:
        os.lseek(fd, length, os.SEEK_CUR)
        report(length)
        return 0

    stream.sparseSendAll(handler, hole, skip, None)


def _sparse_receive(stream: Any, sink: Any, report: Callable[[int], None]) -> None:
    fd = sink.fileno()

    def handler(_stream: Any, chunk: bytes, _opaque: Any) -> int:
        report(len(chunk))
        return os.write(fd, chunk)

    def hole(_stream: Any, length: int, _opaque: Any) -> int:
        position = os.lseek(fd, length, os.SEEK_CUR)
        os.ftruncate(fd, position)
        report(length)
        return 0

    stream.sparseRecvAll(handler, hole, None)


@command("vol-wipe", VOLUME_GROUP, "wipe a vol",
         [VOL, VOL_POOL, string("algorithm", "perform selected wiping algorithm",
                                positional=True), VERBOSE])
def cmd_vol_wipe(shell: Shell, args: Args) -> bool:
    """Overwrite a volume's data (zeros, or a wiping algorithm)."""
    vol = lookup.volume(shell, args)
    name = args.req("vol")
    algorithm_name = args.get("algorithm")
    algorithm = libvirt.VIR_STORAGE_VOL_WIPE_ALG_ZERO
    if algorithm_name is not None:
        if algorithm_name not in WIPE_ALGORITHMS:
            raise CmdError(f"Unsupported algorithm '{algorithm_name}'")
        algorithm = WIPE_ALGORITHMS.index(algorithm_name)

    def wipe(report: Callable[[int], None]) -> None:
        try:
            vol.wipePattern(algorithm, 0)
        except libvirt.libvirtError as exc:
            if exc.get_error_code() != libvirt.VIR_ERR_NO_SUPPORT or \
                    algorithm != libvirt.VIR_STORAGE_VOL_WIPE_ALG_ZERO:
                raise
            vol.wipe(0)
    try:
        if args.flag("verbose"):
            run_transfer(shell, "Wipe", None, wipe, True)
        else:
            wipe(lambda count: None)
    except libvirt.libvirtError as exc:
        raise CmdError(f"Failed to wipe vol {name}", exc) from None
    shell.out.extra(f"Vol {name} wiped\n")
    return True
