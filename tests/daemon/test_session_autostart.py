"""qemu:///session starts a per-user pyvirtd on demand; qemu:///system uses a running one.

Clients run in their own processes (as real users' programs do), with a
temporary HOME and XDG_RUNTIME_DIR; PYVIRT_SESSION_AUTOSTART=1 makes root
behave as an ordinary user, PYVIRT_SESSION_TIMEOUT shortens the idle exit.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import daemons
import pytest

IDLE = 3

# Open the URI, report which daemon served it, wait for a line on stdin, close.
CLIENT = r"""
import os, sys, pyvirt
c = pyvirt.open(sys.argv[1])
run = os.path.join(os.environ["XDG_RUNTIME_DIR"], "pyvirt")
pid = open(os.path.join(run, "pyvirtd.pid")).read().strip() if os.path.exists(
    os.path.join(run, "pyvirtd.pid")) else "-"
print(c.getURI(), type(c._hv).__name__, pid, len(c.listDomainsID()), flush=True)
sys.stdin.readline()
c.close()
"""


def _env(home: Path, **extra: str) -> dict[str, str]:
    env = dict(os.environ, HOME=str(home), XDG_RUNTIME_DIR=str(home / "rt"),
               PYVIRT_SESSION_TIMEOUT=str(IDLE), **extra)
    env.pop("LIBVIRT_DEFAULT_URI", None)
    return env


def _client(env: dict[str, str], uri: str = "qemu:///session",
            prefix: list[str] | None = None) -> subprocess.Popen:
    return subprocess.Popen([*(prefix or []), sys.executable, "-c", CLIENT, uri], env=env,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def _answer(proc: subprocess.Popen) -> list[str]:
    line = proc.stdout.readline()
    if not line:
        proc.wait(10)
        raise AssertionError(f"client failed: {proc.stderr.read()}")
    return line.split()


def _finish(proc: subprocess.Popen) -> None:
    proc.stdin.write("\n")
    proc.stdin.flush()
    assert proc.wait(30) == 0, proc.stderr.read()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"


def _daemons_for(run_dir: Path) -> list[int]:
    """Pids of pyvirtd processes serving ``run_dir``."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                argv = (entry / "cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if b"pyvirt.daemon.main" in argv and str(run_dir).encode() in argv:
                pids.append(int(entry.name))
    return pids


def _wait_exit(pid: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not _alive(pid):
            return True
        time.sleep(0.1)
    return False


@pytest.fixture
def home(tmp_path):
    yield tmp_path
    for pid in _daemons_for(tmp_path / "rt" / "pyvirt"):     # only daemons this test started
        os.kill(pid, signal.SIGTERM)


def test_session_autostart_reuse_and_idle_exit(home):
    env = _env(home, PYVIRT_SESSION_AUTOSTART="1")
    first = _client(env)
    uri, kind, pid, _n = _answer(first)
    assert uri == "qemu:///session" and kind == "RemoteDriver" and pid != "-"
    second = _client(env)
    assert _answer(second)[2] == pid                 # the same daemon serves both
    assert _daemons_for(home / "rt" / "pyvirt") == [int(pid)]
    _finish(first)
    _finish(second)
    assert _wait_exit(int(pid), IDLE + 15), "the session daemon did not exit when idle"
    assert not (home / "rt" / "pyvirt" / "libvirt-sock").exists()


def test_concurrent_clients_start_one_daemon(home):
    env = _env(home, PYVIRT_SESSION_AUTOSTART="1")
    clients = [_client(env) for _ in range(3)]
    pids = {_answer(c)[2] for c in clients}
    assert len(pids) == 1
    assert _daemons_for(home / "rt" / "pyvirt") == [int(pids.pop())]
    for c in clients:
        _finish(c)


def test_root_session_stays_in_process_without_the_switch(home):
    if os.geteuid() != 0:
        pytest.skip("root's rule")
    env = _env(home)
    env.pop("PYVIRT_SESSION_AUTOSTART", None)
    c = _client(env)
    assert _answer(c)[1:3] == ["QemuDriver", "-"]
    _finish(c)
    assert not _daemons_for(home / "rt" / "pyvirt")


def test_system_uri_uses_a_running_daemon(tmp_path):
    if os.geteuid() != 0:
        pytest.skip("a private system root needs root")
    # the daemon's system root is a private one: opening it starts no 'default'
    # network on the host
    d = daemons.start_private_pyvirtd(tmp_path / "d", tmp_path / "state")
    try:
        env = _env(tmp_path, PYVIRT_SYSTEM_SOCKET=d.sock)
        c = _client(env, "qemu:///system")
        assert _answer(c)[:2] == ["qemu:///system", "RemoteDriver"]
        _finish(c)
    finally:
        assert d.stop() == 0


def test_system_uri_without_daemon_stays_in_process(tmp_path):
    if os.geteuid() != 0:
        pytest.skip("qemu:///system in process needs root")
    env = _env(tmp_path, PYVIRT_SYSTEM_SOCKET=str(tmp_path / "none" / "libvirt-sock"))
    # the system root of a private mount namespace (not the host's), which starts
    # no 'default' network in the host's network namespace
    c = _client(env, "qemu:///system",
                daemons.unshared(daemons.private_system(tmp_path / "state")))
    assert _answer(c)[:2] == ["qemu:///system", "QemuDriver"]
    _finish(c)


def _nobody_python() -> str | None:
    """Why this interpreter cannot run pyvirt as 'nobody', or None when it can."""
    if os.geteuid() != 0 or not shutil.which("runuser"):
        return "needs root and runuser"
    res = subprocess.run(["runuser", "-u", "nobody", "--", sys.executable, "-c",
                          "import pyvirt.drivers.qemu.driver"],
                         capture_output=True, text=True, timeout=60, check=False, cwd="/")
    if res.returncode != 0:
        return f"'nobody' cannot run {sys.executable} with pyvirt: " \
               f"{(res.stderr.strip().splitlines() or ['?'])[-1]}"
    return None


def test_session_autostart_as_an_unprivileged_user():
    why = _nobody_python()
    if why:
        pytest.skip(why)
    home = Path(tempfile.mkdtemp(prefix="pyvirt-nobody-"))
    try:
        os.chmod(home, 0o700)
        os.chown(home, 65534, 65534)
        env = _env(home)
        env.pop("PYVIRT_SESSION_AUTOSTART", None)
        # -p keeps the environment: runuser would set HOME to nobody's /nonexistent
        c = _client(env, prefix=["runuser", "-p", "-u", "nobody", "--"])
        pid = _answer(c)[2]
        assert pid != "-"
        _finish(c)
        assert _wait_exit(int(pid), IDLE + 15)
    finally:
        for pid in _daemons_for(home / "rt" / "pyvirt"):
            os.kill(pid, signal.SIGTERM)
        shutil.rmtree(home, ignore_errors=True)
