/**
 * Pure pieces of following a background response on a native OpenAI Responses route
 * (native-background.ts): what its stored record carries, the ledger row its final state
 * implies, and the polling schedule. No I/O here.
 */
import { createHash } from "node:crypto";
import type { Usage } from "../canonical/types";
import { emptyUsage, mergeUsage } from "../canonical/usage";
import type { LedgerEntry } from "../ledger/types";
import type { HeldBudget, HeldLimits } from "../limits/request-limits";
import { usageFromResponseBody } from "../streaming/usage-tap";

type Json = Record<string, unknown>;

/** Statuses of a response that has ended (OpenAI's background mode): nothing changes after one. */
const SETTLED = new Set(["completed", "incomplete", "failed", "cancelled"]);

export function isSettledStatus(status: unknown): boolean {
  return typeof status === "string" && SETTLED.has(status);
}

/** The ledger row as the record keeps it until the run ends: a LedgerEntry with its date as text. */
export type PendingRow = Omit<LedgerEntry, "startedAt"> & { startedAt: string };

/**
 * What the stored record of a native background response keeps beside the request
 * (`request_json.native_background`), so that any replica, or this one after a restart, can
 * follow the run at the upstream and write its ledger row once it ends.
 */
export interface NativeBackground {
  /** The provider (its configured name) that holds the run. */
  provider: string;
  /** A fingerprint of the provider key that created it, never the key: the same key reads and cancels it. */
  key: string | null;
  /** Created with `stream: true`: its events can be resumed from the upstream. */
  stream: boolean;
  /** The creating request's ledger row, usage still the estimate, to finish when the run ends. */
  row: PendingRow;
  /** Set once that row is in the ledger (the run ended, or the gateway gave up on it): never written again. */
  rowWritten?: boolean;
  /** The creating request's budget reservation, held until the row is written, then charged its cost. */
  budget?: HeldBudget;
  /** Rate subjects with a TPM limit: the row's final tokens enter their windows where the row is written. */
  tpmSubjects?: string[];
}

/** What the marker holds of the creating request's limits, for settleHeld (none: nothing to settle). */
export function heldLimitsOf(marker: NativeBackground): HeldLimits | undefined {
  const tpmSubjects = Array.isArray(marker.tpmSubjects) ? marker.tpmSubjects.filter((id): id is string => typeof id === "string") : [];
  if (!marker.budget && tpmSubjects.length === 0) return undefined;
  return { ...(marker.budget ? { budget: marker.budget } : {}), ...(tpmSubjects.length > 0 ? { tpmSubjects } : {}) };
}

/** The marker of a stored request, or undefined for any other record (a field read: GET pays only this). */
export function nativeBackgroundOf(storedRequest: Json): NativeBackground | undefined {
  const value = storedRequest.native_background as NativeBackground | undefined;
  return value && typeof value === "object" && typeof value.provider === "string" && typeof value.row === "object" && value.row !== null ? value : undefined;
}

export function pendingRowOf(entry: LedgerEntry): PendingRow {
  return { ...entry, startedAt: entry.startedAt.toISOString() };
}

/** Not reversible, and short: enough to tell a provider's keys apart, useless to anyone who reads the database. */
export function keyFingerprint(key: string): string {
  return createHash("sha256").update(key).digest("hex").slice(0, 16);
}

/**
 * The row of a run that ended in `response`: its reported usage (or the creation's estimate,
 * marked, when it reported none), and the status its end implies, as for a foreground call:
 * completed and incomplete 200; failed 200 `upstream_error` (a streamed response that failed);
 * cancelled 499 `client_closed` (as a cancelled run on other routes).
 */
export function finalRow(pending: PendingRow, response: Json, now: number): LedgerEntry {
  const reported = usageFromResponseBody("openai-responses", response);
  const usage: Usage = reported ? mergeUsage(emptyUsage(), reported) : pending.usage;
  const status = String(response.status);
  const [httpStatus, errorCode] = status === "cancelled" ? [499, "client_closed"] : status === "failed" ? [200, "upstream_error"] : [200, null];
  return rowAt(pending, now, { status: httpStatus, errorCode, usage, usageEstimated: reported ? false : pending.usageEstimated });
}

/** The row of a run the gateway could no longer follow (the upstream forgot it, or the follow limit passed): the creation's estimate. */
export function abandonedRow(pending: PendingRow, now: number, status: number, errorCode: string): LedgerEntry {
  return rowAt(pending, now, { status, errorCode, usage: pending.usage, usageEstimated: pending.usageEstimated });
}

function rowAt(pending: PendingRow, now: number, outcome: Pick<LedgerEntry, "status" | "errorCode" | "usage" | "usageEstimated">): LedgerEntry {
  const startedAt = new Date(pending.startedAt);
  return { ...pending, ...outcome, startedAt, latencyMs: Math.max(0, now - startedAt.getTime()) };
}

/** Polling the upstream: the first look soon, then each wait half again as long, up to `maxMs`. */
export function nextPollDelayMs(previousMs: number, maxMs: number): number {
  return Math.min(maxMs, Math.ceil(previousMs * 1.5));
}
