// A Server-Sent Events parser, pure: text chunks in (as they arrive), whole messages out.
// Used when the stream is read with fetch (token auth: EventSource cannot send X-Auth-Token).

export class SseParser {
  constructor() {
    this.buffer = "";
    this.reset();
    this.lastId = null;
  }

  reset() {
    this.data = [];
    this.event = "";
    this.id = null;
  }

  /** Feed a chunk; returns the messages it completed: [{id, event, data}]. */
  push(chunk) {
    this.buffer += chunk;
    const out = [];
    let end;
    while ((end = this.buffer.search(/\r\n|\r|\n/)) >= 0) {
      const line = this.buffer.slice(0, end);
      const size = this.buffer.startsWith("\r\n", end) ? 2 : 1;
      if (this.buffer[end] === "\r" && size === 1 && end === this.buffer.length - 1) break; // maybe \r\n split
      this.buffer = this.buffer.slice(end + size);
      const message = this.line(line);
      if (message) out.push(message);
    }
    return out;
  }

  line(line) {
    if (line === "") {
      if (this.id !== null) this.lastId = this.id;
      const message = this.data.length
        ? { id: this.lastId, event: this.event || "message", data: this.data.join("\n") }
        : null;
      this.reset();
      return message;
    }
    if (line.startsWith(":")) return null;
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "data") this.data.push(value);
    else if (field === "event") this.event = value;
    else if (field === "id" && !value.includes("\0")) this.id = value;
    return null;
  }
}
