"""Interactive mode: prompt, history and tab completion (readline).

Completion offers command names for the first word, then the options the
command has not been given yet, and for values the objects of the kind
the option names (domain, network, pool, volume, snapshot, ...) as found
on the open connection, or file names.
"""

from __future__ import annotations

import os
from typing import Any

import pyvirt as libvirt
from pyvirt.shell import command as cmdmod
from pyvirt.shell.command import OptType, ParseError, lookup
from pyvirt.shell.index import INDEX

HISTORY_SIZE = 500


def history_path(progname: str) -> str:
    """Where interactive history is kept ($XDG_CACHE_HOME/<prog>/history)."""
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"),
                                                              ".cache")
    return os.path.join(cache, progname, "history")


def run_interactive(shell: Any, progname: str) -> None:
    """Read commands until EOF or ``quit``."""
    try:
        import readline
    except ImportError:  # pragma: no cover - readline is part of CPython on Linux
        readline = None  # type: ignore[assignment]
    history = history_path(progname)
    if readline is not None:
        _setup_readline(readline, shell, history)
    if not shell.out.quiet:
        shell.out.print(f"Welcome to {progname}, the virtualization interactive terminal.\n\n")
        shell.out.print("Type:  'help' for help with commands\n"
                        "       'help <command>' for a command's options\n"
                        "       'quit' to quit\n")
        if readline is not None:
            shell.out.print("       Tab to complete commands, options and names\n")
        shell.out.print("\n")
    line: str | None = ""
    while shell.interactive:
        prompt = f"{progname} {'>' if shell.readonly else '#'} "
        try:
            line = input(prompt)
        except EOFError:
            line = None
            break
        except KeyboardInterrupt:
            shell.out.print("\n")
            continue
        if line.strip():
            shell.run_line(line)
    if line is None:
        shell.out.print("\n")
    if readline is not None:
        try:
            os.makedirs(os.path.dirname(history), exist_ok=True)
            readline.write_history_file(history)
        except OSError as exc:
            shell.out.error(f"Failed to create '{os.path.dirname(history)}': {exc.strerror}")


def _setup_readline(readline: Any, shell: Any, history: str) -> None:
    readline.set_history_length(HISTORY_SIZE)
    try:
        readline.read_history_file(history)
    except OSError:
        pass
    readline.set_completer_delims(" \t\n`@$><=;|&{(")
    readline.set_completer(Completer(shell).complete)
    readline.parse_and_bind("tab: complete")


class Completer:
    """readline completer for commands, options and object names."""

    def __init__(self, shell: Any):
        self.shell = shell
        self.matches: list[str] = []

    def complete(self, text: str, state: int) -> str | None:
        """readline's completion callback."""
        if state == 0:
            import readline

            line = readline.get_line_buffer()[:readline.get_endidx()]
            try:
                self.matches = self.candidates(line, text)
            except Exception:  # noqa: BLE001 - completion must never break the prompt
                self.matches = []
        return self.matches[state] if state < len(self.matches) else None

    def candidates(self, line: str, text: str) -> list[str]:
        """Completions for ``text`` at the end of ``line``."""
        segment = line.rsplit(";", 1)[-1]
        try:
            words = [w for w in cmdmod.tokenize(segment) if w is not cmdmod.SEPARATOR]
        except ParseError:
            words = segment.split()
        if text and words and words[-1] == text:
            words = words[:-1]
        if not words:
            return sorted(name for name in INDEX if name.startswith(text))
        cmd = lookup(words[0])
        if cmd is None:
            return []
        previous = words[-1] if len(words) > 1 else None
        if previous and previous.startswith("--"):
            opt = cmd.option(previous[2:])
            if opt is not None and opt.type is not OptType.BOOL:
                return self.values(opt.complete, text)
        if text.startswith("-"):
            given = {w[2:].split("=")[0] for w in words[1:] if w.startswith("--")}
            return sorted(f"--{opt.name}" for opt in cmd.opts
                          if f"--{opt.name}".startswith(text)
                          and (opt.name not in given or opt.type is OptType.ARGV))
        positional = self._next_positional(cmd, words[1:])
        values = self.values(positional.complete, text) if positional else []
        options = [f"--{opt.name}" for opt in cmd.opts if f"--{opt.name}".startswith(text)]
        return values or sorted(options)

    @staticmethod
    def _next_positional(cmd: Any, words: list[str]) -> Any:
        """The option the next bare word would fill."""
        pending = [opt for opt in cmd.opts if opt.type is not OptType.BOOL and opt.positional]
        skip = False
        for word in words:
            if skip:
                skip = False
                continue
            if word.startswith("--"):
                opt = cmd.option(word[2:].split("=")[0])
                if opt is not None:
                    if opt in pending and opt.type is not OptType.ARGV:
                        pending.remove(opt)
                    skip = opt.type is not OptType.BOOL and "=" not in word
                continue
            if pending and pending[0].type is not OptType.ARGV:
                pending.pop(0)
        return pending[0] if pending else None

    def values(self, kind: str | None, text: str) -> list[str]:
        """Names of objects of ``kind`` that start with ``text``."""
        if kind == "file":
            return _files(text)
        if kind == "command":
            return sorted(name for name in INDEX if name.startswith(text))
        if kind == "event":
            from pyvirt.shell.domain_event import EVENT_TYPES
            return [name for name in EVENT_TYPES if name.startswith(text)]
        listers = {
            "domain": lambda c: [d.name() for d in c.listAllDomains(0)],
            "network": lambda c: [n.name() for n in c.listAllNetworks(0)],
            "pool": lambda c: [p.name() for p in c.listAllStoragePools(0)],
            "vol": lambda c: [v.path() for p in c.listAllStoragePools(
                libvirt.VIR_CONNECT_LIST_STORAGE_POOLS_ACTIVE) for v in p.listAllVolumes(0)],
            "secret": lambda c: [s.UUIDString() for s in c.listAllSecrets(0)],
            "iface": lambda c: [i.name() for i in c.listAllInterfaces(0)],
            "nodedev": lambda c: [d.name() for d in c.listAllDevices(0)],
        }
        lister = listers.get(kind or "")
        if lister is None:
            return []
        try:
            names = lister(self.shell.conn)
        except Exception:  # noqa: BLE001 - no completion rather than an error
            return []
        return sorted(name for name in names if name.startswith(text))


def _files(text: str) -> list[str]:
    directory, _, prefix = text.rpartition("/")
    base = directory or "."
    if text.startswith("/") and not directory:
        base = "/"
    try:
        entries = os.listdir(os.path.expanduser(base))
    except OSError:
        return []
    matches = []
    for entry in sorted(entries):
        if entry.startswith(prefix):
            path = f"{directory}/{entry}" if directory or text.startswith("/") else entry
            if os.path.isdir(os.path.expanduser(path)):
                path += "/"
            matches.append(path)
    return matches
