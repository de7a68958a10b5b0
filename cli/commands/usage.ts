/** `gateway usage`: totals by day and model, then the most recent ledger rows. */
import type { CommandModule } from "yargs";
import { GatewayError } from "../../src/errors/gateway-error";
import { readEveryUsagePage, readUsagePage, type UsagePage } from "../../src/ledger/usage-pages";
import { assertTimeOrder, parseId, parseLimit, parseTimeBound, parseUsageCursor } from "../../src/ledger/usage-query";
import type { ApiKey, Store, StoredUsageRow, UsageCursor, UsageFilter } from "../../src/store/types";
import { toUsageRowJson, toUsageSummaryJson } from "../../src/store/wire-format";
import { formatTable } from "../format-table";
import { type CliContext, runWithStore } from "../ledger-context";
import { type ConfigArgs, withConfigOptions } from "../shared-options";
import { resolveUserRef } from "./admin-users";
import { readUsageOutputFormat, writeUsageCsv } from "./usage-csv-output";

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

/** Every row from `after` on, held for the table or JSON (CSV streams instead: writeUsageCsv). */
async function readAllPages(store: Store, filter: UsageFilter, after: UsageCursor | undefined): Promise<UsagePage> {
  const rows: StoredUsageRow[] = [];
  for await (const page of readEveryUsagePage(store.usage, filter, after)) rows.push(...page);
  return { rows, nextCursor: null };
}

export function createUsageCommand(ctx: CliContext): CommandModule<object, Args> {
  return {
    command: "usage",
    describe: "usage summary (by day and model) and recent ledger rows",
    builder: (yargs) =>
      withConfigOptions(yargs)
        .option("json", { type: "boolean", describe: "machine-readable output (as --format json)" })
        .option("format", { type: "string", choices: ["table", "json", "csv"], describe: "table (default), json, or csv: the ledger rows only, RFC 4180, every matching row unless --limit is given" })
        .option("user", { type: "string", describe: "only this user (id or email)" })
        .option("key", { type: "string", describe: "only this API key (its id, as `admin api-keys list` shows)" })
        .option("model", { type: "string", describe: "only this model (asked for or served)" })
        .option("since", { type: "string", describe: "from (ISO 8601, Unix seconds, or 7d/12h back)" })
        .option("until", { type: "string", describe: "before (same forms)" })
        // No yargs default: CSV tells "no --limit" (every row) from "--limit 20".
        .option("limit", { type: "number", describe: "recent rows to show (default 20; 0 for none); the next page's cursor is printed when there are more" })
        .option("after", { type: "string", describe: "the rows after this cursor (next_cursor of the previous page, same filters)" })
        .option("all", { type: "boolean", describe: "every matching row, newest first, read page by page (instead of --limit)" }) as never,
    handler: (args) =>
      runWithStore(ctx, args, async (store) => {
        const format = readUsageOutputFormat(args);
        if (format === "json") args.json = true;
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
        const after = parseUsageCursor(args.after as string | undefined, "--after");
        if (format === "csv") return writeUsageCsv(ctx, store, filter, { limit: args.limit as number | undefined, after, all: args.all === true });
        const limit = args.limit === 0 ? 0 : parseLimit(args.limit as number | undefined, 20, 10_000, "--limit");
        if (limit === 0 && (args.all || after)) throw new GatewayError("invalid_request", 400, `--limit 0 shows no rows: leave it out with ${args.all ? "--all" : "--after"}`);
        const summary = toUsageSummaryJson(await store.usage.summary(filter));
        const page: UsagePage = limit === 0 ? { rows: [], nextCursor: null } : args.all ? await readAllPages(store, filter, after) : await readUsagePage(store.usage, filter, limit, after);
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
