"""``python -m pyvirt.daemon``: the same as the ``pyvirtd`` command."""

import sys

from pyvirt.daemon.main import main

sys.exit(main())
