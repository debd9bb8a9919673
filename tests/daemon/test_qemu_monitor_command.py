"""Raw QEMU monitor commands and graphics descriptors through pyvirtd, on a real guest.

virDomainQemuMonitorCommand (QMP passthrough, HMP), its WithFiles variant
(a descriptor passed with ``getfd``) and virDomainOpenGraphicsFD (a socket
on the guest's VNC server, read here for the RFB greeting) are called by
Debian's libvirt-python and by pyvirt's client, over ``qemu+unix`` (the
descriptor comes back as SCM_RIGHTS after a REPLY_WITH_FDS).  Debian's
virsh and pyvirsh run ``qemu-monitor-command`` with its options and must
print the same.  The guest is marked tainted as libvirt marks it.

The answers expected are libvirt 9.0's, captured from libvirt's embedded
QEMU driver (qemu:///embed under Debian's python3-libvirt) given the same
calls on a guest like this one; libvirt's command ids ("libvirt-N") are
compared without their number.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import daemons
import pytest
from test_qemu_fd_associate import client_python, remove_all
from test_qemu_via_pyvirtd import _guest_dir, _start_daemon

QEMU_TESTS = Path(__file__).resolve().parents[1] / "drivers" / "qemu"
sys.path.insert(0, str(QEMU_TESTS))

from qemutest_util import BOOT_WAIT, guest_xml, wait_for

import pyvirt

NAME = "mon"
GRAPHICS = "<graphics type='vnc' port='-1' autoport='yes' listen='127.0.0.1'/>"
# the agent channel's socket: a short path (the driver's default under pytest's
# temporary directory exceeds a unix socket's 108 bytes)
AGENT = ("<channel type='unix'><source mode='bind' path='{dir}/ga.sock'/>"
         "<target type='virtio' name='org.qemu.guest_agent.0'/></channel>")

# libvirt 9.0's answers: (code, error domain, message) or the result.
LIBVIRT = {
    "status": '{"return":{"status":"running","singlestep":false,"running":true},'
              '"id":"libvirt-N"}',
    "with_id": [1, 10, "internal error: Unable to append command 'id' string"],
    "unknown": '{"id":"libvirt-N","error":{"class":"CommandNotFound",'
               '"desc":"The command no-such has not been found"}}',
    "bad_arg": '{"id":"libvirt-N","error":{"class":"GenericError",'
               '"desc":"Parameter \'x\' is unexpected"}}',
    "no_execute": '{"error":{"class":"GenericError",'
                  '"desc":"QMP input member \'foo\' is unexpected"}}',
    "hmp": "VM status: running\r\n",
    "hmp_unknown": "unknown command: 'no-such-cmd'\r\n",
    "bad_flags": [8, 10, ("unsupported flags (0x4) in function "
                          "qemuDomainQemuMonitorCommandWithFiles")],
    "with_fd": ['{"return":{},"id":"libvirt-N"}', []],
    "two_fds": [8, 10, ("invalid argument: at most 1 fd can be passed to qemu along with a "
                        "command")],
    "graphics_fd": "RFB 003.008\n",
    "read_only": [29, 0, ("operation forbidden: read only access prevents "
                          "virDomainQemuMonitorCommand")],
    "read_only_fd": [29, 20, ("operation forbidden: read only access prevents "
                              "virDomainOpenGraphicsFD")],
    "messages": ["tainted: custom monitor control commands issued",
                 "tainted: running with undesirable elevated privileges"],
}
# libvirt's JSON parser (yajl) words the rest of this message its own way.
BAD_JSON = [1, 0, 'internal error: cannot parse json {"execute":: ']

# Run by Debian's python3 (import libvirt) and by pyvirt's: argv = uri, read-only uri.
CLIENT = r'''
import json, os, sys
import libvirt, libvirt_qemu
uri, ro_uri = sys.argv[1:3]
libvirt.registerErrorHandler(lambda ctx, err: None, None)

def attempt(call):
    try:
        return call()
    except libvirt.libvirtError as exc:
        return [exc.get_error_code(), exc.get_error_domain(), exc.get_error_message()]

dom = libvirt.open(uri).lookupByName("mon")
mon = lambda cmd, flags=0: attempt(lambda: libvirt_qemu.qemuMonitorCommand(dom, cmd, flags))
r, w = os.pipe()

def graphics():
    fd = dom.openGraphicsFD(0)
    try:
        return os.read(fd, 12).decode()
    finally:
        os.close(fd)

out = {"status": mon('{"execute":"query-status"}'),
       "with_id": mon('{"execute":"query-name","id":"mine"}'),
       "unknown": mon('{"execute":"no-such"}'),
       "bad_arg": mon('{"execute":"query-name","arguments":{"x":1}}'),
       "no_execute": mon('{"foo":1}'),
       "bad_json": mon('{"execute":'),
       "hmp": mon("info status", 1),
       "hmp_unknown": mon("no-such-cmd", 1),
       "bad_flags": mon("info status", 4),
       "with_fd": attempt(lambda: list(libvirt_qemu.qemuMonitorCommandWithFiles(
           dom, '{"execute":"getfd","arguments":{"fdname":"pipe"}}', [r], 0))),
       "two_fds": attempt(lambda: libvirt_qemu.qemuMonitorCommandWithFiles(
           dom, '{"execute":"query-name"}', [r, w], 0)),
       "graphics_fd": attempt(graphics),
       "read_only": attempt(lambda: libvirt_qemu.qemuMonitorCommand(
           libvirt.openReadOnly(ro_uri).lookupByName("mon"), '{"execute":"query-name"}', 0)),
       "read_only_fd": attempt(lambda: libvirt.openReadOnly(ro_uri).lookupByName("mon")
                               .openGraphicsFD(0)),
       "messages": dom.messages(0)}
print(json.dumps(out))
'''


def _ids(text: str) -> str:
    """Command ids without their number."""
    return re.sub(r'\blibvirt-\d+', 'libvirt-N', text)


class Setup:
    """pyvirtd serving qemu:///session with one running guest (VNC, agent channel)."""

    def __init__(self, daemon: daemons.RunningDaemon, base: Path, guest_dir: str,
                 sock_dir: str) -> None:
        self.daemon = daemon
        self.base = base
        self.sock_dir = sock_dir
        self.uri = f"qemu+unix:///session?socket={daemon.sock}"
        self.ro_uri = f"qemu+unix:///session?socket={daemon.sock_ro}"
        self.conn = pyvirt.open(self.uri)
        self.dom = self.conn.defineXML(guest_xml(guest_dir, NAME, extra=GRAPHICS + AGENT.format(
            dir=sock_dir)))
        self.dom.create()

    def shell(self, tool: str, *args: str) -> tuple[int, str, str]:
        """Run Debian's virsh or pyvirsh against the daemon (stdin passed on as fd 0)."""
        argv = [daemons.VIRSH] if tool == "virsh" else [sys.executable, "-m",
                                                        "pyvirt.shell.main"]
        res = subprocess.run([*argv, "-c", self.uri, *args], capture_output=True, text=True,
                             timeout=60, check=False, stdin=subprocess.DEVNULL)
        return res.returncode, _ids(res.stdout), res.stderr


@pytest.fixture(scope="module")
def s(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Setup]:
    guest_dir = _guest_dir()
    base = tmp_path_factory.mktemp("qemu-monitor")
    daemon = _start_daemon(base)
    sock_dir = tempfile.mkdtemp(prefix="pyvirt-qmon-")
    setup = None
    try:
        setup = Setup(daemon, base, guest_dir, sock_dir)
        yield setup
    finally:
        try:
            if setup is not None:
                remove_all(setup.conn)
        finally:
            status = daemon.stop()
            shutil.rmtree(sock_dir, ignore_errors=True)
        assert status == 0, f"pyvirtd exited with {status}: {daemon.log.read_text()[-3000:]}"


@pytest.mark.parametrize("client", ["libvirt-python", "pyvirt"])
def test_monitor_command_and_graphics_fd(s: Setup, client: str) -> None:
    """QMP and HMP replies, errors, a passed descriptor, the VNC socket and the taint
    as libvirt 9.0 gives them."""
    python = client_python(client, CLIENT)
    res = subprocess.run([*python, s.uri, s.ro_uri], capture_output=True, text=True,
                         timeout=120, check=False,
                         env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"})
    assert res.returncode == 0, res.stderr
    out = json.loads(_ids(res.stdout))
    for key, expected in LIBVIRT.items():
        assert out[key] == expected, (key, out[key])
    code, domain, message = out["bad_json"]
    assert [code, domain] == BAD_JSON[:2] and message.startswith(BAD_JSON[2]), message


def test_graphics_fds_from_threads(s: Setup) -> None:
    """pyvirt's client sorts out descriptors of replies read by any thread: calls from
    several threads on one connection, each gets a VNC socket of its own, and no
    descriptor is left behind."""
    from concurrent.futures import ThreadPoolExecutor

    def greet(_i: int) -> bytes:
        fd = s.dom.openGraphicsFD(0)
        try:
            return os.read(fd, 12)
        finally:
            os.close(fd)
    before = len(os.listdir("/proc/self/fd"))
    with ThreadPoolExecutor(4) as pool:
        assert set(pool.map(greet, range(16))) == {b"RFB 003.008\n"}
    assert len(os.listdir("/proc/self/fd")) == before      # none left open


def test_pyvirt_client_with_libvirtd(s: Setup, reference_qemu_uri: str) -> None:
    """pyvirt's client takes the descriptors of Debian's libvirtd's replies too: a
    VNC socket, and the reply of a command that passed one."""
    from pyvirt import libvirt_qemu
    conn = pyvirt.open(reference_qemu_uri)
    try:
        dom = conn.createXML(guest_xml(_guest_dir(), "mon-ref", extra=GRAPHICS), 0)
        try:
            fd = dom.openGraphicsFD(0)
            try:
                assert os.read(fd, 12) == b"RFB 003.008\n"
            finally:
                os.close(fd)
            r, w = os.pipe()
            try:
                result = libvirt_qemu.qemuMonitorCommandWithFiles(
                    dom, '{"execute":"getfd","arguments":{"fdname":"pipe"}}', [r], 0)
            finally:
                os.close(r)
                os.close(w)
            assert [_ids(result[0]), result[1]] == LIBVIRT["with_fd"]
        finally:
            dom.destroy()
    finally:
        conn.close()


def test_taint_recorded(s: Setup) -> None:
    """The taint is in the status XML and logged once, in libvirt's words."""
    from pyvirt import libvirt_qemu
    libvirt_qemu.qemuMonitorCommand(s.dom, '{"execute":"query-name"}', 0)
    state = s.base / "xdg" / "run"
    status = [p for p in state.rglob(f"{NAME}.xml") if "<domstatus" in p.read_text()]
    assert len(status) == 1 and "<taint flag='custom-monitor'/>" in status[0].read_text()
    logs = list((s.base / "xdg").rglob(f"{NAME}.log"))
    assert len(logs) == 1
    lines = [ln for ln in logs[0].read_text().splitlines() if "tainted" in ln]
    assert len(lines) == 1 and lines[0].endswith(
        f": Domain id={s.dom.ID()} is tainted: custom-monitor"), lines


def test_agent_command_taint(s: Setup) -> None:
    """A raw guest agent command taints the guest 'custom-ga-command' (libvirt 9.0 does
    so once the agent answers), listed after libvirt's other taints in its order."""
    from pyvirt import libvirt_qemu
    wait_for(lambda: "name='org.qemu.guest_agent.0' state='connected'" in s.dom.XMLDesc(0),
             timeout=BOOT_WAIT, what="the guest agent")
    assert libvirt_qemu.qemuAgentCommand(s.dom, '{"execute":"guest-ping"}', 10, 0) == \
        '{"return":{}}'
    assert s.dom.messages(0) == [*LIBVIRT["messages"],
                                    "tainted: custom guest agent control commands issued"]


# virsh qemu-monitor-command arguments; Debian's virsh and pyvirsh print the same.
SHELL_CASES = [
    ['{"execute":"query-name"}'],
    ["--pretty", '{"execute":"query-status"}'],
    ["--return-value", "query-name"],
    ["--pretty", "--return-value", '{"execute":"query-name"}'],
    ["--return-value", '{"execute":"no-such"}'],
    ["--pretty", '{"execute":"no-such"}'],
    ["--hmp", "info", "name"],
    ["--hmp", "--pretty", "info", "status"],
    ["--hmp", "--return-value", "info", "status"],
    ["query-name"],
    ["human-monitor-command", '"command-line":"info name"'],
    ["--pass-fds", "0", "getfd", '"fdname":"stdin"'],
    ["--pass-fds", "0,1", '{"execute":"query-name"}'],
    ["--pass-fds", "x", '{"execute":"query-name"}'],
]


def test_virsh_and_pyvirsh(s: Setup) -> None:
    """Debian's virsh and pyvirsh print the same for each way of giving the command."""
    for case in SHELL_CASES:
        virsh = s.shell("virsh", "qemu-monitor-command", NAME, *case)
        pyvirsh = s.shell("pyvirsh", "qemu-monitor-command", NAME, *case)
        assert pyvirsh == virsh, case
    assert s.shell("virsh", "qemu-monitor-command", NAME, "--hmp", "info", "name") == \
        (0, f"{NAME}\n\n\n", "")
    assert s.shell("virsh", "qemu-monitor-command", NAME, "--return-value",
                   "human-monitor-command", '"command-line":"info name"') == \
        (0, f'"{NAME}\\r\\n"\n', "")


def test_channel_ports_live(s: Setup) -> None:
    """The agent channel has port 1 in the live and persistent XML, and in QEMU.
    (Attaching a channel is not supported by this driver yet.)"""
    from pyvirt import libvirt_qemu

    def nr(alias: str) -> int:
        reply = json.loads(libvirt_qemu.qemuMonitorCommand(
            s.dom, json.dumps({"execute": "qom-get", "arguments": {
                "path": f"/machine/peripheral/{alias}", "property": "nr"}}), 0))
        return int(reply["return"])

    port1 = "<address type='virtio-serial' controller='0' bus='0' port='1'/>"
    assert port1 in s.dom.XMLDesc(0) and nr("channel0") == 1
    assert port1 in s.dom.XMLDesc(pyvirt.VIR_DOMAIN_XML_INACTIVE)


HOTPLUG = QEMU_TESTS.parents[1] / "data" / "qemu_virtio_serial" / "hotplug_libvirt90.json"


def test_channel_hotplug(s: Setup) -> None:
    """Channels attached and detached, live and in the config: the same results and
    virtio-serial ports as libvirt 9.0 given the same steps, and the ports in QEMU.
    (Last in the module: it changes the guest's channels.)"""
    import time

    from pyvirt import libvirt_qemu
    expected = json.loads(HOTPLUG.read_text())["steps"]
    live, config = pyvirt.VIR_DOMAIN_AFFECT_LIVE, pyvirt.VIR_DOMAIN_AFFECT_CONFIG
    dom = s.dom

    def chan(name: str, extra: str = "") -> str:
        return (f"<channel type='unix'><source mode='bind' path='{s.sock_dir}/{name}.sock'/>"
                f"<target type='virtio' name='{name}'/>{extra}</channel>")

    def att(call: Any) -> list:
        try:
            return ["ok", call()]
        except pyvirt.libvirtError as exc:
            return [exc.get_error_code(), exc.get_error_domain(), exc.get_error_message()]

    def lines(flags: int = 0) -> list[str]:
        return [ln.strip() for ln in dom.XMLDesc(flags).splitlines()
                if "virtio-serial" in ln or "<target type='virtio'" in ln
                or "<alias name='channel" in ln]

    def nr(alias: str) -> int:
        reply = json.loads(libvirt_qemu.qemuMonitorCommand(dom, json.dumps({
            "execute": "qom-get", "arguments": {"path": f"/machine/peripheral/{alias}",
                                                "property": "nr"}}), 0))
        return int(reply["return"])

    inactive = pyvirt.VIR_DOMAIN_XML_INACTIVE
    port = "<address type='virtio-serial' controller='0' bus='0' port='{}'/>"
    got: dict[str, Any] = {}
    got["attach_live"] = att(lambda: dom.attachDeviceFlags(chan("x.0"), live))
    got["live"] = lines()
    got["attach_both"] = att(lambda: dom.attachDeviceFlags(chan("y.0"), live | config))
    got["live2"], got["config2"] = lines(), lines(inactive)
    got["attach_dup"] = att(lambda: dom.attachDeviceFlags(chan("z.0", port.format(1)), live))
    got["attach_dup_name"] = att(lambda: dom.attachDeviceFlags(chan("x.0"), live))
    got["attach_ctrl1"] = att(lambda: dom.attachDeviceFlags(
        chan("w.0", "<address type='virtio-serial' controller='1' bus='0'/>"), live))
    got["attach_pty"] = att(lambda: dom.attachDeviceFlags(
        "<channel type='pty'><target type='virtio' name='p.0'/></channel>", live))
    got["live3"] = lines()
    assert [nr(f"channel{i}") for i in range(4)] == [1, 2, 3, 4]
    got["detach"] = att(lambda: dom.detachDeviceFlags(chan("x.0"), live))
    deadline = time.monotonic() + 10
    while "<alias name='channel1'/>" in lines() and time.monotonic() < deadline:
        time.sleep(0.05)
    got["live4"] = lines()
    got["detach_missing"] = att(lambda: dom.detachDeviceFlags(chan("nope.0"), live))
    got["attach_again"] = att(lambda: dom.attachDeviceFlags(chan("v.0"), live))
    got["live5"] = lines()
    assert nr("channel4") == 2
    got["detach_config"] = att(lambda: dom.detachDeviceFlags(chan("y.0"), config))
    got["config5"] = lines(inactive)
    for key, value in expected.items():
        # the agent channel's state depends on how far the guest booted
        assert _no_state(got[key]) == _no_state(value), (key, got[key])


def _no_state(value: Any) -> Any:
    """``value`` with the channel states left out of XML lines."""
    if isinstance(value, list):
        return [re.sub(r" state='\w+'", "", v) if isinstance(v, str) else v for v in value]
    return value
