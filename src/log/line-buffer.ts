/**
 * Log lines gathered in memory and handed to the real destination (a SonicBoom: stdout or the
 * rotating file) in blocks of up to `maxChars`, at the latest `flushMs` after the first line
 * waiting. A write per line cost a syscall and a thread-pool hop (~10 µs under load), and
 * SonicBoom's own `minLength` buffering re-measures its whole pending buffer on every line, so
 * the buffering is done here, once per block. On exit the block is written synchronously; a
 * SIGKILL can lose the last `flushMs` of log lines, never a ledger row.
 */
/** What the buffer writes to: the SonicBoom streams pino.destination and pino-roll return. */
export interface BlockDestination {
  write(block: string): unknown;
  flush(callback: (error?: Error) => void): void;
  flushSync(): void;
  /** SonicBoom's own state: an asynchronous write is in flight (see `flush`). */
  readonly _writing?: boolean;
  once?(event: "drain", listener: () => void): unknown;
}

export interface LineBufferOptions {
  maxChars?: number;
  flushMs?: number;
}

/** Every buffer flushes at exit through one listener (not one listener per logger). */
const openBuffers = new Set<LineBuffer>();
function flushAllAtExit(): void {
  for (const buffer of openBuffers) buffer.flushSync();
}

export class LineBuffer {
  private lines: string[] = [];
  private chars = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly maxChars: number;
  private readonly flushMs: number;

  constructor(
    private readonly target: BlockDestination,
    options: LineBufferOptions = {},
  ) {
    this.maxChars = options.maxChars ?? 16 * 1024;
    this.flushMs = options.flushMs ?? 100;
    openBuffers.add(this);
    if (openBuffers.size === 1) process.once("exit", flushAllAtExit);
  }

  write(line: string): boolean {
    this.lines.push(line);
    this.chars += line.length;
    if (this.chars >= this.maxChars) this.handOver();
    else if (!this.timer) {
      this.timer = setTimeout(() => this.handOver(), this.flushMs);
      this.timer.unref?.();
    }
    return true;
  }

  /** pino's `logger.flush(cb)`: everything waiting goes out, then `cb` once it is written. */
  flush(callback?: (error?: Error) => void): void {
    this.handOver();
    if (!callback) return;
    // SonicBoom's flush() calls back at once when it buffers nothing itself (minLength 0), even
    // while the block just handed over is still being written; wait for that write's 'drain'.
    if (this.target._writing && this.target.once) this.target.once("drain", () => this.target.flush(callback));
    else this.target.flush(callback);
  }

  flushSync(): void {
    this.handOver();
    try {
      this.target.flushSync();
    } catch {
      // A destination that is still opening or already closed: nothing more can be done at exit.
    }
  }

  private handOver(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.lines.length === 0) return;
    const block = this.lines.length === 1 ? this.lines[0]! : this.lines.join("");
    this.lines = [];
    this.chars = 0;
    this.target.write(block);
  }
}
