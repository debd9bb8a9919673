"""The container's /proc/meminfo content, as libvirt's lxc_fuse computes it."""

from __future__ import annotations

from pyvirt.drivers.lxc.meminfo import render

HOST = """MemTotal:       24683784 kB
MemFree:        20000000 kB
MemAvailable:   21000000 kB
Buffers:           12345 kB
Cached:          1000000 kB
Active:           500000 kB
Inactive:         400000 kB
Active(anon):     300000 kB
Inactive(anon):   200000 kB
Active(file):     200000 kB
Inactive(file):   200000 kB
Unevictable:          16 kB
SwapTotal:       1048576 kB
SwapFree:        1048576 kB
Slab:             600000 kB
SReclaimable:     500000 kB
SUnreclaim:       100000 kB
HugePages_Total:       0
"""

FIG = {"total": 65536, "usage": 4096, "cached": 1024, "active_anon": 100,
       "inactive_anon": 200, "active_file": 300, "inactive_file": 400, "unevictable": 8,
       "swaptotal": 131072, "swapusage": 6144}


def test_render_limits_and_use():
    lines = render(HOST, FIG, swap=False).decode().splitlines()
    assert lines[:3] == ["MemTotal:          65536 kB", "MemFree:           61440 kB",
                         "MemAvailable:      61440 kB"]
    got = dict(line.split(":", 1) for line in lines)
    assert got["Buffers"].split() == ["0", "kB"] and got["Slab"].split() == ["0", "kB"]
    assert got["Active"].split()[0] == "400" and got["Inactive"].split()[0] == "600"
    assert got["Inactive(file)"].split()[0] == "400" and got["Unevictable"].split()[0] == "8"
    # without <swap_hard_limit> the host's swap lines stay, as do lines libvirt leaves
    assert got["SwapTotal"].split()[0] == "1048576"
    assert lines[-1] == "HugePages_Total:       0"


def test_render_swap_from_memsw_limit():
    got = dict(line.split(":", 1) for line in render(HOST, FIG, swap=True).decode()
               .splitlines())
    assert got["SwapTotal"].split()[0] == str(131072 - 65536)
    assert got["SwapFree"].split()[0] == str(131072 - 65536 - 6144 + 4096)
