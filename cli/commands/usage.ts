/** `gateway usage`: totals by day and model, then the most recent ledger rows. */
import type { CommandModule } from "yargs";
import { GatewayError } from "../../src/errors/gateway-error";
import { assertTimeOrder, encodeUsageCursor, parseId, parseLimit, parseTimeBound, parseUsageCursor } from "../../src/ledger/usage-query";
import type { ApiKey, Store, StoredUsageRow, UsageCursor, UsageFilter } from "../../src/store/types";
import { toUsageRowJson, toUsageSummaryJson } from "../../src/store/wire-format";
import { formatTable } from "../format-table";
import { type CliContext, runWithStore } from "../ledger-context";
import { type ConfigArgs, withConfigOptions } from "../shared-options";
import { resolveUserRef } from "./admin-users";

type Args = ConfigArgs & Record<string, unknown>;

const GROUP_COLUMNS = ["day", "model", "requests", "prompt_tokens", "completion_tokens", "cache_read_tokens", "cost_usd", "errors"];
const ROW_COLUMNS = ["started_at", "user_id", "api_key_id", "endpoint", "model_requested", "model_served", "status", "prompt_tokens", "completion_tokens", "cost_micro_usd", "latency_ms"];

/** A key by its id; an unknown one is an error, not an empty report that looks like an idle key. */
async function resolveKeyRef(store: Store, ref: string): Promise<ApiKey> {
  const id = parseId(ref, "--key");
  const key = await store.apiKeys.get(id);
  if (!key) throw new GatewayError("not_found", 404, `api key ${id} not found`);
  return key;
}

/** Rows a page when `--all` walks every page: the API's largest page. */
const ALL_PAGE_SIZE = 1000;

interface LogsPage {
  rows: StoredUsageRow[];
  /** The cursor of the page after this one; null when this is the last. */
  nextCursor: string | null;
}

/** One page of `limit` rows after `after` (one row more is read to know whether another page follows). */
async function readPage(store: Store, filter: UsageFilter, limit: number, after: UsageCursor | undefined): Promise<LogsPage> {
  const rows = await store.usage.logs(filter, limit + 1, after);
  const page = rows.slice(0, limit);
  return { rows: page, nextCursor: rows.length > limit ? encodeUsageCursor(page.at(-1)!) : null };
}

/** Every row from `after` on, a page at a time: exact where `--until` steps would drop rows sharing a millisecond. */
async function readAllPages(store: Store, filter: UsageFilter, after: UsageCursor | undefined): Promise<LogsPage> {
  const rows: StoredUsageRow[] = [];
  let cursor = after;
  for (;;) {
    const page = await store.usage.logs(filter, ALL_PAGE_SIZE, cursor);
    rows.push(...page);
    if (page.length < ALL_PAGE_SIZE) return { rows, nextCursor: null };
    const last = page.at(-1)!;
    cursor = { startedAt: last.startedAt, id: last.id };
  }
}

export function createUsageCommand(ctx: CliContext): CommandModule<object, Args> {
  return {
    command: "usage",
    describe: "usage summary (by day and model) and recent ledger rows",
    builder: (yargs) =>
      withConfigOptions(yargs)
        .option("json", { type: "boolean", describe: "machine-readable output" })
        .option("user", { type: "string", describe: "only this user (id or email)" })
        .option("key", { type: "string", describe: "only this API key (its id, as `admin api-keys list` shows)" })
        .option("model", { type: "string", describe: "only this model (asked for or served)" })
        .option("since", { type: "string", describe: "from (ISO 8601, Unix seconds, or 7d/12h back)" })
        .option("until", { type: "string", describe: "before (same forms)" })
        .option("limit", { type: "number", default: 20, describe: "recent rows to show (0 for none); the next page's cursor is printed when there are more" })
        .option("after", { type: "string", describe: "the rows after this cursor (next_cursor of the previous page, same filters)" })
        .option("all", { type: "boolean", describe: "every matching row, newest first, read page by page (instead of --limit)" }) as never,
    handler: (args) =>
      runWithStore(ctx, args, async (store) => {
        const filter: UsageFilter = {};
        if (args.user !== undefined) filter.userId = (await resolveUserRef(store, args.user as string, { includeDeleted: true })).id;
        if (args.key !== undefined) {
          const key = await resolveKeyRef(store, args.key as string);
          // An empty report for a key and a user that do not go together looks like an idle key.
          if (filter.userId !== undefined && key.userId !== filter.userId) throw new GatewayError("not_found", 404, `api key ${key.id} does not belong to user ${args.user}`);
          filter.apiKeyId = key.id;
        }
        if (args.model !== undefined) filter.model = String(args.model);
        const since = parseTimeBound(args.since as string | undefined, "--since");
        const until = parseTimeBound(args.until as string | undefined, "--until");
        assertTimeOrder(since, until, { since: "--since", until: "--until" });
        if (since) filter.since = since;
        if (until) filter.until = until;
        const limit = args.limit === 0 ? 0 : parseLimit(args.limit as number, 20, 10_000, "--limit");
        const after = parseUsageCursor(args.after as string | undefined, "--after");
        if (limit === 0 && (args.all || after)) throw new GatewayError("invalid_request", 400, `--limit 0 shows no rows: leave it out with ${args.all ? "--all" : "--after"}`);
        const summary = toUsageSummaryJson(await store.usage.summary(filter));
        const page: LogsPage = limit === 0 ? { rows: [], nextCursor: null } : args.all ? await readAllPages(store, filter, after) : await readPage(store, filter, limit, after);
        const entries = page.rows.map(toUsageRowJson);
        if (args.json) {
          ctx.out(JSON.stringify({ ...summary, entries, has_more: page.nextCursor !== null, next_cursor: page.nextCursor }, null, 2));
          return;
        }
        const t = summary.totals;
        ctx.out(`requests ${t.requests}  prompt ${t.prompt_tokens}  completion ${t.completion_tokens}  cache read ${t.cache_read_tokens}  cache write ${t.cache_write_tokens}  cost $${t.cost_usd.toFixed(6)}${t.unpriced_requests ? ` (+${t.unpriced_requests} unpriced)` : ""}  errors ${t.errors}`);
        ctx.out("");
        for (const line of formatTable(summary.by_day_model, GROUP_COLUMNS)) ctx.out(line);
        if (limit > 0) {
          ctx.out("");
          for (const line of formatTable(entries, ROW_COLUMNS)) ctx.out(line);
          if (page.nextCursor) ctx.out(`\nmore rows: --after ${page.nextCursor} (or --all)`);
        }
      }),
  };
}
