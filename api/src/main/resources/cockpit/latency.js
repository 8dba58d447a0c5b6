// The Latency page: "latency by percentile" of one run's stage, another run overlaid, on a log axis
// of 1 / (1 - p/100), as HdrHistogram's plots draw it.

import { COLORS, alignSeries, axis, chartMessage, createChart, line } from './charts.js';
import { subscribe } from './store.js';
import { api, bindAuthDownloads, fmtInt, fmtNum, setOptions, showError } from './util.js';

const $ = (id) => document.getElementById(id);

const loaded = { run: null, runData: null, compare: null, compareData: null };
let chart = null;
let visible = false;
let generation = 0; // the latest load; older answers are dropped

/** "0%", "90%", "99%", "99.9%", ... for x = 1 / (1 - p/100). */
export function percentileLabel(x) {
  const p = 100 * (1 - 1 / x);
  if (p <= 0) return '0%';
  const nines = Math.round(Math.log10(x));
  if (Math.abs(x - 10 ** nines) < 1e-6 * x) {
    return nines === 1 ? '90%' : `99${nines > 2 ? `.${'9'.repeat(nines - 2)}` : ''}%`;
  }
  return `${fmtNum(p, 4)}%`;
}

const points = (stage) => (stage?.percentiles ?? [])
  .filter(([p, us]) => p < 100 && Number.isFinite(us))
  .map(([p, us]) => [1 / (1 - p / 100), us]);

function chartOptions(labels) {
  return {
    series: [
      { label: 'percentile', value: (u, v) => (v === null || v === undefined ? '—' : percentileLabel(v)) },
      ...labels.map((label, i) => line(label, i === 0 ? COLORS.accent : COLORS.second, {
        width: 2,
        value: (u, v) => (v === null || v === undefined ? '—' : `${fmtNum(v, 1)} µs`),
      })),
    ],
    scales: {
      x: {
        time: false,
        distr: 3,
        log: 10,
        range: (u, min, max) => [1, 10 ** Math.max(1, Math.ceil(Math.log10(Math.max(max, 10))))],
      },
      y: { range: (u, min, max) => [0, max > 0 ? max * 1.05 : 1] },
    },
    axes: [
      axis({
        label: 'percentile',
        splits: (u) => {
          const out = [];
          for (let x = 1; x <= u.scales.x.max * 1.0001; x *= 10) out.push(x);
          return out;
        },
        values: (u, splits) => splits.map(percentileLabel),
      }),
      axis({ label: 'latency (µs)', size: 70, values: (u, splits) => splits.map((v) => fmtNum(v, 1)) }),
    ],
  };
}

function updateLink() {
  const link = $('download-hgrm');
  const run = $('lat-run').value;
  const stage = $('lat-stage').value;
  if (run && stage) {
    link.href = `/v1/replay/ticks/${encodeURIComponent(run)}/latency.hgrm?stage=${encodeURIComponent(stage)}`;
    link.setAttribute('download', `run-${run}-${stage}.hgrm`);
    link.removeAttribute('aria-disabled');
  } else {
    link.href = '#/latency';
    link.removeAttribute('download');
    link.setAttribute('aria-disabled', 'true');
  }
}

function draw() {
  updateLink();
  const container = $('latency-chart');
  const info = $('latency-info');
  const stageName = $('lat-stage').value;
  const a = loaded.runData?.stages?.[stageName];
  const b = loaded.compareData?.stages?.[stageName];
  const parts = [];
  const labels = [];
  const notes = [];
  for (const [id, stage] of [[loaded.run, a], [loaded.compare, b]]) {
    if (!id) continue;
    const pts = points(stage);
    if (!pts.length) {
      notes.push(`run ${id} has no "${stageName}" samples`);
      continue;
    }
    parts.push({ t: pts.map((p) => p[0]), values: [pts.map((p) => p[1])] });
    labels.push(`run ${id}`);
    notes.push(`run ${id}: ${fmtInt(stage.count)} samples, max ${fmtNum(stage.max_us, 1)} µs${loaded.runData?.live && id === loaded.run ? ' (live)' : ''}`);
  }
  info.textContent = notes.join(' · ');
  chart?.destroy();
  chart = null;
  if (!parts.length) {
    chartMessage(container, loaded.run ? 'No latency samples for this stage.' : 'No run chosen.');
    return;
  }
  chart = createChart(container, chartOptions(labels), alignSeries(parts), { height: 360 });
}

async function load() {
  const errorEl = $('latency-error');
  const run = $('lat-run').value || null;
  const compareValue = $('lat-compare').value;
  const compare = compareValue && compareValue !== 'none' && compareValue !== run ? compareValue : null;
  const mine = ++generation;
  showError(errorEl, null);
  try {
    const [runData, compareData] = await Promise.all([
      run ? api(`/v1/replay/ticks/${encodeURIComponent(run)}/latency`) : null,
      compare ? api(`/v1/replay/ticks/${encodeURIComponent(compare)}/latency`) : null,
    ]);
    if (mine !== generation) return;
    Object.assign(loaded, { run, runData, compare, compareData });
    const names = Object.keys(runData?.stages ?? compareData?.stages ?? {});
    const stage = $('lat-stage');
    const previous = stage.value;
    setOptions(stage, names.map((n) => ({ value: n, text: n })));
    if (!names.includes(previous)) stage.value = names.includes('lag') ? 'lag' : names[0] ?? '';
    draw();
  } catch (e) {
    if (mine === generation) {
      showError(errorEl, e);
      updateLink();
    }
  }
}

export function initLatency() {
  $('lat-run').addEventListener('change', load);
  $('lat-compare').addEventListener('change', load);
  $('lat-stage').addEventListener('change', draw);
  bindAuthDownloads($('latency-form'), '#download-hgrm[href*="/latency.hgrm"]', $('latency-error'));
  updateLink();

  subscribe((state) => {
    const runs = state.replays.map((r) => ({ value: String(r.run_id), text: `run ${r.run_id} (${r.provider ?? ''} ${(r.symbols ?? []).join(', ')})` }));
    const runSelect = $('lat-run');
    const before = runSelect.value;
    setOptions(runSelect, runs);
    setOptions($('lat-compare'), [{ value: 'none', text: 'none' }, ...runs]);
    if (visible && runSelect.value !== before) load();
  });
  return { reload: () => visible && load() };
}

export function showLatency() {
  visible = true;
  if ($('lat-run').value !== (loaded.run ?? '') || !loaded.runData || loaded.runData.live) load();
}

export function hideLatency() {
  visible = false;
}
