// The topology view: the layout (layout.js) drawn as SVG, one focusable node per resource.
//
// States change far more often than shapes: a refresh with the same graph only updates
// each node's class and status text; the layout is redone only when the shape changes
// (resources added or removed, a group expanded).

import { MARK, h, stateOf, svg } from "./dom.js";
import { HEADER, NODE_H, NODE_W, PAD, buildTree, layout, shapeOf } from "./layout.js";

function short(text, size) {
  return text.length > size ? `${text.slice(0, size - 1)}…` : text;
}

export class Topology {
  constructor(container, { onSelect }) {
    this.container = container;
    this.onSelect = onSelect;
    this.expanded = new Set();
    this.selected = null;
    this.shape = null;
    this.elements = new Map();
    this.tree = { roots: [], byKey: new Map() };
  }

  /** New resources (a nested_depth listing): redraw, or only restyle when the shape is the same. */
  update(resources) {
    this.tree = buildTree(resources);
    const shape = shapeOf(this.tree.byKey, this.expanded);
    if (shape === this.shape) {
      for (const node of this.tree.byKey.values()) this.restyle(node);
    } else {
      this.shape = shape;
      this.draw();
    }
    return this.tree;
  }

  expand(keys) {
    let changed = false;
    for (const key of keys) if (!this.expanded.has(key)) (this.expanded.add(key), (changed = true));
    if (changed) this.redraw();
  }

  toggle(key) {
    if (this.expanded.has(key)) this.expanded.delete(key);
    else this.expanded.add(key);
    this.redraw();
    const el = this.elements.get(key);
    if (el) el.querySelector(".toggle")?.focus();
  }

  redraw() {
    this.shape = shapeOf(this.tree.byKey, this.expanded);
    this.draw();
  }

  select(key) {
    this.selected = key;
    for (const [k, el] of this.elements) el.classList.toggle("selected", k === key);
  }

  restyle(node) {
    const el = this.elements.get(node.key);
    if (!el) return;
    const state = stateOf(node.status);
    if (el.dataset.status !== node.status) {
      el.setAttribute("class", `node s-${state}${node.key === this.selected ? " selected" : ""}`);
      el.dataset.status = node.status;
      el.querySelector(".state").textContent = `${MARK[state]} ${node.status || "INIT"}`;
      el.setAttribute("aria-label", `${node.name}, ${node.type}, ${node.status}`);
    }
    el.querySelector("title").textContent = node.reason || node.status;
  }

  draw() {
    this.elements.clear();
    const out = layout(this.tree.roots, this.expanded);
    const margin = 16;
    const width = out.width + 2 * margin;
    const height = out.height + 2 * margin;
    const root = svg("svg", {
      class: "topology",
      width,
      height,
      viewBox: `0 0 ${width} ${height}`,
      role: "group",
      "aria-label": "Resources by dependency order, left to right",
    });
    root.append(svg("defs", {}, svg("marker", { id: "arrow", viewBox: "0 0 8 8", refX: 8, refY: 4, markerWidth: 8, markerHeight: 8, orient: "auto" }, svg("path", { d: "M0,0 L8,4 L0,8 z", class: "arrowhead" }))));
    const body = svg("g", { transform: `translate(${margin},${margin})` });
    this.drawLayout(body, out);
    root.append(body);
    this.container.replaceChildren(root);
    if (!this.tree.roots.length) this.container.append(h("p", { class: "muted", text: "No resources yet." }));
  }

  drawLayout(parent, out) {
    const at = new Map(out.items.map((it) => [it.node.key, it]));
    const edges = svg("g", { class: "edges" });
    for (const e of out.edges) {
      const a = at.get(e.from);
      const b = at.get(e.to);
      const x1 = a.x + a.w;
      const y1 = a.y + Math.min(a.h, NODE_H) / 2;
      const x2 = b.x;
      const y2 = b.y + Math.min(b.h, NODE_H) / 2;
      const mid = (x1 + x2) / 2;
      edges.append(svg("path", { d: `M${x1},${y1} C${mid},${y1} ${mid},${y2} ${x2},${y2}`, class: "edge", "marker-end": "url(#arrow)" }));
    }
    parent.append(edges);
    for (const item of out.items) parent.append(this.drawNode(item));
  }

  drawNode({ node, x, y, w, h: height, inner }) {
    const state = stateOf(node.status);
    const g = svg("g", {
      class: `node s-${state}${node.key === this.selected ? " selected" : ""}`,
      transform: `translate(${x},${y})`,
      tabindex: 0,
      role: "button",
      "aria-label": `${node.name}, ${node.type}, ${node.status}`,
      "data-name": node.name,
      "data-key": node.key,
      "data-status": node.status,
    });
    g.append(svg("title", { text: node.reason || node.status }));
    g.append(svg("rect", { width: w, height, rx: 6, class: inner ? "box group" : "box" }));
    g.append(svg("text", { x: 10, y: 18, class: "name", text: short(node.name, 24) }));
    g.append(svg("text", { x: 10, y: 32, class: "type", text: short(node.type, node.children.length ? 21 : 30) }));
    g.append(svg("text", { x: 10, y: 45, class: "state", text: `${MARK[state]} ${node.status || "INIT"}` }));
    const choose = () => this.onSelect(node);
    g.addEventListener("click", (ev) => {
      ev.stopPropagation();
      choose();
    });
    g.addEventListener("keydown", (ev) => {
      if (ev.target !== g) return;
      if (ev.key === "Enter" || ev.key === " ") {
        ev.preventDefault();
        choose();
      }
    });
    if (node.children.length) {
      const open = Boolean(inner);
      const toggle = svg(
        "g",
        {
          class: "toggle",
          tabindex: 0,
          role: "button",
          "aria-expanded": String(open),
          "aria-label": `${open ? "Collapse" : "Expand"} ${node.name} (${node.children.length} members)`,
          transform: `translate(${NODE_W - 58},6)`,
        },
        svg("rect", { width: 50, height: 18, rx: 4 }),
        svg("text", { x: 25, y: 13, "text-anchor": "middle", text: `${open ? "−" : "+"} ${node.children.length}` }),
      );
      const flip = (ev) => {
        ev.stopPropagation();
        ev.preventDefault();
        this.toggle(node.key);
      };
      toggle.addEventListener("click", flip);
      toggle.addEventListener("keydown", (ev) => (ev.key === "Enter" || ev.key === " ") && flip(ev));
      g.append(toggle);
    }
    if (inner) {
      const box = svg("g", { transform: `translate(${PAD},${HEADER})` });
      this.drawLayout(box, inner);
      g.append(box);
    }
    this.elements.set(node.key, g);
    return g;
  }
}
