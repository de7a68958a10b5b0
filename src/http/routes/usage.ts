/**
 * Usage API. `/api/v1/usage/*` report the caller's own usage (the original reported a
 * process-global account instead, upstream notes §1.7); `/api/v1/admin/usage/*` report any
 * user's, for admin keys only. Filters: api_key_id, model, since, until (and user_id for admins);
 * summaries are grouped by UTC day and requested model.
 */
import { type AnyElysia, Elysia } from "elysia";
import type { GatewayAuthenticator } from "../../auth/authenticator";
import { hasScope } from "../../auth/authenticator";
import { GatewayError } from "../../errors/gateway-error";
import { readEveryUsagePage, readUsagePage } from "../../ledger/usage-pages";
import { assertTimeOrder, parseId, parseLimit, parseTimeBound, parseUsageCursor } from "../../ledger/usage-query";
import type { Store, UsageFilter } from "../../store/types";
import { toBudgetJson, toLimitsJson, toUsageRowJson, toUsageSummaryJson } from "../../store/wire-format";
import { answerWithErrors, jsonResponse, type UnexpectedErrorHandler, principalOrThrow } from "../api-response";
import { csvExportResponse, csvPageResponse, readUsageLogFormat } from "../usage-csv-response";

export interface UsageRouteDeps {
  store: Store;
  auth: GatewayAuthenticator;
  /** Called once for each request answered with a 5xx (a bug, the database away), with the cause to log. */
  onUnexpectedError?: UnexpectedErrorHandler;
  /** Runs before every read: the daemon moves journaled ledger rows into the database first. */
  beforeRead?: () => Promise<void>;
}

const DEFAULT_LOG_LIMIT = 20;
const detail = { tags: ["Admin"] };

/**
 * The query parameters these routes read. Any other is a 400: a misspelt filter (`userid=7`,
 * `key=3`) was ignored, and the answer silently reported every user's usage as if it were one's.
 */
const KNOWN_PARAMS = new Set(["user_id", "api_key_id", "model", "since", "until", "limit"]);

/** The filters a caller's own routes take: `user_id` is the admin's, and is refused there rather than silently replaced by the caller's id. */
const OWN_PARAMS = new Set([...KNOWN_PARAMS].filter((name) => name !== "user_id"));

/** The logs routes also take `after`, the cursor of the next page (the summaries have no pages), and `format` (json or csv). */
const withCursor = (known: Set<string>) => new Set([...known, "after", "format"]);
const ADMIN_LOG_PARAMS = withCursor(KNOWN_PARAMS);
const OWN_LOG_PARAMS = withCursor(OWN_PARAMS);

function filterFrom(query: URLSearchParams, known: Set<string>): UsageFilter {
  for (const [name, value] of query) {
    if (!known.has(name)) {
      const hint = name === "user_id" ? " (user_id is an admin filter: /api/v1/admin/usage/…)" : ` (known: ${[...known].join(", ")})`;
      throw new GatewayError("invalid_request", 400, `unknown query parameter ${JSON.stringify(name)}${hint}`, { param: name });
    }
    // `?user_id=$UNSET` from a script reported every user's usage as if it were one's: an empty filter is a typo, not "all".
    if (value.trim() === "") throw new GatewayError("invalid_request", 400, `${name} is empty: give a value or leave the parameter out`, { param: name });
  }
  const filter: UsageFilter = {};
  const apiKeyId = query.get("api_key_id");
  if (apiKeyId) filter.apiKeyId = parseId(apiKeyId, "api_key_id");
  const model = query.get("model");
  if (model) filter.model = model;
  const since = parseTimeBound(query.get("since") ?? undefined, "since");
  const until = parseTimeBound(query.get("until") ?? undefined, "until");
  assertTimeOrder(since, until, { since: "since", until: "until" });
  if (since) filter.since = since;
  if (until) filter.until = until;
  return filter;
}

function echoFilter(filter: UsageFilter) {
  return { user_id: filter.userId ?? null, api_key_id: filter.apiKeyId ?? null, model: filter.model ?? null, since: filter.since?.toISOString() ?? null, until: filter.until?.toISOString() ?? null };
}

export function createUsageRoutes(deps: UsageRouteDeps): AnyElysia {
  const { store, auth } = deps;

  /**
   * An unknown user or key is a 404, as in `gateway usage`: an empty report for a mistyped id
   * looks like an idle user or key. A key of another user is unknown on the caller's own routes.
   * Deleted users are known: the ledger keeps their history.
   */
  const requireKnownIds = async (filter: UsageFilter, asAdmin: boolean): Promise<void> => {
    if (filter.apiKeyId !== undefined) {
      const key = await store.apiKeys.get(filter.apiKeyId);
      const elsewhere = key !== null && filter.userId !== undefined && key.userId !== filter.userId;
      if (!key || elsewhere) throw new GatewayError("not_found", 404, `api key ${filter.apiKeyId} not found${elsewhere && asAdmin ? ` for user ${filter.userId}` : ""}`, { param: "api_key_id" });
    }
    if (asAdmin && filter.userId !== undefined && !(await store.users.get(filter.userId))) throw new GatewayError("not_found", 404, `user ${filter.userId} not found`, { param: "user_id" });
  };

  /** The caller's own filter: their user id (a user_id parameter is refused, not replaced). */
  const ownFilter = async (request: Request, known = OWN_PARAMS): Promise<{ filter: UsageFilter; query: URLSearchParams }> => {
    const principal = principalOrThrow(await auth.authenticate(request.headers));
    if (!hasScope(principal, "usage")) throw new GatewayError("forbidden", 403, "this key lacks the usage scope");
    if (principal.userId === null) throw new GatewayError("unauthorized", 401, "usage needs a known user");
    const query = new URL(request.url).searchParams;
    const filter: UsageFilter = { ...filterFrom(query, known), userId: principal.userId };
    await requireKnownIds(filter, false);
    return { filter, query };
  };

  const adminFilter = async (request: Request, known = KNOWN_PARAMS): Promise<{ filter: UsageFilter; query: URLSearchParams }> => {
    principalOrThrow(await auth.authenticateAdmin(request.headers));
    const query = new URL(request.url).searchParams;
    const filter = filterFrom(query, known);
    const userId = query.get("user_id");
    if (userId) filter.userId = parseId(userId, "user_id");
    await requireKnownIds(filter, true);
    return { filter, query };
  };

  const summary = (scope: typeof ownFilter) => ({ request }: { request: Request }) =>
    answerWithErrors(async () => {
      const { filter } = await scope(request);
      await deps.beforeRead?.();
      return jsonResponse(200, { filter: echoFilter(filter), ...toUsageSummaryJson(await store.usage.summary(filter)) });
    }, deps.onUnexpectedError);

  /**
   * Newest first, `limit` rows a page. `has_more` and `next_cursor` (null on the last page) are
   * added beside `entries`; `?after=<next_cursor>` with the same filters gives the next page.
   * As CSV (usage-csv-response.ts): the page `limit` asks for, or without `limit` every row.
   */
  const logs = (scope: typeof ownFilter, known: Set<string>) => ({ request }: { request: Request }) =>
    answerWithErrors(async () => {
      const { filter, query } = await scope(request, known);
      const format = readUsageLogFormat(query, request.headers.get("accept"));
      const limitParam = query.get("limit") ?? undefined;
      const limit = parseLimit(limitParam, DEFAULT_LOG_LIMIT);
      const after = parseUsageCursor(query.get("after") ?? undefined, "after");
      await deps.beforeRead?.();
      if (format === "csv" && limitParam === undefined) return csvExportResponse(readEveryUsagePage(store.usage, filter, after), deps.onUnexpectedError);
      const page = await readUsagePage(store.usage, filter, limit, after);
      if (format === "csv") return csvPageResponse(page);
      return jsonResponse(200, { filter: echoFilter(filter), entries: page.rows.map(toUsageRowJson), has_more: page.nextCursor !== null, next_cursor: page.nextCursor });
    }, deps.onUnexpectedError);

  /** The caller's own limits and what its key's and its user's budgets have left (no query parameters). */
  const ownBudget = ({ request }: { request: Request }) =>
    answerWithErrors(async () => {
      const principal = principalOrThrow(await auth.authenticate(request.headers));
      if (!hasScope(principal, "usage")) throw new GatewayError("forbidden", 403, "this key lacks the usage scope");
      if (principal.userId === null) throw new GatewayError("unauthorized", 401, "usage needs a known user");
      for (const name of new URL(request.url).searchParams.keys()) throw new GatewayError("invalid_request", 400, `unknown query parameter ${JSON.stringify(name)} (this route takes none)`, { param: name });
      const [key, user] = await Promise.all([principal.apiKeyId === null ? null : store.apiKeys.get(principal.apiKeyId), store.users.get(principal.userId)]);
      const now = new Date();
      return jsonResponse(200, {
        api_key: key && { id: key.id, key_prefix: key.keyPrefix, limits: toLimitsJson(key.limits), budget: toBudgetJson(key.limits, key.spend, now) },
        user: user && { id: user.id, email: user.email, limits: toLimitsJson(user.limits), budget: toBudgetJson(user.limits, user.spend, now) },
      });
    }, deps.onUnexpectedError);

  return new Elysia({ name: "usage-routes" })
    .get("/api/v1/usage/budget", ownBudget, { detail: { ...detail, summary: "Your limits and the budget left on your key and your user" } })
    .get("/api/v1/usage/summary", summary(ownFilter), { detail: { ...detail, summary: "Your usage: totals and by day and model" } })
    .get("/api/v1/usage/logs", logs(ownFilter, OWN_LOG_PARAMS), { detail: { ...detail, summary: "Your most recent ledger rows (?limit=, default 20; ?after=<next_cursor> for the next page; ?format=csv for CSV, every row without limit)" } })
    .get("/api/v1/admin/usage/summary", summary(adminFilter), { detail: { ...detail, summary: "Usage across users (?user_id&api_key_id&model&since&until)" } })
    .get("/api/v1/admin/usage/logs", logs(adminFilter, ADMIN_LOG_PARAMS), { detail: { ...detail, summary: "Ledger rows across users (?user_id&api_key_id&model&since&until&limit&after&format=json|csv)" } });
}
