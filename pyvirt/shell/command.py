"""Command declarations and virsh's command line rules.

A command is declared once, as data: its name, group, one-line help and
its options in virsh's order.  The parser then applies virsh's rules:

- ``--opt value``, ``--opt=value`` and bare ``--flag``;
- a word that is not an option fills the next *positional* option in
  declared order (required data options, and the optional string or
  number options virsh accepts without their name);
- ``--`` makes every following word data;
- an ``argv`` option, always last, takes every remaining word.

Commands are found through :data:`pyvirt.shell.index.INDEX` (name ->
group, help line, module), so a command's module is imported only when
that command runs or its help is shown: :func:`lookup` and
:func:`load_all`.

Errors use virsh's wording (``unknown command: 'x'``, ``command 'x'
doesn't support option --y``, ``command 'x' requires <y> option``, ...).
"""

from __future__ import annotations

import builtins
import enum
import importlib
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, NamedTuple

from pyvirt.shell.index import INDEX

if TYPE_CHECKING:
    from pyvirt.shell.main import Shell


class OptType(enum.Enum):
    """Kinds of option, as virsh declares them."""

    BOOL = "bool"      # --flag
    STRING = "string"  # --name value, optional
    INT = "number"     # --name number
    DATA = "data"      # required value, may be given without --name
    ARGV = "argv"      # every remaining word


class Opt(NamedTuple):
    """One option of a command.

    ``positional`` says whether the value may be given without ``--name``
    (virsh fills such options from bare words in declared order);
    ``complete`` names the kind of object the value is, for tab completion
    (``domain``, ``network``, ``pool``, ``vol``, ``file``, ...).
    """

    name: str
    type: OptType
    help: str
    required: bool = False
    positional: bool = False
    complete: str | None = None
    empty_ok: bool = False


def data(name: str, help: str, complete: str | None = None) -> Opt:
    """A required option whose value may be given without its name."""
    return Opt(name, OptType.DATA, help, required=True, positional=True, complete=complete)


def flag(name: str, help: str) -> Opt:
    """A boolean ``--name`` switch."""
    return Opt(name, OptType.BOOL, help)


def string(name: str, help: str, positional: bool = False,
           complete: str | None = None, empty_ok: bool = False) -> Opt:
    """An optional string option (``positional``: may be given bare)."""
    return Opt(name, OptType.STRING, help, positional=positional, complete=complete,
               empty_ok=empty_ok)


def number(name: str, help: str, positional: bool = False, required: bool = False) -> Opt:
    """A numeric option (``required`` numbers are positional in virsh)."""
    return Opt(name, OptType.INT, help, required=required,
               positional=positional or required)


def argv(name: str, help: str, required: bool = False, positional: bool = True,
         complete: str | None = None) -> Opt:
    """An option taking every remaining word (must be declared last)."""
    return Opt(name, OptType.ARGV, help, required=required, positional=positional,
               complete=complete)


# Options shared by many commands.
DOMAIN = data("domain", "domain name, id or uuid", complete="domain")
NETWORK = data("network", "network name or uuid", complete="network")
POOL = data("pool", "pool name or uuid", complete="pool")
VOL = data("vol", "vol name, key or path", complete="vol")
VOL_POOL = string("pool", "pool name or uuid", positional=True, complete="pool")
FILE = data("file", "file containing an XML description", complete="file")
CONFIG = flag("config", "affect next boot")
LIVE = flag("live", "affect running domain")
CURRENT = flag("current", "affect current domain")
PERSISTENT = flag("persistent", "make live change persistent")
VALIDATE = flag("validate", "validate the XML against the schema")
XPATH = string("xpath", "xpath expression to filter the XML document")
WRAP = flag("wrap", "wrap xpath results in an common root element")
JSON = flag("json", "print one JSON document instead of text")
VERBOSE = flag("verbose", "display a progress bar")

Handler = Callable[["Shell", "Args"], Any]


class Command(NamedTuple):
    """A shell command: its declaration and the function that runs it.

    ``json`` adds the pyvirsh ``--json`` switch; ``connect`` is False for
    commands that run without a hypervisor connection (help, quit, ...).
    (Named tuples here, not dataclasses: importing dataclasses costs a
    pyvirsh run more than parsing its command line.)
    """

    name: str
    group: str
    help: str
    opts: list[Opt]
    handler: Handler
    json: bool = False
    connect: bool = True

    def option(self, name: str) -> Opt | None:
        """The declared option called ``name``, or None."""
        for opt in self.opts:
            if opt.name == name:
                return opt
        return None


class Group(NamedTuple):
    """A help group: title and the keyword ``help`` accepts for it."""

    title: str
    keyword: str


GROUPS: dict[str, Group] = {
    keyword: Group(title, keyword) for keyword, title in (
        ("domain", "Domain Management"), ("monitor", "Domain Monitoring"),
        ("events", "Domain Events"), ("host", "Host and Hypervisor"),
        ("checkpoint", "Checkpoint"),
        ("interface", "Interface"), ("network", "Networking"), ("nodedev", "Node Device"),
        ("secret", "Secret"), ("snapshot", "Snapshot"), ("backup", "Backup"),
        ("pool", "Storage Pool"),
        ("volume", "Storage Volume"), ("virsh", "Virsh itself"))
}
# The commands declared so far (by the modules imported so far).
COMMANDS: dict[str, Command] = {}


def lookup(name: str) -> Command | None:
    """The command called ``name``, importing the module declaring it on first use."""
    cmd = COMMANDS.get(name)
    if cmd is None and name in INDEX:
        importlib.import_module(f"pyvirt.shell.{INDEX[name][2]}")
        cmd = COMMANDS.get(name)
    return cmd


def load_all() -> None:
    """Import every command module (all commands declared)."""
    for module in dict.fromkeys(entry[2] for entry in INDEX.values()):
        importlib.import_module(f"pyvirt.shell.{module}")


def group(keyword: str, title: str) -> str:
    """Declare a help group; returns its keyword for use in @command."""
    GROUPS.setdefault(keyword, Group(title, keyword))
    return keyword


def command(name: str, group: str, help: str, opts: list[Opt] | None = None,
            json: bool = False, connect: bool = True) -> Callable[[Handler], Handler]:
    """Register the decorated function as the handler of command ``name``.

    The handler is called as ``handler(shell, args)``; it returns False (or
    raises :class:`CmdError` / ``libvirtError``) on failure.
    """
    options = list(opts or [])
    if json:
        options.append(JSON)

    def register(func: Handler) -> Handler:
        COMMANDS[name] = Command(name, group, help, options, func, json=json,
                                 connect=connect)
        return func
    return register


class CmdError(Exception):
    """A command failed: ``message`` is printed as ``error: message``.

    ``cause`` (a libvirtError) is printed after it as a second ``error:``
    line, the way virsh reports the library error behind its own message.
    """

    def __init__(self, message: str | None, cause: BaseException | None = None):
        super().__init__(message)
        self.message = message
        self.cause = cause


class ParseError(Exception):
    """The command line itself is wrong; the message is virsh's wording."""


class Args:
    """The options given to one command, with typed accessors."""

    __slots__ = ("cmd", "values")

    def __init__(self, cmd: Command, values: dict[str, Any] | None = None) -> None:
        self.cmd = cmd
        self.values: dict[str, Any] = values if values is not None else {}

    def __contains__(self, name: str) -> bool:
        return name in self.values

    def flag(self, name: str) -> bool:
        """Whether ``--name`` was given (any option kind)."""
        return name in self.values

    @property
    def json(self) -> bool:
        """Whether pyvirsh's ``--json`` was given."""
        return "json" in self.values

    def get(self, name: str) -> str | None:
        """The string value of ``name``, or None when not given.

        An empty value is an error unless the option allows it, as in virsh.
        """
        value = self.values.get(name)
        if value is None:
            return None
        opt = self.cmd.option(name)
        if value == "" and not (opt and opt.empty_ok):
            raise CmdError(f"Failed to get option '{name}': Option argument is empty")
        return str(value)

    def req(self, name: str) -> str:
        """The value of a required option (present by the parser's checks)."""
        value = self.get(name)
        if value is None:
            raise CmdError(f"Failed to get option '{name}': Mandatory option not present")
        return value

    def words(self, name: str) -> list[str]:
        """The words collected by an argv option."""
        value = self.values.get(name)
        return list(value) if value else []

    def int(self, name: str, minimum: int = -(2 ** 31), maximum: int = 2 ** 31 - 1,
            ) -> int | None:
        """The integer value of ``name`` in [minimum, maximum], or None."""
        raw = self.values.get(name)
        if raw is None:
            return None
        try:
            value = int(str(raw), 10)
        except ValueError:
            value = None
        if value is None or not minimum <= value <= maximum:
            raise CmdError(f"Numeric value '{raw}' for <{name}> option is malformed "
                           "or out of range")
        return value

    # ``int`` is the method above inside this class body: name the builtin explicitly.
    def uint(self, name: str, bits: builtins.int = 32) -> builtins.int | None:
        """An unsigned integer option (negative values are refused)."""
        return self.int(name, 0, 2 ** bits - 1)

    def scaled(self, name: str, scale: builtins.int = 1,
               maximum: builtins.int = 2 ** 64 - 1) -> builtins.int | None:
        """A scaled integer such as ``10G`` or ``512MiB`` (virsh's rules).

        ``scale`` is the unit of a bare number (1 for bytes, 1024 for KiB).
        """
        raw = self.values.get(name)
        if raw is None:
            return None
        try:
            return scale_integer(str(raw), scale, maximum)
        except ScaleError as exc:
            raise scale_error(f"Scaled numeric value '{raw}' for <{name}> option is "
                              "malformed or out of range", exc) from None


_SCALE_POWERS = {"k": 1, "m": 2, "g": 3, "t": 4, "p": 5, "e": 6}


class ScaleError(ValueError):
    """A scaled integer was refused; the message is libvirt's detail."""


def scale_integer(text: str, scale: int, maximum: int) -> int:
    """Parse ``text`` as a non-negative integer with an optional unit suffix.

    ``k``, ``KiB``, ``M``, ``MiB``, ... are powers of 1024; ``KB``, ``MB``,
    ... powers of 1000; ``b``/``bytes`` is 1; no suffix multiplies by
    ``scale``.  Raises ScaleError (with libvirt's detail message, empty
    when the number itself is malformed).
    """
    digits = len(text) - len(text.lstrip("0123456789"))
    if digits == 0 or int(text[:digits]) >= 2 ** 64:
        raise ScaleError("")
    value = int(text[:digits])
    suffix = text[digits:]
    if suffix:
        lowered = suffix.lower()
        if lowered in ("b", "byte", "bytes"):
            scale = 1
        else:
            if len(suffix) == 1 or lowered[1:] == "ib":
                base = 1024
            elif lowered[1:] == "b":
                base = 1000
            else:
                raise ScaleError(f"invalid argument: unknown suffix '{suffix}'")
            power = _SCALE_POWERS.get(lowered[0])
            if power is None:
                raise ScaleError(f"invalid argument: unknown suffix '{suffix}'")
            scale = base ** power
    if value * scale > maximum:
        raise ScaleError(f"numerical overflow: value too large: {value}{suffix}")
    return value * scale


def scale_error(message: str, exc: ScaleError) -> CmdError:
    """A CmdError for a refused scaled integer (with libvirt's detail line)."""
    return CmdError(message, exc if str(exc) else None)


# ---------------------------------------------------------------------------
# Tokenizing

SEPARATOR = object()   # marks a ';' or newline between commands


def tokenize(line: str) -> list[Any]:
    """Split a command string into words and SEPARATOR marks, as virsh does.

    Single quotes are literal, double quotes allow backslash escapes, a
    backslash escapes the next character, ``#`` at the start of a word
    comments out the rest of the line, ``;`` and newlines end a command.
    """
    tokens: list[Any] = []
    pos = 0
    length = len(line)
    while True:
        while pos < length and (line[pos] in " \t" or line.startswith("\\\n", pos)):
            pos += 2 if line[pos] == "\\" else 1
        if pos >= length:
            return tokens
        char = line[pos]
        if char in ";\n":
            tokens.append(SEPARATOR)
            pos += 1
            continue
        if char == "#":
            end = line.find("\n", pos)
            pos = length if end < 0 else end + 1
            tokens.append(SEPARATOR)
            continue
        word, pos = _read_word(line, pos)
        tokens.append(word)


def _read_word(line: str, pos: int) -> tuple[str, int]:
    """Read one word starting at ``pos``; returns it and the next position."""
    single = double = False
    chars: list[str] = []
    length = len(line)
    while pos < length:
        char = line[pos]
        if not single and not double and char in " \t;\n":
            break
        if not double and char == "'":
            single = not single
            pos += 1
            continue
        if not single and char == "\\":
            pos += 1
            if pos >= length:
                raise ParseError("dangling \\")
            if line[pos] == "\n":
                pos += 1
                continue
        elif not single and char == '"':
            double = not double
            pos += 1
            continue
        chars.append(line[pos])
        pos += 1
    if double:
        raise ParseError('missing "')
    return "".join(chars), pos


def split_commands(tokens: list[Any]) -> Iterator[list[str]]:
    """Group tokens into the word lists of successive commands."""
    current: list[str] = []
    for token in tokens:
        if token is SEPARATOR:
            if current:
                yield current
            current = []
        else:
            current.append(token)
    if current:
        yield current


# ---------------------------------------------------------------------------
# Binding words to options


def parse(words: list[str]) -> Args:
    """Bind the words of one command (name first) to its options.

    ``--help`` anywhere turns the command into ``help <command>``.
    Raises ParseError with virsh's message when the words do not fit.
    """
    name = words[0]
    cmd = lookup(name)
    if cmd is None:
        raise ParseError(f"unknown command: '{name}'")
    values: dict[str, Any] = {}
    pending = [opt for opt in cmd.opts
               if opt.type is not OptType.BOOL and opt.positional]
    data_only = False
    want_help = False
    index = 1
    while index < len(words):
        word = words[index]
        index += 1
        if not data_only and word.startswith("--") and len(word) > 2 and word[2].isalnum():
            opt_name, eq, inline = word[2:].partition("=")
            if opt_name == "help":
                want_help = True
                continue
            opt = cmd.option(opt_name)
            if opt is None:
                if cmd.name == "help":
                    continue
                raise ParseError(f"command '{cmd.name}' doesn't support option --{opt_name}")
            if opt.name in values and opt.type is not OptType.ARGV:
                raise ParseError(f"option --{opt.name} already seen")
            if opt.type is OptType.BOOL:
                if eq:
                    raise ParseError(f"invalid '=' after option --{opt.name}")
                values[opt.name] = True
                continue
            if eq:
                value = inline
            elif index < len(words):
                value = words[index]
                index += 1
            else:
                kind = "number" if opt.type is OptType.INT else "string"
                raise ParseError(f"expected syntax: --{opt.name} <{kind}>")
            _store(values, opt, value)
            if opt in pending and opt.type is not OptType.ARGV:
                pending.remove(opt)
            continue
        if not data_only and word == "--":
            data_only = True
            continue
        while pending and pending[0].name in values and pending[0].type is not OptType.ARGV:
            pending.pop(0)
        if not pending:
            if cmd.name == "help":
                continue
            raise ParseError(f"unexpected data '{word}'")
        opt = pending[0]
        _store(values, opt, word)
        if opt.type is not OptType.ARGV:
            pending.pop(0)
    if want_help:
        helper = COMMANDS["help"]
        return Args(helper, {"command": cmd.name})
    for opt in cmd.opts:
        if opt.required and opt.name not in values:
            if opt.type in (OptType.DATA, OptType.ARGV):
                raise ParseError(f"command '{cmd.name}' requires <{opt.name}> option")
            raise ParseError(f"command '{cmd.name}' requires --{opt.name} option")
    return Args(cmd, values)


def _store(values: dict[str, Any], opt: Opt, value: str) -> None:
    if opt.type is OptType.ARGV:
        values.setdefault(opt.name, []).append(value)
    else:
        values[opt.name] = value


def exclusive(args: Args, *names: str) -> None:
    """Refuse two of ``names`` given together (virsh's wording)."""
    given = [name for name in names if args.flag(name)]
    if len(given) > 1:
        raise CmdError(f"Options --{given[0]} and --{given[1]} are mutually exclusive")


def fd_list(text: str) -> list[int]:
    """The descriptor numbers of a ``--pass-fds N,M,...`` value (virsh's error for a bad one)."""
    fds = []
    for part in text.split(","):
        if not part.isdigit():
            raise CmdError(f"Unable to parse FD number '{part}'")
        fds.append(int(part))
    return fds


def requires(args: Args, name: str, needed: str) -> None:
    """Refuse ``--name`` without ``--needed``."""
    if args.flag(name) and not args.flag(needed):
        raise CmdError(f"Option --{needed} is required by option --{name}")


def affect_flags(args: Args, libvirt: Any, current_value: int | None = None) -> int:
    """The VIR_DOMAIN_AFFECT_* flags from --current/--live/--config."""
    exclusive(args, "current", "live")
    exclusive(args, "current", "config")
    flags = libvirt.VIR_DOMAIN_AFFECT_CURRENT if current_value is None else current_value
    if args.flag("config"):
        flags |= libvirt.VIR_DOMAIN_AFFECT_CONFIG
    if args.flag("live"):
        flags |= libvirt.VIR_DOMAIN_AFFECT_LIVE
    return flags
