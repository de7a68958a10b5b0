/**
 * `gateway usage --format csv`: the ledger rows as CSV on stdout (src/ledger/usage-csv.ts: RFC
 * 4180, the JSON export's fields, formula-guarded text), without the summary, so the output is
 * one CSV file. Without --limit every matching row is written, a database page at a time, never
 * all held at once (`--all` says the same). With --limit it is that page, and the next page's
 * cursor goes to stderr so stdout stays pure CSV.
 */
import { GatewayError } from "../../src/errors/gateway-error";
import { formatUsageCsvHeader, formatUsageCsvRows } from "../../src/ledger/usage-csv";
import { readEveryUsagePage, readUsagePage } from "../../src/ledger/usage-pages";
import { parseLimit } from "../../src/ledger/usage-query";
import type { Store, UsageCursor, UsageFilter } from "../../src/store/types";
import type { CliContext } from "../ledger-context";

export type UsageOutputFormat = "table" | "json" | "csv";

/** --format, with --json as its older spelling; the two disagreeing is an error, not a guess. */
export function readUsageOutputFormat(args: { format?: unknown; json?: unknown }): UsageOutputFormat {
  const format = (args.format as UsageOutputFormat | undefined) ?? (args.json ? "json" : "table");
  if (args.json && format !== "json") throw new GatewayError("invalid_request", 400, `--json and --format ${format} disagree: give one`);
  return format;
}

/**
 * ctx.out ends each call with a newline: a chunk of CSV records is written without its last
 * line end's "\n", so every record still ends with CRLF (RFC 4180 §2).
 */
function writeCsvChunk(ctx: CliContext, text: string): void {
  if (text) ctx.out(text.slice(0, -1));
}

export async function writeUsageCsv(ctx: CliContext, store: Store, filter: UsageFilter, options: { limit: number | undefined; after: UsageCursor | undefined; all: boolean }): Promise<void> {
  if (options.all && options.limit !== undefined) throw new GatewayError("invalid_request", 400, "--all and --limit disagree: give one (CSV without --limit is every row)");
  if (options.limit === 0) throw new GatewayError("invalid_request", 400, "--limit 0 writes no rows: leave --limit out for every row");
  writeCsvChunk(ctx, formatUsageCsvHeader());
  if (options.limit === undefined) {
    for await (const rows of readEveryUsagePage(store.usage, filter, options.after)) writeCsvChunk(ctx, formatUsageCsvRows(rows));
    return;
  }
  const page = await readUsagePage(store.usage, filter, parseLimit(options.limit, 20, 10_000, "--limit"), options.after);
  writeCsvChunk(ctx, formatUsageCsvRows(page.rows));
  if (page.nextCursor) ctx.err(`more rows: --after ${page.nextCursor}`);
}
