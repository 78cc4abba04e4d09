// A run too big to draw node by node, collapsed: its nodes grouped into layers (a node's layer is
// the longest path to it from a node without inputs, so every edge goes from a lower layer to a
// higher one), each layer a row with its node count and a bar of its nodes' states. Runs with more
// layers than fit on a screen group consecutive layers into bands. Choosing a row filters the
// nodes table to that band.
import { h } from './dom.js';
import { NODE_STATES, nodeName, nodeState } from './model.js';

/** At most this many rows: a chain of 10,000 nodes has 10,000 layers. */
export const MAX_BANDS = 50;

/** Each node's layer by name, and how many layers there are (Kahn's order; a cycle cannot be stored). */
export function layersOf(run) {
  const names = (run.nodes ?? []).map(nodeName);
  const index = new Map(names.map((name, i) => [name, i]));
  const out = names.map(() => []);
  const pending = new Int32Array(names.length);
  for (const edge of run.edges ?? []) {
    const from = index.get(edge.source);
    const to = index.get(edge.destination);
    if (from === undefined || to === undefined) continue;
    out[from].push(to);
    pending[to]++;
  }
  const layer = new Int32Array(names.length);
  const queue = [];
  for (let i = 0; i < names.length; i++) if (pending[i] === 0) queue.push(i);
  for (let head = 0; head < queue.length; head++) {
    const i = queue[head];
    for (const j of out[i]) {
      layer[j] = Math.max(layer[j], layer[i] + 1);
      if (--pending[j] === 0) queue.push(j);
    }
  }
  let count = 0;
  const byName = new Map();
  names.forEach((name, i) => {
    byName.set(name, layer[i]);
    count = Math.max(count, layer[i] + 1);
  });
  return { byName, count };
}

/** Layers grouped into at most MAX_BANDS bands of consecutive layers: [{first, last}]. */
export function bandsOf(layerCount) {
  const size = Math.max(1, Math.ceil(layerCount / MAX_BANDS));
  const bands = [];
  for (let first = 0; first < layerCount; first += size) {
    bands.push({ first, last: Math.min(layerCount, first + size) - 1 });
  }
  return bands;
}

const bandLabel = (band) => (band.first === band.last ? `Layer ${band.first + 1}` : `Layers ${band.first + 1}–${band.last + 1}`);

/**
 * The collapsed graph. `onSelect(band)` gets the chosen band ({first, last, label}) or null for all.
 * Returns the element, `update(run)` to recount the states, `bandOf(name)` and `select(band)`.
 */
export function drawLayers(run, onSelect) {
  const { byName, count } = layersOf(run);
  const bands = bandsOf(count).map((band) => ({ ...band, label: bandLabel(band) }));
  const size = bands.length > 0 ? bands[0].last - bands[0].first + 1 : 1;
  const bandIndexOf = (name) => Math.floor((byName.get(name) ?? 0) / size);

  const rows = bands.map((band, i) => {
    const bar = h('span', { class: 'layer-bar', role: 'img' });
    const total = h('span', { class: 'layer-count num' });
    const button = h('button', {
      type: 'button', class: 'layer-row', dataset: { band: String(i) }, 'aria-pressed': 'false',
      onclick: () => onSelect(selected === i ? null : band),
    }, h('span', { class: 'layer-name' }, band.label), total, bar);
    return { band, button, bar, total };
  });
  let selected = null;
  const root = h('div', { class: 'layers' },
    h('p', { class: 'layers-note muted' },
      `${(run.nodes ?? []).length.toLocaleString()} nodes in ${count.toLocaleString()} layer${count === 1 ? '' : 's'}:`
      + ' too many to draw one by one. Choose a row to list its nodes below.'),
    h('ol', { class: 'layer-list', 'aria-label': 'Layers of the graph' }, rows.map((r) => h('li', {}, r.button))));

  let lastKey = '';
  function update(next) {
    const counts = bands.map(() => Object.fromEntries(Object.keys(NODE_STATES).map((s) => [s, 0])));
    for (const node of next.nodes ?? []) counts[bandIndexOf(nodeName(node))][nodeState(node)]++;
    const key = JSON.stringify(counts);
    if (key === lastKey) return;
    lastKey = key;
    rows.forEach((row, i) => {
      const c = counts[i];
      const n = Object.values(c).reduce((a, b) => a + b, 0);
      row.total.textContent = `${n.toLocaleString()} node${n === 1 ? '' : 's'}`;
      const present = Object.keys(NODE_STATES).filter((s) => c[s] > 0);
      row.bar.setAttribute('aria-label', present.map((s) => `${c[s]} ${NODE_STATES[s].label.toLowerCase()}`).join(', '));
      row.bar.replaceChildren(...present.map((s) => h('span', {
        class: `layer-segment layer-${s}`, style: `flex-grow:${c[s]}`, dataset: { state: s, count: String(c[s]) },
      })));
    });
  }
  function select(band) {
    selected = band ? bands.findIndex((b) => b.first === band.first) : null;
    rows.forEach((row, i) => row.button.setAttribute('aria-pressed', String(i === selected)));
  }
  update(run);
  return { root, update, select, inBand: (name, band) => bands[bandIndexOf(name)]?.first === band.first };
}
