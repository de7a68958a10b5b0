/**
 * What the creating call of a native background run needs to hold (native-background.ts): its
 * ledger row kept back from the normal path until the run is known to have ended or to go on,
 * with the request's hold on its limits, and the key each provider's ring handed out (the key
 * that created the run is the one that can read it later).
 */
import type { LedgerEntry, LedgerSink } from "../ledger/types";
import type { Admission, HeldLimits } from "../limits/request-limits";
import type { KeyRing } from "../providers/key-ring";
import type { ProxyDeps } from "./types";

/** The held-back ledger sink of the creating call: it keeps the row the normal path made. */
export class HeldRow implements LedgerSink {
  readonly entry: Promise<LedgerEntry>;
  /** The request's hold on its limits (deps.holdAdmission), until the row is written or the run takes it. */
  admission: Admission | undefined;
  private resolve!: (entry: LedgerEntry) => void;
  private held = false;

  constructor(private readonly deps: ProxyDeps) {
    this.entry = new Promise((resolve) => (this.resolve = resolve));
  }

  async record(entry: LedgerEntry): Promise<void> {
    if (!this.held) {
      // A stop waits for this row until it is written or handed to the store.
      this.held = true;
      this.deps.drain.rowStarted();
    }
    this.resolve(entry);
  }

  failing(): boolean {
    return this.deps.ledger.failing?.() ?? false;
  }

  async close(): Promise<void> {}

  /** Write the row as the normal path made it, and settle the limits with it. */
  async write(entry: LedgerEntry): Promise<void> {
    const admission = this.admission;
    this.admission = undefined;
    const settled = admission?.settle(entry).catch((error: unknown) => this.deps.logger.error({ requestId: entry.requestId, err: error }, "budget settlement failed"));
    try {
      await this.deps.ledger.record(entry);
    } catch (error) {
      this.deps.logger.error({ requestId: entry.requestId, err: error }, "ledger write failed");
    } finally {
      await settled;
      this.release();
    }
  }

  /** The run goes on: its budget reservation and token count are kept for the run's final row (undefined: nothing kept, limits settled now). */
  async handOver(entry: LedgerEntry, untilMs: number): Promise<HeldLimits | undefined> {
    const admission = this.admission;
    this.admission = undefined;
    return admission?.handOver(entry, untilMs);
  }

  release(): void {
    if (!this.held) return;
    this.held = false;
    this.deps.drain.rowSettled();
  }
}

/** The key rings of the creating call, noting the key each provider's ring handed out last (the one its answer came with). */
export class KeyWitness {
  readonly rings = new Map<string, KeyRing>();
  private readonly last = new Map<string, string | undefined>();
  /** The provider whose ring handed out a key last: once an answer streams, the one serving it. */
  lastProvider: string | undefined;

  constructor(rings: Map<string, KeyRing>) {
    for (const [name, ring] of rings) {
      const watched = Object.create(ring) as KeyRing;
      watched.next = () => {
        const key = ring.next();
        this.last.set(name, key);
        this.lastProvider = name;
        return key;
      };
      this.rings.set(name, watched);
    }
  }

  used(provider: string): string | undefined {
    return this.last.get(provider);
  }
}
