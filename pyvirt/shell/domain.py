"""Domain lifecycle commands: define, start, stop, save, memory, vCPUs, migrate."""

from __future__ import annotations

from typing import Any

import pyvirt as libvirt
from pyvirt.shell import lookup
from pyvirt.shell.command import (
    CONFIG,
    CURRENT,
    DOMAIN,
    LIVE,
    VALIDATE,
    VERBOSE,
    WRAP,
    XPATH,
    Args,
    CmdError,
    command,
    data,
    exclusive,
    flag,
    number,
    requires,
    string,
)
from pyvirt.shell.files import dump_xml, read_file
from pyvirt.shell.jobs import run_domain_job
from pyvirt.shell.main import Shell

DOMAIN_GROUP = "domain"


def _flags(args: Args, table: tuple[tuple[str, str], ...]) -> int:
    """OR together the libvirt constants of the given boolean options."""
    value = 0
    for opt, const in table:
        if args.flag(opt):
            value |= getattr(libvirt, const)
    return value


def _fail(message: str, exc: BaseException) -> CmdError:
    return CmdError(message, exc)


# -- define / undefine / create ------------------------------------------------


@command("define", DOMAIN_GROUP, "define (but don't start) a domain from an XML file",
         [data("file", "file containing an XML domain description", complete="file"),
          VALIDATE])
def cmd_define(shell: Shell, args: Args) -> bool:
    """Define a persistent domain from an XML file."""
    path = args.req("file")
    xml = read_file(path)
    try:
        if args.flag("validate"):
            dom = shell.conn.defineXMLFlags(xml, libvirt.VIR_DOMAIN_DEFINE_VALIDATE)
        else:
            dom = shell.conn.defineXML(xml)
    except libvirt.libvirtError as exc:
        raise _fail(f"Failed to define domain from {path}", exc) from None
    shell.out.extra(f"Domain '{dom.name()}' defined from {path}\n")
    return True


UNDEFINE_OPTS = [
    DOMAIN,
    flag("managed-save", "remove domain managed state file"),
    string("storage", "remove associated storage volumes (comma separated list of targets "
                      "or source paths) (see domblklist)", positional=True),
    flag("remove-all-storage", "remove all associated storage volumes (use with caution)"),
    flag("delete-storage-volume-snapshots", "delete snapshots associated with volume(s)"),
    flag("wipe-storage", "wipe data on the removed volumes"),
    flag("snapshots-metadata", "remove all domain snapshot metadata, if inactive"),
    flag("checkpoints-metadata", "remove all domain checkpoint metadata, if inactive"),
    flag("nvram", "remove nvram file"),
    flag("keep-nvram", "keep nvram file"),
    flag("tpm", "remove TPM state"),
    flag("keep-tpm", "keep TPM state"),
]


@command("undefine", DOMAIN_GROUP, "undefine a domain", UNDEFINE_OPTS)
def cmd_undefine(shell: Shell, args: Args) -> bool:
    """Remove a domain's persistent definition (and, on request, its storage)."""
    requires(args, "delete-storage-volume-snapshots", "remove-all-storage")
    exclusive(args, "nvram", "keep-nvram")
    exclusive(args, "tpm", "keep-tpm")
    storage = args.values.get("storage") or None
    remove_all = args.flag("remove-all-storage")
    wipe = args.flag("wipe-storage")
    if wipe and not (storage or remove_all):
        raise CmdError("'--wipe-storage' requires '--storage <string>' or "
                       "'--remove-all-storage'")
    flags = _flags(args, (("managed-save", "VIR_DOMAIN_UNDEFINE_MANAGED_SAVE"),
                          ("snapshots-metadata", "VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA"),
                          ("checkpoints-metadata",
                           "VIR_DOMAIN_UNDEFINE_CHECKPOINTS_METADATA"),
                          ("nvram", "VIR_DOMAIN_UNDEFINE_NVRAM"),
                          ("keep-nvram", "VIR_DOMAIN_UNDEFINE_KEEP_NVRAM"),
                          ("tpm", "VIR_DOMAIN_UNDEFINE_TPM"),
                          ("keep-tpm", "VIR_DOMAIN_UNDEFINE_KEEP_TPM")))
    dom, name = lookup.domain(shell, args)
    running = dom.isActive()
    has_managed_save = has_snapshots = has_snapshot_metadata = 0
    managed_save_safe = args.flag("managed-save")
    snapshots_safe = args.flag("snapshots-metadata")
    if not running:
        has_managed_save = _count_or_zero(lambda: dom.hasManagedSaveImage(0))
        has_snapshots = _count_or_zero(lambda: dom.snapshotNum(0))
        if has_snapshots:
            try:
                has_snapshot_metadata = dom.snapshotNum(
                    libvirt.VIR_DOMAIN_SNAPSHOT_LIST_METADATA)
                managed_save_safe = snapshots_safe = True
            except libvirt.libvirtError:
                has_snapshot_metadata = has_snapshots
    if not has_managed_save:
        flags &= ~libvirt.VIR_DOMAIN_UNDEFINE_MANAGED_SAVE
        managed_save_safe = True
    if not has_snapshots:
        snapshots_safe = True
    if not has_snapshot_metadata:
        flags &= ~libvirt.VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA
        snapshots_safe = True
    volumes: list[tuple[str, str, Any]] = []
    if storage or remove_all:
        if running:
            raise CmdError("Storage volume deletion is supported only on stopped domains")
        if storage and remove_all:
            raise CmdError("Specified both --storage and --remove-all-storage")
        volumes = _undefine_volumes(shell, dom, storage)
    _undefine(dom, name, flags, managed_save_safe and snapshots_safe, args,
              has_managed_save, has_snapshot_metadata)
    shell.out.extra(f"Domain '{name}' has been undefined\n")
    ok = True
    vol_flags = (libvirt.VIR_STORAGE_VOL_DELETE_WITH_SNAPSHOTS
                 if args.flag("delete-storage-volume-snapshots") else 0)
    for target, source, vol in volumes:
        if wipe:
            shell.out.extra(f"Wiping volume '{target}'({source}) ... ")
            try:
                vol.wipe(0)
            except libvirt.libvirtError as exc:
                shell.out.error("Failed! Volume not removed.")
                shell.out.error(exc.get_error_message() or str(exc))
                ok = False
                continue
            shell.out.extra("Done.\n")
        try:
            vol.delete(vol_flags)
        except libvirt.libvirtError as exc:
            shell.out.error(f"Failed to remove storage volume '{target}'({source})")
            shell.out.error(exc.get_error_message() or str(exc))
            ok = False
            continue
        shell.out.extra(f"Volume '{target}'({source}) removed.\n")
    return ok


def _undefine(dom: Any, name: str, flags: int, safe: bool, args: Args,
              has_managed_save: int, has_snapshot_metadata: int) -> None:
    """undefineFlags() when safe, else virsh's piecewise emulation."""
    nvram = args.flag("nvram")
    failed = f"Failed to undefine domain '{name}'"
    if safe or nvram:
        try:
            dom.undefineFlags(flags)
            return
        except libvirt.libvirtError as exc:
            if nvram or exc.get_error_code() not in (libvirt.VIR_ERR_NO_SUPPORT,
                                                     libvirt.VIR_ERR_INVALID_ARG):
                raise CmdError(failed, exc) from None
    if has_managed_save:
        if not args.flag("managed-save"):
            raise CmdError("Refusing to undefine while domain managed save image exists")
        try:
            dom.managedSaveRemove(0)
        except libvirt.libvirtError as exc:
            raise CmdError(None, exc) from None
    if has_snapshot_metadata:
        if args.flag("snapshots-metadata"):
            raise CmdError(f"Unable to remove metadata of {has_snapshot_metadata} snapshots")
        raise CmdError(f"Refusing to undefine while {has_snapshot_metadata} snapshots exist")
    try:
        dom.undefine()
    except libvirt.libvirtError as exc:
        raise CmdError(failed, exc) from None


def _count_or_zero(func: Any) -> int:
    try:
        return int(func())
    except libvirt.libvirtError as exc:
        if exc.get_error_code() != libvirt.VIR_ERR_NO_SUPPORT:
            raise
        return 0


def _undefine_volumes(shell: Shell, dom: Any, storage: str | None) -> list[tuple[str, str, Any]]:
    """The (target, source, volume) triples undefine should remove."""
    from lxml import etree

    wanted = [item for item in storage.split(",")] if storage else None
    root = etree.fromstring(dom.XMLDesc(0).encode())
    found: list[tuple[str, str, Any]] = []
    for disk in root.findall("devices/disk"):
        target = disk.find("target")
        target_dev = target.get("dev") if target is not None else None
        if not target_dev:
            raise CmdError("unable to query block list")
        src = disk.find("source")
        source = None
        if src is not None:
            for attr in ("file", "dir", "name", "dev", "volume"):
                if src.get(attr):
                    source = src.get(attr)
                    break
        if not source:
            continue
        if wanted is not None:
            if target_dev in wanted:
                wanted.remove(target_dev)
            elif source in wanted:
                wanted.remove(source)
            else:
                continue
        pool_name = src.get("pool") if src is not None else None
        try:
            if pool_name:
                try:
                    pool = shell.conn.storagePoolLookupByName(pool_name)
                except libvirt.libvirtError:
                    shell.out.error(f"Storage pool '{pool_name}' for volume '{target_dev}' "
                                    "not found.")
                    continue
                vol = pool.storageVolLookupByName(source)
            else:
                vol = shell.conn.storageVolLookupByPath(source)
        except libvirt.libvirtError:
            shell.out.error(f"Storage volume '{target_dev}'({source}) is not managed by "
                            "libvirt. Remove it manually.\n")
            continue
        found.append((target_dev, source, vol))
    if wanted:
        for item in wanted:
            shell.out.error(f"Volume '{item}' was not found in domain's definition.\n")
        raise CmdError(None)
    return found


@command("create", DOMAIN_GROUP, "create a domain from an XML file",
         [data("file", "file containing an XML domain description", complete="file"),
          flag("console", "attach to console after creation"),
          flag("paused", "leave the guest paused after creation"),
          flag("autodestroy", "automatically destroy the guest when virsh disconnects"),
          string("pass-fds", "pass file descriptors N,M,... to the guest", positional=True),
          VALIDATE, flag("reset-nvram", "re-initialize NVRAM from its pristine template")])
def cmd_create(shell: Shell, args: Args) -> bool:
    """Create and start a transient domain from an XML file."""
    path = args.req("file")
    xml = read_file(path)
    flags = _flags(args, (("paused", "VIR_DOMAIN_START_PAUSED"),
                          ("autodestroy", "VIR_DOMAIN_START_AUTODESTROY"),
                          ("validate", "VIR_DOMAIN_START_VALIDATE"),
                          ("reset-nvram", "VIR_DOMAIN_START_RESET_NVRAM")))
    try:
        dom = shell.conn.createXML(xml, flags)
    except libvirt.libvirtError as exc:
        raise _fail(f"Failed to create domain from {path}", exc) from None
    shell.out.extra(f"Domain '{dom.name()}' created from {path}\n")
    if args.flag("console"):
        from pyvirt.shell.domain_event import run_console
        return run_console(shell, dom, None, False, False)
    return True


# -- start / stop ------------------------------------------------------------------


@command("start", DOMAIN_GROUP, "start a (previously defined) inactive domain",
         [data("domain", "name of the inactive domain", complete="domain"),
          flag("console", "attach to console after creation"),
          flag("paused", "leave the guest paused after creation"),
          flag("autodestroy", "automatically destroy the guest when virsh disconnects"),
          flag("bypass-cache", "avoid file system cache when loading"),
          flag("force-boot", "force fresh boot by discarding any managed save"),
          string("pass-fds", "pass file descriptors N,M,... to the guest", positional=True),
          flag("reset-nvram", "re-initialize NVRAM from its pristine template")])
def cmd_start(shell: Shell, args: Args) -> bool:
    """Start a defined domain."""
    name = args.req("domain")
    dom = None
    if len(name) == lookup.UUID_LEN:
        try:
            dom = shell.conn.lookupByUUIDString(name)
        except libvirt.libvirtError:
            dom = None
    if dom is None:
        try:
            dom = shell.conn.lookupByName(name)
        except libvirt.libvirtError:
            raise CmdError(f"failed to get domain '{name}'") from None
    from pyvirt.shell.domain_monitor import domain_id
    if domain_id(dom) is not None:
        raise CmdError("Domain is already active")
    flags = _flags(args, (("paused", "VIR_DOMAIN_START_PAUSED"),
                          ("autodestroy", "VIR_DOMAIN_START_AUTODESTROY"),
                          ("bypass-cache", "VIR_DOMAIN_START_BYPASS_CACHE"),
                          ("force-boot", "VIR_DOMAIN_START_FORCE_BOOT"),
                          ("reset-nvram", "VIR_DOMAIN_START_RESET_NVRAM")))
    try:
        if flags & libvirt.VIR_DOMAIN_START_FORCE_BOOT:
            try:
                dom.createWithFlags(flags)
            except libvirt.libvirtError as exc:
                if exc.get_error_code() not in (libvirt.VIR_ERR_NO_SUPPORT,
                                                libvirt.VIR_ERR_INVALID_ARG):
                    raise CmdError(None, exc) from None
                # emulate --force-boot: drop the managed save image first
                if _count_or_zero(lambda: dom.hasManagedSaveImage(0)) > 0:
                    dom.managedSaveRemove(0)
                flags &= ~libvirt.VIR_DOMAIN_START_FORCE_BOOT
                dom.createWithFlags(flags) if flags else dom.create()
        elif flags:
            dom.createWithFlags(flags)
        else:
            dom.create()
    except libvirt.libvirtError as exc:
        raise _fail(f"Failed to start domain '{dom.name()}'", exc) from None
    shell.out.extra(f"Domain '{dom.name()}' started\n")
    if args.flag("console"):
        from pyvirt.shell.domain_event import run_console
        return run_console(shell, dom, None, False, False)
    return True


_SHUTDOWN_MODES = {"acpi": "ACPI_POWER_BTN", "agent": "GUEST_AGENT", "initctl": "INITCTL",
                   "signal": "SIGNAL", "paravirt": "PARAVIRT"}


def _mode_flags(args: Args, prefix: str, expecting: str) -> int:
    flags = 0
    mode = args.get("mode")
    for item in mode.split(",") if mode else []:
        if item not in _SHUTDOWN_MODES:
            raise CmdError(f"Unknown mode {item} value, expecting {expecting}")
        flags |= getattr(libvirt, prefix + _SHUTDOWN_MODES[item])
    return flags


@command("shutdown", DOMAIN_GROUP, "gracefully shutdown a domain",
         [DOMAIN, string("mode", "shutdown mode: acpi|agent|initctl|signal|paravirt",
                         positional=True)])
def cmd_shutdown(shell: Shell, args: Args) -> bool:
    """Ask the guest to shut down."""
    flags = _mode_flags(args, "VIR_DOMAIN_SHUTDOWN_",
                        "'acpi', 'agent', 'initctl', 'signal', or 'paravirt'")
    dom, name = lookup.domain(shell, args)
    try:
        dom.shutdownFlags(flags) if flags else dom.shutdown()
    except libvirt.libvirtError as exc:
        raise _fail(f"Failed to shutdown domain '{name}'", exc) from None
    shell.out.extra(f"Domain '{name}' is being shutdown\n")
    return True


@command("reboot", DOMAIN_GROUP, "reboot a domain",
         [DOMAIN, string("mode", "shutdown mode: acpi|agent|initctl|signal|paravirt",
                         positional=True)])
def cmd_reboot(shell: Shell, args: Args) -> bool:
    """Ask the guest to reboot."""
    flags = _mode_flags(args, "VIR_DOMAIN_REBOOT_",
                        "'acpi', 'agent', 'initctl', 'signal' or 'paravirt'")
    dom, name = lookup.domain(shell, args)
    try:
        dom.reboot(flags)
    except libvirt.libvirtError as exc:
        raise _fail(f"Failed to reboot domain '{name}'", exc) from None
    shell.out.extra(f"Domain '{name}' is being rebooted\n")
    return True


def _simple(action: str, done: str, call: Any) -> Any:
    """A command that calls one domain method and reports it, virsh style."""
    def handler(shell: Shell, args: Args) -> bool:
        dom, name = lookup.domain(shell, args)
        try:
            call(dom)
        except libvirt.libvirtError as exc:
            raise _fail(f"Failed to {action} domain '{name}'", exc) from None
        shell.out.extra(f"Domain '{name}' {done}\n")
        return True
    return handler


command("reset", DOMAIN_GROUP, "reset a domain", [DOMAIN])(
    _simple("reset", "was reset", lambda dom: dom.reset(0)))
command("suspend", DOMAIN_GROUP, "suspend a domain", [DOMAIN])(
    _simple("suspend", "suspended", lambda dom: dom.suspend()))
command("resume", DOMAIN_GROUP, "resume a domain", [DOMAIN])(
    _simple("resume", "resumed", lambda dom: dom.resume()))


@command("destroy", DOMAIN_GROUP, "destroy (stop) a domain",
         [DOMAIN, flag("graceful", "terminate gracefully"),
          flag("remove-logs", "remove domain logs")])
def cmd_destroy(shell: Shell, args: Args) -> bool:
    """Stop a domain immediately."""
    dom, name = lookup.domain(shell, args)
    flags = _flags(args, (("graceful", "VIR_DOMAIN_DESTROY_GRACEFUL"),
                          ("remove-logs", "VIR_DOMAIN_DESTROY_REMOVE_LOGS")))
    try:
        dom.destroyFlags(flags) if flags else dom.destroy()
    except libvirt.libvirtError as exc:
        raise _fail(f"Failed to destroy domain '{name}'", exc) from None
    shell.out.extra(f"Domain '{name}' destroyed\n")
    return True


@command("autostart", DOMAIN_GROUP, "autostart a domain",
         [DOMAIN, flag("disable", "disable autostarting")])
def cmd_autostart(shell: Shell, args: Args) -> bool:
    """Mark (or unmark) a domain to start with the host."""
    dom, name = lookup.domain(shell, args)
    enable = not args.flag("disable")
    try:
        dom.setAutostart(1 if enable else 0)
    except libvirt.libvirtError as exc:
        verb = "mark" if enable else "unmark"
        raise _fail(f"Failed to {verb} domain '{name}' as autostarted", exc) from None
    verb = "marked" if enable else "unmarked"
    shell.out.extra(f"Domain '{name}' {verb} as autostarted\n")
    return True


# -- save / restore ------------------------------------------------------------

_SAVE_FLAGS = (("bypass-cache", "VIR_DOMAIN_SAVE_BYPASS_CACHE"),
               ("running", "VIR_DOMAIN_SAVE_RUNNING"),
               ("paused", "VIR_DOMAIN_SAVE_PAUSED"))


@command("save", DOMAIN_GROUP, "save a domain state to a file",
         [DOMAIN, data("file", "where to save the data", complete="file"),
          flag("bypass-cache", "avoid file system cache when saving"),
          string("xml", "filename containing updated XML for the target", positional=True,
                 complete="file"),
          flag("running", "set domain to be running on restore"),
          flag("paused", "set domain to be paused on restore"), VERBOSE])
def cmd_save(shell: Shell, args: Args) -> bool:
    """Save a running domain's memory to a file and stop it."""
    dom, name = lookup.domain(shell, args)
    path = args.req("file")
    flags = _flags(args, _SAVE_FLAGS)
    xml_path = args.get("xml")
    xml = read_file(xml_path) if xml_path else None

    def save() -> None:
        if flags or xml:
            dom.saveFlags(path, xml, flags)
        else:
            dom.save(path)
    try:
        run_domain_job(shell, dom, "Save", save, args.flag("verbose"))
    except libvirt.libvirtError as exc:
        raise _fail(f"Failed to save domain '{name}' to {path}", exc) from None
    shell.out.extra(f"\nDomain '{name}' saved to {path}\n")
    return True


@command("restore", DOMAIN_GROUP, "restore a domain from a saved state in a file",
         [data("file", "the state to restore", complete="file"),
          flag("bypass-cache", "avoid file system cache when restoring"),
          string("xml", "filename containing updated XML for the target", positional=True,
                 complete="file"),
          flag("running", "restore domain into running state"),
          flag("paused", "restore domain into paused state"),
          flag("reset-nvram", "re-initialize NVRAM from its pristine template"), VERBOSE])
def cmd_restore(shell: Shell, args: Args) -> bool:
    """Start a domain from a saved state file."""
    path = args.req("file")
    flags = _flags(args, _SAVE_FLAGS + (("reset-nvram", "VIR_DOMAIN_SAVE_RESET_NVRAM"),))
    xml_path = args.get("xml")
    xml = read_file(xml_path) if xml_path else None
    conn = shell.conn

    def restore() -> None:
        if flags or xml:
            conn.restoreFlags(path, xml, flags)
        else:
            conn.restore(path)
    try:
        if args.flag("verbose"):
            _restore_with_progress(shell, path, restore)
        else:
            restore()
    except libvirt.libvirtError as exc:
        raise _fail(f"Failed to restore domain from {path}", exc) from None
    shell.out.extra(f"Domain restored from {path}\n")
    return True


def _restore_with_progress(shell: Shell, path: str, restore: Any) -> None:
    """Restore in a worker, showing progress once the domain appears."""
    from pyvirt.shell.jobs import run_transfer

    def work(report: Any) -> None:
        restore()
    run_transfer(shell, "Restore", None, work, True)


@command("managedsave", DOMAIN_GROUP, "managed save of a domain state",
         [DOMAIN, flag("bypass-cache", "avoid file system cache when saving"),
          flag("running", "set domain to be running on next start"),
          flag("paused", "set domain to be paused on next start"), VERBOSE])
def cmd_managedsave(shell: Shell, args: Args) -> bool:
    """Save a domain's state where libvirt manages it; next start resumes."""
    dom, name = lookup.domain(shell, args)
    flags = _flags(args, _SAVE_FLAGS)
    try:
        run_domain_job(shell, dom, "Managedsave", lambda: dom.managedSave(flags),
                       args.flag("verbose"))
    except libvirt.libvirtError as exc:
        raise _fail(f"Failed to save domain '{name}' state", exc) from None
    shell.out.extra(f"\nDomain '{name}' state saved by libvirt\n")
    return True


@command("managedsave-remove", DOMAIN_GROUP, "Remove managed save of a domain", [DOMAIN])
def cmd_managedsave_remove(shell: Shell, args: Args) -> bool:
    """Discard a domain's managed save image."""
    dom, name = lookup.domain(shell, args)
    try:
        has_save = dom.hasManagedSaveImage(0)
    except libvirt.libvirtError as exc:
        raise _fail("Failed to check for domain managed save image", exc) from None
    if not has_save:
        shell.out.extra(f"Domain '{name}' has no manage save image; removal skipped")
        return True
    try:
        dom.managedSaveRemove(0)
    except libvirt.libvirtError as exc:
        raise _fail(f"Failed to remove managed save image for domain '{name}'", exc) \
            from None
    shell.out.extra(f"Removed managedsave image for domain '{name}'")
    return True


@command("save-image-dumpxml", DOMAIN_GROUP, "saved state domain information in XML",
         [data("file", "saved state file to read", complete="file"),
          flag("security-info", "include security sensitive information in XML dump"),
          XPATH, WRAP])
def cmd_save_image_dumpxml(shell: Shell, args: Args) -> bool:
    """Print the domain XML stored in a save image."""
    flags = libvirt.VIR_DOMAIN_XML_SECURE if args.flag("security-info") else 0
    path = args.req("file")
    xml = shell.conn.saveImageGetXMLDesc(path, flags)
    return dump_xml(shell.out, xml, args.values.get("xpath") or None, args.flag("wrap"))


# -- memory / vcpus ------------------------------------------------------------------

_KIB_MAX = 2 ** 64 - 1


@command("setmem", DOMAIN_GROUP, "change memory allocation",
         [DOMAIN, number("size", "new memory size, as scaled integer (default KiB)",
                         required=True), CONFIG, LIVE, CURRENT])
def cmd_setmem(shell: Shell, args: Args) -> bool:
    """Change the domain's current memory (balloon)."""
    exclusive(args, "current", "live")
    exclusive(args, "current", "config")
    flags = libvirt.VIR_DOMAIN_AFFECT_LIVE
    if args.flag("config") or args.flag("live") or args.flag("current"):
        flags = libvirt.VIR_DOMAIN_AFFECT_CURRENT
        flags |= _flags(args, (("config", "VIR_DOMAIN_AFFECT_CONFIG"),
                               ("live", "VIR_DOMAIN_AFFECT_LIVE")))
    dom, _ = lookup.domain(shell, args)
    size = args.scaled("size", 1024, _KIB_MAX)
    assert size is not None
    dom.setMemoryFlags((size + 1023) // 1024, flags)
    return True


@command("setmaxmem", DOMAIN_GROUP, "change maximum memory limit",
         [DOMAIN, number("size", "new maximum memory size, as scaled integer (default KiB)",
                         required=True), CONFIG, LIVE, CURRENT])
def cmd_setmaxmem(shell: Shell, args: Args) -> bool:
    """Change the domain's maximum memory."""
    exclusive(args, "current", "live")
    exclusive(args, "current", "config")
    flags = libvirt.VIR_DOMAIN_AFFECT_CURRENT | _flags(
        args, (("config", "VIR_DOMAIN_AFFECT_CONFIG"), ("live", "VIR_DOMAIN_AFFECT_LIVE")))
    dom, _ = lookup.domain(shell, args)
    size = args.scaled("size", 1024, _KIB_MAX)
    assert size is not None
    try:
        dom.setMemoryFlags((size + 1023) // 1024, flags | libvirt.VIR_DOMAIN_MEM_MAXIMUM)
    except libvirt.libvirtError as exc:
        raise _fail("Unable to change MaxMemorySize", exc) from None
    return True


@command("setvcpus", DOMAIN_GROUP, "change number of virtual CPUs",
         [DOMAIN, number("count", "number of virtual CPUs", required=True),
          flag("maximum", "set maximum limit on next boot"), CONFIG, LIVE, CURRENT,
          flag("guest", "modify cpu state in the guest"),
          flag("hotpluggable", "make added vcpus hot(un)pluggable")])
def cmd_setvcpus(shell: Shell, args: Args) -> bool:
    """Change the number of vCPUs (live, config or maximum)."""
    exclusive(args, "current", "live")
    exclusive(args, "current", "config")
    exclusive(args, "guest", "config")
    requires(args, "maximum", "config")
    flags = _flags(args, (("config", "VIR_DOMAIN_AFFECT_CONFIG"),
                          ("live", "VIR_DOMAIN_AFFECT_LIVE"),
                          ("guest", "VIR_DOMAIN_VCPU_GUEST"),
                          ("maximum", "VIR_DOMAIN_VCPU_MAXIMUM"),
                          ("hotpluggable", "VIR_DOMAIN_VCPU_HOTPLUGGABLE")))
    dom, _ = lookup.domain(shell, args)
    count = args.uint("count")
    if not count:
        raise CmdError("Can't set 0 processors for a VM")
    if not args.flag("current") and flags == 0:
        dom.setVcpus(count)
    else:
        dom.setVcpusFlags(count, flags)
    return True


# -- migration ------------------------------------------------------------------------

_MIGRATE_FLAGS = (
    ("live", "VIR_MIGRATE_LIVE"), ("p2p", "VIR_MIGRATE_PEER2PEER"),
    ("tunnelled", "VIR_MIGRATE_TUNNELLED"), ("persistent", "VIR_MIGRATE_PERSIST_DEST"),
    ("undefinesource", "VIR_MIGRATE_UNDEFINE_SOURCE"), ("suspend", "VIR_MIGRATE_PAUSED"),
    ("copy-storage-all", "VIR_MIGRATE_NON_SHARED_DISK"),
    ("copy-storage-inc", "VIR_MIGRATE_NON_SHARED_INC"),
    ("change-protection", "VIR_MIGRATE_CHANGE_PROTECTION"), ("unsafe", "VIR_MIGRATE_UNSAFE"),
    ("compressed", "VIR_MIGRATE_COMPRESSED"), ("auto-converge", "VIR_MIGRATE_AUTO_CONVERGE"),
    ("offline", "VIR_MIGRATE_OFFLINE"), ("abort-on-error", "VIR_MIGRATE_ABORT_ON_ERROR"),
    ("postcopy", "VIR_MIGRATE_POSTCOPY"), ("tls", "VIR_MIGRATE_TLS"),
    ("parallel", "VIR_MIGRATE_PARALLEL"),
)
_MIGRATE_STRINGS = (("migrateuri", "VIR_MIGRATE_PARAM_URI"),
                    ("graphicsuri", "VIR_MIGRATE_PARAM_GRAPHICS_URI"),
                    ("listen-address", "VIR_MIGRATE_PARAM_LISTEN_ADDRESS"),
                    ("dname", "VIR_MIGRATE_PARAM_DEST_NAME"))


@command("migrate", DOMAIN_GROUP, "migrate domain to another host",
         [DOMAIN, data("desturi", "connection URI of the destination host as seen from the "
                                  "client(normal migration) or source(p2p migration)"),
          flag("live", "live migration"), flag("offline", "offline migration"),
          flag("p2p", "peer-2-peer migration"), flag("direct", "direct migration"),
          flag("tunnelled", "tunnelled migration"),
          flag("persistent", "persist VM on destination"),
          flag("undefinesource", "undefine VM on source"),
          flag("suspend", "do not restart the domain on the destination host"),
          flag("copy-storage-all", "migration with non-shared storage with full disk copy"),
          flag("copy-storage-inc", "migration with non-shared storage with incremental copy"),
          flag("change-protection", "prevent any configuration changes to domain until "
                                    "migration ends"),
          flag("unsafe", "force migration even if it may be unsafe"), VERBOSE,
          flag("compressed", "compress repeated pages during live migration"),
          flag("auto-converge", "force convergence during live migration"),
          flag("abort-on-error", "abort on soft errors during migration"),
          flag("postcopy", "enable post-copy migration"),
          string("migrateuri", "migration URI, usually can be omitted"),
          string("graphicsuri", "graphics URI to be used for seamless graphics migration"),
          string("listen-address", "listen address that destination should bind to for "
                                   "incoming migration"),
          string("dname", "rename to new name during migration (if supported)"),
          number("timeout", "run action specified by --timeout-* option (suspend by "
                            "default) if live migration exceeds timeout (in seconds)"),
          string("xml", "filename containing updated XML for the target", complete="file"),
          string("persistent-xml", "filename containing updated persistent XML for the "
                                   "target", complete="file"),
          flag("tls", "use TLS for migration"), flag("parallel", "enable parallel migration"),
          number("parallel-connections", "number of connections for parallel migration"),
          number("bandwidth", "migration bandwidth limit in MiB/s")])
def cmd_migrate(shell: Shell, args: Args) -> bool:
    """Migrate a domain to another host, optionally showing progress."""
    exclusive(args, "live", "offline")
    requires(args, "persistent-xml", "persistent")
    dom, _ = lookup.domain(shell, args)
    timeout = args.uint("timeout")
    if timeout and not args.flag("live"):
        raise CmdError("migrate: Unexpected timeout for offline migration")
    desturi = args.req("desturi")
    params: dict[str, Any] = {}
    for opt, const in _MIGRATE_STRINGS:
        if args.get(opt):
            params[getattr(libvirt, const)] = args.get(opt)
    if args.get("xml"):
        params[libvirt.VIR_MIGRATE_PARAM_DEST_XML] = read_file(args.req("xml"))
    if args.get("persistent-xml"):
        params[libvirt.VIR_MIGRATE_PARAM_PERSIST_XML] = read_file(args.req("persistent-xml"))
    bandwidth = args.uint("bandwidth", 64)
    if bandwidth is not None:
        params[libvirt.VIR_MIGRATE_PARAM_BANDWIDTH] = bandwidth
    connections = args.int("parallel-connections")
    if connections is not None:
        params[libvirt.VIR_MIGRATE_PARAM_PARALLEL_CONNECTIONS] = connections
    flags = _flags(args, _MIGRATE_FLAGS)
    peer = bool(flags & libvirt.VIR_MIGRATE_PEER2PEER) or args.flag("direct")
    dconn = None
    if not peer:
        try:
            dconn = libvirt.open(desturi)
        except libvirt.libvirtError as exc:
            raise CmdError(None, exc) from None

    def migrate() -> None:
        if peer:
            dom.migrateToURI3(desturi, params, flags)
        else:
            dom.migrate3(dconn, params, flags)
    try:
        run_domain_job(shell, dom, "Migration", migrate, args.flag("verbose"))
    finally:
        if dconn is not None:
            try:
                dconn.close()
            except libvirt.libvirtError:
                pass
    return True


@command("domxml-to-native", DOMAIN_GROUP, "Convert domain XML to native guest configuration",
         [data("format", "target config data type format"),
          string("xml", "xml data file to import from", positional=True, complete="file"),
          string("domain", "domain name, id or uuid", complete="domain")])
def cmd_domxml_to_native(shell: Shell, args: Args) -> bool:
    """Print the hypervisor's native configuration (qemu-argv: the command line)."""
    fmt = args.req("format")
    path, name = args.get("xml"), args.get("domain")
    if path is not None and name is not None:
        raise CmdError("Options --domain and --xml are mutually exclusive")
    if path is None and name is None:
        raise CmdError("need either domain or domain XML")
    if path is not None:
        xml = read_file(path)
    else:
        dom, _name = lookup.domain(shell, args)
        xml = dom.XMLDesc(0)
    try:
        native = shell.conn.domainXMLToNative(fmt, xml, 0)
    except libvirt.libvirtError as exc:
        raise CmdError(None, exc) from None
    shell.out.print(native if native.endswith("\n") else native + "\n")
    return True
