// The cockpit's shared state: the latest snapshot of jobs from the one EventSource of the page,
// and the providers and symbols (fetched once, kept until the token changes).

import { api, getToken, query } from './util.js';

export const SIGNAL_NAMES = [
  'vwap_deviation_bps',
  'spread_bps',
  'tick_rate_zscore',
  'book_imbalance',
  'rsi_14',
  'bb_zscore_20',
  'volume_profile',
];

const ACTIVE = new Set(['running', 'paused']);

/** A run's status as the cockpit shows it: a running run that the live state says is paused is "paused". */
export const runStatus = (job) => (job.status === 'running' && job.live?.paused ? 'paused' : job.status);

export const isActive = (job) => ACTIVE.has(runStatus(job));

export const exportId = (job) => job.id ?? job.run_id;

export const state = {
  seq: null,
  at: null,
  replays: [],
  exports: [],
  fromSnapshot: false,
};

const listeners = new Set();

/** Calls `fn(state)` now and after every change of the jobs. */
export function subscribe(fn) {
  listeners.add(fn);
  fn(state);
  return () => listeners.delete(fn);
}

const notify = () => listeners.forEach((fn) => fn(state));

function applySnapshot(snapshot) {
  state.seq = snapshot.seq ?? null;
  state.at = snapshot.at ?? null;
  state.replays = Array.isArray(snapshot.replays) ? snapshot.replays : [];
  state.exports = Array.isArray(snapshot.exports) ? snapshot.exports : [];
  state.fromSnapshot = true;
  notify();
}

/**
 * Puts one job, as a POST answered it, into the state until the next snapshot says more. A control
 * answer has the run's live status but no `live` block: the previous one is kept, paused or not as
 * the answer says.
 */
export function upsertReplay(job) {
  const i = state.replays.findIndex((r) => r.run_id === job.run_id);
  const previous = i >= 0 ? state.replays[i] : null;
  const live = job.live ?? (previous?.live ? { ...previous.live, paused: job.status === 'paused' } : undefined);
  const merged = { ...previous, ...job, live };
  if (i >= 0) state.replays[i] = merged;
  else state.replays = [merged, ...state.replays];
  notify();
}

export function upsertExport(job) {
  const id = exportId(job);
  const i = state.exports.findIndex((e) => exportId(e) === id);
  if (i >= 0) state.exports[i] = { ...state.exports[i], ...job };
  else state.exports = [job, ...state.exports];
  notify();
}

// --- the event stream ---

let source = null;
let retryTimer = null;
const statusListeners = new Set();

export function onConnection(fn) {
  statusListeners.add(fn);
}

const setConnection = (s) => statusListeners.forEach((fn) => fn(s));

/**
 * Opens the page's EventSource on /v1/events (with ?access_token= when a token is set). The browser
 * reconnects by itself after a dropped connection; a refused one (401, 5xx) closes it for good, so
 * that case is retried here after a pause.
 */
export function connect() {
  clearTimeout(retryTimer);
  source?.close();
  const token = getToken();
  const es = new EventSource(`/v1/events${query({ access_token: token })}`);
  source = es;
  setConnection('connecting');
  es.addEventListener('open', () => setConnection('live'));
  es.addEventListener('state', (event) => {
    try {
      applySnapshot(JSON.parse(event.data));
      setConnection('live');
    } catch (e) {
      console.error('bad state event', e);
    }
  });
  es.addEventListener('error', () => {
    if (es !== source) return;
    if (es.readyState === EventSource.CLOSED) {
      setConnection('disconnected');
      retryTimer = setTimeout(connect, 5000);
    } else {
      setConnection('connecting');
    }
  });
}

/** The job lists once at start, shown until the first snapshot arrives (which then wins). */
export async function loadInitial() {
  const [runs, exports] = await Promise.allSettled([api('/v1/replay/ticks?limit=50'), api('/v1/exports?limit=50')]);
  if (state.fromSnapshot) return;
  if (runs.status === 'fulfilled') state.replays = runs.value.runs ?? [];
  if (exports.status === 'fulfilled') state.exports = exports.value.exports ?? [];
  notify();
  const failed = [runs, exports].find((r) => r.status === 'rejected');
  if (failed) throw failed.reason;
}

// --- providers and symbols ---

let providersPromise = null;
const symbolsPromises = new Map();

export function providers() {
  if (!providersPromise) {
    providersPromise = api('/v1/providers').then((r) => r.providers ?? []);
    providersPromise.catch(() => {
      providersPromise = null; // asked again next time
    });
  }
  return providersPromise;
}

export function symbols(provider) {
  if (!provider) return Promise.resolve([]);
  if (!symbolsPromises.has(provider)) {
    const p = api(`/v1/symbols${query({ provider })}`).then((r) => r.symbols ?? []);
    p.catch(() => symbolsPromises.delete(provider));
    symbolsPromises.set(provider, p);
  }
  return symbolsPromises.get(provider);
}

export function forgetCaches() {
  providersPromise = null;
  symbolsPromises.clear();
}
