"""Save and restore with typed parameters (virDomainSaveParams, virDomainRestoreParams).

The parameters are libvirt's ``file`` and ``dxml``; the work is the one
:meth:`QemuDriver.domainSaveFlags` and :meth:`domainRestoreFlags` do.  As in
libvirt's QEMU driver, a save without ``file`` is a managed save, and a
restore needs one.
"""

from __future__ import annotations

from typing import Any

from pyvirt import constants as C
from pyvirt.driver.typedparams import check_params
from pyvirt.errors import report

_FROM = C.VIR_FROM_QEMU
_SPEC: dict[str, type] = {C.VIR_DOMAIN_SAVE_PARAM_FILE: str, C.VIR_DOMAIN_SAVE_PARAM_DXML: str}


class SaveParamsAPI:
    """virDomainSaveParams and virDomainRestoreParams of the QEMU driver."""

    def domainSaveParams(self, dom: Any, params: dict[str, Any],
                         flags: int) -> int:
        """Save to ``params['file']`` (a managed save without it)."""
        check_params(params, _SPEC)
        to = params.get(C.VIR_DOMAIN_SAVE_PARAM_FILE)
        dxml = params.get(C.VIR_DOMAIN_SAVE_PARAM_DXML)
        if to is None:
            if dxml is not None:
                raise report(C.VIR_ERR_OPERATION_UNSUPPORTED, "managed save does not "
                             "support alternative XML", _FROM)
            result: int = self.domainManagedSave(dom, flags)  # type: ignore[attr-defined]
            return result
        done: int = self.domainSaveFlags(dom, to, dxml, flags)  # type: ignore[attr-defined]
        return done

    def domainRestoreParams(self, params: dict[str, Any], flags: int) -> int:
        """Restore from ``params['file']`` (with ``params['dxml']``, if given)."""
        check_params(params, _SPEC)
        frm = params.get(C.VIR_DOMAIN_SAVE_PARAM_FILE)
        if frm is None:
            raise report(C.VIR_ERR_INVALID_ARG, "File to restore from must be specified",
                         _FROM)
        done: int = self.domainRestoreFlags(  # type: ignore[attr-defined]
            frm, params.get(C.VIR_DOMAIN_SAVE_PARAM_DXML), flags)
        return done
