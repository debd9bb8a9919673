"""LXC commands: lxc-enter-namespace, as virsh runs it.

The connection opens the container's namespaces
(``virDomainLxcOpenNamespace``); a child of pyvirsh joins the container's
cgroups and namespaces and forks again (a new PID namespace applies to
children), and that grandchild execs the command.  The exit status is the
command's.
"""

from __future__ import annotations

import os
import sys

from pyvirt import libvirt_lxc
from pyvirt.shell import lookup
from pyvirt.shell.command import DOMAIN, Args, CmdError, argv, command, flag
from pyvirt.shell.main import Shell


@command("lxc-enter-namespace", "domain", "LXC Guest Enter Namespace",
         [DOMAIN, flag("noseclabel", "Do not change process security label"),
          argv("cmd", "namespace", required=True)])
def cmd_lxc_enter_namespace(shell: Shell, args: Args) -> bool:
    """Run a command inside a running container."""
    dom, _name = lookup.domain(shell, args)
    cmd = args.words("cmd")
    fds = libvirt_lxc.lxcOpenNamespace(dom, 0)
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:
        code = 125
        try:
            libvirt_lxc.lxcEnterCGroup(dom, 0)
            libvirt_lxc.lxcEnterNamespace(fds, 0)
            child = os.fork()
            if child == 0:
                try:
                    os.execvp(cmd[0], cmd)
                except OSError as exc:
                    sys.stderr.write(f"error: cannot run '{cmd[0]}': {exc.strerror}\n")
                    os._exit(126)
            _, status = os.waitpid(child, 0)
            code = os.waitstatus_to_exitcode(status)
        except BaseException as exc:  # noqa: BLE001 - the child reports and exits
            sys.stderr.write(f"error: {exc}\n")
        finally:
            os._exit(code if code >= 0 else 128 - code)
    for fd in fds:
        os.close(fd)
    _, status = os.waitpid(pid, 0)
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        raise CmdError(f"command '{' '.join(cmd)}' exited with status {code}")
    return True
