import { GatewayError } from "../errors/gateway-error";
import type { UpstreamClientChoice } from "../config/types";
import { avoidOwnClientFor, http1TargetFor, sendHttp1 } from "./http1/transport";
import { UnrequestedContentEncoding } from "./http1/exchange";

export interface Deadlines {
  /** Until a streamed call's answer headers arrive (providers send them as the stream opens). */
  connectTimeoutMs: number;
  /**
   * Until a non-streamed call's answer headers arrive. OpenAI and Anthropic send them only when
   * the whole generation is done, so this bounds the generation (reliability-anchors §2.6: up to
   * 10 minutes), where a streamed call's headers are bounded by connectTimeoutMs.
   */
  responseTimeoutMs: number;
  /** Until the first body byte arrives (streams). */
  firstByteTimeoutMs: number;
  /** Longest gap between two body chunks. */
  idleTimeoutMs: number;
}

export interface UpstreamCall {
  status: number;
  headers: Headers;
  /** The headers as name/value pairs (lower-case names), without building a Headers object. */
  headerPairs: Iterable<[string, string]>;
  /** Abort the upstream request (client gone, or a deadline passed). */
  abort(reason?: unknown): void;
  /** The body as a reader that enforces first-byte and idle deadlines. */
  readBody(): AsyncGenerator<Uint8Array>;
  /** The whole body as UTF-8 text, under the same deadlines. */
  readText(): Promise<string>;
}

/**
 * A holder the gateway can abandon a call through from outside, as if its client had left
 * (a stopping gateway ending a request that waits for its upstream: WaitingRequestStop).
 */
export interface AbandonableCall {
  /** Already abandoned: a call started now gives up at once. */
  readonly stopped: boolean;
  /** Set by the call while it is in flight. */
  abandon: (() => void) | undefined;
}

/** Upstream calls whose answers are still being read, through either client. */
let callsInFlight = 0;

/** How many upstream calls are in flight (tests: every path must give its call back). */
export function upstreamCallsInFlight(): number {
  return callsInFlight;
}

/**
 * The only egress (ARCHITECTURE.md): POST to an upstream with the gateway's own deadlines,
 * because undici's timeout options do nothing under Bun (notes/packaging-and-stack.md §8.5).
 * The client's abort signal aborts the upstream request.
 */
export async function callUpstream(url: string, init: { headers: Record<string, string>; body: string | Uint8Array; method?: string; streamed: boolean; provider?: string }, clientSignal: AbortSignal | undefined, deadlines: Deadlines & { client?: UpstreamClientChoice }, holder?: AbandonableCall): Promise<UpstreamCall> {
  const controller = new AbortController();
  // Failures name the provider ("cannot reach upstream vllm: ECONNREFUSED"): with several
  // providers configured, a bare "cannot reach upstream" left the user to guess which base_url
  // was wrong. Built only when a failure is reported.
  const upstream = () => (init.provider ? `upstream ${init.provider}` : "upstream");
  // With `auto`, the gateway's own client takes a call only when no other is in flight. It saves
  // the two hand-offs to Bun's HTTP thread, most of a lone call's added latency, but does its
  // socket work on the main thread; with other calls in flight the main thread has work of its
  // own, and fetch's thread does the socket work beside it (measured: always taking the own
  // client cost 12% of throughput at 32 connections; README "Performance").
  const useOwnClient = deadlines.client !== "fetch" && callsInFlight === 0;
  callsInFlight++;
  let inFlight = true;
  const abort = (reason?: unknown) => {
    settle();
    if (!controller.signal.aborted) controller.abort(reason);
  };
  /** Set when the client left or the gateway abandoned the call: its failures are then a 499. */
  let abandoned = false;
  const onClientAbort = () => {
    abandoned = true;
    abort(new GatewayError("upstream_error", 499, "client closed the request"));
  };
  /** The call is over (answer read, failed or aborted): give back its in-flight slot and unhook the client's abort. */
  const settle = () => {
    if (inFlight) callsInFlight--;
    inFlight = false;
    clientSignal?.removeEventListener("abort", onClientAbort);
    if (holder?.abandon === onClientAbort) holder.abandon = undefined;
  };
  if (clientSignal?.aborted || holder?.stopped) onClientAbort();
  clientSignal?.addEventListener("abort", onClientAbort, { once: true });
  if (holder) holder.abandon = onClientAbort;

  let timedOut = false;
  const headersWithinMs = init.streamed ? deadlines.connectTimeoutMs : deadlines.responseTimeoutMs;
  const connectTimer = setTimeout(() => {
    timedOut = true;
    abort(new Error("connect timeout"));
  }, headersWithinMs);
  let answer: TransportAnswer;
  try {
    const method = init.method ?? "POST";
    const target = useOwnClient ? http1TargetFor(url) : undefined;
    answer = target ? await sendHttp1(target, method, init.headers, init.body, controller.signal).catch((error: unknown) => retryCompressedThroughFetch(error, url, method, init, controller.signal)) : await fetchTransport(url, method, init, controller.signal);
  } catch (error) {
    settle();
    if (timedOut) throw new GatewayError("upstream_timeout", 504, `${upstream()} did not answer within ${headersWithinMs} ms`);
    if (abandoned) throw new GatewayError("upstream_error", 499, "client closed the request");
    throw new GatewayError("upstream_connect_failed", 502, `cannot reach ${upstream()}: ${describeFetchError(error)}`, { cause: error });
  } finally {
    clearTimeout(connectTimer);
  }

  /**
   * One read of the body under the deadlines: first byte, then the idle gap between chunks.
   * A single timer is re-armed per chunk; the reader is cancelled when a deadline passes.
   */
  function deadlineReader() {
    let first = true;
    let idleTimer: ReturnType<typeof setTimeout> | undefined;
    let deadlineHit: string | undefined;
    const arm = () => {
      clearTimeout(idleTimer);
      const limit = first ? deadlines.firstByteTimeoutMs : deadlines.idleTimeoutMs;
      idleTimer = setTimeout(() => {
        deadlineHit = first ? `no first byte from ${upstream()} within ${limit} ms` : `${upstream()} stream silent for more than ${limit} ms`;
        answer.cancel();
        abort(new Error(deadlineHit));
      }, limit);
    };
    return {
      /** The next chunk, or undefined at the end of the body. */
      async next(): Promise<Uint8Array | undefined> {
        arm();
        let chunk: Uint8Array | undefined;
        try {
          chunk = await answer.read();
        } catch (error) {
          throw bodyReadFailure(error, deadlineHit);
        }
        if (deadlineHit) throw new GatewayError("upstream_timeout", 504, deadlineHit);
        if (chunk === undefined) return undefined;
        first = false;
        return chunk;
      },
      /** Stop the timers and the client-abort hook; the lock is released only when the body was not read to its end. */
      close(complete: boolean) {
        clearTimeout(idleTimer);
        settle();
        if (!complete) answer.release();
      },
    };
  }

  async function* readBody(): AsyncGenerator<Uint8Array> {
    const body = deadlineReader();
    let complete = false;
    try {
      for (let chunk = await body.next(); chunk !== undefined; chunk = await body.next()) yield chunk;
      complete = true;
    } finally {
      body.close(complete);
    }
  }

  /**
   * The whole body as text (non-streaming answers). One deadline for the whole body, the idle
   * gap: a non-streamed answer comes as one piece once its headers are out, so reading it with
   * `text()` under a single timer keeps the guarantee (a stalled body fails with 504) without a
   * reader, a timer per chunk and a copy, which measured ~10 µs per request.
   */
  async function readText(): Promise<string> {
    let deadlineHit = false;
    const timer = setTimeout(() => {
      deadlineHit = true;
      abort(new Error("body deadline"));
    }, deadlines.idleTimeoutMs);
    try {
      return await answer.text();
    } catch (error) {
      throw bodyReadFailure(error, deadlineHit ? `${upstream()} body did not arrive within ${deadlines.idleTimeoutMs} ms` : undefined);
    } finally {
      clearTimeout(timer);
      settle();
    }
  }

  /** Why a body read failed, in the gateway's terms: our deadline (504), the client leaving (499), or the upstream (502). */
  function bodyReadFailure(error: unknown, deadlineMessage: string | undefined): GatewayError {
    if (deadlineMessage) return new GatewayError("upstream_timeout", 504, deadlineMessage);
    if (abandoned) return new GatewayError("upstream_error", 499, "client closed the request");
    return new GatewayError("upstream_stream_broken", 502, `${upstream()} connection broke: ${describeFetchError(error)}`, { cause: error });
  }

  return {
    status: answer.status,
    // Read on error paths only: the gateway's own client builds its Headers object on first use.
    get headers() {
      return answer.headers;
    },
    // Every answer's rate-limit headers are relayed (proxy/rate-limit-headers.ts): the own
    // client's parsed pairs spare a Headers object per request.
    get headerPairs() {
      return answer.headerPairs;
    },
    abort,
    readBody,
    readText,
  };
}

/** An answer's head and body, whichever client carried the request. */
interface TransportAnswer {
  readonly status: number;
  readonly headers: Headers;
  readonly headerPairs: Iterable<[string, string]>;
  /** The next body piece, or undefined at the end. */
  read(): Promise<Uint8Array | undefined>;
  text(): Promise<string>;
  /** A deadline passed: stop reading now. */
  cancel(): void;
  /** The reader walked away before the end of the body. */
  release(): void;
}

/** Through Bun's fetch: TLS, proxies from the environment, and `upstream.client = "fetch"`. */
async function fetchTransport(url: string, method: string, init: { headers: Record<string, string>; body: string | Uint8Array }, signal: AbortSignal): Promise<TransportAnswer> {
  const response = await fetch(url, {
    method,
    headers: init.headers,
    body: init.body,
    signal,
    redirect: "manual",
    // Bun's own idle timer would cut slow-thinking streams; our deadlines replace it.
    timeout: false,
  } as RequestInit);
  let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  return {
    status: response.status,
    headers: response.headers,
    headerPairs: response.headers,
    async read() {
      reader ??= response.body?.getReader();
      if (!reader) return undefined;
      const chunk = await reader.read();
      return chunk.done ? undefined : chunk.value;
    },
    text: () => response.text(),
    cancel: () => void reader?.cancel().catch(() => undefined),
    release: () => reader?.releaseLock(),
  };
}

/**
 * The own client asked for identity and got a compressed body (a proxy in front of the upstream
 * that compresses regardless). Nothing has reached the client yet, so the call goes again
 * through fetch, which decodes, and so does every later call to that origin: with `auto`, such
 * an upstream otherwise failed whenever it was the only call in flight and worked otherwise.
 */
function retryCompressedThroughFetch(error: unknown, url: string, method: string, init: { headers: Record<string, string>; body: string | Uint8Array }, signal: AbortSignal): Promise<TransportAnswer> {
  if (!(error instanceof UnrequestedContentEncoding)) throw error;
  avoidOwnClientFor(url);
  return fetchTransport(url, method, init, signal);
}

/** A short reason for a network failure, without URLs that might carry credentials. */
function describeFetchError(error: unknown): string {
  const err = error as { code?: string; message?: string };
  return err?.code ?? err?.message?.split("\n")[0]?.replace(/https?:\/\/\S+/g, "<url>") ?? "unknown error";
}
