// Unit tests of the parameter form, the SSE parser and the YAML view (node --test).
import assert from "node:assert/strict";
import { test } from "node:test";

import { collect, fieldOfError, fieldsFrom } from "../../services/api/ui/static/params.js";
import { SseParser } from "../../services/api/ui/static/sse.js";
import { toYaml } from "../../services/api/ui/static/yaml.js";

const VALIDATED = {
  Parameters: {
    wait: { Type: "Number", Default: 1, MinValue: 0, MaxValue: 10, NoEcho: "false", Label: "wait" },
    even: { Type: "Number", Default: 2, Step: 2, Offset: 0 },
    flavor: { Type: "String", AllowedValues: ["small", "big"], Default: "small" },
    password: { Type: "String", NoEcho: "true" },
    debug: { Type: "Boolean", Default: false },
    names: { Type: "CommaDelimitedList", Default: ["a", "b"] },
    blob: { Type: "Json", Default: { k: 1 } },
    code: { Type: "String", Default: "ab", AllowedPattern: "[a-z]+", ConstraintDescription: "lowercase" },
  },
  ParameterGroups: [{ label: "first", parameters: ["password", "debug"] }],
};

test("each parameter type gets its input; groups come first", () => {
  const fields = fieldsFrom(VALIDATED);
  const byName = Object.fromEntries(fields.map((f) => [f.name, f]));
  assert.deepEqual(fields.slice(0, 2).map((f) => f.name), ["password", "debug"]);
  assert.equal(byName.wait.input, "number");
  assert.equal(byName.flavor.input, "select");
  assert.equal(byName.password.input, "password");
  assert.equal(byName.debug.input, "checkbox");
  assert.equal(byName.names.default, "a,b");
  assert.equal(byName.blob.input, "textarea");
  assert.equal(JSON.parse(byName.blob.default).k, 1);
});

test("values are checked against the constraints before anything is sent", () => {
  const fields = fieldsFrom(VALIDATED);
  const bad = collect(fields, { wait: "11", even: "3", flavor: "huge", password: "", code: "AB", blob: "{" });
  assert.deepEqual(Object.keys(bad.errors).sort(), ["blob", "code", "even", "flavor", "password", "wait"]);
  assert.match(bad.errors.code, /lowercase/);
  const good = collect(fields, { wait: "3", even: "", flavor: "big", password: "pw", debug: true, code: "", blob: "{}" });
  assert.deepEqual(good.errors, {});
  assert.deepEqual(good.params, { wait: "3", flavor: "big", password: "pw", debug: true, blob: "{}" });
});

test("an engine error is shown at the field it names", () => {
  assert.equal(fieldOfError("Parameter 'wait' is invalid: must be a number", ["wait", "w"]), "wait");
  assert.equal(fieldOfError("The Parameter (count) was not provided.", ["count"]), "count");
  assert.equal(fieldOfError("resources.x: unknown type", ["count"]), null);
});

test("SSE messages are parsed across chunk boundaries, with ids kept for resuming", () => {
  const parser = new SseParser();
  assert.deepEqual(parser.push(": keep-alive\n\nid: 1\nda"), []);
  const first = parser.push('ta: {"a":1}\n\nid: 2\r\ndata: x\r\ndata: y\r\n\r\nevent: stack\ndata: {}\n\n');
  assert.deepEqual(first, [
    { id: "1", event: "message", data: '{"a":1}' },
    { id: "2", event: "message", data: "x\ny" },
    { id: "2", event: "stack", data: "{}" },
  ]);
  assert.equal(parser.lastId, "2");
});

test("YAML view quotes what YAML would misread and keeps multi-line text as a block", () => {
  const text = toYaml({
    heat_template_version: "2016-10-14",
    resources: { a: { type: "OS::Heat::None", properties: { count: 1, on: "yes", list: [1, { k: "v", j: null }], s: "x\ny" } } },
    empty: {},
  });
  assert.equal(
    text,
    [
      'heat_template_version: "2016-10-14"',
      "resources:",
      "  a:",
      "    type: OS::Heat::None",
      "    properties:",
      "      count: 1",
      '      "on": "yes"',
      "      list:",
      "        - 1",
      "        - k: v",
      "          j: null",
      "      s: |",
      "        x",
      "        y",
      "empty: {}",
      "",
    ].join("\n"),
  );
});
