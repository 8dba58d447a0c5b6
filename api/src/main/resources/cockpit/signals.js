// The Signals page: one signal of one symbol, downsampled by the server to min/max/last per pixel
// column, with the 1-minute close on a second axis and, optionally, the same signal from another source.

import { COLORS, alignSeries, axis, chartMessage, createChart, line, timeAxis, timeSeries } from './charts.js';
import { providerSymbolPicker } from './forms.js';
import { SIGNAL_NAMES, subscribe } from './store.js';
import { api, epochMs, fmtInt, fromInputValue, nextFrame, prefill, query, setOptions, showError, toInputValue, trackUserEdits } from './util.js';

const $ = (id) => document.getElementById(id);

let chart = null;

const sourceLabel = (source) => (source === 'live' ? 'live' : `run ${source}`);

function sourceParams(source) {
  return source === 'live' ? { live: 'true' } : { replay_run_id: source };
}

function runOptions(replays) {
  return replays.map((r) => ({ value: String(r.run_id), text: `run ${r.run_id} (${r.provider ?? ''} ${(r.symbols ?? []).join(', ')})` }));
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

async function show(event) {
  event.preventDefault();
  const errorEl = $('signal-error');
  const info = $('chart-info');
  const container = $('signal-chart');
  showError(errorEl, null);

  const source = $('sig-source').value;
  const compareValue = $('sig-compare').value;
  const compare = compareValue === 'none' || compareValue === source ? null : compareValue;
  const name = $('sig-name').value;
  const width = Math.max(100, Math.floor(container.clientWidth || 800));
  const base = {
    provider: $('sig-provider').value,
    symbol: $('sig-symbol').value,
    name,
    start: fromInputValue($('sig-start').value),
    end: fromInputValue($('sig-end').value),
    width,
  };

  const button = $('show-signal');
  button.disabled = true;
  info.textContent = 'Loading…';
  const t0 = performance.now();
  try {
    const [main, other] = await Promise.all([
      api(`/v1/signals/chart${query({ ...base, ...sourceParams(source) })}`),
      compare ? api(`/v1/signals/chart${query({ ...base, ...sourceParams(compare) })}`) : null,
    ]);
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
    info.textContent = '';
    showError(errorEl, e);
  } finally {
    button.disabled = false;
  }
}

export function initSignals() {
  const start = $('sig-start');
  const end = $('sig-end');
  trackUserEdits(start, end);
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

  subscribe((state) => {
    const runs = runOptions(state.replays);
    setOptions($('sig-source'), [{ value: 'live', text: 'live' }, ...runs]);
    setOptions($('sig-compare'), [{ value: 'none', text: 'none' }, { value: 'live', text: 'live' }, ...runs]);
  });

  $('signal-form').addEventListener('submit', show);
  return { reload: picker.reload };
}
