/** Open the database the configuration names (daemon and CLI share this). */
import type { GatewayConfig } from "../config/types";
import { openStore } from "./open-store";
import type { Store, User } from "./types";

/** The built-in `auth.admin_email`: a placeholder that creates the root admin but never renames one. */
export const DEFAULT_ADMIN_EMAIL = "admin@local";

/** Open the store; with `migrate` (default) also apply migrations and ensure the root admin. */
export async function openConfiguredStore(config: Pick<GatewayConfig, "dataDir" | "databaseUrl" | "sqliteSynchronous"> & { auth: Pick<GatewayConfig["auth"], "disabled" | "adminEmail"> } & Partial<Pick<GatewayConfig, "pgSilenceTimeoutMs">>, options: { migrate?: boolean } = {}): Promise<Store> {
  const store = await openStore({ dataDir: config.dataDir, databaseUrl: config.databaseUrl || undefined, sqliteSynchronous: config.sqliteSynchronous, ...(config.pgSilenceTimeoutMs === undefined ? {} : { pgSilenceTimeoutMs: config.pgSilenceTimeoutMs }) });
  if (options.migrate !== false) {
    try {
      await store.migrate();
      await ensureConfiguredRootAdmin(store, config);
    } catch (error) {
      await store.close();
      throw error;
    }
  }
  return store;
}

/** The root admin `auth.admin_email` names: created when missing, renamed only to an explicit address. */
export function ensureConfiguredRootAdmin(store: Store, config: { auth: Pick<GatewayConfig["auth"], "disabled" | "adminEmail"> }): Promise<User> {
  return store.users.ensureRootAdmin(config.auth.adminEmail, { rename: config.auth.adminEmail !== DEFAULT_ADMIN_EMAIL });
}
