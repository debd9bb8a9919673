"""Host devices given to a container: ``<disk type='block'>`` and ``<hostdev
mode='capabilities'>`` (``storage`` block devices, ``misc`` character devices).

As libvirt's LXC driver does, each becomes a device node in the
container's /dev (a disk as ``/dev/TARGET``, a host device at its host
path) with mode 0700, and a rule in the container's devices cgroup
(``rwm``; a read-only disk ``rm``).  At start the controller makes them
(:func:`node_of` in the plan); while the container runs, hotplug makes or
removes the node from a process that joined the container's mount
namespace (:func:`make_inside`, :func:`remove_inside`).
"""

from __future__ import annotations

import errno
import os
import stat
from typing import Any

from pyvirt import constants as C
from pyvirt.errors import report, report_system

_FROM = C.VIR_FROM_LXC


def hostdev_path(dev: Any) -> tuple[str, str | None]:
    """(kind, host path) of a capabilities hostdev: ``storage``'s ``<block>``,
    ``misc``'s ``<char>``."""
    tag = {"storage": "block", "misc": "char"}.get(dev.type, "")
    for k in dev.source_kept:
        if getattr(k, "tag", None) == tag:
            return dev.type, (k.text or "").strip() or None
    return dev.type, None


def _stat_node(path: str, want_block: bool, what: str) -> os.stat_result:
    try:
        st = os.stat(path)
    except OSError as exc:
        raise report_system(exc.errno or errno.EIO, f"Unable to access {path}", _FROM) from None
    ok = stat.S_ISBLK(st.st_mode) if want_block else stat.S_ISCHR(st.st_mode)
    if not ok:
        kind = "block" if want_block else "character"
        raise report(C.VIR_ERR_CONFIG_UNSUPPORTED,
                     f"{what} source {path} must be a {kind} device", _FROM)
    return st


def node_of(dev: Any) -> dict[str, Any]:
    """The device node of a disk or host device: path inside, 'b'/'c', major,
    minor, cgroup permissions (libvirt's errors for what cannot be one)."""
    if type(dev).__name__ == "Disk":
        src = dev.source.path() if dev.source is not None else None
        if not src:
            raise report(C.VIR_ERR_CONFIG_UNSUPPORTED, "Can't setup disk without media", _FROM)
        if dev.type.value != "block":
            raise report(C.VIR_ERR_CONFIG_UNSUPPORTED, "Can't setup disk for non-block device",
                         _FROM)
        st = _stat_node(src, True, "Disk")
        return {"path": f"/dev/{dev.target}", "kind": "b", "major": os.major(st.st_rdev),
                "minor": os.minor(st.st_rdev), "perms": "rm" if dev.readonly else "rwm",
                "source": src}
    if dev.mode.value != "capabilities":
        if dev.type == "usb":
            raise report(C.VIR_ERR_NO_SUPPORT,
                         "USB host devices of containers are not supported by this driver",
                         _FROM)
        raise report(C.VIR_ERR_CONFIG_UNSUPPORTED, f"Unsupported host device type {dev.type}",
                     _FROM)
    kind, path = hostdev_path(dev)
    if kind not in ("storage", "misc"):
        raise report(C.VIR_ERR_CONFIG_UNSUPPORTED, f"Unsupported host device type {kind}",
                     _FROM)
    if not path:
        raise report(C.VIR_ERR_CONFIG_UNSUPPORTED,
                     f"Missing {'storage block' if kind == 'storage' else 'misc char'} path",
                     _FROM)
    st = _stat_node(path, kind == "storage", "Hostdev")
    return {"path": path, "kind": "b" if kind == "storage" else "c",
            "major": os.major(st.st_rdev), "minor": os.minor(st.st_rdev), "perms": "rwm",
            "source": path}


def host_root(idmap: dict[str, list[list[int]]]) -> tuple[int, int]:
    """The host (uid, gid) that the container's root maps to under ``idmap``."""
    uid, gid = (next(t for s, t, _c in idmap[k] if s == 0) for k in ("uid", "gid"))
    return uid, gid


def owner_of(def_: Any) -> tuple[int, int] | None:
    """The host (uid, gid) of the container's root with an ``<idmap>``, else None."""
    from pyvirt.drivers.lxc import plan
    idmap = plan.idmap_of(def_)
    return host_root(idmap) if idmap is not None else None


def rule(node: dict[str, Any]) -> str:
    """The devices cgroup rule of ``node``."""
    return f"{node['kind']} {node['major']}:{node['minor']} {node['perms']}"


def mknod(node: dict[str, Any], owner: tuple[int, int] | None, prefix: str = "") -> None:
    """Make ``node`` under ``prefix`` (mode 0700, owned by ``owner`` if given)."""
    path = prefix + node["path"]
    os.makedirs(os.path.dirname(path), mode=0o755, exist_ok=True)
    kind = stat.S_IFBLK if node["kind"] == "b" else stat.S_IFCHR
    os.mknod(path, 0o700 | kind, os.makedev(node["major"], node["minor"]))
    os.chmod(path, 0o700)
    if owner is not None:
        os.chown(path, *owner)


def _in_mount_ns(pid: int, fn: Any) -> None:
    """Run ``fn()`` in a child process that joined the mount namespace of ``pid``
    (a threaded process cannot join one itself); its OSError is raised here."""
    from pyvirt.drivers.lxc import nsutil as ns
    r, w = os.pipe2(os.O_CLOEXEC)
    nsfd = os.open(f"/proc/{pid}/ns/mnt", os.O_RDONLY | os.O_CLOEXEC)
    try:
        child = os.fork()
        if child == 0:          # only system calls here: no locks of other threads
            code = 0
            try:
                ns.setns(nsfd, ns.CLONE_NEWNS)
                fn()
            except OSError as exc:
                os.write(w, f"{exc.errno or errno.EIO} {exc.strerror or exc}".encode())
                code = 1
            except BaseException:  # noqa: BLE001 - nothing may escape a forked child
                code = 2
            os._exit(code)
    finally:
        os.close(w)
        os.close(nsfd)
    try:
        msg = os.read(r, 4096).decode(errors="replace")
    finally:
        os.close(r)
    _, status = os.waitpid(child, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        num, _, text = msg.partition(" ")
        raise OSError(int(num) if num.isdigit() else errno.EIO, text or "failed")


def make_inside(init_pid: int, node: dict[str, Any], owner: tuple[int, int] | None) -> None:
    """Make ``node`` in the running container of ``init_pid``."""
    try:
        _in_mount_ns(init_pid, lambda: mknod(node, owner))
    except OSError as exc:
        raise report_system(exc.errno or errno.EIO, f"Unable to create device {node['path']}",
                            _FROM) from None


def remove_inside(init_pid: int, path: str) -> None:
    """Remove the node ``path`` from the running container of ``init_pid``."""
    def unlink() -> None:
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass
    try:
        _in_mount_ns(init_pid, unlink)
    except OSError as exc:
        raise report_system(exc.errno or errno.EIO, f"Unable to remove device {path}",
                            _FROM) from None
