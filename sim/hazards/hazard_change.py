"""A flood that changes during a run: the stage hydrograph raised from now on.

A drill's trainer (or an inject such as a floodgate failure) can say "the river rises
``add_m`` metres above what was expected over the next ``over_h`` hours". The new curve is
the old one up to now plus a ramp from 0 at now to ``add_m`` at ``now + over_h``, held
after; being a sum of piecewise-linear curves it is piecewise linear with the union of
their breakpoints, so crossings stay exact. The past is unchanged, so flooded intervals
before now are the same under both curves.
"""

from __future__ import annotations

import numpy as np

from musterpoint.sim.hazards.flood import StageHydrograph

__all__ = ["raised_stage"]


def raised_stage(hydro: StageHydrograph, now_s: float, add_m: float,
                 over_s: float) -> StageHydrograph:
    """The hydrograph raised by a ramp of ``add_m`` metres from ``now_s`` over ``over_s``.

    Parameters
    ----------
    hydro : StageHydrograph
        The curve until now.
    now_s : float
        When the change starts (s).
    add_m : float
        How much higher the water will be (m; negative lowers it).
    over_s : float
        How long the ramp takes (s, >= 0; 0 is a jump right after now).

    Returns
    -------
    StageHydrograph
        The new curve (equal to ``hydro`` at and before ``now_s``).
    """
    over_s = max(float(over_s), 1e-3)
    end = now_s + over_s
    t = np.unique(np.concatenate([hydro.times_s, [now_s, end]]))
    base = hydro.level_at(t)
    ramp = float(add_m) * np.clip((t - now_s) / over_s, 0.0, 1.0)
    return StageHydrograph(t, base + ramp)

