"""Points of dispensing: mass testing or vaccination sites as queueing networks.

Each open site is a :class:`~musterpoint.sim.health.stations.Tandem` of the campaign's
stations (registration, screening, dispensing, observation); the servers of each station
are its staff on duty (shifts within the site's opening hours) times its places per
staff member. Residents of the compounds assigned to a site (explicitly, else the nearest
open site) come once:

* ``appointment``: residents are booked compound by compound (nearest first) into slots
  of ``slot_min`` from the campaign start, as many per slot as the site can serve at the
  staffing of that slot times ``booking_load``; each comes at a uniform time in the slot
  plus a normal punctuality error; a share does not come (no-shows).
* ``walk_in``: each resident picks a day uniformly over the walk-in days and an hour of
  the opening hours by ``walk_in_profile`` (uniform if none), then a uniform minute.

A site closes for good once everyone assigned to it has been served. People walk
(network path length at ``walk_speed_mps``) or drive (free-flow time on the
network plus 5 minutes to park; their cars are not put on the roads). The extension hears
every move between places (home, travelling, at the site) and every outcome (a test
result, a dose) through :class:`PodHooks`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import partial
from typing import Any, Protocol

import numpy as np
import pandas as pd
import simpy

from musterpoint.scenarios.health_schema import Campaign, SiteLocation
from musterpoint.sim.des import DAY_S, call_later
from musterpoint.sim.health.stations import Sampler, ServiceFn, Tandem, server_changes
from musterpoint.sim.rng import RandomStreams

__all__ = ["CampaignSim", "PodHooks", "SiteState"]

logger = logging.getLogger(__name__)

#: Visitor states.
PLANNED, TRAVEL_OUT, AT_SITE, TRAVEL_BACK, DONE, NO_SHOW, UNBOOKED = range(7)
#: Queue lengths are sampled this often (s).
SAMPLE_S = 900.0


class PodHooks(Protocol):
    """What a campaign tells the extension."""

    def move(self, c: int, frm: str, to: str) -> None:
        """One resident of compound ``c`` moves between places."""

    def served(self, c: int, kind: str) -> bool:
        """A resident of ``c`` was tested or vaccinated; returns whether a test was
        positive (always False for a dose)."""


@dataclass
class SiteState:
    """One open site."""

    index: int
    loc: SiteLocation
    tandem: Tandem
    changes: list[list[tuple[float, int]]]  # per station: (time s, servers)
    capacity_per_h: np.ndarray  # per station: customers per hour per server on duty
    open: bool = False
    overtime_s: float = 0.0
    remaining: int = 0
    done: bool = False


class CampaignSim:
    """A testing or vaccination campaign over the run.

    Parameters
    ----------
    plan : Campaign
        The plan's campaign.
    env : simpy.Environment
        The run's clock.
    streams : RandomStreams
        The run's random streams.
    sites : list of SiteLocation
        The location of each of ``plan.sites``, in the same order.
    travel_s : ndarray
        Travel time (s) from each compound to each site, shape (compounds, sites).
    target : ndarray
        Residents of each compound who are to come.
    tod0_s : float
        Time of day (s after midnight) at simulation time 0.
    horizon_s : float
        End of the run.
    hooks : PodHooks
        The extension.
    compound_ids : list of str
        Compound ids, in the order of the rows of ``travel_s``.
    """

    def __init__(self, plan: Campaign, env: simpy.Environment, streams: RandomStreams,
                 sites: list[SiteLocation], travel_s: np.ndarray, target: np.ndarray,
                 tod0_s: float, horizon_s: float, hooks: PodHooks,
                 compound_ids: list[str]) -> None:
        self.plan, self.env, self.hooks = plan, env, hooks
        self.compound_ids = list(compound_ids)
        self.travel_s = travel_s
        self.tod0_s, self.horizon_s = float(tod0_s), float(horizon_s)
        self.start_s = plan.start_h * 3600.0
        self.deadline_s = plan.deadline_h * 3600.0
        k_comp, n_sites = travel_s.shape
        self.assign = self._assign(k_comp, n_sites)
        self.sites: list[SiteState] = []
        days = int(np.ceil((horizon_s + tod0_s) / DAY_S)) + 1
        for si, (sp, loc) in enumerate(zip(plan.sites, sites, strict=True)):
            stations: list[tuple[str, ServiceFn, int]] = []
            changes: list[list[tuple[float, int]]] = []
            cap = np.zeros(len(plan.stations))
            for k, st in enumerate(plan.stations):
                rng = streams.stream(f"health_service:{sp.site}:{st.id}")
                shifts = [(s.from_h, s.to_h, s.staff.get(st.id, 0) * st.servers_per_staff)
                          for s in sp.shifts]
                ch = server_changes(sp.open_h, shifts, days, -self.tod0_s)
                at0 = [n for t, n in ch if t <= self.start_s]
                servers0 = at0[-1] if at0 else 0
                ch = [(t, n) for t, n in ch if self.start_s < t <= horizon_s]
                changes.append([(self.start_s, servers0), *ch])
                cap[k] = 3600.0 / (st.service.mean * 60.0)
                stations.append((st.id, Sampler(st.service, rng), 0))
            tandem = Tandem(env, stations, on_exit=self._exit)
            self.sites.append(SiteState(si, loc, tandem, changes, cap))
        self.target = np.asarray(target, dtype=np.int64)
        self._make_visitors(streams)
        coming = np.isfinite(self.t_arr) & (self.t_arr <= horizon_s)
        for s in self.sites:
            s.remaining = int((coming & (self.site == s.index)).sum())
        self.samples: list[tuple[float, int, int, int, int]] = []

    # ------------------------------------------------------------------ demand
    def _assign(self, k_comp: int, n_sites: int) -> np.ndarray:
        out = np.full(k_comp, -1, dtype=np.int64)
        ids = self.compound_ids
        for si, sp in enumerate(self.plan.sites):
            for cid in sp.compounds or []:
                if cid in ids and out[ids.index(cid)] < 0:
                    out[ids.index(cid)] = si
        for c in range(k_comp):
            if out[c] < 0:
                out[c] = int(np.argmin(self.travel_s[c]))
        return out

    def _slot_capacity(self, site: SiteState, t: float) -> int:
        """How many one slot starting at ``t`` can take, by the staffing then."""
        per_station = []
        for k, ch in enumerate(site.changes):
            n = 0
            for tt, m in ch:
                if tt <= t + 1e-6:
                    n = m
                else:
                    break
            per_station.append(n * site.capacity_per_h[k])
        per_h = min(per_station) if per_station else 0.0
        return int(np.floor(per_h * self.plan.slot_min / 60.0 * self.plan.booking_load))

    def _make_visitors(self, streams: RandomStreams) -> None:
        plan = self.plan
        comp = np.repeat(np.arange(self.target.size), self.target)
        site = self.assign[comp]
        n = comp.size
        t_arr = np.full(n, np.inf)
        state = np.full(n, PLANNED, dtype=np.int8)
        rng = streams.stream("health_arrivals")
        if plan.arrivals == "appointment":
            slot = plan.slot_min * 60.0
            for s in self.sites:
                mine = np.flatnonzero(site == s.index)
                # nearest compounds first; residents of one compound together
                order = mine[np.lexsort((comp[mine], self.travel_s[comp[mine], s.index]))]
                pos = 0
                t = self.start_s
                while pos < order.size and t < self.horizon_s:
                    cap = self._slot_capacity(s, t)
                    if cap > 0:
                        take = order[pos: pos + cap]
                        t_arr[take] = t
                        pos += take.size
                    t += slot
                state[order[pos:]] = UNBOOKED
            booked = np.isfinite(t_arr)
            jitter = rng.uniform(0.0, slot, n) + rng.normal(0.0, plan.punctuality_sd_min * 60.0, n)
            # nobody arrives after the doors close on the day of the slot
            hi = np.array([plan.sites[k].open_h[1] for k in range(len(plan.sites))])[site]
            ts = np.where(booked, t_arr, 0.0)
            close = ts - (ts + self.tod0_s) % DAY_S + hi * 3600.0 - 60.0
            t_arr = np.where(booked, np.clip(t_arr + jitter, self.start_s, close), np.inf)
            noshow = booked & (rng.random(n) < plan.no_show_share)
            state[noshow] = NO_SHOW
            t_arr[noshow] = np.inf
        else:
            days_s = ((plan.walk_in_days * DAY_S) if plan.walk_in_days is not None
                      else self.deadline_s - self.start_s)
            last = min(self.start_s + days_s, self.horizon_s)
            for s in self.sites:
                mine = np.flatnonzero(site == s.index)
                lo, hi = plan.sites[s.index].open_h
                windows = []  # (start, end) of each opening window in [start, last)
                d0 = int(np.floor((self.start_s + self.tod0_s) / DAY_S))
                for d in range(d0, d0 + int(np.ceil(days_s / DAY_S)) + 2):
                    a = d * DAY_S + lo * 3600.0 - self.tod0_s
                    b = d * DAY_S + hi * 3600.0 - self.tod0_s
                    a, b = max(a, self.start_s), min(b, last)
                    if b > a:
                        windows.append((a, b))
                if not windows:
                    state[mine] = UNBOOKED
                    continue
                prof = np.asarray(plan.walk_in_profile or [1.0], dtype=float)
                w0 = np.array([a for a, _ in windows])
                lens = np.array([b - a for a, b in windows])
                day = rng.choice(len(windows), size=mine.size, p=lens / lens.sum())
                # position within the opening day by the profile (piecewise constant)
                edges = np.linspace(lo, hi, prof.size + 1) * 3600.0
                cdf = np.concatenate([[0.0], np.cumsum(prof)]) / prof.sum()
                u = rng.random(mine.size)
                tod = np.interp(u, cdf, edges)
                tt = (w0[day] - (w0[day] + self.tod0_s) % DAY_S) + tod
                lo_w = w0[day]
                hi_w = lo_w + lens[day]
                t_arr[mine] = np.clip(tt, lo_w, np.nextafter(hi_w, -np.inf))
        self.comp, self.site, self.t_arr, self.state = comp, site, t_arr, state
        self.t_exit = np.full(n, np.nan)
        self.t_sys = np.full(n, np.nan)
        self.positive = np.zeros(n, dtype=bool)
        logger.info("campaign: %d residents to come, %d without a slot, %d no-shows", n,
                    int((state == UNBOOKED).sum()), int((state == NO_SHOW).sum()))

    # ------------------------------------------------------------------ processes
    def start(self) -> None:
        """Start the staffing, the visitors and the queue sampler."""
        env = self.env
        for s in self.sites:
            for k, ch in enumerate(s.changes):
                env.process(self._staff(s, k, ch))
        env.process(self._visitors())
        env.process(self._sampler())

    def _staff(self, site: SiteState, k: int, changes: list[tuple[float, int]]) -> Any:
        """Staff of station ``k`` per shift; at closing the staff on duty finish with
        everyone inside the site (overtime) before going home."""
        env = self.env
        for t, n in changes:
            if t > env.now:
                yield env.timeout(t - env.now)
            if site.done:
                return
            if n == 0 and t > self.start_s:
                site.open = False
                if k == 0:
                    env.process(self._overtime(site))
                continue
            site.open = True
            site.tandem.stations[k].set_servers(n)

    def _overtime(self, site: SiteState) -> Any:
        env = self.env
        t0 = float(env.now)
        while site.tandem.in_system > 0 and not site.open:
            yield env.timeout(60.0)
        if not site.open:
            for st in site.tandem.stations:
                st.set_servers(0)
            site.overtime_s += float(env.now) - t0

    def _visitors(self) -> Any:
        env = self.env
        leave = self.t_arr - self.travel_s[self.comp, self.site]
        go = np.flatnonzero(np.isfinite(leave) & (self.t_arr <= self.horizon_s))
        go = go[np.argsort(leave[go], kind="stable")]
        for v in go.tolist():
            t = max(float(leave[v]), self.start_s)
            if t > env.now:
                yield env.timeout(t - env.now)
            c = int(self.comp[v])
            self.state[v] = TRAVEL_OUT
            self.hooks.move(c, "home", "travelling")
            call_later(env, max(float(self.t_arr[v]) - float(env.now), 0.0),
                       partial(self._arrive, v))

    def _arrive(self, v: int) -> None:
        c = int(self.comp[v])
        self.state[v] = AT_SITE
        self.hooks.move(c, "travelling", "at_site")
        self.sites[int(self.site[v])].tandem.enter(v)

    def _exit(self, v: int, spent: float) -> None:
        c = int(self.comp[v])
        self.t_exit[v] = float(self.env.now)
        self.t_sys[v] = spent
        self.state[v] = TRAVEL_BACK
        self.hooks.move(c, "at_site", "travelling")
        site = self.sites[int(self.site[v])]
        site.remaining -= 1
        if site.remaining == 0:  # everyone assigned has been: the site closes
            site.done = True
            for st in site.tandem.stations:
                st.set_servers(0)
        self.positive[v] = self.hooks.served(c, self.plan.kind)
        back = float(self.travel_s[c, int(self.site[v])])
        call_later(self.env, back, partial(self._home, v, c))

    def _home(self, v: int, c: int) -> None:
        self.state[v] = DONE
        self.hooks.move(c, "travelling", "home")

    def _sampler(self) -> Any:
        env = self.env
        while True:
            for s in self.sites:
                tan = s.tandem
                self.samples.append((float(env.now), s.index, tan.queued, tan.in_system,
                                     sum(st.servers for st in tan.stations)))
            if env.now + SAMPLE_S > self.horizon_s:
                return
            yield env.timeout(SAMPLE_S)

    # ------------------------------------------------------------------ results
    def at_site(self) -> int:
        """Residents inside a site now (cross-check for the ledger)."""
        return sum(s.tandem.in_system for s in self.sites)

    def queue_now(self) -> dict[str, int]:
        """People waiting at each site now."""
        return {s.loc.id: s.tandem.queued for s in self.sites}

    def set_staff(self, site_id: str, station_id: str, staff: int) -> bool:
        """Drill command: staff of a station from now (until the next shift change)."""
        ids = [st.id for st in self.plan.stations]
        for s in self.sites:
            if s.loc.id == site_id and station_id in ids:
                k = ids.index(station_id)
                per = self.plan.stations[k].servers_per_staff
                s.tandem.stations[k].set_servers(int(staff) * per)
                return True
        return False

    def _open_hours(self, s: SiteState, until: float) -> float:
        """Opening hours of site ``s`` from the campaign start to its last customer out."""
        done = self.t_exit[(self.site == s.index) & np.isfinite(self.t_exit)]
        end = min(float(done.max()) if done.size else self.start_s, until)
        ch = s.changes[0]
        hours = 0.0
        for (t, m), nxt in zip(ch, [*ch[1:], (until, 0)], strict=True):
            if m > 0:
                hours += max(0.0, min(nxt[0], end) - t) / 3600.0
        return hours

    def _time_to_share(self, share: float) -> float | None:
        n = self.target.sum()
        done = np.sort(self.t_exit[np.isfinite(self.t_exit)])
        need = int(np.ceil(share * n))
        if n == 0 or need == 0 or done.size < need:
            return None
        return float(done[need - 1] - self.start_s)

    def kpis(self, until: float) -> dict[str, Any]:
        """Campaign KPIs (``health.campaign``)."""
        plan = self.plan
        n = int(self.target.sum())
        served = np.isfinite(self.t_exit)
        by_deadline = served & (self.t_exit <= self.deadline_s)
        tsys = self.t_sys[served]
        waits = np.concatenate([np.asarray(st.waits) for s in self.sites
                                for st in s.tandem.stations]) if self.sites else np.zeros(0)
        open_hours = sum(self._open_hours(s, until) for s in self.sites)
        hourly = np.bincount(((self.t_exit[served]) // 3600.0).astype(np.int64)) \
            if served.any() else np.zeros(1, dtype=np.int64)
        sites: dict[str, dict[str, Any]] = {}
        for s in self.sites:
            mine = self.site == s.index
            ts = self.t_sys[mine & served]
            oh = self._open_hours(s, until)
            sites[s.loc.id] = {
                "name": s.loc.name, "name_zh": s.loc.name_zh,
                "assigned": int(mine.sum()), "served": int((mine & served).sum()),
                "throughput_per_open_hour": (int((mine & served).sum()) / oh) if oh else None,
                "overtime_h": s.overtime_s / 3600.0,
                "time_in_system_mean_s": float(ts.mean()) if ts.size else None,
                "time_in_system_p95_s": float(np.percentile(ts, 95)) if ts.size else None,
                "stations": {st.name: st.stats(until) for st in s.tandem.stations},
            }
        util = [v["utilisation"] for site in sites.values() for v in site["stations"].values()
                if v["utilisation"] is not None]
        return {
            "kind": plan.kind,
            "arrivals": plan.arrivals,
            "sites": len(self.sites),
            "target": n,
            "served": int(served.sum()),
            "served_by_deadline": int(by_deadline.sum()),
            "share_served_by_deadline": float(by_deadline.sum() / n) if n else None,
            "deadline_h": plan.deadline_h,
            "no_slot": int((self.state == UNBOOKED).sum()),
            "no_show": int((self.state == NO_SHOW).sum()),
            "not_served_at_end": int(n - served.sum()),
            "time_to_50pct_s": self._time_to_share(0.5),
            "time_to_90pct_s": self._time_to_share(0.9),
            "time_to_all_s": self._time_to_share(1.0),
            "time_in_system_mean_s": float(tsys.mean()) if tsys.size else None,
            "time_in_system_p95_s": float(np.percentile(tsys, 95)) if tsys.size else None,
            "wait_mean_s": float(waits.mean()) if waits.size else None,
            "throughput_per_open_hour": (float(served.sum()) / open_hours * len(self.sites))
            if open_hours else None,
            "overtime_h": sum(s.overtime_s for s in self.sites) / 3600.0,
            "throughput_peak_per_hour": int(hourly.max()),
            "queue_max": int(max((st.max_queue for s in self.sites
                                  for st in s.tandem.stations), default=0)),
            "staff_utilisation_mean": float(np.mean(util)) if util else None,
            "positives_found": int(self.positive.sum()),
            "by_site": sites,
        }

    def tables(self) -> dict[str, pd.DataFrame]:
        """``health_sites`` (one row per site) and ``health_site_timeseries``."""
        rows = []
        for s in self.sites:
            mine = self.site == s.index
            done = mine & np.isfinite(self.t_exit)
            ts = self.t_sys[done]
            rows.append({
                "site": s.loc.id, "name": s.loc.name, "name_zh": s.loc.name_zh or "",
                "lon": s.loc.lon, "lat": s.loc.lat, "assigned": int(mine.sum()),
                "served": int(done.sum()),
                "served_by_deadline": int((done & (self.t_exit <= self.deadline_s)).sum()),
                "time_in_system_mean_s": float(ts.mean()) if ts.size else np.nan,
                "time_in_system_p95_s": float(np.percentile(ts, 95)) if ts.size else np.nan,
                "queue_max": int(max(st.max_queue for st in s.tandem.stations)),
            })
        ts_df = pd.DataFrame(self.samples, columns=["time_s", "s", "queue", "in_system",
                                                    "servers"])
        ts_df.insert(1, "site", [self.sites[i].loc.id for i in ts_df["s"]])
        return {"health_sites": pd.DataFrame(rows),
                "health_site_timeseries": ts_df.drop(columns="s")}
