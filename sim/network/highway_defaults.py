"""Default road attributes per OSM ``highway`` class and parsers for OSM road tags.

The default table follows the highway defaults of MATSim's ``OsmNetworkReader``
(``org.matsim.core.utils.io.OsmNetworkReader``, constructor with ``useHighwayDefaults``):
lanes per direction, free speed and flow capacity per lane in PCU/h, for example
``motorway 2 lanes, 120 km/h, 2000 PCU/h/lane`` and ``residential 1 lane, 30 km/h,
600 PCU/h/lane``. MATSim has no rows for ``secondary_link``, ``tertiary_link``,
``road`` and ``service``; musterpoint fills them in the same style: a link ramp copies
its main class, ``road`` (unknown class) copies ``unclassified`` and ``service`` (alleys,
driveways, parking aisles) gets 20 km/h and 300 PCU/h/lane like ``living_street``.
The per-lane capacities are at or below the Highway Capacity Manual's base saturation
flows (about 1,900-2,400 PCU/h/lane), as urban roads lose capacity to intersections.

The capacity of a directed link is ``capacity_per_lane_vph * lanes``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass

__all__ = [
    "EXCLUDED_HIGHWAYS",
    "HIGHWAY_DEFAULTS",
    "IMPLIED_ONEWAY_HIGHWAYS",
    "NO_ACCESS_VALUES",
    "HighwayDefaults",
    "RoadAttributes",
    "has_no_motor_access",
    "parse_lanes",
    "parse_maxspeed_kph",
    "parse_oneway",
    "road_attributes",
]


@dataclass(frozen=True)
class HighwayDefaults:
    """Defaults for one road class.

    Attributes
    ----------
    lanes : int
        Lanes in each direction of travel.
    speed_kph : float
        Free-flow speed in km/h.
    capacity_per_lane_vph : float
        Flow capacity of one lane in PCU per hour.
    """

    lanes: int
    speed_kph: float
    capacity_per_lane_vph: float


#: Defaults per drivable OSM ``highway`` value (see the module docstring for the source).
HIGHWAY_DEFAULTS: dict[str, HighwayDefaults] = {
    # MATSim OsmNetworkReader defaults (hierarchy 1-6)
    "motorway": HighwayDefaults(2, 120.0, 2000.0),
    "motorway_link": HighwayDefaults(1, 80.0, 1500.0),
    "trunk": HighwayDefaults(1, 80.0, 2000.0),
    "trunk_link": HighwayDefaults(1, 50.0, 1500.0),
    "primary": HighwayDefaults(1, 80.0, 1500.0),
    "primary_link": HighwayDefaults(1, 60.0, 1500.0),
    "secondary": HighwayDefaults(1, 60.0, 1000.0),
    "tertiary": HighwayDefaults(1, 45.0, 600.0),
    "unclassified": HighwayDefaults(1, 45.0, 600.0),
    "residential": HighwayDefaults(1, 30.0, 600.0),
    "living_street": HighwayDefaults(1, 15.0, 300.0),
    # musterpoint additions in the same style
    "secondary_link": HighwayDefaults(1, 60.0, 1000.0),
    "tertiary_link": HighwayDefaults(1, 45.0, 600.0),
    "road": HighwayDefaults(1, 45.0, 600.0),
    "service": HighwayDefaults(1, 20.0, 300.0),
}

#: Highway values that are never part of the drivable network (anything not in
#: :data:`HIGHWAY_DEFAULTS` is dropped as well; these are named in the reader's notes).
EXCLUDED_HIGHWAYS: frozenset[str] = frozenset(
    {
        "footway",
        "cycleway",
        "path",
        "steps",
        "pedestrian",
        "track",
        "construction",
        "proposed",
        "bus_guideway",
        "raceway",
        "bridleway",
        "corridor",
        "platform",
        "elevator",
        "escalator",
        "abandoned",
        "busway",
        "rest_area",
    }
)

#: Classes that are oneway unless tagged ``oneway=no`` (as in MATSim's defaults).
IMPLIED_ONEWAY_HIGHWAYS: frozenset[str] = frozenset({"motorway", "motorway_link"})

#: Access values that close a road to general motor traffic.
NO_ACCESS_VALUES: frozenset[str] = frozenset({"no", "private"})

_MPH_KPH = 1.609344
_KNOT_KPH = 1.852
_NUMBER_UNIT = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(km/h|kmh|kph|mph|knots)?\s*$", re.IGNORECASE)
_ZONE_NUMBER = re.compile(r"^[A-Za-z]{2}:(?:zone|rural|urban)?:?(\d+)$", re.IGNORECASE)
_WALK_KPH = 7.0


def parse_maxspeed_kph(value: str | None) -> float | None:
    """Parse an OSM ``maxspeed`` value into km/h.

    Parameters
    ----------
    value : str or None
        The tag value: ``"50"``, ``"50 mph"``, ``"10 knots"``, ``"DE:zone30"``,
        ``"BR:urban"``, ``"walk"``, ``"none"``, or several values separated by ``;``.

    Returns
    -------
    float or None
        The speed in km/h, the lowest one when several are given. ``None`` when the tag
        is missing or does not give a number (zone tags such as ``BR:urban``, ``none``,
        ``signals``, ``variable``): the caller then uses the class default.
    """
    if value is None:
        return None
    speeds: list[float] = []
    for part in value.split(";"):
        part = part.strip()
        if not part:
            continue
        if part.lower() == "walk":
            speeds.append(_WALK_KPH)
            continue
        m = _NUMBER_UNIT.match(part)
        if m:
            number = float(m.group(1))
            unit = (m.group(2) or "").lower()
            if unit == "mph":
                number *= _MPH_KPH
            elif unit == "knots":
                number *= _KNOT_KPH
            speeds.append(number)
            continue
        z = _ZONE_NUMBER.match(part)
        if z:
            speeds.append(float(z.group(1)))
    speeds = [s for s in speeds if s > 0 and math.isfinite(s)]
    return min(speeds) if speeds else None


def parse_lanes(value: str | None) -> int | None:
    """Parse an OSM ``lanes``, ``lanes:forward`` or ``lanes:backward`` value.

    Parameters
    ----------
    value : str or None
        The tag value, for example ``"2"``; of ``"2;3"`` the first number is used and a
        fraction such as ``"1.5"`` is rounded.

    Returns
    -------
    int or None
        A positive lane count, or ``None`` when missing, zero or not a number.
    """
    if value is None:
        return None
    first = value.split(";")[0].strip()
    try:
        number = float(first)
    except ValueError:
        return None
    if not math.isfinite(number) or number <= 0:
        return None
    return max(1, math.floor(number + 0.5))


def parse_oneway(
    value: str | None, highway: str = "", junction: str | None = None
) -> int:
    """Direction of travel from an OSM ``oneway`` tag.

    Parameters
    ----------
    value : str or None
        ``yes``/``true``/``1`` (oneway along the way), ``-1``/``reverse`` (oneway against
        it), ``no``/``false``/``0``. ``reversible`` and ``alternating`` count as two-way.
    highway : str, optional
        The road class; motorways and motorway links are oneway when the tag is missing.
    junction : str or None, optional
        ``roundabout`` or ``circular`` make a way oneway when the tag is missing.

    Returns
    -------
    int
        ``1`` for oneway along the way, ``-1`` for oneway against it, ``0`` for two-way.
    """
    v = value.strip().lower() if value is not None else ""
    if v in ("yes", "true", "1"):
        return 1
    if v in ("-1", "reverse"):
        return -1
    if v in ("no", "false", "0", "reversible", "alternating"):
        return 0
    if junction is not None and junction.strip().lower() in ("roundabout", "circular"):
        return 1
    if highway in IMPLIED_ONEWAY_HIGHWAYS:
        return 1
    return 0


def has_no_motor_access(tags: Mapping[str, str]) -> bool:
    """Whether the most specific access tag closes the road to cars.

    The first of ``motorcar``, ``motor_vehicle``, ``vehicle`` and ``access`` that is
    present decides, so ``access=no`` with ``motor_vehicle=yes`` stays open.
    """
    for key in ("motorcar", "motor_vehicle", "vehicle", "access"):
        v = tags.get(key)
        if v is not None:
            return v.strip().lower() in NO_ACCESS_VALUES
    return False


@dataclass(frozen=True)
class RoadAttributes:
    """Resolved attributes of one road (both directions).

    Attributes
    ----------
    oneway : int
        ``1`` oneway along the geometry, ``-1`` against it, ``0`` two-way.
    lanes_forward, lanes_backward : int
        Lanes along and against the geometry (0 for a direction that is not driven).
    speed_kph : float
        Free-flow speed.
    capacity_per_lane_vph : float
        Flow capacity of one lane in PCU per hour.
    speed_default, lanes_default : bool
        Whether the class default was used instead of a tag.
    """

    oneway: int
    lanes_forward: int
    lanes_backward: int
    speed_kph: float
    capacity_per_lane_vph: float
    speed_default: bool
    lanes_default: bool


def _split_lanes(
    total: int | None, forward: int | None, backward: int | None, default: int
) -> tuple[int, int, bool]:
    """Lanes per direction of a two-way road; the flag says the default was used."""
    if forward is not None and backward is not None:
        return forward, backward, False
    if total is not None:
        if forward is not None:
            return forward, max(1, total - forward), False
        if backward is not None:
            return max(1, total - backward), backward, False
        half = max(1, math.floor(total / 2 + 0.5))
        return half, half, False
    if forward is not None or backward is not None:
        return (forward or default), (backward or default), True
    return default, default, True


def road_attributes(
    tags: Mapping[str, str], defaults: HighwayDefaults | None = None
) -> RoadAttributes | None:
    """Resolve direction, lanes, speed and lane capacity of an OSM way.

    Parameters
    ----------
    tags : mapping of str to str
        The way's tags; ``highway`` is required.
    defaults : HighwayDefaults, optional
        Defaults to use instead of the table row of the way's class.

    Returns
    -------
    RoadAttributes or None
        ``None`` when the class is not in :data:`HIGHWAY_DEFAULTS` and no ``defaults``
        are given.
    """
    highway = tags.get("highway", "")
    row = defaults if defaults is not None else HIGHWAY_DEFAULTS.get(highway)
    if row is None:
        return None
    oneway = parse_oneway(tags.get("oneway"), highway, tags.get("junction"))
    total = parse_lanes(tags.get("lanes"))
    fwd = parse_lanes(tags.get("lanes:forward"))
    bwd = parse_lanes(tags.get("lanes:backward"))
    if oneway == 1:
        lanes = fwd if fwd is not None else total
        lanes_f, lanes_b, lanes_default = (lanes or row.lanes), 0, lanes is None
    elif oneway == -1:
        lanes = bwd if bwd is not None else total
        lanes_f, lanes_b, lanes_default = 0, (lanes or row.lanes), lanes is None
    else:
        lanes_f, lanes_b, lanes_default = _split_lanes(total, fwd, bwd, row.lanes)
    speed = parse_maxspeed_kph(tags.get("maxspeed"))
    return RoadAttributes(
        oneway=oneway,
        lanes_forward=lanes_f,
        lanes_backward=lanes_b,
        speed_kph=speed if speed is not None else row.speed_kph,
        capacity_per_lane_vph=row.capacity_per_lane_vph,
        speed_default=speed is None,
        lanes_default=lanes_default,
    )
