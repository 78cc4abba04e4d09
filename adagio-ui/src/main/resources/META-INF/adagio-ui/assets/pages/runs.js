// `/runs`: every run, newest first, a page at a time. Pages follow ListRuns' time bounds: the
// "older" link carries start_ns = (created_at of the last run shown) − 1 ns, so each page is a
// real URL. The status filter is applied here, scanning further batches until a page is full.
import { api } from '../api.js';
import { h, replace } from '../dom.js';
import { callout, card, emptyState, pageHeader, time } from '../components.js';
import { parseTime, summarize } from '../model.js';
import { runsTable } from '../runs-table.js';
import { LiveRows } from '../live.js';

const PAGE_SIZE = 20;
const SCAN_BATCH = 100;
const MAX_BATCHES = 10;
const REFRESH_MS = 5000;

const FILTERS = [
  ['all', 'All', () => true],
  ['running', 'Running', (r) => r.status === 'RUNNING'],
  ['waiting', 'Waiting', (r) => r.status === 'WAITING'],
  ['completed', 'Completed', (r) => r.status === 'COMPLETED'],
  ['succeeded', 'Succeeded', (r) => r.state === 'succeeded'],
  ['failed', 'Failed', (r) => r.state === 'failed'],
  ['errored', 'Errored', (r) => r.state === 'errored'],
  ['cancelled', 'Cancelled', (r) => r.state === 'cancelled'],
];

function url(status, before) {
  const q = new URLSearchParams();
  if (status && status !== 'all') q.set('status', status);
  if (before) q.set('before', before);
  const query = q.toString();
  return `/runs${query ? `?${query}` : ''}`;
}

/** One page of runs matching `keep`, created at or before `before` (ns), and where the next starts. */
async function loadPage(before, keep, signal) {
  const all = keep === FILTERS[0][2];
  const batchSize = all ? PAGE_SIZE + 1 : SCAN_BATCH;
  const matched = [];
  let cursor = before ? BigInt(before) : null;
  let exhausted = false;
  let scanned = 0;
  for (let batch = 0; batch < MAX_BATCHES && !exhausted && matched.length <= PAGE_SIZE; batch++) {
    const runs = await api.runs({ startNs: cursor, limit: batchSize }, signal);
    let lastNs = null;
    for (const run of runs) {
      const summary = summarize(run);
      scanned++;
      lastNs = summary.createdNs;
      if (keep(summary)) matched.push(summary);
    }
    if (runs.length < batchSize || lastNs == null) exhausted = true;
    else cursor = lastNs - 1n;
  }
  const shown = matched.slice(0, PAGE_SIZE);
  let next = null;
  if (matched.length > PAGE_SIZE) next = shown[shown.length - 1].createdNs - 1n;
  else if (!exhausted && cursor != null) next = cursor;
  return { shown, next, scanned };
}

/** Where the run page sends the user after deleting a run: say it is gone. */
function deletedNotice(id) {
  return id ? [h('div', { id: 'deleted-notice' }, callout('info', null, ['Run ', h('code', {}, id), ' was deleted.']))] : [];
}

export async function renderRuns(ctx) {
  document.title = 'Runs · Adagio';
  const status = FILTERS.some(([key]) => key === ctx.query.get('status')) ? ctx.query.get('status') : 'all';
  const before = /^\d+$/.test(ctx.query.get('before') ?? '') ? ctx.query.get('before') : null;
  const keep = FILTERS.find(([key]) => key === status)[2];

  const filters = h('nav', { class: 'filters', 'aria-label': 'Filter runs by status' },
    FILTERS.map(([key, label]) => h('a', {
      href: url(key, null), 'data-link': true, class: 'filter',
      'aria-current': key === status ? 'true' : null,
    }, label)));
  const body = h('div', { 'aria-live': 'polite' }, h('p', { class: 'loading' }, 'Loading runs…'));
  ctx.main.append(
    pageHeader('Runs', {
      subtitle: 'Newest first.',
      actions: h('a', { class: 'btn btn-primary', href: '/runs/new', 'data-link': true }, 'New run'),
    }),
    ...deletedNotice(ctx.query.get('deleted')),
    card(null, [filters, body], { id: 'runs' }));

  // Rows of runs still going change live, from their watch streams; the list itself is read again
  // now and then only to find runs started since (the API has no stream of new runs).
  const live = new LiveRows(ctx.signal, (run) => runsTable([summarize(run)]).querySelector('tbody tr'));
  let last = '';
  ctx.every(REFRESH_MS, async () => {
    let page;
    try {
      page = await loadPage(before, keep, ctx.signal);
    } catch (e) {
      if (e.name === 'AbortError') throw e;
      replace(body, callout('error', 'Cannot load runs', e.message));
      last = '';
      return !before;
    }
    const key = JSON.stringify(page, (k, v) => (typeof v === 'bigint' ? v.toString() : v));
    if (key === last) return !before;
    last = key;

    const pager = h('div', { class: 'pager' },
      h('span', { class: 'muted pager-info' },
        before ? ['Runs created at or before ', time(parseTime(nsToIso(before)))] : 'Latest runs',
        status !== 'all' && page.scanned ? ` · ${page.scanned} scanned` : null),
      h('span', { class: 'pager-links' },
        before ? h('a', { class: 'btn', href: url(status, null), 'data-link': true }, '« Newest') : null,
        page.next != null
          ? h('a', { class: 'btn', href: url(status, page.next.toString()), 'data-link': true, rel: 'next' }, 'Older ›')
          : null));
    replace(body, 
      page.shown.length === 0
        ? emptyState(status === 'all' ? 'No runs' : `No ${status} runs`,
          before ? 'Nothing older matches.' : 'Start a run from a graph spec.')
        : runsTable(page.shown, { caption: 'Runs' }),
      pager);
    live.follow(page.shown);
    // Only the first page follows new runs; an older page is a fixed window.
    return !before;
  });
}

/** A nanosecond cursor back to an RFC 3339 instant, for showing it. */
function nsToIso(ns) {
  return new Date(Number(BigInt(ns) / 1_000_000n)).toISOString();
}
