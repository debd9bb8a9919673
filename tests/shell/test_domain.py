"""Domain lifecycle commands: define, start, stop, save/restore, memory, vCPUs."""

from __future__ import annotations

import os

import pytest
from shellcase import check, cmd, own_path

SAVE = "/tmp/pyvirsh-test-domain.sav"       # as the expected files record it
OWN_SAVE = own_path(SAVE)                   # what this run saves to
DEFINE = "define input/dom.xml; "
CASES = {
    "define": cmd("define input/dom.xml"),
    "define-validate": cmd("define input/dom.xml --validate; list --all"),
    "define-missing-file": cmd("define input/nosuch.xml"),
    "define-bad-xml": cmd("define input/vol.xml"),
    "undefine": cmd(DEFINE + "undefine vm1; list --all"),
    "undefine-running": cmd("undefine test; list --all"),
    "undefine-managed-save": cmd("managedsave test; undefine test --managed-save; "
                                 "list --all"),
    "undefine-snapshots": cmd(DEFINE + "snapshot-create-as vm1 s1; "
                                       "undefine vm1 --snapshots-metadata; list --all"),
    "undefine-nvram": cmd(DEFINE + "undefine vm1 --nvram"),
    "undefine-keep-nvram": cmd(DEFINE + "undefine vm1 --keep-nvram"),
    "undefine-nvram-exclusive": cmd(DEFINE + "undefine vm1 --nvram --keep-nvram"),
    "undefine-remove-all-storage": cmd(DEFINE + "undefine vm1 --remove-all-storage"),
    "create": cmd("create input/dom.xml; list --all"),
    "domxml-to-native-unsupported": cmd("domxml-to-native qemu-argv input/dom.xml"),
    "domxml-to-native-no-input": cmd("domxml-to-native qemu-argv"),
    "domxml-to-native-both": cmd("domxml-to-native qemu-argv input/dom.xml --domain test"),
    "create-paused": cmd("create input/dom.xml --paused; domstate vm1 --reason"),
    "start": cmd(DEFINE + "start vm1; list --all"),
    "start-paused": cmd(DEFINE + "start vm1 --paused; domstate vm1 --reason"),
    "start-active": cmd("start test"),
    "start-by-id": cmd("start 1"),
    "shutdown": cmd("shutdown test; domstate test --reason"),
    "shutdown-bad-mode": cmd("shutdown test --mode bogus"),
    "reboot": cmd("reboot test"),
    "reset": cmd("reset test"),
    "destroy": cmd("destroy test; domstate test --reason"),
    "destroy-graceful": cmd("destroy test --graceful"),
    "destroy-inactive": cmd("destroy test; destroy test"),
    "suspend-resume": cmd("suspend test; domstate test --reason; resume test; "
                          "domstate test --reason"),
    "resume-running": cmd("resume test"),
    "lifecycle-quiet": ["-q", "-c", "test:///default",
                        "destroy test; start test; suspend test; resume test"],
    "save-restore": cmd(f"save test {SAVE}; list --all; restore {SAVE}; list --all"),
    "save-running-paused": cmd(f"save test {SAVE} --paused; restore {SAVE}; "
                               "domstate test --reason"),
    "save-inactive": cmd(f"destroy test; save test {SAVE}"),
    "save-image-dumpxml": cmd(f"save test {SAVE}; save-image-dumpxml {SAVE}"),
    "save-image-dumpxml-xpath": cmd(f"save test {SAVE}; save-image-dumpxml {SAVE} "
                                    "--xpath //name"),
    "restore-missing": cmd("restore /nonexistent/pyvirsh.sav"),
    "managedsave": cmd("managedsave test; dominfo test; start test; dominfo test"),
    "managedsave-remove": cmd("managedsave test; managedsave-remove test; "
                              "managedsave-remove test"),
    "autostart": cmd("autostart test; dominfo test; autostart test --disable; "
                     "dominfo test"),
    "setmem": cmd("setmem test 1024; dominfo test"),
    "setmem-scaled": cmd("setmem test 1G; dominfo test"),
    "setmem-config": cmd("setmem test --size 512M --config; dumpxml test --inactive "
                         "--xpath //currentMemory"),
    "setmem-malformed": cmd("setmem test lots"),
    "setmem-bad-suffix": cmd("setmem test 10Q"),
    "setmem-overflow": cmd("setmem test 99999999999T"),
    "setmaxmem-live": cmd("setmaxmem test 4G"),
    "setmaxmem-config": cmd("setmaxmem test 4G --config; dumpxml test --inactive "
                            "--xpath //memory"),
    "setmaxmem-inactive": cmd(DEFINE + "setmaxmem vm1 2G; dominfo vm1"),
    "setvcpus": cmd("setvcpus test 1; vcpucount test"),
    "setvcpus-zero": cmd("setvcpus test 0"),
    "setvcpus-maximum": cmd("setvcpus test 1 --maximum"),
    "setvcpus-maximum-config": cmd("setvcpus test 1 --maximum --config; vcpucount test"),
    "migrate-unsupported": cmd("migrate test test:///default --p2p"),
}


@pytest.fixture(autouse=True)
def _clean_save_file():
    yield
    if os.path.exists(OWN_SAVE):
        os.unlink(OWN_SAVE)


@pytest.mark.parametrize("name", sorted(CASES))
def test_domain(name: str) -> None:
    check("domain", name, CASES[name], paths={SAVE: OWN_SAVE})
