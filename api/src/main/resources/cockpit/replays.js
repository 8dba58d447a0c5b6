// The Replays page: the form that starts a replay, and the table of runs with their live controls.

import { providerSymbolPicker } from './forms.js';
import { initSchedules } from './schedules.js';
import { SIGNAL_NAMES, isActive, runStatus, subscribe, upsertReplay } from './store.js';
import {
  ApiError, UTC_PLACEHOLDER, api, epochMs, fmtBytes, fmtInt, fmtNum, fromInputValue, h, prefill, readUtcFields, selectedValues, setText,
  showError, syncRows, toInputValue, trackUserEdits, utcField,
} from './util.js';

const $ = (id) => document.getElementById(id);
const MINUTE_MS = 60e3;

/**
 * The form's default: the latest DEFAULT_WINDOW_MS of the chosen symbols' ticks (ending at the whole
 * minute after the last one) at the speed selected in index.html (10x), so that it finishes in 30 s.
 */
export const DEFAULT_WINDOW_MS = 5 * MINUTE_MS;
/** At most this many symbols are selected by default (the busiest, when a provider has more). */
const DEFAULT_SYMBOLS = 10;

/**
 * The controls that apply in each status; the others are not shown (docs/api.md: resume also restarts a
 * failed or cancelled run from its checkpoint, which the button then says).
 */
const APPLIES = {
  pause: (s) => s === 'running',
  resume: (s) => s === 'paused' || s === 'failed' || s === 'cancelled',
  cancel: (s) => s === 'running' || s === 'paused',
  speed: (s) => s === 'running' || s === 'paused',
  seek: (s) => s === 'running' || s === 'paused',
};

/** A resume that restarts an ended run from its checkpoint (not a paused run going on). */
const restarts = (status) => status === 'failed' || status === 'cancelled';

/** ["2025-11-03 14:30", "15:30"]: the window's start and end in UTC, the end's date only when it differs. */
function windowParts(startValue, endValue) {
  const start = toInputValue(startValue);
  const end = toInputValue(endValue);
  if (!start || !end) return [start || end || '—'];
  return [start, end.slice(0, 10) === start.slice(0, 10) ? end.slice(11) : end];
}

/** "2025-11-03 14:30 → 15:30" (the end's date only when it differs), UTC. */
export const windowText = (startValue, endValue) => windowParts(startValue, endValue).join(' → ');

/**
 * "72,103 rows · 8.2 MiB": the run's signal rows (about) and their partition on disk, from the `size`
 * the runs list carries (GET /v1/replay/ticks, the event stream); the bytes alone while the rows are
 * not known yet, '—' for a run that kept no signal rows.
 */
export function sizeText(size) {
  if (!size || (!size.bytes && !size.signal_rows)) return '—';
  const bytes = fmtBytes(size.bytes);
  return Number.isFinite(size.signal_rows) ? `${fmtInt(size.signal_rows)} rows · ${bytes}` : bytes;
}

export const speedText = (speed) => (speed === 0 ? 'burst' : Number.isFinite(speed) ? `${fmtNum(speed, 3)}x` : '—');

/** Fraction of the run's window [start, end) emitted so far, by the latest emitted tick's time. */
export function progressOf(job) {
  if (job.status === 'completed') return 1;
  const start = epochMs(job.live?.start ?? job.min_ts);
  const end = epochMs(job.live?.end ?? job.metadata?.end);
  const at = epochMs(job.live?.max_ts ?? job.max_ts);
  if (!(end > start) || !Number.isFinite(at)) return 0;
  return Math.min(1, Math.max(0, (at - start) / (end - start)));
}

// --- the form ---

function initForm() {
  const form = $('replay-form');
  const errorEl = $('replay-error');
  const statusEl = $('replay-status');
  const start = $('start');
  const end = $('end');
  const speed = $('speed');
  const customSpeed = $('custom-speed');
  const signals = $('signals');

  signals.replaceChildren(
    h('option', { value: 'all', selected: true }, 'all'),
    h('option', { value: 'none' }, 'none'),
    ...SIGNAL_NAMES.map((name) => h('option', { value: name }, name)),
  );
  trackUserEdits(start, end);
  utcField(start);
  utcField(end);

  const picker = providerSymbolPicker({
    providerSelect: $('provider'),
    symbolSelect: $('symbols'),
    searchInput: $('symbol-search'),
    errorEl,
    // every symbol of the provider, or its busiest DEFAULT_SYMBOLS: a request needs at least one
    defaultSelection: (rows) => [...rows].sort((a, b) => (b.ticks ?? 0) - (a.ticks ?? 0)).slice(0, DEFAULT_SYMBOLS).map((r) => r.symbol),
    onChange: ({ provider, selected }) => {
      const lasts = (selected.length ? selected : [provider ?? {}]).map((s) => epochMs(s.last_ts)).filter(Number.isFinite);
      if (!lasts.length) return;
      // the latest ticks, the window on whole minutes: [end - 5 min, end) with end the minute after the last tick
      const endMs = Math.ceil((Math.max(...lasts) + 1) / MINUTE_MS) * MINUTE_MS;
      prefill(start, toInputValue(endMs - DEFAULT_WINDOW_MS));
      prefill(end, toInputValue(endMs));
    },
  });

  const showCustom = () => {
    $('custom-speed-field').hidden = speed.value !== 'custom';
  };
  speed.addEventListener('change', showCustom);
  showCustom();

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    showError(errorEl, null);
    statusEl.textContent = '';
    let speedValue = Number(speed.value);
    if (speed.value === 'custom') {
      speedValue = Number(customSpeed.value);
      if (customSpeed.value.trim() === '' || !Number.isFinite(speedValue)) {
        showError(errorEl, new ApiError('Custom speed: enter a number (0 = burst, otherwise at least 0.001)', { field: 'speed' }));
        customSpeed.focus();
        return;
      }
    }
    let times;
    try {
      times = readUtcFields([{ input: start, name: 'start', label: 'Start (UTC)' }, { input: end, name: 'end', label: 'End (UTC)' }]);
    } catch (e) {
      showError(errorEl, e);
      return;
    }
    const body = {
      provider: $('provider').value,
      symbols: selectedValues($('symbols')),
      start: times.start,
      end: times.end,
      speed: speedValue,
    };
    const chosen = selectedValues(signals);
    if (chosen.includes('all')) body.signals = 'all';
    else if (chosen.includes('none')) body.signals = 'none';
    else if (chosen.length) body.signals = chosen;

    const button = $('start-replay');
    button.disabled = true;
    try {
      const job = await api('/v1/replay/ticks', { method: 'POST', body });
      upsertReplay(job);
      statusEl.textContent = `Started run ${job.run_id}.`;
    } catch (e) {
      showError(errorEl, e);
    } finally {
      button.disabled = false;
    }
  });

  return picker;
}

// --- the table ---

const rows = new Map(); // run id -> {tr, cells, controls}
const pending = new Set(); // "runId:action" while its POST is under way

function controlsFor(id) {
  const btn = (action, text) => h('button', { type: 'button', dataset: { action }, 'aria-label': `${text} run ${id}` }, text);
  const speedInput = h('input', { id: `run-speed-${id}`, type: 'number', min: '0', step: 'any', inputmode: 'decimal', class: 'speed-input' });
  const seekInput = utcField(h('input', {
    id: `run-seek-${id}`, type: 'text', class: 'utc-time seek-input', autocomplete: 'off', spellcheck: 'false', placeholder: UTC_PLACEHOLDER,
    'aria-describedby': 'utc-hint',
  }));
  const controls = {
    pause: btn('pause', 'Pause'),
    resume: btn('resume', 'Resume'),
    cancel: btn('cancel', 'Cancel'),
    speed: h('button', { type: 'button', dataset: { action: 'speed' }, 'aria-label': `Set speed of run ${id}` }, 'Set speed'),
    seek: h('button', { type: 'button', dataset: { action: 'seek' }, 'aria-label': `Seek run ${id}` }, 'Seek'),
    speedInput,
    seekInput,
  };
  // each group is shown only in the statuses where it applies
  const groups = {
    speed: h('span', { class: 'control-group' }, h('label', { for: speedInput.id }, 'Speed'), speedInput, controls.speed),
    seek: h('span', { class: 'control-group' }, h('label', { for: seekInput.id }, 'Seek to (UTC)'), seekInput, controls.seek),
  };
  const cell = h('td', { class: 'controls' },
    h('div', { class: 'control-row' }, controls.pause, controls.resume, controls.cancel,
      h('a', { href: `#/replays/${id}`, 'aria-label': `Details of run ${id}` }, 'Details'), groups.speed, groups.seek));
  return { cell, controls, groups };
}

function createRow(id) {
  const cells = {
    id: h('td', { class: 'run-id num' }, String(id)),
    status: h('td', { class: 'status' }),
    what: h('td', { class: 'what' }),
    window: h('td', { class: 'window' }),
    speed: h('td', { class: 'speed num' }),
    progress: h('progress', { max: 1, value: 0 }),
    percent: h('span', { class: 'percent' }),
    rate: h('td', { class: 'rate num' }),
    lag: h('td', { class: 'lag num' }),
    errors: h('td', { class: 'errors num' }),
    size: h('td', { class: 'size num' }),
  };
  const { cell, controls, groups } = controlsFor(id);
  const tr = h('tr', { dataset: { runId: String(id) } },
    cells.id, cells.status, cells.what, cells.window, cells.speed,
    h('td', { class: 'progress' }, cells.progress, ' ', cells.percent),
    cells.rate, cells.lag, cells.errors, cells.size, cell);
  return { tr, cells, controls, groups };
}

function updateRow(row, job) {
  const { cells, controls, groups, tr } = row;
  const status = runStatus(job);
  setText(cells.status, status);
  cells.status.dataset.status = status;
  cells.status.title = job.error_message ?? '';
  setText(cells.what, `${job.provider ?? ''} · ${(job.symbols ?? []).join(', ')}`);
  const windowStart = job.live?.start ?? job.min_ts;
  const windowEnd = job.live?.end ?? job.metadata?.end;
  // each end unbroken; a window across days wraps at its arrow
  const text = windowText(windowStart, windowEnd);
  if (cells.window.textContent !== text) {
    const parts = windowParts(windowStart, windowEnd).map((p) => h('span', { class: 'nowrap' }, p));
    cells.window.replaceChildren(...parts.flatMap((p, i) => (i ? [' → ', p] : [p])));
  }

  const fraction = progressOf(job);
  cells.progress.value = fraction;
  const percent = `${fmtNum(fraction * 100, 1)}%`;
  setText(cells.progress, percent);
  setText(cells.percent, percent);

  const live = job.live;
  setText(cells.rate, fmtInt(live?.ticks_per_s ?? job.metadata?.ticks_per_second));
  setText(cells.lag, live ? fmtNum(live.lag_ms, 1) : '—');
  setText(cells.errors, live ? fmtInt(live.errors) : job.error_message ? 'error' : '—');
  cells.errors.title = job.error_message ?? '';

  setText(cells.size, sizeText(job.size));
  const size = job.size;
  cells.size.title = size ? `bars: ${fmtInt(size.bar_rows)}; journal: ${Number.isFinite(size.journal_bytes) ? fmtBytes(size.journal_bytes) : '—'}` : '';

  const speed = live?.speed ?? job.metadata?.speed_final ?? job.metadata?.speed;
  setText(cells.speed, speedText(speed));

  for (const [action, applies] of Object.entries(APPLIES)) {
    const shown = applies(status);
    controls[action].disabled = pending.has(`${job.run_id}:${action}`);
    if (groups[action]) groups[action].hidden = !shown;
    else controls[action].hidden = !shown;
  }
  const resumeText = restarts(status) ? 'Resume from checkpoint' : 'Resume';
  setText(controls.resume, resumeText);
  controls.resume.setAttribute('aria-label', `${resumeText} run ${job.run_id}`);
  controls.resume.classList.toggle('secondary', restarts(status));
  controls.cancel.classList.add('danger');
  controls.speedInput.placeholder = Number.isFinite(speed) ? String(speed) : '';
  controls.seekInput.title = `Forward only, inside ${windowText(windowStart, windowEnd)} (UTC)`;
  tr.classList.toggle('active', isActive(job));
}

function renderTable(replays) {
  const count = syncRows($('active-replays').tBodies[0], rows, replays, (job) => job.run_id, createRow, updateRow);
  $('replays-empty').hidden = count > 0;
}

async function control(runId, action) {
  const errorEl = $('replay-error');
  showError(errorEl, null);
  const row = rows.get(runId);
  const status = runStatus(currentReplays.find((r) => r.run_id === runId) ?? {});
  if (action === 'cancel' && !confirm(`Cancel run ${runId}? It stops now. "Resume from checkpoint" can restart it later from its last checkpoint.`)) return;
  if (action === 'resume' && restarts(status) &&
    !confirm(`Restart run ${runId} from its last checkpoint? It is ${status}; it runs again under the same id from where the checkpoint says, ` +
      'writing its signals and journal on from there.')) return;
  let body;
  if (action === 'speed') {
    const value = row.controls.speedInput.value.trim();
    const speed = Number(value);
    if (value === '' || !Number.isFinite(speed)) {
      showError(errorEl, new ApiError(`Run ${runId}: enter a speed (0 = burst, otherwise at least 0.001)`, { field: 'speed' }));
      return;
    }
    body = { speed };
  } else if (action === 'seek') {
    const text = row.controls.seekInput.value.trim();
    const to = fromInputValue(text);
    if (!to) {
      showError(errorEl, new ApiError(text ? `Run ${runId}: "${text}" is not a UTC time as ${UTC_PLACEHOLDER} (24-hour)`
        : `Run ${runId}: enter a UTC time to seek to (${UTC_PLACEHOLDER})`, { field: 'to' }));
      return;
    }
    body = { to };
  }
  const key = `${runId}:${action}`;
  pending.add(key);
  row.controls[action].disabled = true;
  try {
    const job = await api(`/v1/replay/ticks/${runId}/${action}`, { method: 'POST', body });
    if (action === 'speed') row.controls.speedInput.value = '';
    pending.delete(key);
    upsertReplay(job);
  } catch (e) {
    pending.delete(key);
    showError(errorEl, new ApiError(`Run ${runId}: ${e.message}`, e));
    renderTable(currentReplays);
  }
}

let currentReplays = [];

export function initReplays() {
  const picker = initForm();
  $('active-replays').tBodies[0].addEventListener('click', (event) => {
    const button = event.target.closest('button[data-action]');
    const tr = button?.closest('tr[data-run-id]');
    if (!button || !tr || button.disabled) return;
    control(Number(tr.dataset.runId), button.dataset.action);
  });
  subscribe((state) => {
    currentReplays = state.replays;
    renderTable(state.replays);
  });
  const schedules = initSchedules();
  return {
    reload: () => {
      schedules.reload();
      return picker.reload();
    },
  };
}
