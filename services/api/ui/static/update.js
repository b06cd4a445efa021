// Update a stack: new template or parameters -> the preview as a diff -> apply that exact plan.
//
// The preview (PUT/PATCH .../preview) answers a plan id beside Heat's resource_changes;
// sending the same body with that plan_id makes the update do exactly what was shown
// (or answer 409 when the stack changed in between).

import { api } from "./api.js";
import { h } from "./dom.js";
import { parameterForm } from "./form.js";
import { templateInputs } from "./launch.js";
import { toYaml } from "./yaml.js";

const KINDS = [
  ["added", "Added"],
  ["updated", "Updated in place"],
  ["replaced", "Replaced (new physical resource)"],
  ["deleted", "Deleted"],
  ["unchanged", "Unchanged"],
];

/** The preview as lists by kind; replacements flagged. */
export function diffView(changes) {
  const blocks = [];
  for (const [kind, label] of KINDS) {
    const items = changes[kind] || [];
    blocks.push(
      h(
        "section",
        { class: `diff d-${kind}`, "data-kind": kind },
        h("h3", { text: `${label}: ${items.length}` }),
        items.length
          ? h("ul", {}, items.map((r) => h("li", {}, kind === "replaced" ? h("strong", { text: "⚠ replaced " }) : null, `${r.resource_name} (${r.resource_type || ""})${r.parent_resource ? ` in ${r.parent_resource}` : ""}`)))
          : null,
      ),
    );
  }
  return h("div", { class: "diffs" }, blocks);
}

/** The update panel of a stack page; ``onApplied`` after the update started. */
export async function updatePanel(container, { stackUrl, stack, onApplied, onClose }) {
  const current = await api("GET", `${stackUrl}/template`);
  const keep = h("input", { id: "update-keep", type: "checkbox", checked: true });
  const inputs = templateInputs("update", toYaml(current));
  inputs.section.hidden = true;
  const paramsBox = h("div", { class: "params" });
  const diffBox = h("div", { class: "preview", "aria-live": "polite" });
  const message = h("p", { class: "message", role: "status" });
  const values = { ...(stack.parameters || {}) };
  let form = null;
  let plan = null;

  const templateBody = async () => (keep.checked ? null : await inputs.body());
  const loadParams = async () => {
    const body = (await templateBody()) || { template: current };
    try {
      const validated = await api("POST", stackUrl.replace(/\/stacks\/.*$/, "/validate"), body);
      form = parameterForm(paramsBox, validated, { ...values, ...(form ? form.read().params : {}) });
    } catch (err) {
      inputs.templateError.textContent = err.message;
    }
  };
  const body = async () => {
    const read = form.read();
    if (Object.keys(read.errors).length) return null;
    const chosen = await templateBody();
    if (!chosen) {
      // PATCH: keep the template, send only the parameters that changed.
      const changed = Object.fromEntries(Object.entries(read.params).filter(([k, v]) => String(values[k]) !== String(v)));
      return { method: "PATCH", payload: { parameters: changed } };
    }
    return { method: "PUT", payload: { ...chosen, parameters: read.params } };
  };
  const preview = async () => {
    plan = null;
    diffBox.replaceChildren();
    message.textContent = "";
    const request = await body();
    if (!request) return;
    try {
      const answer = await api(request.method, `${stackUrl}/preview`, request.payload);
      plan = { ...request, planId: answer.plan_id };
      diffBox.replaceChildren(diffView(answer.resource_changes || {}), apply);
      apply.disabled = false;
      apply.focus();
    } catch (err) {
      if (!form.engineError(err.message)) message.textContent = `Preview failed: ${err.message}`;
    }
  };
  const apply = h("button", { type: "button", class: "primary", id: "update-apply", text: "Apply this plan", onclick: async () => {
    if (!plan) return;
    apply.disabled = true;
    try {
      await api(plan.method, stackUrl, { ...plan.payload, plan_id: plan.planId });
      message.textContent = "Update started.";
      onApplied();
    } catch (err) {
      message.textContent = `The update was not started: ${err.message}`;
    }
  } });
  keep.addEventListener("change", () => {
    inputs.section.hidden = keep.checked;
    loadParams();
  });
  inputs.templateArea.addEventListener("change", loadParams);
  container.replaceChildren(
    h(
      "section",
      { class: "update", "aria-label": "Update the stack" },
      h("h2", { text: "Update" }),
      h("label", { for: "update-keep" }, keep, " Keep the current template (change parameters only)"),
      inputs.section,
      h("fieldset", {}, h("legend", { text: "Parameters" }), paramsBox),
      h(
        "div",
        { class: "buttons" },
        h("button", { type: "button", id: "update-preview", text: "Preview changes", onclick: preview }),
        h("button", { type: "button", text: "Close", onclick: onClose }),
      ),
      diffBox,
      message,
    ),
  );
  await loadParams();
}
