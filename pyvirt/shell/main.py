"""pyvirsh's entry point: global options, the command loop, interactive mode.

``pyvirsh [-c URI] [-r] [-q] COMMAND [ARGS]`` runs one command (or, given a
single word, a ``;``-separated command string) and exits 0 when the last
command succeeded, 1 otherwise; with no command it starts an interactive
shell with history and tab completion.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Sequence
from typing import IO, Any

import pyvirt as libvirt
from pyvirt.shell import command as cmdmod
from pyvirt.shell.command import (
    GROUPS,
    Args,
    CmdError,
    OptType,
    ParseError,
    command,
    flag,
    group,
    lookup,
    string,
)
from pyvirt.shell.index import INDEX
from pyvirt.shell.output import JSON_SCHEMA, Printer

PROGNAME = "pyvirsh"
VIRSH = group("virsh", "Virsh itself")

USAGE = """\
{prog} [options]... [<command_string>]
{prog} [options]... <command> [args...]

  options:
    -c | --connect=URI      hypervisor connection URI (default: $LIBVIRT_DEFAULT_URI)
    -h | --help             this help
    -q | --quiet            quiet mode
    -r | --readonly         connect readonly
    -v                      short version
    -V                      long version
         --version[=TYPE]   version, TYPE is short or long (default short)
    -d, -e, -k, -K, -l, -t  accepted as virsh takes them, and ignored

  connection URIs:
    test:///default         libvirt's mock hypervisor, in memory, in this process
    test:///PATH.xml        the mock hypervisor, loaded from a <node> file
    qemu:///embed?root=DIR  QEMU guests, all state under DIR, in this process
    qemu:///system          the system pyvirtd: socket $PYVIRT_SYSTEM_SOCKET, else
                            {system_sock}
                            (or unix_sock_dir in {system_config});
                            with no daemon answering, served in this process
    qemu:///session         a per-user pyvirtd, started on demand (for root only
                            with PYVIRT_SESSION_AUTOSTART=1): socket
                            $XDG_RUNTIME_DIR/pyvirt/libvirt-sock, else
                            ~/.cache/pyvirt/run/libvirt-sock
    DRIVER+unix:///PATH?socket=SOCKET
                            a daemon (pyvirtd or libvirtd) on a unix socket
    DRIVER+tcp://HOST/PATH, DRIVER+tls://HOST/PATH, DRIVER+ssh://USER@HOST/PATH
                            a remote daemon (DRIVER: qemu or test, PATH: system,
                            session or default)
    -r uses the daemon's read-only socket (...-sock-ro).

  Commands that print data accept --json (one JSON document); long
  operations accept --verbose (a progress bar, Ctrl-C aborts the job).

  commands (non interactive mode):

"""

USAGE_END = """
  (specify help <group> for details about the commands in the group)

  (specify help <command> for details about the command)

"""


def usage_text() -> str:
    """``pyvirsh --help``: options, the URIs pyvirt serves and every command."""
    import os.path

    from pyvirt.daemon.config import SYSTEM_CONFIG, SYSTEM_SOCK_DIR
    head = USAGE.format(prog=PROGNAME, system_config=SYSTEM_CONFIG,
                        system_sock=os.path.join(SYSTEM_SOCK_DIR, "libvirt-sock"))
    groups = [_group_help(keyword) for keyword in GROUPS]
    return head + "\n".join(group for group in groups if "\n    " in group) + USAGE_END


class Shell:
    """The state of one pyvirsh session (virsh's vshControl)."""

    def __init__(self, stdout: IO[str] | None = None, stderr: IO[str] | None = None):
        self.out = Printer(stdout, stderr)
        self.uri: str | None = None
        self.readonly = False
        self.interactive = False
        self._conn: Any = None
        self.event_impl_registered = False
        self.event_loop_started = False

    # -- connection ---------------------------------------------------------

    @property
    def conn(self) -> Any:
        """The open connection, opening it on first use."""
        if self._conn is None:
            self.reconnect(None, self.readonly)
        return self._conn

    def reconnect(self, uri: str | None, readonly: bool) -> None:
        """(Re)open the connection to ``uri`` (None: the current URI)."""
        if not readonly and uri is None:
            readonly = self.readonly
        self.close()
        target = uri if uri is not None else self.uri
        if not self.event_impl_registered:
            # Before the first connection, as virsh does; commands that never
            # connect (help, echo...) do without the event loop and its imports.
            with contextlib.suppress(Exception):  # events are optional
                libvirt.virEventRegisterDefaultImpl()
            self.event_impl_registered = True
        try:
            if readonly:
                conn = libvirt.openReadOnly(target)
            else:
                conn = libvirt.open(target)
        except libvirt.libvirtError as exc:
            raise CmdError("failed to connect to the hypervisor", exc) from None
        if conn is None:
            raise CmdError("failed to connect to the hypervisor")
        self._conn = conn
        if uri is not None:
            self.uri = uri
        self.readonly = readonly

    def close(self) -> None:
        """Close the connection, if open."""
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                conn.close()
            except libvirt.libvirtError:
                pass

    def start_event_loop(self) -> None:
        """Run libvirt's default event loop in a daemon thread (once)."""
        if self.event_loop_started:
            return
        import threading

        def loop() -> None:
            while True:
                try:
                    libvirt.virEventRunDefaultImpl()
                except Exception:  # noqa: BLE001 - keep the loop alive
                    return

        threading.Thread(target=loop, name="pyvirsh-events", daemon=True).start()
        self.event_loop_started = True

    # -- running commands ---------------------------------------------------

    def run_line(self, line: str) -> bool:
        """Parse and run a command string; True if the last command succeeded."""
        try:
            parsed = [cmdmod.parse(words)
                      for words in cmdmod.split_commands(cmdmod.tokenize(line))]
        except ParseError as exc:
            self.out.error(str(exc))
            return False
        return self.run_all(parsed)

    def run_words(self, words: Sequence[str]) -> bool:
        """Run one command given as separate words (no ``;`` splitting)."""
        try:
            parsed = [cmdmod.parse(list(words))]
        except ParseError as exc:
            self.out.error(str(exc))
            return False
        return self.run_all(parsed)

    def run_all(self, parsed: list[Args]) -> bool:
        """Run parsed commands in order; the result is the last one's."""
        ok = True
        for args in parsed:
            ok = self.run_one(args)
            if args.cmd.name in ("quit", "exit"):
                break
            if not args.json:
                self.out.extra("\n")
        return ok

    def run_one(self, args: Args) -> bool:
        """Run one parsed command, reporting its errors as virsh does."""
        try:
            if args.cmd.connect:
                self.conn  # noqa: B018 - connect now, as virsh's hook does
            result = args.cmd.handler(self, args)
            return result is not False
        except CmdError as exc:
            if exc.message:
                self.out.error(exc.message)
            if exc.cause is not None:
                self.out.error(error_message(exc.cause))
        except libvirt.libvirtError as exc:
            self.out.error(error_message(exc))
        except KeyboardInterrupt:
            self.out.error("interrupted")
        except BrokenPipeError:
            raise
        except Exception as exc:  # noqa: BLE001 - a shell never shows tracebacks
            self.out.error(f"internal error: {type(exc).__name__}: {exc}")
        return False


def error_message(exc: BaseException) -> str:
    """The message of a libvirt error (or any exception)."""
    getter = getattr(exc, "get_error_message", None)
    message = getter() if getter else None
    return message or str(exc) or "unknown error"


# ---------------------------------------------------------------------------
# Built-in commands


@command("help", VIRSH, "print help", [string("command", "command or group to describe",
                                             positional=True, complete="command")],
         connect=False)
def cmd_help(shell: Shell, args: Args) -> bool:
    """List all commands, one group, or one command's synopsis and options."""
    name = args.values.get("command")
    if not name:
        shell.out.print("Grouped commands:\n\n")
        for keyword in GROUPS:
            shell.out.print(_group_help(keyword))
            shell.out.print("\n")
        return True
    cmd = lookup(name)
    if cmd is not None:
        shell.out.print(command_help(cmd))
        return True
    for keyword, grp in GROUPS.items():
        if name in (keyword, grp.title):
            shell.out.print(_group_help(keyword))
            return True
    raise CmdError(f"command or command group '{name}' doesn't exist")


def _group_help(keyword: str) -> str:
    """One group's title line and its commands (from the index: nothing imported)."""
    grp = GROUPS[keyword]
    lines = [f" {grp.title} (help keyword '{grp.keyword}'):\n"]
    for name, (cmd_group, help_line, _module) in INDEX.items():
        if cmd_group == keyword:
            lines.append(f"    {name:<30} {help_line}\n")
    return "".join(lines)


def command_help(cmd: cmdmod.Command) -> str:
    """A command's NAME / SYNOPSIS / DESCRIPTION / OPTIONS help text."""
    synopsis = [cmd.name]
    options = []
    for opt in cmd.opts:
        if opt.type is OptType.BOOL:
            synopsis.append(f"[--{opt.name}]")
            label = f"--{opt.name}"
        elif opt.type is OptType.ARGV:
            synopsis.append(f"[<{opt.name}>]..." if not opt.required else f"<{opt.name}>...")
            label = f"[--{opt.name}] <string>"
        elif opt.required:
            synopsis.append(f"<{opt.name}>")
            kind = "number" if opt.type is OptType.INT else "string"
            label = f"[--{opt.name}] <{kind}>"
        else:
            kind = "number" if opt.type is OptType.INT else "string"
            synopsis.append(f"[--{opt.name} <{kind}>]")
            label = f"--{opt.name} <{kind}>"
        options.append(f"    {label:<15}  {opt.help}\n")
    text = [f"  NAME\n    {cmd.name} - {cmd.help}\n\n  SYNOPSIS\n    {' '.join(synopsis)}\n"]
    import textwrap

    from pyvirt.shell.descriptions import DESCRIPTIONS
    desc = DESCRIPTIONS.get(cmd.name, cmd.help)
    if desc:
        wrapped = textwrap.fill(desc, width=80, initial_indent="    ", subsequent_indent="    ")
        text.append(f"\n  DESCRIPTION\n{wrapped}\n")
    if options:
        text.append("\n  OPTIONS\n" + "".join(options))
    schema = JSON_SCHEMA.get(cmd.name)
    if cmd.json and schema:
        top, items = schema
        text.append(f"\n  JSON KEYS\n    {', '.join(top)}\n")
        if items:
            text.append(f"    each of '{top[0]}': {', '.join(items)}\n")
    return "".join(text) + "\n"


@command("connect", VIRSH, "(re)connect to hypervisor",
         [string("name", "hypervisor connection URI", positional=True, empty_ok=True),
          flag("readonly", "read-only connection")], connect=False)
def cmd_connect(shell: Shell, args: Args) -> bool:
    """Open a new connection, replacing the current one."""
    shell.reconnect(args.get("name"), args.flag("readonly"))
    return True


@command("quit", VIRSH, "quit this interactive terminal", connect=False)
def cmd_quit(shell: Shell, args: Args) -> bool:
    """Leave interactive mode."""
    shell.interactive = False
    return True


@command("exit", VIRSH, "quit this interactive terminal", connect=False)
def cmd_exit(shell: Shell, args: Args) -> bool:
    """Leave interactive mode."""
    shell.interactive = False
    return True


@command("cd", VIRSH, "change the current directory",
         [string("dir", "directory to switch to (default: home or else root)",
                 positional=True, complete="file")], connect=False)
def cmd_cd(shell: Shell, args: Args) -> bool:
    """Change directory (interactive mode only, as in virsh)."""
    if not shell.interactive:
        raise CmdError("cd: command valid only in interactive mode")
    target = args.get("dir") or os.environ.get("HOME") or "/"
    try:
        os.chdir(target)
    except OSError as exc:
        raise CmdError(f"cd: {exc.strerror}: {target}") from None
    return True


@command("pwd", VIRSH, "print the current directory", connect=False)
def cmd_pwd(shell: Shell, args: Args) -> bool:
    """Print the working directory."""
    shell.out.print(os.getcwd() + "\n")
    return True


@command("echo", VIRSH, "echo arguments",
         [cmdmod.argv("string", "arguments to echo", positional=True)], connect=False)
def cmd_echo(shell: Shell, args: Args) -> bool:
    """Print the arguments separated by spaces."""
    shell.out.print(" ".join(args.words("string")))
    return True


# ---------------------------------------------------------------------------
# Global options and entry point


class _Usage(Exception):
    """Global option error (message) or early exit (code)."""

    def __init__(self, message: str | None = None, code: int = 1):
        super().__init__(message)
        self.message = message
        self.code = code


_LONG = {"connect": "c", "help": "h", "quiet": "q", "readonly": "r", "version": "v",
         "debug": "d", "escape": "e", "keepalive-interval": "k", "keepalive-count": "K",
         "log": "l", "timing": "t"}
_WITH_ARG = set("cdekKl")


def parse_global(argv: Sequence[str]) -> tuple[dict[str, Any], list[str]]:
    """Parse pyvirsh's own options; returns them and the command words."""
    opts: dict[str, Any] = {}
    index = 0
    while index < len(argv):
        word = argv[index]
        if word == "--":
            index += 1
            break
        if word.startswith("--"):
            name, eq, value = word[2:].partition("=")
            letter = _LONG.get(name)
            if letter is None:
                raise _Usage(f"unsupported option '{word}'. See --help.")
            if letter in _WITH_ARG and not eq:
                index += 1
                if index >= len(argv):
                    raise _Usage(f"option '-{letter}'/'--{name}' requires an argument")
                value = argv[index]
            opts[letter] = value if (letter in _WITH_ARG or eq) else True
            index += 1
            continue
        if word.startswith("-") and len(word) > 1:
            pos = 1
            while pos < len(word):
                letter = word[pos]
                if letter not in "cdehkKlqrtvV":
                    raise _Usage(f"unsupported option '-{letter}'. See --help.")
                if letter in _WITH_ARG:
                    value = word[pos + 1:]
                    if not value:
                        index += 1
                        if index >= len(argv):
                            name = next(k for k, v in _LONG.items() if v == letter)
                            raise _Usage(f"option '-{letter}'/'--{name}' requires an argument")
                        value = argv[index]
                    opts[letter] = value
                    break
                opts[letter] = True
                pos += 1
            index += 1
            continue
        break
    return opts, list(argv[index:])


def _version_text(long: bool) -> str:
    version = libvirt.getVersion()
    short = f"{version // 1000000}.{version // 1000 % 1000}.{version % 1000}"
    if not long:
        return short + "\n"
    return f"{PROGNAME} command line tool of pyvirt, using libvirt API {short}\n"


def main(argv: Sequence[str] | None = None, stdout: IO[str] | None = None,
         stderr: IO[str] | None = None) -> int:
    """Run pyvirsh; returns the exit status (also the console script's)."""
    if argv is None:
        argv = sys.argv[1:]
    shell = Shell(stdout, stderr)
    libvirt.registerErrorHandler(_silence, None)
    try:
        opts, words = parse_global(argv)
    except _Usage as exc:
        shell.out.error(exc.message or "")
        return 1
    if "h" in opts:
        shell.out.print(usage_text())
        return 0
    if "v" in opts or "V" in opts:
        shell.out.print(_version_text("V" in opts or opts.get("v") == "long"))
        return 0
    if "e" in opts or "d" in opts or "k" in opts or "K" in opts:
        pass  # accepted for compatibility with virsh's command lines
    shell.out.quiet = "q" in opts
    shell.readonly = "r" in opts
    shell.uri = opts.get("c") or os.environ.get("LIBVIRT_DEFAULT_URI") or None
    try:
        if "c" in opts:
            try:
                shell.reconnect(None, shell.readonly)
            except CmdError as exc:
                shell.out.error(exc.message or "")
                if exc.cause is not None:
                    shell.out.error(error_message(exc.cause))
                return 1
        if not words:
            shell.interactive = True
            from pyvirt.shell.interactive import run_interactive
            run_interactive(shell, PROGNAME)
            return 0
        if len(words) == 1:
            ok = shell.run_line(words[0])
        else:
            ok = shell.run_words(words)
        return 0 if ok else 1
    except BrokenPipeError:
        return 1
    finally:
        shell.close()


def _silence(_ctx: Any, _err: Any) -> None:
    """Error handler that keeps libvirt from printing errors itself."""


def console_main() -> None:
    """setuptools entry point wrapper (exits with main()'s status)."""
    sys.exit(main())


if __name__ == "__main__":
    console_main()
