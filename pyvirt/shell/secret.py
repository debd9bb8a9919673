"""Secret commands: secret-define, secret-list, secret-set-value, ..."""

from __future__ import annotations

import base64
import binascii
import getpass
from typing import Any

import pyvirt as libvirt
from pyvirt.shell import lookup
from pyvirt.shell.command import (
    VALIDATE,
    WRAP,
    XPATH,
    Args,
    CmdError,
    command,
    data,
    exclusive,
    flag,
    string,
)
from pyvirt.shell.files import dump_xml, read_file
from pyvirt.shell.main import Shell

SECRET = "secret"
SECRET_OPT = data("secret", "secret UUID", complete="secret")
USAGE_TYPES = ("none", "volume", "ceph", "iscsi", "tls", "vtpm")


@command("secret-define", SECRET, "define or modify a secret from an XML file",
         [data("file", "file containing secret attributes in XML", complete="file"),
          VALIDATE])
def cmd_secret_define(shell: Shell, args: Args) -> bool:
    """Define (or update) a secret from an XML file."""
    path = args.req("file")
    flags = libvirt.VIR_SECRET_DEFINE_VALIDATE if args.flag("validate") else 0
    xml = read_file(path)
    try:
        secret = shell.conn.secretDefineXML(xml, flags)
    except libvirt.libvirtError as exc:
        raise CmdError(f"Failed to set attributes from {path}", exc) from None
    shell.out.extra(f"Secret {secret.UUIDString()} created\n")
    return True


@command("secret-dumpxml", SECRET, "secret attributes in XML", [SECRET_OPT, XPATH, WRAP])
def cmd_secret_dumpxml(shell: Shell, args: Args) -> bool:
    """Print a secret's XML (not its value)."""
    secret = lookup.secret(shell, args)
    return dump_xml(shell.out, secret.XMLDesc(0), args.values.get("xpath") or None,
                    args.flag("wrap"))


@command("secret-set-value", SECRET, "set a secret value",
         [SECRET_OPT, string("file", "read secret from file", complete="file"),
          flag("plain", "read the secret from file without converting from base64"),
          flag("interactive", "read the secret from the terminal"),
          string("base64", "base64-encoded secret value", positional=True)])
def cmd_secret_set_value(shell: Shell, args: Args) -> bool:
    """Set a secret's value (base64 argument, file or prompt)."""
    for one, two in (("file", "base64"), ("plain", "base64"), ("interactive", "base64"),
                     ("interactive", "plain"), ("interactive", "file")):
        exclusive(args, one, two)
    secret = lookup.secret(shell, args)
    encoded = args.get("base64")
    path = args.get("file")
    plain = args.flag("plain")
    if encoded is not None:
        shell.out.error("Passing secret value as command-line argument is insecure!")
        value = encoded.encode()
    elif path is not None:
        value = read_file(path, 1024).encode()
    elif args.flag("interactive"):
        shell.out.print("Enter new value for secret:")
        try:
            value = getpass.getpass("").encode()
        except (EOFError, OSError):
            raise CmdError("Failed to read secret") from None
        plain = True
    else:
        raise CmdError("Input secret value is missing")
    if not plain:
        try:
            value = base64.b64decode(value, validate=False)
        except (binascii.Error, ValueError):
            value = b""
    try:
        secret.setValue(value, 0)
    except libvirt.libvirtError as exc:
        raise CmdError("Failed to set secret value", exc) from None
    shell.out.extra("Secret value set\n")
    return True


@command("secret-get-value", SECRET, "Output a secret value",
         [SECRET_OPT, flag("plain", "get value without converting to base64")])
def cmd_secret_get_value(shell: Shell, args: Args) -> bool:
    """Print a secret's value (base64, or raw with --plain)."""
    secret = lookup.secret(shell, args)
    value = secret.value(0)
    if isinstance(value, str):
        value = value.encode()
    if args.flag("plain"):
        shell.out.stdout.flush()
        buffer = getattr(shell.out.stdout, "buffer", None)
        if buffer is not None:
            buffer.write(value)
            buffer.flush()
        else:
            shell.out.print(value.decode("latin-1"))
    else:
        shell.out.print(base64.b64encode(value).decode())
    return True


@command("secret-undefine", SECRET, "undefine a secret", [SECRET_OPT])
def cmd_secret_undefine(shell: Shell, args: Args) -> bool:
    """Delete a secret."""
    secret = lookup.secret(shell, args)
    uuid = args.req("secret")
    try:
        secret.undefine()
    except libvirt.libvirtError as exc:
        raise CmdError(f"Failed to delete secret {uuid}", exc) from None
    shell.out.extra(f"Secret {uuid} deleted\n")
    return True


def _collect(conn: Any, flags: int) -> list[Any]:
    """All secrets matching flags, sorted by UUID, with virsh's fallback."""
    try:
        secrets = conn.listAllSecrets(flags)
    except libvirt.libvirtError as exc:
        if exc.get_error_code() != libvirt.VIR_ERR_NO_SUPPORT:
            raise CmdError("Failed to list node secrets", exc) from None
        try:
            conn.numOfSecrets()
            uuids = conn.listSecrets()
        except libvirt.libvirtError as exc2:
            raise CmdError("Failed to count secrets", exc2) from None
        secrets = []
        for uuid in uuids:
            try:
                secrets.append(conn.secretLookupByUUIDString(uuid))
            except libvirt.libvirtError:
                continue
    return sorted(secrets, key=lambda secret: secret.UUIDString())


@command("secret-list", SECRET, "list secrets",
         [flag("ephemeral", "list ephemeral secrets"),
          flag("no-ephemeral", "list non-ephemeral secrets"),
          flag("private", "list private secrets"),
          flag("no-private", "list non-private secrets")], json=True)
def cmd_secret_list(shell: Shell, args: Args) -> bool:
    """List secrets with their usage."""
    flags = 0
    for opt in ("ephemeral", "no-ephemeral", "private", "no-private"):
        if args.flag(opt):
            flags |= getattr(libvirt, "VIR_CONNECT_LIST_SECRETS_"
                             + opt.upper().replace("-", "_"))
    rows = []
    for secret in _collect(shell.conn, flags):
        kind = secret.usageType()
        usage_type = USAGE_TYPES[kind] if 0 <= kind < len(USAGE_TYPES) else None
        usage_id = secret.usageID() if kind else None
        rows.append((secret.UUIDString(), usage_type if kind else None, usage_id))
    if args.json:
        shell.out.json({"secrets": [{"uuid": uuid, "usage_type": kind, "usage_id": ident}
                                    for uuid, kind, ident in rows]})
        return True
    shell.out.table(["UUID", "Usage"],
                    [[uuid, f"{kind} {ident}" if kind else "Unused"]
                     for uuid, kind, ident in rows])
    return True
