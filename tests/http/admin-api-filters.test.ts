/**
 * Red-team cases of the admin and usage APIs: inputs that used to get an answer that looked
 * right but was not what was asked (an empty filter reporting everyone, an ignored parameter,
 * an empty scope list issuing the widest key), or a 500 for a bad value.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Elysia } from "elysia";
import { createAuthenticator } from "../../src/auth/authenticator";
import { issueApiKey } from "../../src/auth/issue-api-key";
import { createAdminRoutes } from "../../src/http/routes/admin";
import { createUsageRoutes } from "../../src/http/routes/usage";
import type { Store, User } from "../../src/store/types";
import { dialectCases, type TestDatabase } from "../support/test-databases";

for (const dialectCase of dialectCases) {
  describe.skipIf(dialectCase.skip)(`admin and usage API input checks on ${dialectCase.dialect}`, () => {
    let database: TestDatabase;
    let store: Store;
    let app: { handle(request: Request): Promise<Response> };
    let member: User;
    let other: User;
    let adminToken: string;
    let memberToken: string;
    let otherKeyId: number;

    const call = async (method: string, path: string, token: string, body?: unknown) => {
      const answer = await app.handle(
        new Request(`http://localhost${path}`, {
          method,
          headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
          body: body === undefined ? undefined : JSON.stringify(body),
        }),
      );
      return { status: answer.status, body: (await answer.json()) as any };
    };

    beforeAll(async () => {
      database = await dialectCase.create();
      store = await database.openMigrated();
      const root = await store.users.ensureRootAdmin("admin@local");
      member = await store.users.create({ email: "member@example.com", role: "gateway_user" });
      other = await store.users.create({ email: "other@example.com", role: "gateway_user" });
      adminToken = (await issueApiKey(store, { userId: root.id })).token;
      memberToken = (await issueApiKey(store, { userId: member.id })).token;
      otherKeyId = (await issueApiKey(store, { userId: other.id })).apiKey.id;
      const auth = createAuthenticator(store, { required: true, localUser: root });
      app = new Elysia().use(createAdminRoutes({ store, auth })).use(createUsageRoutes({ store, auth }));
    });
    afterAll(async () => database.drop());

    test("an empty filter value is a 400, not a report of every user (`?user_id=$UNSET`)", async () => {
      for (const query of ["user_id=", "api_key_id=", "model=", "model=%20"]) {
        const answer = await call("GET", `/api/v1/admin/usage/summary?${query}`, adminToken);
        expect(answer.status).toBe(400);
        expect(answer.body.error.message).toContain("is empty");
      }
    });

    test("user_id on the caller's own routes is refused, not silently replaced by the caller's id", async () => {
      const answer = await call("GET", `/api/v1/usage/summary?user_id=${other.id}`, memberToken);
      expect(answer.status).toBe(400);
      expect(answer.body.error).toMatchObject({ param: "user_id", message: expect.stringContaining("admin") });
      expect((await call("GET", "/api/v1/usage/summary", memberToken)).status).toBe(200);
    });

    test("an unknown user or key is a 404, as in `gateway usage`, not an empty report that looks idle", async () => {
      expect((await call("GET", "/api/v1/admin/usage/summary?user_id=9999", adminToken)).status).toBe(404);
      expect((await call("GET", "/api/v1/admin/usage/logs?api_key_id=9999", adminToken)).status).toBe(404);
      const mismatch = await call("GET", `/api/v1/admin/usage/logs?user_id=${member.id}&api_key_id=${otherKeyId}`, adminToken);
      expect(mismatch).toMatchObject({ status: 404, body: { error: { message: `api key ${otherKeyId} not found for user ${member.id}` } } });
      // Another user's key is unknown on one's own routes (and its owner is not named).
      const foreign = await call("GET", `/api/v1/usage/logs?api_key_id=${otherKeyId}`, memberToken);
      expect(foreign).toMatchObject({ status: 404, body: { error: { message: `api key ${otherKeyId} not found` } } });
      expect((await call("GET", `/api/v1/admin/usage/summary?api_key_id=${otherKeyId}`, adminToken)).status).toBe(200);
    });

    test("a time bound out of a date's range is a 400, not a 500", async () => {
      expect((await call("GET", "/api/v1/admin/usage/summary?since=99999999999999d", adminToken)).status).toBe(400);
      expect((await call("GET", "/api/v1/admin/usage/logs?until=99999999999999999", adminToken)).status).toBe(400);
      expect((await call("GET", "/api/v1/usage/logs?since=-5", memberToken)).status).toBe(400);
      // A window that ends before it starts selects nothing: an empty report looked like a quiet period.
      expect((await call("GET", "/api/v1/admin/usage/summary?since=2025-02-01&until=2025-01-01", adminToken)).body.error.param).toBe("until");
    });

    test("an explicit empty scope list is a 400, not a key with every scope the role allows", async () => {
      const answer = await call("POST", `/api/v1/admin/users/${member.id}/api-keys`, adminToken, { scopes: [] });
      expect(answer).toMatchObject({ status: 400, body: { error: { param: "scopes" } } });
      expect((await store.apiKeys.listForUser(member.id)).length).toBe(1);
    });

    test("a key's expiry: empty, out of range, or given twice (expires_at and ttl) is a 400, never a key that does not expire", async () => {
      for (const body of [{ expires_at: "" }, { ttl: "99999999999999d" }, { expires_at: "2099-01-01", ttl: "30d" }]) {
        expect((await call("POST", `/api/v1/admin/users/${member.id}/api-keys`, adminToken, body)).status).toBe(400);
      }
      expect((await store.apiKeys.listForUser(member.id)).length).toBe(1);
      const ttl = await call("POST", `/api/v1/admin/users/${member.id}/api-keys`, adminToken, { ttl: "1d" });
      expect(Date.parse(ttl.body.api_key.expires_at) - Date.now()).toBeGreaterThan(86_000_000);
    });

    test("an id in another notation (1e1, 0x…) is a 400, not the key or user it happens to equal", async () => {
      const hex = `0x${otherKeyId.toString(16)}`;
      expect((await app.handle(new Request(`http://localhost/api/v1/admin/api-keys/${hex}`, { method: "DELETE", headers: { authorization: `Bearer ${adminToken}` } }))).status).toBe(400);
      expect((await store.apiKeys.get(otherKeyId))!.revokedAt).toBeNull();
      expect((await call("GET", `/api/v1/admin/usage/logs?user_id=${member.id}e0`, adminToken)).status).toBe(400);
    });

    test("a null role or status on a user patch is a 400, not a 200 that changed nothing", async () => {
      for (const body of [{ status: null }, { role: null }]) expect((await call("PATCH", `/api/v1/admin/users/${member.id}`, adminToken, body)).status).toBe(400);
      expect((await call("PATCH", `/api/v1/admin/users/${member.id}`, adminToken, { display_name: null })).status).toBe(200);
    });

    test("a user or key patch of {} is a 400 (nothing to update), not a 200 that changed only updated_at", async () => {
      const before = (await store.users.get(member.id))!;
      const answer = await call("PATCH", `/api/v1/admin/users/${member.id}`, adminToken, {});
      expect(answer.status).toBe(400);
      expect(answer.body.error.message).toContain("nothing to update");
      expect((await store.users.get(member.id))!.updatedAt.getTime()).toBe(before.updatedAt.getTime());
      const keyAnswer = await call("PATCH", `/api/v1/admin/api-keys/${otherKeyId}`, adminToken, {});
      expect(keyAnswer.status).toBe(400);
      expect(keyAnswer.body.error.message).toContain("nothing to update");
    });

    test("a display name or key name with a control character is a 400 naming the field, on every path that writes one", async () => {
      // Returns the message first: a toMatchObject with an asymmetric matcher leaves the matcher in the object it matched.
      const refused = (answer: { status: number; body: any }, param: string): string => {
        const message = String(answer.body.error?.message);
        expect(answer.status).toBe(400);
        expect(answer.body.error).toMatchObject({ type: "invalid_request_error", param, message: expect.stringContaining(`${param} must not contain control characters`) });
        return message;
      };
      refused(await call("POST", "/api/v1/admin/users", adminToken, { email: "ctl@example.com", display_name: "Ops\nTeam" }), "display_name");
      refused(await call("POST", "/api/v1/admin/users", adminToken, { email: "ctl@example.com", name: "tab\there" }), "display_name");
      expect(await store.users.findByEmail("ctl@example.com")).toBeNull();
      refused(await call("PATCH", `/api/v1/admin/users/${member.id}`, adminToken, { display_name: "\u001b[31mred" }), "display_name");
      refused(await call("PATCH", `/api/v1/admin/users/${member.id}`, adminToken, { name: "c1\u0085" }), "display_name");
      refused(await call("POST", `/api/v1/admin/users/${member.id}/api-keys`, adminToken, { name: "ci\u0000key" }), "name");
      refused(await call("PATCH", `/api/v1/admin/api-keys/${otherKeyId}`, adminToken, { name: "del\u007f" }), "name");
      expect((await store.apiKeys.get(otherKeyId))!.name).toBeNull();
      const json = await call("POST", "/api/v1/admin/users/import", adminToken, { users: [{ email: "ok@example.com" }, { email: "bad@example.com", display_name: "x\ry" }] });
      expect(refused(json, "display_name")).toStartWith("import row 2: ");
      const csv = await app.handle(
        new Request("http://localhost/api/v1/admin/users/import", { method: "POST", headers: { authorization: `Bearer ${adminToken}`, "content-type": "text/csv" }, body: 'email,name\nok@example.com,OK\nbad@example.com,"two\nlines"\n' }),
      );
      expect(refused({ status: csv.status, body: await csv.json() }, "display_name")).toStartWith("users CSV line 3: ");
      expect(await store.users.findByEmail("ok@example.com")).toBeNull();
      // Printable names in any script still pass.
      expect((await call("PATCH", `/api/v1/admin/users/${member.id}`, adminToken, { display_name: "José 李 🚀" })).status).toBe(200);
    });

    test("the users listing refuses parameters it does not read and include_deleted values other than true/false", async () => {
      await store.users.softDelete(other.id);
      expect((await call("GET", "/api/v1/admin/users?limit=1", adminToken)).status).toBe(400);
      expect((await call("GET", "/api/v1/admin/users?include_deleted=1", adminToken)).status).toBe(400);
      const all = await call("GET", "/api/v1/admin/users?include_deleted=true", adminToken);
      expect(all.body.users.map((user: { email: string }) => user.email)).toContain("other@example.com");
      const live = await call("GET", "/api/v1/admin/users", adminToken);
      expect(live.body.users.map((user: { email: string }) => user.email)).not.toContain("other@example.com");
    });
  });
}
