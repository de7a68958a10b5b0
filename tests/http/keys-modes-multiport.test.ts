import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { KeyRing } from "../../src/providers/key-ring";
import { type MockUpstream, startMockUpstream } from "../support/mock-upstream";
import { startMultiportGateway, startTestGateway } from "../support/gateway-harness";

let mock: MockUpstream;
beforeAll(async () => {
  mock = await startMockUpstream();
});
afterAll(() => mock.stop());

const chat = (url: string, model = "gpt-4o") => fetch(`${url}/v1/chat/completions`, { method: "POST", body: JSON.stringify({ model, messages: [{ role: "user", content: "x" }] }) });

describe("provider key rotation", () => {
  test("comma-separated keys rotate, and a 429 sets a key aside for its retry-after", async () => {
    const gw = await startTestGateway(mock, { TOKLIGENCE_OPENAI_API_KEY: "sk-one-aaaaaaaa,sk-two-bbbbbbbb" });
    const used = async () => (await chat(gw.url), mock.requests.at(-1)!.headers.authorization);
    const first = await used();
    const second = await used();
    expect(new Set([first, second])).toEqual(new Set(["Bearer sk-one-aaaaaaaa", "Bearer sk-two-bbbbbbbb"]));
    // A 429 on one key: the same request goes again at once with the other key, and succeeds.
    mock.enqueue({ status: 429, headers: { "retry-after": "60" }, json: { error: { message: "rate limited" } } });
    const before = mock.requests.length;
    const retried = await chat(gw.url);
    expect(retried.status).toBe(200);
    expect(mock.requests.length).toBe(before + 2);
    const [limitedKey, otherKey] = mock.requests.slice(-2).map((request) => request.headers.authorization);
    expect(otherKey).not.toBe(limitedKey);
    // The limited key stays aside for its retry-after.
    for (let i = 0; i < 3; i++) expect(await used()).not.toBe(limitedKey);
    // When every key is limited, the client gets the 429 with the upstream's retry-after.
    mock.enqueue({ status: 429, headers: { "retry-after": "30" }, json: { error: { message: "rate limited" } } });
    const limited = await chat(gw.url);
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toBe("30");
    expect(gw.ledger.entries.at(-1)).toMatchObject({ status: 429 });
    await gw.stop();
  });

  test("KeyRing returns the soonest-recovering key when all are cooling", () => {
    let now = 0;
    const ring = new KeyRing(["a", "b"], () => now);
    ring.coolDown("a", 10);
    ring.coolDown("b", 5);
    expect(ring.next()).toBe("b");
    now = 6000;
    expect(ring.next()).toBe("b");
  });
});

describe("work modes", () => {
  test("passthrough refuses translation with the original's message", async () => {
    const gw = await startTestGateway(mock, { TOKLIGENCE_WORK_MODE: "passthrough" });
    const response = await fetch(`${gw.url}/v1/messages`, { method: "POST", body: JSON.stringify({ model: "gpt-4o", max_tokens: 5, messages: [{ role: "user", content: "x" }] }) });
    expect(response.status).toBe(400);
    const body = (await response.json()) as any;
    expect(body.type).toBe("error");
    expect(body.error.message).toStartWith("work_mode=passthrough does not support translation (endpoint=/v1/messages expects anthropic provider");
    expect(body.error.message).toContain("set work_mode=auto or work_mode=translation to enable translation");
    // Same-protocol requests and loopback still work.
    expect((await chat(gw.url)).status).toBe(200);
    expect((await chat(gw.url, "loopback")).status).toBe(200);
    const health = (await (await fetch(`${gw.url}/health`)).json()) as any;
    expect(health.work_mode).toBe("passthrough");
    await gw.stop();
  });
});

describe("multi-port mode", () => {
  test("each port serves only its endpoint keys", async () => {
    const gw = await startMultiportGateway(mock);
    const byName = Object.fromEntries(gw.gateway.listeners.map((l) => [l.name, l.url]));
    expect(Object.keys(byName).sort()).toEqual(["admin", "anthropic", "facade", "openai"]);
    expect((await chat(byName.openai!)).status).toBe(200);
    const messagesOnOpenAI = await fetch(`${byName.openai}/v1/messages`, { method: "POST", body: "{}" });
    expect(messagesOnOpenAI.status).toBe(404);
    const responsesOnOpenAI = await fetch(`${byName.openai}/v1/responses`, { method: "POST", body: "{}" });
    expect(responsesOnOpenAI.status).toBe(404);
    const messages = await fetch(`${byName.anthropic}/v1/messages`, { method: "POST", body: JSON.stringify({ model: "claude-sonnet-4-5", max_tokens: 5, messages: [{ role: "user", content: "x" }] }) });
    expect(messages.status).toBe(200);
    expect((await fetch(`${byName.anthropic}/health`)).status).toBe(200);
    expect((await chat(byName.facade!)).status).toBe(200);
    await gw.stop();
  });
});
