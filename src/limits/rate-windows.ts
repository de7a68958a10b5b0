/**
 * Requests-per-minute and tokens-per-minute limits: a sliding 60 s window per key and per user,
 * in this process's memory (reliability-anchors §2.12). With several replicas each one keeps
 * its own windows, so the gateway as a whole admits up to (replicas × limit) per minute, unless
 * limits.redis_url shares them (shared-rate-windows.ts, which falls back to these while Redis is
 * away). Budgets, unlike these, are shared through the database.
 *
 * A request takes its slot when admitted (synchronously: nothing can interleave between the
 * check and the take); its tokens (input + output, as the ledger row counts them) enter the
 * token window when it ends, so TPM refuses new requests once the last minute's finished
 * requests used the allowance, as LiteLLM and OpenAI do.
 */
import { GatewayError } from "../errors/gateway-error";

export const WINDOW_MS = 60_000;

/** One limited subject (`k:<key id>` or `u:<user id>`) and its limits. */
export interface RateSubject {
  id: string;
  rpm: number | null;
  tpm: number | null;
}

interface Window {
  /** Admission times, oldest first. */
  requests: number[];
  /** [end time, tokens] of finished requests, oldest first. */
  tokens: Array<[number, number]>;
  tokenSum: number;
}

/** What an admitted request holds: give the slot back (refused later), or add its tokens at its end. */
export interface RateSlot {
  giveBack(): void;
  addTokens(tokens: number, at: number): void;
}

export class RateWindows {
  private readonly windows = new Map<string, Window>();

  /**
   * Take a slot in every subject's window, or throw 429 `rate_limit_exceeded` (taking none) with
   * the wait in seconds until every full window has room: the longest of their waits, not the
   * first one checked, or a client honouring retry-after would come back while another window
   * is still full and be refused again.
   */
  take(subjects: RateSubject[], now: number): RateSlot {
    const windows = subjects.map((subject) => this.windowOf(subject.id, now));
    let longest: FullWindow | null = null;
    for (let index = 0; index < subjects.length; index++) {
      for (const full of fullWindowsOf(subjects[index]!, windows[index]!, now)) if (longest === null || full.waitMs > longest.waitMs) longest = full;
    }
    if (longest !== null) throw rateRefusal(longest.subject, longest.full, longest.waitMs);
    for (const window of windows) window.requests.push(now);
    return {
      giveBack: () => {
        for (const window of windows) {
          const at = window.requests.lastIndexOf(now);
          if (at >= 0) window.requests.splice(at, 1);
        }
      },
      addTokens: (tokens, at) => {
        if (!(tokens > 0)) return;
        subjects.forEach((subject, index) => {
          if (subject.tpm === null) return;
          windows[index]!.tokens.push([at, tokens]);
          windows[index]!.tokenSum += tokens;
        });
      },
    };
  }

  /**
   * Add a request's tokens to the windows of subjects by id, without a slot: a native background
   * run's final tokens, counted on whichever replica writes its row (its slot, if any, lives in
   * the process that created it). Only subjects that had a TPM limit at admission are passed.
   */
  addTokens(subjectIds: readonly string[], tokens: number, at: number): void {
    if (!(tokens > 0)) return;
    for (const id of subjectIds) {
      const window = this.windowOf(id, at);
      window.tokens.push([at, tokens]);
      window.tokenSum += tokens;
    }
  }

  /** The subject's window with entries older than a minute dropped; idle subjects are forgotten. */
  private windowOf(id: string, now: number): Window {
    let window = this.windows.get(id);
    if (!window) {
      window = { requests: [], tokens: [], tokenSum: 0 };
      this.windows.set(id, window);
      if (this.windows.size % 1024 === 0) this.forgetIdle(now);
      return window;
    }
    prune(window, now);
    return window;
  }

  private forgetIdle(now: number): void {
    for (const [id, window] of this.windows) {
      prune(window, now);
      if (window.requests.length === 0 && window.tokens.length === 0) this.windows.delete(id);
    }
  }
}

function prune(window: Window, now: number): void {
  const cutoff = now - WINDOW_MS;
  let drop = 0;
  while (drop < window.requests.length && window.requests[drop]! <= cutoff) drop++;
  if (drop > 0) window.requests.splice(0, drop);
  drop = 0;
  while (drop < window.tokens.length && window.tokens[drop]![0] <= cutoff) window.tokenSum -= window.tokens[drop++]![1];
  if (drop > 0) window.tokens.splice(0, drop);
}

/** A subject's window that has no room, and the wait until it has. */
interface FullWindow {
  subject: RateSubject;
  full: "requests" | "tokens";
  waitMs: number;
}

/** The subject's full windows (requests, tokens, or both), each with its own wait. */
function fullWindowsOf(subject: RateSubject, window: Window, now: number): FullWindow[] {
  const found: FullWindow[] = [];
  if (subject.rpm !== null && window.requests.length >= subject.rpm) {
    // The slot frees when the oldest request that keeps the window full leaves it.
    const freesAt = window.requests[window.requests.length - subject.rpm]! + WINDOW_MS;
    found.push({ subject, full: "requests", waitMs: freesAt - now });
  }
  if (subject.tpm !== null && window.tokenSum >= subject.tpm) {
    let sum = window.tokenSum;
    let freesAt = now + WINDOW_MS;
    for (const [at, tokens] of window.tokens) {
      sum -= tokens;
      if (sum < subject.tpm) {
        freesAt = at + WINDOW_MS;
        break;
      }
    }
    found.push({ subject, full: "tokens", waitMs: freesAt - now });
  }
  return found;
}

/** The 429 for a subject whose window is full, with the wait until it frees, in whole seconds (at least 1). */
export function rateRefusal(subject: RateSubject, full: "requests" | "tokens", waitMs: number): GatewayError {
  const scope = subject.id.startsWith("k:") ? "API key" : "user";
  const message = full === "requests" ? `${scope} request rate limit reached (${subject.rpm} requests per minute)` : `${scope} token rate limit reached (${subject.tpm} tokens per minute)`;
  // OpenAI's error type names the full window ("requests" or "tokens"); openai-shape.ts renders it.
  return new GatewayError("rate_limit_exceeded", 429, message, { retryAfter: Math.max(1, Math.ceil(waitMs / 1000)), upstreamType: full });
}
