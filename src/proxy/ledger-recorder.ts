import type { Usage } from "../canonical/types";
import { emptyUsage } from "../canonical/usage";
import { type Estimators, loadEstimators } from "../ledger/estimators-lazy";
import type { LedgerEntry } from "../ledger/types";
import type { Admission } from "../limits/request-limits";
import { logRequestLine } from "../log/access-line";
import type { UpstreamOperation } from "../providers/endpoints";
import type { RouteTarget } from "../routing/router";
import { protocolOfOperation } from "./operation";
import { newRequestId } from "./request-id";
import type { ModelRequest, ProxyDeps } from "./types";

const DATABASE_UNAVAILABLE = "database_unavailable";

/** How to complete usage the upstream did not fully report (see estimate-usage.ts). */
export interface UsageEstimate {
  /** Whether the upstream's closing usage, with the output count, arrived. */
  final: boolean;
  /** Estimated output tokens of what the upstream generated (called only when needed, with the loaded estimators). */
  outputTokens: (estimators: Estimators) => number;
}

/**
 * Collects what the ledger row of one request needs while the request runs, and writes the row
 * exactly once. `finish` resolves when the row is durable; a ledger failure is logged, never
 * turned into a client error (the answer was already produced).
 */
export class LedgerRecorder {
  private target: RouteTarget | undefined;
  private upstreamOperation: UpstreamOperation | undefined;
  private usage: Usage = emptyUsage();
  private usageReported = false;
  /** Set once the upstream answered: how to fill in usage it did not (fully) report. */
  private estimate: UsageEstimate | undefined;
  private firstByteAt: number | undefined;
  private finished = false;
  /** The request's hold on its budget and rate limits, settled with its row. */
  private admission: Admission | undefined;
  /** Providers that failed before the one the row names, for the request line ("name: code (status)"). */
  private failedOver: string[] | undefined;

  constructor(
    private readonly request: ModelRequest,
    private readonly deps: ProxyDeps,
  ) {
    deps.ledger.expectRow?.();
    deps.drain.rowStarted();
  }

  setTarget(target: RouteTarget, upstreamOperation: UpstreamOperation): void {
    this.target = target;
    this.upstreamOperation = upstreamOperation;
  }

  /**
   * The usage so far. With `estimate` (the upstream answered and generated output), figures the
   * upstream did not report are estimated when the row is written, and the row says so.
   */
  setUsage(usage: Usage, reported: boolean, estimate?: UsageEstimate): void {
    this.usage = usage;
    this.usageReported = reported;
    this.estimate = estimate;
  }

  /** An attempt on `provider` failed and the route moves on to its next provider. */
  noteFailover(provider: string, code: string, status: number): void {
    (this.failedOver ??= []).push(`${provider}: ${code} (${status})`);
  }

  /** The request was admitted under limits: its row's cost settles them. */
  admit(admission: Admission | undefined): void {
    this.admission = admission;
  }

  markFirstByte(): void {
    this.firstByteAt ??= Date.now();
  }

  get isFinished(): boolean {
    return this.finished;
  }

  /**
   * The usage the row will record, estimated where the upstream fell short: what a client is
   * told when the gateway ends an answer itself (an emulated stop sequence) and the upstream's
   * closing usage never comes. The row computes the same figures from the same inputs.
   */
  async usageToRecord(): Promise<Usage> {
    return (await this.finalUsage()).usage;
  }

  /** The usage to record: as reported, or completed with estimates (marked) where it fell short. */
  private async finalUsage(): Promise<{ usage: Usage; estimated: boolean }> {
    const estimate = this.estimate;
    if (!estimate || (this.usageReported && estimate.final)) return { usage: this.usage, estimated: false };
    const estimators = await loadEstimators();
    const { operation, body } = this.request;
    return estimators.completeUsage(this.usage, this.usageReported, estimate.final, {
      input: () => estimators.estimateInputTokens(operation, body),
      output: () => estimate.outputTokens(estimators),
    });
  }

  async finish(status: number, errorCode: string | null): Promise<void> {
    if (this.finished) return;
    this.finished = true;
    // A refusal because the database is away must not wait for a row that goes to that same
    // database: the 503 and its retry-after would reach the client only once the database is
    // back (every request hung for the whole outage). Nothing was spent upstream; the row stays
    // queued and retried like any other, and shutdown still waits for it.
    if (errorCode === DATABASE_UNAVAILABLE) {
      void this.writeRow(status, errorCode)
        .catch(() => {})
        .finally(() => this.deps.drain.rowSettled());
      return;
    }
    try {
      await this.writeRow(status, errorCode);
    } finally {
      // Shutdown closes the ledger only after every started request got here (drain-tracker.ts).
      this.deps.drain.rowSettled();
    }
  }

  private async writeRow(status: number, errorCode: string | null): Promise<void> {
    const now = Date.now();
    const request = this.request;
    // Side endpoints are recorded under their API's protocol (embeddings keep their own name).
    const protocolOf = (operation: UpstreamOperation | undefined) => (operation === undefined || operation === "openai-embeddings" ? operation : protocolOfOperation(operation));
    const { usage, estimated } = await this.finalUsage();
    const entry: LedgerEntry = {
      // The row's key is always the gateway's own id: clients may reuse theirs, and a reused id
      // must not make a second request's row look like a retry of the first.
      requestId: request.clientRequestId === undefined ? request.requestId : newRequestId(),
      clientRequestId: request.clientRequestId ?? null,
      startedAt: new Date(request.receivedAt),
      userId: request.principal.userId,
      apiKeyId: request.principal.apiKeyId,
      endpoint: request.endpoint,
      clientProtocol: request.operation === "openai-embeddings" ? "openai-embeddings" : request.clientProtocol,
      modelRequested: typeof request.body.model === "string" ? request.body.model : "",
      modelServed: this.target?.upstreamModel ?? null,
      provider: this.target?.providerName ?? null,
      upstreamProtocol: protocolOf(this.upstreamOperation) ?? null,
      stream: request.body.stream === true,
      status,
      errorCode,
      usage,
      usageEstimated: estimated,
      latencyMs: now - request.receivedAt,
      ttftMs: this.firstByteAt === undefined ? null : this.firstByteAt - request.receivedAt,
    };
    logRequestLine(this.deps.logger, {
      requestId: request.requestId,
      ...(entry.requestId === request.requestId ? {} : { ledgerRequestId: entry.requestId }),
      route: entry.endpoint,
      model: entry.modelRequested,
      servedModel: entry.modelServed,
      provider: entry.provider,
      status,
      errorCode: errorCode ?? undefined,
      stream: entry.stream,
      latencyMs: entry.latencyMs,
      ttftMs: entry.ttftMs ?? undefined,
      inputTokens: entry.usage.inputTokens,
      outputTokens: entry.usage.outputTokens,
      // Undefined without a failover: the line leaves it out (no object spread per request).
      failedOver: this.failedOver,
    });
    // The budget is charged the row's own cost, at the same time as the row is written, and both
    // are done before the client gets its last byte.
    // A native background run's creation: its budget stays reserved until the run ends.
    let settled: Promise<void> | undefined;
    if (this.admission && this.deps.holdAdmission) this.deps.holdAdmission(this.admission);
    else settled = this.admission?.settle(entry);
    try {
      // With metrics on, this sink counts the row for GET /metrics on its way (metrics/observing-ledger.ts).
      await this.deps.ledger.record(entry);
    } catch (error) {
      this.deps.logger.error({ requestId: entry.requestId, err: error }, "ledger write failed");
    }
    if (settled) await settled.catch((error: unknown) => this.deps.logger.error({ requestId: entry.requestId, err: error }, "budget settlement failed"));
  }
}

/**
 * The ledger row of a request rejected before the proxy ran (bad body, failed auth) or refused
 * before its model call (`body`: the request as read, whose model and stream flag the row keeps).
 */
export async function recordRejectedRequest(
  deps: ProxyDeps,
  details: { requestId: string; clientRequestId?: string; endpoint: string; operation: UpstreamOperation; clientProtocol: ModelRequest["clientProtocol"]; receivedAt: number; status: number; errorCode: string; principal: ModelRequest["principal"]; body?: Record<string, unknown> },
): Promise<void> {
  const request: ModelRequest = {
    requestId: details.requestId,
    ...(details.clientRequestId === undefined ? {} : { clientRequestId: details.clientRequestId }),
    endpoint: details.endpoint,
    operation: details.operation,
    clientProtocol: details.clientProtocol,
    // Only what the row reads: a refusal has no upstream answer, so nothing is estimated from the rest.
    body: details.body ? { model: details.body.model, stream: details.body.stream } : {},
    rawBody: "",
    headers: new Headers(),
    query: "",
    signal: new AbortController().signal,
    principal: details.principal,
    receivedAt: details.receivedAt,
  };
  await new LedgerRecorder(request, deps).finish(details.status, details.errorCode);
}
