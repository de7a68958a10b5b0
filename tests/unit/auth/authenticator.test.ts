import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { join } from "node:path";
import postgres from "postgres";
import { generateApiKeyToken, hashApiKey, isApiKeyShaped, keyPrefixOf } from "../../../src/auth/api-key";
import { createAuthenticator } from "../../../src/auth/authenticator";
import { issueApiKey } from "../../../src/auth/issue-api-key";
import type { Store, User } from "../../../src/store/types";
import { dialectCases, type TestDatabase } from "../../support/test-databases";

/** A key row with any scopes, as one issued before its owner's role changed would be. */
async function insertKeyWithScopes(store: Store, userId: number, scopes: string[]): Promise<{ token: string }> {
  const token = generateApiKeyToken();
  await store.apiKeys.insert({ userId, keyHash: hashApiKey(token), keyPrefix: keyPrefixOf(token), scopes, expiresAt: null, name: null });
  return { token };
}

function bearer(token: string): Headers {
  return new Headers({ authorization: `Bearer ${token}` });
}

test("tokens are tok_ + 43 base64url characters and differ every time", () => {
  const a = generateApiKeyToken();
  expect(a).toMatch(/^tok_[A-Za-z0-9_-]{43}$/);
  expect(isApiKeyShaped(a)).toBe(true);
  expect(generateApiKeyToken()).not.toBe(a);
  expect(isApiKeyShaped("tok_' OR 1=1 --")).toBe(false);
});

for (const dialectCase of dialectCases) {
  describe.skipIf(dialectCase.skip)(`authenticator on ${dialectCase.dialect}`, () => {
    let database: TestDatabase;
    let store: Store;
    let root: User;
    let user: User;
    let admin: User;
    const keyWithScopes = (userId: number, scopes: string[]) => insertKeyWithScopes(store, userId, scopes);

    beforeAll(async () => {
      database = await dialectCase.create();
      store = await database.openMigrated();
      root = await store.users.ensureRootAdmin("admin@local");
      user = await store.users.create({ email: "user@example.com", role: "gateway_user" });
      admin = await store.users.create({ email: "ops@example.com", role: "gateway_admin" });
    });
    afterAll(async () => database.drop());

    test("valid key from Authorization, X-API-Key and x-api-key gives the owner's principal", async () => {
      const auth = createAuthenticator(store, { required: true });
      const { token, apiKey } = await issueApiKey(store, { userId: user.id });
      for (const headers of [bearer(token), new Headers({ "X-API-Key": token }), new Headers({ "x-api-key": token })]) {
        const result = await auth.authenticate(headers);
        expect(result).toEqual({ ok: true, principal: { userId: user.id, apiKeyId: apiKey.id, email: user.email, role: "gateway_user", scopes: ["models", "usage"] } });
      }
    });

    test("no key, wrong key, malformed key, revoked key, expired key, inactive owner → 401", async () => {
      let clock = new Date();
      const auth = createAuthenticator(store, { required: true, now: () => clock });
      expect(await auth.authenticate(new Headers())).toMatchObject({ ok: false, status: 401 });
      // Says how to get a key, not only which header to send it in.
      expect(await auth.authenticate(new Headers())).toMatchObject({ message: expect.stringContaining("gateway admin api-keys create --user <email>") });
      expect(await auth.authenticate(bearer(generateApiKeyToken()))).toMatchObject({ ok: false, status: 401, message: "invalid API key" });
      expect(await auth.authenticate(bearer("sk-not-ours"))).toMatchObject({ ok: false, status: 401 });
      // A provider's key where a gateway key belongs says so, instead of sending the user to check the provider key.
      expect(await auth.authenticate(bearer("sk-ant-api03-providers-own"))).toMatchObject({
        status: 401,
        message: "invalid API key: this gateway accepts only its own keys (tok_…, made with `gateway admin api-keys create`), not a provider's key",
      });
      // Same prefix, different secret: found by prefix, refused by the digest comparison.
      const { token } = await issueApiKey(store, { userId: user.id });
      const tampered = token.slice(0, 12) + (token[12] === "A" ? "B" : "A") + token.slice(13);
      expect(await auth.authenticate(bearer(tampered))).toMatchObject({ ok: false, status: 401, message: "invalid API key" });

      const revoked = await issueApiKey(store, { userId: user.id });
      await store.apiKeys.revoke(revoked.apiKey.id);
      expect(await auth.authenticate(bearer(revoked.token))).toMatchObject({ ok: false, status: 401, message: "API key revoked" });

      const expiring = await issueApiKey(store, { userId: user.id, expiresAt: new Date(clock.getTime() + 60_000) });
      expect((await auth.authenticate(bearer(expiring.token))).ok).toBe(true);
      clock = new Date(clock.getTime() + 61_000);
      expect(await auth.authenticate(bearer(expiring.token))).toMatchObject({ ok: false, status: 401, message: "API key expired" });

      const temp = await store.users.create({ email: "temp@example.com", role: "gateway_user" });
      const tempKey = await issueApiKey(store, { userId: temp.id });
      await store.users.update(temp.id, { status: "inactive" });
      expect(await auth.authenticate(bearer(tempKey.token))).toMatchObject({ ok: false, status: 401 });
      await store.users.update(temp.id, { status: "active" });
      expect((await auth.authenticate(bearer(tempKey.token))).ok).toBe(true);
      await store.users.softDelete(temp.id);
      expect(await auth.authenticate(bearer(tempKey.token))).toMatchObject({ ok: false, status: 401 });
    });

    test("admin check: user key → 403, admin and root keys pass, scope-narrowed admin key → 403, no key → 401", async () => {
      const auth = createAuthenticator(store, { required: false });
      expect(await auth.authenticateAdmin(new Headers())).toMatchObject({ ok: false, status: 401 });
      const userKey = await issueApiKey(store, { userId: user.id });
      expect(await auth.authenticateAdmin(bearer(userKey.token))).toMatchObject({ ok: false, status: 403 });
      // A key holding the admin scope (issued before its owner was demoted) still cannot exceed the role.
      const sneaky = await keyWithScopes(user.id, ["admin"]);
      expect(await auth.authenticateAdmin(bearer(sneaky.token))).toMatchObject({ ok: false, status: 403 });
      const adminKey = await issueApiKey(store, { userId: admin.id });
      expect(await auth.authenticateAdmin(bearer(adminKey.token))).toMatchObject({ ok: true, principal: { role: "gateway_admin" } });
      const rootKey = await issueApiKey(store, { userId: root.id });
      expect(await auth.authenticateAdmin(bearer(rootKey.token))).toMatchObject({ ok: true, principal: { role: "root_admin" } });
      const modelsOnly = await issueApiKey(store, { userId: admin.id, scopes: ["models"] });
      expect(await auth.authenticateAdmin(bearer(modelsOnly.token))).toMatchObject({ ok: false, status: 403 });
    });

    test("auth off: anonymous is the local root admin; placeholder keys pass; a valid key names its owner", async () => {
      const auth = createAuthenticator(store, { required: false });
      expect(auth.required).toBe(false);
      expect(await auth.authenticate(new Headers())).toEqual({
        ok: true,
        principal: { userId: root.id, apiKeyId: null, email: root.email, role: "anonymous", scopes: ["models", "usage"] },
      });
      expect(await auth.authenticate(new Headers({ "x-api-key": "sk-ant-placeholder" }))).toMatchObject({ ok: true, principal: { userId: root.id } });
      const { token } = await issueApiKey(store, { userId: user.id });
      expect(await auth.authenticate(bearer(token))).toMatchObject({ ok: true, principal: { userId: user.id, role: "gateway_user" } });
    });

    test("auth off: a presented tok_ key is still checked; revoked, expired or unknown → 401", async () => {
      let clock = new Date();
      const auth = createAuthenticator(store, { required: false, now: () => clock });
      const revoked = await issueApiKey(store, { userId: user.id });
      await store.apiKeys.revoke(revoked.apiKey.id);
      expect(await auth.authenticate(bearer(revoked.token))).toMatchObject({ ok: false, status: 401, message: "API key revoked" });
      const expiring = await issueApiKey(store, { userId: user.id, expiresAt: new Date(clock.getTime() + 60_000) });
      clock = new Date(clock.getTime() + 61_000);
      expect(await auth.authenticate(new Headers({ "x-api-key": expiring.token }))).toMatchObject({ ok: false, status: 401, message: "API key expired" });
      expect(await auth.authenticate(bearer(generateApiKeyToken()))).toMatchObject({ ok: false, status: 401, message: "invalid API key" });
      // A truncated or mistyped key is refused too, not billed to the root admin.
      const valid = await issueApiKey(store, { userId: user.id });
      expect(await auth.authenticate(bearer(valid.token.slice(0, -3)))).toMatchObject({ ok: false, status: 401, message: "invalid API key" });
      expect(await auth.authenticate(bearer("tok_short"))).toMatchObject({ ok: false, status: 401 });
    });

    // `curl -H "Authorization: $KEY"` (no "Bearer ") was answered "missing API key", though a key
    // was sent; with auth off such a tok_ key went unchecked and the root admin was billed.
    test("an Authorization header without the Bearer scheme: a 401 that says so, with auth on and off", async () => {
      const { token } = await issueApiKey(store, { userId: user.id });
      const bare = new Headers({ authorization: token });
      const expected = { ok: false as const, status: 401 as const, message: "the Authorization header must read `Bearer tok_…` (the word Bearer, a space, then the key), or send the key as `x-api-key: tok_…`" };
      expect(await createAuthenticator(store, { required: true }).authenticate(bare)).toEqual(expected);
      expect(await createAuthenticator(store, { required: true }).authenticate(new Headers({ authorization: "Basic dXNlcjpwYXNz" }))).toEqual(expected);
      expect(await createAuthenticator(store, { required: false }).authenticate(bare)).toEqual(expected);
      // Auth off, a header that holds no gateway key stays what it was: anonymous.
      expect(await createAuthenticator(store, { required: false }).authenticate(new Headers({ authorization: "Basic dXNlcjpwYXNz" }))).toMatchObject({ ok: true, principal: { userId: root.id } });
      // An x-api-key beside it is used as before.
      expect(await createAuthenticator(store, { required: true }).authenticate(new Headers({ authorization: "junk", "x-api-key": token }))).toMatchObject({ ok: true, principal: { userId: user.id } });
    });

    test("scopes: no explicit scopes means what the role allows; explicit scopes narrow it", async () => {
      const auth = createAuthenticator(store, { required: true });
      const scopesOf = async (token: string) => {
        const result = await auth.authenticate(bearer(token));
        return result.ok ? result.principal.scopes : result;
      };
      expect(await scopesOf((await issueApiKey(store, { userId: user.id })).token)).toEqual(["models", "usage"]);
      expect(await scopesOf((await issueApiKey(store, { userId: admin.id })).token)).toEqual(["models", "usage", "admin", "metrics"]);
      expect(await scopesOf((await issueApiKey(store, { userId: admin.id, scopes: ["usage"] })).token)).toEqual(["usage"]);
      expect(await scopesOf((await keyWithScopes(user.id, ["models", "admin"])).token)).toEqual(["models"]);
      // A scrape-only key for Prometheus: an admin's key narrowed to `metrics`, which a user's role lacks.
      expect(await scopesOf((await issueApiKey(store, { userId: admin.id, scopes: ["metrics"] })).token)).toEqual(["metrics"]);
      await expect(issueApiKey(store, { userId: user.id, scopes: ["metrics"] })).rejects.toMatchObject({ status: 400 });
    });

    test("issueApiKey refuses unknown users, unknown scopes and past expiry", async () => {
      await expect(issueApiKey(store, { userId: 987_654 })).rejects.toMatchObject({ status: 404 });
      await expect(issueApiKey(store, { userId: user.id, scopes: ["root"] })).rejects.toMatchObject({ status: 400 });
      await expect(issueApiKey(store, { userId: user.id, expiresAt: new Date(Date.now() - 1000) })).rejects.toMatchObject({ status: 400 });
    });

    test("issueApiKey refuses a scope the owner's role cannot have, instead of a key that fails at every use", async () => {
      await expect(issueApiKey(store, { userId: user.id, scopes: ["admin"] })).rejects.toMatchObject({ status: 400, param: "scopes", message: expect.stringContaining("admin is not allowed for a gateway_user") });
      await expect(issueApiKey(store, { userId: user.id, scopes: ["models", "admin"] })).rejects.toMatchObject({ status: 400 });
      expect((await issueApiKey(store, { userId: admin.id, scopes: ["admin"] })).apiKey.scopes).toEqual(["admin"]);
    });

    test("only hashes reach the database", async () => {
      const { token, apiKey } = await issueApiKey(store, { userId: user.id });
      const [credential] = (await store.apiKeys.findCredentialsByPrefix(token.slice(0, 12))).filter((c) => c.key.id === apiKey.id);
      expect(credential?.keyHash).toBe(hashApiKey(token));
      expect(JSON.stringify(apiKey)).not.toContain(token.slice(12));
      const secret = token.slice(12);
      if (database.dialect === "sqlite") {
        const dir = database.options.dataDir!;
        const raw = new Database(join(dir, "gateway.db"), { readonly: true });
        const dump = JSON.stringify(raw.query("SELECT * FROM api_keys").all());
        raw.close();
        expect(dump).toContain(hashApiKey(token));
        expect(dump).not.toContain(secret);
        // Neither the main file nor the WAL holds the secret anywhere.
        for (const file of ["gateway.db", "gateway.db-wal"]) {
          const handle = Bun.file(join(dir, file));
          if (await handle.exists()) expect(Buffer.from(await handle.arrayBuffer()).includes(Buffer.from(secret))).toBe(false);
        }
      } else {
        const raw = postgres(database.options.databaseUrl!, { max: 1 });
        const dump = JSON.stringify(await raw`SELECT * FROM api_keys`);
        await raw.end();
        expect(dump).toContain(hashApiKey(token));
        expect(dump).not.toContain(secret);
      }
    });
  });
}

describe("authenticator when its store fails", () => {
  /** A store whose key lookup fails with `error` (nothing else is reached). */
  const failingStore = (error: unknown) => ({ apiKeys: { findCredentialsByPrefix: () => Promise.reject(error) } }) as unknown as Store;
  const key = bearer(generateApiKeyToken());

  test("a database that cannot be reached: 503 database_unavailable with retry-after, the cause kept for the log", async () => {
    const refused = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5432"), { code: "ECONNREFUSED" });
    const failure = await createAuthenticator(failingStore(new Error("Failed query", { cause: refused })), { required: true }).authenticate(key).catch((error) => error);
    expect(failure).toMatchObject({ code: "database_unavailable", status: 503, retryAfter: 1 });
    expect(failure.cause.cause).toBe(refused);
  });

  test("any other failure (a bug) is not dressed up as an outage: it stays itself, a 500 for the caller", async () => {
    const bug = new TypeError("Cannot read properties of undefined (reading 'keyHash')");
    expect(await createAuthenticator(failingStore(bug), { required: true }).authenticate(key).catch((error) => error)).toBe(bug);
  });
});
