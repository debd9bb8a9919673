"""A guest interface's ``<filterref>``: a filter binding on its tap.

When a guest starts (or an interface is plugged) with ``<filterref
filter=...>``, the QEMU driver asks the nwfilter driver of its host root
for a binding of that filter to the tap (owner: the guest; MAC: the
guest's), as libvirt's virDomainConfNWFilterInstantiate does; the binding
is deleted when the guest stops or the interface is unplugged.
"""

from __future__ import annotations

import contextlib
import logging
from typing import Any
from xml.sax.saxutils import quoteattr

from pyvirt import constants as C
from pyvirt.conf import xmlutil
from pyvirt.drivers import hostroot
from pyvirt.errors import libvirtError, report

log = logging.getLogger(__name__)


def _filterref(net: Any) -> Any:
    return next((e for e in getattr(net, "kept", []) if e.tag == "filterref"), None)


def _driver(cfg: Any) -> Any:
    return hostroot.current("nwfilter", hostroot.HostRoot.of_qemu(cfg)) if cfg else None


def bind(cfg: Any, owner: Any, net: Any, undo: contextlib.ExitStack) -> None:
    """Bind the interface's filter (if it has one) to its tap ``net.target_dev``;
    ``undo`` deletes the binding."""
    ref = _filterref(net)
    if ref is None or not net.target_dev:
        return
    drv = _driver(cfg)
    if drv is None:
        raise report(C.VIR_ERR_NO_SUPPORT, "no nwfilter driver for the filter of interface "
                     f"'{net.target_dev}'", C.VIR_FROM_NWFILTER)
    xml = ("<filterbinding><owner><name>" + _text(owner.name) + "</name><uuid>"
           + owner.uuid + "</uuid></owner>"
           f"<portdev name={quoteattr(net.target_dev)}/>"
           f"<mac address={quoteattr(net.mac or '')}/>" + xmlutil.to_string(ref)
           + "</filterbinding>")
    binding = drv.nwfilterBindingCreateXML(xml, 0)
    undo.callback(_delete, drv, binding)


def unbind(cfg: Any, net: Any) -> None:
    """Delete the binding of the interface's tap, if it has one (failures are logged)."""
    drv = _driver(cfg)
    if drv is None or _filterref(net) is None or not net.target_dev:
        return
    try:
        _delete(drv, drv.nwfilterBindingLookupByPortDev(net.target_dev))
    except libvirtError as exc:
        log.warning("filter binding of %s: %s", net.target_dev, exc)


def unbind_all(cfg: Any, def_: Any) -> None:
    """Delete the bindings of every interface of a guest that stopped."""
    for net in getattr(def_.devices, "interfaces", []):
        unbind(cfg, net)


def _delete(drv: Any, binding: Any) -> None:
    try:
        drv.nwfilterBindingDelete(binding)
    except libvirtError as exc:
        log.warning("filter binding of %s not deleted: %s", binding.portdev, exc)


def _text(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
