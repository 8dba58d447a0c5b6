// The Models page (docs/models.md): the registry, and for a run a model's rolling IC and hit rate per
// symbol over time, overlaid with a second model or a second run, and its predictions against the log
// returns that came true as a scatter. Read from /v1/models, /v1/models/{name}/scores and
// /v1/models/{name}/predictions when asked; models are added with `tickreplay model add` or the API.

import { COLORS, alignSeries, axis, chartMessage, createChart, line, timeAxis, timeSeries } from './charts.js';
import { api, epochMs, fmtTs, h, query, setText, showError, syncRows } from './util.js';

const $ = (id) => document.getElementById(id);
const rows = new Map(); // model name -> {tr, cells}
let charts = [];

function createRow(name) {
  const cells = {};
  for (const key of ['name', 'type', 'version', 'interval', 'horizon', 'features', 'sha', 'created']) cells[key] = h('td', { class: `model-${key}` });
  const tr = h('tr', { dataset: { model: name } }, ...Object.values(cells));
  return { tr, cells };
}

function updateRow(row, m) {
  const { cells } = row;
  setText(cells.name, m.name);
  setText(cells.type, m.type);
  setText(cells.version, String(m.version));
  setText(cells.interval, m.interval);
  setText(cells.horizon, String(m.horizon));
  setText(cells.features, m.features.join(', '));
  setText(cells.sha, m.sha256 ? m.sha256.slice(0, 12) : '—');
  setText(cells.created, fmtTs(m.created_at));
}

function fillSelect(select, names, withNone) {
  const current = select.value;
  select.replaceChildren(...(withNone ? [h('option', { value: '' }, '(none)')] : []), ...names.map((n) => h('option', { value: n }, n)));
  if (names.includes(current) || (withNone && current === '')) select.value = current;
}

async function loadRegistry() {
  const errorEl = $('models-error');
  try {
    const { models } = await api('/v1/models');
    showError(errorEl, null);
    const count = syncRows($('models').tBodies[0], rows, models, (m) => m.name, createRow, updateRow);
    $('models-empty').hidden = count > 0;
    const names = models.map((m) => m.name);
    fillSelect($('mdl-a'), names, false);
    fillSelect($('mdl-b'), names, true);
  } catch (e) {
    showError(errorEl, e);
  }
}

const scores = (model, runId, symbol) => api(`/v1/models/${encodeURIComponent(model)}/scores${query({ run_id: runId, symbol })}`);

function seriesOf(response, symbol) {
  const s = response.series.find((x) => x.symbol === symbol);
  return s ? { t: s.ts.map((ts) => epochMs(ts) / 1e3), ic: s.ic, hit: s.hit_rate } : { t: [], ic: [], hit: [] };
}

function drawScatter(canvas, points) {
  const ctx = canvas.getContext('2d');
  const width = (canvas.width = Math.max(300, canvas.clientWidth || 600));
  const height = (canvas.height = 300);
  ctx.clearRect(0, 0, width, height);
  const px = points.map((p) => p[1]);
  const py = points.map((p) => p[2]);
  const span = (v) => {
    const lo = Math.min(...v);
    const hi = Math.max(...v);
    return lo === hi ? [lo - 1, hi + 1] : [lo, hi];
  };
  const [x0, x1] = span(px);
  const [y0, y1] = span(py);
  const pad = 40;
  const sx = (v) => pad + ((v - x0) / (x1 - x0)) * (width - 2 * pad);
  const sy = (v) => height - pad - ((v - y0) / (y1 - y0)) * (height - 2 * pad);
  ctx.strokeStyle = COLORS.grid;
  ctx.strokeRect(pad, pad, width - 2 * pad, height - 2 * pad);
  ctx.fillStyle = COLORS.axis;
  ctx.font = '12px sans-serif';
  ctx.fillText('prediction →', width - pad - 80, height - 10);
  ctx.fillText('realized log return ↑', 4, pad - 10);
  ctx.fillStyle = COLORS.accentFill.replace('0.18', '0.6');
  for (let i = 0; i < px.length; i++) {
    ctx.beginPath();
    ctx.arc(sx(px[i]), sy(py[i]), 2, 0, 2 * Math.PI);
    ctx.fill();
  }
  canvas.dataset.points = String(points.length);
}

async function show(event) {
  event?.preventDefault();
  const errorEl = $('models-result-error');
  const a = $('mdl-a').value;
  const runA = $('mdl-run-a').value.trim();
  const b = $('mdl-b').value;
  const runB = $('mdl-run-b').value.trim() || runA;
  if (!a || runA === '') {
    showError(errorEl, new Error('Choose a model and the run whose results to show (its id, 0 for live).'));
    return;
  }
  try {
    const first = await scores(a, runA);
    const symbols = first.series.map((s) => s.symbol);
    fillSelect($('mdl-symbol'), symbols, false);
    const symbol = $('mdl-symbol').value || symbols[0];
    const second = b || runB !== runA ? await scores(b || a, runB, symbol) : null;
    showError(errorEl, null);
    charts.forEach((c) => c.destroy());
    charts = [];
    if (!symbol) {
      chartMessage($('mdl-ic-chart'), `No scores of ${a} in run ${runA}: was it run with --models ${a}?`);
      chartMessage($('mdl-hit-chart'), '');
      return;
    }
    const labelA = `${a} run ${runA}`;
    const labelB = second ? `${b || a} run ${runB}` : null;
    const sa = seriesOf(first, symbol);
    const parts = [{ t: sa.t, values: [sa.ic, sa.hit] }];
    if (second) {
      const sb = seriesOf(second, symbol);
      parts.push({ t: sb.t, values: [sb.ic, sb.hit] });
    }
    const data = alignSeries(parts);
    const ic = [data[0], data[1], ...(second ? [data[3]] : [])];
    const hit = [data[0], data[2], ...(second ? [data[4]] : [])];
    const opts = (y) => ({
      scales: { x: { time: true } },
      axes: [timeAxis(), axis({ label: y })],
      series: [timeSeries(), line(labelA, COLORS.accent), ...(second ? [line(labelB, COLORS.second)] : [])],
    });
    charts.push(createChart($('mdl-ic-chart'), opts('IC'), ic, { height: 240 }));
    charts.push(createChart($('mdl-hit-chart'), opts('hit rate'), hit, { height: 240 }));
    const { points } = await api(`/v1/models/${encodeURIComponent(a)}/predictions${query({ run_id: runA, symbol })}`);
    setText($('mdl-scatter-caption'), `${points.length} predictions of ${a} for ${symbol} in run ${runA} against the log return over the next bars`);
    drawScatter($('mdl-scatter'), points);
  } catch (e) {
    showError(errorEl, e);
  }
}

export function initModels() {
  $('models-form').addEventListener('submit', show);
  $('mdl-symbol').addEventListener('change', () => show());
  loadRegistry();
  return { reload: loadRegistry };
}

export function showModels() {
  loadRegistry();
}
