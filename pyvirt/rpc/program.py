"""Programs and procedures: the table rows of an RPC protocol, compiled on demand.

A program (libvirt's remote program, the QEMU program) is a list of rows
``(number, NAME, args, ret, flags)`` where ``args`` and ``ret`` are struct
specs in :mod:`pyvirt.rpc.xdr` notation (or None for void) and ``flags``
is a string of letters:

    h   libvirt's "high priority": never waits on a hypervisor monitor
    w   changes state: refused on a read-only connection
    p   runs on the daemon's priority workers (destroy, abort, info...)
    s   opens a stream bound to the call's serial
    f   passes file descriptors (CALL_WITH_FDS / REPLY_WITH_FDS)
    e   an event message sent by the server (type MESSAGE)
    i   handled by the RPC layer itself (open, auth, event registration)

Both the daemon and the client look procedures up here, so a number, a
struct or a flag is written once.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

from pyvirt.rpc import xdr

Row = tuple[int, str, "str | None", "str | None", str]

_DEFAULT_RE = re.compile(r"=([A-Za-z0-9_]+)$")

# Modes of execution in the daemon.
INLINE, PRIORITY, WORKER = "inline", "priority", "worker"


def _camel(name: str) -> str:
    parts = name.lower().split("_")
    return parts[0] + "".join(p.capitalize() for p in parts[1:])


class Procedure:
    """One procedure of a program, with its argument and return codecs."""

    __slots__ = (
        "_args_codec",
        "_ret_codec",
        "arg_defaults",
        "args_fields",
        "args_spec",
        "family",
        "flags",
        "method",
        "name",
        "number",
        "program",
        "ret_fields",
        "ret_spec",
    )

    def __init__(self, program: Program, row: Row) -> None:
        number, name, args, ret, flags = row
        self.program = program
        self.number = number
        self.name = name
        self.flags = flags
        self.arg_defaults: dict[str, int] = {}
        self.args_spec = self._strip_defaults(args)
        self.ret_spec = self._strip_defaults(ret)
        self.args_fields = xdr.parse_fields(self.args_spec)
        self.ret_fields = xdr.parse_fields(self.ret_spec)
        self._args_codec: tuple[xdr.Encoder, xdr.Decoder] | None = None
        self._ret_codec: tuple[xdr.Encoder, xdr.Decoder] | None = None
        # The driver method (filled in by pyvirt.rpc.calls when it matches one).
        self.method: str | None = None
        self.family: str | None = None

    def _strip_defaults(self, spec: str | None) -> str | None:
        if spec is None:
            return None
        tokens = []
        for token in spec.split():
            m = _DEFAULT_RE.search(token)
            if m:
                token = token[:m.start()]
                name = token.lstrip("-").split(":", 1)[0]
                self.arg_defaults[name] = self.program.codec.limit(m.group(1))
            tokens.append(token)
        return " ".join(tokens)

    # -- flags ---------------------------------------------------------------
    @property
    def high_priority(self) -> bool:
        """libvirt's @priority: high."""
        return "h" in self.flags

    @property
    def writes(self) -> bool:
        """True when a read-only connection may not call this procedure."""
        return "w" in self.flags

    @property
    def is_event(self) -> bool:
        """True for server-to-client event messages."""
        return "e" in self.flags

    @property
    def internal(self) -> bool:
        """True for procedures the RPC layer answers itself."""
        return "i" in self.flags

    @property
    def stream(self) -> bool:
        """True when the call opens a stream."""
        return "s" in self.flags

    @property
    def fds(self) -> bool:
        """True when the call passes file descriptors."""
        return "f" in self.flags

    @property
    def mode(self) -> str:
        """How the daemon runs the call: inline, on a priority worker, or a worker."""
        if "p" in self.flags:
            return PRIORITY
        if self.high_priority:
            return PRIORITY if self.writes else INLINE
        return WORKER

    @property
    def camel(self) -> str:
        """The procedure name in camel case: DOMAIN_GET_INFO -> domainGetInfo."""
        return _camel(self.name)

    # -- codecs -------------------------------------------------------------
    @property
    def args_codec(self) -> tuple[xdr.Encoder, xdr.Decoder]:
        """(enc, dec) of the argument struct."""
        if self._args_codec is None:
            self._args_codec = self.program.codec.struct_codec(self.args_spec)
        return self._args_codec

    @property
    def ret_codec(self) -> tuple[xdr.Encoder, xdr.Decoder]:
        """(enc, dec) of the return struct."""
        if self._ret_codec is None:
            self._ret_codec = self.program.codec.struct_codec(self.ret_spec)
        return self._ret_codec

    def encode_args(self, values: Any) -> bytes:
        """Encode a tuple of argument values (all fields, hidden ones included)."""
        return xdr.encode(self.args_codec[0], values) if self.args_spec else b""

    def decode_args(self, body: bytes) -> tuple:
        """Decode an argument body into a tuple (bytes after the arguments are ignored,
        as libvirtd ignores them)."""
        if not self.args_spec:
            return ()
        return xdr.decode_all(self.args_codec[1], body)

    def encode_ret(self, values: Any) -> bytes:
        """Encode a tuple of return values."""
        return xdr.encode(self.ret_codec[0], values) if self.ret_spec else b""

    def decode_ret(self, body: bytes) -> tuple:
        """Decode a return body into a tuple."""
        if not self.ret_spec:
            return ()
        return xdr.decode_all(self.ret_codec[1], body)

    def __repr__(self) -> str:
        return f"<Procedure {self.program.name} {self.number} {self.name}>"


class Program:
    """The procedures of one RPC program, by number and by name."""

    def __init__(self, name: str, number: int, version: int, codec: xdr.Codec,
                 rows: Iterable[Row]) -> None:
        self.name = name
        self.number = number
        self.version = version
        self.codec = codec
        self.procs: dict[int, Procedure] = {}
        self.by_name: dict[str, Procedure] = {}
        for row in rows:
            proc = Procedure(self, row)
            if proc.number in self.procs:
                raise ValueError(f"{name}: procedure number {proc.number} declared twice")
            self.procs[proc.number] = proc
            self.by_name[proc.name] = proc

    def __getitem__(self, key: int | str) -> Procedure:
        return self.procs[key] if isinstance(key, int) else self.by_name[key]

    def get(self, number: int) -> Procedure | None:
        """Return procedure ``number``, or None."""
        return self.procs.get(number)

    def __iter__(self) -> Any:
        return iter(self.procs.values())

    def __len__(self) -> int:
        return len(self.procs)

    def compile_all(self) -> None:
        """Compile every codec now (the tests do, to find a bad declaration early)."""
        for proc in self.procs.values():
            _ = proc.args_codec, proc.ret_codec


def each_field(fields: list[xdr.Field], pred: Callable[[xdr.Field], bool]) -> list[int]:
    """Return the indexes of the fields for which ``pred`` holds."""
    return [i for i, f in enumerate(fields) if pred(f)]
