// Small DOM helpers: every piece of API data goes in as text (textContent), never as HTML.

const SVG_NS = "http://www.w3.org/2000/svg";

function build(el, attrs, children) {
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "text") el.textContent = String(value);
    else if (key.startsWith("on") && typeof value === "function") el.addEventListener(key.slice(2), value);
    else if (key === "dataset") Object.assign(el.dataset, value);
    else el.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

export function h(tag, attrs, ...children) {
  return build(document.createElement(tag), attrs, children);
}

export function svg(tag, attrs, ...children) {
  return build(document.createElementNS(SVG_NS, tag), attrs, children);
}

/** complete | progress | failed | other: the colour class of a status such as CREATE_COMPLETE. */
export function stateOf(status) {
  const text = String(status || "");
  if (text.endsWith("_FAILED")) return "failed";
  if (text.startsWith("INIT_")) return "other"; // not created yet (e.g. after a failed dependency)
  if (text.endsWith("_IN_PROGRESS")) return "progress";
  if (text.endsWith("_COMPLETE")) return "complete";
  return "other";
}

export const MARK = { complete: "✓", progress: "↻", failed: "✗", other: "•" };

/** A status in words with a mark and a colour (readable without the colour); the reason on hover. */
export function statusBadge(status, reason) {
  const state = stateOf(status);
  return h(
    "span",
    { class: `status s-${state}`, title: reason || null, "data-status": status || "" },
    h("span", { "aria-hidden": "true", text: MARK[state] }),
    ` ${status || "UNKNOWN"}`,
  );
}

export function when(text) {
  if (!text) return "—";
  return String(text).replace("T", " ").replace(/\.\d+$/, "");
}

/** A <dialog> asking a question; resolves true on confirm. */
export function confirmDialog(question, confirmLabel) {
  return new Promise((resolve) => {
    const dialog = h(
      "dialog",
      { class: "confirm", "aria-label": "Confirm" },
      h(
        "form",
        { method: "dialog" },
        h("p", { text: question }),
        h(
          "div",
          { class: "buttons" },
          h("button", { value: "cancel", type: "submit", text: "Cancel" }),
          h("button", { value: "ok", type: "submit", class: "danger", text: confirmLabel }),
        ),
      ),
    );
    dialog.addEventListener("close", () => {
      resolve(dialog.returnValue === "ok");
      dialog.remove();
    });
    document.body.append(dialog);
    dialog.showModal();
  });
}

/** Copy text to the clipboard (with a fallback where the Clipboard API is not allowed). */
export async function copyText(text) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    const area = h("textarea", { class: "offscreen" });
    area.value = text;
    document.body.append(area);
    area.select();
    const done = document.execCommand("copy");
    area.remove();
    return done;
  }
}

/** Read a chosen file as text into a textarea. */
export function fileInto(input, area) {
  input.addEventListener("change", async () => {
    const file = input.files && input.files[0];
    if (file) {
      area.value = await file.text();
      area.dispatchEvent(new Event("change"));
    }
  });
}
