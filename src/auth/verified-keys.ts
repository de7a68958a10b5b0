/**
 * What this replica remembers of its recent successful key checks, for fail-static key checks
 * while PostgreSQL cannot be reached (README "Users, keys and the ledger"; LiteLLM keeps keys in
 * memory or Redis for the same reason, Envoy calls it "fail static").
 *
 * Keyed by the key's SHA-256 hash, as the database stores it: the raw key is never kept. Bounded
 * (least recently verified dropped first), so a flood of distinct valid keys cannot grow memory
 * without end (reliability-anchors, "unbounded memory cache"). Only consulted when the database
 * did not answer a check: while it answers, every request is checked there, so a revocation holds
 * at once on every replica.
 */
import type { Principal } from "./types";

/** Keys remembered at most (a principal is a few hundred bytes: a few MB in all). */
export const VERIFIED_KEYS_CAPACITY = 10_000;

interface VerifiedKey {
  principal: Principal;
  /** When the database last confirmed the key (the check's answer, not its request). */
  verifiedAt: number;
  /** The key's own expiry (immutable once issued), so a remembered key still expires on time. */
  expiresAt: number | null;
  /** The confirming check's place in the order checks were sent (fail-static-key-checks.ts). */
  ticket: number;
}

/** A remembered key: accepted (verified within the grace), or known to have expired since. */
export type RecalledKey = { principal: Principal; verifiedAt: Date } | { expired: true; principal: Principal };

export interface VerifiedKeys {
  /**
   * After the database confirmed the key. A confirmation from a check sent before the one
   * remembered (`ticket` lower) is older news (a role or budget since changed): it is not kept.
   */
  remember(keyHash: string, principal: Principal, expiresAt: Date | null, at: Date, ticket?: number): void;
  /** After the database refused the key (unknown, revoked, expired, owner inactive). */
  forget(keyHash: string): void;
  /** The key if it was confirmed within `graceMs` of `at`; undefined otherwise (unknown, refused, too old). */
  recall(keyHash: string, at: Date): RecalledKey | undefined;
  size(): number;
}

export function createVerifiedKeys(options: { graceMs: number; capacity?: number }): VerifiedKeys {
  const capacity = Math.max(1, options.capacity ?? VERIFIED_KEYS_CAPACITY);
  // A Map iterates in insertion order: re-inserting on each confirmation makes the first entry the
  // least recently verified, which is the one to drop.
  const keys = new Map<string, VerifiedKey>();
  return {
    remember(keyHash, principal, expiresAt, at, ticket = 0) {
      const known = keys.get(keyHash);
      if (known && known.ticket > ticket) return;
      keys.delete(keyHash);
      keys.set(keyHash, { principal, verifiedAt: at.getTime(), expiresAt: expiresAt?.getTime() ?? null, ticket });
      if (keys.size > capacity) keys.delete(keys.keys().next().value!);
    },
    forget(keyHash) {
      keys.delete(keyHash);
    },
    recall(keyHash, at) {
      const known = keys.get(keyHash);
      if (!known) return undefined;
      const now = at.getTime();
      if (now - known.verifiedAt > options.graceMs) {
        keys.delete(keyHash);
        return undefined;
      }
      if (known.expiresAt !== null && known.expiresAt <= now) return { expired: true, principal: known.principal };
      return { principal: known.principal, verifiedAt: new Date(known.verifiedAt) };
    },
    size() {
      return keys.size;
    },
  };
}
