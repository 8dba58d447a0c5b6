// One run (#/replays/N): its job and metadata, and charts of its emission rate and lag over time,
// refreshed while the event stream says the run is active; its manifest and summary (runview.js), and its
// bars, signals and "compare with" (compare.js), read again when it ends.

import { COLORS, axis, chartMessage, createChart, line, timeAxis, timeSeries } from './charts.js';
import { hideSeries, initSeries, onJobs, showSeries } from './compare.js';
import { speedText } from './replays.js';
import { loadRunFacts, renderManifest, renderSummary } from './runview.js';
import { isActive, runStatus, state, subscribe } from './store.js';
import { api, fmtBytes, fmtInt, fmtNum, fmtTs, h, showError } from './util.js';

const $ = (id) => document.getElementById(id);
const REFRESH_MS = 2000; // at most one timeline request per this while a run is active

let current = null; // {id, job, active, charts: {rate, lag}, loading, lastFetch}

const dash = (v) => (v === null || v === undefined || v === '' ? '—' : v);

function renderDl(dl, entries) {
  dl.replaceChildren(...entries.flatMap(([term, value]) => [h('dt', {}, term), h('dd', {}, value instanceof Node ? value : String(dash(value)))]));
}

function journalOf(m) {
  return m.journal_path ?? m.journal_dir ?? m.journal_file ?? (typeof m.journal === 'string' ? m.journal : null);
}

function renderJob(job) {
  const m = job.metadata ?? {};
  const status = runStatus(job);
  $('run-title').textContent = `Run ${job.run_id} · ${status}`;
  const error = job.error_message ? h('span', { class: 'error-text' }, job.error_message) : '—';
  renderDl($('run-meta'), [
    ['Run id', job.run_id],
    ['Status', h('span', { class: 'status', dataset: { status } }, status)],
    ['Provider', job.provider],
    ['Symbols', (job.symbols ?? []).join(', ')],
    ['Speed', speedText(job.live?.speed ?? m.speed_final ?? m.speed)],
    ['Ticks', fmtInt(m.ticks ?? job.live?.emitted ?? job.rows_written)],
    ['Window', `${fmtTs(job.live?.start ?? job.min_ts)} → ${fmtTs(job.live?.end ?? m.end)}`],
    ['Latest tick', fmtTs(job.live?.max_ts ?? job.max_ts)],
    ['Started', fmtTs(job.started_at)],
    ['Completed', fmtTs(job.completed_at)],
    ['Checksum', m.checksum ? h('code', {}, m.checksum) : '—'],
    ['Journal', journalOf(m) ? h('code', {}, journalOf(m)) : m.journal_bytes !== undefined ? `${fmtBytes(m.journal_bytes)} written` : '—'],
    ['Error', error],
  ]);
  $('run-symbols').replaceChildren(...(job.symbols ?? []).map((s) => h('li', {}, s)));
  // the manifest has its own card above, read as a whole (its lists of objects would be JSON text here)
  const { manifest, ...fields } = m;
  $('run-metadata').tBodies[0].replaceChildren(...metadataFields(fields).map(([field, value]) =>
    h('tr', {}, h('th', { scope: 'row' }, h('code', {}, field)), h('td', {}, value))));
}

const isPlainObject = (v) => typeof v === 'object' && v !== null && !Array.isArray(v);

function fieldValue(v) {
  if (v === null || v === undefined || v === '') return '—';
  if (typeof v === 'number') return Number.isInteger(v) ? fmtInt(v) : fmtNum(v, 3);
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  if (Array.isArray(v)) return v.length ? v.map((x) => (isPlainObject(x) || Array.isArray(x) ? JSON.stringify(x) : String(x))).join(', ') : '—';
  return String(v);
}

/**
 * The job's metadata as [field, text] rows: nested objects flattened to dotted names
 * ("lag_ms.p99", "signals_written.rsi_14"), lists joined, numbers in en-US.
 */
export function metadataFields(metadata, prefix = '') {
  const out = [];
  for (const [k, v] of Object.entries(metadata ?? {})) {
    const name = prefix ? `${prefix}.${k}` : k;
    if (isPlainObject(v) && Object.keys(v).length) out.push(...metadataFields(v, name));
    else out.push([name, fieldValue(isPlainObject(v) ? null : v)]);
  }
  return out;
}

function drawChart(key, containerId, data, options) {
  const charts = current.charts;
  const container = $(containerId);
  if (data[0].length === 0) {
    charts[key]?.destroy();
    charts[key] = null;
    chartMessage(container, current.active ? 'No timeline points yet.' : 'This run has no timeline.');
    return;
  }
  if (charts[key]) charts[key].setData(data);
  else charts[key] = createChart(container, options, data);
}

async function loadTimeline() {
  const run = current;
  if (!run || run.loading) return;
  run.loading = true;
  run.lastFetch = performance.now();
  try {
    const tl = await api(`/v1/replay/ticks/${run.id}/timeline`);
    if (run !== current) return;
    const xs = (tl.t ?? []).map((t) => t / 1000);
    drawChart('rate', 'rate-chart', [xs, tl.ticks_per_s ?? []], {
      series: [timeSeries(), line('ticks/s', COLORS.accent, { fill: COLORS.accentFill })],
      scales: { x: { time: true } },
      axes: [timeAxis(), axis({ label: 'ticks/s', size: 60 })],
    });
    drawChart('lag', 'lag-chart', [xs, tl.lag_p50_ms ?? [], tl.lag_p99_ms ?? []], {
      series: [timeSeries(), line('p50 ms', COLORS.accent), line('p99 ms', COLORS.second)],
      scales: { x: { time: true } },
      axes: [timeAxis(), axis({ label: 'ms', size: 60 })],
    });
  } catch (e) {
    if (run === current) showError($('run-error'), e);
  } finally {
    run.loading = false;
  }
}

function onState(s) {
  if (!current) return;
  const job = s.replays.find((r) => r.run_id === current.id);
  if (!job) return;
  const wasActive = current.active;
  current.job = job;
  current.active = isActive(job);
  renderJob(job);
  const due = performance.now() - current.lastFetch >= REFRESH_MS;
  if ((current.active && due) || (wasActive && !current.active)) loadTimeline();
  if (wasActive && !current.active) loadFacts();
  else if (current.facts) renderSummary(job, current.facts);
  onJobs();
}

/** The manifest, the statistics and the series: once when the page opens, again when the run ends. */
async function loadFacts() {
  const run = current;
  try {
    const facts = await loadRunFacts(run.id);
    if (run !== current) return;
    run.facts = facts;
    renderSummary(run.job, facts);
    renderManifest(facts.manifest);
    showSeries(run.id, run.job, facts);
  } catch (e) {
    if (run === current) showError($('run-error'), e);
  }
}

export async function showRun(id) {
  if (current?.id === id) return;
  hideRun();
  current = { id, job: null, active: false, charts: { rate: null, lag: null }, loading: false, lastFetch: 0, facts: null };
  const run = current;
  showError($('run-error'), null);
  $('run-title').textContent = `Run ${id}`;
  $('run-meta').replaceChildren();
  $('run-metadata').tBodies[0].replaceChildren();
  $('run-symbols').replaceChildren();
  $('run-summary').replaceChildren();
  $('run-rows').tBodies[0].replaceChildren();
  $('run-manifest').replaceChildren(h('p', { class: 'note' }, 'Loading…'));
  chartMessage($('rate-chart'), 'Loading…');
  chartMessage($('lag-chart'), 'Loading…');
  const fromSnapshot = state.replays.find((r) => r.run_id === id);
  try {
    const job = fromSnapshot ?? (await api(`/v1/replay/ticks/${id}`));
    if (run !== current) return;
    run.job = job;
    run.active = isActive(job);
    renderJob(job);
  } catch (e) {
    if (run === current) showError($('run-error'), e);
    return;
  }
  await Promise.all([loadTimeline(), loadFacts()]);
}

export function hideRun() {
  if (!current) return;
  hideSeries();
  current.charts.rate?.destroy();
  current.charts.lag?.destroy();
  current = null;
}

export function initRun() {
  initSeries();
  subscribe(onState);
}
