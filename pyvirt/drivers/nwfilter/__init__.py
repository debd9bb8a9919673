"""The nwfilter driver: network filters and their bindings to guest ports.

==========================  =====================================================
driver.py                   the driver table (filters, bindings), state on disk
rules.py                    a binding's filter tree -> an nftables bridge table
stock/                      libvirt's stock filters (data, defined on a new root)
==========================  =====================================================
"""
