"""Guest taps on Open vSwitch bridges (``<virtualport type='openvswitch'>``).

As libvirt's virnetdevopenvswitch.c, a tap joins an OVS bridge through
``ovs-vsctl``: one ``add-port`` transaction that also records the guest's
MAC, the port's interface ID and the guest's UUID in the OVS database, with
the ``<vlan>`` (a tag, a trunk, a native VLAN) as port settings; the port
is deleted with ``del-port``.  The argv lists are built here as data.
Without ``ovs-vsctl`` (Debian's ``openvswitch-switch``, which also needs the
kernel's ``openvswitch`` module) the plug fails with an error naming both.
"""

from __future__ import annotations

import os
import shutil
import subprocess

from pyvirt import constants as C
from pyvirt.conf.netcommon import NativeMode, Vlan
from pyvirt.errors import report

OVS_VSCTL = "ovs-vsctl"
TIMEOUT = 5         # libvirt's default (qemu.conf's openvswitch timeout)


def vlan_args(vlan: Vlan | None) -> list[str]:
    """``add-port``'s column settings for ``vlan`` (libvirt's order)."""
    if vlan is None or not vlan.tags:
        return []
    out: list[str] = []
    native = next((t for t in vlan.tags if t.native_mode is not None), None)
    if native is not None:
        mode = "native-tagged" if native.native_mode is NativeMode.TAGGED else "native-untagged"
        out += [f"vlan_mode={mode}", f"tag={native.id}"]
    if vlan.trunk or len(vlan.tags) > 1:
        out.append("trunk=" + ",".join(str(t.id) for t in vlan.tags))
    elif native is None:
        out.append(f"tag={vlan.tags[0].id}")
    return out


def add_port_argv(bridge: str, ifname: str, mac: str, interface_id: str, vm_uuid: str,
                  vlan: Vlan | None = None, profile_id: str | None = None) -> list[str]:
    """The ``ovs-vsctl`` argv that puts tap ``ifname`` on OVS bridge ``bridge``."""
    argv = [OVS_VSCTL, f"--timeout={TIMEOUT}", "--", "--may-exist", "add-port", bridge, ifname,
            *vlan_args(vlan)]
    ids = [f'external-ids:attached-mac="{mac}"', f'external-ids:iface-id="{interface_id}"',
           f'external-ids:vm-id="{vm_uuid}"']
    if profile_id:
        ids.append(f'external-ids:port-profile="{profile_id}"')
    ids.append("external-ids:iface-status=active")
    for item in ids:
        argv += ["--", "set", "Interface", ifname, item]
    return argv


def del_port_argv(ifname: str) -> list[str]:
    """The ``ovs-vsctl`` argv that takes tap ``ifname`` off its OVS bridge."""
    return [OVS_VSCTL, f"--timeout={TIMEOUT}", "--", "--if-exists", "del-port", ifname]


def missing() -> str | None:
    """What Open vSwitch lacks on this host (None: ``ovs-vsctl`` is there)."""
    if shutil.which(OVS_VSCTL):
        return None
    module = "" if os.path.isdir("/sys/module/openvswitch") else \
        " and the kernel's 'openvswitch' module is not loaded"
    return f"'{OVS_VSCTL}' was not found in PATH (package openvswitch-switch){module}"


def add_port(bridge: str, ifname: str, mac: str, interface_id: str, vm_uuid: str,
             vlan: Vlan | None = None, profile_id: str | None = None) -> None:
    """Put tap ``ifname`` on OVS bridge ``bridge``; a clear error when OVS is missing."""
    lack = missing()
    if lack is not None:
        raise report(C.VIR_ERR_CONFIG_UNSUPPORTED, f"Unable to add port {ifname} to OVS "
                     f"bridge {bridge}: Open vSwitch is not available: {lack}", C.VIR_FROM_NONE)
    argv = add_port_argv(bridge, ifname, mac, interface_id, vm_uuid, vlan, profile_id)
    res = subprocess.run(argv, capture_output=True, text=True, timeout=TIMEOUT + 25,
                         check=False)
    if res.returncode != 0:
        raise report(C.VIR_ERR_INTERNAL_ERROR, f"Unable to add port {ifname} to OVS bridge "
                     f"{bridge}: {res.stderr.strip()}", C.VIR_FROM_NONE)


def del_port(ifname: str) -> None:
    """Take tap ``ifname`` off its OVS bridge (nothing without ``ovs-vsctl``)."""
    if missing() is None:
        subprocess.run(del_port_argv(ifname), capture_output=True, timeout=TIMEOUT + 25,
                       check=False)
