/**
 * The gateway's metrics (GET /metrics): one registry per process, built in the composition root
 * (gateway.ts) when `metrics.enabled`, shared by every listener. Requests are counted from their
 * ledger rows (request-metrics.ts); the rest is read when scraped (runtime-gauges.ts).
 */
import type { PriceTable } from "../ledger/price-table";
import type { LedgerEntry } from "../ledger/types";
import { renderExposition } from "./exposition";
import { MetricsRegistry } from "./registry";
import { RequestMetrics } from "./request-metrics";
import { type ProviderCooldownSource, registerProviderMetrics } from "./provider-metrics";
import { registerRuntimeGauges, type RuntimeSources } from "./runtime-gauges";

export interface GatewayMetrics {
  /** Count one ledger row (called for every row, on the request's path: cheap). */
  observe(entry: LedgerEntry): void;
  /** Count a failover from one provider to the next (only on that path: a failed attempt). */
  countFailover(fromProvider: string, toProvider: string): void;
  /** The exposition document (text format 0.0.4). */
  render(): string;
}

export interface GatewayMetricsOptions {
  prices: PriceTable | null;
  sources: RuntimeSources;
  /** Provider cooldowns to show (absent: cooldowns are off, no gauge). */
  cooldowns?: ProviderCooldownSource;
  /** Label sets per metric before folding into `__other__` (default 1,000; tests lower it). */
  maxSeries?: number;
}

export function createGatewayMetrics(options: GatewayMetricsOptions): GatewayMetrics {
  const registry = new MetricsRegistry();
  const requests = new RequestMetrics(registry, { prices: options.prices, ...(options.maxSeries === undefined ? {} : { maxSeries: options.maxSeries }) });
  registerRuntimeGauges(registry, options.sources);
  const countFailover = registerProviderMetrics(registry, options.cooldowns, options.maxSeries);
  return {
    observe: (entry) => requests.observe(entry),
    countFailover,
    render: () => renderExposition(registry),
  };
}
