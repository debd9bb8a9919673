"""pyvirtd's configuration: libvirtd.conf's syntax and key names.

The file holds ``key = value`` lines: integers, double-quoted strings or
lists of strings in brackets, with ``#`` comments, exactly as
libvirtd.conf.  Keys pyvirtd does not know are logged and ignored, so a
libvirtd.conf can be used as it is.
"""

from __future__ import annotations

import logging
import os
import re
from dataclasses import dataclass, field, fields
from typing import Any

log = logging.getLogger("pyvirt.daemon")

SYSTEM_SOCK_DIR = "/run/pyvirt"
SYSTEM_CONFIG = "/etc/pyvirt/pyvirtd.conf"


AUTH_TYPES = ("none", "sasl", "polkit")
# libvirt's access drivers that grant everything; any other would go unenforced.
_OPEN_ACCESS: tuple[list[str], ...] = ([], ["nop"])


@dataclass
class Config:
    """Every setting of the daemon, with libvirtd's defaults.

    Security settings default as in libvirtd: TLS (not plain TCP) when
    listening, SASL on plain TCP, client certificates verified, every
    certificate DN and SASL user allowed when no list is given.  The unix
    sockets default to no authentication with a root-only read-write
    socket: libvirtd's defaults when built without polkit (pyvirtd has no
    polkit; a socket configured for it admits only root, whom libvirtd
    also lets in without asking polkit).
    """

    listen_tls: int = 1
    listen_tcp: int = 0
    tls_port: str = "16514"
    tcp_port: str = "16509"
    listen_addr: str = "0.0.0.0"
    unix_sock_dir: str = SYSTEM_SOCK_DIR
    unix_sock_group: str = ""
    unix_sock_ro_perms: str = "0777"
    unix_sock_rw_perms: str = "0700"
    auth_unix_ro: str = "none"
    auth_unix_rw: str = "none"
    auth_tcp: str = "sasl"
    auth_tls: str = "none"
    key_file: str = "/etc/pki/libvirt/private/serverkey.pem"
    cert_file: str = "/etc/pki/libvirt/servercert.pem"
    ca_file: str = "/etc/pki/CA/cacert.pem"
    crl_file: str = ""
    tls_no_verify_certificate: int = 0
    tls_allowed_dn_list: list[str] = field(default_factory=list)
    sasl_allowed_username_list: list[str] = field(default_factory=list)
    access_drivers: list[str] = field(default_factory=list)
    max_clients: int = 5000
    max_anonymous_clients: int = 20
    min_workers: int = 5
    max_workers: int = 20
    prio_workers: int = 5
    max_requests: int = 20
    max_client_requests: int = 5
    keepalive_interval: int = 5
    keepalive_count: int = 5
    admin_max_clients: int = 5000
    log_level: int = 3
    log_outputs: str = ""
    log_filters: str = ""
    # pyvirtd's own settings.
    default_uri: str = ""
    inline_drivers: list[str] = field(default_factory=lambda: ["test"])
    hold_drivers: list[str] = field(default_factory=list)
    max_client_buffer: int = 64 * 1024 * 1024
    max_client_output: int = 256 * 1024
    max_output: int = 128 * 1024 * 1024
    test_driver_dir: str = ""
    sasl_users_file: str = ""

    def socket_paths(self) -> tuple[str, str]:
        """Return the paths of the read-write and read-only sockets."""
        return (os.path.join(self.unix_sock_dir, "libvirt-sock"),
                os.path.join(self.unix_sock_dir, "libvirt-sock-ro"))


_TOKEN = re.compile(r'\s*(?:(\[)|(\])|(,)|"((?:[^"\\]|\\.)*)"|(-?\d+)|(#.*$))')


def parse_text(text: str, source: str = "<config>") -> dict[str, Any]:
    """Parse libvirtd.conf syntax into {key: value}; raise ValueError naming the line."""
    out: dict[str, Any] = {}
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i].strip()
        i += 1
        if not line or line.startswith("#"):
            continue
        key, sep, rest = line.partition("=")
        key = key.strip()
        if not sep or not re.match(r"^[A-Za-z_][A-Za-z0-9_]*$", key):
            raise ValueError(f"{source}:{i}: expected 'key = value', got '{line}'")
        rest = rest.strip()
        # A list may span lines until its closing bracket.
        while rest.startswith("[") and "]" not in _strip_comment(rest) and i < len(lines):
            rest += " " + lines[i].strip()
            i += 1
        out[key] = _parse_value(rest, f"{source}:{i}")
    return out


def _strip_comment(text: str) -> str:
    inside = False
    for n, ch in enumerate(text):
        if ch == '"':
            inside = not inside
        elif ch == "#" and not inside:
            return text[:n]
    return text


def _parse_value(text: str, where: str) -> Any:
    text = _strip_comment(text).strip()
    if text.startswith("["):
        if not text.endswith("]"):
            raise ValueError(f"{where}: unterminated list '{text}'")
        items = []
        for tok in re.findall(r'"((?:[^"\\]|\\.)*)"', text[1:-1]):
            items.append(tok.replace('\\"', '"'))
        return items
    if text.startswith('"'):
        m = re.match(r'^"((?:[^"\\]|\\.)*)"$', text)
        if not m:
            raise ValueError(f"{where}: malformed string {text}")
        return m.group(1).replace('\\"', '"')
    if re.match(r"^-?\d+$", text):
        return int(text)
    raise ValueError(f"{where}: malformed value '{text}'")


def load(path: str | None, overrides: dict[str, Any] | None = None) -> Config:
    """Return the configuration from ``path`` (missing file: defaults) plus ``overrides``."""
    cfg = Config()
    known = {f.name: f for f in fields(Config)}
    values: dict[str, Any] = {}
    if path and os.path.exists(path):
        with open(path, encoding="utf-8") as fh:
            values = parse_text(fh.read(), path)
    values.update(overrides or {})
    if values.get("auth_unix_rw") == "polkit" and "unix_sock_rw_perms" not in values:
        # As libvirtd: with polkit deciding, the socket itself is open to all.
        values["unix_sock_rw_perms"] = "0777"
    for key, value in values.items():
        f = known.get(key)
        if f is None:
            log.info("ignoring unknown setting '%s'", key)
            continue
        default = getattr(cfg, key)
        if isinstance(default, list) and isinstance(value, str):
            value = [value]
        elif isinstance(default, int) and not isinstance(value, int):
            value = int(value)
        elif isinstance(default, str) and not isinstance(value, str):
            value = str(value)
        setattr(cfg, key, value)
    validate(cfg, path or "<settings>")
    return cfg


def validate(cfg: Config, source: str) -> None:
    """Refuse settings pyvirtd cannot honour safely (raise ValueError).

    An unknown authentication type or an access driver pyvirtd does not
    have would otherwise leave a socket open to anyone; libvirtd refuses
    to start with them too.
    """
    for key in ("auth_unix_ro", "auth_unix_rw", "auth_tcp", "auth_tls"):
        value = getattr(cfg, key)
        if value not in AUTH_TYPES:
            raise ValueError(f"{source}: {key}: unsupported auth {value}")
    if cfg.access_drivers not in _OPEN_ACCESS:
        raise ValueError(f"{source}: access_drivers: pyvirtd has no access control driver "
                         f"{', '.join(cfg.access_drivers)} (only 'nop')")
