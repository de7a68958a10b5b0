/** Domain records and repository contracts of the store (dialect-independent). */
import type { MigrationResult, MigrationStatus } from "./migrations/run-migrations";

export const USER_ROLES = ["root_admin", "gateway_admin", "gateway_user"] as const;
export type UserRole = (typeof USER_ROLES)[number];
export const USER_STATUSES = ["active", "inactive"] as const;
export type UserStatus = (typeof USER_STATUSES)[number];
export type Dialect = "sqlite" | "postgres";
/** Budget periods: UTC calendar day or month; null (no period) is a lifetime budget. */
export const BUDGET_PERIODS = ["daily", "monthly"] as const;
export type BudgetPeriod = (typeof BUDGET_PERIODS)[number];

/** Spending and rate limits of a key or a user (src/limits); null = no such limit. */
export interface Limits {
  budgetMicroUsd: number | null;
  budgetPeriod: BudgetPeriod | null;
  rpmLimit: number | null;
  tpmLimit: number | null;
}

/** Limits to change: an absent field is left as it is, null clears it. */
export type LimitsPatch = Partial<Limits>;

/** What a budget has spent, as stored (kept up to date only while a budget is set). */
export interface SpendCounters {
  /** Cost charged in the period that began at `periodStart`. */
  spentMicroUsd: number;
  /** Worst-case cost of requests still in flight. */
  reservedMicroUsd: number;
  /** Start of the period `spentMicroUsd` belongs to (epoch 0 for a lifetime budget); null before any. */
  periodStart: Date | null;
}

export interface User {
  id: number;
  uuid: string;
  email: string;
  role: UserRole;
  displayName: string | null;
  status: UserStatus;
  createdAt: Date;
  updatedAt: Date;
  /** Set when soft-deleted; the row stays so ledger rows keep their owner. */
  deletedAt: Date | null;
  /** Limits on all of the user's keys together. */
  limits: Limits;
  spend: SpendCounters;
}

/** An API key as listed: never the token, never the hash. */
export interface ApiKey {
  id: number;
  uuid: string;
  userId: number;
  keyPrefix: string;
  name: string | null;
  scopes: string[];
  expiresAt: Date | null;
  revokedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
  limits: Limits;
  spend: SpendCounters;
}

/** What the authenticator needs to verify one candidate key. */
export interface ApiKeyCredential {
  key: ApiKey;
  keyHash: string;
  user: User;
}

export interface NewUser {
  email: string;
  role: UserRole;
  displayName?: string | null;
  limits?: LimitsPatch;
}

export interface UserPatch {
  role?: UserRole;
  displayName?: string | null;
  status?: UserStatus;
  limits?: LimitsPatch;
}

export interface ImportResult {
  created: User[];
  /** Emails that already existed (only with skipExisting). */
  skipped: string[];
}

export interface UserRepository {
  create(user: NewUser): Promise<User>;
  get(id: number): Promise<User | null>;
  findByEmail(email: string): Promise<User | null>;
  list(options?: { includeDeleted?: boolean }): Promise<User[]>;
  update(id: number, patch: UserPatch): Promise<User | null>;
  /** Soft delete, one transaction: status inactive, deleted_at set, every key revoked. Null when absent or already deleted. */
  softDelete(id: number): Promise<User | null>;
  /** The single root admin, or null before `ensureRootAdmin` ran. */
  findRootAdmin(): Promise<User | null>;
  /**
   * Create the single root admin, or rename it to `email` (notes/upstream-tokligence.md §1.7)
   * unless `rename` is false: the placeholder default must never rename an admin an operator
   * named, whichever directory (and so whichever config) a command runs from.
   */
  ensureRootAdmin(email: string, options?: { rename?: boolean }): Promise<User>;
  importUsers(users: NewUser[], options: { skipExisting: boolean }): Promise<ImportResult>;
}

export interface NewApiKey {
  userId: number;
  keyHash: string;
  keyPrefix: string;
  name?: string | null;
  scopes?: string[];
  expiresAt?: Date | null;
  limits?: LimitsPatch;
}

export interface ApiKeyPatch {
  name?: string | null;
  limits?: LimitsPatch;
}

export interface ApiKeyRepository {
  /** A 404 GatewayError when the owner is absent or deleted (checked in the insert's transaction). */
  insert(key: NewApiKey): Promise<ApiKey>;
  get(id: number): Promise<ApiKey | null>;
  listForUser(userId: number): Promise<ApiKey[]>;
  /** Keys whose token starts with `prefix`, with their owner, for verification. */
  findCredentialsByPrefix(prefix: string): Promise<ApiKeyCredential[]>;
  /** Sets revoked_at (idempotent); null when the key does not exist. */
  revoke(id: number): Promise<ApiKey | null>;
  /** Change the name or limits; null when the key does not exist. */
  update(id: number, patch: ApiKeyPatch): Promise<ApiKey | null>;
}

/** One admitted request's reservation on its key's and its user's budgets. */
export interface BudgetReservation {
  /** The model call's request id. */
  id: string;
  apiKeyId: number | null;
  userId: number | null;
  /** Reserved on the key (0: the key has no budget, its counters are left alone). */
  keyMicroUsd: number;
  /** Reserved on the user (0: the user has no budget). */
  userMicroUsd: number;
  /** Current period starts (src/limits/budget-period.ts) of the key's and the user's budgets. */
  keyPeriodStart: Date;
  userPeriodStart: Date;
  now: Date;
  /** After this the sweeper releases the reservation (its process is presumed gone). */
  expiresAt: Date;
}

/** The end of a reserved request: the reservation is released and the actual cost charged. */
export interface BudgetSettlement {
  id: string;
  apiKeyId: number | null;
  userId: number | null;
  /** Whether the key's / the user's counters are kept (they had a budget at admission). */
  chargeKey: boolean;
  chargeUser: boolean;
  /** The ledger row's cost. */
  costMicroUsd: number;
  /**
   * When the request ended: the cost is charged to the period containing it, of the budget
   * period each row has *now* (read in the settling statement), not the one it had at
   * admission: an admin may change the period of a budget while requests are in flight.
   */
  at: Date;
  /**
   * Charge only if the reservation was still there (it is then taken in the same
   * transaction): for a reservation that outlives its request (a native background run), which
   * two replicas may settle at once; the first one charges, the other changes nothing.
   */
  onlyIfReserved?: boolean;
}

/** A reservation that did not fit: which budget, its amount and what was left of it then. */
export interface BudgetExhausted {
  ok: false;
  exhausted: "key" | "user";
  budgetMicroUsd: number;
  /** The budget less the period's spend and the other requests' reservations, never below 0. */
  remainingMicroUsd: number;
}

export interface BudgetRepository {
  /**
   * Atomically (one transaction, on every replica) add the reservation to the key's and the
   * user's reserved amounts if both still fit their budgets, and record it. Which budget was
   * exhausted when it does not fit, with that budget and what was left of it (for the refusal's
   * message: the whole budget is not what is left).
   */
  reserve(reservation: BudgetReservation): Promise<{ ok: true } | BudgetExhausted>;
  /** Release the reservation (if still there) and charge the actual cost. */
  settle(settlement: BudgetSettlement): Promise<void>;
  /** Move a reservation's expiry (a request handed to a background follower); false when it is gone. */
  extend(id: string, expiresAt: Date): Promise<boolean>;
  /** Release reservations that expired before `now` (all of them with `everything`); returns how many. */
  releaseExpired(now: Date, options?: { everything?: boolean }): Promise<number>;
}

/** One ledger row as stored (LedgerEntry flattened, plus cost). */
export interface UsageRow {
  requestId: string;
  /** The client's X-Request-ID, when it sent one. */
  clientRequestId: string | null;
  userId: number | null;
  apiKeyId: number | null;
  endpoint: string;
  clientProtocol: string;
  modelRequested: string;
  modelServed: string | null;
  provider: string | null;
  upstreamProtocol: string | null;
  stream: boolean;
  status: number;
  errorCode: string | null;
  promptTokens: number;
  completionTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  reasoningTokens: number;
  usageEstimated: boolean;
  costMicroUsd: number | null;
  latencyMs: number;
  ttftMs: number | null;
  startedAt: Date;
  createdAt: Date;
}

export interface StoredUsageRow extends UsageRow {
  id: number;
}

/** Where a page of usage rows ended: its last row's sort key. Rows after it are older, or as old with a lower id. */
export interface UsageCursor {
  startedAt: Date;
  id: number;
}

export interface UsageFilter {
  userId?: number;
  /** One API key's rows (a key is reported on its own before it is rotated or revoked). */
  apiKeyId?: number;
  /** Matches the model the client asked for or the one served. */
  model?: string;
  since?: Date;
  /** Exclusive upper bound. */
  until?: Date;
}

export interface UsageTotals {
  requests: number;
  promptTokens: number;
  completionTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  reasoningTokens: number;
  costMicroUsd: number;
  /** Rows without a price (cost unknown, not counted in costMicroUsd). */
  unpricedRequests: number;
  errors: number;
}

export interface UsageGroup extends UsageTotals {
  /** UTC day, YYYY-MM-DD. */
  day: string;
  /** The model the client asked for. */
  model: string;
}

export interface UsageSummary {
  totals: UsageTotals;
  byDayModel: UsageGroup[];
}

export interface UsageRepository {
  /** Insert rows in one statement (one transaction); rows whose request id exists are skipped. */
  insertBatch(rows: UsageRow[]): Promise<void>;
  summary(filter: UsageFilter): Promise<UsageSummary>;
  /** Newest first: by started_at, then id (a total order, so paging with `after` neither skips nor repeats a row). */
  logs(filter: UsageFilter, limit: number, after?: UsageCursor): Promise<StoredUsageRow[]>;
}

/**
 * One stored Responses API exchange (`store` not false): what the client sent, already
 * expanded with the conversation before it, and the response object it got back.
 */
export interface StoredResponseRecord {
  /** The response id the client saw (`resp_…`). */
  id: string;
  /** The owner; null for requests without a user (no user store, tests). */
  userId: number | null;
  /** The model the client asked for. */
  model: string;
  createdAt: Date;
  /** After this instant the record is gone for every reader (retention); null = kept. */
  expiresAt: Date | null;
  /** `{input: items, instructions, ...}`: see src/responses-store/record.ts. */
  request: Record<string, unknown>;
  /** The Responses API response object as the client received it. */
  response: Record<string, unknown>;
}

export interface StoredResponseRepository {
  /** Insert, or replace a record with the same id (an upstream that reuses ids). */
  put(record: StoredResponseRecord): Promise<void>;
  /**
   * Insert, or replace a record whose stored response is still running (status `queued` or
   * `in_progress`); a record in a final state is left as it is. With `writtenBefore`, only a
   * record last written before then is replaced (the orphan sweep: a runner that wrote it again
   * meanwhile is alive). Returns whether it was written.
   */
  putUnlessSettled(record: StoredResponseRecord, writtenBefore?: Date): Promise<boolean>;
  /**
   * Unexpired records of background responses that are still running and were last written
   * before `writtenBefore`: runs an OpenAI upstream runs that nobody follows
   * (`request.native_background`), and runs a gateway process ran and stopped writing
   * (`request.gateway_background`, proxy/background.ts).
   */
  orphanedBackground(writtenBefore: Date, now: Date, limit: number): Promise<StoredResponseRecord[]>;
  /** The record if it exists, belongs to `userId` (null matches null only) and has not expired at `now`. */
  get(id: string, userId: number | null, now: Date): Promise<StoredResponseRecord | null>;
  /**
   * For each of `itemIds`, one record visible to `userId` at `now` (same rules as `get`) that
   * holds an item of that id (`stored_response_items`, exact): one holding it in its output
   * first, then the newest. Newest first. An `item_reference` resolves from them
   * (responses-store/item-references.ts).
   */
  holdersOfItems(itemIds: string[], userId: number | null, now: Date): Promise<StoredResponseRecord[]>;
  /** Delete a visible record (same rules as `get`); false when there was none. */
  delete(id: string, userId: number | null, now: Date): Promise<boolean>;
  /** Delete every record expired at `now`; returns how many. */
  purgeExpired(now: Date): Promise<number>;
}

export interface Store {
  readonly dialect: Dialect;
  /** Where the data lives, safe to print (a URL has its password removed). */
  readonly location: string;
  readonly users: UserRepository;
  readonly apiKeys: ApiKeyRepository;
  readonly budgets: BudgetRepository;
  readonly usage: UsageRepository;
  readonly responses: StoredResponseRepository;
  migrate(): Promise<MigrationResult>;
  migrationStatus(): Promise<MigrationStatus>;
  close(): Promise<void>;
}
