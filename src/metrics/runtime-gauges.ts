/**
 * Gauges read when /metrics is scraped, never between scrapes: the gateway's work in flight,
 * its ledger's backlog, its build, and the standard `process_*` metrics every Prometheus client
 * library exports (https://prometheus.io/docs/instrumenting/writing_clientlibs/#process-metrics),
 * so stock dashboards and alerts (restarts, memory, CPU, file descriptors) work unchanged.
 */
import { readdirSync } from "node:fs";
import type { LedgerSink } from "../ledger/types";
import type { MetricsRegistry } from "./registry";

export interface RuntimeSources {
  /** Model requests started whose ledger row is not written yet (DrainTracker). */
  requestsInFlight(): number;
  /** Upstream calls whose answers are still being read (upstream/client.ts). */
  upstreamCallsInFlight(): number;
  /** The process's real ledger sink (pending, spilled, failing when it can tell). */
  ledger: LedgerSink;
  version: string;
  commit: string;
}

export function registerRuntimeGauges(registry: MetricsRegistry, sources: RuntimeSources): void {
  registry.gauge({ name: "tokligence_requests_in_flight", help: "Model requests being served (started, ledger row not yet written).", read: () => sources.requestsInFlight() });
  registry.gauge({ name: "tokligence_upstream_calls_in_flight", help: "Upstream provider calls whose answers are still being read.", read: () => sources.upstreamCallsInFlight() });
  const ledger = sources.ledger;
  registry.gauge({ name: "tokligence_ledger_rows_pending", help: "Ledger rows accepted but not yet committed (group commit backlog).", read: () => ledger.pendingCount?.() });
  registry.gauge({
    name: "tokligence_ledger_rows_spilled",
    help: "Ledger rows durable in the local spill but not yet in PostgreSQL (the database is or just was unreachable).",
    read: () => ledger.spilledCount?.(),
  });
  registry.gauge({ name: "tokligence_ledger_failing", help: "1 while ledger rows cannot be made durable (the database refuses them and, on PostgreSQL, the local spill cannot take them either; they are kept and retried, /readyz is 503), else 0.", read: () => (ledger.failing ? (ledger.failing() ? 1 : 0) : undefined) });
  registry.gauge({ name: "tokligence_build_info", help: "Always 1; the gateway's version and the commit it was built from.", labels: { version: sources.version, commit: sources.commit }, read: () => 1 });
  // When the process started (Bun and Node: performance.timeOrigin is its start in epoch ms).
  const startSeconds = Math.round(performance.timeOrigin) / 1000;
  registry.gauge({ name: "process_start_time_seconds", help: "Start time of the process since the Unix epoch in seconds.", read: () => startSeconds });
  registry.gauge({ name: "process_resident_memory_bytes", help: "Resident memory size in bytes.", read: () => process.memoryUsage.rss() });
  registry.gauge({
    name: "process_cpu_seconds_total",
    help: "Total user and system CPU time spent in seconds.",
    type: "counter",
    read: () => {
      const { user, system } = process.cpuUsage();
      return (user + system) / 1e6;
    },
  });
  // Linux only (/proc); elsewhere the sample is left out, as Prometheus's own clients do.
  registry.gauge({ name: "process_open_fds", help: "Number of open file descriptors.", read: countOpenFds });
}

function countOpenFds(): number | undefined {
  if (process.platform !== "linux") return undefined;
  try {
    // The directory's own descriptor, open while it is read, is in the listing.
    return readdirSync("/proc/self/fd").length - 1;
  } catch {
    return undefined;
  }
}
