import type { SseEvent } from "./sse-event";

/** Largest event we buffer before treating the stream as broken (guards memory against a runaway upstream). */
const maxEventBytes = 16 * 1024 * 1024;

/**
 * Incremental Server-Sent Events decoder (WHATWG HTML §9.2.6 framing): bytes in any chunking →
 * complete events. Handles CRLF, CR and LF line ends, comments, multi-line data, a leading BOM,
 * and events split across reads. The one place SSE text is parsed (house rule 3).
 */
export class SseDecoder {
  private readonly text = new TextDecoder("utf-8");
  private buffer = "";
  private data: string[] = [];
  private eventName: string | undefined;
  private eventId: string | undefined;
  private sawBom = false;
  /** Comment lines seen (": ping"), counted for tests and diagnostics. */
  comments = 0;

  /** Feed raw bytes; returns the events completed by them. */
  push(chunk: Uint8Array | string): SseEvent[] {
    this.buffer += typeof chunk === "string" ? chunk : this.text.decode(chunk, { stream: true });
    if (!this.sawBom && this.buffer.length > 0) {
      this.sawBom = true;
      if (this.buffer.charCodeAt(0) === 0xfeff) this.buffer = this.buffer.slice(1);
    }
    if (this.buffer.length > maxEventBytes) throw new Error(`SSE event larger than ${maxEventBytes} bytes`);
    return this.drainLines(false);
  }

  /** The stream ended: a final event without its blank line is still dispatched (lenient, as upstreams cut early). */
  end(): SseEvent[] {
    this.buffer += this.text.decode();
    const events = this.drainLines(true);
    const last = this.dispatch();
    if (last) events.push(last);
    return events;
  }

  private drainLines(final: boolean): SseEvent[] {
    const events: SseEvent[] = [];
    let start = 0;
    for (;;) {
      const lf = this.buffer.indexOf("\n", start);
      const cr = this.buffer.indexOf("\r", start);
      let end: number;
      let next: number;
      if (cr >= 0 && (lf < 0 || cr < lf)) {
        // A CR at the very end may be the first half of CRLF: wait for more bytes.
        if (cr === this.buffer.length - 1 && !final) break;
        end = cr;
        next = this.buffer[cr + 1] === "\n" ? cr + 2 : cr + 1;
      } else if (lf >= 0) {
        end = lf;
        next = lf + 1;
      } else {
        break;
      }
      const event = this.processLine(this.buffer.slice(start, end));
      if (event) events.push(event);
      start = next;
    }
    this.buffer = this.buffer.slice(start);
    if (final && this.buffer.length > 0) {
      const event = this.processLine(this.buffer);
      if (event) events.push(event);
      this.buffer = "";
    }
    return events;
  }

  private processLine(line: string): SseEvent | undefined {
    if (line === "") return this.dispatch();
    if (line.startsWith(":")) {
      this.comments++;
      return undefined;
    }
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "data") this.data.push(value);
    else if (field === "event") this.eventName = value;
    else if (field === "id" && !value.includes("\0")) this.eventId = value;
    // "retry" and unknown fields are ignored, as the spec says.
    return undefined;
  }

  private dispatch(): SseEvent | undefined {
    const hasData = this.data.length > 0;
    const event: SseEvent | undefined = hasData
      ? { data: this.data.join("\n"), ...(this.eventName !== undefined ? { event: this.eventName } : {}), ...(this.eventId !== undefined ? { id: this.eventId } : {}) }
      : undefined;
    this.data = [];
    this.eventName = undefined;
    this.eventId = undefined;
    return event;
  }
}
