"""Raw QEMU monitor commands (libvirt-qemu's virDomainQemuMonitorCommand).

A mixin of QemuDriver.  The command is passed to QEMU as the caller wrote
it, as libvirt's qemuMonitorArbitraryCommand does:

* QMP: the text is parsed as JSON; a command with ``execute`` gets
  libvirt's ``"id": "libvirt-N"`` appended (one the caller set is refused
  with libvirt's "Unable to append command 'id' string"); QEMU's reply
  comes back as compact JSON text, errors included (they are QEMU's
  answer, not a failure of the call).
* HMP (VIR_DOMAIN_QEMU_MONITOR_COMMAND_HMP): the text goes through QMP's
  ``human-monitor-command``; its output text is the result.

The call takes a query job, marks the guest tainted ("custom-monitor")
and may pass one descriptor with the command (virDomainQemuMonitorCommandWithFiles;
QEMU takes it with ``getfd``/``add-fd``).  No descriptors come back.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from typing import Any

from pyvirt import constants as C
from pyvirt import constants_qemu as CQ
from pyvirt import errors as _errors
from pyvirt.drivers.qemu import taint
from pyvirt.drivers.qemu.domobj import DomainObj
from pyvirt.errors import report

_FROM = C.VIR_FROM_QEMU
_FUNC = "qemuDomainQemuMonitorCommandWithFiles"
_HMP = CQ.VIR_DOMAIN_QEMU_MONITOR_COMMAND_HMP

# libvirt numbers its monitor commands "libvirt-N".
_ids = itertools.count(1)


def qmp_message(cmd: str) -> dict:
    """The QMP message for the command text ``cmd`` (libvirt's errors for bad text)."""
    try:
        msg = json.loads(cmd)
    except ValueError as exc:
        raise report(C.VIR_ERR_INTERNAL_ERROR, f"cannot parse json {cmd}: {exc}",
                     C.VIR_FROM_NONE) from None
    if not isinstance(msg, dict):
        # qemu.qmp sends objects only: QEMU would refuse anything else anyway
        raise report(C.VIR_ERR_INVALID_ARG, f"QMP command '{cmd}' is not a JSON object",
                     _FROM)
    if "execute" in msg:
        if "id" in msg:
            raise report(C.VIR_ERR_INTERNAL_ERROR, "Unable to append command 'id' string",
                         _FROM)
        msg["id"] = f"libvirt-{next(_ids)}"
    elif "id" in msg and not isinstance(msg["id"], str):
        raise report(C.VIR_ERR_INVALID_ARG, f"QMP command '{cmd}' has an id that is not a "
                     "string", _FROM)
    return msg


def reply_text(reply: dict) -> str:
    """A QMP reply as libvirt prints it: compact JSON in QEMU's key order."""
    return json.dumps(reply, separators=(",", ":"), ensure_ascii=False)


class MonitorAPI:
    """virDomainQemuMonitorCommand and its WithFiles variant."""

    # provided by QemuDriver
    cfg: Any
    vm_of: Callable[[Any], DomainObj]

    def domainQemuMonitorCommand(self, dom: Any, cmd: str, flags: int) -> str:  # noqa: N802
        """Run the QMP (or, with the HMP flag, human monitor) command ``cmd``; return
        QEMU's reply as text."""
        result, _fds = self.domainQemuMonitorCommandWithFiles(dom, cmd, [], flags)
        return result

    def domainQemuMonitorCommandWithFiles(self, dom: Any, cmd: str,  # noqa: N802
                                          files: list[int], flags: int
                                          ) -> tuple[str, list[int]]:
        """As :meth:`domainQemuMonitorCommand`, passing at most one descriptor of
        ``files`` with the command; return (reply text, [] : no descriptors come back)."""
        from pyvirt.drivers.qemu import domain
        from pyvirt.drivers.qemu import status as st
        _errors.check_flags(flags, _HMP, _FUNC, _FROM)
        if len(files) > 1:
            raise report(C.VIR_ERR_INVALID_ARG,
                         "at most 1 fd can be passed to qemu along with a command", _FROM)
        fd = int(files[0]) if files else None
        vm = self.vm_of(dom)
        with vm.job_scope("query"):
            mon = domain.active_monitor(vm)
            if taint.taint(vm, "custom-monitor"):
                st.save_status(self.cfg, vm)
            if flags & _HMP:
                msg: dict = {"execute": "human-monitor-command",
                             "arguments": {"command-line": cmd},
                             "id": f"libvirt-{next(_ids)}"}
                reply = mon.execute_raw(msg, fd)
                if "error" in reply:
                    err = reply["error"] if isinstance(reply["error"], dict) else {}
                    raise report(C.VIR_ERR_INTERNAL_ERROR,
                                 "unable to execute QEMU command 'human-monitor-command': "
                                 f"{err.get('desc', 'unknown error')}", _FROM)
                text = reply.get("return")
                if not isinstance(text, str):
                    raise report(C.VIR_ERR_INTERNAL_ERROR,
                                 "human monitor command was missing return data", _FROM)
                return text, []
            return reply_text(mon.execute_raw(qmp_message(cmd), fd)), []
