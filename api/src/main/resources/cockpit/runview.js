// A run's page, what it holds: its manifest (GET .../manifest) and summary statistics: ticks and rate
// from the job, lag p50/p99 from its latency (GET .../latency, stage "lag"), signal rows per name and
// bars counted in the store (GET .../rows).

import { ApiError, api, fmtInt, fmtNum, fmtTs, h } from './util.js';

const $ = (id) => document.getElementById(id);

/** The answer, or null for a 404 (a run without a manifest, or without telemetry); other errors are thrown. */
async function orNull(path) {
  try {
    return await api(path);
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) return null;
    throw e;
  }
}

/** Fetches what the page shows of run `id`: {manifest, rows, latency}, each null when the run has none. */
export async function loadRunFacts(id) {
  const [manifest, rows, latency] = await Promise.all([
    orNull(`/v1/replay/ticks/${id}/manifest`),
    orNull(`/v1/replay/ticks/${id}/rows`),
    orNull(`/v1/replay/ticks/${id}/latency`),
  ]);
  return { manifest, rows, latency };
}

/**
 * The value at percentile `p` of a stage's curve ([[percentile, µs], ...] ascending): the first point at
 * or past it, as HdrHistogram's own percentile iteration reports it.
 */
export function percentileOf(curve, p) {
  if (!Array.isArray(curve) || curve.length === 0) return NaN;
  const found = curve.find(([q]) => q >= p);
  return (found ?? curve[curve.length - 1])[1];
}

/** Signal rows summed per name, in the order of first appearance: [{name, rows, symbols: [..]}]. */
export function rowsPerName(signals) {
  const byName = new Map();
  for (const r of signals ?? []) {
    const entry = byName.get(r.name) ?? { name: r.name, rows: 0, symbols: [] };
    entry.rows += r.rows;
    entry.symbols.push(r.symbol);
    byName.set(r.name, entry);
  }
  return [...byName.values()];
}

/** Bars summed per interval: {"1m": n, "5m": n, "1h": n} (only the intervals the run wrote). */
export function barsPerInterval(bars) {
  const out = {};
  for (const b of bars ?? []) out[b.interval] = (out[b.interval] ?? 0) + b.rows;
  return out;
}

const ms = (us, burst) => (Number.isFinite(us) ? `${fmtNum(us / 1000, 3)} ms` : burst ? '— (burst: no schedule to lag behind)' : '—');

export function renderSummary(job, facts) {
  const m = job.metadata ?? {};
  const lag = facts.latency?.stages?.lag;
  const p50 = lag ? percentileOf(lag.percentiles, 50) : (m.lag_ms?.p50 ?? NaN) * 1000;
  const p99 = lag ? percentileOf(lag.percentiles, 99) : (m.lag_ms?.p99 ?? NaN) * 1000;
  const burst = (m.speed_final ?? m.speed ?? job.live?.speed) === 0;
  const names = rowsPerName(facts.rows?.signals);
  const bars = barsPerInterval(facts.rows?.bars);
  const barText = Object.keys(bars).length ? Object.entries(bars).map(([i, n]) => `${fmtInt(n)} × ${i}`).join(', ') : 'none';
  const entries = [
    ['Ticks', fmtInt(m.ticks ?? job.live?.emitted ?? job.rows_written)],
    ['Rate', Number.isFinite(m.ticks_per_second) ? `${fmtInt(m.ticks_per_second)} ticks/s` : job.live?.ticks_per_s ? `${fmtInt(job.live.ticks_per_s)} ticks/s (now)` : '—'],
    ['Lag p50', ms(p50, burst)],
    ['Lag p99', ms(p99, burst)],
    ['Signal rows', facts.rows ? fmtInt(names.reduce((a, n) => a + n.rows, 0)) : '—'],
    ['Bars', facts.rows ? barText : '—'],
  ];
  $('run-summary').replaceChildren(...entries.flatMap(([t, v]) => [h('dt', {}, t), h('dd', { dataset: { stat: t.toLowerCase().replace(/ /g, '-') } }, v)]));
  const tbody = $('run-rows').tBodies[0];
  if (names.length === 0) {
    tbody.replaceChildren(h('tr', {}, h('td', { colspan: 3 }, facts.rows ? 'No signal rows in the table (none computed, or they went to a file).' : '—')));
  } else {
    tbody.replaceChildren(...names.map((n) => h('tr', { dataset: { name: n.name } },
      h('th', { scope: 'row' }, h('code', {}, n.name)), h('td', { class: 'num' }, fmtInt(n.rows)), h('td', {}, n.symbols.join(', ')))));
  }
}

const text = (v) => (v === null || v === undefined || v === '' ? '—' : typeof v === 'number' ? fmtNum(v, 6) : String(v));

function dl(entries) {
  return h('dl', { class: 'meta' }, ...entries.flatMap(([t, v]) => [h('dt', {}, t), h('dd', {}, v instanceof Node ? v : text(v))]));
}

function sourceText(s) {
  if (s.kind === 'journal') return `journal of run ${s.run_id} (${s.provider ?? ''} ${(s.symbols ?? []).join(', ')})`;
  const files = s.files?.length ? `; files ${s.files.join(', ')}` : '';
  return `${s.kind} ${s.provider ?? s.source ?? ''}: ${(s.symbols ?? []).join(', ')}${files}`;
}

function table(id, head, rows) {
  return h('div', { class: 'table-wrap' }, h('table', { id, class: 'fields' },
    h('thead', {}, h('tr', {}, ...head.map((c) => h('th', { scope: 'col' }, c)))),
    h('tbody', {}, ...rows.map((r) => h('tr', {}, ...r.map((c, i) => (i === 0 ? h('th', { scope: 'row' }, c) : h('td', {}, c))))))));
}

/** The manifest as the page shows it: code, window, sources, signals with parameters, settings, per-symbol data. */
export function renderManifest(manifest) {
  const box = $('run-manifest');
  if (!manifest) {
    box.replaceChildren(h('p', { class: 'note', dataset: { manifest: 'none' } }, 'no manifest (the run ran before runs kept one)'));
    return;
  }
  const code = manifest.code ?? {};
  const w = manifest.window ?? {};
  const settings = manifest.settings ?? {};
  const parts = [
    dl([
      ['Status', manifest.status],
      ['Code', h('span', {}, `${text(code.version)} · `, h('code', {}, text(code.commit)), code.dirty ? ' (dirty)' : '')],
      ['Window', `${fmtTs(w.start)} → ${fmtTs(w.end)}`],
      ['Warm-up from', w.warmup_from ? fmtTs(w.warmup_from) : 'none'],
      ['Sources', h('ul', { class: 'manifest-list' }, ...(manifest.sources ?? []).map((s) => h('li', {}, sourceText(s))))],
      ['Settings', Object.entries(settings).map(([k, v]) => `${k}: ${Array.isArray(v) ? v.join(', ') || 'none' : text(v)}`).join('; ')],
    ]),
    h('h3', { class: 'subhead' }, 'Signals and their parameters'),
    table('run-manifest-signals', ['Signal', 'Parameters'], (manifest.signals ?? []).map((s) =>
      [h('code', {}, s.name), Object.entries(s.parameters ?? {}).map(([k, v]) => `${k} ${text(v)}`).join(', ') || '—'])),
    h('h3', { class: 'subhead' }, 'Data read, per symbol'),
  ];
  if (Array.isArray(manifest.data) && manifest.data.length) {
    parts.push(table('run-manifest-data', ['Symbol', 'Ticks', 'Checksum', 'Warm-up ticks', 'Warm-up checksum'], manifest.data.map((d) =>
      [`${d.provider}:${d.symbol}`, fmtInt(d.ticks), h('code', {}, text(d.checksum)), fmtInt(d.warmup_ticks), h('code', {}, text(d.warmup_checksum))])));
  } else {
    parts.push(h('p', { class: 'note' }, manifest.data_note ?? 'Not yet: counts and checksums are written when the run ends.'));
  }
  box.replaceChildren(...parts);
}
