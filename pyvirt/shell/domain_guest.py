"""Commands on a guest's devices and data: setvcpu, screenshot, send-key,
inject-nmi, dump, domblkinfo, domblkerror, domcontrol, set-lifecycle-action,
domrename, metadata, desc, domdisplay, domdirtyrate-calc, dom-fd-associate.

Their output is virsh 9.0's, word for word.
"""

from __future__ import annotations

import time
from typing import Any

import pyvirt as libvirt
from pyvirt.shell import lookup
from pyvirt.shell.command import (
    CONFIG,
    CURRENT,
    DOMAIN,
    LIVE,
    Args,
    CmdError,
    affect_flags,
    argv,
    command,
    data,
    exclusive,
    fd_list,
    flag,
    number,
    string,
)
from pyvirt.shell.main import Shell

DOMAIN_GROUP = "domain"
MONITOR = "monitor"


@command("setvcpu", DOMAIN_GROUP, "attach/detach vcpu or groups of threads",
         [DOMAIN, data("vcpulist", "ids of vcpus to manipulate"),
          flag("enable", "enable cpus specified by cpumap"),
          flag("disable", "disable cpus specified by cpumap"), CONFIG, LIVE, CURRENT])
def cmd_setvcpu(shell: Shell, args: Args) -> bool:
    """Plug or unplug individual vCPUs."""
    exclusive(args, "enable", "disable")
    if not args.flag("enable") and not args.flag("disable"):
        raise CmdError("one of --enable, --disable is required")
    flags = affect_flags(args, libvirt)
    dom, _ = lookup.domain(shell, args)
    dom.setVcpu(args.req("vcpulist"), int(args.flag("enable")), flags)
    return True


@command("screenshot", DOMAIN_GROUP, "take a screenshot of a current domain console and "
         "store it into a file",
         [DOMAIN, string("file", "where to store the screenshot", positional=True),
          number("screen", "ID of a screen to take screenshot of")])
def cmd_screenshot(shell: Shell, args: Args) -> bool:
    """Save the guest's screen to a file."""
    dom, _ = lookup.domain(shell, args)
    screen = args.uint("screen") or 0
    stream = shell.conn.newStream(0)
    mime = dom.screenshot(stream, screen, 0)
    chunks = []
    while True:
        chunk = stream.recv(262144)
        if not chunk:
            break
        chunks.append(chunk)
    stream.finish()
    path = args.get("file")
    if path is None:
        ext = {"image/png": ".png", "image/x-portable-pixmap": ".ppm"}.get(mime, "")
        path = f"{dom.name()}-{time.strftime('%Y-%m-%d-%H:%M:%S')}{ext}"
    with open(path, "wb") as f:
        f.write(b"".join(chunks))
    shell.out.print(f"Screenshot saved to {path}, with type of {mime}\n")
    return True


_LINUX_KEY_NAMES = {
    **{f"KEY_{c}": n for n, c in enumerate("1234567890", 2)},
    **{f"KEY_{c}": n for n, c in enumerate("QWERTYUIOP", 16)},
    **{f"KEY_{c}": n for n, c in enumerate("ASDFGHJKL", 30)},
    **{f"KEY_{c}": n for n, c in enumerate("ZXCVBNM", 44)},
    **{f"KEY_F{i}": 58 + i for i in range(1, 11)},
    "KEY_ESC": 1, "KEY_MINUS": 12, "KEY_EQUAL": 13, "KEY_BACKSPACE": 14, "KEY_TAB": 15,
    "KEY_ENTER": 28, "KEY_LEFTCTRL": 29, "KEY_LEFTSHIFT": 42, "KEY_RIGHTSHIFT": 54,
    "KEY_LEFTALT": 56, "KEY_SPACE": 57, "KEY_CAPSLOCK": 58, "KEY_F11": 87, "KEY_F12": 88,
    "KEY_RIGHTCTRL": 97, "KEY_RIGHTALT": 100, "KEY_HOME": 102, "KEY_UP": 103,
    "KEY_PAGEUP": 104, "KEY_LEFT": 105, "KEY_RIGHT": 106, "KEY_END": 107, "KEY_DOWN": 108,
    "KEY_PAGEDOWN": 109, "KEY_INSERT": 110, "KEY_DELETE": 111, "KEY_LEFTMETA": 125,
}


@command("send-key", DOMAIN_GROUP, "Send keycodes to the guest",
         [DOMAIN, string("codeset", "the codeset of keycodes, default:linux"),
          number("holdtime", "the time (in milliseconds) how long the keys will be held"),
          argv("keycode", "the key code", required=True)])
def cmd_send_key(shell: Shell, args: Args) -> bool:
    """Press keys given as numbers (or Linux KEY_* names) of a keycode set."""
    from pyvirt.util import keymaps
    dom, _ = lookup.domain(shell, args)
    setname = args.get("codeset") or "linux"
    codeset = keymaps.NAME_TO_SET.get(setname)
    if codeset is None:
        raise CmdError(f"unknown codeset: '{setname}'")
    holdtime = args.int("holdtime") or 0
    if holdtime < 0:
        raise CmdError("invalid value of --holdtime")
    codes = []
    for word in args.words("keycode"):
        try:
            codes.append(int(word, 0))
        except ValueError:
            code = _LINUX_KEY_NAMES.get(word.upper()) \
                if codeset == libvirt.VIR_KEYCODE_SET_LINUX else None
            if code is None:
                raise CmdError(f"invalid keycode: '{word}'") from None
            codes.append(code)
    dom.sendKey(codeset, holdtime, codes, len(codes), 0)
    return True


@command("inject-nmi", DOMAIN_GROUP, "Inject NMI to the guest", [DOMAIN])
def cmd_inject_nmi(shell: Shell, args: Args) -> bool:
    """Send the guest a non-maskable interrupt."""
    dom, _ = lookup.domain(shell, args)
    dom.injectNMI(0)
    return True


_DUMP_FORMATS = {"elf": 0, "kdump-zlib": 1, "kdump-lzo": 2, "kdump-snappy": 3, "win-dmp": 4}


@command("dump", DOMAIN_GROUP, "dump the core of a domain to a file for analysis",
         [DOMAIN, data("file", "where to dump the core", complete="file"),
          flag("live", "perform a live core dump if supported"),
          flag("crash", "crash the domain after core dump"),
          flag("bypass-cache", "avoid file system cache when dumping"),
          flag("reset", "reset the domain after core dump"),
          flag("verbose", "display the progress of dump"),
          flag("memory-only", "dump domain's memory only"),
          string("format", "specify the format of memory-only dump")])
def cmd_dump(shell: Shell, args: Args) -> bool:
    """Write the guest's memory to a file."""
    exclusive(args, "live", "crash")
    exclusive(args, "reset", "crash")
    dom, name = lookup.domain(shell, args)
    to = args.req("file")
    flags = 0
    for opt, const in (("live", "VIR_DUMP_LIVE"), ("crash", "VIR_DUMP_CRASH"),
                       ("bypass-cache", "VIR_DUMP_BYPASS_CACHE"), ("reset", "VIR_DUMP_RESET"),
                       ("memory-only", "VIR_DUMP_MEMORY_ONLY")):
        if args.flag(opt):
            flags |= getattr(libvirt, const)
    fmt = args.get("format")
    if fmt is not None and not args.flag("memory-only"):
        raise CmdError("--format only works with --memory-only")
    dumpformat = _DUMP_FORMATS.get(fmt or "elf")
    if dumpformat is None:
        raise CmdError(f"format '{fmt}' is not supported, expecting 'kdump-zlib', "
                       "'kdump-lzo', 'kdump-snappy', 'win-dmp' or 'elf'")
    try:
        dom.coreDumpWithFormat(to, dumpformat, flags)
    except libvirt.libvirtError as exc:
        raise CmdError(f"Failed to core dump domain '{name}' to {to}", exc) from None
    shell.out.print(f"\nDomain '{name}' dumped to {to}\n")
    return True


@command("domblkinfo", MONITOR, "domain block device size information",
         [DOMAIN, string("device", "block device", positional=True),
          flag("human", "Human readable output"), flag("all", "display all block devices info")])
def cmd_domblkinfo(shell: Shell, args: Args) -> bool:
    """Print a disk's capacity, allocation and physical size."""
    dom, _ = lookup.domain(shell, args)
    device = args.get("device")
    if device is None:
        raise CmdError("command 'domblkinfo' requires <device> option")
    capacity, allocation, physical = dom.blockInfo(device, 0)
    for label, value in (("Capacity:", capacity), ("Allocation:", allocation),
                         ("Physical:", physical)):
        shell.out.print(f"{label:<15} {_human(value) if args.flag('human') else value}\n")
    return True


def _human(value: int) -> str:
    units = ("B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB")
    size = float(value)
    unit = 0
    while size >= 1024 and unit < len(units) - 1:
        size /= 1024
        unit += 1
    return f"{size:.3f} {units[unit]}"


_DISK_ERRORS = ("no error", "unspecified error", "no space")


@command("domblkerror", MONITOR, "Show errors on block devices", [DOMAIN])
def cmd_domblkerror(shell: Shell, args: Args) -> bool:
    """Print the disks that hit an I/O error."""
    dom, _ = lookup.domain(shell, args)
    errors = dom.diskErrors(0)
    if not errors:
        shell.out.print("No errors found\n")
    for disk, code in errors.items():
        shell.out.print(f"{disk}: {_DISK_ERRORS[code] if code < len(_DISK_ERRORS) else code}\n")
    return True


_CONTROL = ("ok", "background job", "occupied", "error")
_CONTROL_ERROR = ("none", "unknown", "monitor failure", "internal (locking) error")


@command("domcontrol", MONITOR, "domain control interface state", [DOMAIN])
def cmd_domcontrol(shell: Shell, args: Args) -> bool:
    """Print whether the driver can talk to the guest's hypervisor now."""
    dom, _ = lookup.domain(shell, args)
    state, details, ms = dom.controlInfo(0)
    name = _CONTROL[state] if state < len(_CONTROL) else "unknown"
    if state == libvirt.VIR_DOMAIN_CONTROL_ERROR:
        shell.out.print(f"{name}: {_CONTROL_ERROR[details]}\n")
    elif state != libvirt.VIR_DOMAIN_CONTROL_OK or ms:
        shell.out.print(f"{name} ({ms / 1000:.3f}s)\n")
    else:
        shell.out.print(f"{name}\n")
    return True


_LIFECYCLE_TYPES = ("poweroff", "reboot", "crash")
_LIFECYCLE_ACTIONS = ("destroy", "restart", "rename-restart", "preserve", "coredump-destroy",
                      "coredump-restart")


@command("set-lifecycle-action", DOMAIN_GROUP, "change lifecycle actions",
         [DOMAIN, data("type", "lifecycle type to modify"),
          data("action", "lifecycle action to set"), CONFIG, LIVE, CURRENT])
def cmd_set_lifecycle_action(shell: Shell, args: Args) -> bool:
    """Set what a power-off, reboot or crash does."""
    flags = affect_flags(args, libvirt)
    dom, _ = lookup.domain(shell, args)
    kind, action = args.req("type"), args.req("action")
    if kind not in _LIFECYCLE_TYPES:
        raise CmdError(f"Invalid lifecycle type '{kind}'.")
    if action not in _LIFECYCLE_ACTIONS:
        raise CmdError(f"Invalid lifecycle action '{action}'.")
    dom.setLifecycleAction(_LIFECYCLE_TYPES.index(kind), _LIFECYCLE_ACTIONS.index(action),
                           flags)
    return True


@command("domrename", DOMAIN_GROUP, "rename a domain",
         [DOMAIN, data("new-name", "new domain name")])
def cmd_domrename(shell: Shell, args: Args) -> bool:
    """Rename a shut-off domain."""
    dom, _ = lookup.domain(shell, args)
    dom.rename(args.req("new-name"), 0)
    shell.out.print("Domain successfully renamed\n")
    return True


@command("metadata", DOMAIN_GROUP, "show or set domain's custom XML metadata",
         [DOMAIN, data("uri", "URI of the namespace"), LIVE, CONFIG, CURRENT,
          string("key", "key to be used as a namespace identifier"),
          string("set", "new metadata to set"), flag("remove", "remove the metadata")])
def cmd_metadata(shell: Shell, args: Args) -> bool:
    """Print, set or remove an application's metadata element."""
    flags = affect_flags(args, libvirt)
    exclusive(args, "set", "remove")
    dom, _ = lookup.domain(shell, args)
    uri = args.req("uri")
    kind = libvirt.VIR_DOMAIN_METADATA_ELEMENT
    if args.flag("set") or args.flag("remove"):
        if args.flag("set") and not args.flag("key"):
            raise CmdError("namespace key is required when modifying metadata")
        dom.setMetadata(kind, args.get("set"), args.get("key"), uri, flags)
        shell.out.print("Metadata removed\n" if args.flag("remove") else "Metadata modified\n")
        return True
    shell.out.print(dom.metadata(kind, uri, flags) + "\n")
    return True


@command("desc", DOMAIN_GROUP, "show or set domain's description or title",
         [DOMAIN, LIVE, CONFIG, CURRENT, flag("title", "modify/get the title instead of "
                                              "description"),
          argv("new-desc", "message", positional=True)])
def cmd_desc(shell: Shell, args: Args) -> bool:
    """Print or set the description (or with --title the title)."""
    flags = affect_flags(args, libvirt)
    dom, _ = lookup.domain(shell, args)
    title = args.flag("title")
    kind = libvirt.VIR_DOMAIN_METADATA_TITLE if title else \
        libvirt.VIR_DOMAIN_METADATA_DESCRIPTION
    words = args.words("new-desc")
    if words:
        dom.setMetadata(kind, " ".join(words), None, None, flags)
        what = "title" if title else "description"
        shell.out.print(f"Domain {what} updated successfully\n")
        return True
    try:
        text = dom.metadata(kind, None, flags)
    except libvirt.libvirtError as exc:
        if exc.get_error_code() != libvirt.VIR_ERR_NO_DOMAIN_METADATA:
            raise
        text = ""
    if text:
        shell.out.print(text)           # virsh adds no newline of its own
    else:
        shell.out.print(f"No {'title' if title else 'description'} for domain: "
                        f"{dom.name()}\n")
    return True


@command("domdisplay", DOMAIN_GROUP, "domain display connection URI",
         [DOMAIN, flag("include-password", "includes the password into the connection URI "
                       "if available"), string("type", "select particular graphical display"),
          flag("all", "show all possible graphical displays")])
def cmd_domdisplay(shell: Shell, args: Args) -> bool:
    """Print the URI a viewer connects to for the guest's display."""
    from lxml import etree
    dom, _ = lookup.domain(shell, args)
    if not dom.isActive():
        raise CmdError("Domain is not running")
    flags = libvirt.VIR_DOMAIN_XML_SECURE if args.flag("include-password") else 0
    root = etree.fromstring(dom.XMLDesc(flags).encode())
    wanted = args.get("type")
    uris = []
    for gfx in root.findall("./devices/graphics"):
        kind = gfx.get("type") or ""
        if wanted and kind != wanted:
            continue
        uri = _display_uri(gfx, args.flag("include-password"))
        if uri is not None:
            uris.append(uri)
    if not uris:
        raise CmdError("No graphical display found")
    # virsh ends the last URI without a newline (the blank line after commands follows)
    shell.out.print("\n".join(uris if args.flag("all") else uris[:1]))
    return True


def _display_uri(gfx: Any, with_password: bool) -> str | None:
    kind = gfx.get("type")
    if kind not in ("vnc", "spice"):
        return None
    listen = gfx.find("listen")
    if listen is not None and listen.get("type") == "socket":
        return f"{kind}+unix://{listen.get('socket')}"
    port = gfx.get("port")
    if not port or port == "-1":
        return None
    host = gfx.get("listen") or (listen.get("address") if listen is not None else None)
    if not host or host in ("0.0.0.0", "::"):
        host = "localhost"
    if ":" in host:
        host = f"[{host}]"
    number = int(port) - 5900 if kind == "vnc" else int(port)
    password = gfx.get("passwd") if with_password else None
    if kind == "vnc" and password:
        return f"vnc://:{password}@{host}:{number}"
    # virsh gives SPICE's TLS port and password as query parameters
    query = [f"tls-port={gfx.get('tlsPort')}"] if kind == "spice" and gfx.get("tlsPort") else []
    if password:
        query.append(f"password={password}")
    return f"{kind}://{host}:{number}" + ("?" + "&".join(query) if query else "")


@command("domdirtyrate-calc", MONITOR, "Calculate a vm's memory dirty rate",
         [DOMAIN, number("seconds", "calculate memory dirty rate within specified seconds, "
                         "the supported value range from 1 to 60, default to 1."),
          string("mode", "dirty page rate calculation mode, either of these 3 options "
                 "'page-sampling', 'dirty-bitmap', 'dirty-ring'")])
def cmd_domdirtyrate_calc(shell: Shell, args: Args) -> bool:
    """Start measuring the guest's memory dirty rate (results: domstats --dirtyrate)."""
    dom, _ = lookup.domain(shell, args)
    seconds = args.int("seconds")
    modes = {"page-sampling": 0,
             "dirty-bitmap": libvirt.VIR_DOMAIN_DIRTYRATE_MODE_DIRTY_BITMAP,
             "dirty-ring": libvirt.VIR_DOMAIN_DIRTYRATE_MODE_DIRTY_RING}
    mode = args.get("mode") or "page-sampling"
    if mode not in modes:
        raise CmdError(f"Invalid mode '{mode}', expecting 'page-sampling', 'dirty-bitmap' "
                       "or 'dirty-ring'")
    dom.startDirtyRateCalc(1 if seconds is None else seconds, modes[mode])
    shell.out.print("Start to calculate domain's memory dirty rate successfully.\n")
    return True


@command("dom-fd-associate", DOMAIN_GROUP, "associate a FD with a domain",
         [DOMAIN, data("name", "name of the FD group"),
          data("pass-fds", "file descriptors N,M,... to associate"),
          flag("seclabel-writable", "use seclabels allowing writes"),
          flag("seclabel-restore", "try to restore security label after use if possible")])
def cmd_dom_fd_associate(shell: Shell, args: Args) -> bool:
    """Associate descriptors pyvirsh inherited (``--pass-fds 3,4``) with the domain,
    for disks with ``<source fdgroup='NAME'/>``."""
    fds = fd_list(args.req("pass-fds"))
    flags = 0
    if args.flag("seclabel-writable"):
        flags |= libvirt.VIR_DOMAIN_FD_ASSOCIATE_SECLABEL_WRITABLE
    if args.flag("seclabel-restore"):
        flags |= libvirt.VIR_DOMAIN_FD_ASSOCIATE_SECLABEL_RESTORE
    dom, _ = lookup.domain(shell, args)
    dom.FDAssociate(args.req("name"), fds, flags)
    return True
