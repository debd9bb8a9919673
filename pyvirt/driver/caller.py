"""Which client a driver call serves, for what a driver keeps on a client's behalf.

pyvirtd sets :data:`current` to the client's connection object while one of
its calls runs, and when the client goes away calls the driver's
``release_caller(client)`` if the driver has one (libvirt ties such things
to the connection that made them: virDomainFDAssociate's descriptors).  An
in-process call runs with ``None``: what it leaves lives as long as the
driver.
"""

from __future__ import annotations

from contextvars import ContextVar

current: ContextVar[object | None] = ContextVar("pyvirt_caller", default=None)
