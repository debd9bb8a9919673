"""pyvirtd: the daemon that serves libvirt's RPC protocol from local drivers.

- :mod:`pyvirt.daemon.main`: the ``pyvirtd`` command line;
- :mod:`pyvirt.daemon.config`: libvirtd.conf-style settings;
- :mod:`pyvirt.daemon.server`: listeners, worker pools, shared drivers;
- :mod:`pyvirt.daemon.connection`: one client: dispatch, events, keepalive;
- :mod:`pyvirt.daemon.streams`: streams carried as STREAM messages;
- :mod:`pyvirt.daemon.sasl`: SASL PLAIN authentication.
"""
