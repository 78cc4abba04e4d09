// `/runs/{id}`: the run's DAG, live while the run is active (its watch stream: no polling), and a
// panel with one node's details.
import { api } from '../api.js';
import { watchRun } from '../live.js';
import { clear, replace, h } from '../dom.js';
import { callout, card, confirmAction, duration, pageHeader, pill, progress, time } from '../components.js';
import { drawDag, legend } from '../dag.js';
import {
  NODE_STATES, OUTPUT_CAP_BYTES, RUN_STATES, attemptsOf, decodeBytes, formatBytes, formatDuration, formatTimestamp,
  nodeName, nodeState, nodeStatus, parseDuration, parseTime, runConclusion, summarize,
} from '../model.js';

/** Above this many nodes the page lists them instead of drawing them: unreadable, and dagre takes seconds. */
const MAX_DRAWN_NODES = 1000;

const CONCLUSION_STATE = { SUCCESS: 'succeeded', FAIL: 'failed', ERROR: 'errored', CANCELLED: 'cancelled', NONE: 'errored' };
const ARGUMENT_PREFIXES = ['adagio.arguments.', 'adagio.runtime.', 'adagio.inputs.'];

export async function renderRun(ctx) {
  const [id] = ctx.params;
  document.title = `Run ${id} · Adagio`;
  const crumbs = [h('a', { href: '/runs', 'data-link': true }, 'Runs'), h('span', { 'aria-hidden': 'true' }, ' / '),
    h('span', { class: 'mono', 'aria-current': 'page' }, id)];

  // Everything comes from the run's watch stream: the whole run first, then what changes.
  const loading = h('p', { class: 'loading' }, 'Loading the run…');
  ctx.main.append(loading);
  let view = null;
  await new Promise((resolve) => {
    const stop = watchRun(id, {
      onRun(run) {
        if (!ctx.active) return;
        if (!view) {
          clear(ctx.main); // the loading line, or an error shown while retrying
          view = new RunView(ctx, id, run, crumbs);
          ctx.main.append(view.root);
          view.openFromQuery();
          // Durations of running nodes move on between messages: redrawn here, nothing is fetched.
          ctx.every(1000, () => {
            if ((view.run.status ?? 'WAITING') === 'COMPLETED') return false;
            view.update(view.run);
            return true;
          });
          resolve();
        } else {
          view.update(run);
        }
      },
      onOpen() {
        view?.clearError();
      },
      onError(e, { fatal }) {
        if (!ctx.active) return;
        if (view) {
          view.setError(e.message, { fatal });
          return;
        }
        replace(ctx.main, pageHeader('Run', { crumbs }),
          e.status === 404
            ? callout('error', 'Run not found', ['There is no run with ID ', h('code', {}, id), '. ',
              h('a', { href: '/runs', 'data-link': true }, 'See all runs'), '.'])
            : callout('error', 'Cannot load the run', fatal ? e.message : `${e.message} Retrying…`));
        if (fatal) resolve();
      },
    }, ctx.signal);
    ctx.onCleanup(() => { stop(); resolve(); });
  });
}

class RunView {
  constructor(ctx, id, run, crumbs) {
    this.ctx = ctx;
    this.id = id;
    this.run = run;
    this.selected = null;
    this.lastSummaryKey = '';

    this.headerMeta = h('div', { class: 'run-meta' });
    this.headerPill = h('span', { class: 'run-state' });
    this.counts = h('div', { class: 'state-counts', 'aria-label': 'Nodes by state' });
    this.errorSlot = h('div');
    this.actionSlot = h('div', { class: 'action-result', 'aria-live': 'polite' });
    this.cancelButton = h('button', {
      class: 'btn btn-danger', type: 'button', id: 'cancel-run', onclick: () => this.cancel(),
    }, 'Cancel');
    this.rerunButton = h('button', { class: 'btn', type: 'button', id: 'rerun-run', onclick: () => this.rerun() }, 'Rerun');
    this.tableBody = h('tbody');
    this.rows = new Map();
    this.panel = new NodePanel(() => this.select(null, { restoreFocus: true }));
    this.deleteButton = h('button', {
      class: 'btn btn-danger', type: 'button', id: 'delete-run', onclick: () => this.deleteRun(),
    }, 'Delete run');

    let graphBody;
    if ((run.nodes ?? []).length > MAX_DRAWN_NODES) {
      graphBody = callout('info', 'Graph too large to draw',
        `This run has ${run.nodes.length} nodes; they are listed below.`);
    } else {
      try {
        this.dag = drawDag(run, (name) => this.select(name));
        graphBody = h('div', { class: 'dag-scroll' }, this.dag.svg);
      } catch (e) {
        graphBody = callout('error', 'Cannot draw the graph', e.message);
      }
    }

    const legendEl = h('ul', { class: 'legend', 'aria-label': 'Legend' }, legend().map((item) =>
      h('li', { title: item.description }, pill(item.state))));

    this.root = h('div', { class: 'run-page' },
      pageHeader(h('span', { class: 'run-title' }, 'Run ', h('span', { class: 'mono run-title-id' }, this.id), this.headerPill), {
        crumbs,
        actions: [
          h('button', { class: 'btn', type: 'button', onclick: (e) => this.copyId(e.currentTarget) }, 'Copy ID'),
          this.rerunButton,
          this.cancelButton,
          this.deleteButton,
        ],
      }),
      this.headerMeta,
      this.errorSlot,
      this.actionSlot,
      h('div', { class: 'run-layout' },
        h('div', { class: 'run-main' },
          card('Graph', [graphBody, legendEl], { id: 'graph', className: 'graph-card', actions: this.counts }),
          card('Nodes', h('div', { class: 'table-wrap' }, h('table', { class: 'table nodes-table' },
            h('caption', { class: 'visually-hidden' }, 'Nodes of this run'),
            h('thead', {}, h('tr', {},
              h('th', { scope: 'col' }, 'Node'), h('th', { scope: 'col' }, 'State'),
              h('th', { scope: 'col' }, 'Runtime'), h('th', { scope: 'col' }, 'Attempts'),
              h('th', { scope: 'col' }, 'Started'), h('th', { scope: 'col' }, 'Duration'))),
            this.tableBody)), { id: 'nodes' })),
        this.panel.root));
    this.update(run);
  }

  openFromQuery() {
    const name = this.ctx.query.get('node');
    // Opened by a link, not by the user's hand here: show the panel without moving focus.
    if (name && this.nodeByName(name)) this.select(name, { focus: false });
  }

  nodeByName(name) {
    return (this.run.nodes ?? []).find((n) => nodeName(n) === name);
  }

  setError(message, { fatal = false } = {}) {
    replace(this.errorSlot, callout('warning', 'Live updates interrupted', fatal ? message : `${message} Retrying…`));
  }

  clearError() {
    clear(this.errorSlot);
  }

  update(run) {
    this.run = run;
    const summary = summarize(run);
    this.dag?.update(run);

    const active = summary.status !== 'COMPLETED';
    // Only a completed run can be deleted (the API answers 409 otherwise): say so instead of failing.
    this.deleteButton.disabled = active;
    this.deleteButton.title = active ? 'Only a completed run can be deleted' : 'Delete this run and everything of it';
    this.updateActions(summary);
    replace(this.headerPill, pill(summary.state, { kind: 'run' }));
    replace(this.headerMeta, 
      h('dl', { class: 'meta-list' },
        h('div', {}, h('dt', {}, 'Status'), h('dd', { class: 'run-status', dataset: { status: summary.status } },
          summary.status === 'COMPLETED' ? 'Completed' : summary.status === 'RUNNING' ? 'Running' : 'Waiting')),
        h('div', {}, h('dt', {}, 'Conclusion'), h('dd', { class: 'run-conclusion', dataset: { conclusion: runConclusion(run) } },
          summary.conclusion ? RUN_STATES[summary.conclusion].label : h('span', { class: 'muted' }, 'None yet'))),
        h('div', {}, h('dt', {}, 'Created'), h('dd', {}, time(summary.created), h('span', { class: 'muted abs-time' }, ` · ${formatTimestamp(summary.created)}`))),
        h('div', {}, h('dt', {}, 'Duration'), h('dd', {}, duration(summary.durationMs))),
        h('div', {}, h('dt', {}, 'Progress'), h('dd', {}, progress(summary.done, summary.total, summary.state)))),
      active
        ? h('span', { class: 'live', role: 'status' }, h('span', { class: 'live-dot', 'aria-hidden': 'true' }), 'Live')
        : h('span', { class: 'live live-done', role: 'status' }, 'Final'));

    replace(this.counts, Object.keys(NODE_STATES).filter((s) => summary.counts[s] > 0).map((s) =>
      pill(s, { label: `${summary.counts[s]} ${NODE_STATES[s].label.toLowerCase()}` })));

    // Rows are rebuilt only when their node changed (and while it runs, for its duration), so that
    // a run of thousands of nodes stays cheap to follow and focus in the table is kept.
    for (const node of run.nodes ?? []) {
      const name = nodeName(node);
      const key = [nodeStatus(node), node.conclusion, attemptsOf(node).length, node.started_at, node.finished_at].join('|');
      const old = this.rows.get(name);
      if (old && old.key === key && nodeStatus(node) !== 'RUNNING') continue;
      const tr = this.nodeRow(node, name);
      if (old) old.tr.replaceWith(tr); else this.tableBody.append(tr);
      this.rows.set(name, { key, tr });
    }

    if (this.selected) this.panel.show(this.nodeByName(this.selected));
  }

  nodeRow(node, name) {
    const state = nodeState(node);
    // A node never attempted (unreached, cancelled before it ran) has started_at = finished_at =
    // when it was marked: not a start, so not shown as one.
    const started = attempted(node) ? parseTime(node.started_at) : null;
    const finished = parseTime(node.finished_at);
    return h('tr', {
      dataset: { node: name, state, conclusion: node.conclusion ?? 'NONE' }, class: name === this.selected ? 'selected' : null,
    },
      h('td', { 'data-label': 'Node' }, h('button', {
        type: 'button', class: 'link-button mono', onclick: () => this.select(name),
      }, name)),
      h('td', { 'data-label': 'State' }, pill(state)),
      h('td', { 'data-label': 'Runtime' }, h('span', { class: 'mono' }, node.spec?.runtime ?? '')),
      h('td', { 'data-label': 'Attempts', class: 'num' }, String(attemptsOf(node).length)),
      h('td', { 'data-label': 'Started' }, time(started)),
      h('td', { 'data-label': 'Duration' }, started ? duration((finished ?? new Date()) - started) : h('span', { class: 'muted' }, '—')));
  }

  /** Cancel while the run is not completed; Rerun once it completed without succeeding. */
  updateActions(summary) {
    if (this.busy) return;
    const completed = summary.status === 'COMPLETED';
    this.cancelButton.disabled = completed;
    this.cancelButton.title = completed ? 'The run has completed.' : 'Stop the run: nothing more of it runs.';
    this.rerunButton.disabled = !summary.rerunnable;
    this.rerunButton.title = !completed ? 'A run can be rerun once it has completed.'
      : summary.rerunnable ? 'Run the failed, cancelled and unreached nodes again.' : 'Every node succeeded.';
  }

  /** Runs an action on the run with both buttons held, and reports its failure in place. */
  async act(button, what, action) {
    this.busy = true;
    this.cancelButton.disabled = true;
    this.rerunButton.disabled = true;
    button.setAttribute('aria-busy', 'true');
    clear(this.actionSlot);
    try {
      await action();
    } catch (e) {
      if (e.name === 'AbortError') return;
      replace(this.actionSlot, callout('error', `Cannot ${what} the run`, e.message));
    } finally {
      button.removeAttribute('aria-busy');
      this.busy = false;
      if (this.ctx.active) this.updateActions(summarize(this.run));
    }
  }

  async cancel() {
    const confirmed = await confirmAction({
      id: 'confirm-cancel',
      title: 'Cancel this run?',
      text: `Running nodes of run ${this.id} are stopped and nothing more of it runs. A cancelled run can be rerun.`,
      confirm: 'Cancel run',
      decline: 'Keep running',
    });
    if (!confirmed || !this.ctx.active) return;
    await this.act(this.cancelButton, 'cancel', async () => {
      this.update(await api.cancel(this.id, this.ctx.signal));
    });
  }

  async rerun() {
    await this.act(this.rerunButton, 'rerun', async () => {
      await api.rerun(this.id, this.ctx.signal);
      // The page again from the top: it follows the run live as for any run not yet completed.
      this.ctx.navigate(location.pathname + location.search, { replace: true });
    });
  }

  select(name, { restoreFocus = false, focus = true } = {}) {
    const previous = this.selected;
    this.selected = name;
    this.dag?.select(name);
    for (const row of this.tableBody.rows) row.classList.toggle('selected', row.dataset.node === name);
    const url = new URL(location.href);
    if (name) url.searchParams.set('node', name); else url.searchParams.delete('node');
    history.replaceState(null, '', url.pathname + url.search);
    if (name) {
      this.panel.show(this.nodeByName(name), { focus });
    } else {
      this.panel.hide();
      if (restoreFocus && previous) this.dag?.focus(previous);
    }
  }

  async deleteRun() {
    if (!window.confirm(`Delete run ${this.id}? Its nodes, outputs and history go for good.`)) return;
    this.deleteButton.disabled = true;
    try {
      await api.deleteRun(this.id, this.ctx.signal);
    } catch (e) {
      if (e.name === 'AbortError') throw e;
      this.deleteButton.disabled = (this.run.status ?? 'WAITING') !== 'COMPLETED';
      replace(this.errorSlot, callout('error', 'Cannot delete the run', e.message));
      return;
    }
    this.ctx.navigate(`/runs?deleted=${encodeURIComponent(this.id)}`);
  }

  async copyId(button) {
    try {
      await navigator.clipboard.writeText(this.id);
      button.textContent = 'Copied';
    } catch {
      button.textContent = 'Copy failed';
    }
    setTimeout(() => { button.textContent = 'Copy ID'; }, 1500);
  }
}

/** The side panel with one node's runtime, arguments, retry rules, attempts and inputs. */
class NodePanel {
  constructor(onClose) {
    this.onClose = onClose;
    this.lastKey = '';
    this.title = h('h2', { id: 'node-panel-title', tabindex: '-1' });
    this.body = h('div', { class: 'panel-body' });
    this.root = h('aside', {
      class: 'node-panel', id: 'node-panel', hidden: true, 'aria-labelledby': 'node-panel-title',
      onkeydown: (e) => { if (e.key === 'Escape') onClose(); },
    },
    h('div', { class: 'panel-header' }, this.title,
      h('button', { type: 'button', class: 'icon-button', 'aria-label': 'Close node details', onclick: onClose }, '×')),
    this.body);
  }

  hide() {
    this.root.hidden = true;
    this.lastKey = '';
  }

  show(node, { focus = false } = {}) {
    if (!node) { this.hide(); return; }
    const key = JSON.stringify(node);
    this.root.hidden = false;
    if (key !== this.lastKey) {
      this.lastKey = key;
      this.render(node);
    }
    if (focus) this.title.focus({ preventScroll: true });
  }

  render(node) {
    const name = nodeName(node);
    const state = nodeState(node);
    const spec = node.spec ?? {};
    const attempts = attemptsOf(node);
    const started = attempted(node) ? parseTime(node.started_at) : null;
    const finished = parseTime(node.finished_at);
    const notBefore = parseTime(node.not_before);
    const timeoutMs = parseDuration(spec.timeout);
    replace(this.title, h('span', { class: 'mono' }, name), ' ', pill(state));
    this.root.dataset.node = name;
    this.root.dataset.state = state;

    const metadata = Object.entries(spec.metadata ?? {}).sort(([a], [b]) => a.localeCompare(b));
    const retry = Object.entries(spec.retry ?? {}).sort(([a], [b]) => a.localeCompare(b));
    const inputs = Object.entries(node.inputs ?? {}).sort(([a], [b]) => a.localeCompare(b));

    replace(this.body, 
      section('Details', h('dl', { class: 'kv' },
        kv('State', `${NODE_STATES[state].label} — ${NODE_STATES[state].description}`),
        kv('Runtime', h('span', { class: 'mono' }, spec.runtime ?? '')),
        kv('Status', h('span', { class: 'mono' }, nodeStatus(node))),
        kv('Conclusion', h('span', { class: 'mono node-conclusion' }, node.conclusion ?? 'NONE')),
        kv('Started', started ? formatTimestamp(started) : '—'),
        kv('Finished', finished ? formatTimestamp(finished) : '—'),
        kv('Duration', started ? duration((finished ?? new Date()) - started) : '—'),
        timeoutMs != null ? kv('Timeout', `${formatDuration(timeoutMs)} per attempt`) : null,
        notBefore ? kv('Next attempt', ['not before ', time(notBefore)]) : null,
        node.claim?.id ? kv('Claim', h('span', { class: 'mono' }, node.claim.id)) : null)),
      section('Arguments', metadata.length === 0 ? h('p', { class: 'muted' }, 'No arguments.')
        : h('dl', { class: 'kv kv-args' }, metadata.map(([k, v]) => kv(
          h('span', { class: 'mono', title: k }, shortKey(k, spec.runtime)),
          values(v))))),
      section('Retry rules', retry.length === 0
        ? h('p', { class: 'muted' }, 'None: the first attempt is the only one.')
        : h('ul', { class: 'plain-list' }, retry.map(([condition, rule]) => h('li', {},
          'On ', h('strong', {}, condition), `: up to ${Number(rule.max_attempts ?? 0)} attempt${Number(rule.max_attempts) === 1 ? '' : 's'}`,
          backoffText(rule.backoff))))),
      section(`Attempts (${attempts.length})`, attempts.length === 0
        ? h('p', { class: 'muted' }, state === 'unreached'
          ? 'Never attempted: an upstream node did not succeed.' : 'No attempt has finished yet.')
        : h('ol', { class: 'attempts' }, attempts.map((a, i) => attempt(a, i, i === attempts.length - 1 ? node : null)))),
      section('Inputs', inputs.length === 0 ? h('p', { class: 'muted' }, 'No inputs.')
        : inputs.map(([from, b64]) => h('div', { class: 'input' },
          h('div', { class: 'input-name' }, 'From ', h('span', { class: 'mono' }, from)), output(b64)))));
  }
}

function section(title, content) {
  return h('section', { class: 'panel-section' }, h('h3', {}, title), content);
}

function kv(key, value) {
  return h('div', { class: 'kv-row' }, h('dt', {}, key), h('dd', {}, value));
}

function values(v) {
  const list = v?.values ?? [];
  if (list.length === 0) return h('span', { class: 'muted' }, '(empty)');
  return h('span', { class: 'values' }, list.map((x) => h('code', { class: 'value' }, x)));
}

/** `adagio.arguments.exec.command` reads better as `command` beside the node's runtime. */
function shortKey(key, runtime) {
  for (const prefix of ARGUMENT_PREFIXES) {
    const full = `${prefix}${runtime}.`;
    if (key.startsWith(full)) return prefix === 'adagio.inputs.' ? `${key.slice(full.length)} ← input` : key.slice(full.length);
  }
  return key;
}

/** A node that has been claimed at least once (and so has real start times). */
function attempted(node) {
  return attemptsOf(node).length > 0 || nodeStatus(node) === 'RUNNING';
}

/** ", waiting 500 ms, ×2 each time, at most 10 s" for a retry rule's backoff; '' without one. */
function backoffText(backoff) {
  const initial = parseDuration(backoff?.initial);
  if (!initial) return '';
  const maximum = parseDuration(backoff.maximum);
  const multiplier = Number(backoff.multiplier ?? 0) || 2;
  return `, waiting ${formatDuration(initial)} before the next, ×${multiplier} each time`
    + (maximum ? `, at most ${formatDuration(maximum)}` : '');
}

function attempt(a, index, nodeIfLast) {
  const conclusion = a.conclusion ?? 'NONE';
  // A server that records no times per attempt (the original project's): the node's, for its last attempt.
  const started = parseTime(a.started_at || nodeIfLast?.started_at);
  const finished = parseTime(a.finished_at || nodeIfLast?.finished_at);
  const metadata = Object.entries(a.metadata ?? {});
  return h('li', { class: 'attempt', dataset: { conclusion } },
    h('div', { class: 'attempt-head' },
      h('span', { class: 'attempt-no' }, `Attempt ${index + 1}`),
      pill(CONCLUSION_STATE[conclusion] ?? 'errored', { label: conclusion.charAt(0) + conclusion.slice(1).toLowerCase() }),
      h('span', { class: 'muted attempt-time' },
        started ? formatTimestamp(started) : '',
        started && finished ? ` · ${durationText(finished - started)}` : ''),
      a.agent_id ? h('span', { class: 'muted attempt-agent' }, 'on ', h('span', { class: 'mono' }, a.agent_id)) : null),
    metadata.length ? h('dl', { class: 'kv kv-compact' }, metadata.map(([k, v]) => kv(h('span', { class: 'mono' }, k), values(v)))) : null,
    output(a.output));
}

const durationText = (ms) => duration(ms).textContent;

/** A base64 output as text, capped: a runaway output must not hang the page. */
function output(b64) {
  const decoded = decodeBytes(b64);
  if (decoded.bytes === 0) return h('p', { class: 'muted output-empty' }, 'No output.');
  return h('div', { class: 'output' },
    h('pre', { class: 'output-text', tabindex: '0' }, decoded.text),
    decoded.truncated
      ? h('p', { class: 'output-note' }, `Showing the first ${formatBytes(OUTPUT_CAP_BYTES)} of ${formatBytes(decoded.bytes)}.`)
      : h('p', { class: 'output-note muted' }, formatBytes(decoded.bytes)));
}
