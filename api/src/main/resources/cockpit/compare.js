// A run's page, its series: candlesticks with volume from the run's bars with its signal over them, and
// "compare with" another run or live: both signals on one chart, their difference on a second, and for
// two runs what GET /v1/runs/diff answers.
//
// The difference is honest only where the two series share a column: both are asked of
// GET /v1/signals/chart with the same window and width, so their columns have the same bounds
// (width_bucket over [start, end)), and the difference is this run's last value minus the other's in each
// column where both have rows. A column only one source has is no difference (a gap), and is counted.

import { COLORS, alignSeries, axis, chartMessage, createChart, line, timeAxis, timeSeries } from './charts.js';
import { SIGNAL_NAMES, state } from './store.js';
import { api, epochMs, fmtInt, fmtNum, h, query, setOptions, showError } from './util.js';

const $ = (id) => document.getElementById(id);
const MAX_BARS = 1500; // a coarser interval past this many bars in the window
const INTERVAL_SECONDS = { '1m': 60, '5m': 300, '1h': 3600 };

let view = null; // {id, job, facts, pairs, charts: {}, generation}

const chartKeys = ['candles', 'signal', 'diff'];

function destroyCharts() {
  for (const k of chartKeys) {
    view?.charts[k]?.destroy();
    if (view) view.charts[k] = null;
  }
}

/** The run's window [start, end) in epoch ms: its manifest's, else the job's first tick to just past its last. */
export function runWindow(job, manifest) {
  const start = epochMs(manifest?.window?.start ?? job.live?.start ?? job.min_ts ?? job.metadata?.start);
  const end = epochMs(manifest?.window?.end ?? job.live?.end ?? job.metadata?.end) || epochMs(job.max_ts) + 1;
  return { start, end };
}

/** (provider, symbol) pairs the run holds rows or bars of, else those its job names. */
function pairsOf(job, rows) {
  const seen = new Map();
  for (const r of [...(rows?.bars ?? []), ...(rows?.signals ?? [])]) seen.set(JSON.stringify([r.provider, r.symbol]), [r.provider, r.symbol]);
  if (seen.size === 0) for (const s of job.symbols ?? []) seen.set(JSON.stringify([job.provider, s]), [job.provider, s]);
  return [...seen.entries()];
}

function namesFor(pairKey, facts) {
  const [provider, symbol] = JSON.parse(pairKey);
  const held = (facts.rows?.signals ?? []).filter((r) => r.provider === provider && r.symbol === symbol).map((r) => r.name);
  if (held.length) return held;
  const named = (facts.manifest?.signals ?? []).map((s) => s.name);
  return named.length ? named : SIGNAL_NAMES;
}

function renderCompareOptions() {
  if (!view) return;
  const others = state.replays.filter((r) => r.run_id !== view.id)
    .map((r) => ({ value: String(r.run_id), text: `run ${r.run_id} (${r.status}, ${r.provider ?? ''} ${(r.symbols ?? []).join(', ')})` }));
  setOptions($('run-compare'), [{ value: 'none', text: 'none' }, { value: 'live', text: 'live' }, ...others]);
}

/** The bar interval for a window: 1m, else 5m or 1h when 1-minute bars would be more than MAX_BARS. */
export function intervalFor(spanMs) {
  if (spanMs / 60e3 <= MAX_BARS) return '1m';
  return spanMs / 300e3 <= MAX_BARS ? '5m' : '1h';
}

/** uPlot draws nothing for these series (paths null); a draw hook paints candles and volume bars itself. */
function candlePlugin(seconds) {
  const draw = (u) => {
    const [xs, open, high, low, close, volume] = u.data;
    const ctx = u.ctx;
    const n = xs.length;
    const step = n > 0 ? Math.abs(u.valToPos(xs[0] + seconds, 'x', true) - u.valToPos(xs[0], 'x', true)) : 20; // one bar's width
    const body = Math.max(1, Math.min(12, step * 0.6));
    ctx.save();
    ctx.beginPath();
    ctx.rect(u.bbox.left, u.bbox.top, u.bbox.width, u.bbox.height);
    ctx.clip();
    for (let i = 0; i < n; i++) {
      if (open[i] == null) continue;
      const x = u.valToPos(xs[i], 'x', true);
      const up = close[i] >= open[i];
      ctx.fillStyle = up ? 'rgba(21, 128, 61, 0.25)' : 'rgba(185, 28, 28, 0.25)';
      const vTop = u.valToPos(volume[i], 'vol', true);
      const vBottom = u.valToPos(0, 'vol', true);
      ctx.fillRect(x - body / 2, vTop, body, Math.max(1, vBottom - vTop));
      ctx.strokeStyle = up ? '#15803d' : '#b91c1c';
      ctx.fillStyle = ctx.strokeStyle;
      ctx.lineWidth = 1;
      ctx.beginPath();
      ctx.moveTo(Math.round(x) + 0.5, u.valToPos(high[i], 'y', true));
      ctx.lineTo(Math.round(x) + 0.5, u.valToPos(low[i], 'y', true));
      ctx.stroke();
      const yo = u.valToPos(open[i], 'y', true);
      const yc = u.valToPos(close[i], 'y', true);
      ctx.fillRect(x - body / 2, Math.min(yo, yc), body, Math.max(1, Math.abs(yc - yo)));
    }
    ctx.restore();
  };
  return { hooks: { draw } };
}

const hidden = (label, scale) => ({ label, scale, paths: () => null, points: { show: false } });

/** Candle series draw nothing through uPlot, so their scales are given from the bars: low to high padded, volume times four. */
function candleOptions(interval, name, bars) {
  const lo = Math.min(...bars.map((b) => b.low));
  const hi = Math.max(...bars.map((b) => b.high));
  const pad = (hi - lo) * 0.05 || Math.abs(hi) * 0.01 || 1;
  const maxVol = Math.max(1, ...bars.map((b) => b.volume));
  return {
    plugins: [candlePlugin(INTERVAL_SECONDS[interval])],
    series: [timeSeries(), hidden('open'), hidden('high'), hidden('low'), hidden('close'), hidden('volume', 'vol'),
      line(`${name} (last)`, COLORS.accent, { scale: 'sig', width: 1.25 })],
    scales: {
      x: { time: true },
      y: { auto: false, range: () => [lo - pad, hi + pad] },
      // volume in the bottom quarter
      vol: { auto: false, range: () => [0, maxVol * 4] },
      sig: { auto: true },
    },
    axes: [timeAxis(), axis({ scale: 'y', label: `price (${interval} bars)`, size: 64 }),
      axis({ scale: 'sig', side: 1, label: name, size: 64, grid: { show: false } })],
  };
}

const sourceLabel = (source) => (source === 'live' ? 'live' : `run ${source}`);
const sourceParams = (source) => (source === 'live' ? { live: 'true' } : { replay_run_id: source });

/**
 * The difference a - b per column where both series have a value; `common` columns, how many of them
 * differ and the largest |difference|, `onlyOne` columns only one series has.
 */
export function difference(a, b) {
  const byT = new Map(b.t.map((t, i) => [t, b.last[i]]));
  const t = [];
  const d = [];
  let maxAbs = 0;
  let nonZero = 0;
  for (let i = 0; i < a.t.length; i++) {
    if (!byT.has(a.t[i])) continue;
    const v = a.last[i] - byT.get(a.t[i]);
    t.push(a.t[i]);
    d.push(v);
    if (v !== 0) nonZero++;
    maxAbs = Math.max(maxAbs, Math.abs(v));
  }
  return { t, d, common: t.length, nonZero, maxAbs, onlyOne: a.t.length + b.t.length - 2 * t.length };
}

function draw(key, containerId, data, options, empty, height) {
  view.charts[key]?.destroy();
  view.charts[key] = null;
  if (data[0].length === 0) chartMessage($(containerId), empty);
  else view.charts[key] = createChart($(containerId), options, data, { height });
}

/** Draws the charts the form describes: candles and signal, and with "compare with" the comparison. */
async function drawSeries() {
  if (!view || !$('run-symbol').value) return;
  const mine = ++view.generation;
  const v = view;
  showError($('run-view-error'), null);
  const [provider, symbol] = JSON.parse($('run-symbol').value);
  const name = $('run-signal').value;
  const compare = $('run-compare').value === 'none' ? null : $('run-compare').value;
  const { start, end } = runWindow(v.job, v.facts.manifest);
  if (!Number.isFinite(start) || !Number.isFinite(end) || !(start < end)) {
    $('run-view-info').textContent = 'The run has no window yet.';
    return;
  }
  const iso = (t) => new Date(t).toISOString();
  const interval = intervalFor(end - start);
  const width = Math.max(100, Math.floor($('run-signal-chart').clientWidth || 800));
  const base = { provider, symbol, name, start: iso(start), end: iso(end), width };
  $('run-view-info').textContent = 'Loading…';
  $('run-compare-block').hidden = !compare;
  try {
    const [bars, sig, other, diff] = await Promise.all([
      api(`/v1/bars${query({ provider, symbol, interval, start: iso(start), end: iso(end), replay_run_id: v.id, limit: 5000 })}`),
      api(`/v1/signals/chart${query({ ...base, replay_run_id: v.id })}`),
      compare ? api(`/v1/signals/chart${query({ ...base, ...sourceParams(compare) })}`) : null,
      compare && compare !== 'live' ? api(`/v1/runs/diff${query({ a: v.id, b: compare })}`).catch((e) => ({ error: e })) : null,
    ]);
    if (v !== view || mine !== v.generation) return;
    const rows = bars.bars ?? [];
    const s = sig.signal ?? { t: [], min: [], max: [], last: [] };
    const candles = alignSeries([
      { t: rows.map((b) => epochMs(b.ts)), values: [rows.map((b) => b.open), rows.map((b) => b.high), rows.map((b) => b.low), rows.map((b) => b.close), rows.map((b) => b.volume)] },
      { t: s.t, values: [s.last] },
    ]);
    candles[0] = candles[0].map((t) => t / 1000);
    draw('candles', 'run-candles', rows.length ? candles : [[]], candleOptions(interval, name, rows), 'This run has no bars for this symbol (bars go to the table only with the postgres sink).', 320);

    const parts = [{ t: s.t, values: [s.min, s.max, s.last] }];
    const series = [timeSeries(), line(`run ${v.id} min`, COLORS.accent, { width: 1, alpha: 0.5 }), line(`run ${v.id} max`, COLORS.accent, { width: 1, alpha: 0.5 }),
      line(`run ${v.id} last`, COLORS.accent)];
    const bands = [{ series: [2, 1], fill: COLORS.accentFill }];
    const o = other?.signal ?? { t: [], last: [] };
    if (other) {
      parts.push({ t: o.t, values: [o.last] });
      series.push(line(`${sourceLabel(compare)} last`, COLORS.second, { width: 1.5, dash: [5, 3] }));
    }
    const sigData = alignSeries(parts);
    sigData[0] = sigData[0].map((t) => t / 1000);
    draw('signal', 'run-signal-chart', s.t.length || o.t.length ? sigData : [[]], {
      series, bands, scales: { x: { time: true } }, axes: [timeAxis(), axis({ label: name, size: 64 })],
    }, 'No rows of this signal in the window.', 260);
    $('run-view-info').textContent = `${symbol} · ${name}: ${fmtInt(sig.rows)} rows of run ${v.id} in ${fmtInt(sig.columns)} columns; ${fmtInt(rows.length)} ${interval} bars` +
      (other ? `; ${sourceLabel(compare)}: ${fmtInt(other.rows)} rows in ${fmtInt(other.columns)} columns` : '');

    if (compare) renderComparison(v, compare, s, o, diff, name);
    else destroyChart('diff');
  } catch (e) {
    if (v !== view || mine !== v.generation) return;
    $('run-view-info').textContent = '';
    showError($('run-view-error'), e);
  }
}

function destroyChart(key) {
  view.charts[key]?.destroy();
  view.charts[key] = null;
}

function renderComparison(v, compare, s, o, diff, name) {
  const d = difference(s, o);
  window.lastRunCompare = { with: compare, common: d.common, nonZero: d.nonZero, maxAbs: d.maxAbs, onlyOne: d.onlyOne };
  draw('diff', 'run-diff-chart', d.common ? [d.t.map((t) => t / 1000), d.d] : [[]], {
    series: [timeSeries(), line(`run ${v.id} − ${sourceLabel(compare)}`, COLORS.close, { fill: 'rgba(71, 85, 105, 0.12)' })],
    scales: { x: { time: true } }, axes: [timeAxis(), axis({ label: `Δ ${name}`, size: 64 })],
  }, 'The two series share no column: nothing to subtract.', 200);
  $('run-diff-info').textContent = d.common
    ? `${fmtInt(d.common)} columns in common, ${fmtInt(d.nonZero)} differ, largest |difference| ${fmtNum(d.maxAbs, 6)}` +
      (d.onlyOne ? `; ${fmtInt(d.onlyOne)} columns only one series has (no difference drawn there)` : '')
    : `No column in common (${fmtInt(d.onlyOne)} columns only one series has).`;
  $('run-diff-answer').replaceChildren(...(compare === 'live'
    ? [h('p', { class: 'note' }, 'Live has no run to diff against: there is no manifest, stream or journal of live rows. The charts above are the comparison.')]
    : diffAnswer(diff)));
}

/** GET /v1/runs/diff's answer in words: verdict, manifest entries, checksums, stream, rows per name. */
export function diffAnswer(diff) {
  if (!diff) return [];
  if (diff.error) return [h('p', { class: 'verdict', dataset: { equal: 'false' } }, `Not comparable: ${diff.error.message}`)];
  const man = diff.manifest ?? {};
  const stream = diff.stream ?? {};
  const first = stream.first;
  const out = [
    h('p', { class: 'verdict', id: 'run-diff-verdict', dataset: { equal: String(!!diff.equal) } }, diff.equal ? `Runs ${diff.a} and ${diff.b}: equal` : `Runs ${diff.a} and ${diff.b}: different`),
    h('ul', { class: 'manifest-list' },
      h('li', {}, man.equal ? 'manifests equal' : man.reason ?? `manifest: ${man.differences?.length ?? 0} entries differ`),
      ...(man.differences ?? []).slice(0, 20).map((d) => h('li', {}, h('code', {}, d.entry), `: ${JSON.stringify(d.a)} → ${JSON.stringify(d.b)}`)),
      h('li', {}, `stream checksums ${diff.checksum?.agree ? 'agree' : 'differ'} (${diff.checksum?.a ?? '—'} vs ${diff.checksum?.b ?? '—'})`),
      h('li', {}, stream.compared === false ? stream.reason : stream.diverges
        ? `streams diverge at tick ${fmtInt(first?.index)} (${first?.ts} ${first?.provider}:${first?.symbol}): ${first?.field} ${JSON.stringify(first?.a)} → ${JSON.stringify(first?.b)}`
        : `streams do not diverge (${fmtInt(stream.ticks)} ticks read)`)),
  ];
  const names = diff.signals?.names ?? [];
  if (names.length) {
    out.push(h('div', { class: 'table-wrap' }, h('table', { id: 'run-diff-signals', class: 'fields' },
      h('thead', {}, h('tr', {}, ...['Signal', `Rows ${diff.a}`, `Rows ${diff.b}`, 'Differing', 'First difference'].map((c) => h('th', { scope: 'col' }, c)))),
      h('tbody', {}, ...names.map((n) => h('tr', {},
        h('th', { scope: 'row' }, h('code', {}, n.name)), h('td', { class: 'num' }, fmtInt(n.rows_a)), h('td', { class: 'num' }, fmtInt(n.rows_b)),
        h('td', { class: 'num' }, fmtInt(n.differing)),
        h('td', {}, n.first ? `${n.first.ts} ${n.first.provider}:${n.first.symbol} ${n.first.field}: ${n.first.a} → ${n.first.b}` : '—')))))));
  }
  return out;
}

function fillSignals() {
  const names = namesFor($('run-symbol').value, view.facts);
  setOptions($('run-signal'), names.map((n) => ({ value: n, text: n })));
  const preferred = names.includes('vwap_deviation_bps') ? 'vwap_deviation_bps' : names[0];
  if (!names.includes($('run-signal').value)) $('run-signal').value = preferred;
}

/** Shows run `id`'s series once its facts (runview.js) are in; again when called for the same run (it ended). */
export function showSeries(id, job, facts) {
  if (view?.id !== id) {
    hideSeries();
    view = { id, job, facts, charts: {}, generation: 0 };
    $('run-compare').value = 'none';
  }
  view.job = job;
  view.facts = facts;
  const pairs = pairsOf(job, facts.rows);
  setOptions($('run-symbol'), pairs.map(([key, [p, s]]) => ({ value: key, text: `${s} (${p})` })));
  fillSignals();
  renderCompareOptions();
  drawSeries();
}

export function hideSeries() {
  if (!view) return;
  destroyCharts();
  view = null;
  $('run-compare-block').hidden = true;
  for (const id of ['run-candles', 'run-signal-chart']) chartMessage($(id), 'Loading…');
}

export function initSeries() {
  $('run-symbol').addEventListener('change', () => {
    if (!view) return;
    fillSignals();
    drawSeries();
  });
  $('run-signal').addEventListener('change', drawSeries);
  $('run-compare').addEventListener('change', drawSeries);
  $('run-view-form').addEventListener('submit', (e) => e.preventDefault());
}

/** The compare list follows the jobs the event stream knows. */
export function onJobs() {
  renderCompareOptions();
}
