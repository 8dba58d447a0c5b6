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

/**
 * The unit latencies of up to `maxUs` microseconds read best in: µs below 1 ms, ms below 1 s, s above.
 * {unit, div}: a value in that unit is microseconds / div.
 */
export function unitFor(maxUs) {
  if (!(maxUs >= 1000)) return { unit: 'µs', div: 1 };
  if (maxUs < 1e6) return { unit: 'ms', div: 1e3 };
  return { unit: 's', div: 1e6 };
}

/** "812 µs", "2.76 ms", "2.76 s": three significant digits at most, in the unit its size calls for. */
export function fmtLatency(us) {
  if (!Number.isFinite(us)) return '—';
  const { unit, div } = unitFor(us);
  const v = us / div;
  return `${fmtNum(v, v >= 100 ? 0 : v >= 10 ? 1 : 2)} ${unit}`;
}

/** What each stage measures, for the Stage dropdown (the API's stage names, docs/cockpit.md). */
export function stageText(name) {
  if (name === 'lag') return 'lag · behind the schedule';
  if (/^signals-\d+$/.test(name)) return `${name} · tick to signal`;
  if (name === 'journal') return 'journal · tick to journal';
  if (name === 'bars') return 'bars · tick to bar';
  return name;
}

/** The stage shown first: the signals (end to end on the signal path), then the journal, the lag, any. */
export function defaultStage(names) {
  return names.filter((n) => /^signals-\d+$/.test(n)).sort((a, b) => Number(a.slice(8)) - Number(b.slice(8)))[0]
    ?? ['journal', 'lag'].find((n) => names.includes(n)) ?? names[0] ?? '';
}

let measure = null;

/** Width in CSS pixels of the widest of `texts` in `font` (a canvas 2D font string). */
function textWidth(texts, font) {
  measure ??= document.createElement('canvas').getContext('2d');
  measure.font = font;
  return Math.max(0, ...texts.map((t) => measure.measureText(String(t)).width));
}

const points = (stage) => (stage?.percentiles ?? [])
  .filter(([p, us]) => p < 100 && Number.isFinite(us))
  .map(([p, us]) => [1 / (1 - p / 100), us]);

const AXIS_FONT = '12px system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif';
const LABEL_FONT = 'bold 12px system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif';
const TICK_SIZE = 6;
const LABEL_GAP = 6;

function chartOptions(labels, { unit }) {
  const fmtValue = (v) => fmtNum(v, v >= 100 ? 0 : v >= 10 ? 1 : 2);
  return {
    // room on the right for the last percentile's label ("99.9999%"), centred on the plot's edge
    padding: [null, Math.ceil(textWidth(['99.9999%'], AXIS_FONT) / 2) + 8, null, null],
    series: [
      { label: 'percentile', value: (u, v) => (v === null || v === undefined ? '—' : percentileLabel(v)) },
      ...labels.map((label, i) => line(label, i === 0 ? COLORS.accent : COLORS.second, {
        width: 2,
        value: (u, v) => (v === null || v === undefined ? '—' : `${fmtValue(v)} ${unit}`),
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
        font: AXIS_FONT,
        labelFont: LABEL_FONT,
        splits: (u) => {
          const out = [];
          for (let x = 1; x <= u.scales.x.max * 1.0001; x *= 10) out.push(x);
          return out;
        },
        values: (u, splits) => splits.map(percentileLabel),
      }),
      axis({
        label: `latency (${unit})`,
        font: AXIS_FONT,
        labelFont: LABEL_FONT,
        gap: LABEL_GAP,
        ticks: { stroke: COLORS.grid, width: 1, size: TICK_SIZE },
        values: (u, splits) => splits.map(fmtValue),
        // wide enough for the widest tick label, so that the title beside them never overlaps one
        size: (u, values) => Math.ceil(TICK_SIZE + LABEL_GAP + textWidth(values ?? [], AXIS_FONT) + 8),
      }),
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
  const maxUs = Math.max(0, ...[a, b].map((st) => Math.max(0, ...points(st).map((p) => p[1]))));
  const unit = unitFor(maxUs);
  for (const [id, stage] of [[loaded.run, a], [loaded.compare, b]]) {
    if (!id) continue;
    const pts = points(stage);
    if (!pts.length) {
      notes.push(`run ${id} has no "${stageName}" samples`);
      continue;
    }
    parts.push({ t: pts.map((p) => p[0]), values: [pts.map((p) => p[1] / unit.div)] });
    labels.push(`run ${id}`);
    notes.push(`run ${id}: ${fmtInt(stage.count)} samples, max ${fmtLatency(stage.max_us)}${loaded.runData?.live && id === loaded.run ? ' (live)' : ''}`);
  }
  info.textContent = notes.join(' · ');
  chart?.destroy();
  chart = null;
  if (!parts.length) {
    chartMessage(container, loaded.run ? 'No latency samples for this stage.' : 'No run chosen.');
    return;
  }
  container.dataset.unit = unit.unit;
  chart = createChart(container, chartOptions(labels, unit), alignSeries(parts), { height: 360 });
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
    setOptions(stage, names.map((n) => ({ value: n, text: stageText(n) })));
    if (!names.includes(previous)) stage.value = defaultStage(names);
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
