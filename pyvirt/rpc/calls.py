"""How each procedure maps onto the driver interface, for both ends.

A :class:`Call` binds a procedure of :mod:`pyvirt.rpc.remote_protocol` to
the driver method of the same name (``DOMAIN_GET_INFO`` ->
``domainGetInfo``) and converts between the wire's structs and the
driver's (libvirt-python's) shapes:

- daemon side: :meth:`Call.driver_args` turns decoded arguments into the
  driver method's arguments; :meth:`Call.wire_ret` turns its result into
  the return struct;
- client side: :meth:`Call.wire_args` and :meth:`Call.result` do the
  reverse.

The default conversion covers most procedures: visible argument fields
in order, hidden fields (``-need_results``) filled with their declared
value, a one-field return unwrapped, several fields returned as a list,
counts filled from the array they count.  Procedures whose Python shape
differs (``virNodeGetInfo`` reports MiB, ``virDomainGetBlockInfo``
reorders, cpumaps are tuples of booleans ...) register converters below,
each next to its reverse.

Events are described here too: which message procedure carries each
event ID, and how its body maps to the callback's arguments.
"""

from __future__ import annotations

import inspect
import os
from collections.abc import Callable
from typing import Any

from pyvirt import constants as C
from pyvirt.driver import interface as I
from pyvirt.errors import report
from pyvirt.rpc import handles as H
from pyvirt.rpc import remote_protocol as R
from pyvirt.rpc import xdr
from pyvirt.rpc.program import Procedure, Program

FAMILIES = {
    "HypervisorDriver": "hv", "NetworkDriver": "net", "StorageDriver": "stor",
    "NodeDeviceDriver": "dev", "SecretDriver": "sec", "InterfaceDriver": "iface",
    "NWFilterDriver": "nwf",
}

# Where the stream argument sits in the driver method's arguments.
STREAM_POS = {
    "DOMAIN_OPEN_CONSOLE": 2, "DOMAIN_OPEN_CHANNEL": 2, "STORAGE_VOL_UPLOAD": 1,
    "STORAGE_VOL_DOWNLOAD": 1, "DOMAIN_SCREENSHOT": 1,
}

# Where the list of file descriptors (sent as SCM_RIGHTS, not in the struct)
# sits in the driver method's arguments.
FILES_POS = {
    "DOMAIN_FD_ASSOCIATE": 2, "DOMAIN_CREATE_WITH_FILES": 1, "DOMAIN_CREATE_XML_WITH_FILES": 1,
    "DOMAIN_MONITOR_COMMAND_WITH_FILES": 2,
}

# Procedures whose reply carries descriptors (REPLY_WITH_FDS), and where they are
# in the driver method's result: "all" (the result is the one descriptor) or "last"
# (the result is a tuple ending with the list of descriptors).
REPLY_FDS = {"DOMAIN_OPEN_GRAPHICS_FD": "all", "DOMAIN_MONITOR_COMMAND_WITH_FILES": "last"}


def split_fds(name: str, result: Any) -> tuple[Any, list[int]]:
    """(the rest of the result, its descriptors) for a driver result of procedure
    ``name`` in REPLY_FDS (daemon side)."""
    if REPLY_FDS[name] == "all":
        return None, [int(result)]
    *rest, fds = result
    return (rest[0] if len(rest) == 1 else tuple(rest)), [int(fd) for fd in fds]


def join_fds(name: str, result: Any, fds: list[int]) -> Any:
    """The driver result of procedure ``name`` in REPLY_FDS from its decoded reply and
    the descriptors that came with it (client side; libvirt's check of their number)."""
    if REPLY_FDS[name] == "all":
        if len(fds) != 1:
            for fd in fds:
                os.close(fd)
            raise report(C.VIR_ERR_INTERNAL_ERROR, "no file descriptor received",
                         C.VIR_FROM_REMOTE)
        return fds[0]
    return result, fds

# Getters to which libvirt's client library adds VIR_TYPED_PARAM_STRING_OKAY
# (the daemon leaves string parameters out otherwise).
STRING_OKAY = {
    "DOMAIN_GET_MEMORY_PARAMETERS", "DOMAIN_GET_NUMA_PARAMETERS", "DOMAIN_GET_BLKIO_PARAMETERS",
    "DOMAIN_GET_SCHEDULER_PARAMETERS_FLAGS", "DOMAIN_BLOCK_STATS_FLAGS",
    "DOMAIN_GET_INTERFACE_PARAMETERS", "NODE_GET_MEMORY_PARAMETERS", "DOMAIN_GET_BLOCK_IO_TUNE",
    "DOMAIN_GET_CPU_STATS", "NETWORK_PORT_GET_PARAMETERS", "NODE_GET_SEV_INFO",
    "DOMAIN_GET_LAUNCH_SECURITY_INFO",
}

# Procedures of the other programs that map to driver methods by name.
EXTRA_METHODS = {
    ("qemu", "DOMAIN_MONITOR_COMMAND"): ("hv", "domainQemuMonitorCommand"),
    ("qemu", "DOMAIN_AGENT_COMMAND"): ("hv", "domainQemuAgentCommand"),
    ("qemu", "DOMAIN_ATTACH"): ("hv", "domainQemuAttach"),
    ("qemu", "DOMAIN_MONITOR_COMMAND_WITH_FILES"): ("hv", "domainQemuMonitorCommandWithFiles"),
}


def _driver_index() -> dict[str, tuple[str, str, list[str]]]:
    index: dict[str, tuple[str, str, list[str]]] = {}
    for cname, family in FAMILIES.items():
        cls = getattr(I, cname)
        for name, func in vars(cls).items():
            if name.startswith("_") or not callable(func):
                continue
            params = list(inspect.signature(func).parameters)[1:]
            index[name.lower()] = (family, name, params)
    return index


_INDEX = _driver_index()

Converter = Callable[..., Any]
_CUSTOM: dict[str, dict[str, Converter]] = {}


def custom(*names: str) -> Callable[[Converter], Converter]:
    """Register the decorated function as a converter of procedures ``names``.

    The function's name says which: ``driver_args``, ``wire_ret``,
    ``wire_args`` or ``result`` (see :class:`Call`).
    """
    def register(func: Converter) -> Converter:
        for name in names:
            _CUSTOM.setdefault(name, {})[func.__name__.split("__")[0]] = func
        return func
    return register


class Context:
    """What a daemon-side converter may need beyond the values: the drivers."""

    __slots__ = ("drivers",)

    def __init__(self, drivers: Any) -> None:
        self.drivers = drivers


class Call:
    """A procedure bound to its driver method, with its converters."""

    __slots__ = (
        "_count_src",
        "_custom",
        "_defaults",
        "_fixups",
        "_max_arg",
        "_nparams_arg",
        "_params_ret",
        "drop_flags",
        "family",
        "files_pos",
        "hidden_ret",
        "method",
        "params",
        "proc",
        "stream_pos",
        "visible_args",
        "visible_ret",
    )

    def __init__(self, proc: Procedure, family: str | None, method: str | None,
                 params: list[str]) -> None:
        self.proc = proc
        self.family = family
        self.method = method
        self.params = params
        self.visible_args = [i for i, f in enumerate(proc.args_fields) if not f.hidden]
        self.visible_ret = [i for i, f in enumerate(proc.ret_fields) if not f.hidden]
        self.hidden_ret = [i for i, f in enumerate(proc.ret_fields) if f.hidden]
        self.stream_pos = STREAM_POS.get(proc.name)
        self.files_pos = FILES_POS.get(proc.name)
        nvis = (len(self.visible_args) + (1 if self.stream_pos is not None else 0)
                + (1 if self.files_pos is not None else 0))
        # libvirt-python drops the flags of a few calls (memoryStats()).
        self.drop_flags = (method is not None and nvis == len(params) + 1
                           and proc.args_fields and proc.args_fields[-1].name == "flags")
        self._custom = _CUSTOM.get(proc.name, {})
        self._defaults = [proc.arg_defaults.get(f.name, 0) if f.hidden else None
                          for f in proc.args_fields]
        # The first array in the return struct: what hidden counts count.
        self._count_src = next((i for i in self.visible_ret
                                if "<" in proc.ret_fields[i].type), None)
        self._max_arg = next((i for i, f in enumerate(proc.args_fields)
                              if f.hidden and f.name.startswith("max")), None)
        self._nparams_arg = next((i for i, f in enumerate(proc.args_fields)
                                  if f.hidden and f.name == "nparams"), None)
        self._params_ret = next((i for i in self.visible_ret
                                 if proc.ret_fields[i].type.split("<")[0] in ("tp", "kv")),
                                None)
        self._fixups = [(i, _FIXUPS[base]) for i in self.visible_ret
                        for base in [proc.ret_fields[i].type.split("<")[0]]
                        if base in _FIXUPS]

    # -- daemon side -------------------------------------------------------------
    def driver_method(self, wire: tuple) -> str | None:
        """Return the driver method that serves these arguments (usually ``method``)."""
        choose = self._custom.get("driver_method")
        return choose(self, wire) if choose is not None else self.method

    def driver_args(self, wire: tuple, stream: Any = None,
                    files: list[int] | None = None) -> tuple:
        """Return the driver method's arguments for decoded wire arguments
        (``files``: the descriptors the call carried)."""
        conv = self._custom.get("driver_args")
        if conv is not None:
            return conv(self, wire, stream)
        args = [wire[i] for i in self.visible_args]
        if self.drop_flags:
            args.pop()
        if self.stream_pos is not None:
            args.insert(self.stream_pos, stream)
        if self.files_pos is not None:
            args.insert(self.files_pos, list(files or ()))
        return tuple(args)

    def wire_ret(self, result: Any, wire_args: tuple, ctx: Context | None = None) -> tuple:
        """Return the return struct's values for a driver result."""
        conv = self._custom.get("wire_ret")
        if conv is not None:
            return conv(self, result, wire_args, ctx)
        fields = self.proc.ret_fields
        if not fields:
            return ()
        out: list[Any] = [0] * len(fields)
        if len(self.visible_ret) == 1:
            # Drivers answer None for libvirt's "0 on success" integers.
            out[self.visible_ret[0]] = 0 if result is None else result
        else:
            values = list(result)
            if len(values) != len(self.visible_ret):
                raise xdr.XDRError(f"{self.method} returned {len(values)} values, "
                                   f"{len(self.visible_ret)} expected")
            for i, v in zip(self.visible_ret, values):
                out[i] = v
        if self._max_arg is not None and self._count_src is not None:
            limit = wire_args[self._max_arg]
            if limit >= 0:
                out[self._count_src] = list(out[self._count_src])[:limit]
        count = len(out[self._count_src]) if self._count_src is not None else 0
        if (self._nparams_arg is not None and self._params_ret is not None
                and wire_args[self._nparams_arg] == 0):
            count = len(out[self._params_ret] or ())
            out[self._params_ret] = {}
        for i in self.hidden_ret:
            out[i] = count
        if ctx is not None and self._fixups:
            for i, fix in self._fixups:
                value = out[i]
                out[i] = ([fix(v, wire_args, ctx) for v in value] if isinstance(value, list)
                          else fix(value, wire_args, ctx))
        return tuple(out)

    # -- client side ---------------------------------------------------------------
    @property
    def plain(self) -> bool:
        """True when the method's arguments are the argument struct as they are (no
        hidden fields, stream or converter), so a client may encode them directly."""
        return (not self._custom and self.stream_pos is None and self.files_pos is None
                and self.proc.name not in REPLY_FDS
                and not self.drop_flags
                and all(d is None for d in self._defaults)
                and self.proc.name not in STRING_OKAY)

    def wire_args(self, args: tuple) -> tuple:
        """Return the argument struct's values for a driver method's arguments."""
        conv = self._custom.get("wire_args")
        if conv is not None:
            return conv(self, args)
        vals = list(args)
        if self.stream_pos is not None:
            del vals[self.stream_pos]
        if self.files_pos is not None:
            del vals[self.files_pos]
        if self.drop_flags:
            vals.append(0)
        it = iter(vals)
        try:
            out = tuple(next(it) if d is None else d for d in self._defaults)
        except StopIteration:
            raise TypeError(f"{self.method}() takes {len(self.visible_args)} arguments") from None
        if self.proc.name in STRING_OKAY:
            out = (*out[:-1], out[-1] | C.VIR_TYPED_PARAM_STRING_OKAY)
        return out

    def result(self, wire_ret: tuple, args: tuple) -> Any:
        """Return the driver-shaped result for a decoded return struct."""
        conv = self._custom.get("result")
        if conv is not None:
            return conv(self, wire_ret, args)
        vis = self.visible_ret
        if not vis:
            return None
        if len(vis) == 1:
            return wire_ret[vis[0]]
        return [wire_ret[i] for i in vis]


def bind(program: Program) -> dict[int, Call]:
    """Return the Call of every procedure of ``program`` that is not an event."""
    calls: dict[int, Call] = {}
    for proc in program:
        if proc.is_event:
            continue
        family: str | None
        method: str | None
        extra = EXTRA_METHODS.get((program.name, proc.name))
        if extra is not None:
            family, method = extra
            params = [f.name for f in proc.args_fields if not f.hidden]
            if proc.name in FILES_POS:
                params.insert(FILES_POS[proc.name], "files")
        else:
            entry = None if proc.internal else _INDEX.get(proc.camel.lower())
            family, method, params = entry if entry else (None, None, [])
        proc.family, proc.method = family, method
        calls[proc.number] = Call(proc, family, method, params)
    return calls


# --- cpumaps: libvirt-python's tuples of booleans <-> bitmap bytes ---------------
def bits_to_bools(data: bytes, count: int | None = None) -> tuple[bool, ...]:
    """Return a tuple of booleans, one per CPU, from a cpumap bitmap."""
    n = len(data) * 8 if count is None else count
    return tuple(bool(data[i >> 3] & (1 << (i & 7))) if (i >> 3) < len(data) else False
                 for i in range(n))


def bools_to_bits(flags: Any, length: int | None = None) -> bytes:
    """Return the cpumap bitmap of a sequence of booleans (padded to ``length`` bytes)."""
    flags = list(flags or ())
    out = bytearray(max((len(flags) + 7) // 8, length or 0))
    for i, on in enumerate(flags):
        if on:
            out[i >> 3] |= 1 << (i & 7)
    return bytes(out[:length] if length is not None else out)


def _nul(text: Any) -> bytes:
    data = text.encode() if isinstance(text, str) else bytes(text or b"")
    return data + b"\0"


def _unnul(data: bytes) -> str:
    return data.split(b"\0", 1)[0].decode("utf-8", "replace")


# --- handle fixups (daemon side): fill what a driver's handle may lack ---------------
def _fix_secret(h: Any, wire_args: tuple, ctx: Context) -> Any:
    if type(h) is H.SecretHandle:
        return h
    utype = getattr(h, "usageType", getattr(h, "usage_type", None))
    uid = getattr(h, "usageID", getattr(h, "usage_id", None))
    if utype is None or uid is None:
        try:
            utype = ctx.drivers.sec.secretGetUsageType(h)
            uid = ctx.drivers.sec.secretGetUsageID(h)
        except Exception:  # noqa: BLE001 - a secret with no usage
            utype, uid = 0, ""
    return H.SecretHandle(h.uuid, utype or 0, uid or "")


def _fix_vol(h: Any, wire_args: tuple, ctx: Context) -> Any:
    if type(h) is H.StorageVolHandle:
        return h
    pool = getattr(h, "pool", None) or getattr(h, "pool_name", None)
    if pool is None:
        pool = next((a for a in wire_args if isinstance(a, H.StoragePoolHandle)), None)
    if pool is None:
        try:
            pool = ctx.drivers.stor.storagePoolLookupByVolume(h)
        except Exception:  # noqa: BLE001 - a volume without a pool
            pool = ""
    return H.StorageVolHandle(pool if isinstance(pool, str) else pool.name, h.name, h.key)


def _request_dom(wire_args: tuple) -> Any:
    for a in wire_args:
        if isinstance(a, H.DomainHandle):
            return a
        if isinstance(a, (H.SnapshotHandle, H.CheckpointHandle)):
            return a.dom
    return None


def _fix_child(cls: type) -> Callable[[Any, tuple, Context], Any]:
    def fix(h: Any, wire_args: tuple, ctx: Context) -> Any:
        if type(h) is cls:
            return h
        dom = getattr(h, "dom", None) or getattr(h, "domain", None) or _request_dom(wire_args)
        if dom is not None and not isinstance(dom, H.DomainHandle):
            dom = H.DomainHandle(dom.name, dom.uuid, getattr(dom, "id", -1))
        return cls(h.name, dom)
    return fix


def _fix_port(h: Any, wire_args: tuple, ctx: Context) -> Any:
    if type(h) is H.NetworkPortHandle:
        return h
    net = getattr(h, "net", None) or getattr(h, "network", None)
    if net is None:
        net = next((a for a in wire_args if isinstance(a, H.NetworkHandle)), None)
    return H.NetworkPortHandle(net, h.uuid)


_FIXUPS: dict[str, Callable[[Any, tuple, Context], Any]] = {
    "secret": _fix_secret, "vol": _fix_vol, "port": _fix_port,
    "snap": _fix_child(H.SnapshotHandle), "checkpoint": _fix_child(H.CheckpointHandle),
}


# --- converters of procedures whose Python shape differs ------------------------------
@custom("NODE_GET_INFO")
def wire_ret__nodeinfo(call: Call, result: Any, wire_args: tuple, ctx: Any) -> tuple:
    r = list(result)
    # libvirt-python reports MiB, the wire KiB (exact when the driver kept it: MiB.kib)
    r[1] = getattr(r[1], "kib", None) or int(r[1]) * 1024
    return tuple(r)


@custom("NODE_GET_INFO")
def result__nodeinfo(call: Call, w: tuple, args: tuple) -> Any:
    r = list(w)
    r[1] = r[1] >> 10
    return r


@custom("DOMAIN_GET_BLOCK_INFO")
def wire_ret__blockinfo(call: Call, result: Any, wire_args: tuple, ctx: Any) -> tuple:
    capacity, allocation, physical = result
    return (allocation, capacity, physical)


@custom("DOMAIN_GET_BLOCK_INFO")
def result__blockinfo(call: Call, w: tuple, args: tuple) -> Any:
    return [w[1], w[0], w[2]]


@custom("DOMAIN_GET_JOB_STATS")
def wire_ret__jobstats(call: Call, result: Any, wire_args: tuple, ctx: Any) -> tuple:
    params = dict(result or {})
    return (params.pop("type", 0), params)


@custom("DOMAIN_GET_JOB_STATS")
def result__jobstats(call: Call, w: tuple, args: tuple) -> Any:
    out = {"type": w[0]}
    out.update(w[1])
    return out


MEMORY_STAT_NAMES = {
    C.VIR_DOMAIN_MEMORY_STAT_SWAP_IN: "swap_in", C.VIR_DOMAIN_MEMORY_STAT_SWAP_OUT: "swap_out",
    C.VIR_DOMAIN_MEMORY_STAT_MAJOR_FAULT: "major_fault",
    C.VIR_DOMAIN_MEMORY_STAT_MINOR_FAULT: "minor_fault",
    C.VIR_DOMAIN_MEMORY_STAT_UNUSED: "unused", C.VIR_DOMAIN_MEMORY_STAT_AVAILABLE: "available",
    C.VIR_DOMAIN_MEMORY_STAT_ACTUAL_BALLOON: "actual", C.VIR_DOMAIN_MEMORY_STAT_RSS: "rss",
    C.VIR_DOMAIN_MEMORY_STAT_USABLE: "usable",
    C.VIR_DOMAIN_MEMORY_STAT_LAST_UPDATE: "last_update",
    C.VIR_DOMAIN_MEMORY_STAT_DISK_CACHES: "disk_caches",
    C.VIR_DOMAIN_MEMORY_STAT_HUGETLB_PGALLOC: "hugetlb_pgalloc",
    C.VIR_DOMAIN_MEMORY_STAT_HUGETLB_PGFAIL: "hugetlb_pgfail",
}
_MEMORY_STAT_TAGS = {v: k for k, v in MEMORY_STAT_NAMES.items()}


@custom("DOMAIN_MEMORY_STATS")
def wire_ret__memstats(call: Call, result: Any, wire_args: tuple, ctx: Any) -> tuple:
    return ([(_MEMORY_STAT_TAGS[k], v) for k, v in (result or {}).items()
             if k in _MEMORY_STAT_TAGS],)


@custom("DOMAIN_MEMORY_STATS")
def result__memstats(call: Call, w: tuple, args: tuple) -> Any:
    return {MEMORY_STAT_NAMES[t]: v for t, v in w[0] if t in MEMORY_STAT_NAMES}


@custom("DOMAIN_REVERT_TO_SNAPSHOT")
def driver_args__revert(call: Call, wire: tuple, stream: Any) -> tuple:
    snap, flags = wire
    return (snap.dom, snap, flags)


@custom("DOMAIN_REVERT_TO_SNAPSHOT")
def wire_args__revert(call: Call, args: tuple) -> tuple:
    _dom, snap, flags = args
    return (snap, flags)


@custom("DOMAIN_SEND_KEY")
def driver_args__sendkey(call: Call, wire: tuple, stream: Any) -> tuple:
    dom, codeset, holdtime, keycodes, flags = wire
    return (dom, codeset, holdtime, list(keycodes), len(keycodes), flags)


@custom("DOMAIN_SEND_KEY")
def wire_args__sendkey(call: Call, args: tuple) -> tuple:
    dom, codeset, holdtime, keycodes, nkeycodes, flags = args
    return (dom, codeset, holdtime, list(keycodes)[:nkeycodes], flags)


@custom("DOMAIN_PIN_VCPU", "DOMAIN_PIN_VCPU_FLAGS", "DOMAIN_PIN_EMULATOR", "DOMAIN_PIN_IOTHREAD")
def driver_args__pin(call: Call, wire: tuple, stream: Any) -> tuple:
    args = list(wire)
    pos = next(i for i, f in enumerate(call.proc.args_fields) if f.name == "cpumap")
    args[pos] = bits_to_bools(args[pos])
    return tuple(args)


@custom("DOMAIN_PIN_VCPU", "DOMAIN_PIN_VCPU_FLAGS", "DOMAIN_PIN_EMULATOR", "DOMAIN_PIN_IOTHREAD")
def wire_args__pin(call: Call, args: tuple) -> tuple:
    vals = list(args)
    pos = next(i for i, f in enumerate(call.proc.args_fields) if f.name == "cpumap")
    vals[pos] = bools_to_bits(vals[pos])
    return tuple(vals)


@custom("DOMAIN_GET_VCPUS")
def wire_ret__vcpus(call: Call, result: Any, wire_args: tuple, ctx: Any) -> tuple:
    infos, maps = result
    maxinfo, maplen = wire_args[1], wire_args[2]
    infos = [tuple(i) for i in infos][:maxinfo]
    cpumaps = b"".join(bools_to_bits(m, maplen) for m in list(maps)[:maxinfo]) if maplen else b""
    return (infos, cpumaps)


@custom("DOMAIN_GET_VCPU_PIN_INFO")
def wire_ret__pininfo(call: Call, result: Any, wire_args: tuple, ctx: Any) -> tuple:
    ncpumaps, maplen = wire_args[1], wire_args[2]
    maps = list(result)[:ncpumaps]
    return (b"".join(bools_to_bits(m, maplen) for m in maps), len(maps))


@custom("DOMAIN_GET_EMULATOR_PIN_INFO")
def wire_ret__emupin(call: Call, result: Any, wire_args: tuple, ctx: Any) -> tuple:
    return (bools_to_bits(result, wire_args[1]), 1)


@custom("DOMAIN_GET_IOTHREAD_INFO")
def wire_ret__iothreads(call: Call, result: Any, wire_args: tuple, ctx: Any) -> tuple:
    info = [(tid, bools_to_bits(cpus)) for tid, cpus in result]
    return (info, len(info))


@custom("DOMAIN_GET_CPU_STATS")
def driver_args__cpustats(call: Call, wire: tuple, stream: Any) -> tuple:
    dom, _nparams, start_cpu, _ncpus, flags = wire
    return (dom, start_cpu == -1, flags)


@custom("DOMAIN_GET_CPU_STATS")
def wire_ret__cpustats(call: Call, result: Any, wire_args: tuple, ctx: Any) -> tuple:
    # libvirt's convention: nparams 0 asks for a count (of CPUs when ncpus is 0,
    # else of stats per CPU); otherwise the stats of CPUs [start, start + ncpus)
    # travel flat, ret.nparams apart.
    _dom, nparams, start, ncpus, _flags = wire_args
    stats = [dict(d) for d in result or ()]
    if nparams == 0:
        if start != -1 and ncpus == 0:
            return ([], len(stats))
        return ([], len(stats[0]) if stats else 0)
    chosen = stats if start == -1 else stats[start:start + ncpus]
    stride = min(nparams, max((len(d) for d in chosen), default=0))
    pairs = [item for d in chosen for item in list(d.items())[:stride]]
    return (pairs, stride)


@custom("DOMAIN_GET_SECURITY_LABEL")
def wire_ret__seclabel(call: Call, result: Any, wire_args: tuple, ctx: Any) -> tuple:
    label, enforcing = result
    return (_nul(label) if label else b"", enforcing)


@custom("DOMAIN_GET_SECURITY_LABEL")
def result__seclabel(call: Call, w: tuple, args: tuple) -> Any:
    return [_unnul(w[0]), w[1]]


@custom("DOMAIN_GET_SECURITY_LABEL_LIST")
def wire_ret__seclabels(call: Call, result: Any, wire_args: tuple, ctx: Any) -> tuple:
    labels = [(_nul(label) if label else b"", enforcing) for label, enforcing in result]
    return (labels, len(labels))


@custom("DOMAIN_GET_SECURITY_LABEL_LIST")
def result__seclabels(call: Call, w: tuple, args: tuple) -> Any:
    return [[_unnul(label), enforcing] for label, enforcing in w[0]]


@custom("NODE_GET_SECURITY_MODEL")
def wire_ret__secmodel(call: Call, result: Any, wire_args: tuple, ctx: Any) -> tuple:
    model, doi = result
    return (_nul(model) if model else b"", _nul(doi) if doi else b"")


@custom("NODE_GET_SECURITY_MODEL")
def result__secmodel(call: Call, w: tuple, args: tuple) -> Any:
    return [_unnul(w[0]), _unnul(w[1])]


@custom("DOMAIN_GET_BLOCK_JOB_INFO")
def wire_ret__blockjob(call: Call, result: Any, wire_args: tuple, ctx: Any) -> tuple:
    if not result:
        return (0, 0, 0, 0, 0)
    return (1, result.get("type", 0), result.get("bandwidth", 0), result.get("cur", 0),
            result.get("end", 0))


@custom("DOMAIN_GET_BLOCK_JOB_INFO")
def result__blockjob(call: Call, w: tuple, args: tuple) -> Any:
    found, jtype, bandwidth, cur, end = w
    if not found:
        return {}
    return {"type": jtype, "bandwidth": bandwidth, "cur": cur, "end": end}


@custom("DOMAIN_GET_DISK_ERRORS")
def wire_ret__diskerrors(call: Call, result: Any, wire_args: tuple, ctx: Any) -> tuple:
    errors = list((result or {}).items())
    # maxerrors 0 asks for the count only (libvirt-python asks that first).
    return (errors[:wire_args[1]], len(errors))


@custom("DOMAIN_GET_DISK_ERRORS")
def result__diskerrors(call: Call, w: tuple, args: tuple) -> Any:
    return dict(w[0])


@custom("NODE_GET_CPU_MAP")
def wire_ret__cpumap(call: Call, result: Any, wire_args: tuple, ctx: Any) -> tuple:
    ncpus, cpus, online = result
    need_map, need_online = wire_args[0], wire_args[1]
    return (bools_to_bits(cpus) if need_map else b"", online if need_online else 0, ncpus)


@custom("NODE_GET_CPU_MAP")
def result__cpumap(call: Call, w: tuple, args: tuple) -> Any:
    cpumap, online, ncpus = w
    return (ncpus, bits_to_bools(cpumap, ncpus), online)


@custom("NODE_GET_FREE_PAGES")
def wire_ret__freepages(call: Call, result: Any, wire_args: tuple, ctx: Any) -> tuple:
    pages = wire_args[0]
    counts = [cell.get(p, 0) for _, cell in sorted((result or {}).items()) for p in pages]
    return (counts,)


@custom("NODE_GET_FREE_PAGES")
def result__freepages(call: Call, w: tuple, args: tuple) -> Any:
    pages, start = list(args[0]), args[1]
    counts = w[0]
    out: dict[int, dict[int, int]] = {}
    for i in range(0, len(counts), max(len(pages), 1)):
        out[start + i // max(len(pages), 1)] = dict(zip(pages, counts[i:i + len(pages)]))
    return out


@custom("NODE_ALLOC_PAGES")
def driver_args__allocpages(call: Call, wire: tuple, stream: Any) -> tuple:
    sizes, counts, start, count, flags = wire
    return (dict(zip(sizes, counts)), start, count, flags)


@custom("NODE_ALLOC_PAGES")
def wire_args__allocpages(call: Call, args: tuple) -> tuple:
    pages, start, count, flags = args
    return (list(pages), [pages[k] for k in pages], start, count, flags)


@custom("DOMAIN_GET_TIME")
def wire_ret__gettime(call: Call, result: Any, wire_args: tuple, ctx: Any) -> tuple:
    return (result["seconds"], result.get("nseconds", 0))


@custom("DOMAIN_GET_TIME")
def result__gettime(call: Call, w: tuple, args: tuple) -> Any:
    return {"seconds": w[0], "nseconds": w[1]}


@custom("DOMAIN_SET_TIME")
def driver_args__settime(call: Call, wire: tuple, stream: Any) -> tuple:
    dom, seconds, nseconds, flags = wire
    return (dom, {"seconds": seconds, "nseconds": nseconds}, flags)


@custom("DOMAIN_SET_TIME")
def wire_args__settime(call: Call, args: tuple) -> tuple:
    dom, time, flags = args
    time = time or {}
    return (dom, time.get("seconds", 0), time.get("nseconds", 0), flags)


_LEASE_KEYS = ("iface", "expirytime", "type", "mac", "iaid", "ipaddr", "prefix", "hostname",
               "clientid")


@custom("NETWORK_GET_DHCP_LEASES")
def wire_ret__leases(call: Call, result: Any, wire_args: tuple, ctx: Any) -> tuple:
    leases = [tuple(lease.get(k) for k in _LEASE_KEYS) for lease in result or ()]
    return (leases, len(leases))


@custom("NETWORK_GET_DHCP_LEASES")
def result__leases(call: Call, w: tuple, args: tuple) -> Any:
    return [dict(zip(_LEASE_KEYS, lease)) for lease in w[0]]


@custom("DOMAIN_INTERFACE_ADDRESSES")
def wire_ret__ifaddrs(call: Call, result: Any, wire_args: tuple, ctx: Any) -> tuple:
    ifaces = [(name, info.get("hwaddr"),
               [(a["type"], a["addr"], a["prefix"]) for a in info.get("addrs") or ()])
              for name, info in (result or {}).items()]
    return (ifaces,)


@custom("DOMAIN_INTERFACE_ADDRESSES")
def result__ifaddrs(call: Call, w: tuple, args: tuple) -> Any:
    return {name: {"hwaddr": hwaddr,
                   "addrs": [{"type": t, "addr": a, "prefix": p} for t, a, p in addrs]}
            for name, hwaddr, addrs in w[0]}


@custom("CONNECT_GET_ALL_DOMAIN_STATS")
def driver_method__allstats(call: Call, wire: tuple) -> str:
    return "domainListGetStats" if wire[0] else "connectGetAllDomainStats"


@custom("CONNECT_GET_ALL_DOMAIN_STATS")
def driver_args__allstats(call: Call, wire: tuple, stream: Any) -> tuple:
    doms, stats, flags = wire
    return (doms, stats, flags) if doms else (stats, flags)


@custom("CONNECT_GET_ALL_DOMAIN_STATS")
def wire_args__allstats(call: Call, args: tuple) -> tuple:
    stats, flags = args
    return ([], stats, flags)


@custom("CONNECT_GET_ALL_DOMAIN_STATS")
def result__allstats(call: Call, w: tuple, args: tuple) -> Any:
    return [tuple(rec) for rec in w[0]]


@custom("DOMAIN_CREATE_WITH_FLAGS", "DOMAIN_CREATE_WITH_FILES")
def wire_ret__created(call: Call, result: Any, wire_args: tuple, ctx: Any) -> tuple:
    dom = wire_args[0]
    if ctx is not None:
        try:
            dom = lookup_domain(ctx.drivers.hv, dom)
        except Exception:  # noqa: BLE001 - the create succeeded; keep the handle we have
            dom = wire_args[0]
    return (dom,)


@custom("DOMAIN_CREATE_WITH_FLAGS", "DOMAIN_CREATE_WITH_FILES")
def result__created(call: Call, w: tuple, args: tuple) -> Any:
    _set_id(args[0], w[0].id)
    return None


@custom("DOMAIN_DESTROY", "DOMAIN_DESTROY_FLAGS")
def result__destroyed(call: Call, w: tuple, args: tuple) -> Any:
    _set_id(args[0], -1)
    return None


@custom("DOMAIN_RENAME")
def result__rename(call: Call, w: tuple, args: tuple) -> Any:
    # As libvirt's remote driver: the renamed domain's object takes the new name.
    if w[0] == 0 and args[1]:
        try:
            args[0].name = args[1]
        except AttributeError:
            pass
    return w[0]


def _set_id(handle: Any, new_id: int) -> None:
    try:
        handle.id = new_id
    except AttributeError:
        pass


def lookup_domain(hv: Any, dom: Any) -> Any:
    """Look ``dom`` up again by UUID (its id changes when it starts or stops)."""
    from pyvirt.errors import libvirtError
    try:
        return hv.domainLookupByUUIDString(dom.uuid)
    except libvirtError as exc:
        if exc.get_error_code() != C.VIR_ERR_NO_SUPPORT:
            raise
    return hv.domainLookupByUUID(xdr.uuid_raw(dom.uuid))


# --- events ------------------------------------------------------------------------------
# How an event's body maps to the callback's arguments:
#   nested  (callbackID, (obj, *args))      the older domain events
#   reason  (callbackID, reason, (obj,))    pmwakeup / pmsuspend / pmsuspend-disk
#   flat    (callbackID, obj, *args)        every later event
_D = C
DOMAIN_EVENTS: dict[int, tuple[str, str, str | None]] = {
    # event ID: (callback message, layout, legacy message without callback ID)
    _D.VIR_DOMAIN_EVENT_ID_LIFECYCLE: ("DOMAIN_EVENT_CALLBACK_LIFECYCLE", "nested", "DOMAIN_EVENT_LIFECYCLE"),
    _D.VIR_DOMAIN_EVENT_ID_REBOOT: ("DOMAIN_EVENT_CALLBACK_REBOOT", "nested", "DOMAIN_EVENT_REBOOT"),
    _D.VIR_DOMAIN_EVENT_ID_RTC_CHANGE: ("DOMAIN_EVENT_CALLBACK_RTC_CHANGE", "nested", "DOMAIN_EVENT_RTC_CHANGE"),
    _D.VIR_DOMAIN_EVENT_ID_WATCHDOG: ("DOMAIN_EVENT_CALLBACK_WATCHDOG", "nested", "DOMAIN_EVENT_WATCHDOG"),
    _D.VIR_DOMAIN_EVENT_ID_IO_ERROR: ("DOMAIN_EVENT_CALLBACK_IO_ERROR", "nested", "DOMAIN_EVENT_IO_ERROR"),
    _D.VIR_DOMAIN_EVENT_ID_GRAPHICS: ("DOMAIN_EVENT_CALLBACK_GRAPHICS", "nested", "DOMAIN_EVENT_GRAPHICS"),
    _D.VIR_DOMAIN_EVENT_ID_IO_ERROR_REASON: ("DOMAIN_EVENT_CALLBACK_IO_ERROR_REASON", "nested", "DOMAIN_EVENT_IO_ERROR_REASON"),
    _D.VIR_DOMAIN_EVENT_ID_CONTROL_ERROR: ("DOMAIN_EVENT_CALLBACK_CONTROL_ERROR", "nested", "DOMAIN_EVENT_CONTROL_ERROR"),
    _D.VIR_DOMAIN_EVENT_ID_BLOCK_JOB: ("DOMAIN_EVENT_CALLBACK_BLOCK_JOB", "nested", "DOMAIN_EVENT_BLOCK_JOB"),
    _D.VIR_DOMAIN_EVENT_ID_DISK_CHANGE: ("DOMAIN_EVENT_CALLBACK_DISK_CHANGE", "nested", "DOMAIN_EVENT_DISK_CHANGE"),
    _D.VIR_DOMAIN_EVENT_ID_TRAY_CHANGE: ("DOMAIN_EVENT_CALLBACK_TRAY_CHANGE", "nested", "DOMAIN_EVENT_TRAY_CHANGE"),
    _D.VIR_DOMAIN_EVENT_ID_PMWAKEUP: ("DOMAIN_EVENT_CALLBACK_PMWAKEUP", "reason", "DOMAIN_EVENT_PMWAKEUP"),
    _D.VIR_DOMAIN_EVENT_ID_PMSUSPEND: ("DOMAIN_EVENT_CALLBACK_PMSUSPEND", "reason", "DOMAIN_EVENT_PMSUSPEND"),
    _D.VIR_DOMAIN_EVENT_ID_BALLOON_CHANGE: ("DOMAIN_EVENT_CALLBACK_BALLOON_CHANGE", "nested", "DOMAIN_EVENT_BALLOON_CHANGE"),
    _D.VIR_DOMAIN_EVENT_ID_PMSUSPEND_DISK: ("DOMAIN_EVENT_CALLBACK_PMSUSPEND_DISK", "reason", "DOMAIN_EVENT_PMSUSPEND_DISK"),
    _D.VIR_DOMAIN_EVENT_ID_DEVICE_REMOVED: ("DOMAIN_EVENT_CALLBACK_DEVICE_REMOVED", "nested", "DOMAIN_EVENT_DEVICE_REMOVED"),
    _D.VIR_DOMAIN_EVENT_ID_BLOCK_JOB_2: ("DOMAIN_EVENT_BLOCK_JOB_2", "flat", None),
    _D.VIR_DOMAIN_EVENT_ID_TUNABLE: ("DOMAIN_EVENT_CALLBACK_TUNABLE", "flat", None),
    _D.VIR_DOMAIN_EVENT_ID_AGENT_LIFECYCLE: ("DOMAIN_EVENT_CALLBACK_AGENT_LIFECYCLE", "flat", None),
    _D.VIR_DOMAIN_EVENT_ID_DEVICE_ADDED: ("DOMAIN_EVENT_CALLBACK_DEVICE_ADDED", "flat", None),
    _D.VIR_DOMAIN_EVENT_ID_MIGRATION_ITERATION: ("DOMAIN_EVENT_CALLBACK_MIGRATION_ITERATION", "flat", None),
    _D.VIR_DOMAIN_EVENT_ID_JOB_COMPLETED: ("DOMAIN_EVENT_CALLBACK_JOB_COMPLETED", "flat", None),
    _D.VIR_DOMAIN_EVENT_ID_DEVICE_REMOVAL_FAILED: ("DOMAIN_EVENT_CALLBACK_DEVICE_REMOVAL_FAILED", "flat", None),
    _D.VIR_DOMAIN_EVENT_ID_METADATA_CHANGE: ("DOMAIN_EVENT_CALLBACK_METADATA_CHANGE", "flat", None),
    _D.VIR_DOMAIN_EVENT_ID_BLOCK_THRESHOLD: ("DOMAIN_EVENT_BLOCK_THRESHOLD", "flat", None),
    _D.VIR_DOMAIN_EVENT_ID_MEMORY_FAILURE: ("DOMAIN_EVENT_MEMORY_FAILURE", "flat", None),
    _D.VIR_DOMAIN_EVENT_ID_MEMORY_DEVICE_SIZE_CHANGE: ("DOMAIN_EVENT_MEMORY_DEVICE_SIZE_CHANGE", "flat", None),
}

OTHER_EVENTS: dict[tuple[str, int], str] = {
    ("network", C.VIR_NETWORK_EVENT_ID_LIFECYCLE): "NETWORK_EVENT_LIFECYCLE",
    ("pool", C.VIR_STORAGE_POOL_EVENT_ID_LIFECYCLE): "STORAGE_POOL_EVENT_LIFECYCLE",
    ("pool", C.VIR_STORAGE_POOL_EVENT_ID_REFRESH): "STORAGE_POOL_EVENT_REFRESH",
    ("nodedev", C.VIR_NODE_DEVICE_EVENT_ID_LIFECYCLE): "NODE_DEVICE_EVENT_LIFECYCLE",
    ("nodedev", C.VIR_NODE_DEVICE_EVENT_ID_UPDATE): "NODE_DEVICE_EVENT_UPDATE",
    ("secret", C.VIR_SECRET_EVENT_ID_LIFECYCLE): "SECRET_EVENT_LIFECYCLE",
    ("secret", C.VIR_SECRET_EVENT_ID_VALUE_CHANGED): "SECRET_EVENT_VALUE_CHANGED",
}

# family -> (register procedure, deregister procedure, driver family, driver register
# method, driver deregister method)
EVENT_FAMILIES = {
    "domain": ("CONNECT_DOMAIN_EVENT_CALLBACK_REGISTER_ANY",
               "CONNECT_DOMAIN_EVENT_CALLBACK_DEREGISTER_ANY", "hv",
               "connectDomainEventRegisterAny", "connectDomainEventDeregisterAny"),
    "network": ("CONNECT_NETWORK_EVENT_REGISTER_ANY", "CONNECT_NETWORK_EVENT_DEREGISTER_ANY",
                "net", "connectNetworkEventRegisterAny", "connectNetworkEventDeregisterAny"),
    "pool": ("CONNECT_STORAGE_POOL_EVENT_REGISTER_ANY",
             "CONNECT_STORAGE_POOL_EVENT_DEREGISTER_ANY", "stor",
             "connectStoragePoolEventRegisterAny", "connectStoragePoolEventDeregisterAny"),
    "nodedev": ("CONNECT_NODE_DEVICE_EVENT_REGISTER_ANY",
                "CONNECT_NODE_DEVICE_EVENT_DEREGISTER_ANY", "dev",
                "connectNodeDeviceEventRegisterAny", "connectNodeDeviceEventDeregisterAny"),
    "secret": ("CONNECT_SECRET_EVENT_REGISTER_ANY", "CONNECT_SECRET_EVENT_DEREGISTER_ANY",
               "sec", "connectSecretEventRegisterAny", "connectSecretEventDeregisterAny"),
}

# message procedure name -> (family, event ID, layout)
_EVENT_BY_PROC: dict[str, tuple[str, int, str]] = {}
for _eid, (_proc, _layout, _legacy) in DOMAIN_EVENTS.items():
    _EVENT_BY_PROC[_proc] = ("domain", _eid, _layout)
    if _legacy:
        _EVENT_BY_PROC[_legacy] = ("domain", _eid, "legacy")
for (_fam, _eid), _proc in OTHER_EVENTS.items():
    _EVENT_BY_PROC[_proc] = (_fam, _eid, "flat")


def _graphics_to_wire(args: tuple) -> tuple:
    phase, local, remote, scheme, subject = args

    def addr(a: Any) -> tuple:
        a = a or {}
        return (int(a.get("family", 0)), a.get("node", ""), a.get("service", ""))
    return (phase, addr(local), addr(remote), scheme, [tuple(s) for s in subject or ()])


def _graphics_from_wire(args: tuple) -> tuple:
    phase, local, remote, scheme, subject = args

    def addr(a: tuple) -> dict:
        return {"family": a[0], "node": a[1], "service": a[2]}
    return (phase, addr(local), addr(remote), scheme, [tuple(s) for s in subject])


def event_message(family: str, event_id: int, cbid: int | None, handle: Any,
                  args: tuple) -> tuple[str, tuple]:
    """Return (message procedure name, body values) for an event (daemon side).

    ``cbid`` None selects the legacy domain messages without a callback ID.
    """
    if family == "domain" and event_id == C.VIR_DOMAIN_EVENT_ID_GRAPHICS:
        args = _graphics_to_wire(args)
    if family != "domain":
        return OTHER_EVENTS[(family, event_id)], (cbid, handle, *args)
    proc, layout, legacy = DOMAIN_EVENTS[event_id]
    if cbid is None:
        if legacy is None:
            raise KeyError(event_id)
        inner = (handle,) if layout == "reason" else (handle, *args)
        return legacy, inner
    if layout == "nested":
        return proc, (cbid, (handle, *args))
    if layout == "reason":
        return proc, (cbid, args[0] if args else 0, (handle,))
    return proc, (cbid, handle, *args)


def parse_event(proc_name: str, body: tuple) -> tuple[str, int, int | None, Any, tuple]:
    """Return (family, event ID, callback ID, handle, callback args) of an event message."""
    family, event_id, layout = _EVENT_BY_PROC[proc_name]
    if layout == "legacy":
        cbid, handle, args = None, body[0], tuple(body[1:])
    elif layout == "nested":
        cbid, handle, args = body[0], body[1][0], tuple(body[1][1:])
    elif layout == "reason":
        cbid, handle, args = body[0], body[2][0], (body[1],)
    else:
        cbid, handle, args = body[0], body[1], tuple(body[2:])
    if family == "domain" and event_id == C.VIR_DOMAIN_EVENT_ID_GRAPHICS:
        args = _graphics_from_wire(args)
    return family, event_id, cbid, handle, args


def is_event_proc(name: str) -> bool:
    """True when ``name`` is an event message this module can parse."""
    return name in _EVENT_BY_PROC


REMOTE_CALLS = bind(R.PROGRAM)
