"""A scripted sequence of calls on test:///default, for comparing pyvirt with libvirt.

Run as ``python scenario.py MODULE`` where MODULE is ``libvirt`` (real
libvirt-python) or ``pyvirt``; it prints one JSON list of steps:
``[label, "ok", value]`` or ``[label, "err", code, domain, message]``, with
values that change from run to run (times, generated UUIDs and MACs, ids
of the hash order) made comparable.  The same file runs under both, so it
imports nothing from pyvirt.
"""

from __future__ import annotations

import importlib
import json
import os
import re
import sys
import tempfile
import threading
import time

STEPS: list = []

X = ("<domain type='test'><name>%s</name><memory>1048576</memory><vcpu>1</vcpu>"
     "<os><type>hvm</type></os></domain>")

_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_MAC = re.compile(r"52:54:00(:[0-9a-f]{2}){3}")
_TIME = re.compile(r"1[0-9]{9}")


TMP = tempfile.mkdtemp(prefix="pyvirt-scenario-")


def clean(value):
    """Make a value comparable across runs and implementations."""
    if isinstance(value, str):
        value = value.replace(TMP, "TMP")
        value = _UUID.sub(lambda m: m.group(0) if m.group(0).startswith("6695eb01")
                          else "UUID", value)
        value = _MAC.sub("MAC", value)
        return _TIME.sub("TIME", value)
    if isinstance(value, (list, tuple)):
        return [clean(v) for v in value]
    if isinstance(value, dict):
        return {str(k): clean(v) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))}
    if isinstance(value, bytes):
        return list(value)
    if isinstance(value, float):
        return round(value, 3)
    if hasattr(value, "name") and callable(value.name):
        return f"<dom {value.name()}>"
    if hasattr(value, "getName"):
        return f"<moment {value.getName()}>"
    return value


def rec(label, func, post=None):
    """Run ``func`` and record its result or error."""
    try:
        value = func()
        STEPS.append([label, "ok", clean(post(value) if post else value)])
    except LIB.libvirtError as exc:
        STEPS.append([label, "err", exc.get_error_code(), exc.get_error_domain(),
                      clean(str(exc))])


def names(doms):
    return sorted(d.name() for d in doms)


EVENTS: list = []
MARKER: list = []        # [connection, count]: the flush marker's state
FLUSH_DEADLINE = 60.0    # seconds: generous, the marker normally comes in milliseconds


def flush(label):
    """Record the lifecycle events delivered since the last flush.

    No fixed window: a marker domain is defined and undefined on the
    connection that listens, and since a connection's events arrive in the
    order they happened, every earlier event has arrived once the marker's
    UNDEFINED event has.  The marker's own events are left out.
    """
    conn = MARKER[0]
    MARKER[1] += 1
    name = f"zz-flush-marker-{MARKER[1]}"
    conn.defineXML(X % name).undefine()
    undefined = LIB.VIR_DOMAIN_EVENT_UNDEFINED
    deadline = time.monotonic() + FLUSH_DEADLINE
    while not any(e[0] == name and e[1] == undefined for e in list(EVENTS)):
        if time.monotonic() > deadline:
            raise RuntimeError(f"the flush marker's events did not arrive in "
                               f"{FLUSH_DEADLINE} s (at {label!r})")
        time.sleep(0.005)
    got = [e for e in EVENTS if not e[0].startswith("zz-flush-marker-")]
    del EVENTS[:]
    STEPS.append([label + " events", "ok", got])


def main(modname):
    global LIB
    LIB = lib = importlib.import_module(modname)
    lib.registerErrorHandler(lambda *args: None, None)
    lib.virEventRegisterDefaultImpl()

    def loop():
        while True:
            lib.virEventRunDefaultImpl()
    threading.Thread(target=loop, daemon=True).start()

    c = lib.open("test:///default")
    c.domainEventRegisterAny(None, lib.VIR_DOMAIN_EVENT_ID_LIFECYCLE,
                             lambda conn, dom, ev, det, op: EVENTS.append([dom.name(), ev, det]),
                             None)
    MARKER[:] = [c, 0]
    d = c.lookupByName("test")
    cpuinfo = lambda v: v[:4]  # drop the time

    # --- the connection and the default domain
    rec("type", c.getType)
    rec("version", c.getVersion)
    rec("libversion", c.getLibVersion)
    rec("uri", c.getURI)
    rec("nodeinfo", c.getInfo)
    rec("capabilities", c.getCapabilities)
    rec("sysinfo", lambda: c.getSysinfo(0))
    rec("maxvcpus", lambda: c.getMaxVcpus(None))
    rec("alive", lambda: (c.isAlive(), c.isSecure(), c.isEncrypted()))
    rec("freemem", c.getFreeMemory)
    rec("cells", lambda: c.getCellsFreeMemory(0, 8))
    rec("cells bad", lambda: c.getCellsFreeMemory(5, 8))
    rec("cpumap", lambda: c.getCPUMap(0))
    rec("cpustats", lambda: c.getCPUStats(-1, 0))
    rec("secmodel", c.getSecurityModel)
    rec("cpumodels", lambda: c.getCPUModelNames("x86_64", 0))
    rec("default xml", lambda: d.XMLDesc(0))
    rec("default xml inactive", lambda: d.XMLDesc(lib.VIR_DOMAIN_XML_INACTIVE))
    rec("default info", d.info, cpuinfo)
    rec("default state", d.state)
    rec("default id", d.ID)
    rec("default persistent", lambda: (d.isActive(), d.isPersistent(), d.isUpdated()))
    rec("default ostype", d.OSType)
    rec("default maxmem", d.maxMemory)
    rec("default maxvcpus", d.maxVcpus)
    rec("default autostart", d.autostart)
    rec("default memstats", d.memoryStats)
    rec("default ifaddrs", lambda: d.interfaceAddresses(0))
    rec("default hostname", lambda: d.hostname(0))
    rec("default sched", d.schedulerType)
    rec("default schedparams", d.schedulerParameters)
    rec("default blkio", lambda: d.blkioParameters(0))
    rec("default memparams", lambda: d.memoryParameters(0))
    rec("default numa", lambda: d.numaParameters(0))
    rec("default time", lambda: d.getTime(0))
    rec("default control", lambda: d.controlInfo(0))
    rec("default cpustats total", lambda: d.getCPUStats(True))
    rec("default cpustats per cpu", lambda: d.getCPUStats(False))
    rec("default vcpus", lambda: d.vcpus()[1])
    rec("default pininfo", lambda: d.vcpuPinInfo(0))
    rec("default emulatorpin", lambda: d.emulatorPinInfo(0))
    rec("default seclabel", d.securityLabel)
    rec("default diskerrors", lambda: d.diskErrors(0))
    rec("default fsinfo", lambda: d.fsInfo(0))
    rec("default blockinfo", lambda: d.blockInfo("vda", 0))
    rec("default blockinfo bad", lambda: d.blockInfo("vdz", 0))
    rec("default iotune", lambda: d.blockIoTune("vda", 0))
    rec("default ifparams", lambda: d.interfaceParameters("testnet0", 0))
    rec("default perf", lambda: d.perfEvents(0))
    rec("default messages", lambda: d.messages(0))
    rec("default blockstats bad", lambda: d.blockStats("nope"))
    rec("default blockstats empty", lambda: d.blockStats(""))
    rec("default ifstats bad", lambda: d.interfaceStats("nope"))
    rec("default memorypeek", lambda: d.memoryPeek(250, 10, lib.VIR_MEMORY_VIRTUAL))
    rec("default stats", lambda: [(x.name(), s) for x, s in c.getAllDomainStats(0, 0)])
    rec("lists", lambda: (c.listDomainsID(), c.listDefinedDomains(), c.numOfDomains(),
                          c.numOfDefinedDomains()))

    # --- lookups and errors
    rec("lookup missing", lambda: c.lookupByName("nope"))
    rec("lookup uuid missing", lambda: c.lookupByUUIDString("6695eb01-f6a4-8304-79aa-97f2502e1000"))
    rec("lookup uuid bad", lambda: c.lookupByUUIDString("xyz"))
    rec("lookup id", lambda: c.lookupByID(1).name())
    rec("lookup id missing", lambda: c.lookupByID(99))
    rec("lookup uuid bytes", lambda: c.lookupByUUID(d.UUID()).name())

    # --- define and its errors
    rec("define slash", lambda: c.defineXML(X % "a/b"))
    rec("define no name", lambda: c.defineXML(X.replace("<name>%s</name>", "")))
    rec("define no memory", lambda: c.defineXML(
        "<domain type='test'><name>x</name><os><type>hvm</type></os></domain>"))
    rec("define no os", lambda: c.defineXML(
        "<domain type='test'><name>x</name><memory>1024</memory></domain>"))
    rec("define bad root", lambda: c.defineXML("<domainx type='test'><name>x</name></domainx>"))
    rec("define dup uuid", lambda: c.defineXML(X.replace(
        "<name>%s</name>", "<name>zz</name><uuid>6695eb01-f6a4-8304-79aa-97f2502e193f</uuid>")))
    rec("define dup name", lambda: c.defineXML(X.replace(
        "<name>%s</name>", "<name>test</name><uuid>6695eb01-f6a4-8304-79aa-97f2502e1930</uuid>")))
    rec("define bad flags", lambda: c.defineXMLFlags(X % "foo", 0x80))
    rec("create running dup", lambda: c.createXML(X.replace(
        "<name>%s</name>", "<name>test</name><uuid>6695eb01-f6a4-8304-79aa-97f2502e193f</uuid>")))
    rec("lists after errors", lambda: (names(c.listAllDomains(0)), c.listDefinedDomains()))
    flush("errors")

    # --- lifecycle
    foo = c.defineXML(X % "foo")
    flush("define")
    rec("foo xml", lambda: foo.XMLDesc(0))
    rec("foo state", foo.state)
    rec("foo resume off", foo.resume)
    rec("foo suspend off", foo.suspend)
    rec("foo shutdown off", foo.shutdown)
    rec("foo reboot off", lambda: foo.reboot(0))
    rec("foo destroy off", foo.destroy)
    rec("foo memstats off", foo.memoryStats)
    rec("foo vcpus off", foo.vcpus)
    rec("foo maxvcpus off", foo.maxVcpus)
    rec("foo vcpusflags off", lambda: (foo.vcpusFlags(0),
                                       foo.vcpusFlags(lib.VIR_DOMAIN_VCPU_MAXIMUM)))
    rec("foo create", foo.create)
    rec("foo id", lambda: foo.ID() > 1)
    rec("foo state running", foo.state)
    rec("foo create again", foo.create)
    rec("foo createWithFlags paused", lambda: foo.createWithFlags(lib.VIR_DOMAIN_START_PAUSED))
    rec("foo suspend", foo.suspend)
    rec("foo state paused", foo.state)
    rec("foo suspend again", foo.suspend)
    rec("foo resume", foo.resume)
    rec("foo state resumed", foo.state)
    rec("foo reboot", lambda: foo.reboot(0))
    rec("foo state rebooted", foo.state)
    rec("foo shutdown", foo.shutdown)
    rec("foo state shutdown", foo.state)
    rec("foo id off", foo.ID)
    flush("lifecycle")
    foo.create()
    rec("foo destroy", foo.destroy)
    rec("foo state destroyed", foo.state)
    flush("destroy")

    # --- live and config definitions
    foo.create()
    rec("setmem live", lambda: foo.setMemoryFlags(262144, lib.VIR_DOMAIN_AFFECT_LIVE))
    rec("setmem config", lambda: foo.setMemoryFlags(393216, lib.VIR_DOMAIN_AFFECT_CONFIG))
    rec("setmem both", lambda: foo.setMemoryFlags(1024, 3))
    rec("setmem too high", lambda: foo.setMemory(99999999))
    rec("setmaxmem live", lambda: foo.setMaxMemory(1048576))
    rec("info live", foo.info, cpuinfo)
    rec("xml live", lambda: foo.XMLDesc(0))
    rec("xml inactive", lambda: foo.XMLDesc(lib.VIR_DOMAIN_XML_INACTIVE))
    rec("xml bad flags", lambda: foo.XMLDesc(1 << 10))
    rec("setvcpus 40", lambda: foo.setVcpusFlags(40, 0))
    rec("setvcpus over max", lambda: foo.setVcpusFlags(2, lib.VIR_DOMAIN_AFFECT_LIVE))
    rec("setvcpus max config", lambda: foo.setVcpusFlags(
        4, lib.VIR_DOMAIN_VCPU_MAXIMUM | lib.VIR_DOMAIN_AFFECT_CONFIG))
    rec("setvcpus config", lambda: foo.setVcpusFlags(3, lib.VIR_DOMAIN_AFFECT_CONFIG))
    rec("vcpusflags", lambda: (foo.vcpusFlags(lib.VIR_DOMAIN_AFFECT_CONFIG),
                               foo.vcpusFlags(lib.VIR_DOMAIN_AFFECT_CONFIG
                                              | lib.VIR_DOMAIN_VCPU_MAXIMUM),
                               foo.vcpusFlags(0), foo.maxVcpus()))
    rec("pin", lambda: foo.pinVcpu(0, (True, False)))
    rec("pin bad vcpu", lambda: foo.pinVcpu(5, (True, False)))
    rec("vcpus pinned", lambda: foo.vcpus()[1])
    rec("pininfo live", lambda: foo.vcpuPinInfo(0))
    rec("pininfo config", lambda: foo.vcpuPinInfo(lib.VIR_DOMAIN_AFFECT_CONFIG))
    rec("xml pinned", lambda: foo.XMLDesc(0))
    rec("metadata desc", lambda: foo.setMetadata(lib.VIR_DOMAIN_METADATA_DESCRIPTION, "hello",
                                                 None, None, 0))
    rec("metadata elem", lambda: foo.setMetadata(lib.VIR_DOMAIN_METADATA_ELEMENT,
                                                 "<foo>bar</foo>", "app", "http://app/", 0))
    rec("metadata get", lambda: (foo.metadata(lib.VIR_DOMAIN_METADATA_DESCRIPTION, None),
                                 foo.metadata(lib.VIR_DOMAIN_METADATA_ELEMENT, "http://app/")))
    rec("metadata missing", lambda: foo.metadata(lib.VIR_DOMAIN_METADATA_TITLE, None))
    rec("metadata bad type", lambda: foo.metadata(7, None))
    rec("xml metadata", lambda: foo.XMLDesc(0))
    rec("autostart", lambda: (foo.autostart(), foo.setAutostart(1), foo.autostart()))
    rec("undefine running", foo.undefine)
    rec("persistent after undefine", foo.isPersistent)
    rec("destroy transient", foo.destroy)
    rec("lookup after", lambda: c.lookupByName("foo"))
    flush("config")

    # --- save, restore, managed save
    tmp = TMP
    foo = c.defineXML(X % "foo")
    foo.create()
    path = os.path.join(tmp, "foo.save")
    rec("save with xml", lambda: foo.saveFlags(path, "<domain/>", 0))
    rec("save", lambda: foo.save(path))
    rec("save state", foo.state)
    def magic():
        with open(path, "rb") as handle:
            return handle.read(15).decode("latin-1")
    rec("save magic", magic)
    rec("save image xml", lambda: c.saveImageGetXMLDesc(path, 0))
    rec("restore", lambda: c.restore(path))
    rec("restore state", foo.state)
    rec("restore again", lambda: c.restore(path))
    rec("restore missing", lambda: c.restore(os.path.join(tmp, "nope")))
    garbage = os.path.join(tmp, "garbage")
    with open(garbage, "w") as handle:
        handle.write("hello world garbage")
    rec("restore garbage", lambda: c.restore(garbage))
    rec("managedsave", lambda: foo.managedSave(0))
    rec("managedsave state", foo.state)
    rec("has managed", lambda: foo.hasManagedSaveImage(0))
    rec("list managed", lambda: names(c.listAllDomains(lib.VIR_CONNECT_LIST_DOMAINS_MANAGEDSAVE)))
    rec("undefine managed", foo.undefine)
    rec("start managed", foo.create)
    rec("start managed state", foo.state)
    rec("has managed after", lambda: foo.hasManagedSaveImage(0))
    foo.managedSave(0)
    rec("undefine managed flag", lambda: foo.undefineFlags(lib.VIR_DOMAIN_UNDEFINE_MANAGED_SAVE))
    flush("save")

    # --- transient domains, rename
    tr = c.createXML(X % "tr", 0)
    rec("tr state", tr.state)
    rec("tr persistent", tr.isPersistent)
    rec("tr config", lambda: tr.setMemoryFlags(1024, lib.VIR_DOMAIN_AFFECT_CONFIG))
    rec("tr managedsave", lambda: tr.managedSave(0))
    rec("tr rename", lambda: tr.rename("tr2", 0))
    rec("tr shutdown", tr.shutdown)
    rec("tr gone", lambda: tr.state())
    foo = c.defineXML(X % "foo")
    rec("rename", lambda: foo.rename("bar", 0))
    rec("renamed name", foo.name)
    rec("lookup renamed", lambda: c.lookupByName("bar").name())
    rec("rename existing", lambda: foo.rename("test", 0))
    rec("rename slash", lambda: foo.rename("a/b", 0))
    flush("rename")

    # --- list filters
    bar = c.lookupByName("bar")
    a = c.defineXML(X % "a")
    a.setAutostart(1)
    b = c.defineXML(X % "b")
    b.create()
    b.suspend()
    bb = c.defineXML(X % "bb")
    bb.create()
    bb.managedSave(0)
    cc = c.defineXML(X % "cc")
    cc.snapshotCreateXML("<domainsnapshot><name>x</name></domainsnapshot>", 0)
    c.createXML(X % "tr", 0)
    for flag in ("ACTIVE", "INACTIVE", "PERSISTENT", "TRANSIENT", "RUNNING", "PAUSED",
                 "SHUTOFF", "OTHER", "MANAGEDSAVE", "NO_MANAGEDSAVE", "AUTOSTART",
                 "NO_AUTOSTART", "HAS_SNAPSHOT", "NO_SNAPSHOT", "HAS_CHECKPOINT",
                 "NO_CHECKPOINT"):
        value = getattr(lib, "VIR_CONNECT_LIST_DOMAINS_" + flag)
        rec("list " + flag, lambda value=value: names(c.listAllDomains(value)))
    rec("list ACTIVE|INACTIVE", lambda: names(c.listAllDomains(3)))
    rec("list bad flag", lambda: c.listAllDomains(1 << 20))
    rec("stats all", lambda: sorted((x.name(), s) for x, s in c.getAllDomainStats(0, 0)))
    rec("stats active", lambda: sorted(
        (x.name(), s) for x, s in c.getAllDomainStats(
            0, lib.VIR_CONNECT_GET_ALL_DOMAINS_STATS_ACTIVE)))
    rec("stats enforce", lambda: c.getAllDomainStats(
        1 << 20, lib.VIR_CONNECT_GET_ALL_DOMAINS_STATS_ENFORCE_STATS))
    rec("stats list", lambda: [(x.name(), s) for x, s in c.domainListGetStats([a, b], 0)])
    rec("undefine snapshots", cc.undefine)
    rec("undefine snapshots md", lambda: cc.undefineFlags(
        lib.VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA))
    rec("undefine nvram", lambda: a.undefineFlags(lib.VIR_DOMAIN_UNDEFINE_NVRAM))
    flush("lists")
    for dom in (a, b, bb, bar):
        try:
            dom.destroy()
        except lib.libvirtError:
            pass
        dom.undefineFlags(lib.VIR_DOMAIN_UNDEFINE_MANAGED_SAVE)
    flush("cleanup")

    # --- snapshots
    s = c.defineXML(X % "snap")
    rec("snap none", lambda: (s.snapshotNum(0), s.hasCurrentSnapshot(0)))
    rec("snap current none", lambda: s.snapshotCurrent(0))
    rec("snap A off", lambda: s.snapshotCreateXML(
        "<domainsnapshot><name>A</name></domainsnapshot>", 0).getName())
    s.create()
    rec("snap B run", lambda: s.snapshotCreateXML(
        "<domainsnapshot><name>B</name><description>bee</description></domainsnapshot>",
        0).getName())
    s.suspend()
    rec("snap C paused", lambda: s.snapshotCreateXML(
        "<domainsnapshot><name>C</name></domainsnapshot>", 0).getName())
    s.resume()
    flush("snap create")
    A, B, Csnap = (s.snapshotLookupByName(n, 0) for n in "ABC")
    rec("snap xml A", lambda: A.getXMLDesc(0))
    rec("snap xml B", lambda: B.getXMLDesc(0))
    rec("snap xml C", lambda: Csnap.getXMLDesc(0))
    rec("snap dup", lambda: s.snapshotCreateXML(
        "<domainsnapshot><name>B</name></domainsnapshot>", 0))
    rec("snap bad root", lambda: s.snapshotCreateXML("<bogus/>", 0))
    rec("snap disk only", lambda: s.snapshotCreateXML("<domainsnapshot/>",
                                                       lib.VIR_DOMAIN_SNAPSHOT_CREATE_DISK_ONLY))
    rec("snap names", lambda: sorted(s.snapshotListNames(0)))
    rec("snap topological", lambda: s.snapshotListNames(lib.VIR_DOMAIN_SNAPSHOT_LIST_TOPOLOGICAL))
    for flag in ("ROOTS", "LEAVES", "NO_LEAVES", "ACTIVE", "INACTIVE", "METADATA",
                 "NO_METADATA", "INTERNAL", "EXTERNAL"):
        value = getattr(lib, "VIR_DOMAIN_SNAPSHOT_LIST_" + flag)
        rec("snap list " + flag, lambda value=value: sorted(s.snapshotListNames(value)))
    rec("snap children", lambda: (A.listChildrenNames(0), A.numChildren(0),
                                  sorted(A.listChildrenNames(
                                      lib.VIR_DOMAIN_SNAPSHOT_LIST_DESCENDANTS))))
    rec("snap parent", lambda: B.getParent(0).getName())
    rec("snap parent none", lambda: A.getParent(0))
    rec("snap current", lambda: (s.snapshotCurrent(0).getName(), A.isCurrent(0),
                                 Csnap.isCurrent(0), A.hasMetadata(0)))
    for label, snap, flags in (("run->B", B, 0), ("run->C", Csnap, 0), ("paused->B", B, 0),
                               ("run->A", A, 0), ("off->A", A, 0), ("off->C", Csnap, 0),
                               ("paused->C", Csnap, 0), ("paused->A", A, 0),
                               ("off->A running", A, lib.VIR_DOMAIN_SNAPSHOT_REVERT_RUNNING),
                               ("off->A paused", A, lib.VIR_DOMAIN_SNAPSHOT_REVERT_PAUSED),
                               ("off->B running", B, lib.VIR_DOMAIN_SNAPSHOT_REVERT_RUNNING),
                               ("run->B paused", B, lib.VIR_DOMAIN_SNAPSHOT_REVERT_PAUSED),
                               ("paused->A running", A, lib.VIR_DOMAIN_SNAPSHOT_REVERT_RUNNING),
                               ("paused->A force", A, lib.VIR_DOMAIN_SNAPSHOT_REVERT_FORCE
                                | lib.VIR_DOMAIN_SNAPSHOT_REVERT_RUNNING)):
        rec("revert " + label, lambda snap=snap, flags=flags: (s.revertToSnapshot(snap, flags),
                                                                 s.state()))
        flush("revert " + label)
    rec("snap delete B", lambda: B.delete(0))
    rec("snap after delete", lambda: (sorted(s.snapshotListNames(0)),
                                      Csnap.getParent(0).getName(),
                                      s.snapshotCurrent(0).getName()))
    rec("snap delete metadata only", lambda: A.delete(
        lib.VIR_DOMAIN_SNAPSHOT_DELETE_METADATA_ONLY))
    rec("snap delete children only", lambda: A.delete(
        lib.VIR_DOMAIN_SNAPSHOT_DELETE_CHILDREN_ONLY))
    rec("snap after children only", lambda: sorted(s.snapshotListNames(0)))
    rec("snap gone", lambda: Csnap.getXMLDesc(0))
    rec("snap redefine", lambda: s.snapshotCreateXML(
        A.getXMLDesc(0).replace("<name>A</name>", "<name>R</name>"),
        lib.VIR_DOMAIN_SNAPSHOT_CREATE_REDEFINE).getName())
    rec("snap after redefine", lambda: (sorted(s.snapshotListNames(0)),
                                        s.snapshotCurrent(0).getName()))
    rec("snap delete children", lambda: A.delete(lib.VIR_DOMAIN_SNAPSHOT_DELETE_CHILDREN))
    rec("snap halt", lambda: (s.create(), s.snapshotCreateXML(
        "<domainsnapshot><name>H</name></domainsnapshot>",
        lib.VIR_DOMAIN_SNAPSHOT_CREATE_HALT).getName(), s.state()))
    flush("snap end")

    # --- checkpoints
    rec("chk inactive", lambda: s.checkpointCreateXML("<domaincheckpoint/>", 0))
    s.create()
    flush("chk start")
    rec("chk with snapshots", lambda: s.checkpointCreateXML("<domaincheckpoint/>", 0))
    for snap in s.listAllSnapshots(0):
        snap.delete(0)
    rec("chk no disk", lambda: s.checkpointCreateXML("<domaincheckpoint/>", 0))
    s.destroy()
    s.undefine()
    s = c.createXML(X.replace("<name>%s</name>", "<name>disky</name>").replace(
        "</os>", "</os><devices><disk type='file' device='disk'><source file='/a.img'/>"
        "<target dev='vda' bus='virtio'/></disk><disk type='file' device='cdrom'>"
        "<target dev='hdc' bus='ide'/><readonly/></disk></devices>"), 0)
    rec("disky xml", lambda: s.XMLDesc(0))
    flush("chk disky")
    rec("chk 1", lambda: s.checkpointCreateXML(
        "<domaincheckpoint><name>c1</name></domaincheckpoint>", 0).getName())
    rec("chk 2", lambda: s.checkpointCreateXML(
        "<domaincheckpoint><name>c2</name><description>d</description></domaincheckpoint>",
        0).getName())
    c2 = s.checkpointLookupByName("c2", 0)
    rec("chk xml", lambda: c2.getXMLDesc(0))
    rec("chk xml no domain", lambda: c2.getXMLDesc(lib.VIR_DOMAIN_CHECKPOINT_XML_NO_DOMAIN))
    rec("chk list", lambda: sorted(x.getName() for x in s.listAllCheckpoints(0)))
    rec("chk parent", lambda: c2.getParent(0).getName())
    rec("chk children", lambda: [x.getName() for x in c2.getParent(0).listAllChildren(0)])
    rec("chk snapshot", lambda: s.snapshotCreateXML("<domainsnapshot/>", 0))
    rec("chk lookup bad", lambda: s.checkpointLookupByName("zz", 0))
    rec("chk parent none", lambda: c2.getParent(0).getParent(0))
    rec("chk dup", lambda: s.checkpointCreateXML(
        "<domaincheckpoint><name>c2</name></domaincheckpoint>", 0))
    rec("chk delete", lambda: c2.getParent(0).delete(0))
    rec("chk after delete", lambda: [(x.getName(), x.getXMLDesc(0))
                                     for x in s.listAllCheckpoints(0)])
    flush("chk end")

    # --- snapshot tree order (libvirt lists the newest child first)
    tp = c.defineXML(X % "topo")

    def snap(name):
        return tp.snapshotCreateXML(f"<domainsnapshot><name>{name}</name></domainsnapshot>", 0)
    s1 = snap("s1")
    s2 = snap("s2")
    snap("s2a")
    tp.revertToSnapshot(s1, 0)
    snap("s3")
    snap("s4")
    tp.revertToSnapshot(s2, 0)
    snap("s5")
    rec("topo topological", lambda: tp.snapshotListNames(lib.VIR_DOMAIN_SNAPSHOT_LIST_TOPOLOGICAL))
    rec("topo roots", lambda: tp.snapshotListNames(lib.VIR_DOMAIN_SNAPSHOT_LIST_ROOTS))
    rec("topo children", lambda: s1.listChildrenNames(0))
    rec("topo descendants", lambda: s1.listChildrenNames(
        lib.VIR_DOMAIN_SNAPSHOT_LIST_DESCENDANTS | lib.VIR_DOMAIN_SNAPSHOT_LIST_TOPOLOGICAL))
    rec("topo delete s2", lambda: s2.delete(0))
    rec("topo after delete", lambda: (
        s1.listChildrenNames(0),
        tp.snapshotListNames(lib.VIR_DOMAIN_SNAPSHOT_LIST_TOPOLOGICAL)))
    flush("topo")

    # --- tunables on a domain with devices
    t = c.defineXML(X.replace("<name>%s</name>", "<name>tun</name>").replace(
        "</os>", "</os><devices><disk type='file' device='disk'><source file='/a.img'/>"
        "<target dev='vda' bus='virtio'/></disk><interface type='network'>"
        "<mac address='52:54:00:11:22:33'/><source network='default'/></interface>"
        "<memballoon model='virtio'/></devices>"))
    t.create()
    flush("tun start")
    rec("tun ifaddrs", lambda: t.interfaceAddresses(0))
    rec("tun iothread info", lambda: t.ioThreadInfo(0))
    rec("tun iothread add", lambda: t.addIOThread(3, 0))
    rec("tun iothread add live", lambda: t.addIOThread(4, lib.VIR_DOMAIN_AFFECT_LIVE))
    rec("tun iothread add dup", lambda: t.addIOThread(3, 0))
    rec("tun iothread add 0", lambda: t.addIOThread(0, 0))
    rec("tun iothread pin", lambda: t.pinIOThread(3, (True, False, True), 0))
    rec("tun iothread pin bad", lambda: t.pinIOThread(9, (True,), 0))
    rec("tun iothread info 2", lambda: t.ioThreadInfo(0))
    rec("tun iothread xml", lambda: t.XMLDesc(0))
    rec("tun iothread del", lambda: t.delIOThread(3, 0))
    rec("tun iothread del bad", lambda: t.delIOThread(9, 0))
    rec("tun iothread info cfg", lambda: t.ioThreadInfo(lib.VIR_DOMAIN_AFFECT_CONFIG))
    rec("tun balloon period", lambda: t.setMemoryStatsPeriod(5, 0))
    rec("tun lifecycle", lambda: t.setLifecycleAction(0, 1, 0))
    rec("tun lifecycle bad", lambda: t.setLifecycleAction(0, 4, 0))
    rec("tun perf", lambda: t.setPerfEvents({"cmt": True}, 0))
    rec("tun ifparams set", lambda: t.setInterfaceParameters(
        "testnet0", {"inbound.average": 100, "outbound.average": 200}, 0))
    rec("tun ifparams", lambda: t.interfaceParameters("testnet0", 0))
    rec("tun iotune set", lambda: t.setBlockIoTune("vda", {"total_bytes_sec": 1000}, 0))
    rec("tun iotune set max", lambda: t.setBlockIoTune(
        "vda", {"total_bytes_sec": 1000, "total_bytes_sec_max": 2000}, 0))
    rec("tun iotune", lambda: t.blockIoTune("vda", 0))
    rec("tun iotune conflict", lambda: t.setBlockIoTune("vda", {"read_bytes_sec": 10}, 0))
    rec("tun numa", lambda: t.setNumaParameters({"numa_nodeset": "0-1", "numa_mode": 1},
                                                 lib.VIR_DOMAIN_AFFECT_CONFIG))
    rec("tun numa get", lambda: t.numaParameters(lib.VIR_DOMAIN_AFFECT_CONFIG))
    rec("tun blkio", lambda: t.setBlkioParameters({"weight": 500}, 0))
    rec("tun blkio get", lambda: t.blkioParameters(0))
    rec("tun memparams", lambda: t.setMemoryParameters({"hard_limit": 1048576}, 0))
    rec("tun memparams get", lambda: t.memoryParameters(0))
    rec("tun memparams bad", lambda: t.setMemoryParameters(
        {"hard_limit": 2048, "swap_hard_limit": 1024}, 0))
    rec("tun pinemu", lambda: t.pinEmulator((True, True), 0))
    rec("tun emupininfo", lambda: t.emulatorPinInfo(0))
    rec("tun xml", lambda: t.XMLDesc(0))
    rec("tun xml inactive", lambda: t.XMLDesc(lib.VIR_DOMAIN_XML_INACTIVE))
    rec("tun freeze", lambda: (t.fsFreeze(None, 0), t.fsFreeze(["/"], 0), t.fsThaw(None, 0)))
    rec("tun freeze bad", lambda: t.fsFreeze(["/x"], 0))
    rec("tun sendkey", lambda: t.sendKey(0, 0, [30, 31], 2, 0))
    rec("tun sendkey bad", lambda: t.sendKey(0, 0, [0x7fff], 1, 0))
    rec("tun signal bad", lambda: t.sendProcessSignal(2, 1, 0))
    rec("tun time", lambda: (t.setTime({"seconds": 5000, "nseconds": 1}, 0),
                             t.controlInfo(0), t.getTime(0)))
    rec("tun diskerrors", lambda: t.diskErrors(0))
    rec("tun coredump format", lambda: t.coreDumpWithFormat(os.path.join(TMP, "core"), 1, 0))
    rec("tun memstats", t.memoryStats)
    rec("tun setmem", lambda: t.setMemory(524288))
    rec("tun memstats 2", t.memoryStats)
    rec("tun destroy", t.destroy)
    rec("tun xml after", lambda: t.XMLDesc(0))
    flush("tun end")

    print(json.dumps(STEPS))
    sys.stdout.flush()
    os._exit(0)


if __name__ == "__main__":
    main(sys.argv[1])
