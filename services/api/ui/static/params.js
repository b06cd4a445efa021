// The launch/update form's parameters, pure: Heat's validate answer -> field specs -> values.
//
// POST /v1/{tenant}/validate answers {"Parameters": {name: {Type, Default, NoEcho,
// AllowedValues, MinValue, MaxValue, MinLength, MaxLength, AllowedPattern, Label,
// Description, ConstraintDescription}}, "ParameterGroups": [...]}; each becomes one input.
// The same constraints are checked here so an error shows at its field before the
// engine is asked (the engine checks again: this is for people, not for safety).

const TRUE = new Set(["true", "1", "yes", "on", "t", "y"]);

function truthy(value) {
  return value === true || TRUE.has(String(value).toLowerCase());
}

function orderOf(result) {
  const names = Object.keys(result.Parameters || {});
  const grouped = [];
  for (const group of result.ParameterGroups || []) {
    for (const name of group.parameters || []) if (names.includes(name) && !grouped.includes(name)) grouped.push(name);
  }
  return [...grouped, ...names.filter((n) => !grouped.includes(n))];
}

/** One spec per parameter: {name, label, type, input, default, description, options, ...}. */
export function fieldsFrom(result) {
  const params = result.Parameters || {};
  return orderOf(result).map((name) => {
    const p = params[name] || {};
    const type = String(p.Type || "String").toLowerCase();
    const hidden = truthy(p.NoEcho);
    const options = Array.isArray(p.AllowedValues) ? p.AllowedValues.map(String) : null;
    let input = "text";
    if (type === "boolean") input = "checkbox";
    else if (options) input = "select";
    else if (hidden) input = "password";
    else if (type === "number") input = "number";
    else if (type === "json") input = "textarea";
    const hasDefault = p.Default !== undefined && p.Default !== null;
    let value = hasDefault ? p.Default : "";
    if (type === "json" && hasDefault && typeof value !== "string") value = JSON.stringify(value, null, 2);
    if (type === "comma_delimited_list" && Array.isArray(value)) value = value.join(",");
    return {
      name,
      label: p.Label || name,
      type,
      input,
      hidden,
      default: input === "checkbox" ? truthy(value) : String(value),
      hasDefault,
      description: p.Description || "",
      constraint: p.ConstraintDescription || "",
      options,
      min: p.MinValue ?? null,
      max: p.MaxValue ?? null,
      step: p.Step ?? null,
      offset: p.Offset ?? null,
      minLength: p.MinLength ?? null,
      maxLength: p.MaxLength ?? null,
      pattern: p.AllowedPattern ?? null,
    };
  });
}

function check(field, raw) {
  const why = field.constraint ? ` (${field.constraint})` : "";
  if (field.type === "number") {
    const number = Number(raw);
    if (raw.trim() === "" || Number.isNaN(number)) return `${field.name} must be a number`;
    if (field.min !== null && number < field.min) return `${field.name} must be at least ${field.min}${why}`;
    if (field.max !== null && number > field.max) return `${field.name} must be at most ${field.max}${why}`;
    if (field.step && (((number % field.step) + field.step) % field.step) !== (field.offset || 0))
      return `${field.name} must be ${field.offset || 0} modulo ${field.step}${why}`;
  } else if (field.type === "json") {
    try {
      JSON.parse(raw);
    } catch {
      return `${field.name} must be JSON`;
    }
  } else if (field.type === "string") {
    if (field.minLength !== null && raw.length < field.minLength)
      return `${field.name} must be at least ${field.minLength} characters${why}`;
    if (field.maxLength !== null && raw.length > field.maxLength)
      return `${field.name} must be at most ${field.maxLength} characters${why}`;
    if (field.pattern !== null && !new RegExp(`^(?:${field.pattern})$`).test(raw))
      return `${field.name} must match ${field.pattern}${why}`;
  }
  if (field.options && !field.options.includes(raw)) return `${field.name} must be one of ${field.options.join(", ")}`;
  return null;
}

/**
 * The parameters to send from the form's raw values ({name: string | boolean}) and the
 * errors by field. An empty text box of a parameter with a default sends nothing (the
 * default applies); one without a default is an error.
 */
export function collect(fields, raw) {
  const params = {};
  const errors = {};
  for (const field of fields) {
    const value = raw[field.name];
    if (field.input === "checkbox") {
      params[field.name] = Boolean(value);
      continue;
    }
    const text = value === undefined || value === null ? "" : String(value);
    if (text === "") {
      if (!field.hasDefault) errors[field.name] = `${field.name} is required`;
      continue;
    }
    const problem = check(field, text);
    if (problem) errors[field.name] = problem;
    else params[field.name] = text;
  }
  return { params, errors };
}

/** Which field an engine error is about, when its message names one ('name', "name" or (name)). */
export function fieldOfError(message, names) {
  const text = String(message || "");
  const sorted = [...names].sort((a, b) => b.length - a.length);
  for (const name of sorted) {
    for (const quoted of [`'${name}'`, `"${name}"`, `(${name})`, `parameter ${name} `, `Parameter ${name} `]) {
      if (text.includes(quoted)) return name;
    }
  }
  return null;
}
