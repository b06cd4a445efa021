// JSON values as YAML text for people to read, as tokens ([class, text]) so that the page
// can colour keys and scalars without parsing anything back. Display only: strings that
// YAML would read as something else are quoted, multi-line strings become `|` blocks.

const PLAIN = /^[A-Za-z_/$.][\w ./$@%()+=,:-]*$/;
const LOOKS_OTHER = /^(true|false|yes|no|on|off|null|~|y|n)$/i;

function scalar(value) {
  if (value === null || value === undefined) return [["null", "null"]];
  if (typeof value === "boolean") return [["bool", String(value)]];
  if (typeof value === "number") return [["num", String(value)]];
  const text = String(value);
  if (PLAIN.test(text) && !LOOKS_OTHER.test(text) && !text.endsWith(" ") && !/: | #/.test(text)) {
    return [["str", text]];
  }
  return [["str", JSON.stringify(text)]];
}

function isBlock(value) {
  return typeof value === "string" && value.includes("\n");
}

function isNested(value) {
  return value !== null && typeof value === "object" && Object.keys(value).length > 0;
}

function emit(value, indent, lines) {
  const pad = "  ".repeat(indent);
  if (Array.isArray(value)) {
    for (const item of value) {
      if (isNested(item)) {
        const inner = [];
        emit(item, indent + 1, inner);
        inner[0] = [["punct", `${pad}- `], ...stripIndent(inner[0], indent + 1)];
        lines.push(...inner);
      } else {
        lines.push([["punct", `${pad}- `], ...valueTokens(item, indent + 1, lines)]);
        flushBlock(item, indent + 1, lines);
      }
    }
    return;
  }
  for (const [key, item] of Object.entries(value)) {
    const head = [["plain", pad], ["key", scalar(key)[0][1]], ["punct", ":"]];
    if (isNested(item)) {
      lines.push(head);
      emit(item, indent + 1, lines);
    } else {
      lines.push([...head, ["plain", " "], ...valueTokens(item)]);
      flushBlock(item, indent + 1, lines);
    }
  }
}

function stripIndent(tokens, indent) {
  const pad = "  ".repeat(indent);
  const [first, ...rest] = tokens;
  return [[first[0], first[1].slice(pad.length)], ...rest];
}

function valueTokens(value) {
  if (isBlock(value)) return [["punct", "|"]];
  if (Array.isArray(value)) return [["punct", "[]"]];
  if (value !== null && typeof value === "object") return [["punct", "{}"]];
  return scalar(value);
}

function flushBlock(value, indent, lines) {
  if (!isBlock(value)) return;
  const pad = "  ".repeat(indent);
  for (const line of value.replace(/\n$/, "").split("\n")) lines.push([["str", line ? pad + line : ""]]);
}

/** Lines of tokens: [[class, text], ...] per line. */
export function yamlTokens(value) {
  if (!isNested(value)) return [valueTokens(value)];
  const lines = [];
  emit(value, 0, lines);
  return lines;
}

export function toYaml(value) {
  return yamlTokens(value).map((line) => line.map((t) => t[1]).join("")).join("\n") + "\n";
}
