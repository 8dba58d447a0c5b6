// Helpers shared by the pages: the API client, formatting (UTC, en-US numbers) and DOM building.

const TOKEN_KEY = 'tickreplay.apiToken';
const LOCALE = 'en-US';

export const getToken = () => sessionStorage.getItem(TOKEN_KEY) || '';

export function setToken(token) {
  if (token) sessionStorage.setItem(TOKEN_KEY, token);
  else sessionStorage.removeItem(TOKEN_KEY);
}

/** An error answer of the API ({"error", "field"} with a 4xx/5xx status), or a network failure. */
export class ApiError extends Error {
  constructor(message, { status = 0, field = null } = {}) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.field = field;
  }
}

const authHeaders = () => {
  const token = getToken();
  return token ? { Authorization: `Bearer ${token}` } : {};
};

async function errorOf(response) {
  const text = await response.text().catch(() => '');
  let json = null;
  try {
    json = JSON.parse(text);
  } catch {
    json = null;
  }
  const message = json?.error ?? (text.trim().slice(0, 200) || response.statusText || 'request failed');
  return new ApiError(`${response.status}: ${message}`, { status: response.status, field: json?.field ?? null });
}

/** fetch() with the token; resolves to the response when it is a 2xx, else throws an ApiError. */
export async function request(path, init = {}) {
  let response;
  try {
    response = await fetch(path, { credentials: 'same-origin', ...init, headers: { ...authHeaders(), ...init.headers } });
  } catch (e) {
    throw new ApiError(`Cannot reach the server (${e.message})`);
  }
  if (!response.ok) throw await errorOf(response);
  return response;
}

/**
 * Calls the API and resolves to its JSON. `body` (any value, `{}` included) is sent as JSON with
 * `Content-Type: application/json`; without it the request has no body and no content type.
 */
export async function api(path, { method = 'GET', body } = {}) {
  const init = { method, headers: { Accept: 'application/json' } };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const response = await request(path, init);
  try {
    return await response.json();
  } catch {
    throw new ApiError(`${response.status}: the answer is not JSON`, { status: response.status });
  }
}

function filenameOf(disposition) {
  if (!disposition) return null;
  const star = /filename\*=UTF-8''([^;]+)/i.exec(disposition);
  if (star) {
    try {
      return decodeURIComponent(star[1]);
    } catch {
      // fall through to the plain name
    }
  }
  return /filename="([^"]*)"/i.exec(disposition)?.[1] ?? null;
}

/**
 * A download link that works with the API token: without a token the browser follows the link as
 * usual; with one, the file is fetched with the Authorization header (a link cannot send it) and
 * saved from memory. Errors go to `errorEl`.
 */
export function bindAuthDownloads(root, selector, errorEl) {
  root.addEventListener('click', async (event) => {
    const link = event.target.closest(selector);
    if (!link || !getToken()) return;
    event.preventDefault();
    try {
      const response = await request(link.href);
      const blob = await response.blob();
      const url = URL.createObjectURL(blob);
      const name = filenameOf(response.headers.get('Content-Disposition')) || link.getAttribute('download') || 'download';
      const a = h('a', { href: url, download: name, hidden: true });
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
    } catch (e) {
      showError(errorEl, e);
    }
  });
}

/** Query string from an object, leaving out null, undefined and empty values. */
export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== null && v !== undefined && v !== '') q.set(k, String(v));
  }
  const s = q.toString();
  return s ? `?${s}` : '';
}

/** Shows an error in a role="alert" element (with the field it names), or hides it when `error` is null. */
export function showError(element, error) {
  if (!error) {
    element.hidden = true;
    element.textContent = '';
    return;
  }
  const field = error.field ? ` (field: ${error.field})` : '';
  element.textContent = `${error.message}${field}`;
  element.hidden = false;
}

/**
 * Builds an element: h('a', {href: '#', class: 'x', dataset: {id: 1}}, 'text', child).
 * Strings become text nodes, so nothing given here is parsed as HTML.
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k in el && typeof v !== 'string') el[k] = v;
    else el.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) {
    if (c !== null && c !== undefined && c !== false) el.append(c instanceof Node ? c : String(c));
  }
  return el;
}

/** Sets text only when it changed (no needless layout or screen-reader chatter). */
export function setText(el, text) {
  const s = String(text);
  if (el.textContent !== s) el.textContent = s;
}

export function fmtInt(n) {
  return Number.isFinite(n) ? Math.round(n).toLocaleString(LOCALE) : '—';
}

export function fmtNum(n, digits = 1) {
  return Number.isFinite(n) ? n.toLocaleString(LOCALE, { maximumFractionDigits: digits }) : '—';
}

export function fmtBytes(bytes) {
  if (!Number.isFinite(bytes)) return '—';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = bytes;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toLocaleString(LOCALE, { maximumFractionDigits: i === 0 ? 0 : 1 })} ${units[i]}`;
}

const toDate = (value) => {
  if (value === null || value === undefined || value === '') return null;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? null : d;
};

/** "2025-11-03 14:00:00 UTC" (milliseconds kept when not zero). */
export function fmtTs(value) {
  const d = toDate(value);
  if (!d) return '—';
  return `${d.toISOString().replace('T', ' ').replace('.000Z', '').replace('Z', '')} UTC`;
}

/**
 * The cockpit's date and time fields are text inputs in UTC with a 24-hour clock ("2025-11-03 14:30",
 * seconds when they are not zero): a datetime-local input follows the browser's locale, and shows a
 * 12-hour AM/PM clock in an en-US one. They also take "T" between date and time, seconds, milliseconds
 * and a trailing "Z" or "UTC" (what ISO-8601 copies bring).
 */
export const UTC_PLACEHOLDER = 'YYYY-MM-DD HH:MM';

const UTC_TEXT = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?(?:\s*(?:Z|UTC))?$/i;

/** The field's text for an instant: "2025-11-03 14:30" or "2025-11-03 14:30:05" (UTC, 24-hour). */
export function toInputValue(value) {
  const d = toDate(value);
  if (!d) return '';
  const iso = d.toISOString();
  const seconds = iso.slice(17, 19);
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)}${seconds === '00' ? '' : `:${seconds}`}`;
}

/**
 * Epoch milliseconds of a field's text read as UTC; NaN when it is not a real time in the accepted
 * forms (so "2025-02-30 10:00", "2025-11-03 9:15 PM" and "24:00" are refused).
 */
export function parseUtc(text) {
  const m = UTC_TEXT.exec(String(text ?? '').trim());
  if (!m) return NaN;
  const [, y, mo, d, h, mi, s = '0', ms = '0'] = m;
  const n = [y, mo, d, h, mi, s].map(Number);
  const t = Date.UTC(n[0], n[1] - 1, n[2], n[3], n[4], n[5], Number(ms.padEnd(3, '0')));
  const back = new Date(t);
  const same = back.getUTCFullYear() === n[0] && back.getUTCMonth() === n[1] - 1 && back.getUTCDate() === n[2] &&
    back.getUTCHours() === n[3] && back.getUTCMinutes() === n[4] && back.getUTCSeconds() === n[5];
  return same ? t : NaN;
}

/** ISO-8601 UTC ("...Z") of a field's text read as UTC, or undefined when it is empty or invalid. */
export function fromInputValue(value) {
  const t = parseUtc(value);
  if (!Number.isFinite(t)) return undefined;
  return new Date(t).toISOString().replace('.000Z', 'Z');
}

/**
 * Reads the UTC time fields of a form: [{input, label}] to their ISO values, or throws an ApiError
 * naming the first field that is filled in but not a time (an empty field is left out: the API says
 * when it is required).
 */
export function readUtcFields(fields) {
  const out = {};
  for (const { input, name, label } of fields) {
    const text = input.value.trim();
    if (text === '') {
      out[name] = undefined;
      continue;
    }
    const iso = fromInputValue(text);
    if (!iso) {
      input.setAttribute('aria-invalid', 'true');
      input.focus();
      throw new ApiError(`${label}: "${text}" is not a UTC time as ${UTC_PLACEHOLDER} (24-hour), e.g. 2025-11-03 14:30`, { field: name });
    }
    out[name] = iso;
  }
  return out;
}

/** Marks a UTC time field invalid (aria-invalid, and the browser's own message) while its text is not a time. */
export function utcField(input) {
  const check = () => {
    const text = input.value.trim();
    const bad = text !== '' && !Number.isFinite(parseUtc(text));
    if (bad) input.setAttribute('aria-invalid', 'true');
    else input.removeAttribute('aria-invalid');
    input.setCustomValidity(bad ? `Enter a UTC time as ${UTC_PLACEHOLDER} (24-hour)` : '');
  };
  input.addEventListener('input', check);
  input.addEventListener('change', check);
  return input;
}

export const epochMs = (value) => toDate(value)?.getTime() ?? NaN;

export const nextFrame = () => new Promise((resolve) => requestAnimationFrame(() => resolve()));

/** Values of the selected options of a <select>. */
export const selectedValues = (select) => Array.from(select.selectedOptions, (o) => o.value);

/**
 * Replaces the options of a select with [{value, text}], keeping the selected values that still
 * exist; returns true when the options changed.
 */
export function setOptions(select, options, { keep = true } = {}) {
  const key = options.map((o) => `${o.value}\u0000${o.text}`).join('\u0001');
  if (select.dataset.optionsKey === key) return false;
  const previous = new Set(keep ? selectedValues(select) : []);
  select.replaceChildren(
    ...options.map((o) => {
      const opt = h('option', { value: o.value }, o.text);
      if (previous.has(o.value)) opt.selected = true;
      return opt;
    }),
  );
  select.dataset.optionsKey = key;
  return true;
}

/** Marks an input as typed in by the user, so that prefilling leaves it alone. */
export function trackUserEdits(...inputs) {
  for (const input of inputs) {
    input.addEventListener('input', () => {
      input.dataset.userSet = '1';
    });
  }
}

export function prefill(input, value) {
  if (!input.dataset.userSet || !input.value) {
    input.value = value;
    input.removeAttribute('aria-invalid');
    input.setCustomValidity?.('');
  }
}

/**
 * Keeps a table body's rows in step with `jobs` (newest first): a row per id, created once and updated
 * in place, removed when its job leaves the list; only rows out of place are moved, so that a row whose
 * input has the focus keeps it. Returns how many rows there are.
 */
export function syncRows(tbody, rows, jobs, idOf, createRow, updateRow) {
  const order = [];
  const seen = new Set();
  for (const job of jobs) {
    const id = idOf(job);
    if (id === undefined || seen.has(id)) continue;
    seen.add(id);
    let row = rows.get(id);
    if (!row) {
      row = createRow(id);
      rows.set(id, row);
    }
    updateRow(row, job);
    order.push(row.tr);
  }
  for (const [id, row] of rows) {
    if (!seen.has(id)) {
      row.tr.remove();
      rows.delete(id);
    }
  }
  order.forEach((tr, i) => {
    if (tbody.children[i] !== tr) tbody.insertBefore(tr, tbody.children[i] ?? null);
  });
  return order.length;
}
