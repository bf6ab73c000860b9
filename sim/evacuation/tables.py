"""Turn the state of a finished run into the tidy tables of a RunResult."""

from __future__ import annotations

from operator import itemgetter
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from pandas.api.types import infer_dtype

from musterpoint.sim.intervals import inside_at
from musterpoint.sim.tables import Event, check_columns
from musterpoint.sim.traffic.queue_model import VehicleState
from musterpoint.sim.world import hazard_frames

if TYPE_CHECKING:
    from musterpoint.sim.evacuation.run import EvacuationRun

__all__ = ["build_tables", "text_column"]



def _text(a: np.ndarray) -> Any:
    """``a.astype(str)`` as a table column: an object array holding only ``str`` is
    used as it is, without the detour through a fixed-width numpy string array (twice the
    time at millions of rows); see :func:`text_column`."""
    if a.dtype == object and a.size and infer_dtype(a, skipna=False) == "string":
        return text_column(a)
    return text_column(a.astype(str).astype(object)) if a.size else a.astype(str)


def text_column(a: np.ndarray) -> Any:
    """A table column of an object array of ``str``: the column a table
    makes of ``a``, with each distinct text converted to the table's text type once.

    pandas 3 keeps text in Arrow arrays; converting a Python ``str`` costs far more than
    looking it up, and a run's text columns repeat a few values (a link id per link
    state, an event kind per event): the distinct texts are converted and the column
    taken from them, the same values in the same type. A missing value (None, NaN) stays
    missing, as the table would make it.
    """
    codes, uniques = pd.factorize(a)
    return pd.Series(uniques).array.take(codes, allow_fill=True)


def _still_exposed(run: EvacuationRun, until: float) -> np.ndarray:
    """Whether each agent is in the hazard at the end (at home or on a hazard link)."""
    ag = run.agents
    out = np.zeros(ag.status.size, dtype=bool)
    fl = run.world.place_flooded
    link_fl = run.world.link_flooded
    if fl is None and link_fl is None:
        return out
    tm = run.roads.traffic
    left = np.flatnonzero(ag.status != "arrived")
    tv = ag.vehicle[left]
    state = np.full(left.size, -1, dtype=np.int64)
    has = tv >= 0
    state[has] = np.asarray(tm.state, dtype=np.int64)[tv[has]]
    on_road = has & (state == VehicleState.ON_ROAD)
    if link_fl is not None:
        link = np.asarray(tm.link, dtype=np.int64)[tv[on_road]]
        out[left[on_road]] = inside_at(link_fl, until)[link]
        home = ~on_road
    else:
        home = np.ones(left.size, dtype=bool)
    if fl is not None:
        place = ag.veh.place[left]
        home &= (place >= 0) & (~has | (state == VehicleState.WAITING))
        out[left[home]] = inside_at(fl, until)[place[home]]
    return out


def _events_frame(rows: list[Event]) -> pd.DataFrame:
    """The event log as a table: the table pandas makes of the rows, made a column at
    a time (numbers straight to arrays), about 40 % faster for millions of events.

    A column of ``str`` stays text; of floats, or ints and floats, becomes float64; of
    ints, int64 (as pandas infers them from the rows). Anything else (none so far) is
    left to pandas, from the rows."""
    n = len(rows)
    cols: dict[str, np.ndarray] = {}
    for i, name in enumerate(Event._fields):
        col = np.fromiter(map(itemgetter(i), rows), dtype=object, count=n)
        kind = infer_dtype(col, skipna=False) if n else ""
        if kind == "string":
            cols[name] = text_column(col)
        elif kind in ("floating", "mixed-integer-float"):
            cols[name] = col.astype(np.float64)
        elif kind == "integer":
            cols[name] = col.astype(np.int64)
        else:
            return pd.DataFrame(rows, columns=list(Event._fields))
    return pd.DataFrame(cols)


def build_tables(run: EvacuationRun, until: float) -> tuple[dict[str, pd.DataFrame],
                                                            dict[str, Any]]:
    """All tables of the run, plus extra figures (``vehicle_km``)."""
    w = run.world
    net = w.network
    veh = run.agents.veh
    tm = run.roads.traffic
    zids = np.array([*w.zones.ids, "(outside)"], dtype=object)
    n = veh.zone.size
    n_dest = len(run.roads.router.destinations)
    dest_ids = np.array([run.dest_id(d) for d in range(n_dest)] + [""], dtype=object)
    # destination now: the one reached, else the vehicle's (unless it is stranded)
    cur = np.where(run.agents.final_dest >= 0, run.agents.final_dest, -1)
    tvs = run.agents.vehicle
    on = np.flatnonzero((cur < 0) & (tvs >= 0))
    moving = np.asarray(tm.state, dtype=np.int64)[tvs[on]] != VehicleState.STRANDED
    cur[on[moving]] = np.asarray(tm.dest, dtype=np.int64)[tvs[on[moving]]]
    persons = veh.persons.astype(np.int64)
    mode = np.where(veh.pcu > 0, "car", "none").astype(object)
    buses = run.extension("transit")
    if buses is not None:
        mode[buses.riders] = "bus"  # type: ignore[attr-defined]
    mode[run.agents.walker] = "walk"
    fi = run.agents.facility_index
    kinds = np.array([f.vehicle for f in w.loaded.scenario.special_facilities], dtype=object)
    mode[fi >= 0] = kinds[fi[fi >= 0]]
    zone_order = np.append(run.agents.zone_order, np.nan)
    agents = pd.DataFrame({
        "vehicle_id": np.arange(n, dtype=np.int64),
        "role": _text(run.agents.role),
        "mode": _text(mode),
        "zone": text_column(zids[veh.zone]),
        "origin_node": net.node_id[veh.origin].astype(np.int64),
        "origin_lon": net.lon[veh.origin],
        "origin_lat": net.lat[veh.origin],
        "destination": text_column(dest_ids[cur]),
        "persons": persons,
        "pcu": veh.pcu.astype(float),
        "order_s": zone_order[veh.zone] if w.trips is None else run.agents.depart_s,
        "depart_s": np.where(fi >= 0, run.agents.left_home_s,
                             np.where((mode == "bus") | (mode == "walk"),
                                      run.agents.depart_s_all, run.agents.depart_s)),
        "arrive_s": run.agents.arrive_s,
        "status": _text(run.agents.status),
        "reason": _text(run.agents.reason),
        "exposed_home_person_s": run.agents.exposed_home_s * persons,
        "exposed_road_person_s": run.agents.exposed_road_s * persons,
    })
    agents["exposed_person_s"] = agents["exposed_home_person_s"] + agents["exposed_road_person_s"]
    agents["left_hazard_s"] = run.agents.left_hazard_s
    agents["still_exposed"] = _still_exposed(run, until)
    ag = run.agents
    end = np.where(ag.stop_node >= 0, ag.stop_node, veh.origin)
    on_road = np.flatnonzero((ag.vehicle >= 0) & (ag.stop_node < 0))
    end[on_road] = np.asarray(tm.node, dtype=np.int64)[ag.vehicle[on_road]]
    for v in np.flatnonzero((ag.vehicle < 0) & (ag.final_dest >= 0)
                            & (ag.final_dest < run.shelters.n)).tolist():
        end[v] = run.shelters.dest[int(ag.final_dest[v])].node
    agents["group"] = _text(ag.group)
    fac_ids = np.array([f.id for f in w.loaded.scenario.special_facilities] + [""],
                       dtype=object)
    agents["facility"] = _text(fac_ids[ag.facility_index])
    agents["cut_off_at_start"] = ag.cut_off_at_start
    agents["waits"] = ag.waits
    agents["retries"] = ag.retries
    agents["end_node"] = net.node_id[end].astype(np.int64)

    events = _events_frame(run.recorder.events)
    if run.record_link_events and tm.link_trace:
        tr = np.array(tm.link_trace)
        vid = np.array(run.roads.local)[tr[:, 0].astype(int)]
        lid = net.link_id[tr[:, 1].astype(int)].astype(str)
        extra = [pd.DataFrame({"time_s": tr[:, col], "type": kind, "vehicle_id": vid,
                               "link_id": lid, "zone": "", "shelter": "", "value": np.nan,
                               "detail": ""})
                 for col, kind in ((2, "link_enter"), (3, "link_exit"))]
        events = pd.concat([events, *extra], ignore_index=True)
    events = events.sort_values(["time_s"], kind="stable").reset_index(drop=True)
    events["vehicle_id"] = events["vehicle_id"].astype(np.int64)

    link_states = run.recorder.link_states(net.link_id, net.freeflow_s)

    flooded_from = np.full(net.n_links, np.nan)
    if w.link_flooded is not None:
        for i, iv in enumerate(w.link_flooded):
            if iv:
                flooded_from[i] = iv[0][0]
    links = pd.DataFrame({
        "link_id": _text(net.link_id),
        "highway": _text(net.highway),
        "name": _text(net.name),
        "length_m": net.length_m,
        "lanes": net.lanes,
        "capacity_vph": net.capacity_vph,
        "storage_pcu": run.roads.storage,
        "freeflow_s": net.freeflow_s,
        "elevation_m": (w.link_elevation if w.link_elevation is not None
                        else np.full(net.n_links, np.nan)),
        "flooded_from_s": flooded_from,
        "wkt": net.link_wkt(),
    })
    links["elevation_m"] = links["elevation_m"].replace([np.inf], np.nan)

    ev_rows = (run.agents.role == "evacuee") & (veh.zone >= 0)
    zf = np.full(len(zids) - 1, np.nan)
    if w.place_flooded is not None and w.places is not None:
        for p, iv in enumerate(w.place_flooded):
            z = int(w.places.zone[p])
            if iv and z >= 0 and w.places.evacuate[p]:
                zf[z] = np.fmin(zf[z], iv[0][0])
    zones = pd.DataFrame({
        "zone": zids[:-1].astype(str), "lon": w.zones.lon, "lat": w.zones.lat,
        "population": w.zones.population.astype(np.int64),
        "evacuees": np.bincount(veh.zone[ev_rows], persons[ev_rows],
                                minlength=len(zids))[: len(zids) - 1].astype(np.int64),
        "elevation_m": w.zones.elevation, "order_s": run.agents.zone_order,
        "flooded_from_s": zf, "wkt": w.zones.wkt,
    })
    shelters = pd.DataFrame({
        "shelter": [d.id for d in run.shelters.dest], "name": [d.name for d in run.shelters.dest],
        "lon": [d.lon for d in run.shelters.dest], "lat": [d.lat for d in run.shelters.dest],
        "capacity": run.shelters.capacity, "elevation_m": [d.elevation for d in run.shelters.dest],
        "occupancy_end": run.shelters.occupancy.astype(np.int64),
    })

    zr = pd.DataFrame(run.recorder.zone_rows, columns=["time_s", "z", "departed", "arrived"])
    zr["zone"] = _text(zids[zr["z"].to_numpy()])
    zr["evacuees"] = zones["evacuees"].to_numpy()[zr["z"].to_numpy()]
    tot = zr.groupby("time_s", as_index=False)[["departed", "arrived", "evacuees"]].sum()
    tot["zone"] = "ALL"
    timeseries = pd.concat([zr.drop(columns="z"), tot], ignore_index=True)[
        ["time_s", "zone", "evacuees", "departed", "arrived"]]
    st = pd.DataFrame(run.recorder.shelter_rows, columns=["time_s", "s", "occupancy"])
    st["shelter"] = np.array([d.id for d in run.shelters.dest] + [""],
                             dtype=object)[st["s"].to_numpy(dtype=np.int64)]
    shelter_ts = st[["time_s", "shelter", "occupancy"]]

    frames = hazard_frames(w, until)
    frames_df = pd.DataFrame(frames, columns=["time_s", "kind", "level_m", "geojson"])

    vkm = float((run.roads.entered_total * net.length_m).sum() / 1000.0)

    tables = {"agents": agents, "events": events, "link_states": link_states, "links": links,
              "zones": zones, "shelters": shelters, "timeseries": timeseries,
              "shelter_timeseries": shelter_ts, "hazard_frames": frames_df}
    for ext in run.extensions:
        schemas = {t.name: t for t in ext.TABLE_SCHEMAS}
        for name, table in ext.tables().items():
            if name not in schemas:
                raise ValueError(f"the {ext.name} extension writes a table {name!r} it has no "
                                 "schema for (add it to its TABLE_SCHEMAS)")
            check_columns(name, list(table.columns), schemas)
            tables[name] = table
    return tables, {"vehicle_km": vkm}
