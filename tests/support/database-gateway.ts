/**
 * A real in-process gateway with the database services (store, key auth, group-commit ledger,
 * admin and usage routes), as `gatewayd` builds them, against the mock upstream. The test
 * database (SQLite temp dir or throw-away PostgreSQL) comes from test-databases.ts; `store`
 * is a second connection for reading the ledger and managing users and keys. Its usage reads
 * first let the gateway move journaled rows into the database (SQLite: rows are durable in the
 * ledger journal at the answer and reach usage_entries within ~100 ms), as the gateway's own
 * usage API does.
 */
import { loadConfig } from "../../src/config/load";
import { buildServices } from "../../src/daemon";
import { type GatewayServices, type RunningGateway, startGateway } from "../../src/gateway";
import { createSilentLogger } from "../../src/log/logger";
import type { Store } from "../../src/store/types";
import type { MockUpstream } from "./mock-upstream";
import type { TestDatabase } from "./test-databases";

export interface DatabaseGateway {
  url: string;
  gateway: RunningGateway;
  store: Store;
  stop(): Promise<void>;
}

/** The environment that points a gateway at `database` and the mock (auth on unless overridden; undefined removes a variable). */
export function databaseGatewayEnv(database: TestDatabase, mock: MockUpstream | undefined, env: Record<string, string | undefined> = {}): Record<string, string> {
  const merged: Record<string, string | undefined> = {
    TOKLIGENCE_PORT: "0",
    TOKLIGENCE_HOST: "127.0.0.1",
    TOKLIGENCE_LOG__FILE: "false",
    TOKLIGENCE_AUTH_DISABLED: "false",
    ...(database.options.databaseUrl ? { TOKLIGENCE_DATABASE_URL: database.options.databaseUrl, TOKLIGENCE_DATA_DIR: "/tmp/tokligence-test" } : { TOKLIGENCE_DATA_DIR: database.options.dataDir! }),
    ...(mock
      ? {
          TOKLIGENCE_OPENAI_API_KEY: "sk-test-openai-key-123456",
          TOKLIGENCE_OPENAI_BASE_URL: mock.openaiBaseUrl,
          TOKLIGENCE_ANTHROPIC_API_KEY: "sk-ant-test-key-123456",
          TOKLIGENCE_ANTHROPIC_BASE_URL: mock.url,
        }
      : {}),
    ...env,
  };
  return Object.fromEntries(Object.entries(merged).filter((entry): entry is [string, string] => entry[1] !== undefined));
}

/** `overrides` replaces services buildServices made (e.g. background runs with short polling). */
export async function startDatabaseGateway(database: TestDatabase, mock: MockUpstream | undefined, env: Record<string, string | undefined> = {}, overrides: Partial<GatewayServices> = {}): Promise<DatabaseGateway> {
  const loaded = loadConfig({ configDir: "/nonexistent-config-dir", env: databaseGatewayEnv(database, mock, env) });
  const services = await buildServices(loaded, createSilentLogger());
  const gateway = startGateway(loaded.config, createSilentLogger(), { ...services, ...overrides });
  const store = readAfterFlush(await database.open(), () => services.flushLedger());
  return {
    url: gateway.url,
    gateway,
    store,
    async stop() {
      await gateway.stop(1000);
      await services.close();
    },
  };
}

/** The same store, whose usage reads run after `flush`. */
function readAfterFlush(store: Store, flush: () => Promise<void>): Store {
  const usage = store.usage;
  return {
    ...store,
    usage: {
      insertBatch: (rows) => usage.insertBatch(rows),
      summary: async (filter) => (await flush(), usage.summary(filter)),
      logs: async (filter, limit) => (await flush(), usage.logs(filter, limit)),
    },
  };
}
