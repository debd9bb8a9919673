"""The interface driver of real hosts (``iface-*``): the host's interfaces, read-only,
as libvirt's udev interface backend shows them (see :mod:`.driver`)."""
