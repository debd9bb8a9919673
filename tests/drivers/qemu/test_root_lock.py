"""One process at a time drives a QEMU driver state; the refusal says what to do.

A second opener gets VIR_ERR_RESOURCE_BUSY naming the holder; when the
holder is a daemon, the message names the URI that reaches the state
through it (and, for qemu:///system, PYVIRT_SYSTEM_SOCKET), and that URI
works.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import pyvirt
from pyvirt import constants as C
from pyvirt.drivers.qemu.config import DriverConfig, busy_hint
from pyvirt.errors import libvirtError

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "daemon"))

import daemons  # tests/daemon/daemons.py

HOLDER = textwrap.dedent("""
    import sys, pyvirt
    conn = pyvirt.open("qemu:///embed?root=" + sys.argv[1])
    print("OPEN", flush=True)
    sys.stdin.readline()
""")


def busy(uri: str) -> str:
    with pytest.raises(libvirtError) as err:
        pyvirt.open(uri)
    assert err.value.get_error_code() == C.VIR_ERR_RESOURCE_BUSY
    assert err.value.get_error_domain() == C.VIR_FROM_QEMU
    return str(err.value)


def test_held_by_a_program(tmp_path: Path) -> None:
    root = str(tmp_path / "root")
    child = subprocess.Popen([sys.executable, "-c", HOLDER, root], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None and child.stdout.readline() == "OPEN\n"
        msg = busy(f"qemu:///embed?root={root}")
        assert f"in use by process {child.pid} (python" in msg, msg
        assert "one process at a time drives it" in msg
        assert "socket=" not in msg
    finally:
        child.communicate("\n", timeout=60)
    pyvirt.open(f"qemu:///embed?root={root}").close()      # free again


def test_held_by_a_daemon_names_the_way_through_it(tmp_path: Path) -> None:
    root = str(tmp_path / "root")
    daemon = daemons.start_pyvirtd(tmp_path / "d", tcp=False)
    try:
        through = pyvirt.open(f"qemu+unix:///embed?root={root}&socket={daemon.sock}")
        try:
            msg = busy(f"qemu:///embed?root={root}")
            assert f"in use by process {daemon.proc.pid}" in msg, msg
            assert f"a daemon listening on {daemon.sock}" in msg, msg
            via = msg.split("connect through it: ")[1].split(",")[0].strip()
            assert via == f"qemu+unix:///embed?root={root}&socket={daemon.sock}"
            second = pyvirt.open(via)                        # the advice works
            assert second.listAllDomains(0) == []
            second.close()
            # for qemu:///system the message also names the environment variable
            hint = busy_hint(str(daemon.proc.pid), DriverConfig.system())
            assert f"qemu+unix:///system?socket={daemon.sock}" in hint
            assert f"PYVIRT_SYSTEM_SOCKET={daemon.sock}" in hint
        finally:
            through.close()
    finally:
        assert daemon.stop() == 0, daemon.log.read_text()[-2000:]


def test_no_hint_for_an_unknown_holder() -> None:
    assert busy_hint("?", DriverConfig.system()) == ""
    assert busy_hint(str(2 ** 22 + 12345), DriverConfig.system()) == ""   # no such process
    # this process: no daemon socket, a plain description
    assert "one process at a time" in busy_hint(str(os.getpid()), DriverConfig.system())
