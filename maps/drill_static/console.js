/* musterpoint drill console: a Leaflet map of the live run, the clock, injects,
 * decisions, observations and the timeline. Every piece of scenario or user text is put
 * into the page with textContent (never innerHTML). Data comes from the drill server's
 * JSON endpoints (/api/setup once, /api/state by polling). */
(function () {
  'use strict';

  const L10N = JSON.parse(document.getElementById('musterpoint-l10n').textContent);

  const token = new URLSearchParams(window.location.search).get('token');
  let lang = document.documentElement.lang.startsWith('zh') ? 'zh' : 'en';
  const t = (key) => (L10N[lang][key] !== undefined ? L10N[lang][key] : L10N.en[key] !== undefined ? L10N.en[key] : key);
  const pick = (text) => {
    if (text === null || text === undefined) return '';
    if (typeof text === 'string') return text;
    return (lang === 'zh' && text.zh) ? text.zh : (text.en || '');
  };
  const $ = (sel) => document.querySelector(sel);
  const el = (tag, text, cls) => {
    const e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = String(text);
    if (cls) e.className = cls;
    return e;
  };

  function hmm(sec) {
    if (sec === null || sec === undefined || !isFinite(sec)) return '—';
    const m = Math.round(Math.abs(sec) / 60);
    return (sec < 0 ? '-' : '') + Math.floor(m / 60) + ':' + String(m % 60).padStart(2, '0');
  }

  function parseTime(text) {
    const s = String(text || '').trim();
    const m = /^(\d+):(\d{1,2})$/.exec(s);
    if (m) return (parseInt(m[1], 10) * 60 + parseInt(m[2], 10)) * 60;
    if (/^\d+(\.\d+)?$/.test(s)) return parseFloat(s) * 60;
    return null;
  }

  async function api(path, body) {
    const opts = { method: body ? 'POST' : 'GET', credentials: 'same-origin', cache: 'no-store', headers: {} };
    if (token) opts.headers['X-Muster-Token'] = token;
    if (body) {
      opts.headers['Content-Type'] = 'application/json';
      opts.body = JSON.stringify(body);
    }
    const r = await fetch(path, opts);
    let data = {};
    try { data = await r.json(); } catch (e) { data = {}; }
    if (!r.ok) throw new Error(data.error || (r.status + ' ' + r.statusText));
    return data;
  }

  function showError(msg) {
    const box = $('#error');
    if (!msg) { box.hidden = true; box.textContent = ''; return; }
    box.textContent = t('error') + ': ' + msg;
    box.hidden = false;
  }

  // ------------------------------------------------------------------ state
  const S = {
    setup: null, since: 0, records: [], clock: null, injects: [], snapshot: null, kpis: {},
    linkIndex: new Map(), zoneLayers: new Map(), shelterMarkers: new Map(),
    hazardFrame: -1, closedKey: '', activeLinks: null, polling: null, busy: false
  };
  window.drillConsole = {
    ready: false,
    closedManual: () => Array.from(S.closedManual || []),
    lastSeq: () => S.since,
    clock: () => S.clock
  };

  let map, canvas, svg, layers = {}, control = null;

  function linkLatLngs(i) {
    return S.setup.links.coords[i].map((c) => [c[1], c[0]]);
  }

  function congestionColour(occ) {
    if (occ >= 0.9) return '#b71c1c';
    if (occ >= 0.6) return '#f4511e';
    if (occ >= 0.3) return '#fbc02d';
    return '#7cb342';
  }

  function buildMap() {
    const st = S.setup;
    map = L.map('map', { zoomControl: true });
    canvas = L.canvas({ padding: 0.3 });
    svg = L.svg({ padding: 0.3 });
    const b = st.bounds;
    map.fitBounds([[b[1], b[0]], [b[3], b[2]]], { padding: [20, 20] });
    if (st.tiles) {
      L.tileLayer(st.tiles, {
        maxZoom: 19,
        attribution: '© OpenStreetMap contributors'
      }).addTo(map);
    }
    layers.hazard = L.layerGroup().addTo(map);
    layers.zones = L.layerGroup().addTo(map);
    layers.network = L.layerGroup().addTo(map);
    layers.congestion = L.layerGroup().addTo(map);
    layers.closed = L.layerGroup().addTo(map);
    layers.vehicles = L.layerGroup().addTo(map);
    layers.places = L.layerGroup().addTo(map);
    layers.shelters = L.layerGroup().addTo(map);

    st.links.ids.forEach((id, i) => S.linkIndex.set(id, i));
    st.links.ids.forEach((id, i) => {
      const line = L.polyline(linkLatLngs(i), {
        renderer: canvas, color: '#78909c', weight: 2, opacity: 0.35, interactive: true
      });
      line.on('click', () => selectLink(id));
      line.addTo(layers.network);
    });
    for (const f of st.zones.features) {
      const layer = L.geoJSON(f, {
        renderer: svg,
        style: { color: '#424242', weight: 1, fillColor: '#e53935', fillOpacity: 0.15 }
      });
      const id = f.properties.id;
      // Leaflet puts string content in as HTML: give it an element holding text
      layer.bindTooltip(() => el('span', zoneText(id), 'zone-tip'));
      layer.addTo(layers.zones);
      S.zoneLayers.set(id, layer);
    }
    for (const s of st.shelters) {
      const m = L.circleMarker([s.lat, s.lon], {
        renderer: svg, radius: 9, color: '#1b5e20', weight: 2, fillColor: '#66bb6a',
        fillOpacity: 0.9, className: 'shelter-marker'
      });
      m.bindPopup(() => shelterPopup(s));
      m.addTo(layers.shelters);
      S.shelterMarkers.set(s.id, m);
    }
    const palette = ['#6a1b9a', '#00838f', '#ad1457', '#4e342e', '#283593'];
    const extColour = new Map();
    for (const p of st.places) {
      if (!extColour.has(p.extension)) extColour.set(p.extension, palette[extColour.size % palette.length]);
      const m = L.circleMarker([p.lat, p.lon], {
        renderer: svg, radius: 6, color: '#000', weight: 1, fillColor: extColour.get(p.extension),
        fillOpacity: 0.9, className: 'place-marker'
      });
      m.bindPopup(() => {
        const div = el('div');
        div.appendChild(el('strong', p.id));
        div.appendChild(el('div', p.extension, 'muted'));
        const snap = S.snapshot && S.snapshot.extensions ? S.snapshot.extensions[p.extension] : null;
        if (snap) div.appendChild(el('pre', JSON.stringify(snap, null, 1).slice(0, 600)));
        return div;
      });
      m.addTo(layers.places);
    }
    S.extColour = extColour;
    buildLayerControl();
    const legend = L.control({ position: 'bottomleft' });
    legend.onAdd = () => {
      const div = el('div', null, 'legend');
      S.legend = div;
      fillLegend();
      return div;
    };
    legend.addTo(map);
  }

  function fillLegend() {
    const div = S.legend;
    if (!div) return;
    div.replaceChildren();
    const row = (colour, label, dash) => {
      const r = el('div');
      const i = el('i');
      i.style.background = colour;
      if (dash) i.style.borderTop = '2px dashed #fff';
      r.appendChild(i);
      r.appendChild(document.createTextNode(label));
      div.appendChild(r);
    };
    row('#000', t('legend_closed_cmd'), true);
    row('#c62828', t('legend_closed_hz'));
    row('#f4511e', t('legend_congestion'));
  }

  function buildLayerControl() {
    if (control) control.remove();
    const overlays = {};
    overlays[t('layer_hazard')] = layers.hazard;
    overlays[t('layer_zones')] = layers.zones;
    overlays[t('layer_network')] = layers.network;
    overlays[t('layer_congestion')] = layers.congestion;
    overlays[t('layer_closed')] = layers.closed;
    overlays[t('layer_vehicles')] = layers.vehicles;
    if (S.setup.places.length) overlays[t('layer_places')] = layers.places;
    overlays[t('layer_shelters')] = layers.shelters;
    control = L.control.layers(null, overlays, { collapsed: true }).addTo(map);
    labelControls();
  }

  function zoneText(id) {
    const z = S.snapshot && S.snapshot.zones ? S.snapshot.zones[id] : null;
    if (!z) return id;
    return id + ': ' + z.arrived + ' / ' + z.evacuees + (z.ordered ? '' : ' (—)');
  }

  function shelterPopup(s) {
    const div = el('div', null, 'shelter-popup');
    div.appendChild(el('strong', lang === 'zh' && s.name_zh ? s.name_zh : s.name, 'shelter-name'));
    div.appendChild(el('div', s.id, 'muted'));
    const live = S.snapshot && S.snapshot.shelters ? S.snapshot.shelters[s.id] : null;
    if (live) {
      div.appendChild(el('div', t('occupancy') + ': ' + live.occupancy + ' / ' + live.capacity));
      div.appendChild(el('div', live.open ? t('open') : t('closed')));
    }
    return div;
  }

  function selectLink(id) {
    const input = S.activeLinks;
    if (!input) return;
    const parts = input.value.split(',').map((x) => x.trim()).filter((x) => x);
    if (!parts.includes(id)) parts.push(id);
    input.value = parts.join(', ');
  }

  // ------------------------------------------------------------------ drawing state
  function drawHazard() {
    const frames = S.setup.hazard;
    const now = S.clock ? S.clock.now_s : 0;
    const kinds = new Map();
    frames.forEach((f, i) => { if (f.time_s <= now) kinds.set(f.kind, i); });
    const key = Array.from(kinds.values()).join(',');
    if (key === S.hazardFrame) return;
    S.hazardFrame = key;
    layers.hazard.clearLayers();
    for (const i of kinds.values()) {
      L.geoJSON(frames[i].geojson, {
        renderer: svg, interactive: false,
        style: { color: '#1e88e5', weight: 1, fillColor: '#42a5f5', fillOpacity: 0.35, className: 'hazard-area' }
      }).addTo(layers.hazard);
    }
  }

  function drawCongestion() {
    layers.congestion.clearLayers();
    const links = S.snapshot.links || {};
    for (const [id, occ] of Object.entries(links)) {
      const i = S.linkIndex.get(id);
      if (i === undefined) continue;
      L.polyline(linkLatLngs(i), {
        renderer: canvas, color: congestionColour(occ), weight: 4, opacity: 0.9, interactive: false
      }).addTo(layers.congestion);
    }
  }

  function drawClosed() {
    const manual = new Set(S.snapshot.closed_manual || []);
    const all = S.snapshot.closed || [];
    const key = all.join('|') + '#' + Array.from(manual).join('|');
    S.closedManual = manual;
    if (key === S.closedKey) return;
    S.closedKey = key;
    layers.closed.clearLayers();
    for (const id of all) {
      const i = S.linkIndex.get(id);
      if (i === undefined) continue;
      const byCmd = manual.has(id);
      const line = L.polyline(linkLatLngs(i), byCmd
        ? { renderer: svg, color: '#000', weight: 6, opacity: 0.9, dashArray: '8 6', className: 'closed-link manual' }
        : { renderer: svg, color: '#c62828', weight: 3, opacity: 0.8, className: 'closed-link hazard' });
      line.bindTooltip(() => el('span', id, 'link-tip'));
      line.addTo(layers.closed);
      const path = line.getElement ? line.getElement() : null;
      if (path) path.setAttribute('data-link', id);
    }
  }

  function drawVehicles() {
    layers.vehicles.clearLayers();
    const v = S.snapshot.vehicles || { cars: [], fleet: [] };
    for (const c of v.cars) {
      L.circleMarker([c[1], c[0]], { renderer: canvas, radius: 2, stroke: false, fillColor: '#37474f', fillOpacity: 0.8, interactive: false }).addTo(layers.vehicles);
    }
    for (const c of v.fleet) {
      L.circleMarker([c[1], c[0]], { renderer: canvas, radius: 5, color: '#000', weight: 1, fillColor: (S.extColour && S.extColour.get(c[2])) || '#6a1b9a', fillOpacity: 1, interactive: false }).addTo(layers.vehicles);
    }
  }

  function drawZonesAndShelters() {
    const zones = S.snapshot.zones || {};
    for (const [id, layer] of S.zoneLayers) {
      const z = zones[id];
      if (!z) continue;
      const share = z.evacuees > 0 ? z.arrived / z.evacuees : 1;
      layer.setStyle({ fillColor: share >= 0.9 ? '#43a047' : share >= 0.5 ? '#fdd835' : '#e53935',
        fillOpacity: z.ordered ? 0.3 : 0.12, dashArray: z.ordered ? null : '4 4' });
    }
    const sh = S.snapshot.shelters || {};
    for (const [id, m] of S.shelterMarkers) {
      const s = sh[id];
      if (!s) continue;
      const full = s.capacity > 0 ? s.occupancy / s.capacity : 1;
      m.setStyle({ fillColor: !s.open ? '#9e9e9e' : full >= 1 ? '#c62828' : full >= 0.8 ? '#ff8f00' : '#66bb6a' });
    }
  }

  // ------------------------------------------------------------------ panels
  function renderClock() {
    const c = S.clock;
    if (!c) return;
    $('#clock-sim').textContent = hmm(c.now_s);
    $('#clock-wall').textContent = (S.wall || '') + ' · ×' + c.speed;
    const st = $('#clock-status');
    const state = c.ended ? 'ended' : c.running ? 'running' : 'paused';
    st.className = 'status ' + state;
    st.textContent = t(state);
    $('#btn-start').disabled = c.running || c.ended;
    $('#btn-pause').disabled = !c.running;
    $('#pause-on-inject').checked = c.pause_on_inject;
    const sp = $('#speed');
    if (document.activeElement !== sp) {
      if (!Array.from(sp.options).some((o) => o.value === String(c.speed))) {
        sp.appendChild(el('option', '×' + c.speed)).value = String(c.speed);
      }
      sp.value = String(c.speed);
    }
  }

  function fmtValue(key, v) {
    if (v === null || v === undefined) return '—';
    if (key === 'time_s') return hmm(v);
    if (key === 'share_arrived') return (100 * v).toFixed(1) + ' %';
    if (typeof v === 'number') {
      return Number.isInteger(v) ? v.toLocaleString('en-US') : v.toLocaleString('en-US', { maximumFractionDigits: 1 });
    }
    return String(v);
  }

  function renderKpis() {
    const body = $('#kpis tbody');
    body.replaceChildren();
    for (const [k, v] of Object.entries(S.kpis || {})) {
      const tr = el('tr');
      const label = L10N.en['k_' + k] !== undefined ? t('k_' + k) : k;
      tr.appendChild(el('td', label));
      tr.appendChild(el('td', fmtValue(k, v), 'v'));
      tr.dataset.kpi = k;
      body.appendChild(tr);
    }
  }

  function injectById(id) {
    return S.setup.injects.find((i) => i.id === id);
  }

  function renderInjects() {
    const list = $('#inject-list');
    list.replaceChildren();
    const status = new Map(S.injects.map((i) => [i.id, i]));
    if (!S.setup.injects.length) list.appendChild(el('li', t('no_script'), 'muted'));
    for (const inj of S.setup.injects) {
      const st = status.get(inj.id) || {};
      const li = el('li', null, st.fired_seq ? 'fired' : (st.due ? 'due' : ''));
      li.dataset.inject = inj.id;
      li.appendChild(el('span', hmm(inj.time_s) + ' ', 't'));
      li.appendChild(el('strong', pick(inj.title)));
      li.appendChild(document.createTextNode(' '));
      li.appendChild(el('span', st.fired_seq ? '(' + t('fired') + ')' : '', 'muted'));
      if (!st.fired_seq) {
        const b = el('button', t('fire_now'));
        b.type = 'button';
        b.className = 'fire';
        b.addEventListener('click', () => send('/api/fire', { inject_id: inj.id }));
        li.appendChild(document.createTextNode(' '));
        li.appendChild(b);
      }
      const desc = pick(inj.description);
      if (desc) li.appendChild(el('div', desc, 'muted'));
      if (inj.expected_action) li.appendChild(el('div', t('expected_action') + ': ' + pick(inj.expected_action), 'muted'));
      list.appendChild(li);
    }
  }

  function commandLabel(kind) {
    if (!kind) return t('informational');
    const spec = S.setup.commands[kind];
    return spec ? pick(spec.label) || kind : kind;
  }

  function describe(r) {
    if (r.type === 'clock') {
      const extra = r.kind === 'step' ? ' +' + r.args.minutes + ' min'
        : r.kind === 'run_to' ? ' → ' + hmm(r.args.time_s)
        : r.kind === 'speed' ? ' ×' + r.args.speed : '';
      return t('clock') + ': ' + r.kind + extra;
    }
    if (r.type === 'note') return t('s_' + r.title) + ': ' + r.rationale;
    let text = (r.type === 'inject' ? t('inject') : t('decision_t')) + ': ';
    if (r.inject_id) {
      const inj = injectById(r.inject_id);
      text += (inj ? pick(inj.title) : r.title) + ' — ';
    } else if (r.title) {
      text += r.title + ' — ';
    }
    text += commandLabel(r.kind);
    const args = Object.entries(r.args || {}).map(([k, v]) => k + '=' + (Array.isArray(v) ? v.join(',') : JSON.stringify(v)));
    if (args.length) text += ' (' + args.join('; ') + ')';
    if (r.rationale) text += ' — ' + r.rationale;
    if (r.actor) text += ' [' + r.actor + ']';
    return text;
  }

  function renderTimeline() {
    const list = $('#timeline');
    list.replaceChildren();
    for (const r of S.records.slice().reverse()) {
      const li = el('li', null, 'role-' + r.role + ' type-' + r.type);
      li.dataset.seq = r.seq;
      li.appendChild(el('span', hmm(r.sim_time_s) + ' ', 't'));
      li.appendChild(el('span', '[' + t(r.role) + '] ', 'r'));
      li.appendChild(el('span', describe(r)));
      list.appendChild(li);
    }
  }

  function showBanner(r) {
    const inj = r.inject_id ? injectById(r.inject_id) : null;
    $('#banner-title').textContent = inj ? pick(inj.title) : (r.title || commandLabel(r.kind));
    $('#banner-time').textContent = hmm(r.sim_time_s) + ' · ' + t(r.role);
    $('#banner-desc').textContent = inj ? pick(inj.description) : r.rationale;
    const exp = inj && inj.expected_action ? pick(inj.expected_action) : '';
    $('#banner-expected').textContent = exp;
    $('#banner .expected').hidden = !exp;
    $('#banner').hidden = false;
  }

  // ------------------------------------------------------------------ forms
  function fillKindSelect(select, withInformational) {
    select.replaceChildren();
    if (withInformational) select.appendChild(el('option', t('informational'))).value = '';
    for (const kind of Object.keys(S.setup.commands)) {
      const o = el('option', commandLabel(kind) + ' · ' + kind);
      o.value = kind;
      select.appendChild(o);
    }
  }

  function buildArgs(form) {
    const kind = form.querySelector('.kind-select').value;
    const box = form.querySelector('.args');
    box.replaceChildren();
    if (!kind) return;
    const spec = S.setup.commands[kind] || {};
    if (pick(spec.description)) box.appendChild(el('div', pick(spec.description), 'muted'));
    const args = spec.args;
    if (!args) {
      const lab = el('label');
      lab.appendChild(el('span', t('args_json')));
      const ta = el('textarea');
      ta.name = 'args_json';
      ta.rows = 3;
      ta.value = '{}';
      lab.appendChild(ta);
      box.appendChild(lab);
      return;
    }
    for (const [name, type] of Object.entries(args)) {
      const lab = el('label');
      // the argument's name is its id (plan files, JSON); Chinese adds the word before it
      const word = lang === 'zh' && L10N.zh['a_' + name] !== undefined ? t('a_' + name) + '：' : '';
      lab.appendChild(el('span', word + name));
      let input;
      if (type === 'shelter') {
        input = el('select');
        for (const s of S.setup.shelters) {
          const o = el('option', s.id + ' — ' + (lang === 'zh' && s.name_zh ? s.name_zh : s.name));
          o.value = s.id;
          input.appendChild(o);
        }
      } else if (type === 'json') {
        input = el('textarea');
        input.rows = 2;
      } else {
        input = el('input');
        input.type = type === 'number' || type === 'integer' ? 'number' : 'text';
        if (type === 'number') input.step = 'any';
        if (type === 'links') {
          input.placeholder = t('links_hint');
          input.addEventListener('focus', () => { S.activeLinks = input; });
          S.activeLinks = input;
        }
        if (type === 'zones') {
          input.placeholder = t('zones_hint');
          input.setAttribute('list', 'zone-ids');
        }
      }
      input.name = 'arg:' + name;
      input.dataset.type = type;
      lab.appendChild(input);
      box.appendChild(lab);
    }
  }

  function collectArgs(form) {
    const json = form.querySelector('[name="args_json"]');
    if (json) return JSON.parse(json.value || '{}');
    const out = {};
    for (const input of form.querySelectorAll('[name^="arg:"]')) {
      const name = input.name.slice(4);
      const type = input.dataset.type;
      const v = input.value.trim();
      if (v === '') continue;
      if (type === 'links' || type === 'zones') out[name] = v.split(',').map((x) => x.trim()).filter((x) => x);
      else if (type === 'number' || type === 'integer') out[name] = Number(v);
      else if (type === 'json') out[name] = JSON.parse(v);
      else out[name] = v;
    }
    return out;
  }

  async function send(path, body) {
    try {
      const res = await api(path, body);
      showError(null);
      await poll();
      return res;
    } catch (e) {
      showError(e.message);
      return null;
    }
  }

  function wireForms() {
    const injForm = $('#inject-form');
    const decForm = $('#decision-form');
    fillKindSelect(injForm.querySelector('.kind-select'), true);
    fillKindSelect(decForm.querySelector('.kind-select'), false);
    for (const f of [injForm, decForm]) {
      f.querySelector('.kind-select').addEventListener('change', () => buildArgs(f));
      buildArgs(f);
    }
    injForm.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      let args;
      try { args = collectArgs(injForm); } catch (e) { showError(e.message); return; }
      const res = await send('/api/inject', {
        kind: injForm.kind.value, args: args, title: injForm.title.value, rationale: injForm.rationale.value
      });
      if (res) { injForm.reset(); buildArgs(injForm); }
    });
    decForm.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      let args;
      try { args = collectArgs(decForm); } catch (e) { showError(e.message); return; }
      const res = await send('/api/decide', {
        kind: decForm.kind.value, args: args, rationale: decForm.rationale.value, actor: decForm.actor.value
      });
      if (res) { decForm.rationale.value = ''; buildArgs(decForm); }
    });
    const noteForm = $('#note-form');
    const sec = noteForm.section;
    sec.replaceChildren();
    for (const s of S.setup.note_sections) sec.appendChild(el('option', t('s_' + s))).value = s;
    noteForm.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const res = await send('/api/note', {
        text: noteForm.text.value, section: sec.value, role: noteForm.role.value, actor: noteForm.actor.value
      });
      if (res) noteForm.text.value = '';
    });
    const dl = el('datalist');
    dl.id = 'zone-ids';
    for (const z of S.setup.zone_ids) dl.appendChild(el('option')).value = z;
    document.body.appendChild(dl);

    $('#btn-start').addEventListener('click', () => send('/api/clock', { action: 'start' }));
    $('#btn-pause').addEventListener('click', () => send('/api/clock', { action: 'pause' }));
    for (const b of document.querySelectorAll('button.step')) {
      b.addEventListener('click', () => send('/api/clock', { action: 'step', minutes: Number(b.dataset.min) }));
    }
    $('#btn-run-to').addEventListener('click', () => {
      const s = parseTime($('#run-to').value);
      if (s === null) { showError('h:mm'); return; }
      send('/api/clock', { action: 'run_to', time_s: s });
    });
    $('#speed').addEventListener('change', (ev) => send('/api/clock', { action: 'speed', speed: Number(ev.target.value) }));
    $('#pause-on-inject').addEventListener('change', (ev) => send('/api/clock', { action: 'settings', pause_on_inject: ev.target.checked }));
    const branchForm = $('#branch-form');
    branchForm.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const at = parseTime(branchForm.at.value);
      if (at === null) { showError('h:mm'); return; }
      const res = await send('/api/branch', { at_s: at, rationale: branchForm.rationale.value });
      if (res) window.location.reload();
    });
    $('#banner-close').addEventListener('click', () => { $('#banner').hidden = true; });
    $('#lang').value = lang;
    $('#lang').addEventListener('change', (ev) => { lang = ev.target.value; relabel(); });
  }

  // Leaflet writes its controls' titles in English: put them in the page's language
  function labelControls() {
    const sel = { '.leaflet-control-zoom-in': 'zoom_in', '.leaflet-control-zoom-out': 'zoom_out',
                  '.leaflet-control-layers-toggle': 'layers',
                  ".leaflet-control-attribution a[href*='leafletjs']": 'leaflet' };
    for (const [css, key] of Object.entries(sel)) {
      for (const e of document.querySelectorAll(css)) {
        for (const a of ['title', 'aria-label']) if (e.hasAttribute(a)) e.setAttribute(a, t(key));
      }
    }
  }

  function relabel() {
    document.documentElement.lang = lang === 'zh' ? 'zh-Hans' : 'en';
    for (const e of document.querySelectorAll('[data-l]')) e.textContent = t(e.dataset.l);
    const m = S.setup.meta;
    $('#title').textContent = pick(m.title);
    $('#subtitle').textContent = pick(m.plan_title) + ' · ' + t('seed') + ' ' + m.seed + ' · ' + m.session;
    for (const e of document.querySelectorAll('input[placeholder="h:mm"], input[data-hmm]')) {
      e.dataset.hmm = '1'; e.placeholder = t('hmm');
    }
    labelControls();
    const q = (lang === 'zh' ? '?lang=zh' : '');
    $('#report-html').href = '/report' + q;
    $('#report-pdf').href = '/report.pdf' + q;
    for (const f of [$('#inject-form'), $('#decision-form')]) {
      const sel = f.querySelector('.kind-select');
      const v = sel.value;
      fillKindSelect(sel, f.id === 'inject-form');
      sel.value = v;
      buildArgs(f);
    }
    const sec = $('#note-form').section;
    for (const o of sec.options) o.textContent = t('s_' + o.value);
    buildLayerControl();
    fillLegend();
    renderAll();
  }

  function renderAll() {
    renderClock();
    renderKpis();
    renderInjects();
    renderTimeline();
  }

  // ------------------------------------------------------------------ polling
  async function poll() {
    if (S.busy) return;
    S.busy = true;
    try {
      const st = await api('/api/state?since=' + S.since);
      const fresh = st.records || [];
      S.clock = st.clock;
      S.wall = st.wall;
      S.kpis = st.kpis;
      S.injects = st.injects;
      S.snapshot = st.snapshot;
      if (st.session !== S.setup.meta.session) {  // the server switched to a branch
        window.location.reload();
        return;
      }
      S.since = st.clock.last_seq;
      for (const r of fresh) {
        S.records.push(r);
        if (r.type === 'inject' && S.ready) showBanner(r);
      }
      drawHazard();
      drawCongestion();
      drawClosed();
      drawVehicles();
      drawZonesAndShelters();
      renderAll();
      S.ready = true;
      window.drillConsole.ready = true;
    } catch (e) {
      showError(e.message);
    } finally {
      S.busy = false;
    }
  }

  function schedule() {
    const delay = S.clock && S.clock.running ? 500 : 1500;
    S.polling = setTimeout(async () => { await poll(); schedule(); }, delay);
  }

  async function main() {
    try {
      S.setup = await api('/api/setup');
    } catch (e) {
      showError(e.message);
      return;
    }
    buildMap();
    wireForms();
    relabel();
    await poll();
    schedule();
  }

  main();
}());
