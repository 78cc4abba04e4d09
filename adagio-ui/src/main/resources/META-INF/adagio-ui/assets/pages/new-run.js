// `/runs/new`: paste or upload a graph spec, start it, land on its run page. The server validates;
// its message is shown as it is, next to the spec.
import { api } from '../api.js';
import { clear, replace, h } from '../dom.js';
import { callout, card, pageHeader } from '../components.js';

const MAX_FILE_BYTES = 8 * 1024 * 1024;

const EXAMPLE = {
  nodes: [
    { name: 'fetch', runtime: 'debug', metadata: { 'adagio.arguments.debug.sleep': { values: ['500ms'] } } },
    { name: 'transform', runtime: 'debug', metadata: { 'adagio.arguments.debug.sleep': { values: ['1s'] } } },
    { name: 'validate', runtime: 'debug', retry: { fail: { max_attempts: 2 } } },
    { name: 'report', runtime: 'exec', metadata: { 'adagio.arguments.exec.command': { values: ['echo'] }, 'adagio.arguments.exec.args': { values: ['all done'] } } },
  ],
  edges: [
    { source: 'fetch', destination: 'transform' },
    { source: 'fetch', destination: 'validate' },
    { source: 'transform', destination: 'report' },
    { source: 'validate', destination: 'report' },
  ],
};

/** The spec to send: a bare graph spec, or a StartRequest ({"spec": {...}}) as the API takes it. */
function specOf(parsed) {
  if (parsed && typeof parsed === 'object' && !Array.isArray(parsed) && parsed.spec && typeof parsed.spec === 'object'
      && !('nodes' in parsed)) {
    return parsed.spec;
  }
  return parsed;
}

/** A JSON syntax error with its line and column, which JSON.parse reports only as an offset. */
function describeJsonError(text, error) {
  const m = /position (\d+)/.exec(error.message);
  if (!m) return error.message;
  const pos = Number(m[1]);
  const before = text.slice(0, pos);
  const line = before.split('\n').length;
  const column = pos - before.lastIndexOf('\n');
  return `${error.message.replace(/\s*\(line \d+ column \d+\)/, '')} (line ${line}, column ${column})`;
}

export async function renderNewRun(ctx) {
  document.title = 'New run · Adagio';
  const errorSlot = h('div', { id: 'spec-errors', 'aria-live': 'assertive' });
  const textarea = h('textarea', {
    id: 'spec', name: 'spec', class: 'code-input', spellcheck: 'false', autocomplete: 'off',
    rows: 20, required: true, 'aria-describedby': 'spec-help spec-errors',
    placeholder: '{\n  "nodes": [{"name": "hello", "runtime": "debug"}],\n  "edges": []\n}',
  });
  const fileInput = h('input', { type: 'file', id: 'spec-file', accept: '.json,application/json', class: 'visually-hidden' });
  const fileName = h('span', { class: 'muted file-name' });
  const submit = h('button', { type: 'submit', class: 'btn btn-primary', id: 'start-run' }, 'Start run');

  const showError = (title, message) => {
    replace(errorSlot, callout('error', title, h('pre', { class: 'error-text' }, message)));
    textarea.setAttribute('aria-invalid', 'true');
  };
  const clearError = () => {
    clear(errorSlot);
    textarea.removeAttribute('aria-invalid');
  };

  const loadFile = async (file) => {
    if (!file) return;
    if (file.size > MAX_FILE_BYTES) {
      showError('File too large', `${file.name} is ${file.size} bytes; a request may carry at most 8 MiB.`);
      return;
    }
    textarea.value = await file.text();
    fileName.textContent = file.name;
    clearError();
  };
  fileInput.addEventListener('change', () => loadFile(fileInput.files[0]));
  textarea.addEventListener('dragover', (e) => { e.preventDefault(); textarea.classList.add('drop'); });
  textarea.addEventListener('dragleave', () => textarea.classList.remove('drop'));
  textarea.addEventListener('drop', (e) => {
    e.preventDefault();
    textarea.classList.remove('drop');
    loadFile(e.dataTransfer.files[0]);
  });
  textarea.addEventListener('input', () => { if (textarea.hasAttribute('aria-invalid')) clearError(); });

  const form = h('form', { class: 'spec-form', novalidate: true, onsubmit: async (event) => {
    event.preventDefault();
    clearError();
    const text = textarea.value.trim();
    if (!text) {
      showError('The spec is empty', 'Paste a graph spec (JSON) or upload a file.');
      textarea.focus();
      return;
    }
    let parsed;
    try {
      parsed = JSON.parse(text);
    } catch (e) {
      showError('The spec is not valid JSON', describeJsonError(text, e));
      textarea.focus();
      return;
    }
    submit.disabled = true;
    submit.textContent = 'Starting…';
    try {
      const run = await api.start(specOf(parsed), ctx.signal);
      if (!run.id) throw new Error('The server started a run but did not return its ID.');
      ctx.navigate(`/runs/${encodeURIComponent(run.id)}`);
    } catch (e) {
      if (e.name === 'AbortError') return;
      showError(e.status >= 400 && e.status < 500 ? 'The server rejected the spec' : 'Cannot start the run', e.message);
      textarea.focus();
    } finally {
      submit.disabled = false;
      submit.textContent = 'Start run';
    }
  } },
  h('div', { class: 'field' },
    h('label', { for: 'spec', class: 'field-label' }, 'Graph spec (JSON)'),
    h('p', { id: 'spec-help', class: 'field-help' },
      'Nodes with a name and a runtime, and edges from source to destination. Paste it, drop a file here, or upload one.'),
    textarea),
  errorSlot,
  h('div', { class: 'form-actions' },
    submit,
    h('label', { for: 'spec-file', class: 'btn', tabindex: '0', role: 'button',
      onkeydown: (e) => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); fileInput.click(); } } },
    'Upload file…'),
    fileInput,
    fileName,
    h('button', { type: 'button', class: 'btn btn-ghost', id: 'load-example', onclick: () => {
      textarea.value = JSON.stringify(EXAMPLE, null, 2);
      fileName.textContent = '';
      clearError();
      textarea.focus();
    } }, 'Load example')));

  ctx.main.append(
    pageHeader('New run', { subtitle: 'Start a run from a graph spec.' }),
    h('div', { class: 'grid-main-side' },
      card(null, form, { id: 'new-run' }),
      card('Format', h('div', { class: 'help' },
        h('p', {}, 'Each node names a ', h('em', {}, 'runtime'), ' and may carry arguments as metadata:'),
        h('pre', { class: 'code-sample' }, '"metadata": {\n  "adagio.arguments.exec.command":\n    {"values": ["echo"]}\n}'),
        h('p', {}, 'Retry rules by condition (', h('code', {}, 'fail'), ' or ', h('code', {}, 'error'), '):'),
        h('pre', { class: 'code-sample' }, '"retry": {"fail": {"max_attempts": 3}}'),
        h('p', {}, 'Built-in runtimes: ', h('code', {}, 'debug'), ' (conclusion, sleep, chances) and ',
          h('code', {}, 'exec'), ' (command, args). See ', h('a', { href: '/agents', 'data-link': true }, 'agents'), ' for what is live.')),
      { id: 'format-help' })));
}
