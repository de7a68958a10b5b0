import { describe, expect, test } from "bun:test";
import { ProtocolError, type ResponseHead, ResponseParser } from "../../../src/upstream/http1/response-parser";

/** Feed `wire` to a parser in pieces cut at `cuts`; collect what it reports. */
function parse(wire: string | Uint8Array, cuts: number[] = [], method = "POST") {
  const bytes = typeof wire === "string" ? Buffer.from(wire, "latin1") : Buffer.from(wire);
  const heads: ResponseHead[] = [];
  const pieces: Buffer[] = [];
  let ends = 0;
  const parser = new ResponseParser({ head: (head) => heads.push(head), body: (chunk) => pieces.push(Buffer.from(chunk)), end: () => ends++ }, method);
  let from = 0;
  for (const cut of [...cuts, bytes.length]) {
    parser.push(bytes.subarray(from, cut));
    from = cut;
  }
  return { parser, heads, body: Buffer.concat(pieces).toString("latin1"), pieces: pieces.map((piece) => piece.toString("latin1")), ends };
}

/** Every way to cut `wire` in two; framing must not depend on where the socket split it. */
function everySplit(wire: string, check: (result: ReturnType<typeof parse>) => void) {
  for (let cut = 0; cut <= wire.length; cut++) check(parse(wire, [cut]));
}

const chunked = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Type: text/event-stream\r\n\r\n" + "5\r\nhello\r\n" + "7;ext=1\r\n, world\r\n" + "0\r\nx-trailer: yes\r\n\r\n";

describe("HTTP/1.1 response parser", () => {
  test("content-length body, cut at every byte", () => {
    const wire = 'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\nX-Multi: a\r\nx-multi: b\r\n\r\n{"ok":true}';
    everySplit(wire, ({ heads, body, ends }) => {
      expect(heads).toHaveLength(1);
      expect(heads[0]!.status).toBe(200);
      expect(heads[0]!.framing).toBe("length");
      expect(heads[0]!.keepAlive).toBe(true);
      expect(heads[0]!.headers.filter(([name]) => name === "x-multi").map(([, value]) => value)).toEqual(["a", "b"]);
      expect(body).toBe('{"ok":true}');
      expect(ends).toBe(1);
    });
  });

  test("chunked body with extensions and trailers, cut at every byte", () => {
    everySplit(chunked, ({ heads, body, ends }) => {
      expect(heads[0]!.framing).toBe("chunked");
      expect(body).toBe("hello, world");
      expect(ends).toBe(1);
    });
  });

  test("chunked body delivered one byte at a time", () => {
    const { body, ends } = parse(chunked, Array.from({ length: chunked.length - 1 }, (_, index) => index + 1));
    expect(body).toBe("hello, world");
    expect(ends).toBe(1);
  });

  test("each chunk's data is handed on as it arrives, not held for the end", () => {
    const { pieces } = parse(chunked, [chunked.indexOf("7;ext")]);
    expect(pieces[0]).toBe("hello");
  });

  test("a body without length or chunking runs until the connection closes, and the connection is not reused", () => {
    const { parser, heads, body, ends } = parse("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\npartial");
    expect(heads[0]!.framing).toBe("close");
    expect(heads[0]!.keepAlive).toBe(false);
    expect(ends).toBe(0);
    parser.push(Buffer.from(" and the rest"));
    expect(parser.done).toBe(false);
    parser.closed();
    expect(parser.done).toBe(true);
    expect(body).toBe("partial");
  });

  test("Connection: close and HTTP/1.0 answers end the keep-alive", () => {
    expect(parse("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n").heads[0]!.keepAlive).toBe(false);
    expect(parse("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n").heads[0]!.keepAlive).toBe(false);
    expect(parse("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n").heads[0]!.keepAlive).toBe(true);
  });

  test("interim 1xx answers are skipped; the real answer follows", () => {
    const { heads, body } = parse("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok");
    expect(heads.map((head) => head.status)).toEqual([201]);
    expect(body).toBe("ok");
  });

  test("204, 304 and answers to HEAD have no body whatever their headers say", () => {
    for (const [wire, method] of [
      ["HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n", "POST"],
      ["HTTP/1.1 304 Not Modified\r\n\r\n", "GET"],
      ["HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n", "HEAD"],
    ] as const) {
      const { heads, ends } = parse(wire, [], method);
      expect(heads[0]!.framing).toBe("none");
      expect(ends).toBe(1);
    }
  });

  test("a status line with no reason phrase is accepted; UTF-8 bodies pass byte for byte", () => {
    const text = "héllo ✓";
    const bytes = Buffer.concat([Buffer.from(`HTTP/1.1 429\r\nRetry-After: 3\r\nContent-Length: ${Buffer.byteLength(text)}\r\n\r\n`), Buffer.from(text)]);
    const { heads, pieces, ends } = parse(bytes, [bytes.length - 2]);
    expect(heads[0]!.status).toBe(429);
    expect(Buffer.from(pieces.join(""), "latin1").toString("utf8")).toBe(text);
    expect(ends).toBe(1);
  });

  test("malformed answers are protocol errors, not guesses", () => {
    const bad = [
      "HTTP/2 200 OK\r\n\r\n",
      "hello\r\n\r\n",
      "HTTP/1.1 200 OK\r\nno-colon-here\r\n\r\n",
      "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabc",
      "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabXX",
      "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nabc",
      "HTTP/1.1 101 Switching Protocols\r\n\r\n",
    ];
    for (const wire of bad) expect(() => parse(wire)).toThrow(ProtocolError);
    expect(() => parse(`HTTP/1.1 200 OK\r\nX: ${"a".repeat(70_000)}`)).toThrow("response head too large");
  });

  test("a connection that closes before the end of a framed body is reported, never taken as the end", () => {
    const cases = ["", "HTTP/1.1 200 OK\r\nContent-Le", "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", chunked.slice(0, chunked.indexOf("0\r\n"))];
    for (const wire of cases) {
      const { parser, ends } = parse(wire);
      expect(() => parser.closed()).toThrow(ProtocolError);
      expect(ends).toBe(0);
    }
  });
});
