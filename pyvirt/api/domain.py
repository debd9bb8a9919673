"""virDomain, virDomainSnapshot and virDomainCheckpoint."""

from __future__ import annotations

from typing import Any

from pyvirt import constants as C
from pyvirt.api import _generated as G
from pyvirt.api.base import ApiObject, NamedUUIDObject
from pyvirt.errors import denied, libvirtError, report, report_raw

# libvirt's internal driver feature number for peer-to-peer migration
# (virDrvFeature VIR_DRV_FEATURE_MIGRATION_P2P).
FEATURE_MIGRATION_P2P = 4


def supports_feature(drv: Any, feature: int) -> bool:
    """True when the driver says it has ``feature`` (no answer counts as no)."""
    try:
        return bool(drv.connectSupportsFeature(feature))
    except libvirtError:
        return False


class virDomain(NamedUUIDObject, G._virDomain):  # noqa: N801
    """A guest: lifecycle, configuration and runtime queries."""

    def ID(self) -> int:  # noqa: N802
        """Return the domain's id (-1 when it is not running), as when it was looked up."""
        return self._o.id

    def XMLDesc(self, flags: int = 0) -> str:  # noqa: N802
        """Return the domain's XML (secure details need a read-write connection)."""
        if self._ro and flags & C.VIR_DOMAIN_XML_SECURE:
            raise report(C.VIR_ERR_OPERATION_DENIED, "virDomainGetXMLDesc with secure flag",
                         C.VIR_FROM_DOMAIN)
        return self._drv.domainGetXMLDesc(self._o, flags)

    def FDAssociate(self, name: str, files: list[int], flags: int = 0) -> int:
        """Associate open descriptors with the domain under ``name`` (for ``fdgroup``)."""
        if self._ro:
            raise denied("virDomainFDAssociate")
        if not files:
            raise report_raw(C.VIR_ERR_INVALID_ARG, "nfds in virDomainFDAssociate must not be "
                             "zero", C.VIR_FROM_DOMAIN)
        return G._virDomain.FDAssociate(self, name, files, flags)

    def _check_p2p(self, flags: int) -> None:
        # As libvirt's public API: peer-to-peer needs the source driver's support.
        if flags & C.VIR_MIGRATE_PEER2PEER and not supports_feature(self._drv,
                                                                    FEATURE_MIGRATION_P2P):
            raise report(C.VIR_ERR_ARGUMENT_UNSUPPORTED,
                         "p2p migration is not supported by the source host", C.VIR_FROM_DOMAIN)

    def migrate(self, dconn: Any, flags: int = 0, dname: Any = None, uri: Any = None,
                bandwidth: int = 0) -> Any:
        """Migrate the domain to the connection ``dconn``."""
        self._check_p2p(flags)
        return G._virDomain.migrate(self, dconn, flags, dname, uri, bandwidth)

    def migrate2(self, dconn: Any, dxml: Any = None, flags: int = 0, dname: Any = None,
                 uri: Any = None, bandwidth: int = 0) -> Any:
        """Migrate the domain to ``dconn``, with an alternative XML."""
        self._check_p2p(flags)
        return G._virDomain.migrate2(self, dconn, dxml, flags, dname, uri, bandwidth)

    def migrate3(self, dconn: Any, params: dict, flags: int = 0) -> Any:
        """Migrate the domain to ``dconn`` with typed parameters."""
        self._check_p2p(flags)
        return G._virDomain.migrate3(self, dconn, params, flags)

    def migrateToURI(self, duri: str, flags: int = 0, dname: Any = None,  # noqa: N802
                     bandwidth: int = 0) -> Any:
        """Migrate the domain to the host at ``duri``."""
        self._check_p2p(flags)
        return G._virDomain.migrateToURI(self, duri, flags, dname, bandwidth)

    def migrateToURI2(self, dconnuri: Any = None, miguri: Any = None,  # noqa: N802
                      dxml: Any = None, flags: int = 0, dname: Any = None,
                      bandwidth: int = 0) -> Any:
        """Migrate the domain, naming the destination connection and migration URIs."""
        self._check_p2p(flags)
        return G._virDomain.migrateToURI2(self, dconnuri, miguri, dxml, flags, dname, bandwidth)

    def migrateToURI3(self, dconnuri: str, params: dict, flags: int = 0) -> Any:  # noqa: N802
        """Migrate the domain to ``dconnuri`` with typed parameters."""
        self._check_p2p(flags)
        return G._virDomain.migrateToURI3(self, dconnuri, params, flags)


class _DomainChild(ApiObject):
    """An object that belongs to a domain (snapshot, checkpoint)."""

    def __init__(self, dom: Any, _obj: Any = None) -> None:
        ApiObject.__init__(self, dom._conn, _obj)
        self._dom = dom

    def domain(self) -> Any:
        """Return the virDomain this object belongs to."""
        return self._dom

    def getDomain(self) -> Any:  # noqa: N802
        """Return the virDomain this object belongs to."""
        return self._dom

    def getConnect(self) -> Any:  # noqa: N802
        """Return the connection."""
        return self._conn

    def getName(self) -> str:  # noqa: N802
        """Return the object's name."""
        return self._o.name


class virDomainSnapshot(_DomainChild, G._virDomainSnapshot):  # noqa: N801
    """A snapshot of a domain."""


class virDomainCheckpoint(_DomainChild, G._virDomainCheckpoint):  # noqa: N801
    """A checkpoint of a domain."""
