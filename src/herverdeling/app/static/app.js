// The explorer page: read the two settings forms, ask the server, show what it rendered.
// No framework: the server renders the HTML fragments; this file only moves data around.
"use strict";

const DATA = JSON.parse(document.getElementById("page-data").textContent);
const SIDES = ["a", "b"];
const $ = (sel, root = document) => root.querySelector(sel);
const $$ = (sel, root = document) => Array.from(root.querySelectorAll(sel));

let seq = 0;        // number of the latest request; older answers are dropped
let timer = null;

function province() { return $("#province").value; }
function category() { return $("#category").value; }

function buildHosts(side) {
  const form = $(`#form-${side}`);
  const list = $(".host-list", form);
  list.innerHTML = "";
  for (const m of DATA.municipalities.filter((m) => m.province === province())) {
    const label = document.createElement("label");
    const box = document.createElement("input");
    box.type = "checkbox";
    box.name = "host";
    box.value = m.code;
    box.checked = m.may_host;
    box.dataset.scenario = m.may_host ? "1" : "0";
    label.append(box, " " + m.name);
    label.dataset.code = m.code;
    list.append(label);
  }
  countHosts(side);
}

function countHosts(side) {
  const boxes = $$(`#form-${side} input[name=host]`);
  const on = boxes.filter((b) => b.checked).length;
  $(`#form-${side} .count`).textContent = `(${on} van ${boxes.length})`;
}

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
  return {
    province: province(),
    category: category(),
    policy: form.elements.policy.value,
    norms,
    not_hosting: $$("input[name=host]", form).filter((b) => !b.checked).map((b) => b.value),
  };
}

function setStatus(text) { $("#status").textContent = text; }

function schedule() {
  clearTimeout(timer);
  timer = setTimeout(refresh, 250);
}

function showSide(side, answer) {
  const err = $(`#error-${side}`);
  const col = $(`#col-${side}`);
  if (!answer.ok) {
    err.textContent = answer.error;
    err.hidden = false;
    col.dataset.state = "error";
    return;
  }
  err.hidden = true;
  err.textContent = "";
  $(`#result-${side}`).innerHTML = answer.html;
  $(`#detail-${side}`).innerHTML = answer.detail;
  const map = $(`#map-${side}`);
  map.dataset.hosts = answer.hosts.join(",");
  Plotly.react(map, answer.figure.data, answer.figure.layout, answer.figure.config)
    .then(() => highlight(side));
  col.dataset.state = "ready";
}

async function refresh() {
  const mine = ++seq;
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
  countHosts("b");
  schedule();
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
  label.append("Zoek gemeente ", input);
  box.append(label, list, found);
  map.before(box);
  input.addEventListener("input", () => highlight(side));
  fillSearch(side);
}

function fillSearch(side) {
  const list = $(`#names-${side}`);
  list.innerHTML = "";
  for (const m of DATA.municipalities.filter((m) => m.province === province())) {
    const opt = document.createElement("option");
    opt.value = m.name;
    list.append(opt);
  }
}

function findMunicipality(text) {
  const q = text.trim().toLowerCase();
  if (!q) return null;
  const here = DATA.municipalities.filter((m) => m.province === province());
  const exact = here.find((m) => m.name.toLowerCase() === q || m.code.toLowerCase() === q);
  if (exact) return exact;
  const starts = here.filter((m) => m.name.toLowerCase().startsWith(q));
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

// ---- wiring ------------------------------------------------------------------------------
function init() {
  // no inline onsubmit (the CSP allows no inline script): a settings form never submits
  document.querySelectorAll("form.settings").forEach(f => f.addEventListener("submit", e => e.preventDefault()));
  for (const side of SIDES) {
    buildHosts(side);
    buildSearch(side);
    const form = $(`#form-${side}`);
    form.addEventListener("input", (ev) => {
      if (ev.target.name === "host") countHosts(side);
      schedule();
    });
    form.addEventListener("change", schedule);
    $(".all-hosts", form).addEventListener("click", () => {
      $$("input[name=host]", form).forEach((b) => { b.checked = true; });
      countHosts(side);
      schedule();
    });
    $(".scenario-hosts", form).addEventListener("click", () => {
      $$("input[name=host]", form).forEach((b) => { b.checked = b.dataset.scenario === "1"; });
      countHosts(side);
      schedule();
    });
    $(`#downloads-${side} .make-files`).addEventListener("click", () => makeFiles(side));
  }
  $("#province").addEventListener("change", () => {
    SIDES.forEach(buildHosts);
    SIDES.forEach(fillSearch);
    SIDES.forEach((s) => { $(`#downloads-${s} .download-links`).hidden = true; });
    schedule();
  });
  $("#category").addEventListener("change", schedule);
  $("#copy-a-b").addEventListener("click", copyAtoB);
  refresh();
}

init();
