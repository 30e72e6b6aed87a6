// Glue between the server's data and the vendored libraries: cytoscape.js draws the chips
// (laid out on the server by rustworkx), uPlot draws the plots. No drawing of our own here.
"use strict";

const qstation = (window.qstation = { chips: {}, plots: [] });
const LOW = "#d7301f";   // worst value on this chip
const HIGH = "#1a9850";  // best value on this chip

function chipStyle(metric, range, better) {
  const [lo, hi] = range || [0, 1];
  const [from, to] = better ? [LOW, HIGH] : [HIGH, LOW];
  const scale = `mapData(${metric}, ${lo}, ${hi}, ${from}, ${to})`;
  const style = [
    { selector: "node", style: { label: "data(id)", "font-size": 9, "text-valign": "center",
      color: "#fff", "text-outline-width": 1, "text-outline-color": "#333",
      "background-color": "#9aa3ad", width: 26, height: 26 } },
    { selector: "node[kind = 'resonator']", style: { shape: "round-rectangle", width: 46,
      "background-color": "#6c5a99" } },
    { selector: "edge", style: { width: 4, "line-color": "#c3c9cf", "curve-style": "straight" } },
    { selector: ":selected", style: { "border-width": 3, "border-color": "#000" } },
  ];
  if (metric === "cz_fidelity") {
    style.push({ selector: "edge[cz_fidelity]", style: { "line-color": scale, width: 6 } });
  } else {
    style.push({ selector: `node[${metric}]`, style: { "background-color": scale } });
  }
  return style;
}

function describe(el, metrics) {
  const d = el.data();
  const parts = metrics.filter(([k]) => d[k] !== undefined).map(([k, label, unit]) =>
    `${label} ${d[k]} ${unit}`);
  const name = el.isEdge() ? `${d.source}–${d.target}` : d.id;
  return parts.length ? `${name}: ${parts.join(", ")}` : name;
}

function drawChip(box) {
  const chip = JSON.parse(box.querySelector("script[type='application/json']").textContent);
  const metrics = JSON.parse(document.getElementById("metric-list").textContent);
  const info = box.querySelector(".hover");
  const canvas = box.querySelector(".chip");
  const first = metrics.find(([k]) => k === document.getElementById("metric").value);
  const cy = cytoscape({
    container: canvas, elements: chip.elements,
    layout: { name: "preset", fit: true, padding: 14 },  // laid out by the server
    style: chipStyle(first[0], chip.ranges[first[0]], first[3]),
    maxZoom: 1.6, userZoomingEnabled: false, boxSelectionEnabled: false, autoungrabify: true,
  });
  cy.on("mouseover tap", "node, edge", (ev) => { info.textContent = describe(ev.target, metrics); });
  cy.on("mouseout", "node, edge", () => { info.textContent = info.dataset.idle; });
  const show = (metric) => {
    const m = metrics.find(([k]) => k === metric);
    cy.style(chipStyle(metric, chip.ranges[metric], m[3]));
    box.dataset.metric = metric;
  };
  qstation.chips[box.dataset.qc] = { cy, show };
  box.dataset.metric = first[0];
  return show;
}

function initChips() {
  const picker = document.getElementById("metric");
  const shows = [...document.querySelectorAll(".chip-box")].map(drawChip);
  picker.addEventListener("change", () => shows.forEach((show) => show(picker.value)));
}

function lineChart(target, title, times, series, unit) {
  const names = Object.keys(series);
  const opts = {
    title, width: target.clientWidth || 600, height: 220,
    series: [{}, ...names.map((n, i) => ({ label: n, stroke: `hsl(${(i * 137) % 360} 60% 45%)`,
      points: { show: true } }))],
    axes: [{}, { label: unit }],
  };
  qstation.plots.push(new uPlot(opts, [times, ...names.map((n) => series[n])], target));
}

function initHistory() {
  const el = document.getElementById("history-data");
  if (!el) return;
  const hist = JSON.parse(el.textContent);
  const metrics = JSON.parse(document.getElementById("metric-list").textContent);
  const box = document.getElementById("history");
  for (const [key, label, unit] of metrics) {
    if (!hist.series[key]) continue;
    const div = document.createElement("div");
    box.appendChild(div);
    lineChart(div, `${label} per qubit`, hist.times, hist.series[key], unit);
  }
}

function initHistograms() {
  for (const el of document.querySelectorAll(".histogram")) {
    const h = JSON.parse(el.querySelector("script").textContent);
    const xs = h.labels.map((_, i) => i);
    const opts = {
      width: Math.min(el.clientWidth || 600, 900), height: 240, legend: { show: false },
      scales: { x: { time: false, range: [-0.5, Math.max(xs.length - 0.5, 0.5)] } },
      series: [{}, { label: "counts", fill: "#4c78a8", stroke: "#4c78a8",
        paths: uPlot.paths.bars({ size: [0.8, 60] }), points: { show: false } }],
      axes: [{ values: (u, ticks) => ticks.map((t) => h.labels[t] ?? ""), rotate: -45,
        size: 60, space: 14, incrs: [1] }, { label: "counts" }],
    };
    qstation.plots.push(new uPlot(opts, [xs, h.values], el.querySelector(".plot")));
  }
}

document.addEventListener("DOMContentLoaded", () => {
  if (document.querySelector(".chip-box")) initChips();
  initHistory();
  initHistograms();
  qstation.readyAt = performance.now();  // time to usable, measured by the browser tests
  document.body.dataset.ready = "true";
});
