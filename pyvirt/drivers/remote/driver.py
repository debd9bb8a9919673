"""RemoteDriver: every driver family, served by a daemon over libvirt's RPC.

Each procedure of :mod:`pyvirt.rpc.remote_protocol` that matches a driver
method becomes that method here (generated from the table through
:mod:`pyvirt.rpc.calls`), so a call such as ``domainGetInfo(handle)``
encodes its arguments, waits for the reply and returns
libvirt-python's shape.  Methods without a procedure of their own
(``*LookupByUUIDString``, event registration, the cpumap queries that
need the host's CPU count first) are written below.  Handles are the
slotted objects of :mod:`pyvirt.rpc.handles`.
"""

from __future__ import annotations

import errno
import logging
import os
import sys
import threading
from collections.abc import Callable
from typing import Any

from pyvirt import constants as C
from pyvirt.driver import interface as I
from pyvirt.driver.uri import URI
from pyvirt.drivers.remote import transport
from pyvirt.drivers.remote.client import RPCClient, make_error, raise_error
from pyvirt.drivers.remote.streams import ClientStream
from pyvirt.errors import report, report_system
from pyvirt.rpc import calls as K
from pyvirt.rpc import protocol as P
from pyvirt.rpc import qemu_protocol as Q
from pyvirt.rpc import remote_protocol as R
from pyvirt.rpc import xdr
from pyvirt.util import aioloop

log = logging.getLogger("pyvirt.remote")

_FROM = C.VIR_FROM_REMOTE
_PROGRAM = R.PROGRAM


_UUID_DOMAINS = {
    "domainLookupByUUID": C.VIR_FROM_DOMAIN, "networkLookupByUUID": C.VIR_FROM_NETWORK,
    "storagePoolLookupByUUID": C.VIR_FROM_STORAGE, "nwfilterLookupByUUID": C.VIR_FROM_NWFILTER,
    "secretLookupByUUID": C.VIR_FROM_SECRET, "networkPortLookupByUUID": C.VIR_FROM_NETWORK,
}


def _loop_alive() -> bool:
    thread = getattr(aioloop, "_thread", None)
    return thread is not None and thread.is_alive()


def _c_name(method: str) -> str:
    return "vir" + method[0].upper() + method[1:]


# procedures whose stream may carry holes (VIR_STORAGE_VOL_*_SPARSE_STREAM, bit 0)
_SPARSE_PROCS = frozenset({"STORAGE_VOL_UPLOAD", "STORAGE_VOL_DOWNLOAD"})


class RemoteDriver(I.HypervisorDriver, I.NetworkDriver, I.StorageDriver, I.NodeDeviceDriver,
                   I.SecretDriver, I.InterfaceDriver, I.NWFilterDriver):
    """The client side of libvirt's remote protocol, for all families at once."""

    error_domain = C.VIR_FROM_REMOTE

    def __init__(self, uri: URI, auth: Any, flags: int) -> None:
        self.uri = uri
        self.readonly = bool(flags & C.VIR_CONNECT_RO)
        self.kind = transport.transport_of(uri) if (uri.transport or uri.host) else "unix"
        sock, ctx, host, self._helper = transport.connect(uri, self.readonly)
        self.client = RPCClient(sock, ctx, host)
        self._callbacks: dict[tuple[str, int | None], Callable[..., Any]] = {}
        self._cb_lock = threading.Lock()
        self._ncpus: int | None = None
        try:
            self._authenticate(auth)
            self.client.on_event = self._on_event
            self._rcall("CONNECT_OPEN", (transport.open_name(uri), flags & C.VIR_CONNECT_RO))
            if self._feature(P.FEATURE_PROGRAM_KEEPALIVE):
                self.client.start_keepalive()
        except BaseException:
            self._shutdown()
            raise

    # -- plumbing -------------------------------------------------------------------
    def _rcall(self, name: str, values: tuple, stream: ClientStream | None = None,
               timeout: float | None = None) -> tuple:
        """Call remote procedure ``name`` with the full argument struct; return the ret struct."""
        proc = _PROGRAM[name]
        frame = bytearray(_HEAD)
        frame += proc.encode_args(values)
        body = self.client.request(frame, _PROGRAM.number, _PROGRAM.version, proc.number,
                                   stream, timeout)
        return _decode_ret(proc, body)

    def _invoke(self, call: K.Call, args: tuple) -> Any:
        proc = call.proc
        frame = bytearray(_HEAD)
        try:
            frame += proc.encode_args(call.wire_args(args))
        except (xdr.XDRError, TypeError, ValueError, AttributeError) as exc:
            raise report(C.VIR_ERR_INVALID_ARG, f"{_c_name(call.method or proc.camel)}: {exc}",
                         _FROM) from None
        fds = None
        if call.files_pos is not None:
            fds = _dup_files(args[call.files_pos])
        cs = None
        if call.stream_pos is not None:
            cs = ClientStream(self.client, args[call.stream_pos])
            # only a volume transfer called with its SPARSE_STREAM flag carries holes
            cs.allow_skip = proc.name in _SPARSE_PROCS and bool(args[-1] & 1)
        prog = proc.program
        reply_fds: list[int] | None = [] if proc.name in K.REPLY_FDS else None
        try:
            body = self.client.request(frame, prog.number, prog.version, proc.number, cs,
                                       fds=fds, reply_fds=reply_fds)
        finally:
            for fd in fds or ():
                os.close(fd)
        if cs is not None:
            cs.bind()
        result = call.result(_decode_ret(proc, body), args)
        if reply_fds is not None:
            return K.join_fds(proc.name, result, reply_fds)
        return result

    def _feature(self, feature: int) -> bool:
        try:
            return bool(self._rcall("CONNECT_SUPPORTS_FEATURE", (feature,))[0])
        except Exception:  # noqa: BLE001 - an old daemon without the call
            return False

    def _authenticate(self, auth: Any) -> None:
        (types,) = self._rcall("AUTH_LIST", ())
        if not types or P.AUTH_NONE in types:
            return
        if P.AUTH_SASL in types:
            self._sasl(auth)
            return
        if P.AUTH_POLKIT in types:
            (complete,) = self._rcall("AUTH_POLKIT", ())
            if complete:
                return
        raise report(C.VIR_ERR_AUTH_FAILED, f"unsupported authentication types {types}", _FROM)

    def _sasl(self, auth: Any) -> None:
        from pyvirt.drivers.remote import sasl
        (mechlist,) = self._rcall("AUTH_SASL_INIT", ())
        mech = sasl.choose(mechlist)
        user = self.uri.user or ""
        password = ""
        if auth and len(auth) >= 2 and callable(auth[1]):
            creds: list[list[Any]] = [
                [C.VIR_CRED_AUTHNAME, "Please enter your authentication name", "", user, None],
                [C.VIR_CRED_PASSPHRASE, "Please enter your password", "", "", None]]
            if auth[1](creds, auth[2] if len(auth) > 2 else None) < 0:
                raise report(C.VIR_ERR_AUTH_CANCELLED, "authentication cancelled", _FROM)
            user = creds[0][4] if creds[0][4] is not None else user
            password = creds[1][4] or ""
        sasl.negotiate(self._rcall, mech, user, password)

    def _shutdown(self) -> None:
        self.client.close()
        if self._helper is not None:
            try:
                self._helper.terminate()
                self._helper.wait(5)
            except Exception:
                log.debug("stopping the transport helper failed", exc_info=True)
            self._helper = None

    # -- the connection -------------------------------------------------------------------
    def connectClose(self) -> int:
        """Close the connection (telling the daemon first)."""
        # At interpreter exit the loop thread may be gone: just drop the socket.
        if self.client.closed is None and not sys.is_finalizing() and _loop_alive():
            try:
                self._rcall("CONNECT_CLOSE", (), timeout=5)
            except Exception:
                log.debug("CONNECT_CLOSE failed", exc_info=True)
        self._shutdown()
        return 0

    def connectGetURI(self) -> str:
        """Return the URI this connection was opened with."""
        return self.uri.raw

    def connectIsAlive(self) -> int:
        """1 while the connection works."""
        return 1 if self.client.closed is None else 0

    def connectIsEncrypted(self) -> int:
        """1 over TLS or ssh."""
        return 1 if self.kind in ("tls", "ssh", "libssh", "libssh2") else 0

    def connectIsSecure(self) -> int:
        """1 over a unix socket, TLS or ssh; otherwise the daemon's answer."""
        if self.kind in ("unix", "tls", "ssh", "libssh", "libssh2"):
            return 1
        return self._rcall("CONNECT_IS_SECURE", ())[0]

    def connectSetKeepAlive(self, interval: int, count: int) -> int:
        """Change the keepalive interval and count (interval <= 0 stops it)."""
        self.client.stop_keepalive()
        if interval > 0:
            self.client.start_keepalive(interval, count)
        return 0

    def connectRegisterCloseCallback(self, func: Callable[[int], Any]) -> None:
        """Call func(reason) when the connection closes by itself."""
        self.client.on_close.append(func)

    # -- procedures that need more than one call or a different one ---------------------
    def domainCreate(self, dom: Any) -> None:
        """Start a domain (CREATE_WITH_FLAGS, which returns the new id)."""
        self.domainCreateWithFlags(dom, 0)

    def _by_uuid_string(self, method: str, *args: Any) -> Any:
        *rest, text = args
        try:
            raw = xdr.uuid_raw(text)
        except xdr.XDRError:
            # libvirt's public API parses the UUID before any driver sees it.
            raise_error((C.VIR_ERR_INVALID_ARG, _UUID_DOMAINS.get(method, C.VIR_FROM_NONE),
                         "Invalid UUID", C.VIR_ERR_ERROR, None, None, None, -1, -1))
        return getattr(self, method)(*rest, raw)

    def domainLookupByUUIDString(self, uuidstr: str) -> Any:
        """Look a domain up by its UUID text."""
        return self._by_uuid_string("domainLookupByUUID", uuidstr)

    def networkLookupByUUIDString(self, uuidstr: str) -> Any:
        """Look a network up by its UUID text."""
        return self._by_uuid_string("networkLookupByUUID", uuidstr)

    def storagePoolLookupByUUIDString(self, uuidstr: str) -> Any:
        """Look a storage pool up by its UUID text."""
        return self._by_uuid_string("storagePoolLookupByUUID", uuidstr)

    def nwfilterLookupByUUIDString(self, uuidstr: str) -> Any:
        """Look a network filter up by its UUID text."""
        return self._by_uuid_string("nwfilterLookupByUUID", uuidstr)

    def secretLookupByUUIDString(self, uuidstr: str) -> Any:
        """Look a secret up by its UUID text."""
        return self._by_uuid_string("secretLookupByUUID", uuidstr)

    def networkPortLookupByUUIDString(self, net: Any, uuidstr: str) -> Any:
        """Look a network port up by its UUID text."""
        return self._by_uuid_string("networkPortLookupByUUID", net, uuidstr)

    def secretGetUsageType(self, secret: Any) -> int:
        """Return the secret's usage type (carried by its handle)."""
        return secret.usageType

    def secretGetUsageID(self, secret: Any) -> str:
        """Return the secret's usage ID (carried by its handle)."""
        return secret.usageID

    def domainListGetStats(self, doms: list, stats: int, flags: int) -> list:
        """Return [(handle, {stat: value})] for the given domains."""
        (records,) = self._rcall("CONNECT_GET_ALL_DOMAIN_STATS", (list(doms), stats, flags))
        return [tuple(r) for r in records]

    def _host_cpus(self) -> int:
        if self._ncpus is None:
            try:
                self._ncpus = self._rcall("NODE_GET_CPU_MAP", (0, 0, 0))[2]
            except Exception:  # noqa: BLE001 - older daemons: use the node info
                self._ncpus = self._rcall("NODE_GET_INFO", ())[2]
        return self._ncpus

    def domainGetVcpus(self, dom: Any) -> Any:
        """Return ([(number, state, cpuTime, cpu)], [cpumap tuple per vcpu])."""
        ncpus = self._host_cpus()
        maplen = (ncpus + 7) // 8
        nvcpus = self.domainGetInfo(dom)[3]
        infos, cpumaps = self._rcall("DOMAIN_GET_VCPUS", (dom, nvcpus, maplen))
        maps = [K.bits_to_bools(cpumaps[i * maplen:(i + 1) * maplen], ncpus)
                for i in range(len(infos))]
        return ([tuple(i) for i in infos], maps)

    def domainGetVcpuPinInfo(self, dom: Any, flags: int) -> Any:
        """Return one cpumap tuple per vcpu."""
        ncpus = self._host_cpus()
        maplen = (ncpus + 7) // 8
        nvcpus = self.domainGetInfo(dom)[3]
        cpumaps, num = self._rcall("DOMAIN_GET_VCPU_PIN_INFO", (dom, nvcpus, maplen, flags))
        return [K.bits_to_bools(cpumaps[i * maplen:(i + 1) * maplen], ncpus)
                for i in range(num)]

    def domainGetEmulatorPinInfo(self, dom: Any, flags: int) -> Any:
        """Return the emulator threads' cpumap tuple."""
        ncpus = self._host_cpus()
        cpumaps, ret = self._rcall("DOMAIN_GET_EMULATOR_PIN_INFO",
                                   (dom, (ncpus + 7) // 8, flags))
        return K.bits_to_bools(cpumaps, ncpus) if ret else None

    def domainGetIOThreadInfo(self, dom: Any, flags: int) -> Any:
        """Return [(iothread_id, [bool per host CPU])]."""
        ncpus = self._host_cpus()
        info, _count = self._rcall("DOMAIN_GET_IOTHREAD_INFO", (dom, flags))
        return [(tid, list(K.bits_to_bools(cpumap, ncpus))) for tid, cpumap in info]

    def domainGetCPUStats(self, dom: Any, total: bool, flags: int) -> Any:
        """Return [{stat: value}]: one dict for the total, or one per host CPU."""
        if total:
            _p, nparams = self._rcall("DOMAIN_GET_CPU_STATS", (dom, 0, -1, 1, flags))
            pairs, stride = self._rcall("DOMAIN_GET_CPU_STATS", (dom, nparams, -1, 1, flags))
            return [dict(pairs)]
        _p, ncpus = self._rcall("DOMAIN_GET_CPU_STATS", (dom, 0, 0, 0, flags))
        _p, nparams = self._rcall("DOMAIN_GET_CPU_STATS", (dom, 0, 0, 1, flags))
        out: list[dict] = []
        for start in range(0, ncpus, 128):
            count = min(128, ncpus - start)
            pairs, stride = self._rcall("DOMAIN_GET_CPU_STATS",
                                        (dom, nparams, start, count, flags))
            stride = stride or 1
            for i in range(0, len(pairs), stride):
                out.append(dict(pairs[i:i + stride]))
        return out

    # -- events -------------------------------------------------------------------------
    def _register(self, family: str, obj: Any, event_id: int, callback: Callable[..., Any]) -> int:
        reg = K.EVENT_FAMILIES[family][0]
        with self._cb_lock:
            (cbid,) = self._rcall(reg, (event_id, obj))
            self._callbacks[(family, cbid)] = callback
            self.client.event_callbacks = len(self._callbacks)
        return cbid

    def _deregister(self, family: str, callback_id: int) -> None:
        with self._cb_lock:
            if (family, callback_id) not in self._callbacks:
                raise report(C.VIR_ERR_INVALID_ARG,
                             f"could not find event callback {callback_id} for deletion", _FROM)
            self._rcall(K.EVENT_FAMILIES[family][1], (callback_id,))
            del self._callbacks[(family, callback_id)]
            self.client.event_callbacks = len(self._callbacks)

    def _on_event(self, msg: P.Message) -> None:
        # The loop thread: deliver functions only queue into the application's loop.
        if msg.prog != P.REMOTE_PROGRAM:
            return
        proc = _PROGRAM.get(msg.proc)
        if proc is None or not proc.is_event:
            return
        if proc.name == "CONNECT_EVENT_CONNECTION_CLOSED":
            return
        if not K.is_event_proc(proc.name):
            return
        try:
            family, _eid, cbid, handle, args = K.parse_event(proc.name, proc.decode_args(msg.body))
        except xdr.XDRError as exc:
            log.warning("remote: undecodable event %s: %s", proc.name, exc)
            return
        with self._cb_lock:
            callback = self._callbacks.get((family, cbid))
        if callback is not None:
            callback(handle, *args)

    def connectDomainEventRegisterAny(self, dom: Any, eventID: int,
                                      callback: Callable[..., Any]) -> int:
        """Register a domain event callback with the daemon."""
        return self._register("domain", dom, eventID, callback)

    def connectDomainEventDeregisterAny(self, callbackID: int) -> None:
        """Remove a domain event callback."""
        self._deregister("domain", callbackID)

    def connectNetworkEventRegisterAny(self, net: Any, eventID: int,
                                       callback: Callable[..., Any]) -> int:
        """Register a network event callback with the daemon."""
        return self._register("network", net, eventID, callback)

    def connectNetworkEventDeregisterAny(self, callbackID: int) -> None:
        """Remove a network event callback."""
        self._deregister("network", callbackID)

    def connectStoragePoolEventRegisterAny(self, pool: Any, eventID: int,
                                           callback: Callable[..., Any]) -> int:
        """Register a storage pool event callback with the daemon."""
        return self._register("pool", pool, eventID, callback)

    def connectStoragePoolEventDeregisterAny(self, callbackID: int) -> None:
        """Remove a storage pool event callback."""
        self._deregister("pool", callbackID)

    def connectNodeDeviceEventRegisterAny(self, dev: Any, eventID: int,
                                          callback: Callable[..., Any]) -> int:
        """Register a node device event callback with the daemon."""
        return self._register("nodedev", dev, eventID, callback)

    def connectNodeDeviceEventDeregisterAny(self, callbackID: int) -> None:
        """Remove a node device event callback."""
        self._deregister("nodedev", callbackID)

    def connectSecretEventRegisterAny(self, secret: Any, eventID: int,
                                      callback: Callable[..., Any]) -> int:
        """Register a secret event callback with the daemon."""
        return self._register("secret", secret, eventID, callback)

    def connectSecretEventDeregisterAny(self, callbackID: int) -> None:
        """Remove a secret event callback."""
        self._deregister("secret", callbackID)


_HEAD = P.FRAME_START.size      # room for the length word and header before a call's body


def _decode_ret(proc: Any, body: bytes, dec: xdr.Decoder | None = None) -> tuple:
    """The return struct of ``proc`` in ``body`` (``dec``: its decoder, when known)."""
    if dec is None:
        if not proc.ret_spec:
            return ()
        dec = proc.ret_codec[1]
    try:
        return xdr.decode_all(dec, body)
    except xdr.XDRError as exc:
        raise_error(make_error(C.VIR_ERR_RPC,
                               f"Unable to decode the reply of {proc.name}: {exc}"))


def _dup_files(files: Any) -> list[int]:
    """Duplicates of the descriptors a call carries (libvirt's client checks them so)."""
    out: list[int] = []
    for fd in files or ():
        try:
            out.append(os.dup(int(fd)))
        except (OSError, TypeError, ValueError) as exc:
            for done in out:
                os.close(done)
            raise report_system(getattr(exc, "errno", None) or errno.EBADF,
                                f"Cannot duplicate FD {fd}", C.VIR_FROM_RPC) from None
    return out


def _make_method(call: K.Call) -> Callable[..., Any]:
    if call.plain:
        method = _plain_method(call)
    else:
        def method(self: RemoteDriver, *args: Any) -> Any:
            return self._invoke(call, args)
    method.__name__ = method.__qualname__ = call.method or ""
    method.__doc__ = f"libvirt's {_c_name(call.method or '')} over RPC ({call.proc.name})."
    return method


def _plain_method(call: K.Call) -> Callable[..., Any]:
    """The hot path of a call whose arguments go on the wire as given (most calls):
    encode straight into the frame, send, read the reply, decode.  Anything unusual
    (a wrong argument, a value that does not encode) takes :meth:`RemoteDriver._invoke`,
    which reports it."""
    proc = call.proc
    prog = proc.program
    head = (prog.number, prog.version, proc.number)
    nargs = len(proc.args_fields)
    vis = call.visible_ret
    pick = vis[0] if len(vis) == 1 else None
    codecs: list[Any] = []          # (encoder or None, decoder or None), on first use

    def method(self: RemoteDriver, *args: Any) -> Any:
        if not codecs:
            codecs[:] = (proc.args_codec[0] if proc.args_spec else None,
                         proc.ret_codec[1] if proc.ret_spec else None)
        enc, dec = codecs
        if len(args) != nargs:
            return self._invoke(call, args)
        frame = bytearray(_HEAD)
        if enc is not None:
            try:
                enc(frame, args)
            except Exception:  # noqa: BLE001 - _invoke reports it as libvirt does
                return self._invoke(call, args)
        body = self.client.request(frame, *head)
        if dec is None:
            return None
        ret = _decode_ret(proc, body, dec)
        if pick is not None:
            return ret[pick]
        return call.result(ret, args)
    return method


def _install() -> int:
    count = 0
    for call in [*K.REMOTE_CALLS.values(), *K.bind(Q.QEMU).values()]:
        if call.method is None or (call.proc.fds and call.files_pos is None
                                   and call.proc.name not in K.REPLY_FDS):
            continue
        if call.method in RemoteDriver.__dict__:
            continue
        setattr(RemoteDriver, call.method, _make_method(call))
        count += 1
    return count


GENERATED_METHODS = _install()
