import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { connect } from "node:net";
import pino from "pino";
import { type MockUpstream, startMockUpstream } from "../support/mock-upstream";
import { startTestGateway, type TestGateway } from "../support/gateway-harness";
import { waitFor } from "../support/wait-for";

/**
 * A client that hangs up while it is still sending its request body (a cancelled upload, a
 * killed CLI; found by the soak in reliability-anchors §5). The request is the client's to end:
 * its row is 499 client_closed, as for a client that leaves during the answer, not a 500
 * internal_error logged at error level as if the gateway had failed.
 */
describe("client gone while sending the body", () => {
  let mock: MockUpstream;
  let gw: TestGateway;
  const lines: Array<Record<string, unknown>> = [];

  beforeAll(async () => {
    mock = await startMockUpstream();
    const logger = pino({ level: "debug" }, { write: (line: string) => void lines.push(JSON.parse(line)) });
    gw = await startTestGateway(mock, {}, {}, logger);
  });
  afterAll(async () => {
    await gw.stop();
    await mock.stop();
  });

  const body = JSON.stringify({ model: "gpt-4o", messages: [{ role: "user", content: "hi" }] });
  for (const [framing, head, part] of [
    ["content-length", `content-length: ${body.length}\r\n`, body.slice(0, 10)],
    ["chunked", "transfer-encoding: chunked\r\n", `a\r\n${body.slice(0, 10)}\r\n`],
  ] as const) {
    test(`${framing}: the row is 499 client_closed and nothing is logged as an error`, async () => {
      const requestId = `mid-body-${framing}`;
      const { port } = new URL(gw.url);
      const socket = connect(Number(port), "127.0.0.1");
      await new Promise<void>((resolve) => socket.once("connect", () => resolve()));
      socket.write(`POST /v1/chat/completions HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\nx-request-id: ${requestId}\r\n${head}\r\n${part}`);
      await Bun.sleep(100); // the gateway is now reading the body
      socket.destroy();

      expect(await waitFor(async () => gw.ledger.entries.some((entry) => entry.clientRequestId === requestId), 3000)).toBe(true);
      const rows = gw.ledger.entries.filter((entry) => entry.clientRequestId === requestId);
      expect(rows.map((row) => ({ status: row.status, errorCode: row.errorCode }))).toEqual([{ status: 499, errorCode: "client_closed" }]);
      expect(lines.filter((line) => line.requestId === requestId && Number(line.level) >= 50)).toEqual([]);
      expect(mock.requests.length).toBe(0); // nothing was sent upstream for a body never received
    });
  }
});
