/**
 * Provider health in /metrics: which providers are cooling down (read when scraped from the
 * tracker, routing/provider-health.ts) and how often requests failed over from one provider to
 * the next. Labels are configured provider names only, so their number is bounded by the config.
 */
import type { MetricsRegistry } from "./registry";

/** What the metrics read about provider cooldowns (absent when `routing.cooldown_failures = 0`). */
export interface ProviderCooldownSource {
  /** Every configured provider, in configuration order: each gets a sample, 0 while healthy. */
  providers: readonly string[];
  isCooling(provider: string): boolean;
}

/** Register the provider metrics; returns the failover counter's bump (called only on a failover). */
export function registerProviderMetrics(registry: MetricsRegistry, cooldowns: ProviderCooldownSource | undefined, maxSeries: number | undefined): (from: string, to: string) => void {
  if (cooldowns) {
    registry.gaugeFamily({
      name: "tokligence_provider_cooldown",
      help: "1 while the provider cools down after failures (tried last on routes with another provider, until it answers again), else 0. This replica's own view.",
      samples: cooldowns.providers.map((provider) => ({ labels: { provider }, read: () => (cooldowns.isCooling(provider) ? 1 : 0) })),
    });
  }
  const failovers = registry.counter({
    name: "tokligence_failovers_total",
    help: "Attempts that failed before the first byte and moved on to the route's next provider, by the provider that failed and the one tried next.",
    labelNames: ["from_provider", "to_provider"],
    ...(maxSeries === undefined ? {} : { maxSeries }),
  });
  return (from, to) => {
    failovers.series([from, to]).value += 1;
  };
}
