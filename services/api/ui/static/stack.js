// A stack's page: overview, live topology, the selected resource, events, resources,
// template/environment, actions (update with preview, check/suspend/resume/cancel, delete).

import { ApiError, api, get, pathOf, stackPath } from "./api.js";
import { confirmDialog, copyText, h, stateOf, statusBadge, when } from "./dom.js";
import { ancestors, firstFailed } from "./layout.js";
import { watch } from "./live.js";
import { Topology } from "./topology.js";
import { updatePanel } from "./update.js";
import { yamlTokens } from "./yaml.js";

const NESTED_DEPTH = 5;
const TABS = [
  ["topology", "Topology"],
  ["events", "Events"],
  ["resources", "Resources"],
  ["overview", "Parameters & outputs"],
  ["template", "Template"],
];
const ACTIONS = [
  ["check", "Check"],
  ["suspend", "Suspend"],
  ["resume", "Resume"],
  ["cancel_update", "Cancel update"],
  ["cancel_without_rollback", "Cancel (no rollback)"],
];

function yamlBlock(value) {
  return h(
    "pre",
    { class: "yaml", tabindex: 0 },
    yamlTokens(value).map((line) => [...line.map(([cls, text]) => h("span", { class: `y-${cls}`, text })), "\n"]),
  );
}

function eventRow(e) {
  return h(
    "li",
    { class: `event s-${stateOf(e.resource_status)}`, "data-event": e.id },
    h("time", { text: when(e.event_time) }),
    h("strong", { text: e.resource_name }),
    statusBadge(e.resource_status, e.resource_status_reason),
    h("span", { class: "reason", text: e.resource_status_reason || "" }),
  );
}

function table(rows) {
  return h("table", { class: "kv" }, h("tbody", {}, rows.map(([k, v]) => h("tr", {}, h("th", { scope: "row", text: k }), h("td", {}, v)))));
}

export function stackView(root, { project, name, id, navigate }) {
  const url = stackPath(project, name, id);
  let stack = null;
  let resources = [];
  let selected = null;
  let shownStatus = null; // the selected resource's status when its panel was drawn
  let stopWatch = () => {};
  let openedOnFailure = false;
  let closed = false;
  const eventIds = new Set();
  let lastEvent = null;
  let activeUntil = 0; // keep polling a moment after an action even before it shows IN_PROGRESS

  const title = h("h1", {}, h("a", { href: `/ui/${encodeURIComponent(project)}/stacks`, "data-nav": "", text: project }), " / ", name);
  const status = h("div", { class: "stack-status", "aria-live": "polite" });
  const mode = h("span", { class: "live-mode muted", id: "live-mode" });
  const facts = h("dl", { class: "facts" });
  const actions = h("div", { class: "actions", role: "toolbar", "aria-label": "Stack actions" });
  const message = h("p", { class: "message", role: "status" });
  const updateBox = h("div", { class: "update-box" });
  const graph = h("div", { class: "graph", id: "topology" });
  const detail = h("aside", { class: "detail", id: "detail", "aria-live": "polite" }, h("p", { class: "muted", text: "Select a resource to see it here." }));
  const events = h("ol", { class: "events", id: "events" });
  const resourceRows = h("tbody");
  const overview = h("div", { class: "overview" });
  const template = h("div", { class: "template-view" });
  const panels = {
    topology: h("div", { class: "split" }, graph, detail),
    events: h("div", {}, events),
    resources: h("table", { class: "resources" }, h("thead", {}, h("tr", {}, ["Name", "Type", "Status", "Physical id", "Updated"].map((t) => h("th", { scope: "col", text: t })))), resourceRows),
    overview,
    template,
  };
  const tabButtons = new Map();
  const tabBar = h(
    "div",
    { class: "tabs", role: "tablist" },
    TABS.map(([key, label]) => {
      const b = h("button", { type: "button", role: "tab", id: `tab-${key}`, "aria-controls": `panel-${key}`, text: label, onclick: () => showTab(key) });
      tabButtons.set(key, b);
      return b;
    }),
  );
  const panelBox = h("div", {}, TABS.map(([key]) => h("section", { role: "tabpanel", id: `panel-${key}`, "aria-labelledby": `tab-${key}` }, panels[key])));
  const showTab = (key) => {
    for (const [k, b] of tabButtons) {
      b.setAttribute("aria-selected", String(k === key));
      document.getElementById(`panel-${k}`).hidden = k !== key;
    }
    if (key === "template" && !template.childElementCount) loadTemplate();
    if (key === "resources") renderResources();
  };

  root.replaceChildren(
    h("div", { class: "toolbar" }, title, mode),
    status,
    facts,
    actions,
    message,
    updateBox,
    tabBar,
    panelBox,
  );
  showTab("topology");

  const topology = new Topology(graph, { onSelect: (node) => selectNode(node) });

  const selectNode = async (node) => {
    selected = node.key;
    shownStatus = node.status;
    topology.select(node.key);
    const self = (node.resource.links || []).find((l) => l.rel === "self");
    const path = self ? pathOf(self.href) : `${url}/resources/${encodeURIComponent(node.name)}`;
    // Its events through its stack's list, filtered: a resource with none yet gets [] there, not 404.
    const owner = node.stack ? pathOf(node.stack) : url;
    const eventsQuery = new URLSearchParams({ resource_name: node.name, sort_dir: "desc", limit: "50" });
    detail.replaceChildren(h("h2", { text: node.name }), statusBadge(node.status, node.reason), h("p", { class: "muted", text: "Loading…" }));
    let shown;
    let list = [];
    try {
      [shown, list] = await Promise.all([
        get(path).then((b) => b.resource),
        get(`${owner}/events?${eventsQuery}`).then((b) => b.events, () => []),
      ]);
    } catch (err) {
      detail.replaceChildren(h("h2", { text: node.name }), h("p", { class: "message", text: err.message }));
      return;
    }
    if (selected !== node.key) return;
    detail.replaceChildren(
      h("h2", { text: node.name }),
      statusBadge(shown.resource_status, shown.resource_status_reason),
      shown.resource_status_reason ? h("p", { class: `reason s-${stateOf(shown.resource_status)}`, id: "detail-reason", text: shown.resource_status_reason }) : null,
      table([
        ["Type", shown.resource_type],
        ["Physical id", shown.physical_resource_id || "—"],
        ["Updated", when(shown.updated_time)],
        ["Required by", (shown.required_by || []).join(", ") || "—"],
      ]),
      h("h3", { text: "Properties" }),
      yamlBlock(shown.properties || {}),
      h("h3", { text: "Attributes" }),
      yamlBlock(shown.attributes || {}),
      h("h3", { text: "Events" }),
      h("ol", { class: "events", id: "resource-events" }, list.map(eventRow)),
    );
  };

  const renderStack = () => {
    status.replaceChildren(statusBadge(stack.stack_status, stack.stack_status_reason), h("span", { class: "reason", id: "stack-reason", text: stack.stack_status_reason || "" }));
    const pairs = [
      ["Id", stack.id],
      ["Created", when(stack.creation_time)],
      ["Updated", when(stack.updated_time)],
      ["Timeout", stack.timeout_mins ? `${stack.timeout_mins} min` : "none"],
      ["Rollback", stack.disable_rollback ? "off" : "on"],
      ["Tags", (stack.tags || []).join(", ") || "—"],
    ];
    facts.replaceChildren(
      ...pairs.map(([k, v]) => h("div", {}, h("dt", { text: k }), h("dd", { text: v }))),
      stack.description ? h("div", { class: "wide" }, h("dt", { text: "Description" }), h("dd", { text: stack.description })) : "",
    );
    const params = Object.entries(stack.parameters || {}).filter(([k]) => !k.startsWith("OS::"));
    overview.replaceChildren(
      h("h2", { text: "Parameters" }),
      params.length ? table(params.map(([k, v]) => [k, String(v)])) : h("p", { class: "muted", text: "None." }),
      h("h2", { text: "Outputs" }),
      (stack.outputs || []).length
        ? table(
            stack.outputs.map((o) => {
              const text = o.output_error ? `error: ${o.output_error}` : typeof o.output_value === "string" ? o.output_value : JSON.stringify(o.output_value);
              const copied = h("span", { class: "muted", role: "status" });
              return [o.output_key, [h("code", { text }), " ", h("button", { type: "button", class: "small", "aria-label": `Copy ${o.output_key}`, text: "Copy", onclick: async () => (copied.textContent = (await copyText(text)) ? " copied" : " copy failed") }), copied]];
            }),
          )
        : h("p", { class: "muted", text: "None." }),
    );
  };

  /** The resource table, drawn only while its tab shows (1000 rows cost as much as the graph). */
  const renderResources = () => {
    if (document.getElementById("panel-resources").hidden) return;
    resourceRows.replaceChildren(
      ...resources.map((r) =>
        h(
          "tr",
          {},
          h("td", {}, h("button", { type: "button", class: "link", text: r.parent_resource ? `${r.parent_resource} / ${r.resource_name}` : r.resource_name, onclick: () => {
            const self = (r.links || []).find((l) => l.rel === "self");
            const node = topology.tree.byKey.get(self ? self.href : r.resource_name);
            if (node) (showTab("topology"), topology.expand(ancestors(node)), selectNode(node));
          } })),
          h("td", { text: r.resource_type }),
          h("td", {}, statusBadge(r.resource_status, r.resource_status_reason)),
          h("td", { text: r.physical_resource_id || "—" }),
          h("td", { text: when(r.updated_time) }),
        ),
      ),
    );
  };

  const addEvents = (list) => {
    for (const e of list) {
      if (eventIds.has(e.id)) continue;
      eventIds.add(e.id);
      lastEvent = e.id;
      events.prepend(eventRow(e));
    }
  };

  const loadTemplate = async () => {
    try {
      const [tmpl, env] = await Promise.all([get(`${url}/template`), get(`${url}/environment`)]);
      template.replaceChildren(h("h2", { text: "Template" }), yamlBlock(tmpl), h("h2", { text: "Environment" }), yamlBlock(env));
    } catch (err) {
      template.replaceChildren(h("p", { class: "message", text: err.message }));
    }
  };

  const fetchResources = async () => (await get(`${url}/resources?nested_depth=${NESTED_DEPTH}`)).resources;

  const refreshResources = async (fetched) => {
    resources = fetched || (await fetchResources());
    const began = performance.now();
    const tree = topology.update(resources);
    performance.measure("ember-topology-update", { start: began }); // read by bench/ui.py
    renderResources();
    if (!openedOnFailure && stack && stateOf(stack.stack_status) === "failed") {
      openedOnFailure = true;
      const failed = firstFailed(tree.byKey);
      if (failed) {
        topology.expand(ancestors(failed));
        selectNode(failed);
      }
    } else if (selected && tree.byKey.has(selected) && tree.byKey.get(selected).status !== shownStatus) {
      selectNode(tree.byKey.get(selected)); // the open resource changed: show it (and its events) anew
    }
  };

  const refreshEvents = async () => {
    const q = new URLSearchParams({ sort_dir: "asc", sort_keys: "event_time", nested_depth: String(NESTED_DEPTH) });
    let list;
    try {
      if (lastEvent) q.set("marker", lastEvent);
      list = (await get(`${url}/events?${q}`)).events;
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 400 && q.has("marker"))) throw err;
      q.delete("marker"); // an event the list does not know (pushed, or gone): read it all again
      list = (await get(`${url}/events?${q}`)).events;
    }
    addEvents(list);
  };

  const refreshStack = async () => {
    try {
      stack = (await get(url)).stack;
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) {
        gone();
        return false;
      }
      throw err;
    }
    if (stack.stack_status === "DELETE_COMPLETE") {
      gone(stack.stack_status_reason);
      return false;
    }
    renderStack();
    renderActions();
    return true;
  };

  const gone = (reason) => {
    closed = true;
    stopWatch();
    status.replaceChildren(statusBadge("DELETE_COMPLETE", reason), h("span", { class: "reason", id: "stack-reason", text: "This stack no longer exists." }));
    graph.replaceChildren(h("p", { class: "muted", text: "Deleted: no resources." }));
    events.prepend(h("li", { class: "event", text: reason || "Stack deleted" }));
    actions.replaceChildren(h("a", { href: `/ui/${encodeURIComponent(project)}/stacks`, "data-nav": "", class: "button", text: "Back to the stacks" }));
    mode.textContent = "";
  };

  /** One refresh of everything; true while something is in progress (polling goes on). */
  const refresh = async () => {
    if (closed) return false;
    if (!(await refreshStack())) return false;
    await Promise.all([refreshResources(), refreshEvents()]);
    return stateOf(stack.stack_status) === "progress" || Date.now() < activeUntil;
  };

  let pending = null;
  const soon = () => {
    pending ||= setTimeout(async () => {
      pending = null;
      try {
        if (await refreshStack()) await refreshResources();
      } catch (err) {
        message.textContent = `Could not refresh: ${err.message}`;
      }
    }, 300);
  };

  const live = () => {
    activeUntil = Date.now() + 4000;
    mode.textContent = "live";
    stopWatch();
    stopWatch = watch({
      url: `${url}/events`,
      onEvent: (e) => (addEvents([e]), soon()),
      onStack: () => refresh().catch((err) => (message.textContent = `Could not refresh: ${err.message}`)),
      poll: refresh,
      onMode: (m) => (mode.textContent = m === "idle" ? "" : m === "stream" ? "live (event stream)" : "live (polling)"),
    });
  };

  const act = async (action, label) => {
    message.textContent = "";
    try {
      await api("POST", `${url}/actions`, { [action]: null });
      message.textContent = `${label} started.`;
      live();
    } catch (err) {
      message.textContent = `${label} failed: ${err.message}`;
    }
  };

  const remove = async () => {
    if (!(await confirmDialog(`Delete the stack ${name} and all its resources?`, "Delete"))) return;
    try {
      await api("DELETE", url);
      message.textContent = "Delete started.";
      live();
    } catch (err) {
      message.textContent = `Delete failed: ${err.message}`;
    }
  };

  const renderActions = () => {
    if (actions.childElementCount) return;
    actions.append(
      h("button", { type: "button", id: "action-update", text: "Update…", onclick: async () => {
        try {
          await updatePanel(updateBox, { stackUrl: url, stack, onApplied: () => (updateBox.replaceChildren(), live()), onClose: () => updateBox.replaceChildren() });
        } catch (err) {
          message.textContent = `Update unavailable: ${err.message}`;
        }
      } }),
      ...ACTIONS.map(([action, label]) => h("button", { type: "button", id: `action-${action}`, text: label, onclick: () => act(action, label) })),
      h("button", { type: "button", id: "action-delete", class: "danger", text: "Delete…", onclick: remove }),
    );
  };

  (async () => {
    try {
      // All three at once on the first load: the stack decides what to do with the resources.
      const listed = fetchResources().catch(() => null);
      const [found] = await Promise.all([refreshStack(), refreshEvents().catch((err) => (message.textContent = `Could not list the events: ${err.message}`))]);
      if (!found) return;
      await refreshResources((await listed) || undefined);
      performance.mark("ember-stack-painted");
      document.body.dataset.painted = "stack";
      if (stateOf(stack.stack_status) === "progress") live();
    } catch (err) {
      message.textContent = `Could not load the stack: ${err.message}`;
    }
  })();

  return () => {
    closed = true;
    stopWatch();
    clearTimeout(pending);
  };
}

/** /ui/{project}/stacks/{name}: find the stack's id (the API redirects) and show its canonical page. */
export async function resolveStack(project, name) {
  const body = await get(stackPath(project, name));
  return body.stack;
}
