import { afterAll, describe, expect, test } from "bun:test";
import { issueApiKey } from "../../src/auth/issue-api-key";
import { loadConfig } from "../../src/config/load";
import { buildServices } from "../../src/daemon";
import { createSilentLogger } from "../../src/log/logger";
import { databaseGatewayEnv } from "../support/database-gateway";
import { dialectCases, type TestDatabase } from "../support/test-databases";

/**
 * Which deployments get fail-static key checks, as the daemon wires them: PostgreSQL (a shared
 * database a replica can lose while it can still serve and spill), not SQLite (a local file: a
 * check it cannot answer means the gateway's own disk failed, and the ledger could not record
 * the request either). The database is "lost" by closing the services' store under the
 * authenticator, which every dialect reports as unreachable.
 */
const bearer = (token: string) => new Headers({ authorization: `Bearer ${token}` });

for (const dialectCase of dialectCases) {
  describe.skipIf(dialectCase.skip)(`fail-static key checks on ${dialectCase.dialect}`, () => {
    const databases: TestDatabase[] = [];
    afterAll(async () => {
      for (const database of databases) await database.drop();
    });

    async function lostAfterOneCheck(env: Record<string, string> = {}) {
      const database = await dialectCase.create();
      databases.push(database);
      const loaded = loadConfig({ configDir: "/nonexistent-config-dir", env: databaseGatewayEnv(database, undefined, env) });
      const services = await buildServices(loaded, createSilentLogger());
      const store = await database.open();
      const user = await store.users.create({ email: "dev@example.com", role: "gateway_user" });
      const { token } = await issueApiKey(store, { userId: user.id });
      expect((await services.auth!.authenticate(bearer(token))).ok).toBe(true);
      await services.close();
      return services.auth!.authenticate(bearer(token)).catch((error) => error);
    }

    if (dialectCase.dialect === "postgres") {
      test("a key confirmed before the database was lost is accepted from memory", async () => {
        expect(await lostAfterOneCheck()).toMatchObject({ ok: true, principal: { verifiedFromMemoryAt: expect.any(Date) } });
      });
      test("auth.outage_grace_seconds = 0 turns it off", async () => {
        expect(await lostAfterOneCheck({ TOKLIGENCE_AUTH__OUTAGE_GRACE_SECONDS: "0" })).toMatchObject({ code: "database_unavailable", status: 503 });
      });
    } else {
      test("unaffected: every key check needs the database, as before", async () => {
        expect(await lostAfterOneCheck()).toMatchObject({ code: "database_unavailable", status: 503 });
      });
    }
  });
}
