// The Exports page: the form that starts an export, and the table of exports with their downloads.

import { providerSymbolPicker } from './forms.js';
import { exportId, subscribe, upsertExport } from './store.js';
import {
  api, bindAuthDownloads, epochMs, fmtBytes, fmtInt, h, prefill, readUtcFields, selectedValues, setText,
  showError, syncRows, toInputValue, trackUserEdits, utcField,
} from './util.js';

const $ = (id) => document.getElementById(id);

const rows = new Map(); // export id -> {tr, cells}

const datasetOf = (job) => {
  const m = job.metadata ?? {};
  if (!m.dataset) return '—';
  return m.interval && !String(m.dataset).includes('_') ? `${m.dataset}_${m.interval}` : m.dataset;
};

function createRow(id) {
  const cells = {
    id: h('td', { class: 'num' }, String(id)),
    status: h('td', { class: 'status' }),
    dataset: h('td', { class: 'dataset' }),
    what: h('td', { class: 'what' }),
    rows: h('td', { class: 'rows num' }),
    size: h('td', { class: 'size num' }),
    file: h('td', { class: 'file' }),
  };
  const tr = h('tr', { dataset: { exportId: String(id) } }, ...Object.values(cells));
  return { tr, cells };
}

function updateRow({ cells }, job) {
  const id = exportId(job);
  const m = job.metadata ?? {};
  setText(cells.status, job.status);
  cells.status.dataset.status = job.status;
  cells.status.title = job.error_message ?? '';
  setText(cells.dataset, datasetOf(job));
  setText(cells.what, `${job.provider ?? ''} · ${(job.symbols ?? []).join(', ')}`);
  setText(cells.rows, fmtInt(job.rows_written));
  setText(cells.size, Number.isFinite(m.bytes) ? fmtBytes(m.bytes) : '—');

  const href = `/v1/exports/${id}/download`;
  const name = typeof m.output === 'string' ? m.output.split(/[\\/]/).pop() : '';
  const link = cells.file.querySelector('a.download');
  if (job.status === 'completed') {
    if (!link) {
      cells.file.replaceChildren(h('a', { class: 'download', href, download: name, 'aria-label': `Download export ${id}` }, 'Download'),
        ' ', h('span', { class: 'filename' }, name));
    }
  } else {
    const text = job.status === 'failed' ? job.error_message ?? 'failed' : name;
    if (link || cells.file.textContent !== text) cells.file.replaceChildren(h('span', { class: job.status === 'failed' ? 'error-text' : 'filename' }, text));
  }
}

function renderTable(exports) {
  const count = syncRows($('exports').tBodies[0], rows, exports, exportId, createRow, updateRow);
  $('exports-empty').hidden = count > 0;
}

export function initExports() {
  const form = $('export-form');
  const errorEl = $('export-error');
  const statusEl = $('export-status');
  const start = $('exp-start');
  const end = $('exp-end');
  trackUserEdits(start, end);
  utcField(start);
  utcField(end);

  const picker = providerSymbolPicker({
    providerSelect: $('exp-provider'),
    symbolSelect: $('exp-symbols'),
    errorEl,
    onChange: ({ provider, selected }) => {
      const rowsFor = selected.length ? selected : [provider ?? {}];
      const firsts = rowsFor.map((s) => epochMs(s.first_ts)).filter(Number.isFinite);
      const lasts = rowsFor.map((s) => epochMs(s.last_ts)).filter(Number.isFinite);
      if (firsts.length) prefill(start, toInputValue(Math.min(...firsts)));
      if (lasts.length) prefill(end, toInputValue(Math.max(...lasts) + 1000)); // end is exclusive
    },
  });

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    showError(errorEl, null);
    statusEl.textContent = '';
    const format = $('exp-format').value;
    const output = $('exp-output').value.trim();
    let times;
    try {
      times = readUtcFields([{ input: start, name: 'start', label: 'Start (UTC)' }, { input: end, name: 'end', label: 'End (UTC)' }]);
    } catch (e) {
      showError(errorEl, e);
      return;
    }
    const body = {
      dataset: $('exp-dataset').value,
      provider: $('exp-provider').value,
      symbols: selectedValues($('exp-symbols')),
      start: times.start,
      end: times.end,
      format,
    };
    if (output) body.output = `${output}.${format}`;
    const button = $('start-export');
    button.disabled = true;
    try {
      const job = await api('/v1/exports', { method: 'POST', body });
      upsertExport(job);
      statusEl.textContent = `Started export ${exportId(job)}.`;
    } catch (e) {
      showError(errorEl, e);
    } finally {
      button.disabled = false;
    }
  });

  bindAuthDownloads($('exports'), 'a.download', errorEl);
  subscribe((state) => renderTable(state.exports));
  return { reload: picker.reload };
}
