"""The node-device driver of real hosts: devices read from sysfs, as libvirt's udev
backend reads them.

========================  ======================================================
sysfs.py                  devices, their udev properties and attributes
build.py                  a device's definition (type, capability, name)
pciids.py                 PCI vendor and device names
driver.py                 the driver of a host root, kernel device events
========================  ======================================================
"""
