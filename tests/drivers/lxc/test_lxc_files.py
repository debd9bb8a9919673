"""virDomainCreateWithFiles / CreateXMLWithFiles on LXC: the caller's open files
become the container init's descriptors 3, 4, ... (as libvirt's LXC driver
passes them), in-process and through pyvirtd (descriptors sent with the call)."""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from lxctest_util import build_rootfs, container_xml, read_console

import pyvirt as libvirt

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "qemu"))
from qemutest_util import wait_for

pytestmark = pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("busybox")
                                or not os.path.isdir("/sys/fs/cgroup/memory"),
                                reason="needs root, busybox and v1 cgroups")

# init reads its descriptor 3, writes to 4, and says what it read
SCRIPT = ("read line <&3; echo \"GOT $line\"; echo from-the-container >&4; "
          "while :; do sleep 0.05; done")


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, str, Path]]:
    base = tmp_path_factory.mktemp("lxcfiles")
    rootfs = build_rootfs(str(base / "rootfs"))
    conn = libvirt.open(f"lxc:///embed?root={base / 'root'}")
    yield conn, rootfs, base
    for dom in conn.listAllDomains():
        if dom.isActive():
            dom.destroy()
    conn.close()


def _files(base: Path, name: str) -> tuple[list[int], Path]:
    src, out = base / f"{name}.in", base / f"{name}.out"
    src.write_text(f"hello-{name}\n")
    out.write_text("")
    return [os.open(src, os.O_RDONLY), os.open(out, os.O_WRONLY | os.O_APPEND)], out


def _check(conn: Any, dom: Any, name: str, out: Path) -> None:
    assert b"GOT hello-" + name.encode() in read_console(conn, dom, b"GOT")
    wait_for(lambda: out.read_text() == "from-the-container\n", what="init's write")


def test_create_with_files(env: tuple[Any, str, Path]) -> None:
    conn, rootfs, base = env
    dom = conn.defineXML(container_xml("files1", rootfs, script=SCRIPT))
    fds, out = _files(base, "files1")
    try:
        with pytest.raises(libvirt.libvirtError) as err:
            dom.createWithFiles(fds, 1)
        assert str(err.value) == "unsupported flags (0x1) in function lxcDomainCreateWithFiles"
        assert not dom.isActive()
        dom.createWithFiles(fds, 0)
    finally:
        for fd in fds:
            os.close(fd)
    _check(conn, dom, "files1", out)
    dom.destroy()
    fds, out = _files(base, "files2")
    try:
        tdom = conn.createXMLWithFiles(container_xml("files2", rootfs, script=SCRIPT), fds, 0)
    finally:
        for fd in fds:
            os.close(fd)
    _check(conn, tdom, "files2", out)
    tdom.destroy()


@pytest.mark.skipif(not shutil.which("virsh"), reason="needs virsh")
def test_through_pyvirtd(tmp_path: Path) -> None:
    """Debian's virsh (start --pass-fds) and pyvirt's client (createWithFiles) send the
    descriptors with the call; the container's init gets them."""
    import subprocess

    import daemons
    from lxctest_util import start_private_pyvirtd
    rootfs = build_rootfs(str(tmp_path / "rootfs"))
    daemon = start_private_pyvirtd(tmp_path / "d", tmp_path / "state")
    uri = f"lxc+unix:///system?socket={daemon.sock}"
    conn = libvirt.open(uri)
    try:
        xml = tmp_path / "ct.xml"
        xml.write_text(container_xml("fvirsh", rootfs, script=SCRIPT))
        fds, out = _files(tmp_path, "fvirsh")
        try:
            res = subprocess.run([daemons.VIRSH, "-c", uri, "create", str(xml), "--pass-fds",
                                  ",".join(map(str, fds))], capture_output=True, text=True,
                                 timeout=60, check=False, pass_fds=fds)
        finally:
            for fd in fds:
                os.close(fd)
        assert res.returncode == 0, res.stderr
        dom = conn.lookupByName("fvirsh")
        _check(conn, dom, "fvirsh", out)
        dom.destroy()
        dom = conn.defineXML(container_xml("fclient", rootfs, script=SCRIPT))
        fds, out = _files(tmp_path, "fclient")
        try:
            dom.createWithFiles(fds, 0)
        finally:
            for fd in fds:
                os.close(fd)
        _check(conn, dom, "fclient", out)
        dom.destroy()
        dom.undefine()
    finally:
        conn.close()
        assert daemon.stop() == 0, daemon.log.read_text()[-3000:]
