/* musterpoint studio: the plan's buses on the map and in the plan form.
 *
 * A plan's buses (plan.buses) start at one depot, go to pick-up points and take the
 * households without a car to shelters. Here: the depot and the pick-up points are
 * markers (dragged to move them; the "Place the depot" and "Add a pick-up point" tools add
 * them by a click on the map), and the form sets how many buses the depot sends, their
 * seats and when they are ready. Edits go into the plan's parsed YAML like every other.
 */
"use strict";

var StudioBuses = (function () {
  var F = StudioFormat, el = F.el;
  var layer = L.layerGroup();
  var ctx = null;  /* {map, plan: () => plan, edited: (what) => void, setTool: (tool) => void} */

  function rounded(v) { return Math.round(v * 1e6) / 1e6; }

  function icon(cls) { return L.divIcon({className: cls, iconSize: [14, 14]}); }

  /* A draggable marker for a place of the plan ({id, lon, lat}), moved in place. */
  function placeMarker(place, cls) {
    var m = L.marker([place.lat, place.lon], {icon: icon(cls), draggable: true,
                                              title: place.id});
    m.on("dragend", function () {
      var ll = m.getLatLng();
      place.lon = rounded(ll.lng);
      place.lat = rounded(ll.lat);
      ctx.edited("plan");
    });
    m.bindTooltip(place.id);
    return m;
  }

  function draw() {
    layer.clearLayers();
    var plan = ctx.plan();
    if (!plan || !plan.buses) { return; }
    layer.addLayer(placeMarker(plan.buses.depot, "depot-icon"));
    plan.buses.pickups.forEach(function (p) { layer.addLayer(placeMarker(p, "pickup-icon")); });
  }

  function toolButton(tool, key) {
    var b = el("button", {t: key, "data-tool": tool, id: "tool-" + tool});
    b.addEventListener("click", function () { ctx.setTool(tool); });
    return b;
  }

  function numberField(key, value, onChange, attrs) {
    var input = el("input", Object.assign({type: "number", value: String(value)}, attrs));
    input.addEventListener("change", function () { onChange(Number(input.value)); });
    return el("label", {}, el("span", {t: key}), " ", input);
  }

  /* The plan form's bus section (into ``box``). */
  function fillForm(box) {
    box.replaceChildren(el("h3", {t: "buses"}));
    var plan = ctx.plan();
    if (!plan) { return; }
    var b = plan.buses;
    if (!b) {
      box.append(el("p", {t: "no_buses"}), toolButton("depot", "tool_depot"));
      return;
    }
    var mob = b.mobilisation_min || [90, 180];
    var pickups = el("tbody");
    b.pickups.forEach(function (p, i) {
      var remove = el("button", {t: "remove"});
      remove.addEventListener("click", function () {
        b.pickups.splice(i, 1); ctx.edited("plan");
      });
      pickups.appendChild(el("tr", {"data-id": p.id}, el("td", {text: p.id, cls: "data"}),
                             el("td", {}, remove)));
    });
    var none = el("button", {t: "buses_remove", id: "buses-remove"});
    none.addEventListener("click", function () { delete plan.buses; ctx.edited("plan"); });
    box.append(
      el("p", {}, el("span", {t: "bus_depot"}), ": ", el("span", {cls: "data", text: b.depot.id}),
         " ", toolButton("depot", "tool_depot")),
      numberField("bus_count", b.buses, function (v) { b.buses = v; ctx.edited("plan"); },
                  {min: "1", step: "1", id: "bus-count", "data-field": "plan|buses.buses"}),
      numberField("bus_seats", b.seats || 50, function (v) { b.seats = v; ctx.edited("plan"); },
                  {min: "1", step: "1", id: "bus-seats", "data-field": "plan|buses.seats"}),
      numberField("bus_ready_from", mob[0], function (v) {
        b.mobilisation_min = [v, mob[1]]; ctx.edited("plan");
      }, {min: "0", step: "10", id: "bus-ready-from", "data-field": "plan|buses.mobilisation_min"}),
      numberField("bus_ready_to", mob[1], function (v) {
        b.mobilisation_min = [mob[0], v]; ctx.edited("plan");
      }, {min: "0", step: "10", id: "bus-ready-to"}),
      el("p", {}, el("span", {t: "bus_pickups"}), " ", toolButton("pickup", "tool_pickup")),
      el("table", {id: "pickup-table", "data-field": "plan|buses.pickups"}, pickups),
      none);
  }

  function nextId(list, stem) {
    var n = list.length + 1;
    while (list.some(function (p) { return p.id === stem + "-" + n; })) { n++; }
    return stem + "-" + n;
  }

  /* A click on the map with a bus tool: place the depot (adding buses to the plan) or add
   * a pick-up point. Returns true when the click was the buses'. */
  function mapClicked(tool, latlng) {
    var plan = ctx.plan();
    if (!plan || (tool !== "depot" && tool !== "pickup")) { return false; }
    var at = {lon: rounded(latlng.lng), lat: rounded(latlng.lat)};
    if (tool === "depot") {
      if (plan.buses) { Object.assign(plan.buses.depot, at); }
      else { plan.buses = {depot: Object.assign({id: "depot"}, at), buses: 4, seats: 50,
                           pickups: []}; }
      ctx.setTool("pickup");
    } else if (plan.buses) {
      plan.buses.pickups.push(Object.assign({id: nextId(plan.buses.pickups, "pickup")}, at));
    }
    ctx.edited("plan");
    return true;
  }

  function init(context) {
    ctx = context;
    layer.addTo(ctx.map);
  }

  return {init: init, draw: draw, fillForm: fillForm, mapClicked: mapClicked};
})();
