import { createUpstreamModelLister, type UpstreamModelLister } from "./providers/upstream-models";
import type { Authenticator } from "./auth/types";
import { createOpenAuthenticator } from "./auth/open-authenticator";
import type { GatewayConfig } from "./config/types";
import { GatewayError } from "./errors/gateway-error";
import { createApp, type EndpointKey, normaliseEndpointKeys } from "./http/app";
import { MemoryLedgerSink } from "./ledger/memory-sink";
import type { LedgerSink } from "./ledger/types";
import type { Logger } from "./log/logger";
import { KeyRing } from "./providers/key-ring";
import type { ProxyDeps } from "./proxy/types";
import { ProviderHealth } from "./routing/provider-health";
import { ModelRouter } from "./routing/router";
import { findTranslator } from "./translate/registry";
import { estimateAnthropicInputTokensLazily } from "./protocols/anthropic/count-tokens-lazy";
import { createResponseStore, type ResponseStore } from "./responses-store/service";
import { BackgroundRuns, DEFAULT_BACKGROUND_POLLING } from "./proxy/background-runs";
import { DrainTracker } from "./proxy/drain-tracker";
import { ModelCapabilityTable } from "./proxy/model-capability-table";
import { RefusedFields } from "./proxy/refused-fields";
import { describeListenError } from "./http/listen-error";
import { sweepOrphanedBackground } from "./proxy/native-background";
import type { RequestLimits } from "./limits/request-limits";
import type { PriceTable } from "./ledger/price-table";
import { createGatewayMetrics } from "./metrics/gateway-metrics";
import { observingLedger } from "./metrics/observing-ledger";
import { upstreamCallsInFlight } from "./upstream/client";
import { gatewayCommit, gatewayVersion } from "./version";

export interface GatewayServices {
  ledger?: LedgerSink;
  auth?: Authenticator;
  adminRoutes?: ProxyAppRoutes;
  estimateAnthropicTokens?: ProxyDeps["estimateAnthropicTokens"];
  /** Stored Responses API objects; without it nothing is stored (no database). */
  responses?: ResponseStore;
  /** Background runs (tests pass one with short polling). */
  background?: BackgroundRuns;
  /** Providers' model listings for GET /v1/models (tests pass one with short cache times). */
  modelLister?: UpstreamModelLister;
  /** Budgets and rate limits (needs the database). */
  limits?: RequestLimits;
  /** The ledger's price table, for the cost metric (absent: no cost counted, as the ledger then keeps none). */
  prices?: PriceTable;
}
type ProxyAppRoutes = Parameters<typeof createApp>[0]["adminRoutes"];

export interface RunningGateway {
  /** One entry per listener: its endpoint groups and URL. */
  listeners: Array<{ name: string; url: string; endpoints: EndpointKey[] }>;
  /** The facade (or first) listener's base URL. */
  url: string;
  proxy: ProxyDeps;
  /**
   * Graceful stop: refuse new connections, let requests finish up to the grace period, then end
   * open streams with a `gateway_shutdown` error event and answer requests still waiting on their
   * upstream with a `gateway_shutdown` error, cut what is left once that is written out, and
   * close the ledger once every row is written.
   */
  stop(graceMs?: number): Promise<void>;
  /**
   * End a running stop()'s grace period now (an operator's second Ctrl-C or SIGTERM): open
   * streams get their error event and ledger rows at once instead of after the full wait.
   */
  endGracePeriod(): void;
}

/**
 * How long final stream events and ledger rows may take once the grace period is over. A healthy
 * ledger commits in milliseconds; this only bounds a database that hangs, which ledger.close()
 * then gives up on (logging every unwritten row), so shutdown never hangs with it.
 */
const SETTLE_AFTER_GRACE_MS = 5_000;

/**
 * How long the answers and final events made at the cut may take to reach their sockets before
 * the remaining connections are cut. Bounds only requests the cut could not end (one still
 * sending its body, an admin call on a hung database).
 */
const WRITE_OUT_AFTER_CLOSE_MS = 1_000;

/** Seconds a request ended by shutdown is told to wait: the next try goes to another replica or a restarted one. */
const SHUTDOWN_RETRY_AFTER_S = 1;

/**
 * "timeout" when `work` has not settled within `ms`, or when `cutShort` settles first (the timer
 * does not keep the process alive).
 */
async function settlesWithin(work: Promise<unknown>, ms: number, cutShort?: Promise<unknown>): Promise<"settled" | "timeout"> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), ms);
    timer.unref?.();
  });
  try {
    const racers: Array<Promise<"settled" | "timeout">> = [work.then(() => "settled" as const), timeout];
    if (cutShort) racers.push(cutShort.then(() => "timeout" as const));
    return await Promise.race(racers);
  } finally {
    clearTimeout(timer);
  }
}

/** The listeners to open: one facade port, or the original's multi-port layout. */
export function planListeners(config: GatewayConfig): Array<{ name: string; port: number; endpoints: EndpointKey[] }> {
  if (!config.multiport.enabled) return [{ name: "facade", port: config.server.port, endpoints: ["openai_core", "openai_responses", "anthropic", "admin", "health"] }];
  const { ports, endpoints } = config.multiport;
  const plan = [
    { name: "facade", port: config.multiport.enableFacade ? ports.facade : 0, endpoints: normaliseEndpointKeys(endpoints.facade, "multiport.facade_endpoints") },
    { name: "openai", port: ports.openai, endpoints: normaliseEndpointKeys(endpoints.openai, "multiport.openai_endpoints") },
    { name: "anthropic", port: ports.anthropic, endpoints: normaliseEndpointKeys(endpoints.anthropic, "multiport.anthropic_endpoints") },
    { name: "admin", port: ports.admin, endpoints: normaliseEndpointKeys(endpoints.admin, "multiport.admin_endpoints") },
  ];
  // A port of 0 or an empty endpoint list means "no listener", as in the original.
  return plan.filter((listener) => listener.port > 0 && listener.endpoints.length > 0);
}

/** Build the proxy dependencies from the configuration (state lives here, not in modules). */
export function buildProxyDeps(config: GatewayConfig, logger: Logger, services: GatewayServices = {}): ProxyDeps {
  const keyRings = new Map(config.providers.map((provider) => [provider.name, new KeyRing(provider.apiKeys)]));
  const ledger = services.ledger ?? new MemoryLedgerSink();
  const drain = new DrainTracker();
  const providerHealth = createProviderHealth(config, logger);
  // One registry per process, shared by every listener; off, the proxy writes straight to the
  // ledger and nothing is counted.
  const metrics = config.metrics.enabled
    ? createGatewayMetrics({
        prices: services.prices ?? null,
        maxSeries: config.metrics.maxSeries,
        sources: { requestsInFlight: () => drain.requestsInFlight, upstreamCallsInFlight, ledger, version: gatewayVersion, commit: gatewayCommit },
        ...(providerHealth ? { cooldowns: { providers: config.providers.map((provider) => provider.name), isCooling: (name: string) => providerHealth.isCooling(name) } } : {}),
      })
    : undefined;
  return {
    config,
    router: new ModelRouter(config),
    keyRings,
    ledger: metrics ? observingLedger(ledger, metrics.observe, logger) : ledger,
    logger,
    findTranslator,
    estimateAnthropicTokens: services.estimateAnthropicTokens ?? estimateAnthropicInputTokensLazily,
    // Without a database nothing is kept, and previous_response_id resolves only at OpenAI itself.
    responses: services.responses ?? createResponseStore({ retentionHours: 0, logger }),
    drain,
    capabilities: new ModelCapabilityTable(config.models),
    refusedFields: new RefusedFields(),
    // Tests pass their own (short polling); the configured schedule otherwise.
    background: services.background ?? new BackgroundRuns({ ...DEFAULT_BACKGROUND_POLLING, ...config.responses.backgroundPolling }),
    ...(services.limits ? { limits: services.limits } : {}),
    ...(metrics ? { metrics } : {}),
    ...(providerHealth ? { providerHealth } : {}),
  };
}

/** Provider cooldowns, this process's own (routing/provider-health.ts); none when `routing.cooldown_failures = 0`. */
function createProviderHealth(config: GatewayConfig, logger: Logger): ProviderHealth | undefined {
  if (config.routing.cooldownFailures === 0) return undefined;
  return new ProviderHealth({ failuresToTrip: config.routing.cooldownFailures, cooldownMs: config.routing.cooldownSeconds * 1000, log: logger });
}

/** Start the gateway's listeners. Port 0 in single-port mode picks a free port (tests). */
export function startGateway(config: GatewayConfig, logger: Logger, services: GatewayServices = {}): RunningGateway {
  const proxy = buildProxyDeps(config, logger, services);
  const auth = services.auth ?? createOpenAuthenticator();
  // One per process: every listener's GET /v1/models shares the providers' cached listings.
  const modelDiscovery = config.routing.listUpstreamModels ? { providers: config.providers, lister: services.modelLister ?? createUpstreamModelLister({ deadlines: config.upstream, warn: (details, message) => logger.warn(details, message) }) } : undefined;
  let draining = false;
  const apps: Array<{ name: string; endpoints: EndpointKey[]; app: ReturnType<typeof createApp> }> = [];
  const listeners: RunningGateway["listeners"] = [];
  for (const plan of config.multiport.enabled ? planListeners(config) : [{ ...planListeners(config)[0]!, port: config.server.port }]) {
    const app = createApp({ config, proxy, auth, adminRoutes: services.adminRoutes, isDraining: () => draining, modelDiscovery }, plan.endpoints);
    try {
      app.listen({
        hostname: config.server.host,
        port: plan.port,
        // Fail loudly when the port is taken instead of sharing it (packaging-and-stack §6.1).
        reusePort: false,
        // Bun's maximum; SSE keep-alive pings keep quiet streams well inside it.
        idleTimeout: 255,
        // Out of reach on purpose: Bun answers a body over its cap with an empty 413 that SDKs show
        // as "(no body)". The body readers enforce server.body_limit_mb themselves, without
        // buffering past it, and answer in the caller's protocol (http/read-request.ts).
        maxRequestBodySize: Number.MAX_SAFE_INTEGER,
      });
    } catch (error) {
      // In multi-port mode the listeners opened before this one would otherwise stay open,
      // holding their ports while the caller reports the failure.
      for (const opened of apps) void opened.app.stop(true);
      throw describeListenError(error, config.server.host, plan.port, plan.name);
    }
    const server = app.server!;
    const url = `http://${config.server.host.includes(":") ? `[${config.server.host}]` : config.server.host}:${server.port}`;
    apps.push({ name: plan.name, endpoints: plan.endpoints, app });
    listeners.push({ name: plan.name, url, endpoints: plan.endpoints });
  }
  // Background responses a stopped process left running (now, and every few minutes for those
  // another replica leaves behind): those at OpenAI it was following are followed here; those it
  // ran itself are settled failed.
  const sweep = () =>
    void sweepOrphanedBackground(proxy).then(
      ({ followed, failed }) => {
        if (followed > 0) logger.info({ count: followed }, "following background responses no gateway was following");
        if (failed > 0) logger.warn({ count: failed }, "settled background responses whose gateway process stopped before they finished as failed");
      },
      (error: unknown) => logger.warn({ err: error }, "looking for background responses to follow failed"),
    );
  let sweeper: ReturnType<typeof setInterval> | undefined;
  if (proxy.responses?.storing && proxy.background) {
    sweep();
    sweeper = setInterval(sweep, proxy.background.polling.orphanedAfterMs);
    sweeper.unref?.();
  }
  let endGrace = () => {};
  const graceEnded = new Promise<void>((resolve) => {
    endGrace = resolve;
  });
  return {
    listeners,
    url: listeners[0]!.url,
    proxy,
    endGracePeriod: () => endGrace(),
    async stop(graceMs = config.server.shutdownGraceMs) {
      draining = true;
      proxy.drain.beginDrain();
      // Runs followed at OpenAI stay pending in the store; a later GET or another process's sweep settles them.
      clearInterval(sweeper);
      const followersStopped = proxy.background?.stop();
      const graceful = Promise.all(apps.map(({ app }) => app.stop(false)));
      // endGracePeriod() counts as the grace period running out.
      if ((await settlesWithin(graceful, graceMs, graceEnded)) === "timeout") {
        // Streams still open get one final error event, and requests still waiting on their
        // upstream an error answer, each with its ledger row, before the cut
        // (reliability-anchors §2.11); stop(true) then ends whatever else is left.
        const shutdown = new GatewayError("gateway_shutdown", 503, "gateway shutting down", { retryAfter: SHUTDOWN_RETRY_AFTER_S });
        const closing = proxy.drain.closeOpenRequests(shutdown).then(({ streams, waiting }) => {
          if (streams + waiting > 0) logger.info(`grace period over: closed ${streams} open stream(s) with a gateway_shutdown error event and answered ${waiting} request(s) still waiting on their upstream with a gateway_shutdown error`);
        });
        if ((await settlesWithin(closing, SETTLE_AFTER_GRACE_MS)) === "timeout") logger.warn(`open requests did not close within ${SETTLE_AFTER_GRACE_MS} ms after the grace period; cutting them`);
        // Those answers and final events are made but may not be on the wire yet: stop(true)
        // at once could cut them off. The graceful stop resolves when every request is done.
        await settlesWithin(graceful, WRITE_OUT_AFTER_CLOSE_MS);
        // Only listeners the graceful stop has not finished: stopping one already stopped makes
        // Elysia print "Elysia isn't running" with a stack trace to stdout, at every such shutdown.
        await Promise.all(apps.filter(({ app }) => app.server).map(({ app }) => app.stop(true)));
      }
      // Requests the cut ended (non-streamed ones still waiting on their upstream) write their rows
      // on the way out; the ledger closes after them, or a row would be refused and lost.
      await followersStopped;
      const unwritten = await proxy.drain.rowsWritten(SETTLE_AFTER_GRACE_MS);
      if (unwritten > 0) logger.error(`${unwritten} ledger rows were still being written ${SETTLE_AFTER_GRACE_MS} ms after the cut; closing the ledger anyway`);
      await proxy.ledger.close();
    },
  };
}
