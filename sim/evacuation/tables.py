"""Turn the state of a finished run into the tidy tables of a RunResult."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from musterpoint.sim.tables import Event, check_columns
from musterpoint.sim.traffic.queue_model import VehicleState
from musterpoint.sim.world import hazard_frames

if TYPE_CHECKING:
    from musterpoint.sim.evacuation.run import EvacuationRun

__all__ = ["build_tables"]



def _still_exposed(run: EvacuationRun, until: float) -> np.ndarray:
    """Whether each agent is in the hazard at the end (at home or on a hazard link)."""
    out = np.zeros(run.agents.status.size, dtype=bool)
    fl = run.world.place_flooded
    link_fl = run.world.link_flooded
    tm = run.roads.traffic
    for v in range(run.agents.status.size):
        if run.agents.status[v] == "arrived":
            continue
        tv = int(run.agents.vehicle[v])
        if tv >= 0 and tm.state[tv] == VehicleState.ON_ROAD and link_fl is not None:
            out[v] = any(s <= until < e for s, e in link_fl[tm.link[tv]])
        elif fl is not None and run.agents.veh.place[v] >= 0 and (
                tv < 0 or tm.state[tv] == VehicleState.WAITING):
            out[v] = any(s <= until < e for s, e in fl[int(run.agents.veh.place[v])])
    return out


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
    cur = np.full(n, -1, dtype=np.int64)
    for v in range(n):
        tv = int(run.agents.vehicle[v])
        if run.agents.final_dest[v] >= 0:
            cur[v] = run.agents.final_dest[v]
        elif tv >= 0 and tm.state[tv] != VehicleState.STRANDED:
            cur[v] = tm.dest[tv]
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
        "role": run.agents.role.astype(str),
        "mode": mode.astype(str),
        "zone": zids[veh.zone],
        "origin_node": net.node_id[veh.origin].astype(np.int64),
        "origin_lon": net.lon[veh.origin],
        "origin_lat": net.lat[veh.origin],
        "destination": dest_ids[cur],
        "persons": persons,
        "pcu": veh.pcu.astype(float),
        "order_s": zone_order[veh.zone] if w.trips is None else run.agents.depart_s,
        "depart_s": np.where(fi >= 0, run.agents.left_home_s,
                             np.where((mode == "bus") | (mode == "walk"),
                                      run.agents.depart_s_all, run.agents.depart_s)),
        "arrive_s": run.agents.arrive_s,
        "status": run.agents.status.astype(str),
        "reason": run.agents.reason.astype(str),
        "exposed_home_person_s": run.agents.exposed_home_s * persons,
        "exposed_road_person_s": run.agents.exposed_road_s * persons,
    })
    agents["exposed_person_s"] = agents["exposed_home_person_s"] + agents["exposed_road_person_s"]
    agents["left_hazard_s"] = run.agents.left_hazard_s
    agents["still_exposed"] = _still_exposed(run, until)
    ag = run.agents
    end = np.where(ag.stop_node >= 0, ag.stop_node, veh.origin)
    for v in np.flatnonzero((ag.vehicle >= 0) & (ag.stop_node < 0)).tolist():
        end[v] = tm.node[int(ag.vehicle[v])]
    for v in np.flatnonzero((ag.vehicle < 0) & (ag.final_dest >= 0)
                            & (ag.final_dest < run.shelters.n)).tolist():
        end[v] = run.shelters.dest[int(ag.final_dest[v])].node
    agents["group"] = ag.group.astype(str)
    fac_ids = np.array([f.id for f in w.loaded.scenario.special_facilities] + [""],
                       dtype=object)
    agents["facility"] = fac_ids[ag.facility_index].astype(str)
    agents["cut_off_at_start"] = ag.cut_off_at_start
    agents["waits"] = ag.waits
    agents["retries"] = ag.retries
    agents["end_node"] = net.node_id[end].astype(np.int64)

    events = pd.DataFrame(run.recorder.events, columns=list(Event._fields))
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
        "link_id": net.link_id.astype(str),
        "highway": net.highway.astype(str),
        "name": net.name.astype(str),
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
    zr["zone"] = zids[zr["z"].to_numpy()].astype(str)
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
