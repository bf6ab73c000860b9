"""The planner's studio (``muster studio``): scenarios and plans edited on a map, run and
compared in the browser, in English or Chinese.

:class:`StudioServer` serves a :class:`Workspace` with the drill console's serving and
access rules; runs and comparisons go to worker processes (:mod:`.jobs`) that call the
same pipeline as the command line (:func:`musterpoint.run_pipeline.run_pipeline`).
"""

from __future__ import annotations

from musterpoint.studio.server import DEFAULT_STUDIO_PORT, StudioServer
from musterpoint.studio.workspace import Workspace

__all__ = ["DEFAULT_STUDIO_PORT", "StudioServer", "Workspace"]
