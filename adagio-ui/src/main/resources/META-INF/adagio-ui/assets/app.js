// The router: the server answers every page route with index.html; this module reads
// location.pathname, renders the page, and turns in-app links into history.pushState navigation.
import { clear, replace, h } from './dom.js';
import { callout } from './components.js';
import { renderOverview } from './pages/overview.js';
import { renderRuns } from './pages/runs.js';
import { renderRun } from './pages/run.js';
import { renderNewRun } from './pages/new-run.js';
import { renderAgents } from './pages/agents.js';
import { initAuthButton } from './auth.js';

const routes = [
  { pattern: /^\/$/, nav: 'overview', render: renderOverview },
  { pattern: /^\/runs\/?$/, nav: 'runs', render: renderRuns },
  { pattern: /^\/runs\/new\/?$/, nav: 'new', render: renderNewRun },
  { pattern: /^\/runs\/([^/]+)\/?$/, nav: 'runs', render: renderRun },
  { pattern: /^\/agents\/?$/, nav: 'agents', render: renderAgents },
];

const main = document.getElementById('main');
let current = null;

function renderNotFound({ main: root }) {
  document.title = 'Not found · Adagio';
  root.append(h('div', { class: 'page-header' }, h('h1', {}, 'Page not found')),
    callout('info', null, ['There is no page at ', h('code', {}, location.pathname), '. ',
      h('a', { href: '/', 'data-link': true }, 'Go to the overview'), '.']));
}

/** Everything a page may use; its timers and requests end when the page is left. */
function pageContext(params) {
  const controller = new AbortController();
  const cleanups = [];
  const ctx = {
    main,
    params,
    query: new URLSearchParams(location.search),
    signal: controller.signal,
    navigate,
    get active() { return !controller.signal.aborted; },
    onCleanup: (fn) => cleanups.push(fn),
    /** Calls fn now and then every `ms` after each call settles, until the page is left. */
    every(ms, fn) {
      let timer = null;
      const tick = async () => {
        if (!ctx.active) return;
        let again = true;
        try {
          again = (await fn()) !== false;
        } catch (e) {
          if (e.name === 'AbortError') return;
          console.error(e);
        }
        if (again && ctx.active) timer = setTimeout(tick, ms);
      };
      cleanups.push(() => clearTimeout(timer));
      tick();
    },
  };
  ctx.dispose = () => {
    controller.abort();
    cleanups.splice(0).forEach((fn) => fn());
  };
  return ctx;
}

function route() {
  current?.dispose();
  const path = location.pathname;
  let match = null;
  let params = [];
  for (const r of routes) {
    const m = r.pattern.exec(path);
    if (m) { match = r; params = m.slice(1).map(decodeURIComponent); break; }
  }
  for (const link of document.querySelectorAll('[data-nav]')) {
    if (match && link.dataset.nav === match.nav) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  clear(main);
  current = pageContext(params);
  const ctx = current;
  Promise.resolve()
    .then(() => (match ? match.render(ctx) : renderNotFound(ctx)))
    .catch((e) => {
      if (e.name === 'AbortError' || !ctx.active) return;
      console.error(e);
      replace(main, callout('error', 'Something went wrong', e.message));
    });
}

export function navigate(url, { replace = false } = {}) {
  if (replace) history.replaceState(null, '', url);
  else history.pushState(null, '', url);
  route();
  if (!replace) {
    window.scrollTo(0, 0);
    main.focus({ preventScroll: true });
  }
}

document.addEventListener('click', (event) => {
  if (event.defaultPrevented || event.button !== 0) return;
  if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  const link = event.target.closest('a[data-link]');
  if (!link || link.target || link.origin !== location.origin) return;
  event.preventDefault();
  navigate(link.pathname + link.search);
});

window.addEventListener('popstate', route);
initAuthButton(route);
route();
