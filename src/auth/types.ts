import type { PrincipalLimits } from "../limits/types";

/** Who is calling: the result of authenticating a request. */
export interface Principal {
  userId: number | null;
  apiKeyId: number | null;
  email: string | null;
  role: "root_admin" | "gateway_admin" | "gateway_user" | "anonymous";
  scopes: string[];
  /** Budgets and rate limits of the key and its owner; absent when there are none (the fast path). */
  limits?: PrincipalLimits;
  /**
   * Set only when the database could not be reached and the key was accepted from this replica's
   * memory of its last successful check (auth/fail-static-key-checks.ts): when that check was.
   * What needs the database for this request (a budget) is refused instead of waited for.
   */
  verifiedFromMemoryAt?: Date;
}

/** Turns request headers into a principal, or says why not (rendered as 401/403 in the caller's protocol). */
export interface Authenticator {
  /** Whether model endpoints require a key. */
  readonly required: boolean;
  authenticate(headers: Headers): Promise<{ ok: true; principal: Principal } | { ok: false; status: 401 | 403; message: string; refusedKey?: RefusedKey }>;
}

/**
 * A real key refused for what it is (revoked, expired, its owner inactive): the refusal's ledger
 * row names it, so after a rotation the operator sees who still sends the old key.
 */
export interface RefusedKey {
  userId: number;
  apiKeyId: number;
}
