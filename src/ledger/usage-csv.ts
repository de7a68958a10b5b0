/**
 * Usage rows as CSV (RFC 4180): a header row, then one record per ledger row with the fields of
 * the JSON export (toUsageRowJson), in its order, CRLF line ends. Shared by `gateway usage
 * --format csv` and the usage logs routes' `?format=csv`.
 *
 * Formula injection (OWASP "CSV Injection"): a spreadsheet runs a cell that starts with `=`, `+`,
 * `-` or `@` as a formula, and a tab or carriage return there can hide one. Text cells that
 * start so get a leading `'`, which spreadsheets read as "this is text" and hide. Several text
 * fields come from clients (`model_requested`, `client_request_id`), so an export opened in a
 * spreadsheet must not run them. Numbers and booleans are written as they are (`-5` stays a number).
 */
import type { StoredUsageRow } from "../store/types";
import { toUsageRowJson } from "../store/wire-format";

type UsageRowJson = ReturnType<typeof toUsageRowJson>;

/** The JSON fields, in the JSON's order; a unit test checks they are all there. */
export const USAGE_CSV_COLUMNS = [
  "id",
  "request_id",
  "client_request_id",
  "user_id",
  "api_key_id",
  "started_at",
  "endpoint",
  "client_protocol",
  "model_requested",
  "model_served",
  "provider",
  "upstream_protocol",
  "stream",
  "status",
  "error_code",
  "prompt_tokens",
  "completion_tokens",
  "cache_read_tokens",
  "cache_write_tokens",
  "reasoning_tokens",
  "usage_estimated",
  "cost_micro_usd",
  "latency_ms",
  "ttft_ms",
] as const satisfies ReadonlyArray<keyof UsageRowJson>;

/** RFC 4180 §2: records end with CRLF. */
export const CSV_LINE_END = "\r\n";

/** What a spreadsheet may take as the start of a formula. */
const FORMULA_START = /^[=+\-@\t\r]/;
/** A field holding one of these must be quoted (RFC 4180 §2.6). */
const NEEDS_QUOTES = /[",\r\n]/;

/** One cell: null is empty, text is guarded against formulas, then quoted when it must be. */
export function formatCsvCell(value: string | number | boolean | null): string {
  if (value === null) return "";
  if (typeof value !== "string") return String(value);
  const text = FORMULA_START.test(value) ? `'${value}` : value;
  // RFC 4180 §2.7: a quote inside a quoted field is written twice.
  return NEEDS_QUOTES.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** The header record, with its line end. */
export function formatUsageCsvHeader(): string {
  return USAGE_CSV_COLUMNS.join(",") + CSV_LINE_END;
}

/** The records of some rows, each with its line end. */
export function formatUsageCsvRows(rows: StoredUsageRow[]): string {
  let text = "";
  for (const row of rows) {
    const json = toUsageRowJson(row);
    text += USAGE_CSV_COLUMNS.map((column) => formatCsvCell(json[column])).join(",") + CSV_LINE_END;
  }
  return text;
}
