"""The device whitelist of a cgroup v2 group: a BPF program and its map of rules.

cgroup v2 has no ``devices.allow``/``devices.deny`` files; the kernel asks a
``BPF_PROG_TYPE_CGROUP_DEVICE`` program attached to the group instead, as
libvirt does it (``vircgroupv2devices.c``): the program looks the device up
in a hash map of rules, so a rule is added or taken away by changing the
map, never the program.  Everything goes through the ``bpf(2)`` system call
by ctypes; the program is a few dozen instructions assembled here.

A map key is ``major << 32 | minor`` (``0xffffffff`` standing for ``*``); its
value ``access << 16 | types`` (access: mknod 1, read 2, write 4; types:
block 1, char 2).  The program tries the exact device, then ``major:*``,
``*:minor`` and ``*:*``; the first rule that covers the device's type and
every access asked for lets it through, else the access is denied (EPERM).

The program and map live as long as the group: the group's removal frees
them; the descriptors opened here are closed before returning.
"""

from __future__ import annotations

import ctypes
import errno
import os
import struct

_NR_BPF = {"x86_64": 321, "aarch64": 280}.get(os.uname().machine, 321)

# commands
_MAP_CREATE, _MAP_LOOKUP, _MAP_UPDATE, _MAP_DELETE, _MAP_NEXT_KEY = 0, 1, 2, 3, 4
_PROG_LOAD, _PROG_ATTACH, _PROG_DETACH = 5, 8, 9
_PROG_GET_FD_BY_ID, _MAP_GET_FD_BY_ID, _OBJ_GET_INFO_BY_FD, _PROG_QUERY = 13, 14, 15, 16
_MAP_TYPE_HASH = 1
_PROG_TYPE_CGROUP_DEVICE = 15
_CGROUP_DEVICE = 6                 # the attach type
_NO_PREALLOC = 1

WILDCARD = 0xFFFFFFFF
ACCESS = {"m": 1, "r": 2, "w": 4}
TYPES = {"b": 1, "c": 2, "a": 3}
MAX_RULES = 1024

_libc = ctypes.CDLL(None, use_errno=True)
_ATTR_SIZE = 160


def _bpf(cmd: int, attr: bytes) -> int:
    buf = ctypes.create_string_buffer(attr.ljust(_ATTR_SIZE, b"\0"), _ATTR_SIZE)
    ret = _libc.syscall(_NR_BPF, cmd, buf, _ATTR_SIZE)
    if ret < 0:
        err = ctypes.get_errno()
        raise OSError(err, f"bpf command {cmd}: {os.strerror(err)}")
    return ret


def _addr(buf: ctypes.Array) -> int:
    return ctypes.addressof(buf)


# --- the program ------------------------------------------------------------------------

def _insn(code: int, dst: int = 0, src: int = 0, off: int = 0, imm: int = 0) -> bytes:
    return struct.pack("<BBhi", code, (src << 4) | dst, off, imm)


def program(map_fd: int) -> bytes:
    """The device program looking rules up in the map ``map_fd``."""
    ld_map = (_insn(0x18, 1, 1, 0, map_fd) + _insn(0, 0, 0, 0, 0))   # r1 = map (pseudo fd)
    head = [
        _insn(0xbf, 6, 1),                 # r6 = ctx
        _insn(0x61, 7, 6, 0),              # r7 = ctx->access_type
        _insn(0xbf, 8, 7),                 # r8 = r7
        _insn(0x57, 8, 0, 0, 0xFFFF),      # r8 &= 0xffff        (the device's type)
        _insn(0x77, 7, 0, 0, 16),          # r7 >>= 16           (the access asked for)
        _insn(0x61, 9, 6, 4),              # r9 = ctx->major
    ]
    out = b"".join(head)
    for wild_major, wild_minor in ((False, False), (False, True), (True, False), (True, True)):
        step = [
            _insn(0xb4, 1, 0, 0, -1) if wild_major else _insn(0xbf, 1, 9),   # r1 = major
            _insn(0x67, 1, 0, 0, 32),                                        # r1 <<= 32
            _insn(0xb4, 2, 0, 0, -1) if wild_minor else _insn(0x61, 2, 6, 8),  # r2 = minor
            _insn(0x4f, 1, 2),                                               # r1 |= r2
            _insn(0x7b, 10, 1, -8),                                          # *(u64 *)(fp-8) = r1
        ]
        tail = [
            _insn(0xbf, 2, 10),            # r2 = fp
            _insn(0x07, 2, 0, 0, -8),      # r2 -= 8 (the key)
            _insn(0x85, 0, 0, 0, 1),       # call map_lookup_elem
            _insn(0x15, 0, 0, 8, 0),       # if r0 == 0: next
            _insn(0x61, 1, 0, 0),          # r1 = *value
            _insn(0xbf, 2, 1),             # r2 = r1
            _insn(0x5f, 2, 8),             # r2 &= type
            _insn(0x15, 2, 0, 4, 0),       # if r2 == 0: next
            _insn(0x77, 1, 0, 0, 16),      # r1 >>= 16
            _insn(0x5f, 1, 7),             # r1 &= access
            _insn(0x5d, 1, 7, 1),          # if r1 != access: next
            _insn(0x05, 0, 0, 1),          # goto allow (past the skip below)
        ]
        out += b"".join(step) + ld_map + b"".join(tail)
        # not found here: skip the allow block
        out += _insn(0x05, 0, 0, 2)
        out += _insn(0xb7, 0, 0, 0, 1) + _insn(0x95)            # allow: r0 = 1; exit
    return out + _insn(0xb7, 0, 0, 0, 0) + _insn(0x95)           # deny: r0 = 0; exit


# --- rules ------------------------------------------------------------------------------------

def parse_rule(rule: str) -> tuple[int, int]:
    """A v1 style rule (``c 1:3 rwm``, ``c 136:* rw``, ``a``) as a map (key, value)."""
    parts = rule.split()
    kind = parts[0]
    if kind not in TYPES:
        raise ValueError(f"bad device rule '{rule}'")
    if kind == "a" or len(parts) < 2:
        major = minor = "*"
        access = parts[1] if len(parts) > 2 else "rwm"
    else:
        major, _, minor = parts[1].partition(":")
        access = parts[2] if len(parts) > 2 else "rwm"
    bits = 0
    for ch in access:
        if ch not in ACCESS:
            raise ValueError(f"bad access '{access}' in device rule '{rule}'")
        bits |= ACCESS[ch]
    key = ((WILDCARD if major == "*" else int(major)) << 32) | (
        WILDCARD if minor == "*" else int(minor))
    return key, (bits << 16) | TYPES[kind]


def _map_create() -> int:
    return _bpf(_MAP_CREATE, struct.pack("<IIIII", _MAP_TYPE_HASH, 8, 4, MAX_RULES,
                                         _NO_PREALLOC))


def _map_update(map_fd: int, key: int, value: int) -> None:
    k = ctypes.create_string_buffer(struct.pack("<Q", key), 8)
    v = ctypes.create_string_buffer(struct.pack("<I", value), 4)
    _bpf(_MAP_UPDATE, struct.pack("<IIQQQ", map_fd, 0, _addr(k), _addr(v), 0))


def _map_lookup(map_fd: int, key: int) -> int | None:
    k = ctypes.create_string_buffer(struct.pack("<Q", key), 8)
    v = ctypes.create_string_buffer(4)
    try:
        _bpf(_MAP_LOOKUP, struct.pack("<IIQQQ", map_fd, 0, _addr(k), _addr(v), 0))
    except FileNotFoundError:
        return None
    return int(struct.unpack("<I", v.raw)[0])


def _map_delete(map_fd: int, key: int) -> None:
    k = ctypes.create_string_buffer(struct.pack("<Q", key), 8)
    try:
        _bpf(_MAP_DELETE, struct.pack("<IIQ", map_fd, 0, _addr(k)))
    except FileNotFoundError:
        pass


def map_items(map_fd: int) -> dict[int, int]:
    """Every rule of the map: {key: value}."""
    out: dict[int, int] = {}
    cur = ctypes.create_string_buffer(8)
    nxt = ctypes.create_string_buffer(8)
    first = True
    while True:
        try:
            _bpf(_MAP_NEXT_KEY, struct.pack("<IIQQ", map_fd, 0, 0 if first else _addr(cur),
                                            _addr(nxt)))
        except FileNotFoundError:
            return out
        first = False
        key = int(struct.unpack("<Q", nxt.raw)[0])
        value = _map_lookup(map_fd, key)
        if value is not None:
            out[key] = value
        ctypes.memmove(cur, nxt, 8)


def _load(map_fd: int) -> int:
    code = program(map_fd)
    insns = ctypes.create_string_buffer(code, len(code))
    lic = ctypes.create_string_buffer(b"GPL")
    log = ctypes.create_string_buffer(65536)
    attr = struct.pack("<IIQQIIQII16s", _PROG_TYPE_CGROUP_DEVICE, len(code) // 8,
                       _addr(insns), _addr(lic), 1, len(log), _addr(log), 0, 0,
                       b"pyvirt_devices")
    try:
        return _bpf(_PROG_LOAD, attr)
    except OSError as exc:
        text = log.value.decode(errors="replace").strip()
        raise OSError(exc.errno, f"cannot load the device program: {exc.strerror}"
                      + (f": {text[-500:]}" if text else "")) from None


# --- on a group --------------------------------------------------------------------------------

def install(group_dir: str, rules: list[str]) -> None:
    """Give the v2 group ``group_dir`` a device program allowing only ``rules``
    (v1 syntax); it replaces a program attached there before."""
    map_fd = _map_create()
    prog_fd = cg_fd = -1
    try:
        for rule in rules:
            key, value = parse_rule(rule)
            _map_update(map_fd, key, value | (_map_lookup(map_fd, key) or 0))
        prog_fd = _load(map_fd)
        cg_fd = os.open(group_dir, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        _bpf(_PROG_ATTACH, struct.pack("<IIII", cg_fd, prog_fd, _CGROUP_DEVICE, 0))
    finally:
        for fd in (cg_fd, prog_fd, map_fd):
            if fd >= 0:
                os.close(fd)


def _attached(cg_fd: int) -> list[int]:
    ids = ctypes.create_string_buffer(4 * 16)
    attr = struct.pack("<IIIIQI", cg_fd, _CGROUP_DEVICE, 0, 0, _addr(ids), 16)
    buf = ctypes.create_string_buffer(attr.ljust(_ATTR_SIZE, b"\0"), _ATTR_SIZE)
    if _libc.syscall(_NR_BPF, _PROG_QUERY, buf, _ATTR_SIZE) < 0:
        err = ctypes.get_errno()
        raise OSError(err, f"cannot query the device program: {os.strerror(err)}")
    count = struct.unpack_from("<I", buf.raw, 24)[0]
    return list(struct.unpack_from(f"<{count}I", ids.raw))


def open_map(group_dir: str) -> int:
    """A descriptor of the rule map of the program attached to ``group_dir``
    (the caller closes it); OSError(ENOENT) when the group has none."""
    cg_fd = os.open(group_dir, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        progs = _attached(cg_fd)
    finally:
        os.close(cg_fd)
    if not progs:
        raise OSError(errno.ENOENT, f"no device program on '{group_dir}'")
    prog_fd = _bpf(_PROG_GET_FD_BY_ID, struct.pack("<I", progs[0]))
    try:
        map_ids = ctypes.create_string_buffer(4 * 4)
        info = ctypes.create_string_buffer(256)
        struct.pack_into("<IQ", info, 52, 4, _addr(map_ids))
        _bpf(_OBJ_GET_INFO_BY_FD, struct.pack("<IIQ", prog_fd, len(info), _addr(info)))
        if struct.unpack_from("<I", info.raw, 52)[0] < 1:
            raise OSError(errno.ENOENT, f"the device program of '{group_dir}' has no map")
        map_id = struct.unpack_from("<I", map_ids.raw, 0)[0]
    finally:
        os.close(prog_fd)
    return _bpf(_MAP_GET_FD_BY_ID, struct.pack("<I", map_id))


def allow(group_dir: str, rule: str) -> None:
    """Add ``rule`` to the group's whitelist (the access bits add up)."""
    key, value = parse_rule(rule)
    fd = open_map(group_dir)
    try:
        _map_update(fd, key, value | (_map_lookup(fd, key) or 0))
    finally:
        os.close(fd)


def deny(group_dir: str, rule: str) -> None:
    """Take the access bits of ``rule`` from the group's whitelist."""
    key, value = parse_rule(rule)
    fd = open_map(group_dir)
    try:
        old = _map_lookup(fd, key)
        if old is None:
            return
        left = (old >> 16) & ~(value >> 16)
        if left:
            _map_update(fd, key, (left << 16) | (old & 0xFFFF))
        else:
            _map_delete(fd, key)
    finally:
        os.close(fd)


def rules(group_dir: str) -> list[str]:
    """The group's whitelist in v1 syntax (``c 1:3 rwm``), sorted."""
    fd = open_map(group_dir)
    try:
        items = map_items(fd)
    finally:
        os.close(fd)
    out = []
    for key, value in items.items():
        major, minor = key >> 32, key & WILDCARD
        kind = {1: "b", 2: "c", 3: "a"}[value & 3]
        access = "".join(ch for ch, bit in (("r", 2), ("w", 4), ("m", 1)) if value >> 16 & bit)
        out.append(f"{kind} {'*' if major == WILDCARD else major}:"
                   f"{'*' if minor == WILDCARD else minor} {access}")
    return sorted(out)
