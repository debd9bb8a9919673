"""The QEMU driver's calls answered by the guest agent (a mixin of QemuDriver).

Time, guest information, file systems, hostname, interface addresses,
passwords, guest vCPUs, SSH keys, power management, the raw
``qemu-agent-command``, and shutdown/reboot through the agent.  Shapes of
the results are libvirt-python's; units and field names are libvirt's
(qemu_driver.c, qemu_agent.c).  Agent calls do not take the domain's job
slot: libvirt gives them their own agent job, so they may run beside a
block job or a save; here the agent connection's lock serialises them.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

from pyvirt import constants as C
from pyvirt import errors as _errors
from pyvirt.conf.domain_base import format_bitmap, parse_bitmap
from pyvirt.drivers.qemu import agent as qga
from pyvirt.drivers.qemu import status as st
from pyvirt.drivers.qemu import taint
from pyvirt.drivers.qemu.domobj import DomainObj
from pyvirt.errors import libvirtError, report

_FROM = C.VIR_FROM_QEMU

_ALL_INFO = (C.VIR_DOMAIN_GUEST_INFO_USERS | C.VIR_DOMAIN_GUEST_INFO_OS
             | C.VIR_DOMAIN_GUEST_INFO_TIMEZONE | C.VIR_DOMAIN_GUEST_INFO_HOSTNAME
             | C.VIR_DOMAIN_GUEST_INFO_FILESYSTEM | C.VIR_DOMAIN_GUEST_INFO_DISKS
             | C.VIR_DOMAIN_GUEST_INFO_INTERFACES)

_OS_KEYS = ("id", "name", "pretty-name", "version", "version-id", "variant", "variant-id",
            "kernel-release", "kernel-version", "machine")


def _check(flags: int, allowed: int, func: str) -> None:
    _errors.check_flags(flags, allowed, func, _FROM)


class AgentAPI:
    """Driver methods that talk to the guest agent."""

    # provided by QemuDriver
    cfg: Any
    vm_of: Callable[[Any], DomainObj]
    emit: Callable[..., None]

    # --- the agent of a domain ----------------------------------------------------------
    def agent_of(self, vm: DomainObj) -> qga.Agent:
        """The running domain's agent client, or libvirt's error why there is none."""
        with vm.lock:
            if not vm.is_active() or vm.state not in (C.VIR_DOMAIN_RUNNING,):
                if vm.is_active() and vm.state == C.VIR_DOMAIN_PAUSED:
                    raise report(C.VIR_ERR_OPERATION_INVALID, "domain is not running", _FROM)
                raise report(C.VIR_ERR_OPERATION_INVALID, "domain is not running",
                             C.VIR_FROM_DOMAIN)
            chan = qga.agent_channel(vm.def_)
            if chan is None:
                raise report(C.VIR_ERR_ARGUMENT_UNSUPPORTED,
                             "QEMU guest agent is not configured", _FROM)
            if vm.agent is None or vm.agent.proc is not vm.proc:
                if vm.agent is not None:
                    vm.agent.close()
                vm.agent = qga.Agent(chan.source.path, vm.proc)
                vm.agent_state = None
            agent, state, mon = vm.agent, vm.agent_state, vm.mon
        if not state and mon is not None:
            # not told by VSERPORT_CHANGE (yet): ask QEMU whether the guest opened the port
            try:
                devs = mon.execute("query-chardev")
                state = any(d.get("label") == "char" + (chan.alias or "")
                            and d.get("frontend-open") for d in devs)
            except libvirtError:
                state = False
            with vm.lock:
                if not vm.agent_state:
                    vm.agent_state = state
                state = vm.agent_state
        if not state:
            raise qga.unresponsive("QEMU guest agent is not connected")
        return agent

    def agent_run(self, vm: DomainObj, cmd: str, args: dict | None = None,
                  report_unsupported: bool = True, await_reply: bool = True) -> Any:
        """Run one agent command on ``vm`` with its response timeout."""
        agent = self.agent_of(vm)
        return agent.execute(cmd, args, vm.agent_timeout, report_unsupported, await_reply)

    def agent_domain_started(self, vm: DomainObj) -> None:
        """A domain with an agent channel started: the agent is not connected yet
        (libvirt's DISCONNECTED event with reason DOMAIN_STARTED)."""
        with vm.lock:
            chan = qga.agent_channel(vm.def_)
            if chan is None or vm.agent_state:
                return
            vm.agent_state = False
            chan.target_state = "disconnected"
        self.emit(vm, C.VIR_DOMAIN_EVENT_ID_AGENT_LIFECYCLE,
                  C.VIR_CONNECT_DOMAIN_EVENT_AGENT_LIFECYCLE_STATE_DISCONNECTED,
                  C.VIR_CONNECT_DOMAIN_EVENT_AGENT_LIFECYCLE_REASON_DOMAIN_STARTED)

    def qmp_vserport_change(self, vm: DomainObj, data: dict) -> None:
        """QEMU's VSERPORT_CHANGE (loop thread, ``vm.lock`` held): the guest opened or
        closed a virtio-serial port.  For the agent's port: remember it, show it in the
        live XML (``state='connected'``) and emit VIR_DOMAIN_EVENT_ID_AGENT_LIFECYCLE."""
        alias = data.get("id")
        chan = qga.agent_channel(vm.def_)
        if chan is None or chan.alias != alias:
            return
        opened = bool(data.get("open"))
        chan.target_state = "connected" if opened else "disconnected"
        if vm.agent_state == opened:
            return
        vm.agent_state = opened
        if not opened and vm.agent is not None:
            vm.agent.close()
        self.emit(vm, C.VIR_DOMAIN_EVENT_ID_AGENT_LIFECYCLE,
                  C.VIR_CONNECT_DOMAIN_EVENT_AGENT_LIFECYCLE_STATE_CONNECTED if opened
                  else C.VIR_CONNECT_DOMAIN_EVENT_AGENT_LIFECYCLE_STATE_DISCONNECTED,
                  C.VIR_CONNECT_DOMAIN_EVENT_AGENT_LIFECYCLE_REASON_CHANNEL)

    # --- calls ------------------------------------------------------------------------------
    def domainAgentSetResponseTimeout(self, dom: Any, timeout: int,  # noqa: N802
                                      flags: int) -> int:
        _check(flags, 0, "qemuDomainAgentSetResponseTimeout")
        if timeout < C.VIR_DOMAIN_AGENT_RESPONSE_TIMEOUT_BLOCK:
            raise report(C.VIR_ERR_INVALID_ARG,
                         f"guest agent timeout '{timeout}' is less than the minimum '-2'",
                         _FROM)
        vm = self.vm_of(dom)
        with vm.lock:
            vm.agent_timeout = timeout
        return 0

    def domainQemuAgentCommand(self, dom: Any, cmd: str, timeout: int,  # noqa: N802
                               flags: int) -> str:
        _check(flags, 0, "qemuDomainQemuAgentCommand")
        if timeout < -2:              # VIR_DOMAIN_QEMU_AGENT_COMMAND_MIN
            raise report(C.VIR_ERR_INVALID_ARG, "guest agent timeout must be greater "
                         "than or equal to -2", _FROM)
        import json
        try:
            message = json.loads(cmd)
        except ValueError:
            raise report(C.VIR_ERR_INTERNAL_ERROR, f"cannot parse json {cmd}", _FROM) from None
        if not isinstance(message, dict):
            raise report(C.VIR_ERR_INTERNAL_ERROR, f"cannot parse json {cmd}", _FROM)
        vm = self.vm_of(dom)
        agent = self.agent_of(vm)
        if taint.taint(vm, "custom-ga-command"):
            st.save_status(self.cfg, vm)
        reply = agent.command(message, timeout)
        if reply is None:
            return ""
        qga.check_reply(str(message.get("execute", "<unknown>")), reply)
        return json.dumps(reply, separators=(",", ":"))

    def domainGetTime(self, dom: Any, flags: int) -> dict[str, int]:  # noqa: N802
        _check(flags, 0, "qemuDomainGetTime")
        ns = self.agent_run(self.vm_of(dom), "guest-get-time")
        if not isinstance(ns, int):
            raise report(C.VIR_ERR_INTERNAL_ERROR,
                         "malformed return value from guest-get-time", _FROM)
        return {"seconds": ns // 1_000_000_000, "nseconds": ns % 1_000_000_000}

    def domainSetTime(self, dom: Any, time: dict | None, flags: int) -> int:  # noqa: A002,N802
        _check(flags, C.VIR_DOMAIN_TIME_SYNC, "qemuDomainSetTime")
        vm = self.vm_of(dom)
        if flags & C.VIR_DOMAIN_TIME_SYNC:
            self.agent_run(vm, "guest-set-time")
            return 0
        value = time or {}
        seconds = int(value.get("seconds", 0))
        nseconds = int(value.get("nseconds", 0))
        if nseconds > 999_999_999:
            raise report(C.VIR_ERR_INVALID_ARG, "nseconds out of range", _FROM)
        if seconds > (1 << 63) // 1_000_000_000 - 1:
            raise report(C.VIR_ERR_INVALID_ARG, f"Time '{seconds}' is too big for guest agent",
                         _FROM)
        self.agent_run(vm, "guest-set-time", {"time": seconds * 1_000_000_000 + nseconds})
        return 0

    def domainGetHostname(self, dom: Any, flags: int) -> str:  # noqa: N802
        _check(flags, C.VIR_DOMAIN_GET_HOSTNAME_AGENT | C.VIR_DOMAIN_GET_HOSTNAME_LEASE,
               "qemuDomainGetHostname")
        both = C.VIR_DOMAIN_GET_HOSTNAME_AGENT | C.VIR_DOMAIN_GET_HOSTNAME_LEASE
        if flags & both == both:
            raise report(C.VIR_ERR_INVALID_ARG, "flags 'agent' and 'lease' are mutually "
                         "exclusive", _FROM)
        vm = self.vm_of(dom)
        if flags & C.VIR_DOMAIN_GET_HOSTNAME_LEASE:
            for lease in self._leases(vm):
                if lease.get("hostname"):
                    return str(lease["hostname"])
            raise report(C.VIR_ERR_NO_HOSTNAME, f"no hostname found for domain {vm.name}",
                         _FROM)
        ret = self.agent_run(vm, "guest-get-host-name")
        name = ret.get("host-name") if isinstance(ret, dict) else None
        if not name:
            raise report(C.VIR_ERR_INTERNAL_ERROR,
                         "malformed return value from guest-get-host-name", _FROM)
        return str(name)

    def _leases(self, vm: DomainObj) -> list[dict]:
        """DHCP leases of ``vm``'s MACs on its networks (the network driver of the root)."""
        from pyvirt.drivers import hostroot
        drv = hostroot.current("network", hostroot.HostRoot.of_qemu(self.cfg))
        if drv is None:
            raise report(C.VIR_ERR_NO_SUPPORT, "no network driver is open for this host "
                         "root: DHCP leases cannot be read", _FROM)
        from pyvirt.drivers.qemu import address
        out: list[dict] = []
        for net in address.devices(vm.def_, "interface"):
            if net.type.value != "network":
                continue
            name = net.source.get("network", "")
            try:
                netobj = drv.networkLookupByName(name)
                leases = drv.networkGetDHCPLeases(netobj, net.mac, 0)
            except libvirtError:
                continue
            for lease in leases:
                item = dict(lease)
                item["_iface"] = net.target_dev
                out.append(item)
        return out

    def domainInterfaceAddresses(self, dom: Any, source: int,  # noqa: N802
                                 flags: int) -> dict[str, Any]:
        _check(flags, 0, "qemuDomainInterfaceAddresses")
        vm = self.vm_of(dom)
        if source == C.VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_AGENT:
            return self._agent_addresses(vm)
        if source == C.VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_LEASE:
            if not vm.is_active():
                raise report(C.VIR_ERR_OPERATION_INVALID, "domain is not running",
                             C.VIR_FROM_DOMAIN)
            out: dict[str, Any] = {}
            for lease in self._leases(vm):
                entry = out.setdefault(lease["_iface"] or "", {"hwaddr": lease.get("mac"),
                                                               "addrs": []})
                entry["addrs"].append({"type": lease.get("type", C.VIR_IP_ADDR_TYPE_IPV4),
                                       "addr": lease.get("ipaddr"),
                                       "prefix": lease.get("prefix", 0)})
            return out
        if source == C.VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_ARP:
            raise report(C.VIR_ERR_NO_SUPPORT, "the QEMU driver of pyvirt does not read "
                         "the host's ARP table", _FROM)
        raise report(C.VIR_ERR_ARGUMENT_UNSUPPORTED,
                     f"Unknown IP address data source {source}", _FROM)

    def _agent_addresses(self, vm: DomainObj) -> dict[str, Any]:
        ifaces = self.agent_run(vm, "guest-network-get-interfaces")
        out: dict[str, Any] = {}
        for iface in ifaces or []:
            name = iface.get("name")
            if not name:
                continue
            # an alias 'eth0:1' belongs to 'eth0'; no address at all is None (libvirt-python)
            entry = out.setdefault(name.split(":")[0], {"hwaddr": iface.get("hardware-address"),
                                                         "addrs": None})
            for ip in iface.get("ip-addresses") or []:
                kind = ip.get("ip-address-type")
                if entry["addrs"] is None:
                    entry["addrs"] = []
                entry["addrs"].append({
                    "type": C.VIR_IP_ADDR_TYPE_IPV6 if kind == "ipv6" else
                    C.VIR_IP_ADDR_TYPE_IPV4,
                    "addr": ip.get("ip-address"), "prefix": int(ip.get("prefix", 0))})
        return out

    def domainSetUserPassword(self, dom: Any, user: str, password: str,  # noqa: N802
                              flags: int) -> int:
        _check(flags, C.VIR_DOMAIN_PASSWORD_ENCRYPTED, "qemuDomainSetUserPassword")
        self.agent_run(self.vm_of(dom), "guest-set-user-password", {
            "crypted": bool(flags & C.VIR_DOMAIN_PASSWORD_ENCRYPTED), "username": user,
            "password": base64.b64encode(password.encode()).decode()})
        return 0

    def domainGetGuestVcpus(self, dom: Any, flags: int) -> dict[str, str]:  # noqa: N802
        _check(flags, 0, "qemuDomainGetGuestVcpus")
        cpus = self.agent_run(self.vm_of(dom), "guest-get-vcpus") or []
        ids = [c["logical-id"] for c in cpus]
        return {"vcpus": format_bitmap(ids),
                "online": format_bitmap([c["logical-id"] for c in cpus if c.get("online")]),
                "offlinable": format_bitmap([c["logical-id"] for c in cpus
                                            if c.get("can-offline")])}

    def domainSetGuestVcpus(self, dom: Any, cpumap: str, state: int,  # noqa: N802
                            flags: int) -> int:
        _check(flags, 0, "qemuDomainSetGuestVcpus")
        wanted = parse_bitmap(cpumap)
        vm = self.vm_of(dom)
        cpus = self.agent_run(vm, "guest-get-vcpus") or []
        known = {c["logical-id"]: c for c in cpus}
        change = []
        for cpu in sorted(wanted):
            info = known.get(cpu)
            if info is None:
                raise report(C.VIR_ERR_INVALID_ARG,
                             f"vCPU '{cpu}' is not present in the guest", _FROM)
            if bool(info.get("online")) == bool(state):
                continue
            if not state and not info.get("can-offline"):
                raise report(C.VIR_ERR_OPERATION_UNSUPPORTED,
                             f"vCPU '{cpu}' is not offlinable", _FROM)
            change.append({"logical-id": cpu, "online": bool(state)})
        if change:
            done = self.agent_run(vm, "guest-set-vcpus", {"vcpus": change})
            if done != len(change):
                raise report(C.VIR_ERR_INTERNAL_ERROR,
                             f"guest agent changed {done} of {len(change)} vCPUs", _FROM)
        return 0

    def domainAuthorizedSSHKeysGet(self, dom: Any, user: str,  # noqa: N802
                                   flags: int) -> list[str]:
        _check(flags, 0, "qemuDomainAuthorizedSSHKeysGet")
        ret = self.agent_run(self.vm_of(dom), "guest-ssh-get-authorized-keys",
                             {"username": user})
        return list((ret or {}).get("keys") or [])

    def domainAuthorizedSSHKeysSet(self, dom: Any, user: str, keys: list[str] | None,  # noqa: N802
                                   flags: int) -> int:
        _check(flags, C.VIR_DOMAIN_AUTHORIZED_SSH_KEYS_SET_APPEND
               | C.VIR_DOMAIN_AUTHORIZED_SSH_KEYS_SET_REMOVE, "qemuDomainAuthorizedSSHKeysSet")
        vm = self.vm_of(dom)
        keys = list(keys or [])
        if flags & C.VIR_DOMAIN_AUTHORIZED_SSH_KEYS_SET_REMOVE:
            self.agent_run(vm, "guest-ssh-remove-authorized-keys",
                           {"username": user, "keys": keys})
        else:
            self.agent_run(vm, "guest-ssh-add-authorized-keys", {
                "username": user, "keys": keys,
                "reset": not flags & C.VIR_DOMAIN_AUTHORIZED_SSH_KEYS_SET_APPEND})
        return 0

    # --- file systems -----------------------------------------------------------------------
    def domainFSFreeze(self, dom: Any, mountpoints: list[str] | None,  # noqa: N802
                       flags: int) -> int:
        _check(flags, 0, "qemuDomainFSFreeze")
        vm = self.vm_of(dom)
        if mountpoints:
            return int(self.agent_run(vm, "guest-fsfreeze-freeze-list",
                                      {"mountpoints": list(mountpoints)}))
        return int(self.agent_run(vm, "guest-fsfreeze-freeze"))

    def domainFSThaw(self, dom: Any, mountpoints: list[str] | None,  # noqa: N802
                     flags: int) -> int:
        _check(flags, 0, "qemuDomainFSThaw")
        if mountpoints:
            raise report(C.VIR_ERR_ARGUMENT_UNSUPPORTED,
                         "specifying mountpoints is not supported", _FROM)
        return int(self.agent_run(self.vm_of(dom), "guest-fsfreeze-thaw"))

    def domainFSTrim(self, dom: Any, mountPoint: str | None, minimum: int,  # noqa: N802,N803
                     flags: int) -> int:
        _check(flags, 0, "qemuDomainFSTrim")
        if mountPoint:
            raise report(C.VIR_ERR_ARGUMENT_UNSUPPORTED,
                         "Specifying mount point is not supported for now", _FROM)
        self.agent_run(self.vm_of(dom), "guest-fstrim", {"minimum": minimum})
        return 0

    def domainGetFSInfo(self, dom: Any, flags: int) -> list[tuple]:  # noqa: N802
        _check(flags, 0, "qemuDomainGetFSInfo")
        vm = self.vm_of(dom)
        out = []
        for fs in self.agent_run(vm, "guest-get-fsinfo") or []:
            aliases = [a for a in (self._disk_of(vm, d) for d in fs.get("disk") or []) if a]
            out.append((fs.get("mountpoint"), fs.get("name"), fs.get("type"), aliases))
        return out

    def _disk_of(self, vm: DomainObj, agent_disk: dict) -> str | None:
        """The target of the domain disk an agent's disk entry names (PCI address, serial)."""
        from pyvirt.drivers.qemu import address
        pci = agent_disk.get("pci-controller") or {}
        serial = agent_disk.get("serial")
        for disk in address.devices(vm.def_, "disk"):
            if serial and disk.serial == serial:
                return str(disk.target)
            a = disk.address
            if (a is not None and getattr(a, "TYPE", None) is not None and a.TYPE.value == "pci"
                    and (a.domain or 0, a.bus, a.slot, a.function or 0)
                    == (pci.get("domain"), pci.get("bus"), pci.get("slot"),
                        pci.get("function"))):
                return str(disk.target)
        return None

    # --- guest info ---------------------------------------------------------------------------
    def domainGetGuestInfo(self, dom: Any, types: int, flags: int) -> dict[str, Any]:  # noqa: N802
        _check(flags, 0, "qemuDomainGetGuestInfo")
        if types & ~_ALL_INFO:
            raise report(C.VIR_ERR_INVALID_ARG, f"unsupported guest info types 0x{types:x}",
                         _FROM)
        vm = self.vm_of(dom)
        want = types or _ALL_INFO
        out: dict[str, Any] = {}

        def ask(bit: int, cmd: str) -> Any:
            if not want & bit:
                return None
            try:
                return self.agent_run(vm, cmd, report_unsupported=bool(types))
            except qga.Unsupported:
                return None

        users = ask(C.VIR_DOMAIN_GUEST_INFO_USERS, "guest-get-users")
        if users is not None:
            out["user.count"] = len(users)
            for i, u in enumerate(users):
                out[f"user.{i}.name"] = u.get("user")
                if u.get("domain"):
                    out[f"user.{i}.domain"] = u["domain"]
                out[f"user.{i}.login-time"] = int(float(u.get("login-time", 0)) * 1000)
        osinfo = ask(C.VIR_DOMAIN_GUEST_INFO_OS, "guest-get-osinfo")
        if osinfo is not None:
            for key in _OS_KEYS:
                if osinfo.get(key) is not None:
                    out[f"os.{key}"] = str(osinfo[key])
        tz = ask(C.VIR_DOMAIN_GUEST_INFO_TIMEZONE, "guest-get-timezone")
        if tz is not None:
            if tz.get("zone"):
                out["timezone.name"] = tz["zone"]
            out["timezone.offset"] = int(tz.get("offset", 0))
        host = ask(C.VIR_DOMAIN_GUEST_INFO_HOSTNAME, "guest-get-host-name")
        if host is not None and host.get("host-name"):
            out["hostname"] = host["host-name"]
        fsinfo = ask(C.VIR_DOMAIN_GUEST_INFO_FILESYSTEM, "guest-get-fsinfo")
        if fsinfo is not None:
            out.update(self._fs_params(vm, fsinfo))
        disks = ask(C.VIR_DOMAIN_GUEST_INFO_DISKS, "guest-get-disks")
        if disks is not None:
            out.update(self._disk_params(vm, disks))
        ifaces = None
        if want & C.VIR_DOMAIN_GUEST_INFO_INTERFACES:
            try:
                ifaces = self._agent_addresses(vm)
            except qga.Unsupported:
                ifaces = None
        if ifaces is not None:
            out["if.count"] = len(ifaces)
            for i, (name, entry) in enumerate(ifaces.items()):
                out[f"if.{i}.name"] = name
                if entry["hwaddr"]:
                    out[f"if.{i}.hwaddr"] = entry["hwaddr"]
                out[f"if.{i}.addr.count"] = len(entry["addrs"] or [])
                for j, a in enumerate(entry["addrs"] or []):
                    out[f"if.{i}.addr.{j}.type"] = ("ipv6" if a["type"] == C.VIR_IP_ADDR_TYPE_IPV6
                                                    else "ipv4")
                    out[f"if.{i}.addr.{j}.addr"] = a["addr"]
                    out[f"if.{i}.addr.{j}.prefix"] = a["prefix"]
        return out

    def _fs_params(self, vm: DomainObj, fsinfo: list[dict]) -> dict[str, Any]:
        if not fsinfo:
            return {}           # libvirt 9.0: no 'fs.count' for no file system
        out: dict[str, Any] = {"fs.count": len(fsinfo)}
        for i, fs in enumerate(fsinfo):
            p = f"fs.{i}."
            out[p + "mountpoint"] = fs.get("mountpoint")
            out[p + "name"] = fs.get("name")
            out[p + "fstype"] = fs.get("type")
            if "total-bytes" in fs:
                out[p + "total-bytes"] = int(fs["total-bytes"])
            if "used-bytes" in fs:
                out[p + "used-bytes"] = int(fs["used-bytes"])
            disks = fs.get("disk") or []
            out[p + "disk.count"] = len(disks)
            for j, d in enumerate(disks):
                alias = self._disk_of(vm, d)
                if alias:
                    out[f"{p}disk.{j}.alias"] = alias
                if d.get("serial"):
                    out[f"{p}disk.{j}.serial"] = d["serial"]
                if d.get("dev"):
                    out[f"{p}disk.{j}.device"] = d["dev"]
        return out

    def _disk_params(self, vm: DomainObj, disks: list[dict]) -> dict[str, Any]:
        out: dict[str, Any] = {"disk.count": len(disks)}
        for i, d in enumerate(disks):
            p = f"disk.{i}."
            out[p + "name"] = d.get("name")
            out[p + "partition"] = bool(d.get("partition"))
            deps = d.get("dependencies") or []
            if deps:
                out[p + "dependency.count"] = len(deps)
                for j, dep in enumerate(deps):
                    out[f"{p}dependency.{j}.name"] = dep
            addr = d.get("address") or {}
            if addr.get("serial"):
                out[p + "serial"] = addr["serial"]
            alias = self._disk_of(vm, addr) if addr else None
            if alias:
                out[p + "alias"] = alias
            if d.get("alias"):
                out[p + "guest_alias"] = d["alias"]
        return out

    # --- power ------------------------------------------------------------------------------
    def domainPMSuspendForDuration(self, dom: Any, target: int, duration: int,  # noqa: N802
                                   flags: int) -> int:
        _check(flags, 0, "qemuDomainPMSuspendForDuration")
        if duration:
            raise report(C.VIR_ERR_ARGUMENT_UNSUPPORTED, "Duration not supported. Use 0 for now",
                         _FROM)
        cmds = {C.VIR_NODE_SUSPEND_TARGET_MEM: "guest-suspend-ram",
                C.VIR_NODE_SUSPEND_TARGET_DISK: "guest-suspend-disk",
                C.VIR_NODE_SUSPEND_TARGET_HYBRID: "guest-suspend-hybrid"}
        if target not in cmds:
            raise report(C.VIR_ERR_INVALID_ARG, f"Unknown suspend target: {target}", _FROM)
        self.agent_run(self.vm_of(dom), cmds[target], await_reply=False)
        return 0

    def domainPMWakeup(self, dom: Any, flags: int) -> int:  # noqa: N802
        _check(flags, 0, "qemuDomainPMWakeup")
        vm = self.vm_of(dom)
        with vm.lock:
            mon = vm.mon if vm.is_active() else None
        if mon is None:
            raise report(C.VIR_ERR_OPERATION_INVALID, "domain is not running",
                         C.VIR_FROM_DOMAIN)
        mon.execute("system_wakeup")
        return 0

    def agent_power(self, vm: DomainObj, reboot: bool) -> None:
        """Shut down or reboot the guest through its agent (the GUEST_AGENT mode)."""
        self.agent_run(vm, "guest-shutdown", {"mode": "reboot" if reboot else "powerdown"},
                       await_reply=False)

    def agent_connected(self, vm: DomainObj) -> bool:
        """True when ``vm`` has an agent channel the guest opened (no error raised)."""
        try:
            self.agent_of(vm)
        except libvirtError:
            return False
        return True

    def agent_power_first(self, vm: DomainObj, flags: int, reboot: bool) -> bool:
        """libvirt's choice for shutdown/reboot: the agent when asked for (its errors are
        the caller's), or, with no mode given, when it is connected (falling back to ACPI
        if it fails).  True when the agent did it."""
        if flags & C.VIR_DOMAIN_SHUTDOWN_GUEST_AGENT:
            if flags & C.VIR_DOMAIN_SHUTDOWN_ACPI_POWER_BTN:
                pass            # both modes: the agent first, then ACPI
            else:
                self.agent_power(vm, reboot)
                return True
        elif flags or not self.agent_connected(vm):
            return False
        try:
            self.agent_power(vm, reboot)
        except libvirtError:
            return False
        return True
