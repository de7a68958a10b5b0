import { describe, expect, test } from "bun:test";
import { loadConfig } from "../../../src/config/load";
import { GatewayError } from "../../../src/errors/gateway-error";
import { compilePattern } from "../../../src/routing/patterns";
import { ModelRouter } from "../../../src/routing/router";

const router = (env: Record<string, string>) => new ModelRouter(loadConfig({ configDir: "/nonexistent", env }).config);

describe("patterns", () => {
  test("exact, prefix*, *suffix, *contains* and multi-wildcard, case-insensitive", () => {
    expect(compilePattern("gpt-4o").test("GPT-4o")).toBe(true);
    expect(compilePattern("gpt-*").test("gpt-4.1")).toBe(true);
    expect(compilePattern("*-mini").test("gpt-4.1-mini")).toBe(true);
    expect(compilePattern("*sonnet*").test("claude-sonnet-4-5")).toBe(true);
    expect(compilePattern("claude*haiku*").test("claude-3-5-haiku-latest")).toBe(true);
    expect(compilePattern("claude*haiku*").test("claude-sonnet")).toBe(false);
    expect(compilePattern("gpt.4").test("gptx4")).toBe(false);
  });
});

describe("model routing", () => {
  test("exact routes win over patterns; patterns match in the order given", () => {
    const r = router({ TOKLIGENCE_ANTHROPIC_API_KEY: "k", TOKLIGENCE_OPENAI_API_KEY: "k", TOKLIGENCE_ROUTES: "special-*=>anthropic,special-*=>openai,special-one=>openai" });
    expect(r.resolve("special-two", "openai-chat").targets[0]!.providerName).toBe("anthropic");
    expect(r.resolve("special-one", "openai-chat").targets[0]!.providerName).toBe("openai");
  });

  test("the '=' form, failover lists and the protocol spoken", () => {
    const r = router({ TOKLIGENCE_ANTHROPIC_API_KEY: "k", TOKLIGENCE_OPENAI_API_KEY: "k", TOKLIGENCE_ROUTES: "team=anthropic|openai" });
    const targets = r.resolve("team", "anthropic").targets;
    expect(targets.map((t) => [t.providerName, t.upstreamProtocol, t.translate])).toEqual([
      ["anthropic", "anthropic", false],
      ["openai", "openai-chat", true],
    ]);
  });

  test("aliases with an explicit provider apply before routing", () => {
    const r = router({ TOKLIGENCE_OPENAI_API_KEY: "k", TOKLIGENCE_ANTHROPIC_API_KEY: "k", TOKLIGENCE_MODEL_ALIASES: "claude*haiku*=>openai:gpt-4.1-mini,fast=>claude-haiku-4-5" });
    expect(r.resolve("claude-3-5-haiku-latest", "anthropic").targets[0]).toMatchObject({ providerName: "openai", upstreamModel: "gpt-4.1-mini", upstreamProtocol: "openai-chat" });
    expect(r.resolve("fast", "openai-chat").targets[0]).toMatchObject({ providerName: "anthropic", upstreamModel: "claude-haiku-4-5" });
    expect(r.listModels().map((m) => m.id)).toContain("fast");
  });

  test("with only an OpenAI key, Claude names go to the small and big models", () => {
    const r = router({ TOKLIGENCE_OPENAI_API_KEY: "k", TOKLIGENCE_SMALL_MODEL: "gpt-small", TOKLIGENCE_BIG_MODEL: "gpt-big" });
    expect(r.resolve("claude-haiku-4-5", "anthropic").targets[0]).toMatchObject({ providerName: "openai", upstreamModel: "gpt-small" });
    expect(r.resolve("claude-opus-4-1", "anthropic").targets[0]).toMatchObject({ providerName: "openai", upstreamModel: "gpt-big" });
  });

  test("unrouted models are model_not_found; loopback always exists", () => {
    const r = router({});
    expect(() => r.resolve("gpt-4o", "openai-chat")).toThrow(GatewayError);
    try {
      r.resolve("gpt-4o", "openai-chat");
    } catch (error) {
      expect((error as GatewayError).status).toBe(404);
      expect((error as GatewayError).code).toBe("model_not_found");
    }
    expect(r.resolve("loopback", "anthropic").targets[0]).toMatchObject({ providerName: "loopback", upstreamProtocol: "anthropic" });
  });

  test("an unrouted model of a known family names the missing provider key, not a typo", () => {
    const message = (r: ModelRouter, model: string) => {
      try {
        r.resolve(model, "openai-chat");
      } catch (error) {
        return (error as GatewayError).message;
      }
      return "routed";
    };
    const keyless = router({});
    expect(message(keyless, "gpt-4o")).toBe(
      "The model 'gpt-4o' is not routed by this gateway: it would go to the openai provider, which has no API key (set TOKLIGENCE_OPENAI_API_KEY, or api_keys under [providers.openai])",
    );
    expect(message(keyless, "claude-sonnet-4-5")).toContain("the anthropic provider, which has no API key (set TOKLIGENCE_ANTHROPIC_API_KEY");
    expect(message(keyless, "my-own-model")).toBe("The model 'my-own-model' does not exist or is not routed by this gateway (GET /v1/models lists the models it serves; an operator routes other names with TOKLIGENCE_ROUTES or a provider's models list)");
    // With an OpenAI key, Claude names are routed; with only an Anthropic key, gpt-* still lacks its key.
    expect(message(router({ TOKLIGENCE_OPENAI_API_KEY: "k" }), "claude-sonnet-4-5")).toBe("routed");
    expect(message(router({ TOKLIGENCE_ANTHROPIC_API_KEY: "k" }), "gpt-4o")).toContain("TOKLIGENCE_OPENAI_API_KEY");
  });

  test("Responses-only models are spoken to in the Responses protocol", () => {
    const r = router({ TOKLIGENCE_OPENAI_API_KEY: "k", TOKLIGENCE_PROVIDERS__OPENAI__RESPONSES_ONLY_MODELS: "*codex*" });
    expect(r.resolve("gpt-5-codex", "openai-chat").targets[0]).toMatchObject({ upstreamProtocol: "openai-responses", translate: true });
    expect(r.resolve("gpt-4o", "openai-responses").targets[0]).toMatchObject({ upstreamProtocol: "openai-responses", translate: false });
  });

  test("S09: a Chat target of a provider serving Responses too carries its Responses way; others carry none", () => {
    const r = router({
      TOKLIGENCE_OPENAI_API_KEY: "k",
      TOKLIGENCE_PROVIDERS__CHATTY__KIND: "openai-compatible",
      TOKLIGENCE_PROVIDERS__CHATTY__BASE_URL: "http://127.0.0.1:1/v1",
      TOKLIGENCE_PROVIDERS__CHATTY__MODELS: "chat-*",
      TOKLIGENCE_PROVIDERS__BOTH__KIND: "openai-compatible",
      TOKLIGENCE_PROVIDERS__BOTH__BASE_URL: "http://127.0.0.1:1/v1",
      TOKLIGENCE_PROVIDERS__BOTH__PROTOCOLS: "openai-chat,openai-responses",
      TOKLIGENCE_PROVIDERS__BOTH__MODELS: "both-*",
    });
    const gpt = r.resolve("gpt-4.1", "anthropic").targets[0]!;
    expect(gpt).toMatchObject({ providerName: "openai", upstreamProtocol: "openai-chat" });
    expect(gpt.viaResponses).toMatchObject({ providerName: "openai", upstreamModel: "gpt-4.1", upstreamProtocol: "openai-responses", translate: true });
    expect(r.resolve("gpt-4.1", "openai-chat").targets[0]!.viaResponses).toMatchObject({ upstreamProtocol: "openai-responses", translate: true });
    expect(r.resolve("both-model", "anthropic").targets[0]!.viaResponses).toMatchObject({ providerName: "both", upstreamProtocol: "openai-responses" });
    // A compatible server may take web_search_options on Chat: a Chat client stays there.
    expect(r.resolve("both-model", "openai-chat").targets[0]!.viaResponses).toBeUndefined();
    // Declared with Chat alone; already on Responses; OpenAI's Chat search models (not on Responses).
    expect(r.resolve("chat-model", "anthropic").targets[0]!.viaResponses).toBeUndefined();
    expect(r.resolve("gpt-4.1", "openai-responses").targets[0]!.viaResponses).toBeUndefined();
    expect(r.resolve("gpt-4o-search-preview", "anthropic").targets[0]!.viaResponses).toBeUndefined();
    expect(r.resolve("gpt-5-search-api-2025-10-14", "openai-chat").targets[0]!.viaResponses).toBeUndefined();
    // work_mode=passthrough refuses translation, which the switch would be for a Chat client.
    const passthrough = router({ TOKLIGENCE_OPENAI_API_KEY: "k", TOKLIGENCE_WORK_MODE: "passthrough" });
    expect(passthrough.resolve("gpt-4.1", "openai-chat").targets[0]!.viaResponses).toBeUndefined();
  });

  test("routes naming an unknown provider fail at start-up", () => {
    expect(() => router({ TOKLIGENCE_ROUTES: "x*=>nowhere" })).toThrow(/provider "nowhere", which is not configured/);
  });

  test("the refusal says how to declare the provider and which names exist (the README's openrouter example)", () => {
    expect(() => router({ TOKLIGENCE_ROUTES: "claude*=>anthropic|openrouter" })).toThrow(/\(configured: openai, anthropic\); declare it in a config file as \[providers\.openrouter\] with kind and base_url/);
    expect(() => router({ TOKLIGENCE_MODEL_ALIASES: "fast=>groq:llama-3.3-70b" })).toThrow(/names provider "groq", which is not configured \(configured: openai, anthropic\); declare it .*\[providers\.groq\]/);
  });
});

describe("resolution cache", () => {
  test("a name resolves the same way every time, per client protocol, past the cache's bound", () => {
    const r = router({ TOKLIGENCE_OPENAI_API_KEY: "sk-o", TOKLIGENCE_ANTHROPIC_API_KEY: "sk-a", TOKLIGENCE_ROUTES: "team-*=>openai" });
    const first = r.resolve("team-a", "anthropic");
    expect(r.resolve("team-a", "anthropic")).toBe(first);
    expect(first.targets.map((target) => [target.providerName, target.upstreamProtocol, target.translate])).toEqual([["openai", "openai-chat", true]]);
    // The same name from an OpenAI client is not the Anthropic client's cached answer.
    expect(r.resolve("team-a", "openai-chat").targets[0]).toMatchObject({ providerName: "openai", upstreamProtocol: "openai-chat", translate: false });
    for (let index = 0; index < 1500; index++) expect(r.resolve(`team-${index}`, "openai-chat").targets[0]!.upstreamModel).toBe(`team-${index}`);
    expect(r.resolve("team-a", "anthropic").targets).toEqual(first.targets);
    // Unknown names are refused every time (refusals are not cached as routes).
    expect(() => r.resolve("nobody-knows", "openai-chat")).toThrow(GatewayError);
    expect(() => r.resolve("nobody-knows", "openai-chat")).toThrow(GatewayError);
  });
});

describe("client-chosen model names are bounded", () => {
  // A pattern route (`gpt-*`) passes any name through; the name then keys the route cache, the
  // capability table, refused-field memories and /metrics labels (1,000+ entries each), so a
  // 30 MB name per request would make each of them hold gigabytes.
  test("a name longer than any model's is refused before it is remembered, and quoted only in part", () => {
    const r = router({ TOKLIGENCE_OPENAI_API_KEY: "k" });
    const long = `gpt-${"x".repeat(100_000)}`;
    let caught: unknown;
    try {
      r.resolve(long, "openai-chat");
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(GatewayError);
    expect((caught as GatewayError).status).toBe(400);
    expect((caught as GatewayError).message.length).toBeLessThan(400);
    // A long but real name still routes.
    expect(r.resolve(`gpt-${"y".repeat(200)}`, "openai-chat").targets[0]!.providerName).toBe("openai");
  });

});
