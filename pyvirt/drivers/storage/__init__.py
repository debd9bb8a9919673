"""The storage driver: pools and volumes of a host root.

==========================  =====================================================
driver.py                   the driver table (pools, volumes, events)
state.py                    definitions, autostart links and live status on disk
volfile.py                  file volumes: qemu-img create/convert/resize/info, wipe
transfer.py                 volume upload and download on virStreams
translate.py                guests' ``<disk type='volume'>`` -> a file source
backends/                   one module per pool type (``dir``, ``fs`` so far)
==========================  =====================================================
"""
