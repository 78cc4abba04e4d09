// Shared pieces of the pages: status pills, progress bars, times, callouts.
import { h } from './dom.js';
import { NODE_STATES, RUN_STATES, formatDuration, formatRelative, formatTimestamp } from './model.js';

/** A state as colour, icon and word together: never colour alone. */
export function pill(state, { kind = 'node', label } = {}) {
  const info = (kind === 'run' ? RUN_STATES : NODE_STATES)[state] ?? { label: state, icon: '•' };
  return h('span', { class: `pill pill-${state}`, dataset: { state } },
    h('span', { class: 'pill-icon', 'aria-hidden': 'true' }, info.icon),
    label ?? info.label);
}

/** Nodes done of all; the fill takes the run's colour once it has a conclusion. */
export function progress(done, total, state) {
  if (total == null) return h('span', { class: 'muted' }, '—');
  const pct = total === 0 ? 0 : Math.round((done / total) * 100);
  return h('span', { class: 'progress' },
    h('span', {
      class: 'progress-bar', role: 'progressbar', 'aria-valuemin': 0, 'aria-valuemax': total,
      'aria-valuenow': done, 'aria-label': `${done} of ${total} nodes done`,
    }, h('span', { class: `progress-fill fill-${state ?? 'running'}`, style: `width:${pct}%` })),
    h('span', { class: 'progress-text' }, `${done}/${total}`));
}

export function time(date) {
  if (!date) return h('span', { class: 'muted' }, '—');
  return h('time', { datetime: date.toISOString(), title: formatTimestamp(date) }, formatRelative(date));
}

export const duration = (ms) => h('span', { class: 'num' }, formatDuration(ms));

export const runLink = (id) => h('a', { href: `/runs/${encodeURIComponent(id)}`, 'data-link': true, class: 'mono run-id' }, id);

export function callout(kind, title, message) {
  return h('div', { class: `callout callout-${kind}`, role: kind === 'error' ? 'alert' : 'status' },
    title ? h('strong', {}, title) : null,
    message ? h('div', { class: 'callout-body' }, message) : null);
}

export function pageHeader(title, { subtitle, actions, crumbs } = {}) {
  return h('div', { class: 'page-header' },
    crumbs ? h('nav', { class: 'crumbs', 'aria-label': 'Breadcrumb' }, crumbs) : null,
    h('div', { class: 'page-header-row' },
      h('div', {},
        h('h1', {}, title),
        subtitle ? h('p', { class: 'subtitle' }, subtitle) : null),
      actions ? h('div', { class: 'page-actions' }, actions) : null));
}

/**
 * Asks before an action that cannot be undone, in a modal dialog; resolves true when confirmed.
 * The safe choice has the focus, and Escape or a click on it declines.
 */
export function confirmAction({ title, text, confirm, decline = 'Keep it', id }) {
  return new Promise((resolve) => {
    const titleId = `${id ?? 'confirm'}-title`;
    const dialog = h('dialog', { class: 'confirm-dialog', id, 'aria-labelledby': titleId },
      h('form', { method: 'dialog' },
        h('h2', { id: titleId }, title),
        text ? h('p', {}, text) : null,
        h('div', { class: 'form-actions' },
          h('button', { class: 'btn', value: 'decline', autofocus: true }, decline),
          h('button', { class: 'btn btn-danger', value: 'confirm', 'data-confirm': true }, confirm))));
    dialog.addEventListener('close', () => {
      dialog.remove();
      resolve(dialog.returnValue === 'confirm');
    });
    document.body.append(dialog);
    dialog.showModal();
  });
}

export function card(title, body, { actions, id, className } = {}) {
  const headingId = id ? `${id}-title` : null;
  return h('section', { class: ['card', className], id, 'aria-labelledby': headingId },
    title ? h('div', { class: 'card-header' }, h('h2', { id: headingId }, title), actions ?? null) : null,
    h('div', { class: 'card-body' }, body));
}

export function emptyState(title, text, action) {
  return h('div', { class: 'empty' }, h('p', { class: 'empty-title' }, title),
    text ? h('p', { class: 'muted' }, text) : null, action ?? null);
}
