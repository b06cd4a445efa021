// The parameters part of the launch and update forms, drawn from params.js's field specs.

import { h } from "./dom.js";
import { collect, fieldOfError, fieldsFrom } from "./params.js";

function inputFor(field, value) {
  const id = `param-${field.name}`;
  const common = { id, name: field.name, "aria-describedby": `${id}-help ${id}-error` };
  if (field.input === "checkbox") {
    const box = h("input", { ...common, type: "checkbox" });
    box.checked = value === undefined ? field.default : value === true || String(value).toLowerCase() === "true";
    return box;
  }
  if (field.input === "select") {
    const select = h("select", common, field.options.map((o) => h("option", { value: o, text: o })));
    select.value = value === undefined ? field.default : String(value);
    return select;
  }
  const text = value === undefined ? field.default : String(value);
  if (field.input === "textarea") {
    const area = h("textarea", { ...common, rows: 4 });
    area.value = text;
    return area;
  }
  const input = h("input", {
    ...common,
    type: field.input,
    min: field.min,
    max: field.max,
    step: field.input === "number" ? "any" : null,
    autocomplete: field.hidden ? "new-password" : "off",
  });
  input.value = text;
  return input;
}

/** Draw the fields of a validate answer into ``container``; ``values`` pre-fills them (an update). */
export function parameterForm(container, validated, values = {}) {
  const fields = fieldsFrom(validated);
  const inputs = new Map();
  const errorsAt = new Map();
  container.replaceChildren();
  if (!fields.length) container.append(h("p", { class: "muted", text: "This template has no parameters." }));
  for (const field of fields) {
    const prefill = field.hidden ? undefined : values[field.name];
    const input = inputFor(field, prefill);
    const error = h("span", { class: "field-error", id: `param-${field.name}-error`, role: "alert" });
    const help = [field.description, field.constraint, field.hidden ? "hidden: not shown again" : ""].filter(Boolean).join(" · ");
    inputs.set(field.name, input);
    errorsAt.set(field.name, error);
    container.append(
      h(
        "div",
        { class: "field", "data-param": field.name },
        h("label", { for: input.id, text: `${field.label} (${field.type})` }),
        input,
        h("small", { id: `param-${field.name}-help`, class: "muted", text: help }),
        error,
      ),
    );
  }
  const showErrors = (errors) => {
    for (const [name, el] of errorsAt) el.textContent = errors[name] || "";
    for (const [name, input] of inputs) input.setAttribute("aria-invalid", errors[name] ? "true" : "false");
  };
  return {
    fields,
    /** {params, errors}; errors are shown at their fields. */
    read() {
      const raw = {};
      for (const [name, input] of inputs) raw[name] = input.type === "checkbox" ? input.checked : input.value;
      const out = collect(fields, raw);
      showErrors(out.errors);
      return out;
    },
    /** Show an engine error at the field it names; false when it names none. */
    engineError(message) {
      const name = fieldOfError(message, fields.map((f) => f.name));
      if (!name) return false;
      showErrors({ [name]: message });
      inputs.get(name).focus();
      return true;
    },
  };
}
