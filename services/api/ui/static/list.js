// The stacks of a project: a table with filter, sort and paging as the API's list does, kept live.

import { get, pathOf, stackPath } from "./api.js";
import { h, statusBadge, when } from "./dom.js";

const PAGE = 20;
const REFRESH_MS = 3000;
const COLUMNS = [
  ["stack_name", "Name"],
  ["stack_status", "Status"],
  ["creation_time", "Created"],
  ["updated_time", "Updated"],
];

export function listView(root, { project }) {
  const query = new URLSearchParams(location.search);
  const state = {
    name: query.get("name") || "",
    status: query.get("status") || "",
    sort: query.get("sort_keys") || "creation_time",
    dir: query.get("sort_dir") || "desc",
    marker: query.get("marker") || "",
  };
  const message = h("p", { class: "message", role: "status" });
  const tbody = h("tbody");
  const pager = h("nav", { class: "pager", "aria-label": "Pages" });
  const heads = new Map();
  const headRow = h(
    "tr",
    {},
    COLUMNS.map(([key, label]) => {
      const button = h("button", { type: "button", class: "sort", text: label, onclick: () => sortBy(key) });
      const th = h("th", { scope: "col" }, button);
      heads.set(key, th);
      return th;
    }),
    h("th", { scope: "col", text: "Tags" }),
  );
  const nameInput = h("input", { id: "filter-name", type: "search", value: state.name, placeholder: "name" });
  const statusInput = h(
    "select",
    { id: "filter-status" },
    ["", "COMPLETE", "IN_PROGRESS", "FAILED"].map((s) => h("option", { value: s, text: s || "any status" })),
  );
  statusInput.value = state.status;
  const filters = h(
    "form",
    { class: "filters", onsubmit: (ev) => (ev.preventDefault(), applyFilters()) },
    h("label", { for: "filter-name", text: "Name" }),
    nameInput,
    h("label", { for: "filter-status", text: "Status" }),
    statusInput,
    h("button", { type: "submit", text: "Filter" }),
  );
  root.replaceChildren(
    h(
      "div",
      { class: "toolbar" },
      h("h1", { text: `Stacks of ${project}` }),
      h("a", { href: `/ui/${encodeURIComponent(project)}/launch`, class: "button primary", "data-nav": "", text: "Launch stack" }),
    ),
    filters,
    h("table", { class: "stacks" }, h("thead", {}, headRow), tbody),
    pager,
    message,
  );

  const sync = () => {
    const q = new URLSearchParams();
    if (state.name) q.set("name", state.name);
    if (state.status) q.set("status", state.status);
    if (state.sort !== "creation_time") q.set("sort_keys", state.sort);
    if (state.dir !== "desc") q.set("sort_dir", state.dir);
    if (state.marker) q.set("marker", state.marker);
    const search = q.toString();
    history.replaceState(null, "", `${location.pathname}${search ? `?${search}` : ""}`);
  };
  const sortBy = (key) => {
    state.dir = state.sort === key && state.dir === "asc" ? "desc" : "asc";
    state.sort = key;
    state.marker = "";
    refresh();
  };
  const applyFilters = () => {
    state.name = nameInput.value.trim();
    state.status = statusInput.value;
    state.marker = "";
    refresh();
  };

  let last = "";
  const refresh = async () => {
    sync();
    for (const [key, th] of heads) th.setAttribute("aria-sort", key === state.sort ? (state.dir === "asc" ? "ascending" : "descending") : "none");
    const q = new URLSearchParams({ limit: String(PAGE), sort_keys: state.sort, sort_dir: state.dir, with_count: "true" });
    if (state.name) q.set("name", state.name);
    if (state.status) q.set("status", state.status);
    if (state.marker) q.set("marker", state.marker);
    let body;
    try {
      body = await get(`${stackPath(project)}?${q}`);
      message.textContent = "";
    } catch (err) {
      message.textContent = `Could not list the stacks: ${err.message}`;
      return;
    }
    const stacks = body.stacks;
    const seen = JSON.stringify([stacks, state]);
    if (seen === last) return;
    last = seen;
    tbody.replaceChildren(
      ...stacks.map((s) => {
        const href = `/ui/${encodeURIComponent(project)}/stacks/${encodeURIComponent(s.stack_name)}/${encodeURIComponent(s.id)}`;
        return h(
          "tr",
          { "data-stack": s.stack_name },
          h("td", {}, h("a", { href, "data-nav": "", text: s.stack_name })),
          h("td", {}, statusBadge(s.stack_status, s.stack_status_reason)),
          h("td", { text: when(s.creation_time) }),
          h("td", { text: when(s.updated_time) }),
          h("td", { text: (s.tags || []).join(", ") }),
        );
      }),
    );
    if (!stacks.length) tbody.append(h("tr", {}, h("td", { colspan: 5, class: "muted", text: "No stacks." })));
    const next = (body.links || []).find((l) => l.rel === "next");
    const nextMarker = next ? new URL(pathOf(next.href), location.origin).searchParams.get("marker") : null;
    pager.replaceChildren(
      h("span", { class: "muted", text: body.count !== undefined ? `${body.count} stacks` : "" }),
      state.marker ? h("button", { type: "button", text: "First page", onclick: () => ((state.marker = ""), refresh()) }) : null,
      nextMarker ? h("button", { type: "button", text: "Next page", onclick: () => ((state.marker = nextMarker), refresh()) }) : null,
    );
  };
  refresh();
  const timer = setInterval(() => document.visibilityState === "visible" && refresh(), REFRESH_MS);
  return () => clearInterval(timer);
}
