/**
 * Provider cooldowns, a circuit breaker per provider (reliability-anchors §2.9; the idea of
 * LiteLLM's `allowed_fails`/`cooldown_time` and Envoy's outlier detection).
 *
 * Without it every request of an `a|b` route pays `a`'s failure first while `a` is down: a
 * refused connection costs milliseconds, but a blackholed host costs the whole connect or
 * response deadline, and `a` keeps being hammered. So: failures in a row that fail over (see
 * proxy/provider-failure.ts) set a provider aside ("open") after `failuresToTrip` of them, or at
 * once after a timeout, the expensive kind. While open, routes with several providers try it
 * last (never drop it). When the cooldown ends, one request goes to it as a probe
 * ("half-open") while others still try it last; any success closes the breaker, a failure after
 * the cooldown re-opens it for twice as long, up to MAX_COOLDOWN_MS.
 *
 * Per process, in memory: replicas learn on their own (a provider down for one is down for all,
 * so each trips after its own few failures). One tracker per gateway, built in the composition
 * root (house rule 6).
 *
 * The hot path: only providers that failed lately have an entry, so while every provider is
 * healthy each call below returns after one size check, no Map lookup.
 */

/** The longest cooldown a repeated trip doubles up to (a 429's retry-after is capped there too). */
export const MAX_COOLDOWN_MS = 5 * 60_000;

/** A failure that counts against a provider (proxy/provider-failure.ts decides which do). */
export interface ProviderFailure {
  /**
   * "timeout": our deadline passed, which trips at once; "error": counts toward the threshold;
   * "account": the provider's account cannot serve anyone (quota or credit exhausted, the key
   * refused), which no retry soon fixes: trips at once for the longest cooldown
   * (reliability-anchors §2.9: a quota-class failure opens the target for the longer cooldown).
   */
  kind: "timeout" | "error" | "account";
  /** For the log line: the catalogue code and status, e.g. "upstream_unavailable (503)". */
  reason: string;
  /** The upstream's retry-after on a 429, in seconds. */
  retryAfterSeconds?: number;
}

export type BreakerState = "closed" | "open" | "half-open";

export interface ProviderHealthOptions {
  /** Failures in a row that open the breaker (>= 1; 0 means off and no tracker is built). */
  failuresToTrip: number;
  /** The first cooldown; each repeated trip doubles it, up to MAX_COOLDOWN_MS (or this, when longer). */
  cooldownMs: number;
  now?: () => number;
  log?: { warn(details: object, message: string): void; info(details: object, message: string): void };
}

/** What is known about a provider that failed lately (no entry: healthy). */
interface ProviderEntry {
  /** Counted failures since the last success. */
  failures: number;
  /** Trips since the last success: the cooldown doubles with each. */
  trips: number;
  /** When the current cooldown ends; 0 while the breaker is closed. */
  openUntil: number;
  /** A probe is in flight (half-open): other requests still try the provider last. */
  probing: boolean;
  /** The latest end of a 429's retry-after in this run of failures (0: none). */
  retryAfterUntil: number;
  /** The last counted failure, for the log. */
  lastReason: string;
}

/** Anything a route lists: only its provider's name matters here. */
interface NamedTarget {
  readonly providerName: string;
}

export class ProviderHealth {
  private readonly entries = new Map<string, ProviderEntry>();
  private readonly failuresToTrip: number;
  private readonly cooldownMs: number;
  private readonly maxCooldownMs: number;
  private readonly now: () => number;
  private readonly log: ProviderHealthOptions["log"];

  constructor(options: ProviderHealthOptions) {
    this.failuresToTrip = Math.max(1, options.failuresToTrip);
    this.cooldownMs = options.cooldownMs;
    this.maxCooldownMs = Math.max(MAX_COOLDOWN_MS, options.cooldownMs);
    this.now = options.now ?? Date.now;
    this.log = options.log;
  }

  /**
   * The order to try a route's targets in: those not cooling down in their configured order,
   * then the cooling ones, the one whose cooldown ends first first. Returns `targets` itself
   * (no copy) when nothing is cooling, and for a single target (nothing to fail over to).
   */
  orderTargets<T extends NamedTarget>(targets: readonly T[]): readonly T[] {
    if (targets.length < 2 || this.entries.size === 0) return targets;
    const now = this.now();
    let cooling: T[] | undefined;
    let ready: T[] | undefined;
    for (let index = 0; index < targets.length; index++) {
      const target = targets[index]!;
      if (this.skips(this.entries.get(target.providerName), now)) {
        // First cooling target seen: those before it were ready.
        if (!cooling) {
          cooling = [];
          ready = targets.slice(0, index);
        }
        cooling.push(target);
      } else if (ready) ready.push(target);
    }
    if (!cooling) return targets;
    cooling.sort((a, b) => this.entries.get(a.providerName)!.openUntil - this.entries.get(b.providerName)!.openUntil);
    return ready!.concat(cooling);
  }

  /**
   * An attempt on `provider` is about to be sent. True when it is the half-open probe (the
   * cooldown is over and no probe is in flight): the caller must then call endProbe() once
   * the attempt is over, whatever its outcome.
   */
  beginAttempt(provider: string): boolean {
    if (this.entries.size === 0) return false;
    const entry = this.entries.get(provider);
    if (!entry || entry.openUntil === 0 || entry.probing || this.now() < entry.openUntil) return false;
    entry.probing = true;
    return true;
  }

  /**
   * The probe's attempt is over. After a success or a failure this changes nothing (the
   * breaker closed or re-opened); after neither (the client left, the client's own error) it
   * frees the probe slot for the next request.
   */
  endProbe(provider: string): void {
    const entry = this.entries.get(provider);
    if (entry) entry.probing = false;
  }

  /** The provider answered: forget its failures, and close its breaker if it was open. */
  recordSuccess(provider: string): void {
    if (this.entries.size === 0) return;
    const entry = this.entries.get(provider);
    if (!entry) return;
    this.entries.delete(provider);
    if (entry.openUntil !== 0) this.log?.info({ provider, trips: entry.trips }, `provider ${provider} recovered: its cooldown is over`);
  }

  /** The provider failed in a way that counts (a failover-class failure before the first byte). */
  recordFailure(provider: string, failure: ProviderFailure): void {
    const now = this.now();
    let entry = this.entries.get(provider);
    if (!entry) {
      entry = { failures: 0, trips: 0, openUntil: 0, probing: false, retryAfterUntil: 0, lastReason: "" };
      this.entries.set(provider, entry);
    }
    entry.failures++;
    entry.lastReason = failure.reason;
    if (failure.retryAfterSeconds !== undefined) {
      const until = now + Math.min(failure.retryAfterSeconds * 1000, this.maxCooldownMs);
      if (until > entry.retryAfterUntil) entry.retryAfterUntil = until;
    }
    if (entry.openUntil !== 0) {
      // Open and still cooling: requests that tried it anyway (a single-provider route, or a
      // route whose providers all cool) only confirm it; a longer retry-after extends the wait.
      if (now < entry.openUntil) {
        if (entry.retryAfterUntil > entry.openUntil) entry.openUntil = entry.retryAfterUntil;
        return;
      }
      // The cooldown is over and it still fails (the probe, or any request since): longer.
      this.trip(provider, entry, now, failure);
      return;
    }
    if (failure.kind !== "error" || entry.failures >= this.failuresToTrip) this.trip(provider, entry, now, failure);
  }

  /** closed, open (cooling down) or half-open (cooldown over, not yet answered well). */
  stateOf(provider: string): BreakerState {
    const entry = this.entries.get(provider);
    if (!entry || entry.openUntil === 0) return "closed";
    return this.now() < entry.openUntil ? "open" : "half-open";
  }

  /** Whether the provider's breaker is not closed: from its trip until it recovers (the /metrics gauge). */
  isCooling(provider: string): boolean {
    const entry = this.entries.get(provider);
    return entry !== undefined && entry.openUntil !== 0;
  }

  /** A request skips a provider while it cools down, and while another request probes it. */
  private skips(entry: ProviderEntry | undefined, now: number): boolean {
    return entry !== undefined && entry.openUntil !== 0 && (now < entry.openUntil || entry.probing);
  }

  private trip(provider: string, entry: ProviderEntry, now: number, failure: ProviderFailure): void {
    entry.trips++;
    const doubled = failure.kind === "account" ? this.maxCooldownMs : Math.min(this.cooldownMs * 2 ** (entry.trips - 1), this.maxCooldownMs);
    entry.openUntil = Math.max(now + doubled, entry.retryAfterUntil);
    entry.probing = false;
    const seconds = Math.round((entry.openUntil - now) / 100) / 10;
    const why = failure.kind === "timeout" ? "a timeout" : failure.kind === "account" ? "its account refused the request" : entry.trips > 1 ? "a failure after its cooldown" : `${entry.failures} failures in a row`;
    this.log?.warn(
      { provider, reason: failure.reason, failures: entry.failures, trips: entry.trips, cooldownSeconds: seconds },
      `provider ${provider} cooling down for ${seconds} s after ${why} (last: ${failure.reason}): routes with another provider try it last`,
    );
  }
}
