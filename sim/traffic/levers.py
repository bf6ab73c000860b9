"""Network plan levers: contraflow and traffic control points, as timed capacity changes.

Contraflow on a link ``l`` from ``t``: its opposite lanes (the link with the same end
nodes reversed or, on a divided road, the opposite carriageway's links alongside it; see
:func:`contraflow_pairs`) are closed to entry (vehicles on them drive out) and join ``l``:
``l``'s flow capacity becomes the sum of both and its storage grows by the opposite lanes'
storage over its length. A control point multiplies the flow capacity of
its links (or of every link entering its junction) by a factor while it is active. The
state at any time is computed from scratch from the active levers, so overlapping levers
compose and ending one restores exactly the rest.

A response level (or a drill participant) may start a contraflow while the run goes on:
the ``contraflow`` command, whose arguments are a plan contraflow's without ``from_h`` and
``until_h`` (:func:`contraflow_from_args`), reverses the same opposite lanes by the same
rule from the command's time to the end of the run (:meth:`NetworkLevers.start_contraflow`).
The corridors of a plan's levels are resolved when the run is set up, so a corridor that
does not resolve is an input error at load time, not at the firing.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import ValidationError

from musterpoint.scenarios.errors import InputError, Problem
from musterpoint.scenarios.schema import Contraflow, Plan
from musterpoint.scenarios.validation_text import schema_message
from musterpoint.sim.network.carriageways import opposite_links, road_links
from musterpoint.sim.network.graph import Network

__all__ = ["LeverState", "NetworkLevers", "contraflow_from_args", "contraflow_pairs",
           "level_contraflows", "plan_file"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class LeverState:
    """Capacities and lever closures at one time."""

    capacity_vph: np.ndarray
    storage_pcu: np.ndarray
    closed: np.ndarray


class NetworkLevers:
    """The contraflow and control-point levers of a plan, resolved on a network.

    Parameters
    ----------
    net : Network
        The road network.
    plan : Plan
        The plan naming the levers.
    plan_file : str
        The plan's file, for messages.
    """

    def __init__(self, net: Network, plan: Plan, plan_file: str) -> None:
        self.net = net
        self.base_cap = net.capacity_vph.astype(float)
        self.base_sto = net.storage_pcu.astype(float)
        # positions of link and node ids, looked at only for a plan that names some
        pos = (net.link_positions() if plan.contraflow or plan.levels or plan.control_points
               else {})
        node_pos = ({int(n): i for i, n in enumerate(net.node_id)}
                    if plan.control_points else {})
        problems: list[Problem] = []
        # (start, end, outbound link, an opposite link it closes): one per pair
        self.contraflow: list[tuple[float, float, int, int]] = []
        # (start, end, outbound link, capacity and storage it gains)
        self.gains: list[tuple[float, float, int, float, float]] = []
        for k, cf in enumerate(plan.contraflow):
            start = cf.from_h * 3600.0
            end = np.inf if cf.until_h is None else cf.until_h * 3600.0
            for i, opp in contraflow_pairs(net, cf, f"contraflow[{k}]", plan_file, pos,
                                           problems):
                self.contraflow.extend((start, end, i, int(j)) for j in opp)
                self.gains.append((start, end, i, *self._gain(i, opp)))
        # contraflows the plan's levels may start: (outbound link, capacity, storage gained)
        self.standby: list[tuple[int, float, float]] = []
        for field, cf in level_contraflows(plan, plan_file, problems):
            for i, opp in contraflow_pairs(net, cf, field, plan_file, pos, problems):
                self.standby.append((i, *self._gain(i, opp)))
        # (start, end, links, factor)
        self.controls: list[tuple[float, float, np.ndarray, float]] = []
        for k, cp in enumerate(plan.control_points):
            links = []
            for lid in cp.links:
                if lid not in pos:
                    problems.append(Problem(plan_file, f"control_points[{k}].links",
                                            f"no link {lid!r} in the network"))
                else:
                    links.append(pos[lid])
            if cp.node is not None:
                if cp.node not in node_pos:
                    problems.append(Problem(plan_file, f"control_points[{k}].node",
                                            f"no node {cp.node} in the network"))
                else:
                    links.extend(np.flatnonzero(net.link_to == node_pos[cp.node]).tolist())
            end = np.inf if cp.until_h is None else cp.until_h * 3600.0
            self.controls.append((cp.from_h * 3600.0, end, np.array(links, dtype=np.int64),
                                  cp.capacity_factor))
        if problems:
            raise InputError(problems)
        self.cut_nodes = self._cut_nodes(plan_file)

    def _cut_nodes(self, plan_file: str) -> np.ndarray:
        """Nodes left with no open way out when every contraflow is on (people who start
        there are stranded): their ids, with a warning naming them."""
        net = self.net
        closed = np.zeros(net.n_links, dtype=bool)
        closed[[j for _, _, _, j in self.contraflow]] = True
        open_out = np.bincount(net.link_from[~closed], minlength=net.n_nodes)
        cut = np.flatnonzero((open_out == 0) & (np.bincount(net.link_from,
                                                              minlength=net.n_nodes) > 0))
        if cut.size:
            logger.warning("%s: contraflow leaves %d node(s) with no way out while it is on "
                           "(node id %s): people who start there will be stranded; end the "
                           "corridor before them or list its links", plan_file, cut.size,
                           ", ".join(str(n) for n in net.node_id[cut[:3]]))
        return np.asarray(net.node_id[cut])

    def _gain(self, i: int, opposite: np.ndarray) -> tuple[float, float]:
        """Capacity and storage link ``i`` gains from its opposite lanes: a reversed twin's
        own, or the opposite carriageway's (its largest capacity among the links alongside,
        the storage of that link per metre times ``i``'s length)."""
        if opposite.size == 1 and self.net.link_from[opposite[0]] == self.net.link_to[i] \
                and self.net.link_to[opposite[0]] == self.net.link_from[i]:
            j = int(opposite[0])
            return float(self.base_cap[j]), float(self.base_sto[j])
        j = int(opposite[np.argmax(self.base_cap[opposite])])
        per_m = self.base_sto[j] / self.net.length_m[j]
        return float(self.base_cap[j]), float(per_m * self.net.length_m[i])

    def start_contraflow(self, cf: Contraflow, t: float, field: str, file: str) -> None:
        """Reverse the opposite lanes of ``cf``'s corridor from ``t`` on (its ``from_h``
        and ``until_h`` are not used); raise InputError naming ``file`` and ``field`` if
        the corridor does not resolve. Apply the new state with :meth:`state_at`."""
        pos = self.net.link_positions()
        problems: list[Problem] = []
        pairs = contraflow_pairs(self.net, cf, field, file, pos, problems)
        if problems:
            raise InputError(problems)
        for i, opp in pairs:
            self.contraflow.extend((t, np.inf, i, int(j)) for j in opp)
            self.gains.append((t, np.inf, i, *self._gain(i, opp)))

    @property
    def active(self) -> bool:
        """Whether the plan has any network lever."""
        return bool(self.contraflow or self.controls)

    def change_times(self) -> list[float]:
        """Times at which some lever starts or ends."""
        ts = {s for s, _, _, _ in self.contraflow} | {e for _, e, _, _ in self.contraflow}
        ts |= {s for s, _, _, _ in self.controls} | {e for _, e, _, _ in self.controls}
        return sorted(t for t in ts if np.isfinite(t))

    def state_at(self, t: float) -> LeverState:
        """Capacities and closures with every lever active at ``t`` applied."""
        cap = self.base_cap.copy()
        sto = self.base_sto.copy()
        closed = np.zeros(cap.size, dtype=bool)
        for s, e, i, c, q in self.gains:
            if s <= t < e:
                cap[i] += c
                sto[i] += q
        for s, e, _, j in self.contraflow:
            if s <= t < e:
                closed[j] = True
        for s, e, links, f in self.controls:
            if s <= t < e and links.size:
                cap[links] *= f
        return LeverState(cap, sto, closed)


def plan_file(paths: dict[str, Path], plan: Plan) -> str:
    """The file a plan came from, or its name when built in code."""
    return str(paths.get(plan.name, plan.name))


def contraflow_from_args(args: dict[str, Any], file: str, field: str,
                         problems: list[Problem]) -> Contraflow | None:
    """The contraflow a ``contraflow`` command's arguments describe: a plan contraflow's
    fields without ``from_h`` and ``until_h`` (it starts at the command and lasts to the
    end of the run). Problems (naming ``file`` and ``field``) are appended to
    ``problems`` and None returned if the arguments are not valid."""
    # a drill form sends the arguments left blank as empty values: they take the defaults
    args = {k: v for k, v in args.items() if v not in (None, "", [])}
    timed = sorted({"from_h", "until_h"} & set(args))
    if timed:
        problems.append(Problem(file, f"{field}.{timed[0]}", "a contraflow command starts "
                                "when it is given and lasts to the end of the run; remove "
                                f"{timed[0]!r} (use a plan contraflow for fixed times)"))
        return None
    try:
        return Contraflow.model_validate(args)
    except ValidationError as exc:
        for err in exc.errors():
            loc = ".".join(str(x) for x in err["loc"])
            problems.append(Problem(file, f"{field}.{loc}" if loc else field,
                                    schema_message(err)))
        return None


def level_contraflows(plan: Plan, file: str,
                      problems: list[Problem]) -> list[tuple[str, Contraflow]]:
    """The ``contraflow`` commands of a plan's response levels: (field, contraflow) of
    each valid one; problems of the others are appended to ``problems``."""
    out = []
    for i, lv in enumerate(plan.levels):
        for j, a in enumerate(lv.actions):
            if a.command is not None and a.command.get("kind") == "contraflow":
                field = f"levels[{i}].actions[{j}].command.args"
                cf = contraflow_from_args(dict(a.command.get("args") or {}), file, field,
                                          problems)
                if cf is not None:
                    out.append((field, cf))
    return out


def contraflow_pairs(net: Network, cf: Contraflow, field: str, file: str,
                     pos: Mapping[str, int], problems: list[Problem]
                     ) -> list[tuple[int, np.ndarray]]:
    """The outbound links of a contraflow and the opposite lanes each reverses.

    The one rule ``muster run`` applies and ``muster validate`` checks (both build the
    plan's :class:`NetworkLevers`): the corridor is the plan's ``links`` or the links of
    its ``road`` heading ``towards`` a place
    (:func:`~musterpoint.sim.network.carriageways.road_links`); the opposite lanes are
    found by :func:`~musterpoint.sim.network.carriageways.opposite_links`. A listed link
    without opposite lanes, an unknown link, or a road none of whose links has opposite
    lanes is a problem added to ``problems`` (naming the file and field); the links of a
    named road without opposite lanes (a single carriageway stretch) keep theirs.

    Parameters
    ----------
    net : Network
        The road network.
    cf : Contraflow
        The plan's contraflow entry.
    field : str
        Its place in the plan (``contraflow[k]``), for messages.
    file : str
        The plan's file, for messages.
    pos : dict
        Link id -> index.
    problems : list of Problem
        Where problems are appended.

    Returns
    -------
    list of (int, ndarray)
        Outbound link index and the indices of its opposite lanes.
    """
    if cf.road is not None:
        assert cf.towards is not None  # the schema requires it with a road
        links = road_links(net, cf.road, cf.towards).tolist()
        if not links:
            problems.append(Problem(file, f"{field}.road", f"no link of a road named "
                                    f"{cf.road!r} heads towards {list(cf.towards)}; check the "
                                    "name (OSM name) and the place"))
            return []
        what = f"{field}.road"
    else:
        links = []
        for lid in cf.links:
            if lid not in pos:
                problems.append(Problem(file, f"{field}.links", f"no link {lid!r} in the "
                                        "network"))
            else:
                links.append(pos[lid])
        what = f"{field}.links"
    out = []
    outbound = set(links)
    lone = []
    for i, opp in zip(links, opposite_links(net, links, cf.max_gap_m, cf.max_angle_deg),
                      strict=True):
        opp = np.array([j for j in opp.tolist() if j not in outbound], dtype=np.int64)
        if opp.size:
            out.append((i, opp))
        else:
            lone.append(i)
    if lone and (cf.road is None or not out):
        problems.extend(Problem(file, what, f"link {net.link_id[i]!r} is one-way and no "
                                f"opposite carriageway runs alongside it (one-way links the "
                                f"other way within {cf.max_gap_m:g} m and "
                                f"{cf.max_angle_deg:g} degrees); name other links or raise "
                                "max_gap_m") for i in (lone if cf.road is None else lone[:1]))
    elif lone:
        logger.info("%s %s: %d of %d links of %r have no opposite lanes and keep theirs",
                    file, field, len(lone), len(links), cf.road)
    return out
