"""libvirt's RPC protocol: XDR codecs, framing and the procedure tables.

- :mod:`pyvirt.rpc.xdr`: XDR types compiled from compact specs;
- :mod:`pyvirt.rpc.protocol`: framing, header, limits, remote_error;
- :mod:`pyvirt.rpc.program`: procedures as table rows;
- :mod:`pyvirt.rpc.remote_protocol`, :mod:`pyvirt.rpc.qemu_protocol`: the tables;
- :mod:`pyvirt.rpc.calls`: how each procedure maps to a driver method,
  used by both the daemon (pyvirt.daemon) and the client (pyvirt.drivers.remote).
"""
