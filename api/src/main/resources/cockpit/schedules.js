// The Replays page's schedules table (docs/schedules.md): each scheduled replay with its cron, zone, next
// fire and the run it last started. Read from GET /v1/schedules when the page loads and every 10 s; the
// schedules are made with the API or `tickreplay schedule add`, not here.

import { api, fmtTs, h, setText, showError, syncRows } from './util.js';

const $ = (id) => document.getElementById(id);
const POLL_MS = 10_000;
const rows = new Map(); // schedule id -> {tr, cells}

function createRow(id) {
  const cells = {
    name: h('td', { class: 'schedule-name' }),
    cron: h('td', { class: 'cron' }),
    zone: h('td', { class: 'zone' }),
    next: h('td', { class: 'next-fire' }),
    last: h('td', { class: 'last-run' }),
  };
  const tr = h('tr', { dataset: { scheduleId: String(id) } }, cells.name, cells.cron, cells.zone, cells.next, cells.last);
  return { tr, cells };
}

function updateRow(row, schedule) {
  const { cells } = row;
  setText(cells.name, schedule.name);
  setText(cells.cron, schedule.cron);
  setText(cells.zone, schedule.zone);
  setText(cells.next, fmtTs(schedule.next_fire_at));
  const runId = schedule.last_run_id;
  const link = runId == null ? null : h('a', { href: `#/replays/${runId}`, 'aria-label': `Details of run ${runId}` }, `run ${runId}`);
  const shown = cells.last.dataset.runId ?? '';
  if (shown !== String(runId ?? '')) {
    cells.last.replaceChildren(...(link ? [link] : ['—']));
    cells.last.dataset.runId = String(runId ?? '');
  }
  cells.last.title = schedule.last_outcome ?? '';
}

async function load() {
  const errorEl = $('schedules-error');
  try {
    const { schedules } = await api('/v1/schedules');
    showError(errorEl, null);
    const count = syncRows($('schedules').tBodies[0], rows, schedules, (s) => s.id, createRow, updateRow);
    $('schedules-empty').hidden = count > 0;
  } catch (e) {
    showError(errorEl, e);
  }
}

export function initSchedules() {
  load();
  setInterval(() => {
    if (!$('page-replays').hidden) load();
  }, POLL_MS);
  return { reload: load };
}
