import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startTestGateway, type TestGateway } from "../support/gateway-harness";
import { defaultAnthropicEvents, type MockUpstream, startMockUpstream } from "../support/mock-upstream";
import { openSocket, openUnansweringPeer, turn, wsUrl } from "../support/responses-socket";

/**
 * Liveness of a Responses WebSocket (src/responses-websocket/heartbeat.ts), with pings every
 * 200 ms: a live peer stays open through a turn whose upstream is silent for many intervals, and
 * a peer that stops answering pings is closed mid-turn, its upstream call aborted.
 */

const PING_MS = 200;

describe("Responses WebSocket liveness", () => {
  let mock: MockUpstream;
  let gw: TestGateway;
  beforeAll(async () => {
    mock = await startMockUpstream();
    gw = await startTestGateway(mock, { TOKLIGENCE_MODEL_ALIASES: "ws-claude=>anthropic:claude-sonnet-4-5", TOKLIGENCE_SERVER__WEBSOCKET_PING_INTERVAL_MS: String(PING_MS) });
  });
  afterAll(async () => {
    await gw?.stop();
    await mock?.stop();
  });

  test("a live peer (it answers pings) stays open through an upstream silent for 6 intervals, and after it", async () => {
    mock.enqueue({ events: defaultAnthropicEvents("claude-sonnet-4-5", "slow but sure"), delayMs: 6 * PING_MS });
    const open = await openSocket(wsUrl(gw.url));
    const done = await turn(open, { model: "ws-claude", input: "take your time" });
    expect(done.type).toBe("response.completed");
    await Bun.sleep(4 * PING_MS);
    expect(open.socket.readyState).toBe(WebSocket.OPEN);
    expect((await turn(open, { model: "loopback", input: "still here" })).type).toBe("response.completed");
    open.socket.close();
  });

  test("a peer that stops answering pings is closed mid-turn: its upstream call is aborted and its row says client_closed", async () => {
    // Before the heartbeat, Bun's 120 s idle timeout was the only check, and every frame the
    // gateway sent reset it: a dead peer's turn ran on upstream until the model finished.
    mock.enqueue({ events: defaultAnthropicEvents("claude-sonnet-4-5", "one two three four"), stallAfter: 3 });
    const rowsBefore = gw.ledger.entries.length;
    const startedAt = Date.now();
    const peer = await openUnansweringPeer(gw.url, [{ type: "response.create", model: "ws-claude", input: "hello?" }]);
    const gone = await Promise.race([peer.closed.then(() => true), Bun.sleep(20 * PING_MS).then(() => false)]);
    peer.destroy();
    expect(gone).toBe(true);
    expect(peer.pings()).toBeGreaterThan(0);
    // Two silent intervals, detected at the next beat: between 2 and 3 intervals (plus scheduling).
    expect(Date.now() - startedAt).toBeLessThan(10 * PING_MS);
    for (let attempt = 0; attempt < 200 && gw.ledger.entries.length === rowsBefore; attempt += 1) await Bun.sleep(10);
    expect(gw.ledger.entries.slice(rowsBefore).map((row) => [row.status, row.errorCode])).toEqual([[499, "client_closed"]]);
    expect(mock.requests.at(-1)!.aborted).toBe(true);
  });
});
