/**
 * Load generation in Bun (fetch with keep-alive), the same client code for every target so the
 * client's own cost cancels out of "added" numbers (performance.md §6.4: same client, same bytes).
 */
import { requestHeaders } from "./fixtures";

export interface Target {
  name: string;
  /** Base URL without path, e.g. http://127.0.0.1:1234 */
  base: string;
  /** Process serving it, when the bench started it (for CPU per request). */
  pid?: number;
}

export interface LatencyRun {
  samples: number[];
  errors: number;
  firstErrorStatus?: number;
}

// Bodies are Uint8Array<ArrayBuffer>: fetch takes no view over a SharedArrayBuffer.
async function sendOnce(url: string, body: Uint8Array<ArrayBuffer>): Promise<number> {
  const answer = await fetch(url, { method: "POST", body, headers: requestHeaders });
  await answer.arrayBuffer();
  return answer.status;
}

/** One connection, one request at a time, for `durationMs`: per-request latency in ms. */
export async function measureSequential(url: string, body: Uint8Array<ArrayBuffer>, durationMs: number): Promise<LatencyRun> {
  const samples: number[] = [];
  let errors = 0;
  let firstErrorStatus: number | undefined;
  const end = performance.now() + durationMs;
  while (performance.now() < end) {
    const started = performance.now();
    const status = await sendOnce(url, body);
    const elapsed = performance.now() - started;
    if (status === 200) samples.push(elapsed);
    else {
      errors++;
      firstErrorStatus ??= status;
    }
  }
  return { samples, errors, firstErrorStatus };
}

export interface ThroughputRun {
  requestsPerSecond: number;
  samples: number[];
  errors: number;
}

/** Closed loop: `connections` workers each send the next request when the previous one ends. */
export async function measureClosedLoop(url: string, body: Uint8Array<ArrayBuffer>, connections: number, durationMs: number): Promise<ThroughputRun> {
  const samples: number[] = [];
  let errors = 0;
  const started = performance.now();
  const end = started + durationMs;
  const worker = async () => {
    while (performance.now() < end) {
      const sent = performance.now();
      try {
        const status = await sendOnce(url, body);
        if (status === 200) samples.push(performance.now() - sent);
        else errors++;
      } catch {
        errors++;
      }
    }
  };
  await Promise.all(Array.from({ length: connections }, worker));
  const elapsed = performance.now() - started;
  return { requestsPerSecond: (samples.length * 1000) / elapsed, samples, errors };
}

export interface StreamRun {
  status: number;
  /** ms from sending the request to the first read carrying a token delta. */
  ttftMs: number;
  /** ms between successive reads that carry at least one delta. */
  gapsMs: number[];
  /** Deltas seen, and how many reads carried them (fewer reads than deltas = chunks merged). */
  deltas: number;
  deltaReads: number;
  totalMs: number;
}

function countOccurrences(text: string, marker: string): number {
  let count = 0;
  for (let at = text.indexOf(marker); at !== -1; at = text.indexOf(marker, at + marker.length)) count++;
  return count;
}

/**
 * One streamed request. A "token" is one delta event, recognised by `marker` (a substring of the
 * delta event); the client only counts, it does not decode SSE, so its cost stays tiny and equal
 * for every target. The marker may straddle two reads, so the last few characters carry over.
 */
export async function measureStream(url: string, body: Uint8Array<ArrayBuffer>, marker: string): Promise<StreamRun> {
  const started = performance.now();
  const answer = await fetch(url, { method: "POST", body, headers: requestHeaders });
  const run: StreamRun = { status: answer.status, ttftMs: NaN, gapsMs: [], deltas: 0, deltaReads: 0, totalMs: NaN };
  if (answer.status !== 200 || !answer.body) {
    await answer.arrayBuffer().catch(() => {});
    return run;
  }
  const decoder = new TextDecoder();
  const reader = answer.body.getReader();
  let carry = "";
  let lastDeltaAt = NaN;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    const now = performance.now();
    const text = carry + decoder.decode(value, { stream: true });
    const found = countOccurrences(text, marker);
    carry = text.slice(Math.max(0, text.length - (marker.length - 1)));
    if (found === 0) continue;
    // A marker found inside the carried-over tail was already counted only if complete there; the
    // tail is shorter than the marker, so it can never hold a whole one: no double counting.
    run.deltas += found;
    run.deltaReads++;
    if (Number.isNaN(run.ttftMs)) run.ttftMs = now - started;
    else run.gapsMs.push(now - lastDeltaAt);
    lastDeltaAt = now;
  }
  run.totalMs = performance.now() - started;
  return run;
}

/** `count` streams one after another. */
export async function measureStreams(url: string, body: Uint8Array<ArrayBuffer>, marker: string, count: number): Promise<StreamRun[]> {
  const runs: StreamRun[] = [];
  for (let index = 0; index < count; index++) runs.push(await measureStream(url, body, marker));
  return runs;
}

/** Send a request and return status and body text (used to check that a target serves a route). */
export async function probe(url: string, body: Uint8Array<ArrayBuffer>): Promise<{ status: number; text: string }> {
  const answer = await fetch(url, { method: "POST", body, headers: requestHeaders });
  return { status: answer.status, text: await answer.text() };
}
