/* musterpoint studio: the result page of a run and the scorecard of a comparison. */
"use strict";

var StudioResult = (function () {
  var F = StudioFormat, el = F.el, t = F.t;

  function row(cells, header) {
    var tr = el("tr");
    cells.forEach(function (c) {
      tr.appendChild(typeof c === "string" || typeof c === "number"
        ? el(header ? "th" : "td", {text: String(c)}) : el(header ? "th" : "td", {}, c));
    });
    return tr;
  }

  function table(headKeys, rows, id) {
    var tab = el("table", id ? {id: id} : {});
    tab.appendChild(row(headKeys.map(function (k) { return el("span", {t: k}); }), true));
    rows.forEach(function (r) { tab.appendChild(row(r)); });
    return tab;
  }

  function figures(e) {
    var box = el("div", {id: "clearance"});
    [["ete50", "ete50_s"], ["ete90", "ete90_s"], ["ete100", "ete100_s"]].forEach(function (p) {
      box.appendChild(el("p", {}, el("span", {t: p[0]}), ": ",
        el("span", {cls: "figure", id: "fig-" + p[1], "data-seconds": String(e[p[1]])},
           F.hm(e[p[1]])), " ", el("span", {t: "after_order"})));
    });
    return box;
  }

  function ledger(e, led) {
    var keys = ["evacuees", "arrived", "stranded", "en_route", "never_departed",
                "sheltering_in_place"];
    var persons = (led.evacuee || {}).persons || {};
    var tab = table(["ledger", "persons"], keys.map(function (k) {
      return [el("span", {t: k}), F.num(k === "evacuees" ? e.evacuees : e[k])];
    }), "ledger");
    tab.appendChild(row([el("span", {t: persons.balanced === false ? "unbalanced" : "balanced"}), ""]));
    return tab;
  }

  function standards(list) {
    var zh = F.lang() === "zh";
    return table(["standard", "result"], list.map(function (s) {
      return [el("span", {cls: "data", text: (zh && s.label_zh) || s.label || s.id}),
              el("span", {t: s.met ? "met" : "missed", cls: s.met ? "met" : "missed"})];
    }), "standards-result");
  }

  function bound(b) {
    if (!b) { return null; }
    var streets = (b.bottleneck_streets || []).map(function (s) {
      return typeof s === "string" ? s : (s.name || s.label || JSON.stringify(s));
    });
    return el("div", {id: "bound"},
      el("h3", {t: "bound"}),
      el("p", {}, el("span", {t: "ete50"}), ": " + F.hm(b.ete50_s) + " · ",
         el("span", {t: "ete90"}), ": " + F.hm(b.ete90_s)),
      el("p", {}, el("span", {t: "bottlenecks"}), ": ",
         streets.length ? streets.join(", ") : el("span", {t: "none"})));
  }

  function shelters(rows, redirects) {
    return el("div", {},
      el("h3", {t: "shelters"}),
      el("p", {}, el("span", {t: "redirects"}), ": ",
         el("span", {id: "redirect-count", text: F.num(redirects)})),
      table(["shelter_name", "capacity", "occupancy", "redirected_to", "redirected_away"],
        rows.map(function (s) {
          return [el("span", {cls: "data", text: s.name || s.id}), F.num(s.capacity), el("span", {cls: "occ", "data-id": s.id,
                  text: F.num(s.occupancy_end)}), F.num(s.redirected_to), F.num(s.redirected_away)];
        }), "shelter-result"));
  }

  function closures(rows) {
    if (!rows.length) { return null; }
    return el("div", {}, el("h3", {t: "closure_traffic"}),
      table(["closures", "before", "after"], rows.map(function (c) {
        return [el("span", {cls: "data", text: F.hm(c.from_h * 3600) + " · " + c.links.join(", ")}),
                el("span", {cls: "before", text: String(c.before)}),
                el("span", {cls: "after", text: String(c.after)})];
      }), "closure-result"));
  }

  /* People the plan's buses took to safety (nothing without buses). */
  function buses(b) {
    if (!b) { return null; }
    return el("p", {}, el("span", {t: "by_bus"}), ": ",
              el("span", {id: "bus-delivered", text: F.num(b.delivered)}), " ",
              el("span", {t: "persons"}));
  }

  function byZone(rows) {
    return el("div", {}, el("h3", {t: "by_zone"}),
      table(["zone", "evacuees", "ete50", "ete90", "ete100"], rows.map(function (z) {
        return [el("span", {cls: "data", text: z.zone}), F.num(z.evacuees), F.hm(z.ete50_s), F.hm(z.ete90_s), F.hm(z.ete100_s)];
      }), "zone-result"));
  }

  /* While the map and the report are written (the figures came first): a note. */
  function pending(job) {
    return job.state === "running"
      ? el("p", {id: "run-pending"}, el("span", {t: "pages_pending"})) : null;
  }

  /* The run's map and report (none yet while they are written). */
  function pages(job) {
    if (job.state === "running") { return null; }
    var base = "/runs/" + encodeURIComponent(job.id) + "/";
    var box = el("div", {id: "run-pages"});
    [["map", "map.html"], ["report", "report.html"]].forEach(function (p) {
      if (job.result.files.indexOf(p[1]) < 0) { return; }
      box.appendChild(el("h3", {t: p[0]}));
      box.appendChild(el("iframe", {cls: "run-page", src: base + p[1], title: p[1],
        sandbox: "allow-scripts allow-popups allow-downloads"}));
      box.appendChild(el("a", {href: base + p[1] + "?download=1"},
        el("span", {t: "download"}), " ", el("span", {cls: "data", text: p[1]})));
    });
    return box;
  }

  /* The result page of a finished run. */
  function renderRun(target, job) {
    var r = job.result, e = r.evacuation;
    var parts = [
      el("h2", {t: "result"}),
      el("p", {}, el("span", {cls: "data", text: job.scenario + " · " + job.plan}),
         " · " + t("seed") + " " + job.seed),
      el("p", {}, el("span", {t: "first_order"}), ": ",
         el("span", {cls: "data", id: "first-order",
                     text: F.clock(r.meta.start, r.meta.timezone, r.meta.first_order_s || 0)})),
      figures(e), pending(job), ledger(e, r.ledger), standards(r.standards || []), bound(r.bounds),
      shelters(r.shelters || [], r.redirects), buses(r.buses), closures(r.closures || []),
      byZone(r.by_zone || []), pages(job)];
    target.replaceChildren.apply(target, parts.filter(function (x) { return x !== null; }));
  }

  /* A KPI's value in its unit: durations as h:mm, counts as whole numbers. */
  function kpiValue(kpi, v) {
    if (v === null || v === undefined) { return "—"; }
    return /_s$/.test(kpi) ? F.hm(v) : F.num(v);
  }

  /* The scorecard of a finished comparison: the ranking, intervals, the pages written. */
  function renderCompare(target, job) {
    var r = job.result;
    var ranking = table(["ranking", "plan", "score", "interval"], r.ranking.map(function (p) {
      var diff = p.vs_best_lo === null || p.vs_best_lo === undefined ? "—"
        : p.vs_best_lo.toFixed(1) + " … " + p.vs_best_hi.toFixed(1);
      return [String(p.rank), el("span", {cls: "data", text: p.plan}),
              p.score === null ? "—" : p.score.toFixed(1), diff];
    }), "ranking-table");
    var intervals = table(["standard", "plan", "interval"], r.intervals.map(function (i) {
      return [el("span", {cls: "data", text: i.kpi}), el("span", {cls: "data", text: i.plan}),
              kpiValue(i.kpi, i.mean) + " (" + kpiValue(i.kpi, i.lo) + " … " +
              kpiValue(i.kpi, i.hi) + ", n = " + i.n + "/" + i.n_total + ")"];
    }), "interval-table");
    var box = el("div", {}, el("h3", {t: "ranking"}), ranking, el("h3", {t: "interval"}),
                 intervals);
    r.files.filter(function (f) { return /\.html$/.test(f); }).forEach(function (f) {
      var base = "/runs/" + encodeURIComponent(job.id) + "/" + f;
      box.appendChild(el("h3", {t: /^difference_map/.test(f) ? "difference_map" : "report"}));
      box.appendChild(el("iframe", {cls: "run-page", src: base, title: f,
        sandbox: "allow-scripts allow-popups allow-downloads"}));
      box.appendChild(el("a", {href: base + "?download=1"}, el("span", {t: "download"}), " ",
        el("span", {cls: "data", text: f})));
    });
    target.replaceChildren(box);
  }

  return { renderRun: renderRun, renderCompare: renderCompare };
})();
