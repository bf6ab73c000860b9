"""``python -m musterpoint``: the ``muster`` command."""

import sys

from musterpoint.cli import main

__all__: list[str] = []

sys.exit(main())
