// The topology's layout, pure (no DOM): resources -> a tree of stacks -> layered left-to-right positions.
//
// Layering is the longest path from a source: a resource sits one column right of the
// furthest-right resource it depends on, so every edge points right and a column holds
// resources that could run together. Within a column, two barycenter sweeps put a node
// near the nodes it is connected to, which keeps edges short without a costly crossing
// minimisation (it stays linear-ish at 1000 nodes). An expanded nested stack (a group's
// members) is laid out the same way inside its node, recursively.

export const NODE_W = 190;
export const NODE_H = 50;
export const GAP_X = 56;
export const GAP_Y = 14;
export const PAD = 12;
export const HEADER = 54;

/** A resource's own path (its self link) or, failing that, its name: unique across nested stacks. */
function linkOf(resource, rel) {
  const found = (resource.links || []).find((l) => l.rel === rel);
  return found ? found.href : null;
}

/**
 * The resources (a nested_depth listing) as a tree: each node {key, name, type, status,
 * reason, requiredBy, children, resource}; roots are the stack's own resources. A member
 * belongs under the resource whose "nested" link is the member's "stack" link.
 */
export function buildTree(resources) {
  const nodes = resources.map((r) => ({
    key: linkOf(r, "self") || r.resource_name,
    name: r.resource_name,
    type: r.resource_type || "",
    status: r.resource_status || "",
    reason: r.resource_status_reason || "",
    updated: r.updated_time || r.creation_time || "",
    requiredBy: r.required_by || [],
    stack: linkOf(r, "stack"),
    nested: linkOf(r, "nested"),
    children: [],
    parent: null,
    resource: r,
  }));
  const owner = new Map();
  for (const n of nodes) if (n.nested) owner.set(n.nested, n);
  // Before a group's nested stack is linked (while it is being created), its members say only
  // their parent's name (parent_resource): they go under the node of that name in another stack.
  const byName = new Map();
  for (const n of nodes) (byName.get(n.name) || byName.set(n.name, []).get(n.name)).push(n);
  const named = (n) => (byName.get(n.resource.parent_resource) || []).find((p) => p.stack !== n.stack);
  const roots = [];
  for (const n of nodes) {
    const parent = (n.stack && owner.get(n.stack)) || (n.resource.parent_resource ? named(n) : undefined);
    if (parent && parent !== n) {
      n.parent = parent;
      parent.children.push(n);
    } else {
      roots.push(n);
    }
  }
  const byKey = new Map(nodes.map((n) => [n.key, n]));
  return { roots, byKey };
}

/** Column of each node (longest path from a source); nodes on a cycle go after the rest. */
export function assignLayers(nodes) {
  const byName = new Map(nodes.map((n) => [n.name, n]));
  const preds = new Map(nodes.map((n) => [n, []]));
  const succs = new Map(nodes.map((n) => [n, []]));
  for (const n of nodes) {
    for (const name of n.requiredBy) {
      const next = byName.get(name);
      if (next && next !== n) {
        succs.get(n).push(next);
        preds.get(next).push(n);
      }
    }
  }
  const layer = new Map();
  const waiting = new Map(nodes.map((n) => [n, preds.get(n).length]));
  const queue = nodes.filter((n) => waiting.get(n) === 0);
  for (const n of queue) layer.set(n, 0);
  for (let i = 0; i < queue.length; i++) {
    const n = queue[i];
    for (const s of succs.get(n)) {
      layer.set(s, Math.max(layer.get(s) ?? 0, layer.get(n) + 1));
      waiting.set(s, waiting.get(s) - 1);
      if (waiting.get(s) === 0) queue.push(s);
    }
  }
  let last = 0;
  for (const value of layer.values()) last = Math.max(last, value);
  for (const n of nodes) if (!layer.has(n) || waiting.get(n) > 0) layer.set(n, last + 1);
  return { layer, preds, succs };
}

function orderColumns(columns, preds, succs) {
  const rank = new Map();
  const renumber = (col) => col.forEach((n, i) => rank.set(n, i));
  columns.forEach((col) => col.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)));
  columns.forEach(renumber);
  const sweep = (cols, neighbours) => {
    for (const col of cols) {
      const centre = new Map();
      for (const n of col) {
        const ns = neighbours.get(n).filter((m) => rank.has(m));
        centre.set(n, ns.length ? ns.reduce((sum, m) => sum + rank.get(m), 0) / ns.length : rank.get(n));
      }
      col.sort((a, b) => centre.get(a) - centre.get(b) || rank.get(a) - rank.get(b));
      renumber(col);
    }
  };
  sweep(columns.slice(1), preds);
  sweep(columns.slice(0, -1).reverse(), succs);
}

/**
 * Positions of one stack's nodes: {width, height, items: [{node, x, y, w, h, inner}], edges:
 * [{from, to}]}; ``inner`` is the nested layout of an expanded node (``expanded`` holds keys),
 * with positions relative to that node.
 */
export function layout(nodes, expanded = new Set()) {
  const { layer, preds, succs } = assignLayers(nodes);
  const columns = [];
  for (const n of nodes) (columns[layer.get(n)] ||= []).push(n);
  const cols = columns.filter(Boolean);
  orderColumns(cols, preds, succs);
  const sizes = new Map();
  for (const n of nodes) {
    if (n.children.length && expanded.has(n.key)) {
      const inner = layout(n.children, expanded);
      sizes.set(n, { w: Math.max(NODE_W, inner.width + 2 * PAD), h: HEADER + inner.height + PAD, inner });
    } else {
      sizes.set(n, { w: NODE_W, h: NODE_H, inner: null });
    }
  }
  const heights = cols.map((col) => col.reduce((sum, n) => sum + sizes.get(n).h, 0) + GAP_Y * (col.length - 1));
  const height = Math.max(0, ...heights);
  const items = [];
  let x = 0;
  cols.forEach((col, i) => {
    const width = Math.max(...col.map((n) => sizes.get(n).w));
    let y = (height - heights[i]) / 2;
    for (const n of col) {
      const { w, h, inner } = sizes.get(n);
      items.push({ node: n, x, y, w, h, inner });
      y += h + GAP_Y;
    }
    x += width + GAP_X;
  });
  const edges = [];
  for (const [n, next] of succs) for (const s of next) edges.push({ from: n.key, to: s.key });
  return { width: Math.max(0, x - GAP_X), height, items, edges };
}

/** The failed resource to open a failed stack on: the earliest to fail (a member before its group). */
export function firstFailed(byKey) {
  let best = null;
  for (const n of byKey.values()) {
    if (!n.status.endsWith("FAILED")) continue;
    const earlier = best === null || n.updated < best.updated;
    const deeper = best !== null && n.updated === best.updated && n.parent === best;
    if (earlier || deeper) best = n;
  }
  return best;
}

/** Keys of the nodes above ``node`` (to expand so that it shows). */
export function ancestors(node) {
  const keys = [];
  for (let p = node.parent; p; p = p.parent) keys.push(p.key);
  return keys;
}

/** A value that changes when the graph's shape does (not its states): re-layout only then. */
export function shapeOf(byKey, expanded) {
  const parts = [];
  for (const n of byKey.values()) parts.push(`${n.key}>${n.requiredBy.join(",")}`);
  parts.sort();
  return `${parts.join("|")}#${[...expanded].sort().join("|")}`;
}
