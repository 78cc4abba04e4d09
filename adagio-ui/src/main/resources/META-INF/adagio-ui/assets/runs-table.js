// The table of runs shown on the overview and the runs list.
import { h } from './dom.js';
import { duration, pill, progress, runLink, time } from './components.js';

export function runsTable(summaries, { caption } = {}) {
  return h('div', { class: 'table-wrap' },
    h('table', { class: 'table runs-table' },
      caption ? h('caption', { class: 'visually-hidden' }, caption) : null,
      h('thead', {}, h('tr', {},
        h('th', { scope: 'col' }, 'Run'),
        h('th', { scope: 'col' }, 'Status'),
        h('th', { scope: 'col', class: 'col-conclusion' }, 'Conclusion'),
        h('th', { scope: 'col' }, 'Created'),
        h('th', { scope: 'col', class: 'col-duration' }, 'Duration'),
        h('th', { scope: 'col' }, 'Progress'))),
      h('tbody', {}, summaries.map((r) => h('tr', { dataset: { runId: r.id, state: r.state } },
        h('td', { 'data-label': 'Run' }, runLink(r.id)),
        h('td', { 'data-label': 'Status' }, pill(r.status === 'COMPLETED' ? 'completed' : r.state, {
          kind: 'run', label: r.status === 'COMPLETED' ? 'Completed' : undefined,
        })),
        h('td', { 'data-label': 'Conclusion', class: 'col-conclusion' },
          r.conclusion ? pill(r.conclusion, { kind: 'run' }) : h('span', { class: 'muted' }, '—')),
        h('td', { 'data-label': 'Created' }, time(r.created)),
        h('td', { 'data-label': 'Duration', class: 'col-duration' }, duration(r.durationMs)),
        h('td', { 'data-label': 'Progress' }, progress(r.done, r.total, r.state)))))));
}
