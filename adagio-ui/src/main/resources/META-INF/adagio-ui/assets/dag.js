// The run's DAG as an SVG: laid out by dagre (layered, left to right), drawn here. The only
// <text> elements in the SVG are the node names; a node's state shows as its colour, its icon
// (SVG shapes) and its accessible label, and as words in the legend and the nodes table.
import { s } from './dom.js';
import { NODE_STATES, nodeName, nodeState } from './model.js';

const NODE_HEIGHT = 40;
const MIN_WIDTH = 96;
const MAX_LABEL_CHARS = 40;
const LABEL_FONT = '600 13px system-ui, -apple-system, "Segoe UI", "Liberation Sans", "DejaVu Sans", sans-serif';
let measureCtx = null;

function labelOf(name) {
  return name.length > MAX_LABEL_CHARS ? `${name.slice(0, MAX_LABEL_CHARS - 1)}…` : name;
}

function textWidth(text) {
  measureCtx ??= document.createElement('canvas').getContext('2d');
  measureCtx.font = LABEL_FONT;
  return measureCtx.measureText(text).width;
}

/** Positions for every node and a polyline for every edge, from dagre. */
export function layout(run) {
  if (!window.dagre) throw new Error('The graph layout library (dagre) did not load.');
  const g = new window.dagre.graphlib.Graph();
  g.setGraph({ rankdir: 'LR', nodesep: 22, ranksep: 64, edgesep: 12, marginx: 12, marginy: 12 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const node of run.nodes ?? []) {
    const name = nodeName(node);
    const label = labelOf(name);
    g.setNode(name, { label, width: Math.max(MIN_WIDTH, Math.ceil(textWidth(label)) + 52), height: NODE_HEIGHT });
  }
  for (const edge of run.edges ?? []) g.setEdge(edge.source, edge.destination);
  window.dagre.layout(g);
  const graph = g.graph();
  return {
    width: Math.ceil(graph.width ?? 0),
    height: Math.ceil(graph.height ?? 0),
    nodes: g.nodes().map((name) => ({ name, ...g.node(name) })),
    edges: g.edges().map((e) => ({ source: e.v, destination: e.w, points: g.edge(e).points })),
  };
}

/** A smooth path through dagre's edge points (the uniform B-spline that d3's curveBasis draws). */
function basisPath(points) {
  let d = '';
  let n = 0;
  let x0; let y0; let x1; let y1;
  const f = (v) => Math.round(v * 10) / 10;
  const point = (x, y) => {
    if (n === 0) { d += `M${f(x)},${f(y)}`; n = 1; } else if (n === 1) { n = 2; } else {
      if (n === 2) { d += `L${f((5 * x0 + x1) / 6)},${f((5 * y0 + y1) / 6)}`; n = 3; }
      d += `C${f((2 * x0 + x1) / 3)},${f((2 * y0 + y1) / 3)} ${f((x0 + 2 * x1) / 3)},${f((y0 + 2 * y1) / 3)} ${f((x0 + 4 * x1 + x) / 6)},${f((y0 + 4 * y1 + y) / 6)}`;
    }
    x0 = x1; x1 = x; y0 = y1; y1 = y;
  };
  for (const p of points) point(p.x, p.y);
  if (n === 3) point(x1, y1);
  if (n >= 2) d += `L${f(x1)},${f(y1)}`;
  return d;
}

/** The state's icon, 16×16, drawn in shapes so that it adds no text to the SVG. */
function icon(state) {
  const glyph = {
    succeeded: () => s('path', { d: 'M4.6 8.4l2.3 2.3 4.5-4.9', class: 'glyph' }),
    failed: () => s('path', { d: 'M5.4 5.4l5.2 5.2M10.6 5.4l-5.2 5.2', class: 'glyph' }),
    errored: () => [s('path', { d: 'M8 4.4v4.4', class: 'glyph' }), s('circle', { cx: 8, cy: 11.4, r: 1.05, class: 'glyph-dot' })],
    orphaned: () => [s('path', { d: 'M5.9 6.2a2.15 2.15 0 1 1 3 2c-.6.3-.9.7-.9 1.3', class: 'glyph' }), s('circle', { cx: 8, cy: 11.9, r: 1, class: 'glyph-dot' })],
    running: () => s('path', { d: 'M8 1.5a6.5 6.5 0 0 1 6.5 6.5', class: 'spinner' }),
    ready: () => s('circle', { cx: 8, cy: 8, r: 2.6, class: 'glyph-fill' }),
    waiting: () => s('path', { d: 'M8 4.8V8l2.2 1.6', class: 'glyph-line' }),
    unreached: () => s('path', { d: 'M5 8h6', class: 'glyph-line' }),
    cancelled: () => s('path', { d: 'M4.9 11.1l6.2-6.2', class: 'glyph' }),
  }[state];
  const filled = ['succeeded', 'failed', 'errored', 'orphaned', 'cancelled'].includes(state);
  return s('g', { class: 'dag-icon', 'aria-hidden': 'true' },
    s('circle', { cx: 8, cy: 8, r: filled ? 8 : 6.5, class: filled ? 'icon-disc' : 'icon-ring' }),
    glyph ? glyph() : null);
}

/**
 * Draws the run's graph. `onSelect(name)` is called when a node is clicked or activated with the
 * keyboard. Returns the SVG and an `update(run)` that recolours it in place (the structure of a
 * run never changes, so it is laid out once).
 */
export function drawDag(run, onSelect) {
  const box = layout(run);
  const byName = new Map((run.nodes ?? []).map((n) => [nodeName(n), n]));
  const svg = s('svg', {
    class: 'dag', xmlns: 'http://www.w3.org/2000/svg', width: box.width, height: box.height,
    viewBox: `0 0 ${box.width} ${box.height}`, role: 'group',
    'aria-label': `Graph of ${box.nodes.length} nodes and ${box.edges.length} edges`,
  });
  svg.append(s('defs', {},
    s('marker', {
      id: 'dag-arrow', viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7,
      orient: 'auto-start-reverse', markerUnits: 'userSpaceOnUse',
    }, s('path', { d: 'M0,0.5 L10,5 L0,9.5 z', class: 'dag-arrow' }))));

  const edgeEls = box.edges.map((e) => s('path', {
    class: 'dag-edge', d: basisPath(e.points), 'marker-end': 'url(#dag-arrow)',
    dataset: { source: e.source, destination: e.destination },
  }));
  svg.append(s('g', { class: 'dag-edges' }, edgeEls));

  const nodeEls = new Map();
  const nodesGroup = s('g', { class: 'dag-nodes' });
  for (const n of box.nodes) {
    const x = n.x - n.width / 2;
    const y = n.y - n.height / 2;
    const g = s('g', {
      class: 'dag-node', transform: `translate(${x},${y})`, tabindex: 0, role: 'button',
      dataset: { node: n.name },
      onclick: () => onSelect(n.name),
      onkeydown: (event) => {
        if (event.key === 'Enter' || event.key === ' ') { event.preventDefault(); onSelect(n.name); }
      },
    },
    s('rect', { class: 'dag-node-box', width: n.width, height: n.height, rx: 9 }),
    s('rect', { class: 'dag-node-accent', x: 0, y: 0, width: 5, height: n.height, rx: 2.5 }),
    s('g', { class: 'dag-icon-slot', transform: `translate(14,${(n.height - 16) / 2})` }),
    s('text', { class: 'dag-label', x: 38, y: n.height / 2, 'dominant-baseline': 'central' }, n.label));
    nodeEls.set(n.name, g);
    nodesGroup.append(g);
  }
  svg.append(nodesGroup);

  const states = new Map();
  let selected = null;
  function update(next) {
    for (const node of next.nodes ?? []) byName.set(nodeName(node), node);
    for (const [name, g] of nodeEls) {
      const node = byName.get(name);
      const state = node ? nodeState(node) : 'waiting';
      if (states.get(name) === state) continue;
      states.set(name, state);
      g.setAttribute('class', `dag-node state-${state}${name === selected ? ' selected' : ''}`);
      g.dataset.state = state;
      g.setAttribute('aria-label', `${name}: ${NODE_STATES[state].label.toLowerCase()}`);
      g.querySelector('.dag-icon-slot').replaceChildren(icon(state));
    }
    for (const edge of edgeEls) {
      edge.setAttribute('class', `dag-edge from-${states.get(edge.dataset.source)} to-${states.get(edge.dataset.destination)}`);
    }
  }
  function select(name) {
    selected = name;
    for (const [n, g] of nodeEls) g.classList.toggle('selected', n === name);
  }
  function focus(name) {
    nodeEls.get(name)?.focus();
  }
  update(run);
  return { svg, update, select, focus, count: nodeEls.size };
}

export function legend() {
  return Object.entries(NODE_STATES).map(([state, info]) => ({ state, ...info }));
}
