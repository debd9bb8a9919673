"""Snapshot and checkpoint trees of a domain (libvirt's virdomainmomentobjlist).

Shared by every hypervisor driver: a :class:`MomentList` holds a domain's
snapshots (or checkpoints) by name, linked into a tree by their parent
names, with one current moment.  :func:`select`, :func:`delete_moment`,
:func:`check_cycles` and :func:`snapshot_filter` are libvirt's listing,
deletion and redefinition rules over such a tree.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from pyvirt import constants as C
from pyvirt.errors import report

_FROM_DOM = C.VIR_FROM_DOMAIN


class Moment:
    """A snapshot or checkpoint: its definition and place in the tree."""

    __slots__ = ("children", "def_", "dom", "name", "parent")

    def __init__(self, def_: Any, dom: Any = None) -> None:
        self.def_ = def_
        self.dom = dom  # the domain definition to revert to (None: unknown)
        self.name: str = def_.name
        self.parent: Moment | None = None
        self.children: list[Moment] = []

    def descendants(self) -> list[Moment]:
        """All moments below this one, depth first (parents before children)."""
        out: list[Moment] = []
        stack = list(reversed(self.children))
        while stack:
            node = stack.pop()
            out.append(node)
            stack.extend(reversed(node.children))
        return out


class MomentHandle:
    """A snapshot or checkpoint as the API holds it: its name and its domain."""

    __slots__ = ("domain", "name")

    def __init__(self, name: str, domain: Any) -> None:
        self.name = name
        self.domain = domain

    def __repr__(self) -> str:
        return f"<MomentHandle {self.name} of {self.domain.name}>"


class MomentList:
    """The snapshots (or checkpoints) of one domain, by name, with a current one."""

    __slots__ = ("by_name", "current")

    def __init__(self) -> None:
        self.by_name: dict[str, Moment] = {}
        self.current: Moment | None = None

    def __len__(self) -> int:
        return len(self.by_name)

    def add(self, moment: Moment) -> None:
        """Add ``moment`` and link it under its parent (by the parent's name)."""
        self.by_name[moment.name] = moment
        self.link(moment)

    def link(self, moment: Moment) -> None:
        """Attach ``moment`` below the moment its definition names as parent."""
        parent = self.by_name.get(moment.def_.parent_name or "")
        moment.parent = parent
        if parent is not None and moment not in parent.children:
            parent.children.insert(0, moment)  # libvirt lists the newest child first

    def remove(self, moment: Moment) -> None:
        """Drop ``moment`` (not its children) from the list."""
        self.by_name.pop(moment.name, None)
        if moment.parent is not None and moment in moment.parent.children:
            moment.parent.children.remove(moment)
        moment.parent = None
        if self.current is moment:
            self.current = None

    def relink(self) -> None:
        """Rebuild every parent/child link from the definitions' parent names."""
        for moment in self.by_name.values():
            moment.parent = None
            moment.children = []
        for moment in self.by_name.values():
            self.link(moment)

    def roots(self) -> list[Moment]:
        """Moments without a parent, newest first (libvirt's order)."""
        return [m for m in reversed(self.by_name.values()) if m.parent is None]

    def topological(self) -> list[Moment]:
        """Every moment, each after its parent."""
        out: list[Moment] = []
        for root in self.roots():
            out.append(root)
            out.extend(root.descendants())
        return out


def _pair(flags: int, yes: int, no: int, value: bool) -> bool:
    want = flags & (yes | no)
    return want in (0, yes | no) or (value if want == yes else not value)


def is_external(sdef: Any) -> bool:
    """True when a snapshot definition puts its memory or a disk in external files."""
    from pyvirt.conf.snapshot import SnapshotLocation
    return sdef.memory is SnapshotLocation.EXTERNAL or any(
        d.snapshot is SnapshotLocation.EXTERNAL for d in sdef.disks)


def snapshot_filter(moment: Moment, flags: int, has_metadata: bool = True) -> bool:
    """libvirt's snapshot list filters (leaves, metadata, state, location)."""
    from pyvirt.conf.snapshot import SnapshotState
    if not _pair(flags, C.VIR_DOMAIN_SNAPSHOT_LIST_LEAVES, C.VIR_DOMAIN_SNAPSHOT_LIST_NO_LEAVES,
                 not moment.children):
        return False
    if not _pair(flags, C.VIR_DOMAIN_SNAPSHOT_LIST_METADATA,
                 C.VIR_DOMAIN_SNAPSHOT_LIST_NO_METADATA, has_metadata):
        return False
    states = flags & (C.VIR_DOMAIN_SNAPSHOT_LIST_INACTIVE | C.VIR_DOMAIN_SNAPSHOT_LIST_ACTIVE
                      | C.VIR_DOMAIN_SNAPSHOT_LIST_DISK_ONLY)
    if states:
        state = moment.def_.state
        if state is SnapshotState.SHUTOFF:
            bit = C.VIR_DOMAIN_SNAPSHOT_LIST_INACTIVE
        elif state is SnapshotState.DISK_SNAPSHOT:
            bit = C.VIR_DOMAIN_SNAPSHOT_LIST_DISK_ONLY
        else:
            bit = C.VIR_DOMAIN_SNAPSHOT_LIST_ACTIVE
        if not states & bit:
            return False
    locations = flags & (C.VIR_DOMAIN_SNAPSHOT_LIST_INTERNAL
                         | C.VIR_DOMAIN_SNAPSHOT_LIST_EXTERNAL)
    if locations:
        bit = (C.VIR_DOMAIN_SNAPSHOT_LIST_EXTERNAL if is_external(moment.def_)
               else C.VIR_DOMAIN_SNAPSHOT_LIST_INTERNAL)
        if not locations & bit:
            return False
    return True


def checkpoint_filter(moment: Moment, flags: int) -> bool:
    """libvirt's checkpoint list filters (leaves or not)."""
    return _pair(flags, C.VIR_DOMAIN_CHECKPOINT_LIST_LEAVES,
                 C.VIR_DOMAIN_CHECKPOINT_LIST_NO_LEAVES, not moment.children)


def select(moments: MomentList, start: Moment | None, flags: int, descend_flag: int,
           topo_flag: int, keep: Callable[[Moment, int], bool]) -> list[Moment]:
    """The moments of a list (or below ``start``) that ``flags`` select, in
    creation order (parents first with the topological flag)."""
    if start is None:
        if flags & descend_flag:
            items: Iterable[Moment] = moments.roots()
        elif flags & topo_flag:
            items = moments.topological()
        else:
            items = moments.by_name.values()
    elif flags & descend_flag:
        items = start.descendants()
    else:
        items = start.children
    return [m for m in items if keep(m, flags)]


def delete_moment(moments: MomentList, moment: Moment, flags: int, children: int,
                  children_only: int) -> None:
    """Remove ``moment`` (and/or its descendants) from the tree, relinking its
    children to its parent and moving the current mark as libvirt does."""
    if flags & (children | children_only):
        removed_current = False
        for child in moment.descendants():
            removed_current |= moments.current is child
            moments.remove(child)
        if removed_current:
            moments.current = moment
    elif moment.children:
        parent = moment.parent
        for child in moment.children:
            child.def_.parent_name = parent.name if parent is not None else None
            child.parent = parent
        if parent is not None:  # the children go first in the parent's list
            parent.children[:0] = moment.children
        moment.children = []
    if flags & children_only:
        moment.children = []
        return
    was_current = moments.current is moment
    parent = moment.parent
    moments.remove(moment)
    if was_current:
        moments.current = parent


def check_cycles(moments: MomentList, name: str, parent_name: str | None, what: str) -> None:
    """A redefined moment's parent must exist and must not be the moment itself."""
    if parent_name is None:
        return
    if parent_name == name:
        raise report(C.VIR_ERR_INVALID_ARG, f"{what} {name} cannot be its own parent",
                     _FROM_DOM)
    if parent_name not in moments.by_name:
        raise report(C.VIR_ERR_INVALID_ARG,
                     f"parent {parent_name} for {what} {name} not found", _FROM_DOM)


__all__ = ["Moment", "MomentHandle", "MomentList", "check_cycles", "checkpoint_filter", "delete_moment",
           "is_external", "select", "snapshot_filter"]
