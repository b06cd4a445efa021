// The browser's Heat v1 client: same-origin fetch, JSON in and out, and the token prompt.
//
// With token auth a 401 asks the page (setAuthPrompt) for a token, keeps it in
// sessionStorage only (gone when the tab closes) and retries; noauth never sees a 401.

const TOKEN_KEY = "ember.token";
let prompt = null;
let asking = null; // one prompt however many requests were refused at once

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

export function token() {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function setToken(value) {
  sessionStorage.setItem(TOKEN_KEY, value);
}

export function forgetToken() {
  sessionStorage.removeItem(TOKEN_KEY);
}

/** ``fn(message)`` shows why and resolves once the person entered a token. */
export function setAuthPrompt(fn) {
  prompt = fn;
}

export function authHeaders() {
  const value = token();
  return value ? { "X-Auth-Token": value } : {};
}

const enc = encodeURIComponent;

/** /v1/{project}/stacks[/{name}/{id}][/tail] */
export function stackPath(project, name, id, tail = "") {
  let path = `/v1/${enc(project)}/stacks`;
  if (name) path += `/${enc(name)}`;
  if (id) path += `/${enc(id)}`;
  return path + tail;
}

/** The path (and query) of an absolute link the API gave, so the call stays same-origin. */
export function pathOf(href) {
  const url = new URL(href, location.href);
  return url.pathname + url.search;
}

async function errorText(resp) {
  const text = await resp.text();
  try {
    const body = JSON.parse(text);
    return (body.error && body.error.message) || body.explanation || body.title || text;
  } catch {
    return text || resp.statusText;
  }
}

export async function api(method, path, body) {
  for (;;) {
    const headers = { Accept: "application/json", ...authHeaders() };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const resp = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    if (resp.status === 401 && prompt) {
      const why = await errorText(resp);
      forgetToken();
      asking ||= prompt(why).finally(() => (asking = null));
      await asking;
      continue;
    }
    if (!resp.ok) throw new ApiError(resp.status, await errorText(resp));
    const text = await resp.text();
    return text ? JSON.parse(text) : null;
  }
}

export const get = (path) => api("GET", path);
