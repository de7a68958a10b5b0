import { redactUrlCredentials } from "./config/show";
import { resolveDatabaseTarget } from "./store/open-store";
import { describeDatabase } from "./store/describe-database";
import { describeOpenFailure, describePathFailure } from "./store/open-failure-hint";
import { isLoopbackHost, resolveAuthRequired } from "./auth/auth-required";
import { createAuthenticator } from "./auth/authenticator";
import type { LoadedConfig } from "./config/load";
import type { UnexpectedErrorHandler } from "./http/api-response";
import { createAdminRoutes } from "./http/routes/admin";
import { createUsageRoutes } from "./http/routes/usage";
import { createLedgerSink } from "./ledger/ledger-sink";
import type { JournalMover } from "./ledger/journal-mover";
import { openLedgerJournal } from "./ledger/open-journal";
import type { LedgerSpill } from "./ledger/ledger-spill";
import { openLedgerSpill } from "./ledger/open-spill";
import { loadPriceTable } from "./ledger/price-table";
import { createOutputCeiling } from "./limits/output-ceiling";
import { RequestLimits } from "./limits/request-limits";
import { ModelCapabilityTable } from "./proxy/model-capability-table";
import { startReservationSweeper } from "./limits/reservation-sweeper";
import { SharedRateWindows } from "./limits/shared-rate-windows";
import { createResponseStore } from "./responses-store/service";
import { boundStoreCalls } from "./store/bounded-store";
import { withDatabaseDeadline } from "./store/database-deadline";
import { ensureConfiguredRootAdmin, openConfiguredStore } from "./store/open-configured-store";
import { type GatewayServices, startGateway } from "./gateway";
import { ListenError } from "./http/listen-error";
import { probeListeners } from "./http/probe-listeners";
import { createLogger, type Logger } from "./log/logger";
import { gatewayCommit, gatewayVersion } from "./version";
import { readStopWithParent, watchParentExit } from "./parent-exit";
import { wasStartedIgnoring } from "./inherited-signal-ignore";

/**
 * The services that need a database (user store, authenticator, durable ledger, admin routes).
 * Built here, in the composition root, so the proxy only sees interfaces. Migrations run
 * before anything listens; a failure refuses to start (packaging-and-stack §7).
 */
export async function buildServices(loaded: LoadedConfig, logger: Logger): Promise<GatewayServices & { flushLedger(): Promise<void>; close(): Promise<void> }> {
  const { config } = loaded;
  const store = await openConfiguredStore(config, { migrate: false });
  let journal: JournalMover | undefined;
  let spill: LedgerSpill | undefined;
  let sharedWindows: SharedRateWindows | undefined;
  try {
    const migration = await store.migrate();
    logger.info({ dialect: store.dialect, database: store.location, applied: migration.applied }, `database ready (${store.dialect})`);
    const root = await ensureConfiguredRootAdmin(store, config);
    const prices = loadPriceTable(config.ledger.pricesFile || undefined);
    const ledgerLogger = {
      info: (object: object, message: string) => logger.info(object, message),
      warn: (object: object, message: string) => logger.warn(object, message),
      error: (object: object, message: string) => logger.error(object, message),
    };
    // SQLite: rows become durable in the ledger journal and move to usage_entries in bulk.
    const mover = (journal = await openLedgerJournal(store, config.sqliteSynchronous, ledgerLogger));
    // PostgreSQL: rows commit straight into the shared database; while it cannot be reached they
    // are made durable in a local spill file instead, and what earlier runs spilled is imported now.
    spill = await openLedgerSpill(store, config, ledgerLogger);
    const ledgerSpill = spill;
    const ledger = createLedgerSink(store, {
      prices,
      logger: ledgerLogger,
      ...(mover ? { write: (rows) => mover.write(rows) } : {}),
      ...(ledgerSpill ? { write: (rows) => ledgerSpill.write(rows), onWriteFailed: (rows, error) => ledgerSpill.takeFailed(rows, error), spilledCount: () => ledgerSpill.pendingCount() } : {}),
    });
    // The usage API reads after moving pending rows: journaled ones (SQLite), and spilled ones
    // when there are any (a failed move leaves the read to say whether the database answers).
    // PostgreSQL: the admin API, the usage API and stored Responses wait for it at most
    // pg_request_timeout_ms too (a silent partition hung them until the 30 s silence timeout),
    // and so does the move of spilled rows before a usage read (the read then says whether the
    // database answers).
    const requestTimeoutMs = store.dialect === "postgres" ? config.pgRequestTimeoutMs : 0;
    const boundedStore = boundStoreCalls(store, requestTimeoutMs);
    const moveSpilled = (spill: LedgerSpill) => withDatabaseDeadline(spill.flush(), requestTimeoutMs, "moving spilled usage rows").catch(() => undefined);
    const beforeRead = mover ? () => mover.flush() : ledgerSpill ? () => (ledgerSpill.pendingCount() > 0 ? moveSpilled(ledgerSpill) : Promise.resolve()) : undefined;
    const required = resolveAuthRequired(config);
    // PostgreSQL: a key check waits at most pg_request_timeout_ms, and one that cannot reach the
    // database may accept a key confirmed recently (fail-static). SQLite is a local file: a check
    // it cannot answer means the gateway's own disk failed, and the ledger could not record the
    // request either, so there every check still needs the database.
    const outage = store.dialect === "postgres" ? { requestTimeoutMs: config.pgRequestTimeoutMs, graceSeconds: config.auth.outageGraceSeconds, logger: ledgerLogger } : undefined;
    const auth = createAuthenticator(store, { required, localUser: root, ...(outage ? { outage } : {}) });
    const why = config.auth.disabled === undefined ? (required ? "listening beyond loopback" : "listening on loopback only") : "auth.disabled / TOKLIGENCE_AUTH_DISABLED";
    logger.info(
      `auth: ${required ? "API key required on model endpoints" : `OFF on model endpoints: requests without a gateway key count as ${root.email}; a presented tok_ key is still checked`} (${why}); admin API always requires an admin key`,
    );
    if (!required && !isLoopbackHost(config.server.host)) {
      // Switched off by hand on an address others can reach: say so loudly, once.
      logger.warn(`auth is OFF while listening on ${config.server.host}: anyone who can reach this address can use the gateway and the provider keys behind it`);
    }
    // One line per failed request, with the catalogue code (database_unavailable, internal_error) to filter on.
    const onUnexpectedError: UnexpectedErrorHandler = (cause, answer) => logger.error({ err: cause, code: answer.code }, `admin/usage API error: ${answer.message}`);
    const responses = createResponseStore({ repository: boundedStore.responses, retentionHours: config.responses.storeRetentionHours, logger });
    responses.startPurging();
    // Rate windows shared by replicas (limits.redis_url); an unreachable Redis does not stop the start.
    sharedWindows = config.limits.redis ? await SharedRateWindows.open(config.limits.redis, ledgerLogger) : undefined;
    const limits = new RequestLimits({ budgets: store.budgets, prices, defaultOutputTokens: config.limits.defaultOutputTokens, outputCeiling: createOutputCeiling(new ModelCapabilityTable(config.models), config.defaultMaxTokens), reservationTtlMs: config.limits.reservationTtlSeconds * 1000, logger: ledgerLogger, ...(sharedWindows ? { sharedWindows } : {}) });
    // The journal's owner is the only gateway on this SQLite file: reservations left there are a dead process's.
    const stopSweeper = startReservationSweeper(store.budgets, ledgerLogger, { releaseAllNow: mover !== undefined, reservationTtlMs: config.limits.reservationTtlSeconds * 1000 });
    return {
      ledger,
      auth,
      responses,
      limits,
      prices,
      adminRoutes: [createAdminRoutes({ store: boundedStore, auth, onUnexpectedError, beforeRead }), createUsageRoutes({ store: boundedStore, auth, onUnexpectedError, beforeRead })],
      /** Move journaled usage rows into the database now (what the usage API does before reading). */
      flushLedger: async () => {
        await mover?.flush();
        await ledgerSpill?.flush();
      },
      // The gateway closes the ledger (flushing it) before this runs.
      close: async () => {
        responses.stop();
        stopSweeper();
        sharedWindows?.close();
        await mover?.close();
        await ledgerSpill?.close();
        await store.close();
      },
    };
  } catch (error) {
    sharedWindows?.close();
    await journal?.close();
    await spill?.close();
    await store.close();
    throw error;
  }
}

/**
 * The cause and fix when a start failed to open or create a file (the SQLite database, or a file
 * the error names, such as the ledger journal); undefined for any other failure.
 */
function openFailureHint(error: unknown, databaseUrl: string, dataDir: string): string | undefined {
  const named = (error as { path?: unknown } | undefined)?.path;
  if (typeof named === "string") return describeOpenFailure(error, named) ?? describePathFailure(error, named);
  try {
    const target = resolveDatabaseTarget({ databaseUrl: databaseUrl || undefined, dataDir });
    return target.dialect === "sqlite" ? (describeOpenFailure(error, target.path) ?? describePathFailure(error, target.path)) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A port in use or an address not on this machine: one fatal line that says which and what to
 * change, not a stack trace from inside the HTTP framework; exit 1 like any failed start. A
 * ListenError's own stack says nothing a user needs; any other error keeps the full one.
 */
async function exitOnListenError(logger: Logger, error: unknown): Promise<never> {
  logger.fatal(error instanceof ListenError ? { code: error.code } : { err: error }, `cannot start: ${(error as Error).message}`);
  logger.flush();
  await Bun.sleep(50);
  process.exit(1);
}

/** Stop signals closer together than this are one delivery (see shutdown); a person's second Ctrl-C is slower. */
const DUPLICATE_SIGNAL_MS = 100;

/** `gatewayd` / `gateway serve`: start, log the essentials, drain on SIGTERM/SIGINT/SIGHUP. */
export async function runDaemon(loaded: LoadedConfig): Promise<void> {
  const { config } = loaded;
  let logger: Logger;
  try {
    logger = await createLogger(config);
  } catch (error) {
    // The log directory under the data dir could not be created (the same unwritable bind
    // mount, or a part of the path that is a file): no logger yet, so one line on stderr with
    // the cause and fix, not a stack trace.
    const path = (error as { path?: unknown }).path;
    const hint = typeof path === "string" ? (describeOpenFailure(error, path) ?? describePathFailure(error, path)) : undefined;
    if (!hint) throw error;
    process.stderr.write(`cannot start (log directory under ${config.dataDir}): ${(error as Error).message}; ${hint}\n`);
    process.exit(1);
  }
  for (const warning of loaded.warnings) logger.warn(warning);
  try {
    probeListeners(config);
  } catch (error) {
    return await exitOnListenError(logger, error);
  }
  let services: Awaited<ReturnType<typeof buildServices>>;
  try {
    services = await buildServices(loaded, logger);
  } catch (error) {
    // Most often the database (PostgreSQL not up yet, wrong URL or password). Said as one JSON
    // log line naming it, where log collectors look, instead of a bare stack trace on stderr
    // that does not say which database; exit 1 so a supervisor restarts the replica.
    const database = describeDatabase(config.databaseUrl, config.dataDir);
    const hint = openFailureHint(error, config.databaseUrl, config.dataDir);
    logger.fatal({ err: error, database }, `cannot start (database${database ? ` ${database}` : ""}): ${(error as Error).message}${hint ? `; ${hint}` : ""}`);
    logger.flush();
    await Bun.sleep(50);
    process.exit(1);
  }
  let gateway: ReturnType<typeof startGateway>;
  try {
    gateway = startGateway(config, logger, services);
  } catch (error) {
    await services.ledger?.close();
    await services.close();
    return await exitOnListenError(logger, error);
  }
  logger.info({ version: gatewayVersion, commit: gatewayCommit, environment: config.environment }, `tokligence gateway ${gatewayVersion} started`);
  // Tests and operators grep this line (the original's start-up log, notes §1.13).
  logger.info(`work mode: ${config.workMode} (auto=passthrough when protocols match, translation otherwise; passthrough=never translate; translation=always through the hub)`);
  for (const listener of gateway.listeners) logger.info({ endpoints: listener.endpoints }, `${listener.name} server listening on ${listener.url}`);
  logger.info({ providers: config.providers.map((provider) => ({ name: provider.name, kind: provider.kind, keys: provider.apiKeys.length, baseUrl: redactUrlCredentials(provider.baseUrl) })) }, "providers configured");

  let signals = 0;
  let lastSignalAt = 0;
  const shutdown = async (signal: string) => {
    // One stop is often delivered more than once within milliseconds: a launcher (npm, `npm
    // start`) forwards what its process group already got, systemd's default KillMode signals
    // every process of the service, `timeout` signals its child and then the group. Such a copy
    // must not count as the operator's second signal, which ends the drain.
    const now = Date.now();
    if (signals > 0 && now - lastSignalAt < DUPLICATE_SIGNAL_MS) return;
    lastSignalAt = now;
    signals += 1;
    // reliability-anchors §2.11: a second signal forces the exit. It ends the grace period now
    // (open streams get their error event, every ledger row is written, both bounded to
    // seconds); a third exits at once, like kill -9: acknowledged rows are durable already,
    // requests still running lose theirs.
    if (signals === 2) {
      logger.warn(`received ${signal} again: ending the grace period now (once more to exit at once)`);
      gateway.endGracePeriod();
    }
    if (signals === 3) {
      logger.flush();
      process.exit(1);
    }
    if (signals > 1) return;
    logger.info(`received ${signal}: draining (up to ${config.server.shutdownGraceMs} ms)`);
    await gateway.stop();
    await services.close();
    logger.info("stopped");
    logger.flush();
    setTimeout(() => process.exit(0), 50);
  };
  // SIGHUP too: the terminal the daemon runs in closed, or an operator sent HUP. Left to the
  // runtime's default it ended the process at once (exit 129), and requests in flight lost their
  // answers and ledger rows. There is no config to reload, so HUP is a stop like any other;
  // unless the daemon was started with HUP ignored (`nohup`), which a handler would undo.
  const hupIgnored = wasStartedIgnoring("SIGHUP");
  if (hupIgnored) logger.info("SIGHUP is ignored (started under nohup or with HUP ignored): closing the terminal does not stop the gateway");
  for (const signal of ["SIGTERM", "SIGINT", ...(hupIgnored ? [] : ["SIGHUP"] as const)] as const) process.on(signal, () => void shutdown(signal));
  if (readStopWithParent(process.env)) {
    watchParentExit(() => {
      logger.warn("the launcher that started the gateway has exited (TOKLIGENCE_STOP_WITH_PARENT): stopping");
      void shutdown("launcher exit");
    });
  }
}
