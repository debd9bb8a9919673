"""lxc-tools container configuration -> domain XML (``domxml-from-native lxc-tools``).

Reads the ``key = value`` lines of an LXC configuration file and maps the
keys libvirt's converter understands: the name (``lxc.uts.name``, or the
older ``lxc.utsname``), the root filesystem (``lxc.rootfs.path`` /
``lxc.rootfs``), bind mounts (``lxc.mount.entry``), tmpfs mounts, and the
memory limit (``lxc.cgroup.memory.limit_in_bytes``, also the memtune hard
limit).  The init is ``/sbin/init``; the features are ``<privnet/>`` (when
no network is configured) and ``<capabilities policy='allow'/>``, as
libvirt writes them.
"""

from __future__ import annotations

import uuid as _uuid

from pyvirt import constants as C
from pyvirt.conf.xmlutil import E, to_string
from pyvirt.errors import report

_FROM = C.VIR_FROM_LXC
_SUFFIX = {"k": 1, "m": 1024, "g": 1024 ** 2, "t": 1024 ** 3}


def parse_config(text: str) -> list[tuple[str, str]]:
    """The (key, value) pairs of an LXC configuration, in order."""
    out = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.partition("=")
        if not sep:
            raise report(C.VIR_ERR_INTERNAL_ERROR,
                         f"failed to parse configuration line '{line}'", _FROM)
        out.append((key.strip(), value.strip()))
    return out


def _memory_kib(value: str) -> int:
    v = value.strip().lower().rstrip("b")
    mult = 1 / 1024
    if v and v[-1] in _SUFFIX:
        mult = _SUFFIX[v[-1]]
        v = v[:-1]
    try:
        return int(int(v) * mult)
    except ValueError:
        raise report(C.VIR_ERR_INTERNAL_ERROR,
                     f"failed to parse memory limit '{value}'", _FROM) from None


def _fs(src: str, target: str, readonly: bool, kind: str = "mount") -> E:
    children = [E("source", [("dir", src)] if kind == "mount" else [("usage", src),
                                                                    ("units", "KiB")]),
                E("target", [("dir", target)])]
    if readonly:
        children.append(E("readonly", keep=True))
    return E("filesystem", [("type", kind), ("accessmode", "passthrough")],
             children=children)


def from_lxc_tools(text: str) -> str:
    """Domain XML for the LXC configuration ``text``."""
    items = parse_config(text)
    get = {k: v for k, v in items}
    name = get.get("lxc.uts.name") or get.get("lxc.utsname")
    if not name:
        raise report(C.VIR_ERR_INTERNAL_ERROR, "missing lxc.uts.name (or lxc.utsname)", _FROM)
    memory = 65536
    if "lxc.cgroup.memory.limit_in_bytes" in get:
        memory = _memory_kib(get["lxc.cgroup.memory.limit_in_bytes"])
    devices: list[E] = []
    rootfs = get.get("lxc.rootfs.path") or get.get("lxc.rootfs")
    if rootfs:
        if ":" in rootfs and not rootfs.startswith("/"):
            rootfs = rootfs.split(":", 1)[1]
        devices.append(_fs(rootfs, "/", False))
    for key, value in items:
        if key != "lxc.mount.entry":
            continue
        fields = value.split()
        if len(fields) < 4:
            continue
        src, dest, fstype, opts = fields[:4]
        target = "/" + dest.lstrip("/")
        readonly = "ro" in opts.split(",")
        if fstype == "tmpfs":
            size = [o[5:] for o in opts.split(",") if o.startswith("size=")]
            kib = _memory_kib(size[0]) if size else memory // 2
            devices.append(_fs(str(kib), target, False, "ram"))
        elif "bind" in opts.split(","):
            devices.append(_fs(src, target, readonly))
    memtune = None
    if "lxc.cgroup.memory.limit_in_bytes" in get:
        memtune = E("memtune", children=[E("hard_limit", [("unit", "KiB")], text=memory)])
    networks = [k for k, _v in items if k.startswith(("lxc.net.", "lxc.network."))
                and k.endswith(".type")]
    features = E("features", children=[
        # no interface of its own: a private network namespace with lo only
        None if networks else E("privnet", keep=True),
        E("capabilities", [("policy", "allow")], keep=True)])
    root = E("domain", [("type", "lxc")], children=[
        E("name", text=name), E("uuid", text=str(_uuid.uuid4())),
        E("memory", [("unit", "KiB")], text=memory),
        E("currentMemory", [("unit", "KiB")], text=memory), memtune,
        E("vcpu", [("placement", "static")], text=1),
        E("os", children=[E("type", text="exe"), E("init", text="/sbin/init")]),
        features, E("clock", [("offset", "utc")]),
        E("on_poweroff", text="destroy"), E("on_reboot", text="restart"),
        E("on_crash", text="destroy"),
        E("devices", children=devices)])
    from pyvirt.conf.domain import DomainDef
    from pyvirt.drivers.lxc.launcher import program_path
    def_ = DomainDef.parse(to_string(root))
    def_.emulator = program_path()      # libvirt names its libvirt_lxc here
    return str(def_.format())
