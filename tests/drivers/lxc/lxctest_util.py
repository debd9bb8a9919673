"""Helpers of the LXC driver's tests and benchmark: a busybox root filesystem, container
XML, running a command inside, reading the console, a pyvirtd whose system
directories are private to it."""

from __future__ import annotations

import os
import shutil
import sys
import threading
import time
from xml.sax.saxutils import escape

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "daemon"))

import pyvirt as libvirt
from pyvirt import libvirt_lxc

APPLETS = ("sh", "sleep", "cat", "hostname", "ps", "mount", "echo", "ls", "env", "true",
           "false", "ip", "ping", "mkfifo", "od")


def build_rootfs(path: str) -> str:
    """A busybox root filesystem: /bin/busybox and its applets as symlinks."""
    for d in ("bin", "etc", "tmp", "proc", "sys", "dev"):
        os.makedirs(os.path.join(path, d), exist_ok=True)
    shutil.copy(shutil.which("busybox") or "/bin/busybox", os.path.join(path, "bin/busybox"))
    for name in APPLETS:
        os.symlink("busybox", os.path.join(path, "bin", name))
    with open(os.path.join(path, "etc/passwd"), "w") as f:
        f.write("root:x:0:0:root:/:/bin/sh\nnobody:x:65534:65534::/:/bin/sh\n")
    with open(os.path.join(path, "etc/group"), "w") as f:
        f.write("root:x:0:\nnogroup:x:65534:\n")
    return path


INIT = ("trap 'echo bye; exit 0' TERM; echo hello from $(hostname) pid $$ FOO=$FOO; "
        "while :; do sleep 0.05; done")


def container_xml(name: str, rootfs: str, memory_kib: int = 65536, init: str = "/bin/sh",
                  script: str = INIT, extra_fs: str = "", idmap: str = "") -> str:
    return f"""<domain type='lxc'>
  <name>{name}</name>
  <memory unit='KiB'>{memory_kib}</memory>
  <os>
    <type>exe</type>
    <init>{init}</init>
    <initarg>-c</initarg>
    <initarg>{escape(script, {"'": "&apos;"})}</initarg>
    <initenv name='FOO'>bar</initenv>
  </os>
  {idmap}
  <devices>
    <filesystem type='mount'>
      <source dir='{rootfs}'/>
      <target dir='/'/>
    </filesystem>
    {extra_fs}
    <console type='pty'/>
  </devices>
</domain>"""


def init_pid(dom) -> int:
    return dom._drv.domainLxcInitPid(dom._o)


def run_inside(dom, argv: list[str]) -> str:
    """Run ``argv`` inside the container (as virsh lxc-enter-namespace does)."""
    fds = libvirt_lxc.lxcOpenNamespace(dom, 0)
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.close(r)
            libvirt_lxc.lxcEnterCGroup(dom, 0)
            libvirt_lxc.lxcEnterNamespace(fds, 0)
            child = os.fork()       # a new PID namespace applies to children
            if child == 0:
                os.dup2(w, 1)
                os.execv(argv[0], argv)
            _, status = os.waitpid(child, 0)
            os._exit(os.waitstatus_to_exitcode(status))
        except BaseException:  # noqa: BLE001 - the forked child must never return
            os._exit(99)
    os.close(w)
    for fd in fds:
        os.close(fd)
    out = b""
    while chunk := os.read(r, 65536):
        out += chunk
    os.close(r)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0, out
    return out.decode()


def read_console(conn, dom, want: bytes, timeout: float = 5.0) -> bytes:
    st = conn.newStream(0)
    dom.openConsole(None, st, 0)
    got = b""
    done = threading.Event()

    def reader() -> None:
        nonlocal got
        while want not in got:
            try:
                data = st.recv(4096)
            except libvirt.libvirtError:
                break
            if not data or data == -2:
                if data == -2:
                    time.sleep(0.02)
                    continue
                break
            got += data
        done.set()

    t = threading.Thread(target=reader, daemon=True)
    t.start()
    done.wait(timeout)
    st.abort()
    return got


