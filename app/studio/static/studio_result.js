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
      return [(zh && s.label_zh) || s.label || s.id,
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
          return [s.name || s.id, F.num(s.capacity), el("span", {cls: "occ", "data-id": s.id,
                  text: F.num(s.occupancy_end)}), F.num(s.redirected_to), F.num(s.redirected_away)];
        }), "shelter-result"));
  }

  function closures(rows) {
    if (!rows.length) { return null; }
    return el("div", {}, el("h3", {t: "closure_traffic"}),
      table(["closures", "before", "after"], rows.map(function (c) {
        return [F.hm(c.from_h * 3600) + " · " + c.links.join(", "),
                el("span", {cls: "before", text: String(c.before)}),
                el("span", {cls: "after", text: String(c.after)})];
      }), "closure-result"));
  }

  function byZone(rows) {
    return el("div", {}, el("h3", {t: "by_zone"}),
      table(["zone", "evacuees", "ete50", "ete90", "ete100"], rows.map(function (z) {
        return [z.zone, F.num(z.evacuees), F.hm(z.ete50_s), F.hm(z.ete90_s), F.hm(z.ete100_s)];
      }), "zone-result"));
  }

  function pages(job) {
    var base = "/runs/" + encodeURIComponent(job.id) + "/";
    var box = el("div", {id: "run-pages"});
    [["map", "map.html"], ["report", "report.html"]].forEach(function (p) {
      if (job.result.files.indexOf(p[1]) < 0) { return; }
      box.appendChild(el("h3", {t: p[0]}));
      box.appendChild(el("iframe", {cls: "run-page", src: base + p[1], title: p[1],
        sandbox: "allow-scripts allow-popups allow-downloads"}));
      box.appendChild(el("a", {href: base + p[1] + "?download=1"},
        el("span", {t: "download"}), " " + p[1]));
    });
    return box;
  }

  /* The result page of a finished run. */
  function renderRun(target, job) {
    var r = job.result, e = r.evacuation;
    target.replaceChildren(
      el("h2", {t: "result"}),
      el("p", {text: job.scenario + " · " + job.plan + " · " + t("seed") + " " + job.seed}),
      figures(e), ledger(e, r.ledger), standards(r.standards || []), bound(r.bounds),
      shelters(r.shelters || [], r.redirects), closures(r.closures || []),
      byZone(r.by_zone || []), pages(job));
  }

  /* The scorecard of a finished comparison: the ranking with intervals. */
  function renderCompare(target, job) {
    var c = job.result.comparison || {};
    var ranking = c.ranking || [];
    var rows = ranking.map(function (p, i) {
      var name = typeof p === "string" ? p : (p.plan || p.name);
      var score = typeof p === "object" ? (p.score_mean !== undefined ? p.score_mean : p.score) : null;
      return [String(i + 1), name, score === null || score === undefined ? "—" : Number(score).toFixed(1)];
    });
    var box = el("div", {},
      el("h3", {t: "ranking"}),
      table(["ranking", "plan", "score"], rows, "ranking-table"));
    (job.result.files || []).filter(function (f) { return /\.html$/.test(f); }).forEach(function (f) {
      box.appendChild(el("p", {}, el("a", {href: "/runs/" + encodeURIComponent(job.id) + "/" + f,
        target: "_blank", rel: "noopener"}, f)));
    });
    target.replaceChildren(box);
  }

  return { renderRun: renderRun, renderCompare: renderCompare };
})();
