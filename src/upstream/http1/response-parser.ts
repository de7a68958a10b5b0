/**
 * Incremental HTTP/1.1 response parser for the gateway's own upstream client (RFC 9112).
 * Bytes go in as they arrive from the socket, in pieces of any size; out come one head per
 * exchange, body pieces and the end of the body. Pure: no I/O, so every framing rule is unit
 * tested byte by byte (tests/unit/upstream/response-parser.test.ts).
 */

/** How the body's end is known (RFC 9112 §6.3). */
export type BodyFraming = "none" | "length" | "chunked" | "close";

export interface ResponseHead {
  status: number;
  /** Lower-case names, in arrival order; a name may repeat. */
  headers: [string, string][];
  framing: BodyFraming;
  /** Whether the connection may carry another request once this body has ended. */
  keepAlive: boolean;
}

export interface ParserEvents {
  head(head: ResponseHead): void;
  body(chunk: Uint8Array): void;
  end(): void;
}

/** A response that breaks HTTP/1.1 framing; the connection cannot be trusted after it. */
export class ProtocolError extends Error {}

const maxHeadBytes = 64 * 1024;
const maxChunkLineBytes = 4096;
const crlf = Buffer.from("\r\n");
const headEnd = Buffer.from("\r\n\r\n");

type State = "head" | "length" | "chunk-size" | "chunk-data" | "chunk-data-end" | "trailers" | "close" | "done";

export class ResponseParser {
  private state: State = "head";
  /** Bytes of an unfinished head or chunk line, kept until the rest arrives. */
  private pending: Buffer | undefined;
  private remaining = 0;

  constructor(
    private readonly events: ParserEvents,
    /** HEAD answers carry no body whatever their headers say. */
    private readonly requestMethod = "POST",
  ) {}

  /** Whether the current response's body has ended. */
  get done(): boolean {
    return this.state === "done";
  }

  /** Feed bytes from the socket. Throws ProtocolError on a malformed response. */
  push(data: Uint8Array): void {
    let bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    if (this.pending) {
      bytes = Buffer.concat([this.pending, bytes]);
      this.pending = undefined;
    }
    let at = 0;
    while (at < bytes.length) {
      switch (this.state) {
        case "head":
        case "chunk-size":
        case "trailers": {
          const line = this.state === "head" ? headEnd : crlf;
          const end = bytes.indexOf(line, at);
          if (end < 0) {
            this.keepPending(bytes, at);
            return;
          }
          const text = bytes.toString("latin1", at, end);
          at = end + line.length;
          if (this.state === "head") this.onHead(text);
          else if (this.state === "chunk-size") this.onChunkSize(text);
          else if (text === "") this.finish();
          break;
        }
        case "length":
        case "chunk-data": {
          const take = Math.min(this.remaining, bytes.length - at);
          this.events.body(bytes.subarray(at, at + take));
          at += take;
          this.remaining -= take;
          if (this.remaining === 0) {
            if (this.state === "length") this.finish();
            else this.state = "chunk-data-end";
          }
          break;
        }
        case "chunk-data-end": {
          // The CRLF after a chunk's data may itself arrive split.
          if (bytes.length - at < 2) {
            this.keepPending(bytes, at);
            return;
          }
          if (bytes[at] !== 13 || bytes[at + 1] !== 10) throw new ProtocolError("chunk data not followed by CRLF");
          at += 2;
          this.state = "chunk-size";
          break;
        }
        case "close":
          this.events.body(bytes.subarray(at));
          return;
        case "done":
          throw new ProtocolError("bytes after the end of the response");
      }
    }
  }

  /** The peer closed the connection: the end of a close-delimited body, or a truncated one. */
  closed(): void {
    if (this.state === "close") this.finish();
    else if (this.state !== "done") throw new ProtocolError(this.state === "head" && !this.pending ? "connection closed before a response" : "connection closed in the middle of the response");
  }

  private keepPending(bytes: Buffer, at: number): void {
    const rest = bytes.subarray(at);
    const limit = this.state === "head" ? maxHeadBytes : maxChunkLineBytes;
    if (rest.length > limit) throw new ProtocolError(this.state === "head" ? "response head too large" : "chunk line too long");
    // A copy: the socket may reuse the memory behind `bytes`.
    this.pending = Buffer.from(rest);
  }

  private onHead(text: string): void {
    const lines = text.split("\r\n");
    const statusLine = /^HTTP\/1\.([01]) (\d{3})(?: |$)/.exec(lines[0] ?? "");
    if (!statusLine) throw new ProtocolError("malformed status line");
    const status = Number(statusLine[2]);
    const headers: [string, string][] = [];
    for (let index = 1; index < lines.length; index++) {
      const line = lines[index]!;
      const colon = line.indexOf(":");
      if (colon <= 0) throw new ProtocolError("malformed header line");
      headers.push([line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim()]);
    }
    // Interim answers (100 Continue, 103 Early Hints) are followed by the real one.
    if (status >= 100 && status < 200) {
      if (status === 101) throw new ProtocolError("unexpected protocol switch");
      return;
    }
    const framing = this.framingOf(status, headers);
    const connection = headerValues(headers, "connection").toLowerCase();
    const keepAlive = framing !== "close" && (statusLine[1] === "1" ? !/\bclose\b/.test(connection) : /\bkeep-alive\b/.test(connection));
    this.events.head({ status, headers, framing, keepAlive });
    if (framing === "none") this.finish();
    else if (framing === "chunked") this.state = "chunk-size";
    else if (framing === "close") this.state = "close";
    else if (this.remaining === 0) this.finish();
    else this.state = "length";
  }

  private framingOf(status: number, headers: [string, string][]): BodyFraming {
    if (this.requestMethod === "HEAD" || status === 204 || status === 304) return "none";
    const transferEncoding = headerValues(headers, "transfer-encoding").toLowerCase();
    if (transferEncoding) return /(?:^|,)\s*chunked\s*$/.test(transferEncoding) ? "chunked" : "close";
    const lengths = headers.filter(([name]) => name === "content-length").flatMap(([, value]) => value.split(",").map((part) => part.trim()));
    if (lengths.length === 0) return "close";
    if (!lengths.every((value) => /^\d{1,15}$/.test(value) && value === lengths[0])) throw new ProtocolError("invalid content-length");
    this.remaining = Number(lengths[0]);
    return "length";
  }

  private onChunkSize(line: string): void {
    const size = /^([0-9a-fA-F]{1,12})[ \t]*(?:;.*)?$/.exec(line);
    if (!size) throw new ProtocolError("malformed chunk size");
    this.remaining = Number.parseInt(size[1]!, 16);
    this.state = this.remaining === 0 ? "trailers" : "chunk-data";
  }

  private finish(): void {
    this.state = "done";
    this.events.end();
  }
}

/** All values of a header, joined with ", " as a list header reads (RFC 9110 §5.3). */
export function headerValues(headers: [string, string][], name: string): string {
  let joined = "";
  for (const [headerName, value] of headers) if (headerName === name) joined = joined ? `${joined}, ${value}` : value;
  return joined;
}
