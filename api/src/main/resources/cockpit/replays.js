// The Replays page: the form that starts a replay, and the table of runs with their live controls.

import { providerSymbolPicker } from './forms.js';
import { initSchedules } from './schedules.js';
import { SIGNAL_NAMES, isActive, runStatus, subscribe, upsertReplay } from './store.js';
import {
  ApiError, api, epochMs, fmtInt, fmtNum, fromInputValue, h, prefill, selectedValues, setText, showError,
  syncRows, toInputValue, trackUserEdits,
} from './util.js';

const $ = (id) => document.getElementById(id);
const HOUR_MS = 3600e3;

/** What each control may do in each status (docs/api.md: resume also restarts a failed or cancelled run from its checkpoint). */
const ENABLED = {
  pause: (s) => s === 'running',
  resume: (s) => s === 'paused' || s === 'failed' || s === 'cancelled',
  cancel: (s) => s === 'running' || s === 'paused',
  speed: (s) => s === 'running' || s === 'paused',
  seek: (s) => s === 'running' || s === 'paused',
};

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

  const picker = providerSymbolPicker({
    providerSelect: $('provider'),
    symbolSelect: $('symbols'),
    searchInput: $('symbol-search'),
    errorEl,
    onChange: ({ provider, selected }) => {
      const firsts = (selected.length ? selected : [provider ?? {}]).map((s) => epochMs(s.first_ts)).filter(Number.isFinite);
      if (!firsts.length) return;
      const first = Math.min(...firsts);
      prefill(start, toInputValue(first));
      prefill(end, toInputValue(first + HOUR_MS));
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
    const body = {
      provider: $('provider').value,
      symbols: selectedValues($('symbols')),
      start: fromInputValue(start.value),
      end: fromInputValue(end.value),
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
  const seekInput = h('input', { id: `run-seek-${id}`, type: 'datetime-local', step: '1' });
  const controls = {
    pause: btn('pause', 'Pause'),
    resume: btn('resume', 'Resume'),
    cancel: btn('cancel', 'Cancel'),
    speed: h('button', { type: 'button', dataset: { action: 'speed' }, 'aria-label': `Set speed of run ${id}` }, 'Set speed'),
    seek: h('button', { type: 'button', dataset: { action: 'seek' }, 'aria-label': `Seek run ${id}` }, 'Seek'),
    speedInput,
    seekInput,
  };
  const cell = h('td', { class: 'controls' },
    h('div', { class: 'control-row' }, controls.pause, controls.resume, controls.cancel,
      h('a', { href: `#/replays/${id}`, 'aria-label': `Details of run ${id}` }, 'Details')),
    h('div', { class: 'control-row' },
      h('label', { for: speedInput.id }, 'Speed'), speedInput, controls.speed),
    h('div', { class: 'control-row' },
      h('label', { for: seekInput.id }, 'Seek to (UTC)'), seekInput, controls.seek));
  return { cell, controls };
}

function createRow(id) {
  const cells = {
    id: h('td', { class: 'run-id num' }, String(id)),
    status: h('td', { class: 'status' }),
    what: h('td', { class: 'what' }),
    progress: h('progress', { max: 1, value: 0 }),
    percent: h('span', { class: 'percent' }),
    rate: h('td', { class: 'rate num' }),
    lag: h('td', { class: 'lag num' }),
    errors: h('td', { class: 'errors num' }),
  };
  const { cell, controls } = controlsFor(id);
  const tr = h('tr', { dataset: { runId: String(id) } },
    cells.id, cells.status, cells.what,
    h('td', { class: 'progress' }, cells.progress, ' ', cells.percent),
    cells.rate, cells.lag, cells.errors, cell);
  return { tr, cells, controls };
}

function updateRow(row, job) {
  const { cells, controls, tr } = row;
  const status = runStatus(job);
  setText(cells.status, status);
  cells.status.dataset.status = status;
  cells.status.title = job.error_message ?? '';
  setText(cells.what, `${job.provider ?? ''} · ${(job.symbols ?? []).join(', ')}`);

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

  for (const [action, allowed] of Object.entries(ENABLED)) {
    controls[action].disabled = !allowed(status) || pending.has(`${job.run_id}:${action}`);
  }
  const speed = live?.speed ?? job.metadata?.speed;
  controls.speedInput.placeholder = Number.isFinite(speed) ? String(speed) : '';
  controls.speedInput.disabled = !ENABLED.speed(status);
  controls.seekInput.disabled = !ENABLED.seek(status);
  controls.seekInput.min = toInputValue(live?.start ?? job.min_ts);
  controls.seekInput.max = toInputValue(live?.end ?? job.metadata?.end);
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
    const to = fromInputValue(row.controls.seekInput.value);
    if (!to) {
      showError(errorEl, new ApiError(`Run ${runId}: choose a time to seek to`, { field: 'to' }));
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
