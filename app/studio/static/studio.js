/* musterpoint studio: open a scenario, edit it and its plan on the map, run, compare.
 *
 * The page keeps the scenario and plan files as parsed YAML (S.raw) and edits them in
 * place; every edit is checked by the server as made (/api/check) and shown by field.
 * Save writes the files the command line reads; Run saves, then runs them in a worker
 * process and polls its progress. Roads are drawn from the scenario's own network
 * (no tiles needed); a click on a road is resolved by the server (/api/scenario/ID/road).
 */
"use strict";

(function () {
  var F = StudioFormat, t = F.t, el = F.el;
  var S = {
    sid: null, raw: null, meta: null, plan: null, layers: null, area: undefined,
    tool: "select", job: null, earlyShown: null, compareJob: null, ready: false, dirty: false,
    hazardPolygons: [], hazardSaved: false, statusKey: null, statusSuffix: ""
  };
  var map, roadLayers = [], zoneLayer = null, shelterLayer = L.layerGroup(),
      closureLayer = L.layerGroup(), areaLayer = null, hazardLayer = L.layerGroup();
  window.studio = S;

  /* ------------------------------------------------------------------ server */
  function api(path, body) {
    var opts = body === undefined ? {} : {
      method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify(body)};
    return fetch(path, opts).then(function (r) {
      return r.json().then(function (data) {
        if (!r.ok) { var err = new Error(data.error || r.statusText); err.data = data; throw err; }
        return data;
      });
    });
  }

  function status(text) {
    S.statusKey = null;
    document.getElementById("status").textContent = text;
  }
  /* A status that is one catalog text (and a suffix, such as "40 %"): shown again in the
     new language on a switch. */
  function statusKey(key, suffix) {
    status(t(key) + (suffix || ""));
    S.statusKey = key;
    S.statusSuffix = suffix || "";
  }

  /* Problems by field (in the page's language): in the list, and next to the field's input
   * when the page shows one (inputs carry data-field="scenario|path" or "plan|path"). */
  function showProblems(list) {
    var ul = document.getElementById("problem-list");
    ul.replaceChildren();
    document.querySelectorAll(".field-problem").forEach(function (n) { n.remove(); });
    document.querySelectorAll("[data-field].invalid").forEach(function (n) {
      n.classList.remove("invalid");
    });
    (list || []).forEach(function (p) {
      var where = (p.file ? p.file + ": " : "") + (p.field ? p.field + ": " : "");
      var reason = {text: p.reason};
      if (p.detail) { reason.title = p.detail; }
      ul.appendChild(el("li", {}, el("span", {cls: "data", text: where}), el("span", reason)));
      var kind = p.file === "scenario.yaml" ? "scenario" : (p.file === "upload" ? "new" : "plan");
      var input = document.querySelector('[data-field="' + kind + "|" + p.field + '"]');
      if (input) {
        input.classList.add("invalid");
        input.after(el("span", Object.assign({cls: "field-problem"}, reason)));
      }
    });
    if (!list || !list.length) { ul.appendChild(el("li", {t: "no_problems", cls: "ok"})); }
  }

  function failed(err) {
    statusKey("error");
    showProblems(err.data && err.data.problems ? err.data.problems
      : [{field: "", reason: err.message}]);
  }

  /* ------------------------------------------------------------------ map */
  function unpack(p, scale) {
    var x = p[0], y = p[1], out = [[y / scale, x / scale]];
    for (var i = 2; i < p.length; i += 2) {
      x += p[i]; y += p[i + 1]; out.push([y / scale, x / scale]);
    }
    return out;
  }

  /* Roads in three classes; local streets only when zoomed in (big networks stay fast). */
  function drawRoads(layers) {
    roadLayers.forEach(function (l) { map.removeLayer(l); });
    var renderer = L.canvas({padding: 0.2});
    var byClass = [[], [], []];
    layers.roads.packed.forEach(function (p, i) {
      byClass[layers.roads.cls[i]].push(unpack(p, layers.scale));
    });
    var styles = [{weight: 2.5, color: "#546e7a"}, {weight: 1.6, color: "#78909c"},
                  {weight: 1, color: "#90a4ae"}];
    roadLayers = byClass.map(function (lines, k) {
      return L.polyline(lines, Object.assign({renderer: renderer, interactive: false,
                                              smoothFactor: 1.5}, styles[k]));
    });
    showRoadsForZoom();
  }

  function showRoadsForZoom() {
    var z = map.getZoom();
    var minZoom = [0, 12, 14];
    roadLayers.forEach(function (l, k) {
      if (z >= minZoom[k]) { if (!map.hasLayer(l)) { l.addTo(map); } }
      else if (map.hasLayer(l)) { map.removeLayer(l); }
    });
  }

  /* The hour each zone is ordered out under the current plan (null: never). */
  function zoneOrderHours(zone) {
    var plan = currentPlan();
    if (!plan) { return null; }
    var best = null;
    (plan.stages || []).forEach(function (s) {
      var named = s.zones && s.zones.indexOf(zone.id) >= 0;
      var low = s.max_elevation_m !== undefined && s.max_elevation_m !== null &&
        zone.elevation_m !== null && zone.elevation_m <= s.max_elevation_m;
      if ((named || low) && (best === null || s.time_h < best)) { best = s.time_h; }
    });
    if (best === null && !(plan.levels && plan.levels.length)) { best = plan.order_time_h || 0; }
    return best;
  }

  var STAGE_COLOURS = ["#c62828", "#ef6c00", "#f9a825", "#7cb342", "#00897b"];

  function zoneStyle(feature) {
    var p = feature.properties;
    if (!p.evacuees) { return {color: "#b0bec5", weight: 1, fillOpacity: 0.05}; }
    var h = zoneOrderHours(p);
    var colour = h === null ? "#78909c" : STAGE_COLOURS[Math.min(Math.floor(h), 4)];
    return {color: colour, weight: 1, fillColor: colour, fillOpacity: 0.25};
  }

  function drawZones(layers) {
    if (zoneLayer) { map.removeLayer(zoneLayer); }
    zoneLayer = L.geoJSON(layers.zones, {
      style: zoneStyle,
      onEachFeature: function (f, layer) {
        layer.on("click", function (ev) { zoneClicked(f.properties, ev.latlng); });
      }
    }).addTo(map);
  }

  function shelterIcon() {
    return L.divIcon({className: "shelter-icon", iconSize: [14, 14]});
  }

  function drawShelters() {
    shelterLayer.clearLayers();
    (S.raw.scenario.shelters || []).forEach(function (s, i) {
      var m = L.marker([s.lat, s.lon], {icon: shelterIcon(), draggable: true,
                                        title: s.name, shelterIndex: i});
      m.on("dragend", function () {
        var ll = m.getLatLng();
        s.lon = Math.round(ll.lng * 1e6) / 1e6;
        s.lat = Math.round(ll.lat * 1e6) / 1e6;
        edited("scenario");
      });
      m.bindTooltip(s.name);
      shelterLayer.addLayer(m);
    });
    fillShelterTable();
  }

  function drawClosures() {
    closureLayer.clearLayers();
    var ids = S.layers.roads.ids, where = {};
    ids.forEach(function (id, i) { where[id] = i; });
    ((S.raw.scenario.hazard || {}).closures || []).forEach(function (c) {
      c.links.forEach(function (id) {
        if (where[id] === undefined) { return; }
        L.polyline(unpack(S.layers.roads.packed[where[id]], S.layers.scale),
                   {color: "#b71c1c", weight: 5, interactive: false}).addTo(closureLayer);
      });
    });
    fillClosureTable();
  }

  function drawArea() {
    if (areaLayer) { map.removeLayer(areaLayer); areaLayer = null; }
    if (!S.area) { return; }
    areaLayer = L.geoJSON(S.area, {style: {color: "#1565c0", weight: 2, fillOpacity: 0.08}})
      .addTo(map);
  }

  /* ------------------------------------------------------------------ side panel */
  function currentPlan() {
    return S.raw && S.plan && S.raw.plans[S.plan] ? S.raw.plans[S.plan].data : null;
  }

  function numberInput(value, onChange, attrs) {
    var input = el("input", Object.assign({type: "number", value: String(value)}, attrs || {}));
    input.addEventListener("change", function () { onChange(Number(input.value)); });
    return input;
  }

  function fillShelterTable() {
    var body = document.querySelector("#shelter-table tbody");
    body.replaceChildren();
    (S.raw.scenario.shelters || []).forEach(function (s, i) {
      var remove = el("button", {t: "remove"});
      remove.addEventListener("click", function () {
        S.raw.scenario.shelters.splice(i, 1); drawShelters(); edited("scenario");
      });
      body.appendChild(el("tr", {"data-id": s.id},
        el("td", {text: s.id, cls: "data"}), el("td", {text: s.name, cls: "data"}),
        el("td", {}, numberInput(s.capacity, function (v) {
          s.capacity = Math.round(v); edited("scenario");
        }, {min: "0", step: "100", cls: "capacity", "data-id": s.id,
              "data-field": "scenario|shelters[" + i + "].capacity"})),
        el("td", {}, remove)));
    });
  }

  function fillClosureTable() {
    var body = document.querySelector("#closure-table tbody");
    body.replaceChildren();
    var closures = (S.raw.scenario.hazard || {}).closures || [];
    closures.forEach(function (c, i) {
      var remove = el("button", {t: "remove"});
      remove.addEventListener("click", function () {
        closures.splice(i, 1); drawClosures(); edited("scenario");
      });
      body.appendChild(el("tr", {}, el("td", {text: F.hm(c.from_h * 3600)}),
        el("td", {text: c.links.join(", "), cls: "data"}), el("td", {}, remove)));
    });
  }

  function fillStageTable() {
    var body = document.querySelector("#stage-table tbody");
    body.replaceChildren();
    var flood = (S.raw.scenario.hazard || {}).flood;
    ((flood && flood.stage) || []).forEach(function (p) {
      body.appendChild(el("tr", {},
        el("td", {}, numberInput(p[0], function (v) { p[0] = v; edited("scenario"); },
                                 {step: "0.5", min: "0"})),
        el("td", {}, numberInput(p[1], function (v) { p[1] = v; edited("scenario"); },
                                 {step: "0.05"}))));
    });
  }

  /* The plume's release, threshold and wind periods; its source is a draggable marker. */
  function fillPlumeForm() {
    var box = document.getElementById("plume-form");
    box.replaceChildren();
    var plume = (S.raw.scenario.hazard || {}).plume;
    if (!plume) { return; }
    var wind = el("tbody");
    plume.wind.forEach(function (w) {
      wind.appendChild(el("tr", {},
        el("td", {}, numberInput(w.time_h, function (v) { w.time_h = v; edited("scenario"); },
                                 {step: "0.5", min: "0"})),
        el("td", {}, numberInput(w.speed_mps, function (v) { w.speed_mps = v; edited("scenario"); },
                                 {step: "0.5", min: "0"})),
        el("td", {}, numberInput(w.from_deg, function (v) { w.from_deg = v; edited("scenario"); },
                                 {step: "10", min: "0", max: "360"})),
        el("td", {cls: "data", text: w.stability})));
    });
    box.append(el("h3", {t: "plume"}),
      el("label", {}, el("span", {t: "release"}), " ", numberInput(plume.release_g_s,
        function (v) { plume.release_g_s = v; edited("scenario"); },
        {id: "plume-release", "data-field": "scenario|hazard.plume.release_g_s"})),
      el("label", {}, el("span", {t: "danger_threshold"}), " ", numberInput(
        plume.threshold_mg_m3, function (v) { plume.threshold_mg_m3 = v; edited("scenario"); },
        {id: "plume-threshold", "data-field": "scenario|hazard.plume.threshold_mg_m3"})),
      el("p", {t: "wind"}), el("table", {id: "wind-table"}, wind));
    var source = L.marker([plume.lat, plume.lon], {draggable: true, title: plume.substance})
      .addTo(hazardLayer);
    source.on("dragend", function () {
      var ll = source.getLatLng();
      plume.lon = Math.round(ll.lng * 1e6) / 1e6;
      plume.lat = Math.round(ll.lat * 1e6) / 1e6;
      edited("scenario");
    });
  }

  /* Drawn hazard extents (saved and new): on the map, and listed by start time. */
  function drawHazard() {
    hazardLayer.clearLayers();
    var body = document.querySelector("#hazard-table tbody");
    body.replaceChildren();
    document.getElementById("hazard-extents-title").style.display =
      S.hazardPolygons.length ? "" : "none";
    S.hazardPolygons.forEach(function (h, i) {
      L.geoJSON(h.geometry, {style: {color: "#e65100", weight: 1, fillOpacity: 0.25},
                             interactive: false}).addTo(hazardLayer);
      var remove = el("button", {t: "remove"});
      remove.addEventListener("click", function () {
        S.hazardPolygons.splice(i, 1); drawHazard(); edited("scenario");
      });
      body.appendChild(el("tr", {}, el("td", {text: F.hm(h.from_h * 3600)}),
                          el("td", {}, remove)));
    });
    fillPlumeForm();
  }

  function fillPlanForm() {
    var plan = currentPlan();
    if (!plan) { return; }
    var order = document.getElementById("plan-order");
    order.value = plan.order_time_h || 0;
    var sigma = document.getElementById("plan-sigma");
    sigma.value = (plan.departure || {}).sigma_min || "";
    document.getElementById("plan-choice").value = plan.shelter_choice || "nearest_with_room";
    StudioBuses.fillForm(document.getElementById("bus-form"));
    StudioBuses.draw();
    var zones = document.querySelector("#zone-table tbody");
    zones.replaceChildren();
    S.layers.zones.features.forEach(function (f) {
      var p = f.properties;
      if (!p.evacuees) { return; }
      var h = zoneOrderHours(p);
      zones.appendChild(el("tr", {"data-zone": p.id}, el("td", {text: p.id, cls: "data"}),
        el("td", {text: F.num(p.evacuees)}), el("td", {text: h === null ? "—" : String(h)})));
    });
    var stds = document.querySelector("#standard-table tbody");
    stds.replaceChildren();
    [["scenario", S.raw.scenario.standards || []], ["plan", plan.standards || []]]
      .forEach(function (group) {
        group[1].forEach(function (s, i) {
          var label = s.label ? (F.lang() === "zh" && s.label.zh ? s.label.zh : s.label.en) : s.id;
          stds.appendChild(el("tr", {"data-id": s.id}, el("td", {text: label, cls: "data"}),
            el("td", {}, el("span", {cls: "data", text: s.kpi + " " + s.op + " "}),
               numberInput(s.threshold, function (v) { s.threshold = v; edited(group[0]); },
                           {cls: "threshold", "data-id": s.id,
                            "data-field": group[0] + "|standards[" + i + "].threshold"}))));
        });
      });
  }

  function refreshAll() {
    drawShelters(); drawClosures(); drawArea(); drawHazard(); fillStageTable(); fillPlanForm();
    if (zoneLayer) { zoneLayer.setStyle(zoneStyle); }
  }

  /* ------------------------------------------------------------------ edits */
  var checkTimer = null;

  /* Something was edited: check it with the server as made (debounced). */
  function edited(what) {
    S.dirty = true;
    if (what === "plan" && zoneLayer) { zoneLayer.setStyle(zoneStyle); fillPlanForm(); }
    clearTimeout(checkTimer);
    checkTimer = setTimeout(checkNow, 250);
  }

  function checkNow() {
    var plan = S.raw.plans[S.plan];
    return Promise.all([
      api("/api/check", {kind: "scenario", file: "scenario.yaml", data: S.raw.scenario,
                         lang: F.lang()}),
      plan ? api("/api/check", {kind: "plan", file: plan.file, data: plan.data, lang: F.lang()})
           : Promise.resolve({problems: []})
    ]).then(function (res) {
      showProblems(res[0].problems.concat(res[1].problems));
      return res[0].problems.length + res[1].problems.length;
    });
  }

  function zoneClicked(zone, latlng) {
    if (S.tool !== "zone" || !zone.evacuees) { return; }
    var plan = currentPlan();
    var now = zoneOrderHours(zone);
    var input = el("input", {type: "number", min: "0", step: "0.25",
                             value: String(now === null ? 0 : now), id: "zone-order-input"});
    var ok = el("button", {t: "save", id: "zone-order-ok"});
    var shelter = el("select", {id: "zone-shelter"}, el("option", {value: "", t: "none"}));
    (S.raw.scenario.shelters || []).forEach(function (s) {
      shelter.appendChild(el("option", {value: s.id, text: s.name}));
    });
    shelter.value = (plan.zone_shelters || {})[zone.id] || "";
    ok.addEventListener("click", function () {
      setZoneOrder(plan, zone.id, Number(input.value));
      plan.zone_shelters = plan.zone_shelters || {};
      if (shelter.value) { plan.zone_shelters[zone.id] = shelter.value; }
      else { delete plan.zone_shelters[zone.id]; }
      if (!Object.keys(plan.zone_shelters).length) { delete plan.zone_shelters; }
      else { plan.shelter_choice = "zone_map"; }
      map.closePopup();
      fillPlanForm();
    });
    L.popup().setLatLng(latlng).setContent(
      el("div", {}, el("strong", {text: zone.id, cls: "data"}), el("br"),
         el("span", {t: "order_h"}), " ", input, el("br"), el("span", {t: "zone_shelter"}), " ",
         shelter, " ", ok)).openOn(map);
  }

  /* Order one zone out at ``hours``: it leaves every listed stage and joins this one. */
  function setZoneOrder(plan, zoneId, hours) {
    plan.stages = (plan.stages || []).map(function (s) {
      if (!s.zones) { return s; }
      return Object.assign({}, s, {zones: s.zones.filter(function (z) { return z !== zoneId; })});
    }).filter(function (s) { return !s.zones || s.zones.length || s.max_elevation_m !== undefined; });
    var stage = plan.stages.find(function (s) { return s.zones && s.time_h === hours; });
    if (stage) { stage.zones.push(zoneId); }
    else { plan.stages.push({time_h: hours, zones: [zoneId]}); }
    edited("plan");
  }

  function mapClicked(ev) {
    if (StudioBuses.mapClicked(S.tool, ev.latlng)) { return; }
    if (S.tool === "shelter") { addShelter(ev.latlng); }
    else if (S.tool === "close") { pickRoad(ev.latlng); }
  }

  function addShelter(latlng) {
    var list = S.raw.scenario.shelters = S.raw.scenario.shelters || [];
    var n = list.length + 1;
    while (list.some(function (s) { return s.id === "studio-" + n; })) { n++; }
    list.push({id: "studio-" + n, name: "Shelter " + n, name_zh: "避难所 " + n,
               lon: Math.round(latlng.lng * 1e6) / 1e6, lat: Math.round(latlng.lat * 1e6) / 1e6,
               capacity: 500});
    drawShelters();
    edited("scenario");
  }

  function pickRoad(latlng) {
    api("/api/scenario/" + encodeURIComponent(S.sid) + "/road?lon=" + latlng.lng +
        "&lat=" + latlng.lat).then(function (res) {
      var road = res.road;
      if (!road) { L.popup().setLatLng(latlng).setContent(el("span", {t: "no_road_here"})).openOn(map); return; }
      var at = el("input", {type: "text", value: "1:00", size: "5", id: "close-at"});
      var ok = el("button", {t: "close_road", id: "close-ok"});
      ok.addEventListener("click", function () {
        var h = F.parseHm(at.value);
        if (h === null) { at.focus(); return; }
        var hazard = S.raw.scenario.hazard = S.raw.scenario.hazard || {};
        hazard.closures = hazard.closures || [];
        hazard.closures.push({links: road.links, from_h: h, reason: "studio"});
        map.closePopup();
        drawClosures();
        edited("scenario");
      });
      /* The plan's levers on the clicked link, from the time given (a link id, one way). */
      function lever(kind, extra) {
        var h = F.parseHm(at.value);
        if (h === null) { at.focus(); return; }
        var plan = currentPlan();
        plan[kind] = plan[kind] || [];
        plan[kind].push(Object.assign({links: [road.id], from_h: h}, extra));
        map.closePopup();
        edited("plan");
      }
      var contra = el("button", {t: "add_contraflow", id: "contraflow-ok"});
      contra.addEventListener("click", function () { lever("contraflow", {}); });
      /* A control point's capacity factor: the schema's range, 0 < factor <= 5. */
      var factor = el("input", {type: "number", value: "0.5", min: "0.05", max: "5",
                                step: "0.05", id: "control-factor"});
      var factorProblem = el("span", {cls: "field-problem", id: "control-factor-problem"});
      factorProblem.style.display = "none";
      var control = el("button", {t: "add_control_point", id: "control-ok"});
      control.addEventListener("click", function () {
        var v = Number(factor.value);
        var ok = factor.value.trim() !== "" && isFinite(v) && v > 0 && v <= 5;
        factor.classList.toggle("invalid", !ok);
        factorProblem.textContent = ok ? "" : t("factor_range");
        factorProblem.style.display = ok ? "none" : "";
        if (!ok) { factor.focus(); return; }
        lever("control_points", {capacity_factor: v});
      });
      L.popup().setLatLng(latlng).setContent(el("div", {id: "road-popup", "data-links": road.links.join(",")},
        el("strong", {text: road.name || t("unnamed_road"), cls: "data"}),
        el("span", {text: " (" + road.highway + ")", cls: "data"}),
        el("br"), el("span", {t: "close_at"}), " ", at, " ", ok, el("br"), contra, el("br"),
        el("label", {}, el("span", {t: "capacity_factor"}), " ", factor, factorProblem),
        control)).openOn(map);
    }).catch(failed);
  }

  function setTool(tool) {
    S.tool = tool;
    document.querySelectorAll("button[data-tool]").forEach(function (b) {
      b.classList.toggle("active", b.getAttribute("data-tool") === tool);
    });
    document.getElementById("tool-hint").textContent =
      tool === "area" || tool === "hazard" ? t("area_hint") : "";
    if (tool === "depot" || tool === "pickup") { statusKey(tool + "_hint"); }
    document.getElementById("hazard-from-label").style.display = tool === "hazard" ? "" : "none";
    if (tool === "area" || tool === "hazard") {
      map.pm.enableDraw("Polygon", {snappable: false, continueDrawing: false});
    } else if (map.pm.globalDrawModeEnabled()) {
      map.pm.disableDraw();
    }
  }

  /* ------------------------------------------------------------------ open and save */
  function openScenario(sid) {
    statusKey("loading");
    S.ready = false;
    return Promise.all([
      api("/api/scenario/" + encodeURIComponent(sid)),
      api("/api/scenario/" + encodeURIComponent(sid) + "/layers")
    ]).then(function (res) {
      S.sid = sid; S.raw = {scenario: res[0].scenario, plans: res[0].plans};
      S.meta = res[0].meta; S.layers = res[1]; S.dirty = false;
      S.area = res[0].drawn.area || undefined;
      S.hazardPolygons = res[0].drawn.hazard_polygons;
      S.hazardSaved = S.hazardPolygons.length > 0;
      document.getElementById("scenario-title").textContent =
        (F.lang() === "zh" && S.meta.title.zh) || S.meta.title.en;
      document.getElementById("scenario-tz").textContent = S.meta.timezone;
      var sel = document.getElementById("plan-select");
      sel.replaceChildren();
      Object.keys(S.raw.plans).forEach(function (name) {
        sel.appendChild(el("option", {value: name, text: name}));
      });
      S.plan = S.meta.default_plan;
      sel.value = S.plan;
      fillComparePlans();
      var b = S.layers.bounds;
      map.fitBounds([[b[1], b[0]], [b[3], b[2]]]);
      drawRoads(S.layers);
      drawZones(S.layers);
      refreshAll();
      showProblems([]);
      showHistory();
      S.ready = true;
      statusKey("ready");
    }).catch(failed);
  }

  function save() {
    var plans = {};
    plans[S.plan] = S.raw.plans[S.plan];
    var body = {scenario: S.raw.scenario, plans: plans, lang: F.lang()};
    if (S.area !== undefined) { body.area = S.area; }
    if (S.hazardPolygons.length || S.hazardSaved) { body.hazard_polygons = S.hazardPolygons; }
    return api("/api/scenario/" + encodeURIComponent(S.sid) + "/save", body).then(function (res) {
      S.dirty = false;
      S.hazardSaved = S.hazardPolygons.length > 0;
      if (S.area !== undefined && S.area !== null) {
        S.raw.scenario.population.area = "data/studio-area.geojson";
      }
      statusKey(res.saved.some(function (s) { return s.changed; }) ? "saved" : "unchanged");
      showProblems([]);
      showHistory();
      return res;
    });
  }

  /* The saved versions of the current plan's file (oldest first). */
  function showHistory() {
    var plan = S.raw.plans[S.plan];
    if (!plan) { return; }
    api("/api/scenario/" + encodeURIComponent(S.sid) + "/history?file=" +
        encodeURIComponent(plan.file)).then(function (res) {
      var ul = document.getElementById("history-list");
      ul.replaceChildren();
      res.versions.forEach(function (v) { ul.appendChild(el("li", {cls: "data", text: v})); });
    }).catch(failed);
  }

  /* ------------------------------------------------------------------ runs */
  function setRunning(running) {
    document.getElementById("btn-run").disabled = running;
    document.getElementById("btn-cancel").disabled = !running;
  }

  /* Follow a job every 0.25 s until it ends; ``onEarly`` (optional) is called once with
     the job when its figures come before its end (a run's clearance times, before the
     map and the report are written). */
  function poll(job, onDone, onEarly) {
    api("/api/job/" + encodeURIComponent(job.id)).then(function (j) {
      document.getElementById("progress").value = j.state === "done" ? 1
        : (j.stage === "simulate" || j.stage === "compare" ? j.fraction : 0.02);
      if (j.state === "running") {
        statusKey("progress_" + j.stage, " " + Math.round(j.fraction * 100) + " %");
        if (onEarly && j.early_result) {
          onEarly(j);
          onEarly = null;
        }
        setTimeout(function () { poll(j, onDone, onEarly); }, 250);
        return;
      }
      setRunning(false);
      status(t("state_" + j.state) + (j.message ? ": " + j.message : ""));
      if (j.state !== "done" && S.earlyShown === j.id) {  /* no result after all */
        document.getElementById("result").replaceChildren();
      }
      S.earlyShown = null;
      if (j.state === "done") { onDone(j); }
      else if (j.state === "failed") { showProblems([{field: "", reason: j.message}]); }
    }).catch(failed);
  }

  function run() {
    setRunning(true);
    statusKey("progress_start");
    save().then(function () {
      return api("/api/scenario/" + encodeURIComponent(S.sid) + "/run",
                 {plan: S.plan, seed: Number(document.getElementById("seed").value),
                  lang: F.lang()});
    }).then(function (job) {
      S.job = job;
      poll(job, function (j) {
        S.job = j;
        StudioResult.renderRun(document.getElementById("result"), j);
        showTab("result");
      }, function (j) {  /* the clearance times first; the map and report follow */
        if (S.job.id !== j.id) { return; }
        S.earlyShown = j.id;
        S.job = Object.assign({}, j, {result: j.early_result});
        StudioResult.renderRun(document.getElementById("result"), S.job);
        showTab("result");
      });
    }).catch(function (err) { setRunning(false); failed(err); });
  }

  function cancel() {
    var job = S.compareJob && S.compareJob.state === "running" ? S.compareJob : S.job;
    if (!job) { return; }
    api("/api/job/" + encodeURIComponent(job.id) + "/cancel", {}).then(function (j) {
      job.state = j.state;
      setRunning(false);
      statusKey("state_" + j.state);
    }).catch(failed);
  }

  function fillComparePlans() {
    var box = document.getElementById("compare-plans");
    box.replaceChildren();
    Object.keys(S.raw.plans).forEach(function (name) {
      box.appendChild(el("label", {}, el("input", {type: "checkbox", value: name}), " ",
                         el("span", {cls: "data", text: name})));
    });
  }

  function compare() {
    var plans = Array.from(document.querySelectorAll("#compare-plans input:checked"))
      .map(function (i) { return i.value; });
    var body = {plans: plans, replications: Number(document.getElementById("compare-n").value),
                lang: F.lang()};
    var workers = document.getElementById("compare-workers").value.trim();
    if (workers !== "") { body.workers = Number(workers); }  /* blank: one per CPU */
    setRunning(true);
    api("/api/scenario/" + encodeURIComponent(S.sid) + "/compare", body).then(function (job) {
      S.compareJob = job;
      poll(job, function (j) {
        S.compareJob = j;
        StudioResult.renderCompare(document.getElementById("compare-result"), j);
      });
    }).catch(function (err) { setRunning(false); failed(err); });
  }

  /* ------------------------------------------------------------------ scenario from files */
  function fileBody(input) {
    var f = input.files[0];
    if (!f) { return Promise.resolve(null); }
    return f.arrayBuffer().then(function (buf) {
      var bytes = new Uint8Array(buf), chunks = [];
      for (var i = 0; i < bytes.length; i += 0x8000) {
        chunks.push(String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000)));
      }
      return {name: f.name, base64: btoa(chunks.join(""))};
    });
  }

  /* The create form's builder options (blank: the builder's default), by option name. */
  var NEW_OPTIONS = {
    crs: "new-crs", zones_kind: "new-zones-kind", cell_m: "new-cell-m",
    zone_name_col: "new-zone-name-col", population_kind: "new-population-kind",
    population_col: "new-population-col", population_total: "new-population-total",
    name_col: "new-name-col", id_col: "new-id-col", capacity_col: "new-capacity-col",
    lon_col: "new-lon-col", lat_col: "new-lat-col", sheet: "new-sheet"
  };

  function newOptions() {
    var out = {};
    Object.keys(NEW_OPTIONS).forEach(function (k) {
      var input = document.getElementById(NEW_OPTIONS[k]);
      var v = input.value.trim();
      if (v === "") { return; }
      out[k] = input.type === "number" ? Number(v) : v;
    });
    return out;
  }

  /* Show only the fields the chosen zone and population methods use. */
  function showNewFields() {
    var zones = document.getElementById("new-zones-kind").value;
    var people = document.getElementById("new-population-kind").value;
    var shown = {"for-cells": zones !== "polygons", "for-polygons": zones === "polygons",
                 "for-counts": people === "polygons" || people === "points" || people === "auto",
                 "for-osm": people === "osm-buildings"};
    Object.keys(shown).forEach(function (cls) {
      document.querySelectorAll("#tab-new ." + cls).forEach(function (n) {
        n.style.display = shown[cls] ? "" : "none";
      });
    });
  }

  function create() {
    var name = document.getElementById("new-name").value.trim();
    Promise.all(["roads", "population", "shelters", "zones"].map(function (k) {
      return fileBody(document.getElementById("new-" + k));
    })).then(function (files) {
      statusKey("loading");
      return api("/api/new", {name: name, lang: F.lang(), options: newOptions(),
                              files: {roads: files[0], population: files[1],
                                      shelters: files[2], zones: files[3]}});
    }).then(function (res) {
      return loadCatalogue(res.id);
    }).catch(failed);
  }

  /* ------------------------------------------------------------------ wiring */
  function showTab(name) {
    document.querySelectorAll(".tab").forEach(function (s) {
      s.classList.toggle("active", s.id === "tab-" + name);
    });
    document.querySelectorAll("#tabs button").forEach(function (b) {
      b.classList.toggle("active", b.getAttribute("data-tab") === name);
    });
  }

  function loadCatalogue(open) {
    return api("/api/scenarios").then(function (cat) {
      var sel = document.getElementById("scenario-select");
      sel.replaceChildren();
      cat.scenarios.forEach(function (s) {
        sel.appendChild(el("option", {value: s.id, text: s.id}));
      });
      if (cat.tiles) {
        L.tileLayer(cat.tiles, {attribution: cat.tiles_attribution || ""}).addTo(map);
      }
      var first = open || cat.default;
      sel.value = first;
      return openScenario(first);
    });
  }

  function wire() {
    document.querySelectorAll("#tabs button").forEach(function (b) {
      b.addEventListener("click", function () { showTab(b.getAttribute("data-tab")); });
    });
    document.querySelectorAll("#tools button[data-tool]").forEach(function (b) {
      b.addEventListener("click", function () { setTool(b.getAttribute("data-tool")); });
    });
    document.getElementById("btn-area-clear").addEventListener("click", function () {
      S.area = null; drawArea(); edited("scenario");
    });
    document.getElementById("scenario-select").addEventListener("change", function (e) {
      openScenario(e.target.value);
    });
    document.getElementById("plan-select").addEventListener("change", function (e) {
      S.plan = e.target.value; refreshAll(); showHistory(); edited("plan");
    });
    document.getElementById("plan-order").addEventListener("change", function (e) {
      currentPlan().order_time_h = Number(e.target.value); edited("plan");
    });
    document.getElementById("plan-sigma").addEventListener("change", function (e) {
      var plan = currentPlan();
      plan.departure = Object.assign({}, plan.departure || {curve: "rayleigh"},
                                     {sigma_min: Number(e.target.value)});
      edited("plan");
    });
    document.getElementById("plan-choice").addEventListener("change", function (e) {
      currentPlan().shelter_choice = e.target.value; edited("plan");
    });
    document.getElementById("btn-save").addEventListener("click", function () {
      save().catch(failed);
    });
    document.getElementById("btn-run").addEventListener("click", run);
    document.getElementById("btn-cancel").addEventListener("click", cancel);
    document.getElementById("btn-compare").addEventListener("click", compare);
    document.getElementById("btn-create").addEventListener("click", create);
    ["new-zones-kind", "new-population-kind"].forEach(function (id) {
      document.getElementById(id).addEventListener("change", showNewFields);
    });
    showNewFields();
    document.getElementById("btn-lang").addEventListener("click", function () {
      F.setLang(F.lang() === "zh" ? "en" : "zh");
      if (S.statusKey) { statusKey(S.statusKey, S.statusSuffix); }
      if (S.meta) {
        document.getElementById("scenario-title").textContent =
          (F.lang() === "zh" && S.meta.title.zh) || S.meta.title.en;
        fillPlanForm();
        checkNow();
      }
      if (S.job && S.job.result) { StudioResult.renderRun(document.getElementById("result"), S.job); }
    });
  }

  function start() {
    F.setLang(F.lang());
    map = L.map("map", {preferCanvas: true, zoomControl: true});
    map.attributionControl.setPrefix(false);
    shelterLayer.addTo(map);
    closureLayer.addTo(map);
    hazardLayer.addTo(map);
    StudioBuses.init({map: map, plan: currentPlan, edited: edited, setTool: setTool});
    map.on("zoomend", showRoadsForZoom);
    map.on("click", mapClicked);
    map.on("pm:create", function (e) {
      var geometry = e.layer.toGeoJSON().geometry;
      map.removeLayer(e.layer);
      if (S.tool === "hazard") {
        var h = F.parseHm(document.getElementById("hazard-from").value);
        S.hazardPolygons.push({geometry: geometry, from_h: h === null ? 0 : h});
        drawHazard();
      } else {
        S.area = geometry;
        drawArea();
      }
      setTool("select");
      statusKey("area_set");
      edited("scenario");
    });
    S.map = map;
    wire();
    showTab("scenario");
    setTool("select");
    loadCatalogue(null);
  }

  start();
})();
