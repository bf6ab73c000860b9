"""Schema of public-health inputs (epidemic, dispensing sites, compounds, hospitals).

The scenario's ``health:`` section describes the world: the disease and its starting
point (:class:`Epidemic`), the residential compounds with their gates
(:class:`Compound`), the candidate dispensing sites (:class:`SiteLocation`), the
hospitals (:class:`Hospital`) and the supply depots (:class:`Depot`). The plan's
``health:`` section holds the decisions: lockdowns (:class:`Lockdown`), the dispensing
campaign with its sites, stations and staffing (:class:`Campaign`), the lockdown supply
(:class:`SupplyPlan`) and the ambulances (:class:`AmbulancePlan`).

Every model is frozen and rejects unknown keys; numbers are range-checked and the models
check their own cross-field rules (an open site with zero staff at a station, a gate id
used twice, ...). Rules that need both files (a plan naming a compound the scenario does
not have) are checked by :func:`check_health_plan`. Values that are legal but unusual (a
basic reproduction number above 10) give warnings through :func:`health_warnings`.
Names shown to people have an optional Chinese form (``name_zh``).

The world's models are in :mod:`musterpoint.scenarios.health_world_schema`, the plan's in
:mod:`musterpoint.scenarios.health_plan_schema` and the shared field types in
:mod:`musterpoint.scenarios.health_fields`; all are re-exported here, next to the checks
that need both files.
"""

from __future__ import annotations

from musterpoint.scenarios.health_fields import Dist
from musterpoint.scenarios.health_plan_schema import (
    AmbulancePlan,
    Campaign,
    HealthPlan,
    Lockdown,
    PickupPoint,
    Shift,
    SitePlan,
    StationSpec,
    SupplyPlan,
    SurgeBeds,
)
from musterpoint.scenarios.health_world_schema import (
    R0_MAX,
    R0_PLAUSIBLE,
    Compound,
    Depot,
    Epidemic,
    Gate,
    HealthWorld,
    Hospital,
    SiteLocation,
)

__all__ = [
    "R0_MAX",
    "R0_PLAUSIBLE",
    "AmbulancePlan",
    "Campaign",
    "Compound",
    "Depot",
    "Dist",
    "Epidemic",
    "Gate",
    "HealthPlan",
    "HealthWorld",
    "Hospital",
    "Lockdown",
    "PickupPoint",
    "Shift",
    "SiteLocation",
    "SitePlan",
    "StationSpec",
    "SupplyPlan",
    "SurgeBeds",
    "check_health_plan",
    "health_warnings",
]


def check_health_plan(world: HealthWorld, plan: HealthPlan) -> list[tuple[str, str]]:
    """Cross-file problems of a plan's health section: ``(field, reason)`` pairs."""
    out: list[tuple[str, str]] = []
    compounds = {c.id for c in world.compounds}
    sites = {s.id for s in world.sites}
    hospitals = {h.id for h in world.hospitals}
    depots = {d.id for d in world.depots}

    def known(ids: list[str] | None, field: str) -> None:
        for c in ids or []:
            if c not in compounds:
                out.append((field, f"no compound {c!r} in the scenario's health.compounds"))

    for i, lk in enumerate(plan.lockdowns):
        known(lk.compounds, f"health.lockdowns[{i}].compounds")
    cp = plan.campaign
    if cp is not None:
        for i, s in enumerate(cp.sites):
            if s.site not in sites:
                out.append((f"health.campaign.sites[{i}].site",
                            f"no site {s.site!r} in the scenario's health.sites"))
            known(s.compounds, f"health.campaign.sites[{i}].compounds")
    sp = plan.supply
    if sp is not None:
        if sp.depot not in depots:
            out.append(("health.supply.depot", f"no depot {sp.depot!r} in health.depots"))
        for i, p in enumerate(sp.pickup_points):
            known(p.compounds, f"health.supply.pickup_points[{i}].compounds")
        if sp.mode == "pickup":
            served = {c for p in sp.pickup_points for c in p.compounds}
            left = sorted(compounds - served)
            if left:
                out.append(("health.supply.pickup_points",
                            f"compounds {', '.join(left)} have no pick-up point"))
    amb = plan.ambulances
    if amb is not None:
        if not world.hospitals:
            out.append(("health.ambulances", "ambulances need hospitals in the scenario"))
        for i, b in enumerate(amb.bases):
            if b not in hospitals:
                out.append((f"health.ambulances.bases[{i}]", f"no hospital {b!r}"))
        for i, sb in enumerate(amb.surge):
            if sb.hospital not in hospitals:
                out.append((f"health.ambulances.surge[{i}].hospital",
                            f"no hospital {sb.hospital!r}"))
    return out


def health_warnings(world: HealthWorld, plan: HealthPlan | None = None) -> list[str]:
    """Legal but implausible inputs, one sentence each."""
    ep = world.epidemic
    out: list[str] = []
    lo, hi = R0_PLAUSIBLE
    if ep.r0 < lo:
        out.append(f"health.epidemic.r0 = {ep.r0:g} is below 1: the epidemic dies out by "
                   "itself; check the value")
    elif ep.r0 > hi:
        out.append(f"health.epidemic.r0 = {ep.r0:g} is above {hi:g}: only measles-like "
                   "diseases spread that fast; check the value")
    if ep.latent_days + ep.infectious_days > 40:
        out.append("health.epidemic: latent plus infectious period over 40 days is unusual")
    if not world.hospitals and ep.severe_share > 0:
        out.append("health: severe cases but no hospitals; every severe case will be "
                   "counted as not admitted")
    if plan is not None and plan.campaign is not None:
        for s in plan.campaign.sites:
            if s.open_h[1] - s.open_h[0] > 20:
                out.append(f"health.campaign site {s.site} is open "
                           f"{s.open_h[1] - s.open_h[0]:g} h a day; check the staffing")
    return out
