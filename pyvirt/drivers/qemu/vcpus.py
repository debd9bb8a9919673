"""Live vCPU hotplug and unplug through QEMU's CPU devices.

QEMU lists the CPU slots of a machine with ``query-hotpluggable-cpus``:
each entry has a device type, topology properties (socket/core/thread) and,
when a CPU sits in it, a ``qom-path``.  As libvirt does, a slot is numbered
by its position in topology order; a CPU is plugged with ``device_add`` of
that type and those properties under the id ``vcpuN``, and unplugged with
``device_del`` of that id once the guest lets go (``DEVICE_DELETED``).
CPUs QEMU started with (``-smp N``) are not devices and cannot be unplugged.
"""

from __future__ import annotations

import time
from typing import Any

from pyvirt import constants as C
from pyvirt.drivers.qemu.domobj import DomainObj
from pyvirt.errors import report

_FROM = C.VIR_FROM_QEMU

# How long an unplug waits for the guest to release a CPU (libvirt: 5 s).
UNPLUG_WAIT = 5.0

_TOPOLOGY = ("socket-id", "die-id", "cluster-id", "core-id", "thread-id")


def slots(mon: Any) -> list[dict]:
    """QEMU's CPU slots in topology order (libvirt's vCPU numbering)."""
    entries = mon.execute("query-hotpluggable-cpus")
    return sorted(entries, key=lambda e: tuple(e.get("props", {}).get(k, 0) for k in _TOPOLOGY))


def alias(index: int) -> str:
    """The device id of hotplugged vCPU ``index``."""
    return f"vcpu{index}"


def _is_hotplugged(slot: dict, index: int) -> bool:
    return str(slot.get("qom-path", "")) == f"/machine/peripheral/{alias(index)}"


def online(mon: Any) -> set[int]:
    """The vCPU numbers that have a CPU now."""
    return {i for i, s in enumerate(slots(mon)) if "qom-path" in s}


def states(mon: Any) -> list[tuple[bool, bool]]:
    """(online, hotpluggable) of every vCPU slot, by vCPU number."""
    return [("qom-path" in s, "qom-path" not in s or _is_hotplugged(s, i))
            for i, s in enumerate(slots(mon))]


def plug(mon: Any, index: int, slot: dict) -> None:
    """Add a CPU in ``slot`` as vCPU ``index``."""
    args = {"driver": slot["type"], "id": alias(index)}
    args.update(slot.get("props", {}))
    args.pop("node-id", None)
    mon.execute("device_add", args)


def unplug(vm: DomainObj, mon: Any, index: int) -> None:
    """Ask the guest to release vCPU ``index`` and wait for QEMU to remove it."""
    name = alias(index)
    with vm.lock:
        vm.deleted_devices.discard(name)
    mon.execute("device_del", {"id": name})
    deadline = time.monotonic() + UNPLUG_WAIT
    with vm.lock:
        while name not in vm.deleted_devices:
            left = deadline - time.monotonic()
            if left <= 0:
                raise report(C.VIR_ERR_OPERATION_TIMEOUT,
                             "vcpu unplug request timed out. Unplug result must be "
                             "manually inspected in the domain", _FROM)
            vm.device_cond.wait(left)
        vm.deleted_devices.discard(name)


def set_count(vm: DomainObj, mon: Any, nvcpus: int) -> int:
    """Plug or unplug CPUs until ``nvcpus`` are online; return the count QEMU reports.

    The whole change is checked before the first step: growing takes the
    first empty slots, shrinking the highest hotplugged CPUs; when there are
    not enough of those, libvirt's granularity error.
    """
    table = slots(mon)
    present = [i for i, s in enumerate(table) if "qom-path" in s]
    if nvcpus > len(present):
        todo = [i for i, s in enumerate(table) if "qom-path" not in s][:nvcpus - len(present)]
        if len(present) + len(todo) != nvcpus:
            raise _granularity()
        for i in todo:
            plug(mon, i, table[i])
    elif nvcpus < len(present):
        removable = [i for i in reversed(present) if _is_hotplugged(table[i], i)]
        todo = removable[:len(present) - nvcpus]
        if len(present) - len(todo) != nvcpus:
            raise _granularity()
        for i in todo:
            unplug(vm, mon, i)
    return len(online(mon))


def set_one(vm: DomainObj, mon: Any, indexes: set[int], enable: bool) -> None:
    """Plug (``enable``) or unplug the vCPUs ``indexes`` (virDomainSetVcpu)."""
    table = slots(mon)
    for i in sorted(indexes):
        if i >= len(table):
            raise report(C.VIR_ERR_INVALID_ARG, f"vcpu {i} is not present in live config",
                         _FROM)
        if enable == ("qom-path" in table[i]):
            continue
        if not enable and not _is_hotplugged(table[i], i):
            raise report(C.VIR_ERR_OPERATION_UNSUPPORTED, f"vcpu '{i}' can't be unplugged",
                         _FROM)
    for i in sorted(indexes, reverse=not enable):
        if enable and "qom-path" not in table[i]:
            plug(mon, i, table[i])
        elif not enable and "qom-path" in table[i]:
            unplug(vm, mon, i)


def _granularity() -> Exception:
    return report(C.VIR_ERR_INVALID_ARG,
                  "target vm vcpu granularity does not allow the desired vcpu count", _FROM)


# --- the persistent <vcpus> list (virDomainSetVcpu with VIR_DOMAIN_AFFECT_CONFIG) -------------

def config_table(def_: Any) -> list[Any]:
    """Every vCPU of ``def_`` as a filled VcpuInfo (ids 0..max-1), as libvirt keeps them:
    without a ``<vcpus>`` list the first ``current`` are online, and an offline
    vCPU is hotpluggable, an online one not."""
    from pyvirt.conf.domain_cpu import VcpuInfo
    current = def_.vcpus if def_.vcpus is not None else def_.max_vcpus
    listed = {info.id: info for info in def_.vcpu_info}
    table = []
    for i in range(def_.max_vcpus):
        old = listed.get(i)
        enabled = old.enabled if old is not None and old.enabled is not None else i < current
        hotpluggable = (old.hotpluggable if old is not None and old.hotpluggable is not None
                        else not enabled)
        table.append(VcpuInfo(id=i, enabled=enabled, hotpluggable=hotpluggable,
                              order=old.order if old is not None else None))
    return table


def check_config(def_: Any, indexes: set[int]) -> None:
    """Raise libvirt's VIR_ERR_INVALID_ARG when the vCPUs ``indexes`` of the persistent
    ``def_`` cannot change state: vCPU 0, or one followed by an online vCPU that is
    not hotpluggable and not changed with it."""
    if 0 in indexes:
        raise report(C.VIR_ERR_INVALID_ARG, "vCPU '0' can't be modified", _FROM)
    first = min(indexes)
    for info in config_table(def_)[first + 1:]:
        if info.id not in indexes and info.enabled and not info.hotpluggable:
            raise report(C.VIR_ERR_INVALID_ARG, f"vcpu '{first}' can't be modified as it is "
                         "followed by non-hotpluggable online vcpus", _FROM)


def set_config(def_: Any, indexes: set[int], enable: bool) -> None:
    """Enable or disable the vCPUs ``indexes`` in ``def_``'s ``<vcpus>`` list (written
    from then on); they become hotpluggable and the vCPU order is dropped."""
    table = config_table(def_)
    for info in table:
        info.order = None
        if info.id in indexes:
            info.enabled = enable
            info.hotpluggable = True
    def_.vcpu_info = table
    def_.vcpus = sum(1 for info in table if info.enabled)
