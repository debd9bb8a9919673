"""XDR (RFC 4506) encoding and decoding, compiled from compact type specs.

Types are written as short strings and compiled once into a pair of
functions: ``enc(buf: bytearray, value)`` appends the encoding of
``value``; ``dec(data: bytes, pos) -> (value, pos)`` decodes one value.
Struct codecs are generated as straight-line Python (runs of fixed-size
fields become one ``struct.Struct``), which keeps a call such as
``virDomainGetInfo`` to a few microseconds.

Type notation (``name:TYPE`` fields of a struct are separated by spaces)::

    i u h uh d      int, unsigned int, hyper, unsigned hyper, double
    uc us c         unsigned char, unsigned short, char (4 bytes each on the wire)
    s  s?           string (libvirt's remote_nonnull_string) / optional string
    uuid            16 raw bytes, as a canonical UUID string in Python
    o<MAX> o[N]     variable / fixed opaque -> bytes
    c<MAX> c[N]     variable / fixed array of chars -> bytes / str
    T<MAX> T[N]     variable / fixed array of T -> list
    T?              optional T (an XDR pointer) -> value or None
    tp<MAX>         typed parameters -> dict {field: value}
    tpl<MAX>        typed parameters -> list of (field, value), repeats kept
    kv<MAX>         (string field, unsigned hyper value) pairs -> dict
    NAME            a struct declared with :func:`Codec.struct`

Struct values are tuples in field order, except *handle* structs, which
decode to small objects (see :mod:`pyvirt.rpc.handles`) and encode from
any object carrying the same attributes.  Fields whose name starts with
``-`` are not part of the public API's arguments (counts, need_results);
codecs treat them like any other field.

Errors: malformed input raises :class:`XDRError` (never an IndexError or
a UnicodeDecodeError), so a peer's garbage becomes an RPC error.

Decoding is exactly as liberal as libvirt's, which decodes with the C
XDR library (libtirpc/glibc): a boolean or optional-data flag is true
for any nonzero word; padding bytes are skipped unread; enum and union
discriminants are plain ints; unsigned char and short take the low bits
of their word; a string ends at its first NUL byte, as a C string does;
bytes after a complete message body are ignored.  What libtirpc refuses
(lengths over the limit, data running past the end, an unknown union arm)
is refused.
"""

from __future__ import annotations

import re
import struct
from collections.abc import Callable
from typing import Any

from pyvirt.rpc import handles as H

Encoder = Callable[[bytearray, Any], None]
Decoder = Callable[[bytes, int], tuple[Any, int]]

# libvirt's VIR_TYPED_PARAM_* type numbers.
TP_INT, TP_UINT, TP_LLONG, TP_ULLONG, TP_DOUBLE, TP_BOOLEAN, TP_STRING = range(1, 8)

_I32 = struct.Struct(">i")
_U32 = struct.Struct(">I")
_I64 = struct.Struct(">q")
_U64 = struct.Struct(">Q")
_F64 = struct.Struct(">d")

_PADS = (b"", b"\0\0\0", b"\0\0", b"\0")

# Scalar type -> struct format character.
_SCALARS = {"i": "i", "u": "I", "h": "q", "uh": "Q", "d": "d", "uc": "I", "us": "I",
            "c": "i", "b": "i"}


class XDRError(ValueError):
    """The data does not decode as the declared type, or a value does not encode."""


_UUID_STR_CACHE: dict[bytes, str] = {}


def uuid_str(raw: bytes) -> str:
    """Return the canonical text of 16 raw UUID bytes."""
    text = _UUID_STR_CACHE.get(raw)
    if text is None:
        h = raw.hex()
        text = f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"
        if len(_UUID_STR_CACHE) > 65536:
            _UUID_STR_CACHE.clear()
        _UUID_STR_CACHE[bytes(raw)] = text
    return text


_UUID_CACHE: dict[str, bytes] = {}


def uuid_raw(text: Any) -> bytes:
    """Return the 16 raw bytes of a UUID given as text (or already raw)."""
    raw = _UUID_CACHE.get(text) if type(text) is str else None
    if raw is not None:
        return raw
    if isinstance(text, (bytes, bytearray)):
        if len(text) != 16:
            raise XDRError(f"UUID must be 16 bytes, not {len(text)}")
        return bytes(text)
    try:
        raw = bytes.fromhex(str(text).replace("-", ""))
    except ValueError:
        raise XDRError(f"malformed UUID '{text}'") from None
    if len(raw) != 16:
        raise XDRError(f"malformed UUID '{text}'")
    if len(_UUID_CACHE) > 65536:
        _UUID_CACHE.clear()
    _UUID_CACHE[str(text)] = raw
    return raw


# --- primitive helpers used by generated code --------------------------------
def _enc_str(buf: bytearray, value: Any, limit: int) -> None:
    if isinstance(value, str):
        data = value.encode("utf-8", "surrogateescape")
    elif isinstance(value, (bytes, bytearray)):
        data = bytes(value)
    else:
        raise XDRError(f"expected a string, got {type(value).__name__}")
    n = len(data)
    if n > limit:
        raise XDRError(f"string of {n} bytes exceeds the limit of {limit}")
    buf += _U32.pack(n)
    buf += data
    if n & 3:
        buf += b"\0" * (4 - (n & 3))


def _dec_str(data: bytes, pos: int, limit: int) -> tuple[str, int]:
    (n,) = _U32.unpack_from(data, pos)
    if n > limit:
        raise XDRError(f"string of {n} bytes exceeds the limit of {limit}")
    start = pos + 4
    end = start + n
    if end > len(data):
        raise XDRError("string runs past the end of the message")
    raw = data[start:end]
    if b"\0" in raw:
        # libvirt reads a C string: it ends at the first NUL.
        raw = raw[:raw.index(b"\0")]
    return raw.decode("utf-8", "surrogateescape"), end + ((-n) & 3)


def _enc_opaque(buf: bytearray, value: Any, limit: int) -> None:
    data = bytes(value) if not isinstance(value, str) else value.encode()
    n = len(data)
    if n > limit:
        raise XDRError(f"opaque of {n} bytes exceeds the limit of {limit}")
    buf += _U32.pack(n)
    buf += data
    if n & 3:
        buf += b"\0" * (4 - (n & 3))


def _dec_opaque(data: bytes, pos: int, limit: int) -> tuple[bytes, int]:
    (n,) = _U32.unpack_from(data, pos)
    if n > limit:
        raise XDRError(f"opaque of {n} bytes exceeds the limit of {limit}")
    start = pos + 4
    end = start + n
    if end > len(data):
        raise XDRError("opaque data runs past the end of the message")
    return data[start:end], end + ((-n) & 3)


def _dec_fixed(data: bytes, pos: int, n: int) -> tuple[bytes, int]:
    end = pos + n
    if end > len(data):
        raise XDRError("fixed opaque runs past the end of the message")
    return data[pos:end], end + ((-n) & 3)


def _count(data: bytes, pos: int, limit: int) -> int:
    (n,) = _U32.unpack_from(data, pos)
    if n > limit:
        raise XDRError(f"array of {n} elements exceeds the limit of {limit}")
    # Every element takes at least 4 bytes: refuse counts the data cannot hold.
    if n * 4 > len(data) - pos - 4:
        raise XDRError(f"array of {n} elements runs past the end of the message")
    return n


def _flag(data: bytes, pos: int) -> bool:
    # xdr_pointer reads its flag with xdr_bool: any nonzero word is true.
    return _U32.unpack_from(data, pos)[0] != 0


# Decoded scalars that libtirpc narrows to a C type: unsigned char and
# unsigned short keep the low bits of their word, a boolean is 0 or 1.
_NARROW = {"uc": "{} & 0xFF", "us": "{} & 0xFFFF", "c": "(({} & 0xFF) ^ 0x80) - 0x80",
           "b": "int({} != 0)"}


# --- typed parameters ----------------------------------------------------------
# Field types learned from decoded typed parameters, so that a dict sent
# back (a "set" after a "get") keeps the types the other side expects.
learned_types: dict[str, int] = {}


# The types libvirt's drivers give the integer parameters whose type a Python int
# cannot show (virsh prints some by type: numa_mode only as INT is a mode name).
KNOWN_TYPES: dict[str, int] = {
    "numa_mode": TP_INT, "weight": TP_UINT,
    "vcpu_quota": TP_LLONG, "emulator_quota": TP_LLONG, "global_quota": TP_LLONG,
    "iothread_quota": TP_LLONG,
    **{f"{d}.{k}": TP_UINT for d in ("inbound", "outbound")
       for k in ("average", "peak", "burst", "floor")},
    "poll_grow": TP_UINT, "poll_shrink": TP_UINT, "thread_pool_min": TP_INT,
    "thread_pool_max": TP_INT,
    "shm_pages_to_scan": TP_UINT, "shm_sleep_millisecs": TP_UINT,
    "shm_merge_across_nodes": TP_UINT,
    "operation": TP_INT,          # job statistics: virsh reads VIR_DOMAIN_JOB_OPERATION as INT
}


def tp_type_of(field: str, value: Any) -> int:
    """Return the VIR_TYPED_PARAM_* type to send ``value`` of ``field`` as."""
    if isinstance(value, bool):
        return TP_BOOLEAN
    if isinstance(value, float):
        return TP_DOUBLE
    if isinstance(value, (str, bytes)):
        return TP_STRING
    known = learned_types.get(field) or KNOWN_TYPES.get(field)
    if known is not None and known not in (TP_STRING, TP_DOUBLE):
        return known
    if isinstance(value, int):
        return TP_ULLONG if value >= 0 else TP_LLONG
    raise XDRError(f"typed parameter '{field}' has an unsupported value type "
                   f"{type(value).__name__}")


_TP_PACK = {TP_INT: _I32, TP_UINT: _U32, TP_LLONG: _I64, TP_ULLONG: _U64, TP_DOUBLE: _F64,
            TP_BOOLEAN: _I32}


def _enc_tp_one(buf: bytearray, field: str, value: Any, limit: int) -> None:
    kind = tp_type_of(field, value)
    _enc_str(buf, field, limit)
    buf += _I32.pack(kind)
    if kind == TP_STRING:
        _enc_str(buf, value, limit)
        return
    try:
        if kind == TP_BOOLEAN:
            value = 1 if value else 0
        elif kind == TP_DOUBLE:
            value = float(value)
        buf += _TP_PACK[kind].pack(value)
    except struct.error as exc:
        raise XDRError(f"typed parameter '{field}': {exc}") from None


def enc_tp(buf: bytearray, params: Any, count_limit: int, str_limit: int) -> None:
    """Encode a dict (or list of (field, value)) as a typed-parameter array.

    A list value of a string parameter repeats the field, as libvirt-python
    allows for parameters such as ``migrate_disks``.
    """
    items = list(params.items()) if isinstance(params, dict) else list(params or ())
    flat: list[tuple[str, Any]] = []
    for field, value in items:
        if isinstance(value, (list, tuple)):
            flat.extend((field, v) for v in value)
        else:
            flat.append((field, value))
    if len(flat) > count_limit:
        raise XDRError(f"{len(flat)} typed parameters exceed the limit of {count_limit}")
    buf += _U32.pack(len(flat))
    for field, value in flat:
        _enc_tp_one(buf, field, value, str_limit)


def dec_tp(data: bytes, pos: int, count_limit: int, str_limit: int,
           as_list: bool = False) -> tuple[Any, int]:
    """Decode a typed-parameter array into a dict (or a list of (field, value))."""
    n = _count(data, pos, count_limit)
    pos += 4
    out: dict[str, Any] = {}
    pairs: list[tuple[str, Any]] = []
    for _ in range(n):
        value: Any
        field, pos = _dec_str(data, pos, str_limit)
        (kind,) = _I32.unpack_from(data, pos)
        pos += 4
        if kind == TP_STRING:
            value, pos = _dec_str(data, pos, str_limit)
        elif kind in _TP_PACK:
            (value,) = _TP_PACK[kind].unpack_from(data, pos)
            pos += _TP_PACK[kind].size
            if kind == TP_BOOLEAN:
                # The wire int lands in the C parameter's char.
                value = bool(value & 0xFF)
        else:
            raise XDRError(f"typed parameter '{field}' has unknown type {kind}")
        learned_types.setdefault(field, kind)
        if as_list:
            pairs.append((field, value))
        else:
            out[field] = value
    return (pairs if as_list else out), pos


def enc_kv(buf: bytearray, params: Any, count_limit: int, str_limit: int) -> None:
    """Encode {field: unsigned hyper} as an array of (string, uhyper)."""
    items = list(params.items()) if isinstance(params, dict) else list(params or ())
    if len(items) > count_limit:
        raise XDRError(f"{len(items)} entries exceed the limit of {count_limit}")
    buf += _U32.pack(len(items))
    for field, value in items:
        _enc_str(buf, field, str_limit)
        buf += _U64.pack(value)


def dec_kv(data: bytes, pos: int, count_limit: int, str_limit: int) -> tuple[dict, int]:
    """Decode an array of (string, uhyper) pairs into a dict."""
    n = _count(data, pos, count_limit)
    pos += 4
    out: dict[str, int] = {}
    for _ in range(n):
        field, pos = _dec_str(data, pos, str_limit)
        (out[field],) = _U64.unpack_from(data, pos)
        pos += 8
    return out, pos


# --- the compiler -----------------------------------------------------------------
_FIELD_RE = re.compile(r"^(-?)([A-Za-z_][A-Za-z0-9_]*):(.+)$")
_TYPE_RE = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)(?:<([A-Za-z0-9_]+)>|\[([0-9]+)\])?(\?)?$")


class Field:
    """One declared struct field."""

    __slots__ = ("hidden", "name", "type")

    def __init__(self, name: str, type_: str, hidden: bool) -> None:
        self.name, self.type, self.hidden = name, type_, hidden

    def __repr__(self) -> str:
        return f"{'-' if self.hidden else ''}{self.name}:{self.type}"


def parse_fields(spec: str | None) -> list[Field]:
    """Parse ``'name:type -count:u ...'`` into fields."""
    fields = []
    for token in (spec or "").split():
        m = _FIELD_RE.match(token)
        if not m:
            raise ValueError(f"malformed field declaration '{token}'")
        fields.append(Field(m.group(2), m.group(3), bool(m.group(1))))
    return fields


class Codec:
    """A set of named types and the compiled codecs of type expressions.

    ``consts`` maps the names used as array limits (``DOMAIN_LIST_MAX``) to
    numbers; ``string_max`` bounds every string.
    """

    def __init__(self, consts: dict[str, int], string_max: int) -> None:
        self.consts = consts
        self.string_max = string_max
        self.structs: dict[str, list[Field]] = {}
        self.handles: dict[str, type] = {}
        self.customs: dict[str, tuple[Encoder, Decoder]] = {}
        self._cache: dict[str, tuple[Encoder, Decoder]] = {}

    # -- declarations -----------------------------------------------------------
    def struct(self, name: str, spec: str, handle: type | None = None) -> None:
        """Declare struct ``name``; with ``handle``, it decodes to that class."""
        self.structs[name] = parse_fields(spec)
        if handle is not None:
            self.handles[name] = handle

    def custom(self, name: str, enc: Encoder, dec: Decoder) -> None:
        """Declare base type ``name`` with hand-written codec functions."""
        self.customs[name] = (enc, dec)

    def limit(self, text: str) -> int:
        """Return the number named by an array limit."""
        if text.isdigit():
            return int(text)
        try:
            return self.consts[text]
        except KeyError:
            raise ValueError(f"unknown limit '{text}'") from None

    # -- compiled codecs -------------------------------------------------------
    def codec(self, type_: str) -> tuple[Encoder, Decoder]:
        """Return (enc, dec) for a type expression."""
        got = self._cache.get(type_)
        if got is None:
            got = self._compile_type(type_)
            self._cache[type_] = got
        return got

    def struct_codec(self, spec: str | None) -> tuple[Encoder, Decoder]:
        """Return (enc, dec) for an anonymous struct given as a field spec."""
        key = "{" + (spec or "") + "}"
        got = self._cache.get(key)
        if got is None:
            got = self._compile_struct(parse_fields(spec), None, key)
            self._cache[key] = got
        return got

    def _compile_type(self, type_: str) -> tuple[Encoder, Decoder]:
        m = _TYPE_RE.match(type_)
        if not m:
            raise ValueError(f"malformed type '{type_}'")
        base, varlen, fixlen, optional = m.groups()
        if optional:
            return self._optional(self.codec(type_[:-1]))
        if base in ("tp", "tpl", "kv"):
            return self._params(base, self.limit(varlen or "0"))
        if base == "o" or (base == "c" and varlen):
            return self._bytes(base, varlen, fixlen)
        if base == "c" and fixlen:
            return self._char_vector(int(fixlen))
        if varlen is not None or fixlen is not None:
            return self._array(self.codec(base), base, varlen, fixlen)
        if base in _SCALARS:
            st = struct.Struct(">" + _SCALARS[base])
            narrow = _NARROW.get(base)
            if narrow is not None:
                fix = eval("lambda v: " + narrow.format("v"))  # noqa: S307 - our own table
                return (lambda buf, v, _p=st.pack: buf.extend(_p(v)),
                        lambda d, p, _u=st.unpack_from, _n=st.size: (fix(_u(d, p)[0]), p + _n))
            return (lambda buf, v, _p=st.pack: buf.extend(_p(v)),
                    lambda d, p, _u=st.unpack_from, _n=st.size: (_u(d, p)[0], p + _n))
        if base == "s":
            limit = self.string_max
            return (lambda buf, v: _enc_str(buf, v, limit),
                    lambda d, p: _dec_str(d, p, limit))
        if base == "uuid":
            return (lambda buf, v: buf.extend(uuid_raw(v)),
                    lambda d, p: (uuid_str(_dec_fixed(d, p, 16)[0]), p + 16))
        if base in self.customs:
            return self.customs[base]
        if base in self.structs:
            return self._compile_struct(self.structs[base], self.handles.get(base), base)
        raise ValueError(f"unknown type '{type_}'")

    def _optional(self, inner: tuple[Encoder, Decoder]) -> tuple[Encoder, Decoder]:
        ienc, idec = inner

        def enc(buf: bytearray, v: Any) -> None:
            if v is None:
                buf += b"\0\0\0\0"
            else:
                buf += b"\0\0\0\1"
                ienc(buf, v)

        def dec(d: bytes, p: int) -> tuple[Any, int]:
            if _flag(d, p):
                return idec(d, p + 4)
            return None, p + 4
        return enc, dec

    def _params(self, base: str, limit: int) -> tuple[Encoder, Decoder]:
        smax = self.string_max
        if base in ("tp", "tpl"):
            as_list = base == "tpl"
            return (lambda buf, v: enc_tp(buf, v, limit, smax),
                    lambda d, p: dec_tp(d, p, limit, smax, as_list))
        return (lambda buf, v: enc_kv(buf, v, limit, smax),
                lambda d, p: dec_kv(d, p, limit, smax))

    def _bytes(self, base: str, varlen: str | None, fixlen: str | None
               ) -> tuple[Encoder, Decoder]:
        if base == "o" and fixlen:
            n = int(fixlen)
            pad = b"\0" * ((-n) & 3)

            def fenc(buf: bytearray, v: Any) -> None:
                data = bytes(v)
                if len(data) != n:
                    raise XDRError(f"fixed opaque needs {n} bytes, got {len(data)}")
                buf += data + pad
            return fenc, lambda d, p: _dec_fixed(d, p, n)
        limit = self.limit(varlen or "0")
        if base == "o":
            return (lambda buf, v: _enc_opaque(buf, v, limit),
                    lambda d, p: _dec_opaque(d, p, limit))

        # A variable array of XDR chars: each byte travels as a 4-byte int.
        def cenc(buf: bytearray, v: Any) -> None:
            data = v.encode() if isinstance(v, str) else bytes(v or b"")
            if len(data) > limit:
                raise XDRError(f"char array of {len(data)} exceeds the limit of {limit}")
            buf += _U32.pack(len(data))
            buf += struct.pack(f">{len(data)}i", *(b - 256 if b > 127 else b for b in data))

        def cdec(d: bytes, p: int) -> tuple[bytes, int]:
            n = _count(d, p, limit)
            vals = struct.unpack_from(f">{n}i", d, p + 4)
            return bytes(x & 0xFF for x in vals), p + 4 + 4 * n
        return cenc, cdec

    def _char_vector(self, n: int) -> tuple[Encoder, Decoder]:
        st = struct.Struct(f">{n}i")

        def enc(buf: bytearray, v: Any) -> None:
            data = (v.encode() if isinstance(v, str) else bytes(v or b""))[:n]
            data = data.ljust(n, b"\0")
            buf += st.pack(*(b - 256 if b > 127 else b for b in data))

        def dec(d: bytes, p: int) -> tuple[str, int]:
            raw = bytes(x & 0xFF for x in st.unpack_from(d, p))
            return raw.split(b"\0", 1)[0].decode("utf-8", "replace"), p + st.size
        return enc, dec

    def _array(self, inner: tuple[Encoder, Decoder], base: str, varlen: str | None,
               fixlen: str | None) -> tuple[Encoder, Decoder]:
        ienc, idec = inner
        # Scalar arrays unpack in one call, unless their items need narrowing.
        fmt = _SCALARS.get(base) if base not in _NARROW else None
        if varlen is not None:
            limit = self.limit(varlen)
            if fmt is not None:
                size = struct.calcsize(">" + fmt)

                def senc(buf: bytearray, v: Any) -> None:
                    v = list(v or ())
                    if len(v) > limit:
                        raise XDRError(f"array of {len(v)} exceeds the limit of {limit}")
                    buf += _U32.pack(len(v))
                    buf += struct.pack(f">{len(v)}{fmt}", *v)

                def sdec(d: bytes, p: int) -> tuple[list, int]:
                    n = _count(d, p, limit)
                    return list(struct.unpack_from(f">{n}{fmt}", d, p + 4)), p + 4 + n * size
                return senc, sdec

            def aenc(buf: bytearray, v: Any) -> None:
                v = list(v or ())
                if len(v) > limit:
                    raise XDRError(f"array of {len(v)} exceeds the limit of {limit}")
                buf += _U32.pack(len(v))
                for item in v:
                    ienc(buf, item)

            def adec(d: bytes, p: int) -> tuple[list, int]:
                n = _count(d, p, limit)
                p += 4
                out: list[Any] = []
                append = out.append
                for _ in range(n):
                    item, p = idec(d, p)
                    append(item)
                return out, p
            return aenc, adec
        count = int(fixlen or 0)

        def fenc(buf: bytearray, v: Any) -> None:
            v = list(v)
            if len(v) != count:
                raise XDRError(f"fixed array needs {count} elements, got {len(v)}")
            for item in v:
                ienc(buf, item)

        def fdec(d: bytes, p: int) -> tuple[list, int]:
            out = []
            for _ in range(count):
                item, p = idec(d, p)
                out.append(item)
            return out, p
        return fenc, fdec

    # -- struct code generation ----------------------------------------------------
    def _compile_struct(self, fields: list[Field], handle: type | None,
                        name: str) -> tuple[Encoder, Decoder]:
        """Generate straight-line encode/decode functions for a struct."""
        env: dict[str, Any] = {"XDRError": XDRError, "_enc_str": _enc_str,
                               "_U32P": _U32.pack, "_PAD": _PADS,
                               "_dec_str": _dec_str, "_SMAX": self.string_max,
                               "uuid_raw": uuid_raw, "uuid_str": uuid_str,
                               "_dec_fixed": _dec_fixed, "_H": handle,
                               "_U32U": _U32.unpack_from, "_USC": _UUID_STR_CACHE,
                               "_new": object.__new__}
        if handle is not None:
            getters = [f"_v.{f.name}" for f in fields]
            prep = H.encode_prep(handle)
            if prep is not None:
                env["_prep"] = prep
        else:
            getters = [f"_v[{i}]" for i in range(len(fields))]
        enc_lines = ["def enc(buf, _v):"]
        if handle is not None and "_prep" in env:
            enc_lines.append("    _v = _prep(_v)")
        dec_lines = ["def dec(d, p):"]
        run: list[tuple[int, Field]] = []

        def flush() -> None:
            if not run:
                return
            fmt = ">" + "".join(_SCALARS[f.type] for _, f in run)
            st = struct.Struct(fmt)
            sname = f"_st{len(env)}"
            env[sname] = st
            enc_lines.append(f"    buf += {sname}.pack({', '.join(getters[i] for i, _ in run)})")
            targets = ", ".join(f"f{i}" for i, _ in run)
            dec_lines.append(f"    {targets}, = {sname}.unpack_from(d, p); p += {st.size}")
            dec_lines.extend(f"    f{i} = {_NARROW[f.type].format(f'f{i}')}"
                             for i, f in run if f.type in _NARROW)
            run.clear()

        for i, f in enumerate(fields):
            if f.type in _SCALARS:
                run.append((i, f))
                continue
            flush()
            g = getters[i]
            if f.type == "s":
                # Inline for the common case (a str within limits); _enc_str
                # handles the rest and reports errors.
                enc_lines += [f"    _s = {g}",
                              "    if type(_s) is str and len(_s) < 65536:",
                              "        _s = _s.encode('utf-8', 'surrogateescape')",
                              "        _n = len(_s)",
                              "        buf += _U32P(_n)",
                              "        buf += _s",
                              "        if _n & 3:",
                              "            buf += _PAD[_n & 3]",
                              "    else:",
                              "        _enc_str(buf, _s, _SMAX)"]
                # Inline too when within limits (_dec_str reports the errors).
                dec_lines += ["    _n, = _U32U(d, p)",
                              "    _e = p + 4 + _n",
                              "    if _n > _SMAX or _e > len(d):",
                              f"        f{i}, p = _dec_str(d, p, _SMAX)",
                              "    else:",
                              "        _r = d[p + 4:_e]",
                              "        if b'\\0' in _r:",
                              "            _r = _r[:_r.index(b'\\0')]",
                              f"        f{i} = _r.decode('utf-8', 'surrogateescape')",
                              "        p = _e + (-_n & 3)"]
            elif f.type == "uuid":
                enc_lines.append(f"    buf += uuid_raw({g})")
                dec_lines += ["    _r = d[p:p + 16]",
                              "    if len(_r) != 16:",
                              "        raise XDRError('a UUID runs past the end of the message')",
                              f"    f{i} = _USC.get(_r) or uuid_str(_r); p += 16"]
            else:
                fenc, fdec = self.codec(f.type)
                env[f"_e{i}"], env[f"_d{i}"] = fenc, fdec
                enc_lines.append(f"    _e{i}(buf, {g})")
                dec_lines.append(f"    f{i}, p = _d{i}(d, p)")
        flush()
        values = ", ".join(f"f{i}" for i in range(len(fields)))
        if handle is not None:
            # Fill the slots directly: cheaper than the generic constructor.
            dec_lines.append("    _o = _new(_H)")
            dec_lines += [f"    _o.{f.name} = f{i}" for i, f in enumerate(fields)]
            dec_lines.append("    return _o, p")
        else:
            dec_lines.append(f"    return ({values}{',' if len(fields) == 1 else ''}), p")
        if not fields:
            enc_lines.append("    pass")
        src = "\n".join(enc_lines) + "\n\n" + "\n".join(dec_lines) + "\n"
        exec(compile(src, f"<xdr {name}>", "exec"), env)  # noqa: S102 - our own generated code
        return env["enc"], env["dec"]


def decode_all(dec: Decoder, data: bytes, pos: int = 0) -> Any:
    """Decode one value from ``data[pos:]``; raise XDRError when it does not decode.

    Bytes after the value are ignored, as libvirt's virNetMessageDecodePayload
    ignores them; a value whose padding runs past the end does not decode.
    """
    try:
        value, end = dec(data, pos)
    except XDRError:
        raise
    except (struct.error, IndexError, TypeError, ValueError, OverflowError) as exc:
        raise XDRError(f"malformed data: {exc}") from None
    if end > len(data):
        raise XDRError("the data runs past the end of the message")
    return value


def encode(enc: Encoder, value: Any) -> bytes:
    """Encode one value; raise XDRError for a value that does not fit its type."""
    buf = bytearray()
    try:
        enc(buf, value)
    except XDRError:
        raise
    except (struct.error, TypeError, AttributeError, IndexError, OverflowError) as exc:
        raise XDRError(f"cannot encode value: {exc}") from None
    return bytes(buf)
