"""Run the test driver's scenario (tests/drivers/test/scenario.py) through a daemon.

    remote_scenario.py MODULE URI

MODULE is ``libvirt`` (real libvirt-python) or ``pyvirt``; every
``open("test:///default")`` of the scenario is sent to URI instead.
"""

import importlib
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "drivers",
                                "test"))

import scenario

modname, uri = sys.argv[1], sys.argv[2]
lib = importlib.import_module(modname)
_open = lib.open
lib.open = lambda name=None, *args: _open(uri if name == "test:///default" else name, *args)
scenario.main(modname)
