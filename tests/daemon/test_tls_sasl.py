"""TLS with x509 client certificates (libvirt's layout), and SASL PLAIN over TLS."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import daemons
import pytest

import pyvirt
from pyvirt import constants as C

pytestmark = pytest.mark.skipif(not shutil.which("openssl"), reason="openssl missing")


def _openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


def make_pki(root: Path) -> dict[str, Path]:
    """A CA, a server certificate for 127.0.0.1 and a client certificate."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "ca.ext").write_text("basicConstraints=critical,CA:TRUE\n"
                                 "keyUsage=critical,keyCertSign,cRLSign\n")
    (root / "server.ext").write_text(
        "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n"
        "extendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1,DNS:localhost\n")
    (root / "client.ext").write_text(
        "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n"
        "extendedKeyUsage=clientAuth\n")
    _openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "cakey.pem",
             "-out", "cacert.pem", "-days", "2", "-subj", "/O=pyvirt tests/CN=Test CA",
             "-addext", "basicConstraints=critical,CA:TRUE",
             "-addext", "keyUsage=critical,keyCertSign,cRLSign", cwd=root)
    for who, cn in (("server", "127.0.0.1"), ("client", "client1")):
        _openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", f"{who}key.pem",
                 "-out", f"{who}.csr", "-subj", f"/C=GB/O=pyvirt tests/CN={cn}", cwd=root)
        _openssl("x509", "-req", "-in", f"{who}.csr", "-CA", "cacert.pem", "-CAkey", "cakey.pem",
                 "-CAcreateserial", "-out", f"{who}cert.pem", "-days", "2",
                 "-extfile", f"{who}.ext", cwd=root)
    return {n: root / f"{n}.pem" for n in ("cacert", "servercert", "serverkey", "clientcert",
                                           "clientkey")}


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    return make_pki(tmp_path_factory.mktemp("pki"))


def _tls_daemon(tmp_path: Path, pki: dict[str, Path], extra: str = "") -> daemons.RunningDaemon:
    port = daemons.free_port()
    config = (f'listen_tls = 1\nlisten_tcp = 0\ntls_port = "{port}"\nlisten_addr = "127.0.0.1"\n'
              f'cert_file = "{pki["servercert"]}"\nkey_file = "{pki["serverkey"]}"\n'
              f'ca_file = "{pki["cacert"]}"\n' + extra)
    d = daemons.start_pyvirtd(tmp_path, tcp=False, extra=["--listen"], config=config)
    d.tcp_port = port
    daemons._wait_tcp(port, d.proc, d.log)
    return d


def test_virsh_and_pyvirt_over_tls(tmp_path, pki, virsh):
    d = _tls_daemon(tmp_path, pki, 'tls_allowed_dn_list = ["C=GB,O=pyvirt tests,CN=client*"]\n')
    try:
        uri = f"test+tls://127.0.0.1:{d.tcp_port}/default?pkipath={pki['cacert'].parent}"
        out = d.virsh("list", "--all", uri=uri).stdout
        assert "test" in out
        c = pyvirt.open(uri)
        try:
            assert c.isEncrypted() == 1 and c.isSecure() == 1
            assert c.lookupByName("test").isActive()
        finally:
            c.close()
    finally:
        assert d.stop() == 0


def test_tls_refuses_a_dn_outside_the_allowed_list(tmp_path, pki):
    d = _tls_daemon(tmp_path, pki, 'tls_allowed_dn_list = ["CN=someone-else"]\n')
    try:
        uri = f"test+tls://127.0.0.1:{d.tcp_port}/default?pkipath={pki['cacert'].parent}"
        with pytest.raises(pyvirt.libvirtError):
            pyvirt.open(uri)
    finally:
        d.stop()


def test_sasl_plain_over_tls(tmp_path, pki):
    users = tmp_path / "users"
    users.write_text("alice:secret\n")
    d = _tls_daemon(tmp_path, pki, f'auth_tls = "sasl"\nsasl_users_file = "{users}"\n')
    try:
        uri = f"test+tls://alice@127.0.0.1:{d.tcp_port}/default?pkipath={pki['cacert'].parent}"

        def creds(password: str):
            def cb(credentials, _opaque):
                for cred in credentials:
                    if cred[0] == C.VIR_CRED_PASSPHRASE:
                        cred[4] = password
                    elif cred[0] == C.VIR_CRED_AUTHNAME:
                        cred[4] = "alice"
                return 0
            return [[C.VIR_CRED_AUTHNAME, C.VIR_CRED_PASSPHRASE], cb, None]

        c = pyvirt.openAuth(uri, creds("secret"), 0)
        assert c.getVersion() == 2
        c.close()
        with pytest.raises(pyvirt.libvirtError) as exc:
            pyvirt.openAuth(uri, creds("wrong"), 0)
        assert exc.value.get_error_code() == C.VIR_ERR_AUTH_FAILED
    finally:
        d.stop()
