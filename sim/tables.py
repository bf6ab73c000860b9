"""The engine's output tables: every column with its unit and meaning, defined once.

:data:`TABLES` is the schema the writer checks (:meth:`RunResult.save
<musterpoint.sim.result.RunResult.save>` refuses a table whose columns differ), the
readers rely on, the documentation is generated from (``docs/outputs.md``, by
``tools/write_output_docs.py``) and a test holds every run to. Times are seconds since
the scenario start. Extensions document their own tables the same way, in a
``TABLE_SCHEMAS`` attribute (:data:`musterpoint.sim.engine.ALL_TABLES` gathers them).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

__all__ = ["GEOMETRY_UNITS", "TABLES", "Column", "Event", "Table", "check_columns", "fleet_tables",
           "geometry_columns", "table"]


class Event(NamedTuple):
    """One event of a run: a row of the ``events`` table (columns in this order)."""

    time_s: float
    """Simulated time (s since the scenario start)."""
    type: str
    """What happened: order, depart, arrive, redirect, stranded, link_closed, ..."""
    vehicle_id: int
    """Agent it happened to, or -1."""
    link_id: str
    """Link it happened on, or empty."""
    zone: str
    """Zone it concerns, or empty."""
    shelter: str
    """Shelter (or pickup point, depot, exit) it concerns, or empty."""
    value: float
    """A number that goes with it (persons, capacity, ...), or NaN."""
    detail: str
    """Free text: a reason, a command in JSON, ..."""


@dataclass(frozen=True)
class Column:
    """One column of an output table."""

    name: str
    unit: str
    """Unit (``s``, ``m``, ``persons``, ``PCU``, ...), or empty for ids and text."""
    description: str


@dataclass(frozen=True)
class Table:
    """An output table: what one row is, and its columns in order."""

    name: str
    row: str
    columns: tuple[Column, ...]

    @property
    def names(self) -> list[str]:
        """Column names, in order."""
        return [c.name for c in self.columns]


def table(name: str, row: str, *cols: tuple[str, str, str]) -> Table:
    """A table schema from ``(column, unit, meaning)`` triples."""
    return Table(name, row, tuple(Column(*c) for c in cols))


_t = table

#: Units of a column that holds a whole geometry as text (WGS 84), best first.
GEOMETRY_UNITS = ("WKT", "GeoJSON")


def geometry_columns(t: Table) -> tuple[str, ...]:
    """The columns that place a table's rows on the map, or ``()`` for a non-spatial table.

    A column whose unit is in :data:`GEOMETRY_UNITS` (``wkt``, ``geojson``) wins; else the
    pair ``lon``, ``lat`` (points). Coordinates are WGS 84 (EPSG:4326). The GIS export of a
    run and the output docs use this one rule.
    """
    for unit in GEOMETRY_UNITS:
        for c in t.columns:
            if c.unit == unit:
                return (c.name,)
    names = t.names
    return ("lon", "lat") if "lon" in names and "lat" in names else ()


def fleet_tables(prefix: str, what: str) -> tuple[Table, Table, Table]:
    """The legs, trucks and trips tables every truck fleet writes (relief supply, lockdown
    supply), named ``{prefix}_legs``, ``{prefix}_trucks``, ``{prefix}_trips``; ``what`` says
    what the trucks carry."""
    return (
        table(f"{prefix}_legs", f"one drive of a truck ({what}) from one place to the next",
              ("truck", "", "truck id"),
              ("trip", "", "trip number (-1: not on a trip)"),
              ("leg", "", "leg number of the truck"),
              ("from_node", "", "road node id it left"),
              ("to", "", "stop, depot or point it drove to"),
              ("depart_s", "s", "when it left"),
              ("arrive_s", "s", "when it arrived (or was stranded)"),
              ("km", "km", "length of its route"),
              ("status", "", "arrived or stranded"),
              ("wkt", "WKT", "route geometry (WGS 84)")),
        table(f"{prefix}_trucks", f"one truck ({what})",
              ("truck", "", "truck id"),
              ("type", "", "truck type"),
              ("depot", "", "home depot"),
              ("trips", "trips", "trips made"),
              ("legs", "legs", "drives made"),
              ("km", "km", "distance driven"),
              ("busy_s", "s", "time on trips"),
              ("utilisation", "", "busy_s / time its depot was open"),
              ("state", "", "at the end: idle, loading, driving, unloading, returning or stranded"),
              ("reason", "", "why it is stranded, or empty")),
        table(f"{prefix}_trips", f"one trip of a truck ({what}): load, stops, return",
              ("trip", "", "trip number"),
              ("truck", "", "truck id"),
              ("depot", "", "depot it loaded at"),
              ("policy", "", "dispatch rule that made it (fixed, periodic, need, orders, ...)"),
              ("route", "", "fixed route id, or empty"),
              ("created_s", "s", "when the job was made"),
              ("assigned_s", "s", "when a truck took it"),
              ("load_start_s", "s", "when loading began, or NaN"),
              ("depart_s", "s", "when it left the depot, or NaN"),
              ("end_s", "s", "when it was back (or stranded)"),
              ("stops", "stops", "stops planned"),
              ("kg", "kg", "load (NaN for cargo counted in orders)"),
              ("status", "", "done or stranded")),
    )


_EVENT_DOC = {
    "time_s": ("s", "when it happened"),
    "type": ("", "order, depart, arrive, redirect, stranded, link_closed, link_reopened, "
                 "capacity, command, shelter_full, board, bus_ready, route_left (a vehicle "
                 "with a fixed route left it: a link ahead closed), relief_*, ... "
                 "(``--link-events`` adds link_enter and link_exit)"),
    "vehicle_id": ("", "agent it happened to (agents.vehicle_id), or -1"),
    "link_id": ("", "link it happened on, or empty"),
    "zone": ("", "zone it concerns, or empty"),
    "shelter": ("", "shelter, pickup point, depot or exit it concerns, or empty"),
    "value": ("", "a number that goes with it (persons, capacity in vph, kg, ...), or NaN"),
    "detail": ("", "free text: a reason, a command as JSON, ..."),
}

#: The engine's tables, in the order they are written.
TABLES: dict[str, Table] = {t.name: t for t in (
    _t("agents", "one vehicle, or one household without transport (pcu 0)",
       ("vehicle_id", "", "agent number (events.vehicle_id)"),
       ("role", "", "evacuee, shadow (leaves unordered) or background (through traffic)"),
       ("mode", "", "car, bus, walk, ambulance, wheelchair_van or none"),
       ("zone", "", "home zone, or (outside)"),
       ("origin_node", "", "OSM (or input) id of the road node it starts from"),
       ("origin_lon", "°", "longitude of the origin node (WGS 84)"),
       ("origin_lat", "°", "latitude of the origin node (WGS 84)"),
       ("destination", "", "shelter, exit or pickup point it reached or was bound for"),
       ("persons", "persons", "household size"),
       ("pcu", "PCU", "road space of its vehicle (0: no vehicle)"),
       ("order_s", "s", "when its zone was ordered out"),
       ("depart_s", "s", "when it left (order plus mobilisation delay)"),
       ("arrive_s", "s", "when it reached safety, or NaN"),
       ("status", "", "arrived, stranded, en_route, never_departed or sheltering_in_place "
                      "(cut off at home at the order and never got out: needs rescue)"),
       ("reason", "", "why it is in that state (stranded, never departed, en route)"),
       ("exposed_home_person_s", "person·s", "time in the hazard at home, times persons"),
       ("exposed_road_person_s", "person·s", "time in the hazard on the road, times persons"),
       ("exposed_person_s", "person·s", "sum of the two"),
       ("left_hazard_s", "s", "when its exposure ended, or NaN if never exposed"),
       ("still_exposed", "", "in the hazard at the end of the run"),
       ("group", "", "evacuee group (NUREG/CR-7002): general (car, ride or on foot), "
                     "transit_dependent (needs a bus) or special_facility; empty for "
                     "shadow and background traffic"),
       ("facility", "", "special facility (school, hospital, care home) it belongs to, or "
                        "empty"),
       ("cut_off_at_start", "", "no open road from home to any shelter at its zone's order"),
       ("waits", "", "times it found every road out closed and waited"),
       ("retries", "", "times it set off again after waiting (a road reopened)"),
       ("end_node", "", "OSM (or input) id of the road node where it is at the end (home, "
                        "where it waits or is stranded, or the shelter it reached)")),
    _t("events", "one event (see :class:`Event`)",
       *((f, *_EVENT_DOC[f]) for f in Event._fields)),
    _t("link_states", "one link and 5-minute interval with traffic or a closure",
       ("interval_start_s", "s", "start of the interval"),
       ("link_id", "", "link"),
       ("entered", "vehicles", "vehicles that entered the link in the interval"),
       ("exited", "vehicles", "vehicles that left it"),
       ("pcu_end", "PCU", "on the link at the end of the interval"),
       ("occupancy", "", "pcu_end / storage (1: full)"),
       ("mean_travel_s", "s", "mean time on the link of those who left it, or NaN"),
       ("freeflow_s", "s", "length / speed limit"),
       ("closed", "", "closed to entry at the end of the interval")),
    _t("links", "one directed road link of the network",
       ("link_id", "", "link id (OSM way id and a part number, or the input's id)"),
       ("highway", "", "OSM highway class"),
       ("name", "", "street name, or empty"),
       ("length_m", "m", "length"),
       ("lanes", "lanes", "lanes in this direction"),
       ("capacity_vph", "PCU/h", "flow capacity"),
       ("storage_pcu", "PCU", "storage capacity (length x lanes / 7.5 m, at least what "
                              "its flow needs)"),
       ("freeflow_s", "s", "length / speed limit"),
       ("elevation_m", "m", "lowest ground along it, or NaN"),
       ("flooded_from_s", "s", "first time it is in the hazard, or NaN if never"),
       ("wkt", "WKT", "line geometry (WGS 84)")),
    _t("zones", "one zone",
       ("zone", "", "zone id"),
       ("lon", "°", "centre longitude"),
       ("lat", "°", "centre latitude"),
       ("population", "persons", "residents"),
       ("evacuees", "persons", "residents ordered out in this plan"),
       ("elevation_m", "m", "ground elevation, or NaN"),
       ("order_s", "s", "when it is ordered out (inf: never)"),
       ("flooded_from_s", "s", "first time one of its places is in the hazard, or NaN"),
       ("wkt", "WKT", "polygon geometry (WGS 84)")),
    _t("shelters", "one shelter (or trip end)",
       ("shelter", "", "shelter id"),
       ("name", "", "name"),
       ("lon", "°", "longitude"),
       ("lat", "°", "latitude"),
       ("capacity", "persons", "places (inf for a trip end)"),
       ("elevation_m", "m", "ground elevation, or NaN"),
       ("occupancy_end", "persons", "people in it at the end")),
    _t("timeseries", "one zone and 5-minute step (zone ALL: the whole area)",
       ("time_s", "s", "end of the step"),
       ("zone", "", "zone id, or ALL"),
       ("evacuees", "persons", "residents ordered out"),
       ("departed", "persons", "left home so far"),
       ("arrived", "persons", "reached safety so far")),
    _t("shelter_timeseries", "one shelter and 5-minute step",
       ("time_s", "s", "end of the step"),
       ("shelter", "", "shelter id"),
       ("occupancy", "persons", "people in it")),
    _t("hazard_frames", "the hazard area at one change, for maps",
       ("time_s", "s", "from when it holds"),
       ("kind", "", "flood, plume, fire, ..."),
       ("level_m", "m", "water level (floods), or NaN"),
       ("geojson", "GeoJSON", "area (WGS 84)")),
    _t("buses", "one bus (plans with buses)",
       ("bus", "", "bus number"),
       ("ready_s", "s", "ready at its depot"),
       ("legs", "legs", "drives made"),
       ("shelter_trips", "trips", "loads taken to a shelter"),
       ("delivered", "persons", "people it took to safety"),
       ("in_service", "", "not stranded at the end")),
    _t("facility_vehicles", "one vehicle of a special facility (scenarios with facilities)",
       ("facility", "", "special facility id"),
       ("vehicle", "", "vehicle number within the facility"),
       ("kind", "", "bus, ambulance or wheelchair_van"),
       ("ready_s", "s", "ready at the facility (order plus mobilisation), or NaN"),
       ("trips", "trips", "loads taken to a shelter"),
       ("delivered", "persons", "residents it took to safety"),
       ("in_service", "", "not stranded at the end")),
    _t("bound_curve", "one time step of the flow-over-time bound (runs with the bound)",
       ("time_s", "s", "time"),
       ("persons_safe", "persons", "most people any plan could have safe by then"),
       ("pcu_safe", "PCU", "the same in vehicles' road space")),
)}


def check_columns(name: str, columns: list[str],
                  schemas: dict[str, Table] | None = None) -> None:
    """Raise ValueError when a table's columns differ from its schema in ``schemas``
    (default: the engine's :data:`TABLES`), a bug rather than an input problem; tables
    without a schema pass."""
    table = (TABLES if schemas is None else schemas).get(name)
    if table is not None and columns != table.names:
        raise ValueError(f"table {name!r} has columns {columns}; its schema says "
                         f"{table.names}")
