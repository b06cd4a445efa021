// Live updates of a stack page: the event stream when the API has one, polling otherwise.
//
// The stream is GET .../events?stream=true answering text/event-stream: one `data:` event
// per message (an item of the event list, `id:` its event id), a final `event: stack` with
// the stack at a terminal state, Last-Event-ID to resume. An API without it answers the
// JSON list instead; EventSource then fails at once and the page polls. EventSource
// cannot send X-Auth-Token, so with a token the stream is read with fetch.

import { authHeaders, token } from "./api.js";
import { SseParser } from "./sse.js";

export const POLL_MS = 1500;

/**
 * Watch ``url`` (the stack's events path). ``onEvent(event)`` per pushed event,
 * ``onStack(stack)`` at the end of a streamed action, ``poll()`` each tick when polling
 * (resolves false once nothing is in progress), ``onMode(text)`` says which is in use.
 * Returns stop().
 */
export function watch({ url, onEvent, onStack, poll, onMode }) {
  let stopped = false;
  let timer = null;
  let source = null;
  const abort = new AbortController();
  const streamUrl = `${url}${url.includes("?") ? "&" : "?"}stream=true`;

  const polling = async () => {
    onMode("polling");
    const tick = async () => {
      if (stopped) return;
      let more = true;
      try {
        more = await poll();
      } catch {
        more = true;
      }
      if (stopped) return;
      if (more) timer = setTimeout(tick, POLL_MS);
      else onMode("idle");
    };
    await tick();
  };

  const message = (m) => {
    if (m.event === "stack") {
      onStack(JSON.parse(m.data));
      return true;
    }
    onEvent(JSON.parse(m.data));
    return false;
  };

  const viaEventSource = () => {
    let opened = false;
    source = new EventSource(streamUrl);
    source.onopen = () => {
      opened = true;
      onMode("stream");
    };
    source.onmessage = (m) => message({ event: "message", data: m.data });
    source.addEventListener("stack", (m) => {
      message({ event: "stack", data: m.data });
      source.close();
      onMode("idle");
    });
    source.onerror = () => {
      if (!opened || source.readyState === EventSource.CLOSED) {
        source.close();
        if (!stopped) polling();
      }
    };
  };

  const viaFetch = async () => {
    const parser = new SseParser();
    for (let attempt = 0; !stopped && attempt < 5; attempt++) {
      const headers = { Accept: "text/event-stream", ...authHeaders() };
      if (parser.lastId) headers["Last-Event-ID"] = parser.lastId;
      let resp;
      try {
        resp = await fetch(streamUrl, { headers, signal: abort.signal });
      } catch {
        if (stopped) return;
        continue;
      }
      if (!resp.ok || !(resp.headers.get("content-type") || "").startsWith("text/event-stream")) break;
      onMode("stream");
      const reader = resp.body.pipeThrough(new TextDecoderStream()).getReader();
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          for (const m of parser.push(value)) if (message(m)) {
            onMode("idle");
            return;
          }
        }
      } catch {
        if (stopped) return;
      }
    }
    if (!stopped) polling(); // no stream, or it kept dropping: polling still shows the truth
  };

  if (!token() && typeof EventSource !== "undefined") viaEventSource();
  else viaFetch();

  return () => {
    stopped = true;
    clearTimeout(timer);
    if (source) source.close();
    abort.abort();
  };
}
