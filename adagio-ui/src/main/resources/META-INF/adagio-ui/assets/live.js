// Following a run live: GET /v0/runs/{id}/watch, the Watch method as Server-Sent Events. Read with
// fetch() and a stream reader rather than EventSource, which cannot send the Authorization header
// an API with tokens wants. The first message holds the whole run, each later one the nodes that
// changed and the run's status and conclusion; the stream ends after the message in which the run
// is COMPLETED. A broken stream is opened again with Last-Event-ID, so the server sends only what
// changed meanwhile (or the whole run again when it cannot tell).
import { ApiError, errorMessage } from './api.js';
import { askForToken, currentToken, forget } from './auth.js';

const FIRST_RETRY_MS = 1000;
const MAX_RETRY_MS = 15000;

/** The run with a later message applied: its changed nodes replaced, its status and conclusion set. */
export function applyUpdate(run, message) {
  if (message.run) return message.run;
  const changed = new Map((message.nodes ?? []).map((n) => [n.spec?.name ?? '', n]));
  return {
    ...run,
    status: message.status ?? run.status,
    conclusion: message.conclusion ?? run.conclusion,
    nodes: changed.size === 0 ? run.nodes : (run.nodes ?? []).map((n) => changed.get(n.spec?.name ?? '') ?? n),
  };
}

/**
 * Follows run `id` until it completes, `signal` aborts, or the returned function is called.
 *   onRun(run, message)  the run as it stands after each message (message.run only in the first)
 *   onError(error, { fatal })  a failure; unless fatal (the run does not exist, no token given) the
 *                        stream is opened again after a pause
 *   onOpen()             a stream was opened (after an error: the live view is back)
 *   onEnd(run)           the run completed: nothing more will come
 */
export function watchRun(id, { onRun, onError = () => {}, onOpen = () => {}, onEnd = () => {} }, signal) {
  const controller = new AbortController();
  signal?.addEventListener('abort', () => controller.abort(), { once: true });
  const state = { run: null, lastEventId: null, ended: false };

  (async () => {
    let delay = FIRST_RETRY_MS;
    while (!controller.signal.aborted && !state.ended) {
      try {
        await follow(id, state, { onRun, onOpen }, controller.signal);
        if (state.ended) {
          onEnd(state.run);
          return;
        }
        delay = FIRST_RETRY_MS; // the server ended the stream early (it stopped): open it again
      } catch (e) {
        if (controller.signal.aborted || e.name === 'AbortError') return;
        const fatal = e instanceof ApiError && (e.status === 401 || e.status === 403 || e.status === 404 || e.status === 406);
        onError(e, { fatal });
        if (fatal) return;
      }
      await pause(delay, controller.signal);
      delay = Math.min(delay * 2, MAX_RETRY_MS);
    }
  })();
  return () => controller.abort();
}

/** One stream, read to its end. */
async function follow(id, state, { onRun, onOpen }, signal) {
  const response = await open(id, state.lastEventId, signal);
  onOpen();
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  let event = { id: null, type: 'message', data: [] };
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += value;
      let newline;
      while ((newline = buffer.indexOf('\n')) >= 0) {
        let line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + 1);
        if (line.endsWith('\r')) line = line.slice(0, -1);
        if (line === '') {
          if (event.data.length > 0) dispatch(event, state, onRun);
          event = { id: null, type: 'message', data: [] };
          if (state.ended) return;
        } else if (!line.startsWith(':')) { // a comment is a heartbeat
          const colon = line.indexOf(':');
          const field = colon < 0 ? line : line.slice(0, colon);
          let text = colon < 0 ? '' : line.slice(colon + 1);
          if (text.startsWith(' ')) text = text.slice(1);
          if (field === 'data') event.data.push(text);
          else if (field === 'id') event.id = text;
          else if (field === 'event') event.type = text;
        }
      }
    }
  } finally {
    reader.cancel().catch(() => {});
  }
}

function dispatch(event, state, onRun) {
  const body = JSON.parse(event.data.join('\n'));
  if (event.type === 'error') {
    const code = body['grpc-code'];
    throw new ApiError(code === 'NOT_FOUND' ? 404 : 503, body.message ?? 'The live stream failed.');
  }
  if (event.id) state.lastEventId = event.id;
  if (!body.run && !state.run) return; // resumed, but nothing to resume from: wait for the whole run
  state.run = applyUpdate(state.run, body);
  if ((state.run.status ?? 'WAITING') === 'COMPLETED') state.ended = true;
  onRun(state.run, body);
}

/** Opens the stream, asking for a token when the API wants one (as every other call does). */
async function open(id, lastEventId, signal) {
  for (;;) {
    const token = currentToken();
    const headers = { Accept: 'text/event-stream' };
    if (token) headers.Authorization = `Bearer ${token}`;
    if (lastEventId) headers['Last-Event-ID'] = lastEventId;
    let response;
    try {
      response = await fetch(`/v0/runs/${encodeURIComponent(id)}/watch`, { headers, signal, cache: 'no-store' });
    } catch (e) {
      if (e.name === 'AbortError') throw e;
      throw new ApiError(0, `Cannot reach the Adagio API (${e.message}).`);
    }
    if (response.status === 401) {
      const message = await errorMessage(response);
      const latest = currentToken();
      if (latest && latest !== token) continue;
      forget(token);
      if (!(await askForToken(message, { refused: Boolean(token) }))) throw new ApiError(401, message);
      continue;
    }
    if (!response.ok) throw new ApiError(response.status, await errorMessage(response));
    return response;
  }
}

function pause(ms, signal) {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => { clearTimeout(timer); resolve(); }, { once: true });
  });
}

/**
 * Keeps the rows of a runs table live: a watch per shown run that has not completed, at most `max`
 * at once (a browser opens at most six HTTP/1.1 connections to one server, and the page's other
 * requests and other tabs need theirs); runs beyond that are refreshed with the list. Each message
 * draws that run's row again with `renderRow(run)`.
 */
export class LiveRows {
  constructor(signal, renderRow, max = 4) {
    this.signal = signal;
    this.renderRow = renderRow;
    this.max = max;
    this.watches = new Map(); // run id -> stop
  }

  /** Follows these runs (list rows, each with `id` and `status`), and stops following the others. */
  follow(runs) {
    const wanted = runs.filter((r) => (r.status ?? 'WAITING') !== 'COMPLETED').slice(0, this.max).map((r) => r.id);
    for (const [id, stop] of this.watches) {
      if (!wanted.includes(id)) {
        stop();
        this.watches.delete(id);
      }
    }
    for (const id of wanted) {
      if (this.watches.has(id)) continue;
      const stop = watchRun(id, {
        onRun: (run) => {
          const old = document.querySelector(`tr[data-run-id="${CSS.escape(id)}"]`);
          old?.replaceWith(this.renderRow(run));
        },
        onEnd: () => this.watches.delete(id),
        onError: (e, { fatal }) => { if (fatal) this.watches.delete(id); },
      }, this.signal);
      this.watches.set(id, stop);
    }
  }
}
