"""The network driver: virtual networks of a host root on real bridges.

==========================  =====================================================
driver.py                   the driver table (networks, leases, events)
state.py                    definitions, autostart links and live status on disk
bridge.py                   the Linux bridge through netlink (pyroute2)
firewall.py                 the network's nftables table
dnsmasq.py                  dnsmasq's configuration, files and process
leases.py                   its leases file; the lease script keeping DHCPv6 MACs
==========================  =====================================================
"""
