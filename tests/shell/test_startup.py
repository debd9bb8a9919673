"""Cheap to start: what ``import pyvirt`` and one pyvirsh command load.

Structural, not timed: each case runs in a fresh interpreter and looks at
``sys.modules`` afterwards, so it fails when an import pulls in a driver,
the XML model, every shell command or a heavy library up front.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from shellcase import run_pyvirsh

from pyvirt.shell.index import INDEX

ROOT = Path(__file__).resolve().parents[2]

# Modules that a script importing pyvirt has not asked for yet.
HEAVY = ("pyvirt.api", "pyvirt.driver", "pyvirt.drivers", "pyvirt.conf", "pyvirt.shell",
         "pyvirt.rpc", "pyvirt.daemon", "pyvirt.util.eventloop", "lxml", "rich", "asyncio",
         "qemu", "dataclasses")

_PRELUDE = "import sys\n"  # nothing else: the check is what the code imports
_MODULES = "\nprint(sorted(sys.modules))\n"


def _modules_after(code: str) -> tuple[set[str], str]:
    """Run ``code`` in a fresh interpreter; the modules it left loaded and its output."""
    proc = subprocess.run([sys.executable, "-c", _PRELUDE + code + _MODULES], cwd=ROOT,
                          capture_output=True, text=True, timeout=60, check=True)
    *printed, last = proc.stdout.splitlines()
    return set(ast.literal_eval(last)), "\n".join(printed)


def _loaded(modules: set[str], prefix: str) -> list[str]:
    return sorted(m for m in modules if m == prefix or m.startswith(prefix + "."))


def test_import_pyvirt_loads_no_driver_model_shell_or_heavy_library() -> None:
    modules, _ = _modules_after("import pyvirt")
    assert {prefix: _loaded(modules, prefix) for prefix in HEAVY} == \
        {prefix: [] for prefix in HEAVY}


def test_lazy_names_behave_as_libvirt_python() -> None:
    code = ("import pyvirt as libvirt\n"
            "print(libvirt.VIR_DOMAIN_RUNNING, libvirt.virDomain.__name__,\n"
            "      issubclass(libvirt.libvirtError, Exception), libvirt.open.__name__,\n"
            "      libvirt.libvirtmod.__name__, 'virConnect' in dir(libvirt))\n"
            "libvirt.install_as_libvirt()\n"
            "import libvirt as again, libvirtaio, libvirtmod\n"
            "print(again is libvirt, again.virConnect.__name__, libvirtmod.__name__)\n"
            "ns = {}\n"
            "exec('from pyvirt import *', ns)\n"
            "print(all(n in ns for n in ('open', 'virStream', 'virEventRegisterImpl',\n"
            "                            'VIR_DOMAIN_RUNNING', 'libvirtError')))")
    _, out = _modules_after(code)
    assert out.splitlines() == [
        "1 virDomain True open pyvirt.libvirtmod True",
        "True virConnect pyvirt.libvirtmod",
        "True"]


def test_missing_attribute_is_an_attribute_error() -> None:
    _, out = _modules_after("import pyvirt\nprint(hasattr(pyvirt, 'virNoSuchThing'))")
    assert out == "False"


def test_test_default_parses_its_xml_families_on_first_use() -> None:
    code = ("import pyvirt\n"
            "conn = pyvirt.open('test:///default')\n"
            "print([(d.ID(), d.name(), d.state()) for d in conn.listAllDomains()])\n"
            "print(sorted(m for m in sys.modules if m.startswith('pyvirt.conf')))\n"
            "print(conn.listNetworks(), conn.lookupByName('test').XMLDesc().count('<disk'))")
    modules, out = _modules_after(code)
    listed, before, after = out.splitlines()
    assert listed == "[(1, 'test', [1, 0])]"  # running (unknown), as libvirt's
    assert before == "[]"
    assert after == "['default'] 1"
    assert "pyvirt.conf.domain" in modules and "pyvirt.conf.network" in modules
    assert _loaded(modules, "pyvirt.drivers.qemu") == []
    assert _loaded(modules, "pyvirt.drivers.remote") == []


def _shell_modules(argv: list[str], absent: tuple[str, ...] = ()) -> set[str]:
    """The pyvirt.shell modules a pyvirsh run leaves loaded; none of ``absent``."""
    modules, _ = _modules_after(
        "import contextlib, io\n"
        "from pyvirt.shell.main import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        f"    assert main({argv!r}) == 0\n")
    assert {prefix: _loaded(modules, prefix) for prefix in absent} == \
        {prefix: [] for prefix in absent}
    return {m.rsplit(".", 1)[-1] for m in modules if m.startswith("pyvirt.shell.")}


COMMAND_MODULES = {entry[2] for entry in INDEX.values()} - {"main"}


def test_a_command_imports_only_its_own_module() -> None:
    # and parses no XML, builds no event loop, dataclass or JSON coder on the way
    absent = ("pyvirt.conf", "pyvirt.util.eventloop", "dataclasses", "json", "uuid",
              "lxml", "pyvirt.drivers.qemu", "pyvirt.drivers.remote", "rich")
    loaded = _shell_modules(["-c", "test:///default", "list"], absent)
    assert INDEX["list"][2] in loaded
    assert sorted(loaded & COMMAND_MODULES) == [INDEX["list"][2]]


def test_help_lists_every_command_without_importing_them() -> None:
    # nor, since they open no connection, the API, drivers or the event loop
    absent = ("pyvirt.api", "pyvirt.driver", "pyvirt.drivers", "pyvirt.util.eventloop")
    for argv in (["help"], ["--help"], ["help", "network"]):
        assert _shell_modules(argv, absent) & COMMAND_MODULES == set(), argv


def test_command_index_is_up_to_date() -> None:
    proc = subprocess.run([sys.executable, str(ROOT / "tools" / "gen_shell_index.py"),
                           "--check"], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_usage_names_the_uris_the_system_socket_and_every_command() -> None:
    result = run_pyvirsh(["--help"])
    assert result.rc == 0 and result.err == ""
    text = result.out
    for needed in ("test:///default", "qemu:///embed?root=DIR", "qemu:///system",
                   "qemu:///session", "$PYVIRT_SYSTEM_SOCKET", "/run/pyvirt/libvirt-sock",
                   "/etc/pyvirt/pyvirtd.conf", "$LIBVIRT_DEFAULT_URI", "+unix", "+ssh"):
        assert needed in text, needed
    for name, (_group, help_line, _module) in INDEX.items():
        assert f"    {name:<30} {help_line}\n" in text, name
    assert text.endswith("(specify help <command> for details about the command)\n\n")


def test_first_screen_says_how_to_get_help_and_complete() -> None:
    proc = subprocess.run([sys.executable, "-m", "pyvirt.shell.main", "-c", "test:///default"],
                          input="quit\n", capture_output=True, text=True, timeout=60,
                          check=False, cwd=ROOT)
    assert proc.returncode == 0 and proc.stderr == ""
    assert proc.stdout.startswith(
        "Welcome to pyvirsh, the virtualization interactive terminal.\n\n"
        "Type:  'help' for help with commands\n"
        "       'help <command>' for a command's options\n"
        "       'quit' to quit\n"
        "       Tab to complete commands, options and names\n\n"
        "pyvirsh # ")


def test_every_command_has_a_description_naming_only_its_own_options() -> None:
    import re

    from pyvirt.shell import command
    from pyvirt.shell.descriptions import DESCRIPTIONS

    command.load_all()
    assert sorted(DESCRIPTIONS) == sorted(INDEX)
    wrong = {}
    for name, text in DESCRIPTIONS.items():
        cmd = command.lookup(name)
        assert cmd is not None
        named = set(re.findall(r"--([a-z][a-z0-9-]*)", text))
        unknown = sorted(opt for opt in named if cmd.option(opt) is None)
        if unknown:
            wrong[name] = unknown
    assert wrong == {}


def test_command_help_shows_the_description_wrapped() -> None:
    result = run_pyvirsh(["help", "destroy"])
    assert result.rc == 0
    assert "  DESCRIPTION\n    Stop a running domain at once, like pulling the power plug." \
        in result.out
    assert all(len(line) <= 80 for line in result.out.split("  OPTIONS")[0].splitlines())


def test_listing_an_embedded_qemu_root_loads_no_xml_model_or_qmp(tmp_path: Path) -> None:
    root = tmp_path / "root"
    code = ("import pyvirt\n"
            f"conn = pyvirt.open('qemu:///embed?root={root}')\n"
            "print(conn.listAllDomains())\n"
            "conn.close()")
    modules, out = _modules_after(code)
    assert out == "[]"
    assert _loaded(modules, "pyvirt.conf.domain") == []
    assert _loaded(modules, "asyncio") == _loaded(modules, "qemu") == []
    assert _loaded(modules, "pyvirt.drivers.remote") == []


def test_test_default_knows_its_domains_and_node_facts_without_parsing() -> None:
    """The names, UUIDs and node facts assumed before the built-in document is
    parsed are the document's."""
    from pyvirt.drivers.test import state as statemod

    root = statemod.parse_document(statemod.DEFAULT_NODE_XML, "test", 0)
    domains = tuple((d.findtext("name"), d.findtext("uuid")) for d in root.findall("domain"))
    assert domains == statemod.DEFAULT_DOMAINS
    parsed = statemod.NodeState("/x")
    statemod._load_node_info(parsed, root)
    assert vars(parsed.node_info) == vars(statemod.NodeInfo())
