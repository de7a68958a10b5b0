/**
 * Admission and settlement of requests whose key or owner has limits (README "Limits and
 * budgets"). Only such requests get here: the route checks `principal.limits` first, so a key
 * without limits, and every request with auth off and no key, pays nothing (no await, no
 * database round trip).
 *
 * Admission: a slot in the rate windows (this replica's memory, or Redis shared by every replica
 * when limits.redis_url is set: shared-rate-windows.ts), then, for a budget, one
 * transaction that reserves the request's worst-case cost on the key and on its owner if it
 * still fits (store/budget-repository-*.ts). Settlement, when the request's ledger row is
 * written (success, failure, the client leaving, a stopping gateway): the reservation is
 * released and the row's cost charged. Reservations of a process that died are released by
 * the sweeper once they expire (reservation-sweeper.ts).
 */
import { GatewayError } from "../errors/gateway-error";
import { loadEstimators } from "../ledger/estimators-lazy";
import { computeCostMicroUsd, type PriceTable } from "../ledger/price-table";
import { toUsageRow } from "../ledger/to-usage-row";
import type { LedgerEntry } from "../ledger/types";
import { countsTokens } from "../proxy/operation";
import { newRequestId } from "../proxy/request-id";
import type { ModelRequest } from "../proxy/types";
import type { ResolvedRoute } from "../routing/router";
import { databaseUnavailableError, isDatabaseUnreachable } from "../store/database-unreachable";
import type { BudgetPeriod, BudgetRepository, Limits } from "../store/types";
import { periodEndOf, periodStartOf } from "./budget-period";
import { formatUsd } from "./format-usd";
import { outputCapOf } from "./output-cap";
import type { OutputCeiling } from "./output-ceiling";
import { type RateSlot, type RateSubject, RateWindows } from "./rate-windows";
import type { SharedRateWindows } from "./shared-rate-windows";
import { settleWithRetries } from "./settle-with-retries";

export interface RequestLimitsOptions {
  budgets: BudgetRepository;
  prices: PriceTable;
  /** Output tokens reserved for a request that names no cap to a model whose largest output is not known (limits.default_output_tokens). */
  defaultOutputTokens: number;
  /** The largest output of a route target, when known (output-ceiling.ts): bounds every reservation's output. */
  outputCeiling: OutputCeiling;
  /** How long a reservation is held before the sweeper may release it (limits.reservation_ttl_seconds). */
  reservationTtlMs: number;
  logger: { error(object: object, message: string): void; warn(object: object, message: string): void };
  /** RPM/TPM windows shared through Redis (limits.redis_url); without it each replica keeps its own. */
  sharedWindows?: SharedRateWindows;
  now?: () => number;
}

/** An admitted request's hold on its limits, settled once with its ledger row. */
export interface Admission {
  settle(entry: LedgerEntry): Promise<void>;
  /**
   * Instead of settling: keep the budget reservation past the request, until `untilMs` (plus
   * the usual TTL), for whoever writes its real row later, on any replica or after a restart
   * (a native background run: native-background.ts). Undefined when there is no reservation to
   * keep, or it could not be kept (the request is then settled with `entry`, as before).
   */
  handOver(entry: LedgerEntry, untilMs: number): Promise<HeldLimits | undefined>;
  /**
   * Instead of settling, for a request admitted ahead of its model call that never made one (a
   * background run refused before it reached the call): the reservation is released at no
   * cost, and no tokens are counted. Its ledger row is written by whoever refused it.
   */
  release(): Promise<void>;
}

/**
 * What a request hands over past its end (`Admission.handOver`), as JSON kept with the run: its
 * budget reservation, and the rate subjects (`k:<key id>`, `u:<user id>`) whose token-per-minute
 * window gets the run's final tokens when its row is written (`settleHeld`), on that replica.
 */
export interface HeldLimits {
  budget?: HeldBudget;
  tpmSubjects?: string[];
}

/** A budget reservation handed over past its request, as JSON (kept in a stored response). */
export interface HeldBudget {
  id: string;
  apiKeyId: number | null;
  userId: number | null;
  chargeKey: boolean;
  chargeUser: boolean;
  keyPeriod: BudgetPeriod | null;
  userPeriod: BudgetPeriod | null;
}

export class RequestLimits {
  private readonly windows = new RateWindows();
  private readonly now: () => number;

  constructor(private readonly options: RequestLimitsOptions) {
    this.now = options.now ?? Date.now;
  }

  /** Admit the request or throw 429 (`rate_limit_exceeded`, `budget_exceeded`), 403 (`model_not_priced`) or 503 (`database_unavailable`). */
  async admit(request: ModelRequest, route: ResolvedRoute, estimateBody: Record<string, unknown> = request.body): Promise<Admission | undefined> {
    const limits = request.principal.limits;
    // count_tokens (and Responses input_tokens) costs nothing and Claude Code sends it constantly: it is neither rate limited nor reserved.
    if (!limits || countsTokens(request.operation)) return undefined;
    const { apiKeyId, userId } = request.principal;
    const keyBudget = limits.key?.budgetMicroUsd != null && apiKeyId !== null;
    const userBudget = limits.user?.budgetMicroUsd != null && userId !== null;
    if ((keyBudget || userBudget) && request.principal.verifiedFromMemoryAt) throw budgetNeedsDatabaseError(keyBudget ? "API key" : "user");
    const now = this.now();
    const subjects: RateSubject[] = [];
    if (limits.key && apiKeyId !== null && hasRate(limits.key)) subjects.push({ id: `k:${apiKeyId}`, rpm: limits.key.rpmLimit, tpm: limits.key.tpmLimit });
    if (limits.user && userId !== null && hasRate(limits.user)) subjects.push({ id: `u:${userId}`, rpm: limits.user.rpmLimit, tpm: limits.user.tpmLimit });
    // Only a request with a rate limit, and only with Redis configured, waits for Redis here.
    const shared = this.options.sharedWindows;
    const slot = subjects.length === 0 ? undefined : shared ? await shared.take(subjects, now) : this.windows.take(subjects, now);
    // A handed-over run's tokens count when it ends, with its final usage, not at its creation
    // with the estimate of a `queued` answer (which has no output yet).
    const tpmSubjects = subjects.filter((subject) => subject.tpm !== null).map((subject) => subject.id);
    const heldTokens = tpmSubjects.length > 0 ? { tpmSubjects } : {};
    if (!keyBudget && !userBudget) return slot && { settle: async (entry) => void this.countTokens(slot, entry), handOver: async () => (tpmSubjects.length > 0 ? heldTokens : undefined), release: async () => {} };
    // Its own id, not the request's: a client may reuse its X-Request-ID, and the Responses
    // features make several model calls for one request.
    const reservationId = newRequestId();
    try {
      await this.reserve(reservationId, request, estimateBody, route, limits.key, limits.user, keyBudget, userBudget, now);
    } catch (error) {
      slot?.giveBack(); // refused: it does not count against the request rate
      throw error;
    }
    const held: HeldBudget = { id: reservationId, apiKeyId, userId, chargeKey: keyBudget, chargeUser: userBudget, keyPeriod: limits.key?.budgetPeriod ?? null, userPeriod: limits.user?.budgetPeriod ?? null };
    const settle = async (entry: LedgerEntry) => this.settleBudget(held, this.countTokens(slot, entry), false);
    return {
      settle,
      release: () => this.settleBudget(held, 0, false),
      handOver: async (entry, untilMs) => {
        try {
          if (await this.options.budgets.extend(reservationId, new Date(untilMs + this.options.reservationTtlMs))) return { budget: held, ...heldTokens };
        } catch (error) {
          this.options.logger.warn({ err: error, requestId: entry.requestId }, "keeping a background response's budget reservation failed; it is settled now with the creation's cost");
        }
        await settle(entry);
        return undefined;
      },
    };
  }

  /**
   * Settle what `handOver` kept with the row its request finally got: the row's tokens enter
   * the TPM windows of the held subjects (this replica's, or the shared ones), and the budget
   * reservation is charged its cost. Only a reservation still there is charged: two replicas
   * that both settle a run charge it once (their tokens each count, erring on the strict side).
   */
  async settleHeld(held: HeldLimits, entry: LedgerEntry): Promise<void> {
    const at = this.now();
    const row = toUsageRow(entry, this.options.prices, new Date(at));
    if (held.tpmSubjects) (this.options.sharedWindows ?? this.windows).addTokens(held.tpmSubjects, row.promptTokens + row.completionTokens, at);
    if (held.budget) await this.settleBudget(held.budget, row.costMicroUsd, true);
  }

  private async settleBudget(held: HeldBudget, cost: number | null, onlyIfReserved: boolean): Promise<void> {
    const at = new Date(this.now());
    await settleWithRetries(this.options.budgets, this.options.logger, {
      id: held.id,
      apiKeyId: held.apiKeyId,
      userId: held.userId,
      chargeKey: held.chargeKey,
      chargeUser: held.chargeUser,
      costMicroUsd: cost ?? 0,
      at,
      ...(onlyIfReserved ? { onlyIfReserved } : {}),
    });
  }

  /** Add the row's tokens to the rate windows; returns its cost (null when unpriced), computed exactly as the ledger does. */
  private countTokens(slot: RateSlot | undefined, entry: LedgerEntry): number | null {
    const row = toUsageRow(entry, this.options.prices, new Date(this.now()));
    slot?.addTokens(row.promptTokens + row.completionTokens, this.now());
    return row.costMicroUsd;
  }

  private async reserve(id: string, request: ModelRequest, body: Record<string, unknown>, route: ResolvedRoute, key: Limits | null, user: Limits | null, keyBudget: boolean, userBudget: boolean, nowMs: number): Promise<void> {
    const amount = await this.worstCaseCost(request.operation, body, route);
    const now = new Date(nowMs);
    let result: Awaited<ReturnType<BudgetRepository["reserve"]>>;
    try {
      result = await this.options.budgets.reserve({
        id,
        apiKeyId: request.principal.apiKeyId,
        userId: request.principal.userId,
        keyMicroUsd: keyBudget ? amount : 0,
        userMicroUsd: userBudget ? amount : 0,
        keyPeriodStart: periodStartOf(key?.budgetPeriod ?? null, now),
        userPeriodStart: periodStartOf(user?.budgetPeriod ?? null, now),
        now,
        expiresAt: new Date(nowMs + this.options.reservationTtlMs),
      });
    } catch (error) {
      if (!isDatabaseUnreachable(error)) throw error;
      throw databaseUnavailableError("the gateway cannot reach its database to check the budget; try again shortly", error);
    }
    if (result.ok) return;
    const limits = result.exhausted === "key" ? key : user;
    const resetsAt = periodEndOf(limits?.budgetPeriod ?? null, now);
    const scope = result.exhausted === "key" ? "API key" : "user";
    const when = resetsAt ? ` until ${resetsAt.toISOString()}, when its ${limits?.budgetPeriod} budget resets,` : "";
    // What is left, read in the refusing transaction: the budget alone told a key with 10 cents
    // left of $1 that it had $1.00.
    const left = `only ${formatUsd(result.remainingMicroUsd)} is left of its ${formatUsd(result.budgetMicroUsd)} ${limits?.budgetPeriod ?? "lifetime"} budget`;
    throw new GatewayError(
      "budget_exceeded",
      429,
      `${scope} budget exhausted: this request may cost up to ${formatUsd(amount)} and ${left}; retrying will not help${when} unless an admin raises the budget`,
      resetsAt ? { retryAfter: Math.max(1, Math.ceil((resetsAt.getTime() - nowMs) / 1000)) } : {},
    );
  }

  /**
   * The most the request can cost: its estimated prompt plus its output cap, at the dearest
   * among the route's targets (failover may serve it from any; each target's output is bounded
   * by its own model's largest output, output-cap.ts). A target without a price is refused: its
   * cost would be unknown, and a budget that lets unknown costs through is not a limit (LiteLLM
   * counted them as 0, which is how budgets were bypassed).
   */
  private async worstCaseCost(operation: ModelRequest["operation"], body: Record<string, unknown>, route: ResolvedRoute): Promise<number> {
    const priced = route.targets.map((target) => ({ target, price: this.options.prices.find(target.upstreamModel) }));
    const unpriced = priced.find((entry) => entry.price === null);
    if (unpriced) {
      throw new GatewayError("model_not_priced", 403, `model ${unpriced.target.upstreamModel} has no price in the gateway's price table, so a request with a budget cannot be admitted; ask the operator to add it (ledger.prices_file; a free model gets price 0)`);
    }
    const estimators = await loadEstimators();
    const inputTokens = estimators.estimateInputTokens(operation, body);
    const bounds = { ceilingOf: this.options.outputCeiling, fallback: this.options.defaultOutputTokens };
    const costOn = ({ target, price }: (typeof priced)[number]) =>
      computeCostMicroUsd(price!, { inputTokens, outputTokens: outputCapOf(operation, body, target, bounds), cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 });
    // An absurd cap (`max_tokens: 1e17`) made an amount past PostgreSQL's bigint, and the
    // reservation a 500. Bounded here, far above any budget (parse-limits.ts caps them at $1M),
    // so such a request is still refused as over budget.
    return Math.min(Number.MAX_SAFE_INTEGER, Math.max(0, ...priced.map(costOn)));
  }
}

/**
 * A key accepted from memory while PostgreSQL is away (auth/fail-static-key-checks.ts) whose key
 * or owner has a budget: refused, not admitted without a reservation. The reservation and the
 * spend counters live only in the database, and spend admitted without a reservation is never
 * added to them later (settlement charges a reservation; the spilled ledger row does not), so
 * "fail open" would let every replica spend past the budget for the whole outage and leave that
 * spend out of the budget for good. A per-replica local cap would still multiply by the replicas
 * and be forgotten by a restart. A budget is a promise about money: it fails closed. The refusal
 * is the retryable 503 the key check itself gives while the database is away.
 */
function budgetNeedsDatabaseError(scope: "API key" | "user"): GatewayError {
  return databaseUnavailableError(`the gateway cannot reach its database, which keeps this ${scope}'s budget; requests with a budget are refused until it is back (keys without a budget are still served); try again shortly`, undefined);
}

function hasRate(limits: Limits): boolean {
  return limits.rpmLimit !== null || limits.tpmLimit !== null;
}
