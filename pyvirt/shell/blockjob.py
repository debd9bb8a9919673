"""Block job commands: blockcopy, blockcommit, blockpull, blockjob, blockresize,
domblkthreshold.

``--wait`` polls the job (``virDomainGetBlockJobInfo``) until it ends or
reaches its mirroring phase, printing virsh's progress line
``\\rBlock Copy: [ 42 %]`` on stderr with ``--verbose``; ``--timeout``
aborts the job after that many seconds, and Ctrl-C aborts it too, as virsh
does.
"""

from __future__ import annotations

import sys
import time
from typing import Any

import pyvirt as libvirt
from pyvirt.shell import lookup
from pyvirt.shell.command import (
    DOMAIN,
    VERBOSE,
    Args,
    CmdError,
    command,
    data,
    exclusive,
    flag,
    number,
    string,
)
from pyvirt.shell.main import Shell

DOMAIN_GROUP = "domain"
POLL = 0.25

_LABELS = {libvirt.VIR_DOMAIN_BLOCK_JOB_TYPE_PULL: "Block Pull",
           libvirt.VIR_DOMAIN_BLOCK_JOB_TYPE_COPY: "Block Copy",
           libvirt.VIR_DOMAIN_BLOCK_JOB_TYPE_COMMIT: "Block Commit",
           libvirt.VIR_DOMAIN_BLOCK_JOB_TYPE_ACTIVE_COMMIT: "Active Block Commit"}

PATH = data("path", "fully-qualified path of disk")
BANDWIDTH = string("bandwidth", "bandwidth limit in MiB/s")
WAIT_OPTS = [flag("wait", "wait for job to complete"), VERBOSE,
             number("timeout", "implies --wait, abort if copy exceeds timeout (in seconds)"),
             flag("async", "with --wait, don't wait for cancel to finish")]


def progress_line(label: str, cur: int, end: int) -> str:
    """virsh's progress text (virshPrintJobProgress): ``\\rLABEL: [ NN %]`` on a
    terminal, a new line for each update otherwise."""
    if end == 0 or cur >= end:
        percent = 100
    else:
        percent = max(0, min(99, (cur * 100) // end))
    start = "\r" if sys.stderr.isatty() else "\n"
    return f"{start}{label}: [{percent:3d} %]"


def _bandwidth(args: Args) -> int:
    raw = args.get("bandwidth")
    if raw is None:
        return 0
    try:
        value = int(raw)
    except ValueError:
        raise CmdError(f"Numeric value '{raw}' for <bandwidth> option is malformed or out of "
                       "range") from None
    if value < 0:
        raise CmdError(f"Numeric value '{raw}' for <bandwidth> option is malformed or out of "
                       "range")
    return value


def wait_job(shell: Shell, dom: Any, path: str, args: Args, mirror: bool, label: str) -> str:
    """Wait for the job on ``path``: 'ready' (a mirror's sync phase), 'done', 'aborted'.

    With ``--timeout`` the job is aborted after that many seconds; Ctrl-C aborts it too.
    """
    verbose = args.flag("verbose")
    timeout = args.int("timeout", 1)
    deadline = time.monotonic() + timeout if timeout else None
    seen = False
    try:
        while True:
            info = dom.blockJobInfo(path, 0)
            if not info:
                if verbose and seen:
                    sys.stderr.write(progress_line(label, 1, 1))
                    sys.stderr.flush()
                return "done"
            seen = True
            if verbose:
                sys.stderr.write(progress_line(label, info["cur"], info["end"]))
                sys.stderr.flush()
            if mirror and info["end"] and info["cur"] == info["end"] and _ready(dom, path):
                return "ready"
            if deadline is not None and time.monotonic() > deadline:
                _abort(dom, path, args)
                return "aborted"
            time.sleep(POLL)
    except KeyboardInterrupt:
        _abort(dom, path, args)
        return "aborted"


def _ready(dom: Any, path: str) -> bool:
    """Whether the disk's mirror says ready (the live XML's ``<mirror ready='yes'>``)."""
    from lxml import etree
    root = etree.fromstring(dom.XMLDesc(0).encode())
    for disk in root.findall("devices/disk"):
        target = disk.find("target")
        src = disk.find("source")
        names = {target.get("dev") if target is not None else None}
        if src is not None:
            names |= {src.get("file"), src.get("dev")}
        if path in names:
            mirror = disk.find("mirror")
            return mirror is not None and mirror.get("ready") == "yes"
    return False


def _abort(dom: Any, path: str, args: Args) -> None:
    flags = libvirt.VIR_DOMAIN_BLOCK_JOB_ABORT_ASYNC if args.flag("async") else 0
    try:
        dom.blockJobAbort(path, flags)
    except libvirt.libvirtError:
        pass


def _end(shell: Shell, dom: Any, path: str, args: Args, state: str, pivot: bool,
         finish: bool, messages: tuple[str, str, str]) -> bool:
    """After a wait: pivot/finish a mirror, print virsh's closing line."""
    if state == "aborted":
        shell.out.print("\n")
        raise CmdError("Copy aborted" if messages[0] == "Successfully pivoted" else
                       "Job aborted")
    if state == "ready" and (pivot or finish):
        flags = libvirt.VIR_DOMAIN_BLOCK_JOB_ABORT_PIVOT if pivot else 0
        try:
            dom.blockJobAbort(path, flags)
        except libvirt.libvirtError as exc:
            raise CmdError("failed to finish job", exc) from None
        shell.out.extra(f"\n{messages[0] if pivot else messages[1]}\n")
    else:
        shell.out.extra(f"\n{messages[2]}\n")
    return True


@command("blockcopy", DOMAIN_GROUP, "Start a block copy operation.",
         [DOMAIN, PATH, string("dest", "path of the copy to create", positional=True),
          BANDWIDTH, flag("shallow", "make the copy share a backing chain"),
          flag("reuse-external", "reuse existing destination"),
          flag("blockdev", "copy destination is block device instead of regular file"),
          *WAIT_OPTS, flag("pivot", "implies --wait, pivot when mirroring starts"),
          flag("finish", "implies --wait, quit when mirroring starts"),
          string("xml", "filename containing XML description of the copy destination"),
          string("format", "format of the destination file"),
          number("granularity", "power-of-two granularity to use during the copy"),
          string("buf-size", "maximum amount of in-flight data during the copy"),
          flag("bytes", "the bandwidth limit is in bytes/s rather than MiB/s"),
          flag("transient-job", "the copy job is not persisted if VM is turned off"),
          flag("synchronous-writes", "the copy job forces guest writes to be synchronously "
                                     "written to the destination"),
          flag("print-xml", "print the XML used to start the copy job instead of starting "
                            "the job")])
def cmd_blockcopy(shell: Shell, args: Args) -> bool:
    """Copy a disk to a new image while the guest runs."""
    exclusive(args, "dest", "xml")
    exclusive(args, "format", "xml")
    exclusive(args, "blockdev", "xml")
    exclusive(args, "pivot", "finish")
    path = args.req("path")
    dest, xmlfile = args.get("dest"), args.get("xml")
    if not dest and not xmlfile:
        raise CmdError("need either --dest or --xml")
    if xmlfile:
        from pyvirt.shell.files import read_file
        xml = read_file(xmlfile)
    else:
        from pyvirt.conf.xmlutil import escape_attr
        kind, attr = ("block", "dev") if args.flag("blockdev") else ("file", "file")
        fmt = args.get("format")
        driver = f"<driver type='{escape_attr(fmt)}'/>" if fmt else ""
        xml = f"<disk type='{kind}'>{driver}<source {attr}='{escape_attr(dest or '')}'/></disk>"
    if args.flag("print-xml"):
        shell.out.print(xml + "\n")
        return True
    dom, _ = lookup.domain(shell, args)
    params: dict[str, int] = {}
    bw = _bandwidth(args)
    if bw:
        params["bandwidth"] = bw if args.flag("bytes") else bw << 20
    gran = args.uint("granularity")
    if gran:
        params["granularity"] = gran
    buf = args.scaled("buf-size")
    if buf:
        params["buf-size"] = buf
    flags = 0
    for name, bit in (("shallow", libvirt.VIR_DOMAIN_BLOCK_COPY_SHALLOW),
                      ("reuse-external", libvirt.VIR_DOMAIN_BLOCK_COPY_REUSE_EXT),
                      ("transient-job", libvirt.VIR_DOMAIN_BLOCK_COPY_TRANSIENT_JOB),
                      ("synchronous-writes", libvirt.VIR_DOMAIN_BLOCK_COPY_SYNCHRONOUS_WRITES)):
        if args.flag(name):
            flags |= bit
    try:
        dom.blockCopy(path, xml, params, flags)
    except libvirt.libvirtError as exc:
        raise CmdError(None, exc) from None
    pivot, finish = args.flag("pivot"), args.flag("finish")
    if not (args.flag("wait") or pivot or finish or "timeout" in args):
        shell.out.extra("Block Copy started\n")
        return True
    state = wait_job(shell, dom, path, args, mirror=True, label="Block Copy")
    return _end(shell, dom, path, args, state, pivot, finish,
                ("Successfully pivoted", "Successfully copied", "Now in mirroring phase"))


@command("blockcommit", DOMAIN_GROUP, "Start a block commit operation.",
         [DOMAIN, PATH, BANDWIDTH, string("base", "path of base file to commit into "
                                                  "(default bottom of chain)"),
          flag("shallow", "use backing file of top as base"),
          string("top", "path of top file to commit from (default top of chain)"),
          flag("active", "trigger two-stage active commit of top file"),
          flag("delete", "delete files that were successfully committed"),
          *WAIT_OPTS, flag("pivot", "implies --active --wait, pivot when commit is synced"),
          flag("keep-overlay", "implies --active --wait, quit when commit is synced"),
          flag("keep-relative", "keep the backing chain relatively referenced"),
          flag("bytes", "the bandwidth limit is in bytes/s rather than MiB/s")])
def cmd_blockcommit(shell: Shell, args: Args) -> bool:
    """Merge layers of a disk's backing chain."""
    exclusive(args, "pivot", "keep-overlay")
    exclusive(args, "base", "shallow")
    path = args.req("path")
    dom, _ = lookup.domain(shell, args)
    pivot, keep = args.flag("pivot"), args.flag("keep-overlay")
    active = args.flag("active") or pivot or keep
    flags = 0
    for name, bit in (("shallow", libvirt.VIR_DOMAIN_BLOCK_COMMIT_SHALLOW),
                      ("delete", libvirt.VIR_DOMAIN_BLOCK_COMMIT_DELETE),
                      ("keep-relative", libvirt.VIR_DOMAIN_BLOCK_COMMIT_RELATIVE),
                      ("bytes", libvirt.VIR_DOMAIN_BLOCK_COMMIT_BANDWIDTH_BYTES)):
        if args.flag(name):
            flags |= bit
    if active:
        flags |= libvirt.VIR_DOMAIN_BLOCK_COMMIT_ACTIVE
    try:
        dom.blockCommit(path, args.get("base"), args.get("top"),
                        _bandwidth(args), flags)
    except libvirt.libvirtError as exc:
        raise CmdError(None, exc) from None
    if not (args.flag("wait") or pivot or keep or "timeout" in args):
        shell.out.extra("Active Block Commit started\n" if active else "Block Commit started\n")
        return True
    state = wait_job(shell, dom, path, args, mirror=active, label="Block commit")
    if not active:
        if state == "aborted":
            raise CmdError("Commit aborted")
        shell.out.extra("\nCommit complete\n")
        return True
    return _end(shell, dom, path, args, state, pivot, keep,
                ("Successfully pivoted", "Commit complete, overlay image kept",
                 "Now in synchronized phase"))


@command("blockpull", DOMAIN_GROUP, "Populate a disk from its backing image.",
         [DOMAIN, PATH, BANDWIDTH, string("base", "path of backing file in chain for a "
                                                  "partial pull"),
          *WAIT_OPTS, flag("keep-relative", "keep the backing chain relatively referenced"),
          flag("bytes", "the bandwidth limit is in bytes/s rather than MiB/s")])
def cmd_blockpull(shell: Shell, args: Args) -> bool:
    """Copy the backing images' data into the disk's top image."""
    path = args.req("path")
    dom, _ = lookup.domain(shell, args)
    base = args.get("base")
    bw = _bandwidth(args)
    try:
        if base or args.flag("keep-relative"):
            flags = libvirt.VIR_DOMAIN_BLOCK_REBASE_RELATIVE if args.flag("keep-relative") else 0
            if args.flag("bytes"):
                flags |= libvirt.VIR_DOMAIN_BLOCK_REBASE_BANDWIDTH_BYTES
            dom.blockRebase(path, base, bw, flags)
        else:
            dom.blockPull(path, bw, libvirt.VIR_DOMAIN_BLOCK_PULL_BANDWIDTH_BYTES
                          if args.flag("bytes") else 0)
    except libvirt.libvirtError as exc:
        raise CmdError(None, exc) from None
    if not (args.flag("wait") or "timeout" in args):
        shell.out.extra("Block Pull started\n")
        return True
    state = wait_job(shell, dom, path, args, mirror=False, label="Block Pull")
    if state == "aborted":
        raise CmdError("Pull aborted")
    shell.out.extra("\nPull complete\n")
    return True


@command("blockjob", DOMAIN_GROUP, "Manage active block operations",
         [DOMAIN, PATH, flag("abort", "abort the active job on the specified disk"),
          flag("async", "implies --abort; request but don't wait for job end"),
          flag("pivot", "implies --abort; conclude and pivot a copy or commit job"),
          flag("info", "get active job information for the specified disk"),
          flag("bytes", "get/set bandwidth in bytes rather than MiB/s"),
          flag("raw", "implies --info; output details rather than human summary"),
          string("bandwidth", "set the bandwidth limit in MiB/s")])
def cmd_blockjob(shell: Shell, args: Args) -> bool:
    """Show, abort, pivot or throttle a disk's block job."""
    path = args.req("path")
    dom, _ = lookup.domain(shell, args)
    abort = args.flag("abort") or args.flag("async") or args.flag("pivot")
    if abort and "bandwidth" in args:
        raise CmdError("Options --abort and --bandwidth are mutually exclusive")
    if abort:
        flags = 0
        if args.flag("async"):
            flags |= libvirt.VIR_DOMAIN_BLOCK_JOB_ABORT_ASYNC
        if args.flag("pivot"):
            flags |= libvirt.VIR_DOMAIN_BLOCK_JOB_ABORT_PIVOT
        try:
            dom.blockJobAbort(path, flags)
        except libvirt.libvirtError as exc:
            raise CmdError(None, exc) from None
        return True
    if "bandwidth" in args:
        bw = _bandwidth(args)
        try:
            dom.blockJobSetSpeed(path, bw, libvirt.VIR_DOMAIN_BLOCK_JOB_SPEED_BANDWIDTH_BYTES
                                 if args.flag("bytes") else 0)
        except libvirt.libvirtError as exc:
            raise CmdError(None, exc) from None
        return True
    flags = libvirt.VIR_DOMAIN_BLOCK_JOB_INFO_BANDWIDTH_BYTES if args.flag("bytes") else 0
    try:
        info = dom.blockJobInfo(path, flags)
    except libvirt.libvirtError as exc:
        raise CmdError(None, exc) from None
    if args.flag("raw"):
        if not info:
            shell.out.print(" type=unknown\n")
            return True
        shell.out.print(f" type={_LABELS.get(info['type'], 'unknown')},"
                        f"bandwidth={info['bandwidth']},cur={info['cur']},end={info['end']}\n")
        return True
    if not info:
        shell.out.extra(f"No current block job for {path}\n")
        return True
    # as virsh: the progress line on stderr, the bandwidth on stdout
    sys.stderr.write(progress_line(_LABELS.get(info["type"], "Unknown job"), info["cur"],
                                   info["end"]))
    sys.stderr.flush()
    if info["bandwidth"]:
        bw = info["bandwidth"] if args.flag("bytes") else info["bandwidth"] << 20
        value, unit = _pretty(bw)
        shell.out.print(f"    Bandwidth limit: {bw} bytes/s ({value:.3f} {unit}/s)\n")
    return True


def _pretty(size: int) -> tuple[float, str]:
    """virsh's vshPrettyCapacity: the value in the largest binary unit below it."""
    value, unit = float(size), "B"
    for name in ("KiB", "MiB", "GiB", "TiB", "PiB", "EiB"):
        if value < 1024:
            break
        value, unit = value / 1024, name
    return value, unit


@command("blockresize", DOMAIN_GROUP, "Resize block device of domain.",
         [DOMAIN, PATH, string("size", "New size of the block device, as scaled integer "
                                       "(default KiB)", positional=True)])
def cmd_blockresize(shell: Shell, args: Args) -> bool:
    """Grow (or shrink) a disk of a running domain."""
    path = args.req("path")
    if args.get("size") is None:
        raise CmdError("Failed to get option 'size': Mandatory option not present")
    size = args.scaled("size", 1024)
    assert size is not None
    dom, _ = lookup.domain(shell, args)
    try:
        dom.blockResize(path, size, libvirt.VIR_DOMAIN_BLOCK_RESIZE_BYTES)
    except libvirt.libvirtError as exc:
        raise CmdError(f"Failed to resize block device '{path}'", exc) from None
    shell.out.extra(f"Block device '{path}' is resized\n")
    return True


@command("domblkthreshold", DOMAIN_GROUP, "set the threshold for block-threshold event "
                                          "for a given block device or it's backing chain "
                                          "element",
         [DOMAIN, data("dev", "device to set threshold for"),
          string("threshold", "threshold as a scaled number (by default bytes)",
                 positional=True)])
def cmd_domblkthreshold(shell: Shell, args: Args) -> bool:
    """Ask for a BLOCK_THRESHOLD event when the guest writes past a point of a disk."""
    if args.get("threshold") is None:
        raise CmdError("Failed to get option 'threshold': Mandatory option not present")
    threshold = args.scaled("threshold", 1)
    assert threshold is not None
    dom, _ = lookup.domain(shell, args)
    try:
        dom.setBlockThreshold(args.req("dev"), threshold, 0)
    except libvirt.libvirtError as exc:
        raise CmdError(None, exc) from None
    return True
