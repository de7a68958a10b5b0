import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Elysia } from "elysia";
import pino from "pino";
import { createOpenAuthenticator } from "../../src/auth/open-authenticator";
import { storedResponseRoutes } from "../../src/http/routes/stored-responses";
import { createSilentLogger } from "../../src/log/logger";
import type { ProxyDeps } from "../../src/proxy/types";
import { createResponseStore } from "../../src/responses-store/service";
import type { Store, StoredResponseRepository } from "../../src/store/types";
import { startTestGateway, type TestGateway } from "../support/gateway-harness";
import { createSqliteDatabase, type TestDatabase } from "../support/test-databases";

/**
 * The Responses API's stored responses when the database cannot be reached or used (here a
 * closed SQLite handle, or a repository failing as a cut PostgreSQL connection does; the real
 * PostgreSQL outage is in database-outage-postgres.test.ts). Reading, listing and deleting
 * answered 500 "internal gateway error", and a previous_response_id 500 too: now 503
 * database_unavailable with retry-after, in OpenAI's shape, as the admin and usage APIs answer.
 * An answer asked to be stored is served anyway and stored once the database is back within a
 * few seconds; a bug still fails at once and stays a 500 where it is the answer.
 */

/** What postgres.js throws for a connection refused (drizzle wraps it with the query as cause). */
const refused = () => Object.assign(new Error("Failed query: insert into stored_responses"), { cause: Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5432"), { code: "ECONNREFUSED" }) });

describe("stored-response routes whose SQLite store is closed under them", () => {
  let database: TestDatabase;
  let store: Store;
  let app: { handle(request: Request): Promise<Response> };
  let gw: TestGateway;
  const lines: Array<Record<string, any>> = [];

  beforeAll(async () => {
    database = await createSqliteDatabase();
    store = await database.openMigrated();
    const logger = pino({ level: "info" }, { write: (line: string) => void lines.push(JSON.parse(line)) });
    const responses = createResponseStore({ repository: store.responses, retentionHours: 24, logger });
    // Auth off: no key to check, so the route's own read is the first to meet the database.
    app = new Elysia().use(storedResponseRoutes({ proxy: { responses, logger } as unknown as ProxyDeps, auth: createOpenAuthenticator() }));
    gw = await startTestGateway(undefined, {}, { responses });
    await store.close();
  });
  afterAll(async () => {
    await gw?.stop();
    await database?.drop();
  });

  test("GET, GET input_items and DELETE: 503 database_unavailable with retry-after in OpenAI's shape, each logged once with its cause", async () => {
    const requests = [
      new Request("http://localhost/v1/responses/resp_abc"),
      new Request("http://localhost/v1/responses/resp_abc/input_items"),
      new Request("http://localhost/v1/responses/resp_abc", { method: "DELETE" }),
    ];
    for (const request of requests) {
      const from = lines.length;
      const answer = await app.handle(request);
      const what = `${request.method} ${new URL(request.url).pathname}`;
      expect({ what, status: answer.status, retryAfter: answer.headers.get("retry-after") }).toEqual({ what, status: 503, retryAfter: "1" });
      expect(((await answer.json()) as { error: unknown }).error).toEqual({ message: "the gateway cannot reach its database; try again shortly", type: "server_error", param: null, code: "database_unavailable" });
      const logged = lines.slice(from).filter((line) => line.level === 50);
      expect(logged.map((line) => line.code)).toEqual(["database_unavailable"]);
      expect(logged[0]!.err?.message).toContain("closed database");
    }
  });

  test("POST with previous_response_id: 503 database_unavailable (was a 500), and the request still has its ledger row", async () => {
    const answer = await fetch(`${gw.url}/v1/responses`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-request-id": "prev-while-down" },
      body: JSON.stringify({ model: "loopback", previous_response_id: "resp_abc", input: "again" }),
    });
    expect(answer.status).toBe(503);
    expect(answer.headers.get("retry-after")).toBe("1");
    expect(((await answer.json()) as { error: unknown }).error).toEqual({
      message: "the gateway cannot reach its database to read previous_response_id; try again shortly",
      type: "server_error",
      param: null,
      code: "database_unavailable",
    });
    const row = gw.ledger.entries.find((entry) => entry.clientRequestId === "prev-while-down");
    expect(row).toMatchObject({ status: 503, errorCode: "database_unavailable" });
  });
});

describe("POST /v1/responses with store while the database is briefly away", () => {
  let database: TestDatabase;
  let store: Store;
  let gw: TestGateway;
  /** Failures the repository's put gives before it works (set per test). */
  let failures: Array<() => Error> = [];

  beforeAll(async () => {
    database = await createSqliteDatabase();
    store = await database.openMigrated();
    const flaky: StoredResponseRepository = {
      ...store.responses,
      put: async (record) => {
        const failure = failures.shift();
        if (failure) throw failure();
        return store.responses.put(record);
      },
    };
    gw = await startTestGateway(undefined, {}, { responses: createResponseStore({ repository: flaky, retentionHours: 24, logger: createSilentLogger() }) });
  });
  afterAll(async () => {
    await gw?.stop();
    await database?.drop();
  });

  const create = (stream: boolean) =>
    fetch(`${gw.url}/v1/responses`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ model: "loopback", input: "keep me", stream }) });
  /** The response id an answer carries (the last response object of a stream). */
  async function responseId(answer: Response): Promise<string> {
    const text = await answer.text();
    if (!text.startsWith("{")) return /"response":\{"id":"([^"]+)"/.exec(text.slice(text.lastIndexOf("response.completed")))![1]!;
    return (JSON.parse(text) as { id: string }).id;
  }

  for (const stream of [false, true]) {
    test(`the answer is served and its id can be continued once the database is back (${stream ? "streamed" : "whole"})`, async () => {
      failures = [refused, refused];
      const answer = await create(stream);
      expect(answer.status).toBe(200);
      const id = await responseId(answer);
      expect(failures).toEqual([]);
      expect((await fetch(`${gw.url}/v1/responses/${id}`)).status).toBe(200);
      const next = await fetch(`${gw.url}/v1/responses`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ model: "loopback", previous_response_id: id, input: "again" }) });
      expect(next.status).toBe(200);
    });
  }

  test("a fault of the gateway's own is not retried: the answer is served, the response is not kept", async () => {
    failures = [() => new TypeError("Cannot read properties of undefined (reading 'id')"), refused];
    const answer = await create(false);
    expect(answer.status).toBe(200);
    const id = await responseId(answer);
    expect(failures.length).toBe(1);
    expect((await fetch(`${gw.url}/v1/responses/${id}`)).status).toBe(404);
    failures = [];
  });
});
