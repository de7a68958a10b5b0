import { describe, expect, test } from "bun:test";
import { GatewayError } from "../../../src/errors/gateway-error";
import { decodeResponsesInput } from "../../../src/protocols/openai-responses/decode-input";
import { findTranslator } from "../../../src/translate/registry";
import { makeContext } from "./support";

/**
 * A value a client chooses is quoted in part only: a 30 MB role or service tier must not come
 * back as a 30 MB error body, nor go to the log on every request.
 */
const huge = "x".repeat(1_000_000);

describe("client values quoted in errors and warnings are capped", () => {
  test("a Responses input item's unknown role", () => {
    let caught: unknown;
    try {
      decodeResponsesInput([{ type: "message", role: huge, content: "hi" }]);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(GatewayError);
    expect((caught as GatewayError).message).toContain("Invalid value: 'xxx");
    expect((caught as GatewayError).message.length).toBeLessThan(300);
  });

  test("a service tier Anthropic has no word for", () => {
    const logged: unknown[] = [];
    const ctx = makeContext("openai-chat", "anthropic", { upstreamModel: "claude-sonnet-4-6", warn: (message, details) => void logged.push(message, details) });
    findTranslator("openai-chat", "anthropic")!.buildUpstreamRequest({ model: "m", messages: [{ role: "user", content: "hi" }], service_tier: huge }, ctx);
    expect(logged.length).toBeGreaterThan(0);
    expect(JSON.stringify(logged).length).toBeLessThan(400);
  });
});
