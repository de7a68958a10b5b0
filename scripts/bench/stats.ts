/** Percentiles and per-round summaries (performance.md §6.5: report the median over rounds, with min–max). */

/** The q-quantile (0..1) of `samples` by nearest rank; NaN when empty. */
export function percentile(samples: number[], q: number): number {
  if (samples.length === 0) return NaN;
  const sorted = Float64Array.from(samples).sort();
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank]!; // 0 <= rank < sorted.length (clamped above, samples non-empty)
}

export interface Spread {
  median: number;
  min: number;
  max: number;
}

/** Median, min and max of per-round values (NaN values are ignored). */
export function summarise(values: number[]): Spread {
  const finite = values.filter((value) => Number.isFinite(value));
  if (finite.length === 0) return { median: NaN, min: NaN, max: NaN };
  return { median: percentile(finite, 0.5), min: Math.min(...finite), max: Math.max(...finite) };
}

/** Latency in ms as text: µs below 1 ms, ms above. */
export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return "n/a";
  if (Math.abs(ms) >= 10) return `${ms.toFixed(1)} ms`;
  if (Math.abs(ms) >= 1) return `${ms.toFixed(2)} ms`;
  return `${Math.round(ms * 1000)} µs`;
}

export function formatSpread(spread: Spread, format: (value: number) => string): string {
  if (!Number.isFinite(spread.median)) return "n/a";
  if (spread.min === spread.max) return format(spread.median);
  return `${format(spread.median)} (${format(spread.min)} – ${format(spread.max)})`;
}

export const formatRatio = (value: number) => (Number.isFinite(value) ? `${value.toFixed(2)}×` : "n/a");
export const formatRate = (value: number) => (Number.isFinite(value) ? `${Math.round(value).toLocaleString("en-US")}/s` : "n/a");
