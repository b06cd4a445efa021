// Launch a stack: template (pasted or uploaded), environment, files, a parameters form
// generated from the template (validate), validation before the create, then the live page.

import { api, stackPath } from "./api.js";
import { fileInto, h } from "./dom.js";
import { parameterForm } from "./form.js";

/** Files chosen in a multiple file input, as the API's {name: content}. */
async function filesOf(input) {
  const files = {};
  for (const file of input.files || []) files[file.name] = await file.text();
  return files;
}

/** The template/environment/files part shared by launch and update: inputs and a reader. */
export function templateInputs(prefix, template = "") {
  const templateArea = h("textarea", { id: `${prefix}-template`, rows: 14, spellcheck: "false", "aria-describedby": `${prefix}-template-error` });
  templateArea.value = template;
  const templateFile = h("input", { id: `${prefix}-template-file`, type: "file", accept: ".yaml,.yml,.json,.template" });
  const envArea = h("textarea", { id: `${prefix}-environment`, rows: 4, spellcheck: "false" });
  const envFile = h("input", { id: `${prefix}-environment-file`, type: "file", accept: ".yaml,.yml,.json" });
  const filesInput = h("input", { id: `${prefix}-files`, type: "file", multiple: true });
  const templateError = h("p", { class: "field-error", id: `${prefix}-template-error`, role: "alert" });
  fileInto(templateFile, templateArea);
  fileInto(envFile, envArea);
  const section = h(
    "fieldset",
    { class: "template" },
    h("legend", { text: "Template" }),
    h("label", { for: templateArea.id, text: "Template (HOT YAML or JSON)" }),
    templateArea,
    h("label", { for: templateFile.id, text: "or upload a template file" }),
    templateFile,
    templateError,
    h("label", { for: envArea.id, text: "Environment (optional)" }),
    envArea,
    h("label", { for: envFile.id, text: "or upload an environment file" }),
    envFile,
    h("label", { for: filesInput.id, text: "Files the template refers to (get_file, nested templates)" }),
    filesInput,
  );
  return {
    section,
    templateArea,
    templateError,
    async body() {
      const body = { template: templateArea.value, files: await filesOf(filesInput) };
      if (envArea.value.trim()) body.environment = envArea.value;
      return body;
    },
  };
}

export function launchView(root, { project, navigate }) {
  const inputs = templateInputs("launch");
  const name = h("input", { id: "stack-name", required: true, autocomplete: "off", pattern: "[A-Za-z][A-Za-z0-9_.\\-]*" });
  const nameError = h("span", { class: "field-error", role: "alert" });
  const timeout = h("input", { id: "timeout", type: "number", min: 0, step: 1 });
  const rollback = h("input", { id: "rollback", type: "checkbox" });
  const tags = h("input", { id: "tags", placeholder: "a,b" });
  const paramsBox = h("div", { class: "params", id: "params" }, h("p", { class: "muted", text: "Paste a template, then load its parameters." }));
  const message = h("p", { class: "message", role: "status" });
  let form = null;

  const validate = async (withParams) => {
    inputs.templateError.textContent = "";
    message.textContent = "";
    const body = await inputs.body();
    if (!body.template.trim()) {
      inputs.templateError.textContent = "A template is needed.";
      return null;
    }
    let params = {};
    if (withParams && form) {
      const read = form.read();
      if (Object.keys(read.errors).length) return null;
      params = read.params;
    }
    try {
      const validated = await api("POST", `/v1/${encodeURIComponent(project)}/validate`, { ...body, parameters: params });
      return { body: { ...body, parameters: params }, validated };
    } catch (err) {
      if (!(form && form.engineError(err.message))) inputs.templateError.textContent = err.message;
      return null;
    }
  };

  const loadParams = async () => {
    const out = await validate(false);
    if (!out) return;
    const keep = form ? form.read().params : {};
    form = parameterForm(paramsBox, out.validated, keep);
    form.read(); // show what is missing right away
    message.textContent = "Parameters loaded from the template.";
  };

  const launch = async (ev) => {
    ev.preventDefault();
    nameError.textContent = name.value.trim() ? "" : "A stack name is needed.";
    if (!name.value.trim()) return name.focus();
    if (!form) await loadParams();
    if (!form) return;
    const out = await validate(true);
    if (!out) return;
    const body = { ...out.body, stack_name: name.value.trim(), disable_rollback: !rollback.checked };
    if (timeout.value) body.timeout_mins = Number(timeout.value);
    if (tags.value.trim()) body.tags = tags.value.trim();
    message.textContent = "Creating…";
    try {
      const created = await api("POST", stackPath(project), body);
      navigate(`/ui/${encodeURIComponent(project)}/stacks/${encodeURIComponent(body.stack_name)}/${encodeURIComponent(created.stack.id)}`);
    } catch (err) {
      if (/name/i.test(err.message) && /exist|already|invalid/i.test(err.message)) nameError.textContent = err.message;
      else if (!form.engineError(err.message)) inputs.templateError.textContent = err.message;
      message.textContent = "The stack was not created.";
    }
  };

  inputs.templateArea.addEventListener("change", loadParams);
  root.replaceChildren(
    h("h1", { text: `Launch a stack in ${project}` }),
    h(
      "form",
      { class: "launch", onsubmit: launch, novalidate: true },
      h("div", { class: "field" }, h("label", { for: "stack-name", text: "Stack name" }), name, nameError),
      inputs.section,
      h(
        "fieldset",
        {},
        h("legend", { text: "Parameters" }),
        h("button", { type: "button", id: "load-params", onclick: loadParams, text: "Load parameters" }),
        paramsBox,
      ),
      h(
        "fieldset",
        { class: "options" },
        h("legend", { text: "Options" }),
        h("label", { for: "timeout", text: "Timeout (minutes)" }),
        timeout,
        h("label", { for: "rollback" }, rollback, " Roll back on failure"),
        h("label", { for: "tags", text: "Tags (comma-separated)" }),
        tags,
      ),
      h(
        "div",
        { class: "buttons" },
        h("button", { type: "button", id: "validate", text: "Validate", onclick: async () => {
          if (!form) await loadParams();
          if (form && (await validate(true))) message.textContent = "The template and parameters are valid.";
        } }),
        h("button", { type: "submit", class: "primary", id: "launch", text: "Launch" }),
      ),
      message,
    ),
  );
  name.focus();
  return () => {};
}
