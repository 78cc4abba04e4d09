// What the UI derives from the API's JSON: display states, run summaries, times and text.
// Protobuf JSON omits fields at their default value (status WAITING / NONE, empty lists, zero
// counts) and writes int64 as strings, so every read here supplies the default itself.

/** Display states of a node, in the order the legend lists them. */
export const NODE_STATES = {
  waiting:   { label: 'Waiting',   icon: '◷', description: 'waiting for upstream nodes' },
  ready:     { label: 'Ready',     icon: '●', description: 'ready, waiting for an agent' },
  running:   { label: 'Running',   icon: '▶', description: 'running on an agent' },
  succeeded: { label: 'Succeeded', icon: '✓', description: 'completed successfully' },
  failed:    { label: 'Failed',    icon: '✕', description: 'the work reported failure' },
  errored:   { label: 'Errored',   icon: '!', description: 'a system error ended it' },
  unreached: { label: 'Unreached', icon: '–', description: 'not run: an upstream node did not succeed' },
  cancelled: { label: 'Cancelled', icon: '⊘', description: 'stopped or never run: its run was cancelled' },
  orphaned:  { label: 'Orphaned',  icon: '?', description: 'its agent was lost; it will be recovered' },
};

/** Display states of a run (its status, and its conclusion once completed). */
export const RUN_STATES = {
  waiting:   { label: 'Waiting',   icon: '◷' },
  running:   { label: 'Running',   icon: '▶' },
  completed: { label: 'Completed', icon: '■' },
  succeeded: { label: 'Succeeded', icon: '✓' },
  failed:    { label: 'Failed',    icon: '✕' },
  errored:   { label: 'Errored',   icon: '!' },
  cancelled: { label: 'Cancelled', icon: '⊘' },
};

/** A conclusion (Node.Result.Conclusion) as a display state; NONE has none. */
export const CONCLUSION_STATES = { SUCCESS: 'succeeded', FAIL: 'failed', ERROR: 'errored', CANCELLED: 'cancelled' };

export const attemptsOf = (node) => node.attempts ?? [];
export const nodeStatus = (node) => node.status ?? 'NONE';
export const runStatus = (run) => run.status ?? 'WAITING';
export const nodeName = (node) => node.spec?.name ?? '';
/** A run's conclusion: NONE until it is COMPLETED (and from a server that does not send one). */
export const runConclusion = (run) => run.conclusion ?? 'NONE';

/**
 * A node's display state, from its status and, once it is COMPLETED, its conclusion. A completed
 * node without one (NONE, or a server that sends none, like the original project's) shows its last
 * attempt's, and is unreached without an attempt.
 */
export function nodeState(node) {
  switch (nodeStatus(node)) {
    case 'WAITING': return 'waiting';
    case 'READY': return 'ready';
    case 'RUNNING': return 'running';
    case 'NONE': return 'orphaned';
    case 'COMPLETED': {
      const own = CONCLUSION_STATES[node.conclusion ?? 'NONE'];
      if (own) return own;
      const attempts = attemptsOf(node);
      if (attempts.length === 0) return 'unreached';
      return CONCLUSION_STATES[attempts[attempts.length - 1].conclusion ?? 'NONE'] ?? 'errored';
    }
    default: return 'waiting';
  }
}

/**
 * Everything a list row or a run header shows about a run. When the API gives a run without its
 * nodes, `total` is null and progress is unknown.
 */
export function summarize(run) {
  const nodes = run.nodes;
  const counts = Object.fromEntries(Object.keys(NODE_STATES).map((s) => [s, 0]));
  let lastFinish = null;
  for (const node of nodes ?? []) {
    counts[nodeState(node)]++;
    const f = parseTime(node.finished_at);
    if (f && (!lastFinish || f > lastFinish)) lastFinish = f;
  }
  const status = runStatus(run);
  let state;
  if (status === 'COMPLETED') {
    // The server's conclusion; derived from the nodes (ERROR before FAIL) for one that sends none.
    state = CONCLUSION_STATES[runConclusion(run)]
      ?? (counts.cancelled > 0 ? 'cancelled' : counts.errored > 0 ? 'errored' : counts.failed > 0 ? 'failed' : 'succeeded');
  } else {
    state = status === 'RUNNING' ? 'running' : 'waiting';
  }
  const created = parseTime(run.created_at);
  const end = status === 'COMPLETED' ? lastFinish : null;
  return {
    id: run.id,
    status,
    state,
    conclusion: status === 'COMPLETED' ? state : null,
    /** What Rerun would run again: only a completed run that did not succeed. */
    rerunnable: status === 'COMPLETED' && state !== 'succeeded',
    created,
    createdNs: toNanos(run.created_at),
    finished: end,
    durationMs: created ? ((end ?? new Date()) - created) : null,
    done: nodes ? nodes.filter((n) => nodeStatus(n) === 'COMPLETED').length : null,
    total: nodes ? nodes.length : null,
    counts,
  };
}

/** An RFC 3339 timestamp as a Date (millisecond precision); null when absent. */
export function parseTime(ts) {
  if (!ts) return null;
  const ns = toNanos(ts);
  const d = ns != null ? new Date(Number(ns / 1_000_000n)) : new Date(ts);
  return Number.isNaN(d.getTime()) ? null : d;
}

const RFC3339 = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$/i;

/**
 * An RFC 3339 timestamp as Unix nanoseconds (BigInt), exactly: ListRuns' time bounds are in
 * nanoseconds and a Date would lose the last six digits.
 */
export function toNanos(ts) {
  const m = ts ? RFC3339.exec(ts) : null;
  if (!m) return null;
  const ms = Date.parse(m[1] + m[3]);
  if (Number.isNaN(ms)) return null;
  const frac = BigInt((m[2] ?? '').padEnd(9, '0').slice(0, 9));
  return BigInt(ms) * 1_000_000n + frac;
}

export function formatDuration(ms) {
  if (ms == null || !Number.isFinite(ms)) return '—';
  if (ms < 0) ms = 0;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s < 10 ? s.toFixed(1) : Math.round(s)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${Math.round(s % 60)}s`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h}h ${m % 60}m`;
  return `${Math.floor(h / 24)}d ${h % 24}h`;
}

/** A protobuf JSON Duration ("1.500s", "30s") in milliseconds; null when absent or unreadable. */
export function parseDuration(text) {
  const m = typeof text === 'string' ? /^(-?\d+(?:\.\d+)?)s$/.exec(text) : null;
  return m ? Number(m[1]) * 1000 : null;
}

const relative = new Intl.RelativeTimeFormat('en', { numeric: 'auto' });

export function formatRelative(date, now = new Date()) {
  if (!date) return '—';
  const s = Math.round((date - now) / 1000);
  const abs = Math.abs(s);
  if (abs < 5) return 'just now';
  if (abs < 60) return relative.format(s, 'second');
  if (abs < 3600) return relative.format(Math.round(s / 60), 'minute');
  if (abs < 86400) return relative.format(Math.round(s / 3600), 'hour');
  return relative.format(Math.round(s / 86400), 'day');
}

export function formatTimestamp(date) {
  if (!date) return '—';
  return date.toLocaleString('en-GB', {
    year: 'numeric', month: 'short', day: '2-digit',
    hour: '2-digit', minute: '2-digit', second: '2-digit',
  });
}

/** How much of an output or input the UI shows: enough to read, never enough to hang the tab. */
export const OUTPUT_CAP_BYTES = 64 * 1024;

/**
 * Decodes a protobuf-JSON `bytes` field (base64) as UTF-8 text, cut at OUTPUT_CAP_BYTES.
 * Invalid UTF-8 shows as replacement characters rather than failing.
 */
export function decodeBytes(b64) {
  if (!b64) return { text: '', bytes: 0, truncated: false };
  let binary;
  try {
    binary = atob(b64.replace(/-/g, '+').replace(/_/g, '/'));
  } catch {
    return { text: b64, bytes: b64.length, truncated: false, notBase64: true };
  }
  const size = binary.length;
  const shown = Math.min(size, OUTPUT_CAP_BYTES);
  const bytes = new Uint8Array(shown);
  for (let i = 0; i < shown; i++) bytes[i] = binary.charCodeAt(i);
  const text = new TextDecoder('utf-8', { fatal: false }).decode(bytes);
  return { text, bytes: size, truncated: size > shown };
}

export function formatBytes(n) {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(n < 10240 ? 1 : 0)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

export const num = (v) => Number(v ?? 0);
