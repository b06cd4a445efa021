// The dashboard's entry: client-side routes under /ui, the project picker and the token prompt.

import { setAuthPrompt, setToken } from "./api.js";
import { h } from "./dom.js";
import { launchView } from "./launch.js";
import { listView } from "./list.js";
import { resolveStack, stackView } from "./stack.js";

const root = document.getElementById("main");
const PROJECT_KEY = "ember.project";
let cleanup = () => {};

function navigate(path, replace = false) {
  if (replace) history.replaceState(null, "", path);
  else history.pushState(null, "", path);
  render();
}

const dec = decodeURIComponent;
const ROUTES = [
  [/^\/ui\/?$/, () => navigate(`/ui/${encodeURIComponent(localStorage.getItem(PROJECT_KEY) || "demo")}/stacks`, true)],
  [/^\/ui\/([^/]+)\/?$/, (p) => navigate(`/ui/${p}/stacks`, true)],
  [/^\/ui\/([^/]+)\/stacks\/?$/, (p) => listView(root, { project: dec(p), navigate })],
  [/^\/ui\/([^/]+)\/launch\/?$/, (p) => launchView(root, { project: dec(p), navigate })],
  [
    /^\/ui\/([^/]+)\/stacks\/([^/]+)\/?$/,
    (p, n) => {
      root.replaceChildren(h("p", { class: "muted", text: "Finding the stack…" }));
      resolveStack(dec(p), dec(n)).then(
        (s) => navigate(`/ui/${p}/stacks/${encodeURIComponent(s.stack_name)}/${encodeURIComponent(s.id)}`, true),
        (err) => root.replaceChildren(h("p", { class: "message", text: `No stack ${dec(n)}: ${err.message}` })),
      );
    },
  ],
  [/^\/ui\/([^/]+)\/stacks\/([^/]+)\/([^/]+)\/?$/, (p, n, i) => stackView(root, { project: dec(p), name: dec(n), id: dec(i), navigate })],
];

function projectPicker(current) {
  const input = h("input", { id: "project", value: current, "aria-label": "Project", size: 12 });
  return h(
    "form",
    { class: "project", onsubmit: (ev) => (ev.preventDefault(), input.value.trim() && navigate(`/ui/${encodeURIComponent(input.value.trim())}/stacks`)) },
    h("label", { for: "project", text: "Project" }),
    input,
    h("button", { type: "submit", text: "Open" }),
  );
}

function render() {
  cleanup();
  cleanup = () => {};
  const path = location.pathname;
  const project = path.split("/")[2];
  if (project) {
    localStorage.setItem(PROJECT_KEY, dec(project));
    document.getElementById("picker").replaceChildren(projectPicker(dec(project)));
  }
  for (const [pattern, view] of ROUTES) {
    const match = path.match(pattern);
    if (match) {
      cleanup = view(...match.slice(1)) || (() => {});
      document.title = `Ember — ${path.slice(4) || "stacks"}`;
      return;
    }
  }
  root.replaceChildren(h("h1", { text: "Not found" }), h("p", {}, "No page here. ", h("a", { href: "/ui", "data-nav": "", text: "Stacks" })));
}

/** The token prompt (token auth): asks once per browser session and says why it asks again. */
function askToken(why) {
  const dialog = document.getElementById("login");
  const input = document.getElementById("login-token");
  document.getElementById("login-why").textContent = why;
  input.value = "";
  dialog.oncancel = (ev) => ev.preventDefault(); // nothing works without a token: no escape
  if (!dialog.open) dialog.showModal();
  input.focus();
  return new Promise((resolve) => {
    const form = document.getElementById("login-form");
    form.onsubmit = (ev) => {
      ev.preventDefault();
      if (!input.value) return;
      setToken(input.value);
      dialog.close();
      resolve();
    };
  });
}

setAuthPrompt(askToken);
document.addEventListener("click", (ev) => {
  const link = ev.target.closest("a[data-nav]");
  if (!link || ev.ctrlKey || ev.metaKey || ev.shiftKey || ev.button !== 0) return;
  ev.preventDefault();
  navigate(link.getAttribute("href"));
});
window.addEventListener("popstate", render);
render();
