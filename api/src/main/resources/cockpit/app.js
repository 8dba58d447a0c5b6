// The cockpit: hash routing between the pages, the API token field, and the page's one event stream.

import { hideLatency, initLatency, showLatency } from './latency.js';
import { initExports } from './exports.js';
import { initModels, showModels } from './models.js';
import { initReplays } from './replays.js';
import { hideRun, initRun, showRun } from './run.js';
import { hideSignals, initSignals, showSignals } from './signals.js';
import { connect, forgetCaches, loadInitial, onConnection } from './store.js';
import { getToken, setToken, showError } from './util.js';

const $ = (id) => document.getElementById(id);

const ROUTES = [
  { pattern: /^#\/replays\/(\d+)\/?$/, page: 'run', nav: 'replays' },
  { pattern: /^#\/replays\/?$/, page: 'replays', nav: 'replays' },
  { pattern: /^#\/signals\/?$/, page: 'signals', nav: 'signals' },
  { pattern: /^#\/exports\/?$/, page: 'exports', nav: 'exports' },
  { pattern: /^#\/latency\/?$/, page: 'latency', nav: 'latency' },
  { pattern: /^#\/models\/?$/, page: 'models', nav: 'models' },
];

const TITLES = { replays: 'Replays', run: 'Run', signals: 'Signals', exports: 'Exports', latency: 'Latency', models: 'Models' };

function matchRoute(hash) {
  for (const route of ROUTES) {
    const match = route.pattern.exec(hash);
    if (match) return { ...route, match };
  }
  return null;
}

function route() {
  const found = matchRoute(location.hash);
  if (!found) {
    history.replaceState(null, '', '#/replays');
    route();
    return;
  }
  for (const section of document.querySelectorAll('main > .page')) {
    section.hidden = section.id !== `page-${found.page}`;
  }
  for (const link of document.querySelectorAll('.nav-links a')) {
    if (link.dataset.page === found.nav) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  document.title = `${TITLES[found.page]} · tickreplay cockpit`;

  if (found.page === 'run') showRun(Number(found.match[1]));
  else hideRun();
  if (found.page === 'latency') showLatency();
  else hideLatency();
  if (found.page === 'models') showModels();
  if (found.page === 'signals') showSignals();
  else hideSignals();
}

function initConnectionStatus() {
  const el = $('conn-status');
  const text = { connecting: 'connecting…', live: 'live', disconnected: 'disconnected' };
  onConnection((s) => {
    el.dataset.state = s;
    el.textContent = text[s] ?? s;
  });
}

function initToken(pages) {
  const input = $('api-token');
  input.value = getToken();
  const apply = () => {
    const token = input.value.trim();
    if (token === getToken()) return;
    setToken(token);
    forgetCaches();
    connect();
    loadInitial().catch(() => {});
    pages.forEach((p) => p.reload());
  };
  input.addEventListener('change', apply);
  $('token-form').addEventListener('submit', (event) => {
    event.preventDefault();
    apply();
  });
}

function start() {
  initConnectionStatus();
  const pages = [initReplays(), initSignals(), initExports(), initLatency(), initModels()];
  initRun();
  initToken(pages);
  window.addEventListener('hashchange', route);
  route();
  connect();
  loadInitial().catch((e) => showError($('replay-error'), e));
}

start();
