"""Hospital surge: severe cases, ambulances on the roads, ward and ICU beds.

A severe case (from the epidemic) calls for an ambulance after an onset-to-call delay.
The dispatcher looks for a free bed of the kind the patient needs (ICU for a share of
severe cases, else a ward bed) at the hospital nearest to the patient by road, and for
the nearest idle ambulance; it reserves the bed and sends the ambulance (after
``dispatch_min``). The ambulance drives to the compound's first gate on the shared roads,
spends ``on_scene`` there, drives to the hospital, hands the patient over (``handover``)
and then takes the next waiting patient or drives back to its base (it is not available
while driving back). A patient stays in hospital for a ward or ICU stay drawn from the
epidemic's distributions and goes home. Patients wait, in the order of their calls, when
no bed or no ambulance is free; one who still has no bed after ``max_wait_h`` is counted
as not admitted and stays at home. Without an ambulance plan patients reach the hospital
by their own means in the free-flow driving time, and no vehicle is put on the roads.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Protocol

import numpy as np
import pandas as pd
import simpy

from musterpoint.scenarios.health_schema import AmbulancePlan, Epidemic, Hospital
from musterpoint.sim.des import call_later
from musterpoint.sim.health.stations import Sampler
from musterpoint.sim.rng import RandomStreams

__all__ = ["HospitalSystem", "Patient", "Road"]

logger = logging.getLogger(__name__)

#: Occupancy is sampled this often (s).
SAMPLE_S = 3600.0


class Road(Protocol):
    """What a health module needs from the extension to use the shared roads."""

    def drive(self, handler: Any, local: int, origin: int, dest: int,
              pcu: float | None = None) -> int:
        """Put a vehicle of ``handler`` (its number ``local``, ``pcu`` of road space, an
        ambulance's by default) on the road to router destination ``dest``; the handler
        hears ``on_reach``/``on_strand``. Returns the traffic-model vehicle number."""

    def dist_s(self, dest: int, node: int) -> float:
        """Free-flow driving time from ``node`` to router destination ``dest``."""

    def move(self, c: int, frm: str, to: str) -> None:
        """A resident of compound ``c`` changes place (for the ledger)."""

    def log(self, t: float, kind: str, detail: str = "", value: float = float("nan")) -> None:
        """Record an event."""


@dataclass
class Patient:
    """A severe case, from onset to discharge."""

    id: int
    compound: int
    icu: bool
    onset_s: float
    call_s: float = float("nan")
    dispatch_s: float = float("nan")
    on_scene_s: float = float("nan")
    arrive_s: float = float("nan")
    discharge_s: float = float("nan")
    hospital: int = -1
    ambulance: int = -1
    status: str = "before_call"
    reason: str = ""
    place: str = "home"


@dataclass
class _Ambulance:
    base: int
    node: int
    idle: bool = True
    patient: int = -1
    leg: str = ""  # to_patient, to_hospital, to_base
    busy_s: float = 0.0
    since: float = 0.0
    in_service: bool = True
    calls: int = 0


@dataclass
class _Beds:
    ward_cap: int
    icu_cap: int
    ward_occ: int = 0
    icu_occ: int = 0
    ward_res: int = 0
    icu_res: int = 0
    peak_ward: int = 0
    peak_icu: int = 0
    surge: list[tuple[float, int, int]] = field(default_factory=list)


class HospitalSystem:
    """Hospitals, beds, ambulances and severe patients of one run.

    Parameters
    ----------
    hospitals : list of Hospital
        The scenario's hospitals.
    hosp_nodes, hosp_dest : list of int
        Road node and router destination of each hospital.
    gate_nodes, gate_dest : list of int
        Road node and router destination of each compound's first gate.
    epidemic : Epidemic
        Severe-case parameters (ICU share, delays, stays).
    plan : AmbulancePlan or None
        The ambulances (None: patients come by their own means).
    env : simpy.Environment
        The clock.
    streams : RandomStreams
        The run's random streams.
    road : Road
        The extension.
    horizon_s : float
        End of the run.
    """

    def __init__(self, hospitals: list[Hospital], hosp_nodes: list[int], hosp_dest: list[int],
                 gate_nodes: list[int], gate_dest: list[int], epidemic: Epidemic,
                 plan: AmbulancePlan | None, env: simpy.Environment, streams: RandomStreams,
                 road: Road, horizon_s: float) -> None:
        self.hospitals, self.env, self.road, self.plan = hospitals, env, road, plan
        self.hosp_nodes, self.hosp_dest = hosp_nodes, hosp_dest
        self.gate_nodes, self.gate_dest = gate_nodes, gate_dest
        self.horizon_s = horizon_s
        self.icu_share = epidemic.icu_share
        self.rng_icu = streams.stream("health_icu_need")
        self.call_delay = Sampler(epidemic.onset_to_call, streams.stream("health_onset_to_call"))
        self.ward_stay = Sampler(epidemic.ward_stay, streams.stream("health_ward_stay"))
        self.icu_stay = Sampler(epidemic.icu_stay, streams.stream("health_icu_stay"))
        self.beds = [_Beds(h.ward_beds, h.icu_beds, h.ward_occupied, h.icu_occupied)
                     for h in hospitals]
        for b in self.beds:
            b.peak_ward, b.peak_icu = b.ward_occ, b.icu_occ
        ids = [h.id for h in hospitals]
        self.ambulances: list[_Ambulance] = []
        if plan is not None:
            for s in plan.surge:
                self.beds[ids.index(s.hospital)].surge.append((s.from_h * 3600.0, s.ward_beds,
                                                               s.icu_beds))
            for k in range(plan.ambulances):
                h = ids.index(plan.bases[k % len(plan.bases)])
                self.ambulances.append(_Ambulance(h, hosp_nodes[h]))
            self.on_scene = Sampler(plan.on_scene, streams.stream("health_on_scene"))
            self.handover = Sampler(plan.handover, streams.stream("health_handover"))
        self.patients: list[Patient] = []
        self.waiting: list[int] = []
        self.samples: list[tuple[float, int, int, int, int, int, int, int]] = []
        self.over_capacity_hours: set[int] = set()

    # ------------------------------------------------------------------ capacity
    def capacity(self, h: int, t: float) -> tuple[int, int]:
        """Ward and ICU beds of hospital ``h`` at time ``t`` (with surge beds)."""
        b = self.beds[h]
        w, i = b.ward_cap, b.icu_cap
        for t0, dw, di in b.surge:
            if t >= t0:
                w += dw
                i += di
        return w, i

    def _free(self, h: int, icu: bool) -> int:
        w, i = self.capacity(h, float(self.env.now))
        b = self.beds[h]
        return (i - b.icu_occ - b.icu_res) if icu else (w - b.ward_occ - b.ward_res)

    # ------------------------------------------------------------------ processes
    def start(self) -> None:
        """Start the occupancy sampler and the surge-bed openings."""
        self.env.process(self._sampler())
        for b in self.beds:
            for t0, _, _ in b.surge:
                if 0 < t0 <= self.horizon_s:
                    call_later(self.env, t0, self._dispatch)

    def new_case(self, c: int) -> None:
        """A severe case in compound ``c`` has its onset now."""
        now = float(self.env.now)
        p = Patient(len(self.patients), c, bool(self.rng_icu.random() < self.icu_share), now)
        self.patients.append(p)
        call_later(self.env, self.call_delay(), partial(self._call, p.id))

    def _call(self, k: int) -> None:
        p = self.patients[k]
        now = float(self.env.now)
        p.call_s = now
        p.status = "waiting"
        self.waiting.append(k)
        limit = self.plan.max_wait_h if self.plan is not None else 24.0
        call_later(self.env, limit * 3600.0, partial(self._give_up, k))
        self._dispatch()

    def _give_up(self, k: int) -> None:
        p = self.patients[k]
        if p.status == "waiting":
            p.status = "not_admitted"
            if self._nearest_hospital(p) >= 0:
                p.reason = "no ambulance free"
            else:
                p.reason = "no ICU bed" if p.icu else "no ward bed"
            if k in self.waiting:
                self.waiting.remove(k)
            self.road.log(float(self.env.now), "patient_not_admitted",
                          detail=f"patient {k}: {p.reason} within the waiting limit")

    def _nearest_hospital(self, p: Patient) -> int:
        node = self.gate_nodes[p.compound]
        best, best_d = -1, np.inf
        for h in range(len(self.hospitals)):
            if self._free(h, p.icu) <= 0:
                continue
            d = self.road.dist_s(self.hosp_dest[h], node)
            if d < best_d:
                best, best_d = h, d
        return best

    def _dispatch(self) -> None:
        """Send ambulances to waiting patients who have a bed to go to."""
        still: list[int] = []
        for k in self.waiting:
            p = self.patients[k]
            h = self._nearest_hospital(p)
            if h < 0:
                still.append(k)
                continue
            if self.plan is None:
                self._reserve(h, p.icu, +1)
                p.hospital = h
                p.dispatch_s = p.on_scene_s = float(self.env.now)
                p.status = "travelling"
                self.road.move(p.compound, "home", "ambulance")
                p.place = "ambulance"
                d = self.road.dist_s(self.hosp_dest[h], self.gate_nodes[p.compound])
                call_later(self.env, d if np.isfinite(d) else 0.0,
                           partial(self._admit, k))
                continue
            a = self._nearest_ambulance(p)
            if a < 0:
                still.append(k)
                continue
            self._reserve(h, p.icu, +1)
            p.hospital, p.ambulance = h, a
            p.dispatch_s = float(self.env.now)
            p.status = "ambulance_on_the_way"
            amb = self.ambulances[a]
            amb.idle = False
            amb.patient = k
            amb.calls += 1
            amb.since = float(self.env.now)
            call_later(self.env, self.plan.dispatch_min * 60.0,
                       partial(self._drive_to_patient, a, k))
        self.waiting = still

    def _nearest_ambulance(self, p: Patient) -> int:
        dest = self.gate_dest[p.compound]
        best, best_d = -1, np.inf
        for a, amb in enumerate(self.ambulances):
            if not amb.idle or not amb.in_service:
                continue
            d = self.road.dist_s(dest, amb.node)
            if d < best_d:
                best, best_d = a, d
        return best

    def _reserve(self, h: int, icu: bool, n: int) -> None:
        b = self.beds[h]
        if icu:
            b.icu_res += n
        else:
            b.ward_res += n

    def _drive_to_patient(self, a: int, k: int) -> None:
        amb = self.ambulances[a]
        amb.leg = "to_patient"
        p = self.patients[k]
        if amb.node == self.gate_nodes[p.compound]:
            self.on_reach(a, amb.node, float(self.env.now))
            return
        self.road.drive(self, a, amb.node, self.gate_dest[p.compound])

    # ------------------------------------------------------------------ road callbacks
    def on_reach(self, a: int, node: int, t: float) -> None:
        """An ambulance reached the end of its leg."""
        amb = self.ambulances[a]
        amb.node = node
        if amb.leg == "to_patient":
            p = self.patients[amb.patient]
            p.on_scene_s = t
            p.status = "on_scene"
            call_later(self.env, self.on_scene(), partial(self._load, a))
        elif amb.leg == "to_hospital":
            k = amb.patient
            self._admit(k)
            call_later(self.env, self.handover(), partial(self._free_ambulance, a))
        else:  # back at base
            amb.leg = ""
            amb.idle = True
            amb.busy_s += t - amb.since
            self._dispatch()

    def on_strand(self, a: int, t: float, reason: str) -> None:
        """An ambulance has no route left: it leaves service; its patient is not admitted."""
        amb = self.ambulances[a]
        amb.in_service = False
        amb.busy_s += t - amb.since
        k = amb.patient
        if k >= 0 and amb.leg in ("to_patient", "to_hospital"):
            p = self.patients[k]
            self._reserve(p.hospital, p.icu, -1)
            if p.place == "ambulance":
                self.road.move(p.compound, "ambulance", "home")
                p.place = "home"
            p.status = "not_admitted"
            p.reason = f"ambulance stranded: {reason}"
        amb.patient = -1
        self.road.log(t, "ambulance_stranded", detail=f"ambulance {a}: {reason}")
        self._dispatch()

    def _load(self, a: int) -> None:
        amb = self.ambulances[a]
        p = self.patients[amb.patient]
        self.road.move(p.compound, "home", "ambulance")
        p.place = "ambulance"
        p.status = "travelling"
        amb.leg = "to_hospital"
        if amb.node == self.hosp_nodes[p.hospital]:
            self.on_reach(a, amb.node, float(self.env.now))
            return
        self.road.drive(self, a, amb.node, self.hosp_dest[p.hospital])

    def _admit(self, k: int) -> None:
        p = self.patients[k]
        now = float(self.env.now)
        p.arrive_s = now
        p.status = "in_hospital"
        self.road.move(p.compound, "ambulance", "hospital")
        p.place = "hospital"
        b = self.beds[p.hospital]
        self._reserve(p.hospital, p.icu, -1)
        if p.icu:
            b.icu_occ += 1
            b.peak_icu = max(b.peak_icu, b.icu_occ)
        else:
            b.ward_occ += 1
            b.peak_ward = max(b.peak_ward, b.ward_occ)
        stay = self.icu_stay() if p.icu else self.ward_stay()
        call_later(self.env, stay, partial(self._discharge, k))

    def _free_ambulance(self, a: int) -> None:
        amb = self.ambulances[a]
        amb.patient = -1
        amb.idle = True
        amb.busy_s += float(self.env.now) - amb.since
        self._dispatch()
        if amb.idle and amb.node != self.hosp_nodes[amb.base]:
            amb.idle = False
            amb.leg = "to_base"
            amb.since = float(self.env.now)
            self.road.drive(self, a, amb.node, self.hosp_dest[amb.base])

    def _discharge(self, k: int) -> None:
        p = self.patients[k]
        p.discharge_s = float(self.env.now)
        p.status = "discharged"
        self.road.move(p.compound, "hospital", "home")
        p.place = "home"
        b = self.beds[p.hospital]
        if p.icu:
            b.icu_occ -= 1
        else:
            b.ward_occ -= 1
        self._dispatch()

    def _sampler(self) -> Any:
        env = self.env
        while True:
            t = float(env.now)
            wait_w = sum(1 for k in self.waiting if not self.patients[k].icu)
            wait_i = len(self.waiting) - wait_w
            no_bed = any(self._nearest_hospital(self.patients[k]) < 0 for k in self.waiting)
            if no_bed:
                self.over_capacity_hours.add(int(t // 3600.0))
            for h, b in enumerate(self.beds):
                w, i = self.capacity(h, t)
                self.samples.append((t, h, b.ward_occ, w, b.icu_occ, i, wait_w, wait_i))
            if t + SAMPLE_S > self.horizon_s:
                return
            yield env.timeout(SAMPLE_S)

    # ------------------------------------------------------------------ results
    def in_hospital(self) -> int:
        """Patients of this district in a hospital bed now."""
        return sum(1 for p in self.patients if p.place == "hospital")

    def in_ambulance(self) -> int:
        """Patients in an ambulance (or on their way) now."""
        return sum(1 for p in self.patients if p.place == "ambulance")

    def add_beds(self, hospital_id: str, ward: int, icu: int) -> bool:
        """Drill command: open extra beds now."""
        ids = [h.id for h in self.hospitals]
        if hospital_id not in ids:
            return False
        self.beds[ids.index(hospital_id)].surge.append((float(self.env.now), ward, icu))
        self._dispatch()
        return True

    def kpis(self, until: float) -> dict[str, Any]:
        """Hospital and ambulance KPIs (``health.hospitals``)."""
        pts = self.patients
        called = [p for p in pts if np.isfinite(p.call_s)]
        resp = np.array([p.on_scene_s - p.call_s for p in called if np.isfinite(p.on_scene_s)
                         and self.plan is not None])
        status = [p.status for p in pts]
        by_h = {}
        for h, (hosp, b) in enumerate(zip(self.hospitals, self.beds, strict=True)):
            w, i = self.capacity(h, until)
            by_h[hosp.id] = {"name": hosp.name, "name_zh": hosp.name_zh,
                             "ward_beds": w, "icu_beds": i,
                             "peak_ward": b.peak_ward, "peak_icu": b.peak_icu,
                             "peak_ward_share": b.peak_ward / w if w else None,
                             "peak_icu_share": b.peak_icu / i if i else None,
                             "admitted": sum(1 for p in pts if p.hospital == h
                                             and np.isfinite(p.arrive_s))}
        days = sorted({hr // 24 for hr in self.over_capacity_hours})
        amb_busy = [a.busy_s + ((until - a.since) if not a.idle else 0.0)
                    for a in self.ambulances]
        return {
            "severe_cases": len(pts),
            "calls": len(called),
            "admitted": sum(1 for p in pts if np.isfinite(p.arrive_s)),
            "admitted_icu": sum(1 for p in pts if p.icu and np.isfinite(p.arrive_s)),
            "not_admitted": status.count("not_admitted"),
            "waiting_at_end": status.count("waiting"),
            "in_hospital_at_end": status.count("in_hospital"),
            "discharged": status.count("discharged"),
            "peak_ward": sum(b.peak_ward for b in self.beds),
            "peak_icu": sum(b.peak_icu for b in self.beds),
            "hours_over_capacity": len(self.over_capacity_hours),
            "days_over_capacity": len(days),
            "ambulances": len(self.ambulances),
            "response_time_mean_s": float(resp.mean()) if resp.size else None,
            "response_time_p90_s": float(np.percentile(resp, 90)) if resp.size else None,
            "ambulance_utilisation": (float(np.sum(amb_busy)) / (len(amb_busy) * until)
                                      if amb_busy and until > 0 else None),
            "by_hospital": by_h,
        }

    def tables(self) -> dict[str, pd.DataFrame]:
        """``health_hospitals``, ``health_hospital_timeseries`` and ``health_patients``."""
        rows = []
        for h, (hosp, b) in enumerate(zip(self.hospitals, self.beds, strict=True)):
            w, i = self.capacity(h, self.horizon_s)
            rows.append({"hospital": hosp.id, "name": hosp.name, "name_zh": hosp.name_zh or "",
                         "lon": hosp.lon, "lat": hosp.lat, "ward_beds": w, "icu_beds": i,
                         "peak_ward": b.peak_ward, "peak_icu": b.peak_icu})
        ts = pd.DataFrame(self.samples, columns=["time_s", "h", "ward_occupied", "ward_beds",
                                                 "icu_occupied", "icu_beds", "waiting_ward",
                                                 "waiting_icu"])
        ts.insert(1, "hospital", [self.hospitals[h].id for h in ts["h"]])
        pat = pd.DataFrame([{
            "patient": p.id, "compound": p.compound, "icu": p.icu, "onset_s": p.onset_s,
            "call_s": p.call_s, "dispatch_s": p.dispatch_s, "on_scene_s": p.on_scene_s,
            "arrive_s": p.arrive_s, "discharge_s": p.discharge_s,
            "hospital": self.hospitals[p.hospital].id if p.hospital >= 0 else "",
            "ambulance": p.ambulance, "status": p.status, "reason": p.reason,
        } for p in self.patients], columns=["patient", "compound", "icu", "onset_s", "call_s",
                                            "dispatch_s", "on_scene_s", "arrive_s",
                                            "discharge_s", "hospital", "ambulance", "status",
                                            "reason"])
        return {"health_hospitals": pd.DataFrame(rows),
                "health_hospital_timeseries": ts.drop(columns="h"),
                "health_patients": pat}
