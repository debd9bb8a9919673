"""What a spare's first process makes ahead, while no start waits (:mod:`pyvirt.drivers.lxc.spare`).

Making a container's UTS, IPC and network namespaces (``lo`` up) and forking
its init are the costly parts of a start's first steps.  A spare's child
(:func:`pyvirt.drivers.lxc.controller.fork_child`) makes the namespaces
(:func:`premake_namespaces`) and, once the spare has moved it into its
groups, forks the init to be, PID 1 of a new PID namespace
(:func:`fork_init`), which waits.  At the start, once the child has
pivoted into the container's root, it hands that init the spec, its mount
namespace, the FUSE connection of /proc/meminfo and the caller's files
(:func:`start_init`); the init joins the mount namespace and goes on as
any (:func:`pyvirt.drivers.lxc.controller.exec_init`).  A container with
``<idmap>`` needs namespaces of its user namespace's: its child lets them
go and makes its own, as a child forked at the start does.
"""

from __future__ import annotations

import marshal
import os

from pyvirt.drivers.lxc import controller, netplug
from pyvirt.drivers.lxc import nsutil as ns

TYPE_CHECKING = False
if TYPE_CHECKING:          # the controller starts lean: no typing at run time
    from typing import Any


def fork_init(close: tuple[Any, ...], err_w: int) -> tuple[int, Any] | None:
    """In a spare's child, in the namespaces it made ahead and in its groups: the
    container's init to be, forked now in a new PID namespace (as its PID 1) by a
    helper that exits at once, so that the child's own next PID namespace stays
    free for a container with ``<idmap>``.  The init waits for its spec
    (:func:`start_init`); it closes ``close``, the child's descriptors but
    for the error pipe ``err_w`` and the mount pipe.  Returns (its pid, the socket
    to it), or None."""
    import socket
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    ours = socket.socket(fileno=controller._high(ours.detach()))
    theirs = socket.socket(fileno=controller._high(theirs.detach()))
    pid_r, pid_w = os.pipe2(os.O_CLOEXEC)
    helper = os.fork()
    if helper == 0:
        try:
            ours.close()
            os.close(pid_r)
            ns.unshare(ns.CLONE_NEWPID)
            pid = os.fork()
            if pid == 0:
                os.close(pid_w)
                for obj in close:
                    if isinstance(obj, int):
                        os.close(obj)
                    else:
                        obj.close()
                _await_init(theirs, err_w)
            os.write(pid_w, str(pid).encode())
        finally:
            os._exit(0)
    theirs.close()
    os.close(pid_w)
    data = os.read(pid_r, 32)
    os.close(pid_r)
    os.waitpid(helper, 0)
    if not data.isdigit():
        ours.close()
        return None
    return int(data), ours


def _await_init(sock: Any, err_w: int) -> None:
    """An init forked ahead (never returns): wait for the spec and descriptors, join
    the container's mount namespace (its root is the container's) and go on as init."""
    spec, fds = controller.recv_spec(sock)
    try:
        ns.setns(fds[0], ns.CLONE_NEWNS)
        os.close(fds[0])
        os.chdir("/")
        rest = fds[1:]
        if spec.get("fuse_fd") is not None:
            spec["fuse_fd"] = rest.pop(0)
        spec["pass_fds"] = rest
        controller.exec_init(spec)
    except BaseException as exc:  # noqa: BLE001 - anything goes back to the controller
        os.write(err_w, controller.error_text(exc).encode(errors="replace")[:4000])
    os._exit(127)


def start_init(ahead: tuple[int, Any], spec: dict[str, Any], mnt: int) -> int:
    """Hand the init forked ahead its spec, the container's mount namespace ``mnt``,
    the FUSE connection and the caller's files; its pid."""
    import socket
    pid, sock = ahead
    fds = [mnt] + ([spec["fuse_fd"]] if spec.get("fuse_fd") is not None else [])
    fds += spec.get("pass_fds") or []
    try:
        socket.send_fds(sock, [marshal.dumps(spec)], fds)
    finally:
        os.close(mnt)
        sock.close()
    return pid


def premake_namespaces() -> tuple[int, bool] | None:
    """In a spare's child, while no start waits: new UTS, IPC and network namespaces
    (``lo`` up), the costly part of a container's namespaces.  Returns the host's
    network namespace, kept open for the container's interfaces, and whether
    ``lo`` is up (if not, the start tries again and reports why); None (and
    nothing made) when they cannot be made."""
    host = controller._high(os.open("/proc/self/ns/net", os.O_RDONLY | os.O_CLOEXEC))
    try:
        ns.unshare(ns.CLONE_NEWUTS | ns.CLONE_NEWIPC | ns.CLONE_NEWNET)
    except OSError:
        os.close(host)
        return None
    try:
        netplug.plug([], None)
    except Exception:  # noqa: BLE001 - told at the start, where it is tried again
        return host, False
    return host, True


def host_socket(host_net: int, nets: list[dict[str, Any]]) -> Any:
    """A netlink socket of the host's network namespace ``host_net`` (the caller
    is in the container's, and comes back to it)."""
    own = os.open("/proc/self/ns/net", os.O_RDONLY | os.O_CLOEXEC)
    try:
        ns.setns(host_net, ns.CLONE_NEWNET)
        try:
            return netplug.host_socket(nets)
        finally:
            ns.setns(own, ns.CLONE_NEWNET)
    finally:
        os.close(own)
