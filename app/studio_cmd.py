"""``muster studio``: the planner's studio, a local web app (see :mod:`musterpoint.studio`)."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from musterpoint.scenarios.errors import InputError
from musterpoint.serve_cmd import add_serving_arguments
from musterpoint.tiles_args import add_tiles_arguments, check_tiles_arguments

__all__ = ["register"]

logger = logging.getLogger(__name__)

Handler = Callable[[argparse.Namespace], int]


def register(subparsers: Any) -> dict[str, Handler]:
    """Add ``studio`` to the ``muster`` parser; return its handler."""
    s = subparsers.add_parser("studio", help="edit, run and compare plans in the browser")
    s.add_argument("scenarios", nargs="*", type=Path, default=[],
                   help="scenario folders to open and edit in place (bundled scenarios are "
                        "copied into the workspace when opened)")
    s.add_argument("--workspace", type=Path, default=Path("muster-studio"),
                   help="folder for scenario copies, uploads and results "
                        "(default ./muster-studio)")
    add_serving_arguments(s, 8766)
    s.add_argument("--lang", choices=("en", "zh"), default="en",
                   help="page language until one is chosen in the page")
    add_tiles_arguments(s)
    return {"studio": _cmd_studio}


def _cmd_studio(args: argparse.Namespace) -> int:
    from musterpoint.serve_cmd import serve_in_foreground
    from musterpoint.studio import StudioServer, Workspace

    check_tiles_arguments(args)
    workspace = Workspace(args.workspace, list(args.scenarios))
    try:
        server = StudioServer(workspace, args.host, args.port, token=args.token,
                              tiles=args.tiles, tiles_attribution=args.tiles_attribution,
                              lang=args.lang,
                              allow_hosts=args.allow_host)
    except OSError as exc:
        raise InputError.single("--port", "", f"cannot serve on {args.host}:{args.port} "
                                f"({exc}); choose another --port") from exc
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        print(f"note: serving on {args.host}; every request needs the access token",
              file=sys.stderr)
    print(f"studio: {server.url}", flush=True)
    print(f"workspace: {workspace.root}", flush=True)
    print(serve_in_foreground(server), flush=True)
    return 0
