import { describe, expect, test } from "bun:test";
import { GatewayError } from "../../../src/errors/gateway-error";
import { type ClosableRequest, DrainTracker } from "../../../src/proxy/drain-tracker";
import { WaitingRequestStop } from "../../../src/proxy/waiting-request-stop";
import { callUpstream, upstreamCallsInFlight } from "../../../src/upstream/client";

const shutdown = new GatewayError("gateway_shutdown", 503, "gateway shutting down");

/** A request that records the error it was closed with and ends a moment later. */
function fakeRequest(closedWith: GatewayError[]): ClosableRequest {
  return { close: async (error) => void (await Bun.sleep(5), closedWith.push(error)) };
}

describe("drain tracker", () => {
  test("closeOpenRequests ends every open stream and waiting request with the error and waits for them; ended ones are left alone", async () => {
    const tracker = new DrainTracker();
    const closedWith: GatewayError[] = [];
    tracker.trackStream(fakeRequest(closedWith));
    const untrack = tracker.trackStream(fakeRequest(closedWith));
    untrack();
    tracker.trackWaiting(fakeRequest(closedWith));
    tracker.trackWaiting(fakeRequest(closedWith));
    tracker.trackWaiting(fakeRequest(closedWith))();
    expect(tracker.cutReason).toBeUndefined();
    expect(await tracker.closeOpenRequests(shutdown)).toEqual({ streams: 1, waiting: 2 });
    expect(closedWith).toEqual([shutdown, shutdown, shutdown]);
    expect(tracker.cutReason).toBe(shutdown);
  });

  test("a stream opened, or a request that starts waiting, after the cut is closed at once", async () => {
    const tracker = new DrainTracker();
    await tracker.closeOpenRequests(shutdown);
    const closedWith: GatewayError[] = [];
    tracker.trackStream(fakeRequest(closedWith));
    tracker.trackWaiting(fakeRequest(closedWith));
    await Bun.sleep(20);
    expect(closedWith).toEqual([shutdown, shutdown]);
  });

  test("rowsWritten resolves when the last pending row settles, or after the timeout with the count left", async () => {
    const tracker = new DrainTracker();
    expect(await tracker.rowsWritten(10)).toBe(0);
    tracker.rowStarted();
    tracker.rowStarted();
    setTimeout(() => tracker.rowSettled(), 10);
    setTimeout(() => tracker.rowSettled(), 20);
    const started = Date.now();
    expect(await tracker.rowsWritten(5_000)).toBe(0);
    expect(Date.now() - started).toBeLessThan(1_000);
    tracker.rowStarted();
    expect(await tracker.rowsWritten(30)).toBe(1);
  });
});

describe("waiting request stop", () => {
  test("close() abandons the call in flight with the gateway's reason and resolves only once the request has its answer", async () => {
    const stop = new WaitingRequestStop();
    let abandoned = 0;
    stop.abandon = () => abandoned++;
    expect(stop.stopped).toBe(false);
    let closed = false;
    const closing = stop.close(shutdown).then(() => (closed = true));
    expect(abandoned).toBe(1);
    expect(stop.stopped).toBe(true);
    expect(stop.reason).toBe(shutdown);
    void stop.close(shutdown); // a second close does not abandon twice
    expect(abandoned).toBe(1);
    await Bun.sleep(5);
    expect(closed).toBe(false);
    stop.settle();
    await closing;
    expect(closed).toBe(true);
  });

  test("an upstream call started after close() gives up at once as abandoned (499), and one in flight is abandoned", async () => {
    const server = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Promise<Response>(() => {}) });
    const deadlines = { connectTimeoutMs: 5_000, responseTimeoutMs: 5_000, firstByteTimeoutMs: 5_000, idleTimeoutMs: 5_000, client: "fetch" as const };
    const url = `http://127.0.0.1:${server.port}/v1/chat/completions`;
    try {
      const inFlight = new WaitingRequestStop();
      const waiting = callUpstream(url, { headers: {}, body: "{}", streamed: false }, undefined, deadlines, inFlight);
      await Bun.sleep(20);
      expect(inFlight.abandon).toBeDefined();
      void inFlight.close(shutdown);
      expect(await waiting.then(() => 0, (error: GatewayError) => error.status)).toBe(499);
      expect(inFlight.abandon).toBeUndefined();

      const stopped = new WaitingRequestStop();
      void stopped.close(shutdown);
      const started = Date.now();
      expect(await callUpstream(url, { headers: {}, body: "{}", streamed: false }, undefined, deadlines, stopped).then(() => 0, (error: GatewayError) => error.status)).toBe(499);
      expect(Date.now() - started).toBeLessThan(1_000);
      expect(upstreamCallsInFlight()).toBe(0);
    } finally {
      server.stop(true);
    }
  });
});
