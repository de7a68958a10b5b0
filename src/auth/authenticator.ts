/**
 * API-key authentication against the store (implements the Authenticator contract in
 * types.ts). Lookup by the 12-character prefix with a parameterised query, then a
 * constant-time comparison of SHA-256 digests over every candidate, with a dummy digest when
 * there is none, so "unknown key" and "wrong key" cost the same (reliability-anchors §2.2).
 * Every check asks the database; only one that cannot reach it (PostgreSQL, within
 * `database.pg_request_timeout_ms`) may be answered from memory (fail-static-key-checks.ts), and
 * until a probe finds the database back, the checks after it do not wait for it either
 * (key-check-short-circuit.ts).
 */
import { timingSafeEqual } from "node:crypto";
import { withDatabaseDeadline } from "../store/database-deadline";
import { databaseUnavailableError, isDatabaseUnreachable } from "../store/database-unreachable";
import type { ApiKeyCredential, Store, User } from "../store/types";
import { API_KEY_PREFIX, authorizationWithoutBearer, extractPresentedKeys, hashApiKey, isApiKeyShaped, keyPrefixOf } from "./api-key";
import { principalLimitsOf } from "../limits/types";
import { createFailStaticKeyChecks, type FailStaticKeyChecks, type FailStaticLogger } from "./fail-static-key-checks";
import type { ShortCircuitWindows } from "./key-check-short-circuit";
import { effectiveScopes, type Scope } from "./scopes";
import type { Authenticator, Principal } from "./types";

export type AuthResult = Awaited<ReturnType<Authenticator["authenticate"]>>;

export interface GatewayAuthenticator extends Authenticator {
  /** Requires a valid key whatever `required` says (the usage API with auth on, the CLI-less admin API). */
  authenticateKey(headers: Headers): Promise<AuthResult>;
  /** A valid key of a root_admin or gateway_admin with the `admin` scope; 401 without a key, 403 otherwise. */
  authenticateAdmin(headers: Headers): Promise<AuthResult>;
}

export interface AuthenticatorOptions {
  /** Whether model endpoints require a key (`auth_disabled = false`). */
  required: boolean;
  /**
   * Who anonymous requests are (auth off): the local root admin, so every ledger row has a
   * user (notes/upstream-tokligence.md §1.8). Looked up in the store when not given.
   */
  localUser?: User;
  now?: () => Date;
  /**
   * PostgreSQL deployments: the longest a key check waits for the database before it counts as
   * unreachable for this request (`database.pg_request_timeout_ms`; 0 or absent: no bound), and
   * fail-static key checks (`auth.outage_grace_seconds` > 0; fail-static-key-checks.ts). Absent
   * (SQLite, a local file): every check needs the database, as before. `shortCircuit`: the
   * windows during which checks do not wait for a database that stopped answering (default 1 s
   * doubling to 8 s; key-check-short-circuit.ts).
   */
  outage?: { requestTimeoutMs: number; graceSeconds: number; logger: FailStaticLogger; shortCircuit?: ShortCircuitWindows };
}

const DUMMY_DIGEST = Buffer.alloc(32, 0x5a);
/**
 * Names where a key comes from too: the first thing a new operator (a Docker container, a gateway
 * listening beyond loopback) meets is this 401, and the header alone did not say how to get a key.
 */
const MISSING_KEY = "missing API key: send `Authorization: Bearer tok_…` or `x-api-key: tok_…` (an admin creates keys with `gateway admin api-keys create --user <email>`)";
const INVALID_KEY = "invalid API key";
/** A key sent as `Authorization: tok_…` was answered "missing API key", which it was not. */
const NOT_BEARER = "the Authorization header must read `Bearer tok_…` (the word Bearer, a space, then the key), or send the key as `x-api-key: tok_…`";
/**
 * A key that is not a gateway key at all: most often the provider's own (sk-…, sk-ant-…) left in
 * a client's OPENAI_API_KEY / ANTHROPIC_API_KEY. "invalid API key" alone sent users to check that
 * provider key, which is fine; the gateway wants one of its own.
 */
const UNREACHABLE_FOR_KEY_CHECK = "the gateway cannot reach its database to check the API key; try again shortly";
const NOT_A_GATEWAY_KEY = "invalid API key: this gateway accepts only its own keys (tok_…, made with `gateway admin api-keys create`), not a provider's key";

/** The cause logged with a 503 given without asking the database (the short circuit is open). */
function shortCircuitedCause(): Error {
  return Object.assign(new Error("PostgreSQL did not answer a recent key check: checks do not wait for it until a probe finds it back (key-check-short-circuit.ts)"), { code: "KEY_CHECK_SHORT_CIRCUITED" });
}

function digestsEqual(expectedHex: string, actual: Buffer): boolean {
  const expected = Buffer.from(expectedHex, "hex");
  if (expected.length !== actual.length) {
    // Cannot happen for our hex SHA-256 column; still spend the same work before refusing.
    timingSafeEqual(DUMMY_DIGEST, actual);
    return false;
  }
  return timingSafeEqual(expected, actual);
}

/**
 * A store lookup. When it fails because the database cannot be reached (not the caller's fault,
 * not a gateway bug): a 503 `database_unavailable` with retry-after (the cause kept for the
 * error log), so SDKs and load balancers retry instead of reporting an opaque 500 (a PostgreSQL
 * restart took every authenticated request down with `internal gateway error` and nothing in
 * the log). Any other failure is a fault a retry cannot fix and stays what it is (a 500).
 */
async function fromStore<T>(lookup: () => Promise<T>): Promise<T> {
  try {
    return await lookup();
  } catch (error) {
    if (!isDatabaseUnreachable(error)) throw error;
    throw databaseUnavailableError(UNREACHABLE_FOR_KEY_CHECK, error);
  }
}

/** The database's verdict on a presented key, from the candidates that share its prefix. */
function judgeKey(candidates: readonly ApiKeyCredential[], digest: Buffer, at: Date): { result: AuthResult; expiresAt: Date | null } {
  let match: ApiKeyCredential | undefined;
  for (const candidate of candidates) {
    if (digestsEqual(candidate.keyHash, digest) && !match) match = candidate;
  }
  if (candidates.length === 0) timingSafeEqual(DUMMY_DIGEST, digest);
  if (!match) return { result: { ok: false, status: 401, message: INVALID_KEY }, expiresAt: null };
  const expiresAt = match.key.expiresAt;
  const refused = (message: string): { result: AuthResult; expiresAt: Date | null } => ({ result: { ok: false, status: 401, message, refusedKey: { userId: match.user.id, apiKeyId: match.key.id } }, expiresAt });
  if (match.key.revokedAt) return refused("API key revoked");
  if (expiresAt && expiresAt.getTime() <= at.getTime()) return refused("API key expired");
  if (match.user.deletedAt || match.user.status !== "active") return refused("API key owner is inactive");
  const principal: Principal = {
    userId: match.user.id,
    apiKeyId: match.key.id,
    email: match.user.email,
    role: match.user.role,
    scopes: effectiveScopes(match.user.role, match.key.scopes),
  };
  // Read with the key in the same query, so limits cost the check no extra round trip.
  const limits = principalLimitsOf(match.key.limits, match.user.limits);
  if (limits) principal.limits = limits;
  return { result: { ok: true, principal }, expiresAt };
}

export function createAuthenticator(store: Store, options: AuthenticatorOptions): GatewayAuthenticator {
  const now = options.now ?? (() => new Date());
  let localUser: User | undefined = options.localUser;
  const requestTimeoutMs = options.outage?.requestTimeoutMs ?? 0;
  const failStatic: FailStaticKeyChecks | undefined = options.outage && options.outage.graceSeconds > 0 ? createFailStaticKeyChecks({ graceSeconds: options.outage.graceSeconds, logger: options.outage.logger, ...(options.outage.shortCircuit ? { shortCircuit: options.outage.shortCircuit } : {}) }) : undefined;

  async function resolveLocalUser(): Promise<User | null> {
    if (!localUser) localUser = (await fromStore(() => store.users.findRootAdmin())) ?? undefined;
    return localUser ?? null;
  }

  /**
   * The database's verdict on the key, or `unreachable` (with the cause) when the lookup could not
   * reach it or got no answer within the request bound. `probe`: this lookup is the short
   * circuit's probe (key-check-short-circuit.ts).
   */
  async function askDatabase(token: string, keyHash: string, digest: Buffer, probe: boolean): Promise<AuthResult | { unreachable: unknown }> {
    // A late answer (the request stopped waiting) may only take a key away, never bring one back.
    const onLate =
      failStatic &&
      ((candidates: ApiKeyCredential[]) => {
        const { result } = judgeKey(candidates, digest, now());
        failStatic.answeredLate(keyHash, result.ok, result.ok || result.refusedKey !== undefined);
      });
    const ticket = failStatic?.asking() ?? 0;
    let candidates: ApiKeyCredential[];
    try {
      candidates = await withDatabaseDeadline(store.apiKeys.findCredentialsByPrefix(keyPrefixOf(token)), requestTimeoutMs, "the key check", onLate);
    } catch (error) {
      if (!isDatabaseUnreachable(error)) throw error;
      failStatic?.unreachable(now(), error, probe);
      return { unreachable: error };
    }
    const at = now();
    const { result, expiresAt } = judgeKey(candidates, digest, at);
    // A refusal names its key (refusedKey) when the database has it; an unknown key's does not.
    failStatic?.answered(keyHash, result.ok ? { principal: result.principal, expiresAt } : undefined, at, ticket, result.ok || result.refusedKey !== undefined);
    return result;
  }

  /** The 503 of a check the database could not answer and memory cannot vouch for (counted for the outage's closing line). */
  function refuseWithoutDatabase(cause: unknown): never {
    failStatic?.countRefusal();
    throw databaseUnavailableError(UNREACHABLE_FOR_KEY_CHECK, cause);
  }

  async function verifyToken(token: string): Promise<AuthResult> {
    const keyHash = hashApiKey(token);
    const digest = Buffer.from(keyHash, "hex");
    let gate = failStatic?.gate(now()) ?? { kind: "ask" as const };
    if (gate.kind === "skip") {
      const remembered = failStatic!.recall(keyHash, now());
      if (remembered) return remembered;
      // Memory cannot vouch for this key. Refusing it at once could refuse a key the database
      // knows, needlessly if the database is back (the first requests after an outage): so it
      // waits for the probe in flight, or, with none, its own check is the probe. Either way one
      // lookup at a time and at most the request bound, as every check waited before.
      if (gate.probe) {
        await gate.probe;
        gate = failStatic!.gate(now());
        if (gate.kind === "skip") return refuseWithoutDatabase(shortCircuitedCause());
      } else gate = { kind: "probe" };
    }
    const asking = askDatabase(token, keyHash, digest, gate.kind === "probe");
    if (gate.kind === "probe") {
      failStatic!.probing(asking);
      // A key memory vouches for does not wait for the probe: its answer comes from memory now,
      // and the probe's verdict (a refusal too) is kept for the next request.
      const remembered = failStatic!.recall(keyHash, now());
      if (remembered) {
        asking.catch(() => undefined);
        return remembered;
      }
    }
    const answer = await asking;
    if (!("unreachable" in answer)) return answer;
    return failStatic?.recall(keyHash, now()) ?? refuseWithoutDatabase(answer.unreachable);
  }

  async function authenticateKey(headers: Headers): Promise<AuthResult> {
    const presented = extractPresentedKeys(headers);
    if (presented.length === 0) return { ok: false, status: 401, message: authorizationWithoutBearer(headers) ? NOT_BEARER : MISSING_KEY };
    const token = presented.find(isApiKeyShaped);
    if (!token) return { ok: false, status: 401, message: presented.some((key) => key.startsWith(API_KEY_PREFIX)) ? INVALID_KEY : NOT_A_GATEWAY_KEY };
    return verifyToken(token);
  }

  /** The same frozen principal for every key-less request once the local user is known. */
  let anonymous: Principal | undefined;
  async function anonymousPrincipal(): Promise<Principal> {
    if (anonymous) return anonymous;
    const user = await resolveLocalUser();
    const principal: Principal = Object.freeze({ userId: user?.id ?? null, apiKeyId: null, email: user?.email ?? null, role: "anonymous", scopes: Object.freeze(["models", "usage"] satisfies Scope[]) as Scope[] });
    if (user) anonymous = principal;
    return principal;
  }

  return {
    required: options.required,

    async authenticate(headers) {
      if (options.required) return authenticateKey(headers);
      // Auth off: no key is needed, and clients often send a placeholder (Claude Code's
      // sk-ant-…), which must not be refused: such requests are the local root admin. A tok_
      // key, though, is always checked: a valid one names its owner (ledger, scopes), and a
      // revoked, expired or unknown one is refused with 401 rather than silently billed to
      // the root admin, so revoking a key cuts it off whatever the auth setting.
      // Anything with the tok_ prefix counts, so a truncated or mistyped real key is a 401
      // too (it would otherwise be billed to the root admin without a word).
      const token = extractPresentedKeys(headers).find((presented) => presented.startsWith(API_KEY_PREFIX));
      if (token) return isApiKeyShaped(token) ? verifyToken(token) : { ok: false, status: 401, message: INVALID_KEY };
      // A gateway key without "Bearer " is a key too: refused with how to send it, not billed to the root admin.
      if (authorizationWithoutBearer(headers)?.startsWith(API_KEY_PREFIX)) return { ok: false, status: 401, message: NOT_BEARER };
      return { ok: true, principal: await anonymousPrincipal() };
    },

    authenticateKey,

    async authenticateAdmin(headers) {
      const result = await authenticateKey(headers);
      if (!result.ok) return result;
      const { principal } = result;
      if (principal.role !== "root_admin" && principal.role !== "gateway_admin") {
        return { ok: false, status: 403, message: "admin API requires an admin key" };
      }
      if (!principal.scopes.includes("admin")) return { ok: false, status: 403, message: "this key lacks the admin scope" };
      return result;
    },
  };
}

/** Whether a principal may use a scope (`models` for model endpoints, `usage`, `admin`). */
export function hasScope(principal: Principal, scope: Scope): boolean {
  return principal.scopes.includes(scope);
}
