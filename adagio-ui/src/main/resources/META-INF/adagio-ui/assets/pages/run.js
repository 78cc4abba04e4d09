// `/runs/{id}`: the run's DAG, live while the run is active (its watch stream: no polling), and a
// panel with one node's details.
import { api } from '../api.js';
import { watchRun } from '../live.js';
import { clear, replace, h } from '../dom.js';
import { callout, card, confirmAction, duration, pageHeader, pill, progress, time } from '../components.js';
import { drawDag, legend } from '../dag.js';
import { drawLayers } from '../layers.js';
import { NodePanel, attempted } from '../node-panel.js';
import {
  NODE_STATES, RUN_STATES, attemptsOf, formatTimestamp, nodeName, nodeState, nodeStatus, parseTime, runConclusion, summarize,
} from '../model.js';

/** Above this many nodes the graph is collapsed into layers: unreadable drawn, and dagre takes seconds. */
const MAX_DRAWN_NODES = 1000;
/** The nodes table lists this many rows, and this many more on each "Show more". */
const TABLE_PAGE = 500;


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
    this.byName = new Map();
    this.band = null; // the layers the table is filtered to (a big run), or null for all
    this.shown = TABLE_PAGE;
    this.tableMore = h('div', { class: 'table-more', 'aria-live': 'polite' });
    this.panel = new NodePanel(() => this.select(null, { restoreFocus: true }));
    this.deleteButton = h('button', {
      class: 'btn btn-danger', type: 'button', id: 'delete-run', onclick: () => this.deleteRun(),
    }, 'Delete run');

    let graphBody;
    if ((run.nodes ?? []).length > MAX_DRAWN_NODES) {
      this.layers = drawLayers(run, (band) => this.filter(band));
      graphBody = this.layers.root;
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
          card('Nodes', [h('div', { class: 'table-wrap' }, h('table', { class: 'table nodes-table' },
            h('caption', { class: 'visually-hidden' }, 'Nodes of this run'),
            h('thead', {}, h('tr', {},
              h('th', { scope: 'col' }, 'Node'), h('th', { scope: 'col' }, 'State'),
              h('th', { scope: 'col' }, 'Runtime'), h('th', { scope: 'col' }, 'Attempts'),
              h('th', { scope: 'col' }, 'Started'), h('th', { scope: 'col' }, 'Duration'))),
            this.tableBody)), this.tableMore], { id: 'nodes' })),
        this.panel.root));
    this.update(run);
  }

  openFromQuery() {
    const name = this.ctx.query.get('node');
    // Opened by a link, not by the user's hand here: show the panel without moving focus.
    if (name && this.nodeByName(name)) this.select(name, { focus: false });
  }

  nodeByName(name) {
    return this.byName.get(name);
  }

  /** Lists only the nodes of `band` (from the layers of a big run), or all of them for null. */
  filter(band) {
    this.band = band;
    this.shown = TABLE_PAGE;
    this.layers?.select(band);
    this.update(this.run);
  }

  showMore() {
    this.shown += TABLE_PAGE;
    this.update(this.run);
  }

  /** The nodes the table lists: those of the chosen layers, at most `shown` of them. */
  listed(run) {
    const nodes = run.nodes ?? [];
    const matching = this.band ? nodes.filter((n) => this.layers.inBand(nodeName(n), this.band)) : nodes;
    return { nodes: matching.length > this.shown ? matching.slice(0, this.shown) : matching, total: matching.length };
  }

  setError(message, { fatal = false } = {}) {
    replace(this.errorSlot, callout('warning', 'Live updates interrupted', fatal ? message : `${message} Retrying…`));
  }

  clearError() {
    clear(this.errorSlot);
  }

  update(run) {
    this.run = run;
    this.byName = new Map((run.nodes ?? []).map((n) => [nodeName(n), n]));
    const summary = summarize(run);
    this.dag?.update(run);
    this.layers?.update(run);

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

    this.updateTable(run);

    if (this.selected) this.panel.show(this.nodeByName(this.selected));
  }

  /**
   * Rows are rebuilt only when their node changed (and while it runs, for its duration), so that a
   * run of thousands of nodes stays cheap to follow and focus in the table is kept. A big run lists
   * a page of its nodes at a time: tens of thousands of rows would make the page crawl.
   */
  updateTable(run) {
    const { nodes, total } = this.listed(run);
    const names = nodes.map(nodeName);
    if (names.length !== this.rows.size || names.some((name) => !this.rows.has(name))) {
      clear(this.tableBody);
      this.rows.clear();
    }
    for (const node of nodes) {
      const name = nodeName(node);
      const key = [nodeStatus(node), node.conclusion, attemptsOf(node).length, node.started_at, node.finished_at].join('|');
      const old = this.rows.get(name);
      if (old && old.key === key && nodeStatus(node) !== 'RUNNING') continue;
      const tr = this.nodeRow(node, name);
      if (old) old.tr.replaceWith(tr); else this.tableBody.append(tr);
      this.rows.set(name, { key, tr });
    }
    const all = (run.nodes ?? []).length;
    const key = `${nodes.length}/${total}/${all}/${this.band?.label}`;
    if (this.tableMore.dataset.key === key) return;
    this.tableMore.dataset.key = key;
    replace(this.tableMore,
      nodes.length < all ? h('span', { class: 'muted table-count' },
        `Showing ${nodes.length.toLocaleString()} of ${total.toLocaleString()} nodes${this.band ? ` in ${this.band.label.toLowerCase()}` : ''}.`) : null,
      nodes.length < total ? h('button', { type: 'button', class: 'btn', id: 'show-more-nodes', onclick: () => this.showMore() },
        `Show ${Math.min(TABLE_PAGE, total - nodes.length).toLocaleString()} more`) : null,
      this.band ? h('button', { type: 'button', class: 'btn', id: 'show-all-layers', onclick: () => this.filter(null) }, 'All layers') : null);
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
      const answer = await api.cancel(this.id, this.ctx.signal);
      // The run as the cancel left it, shown at once; but the watch stream may have brought the
      // run's completion before this answer came, and the answer must not take the page back to
      // running (the stream has ended: nothing would correct it).
      if ((this.run.status ?? 'WAITING') !== 'COMPLETED') this.update(answer);
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
