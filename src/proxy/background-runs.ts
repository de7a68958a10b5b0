/**
 * The background responses this gateway process is running (`background: true` on a route
 * OpenAI does not serve, background.ts), and the native OpenAI ones it follows at the upstream
 * (native-background.ts): how to cancel each, and, for streamed ones, the events
 * so far, so that the creating request and `GET /v1/responses/{id}?stream=true&starting_after=N`
 * can follow the same sequence. The durable state (queued, then the final response) is in the
 * response store; this is only what lives in memory, kept a while after the run ends so a
 * client that lost its stream can resume it. One per gateway (house rule 6).
 */
import type { RunAtUpstream } from "./native-background-upstream";

/**
 * A native run whose creating stream this process is still relaying: it is stored only when that
 * stream ends (its ledger row is known then), so until then a GET or a resumed stream is read at
 * the upstream from here (native-background-routes.ts).
 */
export interface CreatingNativeRun extends RunAtUpstream {
  /** The creating caller's user: nobody else sees the run, as with a stored one. */
  userId: number | null;
}

/** How long a finished run's events stay here for resuming streams (OpenAI keeps background data about ten minutes). */
const KEEP_FINISHED_MS = 10 * 60_000;

export class BackgroundRun {
  readonly controller = new AbortController();
  /** Set by a cancel: the run's end then stores `cancelled`, whatever the model call did. */
  cancelled = false;
  /** Set while a streamed run reads its answer: a cancel stops reading it, as a client that leaves. */
  abandonAnswer: (() => void) | undefined;
  /** SSE frames of a streamed run, in order (frame i has sequence_number i as the encoder numbered them). */
  readonly frames: string[] = [];
  private readonly listeners = new Set<() => void>();
  private ended = false;
  private readonly endedPromise: Promise<void>;
  private markEnded!: () => void;

  constructor(readonly streamed: boolean) {
    this.endedPromise = new Promise((resolve) => (this.markEnded = resolve));
  }

  get finished(): boolean {
    return this.ended;
  }

  /** Resolves when the run has stored its final state. */
  whenEnded(): Promise<void> {
    return this.endedPromise;
  }

  push(frame: string): void {
    this.frames.push(frame);
    for (const wake of this.listeners) wake();
  }

  end(): void {
    this.ended = true;
    this.markEnded();
    for (const wake of this.listeners) wake();
  }

  /** The frames after position `after` (-1: all), as they come, until the run ends or `signal` aborts. */
  async *follow(after: number, signal: AbortSignal): AsyncGenerator<string> {
    let next = after + 1;
    for (;;) {
      while (next < this.frames.length) yield this.frames[next++]!;
      if (this.ended || signal.aborted) return;
      await new Promise<void>((resolve) => {
        const wake = () => {
          this.listeners.delete(wake);
          signal.removeEventListener("abort", wake);
          resolve();
        };
        this.listeners.add(wake);
        signal.addEventListener("abort", wake, { once: true });
      });
    }
  }
}

/**
 * How a native OpenAI background response is followed (native-background.ts): the first look
 * at the upstream after `firstDelayMs`, each wait half again as long up to `maxDelayMs`, and no
 * more looks once `limitMs` have passed since the run was created. A follower writes the
 * stored copy at least every third of `orphanedAfterMs`; a running copy nobody wrote for that
 * long is followed by nobody, and each gateway looks for such runs that often. The first three
 * are configured (responses.background_poll_first_ms, _poll_max_ms, _follow_limit_seconds);
 * tests pass their own, shorter, to BackgroundRuns.
 */
export interface BackgroundPolling {
  firstDelayMs: number;
  maxDelayMs: number;
  limitMs: number;
  orphanedAfterMs: number;
}

export const DEFAULT_BACKGROUND_POLLING: BackgroundPolling = { firstDelayMs: 1_000, maxDelayMs: 15_000, limitMs: 6 * 3_600_000, orphanedAfterMs: 3 * 60_000 };

export class BackgroundRuns {
  private readonly runs = new Map<string, BackgroundRun>();
  /** Native runs this process follows at the upstream, by response id. */
  private readonly followers = new Map<string, Promise<void>>();
  /** Native runs whose end this process is settling (ledger row, then the stored copy), or settled lately. */
  private readonly settling = new Map<string, Promise<void>>();
  /** Native runs whose creating stream is still being relayed (not stored yet), by response id. */
  private readonly creating = new Map<string, CreatingNativeRun>();
  private readonly stopping = new AbortController();

  constructor(readonly polling: BackgroundPolling = DEFAULT_BACKGROUND_POLLING) {}

  /** Follow native run `id` in this process unless it already is; `task` ends when `signal` aborts. False once the gateway is stopping. */
  follow(id: string, task: (signal: AbortSignal) => Promise<void>): boolean {
    if (this.stopping.signal.aborted) return false;
    if (this.followers.has(id)) return true;
    const running = task(this.stopping.signal).finally(() => this.followers.delete(id));
    this.followers.set(id, running);
    return true;
  }

  isFollowing(id: string): boolean {
    return this.followers.has(id);
  }

  /** Note native run `run.id` as being created here, until `doneCreating` (its record stored, or nothing to store). */
  noteCreating(run: CreatingNativeRun): void {
    this.creating.set(run.id, run);
  }

  doneCreating(id: string): void {
    this.creating.delete(id);
  }

  /** The native run `id` whose creating stream this process relays, when `userId` created it. */
  creatingRun(id: string, userId: number | null): CreatingNativeRun | undefined {
    const run = this.creating.get(id);
    return run && run.userId === userId ? run : undefined;
  }

  /**
   * Settle native run `id` once in this process: a poll, a GET and a cancel that all see its
   * end share one `settle`, and one that comes within ten minutes after it finds it done. A
   * failed settle is forgotten, so a later look tries again.
   */
  settleOnce(id: string, settle: () => Promise<void>): Promise<void> {
    const existing = this.settling.get(id);
    if (existing) return existing;
    const running = settle().then(
      () => {
        const timer = setTimeout(() => this.settling.delete(id), KEEP_FINISHED_MS);
        timer.unref?.();
      },
      (error: unknown) => {
        this.settling.delete(id);
        throw error;
      },
    );
    this.settling.set(id, running);
    return running;
  }

  /** The gateway stops: followers end (their runs stay pending in the store for a later look) and this resolves once they have. */
  async stop(): Promise<void> {
    this.stopping.abort();
    await Promise.allSettled([...this.followers.values()]);
  }

  start(id: string, streamed: boolean): BackgroundRun {
    const run = new BackgroundRun(streamed);
    this.runs.set(id, run);
    void run.whenEnded().then(() => {
      const timer = setTimeout(() => this.runs.delete(id), KEEP_FINISHED_MS);
      timer.unref?.();
    });
    return run;
  }

  get(id: string): BackgroundRun | undefined {
    return this.runs.get(id);
  }
}
