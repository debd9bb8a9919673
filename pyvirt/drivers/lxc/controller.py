"""The container controller: one process per running container (libvirt's libvirt_lxc).

Forked by the driver's launcher (:mod:`pyvirt.drivers.lxc.launcher`, then
:func:`become`) in a session of its own, so it outlives the process that
started it.  Its spec comes from the driver
(:mod:`pyvirt.drivers.lxc.plan`).  The controller

1. makes the container's cgroups and the console ptys;
2. forks a child that unshares a mount namespace, builds the root
   filesystem there as the host's root and pivots into it
   (:func:`prepare_root`), unshares the user (with ``<idmap>``, then a
   mount namespace of its own), UTS, IPC and network namespaces, waits
   for its uid/gid maps, unshares the PID namespace and forks the
   container's init, which becomes PID 1 (a spare's child has its UTS, IPC
   and network namespaces and, for a container without ``<idmap>``, its init
   made ahead: the init joins the child's mount namespace);
3. init mounts its /proc and /sys (:func:`mount_kernel_fs`), sets the hostname, makes ``/dev/console`` its controlling terminal and
   execs ``<init>``; an exec failure comes back on a close-on-exec pipe;
4. writes ``ok PID`` (or ``error TEXT``) on READY_FD (after ``pid N``, its
   own pid, written first), then relays the
   console between the container's pty and the host-side pty whose path
   the live XML names, until init exits;
5. kills whatever is left in the cgroup, removes the cgroups and loop
   devices, writes the exit status next to the spec and exits.
"""

from __future__ import annotations

import collections
import errno
import fcntl
import gc
import marshal
import os
import select
import signal
import stat
import sys
import termios
import time
import tty

from pyvirt.drivers.lxc import ahead as ahead_mod
from pyvirt.drivers.lxc import devnodes, meminfo, netplug
from pyvirt.drivers.lxc import nsutil as ns
from pyvirt.drivers.lxc.cgroup import DEVICE_ALLOW, Cgroup

TYPE_CHECKING = False
if TYPE_CHECKING:          # the controller starts lean: no typing at run time
    from collections.abc import Callable
    from typing import Any

#: character devices libvirt makes in a container's /dev: name, major, minor
DEVICES = (("null", 1, 3), ("zero", 1, 5), ("full", 1, 7), ("random", 1, 8),
           ("urandom", 1, 9), ("tty", 5, 0))
#: an init that neither blocks nor exits is taken as running once it has lived
#: BUSY_AGE seconds and used BUSY_CPU seconds of CPU time (it runs, busily) ...
BUSY_AGE = 0.5
BUSY_CPU = 0.2
#: ... or, whatever it does (say, waits for a slow disk), once it has lived this long
START_CAP = 5.0
_CLK_TCK = os.sysconf("SC_CLK_TCK")
_TIOCGPTN = 0x80045430
_TIOCSPTLCK = 0x40045431


# --- in the container: filesystems --------------------------------------------------------

def _mkdirs(path: str) -> None:
    os.makedirs(path, mode=0o755, exist_ok=True)


class _Step:
    """``with _Step("Failed to ..."):``: an OSError of a bare system call in the block
    (its text no more than the errno's) comes out as ``WHAT: strerror``, naming the
    step that failed as libvirt's messages do."""

    def __init__(self, what: str) -> None:
        self.what = what

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: object, exc: object, _tb: object) -> None:
        if isinstance(exc, OSError) and exc.errno and exc.strerror in (
                None, os.strerror(exc.errno)):
            raise OSError(exc.errno, f"{self.what}: {os.strerror(exc.errno)}") from None


def error_text(exc: BaseException) -> str:
    """What the driver reports for a failure of the container's first process or init."""
    if isinstance(exc, OSError) and exc.strerror:
        if exc.strerror == os.strerror(exc.errno or 0) and exc.filename is not None:
            return f"{exc.strerror}: '{exc.filename}'"
        return exc.strerror
    return str(exc) or repr(exc)


def _mount_fs(fs: dict[str, Any], dest: str) -> None:
    """Mount one ``<filesystem>`` on ``dest`` (a path from the host's root)."""
    kind = fs["type"]
    ro = ns.MS_RDONLY if fs.get("readonly") else 0
    if kind == "ram":
        _mkdirs(dest)
        ns.mount("tmpfs", dest, "tmpfs", ns.MS_NOSUID | ns.MS_NODEV,
                 f"size={fs['usage_kib']}k")
        return
    src = fs["loop"] if kind in ("file", "block") and fs.get("loop") else fs["source"]
    if kind in ("file", "block"):
        _mkdirs(dest)
        ns.mount(src, dest, fs.get("format") or "ext4", ro)
        return
    if os.path.isdir(src):
        _mkdirs(dest)
    elif not os.path.exists(dest):
        _mkdirs(os.path.dirname(dest))
        open(dest, "a").close()
    ns.mount(src, dest, None, ns.MS_BIND | ns.MS_REC)
    if ro:
        ns.mount(None, dest, None, ns.MS_BIND | ns.MS_REMOUNT | ns.MS_RDONLY)


def _open_console(pts: str, owner: tuple[int, int] | None) -> tuple[int, str]:
    """A new pty of the container's devpts instance: (master fd, slave path)."""
    fd = os.open(pts + "/ptmx", os.O_RDWR | os.O_NOCTTY | os.O_CLOEXEC)
    fcntl.ioctl(fd, _TIOCSPTLCK, b"\0\0\0\0")               # unlock the slave
    num = int.from_bytes(fcntl.ioctl(fd, _TIOCGPTN, b"\0\0\0\0"), sys.byteorder)
    slave = f"{pts}/{num}"
    if owner is not None:          # the container's root owns its console
        os.chown(slave, *owner)
    return fd, slave


def _setup_dev(root: str, spec: dict[str, Any]) -> list[int]:
    """/dev as libvirt gives it: a small tmpfs, the basic devices, its own devpts,
    the consoles (ptys of that devpts on /dev/console and /dev/ttyN).

    Returns the consoles' master descriptors, for the controller.
    """
    dev = root + "/dev"
    _mkdirs(dev)
    ns.mount("devfs", dev, "tmpfs", ns.MS_NOSUID, "mode=755,size=65536")
    idmap = spec.get("idmap")
    for name, major, minor in DEVICES:
        path = f"{dev}/{name}"
        with _Step(f"Failed to make device /dev/{name}"):
            os.mknod(path, 0o666 | stat.S_IFCHR, os.makedev(major, minor))
            os.chmod(path, 0o666)
    _mkdirs(dev + "/pts")
    ns.mount("devpts", dev + "/pts", "devpts", ns.MS_NOSUID,
             "newinstance,ptmxmode=0666,mode=0620,gid=5")
    for name, target in (("fd", "/proc/self/fd"), ("stdin", "/proc/self/fd/0"),
                         ("stdout", "/proc/self/fd/1"), ("stderr", "/proc/self/fd/2")):
        os.symlink(target, f"{dev}/{name}")
    open(dev + "/ptmx", "w").close()
    ns.mount(dev + "/pts/ptmx", dev + "/ptmx", None, ns.MS_BIND)
    owner = devnodes.host_root(idmap) if idmap else None
    for node in spec.get("devnodes", []):       # <disk type='block'>, <hostdev>
        devnodes.mknod(node, owner, prefix=root)
    masters = []
    for i in range(max(1, spec["consoles"])):
        with _Step("Failed to allocate a console pty"):
            fd, slave = _open_console(dev + "/pts", owner)
        masters.append(fd)
        for name in ("console", "tty1") if i == 0 else (f"tty{i + 1}",):
            open(f"{dev}/{name}", "w").close()
            ns.mount(slave, f"{dev}/{name}", None, ns.MS_BIND)
    return masters


def _mount_cgroups(root: str, spec: dict[str, Any]) -> None:
    """/sys/fs/cgroup as libvirt gives it: a tmpfs with the container's own
    group of each controller mounted where the controller's hierarchy was."""
    base = root + "/sys/fs/cgroup"
    ns.mount("tmpfs", base, "tmpfs", ns.MS_NOSUID | ns.MS_NODEV | ns.MS_NOEXEC,
             "mode=755,size=65536")
    cg = Cgroup(spec["cgroup"], spec.get("cgroup_mode", "auto"))
    for ctrl in cg.available():
        if cg.v2(ctrl):
            continue
        _mkdirs(f"{base}/{ctrl}")
        ns.mount(cg.path(ctrl), f"{base}/{ctrl}", None, ns.MS_BIND)
    if cg.unified is not None:
        # the container's v2 group where the unified hierarchy is mounted on the
        # host (the cgroup root of a pure v2 host, its 'unified' of a hybrid one)
        at = base + cg.unified[len(cg.root):]
        _mkdirs(at)
        ns.mount(cg.path("freezer"), at, None, ns.MS_BIND)


def prepare_root(spec: dict[str, Any]) -> list[int]:
    """Build the container's tree and pivot into it, as the host's root.

    Runs in the container's first process, in its new mount namespace and
    before any user namespace, so it reaches every source and may make
    device nodes.  Without a user namespace the process is already in the
    container's network namespace and mounts its sysfs (and cgroups)
    here, and init mounts ``/proc`` (:func:`mount_kernel_fs`).  With
    ``<idmap>``, ``/proc`` and ``/sys`` get placeholders (the host's,
    without their submounts): a user namespace may mount its own proc and
    sysfs only over visible ones, and init replaces them from inside the
    new PID namespace.  Returns the console masters (:func:`_setup_dev`).
    """
    ns.mount(None, "/", None, ns.MS_REC | ns.MS_PRIVATE)
    root = spec["rootdir"]
    rootfs = spec.get("rootfs")
    if rootfs is None:
        ns.mount("/", root, None, ns.MS_BIND | ns.MS_REC)
    else:
        _mount_fs(dict(rootfs, readonly=False), root)
    for fs in spec["filesystems"]:
        _mount_fs(fs, root + fs["target"])
    for d in ("proc", "sys"):
        _mkdirs(f"{root}/{d}")
    flags = ns.MS_NOSUID | ns.MS_NODEV | ns.MS_NOEXEC
    if spec.get("idmap"):
        ns.mount("proc", root + "/proc", "proc", flags)
        ns.mount("/sys", root + "/sys", None, ns.MS_BIND)
    else:
        ns.mount("sysfs", root + "/sys", "sysfs", flags | ns.MS_RDONLY)
        _mount_cgroups(root, spec)
    masters = _setup_dev(root, spec)
    # the old root goes on top of the new one, and comes off at once: no
    # directory to make and remove for it (removing one waits for the kernel
    # to let go of the detached mounts, milliseconds)
    os.chdir(root)
    ns.pivot_root(".", ".")
    ns.umount(".", ns.MNT_DETACH)
    os.chdir("/")
    if rootfs is not None and rootfs.get("readonly"):
        ns.mount(None, "/", None, ns.MS_BIND | ns.MS_REMOUNT | ns.MS_RDONLY)
    return masters


def mount_kernel_fs(spec: dict[str, Any]) -> None:
    """As init: /proc (and with ``<idmap>`` /sys) of the container's own namespaces,
    and the container's /proc/meminfo (:mod:`pyvirt.drivers.lxc.meminfo`).  Only
    ``<idmap>``'s placeholders are unmounted first (an unmount waits for the
    kernel's RCU, a millisecond or more)."""
    flags = ns.MS_NOSUID | ns.MS_NODEV | ns.MS_NOEXEC
    mounts = ("/proc", "/sys") if spec.get("idmap") else ()
    for d in mounts:
        try:
            ns.umount(d, ns.MNT_DETACH)
        except OSError:         # locked under a user namespace: covered instead
            pass
    ns.mount("proc", "/proc", "proc", flags)
    ns.mount("/proc/sys", "/proc/sys", None, ns.MS_BIND)
    ns.mount(None, "/proc/sys", None, ns.MS_BIND | ns.MS_REMOUNT | ns.MS_RDONLY | flags)
    if spec.get("fuse_fd") is not None:
        meminfo.mount_on(spec["fuse_fd"], "/proc/meminfo", spec.get("mounted_fd"))
        os.close(spec["fuse_fd"])
    if spec.get("idmap"):
        ns.mount("sysfs", "/sys", "sysfs", flags | ns.MS_RDONLY)


# --- in the container: the init process ------------------------------------------------------

def _lookup_id(name: str | None, db: str, field: int) -> int | None:
    """A user or group id from the container's /etc/passwd or /etc/group."""
    if name is None:
        return None
    if name.isdigit():
        return int(name)
    try:
        with open(db) as f:
            for line in f:
                parts = line.rstrip("\n").split(":")
                if parts[0] == name and len(parts) > field:
                    return int(parts[field])
    except OSError:
        pass
    raise OSError(errno.ENOENT, f"no '{name}' in the container's {db}")


def _move_fds(fds: list[int], first: int) -> list[int]:
    """Make ``fds`` the descriptors ``first``, ``first+1``... (inherited across exec)."""
    high = [fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, first + len(fds)) for fd in fds]
    for i, fd in enumerate(high):
        os.dup2(fd, first + i)
        os.close(fd)
    return list(range(first, first + len(fds)))


def exec_init(spec: dict[str, Any]) -> None:
    """Become the container's init (never returns)."""
    mount_kernel_fs(spec)
    ns.sethostname(spec["hostname"])
    with _Step("Unable to set up the console as init's controlling terminal"):
        os.setsid()
        fd = os.open("/dev/console", os.O_RDWR)
        fcntl.ioctl(fd, termios.TIOCSCTTY, 0)
        for i in range(3):
            os.dup2(fd, i)
        if fd > 2:
            os.close(fd)
    with _Step("Unable to pass the files to init"):
        _move_fds(spec.get("pass_fds") or [], 3)     # the caller's files (CreateWithFiles)
    gid = _lookup_id(spec.get("initgroup"), "/etc/group", 2)
    uid = _lookup_id(spec.get("inituser"), "/etc/passwd", 2)
    if gid is not None:
        with _Step(f"Unable to change to group {gid}"):
            os.setgroups([])
            os.setgid(gid)
    if uid is not None:
        with _Step(f"Unable to change to user {uid}"):
            os.setuid(uid)
    with _Step(f"Unable to change to the init directory '{spec.get('initdir') or '/'}'"):
        os.chdir(spec.get("initdir") or "/")
    argv = spec["init"]
    if not os.path.lexists(argv[0]):
        raise OSError(errno.ENOENT, f"cannot find init path '{argv[0]}' relative to "
                      "container root: No such file or directory")
    with _Step(f"Failed to execute init '{argv[0]}'"):
        os.execve(argv[0], argv, spec["env"])


# --- the controller --------------------------------------------------------------------------

def _write_map(pid: int, kind: str, ranges: list[list[int]]) -> None:
    text = "".join(f"{start} {target} {count}\n" for start, target, count in ranges)
    with open(f"/proc/{pid}/{kind}_map", "w") as f:
        f.write(text)


def _open_pty() -> tuple[int, str]:
    master, slave = os.openpty()
    name = os.ttyname(slave)
    os.close(slave)
    return master, name


def _child(spec: dict[str, Any], sync_w: int, go_r: int, err_w: int, fd_sock: Any,
           mnt_w: int, placed: bool = False, made: tuple[int, bool] | None = None,
           ahead: tuple[int, Any] | None = None) -> None:
    """The first child: namespaces, the root filesystem, then init (PID 1 of the new ns).

    ``placed``: a spare's child, in the container's groups before the controller
    sets them up; it touches no device before the controller says (``d`` on
    ``go_r``) that the device whitelist is complete: its rules are written one by
    one after denying all, and a device node made meanwhile is refused.  Init
    writes on ``mnt_w`` once it has mounted /proc/meminfo (the controller's
    FUSE server reads the connection from then on).  ``made``: the host's
    network namespace (and whether ``lo`` is up), left ahead for new UTS, IPC
    and network namespaces (:func:`pyvirt.drivers.lxc.ahead.premake_namespaces`),
    which a container without ``<idmap>`` takes, with ``ahead``, its init forked
    ahead in them (:func:`pyvirt.drivers.lxc.ahead.fork_init`).
    """
    import socket
    try:
        base = ns.CLONE_NEWUTS | ns.CLONE_NEWIPC | ns.CLONE_NEWNET
        if spec.get("idmap"):
            ns.unshare(ns.CLONE_NEWNS)
        elif made is not None:
            host_netlink = ahead_mod.host_socket(made[0], spec["nets"]) if spec["nets"] else None
            ns.unshare(ns.CLONE_NEWNS)
            if spec["nets"] or not made[1]:
                netplug.plug(spec["nets"], host_netlink)
        else:
            host_netlink = netplug.host_socket(spec["nets"])
            ns.unshare(ns.CLONE_NEWNS | base)
            netplug.plug(spec["nets"], host_netlink)
        if made is not None:
            os.close(made[0])
        # the namespace init forked ahead joins (named now: after the pivot there is
        # no /proc until init mounts one)
        own_mnt = (os.open("/proc/self/ns/mnt", os.O_RDONLY | os.O_CLOEXEC)
                   if ahead is not None and not spec.get("idmap") else -1)
        if placed and os.read(go_r, 1) != b"d":
            os._exit(1)
        fuse_dev = meminfo.find_device()       # the host's, before the pivot
        fuse_fd = None
        if not spec.get("idmap"):
            # no user namespace: the connection is opened now, through the host's
            # /proc (the container's root has none until init mounts its own)
            fuse_fd, fuse_dev = meminfo.open_device(fuse_dev), None
        masters = prepare_root(spec)
        if spec.get("idmap") and fuse_dev is not None:
            # the connection is opened in the user namespace, as the container's
            # root: through a node of its own (the host's may be host root's alone)
            os.close(fuse_dev)
            fuse_dev = meminfo.private_device("/dev/.fuse", devnodes.host_root(spec["idmap"]))
        spec["mounted_fd"] = mnt_w
        init_pid = 0
        if ahead is not None and not spec.get("idmap"):
            # the init forked ahead goes on in the new root while the controller
            # takes the consoles
            spec["fuse_fd"] = fuse_fd
            init_pid = ahead_mod.start_init(ahead, spec, own_mnt)
        # the consoles' masters, and the FUSE connection when it is open already (the
        # controller serves it while init is made)
        early = [] if fuse_fd is None else [fuse_fd]
        socket.send_fds(fd_sock, [b"pf" if early else b"p"], masters + early)
        for fd in masters:
            os.close(fd)
        if spec.get("idmap"):
            # a mount namespace of the user namespace's own (a copy of this one)
            ns.unshare(ns.CLONE_NEWUSER | ns.CLONE_NEWNS | base)
            netplug.plug([], None)
        os.write(sync_w, b"u")
        if os.read(go_r, 1) != b"g":
            os._exit(1)
        if spec.get("idmap"):
            os.setgid(0)
            os.setuid(0)
        # the FUSE connection of the container's /proc/meminfo, opened in its user
        # namespace: init mounts it, the controller serves it
        spec["fuse_fd"] = meminfo.open_device(fuse_dev) if fuse_dev is not None else fuse_fd
        fuse = [] if spec["fuse_fd"] is None or fuse_fd is not None else [spec["fuse_fd"]]
        socket.send_fds(fd_sock, [b"f" if fuse else b"-"], fuse)
        if init_pid:
            os.close(mnt_w)
            os.write(sync_w, str(init_pid).encode())
            os._exit(0)
        if ahead is not None:        # <idmap>: init's PID namespace must be the user's
            ahead[1].close()         # it exits
        ns.unshare(ns.CLONE_NEWPID)
        pid = os.fork()
        if pid == 0:
            try:
                exec_init(spec)
            except BaseException as exc:  # noqa: BLE001 - anything goes back to the controller
                os.write(err_w, error_text(exc).encode(errors="replace")[:4000])
            os._exit(127)
        os.close(mnt_w)
        os.write(sync_w, str(pid).encode())
        os._exit(0)
    except BaseException as exc:  # noqa: BLE001
        os.write(err_w, error_text(exc).encode(errors="replace")[:4000])
        os._exit(126)


def controller_skip(cg: Cgroup) -> tuple[str, ...]:
    """The groups the controller does not join: memory (a limit below what a
    Python process needs must not kill it) and, on v2, the one group of all
    controllers, whose cgroup.kill and cgroup.freeze are the container's alone."""
    return ("memory", "freezer") if cg.v2("freezer") else ("memory",)


#: the controller's ends of the pipes to the container's first process (``placed``:
#: the child is in the container's groups already)
ChildLink = collections.namedtuple("ChildLink", "pid sync_r go_w err_r sock mnt_r placed")


def _high(fd: int) -> int:
    """``fd`` moved to 64 or above (close-on-exec), out of the way of init's files."""
    new = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 64)
    os.close(fd)
    return new


def fork_child(spec: dict[str, Any] | None, spec_sock: Any = None,
               not_ours: tuple[Any, ...] = ()) -> ChildLink:
    """Fork the container's first process for ``spec``; with ``spec`` None it
    first waits for its spec, log and init's files on ``spec_sock`` (a spare's
    child, forked ahead), its own descriptors kept above init's.  The child
    closes ``not_ours`` (descriptors or sockets of the parent's), so that the
    parent's end is seen to end when the parent does."""
    import socket
    sync_r, sync_w = os.pipe()
    go_r, go_w = os.pipe()
    err_r, err_w = os.pipe2(os.O_CLOEXEC)
    mnt_r, mnt_w = os.pipe2(os.O_CLOEXEC)
    fd_ours, fd_child = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    if spec is None:
        sync_r, sync_w, go_r, go_w, err_r, err_w, mnt_r, mnt_w = map(
            _high, (sync_r, sync_w, go_r, go_w, err_r, err_w, mnt_r, mnt_w))
        fd_ours = socket.socket(fileno=_high(fd_ours.detach()))
        fd_child = socket.socket(fileno=_high(fd_child.detach()))
    pid = os.fork()
    if pid == 0:
        os.close(sync_r)
        os.close(go_w)
        os.close(err_r)
        os.close(mnt_r)
        fd_ours.close()
        for obj in not_ours:
            if isinstance(obj, int):
                os.close(obj)
            else:
                obj.close()
        placed = spec is None
        made = ahead = None
        if spec is None:
            try:
                try:
                    made = ahead_mod.premake_namespaces()
                except OSError:                 # made at the start then
                    made = None
                if os.read(go_r, 1) != b"P":    # the spare placed it in its groups
                    os._exit(0)
                if made is not None:
                    try:
                        ahead = ahead_mod.fork_init(
                            (sync_w, go_r, fd_child, spec_sock, made[0]), err_w)
                    except OSError:             # init is forked at the start then
                        ahead = None
            except BaseException:  # noqa: BLE001 - never back into the spare's code
                os._exit(126)
            spec = _await_spec(spec_sock)
        _child(spec, sync_w, go_r, err_w, fd_child, mnt_w, placed, made, ahead)
    os.close(sync_w)
    os.close(go_r)
    os.close(err_w)
    os.close(mnt_w)
    fd_child.close()
    return ChildLink(pid, sync_r, go_w, err_r, fd_ours, mnt_r, placed=spec is None)


def recv_spec(sock: Any) -> tuple[dict[str, Any], list[int]]:
    """A spec and its descriptors, the one message of ``sock`` (closed); a process
    forked ahead that gets none (its spare went away) exits."""
    import socket
    try:
        data, fds, _flags, _addr = socket.recv_fds(sock, 1 << 20, 254)
    except OSError:
        data, fds = b"", []
    sock.close()
    if not data or not fds:
        os._exit(0)
    return marshal.loads(data), fds


def _await_spec(sock: Any) -> dict[str, Any]:
    """In a spare's child: the spec, with the log as output and init's files as 4, ..."""
    spec, fds = recv_spec(sock)
    log_fd, files = fds[0], fds[1:]
    os.dup2(log_fd, 1)
    os.dup2(log_fd, 2)
    os.close(log_fd)
    spec["pass_fds"] = _move_fds(files, 4)
    return spec


def group_name(spec: dict[str, Any]) -> str:
    """The container's groups, named as libvirt does: ``lxc-CONTROLLERPID-NAME.libvirt-lxc``
    (the calling process is its controller)."""
    return f"{spec['cgroup_parent']}/lxc-{os.getpid()}-{spec['name']}.libvirt-lxc"


class Controller:
    """The running controller of one container."""

    def __init__(self, spec: dict[str, Any], ready_fd: int, like: Cgroup | None = None) -> None:
        self.spec = spec
        self.ready_fd = ready_fd
        # libvirt's name: lxc-CONTROLLERPID-NAME.libvirt-lxc
        spec["cgroup"] = group_name(spec)
        self.cg = Cgroup(spec["cgroup"], spec.get("cgroup_mode", "auto"), like=like)
        self.init_pid = 0
        self.first_pid = 0           # the container's first process (gone once init runs)
        self.loops: list[str] = []
        self.ptys: list[tuple[int, int]] = []      # (container-side master, host-side master)
        self.host_slaves: list[int] = []
        self.meminfo = False         # its FUSE server runs
        self.waiting: meminfo.Waiting | None = None     # its thread, started ahead

    def _ready(self, text: str, last: bool = True) -> None:
        """A line to the driver on the ready pipe (closed after the ``last`` one)."""
        if self.ready_fd >= 0:
            os.write(self.ready_fd, text.encode(errors="replace") + b"\n")
            if last:
                os.close(self.ready_fd)
                self.ready_fd = -1

    def _setup_cgroup(self, first: int, placed: bool = False,
                      go_w: int = -1) -> None:
        """Make the container's groups and join them, as libvirt_lxc does (the
        domain's id is the controller's pid, and clients find the groups
        through it); move the container's ``first`` process in, before it
        starts init, so what the container runs is in them from the start.
        The groups exist already (the first process mounts them).  A spare's
        child (``placed``) is told on ``go_w`` once its device whitelist is
        written (before the limits: it waits for that alone)."""
        if "devices" in self.cg.available():
            rules = list(DEVICE_ALLOW)
            rules += [devnodes.rule(node) for node in self.spec.get("devnodes", [])]
            # the block devices of <filesystem type='file'|'block'>, as libvirt allows them
            for fs in [self.spec.get("rootfs"), *self.spec["filesystems"]]:
                if fs and fs["type"] in ("file", "block"):
                    dev = os.stat(fs.get("loop") or fs["source"]).st_rdev
                    rules.append(f"b {os.major(dev)}:{os.minor(dev)} rw")
            self.cg.set_devices(rules)
        if placed:
            os.write(go_w, b"d")
        try:
            self.cg.apply(self.spec["cgroup_settings"])
        except OSError as exc:
            # a spare's child is in the group already: a limit below what it holds
            # cannot be set (as when it would have been moved in afterwards)
            if exc.errno != errno.EBUSY:
                raise
            kib = next(v for k, f, v in self.spec["cgroup_settings"] if f == "hard_limit")
            raise OSError(errno.ENOMEM, f"the container ran out of memory while starting "
                          f"(its memory limit is {kib} KiB)") from None
        if placed:                      # a spare's: in the groups already
            return
        self.cg.add(os.getpid(), skip=controller_skip(self.cg))
        try:
            self.cg.add(first)
        except ProcessLookupError:      # it failed already; its error follows
            pass

    def _setup_loops(self) -> None:
        import subprocess
        for fs in [self.spec.get("rootfs"), *self.spec["filesystems"]]:
            if fs and fs["type"] == "file":
                out = subprocess.run(["losetup", "--find", "--show", fs["source"]],
                                     capture_output=True, text=True, check=False)
                if out.returncode != 0:
                    raise OSError(errno.EIO, f"cannot attach loop device for '{fs['source']}': "
                                  f"{out.stderr.strip()}")
                fs["loop"] = out.stdout.strip()
                self.loops.append(fs["loop"])

    def _setup_ptys(self, inner: list[int]) -> None:
        """Host-side ptys relayed to the container's consoles ``inner`` (the live
        XML's console paths); the controller keeps each slave open, so output
        waits in its buffer until someone reads."""
        for master in inner:
            outer, outer_name = _open_pty()
            slave = os.open(outer_name, os.O_RDWR | os.O_NOCTTY)
            tty.setraw(slave, termios.TCSANOW)
            self.host_slaves.append(slave)
            os.set_blocking(outer, False)
            os.set_blocking(master, False)
            self.ptys.append((master, outer))
            self.spec.setdefault("host_ptys", []).append(outer_name)

    def start(self, link: ChildLink | None = None,
              handoff: Callable[[Controller], None] | None = None) -> None:
        """Make everything and start init; report on the ready pipe.

        ``link``: a first child forked ahead and already in the cgroups (a spare,
        :mod:`pyvirt.drivers.lxc.spare`); ``handoff`` then names its groups for
        this container and gives the child its spec.
        """
        ns.prctl(ns.PR_SET_CHILD_SUBREAPER, 1)
        self._setup_loops()          # before joining the group: it denies loop-control
        if link is None:
            self.cg.create()
            link = fork_child(self.spec)
        elif handoff is not None:
            handoff(self)
        pid, sync_r, go_w, err_r, fd_ours = (link.pid, link.sync_r, link.go_w, link.err_r,
                                             link.sock)
        self.first_pid = pid
        import socket
        try:
            # the groups are set up while the child builds the namespaces and the root
            self._setup_cgroup(pid, link.placed, go_w)
            if self.waiting is not None:
                self.waiting.prepare(self.cg, self.spec["swap_limit"])
            msg, masters, _flags, _addr = socket.recv_fds(fd_ours, 16, 17)
            if msg == b"pf" and masters:
                self._serve_meminfo(masters.pop(), link.mnt_r)
            self._setup_ptys(masters)
            if os.read(sync_r, 1) != b"u":
                raise OSError(errno.EIO, _drain(err_r) or self._died())
            idmap = self.spec.get("idmap")
            if idmap:
                with open(f"/proc/{pid}/setgroups", "w") as f:
                    f.write("deny")
                _write_map(pid, "uid", idmap["uid"])
                _write_map(pid, "gid", idmap["gid"])
            os.write(go_w, b"g")
            msg, fuse, _flags, _addr = socket.recv_fds(fd_ours, 16, 1)
            fd_ours.close()
            if msg == b"f" and fuse:
                self._serve_meminfo(fuse[0], link.mnt_r)
            elif not self.meminfo:
                os.close(link.mnt_r)
            data = os.read(sync_r, 32)
            os.waitpid(pid, 0)
            self.first_pid = 0           # reaped: its pid may be another's now
            if not data.isdigit():
                raise OSError(errno.EIO, _drain(err_r) or self._died())
            self.init_pid = int(data)
            err = _drain(err_r)          # EOF at exec; text when setup or exec failed
            if err:
                raise OSError(errno.EIO, err)
        finally:
            for fd in (sync_r, go_w, err_r):
                os.close(fd)
        self._write_state({"init_pid": self.init_pid, "ptys": self.spec["host_ptys"],
                           "cgroup": self.cg.rel, "cgroup_mode": self.cg.mode})
        # init runs: the driver records the container meanwhile, then learns whether
        # init settled ("running"); one that exits before it does never ran
        self._ready(f"ok {self.init_pid} {os.getpid()}", last=False)
        done = _watch_start(self.init_pid)
        if done is not None:
            why = self._died()
            raise OSError(errno.EIO, why if "memory" in why else
                          f"init '{self.spec['init'][0]}' exited at once "
                          f"({_describe(done)})")
        self._ready("running")

    def _serve_meminfo(self, fd: int, mounted: int) -> None:
        """Serve the container's /proc/meminfo on the FUSE connection ``fd`` in a
        thread, from when init says on ``mounted`` that it is mounted."""
        if self.waiting is not None:        # a spare's, started ahead
            self.waiting.serve(fd, mounted)
        else:
            import threading
            server = meminfo.Server(fd, self.cg, self.spec["swap_limit"], mounted)
            threading.Thread(target=server.serve, name="meminfo", daemon=True).start()
        self.meminfo = True

    def _died(self) -> str:
        """Why the container's first process died without a word: memory, or unknown."""
        if self.cg.oom_kills():
            limit = self.cg.get_memory("hard_limit")
            return (f"the container ran out of memory while starting (its memory limit is "
                    f"{limit} KiB)")
        return "the container's first process died"

    def _write_state(self, data: dict[str, Any]) -> None:
        path = self.spec["state_file"]
        with open(path + ".tmp", "wb") as f:
            marshal.dump(data, f)
        os.replace(path + ".tmp", path)

    def run(self) -> int:
        """Relay consoles until init exits; return init's wait status."""
        status = None
        fds = {inner: outer for inner, outer in self.ptys}
        back = {outer: inner for inner, outer in self.ptys}
        poller = select.poll()
        for fd in list(fds) + list(back):
            poller.register(fd, select.POLLIN)
        pidfd = os.pidfd_open(self.init_pid)
        poller.register(pidfd, select.POLLIN)
        while status is None:
            _reap_others(self.init_pid)
            for fd, _ev in poller.poll(1000):
                if fd == pidfd:
                    continue
                try:
                    data = os.read(fd, 65536)
                except OSError:
                    poller.unregister(fd)
                    continue
                dest = fds.get(fd, back.get(fd))
                if dest is not None and data:
                    try:
                        os.write(dest, data)
                    except OSError:       # nobody reads the host side: drop
                        pass
            status = _wait_exit(self.init_pid, 0)
        os.close(pidfd)
        return status

    def cleanup(self, status: int | None, error: str | None = None) -> None:
        """Kill what is left, remove cgroups and loops, record how init ended."""
        for pid in (self.init_pid, self.first_pid):    # wherever the start stopped
            if pid:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        self.cg.kill_all(spare=os.getpid())
        _reap_all()
        self.cg.leave()
        self.cg.remove()
        for loop in self.loops:
            import subprocess
            subprocess.run(["losetup", "--detach", loop], capture_output=True, check=False)
        record: dict[str, Any] = {"status": status, "error": error}
        if status is not None:
            if os.WIFSIGNALED(status):
                record["signal"] = os.WTERMSIG(status)
            elif os.WIFEXITED(status):
                record["code"] = os.WEXITSTATUS(status)
        self._write_state(record)


def _drain(fd: int) -> str:
    chunks = []
    while True:
        try:
            data = os.read(fd, 4096)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    return b"".join(chunks).decode(errors="replace").strip()


def _wait_exit(pid: int, timeout: float) -> int | None:
    """Reap ``pid`` if it exits within ``timeout``; its wait status, else None."""
    pidfd = os.pidfd_open(pid)
    try:
        if timeout and not select.select([pidfd], [], [], timeout)[0]:
            return None
        got, status = os.waitpid(pid, os.WNOHANG)
        return status if got == pid else None
    finally:
        os.close(pidfd)


def _stat(pid: int) -> tuple[str, float] | None:
    """(state letter, CPU seconds used) of ``pid`` from /proc, or None if gone."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            data = f.read()
    except OSError:
        return None
    rest = data[data.rindex(b")") + 2:].split()     # comm may hold spaces and ')'
    return rest[0].decode(), (int(rest[11]) + int(rest[12])) / _CLK_TCK


def _watch_start(pid: int) -> int | None:
    """Watch a just-exec'd init until it settles; its wait status if it exits first.

    Wall time alone cannot tell a failing init from a slow one: on a busy
    host an init that exits at once may not be scheduled for a long while.
    So init counts as running once it is seen blocked (state ``S``: a real
    init soon waits for its children, a pipe, a signal), or once it has
    lived :data:`BUSY_AGE` and used :data:`BUSY_CPU` of CPU time without
    blocking (a busy one), or :data:`START_CAP` whatever it does.  Exiting
    before any of these is a failed start.
    """
    pidfd = os.pidfd_open(pid)
    begin = time.monotonic()
    delay = 0.0002
    try:
        while True:
            now = _stat(pid)
            if now is None or now[0] in "ZXx":
                try:
                    return os.waitpid(pid, 0)[1]
                except ChildProcessError:      # reaped already (not by us): unknown
                    return 0
            age = time.monotonic() - begin
            if now[0] == "S" or age >= START_CAP or (age >= BUSY_AGE and now[1] >= BUSY_CPU):
                return None
            select.select([pidfd], [], [], delay)        # wakes at once when init exits
            # every 0.2 ms while a usual init settles (a shell blocks within a
            # millisecond or two: doubling from the start overslept it by as much),
            # then every millisecond, then less and less often
            delay = (0.0002 if age < 0.003 else
                     min(delay * 2, 0.001 if age < 0.05 else 0.01))
    finally:
        os.close(pidfd)


def _reap_others(keep: int) -> None:
    """Reap the controller's exited children but ``keep`` (an init forked ahead and let
    go, reparented here when its helper exited)."""
    while True:
        try:
            info = os.waitid(os.P_ALL, 0, os.WEXITED | os.WNOHANG | os.WNOWAIT)
        except ChildProcessError:
            return
        if info is None or info.si_pid == keep:
            return
        os.waitpid(info.si_pid, 0)


def _reap_all() -> None:
    while True:
        try:
            got, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if got == 0:
            return


def _describe(status: int) -> str:
    if os.WIFSIGNALED(status):
        return f"killed by signal {os.WTERMSIG(status)}"
    return f"status {os.WEXITSTATUS(status)}"


def control(spec: dict[str, Any], ready_fd: int, link: ChildLink | None = None,
            handoff: Callable[[Controller], None] | None = None,
            like: Cgroup | None = None) -> int:
    """Start the container of ``spec`` and watch it until its init ends
    (``link``, ``handoff``: a spare's, :meth:`Controller.start`; ``like``: its
    staging groups, whose cgroup layout the container's take)."""
    signal.signal(signal.SIGPIPE, signal.SIG_IGN)
    try:
        os.write(ready_fd, f"pid {os.getpid()}\n".encode())     # before any other line
    except OSError:             # the driver went away: the start fails below
        pass
    ctl = Controller(spec, ready_fd, like)
    try:
        ctl.start(link, handoff)
    except BaseException as exc:  # noqa: BLE001 - every failure is reported to the driver
        msg = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        ctl.cleanup(None, msg)
        ctl._ready("error " + msg.replace("\n", " "))
        return 1
    signal.signal(signal.SIGTERM, lambda *_: None)
    status = ctl.run()
    ctl.cleanup(status)
    return 0


def become(spec: dict[str, Any], ready_fd: int, log_fd: int) -> None:
    """Become a container's controller, right after the launcher forked (never returns).

    Leaves the launcher's session, keeps only its standard descriptors
    (output to ``log_fd``) and the ready pipe (as descriptor 3), restores
    default signal handling and runs :func:`control` on ``spec``.
    """
    code = 127
    try:
        # the launcher's heap stays shared with it (copy-on-write) as long as no
        # collection walks it; the controller makes next to no cycles
        gc.disable()
        os.setsid()
        # every descriptor kept goes above the ones it will take first, so no
        # dup2 below overwrites another that is still to be placed
        files = spec.get("pass_fds") or []
        top = 8 + len(files)
        ready_fd, log_fd = (fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, top)
                            for fd in (ready_fd, log_fd))
        files = [fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, top) for fd in files]
        null = os.open("/dev/null", os.O_RDWR)
        os.dup2(null, 0)
        os.dup2(log_fd, 1)
        os.dup2(log_fd, 2)
        os.dup2(ready_fd, 3)
        spec["pass_fds"] = _move_fds(files, 4)  # for init, 3...
        os.closerange(4 + len(spec["pass_fds"]), os.sysconf("SC_OPEN_MAX"))
        try:
            signal.set_wakeup_fd(-1)
        except ValueError:
            pass
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGCHLD,
                    signal.SIGUSR1, signal.SIGUSR2):
            signal.signal(sig, signal.SIG_DFL)
        signal.pthread_sigmask(signal.SIG_SETMASK, [])
        code = control(spec, 3)
    finally:
        os._exit(code)
