"""SASL SCRAM-SHA-256 over TLS: pyvirt's client logs in to pyvirtd (users file of verifiers)."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess

import pytest
from test_tls_sasl import _tls_daemon, make_pki

import pyvirt
from pyvirt import constants as C
from pyvirt.drivers.remote import sasl as client_sasl
from pyvirt.rpc import scram

pytestmark = pytest.mark.skipif(not shutil.which("openssl"), reason="openssl missing")


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    return make_pki(tmp_path_factory.mktemp("pki"))


@pytest.fixture
def daemon(tmp_path, pki):
    users = tmp_path / "users"
    users.write_text(f"# verifiers only\nalice:{scram.make_verifier('s3cret pass')}\n"
                     f"bob:{scram.make_verifier('bobpw')}\n")
    assert "s3cret" not in users.read_text()
    d = _tls_daemon(tmp_path, pki, f'auth_tls = "sasl"\nsasl_users_file = "{users}"\n'
                    'sasl_allowed_username_list = ["alice"]\nlog_level = 2\n')
    d.uri_for = (f"test+tls://127.0.0.1:{d.tcp_port}/default"      # type: ignore[attr-defined]
                 f"?pkipath={pki['cacert'].parent}")
    yield d
    assert d.stop() == 0


def _auth(user: str, password: str) -> list:
    def cb(credentials, _opaque):
        for cred in credentials:
            if cred[0] == C.VIR_CRED_AUTHNAME:
                cred[4] = user
            elif cred[0] == C.VIR_CRED_PASSPHRASE:
                cred[4] = password
        return 0
    return [[C.VIR_CRED_AUTHNAME, C.VIR_CRED_PASSPHRASE], cb, None]


def _refused(uri: str, user: str, password: str) -> int:
    with pytest.raises(pyvirt.libvirtError) as exc:
        pyvirt.openAuth(uri, _auth(user, password), 0)
    return exc.value.get_error_code()


def test_scram_login_over_tls(daemon, monkeypatch):
    used = []
    real = client_sasl.negotiate
    monkeypatch.setattr(client_sasl, "negotiate",
                        lambda rcall, mech, *a: (used.append(mech), real(rcall, mech, *a)))
    c = pyvirt.openAuth(daemon.uri_for, _auth("alice", "s3cret pass"), 0)
    try:
        assert c.isEncrypted() == 1
        assert c.lookupByName("test").isActive()
    finally:
        c.close()
    assert used == ["SCRAM-SHA-256"]


def test_scram_wrong_password_is_auth_failed(daemon):
    assert _refused(daemon.uri_for, "alice", "wrong") == C.VIR_ERR_AUTH_FAILED
    assert _refused(daemon.uri_for, "mallory", "s3cret pass") == C.VIR_ERR_AUTH_FAILED
    # A right password of a user outside sasl_allowed_username_list.
    assert _refused(daemon.uri_for, "bob", "bobpw") == C.VIR_ERR_AUTH_FAILED
    c = pyvirt.openAuth(daemon.uri_for, _auth("alice", "s3cret pass"), 0)   # still serving
    c.close()


def test_plain_checks_passwords_against_the_verifiers(daemon, monkeypatch):
    monkeypatch.setattr(client_sasl, "PREFERENCE", ("PLAIN",))
    c = pyvirt.openAuth(daemon.uri_for, _auth("alice", "s3cret pass"), 0)
    c.close()
    assert _refused(daemon.uri_for, "alice", "wrong") == C.VIR_ERR_AUTH_FAILED


def test_real_virsh_logs_in_with_cyrus_scram(daemon, virsh, tmp_path):
    if not glob.glob("/usr/lib/*/sasl2/libscram.so*"):
        pytest.skip("Cyrus SASL's SCRAM plugin is not installed")
    auth = tmp_path / "auth.conf"       # libvirt's credentials file, instead of a prompt

    def run(password: str) -> subprocess.CompletedProcess:
        auth.write_text(f"[credentials-t]\nauthname=alice\npassword={password}\n\n"
                        "[auth-libvirt-127.0.0.1]\ncredentials=t\n")
        return subprocess.run([virsh, "-c", daemon.uri_for, "list", "--all"],
                              env=dict(os.environ, LIBVIRT_AUTH_FILE=str(auth)),
                              capture_output=True, text=True, timeout=60,
                              stdin=subprocess.DEVNULL, check=False)
    ok = run("s3cret pass")
    assert ok.returncode == 0 and "test" in ok.stdout, ok.stderr
    bad = run("wrong")
    assert bad.returncode != 0 and "authentication failed" in bad.stderr
    assert "client chose SCRAM-SHA-256" in daemon.log.read_text()
