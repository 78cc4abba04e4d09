// The bearer token of an adagiod started with -auth-token-file. The API answers 401 without one;
// the UI then asks for it once, keeps it for this browser tab's session (sessionStorage: gone when
// the tab closes, never sent anywhere but this API) and sends it as "Authorization: Bearer".
import { h } from './dom.js';

const KEY = 'adagio.token';

let pending = null;   // the open prompt, shared by every request that waits for it
let declined = false; // the user cancelled: do not pop up again until they ask (the sign-in button)

export function currentToken() {
  try {
    return sessionStorage.getItem(KEY);
  } catch {
    return null;
  }
}

function store(token) {
  try {
    if (token) sessionStorage.setItem(KEY, token);
    else sessionStorage.removeItem(KEY);
  } catch {
    // storage disabled: the token lasts until the page is reloaded
  }
  updateButton();
}

/** Drops the token if it is still the one a request was refused with. */
export function forget(token) {
  if (token && currentToken() === token) store(null);
}

/**
 * Asks for a token after the API answered 401 with `message`; resolves with it, or with null when
 * the user cancels. Concurrent requests share one prompt.
 */
export function askForToken(message, { refused = false } = {}) {
  showButton();
  if (declined) return Promise.resolve(null);
  if (!pending) {
    pending = prompt(message, refused).finally(() => { pending = null; });
  }
  return pending;
}

function prompt(message, refused) {
  return new Promise((resolve) => {
    const input = h('input', {
      type: 'password', id: 'token-input', name: 'token', class: 'token-input', required: true,
      autocomplete: 'off', spellcheck: 'false', 'aria-describedby': 'token-help',
    });
    const dialog = h('dialog', { id: 'token-dialog', class: 'token-dialog', 'aria-labelledby': 'token-title' });
    const finish = (token) => {
      dialog.close();
      dialog.remove();
      if (token) {
        declined = false;
        store(token);
      } else {
        declined = true;
      }
      resolve(token || null);
    };
    const form = h('form', { method: 'dialog', onsubmit: (event) => {
      event.preventDefault();
      const token = input.value.trim();
      if (token) finish(token);
    } },
    h('h2', { id: 'token-title' }, 'This Adagio API needs a token'),
    refused
      ? h('p', { class: 'callout callout-error', role: 'alert' }, `That token was refused (${message}).`)
      : h('p', { class: 'token-reason' }, 'The API said: ', h('q', {}, message)),
    h('p', { id: 'token-help', class: 'muted' },
      'Enter a token from the API\'s token file. It is kept in this browser tab until the tab is closed.'),
    h('label', { for: 'token-input', class: 'field-label' }, 'Bearer token'),
    input,
    h('div', { class: 'form-actions' },
      h('button', { type: 'submit', class: 'btn btn-primary', id: 'token-submit' }, 'Sign in'),
      h('button', { type: 'button', class: 'btn btn-ghost', id: 'token-cancel', onclick: () => finish(null) }, 'Cancel')));
    dialog.append(form);
    dialog.addEventListener('cancel', (event) => { event.preventDefault(); finish(null); });
    document.body.append(dialog);
    dialog.showModal();
    input.focus();
  });
}

// The top bar's button: "Sign in" once the API has asked for a token, "Sign out" while one is kept.
function authButton() {
  return document.getElementById('auth-button');
}

function showButton() {
  const button = authButton();
  if (button) button.hidden = false;
  updateButton();
}

function updateButton() {
  const button = authButton();
  if (!button) return;
  const signedIn = Boolean(currentToken());
  button.textContent = signedIn ? 'Sign out' : 'Sign in';
  if (signedIn) button.hidden = false;
}

export function initAuthButton(onChange) {
  const button = authButton();
  if (!button) return;
  button.addEventListener('click', async () => {
    if (currentToken()) {
      store(null);
      onChange();
      return;
    }
    declined = false;
    const token = await askForToken('Enter a token to use the API.');
    if (token) onChange();
  });
  updateButton();
}
