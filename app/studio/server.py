"""The planner's studio server: scenarios of a workspace, runs and comparisons, on the web.

The same serving and access rules as the drill console
(:mod:`musterpoint.console.security`, :mod:`musterpoint.console.serving`): loopback by
default; off loopback a token is required (made up when none is given); ``Host`` checked;
state-changing requests must be JSON with the token or the server's own ``Origin``;
bodies bounded; a Content-Security-Policy allowing the page's own scripts only. The
endpoints are in :mod:`musterpoint.studio.routes`; the work behind them is here.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from musterpoint.console.messages import json_bytes
from musterpoint.console.security import (
    access_token,
)
from musterpoint.console.serving import (
    HttpService,
    ServeLimits,
    app_url,
    serve_until_stopped,
    served_policy,
)
from musterpoint.scenarios.errors import InputError, Problem
from musterpoint.scenarios.loader import DEFAULT_SCENARIO
from musterpoint.studio.jobs import JobManager
from musterpoint.studio.layer_cache import LayerCache
from musterpoint.studio.results import comparison_summary, run_summary
from musterpoint.studio.validation import localized_problems
from musterpoint.studio.workspace import Workspace

__all__ = ["DEFAULT_STUDIO_PORT", "STUDIO_LIMITS", "StudioServer"]

logger = logging.getLogger(__name__)

DEFAULT_STUDIO_PORT = 8766
#: The studio takes uploads (an OSM extract, tables): larger bodies than the console.
STUDIO_LIMITS = ServeLimits(max_body_bytes=32 << 20, body_timeout_s=60.0)
#: The file a drawn evacuation area is saved as, in the scenario's ``data/``.
AREA_FILE = "studio-area.geojson"
#: The file hazard polygons drawn in the studio are saved as (a polygon series).
HAZARD_FILE = "studio-hazard.geojson"


class StudioServer:
    """The studio over a workspace.

    Parameters
    ----------
    workspace : Workspace
        Scenario folders it may read and write, and where results go.
    host, port, token, allow_hosts, limits
        As for :class:`~musterpoint.console.DrillServer`.
    tiles : str or None
        Base-map tile URL template (None: no base map; roads drawn from the scenario).
    tiles_attribution : str or None
        Credit of the tiles.
    lang : str
        Initial page language (``en`` or ``zh``; the page remembers the user's choice).
    default_scenario : str or None
        Scenario opened first (None: the first of the workspace's catalogue).
    warm_worker : bool
        Keep a spare worker process ready for the next Run, its imports done and the open
        scenario's World loaded (see :mod:`musterpoint.studio.jobs`); False starts a fresh
        process for every Run.
    """

    def __init__(self, workspace: Workspace, host: str = "127.0.0.1",
                 port: int = DEFAULT_STUDIO_PORT, *, token: str | None = None,
                 tiles: str | None = None, tiles_attribution: str | None = None,
                 lang: str = "en", default_scenario: str | None = None,
                 allow_hosts: Iterable[str] = (),
                 limits: ServeLimits | None = None, warm_worker: bool = True) -> None:
        from musterpoint.studio.routes import studio_app

        token = access_token(host, token)
        self.workspace = workspace
        self.host = host
        self.token = token
        self.tiles = tiles
        self.tiles_attribution = tiles_attribution
        self.lang = lang
        self.default_scenario = default_scenario
        self.limits = limits or STUDIO_LIMITS
        self.jobs = JobManager(workspace.runs, warm_worker=warm_worker)
        self.lock = threading.RLock()
        self.layer_cache = LayerCache(workspace)
        self._stop = threading.Event()
        self.service = HttpService(host, port)
        self.port = self.service.port
        self.policy = served_policy(host, self.port, token, tiles, allow_hosts, self.limits)
        self.app = studio_app(self)

    @property
    def url(self) -> str:
        """The studio's address (with the token, when one is required)."""
        return app_url(self.host, self.port, self.token)

    # ------------------------------------------------------------------ serving
    def start(self) -> None:
        """Serve in a background thread; return at once. The scenario the page opens
        first is prepared meanwhile (copied, read, its map layers found or drawn), so the
        page's first requests find it ready or wait for it rather than do it twice."""
        self.service.start(self.app, self.limits)
        if not self.service.wait_started():
            raise RuntimeError("the studio's web server did not start (see the log)")
        threading.Thread(target=self._prepare, name="studio-prepare", daemon=True).start()

    def _prepare(self) -> None:
        try:
            first = self.catalogue()["default"]
            if first is not None and not self._stop.is_set():
                self.scenario(first)
                self.layers_bytes(first)
        except Exception:  # the page asks again and is told what is wrong
            logger.info("could not prepare the first scenario", exc_info=True)

    def serve_forever(self) -> None:
        """Serve until :meth:`shutdown` (or an exception here, such as Ctrl-C)."""
        self.start()
        serve_until_stopped(self.service, self._stop, "studio")

    def shutdown(self) -> None:
        """Stop serving and cancel the jobs still running."""
        self._stop.set()
        self.service.stop()
        self.jobs.shutdown()

    # ------------------------------------------------------------------ scenarios
    def catalogue(self) -> dict[str, Any]:
        """The scenarios that can be opened, and which one to open first."""
        items = self.workspace.catalogue()
        first = self.default_scenario
        if first is None and items:  # a folder given, else the bundled default scenario
            ids = [i["id"] for i in items]
            first = ids[0] if items[0]["source"] == "folder" or DEFAULT_SCENARIO not in ids \
                else DEFAULT_SCENARIO
        return {"scenarios": items, "default": first, "tiles": self.tiles,
                "tiles_attribution": self.tiles_attribution, "lang": self.lang}

    def layers_bytes(self, sid: str) -> bytes:
        """The scenario's roads, zones and places as JSON (see
        :class:`~musterpoint.studio.layer_cache.LayerCache`); the road finder is then
        made in the background, for the first click, and the spare worker gets ready for
        a run of the scenario (:meth:`~musterpoint.studio.jobs.JobManager.warm`; after
        the layers, so that it does not slow the map's first paint)."""
        data = self.layer_cache.layers(sid)
        self.layer_cache.warm_finder(sid)
        self.jobs.warm(self.workspace.load(sid).path)
        return data

    def scenario(self, sid: str) -> dict[str, Any]:
        """The scenario's and its plans' files as parsed YAML, for editing."""
        loaded = self.workspace.load(sid)
        sc = loaded.scenario
        raw = self.workspace.raw(sid)
        return {"id": sid, **raw, "drawn": self._drawn(sid, raw["scenario"]),
                "meta": {"name": sc.name, "title": sc.title.model_dump(),
                         "timezone": sc.timezone, "start": sc.start.isoformat(),
                         "duration_h": sc.duration_h,
                         "default_plan": sc.default_plan or next(iter(loaded.plans))}}

    def _drawn(self, sid: str, scenario: dict[str, Any]) -> dict[str, Any]:
        """What the studio drew and saved before, to draw again: the evacuation area
        (:data:`AREA_FILE`, or None) and the hazard extents (:data:`HAZARD_FILE`, as
        ``[{geometry, from_h}]``), each only when the scenario file still names it."""
        import json

        data = self.workspace.folder(sid) / "data"

        def features(name: str) -> list[dict[str, Any]]:
            try:
                layer = json.loads((data / name).read_text(encoding="utf-8"))
                return [f for f in layer["features"] if isinstance(f, dict)]
            except (OSError, ValueError, KeyError, TypeError):
                logger.warning("could not read the studio's %s of %s", name, sid)
                return []

        area = None
        if (scenario.get("population") or {}).get("area") == f"data/{AREA_FILE}":
            area = next((f.get("geometry") for f in features(AREA_FILE)), None)
        hazard = []
        if any(isinstance(p, dict) and p.get("file") == f"data/{HAZARD_FILE}"
               for p in (scenario.get("hazard") or {}).get("polygons") or []):
            hazard = [{"geometry": f.get("geometry"),
                       "from_h": (f.get("properties") or {}).get("from_h", 0.0)}
                      for f in features(HAZARD_FILE)]
        return {"area": area, "hazard_polygons": hazard}

    def nearest_road(self, sid: str, lon: float, lat: float) -> dict[str, Any]:
        """The road nearest a click (``{"road": None}`` when none is within 60 m)."""
        return {"road": self.layer_cache.finder(sid).nearest(lon, lat)}

    def check(self, body: dict[str, Any]) -> dict[str, Any]:
        """Schema problems of an edited scenario or plan, by field, in the page's language
        (``body["lang"]``; see :func:`~musterpoint.studio.validation.localized_problems`)."""
        kind = "scenario" if body.get("kind") == "scenario" else "plan"
        return {"problems": localized_problems(kind, body.get("data"),
                                               str(body.get("file") or kind),
                                               self._lang(body))}

    def _lang(self, body: dict[str, Any]) -> str:
        return "zh" if str(body.get("lang", self.lang)).startswith("zh") else "en"

    def save(self, sid: str, body: dict[str, Any]) -> dict[str, Any]:
        """Save an edited scenario and plans (and a drawn evacuation area).

        ``body``: ``scenario`` (mapping or None), ``plans`` (name -> {``file``,
        ``data``}), ``area`` (a GeoJSON geometry, ``null`` to remove it, absent to keep),
        ``hazard_polygons`` (``[{geometry, from_h}]``: every drawn hazard extent, saved as
        an accumulating polygon series in :data:`HAZARD_FILE`; an empty list removes the
        series; absent: keep).
        Everything is validated before anything is written.
        """
        ws = self.workspace
        scenario = body.get("scenario")
        plans = body.get("plans") or {}
        if not isinstance(plans, dict):
            raise InputError.single("request", "plans", "give plans as an object")
        if "area" in body and isinstance(scenario, dict):
            scenario = self._with_area(sid, scenario, body["area"])
        hazard_layer = None
        if "hazard_polygons" in body and isinstance(scenario, dict):
            scenario, hazard_layer = self._with_hazard_polygons(scenario,
                                                                body["hazard_polygons"])
        lang = self._lang(body)
        problems = []
        if isinstance(scenario, dict):
            problems += localized_problems("scenario", scenario, "scenario.yaml", lang)
        for name, p in plans.items():
            if not isinstance(p, dict) or not isinstance(p.get("file"), str):
                raise InputError.single("request", f"plans.{name}", "give file and data")
            problems += localized_problems("plan", p.get("data"), p["file"], lang)
        if problems:
            raise InputError([Problem(p["file"], p["field"], p["reason"]) for p in problems])
        saved = []
        if isinstance(scenario, dict):
            if "area" in body and body["area"] is not None:
                ws.write_data(sid, AREA_FILE, json_bytes(
                    {"type": "FeatureCollection", "features": [
                        {"type": "Feature", "properties": {"name": "studio area"},
                         "geometry": body["area"]}]}))
            if hazard_layer is not None:
                ws.write_data(sid, HAZARD_FILE, json_bytes(hazard_layer))
            saved.append(ws.save(sid, "scenario.yaml", "scenario", scenario))
        for p in plans.values():
            saved.append(ws.save(sid, p["file"], "plan", p["data"]))
        return {"saved": [{"file": str(s.path.name), "changed": s.changed,
                           "kept": s.kept.name if s.kept else None} for s in saved]}

    @staticmethod
    def _with_area(sid: str, scenario: dict[str, Any], area: Any) -> dict[str, Any]:
        out = dict(scenario)
        pop = dict(out.get("population") or {})
        if area is None:
            pop.pop("area", None)
        else:
            if not isinstance(area, dict) or area.get("type") not in ("Polygon",
                                                                        "MultiPolygon"):
                raise InputError.single("request", "area", "give a GeoJSON polygon")
            pop["area"] = f"data/{AREA_FILE}"
        out["population"] = pop
        return out

    @staticmethod
    def _with_hazard_polygons(scenario: dict[str, Any], polygons: Any
                              ) -> tuple[dict[str, Any], dict[str, Any]]:
        """The scenario with drawn hazard polygons (each from a time) as a polygon series,
        and the layer to write as :data:`HAZARD_FILE`."""
        if not isinstance(polygons, list):
            raise InputError.single("request", "hazard_polygons", "give a list")
        features = []
        for i, item in enumerate(polygons):
            geom = item.get("geometry") if isinstance(item, dict) else None
            from_h = item.get("from_h") if isinstance(item, dict) else None
            if not isinstance(geom, dict) or geom.get("type") not in ("Polygon",
                                                                        "MultiPolygon"):
                raise InputError.single("request", f"hazard_polygons[{i}].geometry",
                                        "give a GeoJSON polygon")
            if isinstance(from_h, bool) or not isinstance(from_h, int | float) \
                    or not 0 <= from_h < 1e4:
                raise InputError.single("request", f"hazard_polygons[{i}].from_h",
                                        "give the hour it starts (0 or more)")
            features.append({"type": "Feature", "geometry": geom,
                             "properties": {"from_h": float(from_h)}})
        out = dict(scenario)
        hazard = dict(out.get("hazard") or {})
        rel = f"data/{HAZARD_FILE}"
        series = [p for p in hazard.get("polygons") or [] if p.get("file") != rel]
        if features:
            series.append({"file": rel, "mode": "accumulate", "kind": "flood"})
        if series:
            hazard["polygons"] = series
        else:
            hazard.pop("polygons", None)
        out["hazard"] = hazard
        return out, {"type": "FeatureCollection", "features": features}

    def history(self, sid: str, rel: str) -> dict[str, Any]:
        """Earlier saved versions of one file."""
        return {"file": rel, "versions": self.workspace.history(sid, rel)}

    def create(self, body: dict[str, Any]) -> dict[str, Any]:
        """A new scenario in the workspace from uploaded files (``muster new``'s builder).

        ``body``: ``name``, ``files`` (``roads``, ``population``, ``shelters``,
        ``zones``: each ``{name, base64}``) and ``options`` (the builder's settings, see
        :func:`~musterpoint.studio.uploads.spec_parts`). The files are read only by the
        project's readers, from a private upload folder inside the workspace that is
        removed afterwards.
        """
        from musterpoint.studio.uploads import build_from_uploads

        name = str(body.get("name") or "").strip()
        out = self.workspace.new_folder(name)
        build_from_uploads(body.get("files"), self.workspace.root / "uploads", out,
                           body.get("options"), self._lang(body))
        return {"id": name}

    # ------------------------------------------------------------------ runs
    def start_run(self, sid: str, body: dict[str, Any]) -> dict[str, Any]:
        """Start a run of the saved files in a worker process."""
        loaded = self.workspace.load(sid)
        plan = loaded.plan(str(body.get("plan") or "") or None).name
        seed = body.get("seed", 1)
        if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
            raise InputError.single("request", "seed", "give a whole number, 0 or more")
        lang = self._lang(body)
        closures = [c.model_dump() for c in loaded.scenario.hazard.closures] \
            if loaded.scenario.hazard is not None else []
        job = self.jobs.start_run(loaded.path, plan, {
            "seed": seed, "lang": lang, "tiles": self.tiles,
            "tiles_attribution": self.tiles_attribution,
            "catalog": str(self.workspace.runs / "catalog.sqlite")},
            {"scenario": sid, "plan": plan, "seed": seed, "closures": closures})
        return job.view()

    def start_compare(self, sid: str, body: dict[str, Any]) -> dict[str, Any]:
        """Start ``muster compare`` of the chosen plans in a worker process; its
        replications run on the executor the command line chooses (a process per CPU)."""
        loaded = self.workspace.load(sid)
        plans = body.get("plans") or []
        if not isinstance(plans, list) or len(plans) < 2:
            raise InputError.single("request", "plans", "choose at least two plans")
        for p in plans:
            loaded.plan(str(p))
        n = body.get("replications", 3)
        if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= 100:
            raise InputError.single("request", "replications", "give 1 to 100")
        workers = body.get("workers")
        if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int)
                                    or not 1 <= workers <= 256):
            raise InputError.single("request", "workers", "give 1 to 256, or nothing")
        lang = self._lang(body)
        out = self.jobs.new_out("compare")
        argv = ["compare", str(loaded.path), "--plans", *map(str, plans), "-n", str(n),
                "--out", str(out), "--lang", lang, "--no-progress",
                "--catalog", str(self.workspace.runs / "catalog.sqlite")]
        if workers is not None:  # else the command line's choice: a process per CPU
            argv += ["--workers", str(workers)]
        if self.tiles:
            argv += ["--tiles", self.tiles, "--tiles-attribution",
                     self.tiles_attribution or ""]
        job = self.jobs.start_compare(argv, out, {"scenario": sid, "plans": plans,
                                                  "replications": n})
        return job.view()

    def job(self, job_id: str) -> dict[str, Any]:
        """A job's state; with its result's figures once done."""
        job = self.jobs.get(job_id)
        if job is None:
            raise InputError.single("request", "job", f"no job {job_id!r}")
        out = job.view()
        if job.state == "done":
            out["result"] = (run_summary(job.out, job.info.get("closures"))
                             if job.kind == "run" else comparison_summary(job.out))
        return out

    def cancel(self, job_id: str) -> dict[str, Any]:
        """Cancel a running job (its process ends, nothing it wrote is kept)."""
        job = self.jobs.cancel(job_id)
        if job is None:
            raise InputError.single("request", "job", f"no job {job_id!r}")
        return job.view()

    def result_file(self, job_id: str, name: str) -> Path | None:
        """A file of a finished job's folder (None: no such job or file)."""
        job = self.jobs.get(job_id)
        if job is None or job.state != "done" or "/" in name or name.startswith("."):
            return None
        path = (job.out / name).resolve()
        if path.parent != job.out.resolve() or not path.is_file():
            return None
        return path
