// ---- charts: small SVG charts, no library ---------------------------------------------------
//
// stepChart: a charging schedule (periods of a limit, from their startPeriod on).
// lineChart: values over time (a transaction's energy or power).
// Both return an <svg> element (or a note when there is nothing to draw); every label is text
// set with textContent.

const SVG_NS = "http://www.w3.org/2000/svg";

function svg(tag, attrs, text) {
  const e = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
}

// A "nice" step for an axis from 0 to `max` in about `count` steps.
function niceStep(max, count) {
  if (!(max > 0)) return 1;
  const raw = max / count;
  const mag = Math.pow(10, Math.floor(Math.log10(raw)));
  for (const m of [1, 2, 2.5, 5, 10]) if (raw <= m * mag) return m * mag;
  return 10 * mag;
}

// A step for a time axis of `seconds`, in about `count` steps, that reads as a clock does.
function timeStep(seconds, count) {
  const raw = seconds / count;
  for (const s of [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400]) {
    if (raw <= s) return s;
  }
  return niceStep(seconds, count);
}

function fmtNum(v) {
  return Math.abs(v) >= 100 ? String(Math.round(v)) : String(Math.round(v * 100) / 100);
}

// Seconds as a short duration: 90 -> "1:30", 3600 -> "1h", 5400 -> "1h30".
function fmtSeconds(s) {
  if (s >= 3600) {
    const h = Math.floor(s / 3600), m = Math.round((s % 3600) / 60);
    return h + "h" + (m ? String(m).padStart(2, "0") : "");
  }
  if (s >= 60) return Math.floor(s / 60) + ":" + String(Math.round(s % 60)).padStart(2, "0");
  return Math.round(s) + "s";
}

function fmtClock(ms) {
  const d = new Date(ms);
  return d.toLocaleTimeString("en-GB", { hour12: false, hour: "2-digit", minute: "2-digit", second: "2-digit" });
}

// The frame of a chart: axes, grid and labels; returns {root, x(v), y(v), plot}.
function chartFrame(opts) {
  const W = opts.width || 520, H = opts.height || 180;
  const L = 52, R = 16, T = 18, B = 30;
  const root = svg("svg", { viewBox: `0 0 ${W} ${H}`, class: "chart", role: "img",
    "aria-label": opts.label || "chart", preserveAspectRatio: "xMidYMid meet" });
  const x0 = opts.xMin, x1 = opts.xMax > opts.xMin ? opts.xMax : opts.xMin + 1;
  const yMax = opts.yMax > 0 ? opts.yMax : 1;
  const x = (v) => L + ((v - x0) / (x1 - x0)) * (W - L - R);
  const y = (v) => H - B - (v / yMax) * (H - T - B);
  const grid = svg("g", { class: "grid" });
  const yStep = niceStep(yMax, 4);
  for (let v = 0; v <= yMax + 1e-9; v += yStep) {
    grid.append(svg("line", { x1: L, x2: W - R, y1: y(v), y2: y(v) }));
    grid.append(svg("text", { x: L - 6, y: y(v) + 4, "text-anchor": "end" }, fmtNum(v)));
  }
  const xs = opts.xTicks || [];
  for (const t of xs) {
    grid.append(svg("line", { x1: x(t), x2: x(t), y1: T, y2: H - B, class: "v" }));
    // The last label ends at the axis' end rather than past it.
    const anchor = x(t) > W - R - 24 ? "end" : "middle";
    grid.append(svg("text", { x: Math.min(x(t), W - 2), y: H - B + 16, "text-anchor": anchor }, opts.xLabel(t)));
  }
  root.append(grid);
  root.append(svg("text", { x: L + 4, y: 11, class: "unit" }, opts.unit || ""));
  root.append(svg("line", { x1: L, x2: W - R, y1: H - B, y2: H - B, class: "axis" }));
  root.append(svg("line", { x1: L, x2: L, y1: T, y2: H - B, class: "axis" }));
  return { root, x, y };
}

// Periods [{startPeriod, limit, numberPhases?}] as a step chart over `duration` seconds (or a
// little past the last period's start). `unit`: "A" or "W".
function stepChart(periods, duration, unit, label) {
  const list = (periods || []).filter((p) => Number.isFinite(p.startPeriod) && Number.isFinite(p.limit))
    .slice().sort((a, b) => a.startPeriod - b.startPeriod);
  if (list.length === 0) return el("p", "muted", "No period to draw.");
  const lastStart = list[list.length - 1].startPeriod;
  const end = Number.isFinite(duration) && duration > 0 ? duration
    : Math.max(lastStart + Math.max(lastStart * 0.25, 600), 600);
  const yMax = Math.max(...list.map((p) => p.limit)) * 1.15 || 1;
  const step = timeStep(end, 6);
  const ticks = [];
  for (let t = 0; t <= end + 1e-9; t += step) ticks.push(t);
  const { root, x, y } = chartFrame({ xMin: 0, xMax: end, yMax, unit, xTicks: ticks,
    xLabel: fmtSeconds, label: label || "charging schedule" });
  let d = "";
  list.forEach((p, i) => {
    if (p.startPeriod > end) return;
    const until = Math.min(i + 1 < list.length ? list[i + 1].startPeriod : end, end);
    d += (i === 0 ? "M" : "L") + x(p.startPeriod) + "," + y(p.limit) + " L" + x(until) + "," + y(p.limit) + " ";
    const mid = svg("text", { x: (x(p.startPeriod) + x(until)) / 2, y: y(p.limit) - 5,
      "text-anchor": "middle", class: "value" },
      fmtNum(p.limit) + " " + unit + (p.numberPhases ? " ×" + p.numberPhases : ""));
    root.append(mid);
  });
  root.append(svg("path", { d, class: "line step" }));
  if (!(Number.isFinite(duration) && duration > 0)) {
    root.append(svg("text", { x: x(end) - 2, y: 24, "text-anchor": "end", class: "note" }, "no duration: the last limit holds"));
  }
  return root;
}

// Series [{name, points: [[ms, value], ...]}] of one unit over time.
function lineChart(series, unit, label) {
  const all = series.flatMap((s) => s.points);
  if (all.length === 0) return el("p", "muted", "No " + (label || "value") + " sampled.");
  const xMin = Math.min(...all.map((p) => p[0])), xMax = Math.max(...all.map((p) => p[0]));
  const yMax = Math.max(...all.map((p) => p[1])) * 1.15 || 1;
  const span = Math.max(xMax - xMin, 1000);
  const step = timeStep(span / 1000, 5) * 1000;
  const ticks = [];
  // On the clock's round values (every full minute, ...), from the first after the start.
  for (let t = Math.ceil(xMin / step) * step; t <= xMin + span + 1; t += step) ticks.push(t);
  const { root, x, y } = chartFrame({ xMin, xMax: xMin + span, yMax, unit, xTicks: ticks,
    xLabel: fmtClock, label: label || "chart" });
  series.forEach((s, i) => {
    const pts = s.points.slice().sort((a, b) => a[0] - b[0]);
    const d = pts.map((p, j) => (j ? "L" : "M") + x(p[0]) + "," + y(p[1])).join(" ");
    root.append(svg("path", { d, class: "line s" + i }));
    for (const p of pts.length <= 60 ? pts : []) root.append(svg("circle", { cx: x(p[0]), cy: y(p[1]), r: 2.5, class: "dot s" + i }));
  });
  return root;
}

// The energy (kWh) and power (kW) series of a transaction's meter values; energy includes
// meterStart at the start and meterStop at the stop.
function meterSeries(t) {
  const energy = [], power = [];
  const started = Date.parse(t.started);
  if (Number.isFinite(started)) energy.push([started, t.meter_start / 1000]);
  for (const mv of t.meter_values || []) {
    const at = Date.parse(mv.timestamp);
    if (!Number.isFinite(at)) continue;
    for (const s of mv.sampledValue || []) {
      if (s.phase) continue;
      const v = Number(s.value);
      if (!Number.isFinite(v)) continue;
      const measurand = s.measurand || "Energy.Active.Import.Register";
      if (measurand === "Energy.Active.Import.Register") {
        energy.push([at, s.unit === "kWh" ? v : v / 1000]);
      } else if (measurand === "Power.Active.Import") {
        power.push([at, s.unit === "kW" ? v : v / 1000]);
      }
    }
  }
  const stopped = Date.parse(t.stopped);
  if (t.meter_stop !== null && t.meter_stop !== undefined && Number.isFinite(stopped)) {
    energy.push([stopped, t.meter_stop / 1000]);
  }
  energy.sort((a, b) => a[0] - b[0]);
  // Without sampled power (MeterValuesSampledData without Power.Active.Import), the average
  // power between two energy readings, drawn at the second.
  let derived = false;
  if (power.length === 0) {
    for (let i = 1; i < energy.length; i++) {
      const hours = (energy[i][0] - energy[i - 1][0]) / 3600000;
      if (hours > 0) power.push([energy[i][0], Math.max(0, (energy[i][1] - energy[i - 1][1]) / hours)]);
    }
    derived = power.length > 0;
  }
  return { energy, power, derived };
}
