// The public HTTP/JSON API (docs/ARCHITECTURE.md, "Wire contract"), the same routes the CLI and users call.
import { askForToken, currentToken, forget } from './auth.js';

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

/** The message of an error response, whatever shape the server gave it. */
export async function errorMessage(response) {
  const text = await response.text().catch(() => '');
  if (text) {
    try {
      const body = JSON.parse(text);
      const message = body.message ?? body.error?.message ?? body.error ?? body.detail;
      if (typeof message === 'string' && message) return message;
    } catch {
      // not JSON: the text is the message
    }
    return text.trim();
  }
  return `${response.status} ${response.statusText}`.trim();
}

/**
 * One API call. Bodies are JSON and say so (the API refuses anything else). When the API answers
 * 401 the user is asked for a token and the call is made again with it, until it succeeds or the
 * user cancels.
 */
async function call(method, path, body, signal) {
  for (;;) {
    const token = currentToken();
    const headers = { Accept: 'application/json' };
    // POST and PUT must say JSON even without a body: the API refuses them otherwise (415).
    if (body !== undefined || method === 'POST' || method === 'PUT') headers['Content-Type'] = 'application/json';
    if (token) headers.Authorization = `Bearer ${token}`;
    let response;
    try {
      response = await fetch(path, {
        method,
        signal,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (e) {
      if (e.name === 'AbortError') throw e;
      throw new ApiError(0, `Cannot reach the Adagio API (${e.message}).`);
    }
    if (response.status === 401) {
      const message = await errorMessage(response);
      // Another request has meanwhile got a newer token: try that one first.
      const latest = currentToken();
      if (latest && latest !== token) continue;
      forget(token);
      const next = await askForToken(message, { refused: Boolean(token) });
      if (!next) throw new ApiError(401, message);
      continue;
    }
    if (!response.ok) throw new ApiError(response.status, await errorMessage(response));
    return response.status === 204 ? {} : response.json();
  }
}

export const api = {
  stats: (signal) => call('GET', '/v0/stats', undefined, signal).then((r) => r.stats ?? {}),
  agents: (signal) => call('GET', '/v0/agents', undefined, signal).then((r) => r.agents ?? []),
  run: (id, signal) => call('GET', `/v0/runs/${encodeURIComponent(id)}`, undefined, signal).then((r) => r.run ?? {}),
  /** Newest first; startNs bounds the newest end, finishNs the oldest end (Unix ns, as strings). */
  runs: ({ startNs, finishNs, limit } = {}, signal) => {
    const q = new URLSearchParams();
    if (startNs) q.set('start_ns', String(startNs));
    if (finishNs) q.set('finish_ns', String(finishNs));
    if (limit) q.set('limit', String(limit));
    const query = q.toString();
    return call('GET', `/v0/runs${query ? `?${query}` : ''}`, undefined, signal).then((r) => r.runs ?? []);
  },
  start: (spec, signal) => call('POST', '/v0/runs', { spec }, signal).then((r) => r.run ?? {}),
  /** Deletes a completed run and everything of it; 409 while it has not completed. */
  deleteRun: (id, signal) => call('DELETE', `/v0/runs/${encodeURIComponent(id)}`, undefined, signal),
  /** Cancels a run; a completed run is answered as it is. The body is JSON, as every POST must be. */
  cancel: (id, signal) => call('POST', `/v0/runs/${encodeURIComponent(id)}/cancel`, {}, signal).then((r) => r.run ?? {}),
  /** Runs a completed run's failed, cancelled and unreached nodes again (409 while it is not completed). */
  rerun: (id, signal) => call('POST', `/v0/runs/${encodeURIComponent(id)}/rerun`, {}, signal).then((r) => r.run ?? {}),
};
