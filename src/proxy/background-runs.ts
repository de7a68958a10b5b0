/**
 * The background responses this gateway process is running (`background: true` on a route
 * OpenAI does not serve, background.ts): how to cancel each, and, for streamed ones, the events
 * so far, so that the creating request and `GET /v1/responses/{id}?stream=true&starting_after=N`
 * can follow the same sequence. The durable state (queued, then the final response) is in the
 * response store; this is only what lives in memory, kept a while after the run ends so a
 * client that lost its stream can resume it. One per gateway (house rule 6).
 */

/** How long a finished run's events stay here for resuming streams (OpenAI keeps background data about ten minutes). */
const KEEP_FINISHED_MS = 10 * 60_000;

export class BackgroundRun {
  readonly controller = new AbortController();
  /** Set by a cancel: the run's end then stores `cancelled`, whatever the model call did. */
  cancelled = false;
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

export class BackgroundRuns {
  private readonly runs = new Map<string, BackgroundRun>();

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
