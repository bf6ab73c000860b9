"""The time span of a run map's slider.

Leaflet.timeline shows a feature while ``start <= time <= end`` (both inclusive). The map
writers store each state as ``[start, next change - 1 ms]`` so that consecutive states of
one link or hazard never overlap. The slider's last step is the end computed here, so a
state lasting to it must include that instant, or the final flood frame and every road
vanish exactly where the slider's "end" lands: the writers need this end before they
build their features.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import pandas as pd

from musterpoint.display.timefmt import as_seconds

__all__ = ["feature_end_ms", "timeline_end_s"]


def timeline_end_s(meta: Mapping[str, Any], tables: Mapping[str, pd.DataFrame],
                   interval_s: float) -> float:
    """The slider's last instant, in simulation seconds.

    Parameters
    ----------
    meta : Mapping
        The run's metadata (``duration_s``).
    tables : Mapping
        The run's tables; ``hazard_frames`` (``time_s``) and ``link_states``
        (``interval_start_s``) are read when present.
    interval_s : float
        Length of one ``link_states`` interval.

    Returns
    -------
    float
        The run's duration, or the last hazard frame or the end of the last link interval
        when either is later.
    """
    end_s = as_seconds(meta.get("duration_s")) or 0.0
    frames = tables.get("hazard_frames")
    if frames is not None and not frames.empty:
        last_frame = pd.to_numeric(frames["time_s"], errors="coerce").max()
        if pd.notna(last_frame):
            end_s = max(end_s, float(last_frame))
    states = tables.get("link_states")
    if states is not None and not states.empty:
        last = pd.to_numeric(states["interval_start_s"], errors="coerce").max()
        if pd.notna(last):
            end_s = max(end_s, float(last) + interval_s)
    return end_s


def feature_end_ms(clock: Callable[[float], int], end_s: float, last_s: float) -> int:
    """A state's ``end`` for the slider: 1 ms before the next change, so consecutive states
    never overlap, but the instant itself when the state lasts to ``last_s`` (the end of
    the data), so nothing vanishes at the slider's last step."""
    return clock(end_s) - (0 if end_s >= last_s else 1)
