"""TLS contexts with libvirt's x509 certificate layout.

libvirt's defaults (all configurable):

    /etc/pki/CA/cacert.pem                     CA certificate (both ends)
    /etc/pki/libvirt/servercert.pem            server certificate
    /etc/pki/libvirt/private/serverkey.pem     server key
    /etc/pki/libvirt/clientcert.pem            client certificate
    /etc/pki/libvirt/private/clientkey.pem     client key

A non-root client looks first in ``~/.pki/libvirt/`` (``cacert.pem``,
``clientcert.pem``, ``clientkey.pem``), as libvirt does.  The server
requires a client certificate signed by the CA unless told not to
verify; ``tls_allowed_dn_list`` restricts the distinguished names.
"""

from __future__ import annotations

import fnmatch
import os
import ssl
from typing import Any

CA_FILE = "/etc/pki/CA/cacert.pem"
SERVER_CERT = "/etc/pki/libvirt/servercert.pem"
SERVER_KEY = "/etc/pki/libvirt/private/serverkey.pem"
CLIENT_CERT = "/etc/pki/libvirt/clientcert.pem"
CLIENT_KEY = "/etc/pki/libvirt/private/clientkey.pem"


def server_context(cert: str = SERVER_CERT, key: str = SERVER_KEY, ca: str = CA_FILE,
                   verify_client: bool = True, crl: str | None = None) -> ssl.SSLContext:
    """Return the context of a TLS listener."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(cert, key)
    ctx.load_verify_locations(ca)
    if crl:
        ctx.load_verify_locations(crl)
        ctx.verify_flags |= ssl.VERIFY_CRL_CHECK_LEAF
    ctx.verify_mode = ssl.CERT_REQUIRED if verify_client else ssl.CERT_OPTIONAL
    # libvirt's client reads the one-byte confirmation right after the
    # handshake; TLS 1.3 session tickets sent then would make it fail.
    ctx.num_tickets = 0
    ctx.options |= ssl.OP_NO_TICKET
    return ctx


def client_paths(pkipath: str | None = None) -> tuple[str, str, str]:
    """Return (ca, cert, key) for a client: ``pkipath``, ~/.pki/libvirt, then /etc/pki."""
    if pkipath:
        return (os.path.join(pkipath, "cacert.pem"), os.path.join(pkipath, "clientcert.pem"),
                os.path.join(pkipath, "clientkey.pem"))
    if os.geteuid() != 0:
        user = os.path.expanduser("~/.pki/libvirt")
        if os.path.exists(os.path.join(user, "clientcert.pem")):
            ca = os.path.join(user, "cacert.pem")
            return (ca if os.path.exists(ca) else CA_FILE,
                    os.path.join(user, "clientcert.pem"), os.path.join(user, "clientkey.pem"))
    return CA_FILE, CLIENT_CERT, CLIENT_KEY


def client_context(pkipath: str | None = None, verify: bool = True) -> ssl.SSLContext:
    """Return the context of a TLS client (libvirt's ``no_verify=1`` is ``verify=False``)."""
    ca, cert, key = client_paths(pkipath)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_verify_locations(ca)
    if os.path.exists(cert):
        ctx.load_cert_chain(cert, key)
    if not verify:
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    return ctx


def distinguished_name(peercert: dict[str, Any] | None) -> str:
    """Return a certificate's subject as 'C=..,O=..,CN=..' (libvirt's DN text)."""
    if not peercert:
        return ""
    parts = []
    for rdn in peercert.get("subject", ()):
        for key, value in rdn:
            short = {"countryName": "C", "stateOrProvinceName": "ST", "localityName": "L",
                     "organizationName": "O", "organizationalUnitName": "OU",
                     "commonName": "CN"}.get(key, key)
            parts.append(f"{short}={value}")
    return ",".join(parts)


def dn_allowed(dn: str, patterns: list[str]) -> bool:
    """True when ``dn`` matches one of libvirt's tls_allowed_dn_list wildcards (or none set)."""
    return not patterns or any(fnmatch.fnmatchcase(dn, p) for p in patterns)
