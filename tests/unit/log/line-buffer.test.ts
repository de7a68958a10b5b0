import { describe, expect, test } from "bun:test";
import { EventEmitter } from "node:events";
import { LineBuffer } from "../../../src/log/line-buffer";

function recordingDestination() {
  const blocks: string[] = [];
  let flushes = 0;
  let syncFlushes = 0;
  return {
    blocks,
    counts: () => ({ flushes, syncFlushes }),
    target: {
      write: (block: string) => blocks.push(block),
      flush: (callback: (error?: Error) => void) => {
        flushes++;
        callback();
      },
      flushSync: () => {
        syncFlushes++;
      },
    },
  };
}

describe("LineBuffer (log lines written in blocks)", () => {
  test("lines wait for the timer and leave as one block, in order", async () => {
    const destination = recordingDestination();
    const buffer = new LineBuffer(destination.target, { maxChars: 1024, flushMs: 20 });
    buffer.write("a\n");
    buffer.write("b\n");
    buffer.write("c\n");
    expect(destination.blocks).toEqual([]);
    await Bun.sleep(60);
    expect(destination.blocks).toEqual(["a\nb\nc\n"]);
  });

  test("a full block leaves at once, without waiting for the timer", () => {
    const destination = recordingDestination();
    const buffer = new LineBuffer(destination.target, { maxChars: 10, flushMs: 60_000 });
    buffer.write("12345\n");
    expect(destination.blocks).toEqual([]);
    buffer.write("67890\n");
    expect(destination.blocks).toEqual(["12345\n67890\n"]);
  });

  test("flush(cb) hands over what waits and flushes the destination; flushSync too", async () => {
    const destination = recordingDestination();
    const buffer = new LineBuffer(destination.target, { maxChars: 1024, flushMs: 60_000 });
    buffer.write("x\n");
    await new Promise<void>((resolve) => buffer.flush(() => resolve()));
    expect(destination.blocks).toEqual(["x\n"]);
    buffer.write("y\n");
    buffer.flushSync();
    expect(destination.blocks).toEqual(["x\n", "y\n"]);
    expect(destination.counts()).toEqual({ flushes: 1, syncFlushes: 1 });
  });

  test("flush(cb) waits for an asynchronous write still in flight (SonicBoom calls back at once otherwise)", async () => {
    const written: string[] = [];
    const target = Object.assign(new EventEmitter(), {
      _writing: false,
      write(block: string) {
        // An fs.write on the thread pool: done a little later, then 'drain'.
        target._writing = true;
        setTimeout(() => {
          written.push(block);
          target._writing = false;
          target.emit("drain");
        }, 20);
      },
      flush: (callback: (error?: Error) => void) => callback(),
      flushSync: () => {},
    });
    const buffer = new LineBuffer(target, { flushMs: 60_000 });
    buffer.write("line\n");
    await new Promise<void>((resolve) => buffer.flush(() => resolve()));
    expect(written).toEqual(["line\n"]);
  });
});
