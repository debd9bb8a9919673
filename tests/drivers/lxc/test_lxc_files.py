"""virDomainCreateWithFiles / CreateXMLWithFiles on LXC: the caller's open files
become the container init's descriptors 3, 4, ... (as libvirt's LXC driver
passes them), in-process and through pyvirtd (descriptors sent with the call)."""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from lxctest_util import build_rootfs, container_xml, read_console
from test_lxc import env  # noqa: F401 - the module's embed root and busybox rootfs

import pyvirt as libvirt

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "qemu"))
from qemutest_util import wait_for

pytestmark = pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("busybox")
                                or not os.path.isdir("/sys/fs/cgroup/memory"),
                                reason="needs root, busybox and v1 cgroups")

# init reads its descriptor 3, writes to 4, and says what it read
SCRIPT = ("read line <&3; echo \"GOT $line\"; echo from-the-container >&4; "
          "while :; do sleep 0.05; done")


def _with_files(base: Path, name: str, call: Callable[[list[int]], Any]) -> tuple[Any, Path]:
    """``call(fds)`` with a file to read (``hello-NAME``) and one to write open (closed
    after); return its result and the path of the second file."""
    src, out = base / f"{name}.in", base / f"{name}.out"
    src.write_text(f"hello-{name}\n")
    out.write_text("")
    fds = [os.open(src, os.O_RDONLY), os.open(out, os.O_WRONLY | os.O_APPEND)]
    try:
        return call(fds), out
    finally:
        for fd in fds:
            os.close(fd)


def _check(conn: Any, dom: Any, name: str, out: Path) -> None:
    assert b"GOT hello-" + name.encode() in read_console(conn, dom, b"GOT")
    wait_for(lambda: out.read_text() == "from-the-container\n", what="init's write")


def test_create_with_files(env: tuple[Any, str, str], tmp_path: Path) -> None:  # noqa: F811
    conn, rootfs, _root = env
    dom = conn.defineXML(container_xml("files1", rootfs, script=SCRIPT))

    def create(fds: list[int]) -> None:
        with pytest.raises(libvirt.libvirtError) as err:
            dom.createWithFiles(fds, 1)
        assert str(err.value) == "unsupported flags (0x1) in function lxcDomainCreateWithFiles"
        assert not dom.isActive()
        dom.createWithFiles(fds, 0)
    _none, out = _with_files(tmp_path, "files1", create)
    _check(conn, dom, "files1", out)
    dom.destroy()
    dom.undefine()
    tdom, out = _with_files(tmp_path, "files2", lambda fds: conn.createXMLWithFiles(
        container_xml("files2", rootfs, script=SCRIPT), fds, 0))
    _check(conn, tdom, "files2", out)
    tdom.destroy()


@pytest.mark.skipif(not shutil.which("virsh"), reason="needs virsh")
def test_through_pyvirtd(tmp_path: Path) -> None:
    """Debian's virsh (start --pass-fds) and pyvirt's client (createWithFiles) send the
    descriptors with the call; the container's init gets them."""
    import subprocess

    import daemons
    rootfs = build_rootfs(str(tmp_path / "rootfs"))
    daemon = daemons.start_private_pyvirtd(tmp_path / "d", tmp_path / "state")
    uri = f"lxc+unix:///system?socket={daemon.sock}"
    conn = libvirt.open(uri)
    try:
        xml = tmp_path / "ct.xml"
        xml.write_text(container_xml("fvirsh", rootfs, script=SCRIPT))
        res, out = _with_files(tmp_path, "fvirsh", lambda fds: subprocess.run(
            [daemons.VIRSH, "-c", uri, "create", str(xml), "--pass-fds", ",".join(map(str, fds))],
            capture_output=True, text=True, timeout=60, check=False, pass_fds=fds))
        assert res.returncode == 0, res.stderr
        dom = conn.lookupByName("fvirsh")
        _check(conn, dom, "fvirsh", out)
        dom.destroy()
        dom = conn.defineXML(container_xml("fclient", rootfs, script=SCRIPT))
        _none, out = _with_files(tmp_path, "fclient", lambda fds: dom.createWithFiles(fds, 0))
        _check(conn, dom, "fclient", out)
        dom.destroy()
        dom.undefine()
    finally:
        conn.close()
        assert daemon.stop() == 0, daemon.log.read_text()[-3000:]
