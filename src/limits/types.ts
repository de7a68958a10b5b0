import type { Limits } from "../store/types";

/**
 * The limits that apply to one authenticated request, read with its key (no extra database
 * round trip). Absent from the principal when neither the key nor its owner has any limit:
 * that is the check the hot path makes, and all it makes.
 */
export interface PrincipalLimits {
  /** The key's limits, or null when it has none. */
  key: Limits | null;
  /** The owner's limits (on all of its keys together), or null when it has none. */
  user: Limits | null;
}

/** Whether any limit is set. */
export function hasAnyLimit(limits: Limits): boolean {
  return limits.budgetMicroUsd !== null || limits.rpmLimit !== null || limits.tpmLimit !== null;
}

/** The principal's limits for a key and its owner, or undefined when neither has one. */
export function principalLimitsOf(key: Limits, user: Limits): PrincipalLimits | undefined {
  const keyLimits = hasAnyLimit(key) ? key : null;
  const userLimits = hasAnyLimit(user) ? user : null;
  return keyLimits || userLimits ? { key: keyLimits, user: userLimits } : undefined;
}
