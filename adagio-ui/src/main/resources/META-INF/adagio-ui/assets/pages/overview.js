// `/`: run and node counts, live agents, the most recent runs.
import { api } from '../api.js';
import { h, replace } from '../dom.js';
import { callout, card, emptyState, pageHeader } from '../components.js';
import { num, summarize } from '../model.js';
import { runsTable } from '../runs-table.js';

const RECENT = 10;
const REFRESH_MS = 3000;

const NODE_COUNTS = [
  ['waiting_count', 'Waiting', 'waiting'],
  ['ready_count', 'Ready', 'ready'],
  ['running_count', 'Running', 'running'],
  ['completed_count', 'Completed', 'succeeded'],
  ['orphaned_count', 'Orphaned', 'orphaned'],
];

function statTile(label, value, { hint, id } = {}) {
  return h('div', { class: 'stat', id },
    h('div', { class: 'stat-label' }, label),
    h('div', { class: 'stat-value num' }, value),
    hint ? h('div', { class: 'stat-hint' }, hint) : null);
}

function nodesBreakdown(counts) {
  const total = NODE_COUNTS.reduce((sum, [key]) => sum + num(counts[key]), 0);
  return h('div', { class: 'breakdown' },
    h('div', { class: 'stack-bar', 'aria-hidden': 'true' },
      total === 0 ? h('span', { class: 'stack-empty' })
        : NODE_COUNTS.filter(([key]) => num(counts[key]) > 0).map(([key, , state]) =>
          h('span', { class: `stack-seg seg-${state}`, style: `flex-grow:${num(counts[key])}` }))),
    h('dl', { class: 'breakdown-list' }, NODE_COUNTS.map(([key, label, state]) =>
      h('div', { class: 'breakdown-item', dataset: { count: key } },
        h('dt', {}, h('span', { class: `dot dot-${state}`, 'aria-hidden': 'true' }), label),
        h('dd', { class: 'num' }, String(num(counts[key])))))));
}

export async function renderOverview(ctx) {
  document.title = 'Overview · Adagio';
  const body = h('div', { class: 'overview' });
  ctx.main.append(pageHeader('Overview', { subtitle: 'Runs, nodes and agents of this Adagio installation.' }), body);

  let last = '';
  ctx.every(REFRESH_MS, async () => {
    let stats; let agents; let runs;
    try {
      [stats, agents, runs] = await Promise.all([
        api.stats(ctx.signal), api.agents(ctx.signal), api.runs({ limit: RECENT }, ctx.signal)]);
    } catch (e) {
      if (e.name === 'AbortError') throw e;
      replace(body, callout('error', 'Cannot load the overview', e.message));
      last = '';
      return;
    }
    const key = JSON.stringify([stats, agents, runs]);
    if (key === last) return;
    last = key;

    const counts = stats.node_counts ?? {};
    const summaries = runs.map(summarize);
    const active = summaries.filter((r) => r.status !== 'COMPLETED').length;
    const runtimes = [...new Set(agents.flatMap((a) => (a.runtimes ?? []).map((r) => r.name)))].sort();

    replace(body, 
      h('div', { class: 'stats-grid' },
        statTile('Runs', String(num(stats.run_count)), { id: 'stat-runs', hint: `${active} active among the latest ${summaries.length}` }),
        statTile('Nodes running', String(num(counts.running_count)), { id: 'stat-running', hint: `${num(counts.ready_count)} ready for an agent` }),
        statTile('Live agents', String(agents.length), { id: 'stat-agents', hint: runtimes.length ? `runtimes: ${runtimes.join(', ')}` : 'no agent connected' })),
      h('div', { class: 'grid-2' },
        card('Nodes by status', nodesBreakdown(counts), { id: 'nodes-card' }),
        card('Agents', agents.length === 0
          ? emptyState('No live agents', 'Start an agent pool: adagiod (or adagiod agent).')
          : h('ul', { class: 'agent-list' }, agents.map((a) => h('li', {},
            h('span', { class: 'mono agent-id' }, a.id),
            h('span', { class: 'chips' }, (a.runtimes ?? []).map((r) => h('span', { class: 'chip' }, r.name))))))
          , { id: 'agents-card', actions: h('a', { href: '/agents', 'data-link': true, class: 'card-link' }, 'All agents →') })),
      card('Recent runs', summaries.length === 0
        ? emptyState('No runs yet', 'Start one from a graph spec.',
          h('a', { class: 'btn btn-primary', href: '/runs/new', 'data-link': true }, 'New run'))
        : runsTable(summaries, { caption: 'Most recent runs' }),
      { id: 'recent-runs', actions: h('a', { href: '/runs', 'data-link': true, class: 'card-link' }, 'All runs →') }));
  });
}
