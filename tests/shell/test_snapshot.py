"""Snapshot commands."""

from __future__ import annotations

import pytest
from shellcase import check, cmd

THREE = "snapshot-create-as test s1 'first snap'; snapshot-create-as test s2; " \
        "snapshot-create test input/snap.xml; "
# s1 -> s2 -> snapx, then a branch s1 -> s3 -> s4, and s5 under s2
BRANCHES = THREE + "snapshot-revert test s1; snapshot-create-as test s3; " \
                   "snapshot-create-as test s4; snapshot-revert test s2; " \
                   "snapshot-create-as test s5; "
CASES = {
    "create-as": cmd("snapshot-create-as test s1 desc"),
    "create-as-print": cmd("snapshot-create-as test a b --print-xml"),
    "create-as-diskspec": cmd("snapshot-create-as test a b c d,snapshot=external,"
                              "driver=qcow2,file=/x.qcow2 --print-xml"),
    "create-as-memspec": cmd("snapshot-create-as test a --memspec file=/m.save,"
                             "snapshot=external --print-xml"),
    "create-as-bad-memspec": cmd("snapshot-create-as test a --memspec x --print-xml"),
    "create-from-file": cmd("snapshot-create test input/snap.xml"),
    "create-missing-file": cmd("snapshot-create test input/nosuch.xml"),
    "list": cmd(THREE + "snapshot-list test"),
    "list-parent": cmd(THREE + "snapshot-list test --parent"),
    "list-name": cmd(THREE + "snapshot-list test --name"),
    "list-roots": cmd(THREE + "snapshot-list test --roots"),
    "list-leaves": cmd(BRANCHES + "snapshot-list test --leaves"),
    "list-no-leaves": cmd(BRANCHES + "snapshot-list test --no-leaves"),
    "list-tree": cmd(THREE + "snapshot-list test --tree"),
    "list-tree-branches": cmd(BRANCHES + "snapshot-list test --tree"),
    "list-from": cmd(BRANCHES + "snapshot-list test --from s1"),
    "list-from-descendants": cmd(BRANCHES + "snapshot-list test --from s1 --descendants"),
    "list-current-descendants": cmd(BRANCHES + "snapshot-list test --current "
                                               "--descendants --name"),
    "list-tree-from": cmd(BRANCHES + "snapshot-list test --tree --from s1 --descendants"),
    "list-topological": cmd(BRANCHES + "snapshot-list test --topological --name"),
    "list-tree-name": cmd("snapshot-list test --tree --name"),
    "list-descendants-alone": cmd("snapshot-list test --descendants"),
    "list-empty": cmd("snapshot-list test"),
    "current": cmd(THREE + "snapshot-current test --name"),
    "current-xml": cmd(THREE + "snapshot-current test"),
    "current-none": cmd("snapshot-current test"),
    "current-set": cmd(THREE + "snapshot-current test s1; snapshot-current test --name"),
    "info": cmd(THREE + "snapshot-info test s1"),
    "info-current": cmd(THREE + "snapshot-info test --current"),
    "info-missing": cmd("snapshot-info test nope"),
    "info-none": cmd("snapshot-info test"),
    "info-exclusive": cmd(THREE + "snapshot-info test s1 --current"),
    "dumpxml": cmd(THREE + "snapshot-dumpxml test s1"),
    "dumpxml-xpath": cmd(THREE + "snapshot-dumpxml test s2 --xpath //parent"),
    "dumpxml-missing-name": cmd("snapshot-dumpxml test"),
    "parent": cmd(THREE + "snapshot-parent test s2; snapshot-parent test s1"),
    "parent-current": cmd(THREE + "snapshot-parent test --current"),
    "revert": cmd(THREE + "destroy test; snapshot-revert test s1; domstate test --reason"),
    "revert-paused": cmd(THREE + "snapshot-revert test s2 --paused; domstate test"),
    "delete": cmd(THREE + "snapshot-delete test s2; snapshot-list test --tree"),
    "delete-children": cmd(THREE + "snapshot-delete test s1 --children; "
                                   "snapshot-list test"),
    "delete-children-only": cmd(THREE + "snapshot-delete test s1 --children-only; "
                                        "snapshot-list test --name"),
    "delete-current": cmd(THREE + "snapshot-delete test --current; snapshot-list test --name"),
    "delete-metadata": cmd(THREE + "snapshot-delete test s2 --metadata"),
    "quiet": ["-q", "-c", "test:///default", THREE + "snapshot-list test --name"],
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_snapshot(name: str) -> None:
    check("snapshot", name, CASES[name])


# snapshot-edit and checkpoint-edit, with a sed script as the editor
# (run from tests/data/shell as the cases are): name -> (editor, argv)
CHK = "checkpoint-create-as test c1 first; "
EDITS = {
    "edit-changed": ("sed -i -f input/edit-description.sed",
                     cmd("snapshot-create-as test s1 first; snapshot-edit test s1; "
                         "snapshot-dumpxml test s1 --xpath //description")),
    "edit-unchanged": ("true", cmd(THREE + "snapshot-edit test --current")),
    "edit-rename-refused": ("sed -i -f input/edit-name.sed",
                            cmd(THREE + "snapshot-edit test s1; snapshot-list test --name")),
    "edit-rename": ("sed -i -f input/edit-name.sed",
                    cmd(THREE + "snapshot-edit test s1 --rename; snapshot-list test --name")),
    "edit-clone": ("sed -i -f input/edit-name.sed",
                   cmd(THREE + "snapshot-edit test s1 --clone --current; "
                       "snapshot-list test --name; snapshot-current test --name")),
    "edit-rename-clone": ("true", cmd(THREE + "snapshot-edit test s1 --rename --clone")),
    "checkpoint-edit-changed": ("sed -i -f input/edit-description.sed",
                                cmd(CHK + "checkpoint-edit test c1; checkpoint-dumpxml test "
                                    "c1 --xpath //description")),
    "checkpoint-edit-unchanged": ("true", cmd(CHK + "checkpoint-edit test c1")),
    "checkpoint-edit-rename": ("sed -i -f input/edit-name.sed",
                               cmd(CHK + "checkpoint-edit test c1; "
                                   "checkpoint-list test --name")),
    "checkpoint-edit-missing": ("true", cmd("checkpoint-edit test c1")),
}


@pytest.mark.parametrize("name", sorted(EDITS))
def test_edit(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    editor, argv = EDITS[name]
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.setenv("EDITOR", editor)
    check("snapshot", name, argv)
