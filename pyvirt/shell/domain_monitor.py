"""Domain monitoring commands: list, dominfo, domstate, stats, job info."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pyvirt as libvirt
from pyvirt.shell import lookup
from pyvirt.shell.command import (
    CONFIG,
    CURRENT,
    DOMAIN,
    LIVE,
    WRAP,
    XPATH,
    Args,
    CmdError,
    argv,
    command,
    data,
    exclusive,
    flag,
    number,
    requires,
    string,
)
from pyvirt.shell.files import dump_xml
from pyvirt.shell.main import Shell
from pyvirt.shell.output import capacity, pretty_capacity, typed_value

MONITOR = "monitor"
DOMAIN_GROUP = "domain"

STATES = ("no state", "running", "idle", "paused", "in shutdown", "shut off", "crashed",
          "pmsuspended")
REASONS: dict[int, tuple[str, ...]] = {
    0: ("unknown",),
    1: ("unknown", "booted", "migrated", "restored", "from snapshot", "unpaused",
        "migration canceled", "save canceled", "event wakeup", "crashed", "post-copy",
        "post-copy failed"),
    2: ("unknown",),
    3: ("unknown", "user", "migrating", "saving", "dumping", "I/O error", "watchdog",
        "from snapshot", "shutting down", "creating snapshot", "crashed", "starting up",
        "post-copy", "post-copy failed"),
    4: ("unknown", "user"),
    5: ("unknown", "shutdown", "destroyed", "crashed", "migrated", "saved", "failed",
        "from snapshot", "daemon"),
    6: ("unknown", "panicked"),
    7: ("unknown",),
}


def state_name(state: int) -> str:
    """virsh's name for a domain state."""
    return STATES[state] if 0 <= state < len(STATES) else "no state"


def reason_name(state: int, reason: int) -> str:
    """virsh's name for a state reason."""
    names = REASONS.get(state, ())
    return names[reason] if 0 <= reason < len(names) else "unknown"


def domain_id(dom: Any) -> int | None:
    """The domain's id, or None when it is not running."""
    value = dom.ID()
    if value is None or value < 0 or value == 0xFFFFFFFF:
        return None
    return int(value)


def domain_state(dom: Any) -> tuple[int, int]:
    """(state, reason) of a domain, falling back to info() like virsh."""
    try:
        state, reason = dom.state(0)[:2]
        return state, reason
    except libvirt.libvirtError as exc:
        if exc.get_error_code() != libvirt.VIR_ERR_NO_SUPPORT:
            raise
    return dom.info()[0], -1


def domain_title(dom: Any) -> str:
    """The domain's <title>, or an empty string."""
    try:
        return dom.metadata(libvirt.VIR_DOMAIN_METADATA_TITLE, None, 0) or ""
    except libvirt.libvirtError as exc:
        code = exc.get_error_code()
        if code == libvirt.VIR_ERR_NO_DOMAIN_METADATA:
            return ""
        if code != libvirt.VIR_ERR_NO_SUPPORT:
            raise
    from lxml import etree

    root = etree.fromstring(dom.XMLDesc(0).encode())
    return root.findtext("title") or ""


def sort_domains(domains: list[Any]) -> list[Any]:
    """virsh's order: running domains by id, then the others by name."""
    def key(dom: Any) -> tuple[int, int, str]:
        ident = domain_id(dom)
        if ident is None:
            return (1, 0, dom.name().lower())
        return (0, ident, "")
    return sorted(domains, key=key)


# -- list ------------------------------------------------------------------

_LIST_FILTERS = (
    ("persistent", "VIR_CONNECT_LIST_DOMAINS_PERSISTENT"),
    ("transient", "VIR_CONNECT_LIST_DOMAINS_TRANSIENT"),
    ("with-managed-save", "VIR_CONNECT_LIST_DOMAINS_MANAGEDSAVE"),
    ("without-managed-save", "VIR_CONNECT_LIST_DOMAINS_NO_MANAGEDSAVE"),
    ("autostart", "VIR_CONNECT_LIST_DOMAINS_AUTOSTART"),
    ("no-autostart", "VIR_CONNECT_LIST_DOMAINS_NO_AUTOSTART"),
    ("with-snapshot", "VIR_CONNECT_LIST_DOMAINS_HAS_SNAPSHOT"),
    ("without-snapshot", "VIR_CONNECT_LIST_DOMAINS_NO_SNAPSHOT"),
    ("with-checkpoint", "VIR_CONNECT_LIST_DOMAINS_HAS_CHECKPOINT"),
    ("without-checkpoint", "VIR_CONNECT_LIST_DOMAINS_NO_CHECKPOINT"),
    ("state-running", "VIR_CONNECT_LIST_DOMAINS_RUNNING"),
    ("state-paused", "VIR_CONNECT_LIST_DOMAINS_PAUSED"),
    ("state-shutoff", "VIR_CONNECT_LIST_DOMAINS_SHUTOFF"),
    ("state-other", "VIR_CONNECT_LIST_DOMAINS_OTHER"),
)

LIST_OPTS = [
    flag("inactive", "list inactive domains"),
    flag("all", "list inactive & active domains"),
    flag("transient", "list transient domains"),
    flag("persistent", "list persistent domains"),
    flag("with-snapshot", "list domains with existing snapshot"),
    flag("without-snapshot", "list domains without a snapshot"),
    flag("with-checkpoint", "list domains with existing checkpoint"),
    flag("without-checkpoint", "list domains without a checkpoint"),
    flag("state-running", "list domains in running state"),
    flag("state-paused", "list domains in paused state"),
    flag("state-shutoff", "list domains in shutoff state"),
    flag("state-other", "list domains in other states"),
    flag("autostart", "list domains with autostart enabled"),
    flag("no-autostart", "list domains with autostart disabled"),
    flag("with-managed-save", "list domains with managed save state"),
    flag("without-managed-save", "list domains without managed save"),
    flag("uuid", "list uuid's only"),
    flag("name", "list domain names only"),
    flag("id", "list domain IDs only"),
    flag("table", "list table (default)"),
    flag("managed-save", "mark inactive domains with managed save state"),
    flag("title", "show domain title"),
]


def list_flags(args: Args) -> int:
    """The listAllDomains flags for list's filter options."""
    flags = libvirt.VIR_CONNECT_LIST_DOMAINS_ACTIVE
    if args.flag("inactive") or args.flag("state-shutoff"):
        flags = libvirt.VIR_CONNECT_LIST_DOMAINS_INACTIVE
    if args.flag("all"):
        flags = (libvirt.VIR_CONNECT_LIST_DOMAINS_INACTIVE
                 | libvirt.VIR_CONNECT_LIST_DOMAINS_ACTIVE)
    for name, const in _LIST_FILTERS:
        if args.flag(name):
            flags |= getattr(libvirt, const)
    return flags


def collect_domains(conn: Any, flags: int) -> list[Any]:
    """listAllDomains(flags), filtering client side if the driver refuses flags."""
    try:
        return sort_domains(conn.listAllDomains(flags))
    except libvirt.libvirtError as exc:
        if exc.get_error_code() not in (libvirt.VIR_ERR_INVALID_ARG,
                                        libvirt.VIR_ERR_NO_SUPPORT):
            raise CmdError("Failed to list domains", exc) from None
    basic = flags & (libvirt.VIR_CONNECT_LIST_DOMAINS_ACTIVE
                     | libvirt.VIR_CONNECT_LIST_DOMAINS_INACTIVE)
    try:
        domains = conn.listAllDomains(basic)
    except libvirt.libvirtError as exc:
        raise CmdError("Failed to list domains", exc) from None
    return sort_domains([dom for dom in domains if _matches(dom, flags)])


def _pair(flags: int, yes: str, no: str, value: bool) -> bool:
    """Whether ``value`` passes a yes/no filter pair (unset: passes)."""
    want_yes, want_no = flags & getattr(libvirt, yes), flags & getattr(libvirt, no)
    if not want_yes and not want_no:
        return True
    return bool((want_yes and value) or (want_no and not value))


def _matches(dom: Any, flags: int) -> bool:
    L = "VIR_CONNECT_LIST_DOMAINS_"
    if not _pair(flags, L + "PERSISTENT", L + "TRANSIENT", dom.isPersistent()):
        return False
    state_bits = flags & (libvirt.VIR_CONNECT_LIST_DOMAINS_RUNNING
                          | libvirt.VIR_CONNECT_LIST_DOMAINS_PAUSED
                          | libvirt.VIR_CONNECT_LIST_DOMAINS_SHUTOFF
                          | libvirt.VIR_CONNECT_LIST_DOMAINS_OTHER)
    if state_bits:
        state = domain_state(dom)[0]
        bit = {1: libvirt.VIR_CONNECT_LIST_DOMAINS_RUNNING,
               3: libvirt.VIR_CONNECT_LIST_DOMAINS_PAUSED,
               5: libvirt.VIR_CONNECT_LIST_DOMAINS_SHUTOFF}.get(
                   state, libvirt.VIR_CONNECT_LIST_DOMAINS_OTHER)
        if not state_bits & bit:
            return False
    if not _pair(flags, L + "AUTOSTART", L + "NO_AUTOSTART", dom.autostart()):
        return False
    managed = libvirt.VIR_CONNECT_LIST_DOMAINS_MANAGEDSAVE | \
        libvirt.VIR_CONNECT_LIST_DOMAINS_NO_MANAGEDSAVE
    if flags & managed and not _pair(flags, L + "MANAGEDSAVE", L + "NO_MANAGEDSAVE",
                                     dom.hasManagedSaveImage(0)):
        return False
    snapshots = libvirt.VIR_CONNECT_LIST_DOMAINS_HAS_SNAPSHOT | \
        libvirt.VIR_CONNECT_LIST_DOMAINS_NO_SNAPSHOT
    return not (flags & snapshots and not _pair(flags, L + "HAS_SNAPSHOT", L + "NO_SNAPSHOT",
                                                 dom.snapshotNum(0) > 0))


@command("list", DOMAIN_GROUP, "list domains", LIST_OPTS, json=True)
def cmd_list(shell: Shell, args: Args) -> bool:
    """List domains as a table, or their names/uuids/ids one per line."""
    exclusive(args, "table", "name")
    exclusive(args, "table", "uuid")
    exclusive(args, "table", "id")
    want_uuid, want_name, want_id = args.flag("uuid"), args.flag("name"), args.flag("id")
    table = args.flag("table") or not (want_uuid or want_name or want_id)
    domains = collect_domains(shell.conn, list_flags(args))
    if args.json:
        shell.out.json({"domains": [_domain_json(dom, args.flag("title"))
                                    for dom in domains]})
        return True
    if not table:
        for dom in domains:
            ident = domain_id(dom)
            words = []
            if want_uuid:
                words.append(dom.UUIDString())
            if want_id:
                if ident is None and not want_uuid and not want_name:
                    continue
                words.append("-" if ident is None else str(ident))
            if want_name:
                words.append(dom.name())
            shell.out.print(" ".join(words) + "\n")
        return True
    header = ["Id", "Name", "State"] + (["Title"] if args.flag("title") else [])
    rows = []
    for dom in domains:
        ident = domain_id(dom)
        try:
            state = domain_state(dom)[0]
        except libvirt.libvirtError:
            continue
        label = state_name(state)
        if args.flag("managed-save") and state == libvirt.VIR_DOMAIN_SHUTOFF \
                and dom.hasManagedSaveImage(0) > 0:
            label = "saved"
        row = ["-" if ident is None else str(ident), dom.name(), label]
        if args.flag("title"):
            row.append(domain_title(dom))
        rows.append(row)
    shell.out.table(header, rows)
    return True


def _domain_json(dom: Any, with_title: bool) -> dict[str, Any]:
    try:
        persistent: bool | None = bool(dom.isPersistent())
    except libvirt.libvirtError:
        persistent = None
    return {"id": domain_id(dom), "name": dom.name(), "uuid": dom.UUIDString(),
            "state": state_name(domain_state(dom)[0]), "persistent": persistent,
            "title": domain_title(dom) if with_title else None}


# -- dominfo / domstate / ids ------------------------------------------------


@command("dominfo", MONITOR, "domain information", [DOMAIN], json=True)
def cmd_dominfo(shell: Shell, args: Args) -> bool:
    """Print basic information about a domain."""
    dom, _ = lookup.domain(shell, args)
    info = _collect_info(shell, dom)
    if args.json:
        shell.out.json(info["json"])
        return info["ok"]
    for label, value in info["lines"]:
        shell.out.print(f"{label:<15} {value}\n")
    if info["error"] is not None:
        raise CmdError(None, info["error"])
    return info["ok"]


def _collect_info(shell: Shell, dom: Any) -> dict[str, Any]:
    """dominfo's lines and JSON document; stops where virsh stops."""
    lines: list[tuple[str, str]] = []
    doc: dict[str, Any] = {key: None for key in (
        "id", "name", "uuid", "os_type", "state", "cpus", "cpu_time", "max_memory_kib",
        "used_memory_kib", "persistent", "autostart", "managed_save", "security_model",
        "security_doi", "security_label", "security_enforcing")}
    result: dict[str, Any] = {"lines": lines, "json": doc, "ok": True, "error": None}
    ident = domain_id(dom)
    doc.update(id=ident, name=dom.name(), uuid=dom.UUIDString())
    lines += [("Id:", "-" if ident is None else str(ident)), ("Name:", dom.name()),
              ("UUID:", dom.UUIDString())]
    try:
        doc["os_type"] = dom.OSType()
        lines.append(("OS Type:", doc["os_type"]))
    except libvirt.libvirtError:
        pass
    try:
        state, max_mem, memory, vcpus, cpu_time = dom.info()
        doc.update(state=state_name(state), cpus=vcpus, cpu_time=cpu_time / 1e9,
                   max_memory_kib=max_mem, used_memory_kib=memory)
        lines += [("State:", state_name(state)), ("CPU(s):", str(vcpus))]
        if cpu_time:
            lines.append(("CPU time:", f"{cpu_time / 1e9:.1f}s"))
        lines.append(("Max memory:", "no limit" if max_mem == 0xFFFFFFFF else f"{max_mem} KiB"))
        lines.append(("Used memory:", f"{memory} KiB"))
    except libvirt.libvirtError:
        result["ok"] = False
    try:
        doc["persistent"] = bool(dom.isPersistent())
        lines.append(("Persistent:", "yes" if doc["persistent"] else "no"))
    except libvirt.libvirtError:
        lines.append(("Persistent:", "unknown"))
    try:
        doc["autostart"] = bool(dom.autostart())
        lines.append(("Autostart:", "enable" if doc["autostart"] else "disable"))
    except libvirt.libvirtError:
        pass
    try:
        doc["managed_save"] = bool(dom.hasManagedSaveImage(0))
        lines.append(("Managed save:", "yes" if doc["managed_save"] else "no"))
    except libvirt.libvirtError:
        lines.append(("Managed save:", "unknown"))
    try:
        model, doi = shell.conn.getSecurityModel()[:2]
    except libvirt.libvirtError as exc:
        if exc.get_error_code() != libvirt.VIR_ERR_NO_SUPPORT:
            result.update(ok=False, error=exc)
        return result
    if model:
        doc.update(security_model=model, security_doi=doi)
        lines += [("Security model:", model), ("Security DOI:", doi)]
        try:
            label, enforcing = dom.securityLabel()[:2]
        except libvirt.libvirtError as exc:
            result.update(ok=False, error=exc)
            return result
        if label:
            doc.update(security_label=label, security_enforcing=bool(enforcing))
            lines.append(("Security label:",
                          f"{label} ({'enforcing' if enforcing else 'permissive'})"))
    try:
        messages = dom.messages(0) if hasattr(dom, "messages") else []
    except libvirt.libvirtError:
        messages = []
    for index, message in enumerate(messages or []):
        lines.append(("Messages:" if index == 0 else "", message))
    return result


@command("domstate", MONITOR, "domain state",
         [DOMAIN, flag("reason", "also print reason for the state")], json=True)
def cmd_domstate(shell: Shell, args: Args) -> bool:
    """Print a domain's state (and why)."""
    dom, _ = lookup.domain(shell, args)
    state, reason = domain_state(dom)
    if args.json:
        shell.out.json({"state": state_name(state), "reason": reason_name(state, reason),
                        "state_code": state, "reason_code": reason})
    elif args.flag("reason"):
        shell.out.print(f"{state_name(state)} ({reason_name(state, reason)})\n")
    else:
        shell.out.print(state_name(state) + "\n")
    return True


@command("domid", DOMAIN_GROUP, "convert a domain name or UUID to domain id",
         [data("domain", "domain name or uuid", complete="domain")])
def cmd_domid(shell: Shell, args: Args) -> bool:
    """Print a domain's id ('-' when inactive)."""
    name = args.req("domain")
    dom = _lookup_without(shell, name, by_id=False)
    ident = domain_id(dom)
    shell.out.print(("-" if ident is None else str(ident)) + "\n")
    return True


@command("domname", DOMAIN_GROUP, "convert a domain id or UUID to domain name",
         [data("domain", "domain id or uuid", complete="domain")])
def cmd_domname(shell: Shell, args: Args) -> bool:
    """Print a domain's name."""
    dom = _lookup_without(shell, args.req("domain"), by_name=False)
    shell.out.print(dom.name() + "\n")
    return True


@command("domuuid", DOMAIN_GROUP, "convert a domain name or id to domain UUID",
         [data("domain", "domain id or name", complete="domain")])
def cmd_domuuid(shell: Shell, args: Args) -> bool:
    """Print a domain's UUID."""
    dom = _lookup_without(shell, args.req("domain"), by_uuid=False)
    shell.out.print(dom.UUIDString() + "\n")
    return True


def _lookup_without(shell: Shell, name: str, by_id: bool = True, by_uuid: bool = True,
                    by_name: bool = True) -> Any:
    """Domain lookup restricted to some of id/UUID/name (virsh's BY* flags)."""
    conn = shell.conn
    attempts: list[tuple[Callable[[Any], Any], Any]] = []
    if by_id and name.isdigit() and int(name) < 2 ** 31:
        attempts.append((conn.lookupByID, int(name)))
    if by_uuid and len(name) == lookup.UUID_LEN:
        attempts.append((conn.lookupByUUIDString, name))
    if by_name:
        attempts.append((conn.lookupByName, name))
    for func, value in attempts:
        try:
            return func(value)
        except libvirt.libvirtError:
            continue
    raise CmdError(f"failed to get domain '{name}'")


@command("dumpxml", DOMAIN_GROUP, "domain information in XML",
         [DOMAIN, flag("inactive", "show inactive defined XML"),
          flag("security-info", "include security sensitive information in XML dump"),
          flag("update-cpu", "update guest CPU according to host CPU"),
          flag("migratable", "provide XML suitable for migrations"), XPATH, WRAP])
def cmd_dumpxml(shell: Shell, args: Args) -> bool:
    """Print the domain XML (or the nodes --xpath selects)."""
    flags = 0
    for name, const in (("inactive", "VIR_DOMAIN_XML_INACTIVE"),
                        ("security-info", "VIR_DOMAIN_XML_SECURE"),
                        ("update-cpu", "VIR_DOMAIN_XML_UPDATE_CPU"),
                        ("migratable", "VIR_DOMAIN_XML_MIGRATABLE")):
        if args.flag(name):
            flags |= getattr(libvirt, const)
    dom, _ = lookup.domain(shell, args)
    xpath = args.values.get("xpath") or None
    return dump_xml(shell.out, dom.XMLDesc(flags), xpath, args.flag("wrap"))


# -- vcpus ---------------------------------------------------------------------


def _vcpu_count(dom: Any, flags: int, check_state: bool) -> int | None:
    """virsh's vCPU count collection; None when not applicable."""
    if check_state:
        if flags & libvirt.VIR_DOMAIN_AFFECT_LIVE and not dom.isActive():
            return None
        if flags & libvirt.VIR_DOMAIN_AFFECT_CONFIG and not dom.isPersistent():
            return None
    try:
        return int(dom.vcpusFlags(flags))
    except libvirt.libvirtError as exc:
        if exc.get_error_code() not in (libvirt.VIR_ERR_NO_SUPPORT,
                                        libvirt.VIR_ERR_INVALID_ARG):
            raise CmdError(None, exc) from None
        if flags & libvirt.VIR_DOMAIN_VCPU_GUEST:
            raise CmdError("Failed to retrieve vCPU count from the guest") from None
    live = flags & libvirt.VIR_DOMAIN_AFFECT_LIVE or (
        not flags & (libvirt.VIR_DOMAIN_AFFECT_LIVE | libvirt.VIR_DOMAIN_AFFECT_CONFIG)
        and dom.isActive())
    if live:
        if flags & libvirt.VIR_DOMAIN_VCPU_MAXIMUM:
            return int(dom.maxVcpus())
        return int(dom.info()[3])
    from lxml import etree

    root = etree.fromstring(dom.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE).encode())
    vcpu = root.find("vcpu")
    text = vcpu.text if vcpu is not None else None
    if flags & libvirt.VIR_DOMAIN_VCPU_MAXIMUM:
        if not text:
            raise CmdError("Failed to retrieve maximum vcpu count")
        return int(text)
    current = vcpu.get("current") if vcpu is not None else None
    if not current:
        raise CmdError("Failed to retrieve current vcpu count")
    return int(current)


@command("vcpucount", DOMAIN_GROUP, "domain vcpu counts",
         [DOMAIN, flag("maximum", "get maximum count of vcpus"),
          flag("active", "get number of currently active vcpus"), LIVE, CONFIG, CURRENT,
          flag("guest", "count vcpus from the perspective of the guest")], json=True)
def cmd_vcpucount(shell: Shell, args: Args) -> bool:
    """Print the maximum/current vCPU counts, live and config."""
    maximum, active = args.flag("maximum"), args.flag("active")
    config, live, guest = args.flag("config"), args.flag("live"), args.flag("guest")
    current = args.flag("current") and (maximum or active)
    show_all = not (maximum or active or args.flag("current") or config or live or guest)
    for one, two, a, b in (("live", "config", live, config), ("current", "live", current, live),
                           ("current", "config", current, config),
                           ("active", "maximum", active, maximum),
                           ("guest", "config", guest, config)):
        if a and b:
            raise CmdError(f"Options --{one} and --{two} are mutually exclusive")
    dom, _ = lookup.domain(shell, args)
    C = libvirt
    if show_all:
        counts = {
            ("maximum", "config"): _vcpu_count(
                dom, C.VIR_DOMAIN_AFFECT_CONFIG | C.VIR_DOMAIN_VCPU_MAXIMUM, True),
            ("maximum", "live"): _vcpu_count(
                dom, C.VIR_DOMAIN_AFFECT_LIVE | C.VIR_DOMAIN_VCPU_MAXIMUM, True),
            ("current", "config"): _vcpu_count(dom, C.VIR_DOMAIN_AFFECT_CONFIG, True),
            ("current", "live"): _vcpu_count(dom, C.VIR_DOMAIN_AFFECT_LIVE, True),
        }
        if args.json:
            shell.out.json({
                "maximum": {"config": counts[("maximum", "config")],
                            "live": counts[("maximum", "live")]},
                "current": {"config": counts[("current", "config")],
                            "live": counts[("current", "live")]},
                "guest": None})
            return True
        for (which, where), value in counts.items():
            if value is not None and value > 0:
                shell.out.print(f"{which:<12} {where:<12} {value:3d}\n")
        return True
    flags = C.VIR_DOMAIN_AFFECT_CURRENT
    if live:
        flags |= C.VIR_DOMAIN_AFFECT_LIVE
    if config:
        flags |= C.VIR_DOMAIN_AFFECT_CONFIG
    if maximum:
        flags |= C.VIR_DOMAIN_VCPU_MAXIMUM
    if guest:
        flags |= C.VIR_DOMAIN_VCPU_GUEST
    count = _vcpu_count(dom, flags, False)
    if count is None or count < 0:
        return False
    if args.json:
        where = "config" if config else "live" if live else "current"
        which = "maximum" if maximum else "current"
        doc: dict[str, Any] = {"maximum": None, "current": None, "guest": None}
        if guest:
            doc["guest"] = count
        else:
            doc[which] = {where: count}
        shell.out.json(doc)
        return True
    shell.out.print(f"{count}\n")
    return True


# -- devices ---------------------------------------------------------------


def _domain_xml_root(shell: Shell, args: Args) -> Any:
    from lxml import etree

    dom, _ = lookup.domain(shell, args)
    flags = libvirt.VIR_DOMAIN_XML_INACTIVE if args.flag("inactive") else 0
    return etree.fromstring(dom.XMLDesc(flags).encode())


def _first(node: Any, *paths: str) -> str | None:
    """The first non-empty attribute value among ``paths`` ('elem/@attr')."""
    for path in paths:
        elem_path, _, attr = path.rpartition("/@")
        found = node.find(elem_path)
        if found is not None and found.get(attr):
            return found.get(attr)
    return None


@command("domblklist", MONITOR, "list all domain blocks",
         [DOMAIN, flag("inactive", "get inactive rather than running configuration"),
          flag("details", "additionally display the type and device value")], json=True)
def cmd_domblklist(shell: Shell, args: Args) -> bool:
    """Table of the domain's disks: target and source."""
    root = _domain_xml_root(shell, args)
    rows = []
    for disk in root.findall("devices/disk"):
        target = _first(disk, "target/@dev")
        if not target:
            raise CmdError("unable to query block list")
        if disk.get("type") == "nvme":
            addr = disk.find("source/address")
            namespace = _first(disk, "source/@namespace")
            if addr is None or not namespace:
                raise CmdError("Unable to query NVMe disk address")
            pci = [int(addr.get(key, "0"), 0) for key in ("domain", "bus", "slot", "function")]
            source: str | None = (f"nvme://{pci[0]:04x}:{pci[1]:02x}:{pci[2]:02x}."
                                  f"{pci[3]}/{namespace}")
        else:
            source = _first(disk, "source/@file", "source/@dev", "source/@dir",
                            "source/@name", "source/@volume", "source/@path")
        rows.append({"type": disk.get("type"), "device": disk.get("device"),
                     "target": target, "source": source})
    if args.json:
        shell.out.json({"disks": rows})
        return True
    if args.flag("details"):
        shell.out.table(["Type", "Device", "Target", "Source"],
                        [[r["type"] or "", r["device"] or "", r["target"], r["source"] or "-"]
                         for r in rows])
    else:
        shell.out.table(["Target", "Source"], [[r["target"], r["source"] or "-"] for r in rows])
    return True


@command("domiflist", MONITOR, "list all domain virtual interfaces",
         [DOMAIN, flag("inactive", "get inactive rather than running configuration")],
         json=True)
def cmd_domiflist(shell: Shell, args: Args) -> bool:
    """Table of the domain's network interfaces."""
    root = _domain_xml_root(shell, args)
    rows = []
    for iface in root.findall("devices/interface"):
        rows.append({
            "interface": _first(iface, "target/@dev"), "type": iface.get("type"),
            "source": _first(iface, "source/@bridge", "source/@dev", "source/@network",
                             "source/@name", "source/@path"),
            "model": _first(iface, "model/@type"), "mac": _first(iface, "mac/@address")})
    if args.json:
        shell.out.json({"interfaces": rows})
        return True
    shell.out.table(["Interface", "Type", "Source", "Model", "MAC"],
                    [[r["interface"] or "-", r["type"] or "", r["source"] or "-",
                      r["model"] or "-", r["mac"] or "-"] for r in rows])
    return True


# -- statistics ----------------------------------------------------------------

_BLKSTAT_FIELDS = (
    ("rd_operations", "rd_req", "number of read operations:"),
    ("rd_bytes", "rd_bytes", "number of bytes read:"),
    ("wr_operations", "wr_req", "number of write operations:"),
    ("wr_bytes", "wr_bytes", "number of bytes written:"),
    ("errs", "errs", "error count:"),
    ("flush_operations", None, "number of flush operations:"),
    ("rd_total_times", None, "total duration of reads (ns):"),
    ("wr_total_times", None, "total duration of writes (ns):"),
    ("flush_total_times", None, "total duration of flushes (ns):"),
)


@command("domblkstat", MONITOR, "get device block stats for a domain",
         [DOMAIN, string("device", "block device", positional=True, complete="disk",
                         empty_ok=True),
          flag("human", "print a more human readable output")], json=True)
def cmd_domblkstat(shell: Shell, args: Args) -> bool:
    """Print a disk's I/O counters."""
    dom, name = lookup.domain(shell, args)
    device = args.get("device") or ""
    human = args.flag("human")
    stats: list[tuple[str, str, Any]] = []   # (json key, label, value)
    try:
        params = dom.blockStatsFlags(device, 0)
        for field, legacy, label in _BLKSTAT_FIELDS:
            if field in params:
                stats.append((legacy or field, label if human else (legacy or field),
                              params[field]))
        known = {f[0] for f in _BLKSTAT_FIELDS}
        stats += [(key, key, value) for key, value in params.items() if key not in known]
    except libvirt.libvirtError as exc:
        if exc.get_error_code() != libvirt.VIR_ERR_NO_SUPPORT:
            raise
        try:
            values = dom.blockStats(device)
        except libvirt.libvirtError as exc2:
            raise CmdError(f"Failed to get block stats {name} {device}", exc2) from None
        for (field, legacy, label), value in zip(_BLKSTAT_FIELDS, values):
            if value >= 0:
                stats.append((legacy or field, label if human else (legacy or field), value))
    if args.json:
        shell.out.json({"device": device or None,
                        "stats": {key: value for key, _, value in stats}})
        return True
    prefix = device
    if human:
        shell.out.print(f"Device: {device}\n")
        prefix = ""
    for _, label, value in stats:
        text = f"{label:<31}" if human else label
        shell.out.print(f"{prefix} {text} {typed_value(value)}\n")
    return True


_IFSTAT_FIELDS = ("rx_bytes", "rx_packets", "rx_errs", "rx_drop",
                  "tx_bytes", "tx_packets", "tx_errs", "tx_drop")


@command("domifstat", MONITOR, "get network interface stats for a domain",
         [DOMAIN, data("interface", "interface device specified by name or MAC Address",
                       complete="interface")], json=True)
def cmd_domifstat(shell: Shell, args: Args) -> bool:
    """Print a network interface's traffic counters."""
    dom, name = lookup.domain(shell, args)
    device = args.req("interface")
    try:
        values = dom.interfaceStats(device)
    except libvirt.libvirtError as exc:
        raise CmdError(f"Failed to get interface stats {name} {device}", exc) from None
    stats = {key: value for key, value in zip(_IFSTAT_FIELDS, values) if value >= 0}
    if args.json:
        shell.out.json({"interface": device, "stats": stats})
        return True
    for key, value in stats.items():
        shell.out.print(f"{device} {key} {value}\n")
    return True


_MEMSTAT_NAMES = ("swap_in", "swap_out", "major_fault", "minor_fault", "unused", "available",
                  "usable", "actual", "rss", "last_update", "disk_caches", "hugetlb_pgalloc",
                  "hugetlb_pgfail")


@command("dommemstat", MONITOR, "get memory statistics for a domain",
         [DOMAIN, number("period", "period in seconds to set collection"), CONFIG, LIVE,
          CURRENT], json=True)
def cmd_dommemstat(shell: Shell, args: Args) -> bool:
    """Print the balloon driver's memory statistics (or set their period)."""
    exclusive(args, "current", "live")
    exclusive(args, "current", "config")
    flags = libvirt.VIR_DOMAIN_AFFECT_CURRENT
    if args.flag("config"):
        flags |= libvirt.VIR_DOMAIN_AFFECT_CONFIG
    if args.flag("live"):
        flags |= libvirt.VIR_DOMAIN_AFFECT_LIVE
    dom, name = lookup.domain(shell, args)
    if not (args.flag("current") or args.flag("live") or args.flag("config")) \
            and dom.isActive() == 1:
        flags |= libvirt.VIR_DOMAIN_AFFECT_LIVE
    period = args.int("period")
    if period is not None:
        if period < 0:
            raise CmdError(f"Invalid collection period value '{period}'")
        try:
            dom.setMemoryStatsPeriod(period, flags)
        except libvirt.libvirtError as exc:
            raise CmdError("Unable to change balloon collection period.", exc) from None
        return True
    try:
        stats = dom.memoryStats()
    except libvirt.libvirtError as exc:
        raise CmdError(f"Failed to get memory statistics for domain {name}", exc) from None
    known = {key: value for key, value in stats.items() if key in _MEMSTAT_NAMES}
    if args.json:
        shell.out.json({"stats": known})
        return True
    for key, value in known.items():
        shell.out.print(f"{key} {value}\n")
    return True


_STATS_GROUPS = ("state", "cpu-total", "balloon", "vcpu", "interface", "block", "perf",
                 "iothread", "memory", "dirtyrate", "vm")
_STATS_LISTS = ("active", "inactive", "persistent", "transient", "running", "paused",
                "shutoff", "other")


@command("domstats", MONITOR, "get statistics about one or multiple domains",
         [flag("state", "report domain state"),
          flag("cpu-total", "report domain physical cpu usage"),
          flag("balloon", "report domain balloon statistics"),
          flag("vcpu", "report domain virtual cpu information"),
          flag("interface", "report domain network interface information"),
          flag("block", "report domain block device statistics"),
          flag("perf", "report domain perf event statistics"),
          flag("iothread", "report domain IOThread information"),
          flag("memory", "report domain memory usage"),
          flag("dirtyrate", "report domain dirty rate information"),
          flag("vm", "report hypervisor-specific statistics"),
          flag("list-active", "list only active domains"),
          flag("list-inactive", "list only inactive domains"),
          flag("list-persistent", "list only persistent domains"),
          flag("list-transient", "list only transient domains"),
          flag("list-running", "list only running domains"),
          flag("list-paused", "list only paused domains"),
          flag("list-shutoff", "list only shutoff domains"),
          flag("list-other", "list only domains in other states"),
          flag("raw", "do not pretty-print the fields"),
          flag("enforce", "enforce requested stats parameters"),
          flag("backing", "add backing chain information to block stats"),
          flag("nowait", "report only stats that are accessible instantly"),
          argv("domain", "list of domains to get stats for", complete="domain")],
         json=True)
def cmd_domstats(shell: Shell, args: Args) -> bool:
    """Print the bulk statistics of some or all domains."""
    stats = 0
    for name in _STATS_GROUPS:
        if args.flag(name):
            stats |= getattr(libvirt, "VIR_DOMAIN_STATS_" + name.upper().replace("-", "_"))
    flags = 0
    for name in _STATS_LISTS:
        if args.flag("list-" + name):
            flags |= getattr(libvirt, "VIR_CONNECT_GET_ALL_DOMAINS_STATS_" + name.upper())
    for name, const in (("enforce", "ENFORCE_STATS"), ("backing", "BACKING"),
                        ("nowait", "NOWAIT")):
        if args.flag(name):
            flags |= getattr(libvirt, "VIR_CONNECT_GET_ALL_DOMAINS_STATS_" + const)
    if args.flag("domain"):
        doms = [lookup.domain_by(shell.conn, name) for name in args.words("domain")]
        records = shell.conn.domainListGetStats(doms, stats, flags)
    else:
        records = shell.conn.getAllDomainStats(stats, flags)
    if args.json:
        shell.out.json({"domains": [{"name": dom.name(), "stats": dict(values)}
                                    for dom, values in records]})
        return True
    for index, (dom, values) in enumerate(records):
        if index:
            shell.out.print("\n")
        shell.out.print(f"Domain: '{dom.name()}'\n")
        for key, value in values.items():
            shell.out.print(f"  {key}={typed_value(value)}\n")
    return True


# -- jobs ----------------------------------------------------------------------

JOB_TYPES = ("None", "Bounded", "Unbounded", "Completed", "Failed", "Cancelled")
JOB_OPERATIONS = ("Unknown", "Start", "Save", "Restore", "Incoming migration",
                  "Outgoing migration", "Snapshot", "Snapshot revert", "Dump", "Backup",
                  "Snapshot delete")
_JOBINFO_KEYS = ("time_elapsed", "time_remaining", "data_total", "data_processed",
                 "data_remaining", "memory_total", "memory_processed", "memory_remaining",
                 "disk_total", "disk_processed", "disk_remaining")

# (stats key, label, kind) printed after the data/memory/file groups
_JOB_TAIL = (
    ("memory_constant", "Constant pages:", "n"),
    ("memory_normal", "Normal pages:", "n"),
    ("memory_normal_bytes", "Normal data:", "size"),
    ("downtime", None, "downtime"),
    ("downtime_net", "Downtime w/o network:", "ms"),
    ("setup_time", "Setup time:", "ms"),
    ("compression_cache", "Compression cache:", "size"),
    ("compression_bytes", "Compressed data:", "size"),
    ("compression_pages", "Compressed pages:", "n13"),
    ("compression_cache_misses", "Compression cache misses:", "n13"),
    ("compression_overflow", "Compression overflows:", "n13"),
    ("auto_converge_throttle", "Auto converge throttle:", "n13"),
    ("disk_temp_used", "Temporary disk space use:", "size"),
    ("disk_temp_total", "Temporary disk space total:", "size"),
    ("errmsg", "Error message:", "str"),
)


def job_stats(dom: Any, flags: int = 0) -> dict[str, Any]:
    """jobStats() as a dict with a 'type' key, falling back to jobInfo()."""
    try:
        stats = dict(dom.jobStats(flags))
        stats.setdefault("type", libvirt.VIR_DOMAIN_JOB_NONE)
        return stats
    except libvirt.libvirtError as exc:
        if exc.get_error_code() != libvirt.VIR_ERR_NO_SUPPORT or flags:
            raise
    info = dom.jobInfo()
    stats = {"type": info[0]}
    stats.update(zip(_JOBINFO_KEYS, info[1:]))
    return stats


def _size(value: int) -> str:
    scaled, unit = pretty_capacity(value)
    return f"{scaled:.3f} {unit}"


def _job_lines(stats: dict[str, Any], completed_flag: bool, anystats: bool) -> list[str]:
    label: str | None
    job_type = stats.get("type", 0)
    lines = [f"{'Job type:':<17} {(JOB_TYPES[job_type] if 0 <= job_type < 6 else 'unknown'):<12}"]
    if job_type == libvirt.VIR_DOMAIN_JOB_NONE:
        return lines
    op = stats.get("operation", 0)
    lines.append(f"{'Operation:':<17} "
                 f"{(JOB_OPERATIONS[op] if 0 <= op < len(JOB_OPERATIONS) else 'unknown'):<12}")
    if not anystats and job_type not in (1, 2) and not (completed_flag and job_type == 3):
        return lines

    def get(key: str) -> int:
        return int(stats.get(key, 0) or 0)

    def ms(label: str, value: int) -> str:
        return f"{label:<17} {value:<12} ms"

    lines.append(ms("Time elapsed:", get("time_elapsed")))
    if "time_elapsed_net" in stats:
        lines.append(ms("Time elapsed w/o network:", get("time_elapsed_net")))
    if job_type == libvirt.VIR_DOMAIN_JOB_BOUNDED:
        lines.append(ms("Time remaining:", get("time_remaining")))
    for prefix, title in (("data", "Data"), ("memory", "Memory"), ("disk", "File")):
        total, done, left = get(prefix + "_total"), get(prefix + "_processed"), \
            get(prefix + "_remaining")
        if not (total or done or left):
            continue
        lines.append(f"{title + ' processed:':<17} {_size(done)}")
        lines.append(f"{title + ' remaining:':<17} {_size(left)}")
        lines.append(f"{title + ' total:':<17} {_size(total)}")
        if prefix == "memory":
            if stats.get("memory_bps"):
                lines.append(f"{'Memory bandwidth:':<17} {_size(get('memory_bps'))}/s")
            for key, label, unit in (("memory_dirty_rate", "Dirty rate:", " pages/s"),
                                     ("memory_page_size", "Page size:", " bytes"),
                                     ("memory_iteration", "Iteration:", ""),
                                     ("memory_postcopy_requests", "Postcopy requests:", "")):
                if key in stats:
                    lines.append(f"{label:<17} {get(key):<12}{unit}")
        if prefix == "disk" and stats.get("disk_bps"):
            lines.append(f"{'File bandwidth:':<17} {_size(get('disk_bps'))}/s")
    for key, label, kind in _JOB_TAIL:
        if key not in stats:
            continue
        value = stats[key]
        if kind == "downtime":
            label = "Total downtime:" if job_type == 3 else "Expected downtime:"
            lines.append(ms(label, int(value)))
        elif kind == "ms":
            lines.append(ms(label or key, int(value)))
        elif kind == "size":
            lines.append(f"{label:<17} {_size(int(value))}")
        elif kind == "n":
            lines.append(f"{label:<17} {int(value):<12}")
        elif kind == "n13":
            lines.append(f"{label:<17} {int(value):<13}")
        else:
            lines.append(f"{label:<17} {value}")
    return lines


@command("domjobinfo", DOMAIN_GROUP, "domain job information",
         [DOMAIN, flag("completed", "return statistics of a recently completed job"),
          flag("keep-completed", "don't destroy statistics of a recently completed job "
                                 "when reading"),
          flag("anystats", "print statistics for any kind of job (even failed ones)"),
          flag("rawstats", "print the raw data returned by libvirt")], json=True)
def cmd_domjobinfo(shell: Shell, args: Args) -> bool:
    """Print the progress of the domain's current (or last) job."""
    requires(args, "keep-completed", "completed")
    dom, _ = lookup.domain(shell, args)
    flags = 0
    if args.flag("completed"):
        flags |= libvirt.VIR_DOMAIN_JOB_STATS_COMPLETED
    if args.flag("keep-completed"):
        flags |= libvirt.VIR_DOMAIN_JOB_STATS_KEEP_COMPLETED
    try:
        stats = job_stats(dom, flags)
    except libvirt.libvirtError as exc:
        if exc.get_error_code() == libvirt.VIR_ERR_NO_SUPPORT and (flags or
                                                                   args.flag("rawstats")):
            raise CmdError("Optional flags or --rawstats are not supported by the daemon") \
                from None
        raise
    if args.json:
        job_type = stats.get("type", 0)
        op = stats.get("operation")
        shell.out.json({
            "type": JOB_TYPES[job_type].lower() if 0 <= job_type < 6 else None,
            "operation": JOB_OPERATIONS[op].lower() if isinstance(op, int)
            and 0 <= op < len(JOB_OPERATIONS) else None,
            "stats": {key: value for key, value in stats.items() if key != "type"}})
        return True
    if args.flag("rawstats"):
        shell.out.print(f"Job type: {stats.get('type', 0)}\n\n")
        for key, value in stats.items():
            if key != "type":
                shell.out.print(f"{key}: {typed_value(value)}\n")
        return True
    for line in _job_lines(stats, bool(flags & libvirt.VIR_DOMAIN_JOB_STATS_COMPLETED),
                           args.flag("anystats")):
        shell.out.print(line + "\n")
    return True


@command("domjobabort", DOMAIN_GROUP, "abort active domain job",
         [DOMAIN, flag("postcopy", "interrupt post-copy migration")])
def cmd_domjobabort(shell: Shell, args: Args) -> bool:
    """Abort the domain's running job."""
    dom, _ = lookup.domain(shell, args)
    if args.flag("postcopy"):
        dom.abortJobFlags(libvirt.VIR_DOMAIN_ABORT_JOB_POSTCOPY)
    else:
        dom.abortJob()
    return True


__all__ = ["capacity", "domain_id", "domain_state", "reason_name", "state_name"]
