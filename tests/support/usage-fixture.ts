/** The shared start of the usage API and CLI tests. */
import { join } from "node:path";
import { issueApiKey } from "../../src/auth/issue-api-key";
import type { DialectCase } from "./test-databases";

/**
 * A migrated store with the root admin, one member (member@example.com) and an admin key, with
 * this process's TOKLIGENCE_* variables cleared and no config directory, so the CLI the test
 * runs reads only what the test gives it.
 */
export async function openUsageFixture(dialectCase: DialectCase, configDir: string) {
  for (const name of Object.keys(process.env)) if (name.startsWith("TOKLIGENCE_")) delete process.env[name];
  process.env.TOKLIGENCE_CONFIG_DIR = join(configDir, "none");
  const database = await dialectCase.create();
  const store = await database.openMigrated();
  const root = await store.users.ensureRootAdmin("admin@local");
  const member = await store.users.create({ email: "member@example.com", role: "gateway_user" });
  const adminToken = (await issueApiKey(store, { userId: root.id })).token;
  return { database, store, root, member, adminToken };
}
