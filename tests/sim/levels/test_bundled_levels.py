"""The bundled level plans: Porto Alegre by the Cais Mauá gauge, Helsinki by measured and
forecast ammonia. Known answers from the scenarios' own curves."""

from __future__ import annotations

import numpy as np
import pytest

from musterpoint.scenarios.loader import bundled_scenarios, load_scenario
from musterpoint.sim.engine import simulate
from musterpoint.sim.hazards.flood import StageHydrograph
from musterpoint.sim.levels.forecast import GaugeReader
from musterpoint.sim.world import build_world
from tests.helpers.golden import short_world


def test_porto_alegre_forecast_reads_the_design_curve_0_3_m_low():
    loaded = load_scenario(bundled_scenarios()["porto-alegre-flood"])
    sc = loaded.scenario
    assert sc.monitoring is not None and sc.hazard.flood is not None
    stage = np.array(sc.hazard.flood.stage, dtype=float)
    hydro = StageHydrograph(stage[:, 0] * 3600.0, stage[:, 1])
    reader = GaugeReader(list(sc.monitoring.gauges), None)
    sgb = sc.monitoring.forecasts[0]
    reader.issue(sgb, 7200.0, hydro)
    # at 2.4 h the forecast 2 h ahead is the curve at 4.4 h (4.2 + 0.4 x 0.25 = 4.3 m)
    # less 0.3 m: exactly the 4.0 m of level II
    assert reader.forecast(sgb, 8640.0, 7200.0) == pytest.approx(4.0)
    assert reader.truth("cais-maua", 8640.0, hydro) == pytest.approx(3.0 + 0.6 * 1.2)


@pytest.mark.slow
def test_porto_alegre_gauge_levels_fire_at_the_curves_crossings():
    loaded = load_scenario(bundled_scenarios()["porto-alegre-flood"])
    world = build_world(loaded)
    res = simulate(world, loaded.plan("gauge-levels"), 1)
    # III: 3.0 m at the start; II: forecast 4.0 m at 2.4 h, next 15-min check 2.5 h;
    # I: 4.76 m forecast 0.3 m low 3 h ahead = 5.06 m at 7.8 h: at 4.8 h, check at 5 h
    assert res.kpis["levels"]["first_on_s"] == {"IV": 0.0, "III": 0.0, "II": 9000.0,
                                                "I": 18000.0}
    ev = res.events
    opened = ev[(ev["type"] == "command")]["time_s"].tolist()
    assert opened == [9000.0, 9000.0]
    zones = res.tables["zones"]
    low = zones["elevation_m"] <= 4
    assert (zones.loc[low, "order_s"] == 0.0).all()
    assert (zones.loc[~low & (zones["elevation_m"] <= 5), "order_s"] == 9000.0).all()
    assert (zones.loc[zones["elevation_m"] > 5, "order_s"] == 18000.0).all()


def test_helsinki_plume_levels_follow_the_detectors_and_the_forecast():
    world = short_world("helsinki-ammonia")
    res = simulate(world, world.loaded.plan("plume-levels"), 1)
    ch = res.tables["level_changes"]
    got = [(r.level, r.change, float(r.time_s)) for r in ch.itertuples()]
    # the plume over Kaisaniemi until the wind veers at 45 min; AEGL-2 at Kruununhaka
    # from 45 min, forecast 30 min ahead: level I at 15 min
    assert got[:3] == [("II", "on", 0.0), ("III", "on", 0.0), ("I", "on", 900.0)]
    assert ("II", "off", 2700.0) in got and ("III", "off", 2700.0) in got
    first = res.events[res.events["type"] == "order"].groupby("zone")["time_s"].min()
    assert first[["Z09-08", "Z08-09", "Z09-10", "Z08-10"]].eq(0.0).all()
    assert set(first.unique()) == {0.0, 900.0}
