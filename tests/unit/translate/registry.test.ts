import { describe, expect, test } from "bun:test";
import { findTranslator } from "../../../src/translate/registry";
import { makeContext } from "./support";

describe("findTranslator", () => {
  test("every pair of the three protocols is composed (same protocol: work_mode=translation's hub round trip)", () => {
    const protocols = ["anthropic", "openai-chat", "openai-responses"] as const;
    for (const client of protocols) for (const upstream of protocols) expect(findTranslator(client, upstream)).toBeDefined();
  });

  test("buildUpstreamRequest is repeatable for failover (same input, same output, client body untouched)", () => {
    const t = findTranslator("anthropic", "openai-chat")!;
    const body = { model: "claude-x", max_tokens: 10, messages: [{ role: "user", content: [{ type: "text", text: "hi", cache_control: { type: "ephemeral" } }] }] };
    const snapshot = JSON.stringify(body);
    const first = t.buildUpstreamRequest(body, makeContext("anthropic", "openai-chat"));
    const second = t.buildUpstreamRequest(body, makeContext("anthropic", "openai-chat"));
    expect(second).toEqual(first);
    expect(JSON.stringify(body)).toBe(snapshot);
  });

  test("N06 the client's model name is echoed, the upstream model is sent", () => {
    const t = findTranslator("openai-chat", "anthropic")!;
    const ctx = makeContext("openai-chat", "anthropic", { clientModel: "my-alias", upstreamModel: "claude-opus-4-5" });
    expect(t.buildUpstreamRequest({ model: "my-alias", messages: [{ role: "user", content: "x" }] }, ctx).model).toBe("claude-opus-4-5");
    expect((t.translateResponse({ content: [{ type: "text", text: "y" }], model: "claude-opus-4-5-2025" }, ctx).body as any).model).toBe("my-alias");
  });
});
