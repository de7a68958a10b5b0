import { describe, expect, test } from "bun:test";
import { useMockedGateway } from "../support/gateway-harness";

/**
 * Q05: Claude Code (native Anthropic Messages) routed to Anthropic-compatible vendors. The mock
 * stands for DeepSeek's, Kimi's and Qwen's /anthropic endpoints; each provider names its profile,
 * as one behind a proxy URL must. Claude itself (the default `anthropic` provider) is unchanged.
 */
const running = useMockedGateway((mock) => ({
  TOKLIGENCE_PROVIDERS__DEEPSEEK__KIND: "anthropic",
  TOKLIGENCE_PROVIDERS__DEEPSEEK__BASE_URL: mock.url,
  TOKLIGENCE_PROVIDERS__DEEPSEEK__API_KEYS: "sk-deepseek",
  TOKLIGENCE_PROVIDERS__DEEPSEEK__MODELS: "deepseek-*",
  TOKLIGENCE_PROVIDERS__DEEPSEEK__ANTHROPIC_COMPAT: "deepseek",
  TOKLIGENCE_PROVIDERS__KIMI__KIND: "anthropic",
  TOKLIGENCE_PROVIDERS__KIMI__BASE_URL: mock.url,
  TOKLIGENCE_PROVIDERS__KIMI__API_KEYS: "sk-kimi",
  TOKLIGENCE_PROVIDERS__KIMI__MODELS: "kimi-*",
  TOKLIGENCE_PROVIDERS__KIMI__ANTHROPIC_COMPAT: "kimi",
  // An explicit switch over the profile: this Qwen deployment keeps the beta header.
  TOKLIGENCE_PROVIDERS__QWEN__KIND: "anthropic",
  TOKLIGENCE_PROVIDERS__QWEN__BASE_URL: mock.url,
  TOKLIGENCE_PROVIDERS__QWEN__API_KEYS: "sk-qwen",
  TOKLIGENCE_PROVIDERS__QWEN__MODELS: "qwen*",
  TOKLIGENCE_PROVIDERS__QWEN__ANTHROPIC_COMPAT: "qwen",
  TOKLIGENCE_PROVIDERS__QWEN__DROP_ANTHROPIC_BETA: "false",
}));

const betaHeaders = { "anthropic-version": "2023-06-01", "anthropic-beta": "interleaved-thinking-2025-05-14,effort-2025-11-24" };

const post = (path: string, body: unknown, headers: Record<string, string> = betaHeaders) =>
  fetch(`${running.gw.url}${path}`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) });

function claudeCodeRequest(model: string, stream = false) {
  return {
    model,
    max_tokens: 32000,
    stream,
    thinking: { type: "adaptive" },
    output_config: { effort: "medium" },
    system: [{ type: "text", text: "You are Claude Code.", cache_control: { type: "ephemeral" } }],
    tools: [{ name: "Bash", description: "run", input_schema: { type: "object", properties: {} }, cache_control: { type: "ephemeral" } }],
    messages: [
      { role: "user", content: [{ type: "text", text: "" }, { type: "text", text: "list files" }] },
      { role: "assistant", content: [{ type: "tool_use", id: "functions.Bash:0", name: "Bash", input: { command: "ls" } }] },
      { role: "user", content: [{ type: "tool_result", tool_use_id: "functions.Bash:0", content: "a.txt", cache_control: { type: "ephemeral" } }] },
    ],
    metadata: { user_id: "opaque" },
  };
}

describe("Q05 passthrough to Anthropic-compatible vendors", () => {
  test("deepseek: no cache_control, adaptive thinking as a budget, no beta header, no empty text, valid tool ids; the rest as sent", async () => {
    for (const stream of [false, true]) {
      const response = await post("/v1/messages", claudeCodeRequest("deepseek-v4-pro", stream));
      expect(response.status).toBe(200);
      await response.text();
      const received = running.mock.requests.at(-1)!;
      expect(received.headers["x-api-key"]).toBe("sk-deepseek");
      expect(received.headers["anthropic-beta"]).toBeUndefined();
      expect(received.headers["anthropic-version"]).toBe("2023-06-01");
      const body = received.body;
      expect(JSON.stringify(body)).not.toContain("cache_control");
      expect(body.thinking).toEqual({ type: "enabled", budget_tokens: 12_288 });
      expect(body.messages[0].content).toEqual([{ type: "text", text: "list files" }]);
      const id = body.messages[1].content[0].id;
      expect(id).toMatch(/^[a-zA-Z0-9_-]+$/);
      expect(body.messages[2].content[0].tool_use_id).toBe(id);
      expect(body.output_config).toEqual({ effort: "medium" });
      expect(body.metadata).toEqual({ user_id: "opaque" });
      expect(body.stream).toBe(stream);
    }
  });

  test("kimi keeps its own tool ids; count_tokens is fitted too", async () => {
    const { stream: _s, max_tokens: _m, metadata: _d, ...counted } = claudeCodeRequest("kimi-k2");
    const response = await post("/v1/messages/count_tokens", counted);
    expect(response.status).toBe(200);
    const received = running.mock.requests.at(-1)!;
    expect(received.path).toBe("/v1/messages/count_tokens");
    expect(received.headers["anthropic-beta"]).toBeUndefined();
    expect(received.body.messages[1].content[0].id).toBe("functions.Bash:0");
    expect(received.body.thinking).toEqual({ type: "enabled", budget_tokens: 12_288 });
    expect(JSON.stringify(received.body)).not.toContain("cache_control");
  });

  test("qwen keeps cache_control (DashScope caches explicitly), and its explicit switch keeps the beta header", async () => {
    await (await post("/v1/messages", claudeCodeRequest("qwen3-coder-plus"))).text();
    const received = running.mock.requests.at(-1)!;
    expect(received.headers["anthropic-beta"]).toBe(betaHeaders["anthropic-beta"]);
    expect(received.body.system[0].cache_control).toEqual({ type: "ephemeral" });
    expect(received.body.thinking.type).toBe("enabled");
    expect(received.body.messages[0].content).toHaveLength(1);
  });

  test("Claude itself: beta header and body as sent, only ids Anthropic would refuse rewritten", async () => {
    const request = claudeCodeRequest("claude-opus-4-6");
    await (await post("/v1/messages", request)).text();
    const received = running.mock.requests.at(-1)!;
    expect(received.headers["anthropic-beta"]).toBe(betaHeaders["anthropic-beta"]);
    expect(received.body.thinking).toEqual({ type: "adaptive" });
    expect(received.body.system).toEqual(request.system);
    expect(received.body.messages[0]).toEqual(request.messages[0]);
    expect(received.body.messages[1].content[0].id).not.toBe("functions.Bash:0");
    expect(received.body.messages[2].content[0].tool_use_id).toBe(received.body.messages[1].content[0].id);
  });

  test("a translated request (OpenAI Chat client) to a DeepSeek Anthropic endpoint loses the gateway's own cache breakpoints (Q04)", async () => {
    const sent = async (model: string) => {
      const response = await post("/v1/chat/completions", { model, messages: [{ role: "system", content: "be brief" }, { role: "user", content: "hi" }] }, {});
      expect(response.status).toBe(200);
      expect(running.mock.requests.at(-1)!.path).toBe("/v1/messages");
      return JSON.stringify(running.mock.requests.at(-1)!.body);
    };
    expect(await sent("claude-sonnet-4-5")).toContain("cache_control");
    expect(await sent("deepseek-v4-flash")).not.toContain("cache_control");
  });

  test("a message thread (server-held state, which a clone does not keep) is refused before a clone gets a turn without its history; Claude itself gets it as sent", async () => {
    const threaded = { model: "deepseek-v4-pro", max_tokens: 100, thread: { type: "continue", previous_message_id: "msg_01Held" }, messages: [{ role: "user", content: "and then?" }] };
    const before = running.mock.requests.length;
    const refused = await post("/v1/messages", threaded);
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({ type: "error", error: { type: "invalid_request_error", details: { error_code: "thread_unsupported_request" } } });
    expect(running.mock.requests.length).toBe(before);
    const forwarded = await post("/v1/messages", { ...threaded, model: "claude-sonnet-4-6" });
    expect(forwarded.status).toBe(200);
    expect(running.mock.requests.at(-1)!.body.thread).toEqual(threaded.thread);
  });
});
