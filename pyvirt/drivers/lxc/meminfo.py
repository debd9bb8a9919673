"""The container's own /proc/meminfo: a one-file FUSE filesystem served by the controller.

libvirt's LXC driver (its lxc_fuse) overlays the container's
/proc/meminfo with a FUSE file whose memory figures come from the
container's memory cgroup, so ``free`` inside shows the container's limit
and use, not the host's.  pyvirt does the same without libfuse: the
container's first process opens ``/dev/fuse`` (:func:`open_device`, in the
container's user namespace with ``<idmap>``), its init mounts it on /proc/meminfo right after mounting /proc
(:func:`mount_on`; the filesystem's root is the file itself), and a
thread of the controller answers the kernel's requests (:class:`Server`):
INIT, GETATTR, OPEN, READ, RELEASE, FLUSH; anything else gets ENOSYS.

The content follows libvirt's rules (:func:`render`): the host's
/proc/meminfo with MemTotal (the limit), MemFree and MemAvailable (limit
less use), Cached, Active/Inactive (anon, file), Unevictable from the
cgroup, Buffers and the slab lines 0, and SwapTotal/SwapFree from the
memory+swap limit when the domain sets ``<swap_hard_limit>``.
"""

from __future__ import annotations

import errno
import os
import stat
import struct

from pyvirt.drivers.lxc.cgroup import UNLIMITED

TYPE_CHECKING = False
if TYPE_CHECKING:          # the controller starts lean: no typing at run time
    from typing import Any

# requests (linux/fuse.h)
_GETATTR, _OPEN, _READ, _RELEASE, _FLUSH, _INIT = 3, 14, 15, 18, 25, 26
_FORGET, _INTERRUPT, _DESTROY, _BATCH_FORGET = 2, 36, 38, 42
_NO_REPLY = (_FORGET, _INTERRUPT, _BATCH_FORGET)
_IN_HEADER = struct.Struct("<IIQQIIII")          # len opcode unique nodeid uid gid pid pad
_OUT_HEADER = struct.Struct("<IiQ")               # len error unique
# ino size blocks atime mtime ctime, atimensec mtimensec ctimensec, mode nlink uid gid
# rdev blksize flags
_ATTR = struct.Struct("<QQQQQQIIIIIIIIII")
_FOPEN_DIRECT_IO = 1
_MAX_WRITE = 4096
_BUFSIZE = (1 << 17) + 4096                       # the kernel wants room for max_write
_FUSE_MAJOR, _FUSE_MINOR = 10, 229                # /dev/fuse
#: the protocol version answered to INIT
_VERSION = (7, 31)

#: lines libvirt replaces, in /proc/meminfo's spelling
_ZERO = ("Buffers", "Slab", "SReclaimable", "SUnreclaim")


def find_device() -> int | None:
    """The host's ``/dev/fuse`` (an O_PATH descriptor kept across the pivot into
    the container's root, whose /dev has none), or None without FUSE."""
    try:
        return os.open("/dev/fuse", os.O_PATH | os.O_CLOEXEC)
    except OSError:
        return None


def private_device(path: str, owner: tuple[int, int]) -> int | None:
    """A FUSE device node of the container's root only, for a connection opened in
    its user namespace (:func:`open_device`): the host's ``/dev/fuse`` may be
    root's alone (mode 0600 where no udev rule opens it), which the container's
    root is not.  Made at ``path`` (in the container's /dev), owned by ``owner``
    (the host ids of the container's root), mode 0600, held by an O_PATH
    descriptor and unlinked at once: nothing is left in /dev.  None when it
    cannot be made."""
    try:
        os.mknod(path, 0o600 | stat.S_IFCHR, os.makedev(_FUSE_MAJOR, _FUSE_MINOR))
    except OSError:
        return None
    try:
        os.chown(path, *owner)
        return os.open(path, os.O_PATH | os.O_CLOEXEC)
    except OSError:
        return None
    finally:
        os.unlink(path)


def open_device(dev: int | None) -> int | None:
    """A new FUSE connection through ``dev`` (:func:`find_device`), not inherited
    across exec; opened by the process whose user namespace will mount it (the
    kernel refuses a connection opened in another).  None without FUSE."""
    if dev is None:
        return None
    try:
        return os.open(f"/proc/self/fd/{dev}", os.O_RDWR | os.O_CLOEXEC)
    except OSError:
        return None
    finally:
        os.close(dev)


def mount_on(fd: int, target: str, mounted: int | None = None) -> None:
    """Mount the connection ``fd`` on the file ``target`` (as libvirt: fsname
    ``libvirt``, allow_other), tell the server so on ``mounted`` (a pipe, closed
    here), and learn the file's size once (a file read with sendfile() is read
    up to the size the kernel knows)."""
    from pyvirt.drivers.lxc import nsutil as ns
    ns.mount("libvirt", target, "fuse", ns.MS_NOSUID | ns.MS_NODEV,
             f"fd={fd},rootmode=100444,user_id=0,group_id=0,allow_other")
    if mounted is not None:
        os.write(mounted, b"m")
        os.close(mounted)
    os.stat(target)


def figures(cg: Any) -> dict[str, int]:
    """The container's memory figures in KiB, from its memory cgroup (v1 or v2)."""
    stat = cg.memory_stat()
    out = {"total": cg.get_memory("hard_limit"), "usage": cg.memory_kib(),
           "cached": stat.get("cache", 0), "active_anon": stat.get("active_anon", 0),
           "inactive_anon": stat.get("inactive_anon", 0),
           "active_file": stat.get("active_file", 0),
           "inactive_file": stat.get("inactive_file", 0),
           "unevictable": stat.get("unevictable", 0)}
    try:
        swap = cg.get_memory("swap_hard_limit")
    except OSError:             # no swap accounting on this host
        return out
    if cg.v2("memory"):         # v2 counts swap alone; libvirt's figures are memory+swap
        out["swaptotal"] = min(swap + out["total"], UNLIMITED)
        out["swapusage"] = cg.swap_kib() + out["usage"]
    else:
        out["swaptotal"] = swap
        out["swapusage"] = cg.get_int("memory", "memory.memsw.usage_in_bytes") // 1024
    return out


def render(host: str, fig: dict[str, int], swap: bool) -> bytes:
    """``host`` (the host's /proc/meminfo) with libvirt's container figures."""
    free = fig["total"] - fig["usage"]
    values = {"MemTotal": fig["total"], "MemFree": free, "MemAvailable": free,
              "Cached": fig["cached"],
              "Active": fig["active_anon"] + fig["active_file"],
              "Inactive": fig["inactive_anon"] + fig["inactive_file"],
              "Active(anon)": fig["active_anon"], "Inactive(anon)": fig["inactive_anon"],
              "Active(file)": fig["active_file"], "Inactive(file)": fig["inactive_file"],
              "Unevictable": fig["unevictable"]}
    values.update(dict.fromkeys(_ZERO, 0))
    if swap and "swaptotal" in fig:
        values["SwapTotal"] = fig["swaptotal"] - fig["total"]
        values["SwapFree"] = (fig["swaptotal"] - fig["total"] - fig["swapusage"]
                              + fig["usage"])
    out = []
    for line in host.splitlines():
        name, sep, _rest = line.partition(":")
        if not sep:
            continue
        out.append(f"{name + ':':<16}{values[name]:>8} kB" if name in values else line)
    return ("\n".join(out) + "\n").encode()


def current(cg: Any, swap: bool) -> bytes:
    """The container's /proc/meminfo as it reads now (the host's, should the cgroup
    be unreadable)."""
    with open("/proc/meminfo") as f:
        host = f.read()
    try:
        return render(host, figures(cg), swap)
    except (OSError, ValueError, KeyError):
        return host.encode()


class Server:
    """The controller's end of the FUSE connection of one container."""

    def __init__(self, fd: int, cg: Any, swap: bool, mounted: int | None = None) -> None:
        self.fd = fd
        self.cg = cg
        self.swap = swap
        #: a pipe init writes on once it has mounted the connection (EOF: it never will)
        self.mounted = mounted
        self.files: dict[int, bytes] = {}       # what each open file reads
        self.next_fh = 1
        self.ahead: bytes | None = None          # the content for the first GETATTR

    def serve(self) -> None:
        """Answer requests until the filesystem is gone (the controller runs this in a
        thread of its own: init waits for an answer before it execs)."""
        import time
        # ready before init asks (its first GETATTR, on mounting, needs the size)
        if self.ahead is None:
            self.ahead = self.content()
        if self.mounted is not None:
            try:
                ok = os.read(self.mounted, 1) == b"m"
            finally:
                os.close(self.mounted)
            if not ok:                  # init died before it mounted the connection
                os.close(self.fd)
                return
        deadline = time.monotonic() + 30
        while True:
            try:
                if not self.handle():
                    break
            except PermissionError:     # not mounted yet: init mounts it in a moment
                if time.monotonic() > deadline:
                    break
                time.sleep(0.001)
        os.close(self.fd)

    def content(self) -> bytes:
        """The file as it reads now."""
        return current(self.cg, self.swap)

    def handle(self) -> bool:
        """Answer one request (waiting for it); False once the filesystem is gone.
        PermissionError: the connection is not mounted yet."""
        try:
            req = os.read(self.fd, _BUFSIZE)
        except PermissionError:
            raise
        except OSError as exc:      # ENODEV: unmounted (the container ended)
            return exc.errno in (errno.EINTR, errno.ENOENT, errno.EAGAIN)
        if len(req) < _IN_HEADER.size:
            return True
        _len, opcode, unique, _node, _uid, _gid, _pid, _pad = _IN_HEADER.unpack_from(req)
        body = req[_IN_HEADER.size:]
        if opcode in _NO_REPLY:
            return True
        err, data = 0, b""
        if opcode == _INIT:
            _major, minor, readahead, _flags = struct.unpack_from("<IIII", body)
            data = struct.pack("<IIIIHHIIHHI28x", _VERSION[0], min(minor, _VERSION[1]),
                               readahead, 0, 16, 12, _MAX_WRITE, 1, 0, 0, 0)
        elif opcode == _GETATTR:
            st = os.stat("/proc/meminfo")
            # the size is what a read gives now: sendfile() (busybox cat) reads no further
            ahead, self.ahead = self.ahead, None
            size = len(ahead if ahead is not None else self.content())
            attr = _ATTR.pack(1, size, 0, int(st.st_atime), int(st.st_mtime),
                              int(st.st_ctime), 0, 0, 0, st.st_mode, 1, 0, 0, 0,
                              st.st_blksize, 0)
            data = struct.pack("<QII", 0, 0, 0) + attr
        elif opcode == _OPEN:
            (flags,) = struct.unpack_from("<I", body)
            if flags & os.O_ACCMODE != os.O_RDONLY:
                err = -errno.EACCES
            else:           # one content per open file: its reads are consistent
                fh, self.next_fh = self.next_fh, self.next_fh + 1
                self.files[fh] = self.content()
                data = struct.pack("<QII", fh, _FOPEN_DIRECT_IO, 0)
        elif opcode == _READ:
            fh, offset, size = struct.unpack_from("<QQI", body)
            data = self.files.get(fh, b"")[offset:offset + size]
        elif opcode == _RELEASE:
            self.files.pop(struct.unpack_from("<Q", body)[0], None)
        elif opcode in (_FLUSH, _DESTROY):
            pass
        else:
            err = -errno.ENOSYS
        try:
            os.write(self.fd, _OUT_HEADER.pack(_OUT_HEADER.size + len(data), err, unique)
                     + data)
        except OSError:             # the request was interrupted meanwhile
            pass
        return opcode != _DESTROY


class Waiting:
    """A server's thread started ahead (by a spare controller, while no start
    waits): told the container's groups once their limits are set (:meth:`prepare`),
    it makes the file's first content, then serves the connection it is handed
    (:meth:`serve`)."""

    def __init__(self) -> None:
        import queue
        import threading
        self.box: queue.SimpleQueue[Any] = queue.SimpleQueue()
        threading.Thread(target=self._run, name="meminfo", daemon=True).start()

    def _run(self) -> None:
        cg, swap = self.box.get()
        first = current(cg, swap)
        fd, mounted = self.box.get()
        server = Server(fd, cg, swap, mounted)
        server.ahead = first
        server.serve()

    def prepare(self, cg: Any, swap: bool) -> None:
        """The container's groups (``swap``: its /proc/meminfo shows swap)."""
        self.box.put((cg, swap))

    def serve(self, fd: int, mounted: int | None) -> None:
        """Serve the FUSE connection ``fd`` (mounted once init writes on ``mounted``)."""
        self.box.put((fd, mounted))
