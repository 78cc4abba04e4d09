// `/agents`: the live agents and the runtimes each can run.
import { api } from '../api.js';
import { h, replace } from '../dom.js';
import { callout, card, emptyState, pageHeader } from '../components.js';

const REFRESH_MS = 3000;

export async function renderAgents(ctx) {
  document.title = 'Agents · Adagio';
  const body = h('div', { 'aria-live': 'polite' }, h('p', { class: 'loading' }, 'Loading agents…'));
  const summary = h('p', { class: 'subtitle' }, 'Agent processes subscribed to this installation.');
  ctx.main.append(pageHeader('Agents', { subtitle: summary }), body);

  let last = null;
  ctx.every(REFRESH_MS, async () => {
    let agents;
    try {
      agents = await api.agents(ctx.signal);
    } catch (e) {
      if (e.name === 'AbortError') throw e;
      replace(body, callout('error', 'Cannot load agents', e.message));
      last = null;
      return;
    }
    const key = JSON.stringify(agents);
    if (key === last) return;
    last = key;

    const byRuntime = new Map();
    for (const agent of agents) {
      for (const r of agent.runtimes ?? []) byRuntime.set(r.name, (byRuntime.get(r.name) ?? 0) + 1);
    }
    summary.textContent = `${agents.length} live agent${agents.length === 1 ? '' : 's'}, ${byRuntime.size} runtime${byRuntime.size === 1 ? '' : 's'}.`;
    if (agents.length === 0) {
      replace(body, card(null, emptyState('No live agents',
        'Nodes wait until an agent with their runtime subscribes. Start one with adagiod or adagiod agent.')));
      return;
    }
    replace(body, 
      h('div', { class: 'grid-main-side' },
        card('Live agents', h('div', { class: 'table-wrap' }, h('table', { class: 'table agents-table' },
          h('caption', { class: 'visually-hidden' }, 'Live agents'),
          h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Status'), h('th', { scope: 'col' }, 'Agent'), h('th', { scope: 'col' }, 'Runtimes'))),
          h('tbody', {}, agents.map((a) => h('tr', { dataset: { agent: a.id } },
            h('td', { 'data-label': 'Status' }, h('span', { class: 'pill pill-succeeded' }, h('span', { class: 'pill-icon', 'aria-hidden': 'true' }, '●'), 'Live')),
            h('td', { 'data-label': 'Agent' }, h('span', { class: 'mono agent-id' }, a.id)),
            h('td', { 'data-label': 'Runtimes' }, h('span', { class: 'chips' },
              (a.runtimes ?? []).map((r) => h('span', { class: 'chip mono' }, r.name)))))))))
        , { id: 'agents' }),
        card('Runtimes', h('ul', { class: 'runtime-list' }, [...byRuntime.entries()].sort().map(([name, count]) =>
          h('li', {}, h('span', { class: 'chip mono' }, name), h('span', { class: 'muted' }, `${count} agent${count === 1 ? '' : 's'}`)))),
        { id: 'runtimes' })));
  });
}
