"""The World: everything about a scenario that does not depend on the plan or the seed.

Built once per scenario (network, elevation, places, zones, shelters, hazard timing), then
shared by every run of every plan, so that comparisons and replications do not re-read
files.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from musterpoint.scenarios.errors import InputError, Problem
from musterpoint.scenarios.loader import LoadedScenario
from musterpoint.scenarios.schema import PlumeHazard, PopulationSource, Shelter
from musterpoint.sim.demand.population import Places, Vehicles, Zones, read_places
from musterpoint.sim.demand.routes import TripRoutes
from musterpoint.sim.demand.trip_input import read_trip_demand
from musterpoint.sim.geo import NodeIndex
from musterpoint.sim.hazards.flood import (
    ElevationRaster,
    StageHydrograph,
    flooded_intervals,
    link_elevations,
)
from musterpoint.sim.hazards.plume import GaussianPlume
from musterpoint.sim.hazards.polygons import PolygonSeries, read_polygon_series
from musterpoint.sim.intervals import union
from musterpoint.sim.network.graph import Network
from musterpoint.sim.network.read import read_network
from musterpoint.sim.network.routing import TreeMemo

__all__ = ["TRIP_PERSONS_WARN", "Destination", "World", "build_world", "closed_at",
           "hazard_frames", "make_plume"]

logger = logging.getLogger(__name__)

Interval = tuple[float, float]

#: A trip (one vehicle) with more persons than this is warned about (a full bus).
TRIP_PERSONS_WARN = 90
#: Populated places this far outside the network's bounding box are off its area (m).
PLACE_MARGIN_M = 5000.0


@dataclass(frozen=True)
class Destination:
    """A place vehicles drive to: a shelter (finite capacity) or a trip's end node."""

    id: str
    name: str
    node: int
    capacity: float
    nodes: tuple[int, ...]
    lon: float
    lat: float
    elevation: float


@dataclass
class World:
    """A scenario made ready to simulate (read-only during runs)."""

    loaded: LoadedScenario
    network: Network
    destinations: list[Destination]
    zones: Zones
    places: Places | None
    node_index: NodeIndex
    trips: Vehicles | None = None
    raster: ElevationRaster | None = None
    hydrograph: StageHydrograph | None = None
    link_elevation: np.ndarray | None = None
    link_flooded: list[list[Interval]] | None = None  # every hazard, not only floods
    place_flooded: list[list[Interval]] | None = None
    polygons: list[PolygonSeries] = field(default_factory=list)
    plume: GaussianPlume | None = None
    closures: list[tuple[float, float, np.ndarray, str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    routes: TripRoutes | None = None  # fixed routes of the trips (scenario field routes)
    #: The routing trees with every link open, by destinations: built by the first run,
    #: shared by later runs of the World (and by copies made with ``dataclasses.replace``,
    #: which keep the network); not pickled.
    trees: TreeMemo = field(default_factory=TreeMemo, repr=False, compare=False)

    @property
    def duration_s(self) -> float:
        """Simulated time span."""
        return float(self.loaded.scenario.duration_h) * 3600.0


def _warn(world_warnings: list[str], msg: str) -> None:
    logger.warning(msg)
    world_warnings.append(msg)


def _dropped_note(net: Network) -> str:
    """Why a place may be off the network: parts dropped as not strongly connected."""
    r = net.report
    if r.nodes_dropped <= 0:
        return ""
    return (f"; note: {r.nodes_dropped:,} of {r.nodes_read:,} nodes of the network were "
            "dropped because they cannot be reached from, or cannot reach, its largest part "
            "(an island, or one-way links leading only away); if it stands on those roads, "
            "connect them both ways")


def _snap_shelters(
    shelters: list[Shelter], idx: NodeIndex, max_snap_m: float, file: str,
    problems: list[Problem], note: str = "",
) -> list[tuple[int, float]]:
    lon = np.array([s.lon for s in shelters])
    lat = np.array([s.lat for s in shelters])
    node, dist = idx.nearest(lon, lat)
    out = []
    for i, s in enumerate(shelters):
        d = float(dist[i, 0])
        if d > max_snap_m:
            problems.append(Problem(
                file, f"shelters[{i}] ({s.id})",
                f"is {d:,.0f} m from the nearest road of the network (limit max_snap_m = "
                f"{max_snap_m:,.0f} m); check lon/lat (lon first) or move it onto the "
                f"network{note}",
            ))
        out.append((int(node[i, 0]), d))
    return out


def build_world(loaded: LoadedScenario) -> World:
    """Read every file a scenario names and prepare the World; report all problems at once."""
    sc = loaded.scenario
    file = str(loaded.path)
    problems: list[Problem] = []
    warnings: list[str] = []
    ns = sc.network
    key = ("network.osm" if ns.osm else "network.layer" if ns.layer else "network.sumo"
           if ns.sumo else "network.nodes")
    try:
        if ns.osm:
            net = read_network(loaded.file(ns.osm))
        elif ns.sumo:
            net = read_network(loaded.file(ns.sumo), crs=ns.crs)
        elif ns.layer:
            net = read_network(loaded.file(ns.layer), layer=ns.layer_name)
        else:
            assert ns.nodes and ns.links
            net = read_network(loaded.file(ns.nodes), links_csv=loaded.file(ns.links),
                               crs=ns.crs)
    except InputError as exc:  # name the scenario field where the reader names none
        raise InputError([Problem(p.file, p.field or key, p.reason)
                          for p in exc.problems]) from exc
    if net.n_links == 0:
        raise InputError.single(file, "network", "the network has no drivable links")
    has_out = np.zeros(net.n_nodes, dtype=bool)
    has_out[net.link_from] = True
    idx = NodeIndex(net.lon, net.lat, has_out)

    raster = hydro = None
    flood = sc.hazard.flood
    if flood is not None:
        raster = ElevationRaster(loaded.file(flood.elevation))
        hydro = StageHydrograph(
            np.array([t * 3600.0 for t, _ in flood.stage]),
            np.array([h for _, h in flood.stage]),
        )
        _check_coverage(raster, net, file, warnings)

    places: Places | None = None
    trips: Vehicles | None = None
    routes: TripRoutes | None = None
    if sc.population is not None:
        src = sc.population
        ppath = loaded.file(src.file)
        elev = None
        if raster is not None:
            from musterpoint.sim.demand.population import read_population_table

            tab = read_population_table(ppath, src)
            elev = raster.sample(tab["lon"].to_numpy(), tab["lat"].to_numpy())
        area_mask = None
        if src.area is not None:
            area_mask = _inside_area(loaded.file(src.area), ppath, src)
        zone_layer = loaded.file(src.zones) if src.zones is not None else None
        places, zones = read_places(ppath, src, elev, area_mask, zone_layer)
        where = _population_location(places, net, src)
        if where:
            problems.append(Problem(str(ppath), "population", where))
        elif not zones.ids:
            problems.append(Problem(file, "population",
                                    "nobody is in the evacuation area; check max_elevation_m "
                                    "and area" + _unflooded_note(places, raster)))
        elif places.evacuate.any():
            ev = np.flatnonzero(places.evacuate)
            _, dist = idx.nearest(places.lon[ev], places.lat[ev])
            far = int((dist[:, 0] > sc.max_snap_m).sum())
            if far:
                _warn(warnings, f"{file}: {far} populated places are more than "
                                f"{sc.max_snap_m:.0f} m from the road network; their people "
                                "start at the nearest road node")
    else:
        assert sc.trips is not None
        trips, routes = read_trip_demand(
            loaded.file(sc.trips), None if sc.routes is None else loaded.file(sc.routes), net,
            _dropped_note(net))
        big = int(trips.persons.max())
        if big > TRIP_PERSONS_WARN:
            _warn(warnings, f"{loaded.file(sc.trips)}: persons: a trip carries {big:,} "
                            f"persons in one vehicle (more than {TRIP_PERSONS_WARN}); check "
                            "the column")
        zones = Zones(["trips"], np.array([net.lon.mean()]), np.array([net.lat.mean()]),
                      [""], np.array([trips.persons.sum()]), np.array([trips.persons.sum()]),
                      np.array([np.nan]))

    snapped = (_snap_shelters(sc.shelters, idx, sc.max_snap_m, file, problems,
                              _dropped_note(net)) if sc.shelters else [])
    dests: list[Destination] = []
    for s, (node, _) in zip(sc.shelters, snapped, strict=True):
        el = float(raster.sample(np.array([s.lon]), np.array([s.lat]))[0]) if raster else np.nan
        radius = sc.shelter_access_m if s.access_radius_m is None else s.access_radius_m
        access = idx.within(s.lon, s.lat, radius) | {node}
        dests.append(Destination(s.id, s.name, node, float(s.capacity), tuple(sorted(access)),
                                 s.lon, s.lat, el))
        if hydro is not None and np.isfinite(el) and el < hydro.peak_m:
            _warn(warnings, f"{file}: shelter {s.id!r} stands at {el:.1f} m, below the "
                            f"flood's peak level {hydro.peak_m:.2f} m: it will be under water")
        if s.capacity == 0:
            _warn(warnings, f"{file}: shelter {s.id!r} has capacity 0; nobody can stay there")
    if trips is not None:
        # trip ends that are not shelters become destinations with no capacity limit
        shelter_at = {d.node: i for i, d in enumerate(dests)}
        for k, node in enumerate(trips.destination.tolist()):
            if node not in shelter_at:
                shelter_at[node] = len(dests)
                dests.append(Destination(f"node-{int(net.node_id[node])}", "trip end", node,
                                         float("inf"), (node,), float(net.lon[node]),
                                         float(net.lat[node]), np.nan))
            trips.destination[k] = shelter_at[node]
    evacuating = any(p.evacuate for p in loaded.plans.values())
    if not dests and evacuating:
        problems.append(Problem(file, "shelters", "a plan orders an evacuation but the "
                                "scenario lists no shelters; add shelters or set "
                                "evacuate: false in every plan"))
    if dests and places is not None and \
            sum(d.capacity for d in dests) < int(zones.evacuees.sum()):
        _warn(warnings, f"{file}: shelters hold {sum(d.capacity for d in dests):,.0f} persons "
                        f"but {int(zones.evacuees.sum()):,} are ordered out; some will find "
                        "every shelter full")

    link_el = None
    # each link's polyline, made only if a hazard needs it (a million links: seconds)
    needs_coords = raster is not None or bool(sc.hazard.polygons) or sc.hazard.plume is not None
    coords = [net.link_coords(i) for i in range(net.n_links)] if needs_coords else []
    link_parts: list[list[list[Interval]]] = []
    place_parts: list[list[list[Interval]]] = []
    if raster is not None and hydro is not None:
        link_el = link_elevations(raster, coords)
        link_parts.append(flooded_intervals(link_el, hydro))
        if places is not None:
            place_parts.append(flooded_intervals(places.elevation, hydro))
    series = []
    for i, ph in enumerate(sc.hazard.polygons):
        ps = read_polygon_series(loaded.file(ph.file), ph.crs, ph.mode,
                                 f"hazard.polygons[{i}].file", net.bounds())
        series.append(ps)
        link_parts.append(ps.intervals_lines(coords))
        if places is not None:
            place_parts.append(ps.intervals_points(places.lon, places.lat))
    plume = None
    if sc.hazard.plume is not None:
        plume = make_plume(sc.hazard.plume, sc.duration_h)
        link_parts.append(_plume_link_intervals(plume, coords))
        if places is not None:
            place_parts.append(plume.intervals(places.lon, places.lat))
    link_fl = _combine(link_parts, net.n_links)
    place_fl = _combine(place_parts, 0 if places is None else places.lon.size)

    link_pos = net.link_positions()
    closures = []
    for i, c in enumerate(sc.hazard.closures):
        missing = [lid for lid in c.links if lid not in link_pos]
        if missing:
            problems.append(Problem(file, f"hazard.closures[{i}].links",
                                    f"no link {missing[0]!r} in the network "
                                    f"({len(missing)} unknown); use link ids of the network"))
            continue
        until = float("inf") if c.until_h is None else c.until_h * 3600.0
        closures.append((c.from_h * 3600.0, until,
                         np.array([link_pos[lid] for lid in c.links]), c.reason))
    if problems:
        raise InputError(problems)
    world = World(loaded, net, dests, zones, places, idx, trips, raster, hydro, link_el,
                  link_fl, place_fl, series, plume, closures, warnings, routes)
    _check_routes_at_start(world, file)
    return world


def make_plume(p: PlumeHazard, duration_h: float) -> GaussianPlume:
    """The plume model of a scenario's plume hazard."""
    end = (p.end_h if p.end_h is not None else duration_h) * 3600.0
    return GaussianPlume(
        lon=p.lon, lat=p.lat, q_gps=p.release_g_s, height_m=p.height_m,
        start_s=p.start_h * 3600.0, end_s=end,
        wind=tuple((w.time_h * 3600.0, w.speed_mps, w.from_deg, w.stability) for w in p.wind),
        threshold_gpm3=p.threshold_mg_m3 / 1000.0,
    )


def _plume_link_intervals(plume: GaussianPlume, coords: list[np.ndarray]) -> list[list[Interval]]:
    pts = [np.vstack([c, (c[:-1] + c[1:]) / 2.0]) for c in coords]
    owner = np.concatenate([np.full(len(p), i) for i, p in enumerate(pts)])
    allp = np.concatenate(pts)
    per_point = plume.intervals(allp[:, 0], allp[:, 1])
    out: list[list[Interval]] = [[] for _ in coords]
    for k, iv in enumerate(per_point):
        if iv:
            out[int(owner[k])].extend(iv)
    return [union(iv) for iv in out]


def _combine(parts: list[list[list[Interval]]], n: int) -> list[list[Interval]] | None:
    """The union of each item's intervals over the hazards (None without a hazard); most
    links are in none, and their empty lists are not merged (a sixth of the default
    World's build, now a fiftieth)."""
    if not parts:
        return None
    out: list[list[Interval]] = []
    for i in range(n):
        lists = [p[i] for p in parts]
        out.append(union(*lists) if any(lists) else [])
    return out


def hazard_frames(world: World, until: float) -> list[tuple[float, str, float, str]]:
    """Hazard area snapshots for maps: ``(time_s, kind, level_m, geojson)``."""
    frames: list[tuple[float, str, float, str]] = []
    step = max(1800.0, until / 48.0)
    if world.raster is not None and world.hydrograph is not None:
        last = None
        # the area below a level is the cells below it: levels that leave the same number
        # of cells below (nested sets, so the same cells) draw the same area, drawn once
        drawn: dict[int, str] = {}
        cells = world.raster.data[np.isfinite(world.raster.data)]
        for t in np.arange(0.0, until + 1.0, step):
            level = float(world.hydrograph.level_at(t))
            if last is not None and abs(level - last) < 0.01:
                continue
            below = int(np.count_nonzero(cells < level))
            if below not in drawn:
                drawn[below] = world.raster.flooded_geojson(level)
            frames.append((float(t), "flood", level, drawn[below]))
            last = level
    for k, ps in enumerate(world.polygons):
        kind = world.loaded.scenario.hazard.polygons[k].kind
        for t in ps.change_times():
            if t <= until:
                frames.append((float(t), kind, float("nan"), ps.frame_geojson(t)))
    if world.plume is not None:
        times = sorted({w[0] for w in world.plume.wind} | {world.plume.start_s,
                                                          world.plume.end_s})
        for t in times:
            if 0 <= t <= until:
                frames.append((float(t), "plume", float("nan"), world.plume.zone_geojson(t)))
    frames.sort(key=lambda f: f[0])
    return frames


def closed_at(world: World, t: float, *, flood: bool = True) -> np.ndarray:
    """Links closed at time ``t`` (in a hazard, if ``flood``, or closed by a closure)."""
    from musterpoint.sim.hazards.closures import ClosureSchedule

    hazard = world.link_flooded if flood else None
    return ClosureSchedule.from_lists(hazard, world.closures,
                                      world.network.n_links).closed_at(t)


def _check_routes_at_start(world: World, file: str) -> None:
    from musterpoint.sim.network.routing import reaches_any

    if not world.destinations:
        return
    net = world.network
    targets = [n for d in world.destinations for n in d.nodes]
    reach = reaches_any(net.n_nodes, net.link_from, net.link_to, targets,
                        closed_at(world, 0.0, flood=False))
    if world.link_flooded is not None:
        wet_reach = reaches_any(net.n_nodes, net.link_from, net.link_to, targets,
                                closed_at(world, 0.0))
    else:
        wet_reach = reach
    if world.places is None:
        assert world.trips is not None
        bad = ~reach[world.trips.origin]
        if bad.any():
            k = int(np.flatnonzero(bad)[0])
            raise InputError.single(file, "trips", f"trip {k}: no open route from its origin "
                                    "at the start; check closures and the network")
        return
    p = world.places
    ev = np.flatnonzero(p.evacuate)
    near, _ = world.node_index.nearest(p.lon[ev], p.lat[ev], k=1)
    ok_zone = np.zeros(len(world.zones.ids), dtype=bool)
    np.logical_or.at(ok_zone, p.zone[ev], reach[near[:, 0]])
    bad = [z for z, ok in zip(world.zones.ids, ok_zone, strict=True) if not ok]
    if bad:
        raise InputError.single(
            file, "shelters",
            f"zone {bad[0]} ({len(bad)} zones in all) has no open route to any shelter at the "
            "start (its roads are closed at hour 0 by hazard.closures, or no shelter is "
            "reachable); add a reachable shelter or change the closures",
        )
    cut = ~wet_reach[near[:, 0]]
    if cut.any():
        people = int(p.population[ev][cut].sum())
        _warn(world.warnings, f"{file}: {people:,} residents in {int(cut.sum())} places have "
                              "every road out inside the hazard at the start; unless a road "
                              "reopens they shelter in place (status sheltering_in_place: "
                              "they need rescue)")


def _inside_area(area: Path, ppath: Path, src: object) -> np.ndarray:
    import geopandas as gpd
    from shapely import points

    from musterpoint.sim.demand.population import read_population_table

    gdf = gpd.read_file(area)
    if gdf.crs is None:
        raise InputError.single(str(area), "crs", "the area layer has no CRS; set one")
    poly = gdf.to_crs("EPSG:4326").geometry.union_all()
    tab = read_population_table(ppath, src)  # type: ignore[arg-type]
    return np.asarray(poly.contains(points(tab["lon"].to_numpy(), tab["lat"].to_numpy())))


def _check_coverage(raster: ElevationRaster, net: Network, file: str,
                    warnings: list[str]) -> None:
    """Refuse an elevation raster that covers none of the network; warn if it covers little."""
    el = raster.sample(net.lon, net.lat)
    share = float(np.isfinite(el).mean()) if el.size else 0.0
    lo = net.bounds()
    area = f"lon {lo[0]:.3f} to {lo[2]:.3f}, lat {lo[1]:.3f} to {lo[3]:.3f}"
    if share == 0.0:
        raise InputError.single(
            str(raster.path), "hazard.flood.elevation",
            f"the raster covers none of the road network ({area}) or has no data there; "
            f"give an elevation raster of the scenario's area (its CRS is {raster.crs})")
    if share < 0.5:
        _warn(warnings, f"{raster.path}: hazard.flood.elevation: the raster covers only "
                        f"{share:.0%} of the network's nodes ({area}); roads outside it never "
                        "flood")


def _population_location(places: Places, net: Network, src: PopulationSource) -> str:
    """Why the populated places lie off the network's area, or '' if they do not."""
    if places.lon.size == 0:
        return ""
    lo = net.bounds()
    mid = (lo[1] + lo[3]) / 2.0
    dlat = PLACE_MARGIN_M / 111_000.0
    dlon = dlat / max(np.cos(np.radians(mid)), 0.05)
    inside = ((places.lon >= lo[0] - dlon) & (places.lon <= lo[2] + dlon)
              & (places.lat >= lo[1] - dlat) & (places.lat <= lo[3] + dlat))
    if inside.any():
        return ""
    return (f"none of the {places.lon.size:,} populated places lies within "
            f"{PLACE_MARGIN_M / 1000:.0f} km of the road network (places around lon "
            f"{np.median(places.lon):.3f}, lat {np.median(places.lat):.3f}; network lon "
            f"{lo[0]:.3f} to {lo[2]:.3f}, lat {lo[1]:.3f} to {lo[3]:.3f}); check population.crs "
            f"({src.crs}) and x_column / y_column ({src.x_column}, {src.y_column}: x is the "
            "longitude or easting)")


def _unflooded_note(places: Places, raster: ElevationRaster | None) -> str:
    if raster is None or places.elevation.size == 0 or np.isfinite(places.elevation).any():
        return ""
    return ("; no populated place lies on the elevation raster (hazard.flood.elevation), so "
            "none has a ground level below max_elevation_m: check the raster's area and CRS")
