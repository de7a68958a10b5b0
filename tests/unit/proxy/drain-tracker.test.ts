import { describe, expect, test } from "bun:test";
import { GatewayError } from "../../../src/errors/gateway-error";
import { type ClosableStream, DrainTracker } from "../../../src/proxy/drain-tracker";

const shutdown = new GatewayError("gateway_shutdown", 503, "gateway shutting down");

/** A stream that records the error it was closed with and ends a moment later. */
function fakeStream(closedWith: GatewayError[]): ClosableStream {
  return { close: async (error) => void (await Bun.sleep(5), closedWith.push(error)) };
}

describe("drain tracker", () => {
  test("closeStreams ends every open stream with the error and waits for them; ended streams are left alone", async () => {
    const tracker = new DrainTracker();
    const closedWith: GatewayError[] = [];
    tracker.trackStream(fakeStream(closedWith));
    const untrack = tracker.trackStream(fakeStream(closedWith));
    untrack();
    expect(tracker.cutReason).toBeUndefined();
    expect(await tracker.closeStreams(shutdown)).toBe(1);
    expect(closedWith).toEqual([shutdown]);
    expect(tracker.cutReason).toBe(shutdown);
  });

  test("a stream opened after the cut is closed at once", async () => {
    const tracker = new DrainTracker();
    await tracker.closeStreams(shutdown);
    const closedWith: GatewayError[] = [];
    tracker.trackStream(fakeStream(closedWith));
    await Bun.sleep(20);
    expect(closedWith).toEqual([shutdown]);
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
