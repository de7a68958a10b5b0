/**
 * CORS (reliability-anchors §2.16, T14): off by default; with server.cors_origins, CORS headers
 * only for listed origins, each echoed exactly, never `*`, no credentials mode, and preflights
 * granted only the headers the gateway reads. Applies to answers, errors, 404s and streams.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { loadConfig } from "../../src/config/load";
import { startTestGateway, type TestGateway } from "../support/gateway-harness";

const listed = "http://localhost:5173";
let open: TestGateway;
let off: TestGateway;
beforeAll(async () => {
  open = await startTestGateway(undefined, { TOKLIGENCE_SERVER__CORS_ORIGINS: `${listed},https://chat.example.com` });
  off = await startTestGateway(undefined);
});
afterAll(async () => {
  await open.stop();
  await off.stop();
});

const preflight = (gw: TestGateway, origin: string, headers = "authorization, content-type, x-stainless-os, x-evil") =>
  fetch(`${gw.url}/v1/chat/completions`, { method: "OPTIONS", headers: { origin, "access-control-request-method": "POST", "access-control-request-headers": headers } });
const chat = (gw: TestGateway, origin: string | undefined, body: object) =>
  fetch(`${gw.url}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json", ...(origin ? { origin } : {}) }, body: JSON.stringify(body) });
const hello = { model: "loopback", messages: [{ role: "user", content: "hi" }] };

describe("CORS with listed origins", () => {
  test("a preflight from a listed origin is granted for that origin, the gateway's headers only, no credentials", async () => {
    const response = await preflight(open, listed);
    expect(response.status).toBe(204);
    expect(response.headers.get("access-control-allow-origin")).toBe(listed);
    expect(response.headers.get("access-control-allow-methods")).toContain("POST");
    expect(response.headers.get("access-control-allow-headers")).toBe("authorization, content-type, x-stainless-os");
    expect(response.headers.get("access-control-allow-credentials")).toBeNull();
    expect(response.headers.get("vary")).toBe("Origin");
  });

  test("a preflight for the admin API's PATCH (update a user or key) is granted every method the API uses", async () => {
    const response = await fetch(`${open.url}/api/v1/admin/users/1`, {
      method: "OPTIONS",
      headers: { origin: listed, "access-control-request-method": "PATCH", "access-control-request-headers": "authorization, content-type" },
    });
    expect(response.status).toBe(204);
    const methods = (response.headers.get("access-control-allow-methods") ?? "").split(",").map((method) => method.trim());
    for (const method of ["GET", "POST", "PATCH", "DELETE"]) expect(methods).toContain(method);
  });

  test("unlisted and null origins get no CORS header at all", async () => {
    for (const origin of ["https://evil.example", "null", "http://localhost:5174"]) {
      const pre = await preflight(open, origin);
      expect(pre.status).toBe(403);
      expect(pre.headers.get("access-control-allow-origin")).toBeNull();
      const answer = await chat(open, origin, hello);
      expect(answer.status).toBe(200);
      expect(answer.headers.get("access-control-allow-origin")).toBeNull();
    }
  });

  test("answers, errors, 404s and streams to a listed origin carry its origin and expose the request id", async () => {
    const ok = await chat(open, listed, hello);
    expect(ok.status).toBe(200);
    expect(ok.headers.get("access-control-allow-origin")).toBe(listed);
    expect(ok.headers.get("access-control-expose-headers")).toContain("x-request-id");
    // The relayed rate-limit headers, named one by one (CORS takes no wildcard there).
    const exposed = ok.headers.get("access-control-expose-headers")!.split(", ");
    expect(exposed).toEqual(expect.arrayContaining(["x-ratelimit-remaining-tokens", "x-ratelimit-reset-requests", "anthropic-ratelimit-output-tokens-remaining", "anthropic-ratelimit-requests-reset"]));
    const bad = await chat(open, listed, { model: "loopback", messages: [] });
    expect(bad.status).toBe(400);
    expect(bad.headers.get("access-control-allow-origin")).toBe(listed);
    const missing = await fetch(`${open.url}/v1/nothing`, { headers: { origin: listed } });
    expect(missing.status).toBe(404);
    expect(missing.headers.get("access-control-allow-origin")).toBe(listed);
    const stream = await chat(open, "https://chat.example.com", { ...hello, stream: true });
    expect(stream.headers.get("access-control-allow-origin")).toBe("https://chat.example.com");
    expect(await stream.text()).toContain("[DONE]");
    const messages = await fetch(`${open.url}/v1/messages`, { method: "POST", headers: { origin: listed, "content-type": "application/json" }, body: JSON.stringify({ model: "loopback", max_tokens: 5, messages: [{ role: "user", content: "hi" }] }) });
    expect(messages.headers.get("access-control-allow-origin")).toBe(listed);
  });
});

describe("CORS off (the default)", () => {
  test("no CORS headers for anyone; a preflight is not granted", async () => {
    const pre = await preflight(off, listed);
    expect(pre.headers.get("access-control-allow-origin")).toBeNull();
    expect(pre.status).toBeGreaterThanOrEqual(400);
    const answer = await chat(off, listed, hello);
    expect(answer.status).toBe(200);
    expect(answer.headers.get("access-control-allow-origin")).toBeNull();
  });
});

describe("server.cors_origins validation", () => {
  const load = (value: string) => () => loadConfig({ configDir: "/nonexistent-config-dir", env: { TOKLIGENCE_SERVER__CORS_ORIGINS: value } });
  test("exact origins pass (a trailing slash is dropped); *, null, paths and other schemes stop the start naming the key and layer", () => {
    expect(load("http://localhost:5173/, https://a.example:8443")().config.server.corsOrigins).toEqual(["http://localhost:5173", "https://a.example:8443"]);
    for (const value of ["*", "null", "https://a.example/app", "file://x", "localhost:5173"]) {
      expect(load(value)).toThrow(/server\.cors_origins from env/);
    }
  });
});
