/**
 * The per-request metrics, observed from each ledger row as it goes to the ledger
 * (observing-ledger.ts): requests, errors, duration, time to first token, tokens and cost.
 *
 * The hot path: the gateway's main thread is its bottleneck, so a row costs one key string and
 * one Map lookup, which finds a "cell" holding every series that row's label values lead to
 * (and the served model's price); then only additions. The cell is built once per distinct
 * (endpoint, provider, status, error code, stream, model), through the registry's slow path
 * and its cardinality guard. No user, key or request id is a label: those are in the ledger
 * and the usage API, and as labels they would be both a privacy leak and unbounded.
 */
import type { LedgerEntry } from "../ledger/types";
import type { PriceTable } from "../ledger/price-table";
import { toCount } from "../ledger/to-usage-row";
import { costMicroUsd, type NumericPrice, toNumericPrice } from "./cost";
import { type CounterMetric, type CounterSeries, DEFAULT_MAX_SERIES, type HistogramMetric, type HistogramSeries, type MetricsRegistry } from "./registry";

/** Whole LLM calls: a cached answer in tens of milliseconds up to a long generation (the 300 s idle gap). */
export const DURATION_BUCKETS_SECONDS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120, 300] as const;
/** First token: a gateway's own overhead (milliseconds) up to a reasoning model that thinks first. */
export const TTFT_BUCKETS_SECONDS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60] as const;

/** Every series one kind of row adds to; token, cost and TTFT series are made on first need. */
interface RequestCell {
  endpoint: string;
  provider: string;
  model: string;
  requests: CounterSeries;
  errors: CounterSeries | undefined;
  duration: HistogramSeries;
  ttft: HistogramSeries | undefined;
  inputTokens: CounterSeries | undefined;
  outputTokens: CounterSeries | undefined;
  cacheReadTokens: CounterSeries | undefined;
  cacheWriteTokens: CounterSeries | undefined;
  cost: CounterSeries | undefined;
  /** The served model's price (null: none known, no cost counted). */
  price: NumericPrice | null;
}

export interface RequestMetricsOptions {
  /** The ledger's price table (null: cost is not counted, as the ledger's cost column is then empty). */
  prices: PriceTable | null;
  /** Label sets per metric before folding into `__other__` (default 1,000). */
  maxSeries?: number;
}

export class RequestMetrics {
  private readonly requests: CounterMetric;
  private readonly errors: CounterMetric;
  private readonly duration: HistogramMetric;
  private readonly ttft: HistogramMetric;
  private readonly tokens: CounterMetric;
  private readonly cost: CounterMetric;
  private readonly cells = new Map<string, RequestCell>();
  /** Cells kept; past it (label values churned by clients) a row builds its cell each time, through the folded series. */
  private readonly maxCells: number;
  private readonly prices: PriceTable | null;

  constructor(registry: MetricsRegistry, options: RequestMetricsOptions) {
    const maxSeries = options.maxSeries ?? DEFAULT_MAX_SERIES;
    this.prices = options.prices;
    this.maxCells = maxSeries * 4;
    this.requests = registry.counter({
      name: "tokligence_requests_total",
      help: "Model requests by endpoint, provider, served model (\"\" when unrouted) and HTTP status (one per ledger row).",
      labelNames: ["endpoint", "provider", "model", "status"],
      foldOrder: ["model", "status", "provider", "endpoint"],
      maxSeries,
    });
    this.errors = registry.counter({
      name: "tokligence_request_errors_total",
      help: "Model requests that ended with an error code (also streams that failed after their 200), by the ledger's error_code.",
      labelNames: ["endpoint", "provider", "error_code"],
      foldOrder: ["error_code", "provider", "endpoint"],
      maxSeries,
    });
    this.duration = registry.histogram({
      name: "tokligence_request_duration_seconds",
      help: "Model request duration, from arrival to the ledger row (a stream: to its end).",
      labelNames: ["endpoint", "provider", "stream"],
      foldOrder: ["provider", "endpoint"],
      buckets: DURATION_BUCKETS_SECONDS,
      maxSeries,
    });
    this.ttft = registry.histogram({
      name: "tokligence_time_to_first_token_seconds",
      help: "Time from a streamed request's arrival to the first byte of its answer, for streams that sent one.",
      labelNames: ["endpoint", "provider"],
      foldOrder: ["provider", "endpoint"],
      buckets: TTFT_BUCKETS_SECONDS,
      maxSeries,
    });
    this.tokens = registry.counter({
      name: "tokligence_tokens_total",
      help: "Tokens as the ledger records them. input counts every prompt token; cache_read and cache_write are the parts of input read from and written to the provider's prompt cache.",
      labelNames: ["provider", "model", "type"],
      foldOrder: ["model", "provider"],
      maxSeries,
    });
    this.cost = registry.counter({
      name: "tokligence_cost_usd_total",
      help: "Cost in US dollars from the ledger's price table (models without a price add nothing).",
      labelNames: ["provider", "model"],
      foldOrder: ["model", "provider"],
      // Counted in integer micro-dollars, as the ledger stores cost; rendered in dollars.
      divisor: 1_000_000,
      maxSeries,
    });
  }

  /** Count one ledger row. */
  observe(entry: LedgerEntry): void {
    const provider = entry.provider ?? "";
    const model = entry.modelServed ?? "";
    // The model (the only value a client chooses) comes last: the fields before it never hold
    // NUL, so no two label sets share a key.
    const key = `${entry.endpoint}\u0000${provider}\u0000${entry.status}\u0000${entry.errorCode ?? ""}\u0000${entry.stream ? 1 : 0}\u0000${model}`;
    let cell = this.cells.get(key);
    if (cell === undefined) {
      cell = this.buildCell(entry, provider, model);
      if (this.cells.size < this.maxCells) this.cells.set(key, cell);
    }
    cell.requests.value += 1;
    if (cell.errors !== undefined) cell.errors.value += 1;
    cell.duration.observe(toCount(entry.latencyMs) / 1000);
    if (entry.stream && entry.ttftMs !== null) (cell.ttft ??= this.ttft.series([cell.endpoint, provider])).observe(toCount(entry.ttftMs) / 1000);
    const usage = entry.usage;
    const input = toCount(usage.inputTokens);
    const output = toCount(usage.outputTokens);
    const cacheRead = toCount(usage.cacheReadTokens);
    const cacheWrite = toCount(usage.cacheWriteTokens);
    if (input > 0) (cell.inputTokens ??= this.tokenSeries(cell, "input")).value += input;
    if (output > 0) (cell.outputTokens ??= this.tokenSeries(cell, "output")).value += output;
    if (cacheRead > 0) (cell.cacheReadTokens ??= this.tokenSeries(cell, "cache_read")).value += cacheRead;
    if (cacheWrite > 0) (cell.cacheWriteTokens ??= this.tokenSeries(cell, "cache_write")).value += cacheWrite;
    if (input + output + cacheRead + cacheWrite === 0) return;
    // The ledger prices a row by its served model, else the one asked for (to-usage-row.ts).
    const price = entry.modelServed === null ? this.priceOf(entry.modelRequested) : cell.price;
    if (price === null) return;
    const micro = costMicroUsd(price, input, output, cacheRead, cacheWrite);
    if (micro > 0) (cell.cost ??= this.cost.series([provider, model])).value += micro;
  }

  private buildCell(entry: LedgerEntry, provider: string, model: string): RequestCell {
    return {
      endpoint: entry.endpoint,
      provider,
      model,
      requests: this.requests.series([entry.endpoint, provider, model, String(entry.status)]),
      errors: entry.errorCode === null ? undefined : this.errors.series([entry.endpoint, provider, entry.errorCode]),
      duration: this.duration.series([entry.endpoint, provider, String(entry.stream)]),
      ttft: undefined,
      inputTokens: undefined,
      outputTokens: undefined,
      cacheReadTokens: undefined,
      cacheWriteTokens: undefined,
      cost: undefined,
      price: entry.modelServed === null ? null : this.priceOf(entry.modelServed),
    };
  }

  private tokenSeries(cell: RequestCell, type: "input" | "output" | "cache_read" | "cache_write"): CounterSeries {
    return this.tokens.series([cell.provider, cell.model, type]);
  }

  private priceOf(model: string): NumericPrice | null {
    const price = this.prices?.find(model) ?? null;
    return price === null ? null : toNumericPrice(price);
  }
}
