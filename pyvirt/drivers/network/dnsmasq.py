"""dnsmasq for a network: its configuration as data, its files, its process.

:func:`conf_options` turns a network definition into the option lines
libvirt's bridge driver writes (``networkDnsmasqConfContents``), in the same
order; :func:`conf_text` adds libvirt's header.  The static hosts go to a
``dhcp-hostsfile``, the DNS hosts to an ``addn-hosts`` file.  pyvirt adds
``pid-file`` and ``dhcp-leasefile`` to the configuration (libvirt passes a
lease helper on the command line instead): the leases file is what
``DHCPLeases`` reads.
"""

from __future__ import annotations

import ipaddress
import os
import select
import signal
import subprocess
from dataclasses import dataclass

from pyvirt import constants as C
from pyvirt.conf.network import IPDef, Lease, LeaseUnit, NetworkDef
from pyvirt.drivers.network import leases
from pyvirt.errors import report
from pyvirt.util.fileutil import atomic_write, remove_durably

_FROM = C.VIR_FROM_NETWORK
DNSMASQ = "/usr/sbin/dnsmasq"


@dataclass(frozen=True)
class DnsmasqFiles:
    """Where one network's dnsmasq files are (pidfile/leasefile None: left out).

    ``keep_root``: dnsmasq gives up root once started and reads its hosts files again
    (on SIGHUP) as an unprivileged user; when it could not reach them (an embed root in a
    private directory) it is told to keep running as root (``--user=root`` on its command
    line; the configuration file stays libvirt's)."""

    conf: str
    hostsfile: str
    addnhosts: str
    leasefile: str | None
    pidfile: str | None
    keep_root: bool = False
    helper: str | None = None       # dnsmasq's --dhcp-script (networks serving DHCPv6)
    macfile: str | None = None      # what the helper keeps: the MACs of DHCPv6 leases

    @classmethod
    def of(cls, directory: str, name: str, keep_root: bool = False) -> DnsmasqFiles:
        """The files of network ``name`` in ``directory``."""
        base = os.path.join(directory, name)
        return cls(f"{base}.conf", f"{base}.hostsfile", f"{base}.addnhosts",
                   f"{base}.leases", f"{base}.pid", keep_root, f"{base}.leasehelper",
                   f"{base}.macs")

    def remove(self) -> None:
        """Remove every file (nothing is left behind after a stop)."""
        for path in (self.conf, self.hostsfile, self.addnhosts, self.leasefile, self.pidfile,
                     self.helper):
            if path:
                remove_durably(path)
        if self.macfile:
            leases.remove_macfile(self.macfile)     # under the lease script's lock


def _lease_time(lease: Lease | None) -> str | None:
    if lease is None:
        return None
    if not lease.expiry:
        return "infinite"
    suffix = {LeaseUnit.SECONDS: "s", LeaseUnit.MINUTES: "m", LeaseUnit.HOURS: "h"}
    return f"{lease.expiry}{suffix[lease.unit]}"


def _ips(def_: NetworkDef, v6: bool | None = None) -> list[IPDef]:
    return [ip for ip in def_.ips if ip.address and (v6 is None or ip.is_ipv6 == v6)]


def _dhcp_ips(def_: NetworkDef) -> tuple[IPDef | None, IPDef | None]:
    """The IPv4 and IPv6 addresses that serve DHCP (one of each at most)."""
    found: dict[bool, IPDef] = {}
    for ip in _ips(def_):
        if not (ip.ranges or ip.hosts):
            continue
        if ip.is_ipv6 in found:
            fam = "IPv6" if ip.is_ipv6 else "IPv4"
            raise report(C.VIR_ERR_CONFIG_UNSUPPORTED,
                         f"For {fam}, multiple DHCP definitions cannot be specified.", _FROM)
        found[ip.is_ipv6] = ip
    return found.get(False), found.get(True)


def _ptr_domain(ip: IPDef) -> str:
    prefix = ip.effective_prefix()
    step = 4 if ip.is_ipv6 else 8
    if prefix % step:
        fam = "IPv6" if ip.is_ipv6 else "IPv4"
        raise report(C.VIR_ERR_CONFIG_UNSUPPORTED, f"PTR domain for {fam} network with "
                     f"prefix {prefix} cannot be automatically created", _FROM)
    labels = ipaddress.ip_address(ip.address or "").reverse_pointer.split(".")
    keep = prefix // step
    total = 32 if ip.is_ipv6 else 4
    return ".".join(labels[total - keep:])


def wants_dns(def_: NetworkDef) -> bool:
    """Whether the network serves DNS (``<dns enable='no'>`` turns it off)."""
    return not (def_.dns is not None and def_.dns.enable is False)


def needed(def_: NetworkDef) -> bool:
    """Whether a started network runs dnsmasq (libvirt's networkStartDhcpDaemon)."""
    ips = _ips(def_)
    if not ips:
        return False
    return any(ip.ranges or ip.hosts for ip in ips) or wants_dns(def_)


def conf_options(def_: NetworkDef, files: DnsmasqFiles) -> list[str]:
    """The option lines of the network's dnsmasq configuration, in libvirt's order."""
    out = ["strict-order"]
    dns = def_.dns
    want_dns = wants_dns(def_)
    if not want_dns:
        out.append("port=0")
    if want_dns and dns is not None and dns.forwarders:
        no_resolv = False
        for domain, addr in dns.forwarders:
            line = "server=" + (f"/{domain}/" if domain else "")
            out.append(line + (addr if addr else "#"))
            no_resolv = no_resolv or (addr is not None and not domain)
        if no_resolv:
            out.append("no-resolv")
    if def_.domain_name:
        if def_.domain_local_only:
            out.append(f"local=/{def_.domain_name}/")
        out += [f"domain={def_.domain_name}", "expand-hosts"]
    if want_dns:
        out += [f"local=/{_ptr_domain(ip)}/" for ip in _ips(def_) if ip.local_ptr]
    if want_dns and dns is not None and dns.forward_plain_names is False:
        out += ["domain-needed", "local=//"]
    if files.pidfile:
        out.append(f"pid-file={files.pidfile}")
    out += ["except-interface=lo", "bind-dynamic", f"interface={def_.bridge}"]
    if def_.forward is None:
        out += ["dhcp-option=3", "no-resolv", "ra-param=*,0,0"]
    if want_dns and dns is not None:
        out += [f"txt-record={name},{value}" for name, value in dns.txts]
        for srv in dns.srvs:
            line = f"srv-host=_{srv.service}._{srv.protocol}"
            if srv.domain:
                line += f".{srv.domain}"
            if srv.target and srv.target != ".":
                line += f",{srv.target}"
                if srv.port or srv.priority or srv.weight:
                    line += f",{srv.port or 1}"
                if srv.priority or srv.weight:
                    line += f",{srv.priority or 0}"
                if srv.weight:
                    line += f",{srv.weight}"
            out.append(line)
    v4, v6 = _dhcp_ips(def_)
    leases = 0
    for ip in (v4, v6):
        if ip is None:
            continue
        prefix = ip.effective_prefix()
        net = ipaddress.ip_network(f"{ip.address}/{prefix}", strict=False)
        for rng in ip.ranges:
            tail = str(prefix) if ip.is_ipv6 else str(net.netmask)
            line = f"dhcp-range={rng.start},{rng.end},{tail}"
            lease = _lease_time(rng.lease)
            out.append(line + (f",{lease}" if lease else ""))
            leases += int(ipaddress.ip_address(rng.end)) - int(ipaddress.ip_address(rng.start)) + 1
        if not ip.ranges and ip.hosts:
            out.append(f"dhcp-range={ip.address},static" + (f",{prefix}" if ip.is_ipv6 else ""))
        if not ip.is_ipv6:
            out += ["dhcp-no-override", "dhcp-authoritative"]
            if ip.tftp_root:
                out += ["enable-tftp", f"tftp-root={ip.tftp_root}"]
            if ip.bootp_file:
                server = f",,{ip.bootp_server}" if ip.bootp_server else ""
                out.append(f"dhcp-boot={ip.bootp_file}{server}")
    if leases:
        out.append(f"dhcp-lease-max={leases}")
    if files.leasefile and (v4 or v6):
        out.append(f"dhcp-leasefile={files.leasefile}")
    if v4 or v6:
        out.append(f"dhcp-hostsfile={files.hostsfile}")
    if want_dns:
        out.append(f"addn-hosts={files.addnhosts}")
    if def_.mtu:
        out.append(f"dhcp-option=option:mtu,{def_.mtu}")
    if v6 is not None:
        out.append("enable-ra")
    else:
        out += [f"dhcp-range={ip.address},ra-only" for ip in _ips(def_, v6=True)
                if not (ip.ranges or ip.hosts)]
    return out


def conf_text(def_: NetworkDef, files: DnsmasqFiles) -> str:
    """The whole configuration file, with libvirt's header."""
    header = ("##WARNING:  THIS IS AN AUTO-GENERATED FILE. CHANGES TO IT ARE LIKELY TO BE\n"
              "##OVERWRITTEN AND LOST.  Changes to this configuration should be made using:\n"
              f"##    virsh net-edit {def_.name}\n"
              "## or other application using the libvirt API.\n"
              "##\n## dnsmasq conf file created by libvirt\n")
    return header + "".join(f"{line}\n" for line in conf_options(def_, files))


def hostsfile_text(def_: NetworkDef) -> str:
    """The static DHCP hosts, one ``mac,ip,name[,lease]`` line each."""
    lines = []
    for ip in _dhcp_ips(def_):
        if ip is None:
            continue
        for host in ip.hosts:
            if ip.is_ipv6:
                who = f"id:{host.id}" if host.id else host.name
                fields = [who, f"[{host.ip}]" if host.ip else None]
                if host.id and host.name:
                    fields.append(host.name)
            else:
                fields = [host.mac, host.ip, host.name] if host.mac else [host.name, host.ip]
            fields.append(_lease_time(host.lease))
            lines.append(",".join(f for f in fields if f))
    return "".join(f"{line}\n" for line in lines)


def addnhosts_text(def_: NetworkDef) -> str:
    """The DNS ``<host>`` records: ``ip<TAB>name<TAB>...`` lines (each name followed by a
    tab, as libvirt writes them)."""
    hosts = def_.dns.hosts if def_.dns is not None else []
    return "".join(f"{h.ip}\t" + "".join(f"{n}\t" for n in h.hostnames) + "\n"
                   for h in hosts)


def start(def_: NetworkDef, files: DnsmasqFiles) -> int:
    """Write the files and start dnsmasq (it daemonises once its pid file is written);
    return its pid.  On failure nothing is left running and the files are removed."""
    assert files.pidfile is not None
    try:
        atomic_write(files.hostsfile, hostsfile_text(def_), 0o644)
        atomic_write(files.addnhosts, addnhosts_text(def_), 0o644)
        atomic_write(files.conf, conf_text(def_, files), 0o600)
    except OSError as exc:
        files.remove()
        raise report(C.VIR_ERR_SYSTEM_ERROR, f"couldn't write dnsmasq config file "
                     f"'{files.conf}': {exc.strerror}", _FROM) from None
    argv = [DNSMASQ, f"--conf-file={files.conf}"] + (["--user=root"] if files.keep_root else [])
    if files.helper and files.macfile and _dhcp_ips(def_)[1] is not None:
        # as libvirt's leaseshelper: DHCPv6 leases' MACs come only through a lease script
        try:
            leases.write_helper(files.helper, files.macfile)
        except OSError as exc:
            files.remove()
            raise report(C.VIR_ERR_SYSTEM_ERROR, f"couldn't write dnsmasq lease script "
                         f"'{files.helper}': {exc.strerror}", _FROM) from None
        argv.append(f"--dhcp-script={files.helper}")
    try:
        res = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                             timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        files.remove()
        raise report(C.VIR_ERR_INTERNAL_ERROR, f"Failed to run '{DNSMASQ}': {exc}",
                     _FROM) from None
    if res.returncode != 0:
        pid = read_pid(files)
        if pid:
            stop(pid, files)
        files.remove()
        msg = (res.stderr or res.stdout).strip()
        raise report(C.VIR_ERR_INTERNAL_ERROR, f"Child process ({' '.join(argv)}) unexpected "
                     f"exit status {res.returncode}: {msg}", _FROM)
    pid = read_pid(files)
    if not pid:
        files.remove()
        raise report(C.VIR_ERR_INTERNAL_ERROR, f"dnsmasq wrote no pid to '{files.pidfile}'",
                     _FROM)
    return pid


def refresh(def_: NetworkDef, files: DnsmasqFiles, pid: int) -> None:
    """Rewrite the static DHCP hosts and DNS hosts files and make dnsmasq read them again
    (SIGHUP), as libvirt's networkRefreshDhcpDaemon; the configuration file is unchanged."""
    try:
        atomic_write(files.hostsfile, hostsfile_text(def_), 0o644)
        atomic_write(files.addnhosts, addnhosts_text(def_), 0o644)
    except OSError as exc:
        raise report(C.VIR_ERR_SYSTEM_ERROR, f"couldn't write dnsmasq hosts file "
                     f"'{files.hostsfile}': {exc.strerror}", _FROM) from None
    if not is_ours(pid, files):
        raise report(C.VIR_ERR_INTERNAL_ERROR, f"dnsmasq of network '{def_.name}' "
                     f"(pid {pid}) is not running", _FROM)
    try:
        os.kill(pid, signal.SIGHUP)
    except ProcessLookupError:
        raise report(C.VIR_ERR_INTERNAL_ERROR, f"dnsmasq of network '{def_.name}' "
                     f"(pid {pid}) is not running", _FROM) from None


def read_pid(files: DnsmasqFiles) -> int | None:
    """The pid dnsmasq wrote, if any."""
    try:
        with open(files.pidfile or "", encoding="ascii") as fh:
            return int(fh.read().strip() or 0) or None
    except (OSError, ValueError):
        return None


def is_ours(pid: int, files: DnsmasqFiles) -> bool:
    """Whether ``pid`` is a dnsmasq running with this network's configuration."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            argv = fh.read().split(b"\0")
    except OSError:
        return False
    return f"--conf-file={files.conf}".encode() in argv


def stop(pid: int, files: DnsmasqFiles) -> None:
    """Stop the network's dnsmasq (SIGTERM, then SIGKILL) if ``pid`` is still it, and wait
    until it has exited.  The wait is on a pidfd: its command line vanishes before its
    sockets are closed, and a new dnsmasq started at once would find the address busy."""
    if not is_ours(pid, files):
        return
    try:
        pidfd = os.pidfd_open(pid)
    except ProcessLookupError:
        return
    try:
        if not is_ours(pid, files):   # the pid went to another process meanwhile
            return
        for sig in (signal.SIGTERM, signal.SIGKILL):
            try:
                signal.pidfd_send_signal(pidfd, sig)
            except ProcessLookupError:
                return
            if select.select([pidfd], [], [], 3.0)[0]:
                return
    finally:
        os.close(pidfd)


def read_leases(def_: NetworkDef, files: DnsmasqFiles, mac: str | None) -> list[dict[str, object]]:
    """The leases in dnsmasq's leases file, as virNetworkDHCPLease dicts (IPv4 and
    DHCPv6; see :mod:`.leases`)."""
    try:
        with open(files.leasefile or "", encoding="utf-8") as fh:
            text = fh.read()
    except OSError:
        return []
    return leases.parse(text, def_.bridge, _ips(def_), leases.read_macs(files.macfile), mac)
