"""pyvirtd itself: configuration, sockets, pid file, signals, idle timeout."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import time

import daemons
import pytest
from waiting import wait_until

from pyvirt.daemon import config as cfgmod

LIBVIRTD_CONF = """
# libvirtd.conf syntax
listen_tls = 0
listen_tcp = 1
tcp_port = "16999"   # a comment after a value
unix_sock_ro_perms = "0777"
tls_allowed_dn_list = ["C=GB,ST=London,L=London,O=Red Hat,CN=*",
                       "C=US,O=Example,CN=*"]
max_clients = 100
some_future_setting = "ignored"
"""


def test_config_parses_libvirtd_syntax(tmp_path):
    path = tmp_path / "libvirtd.conf"
    path.write_text(LIBVIRTD_CONF)
    cfg = cfgmod.load(str(path), {"max_workers": "3"})
    assert cfg.listen_tcp == 1 and cfg.tcp_port == "16999"
    assert cfg.tls_allowed_dn_list == ["C=GB,ST=London,L=London,O=Red Hat,CN=*",
                                       "C=US,O=Example,CN=*"]
    assert cfg.max_clients == 100 and cfg.max_workers == 3


@pytest.mark.parametrize("text", ["listen_tcp", "listen_tcp = [1", "x = 'single quotes'",
                                  "9key = 1"])
def test_config_errors_name_the_line(text):
    with pytest.raises(ValueError, match="<config>:1"):
        cfgmod.parse_text(text)


def test_sockets_modes_and_pidfile(tmp_path):
    d = daemons.start_pyvirtd(tmp_path, tcp=False, extra=["--set",
                                                          'unix_sock_rw_perms="0770"'])
    try:
        assert stat.S_IMODE(os.stat(d.sock).st_mode) == 0o770
        assert stat.S_IMODE(os.stat(d.sock_ro).st_mode) == 0o777
        pid = int((tmp_path / "pyvirtd.pid").read_text())
        assert pid == d.proc.pid
        second = subprocess.run([sys.executable, "-m", "pyvirt.daemon.main", "--unix-sock-dir",
                                 str(tmp_path / "other"), "--pid-file",
                                 str(tmp_path / "pyvirtd.pid")],
                                check=False, capture_output=True, text=True, timeout=30)
        assert second.returncode != 0 and "another daemon" in second.stderr
        d.proc.send_signal(signal.SIGHUP)
        time.sleep(0.3)                      # a daemon that dies on SIGHUP has done so by now
        assert d.alive()
        assert "test" in d.virsh("list").stdout
    finally:
        assert d.stop() == 0
    assert not (tmp_path / "pyvirtd.pid").exists()
    assert not os.path.exists(d.sock)


def test_idle_timeout(tmp_path):
    d = daemons.start_pyvirtd(tmp_path, tcp=False, extra=["--timeout", "2"])
    d.virsh("list")
    d.proc.wait(15)
    assert d.proc.returncode == 0


def _try_open(pyvirt, uri):
    try:
        return pyvirt.open(uri)
    except pyvirt.libvirtError:
        return None


def test_max_clients(tmp_path):
    import pyvirt
    d = daemons.start_pyvirtd(tmp_path, tcp=False, extra=["--set", "max_clients=2"])
    try:
        a, b = pyvirt.open(d.uri()), pyvirt.open(d.uri())
        with pytest.raises(pyvirt.libvirtError):
            pyvirt.open(d.uri())
        a.close()
        # the daemon notices the closed client a moment later: retry until then
        c = wait_until(lambda: _try_open(pyvirt, d.uri()), what="a freed client slot")
        c.close()
        b.close()
    finally:
        d.stop()


# libvirtd's security defaults (remote_daemon_config.c, built with SASL,
# without polkit): TLS rather than plain TCP when listening, SASL on TCP.
LIBVIRTD_SECURITY_DEFAULTS = {
    "listen_tls": 1, "listen_tcp": 0, "auth_tcp": "sasl", "auth_tls": "none",
    "auth_unix_rw": "none", "auth_unix_ro": "none", "unix_sock_rw_perms": "0700",
    "unix_sock_ro_perms": "0777", "unix_sock_group": "", "tls_no_verify_certificate": 0,
    "tls_allowed_dn_list": [], "sasl_allowed_username_list": [], "access_drivers": [],
    "max_anonymous_clients": 20, "max_clients": 5000, "admin_max_clients": 5000,
}


def test_security_defaults_are_libvirtds():
    cfg = cfgmod.load(None)
    assert {k: getattr(cfg, k) for k in LIBVIRTD_SECURITY_DEFAULTS} == LIBVIRTD_SECURITY_DEFAULTS


def test_tcp_without_auth_setting_requires_sasl(tmp_path):
    import socket

    from pyvirt.rpc import protocol as P
    from pyvirt.rpc import remote_protocol as R
    port = daemons.free_port()
    d = daemons.start_pyvirtd(tmp_path, tcp=False, extra=[
        "--listen", "--set", "listen_tcp=1", "--set", "listen_tls=0",
        "--set", f"tcp_port={port}", "--set", "listen_addr=127.0.0.1"])
    try:
        daemons._wait_tcp(port, d.proc, d.log)
        with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
            reader = P.FrameReader()

            def call(name, args=()):
                proc = R.PROGRAM[name]
                s.sendall(P.frame(P.REMOTE_PROGRAM, 1, proc.number, P.CALL, 1, P.OK,
                                  proc.encode_args(args)))
                frames = []
                while not frames:
                    frames = reader.feed(s.recv(65536))
                return proc, P.parse_frame(frames[0])
            proc, msg = call("AUTH_LIST")
            assert proc.decode_ret(msg.body) == ([P.AUTH_SASL],)
            # Like libvirtd, no SASL mechanism without encryption on plain TCP.
            _proc, msg = call("AUTH_SASL_INIT")
            assert msg.status == P.ERROR
            assert "encrypts" in str(P.decode_error(msg.body))
            _proc, msg = call("CONNECT_OPEN", ("test:///default", 0))
            assert msg.status == P.ERROR
            assert "authentication required" in str(P.decode_error(msg.body))
        res = d.virsh("list", uri=f"test+tcp://127.0.0.1:{port}/default", check=False)
        assert res.returncode != 0
    finally:
        assert d.stop() == 0


@pytest.mark.parametrize("setting, message", [
    ("auth_tcp=sasll", "auth_tcp: unsupported auth sasll"),
    ("auth_unix_rw=nobody", "auth_unix_rw: unsupported auth nobody"),
    ('access_drivers=["polkit"]', "no access control driver polkit"),
])
def test_settings_pyvirtd_cannot_enforce_stop_it(tmp_path, setting, message):
    res = subprocess.run([sys.executable, "-m", "pyvirt.daemon.main", "--unix-sock-dir",
                          str(tmp_path / "run"), "--set", setting],
                         check=False, capture_output=True, text=True, timeout=30)
    assert res.returncode != 0 and message in res.stderr
    assert not (tmp_path / "run" / "libvirt-sock").exists()


def test_polkit_socket_admits_root_only(tmp_path):
    d = daemons.start_pyvirtd(tmp_path, tcp=False, extra=["--set", "auth_unix_rw=polkit"])
    try:
        assert stat.S_IMODE(os.stat(d.sock).st_mode) == 0o777
        if os.geteuid() == 0:
            assert "test" in d.virsh("list").stdout
        else:
            assert d.virsh("list", check=False).returncode != 0
    finally:
        assert d.stop() == 0
