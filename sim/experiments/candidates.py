"""Candidate changes to a plan, read from one run of it and its flow bound.

Three kinds, each a plan that differs from the base plan in one respect:

* ``staging`` (:func:`staging_candidate`): zones ordered out later by the slack of the
  bound's earliest-arrival flow (:func:`musterpoint.sim.bounds.staged_plan.staged_schedule`);
* ``contraflow`` (:func:`contraflow_candidates`): the opposite lanes of a bottleneck
  corridor reversed from the start, one candidate per street (OSM ``name``) of the bound's
  minimum cut; a corridor is proposed only where the engine's own rule
  (:func:`musterpoint.sim.traffic.levers.contraflow_pairs`, the check ``muster validate``
  makes) finds its opposite lanes or opposite carriageway;
* ``shelters`` (:func:`shelter_candidate`): zones whose households found their shelter
  full and were redirected are assigned (``shelter_choice: zone_map``) to the nearest
  shelter, by free-flow driving time, that has room left for them.

:func:`combine` merges several candidates into one plan. Whether a candidate helps is not
decided here but by simulating it (:mod:`musterpoint.sim.experiments.suggestions`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from musterpoint.scenarios.errors import Problem
from musterpoint.scenarios.schema import Contraflow, Plan
from musterpoint.sim.bounds.bound import BoundResult, link_labels
from musterpoint.sim.bounds.relaxed_network import reverse_times
from musterpoint.sim.bounds.staged_plan import staged_schedule
from musterpoint.sim.geo import LocalProjection
from musterpoint.sim.traffic.levers import contraflow_pairs
from musterpoint.sim.world import World

__all__ = ["Candidate", "Skipped", "combine", "contraflow_candidates", "shelter_candidate",
           "staging_candidate"]

logger = logging.getLogger(__name__)

#: Named bottleneck streets tried as contraflow corridors (largest cut capacity first).
MAX_CORRIDORS = 3
#: How far the "towards" point of a corridor lies along its direction (m).
TOWARDS_M = 20_000.0


@dataclass(frozen=True)
class Candidate:
    """One proposed change of the base plan.

    Attributes
    ----------
    kind : str
        ``staging``, ``contraflow``, ``shelters`` or ``combined``.
    key : str
        Unique short name (``contraflow-1``), also the suffix of the plan's name.
    plan : Plan
        The base plan with the change applied.
    summary : dict of str to str
        What it changes, in plain words: ``en`` and ``zh``.
    details : dict
        Machine-readable figures (zones and delays, streets and link ids, zone to shelter).
    """

    kind: str
    key: str
    plan: Plan
    summary: dict[str, str]
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Skipped:
    """A kind of change that was not proposed, and why (``en``/``zh``)."""

    kind: str
    reason: dict[str, str]


def _variant(base: Plan, key: str, update: dict[str, Any]) -> Plan:
    plan = base.model_copy(update={"name": f"{base.name}-{key}", **update})
    return Plan.model_validate(plan.model_dump())


def staging_candidate(world: World, base: Plan, bound: BoundResult,
                      agents: pd.DataFrame) -> Candidate | Skipped:
    """Zones ordered out later by the slack of the bound's earliest-arrival flow."""
    if base.levels:
        return Skipped("staging", {
            "en": "the plan orders zones out by response levels, not by clock times",
            "zh": "该预案按响应级别而非时间下达撤离令"})
    if world.trips is not None or not world.zones.ids:
        return Skipped("staging", {"en": "the scenario has no zones to stage",
                                   "zh": "情景中没有可分阶段的区域"})
    sched = staged_schedule(world, base, bound, agents)
    held = {z: d for z, d in sched.delay_s.items() if d > 0}
    if not held:
        return Skipped("staging", {
            "en": "the earliest-arrival flow holds no zone back: every zone's households "
                  "can leave when ordered without queueing longer than they would wait",
            "zh": "最早到达流没有推迟任何区域：各区域居民按令出发不会比等待更久"})
    plan = _variant(base, "staging", {"stages": sched.plan.stages})
    longest = max(held.values()) / 60.0
    return Candidate("staging", "staging", plan, {
        "en": f"order {len(held)} of {len(sched.delay_s)} zones out later (up to "
              f"{longest:.0f} min), as the earliest-arrival flow would release them",
        "zh": f"按最早到达流推迟{len(held)}/{len(sched.delay_s)}个区域的撤离令"
              f"（最多{longest:.0f}分钟）"},
        {"delay_s": {z: round(d, 1) for z, d in sorted(held.items())}})


def _towards(world: World, links: np.ndarray) -> tuple[float, float]:
    """A point far along the mean direction of ``links`` (lon, lat)."""
    net = world.network
    proj = LocalProjection(float(np.mean(net.lon)), float(np.mean(net.lat)))
    xa, ya = proj.forward(net.lon[net.link_from[links]], net.lat[net.link_from[links]])
    xb, yb = proj.forward(net.lon[net.link_to[links]], net.lat[net.link_to[links]])
    vx, vy = float(np.sum(xb - xa)), float(np.sum(yb - ya))
    norm = float(np.hypot(vx, vy)) or 1.0
    mx, my = float(np.mean((xa + xb) / 2.0)), float(np.mean((ya + yb) / 2.0))
    lon, lat = proj.inverse(np.array([mx + TOWARDS_M * vx / norm]),
                            np.array([my + TOWARDS_M * vy / norm]))
    return round(float(lon[0]), 6), round(float(lat[0]), 6)


def _heading(world: World, links: np.ndarray) -> tuple[str, str]:
    """Compass heading of a corridor in English and Chinese (``eastbound``, ``向东``)."""
    net = world.network
    dx = float(np.sum((net.lon[net.link_to[links]] - net.lon[net.link_from[links]])
                      * np.cos(np.radians(np.mean(net.lat)))))
    dy = float(np.sum(net.lat[net.link_to[links]] - net.lat[net.link_from[links]]))
    k = round(float(np.degrees(np.arctan2(dx, dy))) / 45.0) % 8
    en = ("northbound", "north-eastbound", "eastbound", "south-eastbound", "southbound",
          "south-westbound", "westbound", "north-westbound")[k]
    zh = ("向北", "向东北", "向东", "向东南", "向南", "向西南", "向西", "向西北")[k]
    return en, zh


def _corridor(world: World, cf: Contraflow, key: str) -> tuple[list[tuple[int, np.ndarray]],
                                                                list[Problem]]:
    pos = world.network.link_positions()
    problems: list[Problem] = []
    pairs = contraflow_pairs(world.network, cf, f"contraflow ({key})", "suggestion", pos,
                             problems)
    return pairs, problems


def contraflow_candidates(world: World, base: Plan,
                          bound: BoundResult) -> tuple[list[Candidate], list[Skipped]]:
    """One contraflow per bottleneck street of the bound (and one for unnamed links).

    A named street's corridor is the plan form ``{road: NAME, towards: [lon, lat]}``, the
    point far along the direction its cut links carry traffic; unnamed links are listed
    by id. Corridors whose opposite lanes the engine's rule does not find are skipped.
    """
    net = world.network
    if not bound.bottleneck_links:
        why = ("shelter capacity" if bound.bottleneck_shelters else "the departures")
        why_zh = "避难所容量" if bound.bottleneck_shelters else "出发时间"
        return [], [Skipped("contraflow", {
            "en": f"the bound's minimum cut holds no road link: {why}, not the roads, "
                  "limit how fast people can be safe",
            "zh": f"流量下界的最小割中没有路段：限制撤离速度的是{why_zh}，而不是道路"})]
    pos = pd.Index(net.link_id.astype(str))
    idx = pos.get_indexer(list(bound.bottleneck_links))
    pcu = dict(zip(bound.bottleneck_links, bound.bottleneck_link_pcu, strict=True))
    streets: dict[str, list[int]] = {}
    unnamed: list[int] = []
    for i, name in zip(idx.tolist(), bound.bottleneck_link_names, strict=True):
        if i < 0:
            continue
        if name:
            streets.setdefault(name, []).append(i)
        else:
            unnamed.append(i)
    order = sorted(streets, key=lambda s: -sum(pcu[str(net.link_id[i])] for i in streets[s]))
    out: list[Candidate] = []
    skipped: list[Skipped] = []
    for name in order[:MAX_CORRIDORS]:
        links = np.array(streets[name], dtype=np.int64)
        key = f"contraflow-{len(out) + 1}"
        cf = Contraflow(road=name, towards=_towards(world, links))
        pairs, problems = _corridor(world, cf, key)
        if problems or not pairs:
            skipped.append(Skipped("contraflow", {
                "en": f"{name}: no opposite lanes or opposite carriageway alongside the "
                      "bottleneck (the engine's contraflow rule)",
                "zh": f"{name}：瓶颈路段旁没有可逆向使用的对向车道或对向车行道"}))
            continue
        out.append(_contraflow(world, base, key, cf, name, links, pairs))
    ok = []
    for i in unnamed:
        _, problems = _corridor(world, Contraflow(links=[str(net.link_id[i])]), "unnamed")
        if not problems:
            ok.append(i)
    if ok:
        links = np.array(ok, dtype=np.int64)
        cf = Contraflow(links=[str(net.link_id[i]) for i in ok])
        pairs, _ = _corridor(world, cf, "unnamed")
        out.append(_contraflow(world, base, f"contraflow-{len(out) + 1}", cf, "", links,
                               pairs))
    elif unnamed:
        skipped.append(Skipped("contraflow", {
            "en": f"{len(unnamed)} unnamed bottleneck link(s) have no opposite lanes",
            "zh": f"{len(unnamed)}条无名瓶颈路段没有对向车道"}))
    return out, skipped


def _contraflow(world: World, base: Plan, key: str, cf: Contraflow, name: str,
                cut: np.ndarray, pairs: list[tuple[int, np.ndarray]]) -> Candidate:
    net = world.network
    outbound = [int(i) for i, _ in pairs]
    reversed_ = sorted({int(j) for _, opp in pairs for j in opp.tolist()})
    en, zh = _heading(world, np.array(outbound, dtype=np.int64))
    _, labels = link_labels(world, [str(net.link_id[i]) for i in cut.tolist()])
    street = name or ", ".join(labels)
    plan = _variant(base, key, {"contraflow": [*base.contraflow, cf]})
    return Candidate("contraflow", key, plan, {
        "en": f"contraflow on {street} ({en}): {len(outbound)} links gain the opposite "
              f"lanes of {len(reversed_)} links from the first order",
        "zh": f"{street}（{zh}）逆向车道：{len(outbound)}个路段借用{len(reversed_)}个"
              "对向路段的车道"},
        {"street": name, "heading": en, "bottleneck_links": [str(net.link_id[i])
                                                             for i in cut.tolist()],
         "bottleneck_link_labels": labels,
         "outbound_links": [str(net.link_id[i]) for i in outbound],
         "reversed_links": [str(net.link_id[j]) for j in reversed_],
         "contraflow": cf.model_dump(mode="json", exclude_none=True,
                                     exclude_defaults=True)})


def _redirected_persons(agents: pd.DataFrame, events: pd.DataFrame) -> pd.Series:
    """Persons per zone whose household was redirected from a full shelter."""
    red = events[events["type"].astype(str) == "redirect"]
    if red.empty or "vehicle_id" not in red:
        return pd.Series(dtype=float)
    ev = agents[agents["role"].astype(str) == "evacuee"] if "role" in agents else agents
    hit = ev[ev["vehicle_id"].isin(set(red["vehicle_id"].dropna().astype(int).tolist()))]
    return hit.groupby(hit["zone"].astype(str))["persons"].sum().sort_values(
        ascending=False, kind="stable")


def shelter_candidate(world: World, base: Plan, agents: pd.DataFrame,
                      events: pd.DataFrame) -> Candidate | Skipped:
    """Zones redirected from full shelters assigned to the nearest shelter with room.

    Zones are taken in order of redirected persons (most first); each goes to the
    shelter with the least persons-weighted free-flow time from its households' origins
    among those whose room left (capacity less the run's final occupancy, plus what the
    zones moved away free) holds the zone's sheltered persons.
    """
    if base.shelter_choice == "capacity_balanced":
        return Skipped("shelters", {
            "en": "the plan already balances households over the shelters' capacity",
            "zh": "该预案已按避难所容量均衡分配"})
    red = _redirected_persons(agents, events)
    if red.empty:
        return Skipped("shelters", {
            "en": "no shelter filled up with people still heading for it: shelter "
                  "capacity does not bind",
            "zh": "没有避难所在仍有人前往时满员：避难所容量不是约束"})
    dest = [d for d in world.destinations if np.isfinite(d.capacity)]
    ids = [d.id for d in dest]
    net = world.network
    node_of = {int(x): i for i, x in enumerate(net.node_id.tolist())}
    to = np.vstack([reverse_times(net.n_nodes, net.link_from, net.link_to, net.freeflow_s,
                                  np.array(d.nodes, dtype=np.int64), np.zeros(len(d.nodes)))
                    for d in dest])
    ev = agents[(agents["role"].astype(str) == "evacuee") & (agents["pcu"] > 0)]
    arrived = ev[ev["status"].astype(str) == "arrived"]
    used = arrived.groupby(arrived["destination"].astype(str))["persons"].sum()
    room = np.array([d.capacity - float(used.get(d.id, 0.0)) for d in dest])
    assign: dict[str, str] = dict(base.zone_shelters)
    moved: dict[str, dict[str, Any]] = {}
    for zone in red.index.tolist():
        rows = ev[ev["zone"].astype(str) == zone]
        if rows.empty or zone in base.zone_shelters:
            continue
        o = np.array([node_of[int(x)] for x in rows["origin_node"].tolist()])
        w = rows["persons"].to_numpy(float)
        with np.errstate(invalid="ignore"):
            cost = (to[:, o] * w).sum(axis=1) / max(w.sum(), 1.0)
        need = float(w.sum())
        ok = np.flatnonzero((room >= need) & np.isfinite(cost))
        if not ok.size:
            continue
        k = int(ok[np.argmin(cost[ok])])
        room[k] -= need
        mine = arrived[arrived["zone"].astype(str) == zone]
        for sid, p in mine.groupby(mine["destination"].astype(str))["persons"].sum().items():
            if sid in ids:
                room[ids.index(sid)] += float(p)
        assign[zone] = ids[k]
        moved[zone] = {"shelter": ids[k], "persons": int(need),
                       "redirected_persons": int(red[zone]),
                       "free_flow_min": round(float(cost[k]) / 60.0, 1)}
    if not moved:
        return Skipped("shelters", {
            "en": "shelters filled up, but no shelter has room left for a whole zone that "
                  "was redirected",
            "zh": "避难所已满，但没有避难所能容纳任何一个被改道区域的全部居民"})
    plan = _variant(base, "shelters", {"shelter_choice": "zone_map", "zone_shelters": assign})
    n = sum(int(m["redirected_persons"]) for m in moved.values())
    return Candidate("shelters", "shelters", plan, {
        "en": f"assign {len(moved)} zones whose shelter filled up ({n:,} persons "
              "redirected) to the nearest shelter with room",
        "zh": f"将{len(moved)}个避难所已满的区域（{n:,}人被改道）分配到最近的有空位避难所"},
        {"zones": moved})


def combine(base: Plan, parts: list[Candidate], key: str = "combined") -> Candidate:
    """One plan with every change of ``parts`` (stages, contraflows, shelter map)."""
    update: dict[str, Any] = {}
    flows = list(base.contraflow)
    for c in parts:
        if c.kind == "staging":
            update["stages"] = c.plan.stages
        elif c.kind == "contraflow":
            flows.extend(c.plan.contraflow[len(base.contraflow):])
        elif c.kind == "shelters":
            update["shelter_choice"] = c.plan.shelter_choice
            update["zone_shelters"] = c.plan.zone_shelters
    update["contraflow"] = flows
    plan = _variant(base, key, update)
    return Candidate("combined", key, plan, {
        "en": "; ".join(c.summary["en"] for c in parts),
        "zh": "；".join(c.summary["zh"] for c in parts)},
        {"parts": [c.key for c in parts]})
