// Unit tests of the topology layout (node --test; run from tests/unit/test_ui_js.py).
import assert from "node:assert/strict";
import { test } from "node:test";

import { ancestors, assignLayers, buildTree, firstFailed, layout, NODE_W, shapeOf } from "../../services/api/ui/static/layout.js";

const STACK = "http://h/v1/p/stacks/s/1";

function res(name, requiredBy = [], extra = {}) {
  const stack = extra.stack || STACK;
  const links = [
    { rel: "self", href: `${stack}/resources/${name}` },
    { rel: "stack", href: stack },
  ];
  if (extra.nested) links.push({ rel: "nested", href: extra.nested });
  return {
    resource_name: name,
    resource_type: "OS::Heat::None",
    resource_status: extra.status || "CREATE_COMPLETE",
    updated_time: extra.updated || "2026-01-01T00:00:00",
    required_by: requiredBy,
    links,
  };
}

test("a resource sits one column right of the furthest resource it depends on", () => {
  // a -> b -> c and a -> c: c is in column 2 (longest path), not 1.
  const { roots } = buildTree([res("c"), res("b", ["c"]), res("a", ["b", "c"]), res("lone")]);
  const { layer } = assignLayers(roots);
  const col = Object.fromEntries(roots.map((n) => [n.name, layer.get(n)]));
  assert.deepEqual(col, { a: 0, b: 1, c: 2, lone: 0 });
});

test("every edge points right and nodes of a column do not overlap", () => {
  const resources = [];
  for (let i = 0; i < 30; i++) resources.push(res(`r${i}`, i < 29 ? [`r${i + 1 + (i % 3)}`].filter((n) => Number(n.slice(1)) < 30) : []));
  const { roots } = buildTree(resources);
  const out = layout(roots);
  const at = new Map(out.items.map((it) => [it.node.key, it]));
  assert.equal(out.items.length, 30);
  for (const e of out.edges) assert.ok(at.get(e.from).x + NODE_W <= at.get(e.to).x, `${e.from} -> ${e.to}`);
  const byX = new Map();
  for (const it of out.items) (byX.get(it.x) || byX.set(it.x, []).get(it.x)).push(it);
  for (const col of byX.values()) {
    col.sort((a, b) => a.y - b.y);
    for (let i = 1; i < col.length; i++) assert.ok(col[i - 1].y + col[i - 1].h <= col[i].y);
  }
  for (const it of out.items) assert.ok(it.x + it.w <= out.width && it.y + it.h <= out.height + 1e-9);
});

test("a cycle does not hang the layout and its nodes still get a column", () => {
  const { roots } = buildTree([res("x", ["y"]), res("y", ["x"]), res("z")]);
  const out = layout(roots);
  assert.equal(out.items.length, 3);
});

test("a group's members nest under it; expanding the group makes room for them", () => {
  const nested = "http://h/v1/p/stacks/s-group-abc/2";
  const { roots, byKey } = buildTree([
    res("group", ["after"], { nested }),
    res("after"),
    res("0", [], { stack: nested }),
    res("1", [], { stack: nested }),
  ]);
  assert.deepEqual(roots.map((n) => n.name), ["group", "after"]);
  const group = roots[0];
  assert.deepEqual(group.children.map((n) => n.name), ["0", "1"]);
  const collapsed = layout(roots);
  const open = layout(roots, new Set([group.key]));
  const item = open.items.find((it) => it.node === group);
  assert.equal(item.inner.items.length, 2);
  assert.ok(item.h > collapsed.items.find((it) => it.node === group).h);
  assert.ok(open.height > collapsed.height);
  assert.deepEqual(ancestors(byKey.get(`${nested}/resources/1`)), [group.key]);
  assert.notEqual(shapeOf(byKey, new Set()), shapeOf(byKey, new Set([group.key])));
});

test("members listed before their group links its nested stack still nest under it", () => {
  const member = res("0", [], { stack: "http://h/v1/p/stacks/s-group-abc/2" });
  member.parent_resource = "group";
  const { roots } = buildTree([res("group"), member]);
  assert.deepEqual(roots.map((n) => n.name), ["group"]);
  assert.deepEqual(roots[0].children.map((n) => n.name), ["0"]);
});

test("the first failed resource is the earliest to fail", () => {
  const { byKey } = buildTree([
    res("ok"),
    res("late", [], { status: "CREATE_FAILED", updated: "2026-01-01T00:00:09" }),
    res("early", [], { status: "CREATE_FAILED", updated: "2026-01-01T00:00:03" }),
  ]);
  assert.equal(firstFailed(byKey).name, "early");
  assert.equal(firstFailed(buildTree([res("ok")]).byKey), null);
});

test("1000 resources lay out quickly enough to stay responsive", () => {
  const resources = [];
  for (let i = 0; i < 1000; i++) resources.push(res(`n${i}`, i + 10 < 1000 ? [`n${i + 10}`] : []));
  const { roots } = buildTree(resources);
  const out = layout(roots);
  assert.equal(out.items.length, 1000);
  assert.equal(out.edges.length, 990);
});
