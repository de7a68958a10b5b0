import { describe, expect, test } from "bun:test";
import { GatewayError } from "../../../src/errors/gateway-error";
import { type ClosableRequest, DrainTracker } from "../../../src/proxy/drain-tracker";
import { WaitingRequestStop } from "../../../src/proxy/waiting-request-stop";

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
  test("close() aborts the signal with the gateway's reason and resolves only once the request has its answer", async () => {
    const client = new AbortController();
    const stop = new WaitingRequestStop(client.signal);
    expect(stop.signal.aborted).toBe(false);
    let closed = false;
    const closing = stop.close(shutdown).then(() => (closed = true));
    expect(stop.signal.aborted).toBe(true);
    expect(stop.reason).toBe(shutdown);
    await Bun.sleep(5);
    expect(closed).toBe(false);
    stop.settle();
    await closing;
    expect(closed).toBe(true);
  });

  test("the client leaving aborts the signal too, without a gateway reason", () => {
    const client = new AbortController();
    const stop = new WaitingRequestStop(client.signal);
    client.abort();
    expect(stop.signal.aborted).toBe(true);
    expect(stop.reason).toBeUndefined();
  });
});
