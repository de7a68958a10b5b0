/**
 * The usage logs routes' CSV answers (`?format=csv`, or `Accept: text/csv`): one page when the
 * caller gives `limit` (the next page's cursor in `x-next-cursor`, as `next_cursor` in JSON), else
 * every matching row streamed, read from the database a page at a time so a large ledger is
 * never held in memory.
 */
import { GatewayError } from "../errors/gateway-error";
import { formatUsageCsvHeader, formatUsageCsvRows } from "../ledger/usage-csv";
import type { UsagePage } from "../ledger/usage-pages";
import { storeFailureAnswer } from "../store/database-unreachable";
import type { StoredUsageRow } from "../store/types";
import type { UnexpectedErrorHandler } from "./api-response";

export type UsageLogFormat = "json" | "csv";

/** RFC 4180 §3 registers text/csv with `header` saying whether the first record names the fields. */
const CSV_HEADERS = { "content-type": "text/csv; charset=utf-8; header=present", "content-disposition": 'attachment; filename="usage.csv"' };

/** `?format=` wins; without it, an Accept listing text/csv and not application/json asks for CSV. */
export function readUsageLogFormat(query: URLSearchParams, accept: string | null): UsageLogFormat {
  const format = query.get("format");
  if (format !== null) {
    if (format === "json" || format === "csv") return format;
    throw new GatewayError("invalid_request", 400, `unsupported format ${JSON.stringify(format)} (use json or csv)`, { param: "format" });
  }
  const mediaTypes = (accept ?? "").split(",").map((part) => part.split(";")[0]!.trim().toLowerCase());
  return mediaTypes.includes("text/csv") && !mediaTypes.includes("application/json") ? "csv" : "json";
}

/** One page as CSV; `x-next-cursor` names the next page when there is one. */
export function csvPageResponse(page: UsagePage): Response {
  const headers: Record<string, string> = { ...CSV_HEADERS };
  if (page.nextCursor) headers["x-next-cursor"] = page.nextCursor;
  return new Response(formatUsageCsvHeader() + formatUsageCsvRows(page.rows), { status: 200, headers });
}

/**
 * Every page as one streamed CSV. The first page is read before answering, so a database that is
 * away is still a 503 with a JSON error; a failure later can only cut the stream short (the
 * status is sent), and is reported to onUnexpected for the log.
 */
export async function csvExportResponse(pages: AsyncGenerator<StoredUsageRow[]>, onUnexpected?: UnexpectedErrorHandler): Promise<Response> {
  const first = await pages.next();
  const encoder = new TextEncoder();
  let pending: string | null = formatUsageCsvHeader() + (first.done ? "" : formatUsageCsvRows(first.value));
  let done = first.done === true;
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (pending !== null) {
        controller.enqueue(encoder.encode(pending));
        pending = null;
        return;
      }
      if (done) return controller.close();
      try {
        const next = await pages.next();
        if (next.done) {
          done = true;
          return controller.close();
        }
        controller.enqueue(encoder.encode(formatUsageCsvRows(next.value)));
      } catch (error) {
        const answer = storeFailureAnswer(error);
        onUnexpected?.(answer.cause ?? answer, answer);
        controller.error(error);
      }
    },
    async cancel() {
      // The client went away: stop reading pages.
      await pages.return(undefined);
    },
  });
  return new Response(body, { status: 200, headers: CSV_HEADERS });
}
