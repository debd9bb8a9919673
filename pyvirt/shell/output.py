"""Everything pyvirsh writes: text as virsh prints it, JSON, progress bars.

virsh prints data with ``vshPrint`` and informational messages with
``vshPrintExtra``, which ``-q`` silences; :class:`Printer` keeps that
distinction.  Tables follow virsh's layout: one leading space per cell,
cells padded to the column width plus two spaces (the last one not
padded), a dashed line ``sum(width + 3)`` long under the header, and no
header at all in quiet mode.

``--json`` output is one JSON document per command, whose keys are listed
in :data:`JSON_SCHEMA` (also shown by ``help COMMAND``): sizes are in
bytes unless the key says otherwise (``*_kib``), times in seconds unless
``*_ns`` / ``*_ms``, absent values are ``null``.
"""

from __future__ import annotations

import sys
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from typing import IO, Any

# command -> (top-level keys, keys of each item of the list under the
# first top-level key, or None when the document is a flat object)
JSON_SCHEMA: dict[str, tuple[tuple[str, ...], tuple[str, ...] | None]] = {
    "version": (("library_version", "api_type", "api_version", "hypervisor_type",
                 "hypervisor_version", "daemon_version"), None),
    "nodeinfo": (("cpu_model", "cpus", "mhz", "sockets", "cores_per_socket",
                  "threads_per_core", "numa_cells", "memory_kib"), None),
    "list": (("domains",), ("id", "name", "uuid", "state", "persistent", "title")),
    "dominfo": (("id", "name", "uuid", "os_type", "state", "cpus", "cpu_time",
                 "max_memory_kib", "used_memory_kib", "persistent", "autostart",
                 "managed_save", "security_model", "security_doi", "security_label",
                 "security_enforcing"), None),
    "domstate": (("state", "reason", "state_code", "reason_code"), None),
    "vcpucount": (("maximum", "current", "guest"), None),
    "domblklist": (("disks",), ("type", "device", "target", "source")),
    "domiflist": (("interfaces",), ("interface", "type", "source", "model", "mac")),
    "domblkstat": (("device", "stats"), None),
    "domifstat": (("interface", "stats"), None),
    "dommemstat": (("stats",), None),
    "domstats": (("domains",), ("name", "stats")),
    "domjobinfo": (("type", "operation", "stats"), None),
    "net-list": (("networks",), ("name", "uuid", "active", "autostart", "persistent")),
    "net-info": (("name", "uuid", "active", "persistent", "autostart", "bridge"), None),
    "pool-list": (("pools",), ("name", "uuid", "state", "autostart", "persistent",
                               "capacity", "allocation", "available")),
    "pool-info": (("name", "uuid", "state", "persistent", "autostart", "capacity",
                   "allocation", "available"), None),
    "vol-list": (("volumes",), ("name", "path", "type", "capacity", "allocation")),
    "vol-info": (("name", "type", "capacity", "allocation", "physical"), None),
    "snapshot-list": (("snapshots",), ("name", "creation_time", "state", "parent",
                                       "current")),
    "snapshot-info": (("name", "domain", "current", "state", "location", "parent",
                       "children", "descendants", "metadata"), None),
    "nodedev-list": (("devices",), ("name", "parent", "capabilities")),
    "secret-list": (("secrets",), ("uuid", "usage_type", "usage_id")),
    "iface-list": (("interfaces",), ("name", "state", "mac")),
}


class Printer:
    """stdout/stderr writer honouring virsh's quiet mode."""

    def __init__(self, stdout: IO[str] | None = None, stderr: IO[str] | None = None,
                 quiet: bool = False):
        self.stdout = stdout if stdout is not None else sys.stdout
        self.stderr = stderr if stderr is not None else sys.stderr
        self.quiet = quiet

    def print(self, text: str) -> None:
        """Write data (always shown)."""
        self.stdout.write(text)
        self.stdout.flush()

    def extra(self, text: str) -> None:
        """Write an informational message (hidden by ``-q``)."""
        if not self.quiet:
            self.print(text)

    def error(self, message: str) -> None:
        """Write ``error: message`` to stderr, after flushing stdout."""
        self.stdout.flush()
        self.stderr.write(f"error: {message}\n")
        self.stderr.flush()

    def json(self, document: Any) -> None:
        """Write one JSON document."""
        import json  # only --json needs it

        self.print(json.dumps(document, indent=2, sort_keys=False) + "\n")

    def table(self, header: Sequence[str], rows: Iterable[Sequence[str]]) -> None:
        """Write a virsh table (header omitted in quiet mode)."""
        self.print(format_table(header, rows, with_header=not self.quiet))


# ---------------------------------------------------------------------------
# Tables


def _safe_cell(text: str) -> tuple[str, int]:
    """Escape control characters as virsh does; return text and its width."""
    out: list[str] = []
    width = 0
    index = 0
    while index < len(text):
        char = text[index]
        if (char == "\\" and text[index + 1:index + 2] == "x") or ord(char) < 32 \
                or ord(char) == 127:
            out.append(f"\\x{ord(char):02x}")
            width += 4
        elif not char.isprintable():
            for byte in char.encode():
                out.append(f"\\x{byte:02x}")
                width += 4
        else:
            out.append(char)
            width += char_width(char)
        index += 1
    return "".join(out), width


def char_width(char: str) -> int:
    """Terminal columns taken by ``char`` (wide East Asian: 2, combining: 0)."""
    if unicodedata.combining(char):
        return 0
    if unicodedata.east_asian_width(char) in ("W", "F"):
        return 2
    return 1


def format_table(header: Sequence[str], rows: Iterable[Sequence[str]],
                 with_header: bool = True) -> str:
    """Lay out a table as virsh's vshTable does."""
    body = [[_safe_cell(str(cell)) for cell in row] for row in rows]
    head = [_safe_cell(cell) for cell in header]
    widths = [0] * len(header)
    for row in ([head] if with_header else []) + body:
        for col, (_, width) in enumerate(row):
            widths[col] = max(widths[col], width)
    lines: list[str] = []

    def render(row: list[tuple[str, int]]) -> str:
        parts = []
        for col, (text, width) in enumerate(row):
            parts.append(" " + text)
            if col < len(row) - 1:
                parts.append(" " * (widths[col] - width + 2))
        return "".join(parts) + "\n"

    if with_header:
        lines.append(render(head))
        lines.append("-" * sum(width + 3 for width in widths) + "\n")
    lines.extend(render(row) for row in body)
    return "".join(lines)


# ---------------------------------------------------------------------------
# Values


def pretty_capacity(value: int) -> tuple[float, str]:
    """Scale a byte count to the largest binary unit below it (B..EiB)."""
    units = ("B", "KiB", "MiB", "GiB", "TiB", "PiB")
    limit = 1024
    for index, unit in enumerate(units):
        if value < limit:
            return (value / (limit / 1024) if index else float(value)), unit
        limit *= 1024
    return value / (limit / 1024), "EiB"


def capacity(value: int, digits: int = 2) -> str:
    """A byte count as virsh shows it, e.g. ``100.00 GiB``."""
    scaled, unit = pretty_capacity(value)
    return f"{scaled:.{digits}f} {unit}"


def yes_no(value: Any) -> str:
    """virsh's yes/no."""
    return "yes" if value else "no"


def typed_value(value: Any) -> str:
    """A typed parameter value as virsh prints it."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:f}"
    return str(value)


def format_tree(names: Sequence[str], parents: Sequence[str | None],
                root: int) -> str:
    """Draw the tree under ``names[root]`` the way virsh's --tree does.

    ``parents[i]`` is the name of the parent of ``names[i]`` (None for a
    root).  Children appear in list order.
    """
    lines: list[str] = []

    def walk(index: int, last: int, is_root: bool, indent: str) -> None:
        lines.append(f"{indent}{'' if is_root else '+- '}{names[index]}")
        if not is_root:
            indent += (" " if index == last else "|") + " "
        children = [i for i, parent in enumerate(parents)
                    if parent is not None and parent == names[index]]
        next_last = children[-1] if children else -1
        if children:
            lines.append(f"{indent}  |")
        for child in children:
            walk(child, next_last, False, indent + "  ")
        if not children and index == last:
            lines.append(indent)

    walk(root, root, True, "")
    return "".join(line + "\n" for line in lines)


# ---------------------------------------------------------------------------
# Progress


class Progress:
    """A progress bar on stderr (``rich``), fed by :meth:`update`.

    ``rich`` is imported only when a bar is actually shown, so the shell
    runs without it unless ``--verbose`` is used.
    """

    def __init__(self, label: str, stream: IO[str] | None = None):
        from rich.console import Console
        from rich.progress import BarColumn, TextColumn, TimeRemainingColumn
        from rich.progress import Progress as RichProgress

        console = Console(file=stream if stream is not None else sys.stderr)
        self._bar = RichProgress(TextColumn("{task.description}"), BarColumn(),
                                 TextColumn("{task.percentage:>3.0f} %"),
                                 TextColumn("{task.fields[sizes]}"), TimeRemainingColumn(),
                                 console=console, transient=False)
        self._task = self._bar.add_task(label, total=None, sizes="")
        self._known = False

    def __enter__(self) -> Progress:  # noqa: PYI034 - not subclassed
        self._bar.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._bar.stop()

    def update(self, done: int, total: int | None) -> None:
        """Show ``done`` of ``total`` bytes (total None or 0: unknown)."""
        if total:
            self._known = True
            self._bar.update(self._task, completed=done, total=total,
                             sizes=f"{capacity(done)} / {capacity(total)}")
        else:
            self._bar.update(self._task, completed=done, total=None,
                             sizes=capacity(done) if done else "")

    def finish(self) -> None:
        """Fill the bar (the operation completed)."""
        task = self._bar.tasks[0]
        if self._known and task.total:
            self._bar.update(self._task, completed=task.total)
        else:
            self._bar.update(self._task, completed=1, total=1)


def call_quietly(func: Callable[[], Any], default: Any = None) -> Any:
    """Call ``func``; return ``default`` if it raises (for optional data)."""
    try:
        return func()
    except Exception:  # noqa: BLE001 - optional information only
        return default
