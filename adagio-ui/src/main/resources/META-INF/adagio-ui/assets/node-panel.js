// The side panel of a run's page: one node's state, arguments, retry rules, attempts and inputs.
import { replace, h } from './dom.js';
import { duration, pill, time } from './components.js';
import {
  NODE_STATES, OUTPUT_CAP_BYTES, attemptsOf, decodeBytes, formatBytes, formatDuration, formatTimestamp,
  nodeName, nodeState, nodeStatus, parseDuration, parseTime,
} from './model.js';

const CONCLUSION_STATE = { SUCCESS: 'succeeded', FAIL: 'failed', ERROR: 'errored', CANCELLED: 'cancelled', NONE: 'errored' };
const ARGUMENT_PREFIXES = ['adagio.arguments.', 'adagio.runtime.', 'adagio.inputs.'];

/** The side panel with one node's runtime, arguments, retry rules, attempts and inputs. */
export class NodePanel {
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
export function attempted(node) {
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
