/**
 * A streamed foreground response (`store` not false, no `background`) is readable by
 * `GET /v1/responses/{id}` while its stream runs, as at OpenAI: `status: "in_progress"`, the
 * output items done so far; `completed` once the stream has ended. Only for its own user, never
 * for `store: false`, and however the stream ends (client gone, upstream cut, gateway stopping)
 * no live entry stays behind. Native (Responses upstream) and translated (Anthropic, Chat).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import OpenAI from "openai";
import { createAuthenticator } from "../../src/auth/authenticator";
import { issueApiKey } from "../../src/auth/issue-api-key";
import { createSilentLogger } from "../../src/log/logger";
import { createResponseStore, type ResponseStore } from "../../src/responses-store/service";
import { openStore } from "../../src/store/open-store";
import type { Store } from "../../src/store/types";
import { chatOnlyProviderEnv, startTestGateway, type TestGateway } from "../support/gateway-harness";
import { defaultAnthropicEvents, defaultChatEvents, defaultResponsesEvents, type MockScript, type MockUpstream, startMockUpstream } from "../support/mock-upstream";
import { waitFor } from "../support/wait-for";

const TEXT = "Hello from the mock upstream";
let nativeIds = 0;

/** The upstream's events for `model` (a native one under a fresh response id: the mock's is fixed). */
function upstreamEvents(model: string): NonNullable<MockScript["events"]> {
  if (model.startsWith("claude")) return defaultAnthropicEvents(model, TEXT)!;
  if (model.startsWith("chat")) return defaultChatEvents(model, TEXT, true)!;
  return JSON.parse(JSON.stringify(defaultResponsesEvents(model, TEXT)).replaceAll("resp_mock", `resp_live_${++nativeIds}`));
}

const MODELS = ["gpt-4o", "claude-test", "chat-live"];

describe("streamed responses are readable while they run (auth on)", () => {
  let mock: MockUpstream;
  let gw: TestGateway;
  let store: Store;
  let responses: ResponseStore;
  let dataDir: string;
  let ann: OpenAI;
  let bob: OpenAI;
  let annToken: string;

  const startGateway = async () => {
    const root = await store.users.ensureRootAdmin("admin@local");
    return startTestGateway(mock, chatOnlyProviderEnv(mock.openaiBaseUrl), { responses, auth: createAuthenticator(store, { required: true, localUser: root }) });
  };
  const raw = (path: string, init: RequestInit = {}) => fetch(`${gw.url}${path}`, { ...init, headers: { authorization: `Bearer ${annToken}`, "content-type": "application/json" } });

  beforeAll(async () => {
    mock = await startMockUpstream();
    dataDir = mkdtempSync(join(tmpdir(), "gw-live-"));
    store = await openStore({ dataDir });
    await store.migrate();
    const annUser = await store.users.create({ email: "ann@example.com", role: "gateway_user" });
    const bobUser = await store.users.create({ email: "bob@example.com", role: "gateway_user" });
    annToken = (await issueApiKey(store, { userId: annUser.id })).token;
    const bobToken = (await issueApiKey(store, { userId: bobUser.id })).token;
    responses = createResponseStore({ repository: store.responses, retentionHours: 1, logger: createSilentLogger() });
    gw = await startGateway();
    ann = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: annToken, maxRetries: 0 });
    bob = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: bobToken, maxRetries: 0 });
  });
  afterAll(async () => {
    await gw.stop();
    await mock.stop();
    await store.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** The status of a GET of `id` by `client` (404 as a thrown NotFoundError). */
  const statusOf = async (client: OpenAI, id: string) => {
    try {
      await client.responses.retrieve(id);
      return 200;
    } catch (error) {
      return (error as { status?: number }).status;
    }
  };

  for (const model of MODELS) {
    test(`${model}: in_progress with its id, model and done items during the stream, completed after; another user's key gets 404`, async () => {
      mock.enqueue({ events: upstreamEvents(model), intervalMs: 150 });
      const stream = await ann.responses.create({ model, input: `live on ${model}`, stream: true });
      let id = "";
      let sawDoneItem = false;
      for await (const event of stream) {
        if (event.type === "response.created") {
          id = event.response.id;
          const live = await ann.responses.retrieve(id);
          expect(live).toMatchObject({ id, object: "response", model, status: "in_progress", output: [] });
          expect(await statusOf(bob, id)).toBe(404);
          // Its input is listed as the stored record's will be.
          const items = (await (await raw(`/v1/responses/${id}/input_items`)).json()) as any;
          expect(items.data[0].content[0].text).toBe(`live on ${model}`);
        }
        if (event.type === "response.output_item.done") {
          const live = await ann.responses.retrieve(id);
          // A translated stream closes its items when the upstream's answer ends: the terminal
          // event comes in the same write, and the response may be stored by now.
          if (model === "gpt-4o" || live.status === "in_progress") {
            expect(live.status).toBe("in_progress");
            expect(live.output).toEqual([event.item]);
          }
          sawDoneItem = true;
        }
      }
      expect(sawDoneItem).toBe(true);
      const done = await ann.responses.retrieve(id);
      expect(done).toMatchObject({ id, model, status: "completed" });
      expect(JSON.stringify(done.output)).toContain(TEXT);
      expect(responses.liveCount).toBe(0);
    });
  }

  test("?stream=true of a live foreground response is the 400 a stored one gets; cancel is 400 too", async () => {
    mock.enqueue({ events: upstreamEvents("claude-test"), stallAfter: 2 });
    const stream = await ann.responses.create({ model: "claude-test", input: "held", stream: true });
    for await (const event of stream) {
      if (event.type !== "response.created") continue;
      const streamed = await raw(`/v1/responses/${event.response.id}?stream=true`);
      expect(streamed.status).toBe(400);
      expect(((await streamed.json()) as any).error).toMatchObject({ param: "stream", message: expect.stringContaining("background and stream true") });
      const cancelled = await raw(`/v1/responses/${event.response.id}/cancel`, { method: "POST" });
      expect(cancelled.status).toBe(400);
      expect(((await cancelled.json()) as any).error.message).toContain("background=true");
      break; // the SDK aborts the request
    }
    expect(await waitFor(async () => responses.liveCount === 0, 3_000)).toBe(true);
  });

  for (const model of MODELS) {
    test(`${model}: store:false is never readable, during the stream or after`, async () => {
      mock.enqueue({ events: upstreamEvents(model), intervalMs: 100 });
      const stream = await ann.responses.create({ model, input: "forget me", stream: true, store: false });
      let id = "";
      for await (const event of stream) {
        if (event.type !== "response.created") continue;
        id = event.response.id;
        expect(responses.liveCount).toBe(0);
        expect(await statusOf(ann, id)).toBe(404);
      }
      expect(await statusOf(ann, id)).toBe(404);
    });

    test(`${model}: a client that leaves mid-stream leaves no live entry (nothing stored: 404 as before)`, async () => {
      mock.enqueue({ events: upstreamEvents(model), stallAfter: 2 });
      const stream = await ann.responses.create({ model, input: "leaving", stream: true });
      let id = "";
      for await (const event of stream) {
        if (event.type !== "response.created") continue;
        id = event.response.id;
        expect((await ann.responses.retrieve(id)).status).toBe("in_progress");
        stream.controller.abort();
      }
      expect(await waitFor(async () => responses.liveCount === 0, 3_000)).toBe(true);
      expect(mock.requests.at(-1)!.aborted).toBe(true);
      expect(await statusOf(ann, id)).toBe(404);
    });

    test(`${model}: an upstream stream cut after response.created leaves no live entry`, async () => {
      mock.enqueue({ events: upstreamEvents(model), truncateAfter: 2 });
      const stream = await ann.responses.create({ model, input: "cut short", stream: true });
      let id = "";
      try {
        for await (const event of stream) if (event.type === "response.created") id = event.response.id;
      } catch {
        // A native stream cut ends in an error event, which the SDK throws.
      }
      expect(id).not.toBe("");
      expect(responses.liveCount).toBe(0);
      // What the stream's end left: a stored failed response (translated) or nothing (native), as before.
      const status = await statusOf(ann, id);
      if (status === 200) expect((await ann.responses.retrieve(id)).status).not.toBe("in_progress");
      else expect(status).toBe(404);
    });
  }

  test("a stopping gateway closes a held stream and leaves no live entry", async () => {
    mock.enqueue({ events: upstreamEvents("claude-test"), stallAfter: 2 });
    const stream = await ann.responses.create({ model: "claude-test", input: "until shutdown", stream: true });
    const reading = (async () => {
      try {
        for await (const event of stream) if (event.type === "response.created") expect(responses.liveCount).toBe(1);
      } catch {
        // The gateway's closing error event.
      }
    })();
    expect(await waitFor(async () => responses.liveCount === 1, 3_000)).toBe(true);
    await gw.stop();
    await reading;
    expect(responses.liveCount).toBe(0);
    gw = await startGateway(); // for afterAll's stop

  });
});
