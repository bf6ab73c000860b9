"""Network plan levers: contraflow and traffic control points, as timed capacity changes.

Contraflow on a link ``l`` from ``t``: the opposite link (same end nodes, reversed) is
closed to entry (vehicles on it drive out) and its lanes join ``l``: ``l``'s flow and
storage capacity become the sum of both. A control point multiplies the flow capacity of
its links (or of every link entering its junction) by a factor while it is active. The
state at any time is computed from scratch from the active levers, so overlapping levers
compose and ending one restores exactly the rest.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from musterpoint.scenarios.errors import InputError, Problem
from musterpoint.scenarios.schema import Plan
from musterpoint.sim.network.graph import Network

__all__ = ["LeverState", "NetworkLevers", "plan_file"]


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
        pos = {str(lid): i for i, lid in enumerate(net.link_id)}
        pair = {(int(a), int(b)): i for i, (a, b) in
                enumerate(zip(net.link_from, net.link_to, strict=True))}
        node_pos = {int(n): i for i, n in enumerate(net.node_id)}
        problems: list[Problem] = []
        # (start, end, outbound link, opposite link)
        self.contraflow: list[tuple[float, float, int, int]] = []
        for k, cf in enumerate(plan.contraflow):
            for lid in cf.links:
                if lid not in pos:
                    problems.append(Problem(plan_file, f"contraflow[{k}].links",
                                            f"no link {lid!r} in the network"))
                    continue
                i = pos[lid]
                j = pair.get((int(net.link_to[i]), int(net.link_from[i])))
                if j is None:
                    problems.append(Problem(plan_file, f"contraflow[{k}].links",
                                            f"link {lid!r} is one-way: no opposite lanes"))
                    continue
                end = np.inf if cf.until_h is None else cf.until_h * 3600.0
                self.contraflow.append((cf.from_h * 3600.0, end, i, j))
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
        for s, e, i, j in self.contraflow:
            if s <= t < e:
                cap[i] += self.base_cap[j]
                sto[i] += self.base_sto[j]
                closed[j] = True
        for s, e, links, f in self.controls:
            if s <= t < e and links.size:
                cap[links] *= f
        return LeverState(cap, sto, closed)


def plan_file(paths: dict[str, Path], plan: Plan) -> str:
    """The file a plan came from, or its name when built in code."""
    return str(paths.get(plan.name, plan.name))
