import type { LoadedConfig } from "./config/load";
import { type GatewayServices, startGateway } from "./gateway";
import { createLogger, type Logger } from "./log/logger";
import { gatewayCommit, gatewayVersion } from "./version";

/**
 * The services that need a database (user store, authenticator, durable ledger, admin routes).
 * Built here, in the composition root, so the proxy only sees interfaces.
 */
export async function buildServices(loaded: LoadedConfig, logger: Logger): Promise<GatewayServices & { close(): Promise<void> }> {
  void loaded;
  void logger;
  return { close: async () => undefined };
}

/** `gatewayd` / `gateway serve`: start, log the essentials, drain on SIGTERM/SIGINT. */
export async function runDaemon(loaded: LoadedConfig): Promise<void> {
  const { config } = loaded;
  const logger = await createLogger(config);
  const services = await buildServices(loaded, logger);
  const gateway = startGateway(config, logger, services);
  logger.info({ version: gatewayVersion, commit: gatewayCommit, environment: config.environment }, `tokligence gateway ${gatewayVersion} started`);
  // Tests and operators grep this line (the original's start-up log, notes §1.13).
  logger.info(`work mode: ${config.workMode} (auto=passthrough when protocols match, translation otherwise; passthrough=never translate; translation=always through the hub)`);
  for (const listener of gateway.listeners) logger.info({ endpoints: listener.endpoints }, `${listener.name} server listening on ${listener.url}`);
  logger.info({ providers: config.providers.map((provider) => ({ name: provider.name, kind: provider.kind, keys: provider.apiKeys.length, baseUrl: provider.baseUrl })) }, "providers configured");

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info(`received ${signal}: draining (up to ${config.server.shutdownGraceMs} ms)`);
    await gateway.stop();
    await services.close();
    logger.info("stopped");
    logger.flush();
    setTimeout(() => process.exit(0), 50);
  };
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
  process.on("SIGINT", () => void shutdown("SIGINT"));
}
