"""The ``--tiles URL --tiles-attribution TEXT`` options of ``muster run`` and ``compare``.

No base map is hard-wired: by default the maps draw the road network from the run's links
and load nothing from the network. ``--tiles`` names any XYZ tile server (one reachable
where the planner works, e.g. a national provider or a local tile cache), and its credit
is required, since every tile provider asks for one.
"""

from __future__ import annotations

import argparse
import re

from musterpoint.scenarios.errors import InputError

__all__ = ["add_tiles_arguments", "check_tiles", "check_tiles_arguments"]

_TILE_URL = re.compile(r"^https?://[^\s\"'<>\\]+$")


def add_tiles_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``--tiles`` and ``--tiles-attribution`` to a sub-command's parser."""
    parser.add_argument("--tiles", default=None, metavar="URL",
                        help="base map tiles, an XYZ URL such as "
                             "https://tile.example.org/{z}/{x}/{y}.png (default: no tiles, "
                             "roads drawn from the network)")
    parser.add_argument("--tiles-attribution", default=None, metavar="TEXT",
                        help="the credit the tile provider asks for (required with --tiles)")


def check_tiles(url: str | None, attribution: str | None) -> str | None:
    """Why a tile URL and its credit cannot be used, or None when they can.

    Parameters
    ----------
    url : str or None
        An XYZ tile URL template, or None for no tiles.
    attribution : str or None
        The credit line the tile provider asks for.

    Returns
    -------
    str or None
        A message naming the problem and the fix, or None.
    """
    if url is None:
        return None if attribution is None else "--tiles-attribution needs --tiles URL"
    if not _TILE_URL.match(url) or not all(k in url for k in ("{z}", "{x}", "{y}")):
        return ("the tile URL must start with http:// or https:// and hold {z}, {x} and {y}, "
                "e.g. https://tile.example.org/{z}/{x}/{y}.png")
    if not (attribution or "").strip():
        return "tile providers require a credit: give --tiles-attribution TEXT"
    return None


def check_tiles_arguments(args: argparse.Namespace) -> None:
    """Refuse unusable ``--tiles`` options before anything is simulated.

    Raises
    ------
    InputError
        Naming ``--tiles`` and the fix.
    """
    problem = check_tiles(getattr(args, "tiles", None), getattr(args, "tiles_attribution", None))
    if problem:
        raise InputError.single("--tiles", "", problem)
