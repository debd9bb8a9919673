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
