"""What a service sharing the roads may use of a run: the narrow interface of extensions.

An extension (buses, relief trucks, ambulances, dispensing sites) is given a
:class:`RunContext`, never the run itself: the clock, the scenario and plan (read only),
its random streams, the roads (launch a vehicle, ask a route, follow a vehicle, close or
reopen links), the shelters, the records it may append to, and, for services that carry
households (buses), the agent book and the run's admission rule. The run fills in the
roads and the agents once they exist (the roads need every extension's destinations
first).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np
import simpy

from musterpoint.scenarios.schema import Plan
from musterpoint.sim.network.routing import Router
from musterpoint.sim.rng import RandomStreams
from musterpoint.sim.tables import Event
from musterpoint.sim.world import World

if TYPE_CHECKING:
    from musterpoint.sim.evacuation.agents import AgentBook
    from musterpoint.sim.evacuation.extension import RunExtension
    from musterpoint.sim.evacuation.records import RunRecorder
    from musterpoint.sim.evacuation.roads import RoadState
    from musterpoint.sim.evacuation.shelters import ShelterBook

__all__ = ["AdmitFn", "ChooseFn", "CommandFn", "OrderFn", "RunContext", "SnapFn"]

#: ``snap(lon, lat, file, field) -> node``: nearest road node, or an InputError naming
#: the file and field when the place is too far from the network.
SnapFn = Callable[[float, float, str, str], int]
#: ``admit(agent, shelter, t) -> bool``: admit a household if the shelter has room.
AdmitFn = Callable[[int, int, float], bool]
#: ``choose(node, persons, exclude, reserve) -> shelter``: the plan's shelter choice.
ChooseFn = Callable[[int, int, int, bool], int]
#: ``command(kind, args)``: apply a run command now (as a drill participant would).
CommandFn = Callable[[str, dict[str, Any]], None]
#: ``order(zones, detail)``: order zones (by index) out now, logging ``detail``.
OrderFn = Callable[[list[int], str], None]


class RunContext:
    """The part of a run an extension sees.

    Parameters
    ----------
    env : simpy.Environment
        The run's clock.
    world : World
        The scenario made ready (read only).
    plan : Plan
        The plan being tested (read only).
    plan_file : str
        The plan's file, for messages.
    streams : RandomStreams
        Named random streams; each extension draws from streams of its own names.
    shelters : ShelterBook
        Places of safety and their occupancy.
    recorder : RunRecorder
        The event log (append with :meth:`log`).
    snap, admit, choose_shelter : callable
        The run's rules for placing points on the network, admitting a household and
        choosing a shelter.
    """

    def __init__(self, *, env: simpy.Environment, world: World, plan: Plan, plan_file: str,
                 streams: RandomStreams, shelters: ShelterBook, recorder: RunRecorder,
                 snap: SnapFn, admit: AdmitFn, choose_shelter: ChooseFn) -> None:
        self.env, self.world, self.plan, self.plan_file = env, world, plan, plan_file
        self.streams, self.shelters, self.recorder = streams, shelters, recorder
        self.snap, self.admit, self.choose_shelter = snap, admit, choose_shelter
        self._roads: RoadState | None = None
        self._agents: AgentBook | None = None
        self._command: CommandFn | None = None
        self._order: OrderFn | None = None
        self._kinds: Callable[[], list[str]] | None = None

    def attach(self, roads: RoadState, agents: AgentBook) -> None:
        """Called by the run once its roads and agents exist."""
        self._roads, self._agents = roads, agents

    def attach_commands(self, command: CommandFn, order: OrderFn,
                        kinds: Callable[[], list[str]]) -> None:
        """Called by the run: how an extension gives commands and orders zones out, and
        the command kinds the run knows (the engine's and those of the extensions
        attached so far)."""
        self._command, self._order, self._kinds = command, order, kinds

    def command_kinds(self) -> list[str]:
        """Command kinds the run accepts (engine and extensions attached so far)."""
        return self._kinds() if self._kinds is not None else []

    def command(self, kind: str, args: dict[str, Any]) -> None:
        """Apply a run command now (logged as a ``command`` event, as in a drill)."""
        assert self._command is not None, "the run has not attached its commands"
        self._command(kind, args)

    def order_zones(self, zones: list[int], detail: str) -> None:
        """Order zones (indices of ``world.zones.ids``) out now, if not ordered yet."""
        assert self._order is not None, "the run has not attached its commands"
        self._order(zones, detail)

    # ------------------------------------------------------------------ clock, records
    @property
    def now(self) -> float:
        """Current simulated time (s)."""
        return float(self.env.now)

    def log(self, t: float, kind: str, v: int = -1, link: str = "", zone: str = "",
            shelter: str = "", value: float = math.nan, detail: str = "") -> None:
        """Append one event to the run's event log."""
        self.recorder.log(t, kind, v, link, zone, shelter, value, detail)

    @property
    def events(self) -> list[Event]:
        """The events so far (read only: append with :meth:`log`)."""
        return self.recorder.events

    # ------------------------------------------------------------------ roads
    @property
    def roads(self) -> RoadState:
        """Closures, storage and the vehicles on the roads."""
        assert self._roads is not None, "the run's roads are not built yet"
        return self._roads

    @property
    def router(self) -> Router:
        """Shortest-time trees to every destination (``dist_s``, ``next_hop``)."""
        return self.roads.router

    def launch(self, origin: int, dest: int, pcu: float, owner: RunExtension,
               local: int) -> int:
        """Put a vehicle of ``owner`` (its own number ``local``) on the road now, bound
        for router destination ``dest``; returns the traffic-model vehicle number."""
        return self.roads.launch(origin, dest, pcu, owner=owner, local=local)

    def dist_s(self, dest: int, node: int) -> float:
        """Driving time now (s) from ``node`` to router destination ``dest`` (inf if none)."""
        return float(self.roads.router.dist_s[dest, node])

    def vehicle_node(self, tv: int) -> int:
        """Node a vehicle is at (its last node reached)."""
        return int(self.roads.traffic.node[tv])

    def vehicle_dest(self, tv: int) -> int:
        """Router destination a vehicle is bound for."""
        return int(self.roads.traffic.dest[tv])

    def vehicle_exposure_s(self, tv: int) -> float:
        """Seconds a vehicle has spent on links inside the hazard."""
        return float(self.roads.traffic.exposed_s[tv])

    def close_links(self, links: np.ndarray, closed: bool = True) -> None:
        """Close (or reopen) links now, as a command would."""
        self.roads.set_manual(links, closed)

    # ------------------------------------------------------------------ households
    @property
    def agents(self) -> AgentBook:
        """The run's households and vehicles (for services that carry them)."""
        assert self._agents is not None, "the run's agents are not built yet"
        return self._agents
