// The explorer page: read the two settings forms, ask the server, show what it rendered.
// No framework: the server renders the HTML fragments; this file only moves data around.
// The settings live in the page's address (?s=...), so a reload or a shared link restores them;
// they can be saved to and opened from a small .json file, and every change can be undone.
"use strict";

const DATA = JSON.parse(document.getElementById("page-data").textContent);
const SIDES = ["a", "b"];
const FILE_FORMAT = "herverdeling-verkenner";
const $ = (sel, root = document) => root.querySelector(sel);
const $$ = (sel, root = document) => Array.from(root.querySelectorAll(sel));

// the map toolbar in Dutch: plotly.js looks its button titles up in a registered locale
Plotly.register({moduleType: "locale", name: "nl", dictionary: {
  "Zoom in": "Inzoomen", "Zoom out": "Uitzoomen", "Reset": "Beginweergave", "Reset view": "Beginweergave",
  "Pan": "Verschuiven", "Zoom": "Zoomen", "Box Select": "Rechthoek selecteren", "Lasso Select": "Lasso",
  "Download plot as a png": "Kaart opslaan als PNG", "Download plot as a PNG": "Kaart opslaan als PNG", "Download plot": "Kaart opslaan",
  "Produced with Plotly.js": "Gemaakt met Plotly.js", "Autoscale": "Automatisch schalen",
  "Reset axes": "Assen herstellen", "Toggle Spike Lines": "Hulplijnen aan/uit",
  "Show closest data on hover": "Dichtstbijzijnde gegevens tonen", "Compare data on hover": "Gegevens vergelijken",
  "Toggle show closest data on hover": "Gegevens bij de muis aan/uit",
  "Double-click to zoom back out": "Dubbelklik om uit te zoomen",
  "Taking snapshot - this may take a few seconds": "Afbeelding maken, even geduld",
  "Snapshot succeeded": "Afbeelding gemaakt", "Error": "Fout",
}, format: {decimal: ",", thousands: "."}});

let seq = 0;        // number of the latest request; older answers are dropped
let timer = null;
const pins = {a: {}, b: {}};     // pinned relief wishes per side: CBS code -> wanted/refused/any
const points = {a: null, b: null}; // the frontier point per side (null: the policy's flow)
const partners = {a: {}, b: {}}; // partner wishes per side that differ from the scenario: "SINK-SOURCE" -> wish
const undoStack = [];            // earlier states (JSON), newest last
let shownState = null;           // the state of the last refresh (JSON)
let restoring = false;           // an undo or a load: do not push the state it replaces twice
const last = {a: null, b: null}; // the last good answer per side (for the print page)

function province() { return $("#province").value; }
function category() { return $("#category").value; }
function here() { return DATA.municipalities.filter((m) => m.province === province()); }

// ---- the host list ------------------------------------------------------------------------
function buildHosts(side) {
  const form = $(`#form-${side}`);
  const list = $(".host-list", form);
  list.innerHTML = "";
  for (const m of here()) {
    const label = document.createElement("label");
    const box = document.createElement("input");
    box.type = "checkbox";
    box.name = "host";
    box.value = m.code;
    box.checked = m.may_host;
    box.dataset.scenario = m.may_host ? "1" : "0";
    label.append(box, " " + m.name);
    label.dataset.code = m.code;
    label.dataset.name = m.name.toLowerCase();
    list.append(label);
  }
  $(".host-search", form).value = "";
  countHosts(side);
}

function countHosts(side) {
  const boxes = $$(`#form-${side} input[name=host]`);
  const on = boxes.filter((b) => b.checked).length;
  $(`#form-${side} .count`).textContent = `(${on} van ${boxes.length})`;
}

function filterHosts(side) {
  const q = $(`#form-${side} .host-search`).value.trim().toLowerCase();
  for (const label of $$(`#form-${side} .host-list label`)) {
    label.hidden = Boolean(q) && !label.dataset.name.includes(q) && !label.dataset.code.toLowerCase().includes(q);
  }
}

function setHost(side, code, on) {
  const box = $(`#form-${side} input[name=host][value="${code}"]`);
  if (box) box.checked = on;
  countHosts(side);
}

// ---- partner provinces: a wish per pair (sink, plusprovincie) that involves this province -----
function provinceName(code) {
  const p = DATA.provinces.find((x) => x.code === code);
  return p ? p.name : code;
}

function partnerPairs() {
  const here = province();
  const pairs = [];
  if (DATA.sinks.includes(here)) for (const p of DATA.plus) pairs.push([here, p]);
  if (DATA.plus.includes(here)) for (const q of DATA.sinks) pairs.push([q, here]);
  return pairs;
}

function buildPartners(side) {
  const form = $(`#form-${side}`);
  const list = $(".partner-list", form);
  list.innerHTML = "";
  const pairs = partnerPairs();
  for (const [sink, source] of pairs) {
    const key = `${sink}-${source}`;
    const label = document.createElement("label");
    const select = document.createElement("select");
    select.name = "partner";
    select.dataset.pair = key;
    for (const w of ["preferred", "allowed", "refused"]) select.append(new Option(DATA.partner_nl[w], w));
    select.value = partners[side][key] || DATA.partners[key] || "allowed";
    select.addEventListener("change", () => {
      if (select.value === (DATA.partners[key] || "allowed")) delete partners[side][key];
      else partners[side][key] = select.value;
      countPartners(side);
    });
    label.append(`${provinceName(source)} voor ${provinceName(sink)} `, select);
    list.append(label);
  }
  if (!pairs.length) list.innerHTML = '<p class="hint">Deze provincie heeft geen restopgave en is geen plusprovincie.</p>';
  countPartners(side);
}

function countPartners(side) {
  const n = Object.keys(partners[side]).length;
  $(`#form-${side} .partners .count`).textContent = n ? `(${n} gewijzigd)` : "";
}

// ---- reading and writing the settings -------------------------------------------------------
function readNumber(input) {
  // Empty or unreadable input goes to the server as null: it answers with a clear message.
  const v = input.value.trim();
  return v === "" || Number.isNaN(Number(v)) ? null : Number(v);
}

function settings(side) {
  const form = $(`#form-${side}`);
  const norms = {};
  for (const c of DATA.categories) {
    norms[c] = {
      min_size: readNumber(form.elements[`${c}-min_size`]),
      max_size: readNumber(form.elements[`${c}-max_size`]),
      max_distance_km: readNumber(form.elements[`${c}-max_distance_km`]),
    };
  }
  const codes = new Set(here().map((m) => m.code));
  const relief = {};
  for (const [code, wish] of Object.entries(pins[side])) if (codes.has(code)) relief[code] = wish;
  return {
    province: province(),
    category: category(),
    policy: form.elements.policy.value,
    norms,
    not_hosting: $$("input[name=host]", form).filter((b) => !b.checked).map((b) => b.value),
    relief,
    frontier_point: points[side],
    partners: {...partners[side]},
  };
}

function state() {
  return {province: province(), category: category(), a: sideState("a"), b: sideState("b")};
}

function sideState(side) {
  const s = settings(side);
  return {policy: s.policy, norms: s.norms, not_hosting: s.not_hosting, relief: s.relief,
    frontier_point: s.frontier_point, partners: s.partners};
}

function applyState(st) {
  // Unknown or missing parts keep the page's value: an old link or file still opens.
  if (st.province && DATA.provinces.some((p) => p.code === st.province)) $("#province").value = st.province;
  if (st.category && DATA.categories.includes(st.category)) $("#category").value = st.category;
  for (const side of SIDES) {
    buildHosts(side);
    fillSearch(side);
    const s = st[side] || {};
    const form = $(`#form-${side}`);
    if (s.policy && DATA.policies.some((p) => p.id === s.policy)) form.elements.policy.value = s.policy;
    for (const c of DATA.categories) {
      for (const k of ["min_size", "max_size", "max_distance_km"]) {
        const v = s.norms && s.norms[c] ? s.norms[c][k] : undefined;
        if (v !== undefined) form.elements[`${c}-${k}`].value = v === null ? "" : String(v);
      }
    }
    if (Array.isArray(s.not_hosting)) {
      const off = new Set(s.not_hosting);
      $$("input[name=host]", form).forEach((b) => { b.checked = !off.has(b.value); });
    }
    pins[side] = s.relief && typeof s.relief === "object" ? {...s.relief} : {};
    points[side] = Number.isInteger(s.frontier_point) && s.frontier_point >= 1 ? s.frontier_point : null;
    partners[side] = s.partners && typeof s.partners === "object" ? {...s.partners} : {};
    buildPartners(side);
    showChoice(side);
    countHosts(side);
  }
}

function readUrl() {
  const raw = new URLSearchParams(location.search).get("s");
  if (!raw) return null;
  try { return JSON.parse(raw); } catch (e) { return null; }
}

function writeUrl(st) {
  const url = `${location.pathname}?s=${encodeURIComponent(JSON.stringify(st))}${location.hash}`;
  history.replaceState(null, "", url);
}

// ---- talking to the server --------------------------------------------------------------------
function setStatus(text) { $("#status").textContent = text; }

function schedule() {
  clearTimeout(timer);
  timer = setTimeout(refresh, 250);
}

function summaryLine(side) {
  const s = settings(side);
  const policy = DATA.policies.find((p) => p.id === s.policy);
  const n = s.norms[s.category];
  const parts = [policy ? policy.label : s.policy,
    `${s.category === "amv" ? "AMV" : "regulier"} ${n.min_size}–${n.max_size}, ${n.max_distance_km} km`];
  if (s.not_hosting.length) parts.push(`${s.not_hosting.length} geen gastgemeente`);
  const pinned = Object.keys(s.relief).length;
  if (pinned) parts.push(`${pinned} voorkeur${pinned > 1 ? "en" : ""} ontlasting`);
  if (s.frontier_point) parts.push(`afweging ${s.frontier_point}`);
  const paired = Object.keys(s.partners).length;
  if (paired) parts.push(`${paired} partnerwens${paired > 1 ? "en" : ""}`);
  return parts.join(" · ");
}

function showSide(side, answer) {
  const err = $(`#error-${side}`);
  const col = $(`#col-${side}`);
  $(`#summary-${side}`).textContent = summaryLine(side);
  if (!answer.ok) {
    err.textContent = answer.error;
    err.hidden = false;
    col.dataset.state = "error";
    last[side] = null;
    return;
  }
  last[side] = answer;
  err.hidden = true;
  err.textContent = "";
  $(`#result-${side}`).innerHTML = answer.html;
  $(`#detail-${side}`).innerHTML = answer.detail;
  const table = $(`#table-${side}`);
  const keep = table.dataset.sort;  // the table keeps its sort and filter across refreshes
  const filter = $(".muni-filter", table) ? $(".muni-filter", table).value : "";
  table.innerHTML = answer.table;
  wireTable(side, keep, filter);
  const map = $(`#map-${side}`);
  map.dataset.hosts = answer.hosts.join(",");
  map.dataset.proposals = answer.proposal_ids.join(",");
  Plotly.react(map, answer.figure.data, answer.figure.layout, answer.figure.config)
    .then(() => { highlight(side); wireMap(side); });
  if (!$(`#register-${side}`).hidden) loadRegister(side);
  if (!$(`#monitor-${side}`).hidden) loadMonitor(side);
  col.dataset.state = "ready";
}

async function refresh() {
  const mine = ++seq;
  const st = state();
  const json = JSON.stringify(st);
  if (shownState !== null && json !== shownState && !restoring) undoStack.push(shownState);
  restoring = false;
  shownState = json;
  $("#undo").disabled = undoStack.length === 0;
  writeUrl(st);
  document.body.dataset.state = "loading";
  setStatus("bezig met rekenen…");
  const started = performance.now();
  try {
    const res = await fetch("/api/explore", {
      method: "POST",
      headers: {"Content-Type": "application/json"},
      body: JSON.stringify({a: settings("a"), b: settings("b")}),
    });
    const answer = await res.json();
    if (mine !== seq) return;  // a newer request is on its way
    if (!res.ok && !answer.a) throw new Error(answer.error || `HTTP ${res.status}`);
    for (const side of SIDES) showSide(side, answer[side]);
    $("#diff-body").innerHTML = answer.diff_html ||
      '<p class="hint">Geen vergelijking: los eerst de melding bij A of B op.</p>';
    setStatus(`klaar in ${((performance.now() - started) / 1000).toFixed(2)} s`);
    document.body.dataset.state = "ready";
  } catch (e) {
    if (mine !== seq) return;
    setStatus("de server gaf geen antwoord: " + e.message);
    document.body.dataset.state = "error";
  } finally {
    if (mine === seq) document.body.dataset.seq = String(mine);
  }
}

function copyAtoB() {
  const a = $("#form-a");
  const b = $("#form-b");
  for (const el of a.elements) {
    if (!el.name) continue;
    if (el.type === "checkbox") {
      const other = $(`input[name=host][value="${el.value}"]`, b);
      if (other) other.checked = el.checked;
    } else if (b.elements[el.name]) {
      b.elements[el.name].value = el.value;
    }
  }
  pins.b = {...pins.a};
  points.b = points.a;
  partners.b = {...partners.a};
  buildPartners("b");
  showChoice("b");
  countHosts("b");
  schedule();
}

function undo() {
  const previous = undoStack.pop();
  if (previous === undefined) return;
  restoring = true;
  applyState(JSON.parse(previous));
  shownState = null;  // the state undone is not pushed back
  refresh();
}

// ---- save, open, share ----------------------------------------------------------------------
function save() {
  const body = JSON.stringify({format: FILE_FORMAT, version: 1, scenario: DATA.scenario, settings: state()}, null, 2);
  const a = document.createElement("a");
  a.href = URL.createObjectURL(new Blob([body + "\n"], {type: "application/json"}));
  a.download = `verkenner-${province()}-${category()}.json`;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}

async function load(file) {
  let doc;
  try {
    doc = JSON.parse(await file.text());
  } catch (e) {
    setStatus(`${file.name}: geen geldig JSON-bestand (${e.message})`);
    return;
  }
  if (!doc || doc.format !== FILE_FORMAT || typeof doc.settings !== "object") {
    setStatus(`${file.name}: geen opgeslagen verkenner-instellingen (veld "format" is niet "${FILE_FORMAT}")`);
    return;
  }
  applyState(doc.settings);
  setStatus(doc.scenario && doc.scenario !== DATA.scenario
    ? `${file.name} geopend (opgeslagen bij scenario ${doc.scenario})` : `${file.name} geopend`);
  refresh();
}

async function copyLink() {
  try {
    await navigator.clipboard.writeText(location.href);
    setStatus("link gekopieerd: wie hem opent, ziet deze instellingen");
  } catch (e) {
    setStatus("kopieer het adres van deze pagina: daarin staan de instellingen");
  }
}

// ---- print: one A4 page with A and B ------------------------------------------------------------
function printPage() {
  fillPrint();
  window.print();
}

function fillPrint() {
  const box = $("#print-summary");
  box.innerHTML = "";
  const prov = DATA.provinces.find((p) => p.code === province());
  const head = document.createElement("p");
  head.textContent = `${prov ? prov.name : province()}, ${category() === "amv" ? "AMV" : "regulier"}`;
  box.append(head);
  const list = document.createElement("ul");
  for (const side of SIDES) {
    const li = document.createElement("li");
    li.textContent = `Optie ${side.toUpperCase()}: ${summaryLine(side)}`;
    list.append(li);
  }
  box.append(list);
  const open = $("#print-open");
  open.innerHTML = "<h3>Open punten</h3>";
  const grid = document.createElement("div");
  grid.className = "print-grid";
  for (const side of SIDES) {
    const cell = document.createElement("div");
    const title = document.createElement("b");
    title.textContent = `Optie ${side.toUpperCase()}`;
    cell.append(title);
    const ul = document.createElement("ul");
    for (const li of $$(`#result-${side} .check-errors li`)) {
      const item = document.createElement("li");
      item.className = "bad";
      item.textContent = "Toetsfout: " + li.textContent;
      ul.append(item);
    }
    for (const li of $$(`#detail-${side} .steps li`)) {
      const item = document.createElement("li");
      item.textContent = `${li.dataset.count}× ${li.firstChild.nextSibling.textContent.trim()} (${li.dataset.rule})`;
      ul.append(item);
    }
    if (!ul.children.length) ul.innerHTML = "<li>geen</li>";
    cell.append(ul);
    grid.append(cell);
  }
  open.append(grid);
}

// ---- tabs -----------------------------------------------------------------------------------
function showTab(side, name) {
  const col = $(`#col-${side}`);
  for (const b of $$(".tabs button", col)) b.setAttribute("aria-selected", String(b.dataset.tab === name));
  for (const t of $$(".tab", col)) t.hidden = t.dataset.tab !== name;
  if (name === "map") Plotly.Plots.resize($(`#map-${side}`));
  if (name === "register") loadRegister(side);
  if (name === "monitor") loadMonitor(side);
}

// ---- the municipality table: sort, filter, host and relief per municipality, Excel ------------
function wireTable(side, sort, filter) {
  const box = $(`#table-${side}`);
  const table = $("table.munis", box);
  if (!table) return;
  const input = $(".muni-filter", box);
  input.value = filter || "";
  input.addEventListener("input", () => filterTable(side));
  $$("th[data-sort]", table).forEach((th, i) => th.addEventListener("click", () => {
    const [col, dir] = (box.dataset.sort || "").split(":");
    sortTable(side, i, col === String(i) && dir === "asc" ? "desc" : "asc");
  }));
  $$(".muni-host", table).forEach((b) => b.addEventListener("change", () => {
    setHost(side, b.dataset.code, b.checked);
    schedule();
  }));
  $$(".muni-relief", table).forEach((s) => s.addEventListener("change", () => {
    pins[side][s.dataset.code] = s.value;
    schedule();
  }));
  $(".muni-xlsx", box).addEventListener("click", () => downloadTable(side));
  if (sort) {
    const [col, dir] = sort.split(":");
    sortTable(side, Number(col), dir);
  }
  filterTable(side);
}

function cellValue(td) {
  return td.dataset.v !== undefined ? td.dataset.v : td.textContent.trim();
}

function sortTable(side, col, dir) {
  const box = $(`#table-${side}`);
  const table = $("table.munis", box);
  const th = $$("th[data-sort]", table)[col];
  if (!th) return;
  const numeric = th.dataset.sort === "num";
  const rows = $$("tbody tr", table);
  const key = (tr) => {
    const v = cellValue(tr.children[col]);
    return numeric ? Number(v.replace(/\./g, "").replace(",", ".")) || 0 : v.toLowerCase();
  };
  rows.sort((x, y) => {
    const a = key(x);
    const b = key(y);
    const c = numeric ? a - b : a.localeCompare(b, "nl");
    return dir === "asc" ? c : -c;
  });
  const body = $("tbody", table);
  rows.forEach((r) => body.append(r));
  $$("th[data-sort]", table).forEach((h) => h.removeAttribute("aria-sort"));
  th.setAttribute("aria-sort", dir === "asc" ? "ascending" : "descending");
  box.dataset.sort = `${col}:${dir}`;
}

function filterTable(side) {
  const box = $(`#table-${side}`);
  const q = $(".muni-filter", box).value.trim().toLowerCase();
  for (const tr of $$("table.munis tbody tr", box)) {
    tr.hidden = Boolean(q) && !tr.children[0].textContent.toLowerCase().includes(q) &&
      !tr.dataset.code.toLowerCase().includes(q);
  }
}

async function downloadTable(side) {
  const box = $(`#table-${side}`);
  const codes = $$("table.munis tbody tr", box).filter((tr) => !tr.hidden).map((tr) => tr.dataset.code);
  const res = await fetch("/api/gemeenten.xlsx", {
    method: "POST",
    headers: {"Content-Type": "application/json"},
    body: JSON.stringify({settings: settings(side), codes}),
  });
  if (!res.ok) {
    const answer = await res.json();
    setStatus(answer.error);
    return;
  }
  const a = document.createElement("a");
  a.href = URL.createObjectURL(await res.blob());
  a.download = `gemeenten-${province()}-${category()}.xlsx`;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}

// ---- map search: find a municipality of the province and outline its shape ---------------
function buildSearch(side) {
  const map = $(`#map-${side}`);
  const box = document.createElement("div");
  box.className = "map-search";
  const label = document.createElement("label");
  const input = document.createElement("input");
  input.type = "search";
  input.id = `search-${side}`;
  input.placeholder = "naam of GM-code";
  input.setAttribute("list", `names-${side}`);
  const list = document.createElement("datalist");
  list.id = `names-${side}`;
  const found = document.createElement("span");
  found.className = "found";
  found.setAttribute("role", "status");
  const tip = document.createElement("span");
  tip.className = "hint";
  tip.textContent = "Klik op een gemeente: mag wel / geen gastgemeente zijn.";
  label.append("Zoek gemeente ", input);
  box.append(label, list, found, tip);
  map.before(box);
  input.addEventListener("input", () => highlight(side));
  fillSearch(side);
}

function fillSearch(side) {
  const list = $(`#names-${side}`);
  if (!list) return;
  list.innerHTML = "";
  for (const m of here()) {
    const opt = document.createElement("option");
    opt.value = m.name;
    list.append(opt);
  }
}

function findMunicipality(text) {
  const q = text.trim().toLowerCase();
  if (!q) return null;
  const exact = here().find((m) => m.name.toLowerCase() === q || m.code.toLowerCase() === q);
  if (exact) return exact;
  const starts = here().filter((m) => m.name.toLowerCase().startsWith(q));
  return starts.length === 1 ? starts[0] : null;
}

function highlight(side) {
  const map = $(`#map-${side}`);
  const input = $(`#search-${side}`);
  const found = $(`#search-${side}`).parentElement.parentElement.querySelector(".found");
  if (!map.data || !input) return;
  const m = findMunicipality(input.value);
  const traces = [];
  const widths = [];
  const colours = [];
  map.data.forEach((t, i) => {
    if (t.type !== "choropleth") return;
    traces.push(i);
    widths.push(t.locations.map((c) => (m && c === m.code ? 4 : 0.6)));
    colours.push(t.locations.map((c) => (m && c === m.code ? "#000000" : "#555555")));
  });
  map.dataset.highlight = m ? m.code : "";
  found.textContent = m ? `${m.name} (${m.code}) is omlijnd` :
    (input.value.trim() ? "geen gemeente van deze provincie gevonden" : "");
  if (traces.length) {
    Plotly.restyle(map, {"marker.line.width": widths, "marker.line.color": colours}, traces);
  }
}

function wireMap(side) {
  const map = $(`#map-${side}`);
  if (map.dataset.wired) return;
  map.dataset.wired = "1";
  map.on("plotly_click", (ev) => {
    const point = ev.points && ev.points.find((p) => p.data.type === "choropleth");
    if (!point) return;
    const code = point.location;
    const box = $(`#form-${side} input[name=host][value="${code}"]`);
    if (!box) return;
    const m = here().find((x) => x.code === code);
    setHost(side, code, !box.checked);
    setStatus(`${m ? m.name : code} mag ${box.checked ? "weer" : "geen"} gastgemeente zijn (optie ${side.toUpperCase()})`);
    schedule();
  });
}

// ---- downloads ---------------------------------------------------------------------------
async function makeFiles(side) {
  const box = $(`#downloads-${side}`);
  const status = $(".download-status", box);
  const links = $(".download-links", box);
  links.hidden = true;
  links.innerHTML = "";
  status.textContent = "bestanden worden gemaakt…";
  const res = await fetch("/api/downloads", {
    method: "POST",
    headers: {"Content-Type": "application/json"},
    body: JSON.stringify({settings: settings(side)}),
  });
  const answer = await res.json();
  if (!answer.ok) { status.textContent = answer.error; box.dataset.state = "error"; return; }
  box.dataset.state = "running";
  const prov = province();
  const poll = async () => {
    const r = await fetch(`/api/downloads/${answer.key}`);
    const s = await r.json();
    if (!s.ok) { status.textContent = s.error; box.dataset.state = "error"; return; }
    if (s.state === "done") {
      status.textContent = "klaar:";
      const files = [
        [`/downloads/${s.key}/overeenkomsten.zip?province=${prov}`, `overeenkomsten (${prov}, .docx, zip)`, "agreements-province"],
        [`/downloads/${s.key}/overeenkomsten.zip`, "alle overeenkomsten (.docx, zip)", "agreements-all"],
        [`/downloads/${s.key}/overzicht.xlsx`, "overzicht.xlsx", "xlsx"],
        [`/downloads/${s.key}/manifest.json`, "manifest.json", "manifest"],
      ];
      for (const [href, text, id] of files) {
        const li = document.createElement("li");
        const a = document.createElement("a");
        a.href = href;
        a.textContent = text;
        a.dataset.file = id;
        a.setAttribute("download", "");
        li.append(a);
        links.append(li);
      }
      links.hidden = false;
      box.dataset.state = "done";
      return;
    }
    if (s.state === "error") { status.textContent = s.error; box.dataset.state = "error"; return; }
    status.textContent = (s.state === "queued" ? "in de wachtrij" : "bezig") +
      (s.progress.length ? ": " + s.progress[s.progress.length - 1].trim() : "…");
    setTimeout(poll, 1000);
  };
  poll();
}

// ---- the IBT monitor: task, realised, shortfall, who is accountable, what the clauses do ------
async function loadMonitor(side) {
  const box = $(`#monitor-${side}`);
  const err = $(".monitor-error", box);
  box.dataset.state = "loading";
  const res = await fetch("/api/monitor", {
    method: "POST",
    headers: {"Content-Type": "application/json"},
    body: JSON.stringify({settings: settings(side)}),
  });
  const answer = await res.json();
  if (!answer.ok) { err.textContent = answer.error; err.hidden = false; box.dataset.state = "error"; return; }
  err.hidden = true;
  $(".monitor-body", box).innerHTML = answer.html;
  const map = $(".monitor-map", box);
  await Plotly.react(map, answer.figure.data, answer.figure.layout, answer.figure.config);
  box.dataset.state = "ready";
}

async function uploadRealisation(side, file) {
  const box = $(`#monitor-${side}`);
  const status = $(".monitor-status", box);
  const res = await fetch(`/api/monitor/realisatie?naam=${encodeURIComponent(file.name)}`, {
    method: "POST", headers: {"Content-Type": "application/octet-stream"}, body: await file.arrayBuffer(),
  });
  const answer = await res.json();
  if (!answer.ok) { status.textContent = answer.error; return; }
  status.textContent = `${answer.file}: ${answer.rows} cijfers geopend`;
  for (const s of SIDES) if (!$(`#monitor-${s}`).hidden) loadMonitor(s);
}

// ---- the agreement register: each proposal's state and dates, and the next step -------------
const DATES = [["signed_on", "ondertekend"], ["prt_informed_on", "PRT geïnformeerd"],
  ["ministry_informed_on", "ministerie geïnformeerd"], ["processed_on", "verwerkt"], ["withdrawn_on", "ingetrokken"]];

function cell(tr, text) {
  const td = document.createElement("td");
  td.textContent = text;
  tr.append(td);
  return td;
}

async function loadRegister(side) {
  const box = $(`#register-${side}`);
  const body = $(".register-body", box);
  const err = $(".register-error", box);
  box.dataset.state = "loading";
  const res = await fetch("/api/register");
  const answer = await res.json();
  body.innerHTML = "";
  if (!answer.ok) { err.textContent = answer.error; err.hidden = false; box.dataset.state = "error"; return; }
  const ids = new Set(last[side] ? last[side].proposal_ids : []);
  const rows = answer.rows.filter((r) => ids.has(r.agreement_id));
  if (!rows.length) {
    body.innerHTML = '<p class="hint">Geen overeenkomsten van deze voorstellen in het register: het register volgt de voorstellen van het scenario zelf (zonder eigen instellingen).</p>';
    box.dataset.state = "ready";
    return;
  }
  const table = document.createElement("table");
  table.className = "register-rows";
  table.innerHTML = "<thead><tr><th>overeenkomst</th><th>soort</th><th>status</th><th>data</th><th>volgende stap</th></tr></thead>";
  const tbody = document.createElement("tbody");
  const today = new Date().toISOString().slice(0, 10);
  for (const r of rows) {
    const tr = document.createElement("tr");
    tr.dataset.id = r.agreement_id;
    tr.dataset.state = r.entry.state;
    cell(tr, r.agreement_id);
    cell(tr, r.kind_nl);
    cell(tr, r.state_nl).className = "state";
    cell(tr, DATES.filter(([k]) => r.entry[k]).map(([k, label]) => `${label} ${r.entry[k]}`).join("; ") || "—");
    const td = cell(tr, "");
    if (r.next.length) {
      const form = document.createElement("form");
      form.className = "register-step";
      const step = document.createElement("select");
      step.name = "status";
      step.setAttribute("aria-label", "volgende stap");
      for (const n of r.next) step.append(new Option(n.label, n.id));
      const day = document.createElement("input");
      day.type = "date"; day.name = "datum"; day.value = today; day.required = true;
      day.setAttribute("aria-label", "datum");
      const amendment = document.createElement("input");
      amendment.name = "wijziging"; amendment.placeholder = "wijziging verdeelbesluit";
      amendment.hidden = step.value !== "processed";
      step.addEventListener("change", () => { amendment.hidden = step.value !== "processed"; });
      const go = document.createElement("button");
      go.type = "submit"; go.textContent = "Vastleggen";
      form.append(step, " op ", day, " ", amendment, " ", go);
      form.addEventListener("submit", (ev) => { ev.preventDefault(); setStep(side, r.agreement_id, form); });
      td.append(form);
    }
    tbody.append(tr);
  }
  table.append(tbody);
  body.append(table);
  box.dataset.state = "ready";
}

async function setStep(side, id, form) {
  const box = $(`#register-${side}`);
  const err = $(".register-error", box);
  const res = await fetch("/api/register", {
    method: "POST",
    headers: {"Content-Type": "application/json"},
    body: JSON.stringify({id, status: form.elements.status.value, datum: form.elements.datum.value,
      wijziging: form.elements.wijziging.value}),
  });
  const answer = await res.json();
  if (!answer.ok) { err.textContent = answer.error; err.hidden = false; box.dataset.state = "error"; return; }
  err.hidden = true;
  setStatus(`${id}: ${answer.state_nl} vastgelegd`);
  await refresh();  // the process findings follow the register (and the tab is read again)
}

// ---- the deal frontier: computed in the background, a click sets an option to a point ------
function showChoice(side) {
  const p = $(`#frontier-choice-${side}`);
  if (!p) return;
  p.hidden = points[side] === null;
  $("span", p).textContent = points[side] === null ? "" :
    `Surplus-uitruil van afweging ${points[side]} (dealmodel), niet van het verdeelbeleid.`;
}

function pickPoint(side, k) {
  points[side] = k;
  showChoice(side);
  setStatus(`optie ${side.toUpperCase()}: afweging ${k}`);
  schedule();
}

async function startFrontier() {
  const box = $("#frontier");
  const status = $("#frontier-status");
  status.textContent = "afwegingen worden berekend…";
  box.dataset.state = "running";
  const res = await fetch("/api/frontier", {
    method: "POST",
    headers: {"Content-Type": "application/json"},
    // the frontier of the chosen option's what-if (norms, hosts, wishes): its points are that
    // scenario's, so a click there costs one chain run, not another frontier
    body: JSON.stringify({settings: {...settings($("#frontier-side").value), frontier_point: null}}),
  });
  const answer = await res.json();
  if (!answer.ok) { status.textContent = answer.error; box.dataset.state = "error"; return; }
  const poll = async () => {
    const r = await fetch(`/api/frontier/${answer.key}`);
    const s = await r.json();
    if (!s.ok || s.state === "error") { status.textContent = s.error; box.dataset.state = "error"; return; }
    if (s.state === "done") {
      status.textContent = `${s.points.length} afweging${s.points.length === 1 ? "" : "en"}; klik op een punt`;
      const chart = $("#frontier-chart");
      await Plotly.react(chart, s.figure.data, s.figure.layout, s.figure.config);
      if (!chart.dataset.wired) {
        chart.dataset.wired = "1";
        chart.on("plotly_click", (ev) => {
          const pt = ev.points && ev.points[0];
          if (pt) pickPoint($("#frontier-side").value, Number(pt.customdata));
        });
      }
      chart.dataset.points = s.points.map((p) => p.point).join(",");
      box.dataset.state = "done";
      return;
    }
    status.textContent = (s.state === "queued" ? "in de wachtrij" : "bezig") +
      (s.progress.length ? ": " + s.progress[s.progress.length - 1].trim() : "…");
    setTimeout(poll, 1000);
  };
  poll();
}

// ---- wiring ------------------------------------------------------------------------------
function init() {
  // no inline onsubmit (the CSP allows no inline script): a settings form never submits
  document.querySelectorAll("form.settings").forEach(f => f.addEventListener("submit", e => e.preventDefault()));
  for (const side of SIDES) {
    buildHosts(side);
    buildPartners(side);
    buildSearch(side);
    const form = $(`#form-${side}`);
    form.addEventListener("input", (ev) => {
      if (ev.target.classList.contains("host-search")) { filterHosts(side); return; }
      if (ev.target.name === "host") countHosts(side);
      schedule();
    });
    form.addEventListener("change", (ev) => {
      if (!ev.target.classList.contains("host-search")) schedule();
    });
    const tick = (fn) => () => {
      $$("input[name=host]", form).filter((b) => !b.closest("label").hidden).forEach(fn);
      countHosts(side);
      schedule();
    };
    $(".all-hosts", form).addEventListener("click", tick((b) => { b.checked = true; }));
    $(".no-hosts", form).addEventListener("click", tick((b) => { b.checked = false; }));
    $(".scenario-hosts", form).addEventListener("click", tick((b) => { b.checked = b.dataset.scenario === "1"; }));
    $(`#downloads-${side} .make-files`).addEventListener("click", () => makeFiles(side));
    $(`#monitor-${side} .monitor-upload`).addEventListener("change", (ev) => {
      if (ev.target.files[0]) uploadRealisation(side, ev.target.files[0]);
      ev.target.value = "";
    });
    $(`#frontier-choice-${side} .frontier-clear`).addEventListener("click", () => {
      points[side] = null;
      showChoice(side);
      schedule();
    });
    for (const b of $$(`#col-${side} .tabs button`)) b.addEventListener("click", () => showTab(side, b.dataset.tab));
  }
  $("#province").addEventListener("change", () => {
    SIDES.forEach(buildHosts);
    SIDES.forEach(buildPartners);
    SIDES.forEach(fillSearch);
    SIDES.forEach((s) => { $(`#downloads-${s} .download-links`).hidden = true; pins[s] = {}; });
    schedule();
  });
  $("#category").addEventListener("change", schedule);
  $("#copy-a-b").addEventListener("click", copyAtoB);
  $("#frontier-start").addEventListener("click", startFrontier);
  $("#undo").addEventListener("click", undo);
  $("#save").addEventListener("click", save);
  $("#load").addEventListener("change", (ev) => { if (ev.target.files[0]) load(ev.target.files[0]); ev.target.value = ""; });
  $("#copy-link").addEventListener("click", copyLink);
  $("#print").addEventListener("click", printPage);
  window.addEventListener("beforeprint", fillPrint);  // Ctrl+P gets the same page as the button
  const fromUrl = readUrl();
  if (fromUrl) applyState(fromUrl);
  refresh();
}

init();
