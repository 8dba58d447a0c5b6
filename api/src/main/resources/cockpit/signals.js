// The Signals page: one signal of one symbol, downsampled by the server to min/max/last per pixel
// column, with the 1-minute close on a second axis and, optionally, the same signal from another source.

import { COLORS, alignSeries, axis, chartMessage, createChart, line, timeAxis, timeSeries } from './charts.js';
import { providerSymbolPicker } from './forms.js';
import { SIGNAL_NAMES, state, subscribe } from './store.js';
import {
  api, epochMs, fmtInt, nextFrame, prefill, query, readUtcFields, setOptions, showError, toInputValue, trackUserEdits, utcField,
} from './util.js';

const $ = (id) => document.getElementById(id);

let chart = null;
let generation = 0; // the latest show(); an older answer is dropped
/** The page's default (GET /v1/signals/latest-run), its chart drawn once when the page is first shown. */
const defaults = { run: null, applied: false, shown: false, touched: false, visible: false };
/** How much of the run's latest rows the page opens on. */
export const DEFAULT_SPAN_MS = 3600e3;
const MINUTE_MS = 60e3;

const sourceLabel = (source) => (source === 'live' ? 'live' : `run ${source}`);

function sourceParams(source) {
  return source === 'live' ? { live: 'true' } : { replay_run_id: source };
}

function runOptions(replays) {
  const options = replays.map((r) => ({ value: String(r.run_id), text: `run ${r.run_id} (${r.provider ?? ''} ${(r.symbols ?? []).join(', ')})` }));
  const latest = defaults.run;
  if (latest && !replays.some((r) => r.run_id === latest.run_id)) {
    options.push({ value: String(latest.run_id), text: `run ${latest.run_id} (${latest.provider} ${latest.symbol})` });
  }
  return options;
}

function chartOptions(name, primary, compare) {
  const series = [
    timeSeries(),
    line(`${primary} min`, COLORS.accent, { width: 1, alpha: 0.6 }),
    line(`${primary} max`, COLORS.accent, { width: 1, alpha: 0.6 }),
    line(`${primary} last`, COLORS.accent, { width: 1.5 }),
    line('close (1m)', COLORS.close, { scale: 'close', dash: [4, 3] }),
  ];
  const bands = [{ series: [2, 1], fill: COLORS.accentFill }];
  if (compare) {
    series.push(
      line(`${compare} min`, COLORS.second, { width: 1, alpha: 0.6 }),
      line(`${compare} max`, COLORS.second, { width: 1, alpha: 0.6 }),
      line(`${compare} last`, COLORS.second, { width: 1.5 }),
    );
    bands.push({ series: [7, 6], fill: COLORS.secondFill });
  }
  return {
    series,
    bands,
    scales: { x: { time: true }, y: { auto: true }, close: { auto: true } },
    axes: [
      timeAxis(),
      axis({ scale: 'y', label: name, size: 64 }),
      axis({ scale: 'close', side: 1, label: 'close', size: 64, grid: { show: false } }),
    ],
  };
}

function renderSources(replays) {
  const runs = runOptions(replays);
  setOptions($('sig-source'), [{ value: 'live', text: 'live' }, ...runs]);
  setOptions($('sig-compare'), [{ value: 'none', text: 'none' }, { value: 'live', text: 'live' }, ...runs]);
}

/** Draws the chart the form describes; `byPerson` (the Show button) disables the button meanwhile. */
async function show(event, { byPerson = true } = {}) {
  event?.preventDefault();
  const mine = ++generation;
  const errorEl = $('signal-error');
  const info = $('chart-info');
  const container = $('signal-chart');
  showError(errorEl, null);
  let times;
  try {
    times = readUtcFields([{ input: $('sig-start'), name: 'start', label: 'Start (UTC)' }, { input: $('sig-end'), name: 'end', label: 'End (UTC)' }]);
  } catch (e) {
    showError(errorEl, e);
    return;
  }

  const source = $('sig-source').value;
  const compareValue = $('sig-compare').value;
  const compare = compareValue === 'none' || compareValue === source ? null : compareValue;
  const name = $('sig-name').value;
  const width = Math.max(100, Math.floor(container.clientWidth || 800));
  const base = {
    provider: $('sig-provider').value,
    symbol: $('sig-symbol').value,
    name,
    start: times.start,
    end: times.end,
    width,
  };

  const button = $('show-signal');
  if (byPerson) button.disabled = true;
  info.textContent = 'Loading…';
  const t0 = performance.now();
  try {
    const [main, other] = await Promise.all([
      api(`/v1/signals/chart${query({ ...base, ...sourceParams(source) })}`),
      compare ? api(`/v1/signals/chart${query({ ...base, ...sourceParams(compare) })}`) : null,
    ]);
    if (mine !== generation) return; // another chart was asked for meanwhile
    const sig = main.signal ?? { t: [], min: [], max: [], last: [] };
    const close = main.close ?? { t: [], close: [] };
    const parts = [
      { t: sig.t, values: [sig.min, sig.max, sig.last] },
      { t: close.t, values: [close.close] },
    ];
    if (other) {
      const o = other.signal ?? { t: [], min: [], max: [], last: [] };
      parts.push({ t: o.t, values: [o.min, o.max, o.last] });
    }
    const data = alignSeries(parts);
    data[0] = data[0].map((ms) => ms / 1000);

    chart?.destroy();
    chart = null;
    if (data[0].length === 0) chartMessage(container, 'No rows in this window.');
    else chart = createChart(container, chartOptions(name, sourceLabel(source), compare && sourceLabel(compare)), data, { height: 360 });
    await nextFrame();
    const totalMs = performance.now() - t0;

    const timing = { rows: main.rows, columns: main.columns, serverMs: main.server_ms, totalMs: Math.round(totalMs) };
    window.lastChartTiming = timing;
    info.textContent = `${fmtInt(timing.rows)} rows -> ${fmtInt(timing.columns)} columns; server ${fmtInt(timing.serverMs)} ms; total ${fmtInt(timing.totalMs)} ms`;
    $('chart-compare-info').textContent = other
      ? `Compared with ${sourceLabel(compare)}: ${fmtInt(other.rows)} rows -> ${fmtInt(other.columns)} columns; server ${fmtInt(other.server_ms)} ms.`
      : '';
  } catch (e) {
    if (mine !== generation) return;
    info.textContent = '';
    showError(errorEl, e);
  } finally {
    if (byPerson) button.disabled = false;
  }
}

/**
 * Fills the form with the latest run that wrote signals: its provider, symbol and signal, itself as
 * the source, and the last DEFAULT_SPAN_MS of its rows; unless the person has started on the form.
 */
async function loadDefaults(picker) {
  let latest;
  try {
    [latest] = await Promise.all([api('/v1/signals/latest-run'), picker.ready]);
  } catch (e) {
    showError($('signal-error'), e);
    return;
  }
  if (defaults.touched || latest?.run_id == null) {
    if (latest?.run_id == null && !defaults.touched) {
      $('chart-info').textContent = 'No replay has written signals yet: choose "live" or start a replay with signals, then Show.';
    }
    return;
  }
  defaults.run = latest;
  if (!(await picker.choose(latest.provider, latest.symbol)) || defaults.touched) return;
  $('sig-name').value = latest.name;
  if ($('sig-name').value !== latest.name) {
    setOptions($('sig-name'), [...SIGNAL_NAMES, latest.name].filter((n, i, all) => all.indexOf(n) === i).map((n) => ({ value: n, text: n })));
    $('sig-name').value = latest.name;
  }
  // on whole minutes: [end - 1 h, end) with end the minute after the run's last row, no earlier than its first
  const endMs = Math.ceil((epochMs(latest.last_ts) + 1) / MINUTE_MS) * MINUTE_MS;
  const startMs = Math.max(Math.floor(epochMs(latest.first_ts) / MINUTE_MS) * MINUTE_MS, endMs - DEFAULT_SPAN_MS);
  $('sig-start').value = toInputValue(startMs);
  $('sig-end').value = toInputValue(endMs);
  renderSources(state.replays);
  $('sig-source').value = String(latest.run_id);
  defaults.applied = true;
  if (defaults.visible) showDefault();
}

function showDefault() {
  if (!defaults.applied || defaults.shown || defaults.touched) return;
  defaults.shown = true;
  show(null, { byPerson: false });
}

/** The page is shown: its default chart is drawn the first time. */
export function showSignals() {
  defaults.visible = true;
  showDefault();
}

export function hideSignals() {
  defaults.visible = false;
}

export function initSignals() {
  const start = $('sig-start');
  const end = $('sig-end');
  trackUserEdits(start, end);
  utcField(start);
  utcField(end);
  setOptions($('sig-name'), SIGNAL_NAMES.map((n) => ({ value: n, text: n })));

  const picker = providerSymbolPicker({
    providerSelect: $('sig-provider'),
    symbolSelect: $('sig-symbol'),
    errorEl: $('signal-error'),
    onChange: ({ provider, selected }) => {
      const row = selected[0] ?? provider;
      if (!row) return;
      prefill(start, toInputValue(row.first_ts));
      const last = epochMs(row.last_ts);
      if (Number.isFinite(last)) prefill(end, toInputValue(last + 1000)); // end is exclusive
    },
  });

  subscribe((s) => renderSources(s.replays));

  // a person's change on the form (not the page's own) ends the defaults
  const form = $('signal-form');
  for (const type of ['input', 'change']) form.addEventListener(type, () => { defaults.touched = true; });
  form.addEventListener('submit', show);
  loadDefaults(picker);
  return { reload: picker.reload };
}
