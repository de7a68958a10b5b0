/**
 * Prometheus text exposition format 0.0.4
 * (https://prometheus.io/docs/instrumenting/exposition_formats/#text-based-format), written by
 * hand: `# HELP` and `# TYPE` before a metric's samples, label values escaped, histograms as
 * cumulative `_bucket{le="…"}` samples ending with `+Inf`, then `_sum` and `_count`.
 * Runs only when scraped; nothing here is on a request's path.
 */
import type { CounterMetric, HistogramMetric, MetricsRegistry, ReadGauge, ReadGaugeFamily, RegisteredMetric } from "./registry";

export const EXPOSITION_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

/** A sample value as Prometheus parses it (Go's ParseFloat: NaN, +Inf, -Inf, exponents). */
export function formatSampleValue(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Number.POSITIVE_INFINITY) return "+Inf";
  if (value === Number.NEGATIVE_INFINITY) return "-Inf";
  return String(value);
}

/** HELP text escapes backslash and line feed (double quotes are fine there). */
function escapeHelp(help: string): string {
  return help.replace(/[\\\n]/g, (char) => (char === "\n" ? "\\n" : "\\\\"));
}

/** Every metric of the registry as one exposition document. */
export function renderExposition(registry: MetricsRegistry): string {
  const lines: string[] = [];
  for (const metric of registry.all()) renderMetric(metric, lines);
  lines.push("");
  return lines.join("\n");
}

function renderMetric(metric: RegisteredMetric, lines: string[]): void {
  if ("read" in metric) return renderGauge(metric, lines);
  if ("samples" in metric) return renderGaugeFamily(metric, lines);
  pushHeader(metric, lines);
  if (metric.type === "histogram") renderHistogram(metric as HistogramMetric, lines);
  else renderCounter(metric as CounterMetric, lines);
}

function pushHeader(metric: RegisteredMetric, lines: string[]): void {
  lines.push(`# HELP ${metric.name} ${escapeHelp(metric.help)}`, `# TYPE ${metric.name} ${metric.type}`);
}

function braces(labelPairs: string): string {
  return labelPairs === "" ? "" : `{${labelPairs}}`;
}

function renderCounter(metric: CounterMetric, lines: string[]): void {
  for (const series of metric.allSeries()) lines.push(`${metric.name}${braces(series.labelPairs)} ${formatSampleValue(series.value / metric.divisor)}`);
}

/** A gauge whose source cannot tell (no ledger backlog without a database, no /proc) is left out whole. */
function renderGauge(gauge: ReadGauge, lines: string[]): void {
  const value = gauge.read();
  if (value === undefined) return;
  pushHeader(gauge, lines);
  lines.push(`${gauge.name}${braces(gauge.labelPairs)} ${formatSampleValue(value)}`);
}

/** Samples whose source cannot tell are left out; a family with none left is left out whole. */
function renderGaugeFamily(family: ReadGaugeFamily, lines: string[]): void {
  let headed = false;
  for (const sample of family.samples) {
    const value = sample.read();
    if (value === undefined) continue;
    if (!headed) pushHeader(family, lines);
    headed = true;
    lines.push(`${family.name}${braces(sample.labelPairs)} ${formatSampleValue(value)}`);
  }
}

function renderHistogram(metric: HistogramMetric, lines: string[]): void {
  const les = [...metric.bounds.map(formatSampleValue), "+Inf"];
  for (const series of metric.allSeries()) {
    const prefix = series.labelPairs === "" ? "" : `${series.labelPairs},`;
    let cumulative = 0;
    for (let index = 0; index < les.length; index++) {
      cumulative += series.counts[index]!;
      lines.push(`${metric.name}_bucket{${prefix}le="${les[index]}"} ${cumulative}`);
    }
    lines.push(`${metric.name}_sum${braces(series.labelPairs)} ${formatSampleValue(series.sum)}`, `${metric.name}_count${braces(series.labelPairs)} ${series.count}`);
  }
}
