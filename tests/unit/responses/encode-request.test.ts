import { describe, expect, test } from "bun:test";
import type { CanonicalRequest } from "../../../src/canonical/types";
import { wrapAnthropicReasoning } from "../../../src/protocols/openai-responses/reasoning-blob";
import { readFixture, testCodec, testContext } from "./support";

const codec = testCodec();

function baseRequest(overrides: Partial<CanonicalRequest> = {}): CanonicalRequest {
  return { model: "claude-x", system: [], messages: [], tools: [], stream: true, extra: { protocol: "anthropic", fields: {} }, ...overrides };
}

const upstreamCtx = () => testContext({ clientProtocol: "anthropic", upstreamProtocol: "openai-responses", upstreamModel: "gpt-5.5-codex" });

describe("Responses encodeRequest (A→R, O→R)", () => {
  test("M01 R01 K09 system → instructions, stateless store:false with encrypted reasoning included", () => {
    const body = codec.encodeRequest(
      baseRequest({ system: [{ type: "text", text: "You are Claude Code." }, { type: "text", text: "cwd: /x" }], messages: [{ role: "user", content: [{ type: "text", text: "hi" }] }] }),
      upstreamCtx(),
    );
    expect(body).toEqual({
      model: "gpt-5.5-codex",
      instructions: "You are Claude Code.\n\ncwd: /x",
      input: [{ type: "message", role: "user", content: [{ type: "input_text", text: "hi" }] }],
      store: false,
      include: ["reasoning.encrypted_content"],
      stream: true,
    });
  });

  test("M02 Claude Code's attribution block is not sent as instructions; alone it leaves none", () => {
    const attribution = { type: "text" as const, text: "x-anthropic-billing-header: cc_version=2.1.329.a88; cc_entrypoint=sdk-cli;" };
    const messages = [{ role: "user" as const, content: [{ type: "text" as const, text: "hi" }] }];
    const withPrompt = codec.encodeRequest(baseRequest({ system: [attribution, { type: "text", text: "You are a Claude agent." }], messages }), upstreamCtx());
    expect(withPrompt.instructions).toBe("You are a Claude agent.");
    const alone = codec.encodeRequest(baseRequest({ system: [attribution], messages }), upstreamCtx());
    expect(alone).not.toHaveProperty("instructions");
  });

  test("M06 H05 H08 tool results become function_call_output items ahead of the user's text; errors are marked", () => {
    const body = codec.encodeRequest(
      baseRequest({
        messages: [
          { role: "user", content: [{ type: "text", text: "go" }] },
          {
            role: "assistant",
            content: [
              { type: "text", text: "Running." },
              { type: "tool_call", id: "toolu_1", name: "Bash", arguments: '{"command":"ls"}', kind: "function" },
              { type: "tool_call", id: "toolu_2", name: "Read", arguments: "", kind: "function" },
            ],
          },
          {
            role: "user",
            content: [
              { type: "tool_result", toolCallId: "toolu_1", content: [{ type: "text", text: "a.txt" }] },
              { type: "tool_result", toolCallId: "toolu_2", content: [{ type: "text", text: "no such file" }], isError: true },
              { type: "text", text: "continue" },
            ],
          },
        ],
      }),
      upstreamCtx(),
    );
    expect(body.input).toEqual([
      { type: "message", role: "user", content: [{ type: "input_text", text: "go" }] },
      { type: "message", role: "assistant", content: [{ type: "output_text", text: "Running.", annotations: [] }] },
      { type: "function_call", call_id: "toolu_1", name: "Bash", arguments: '{"command":"ls"}' },
      { type: "function_call", call_id: "toolu_2", name: "Read", arguments: "{}" },
      { type: "function_call_output", call_id: "toolu_1", output: "a.txt" },
      { type: "function_call_output", call_id: "toolu_2", output: "Error: no such file" },
      { type: "message", role: "user", content: [{ type: "input_text", text: "continue" }] },
    ]);
  });

  test("C03 H10 an image inside a tool result stays inside the output array", () => {
    const body = codec.encodeRequest(
      baseRequest({
        messages: [
          {
            role: "user",
            content: [
              {
                type: "tool_result",
                toolCallId: "t",
                content: [
                  { type: "text", text: "screenshot" },
                  { type: "image", source: { kind: "base64", mediaType: "image/png", data: "AAA" } },
                ],
              },
            ],
          },
        ],
      }),
      upstreamCtx(),
    );
    expect(body.input).toEqual([
      {
        type: "function_call_output",
        call_id: "t",
        output: [
          { type: "input_text", text: "screenshot" },
          { type: "input_image", image_url: "data:image/png;base64,AAA", detail: "auto" },
        ],
      },
    ]);
  });

  test("K06 K09 only real OpenAI reasoning blobs are replayed; Anthropic signatures and gateway blobs are not", () => {
    const body = codec.encodeRequest(
      baseRequest({
        messages: [
          { role: "user", content: [{ type: "text", text: "q" }] },
          {
            role: "assistant",
            content: [
              { type: "reasoning", text: "thinking", signature: "anthropic-sig" },
              { type: "reasoning", encryptedContent: wrapAnthropicReasoning({ text: "x", signature: "s" }) },
              { type: "reasoning", id: "rs_9", summary: ["s1"], encryptedContent: "gAAAA-real" },
              { type: "text", text: "answer" },
            ],
          },
        ],
      }),
      upstreamCtx(),
    );
    expect(body.input).toEqual([
      { type: "message", role: "user", content: [{ type: "input_text", text: "q" }] },
      { type: "reasoning", id: "rs_9", summary: [{ type: "summary_text", text: "s1" }], encrypted_content: "gAAAA-real" },
      { type: "message", role: "assistant", content: [{ type: "output_text", text: "answer", annotations: [] }] },
    ]);
  });

  test("S01 S04 S05 S09 tools: flat functions with strict:false, empty schemas completed, Anthropic web search mapped, others dropped", () => {
    const ctx = upstreamCtx();
    const body = codec.encodeRequest(
      baseRequest({
        tools: [
          { kind: "function", name: "Bash", description: "run", parameters: { type: "object", properties: { command: { type: "string" } } } },
          { kind: "function", name: "Noop", parameters: {} },
          { kind: "builtin", protocol: "anthropic", type: "web_search_20250305", value: { type: "web_search_20250305", name: "web_search" } },
          { kind: "builtin", protocol: "anthropic", type: "code_execution_20250522", value: { type: "code_execution_20250522" } },
        ],
        toolChoice: { type: "tool", name: "Bash" },
        parallelToolCalls: false,
      }),
      ctx,
    );
    expect(body.tools).toEqual([
      { type: "function", name: "Bash", description: "run", parameters: { type: "object", properties: { command: { type: "string" } } }, strict: false },
      { type: "function", name: "Noop", parameters: { type: "object", properties: {} }, strict: false },
      { type: "web_search" },
    ]);
    expect(body.tool_choice).toEqual({ type: "function", name: "Bash" });
    expect(body.parallel_tool_calls).toBe(false);
    expect(ctx.warnings.map((warning) => warning.details?.type)).toEqual(["code_execution_20250522"]);
  });

  test("R04 TC01 a tool_choice naming a dropped tool, or any choice with no tools left, is not sent", () => {
    const body = codec.encodeRequest(
      baseRequest({
        tools: [{ kind: "builtin", protocol: "anthropic", type: "bash_20250124", value: {} }],
        toolChoice: { type: "required" },
        parallelToolCalls: true,
      }),
      upstreamCtx(),
    );
    expect(body.tools).toBeUndefined();
    expect(body.tool_choice).toBeUndefined();
    expect(body.parallel_tool_calls).toBeUndefined();
  });

  test("K01 K02 reasoning: budget → effort on one table, summaries requested, thinking off sends nothing", () => {
    const encode = (reasoning: CanonicalRequest["reasoning"]) => codec.encodeRequest(baseRequest({ reasoning }), upstreamCtx()).reasoning;
    expect(encode({ enabled: true, budgetTokens: 2000 })).toEqual({ effort: "low", summary: "auto" });
    expect(encode({ enabled: true, budgetTokens: 12000 })).toEqual({ effort: "medium", summary: "auto" });
    expect(encode({ enabled: true, budgetTokens: 31999 })).toEqual({ effort: "high", summary: "auto" });
    expect(encode({ enabled: true, adaptive: true, effort: "high" })).toEqual({ effort: "high", summary: "auto" });
    expect(encode({ enabled: true, adaptive: true })).toEqual({ summary: "auto" });
    expect(encode({ enabled: false })).toBeUndefined();
  });

  test("K01 thinking off on a model that reasons by default: its lowest effort, low beside a hosted tool", () => {
    const encode = (upstreamModel: string, overrides: Partial<CanonicalRequest> = {}) =>
      codec.encodeRequest(baseRequest(overrides), testContext({ clientProtocol: "anthropic", upstreamProtocol: "openai-responses", upstreamModel })).reasoning;
    expect(encode("gpt-5")).toEqual({ effort: "minimal" });
    expect(encode("gpt-5-mini", { reasoning: { enabled: false } })).toEqual({ effort: "minimal" });
    expect(encode("o3")).toEqual({ effort: "low" });
    // OpenAI refuses minimal effort beside its own tools such as web_search.
    const webSearch = { kind: "builtin" as const, protocol: "anthropic" as const, type: "web_search_20250305", value: { type: "web_search_20250305", name: "web_search" } };
    expect(encode("gpt-5", { tools: [webSearch] })).toEqual({ effort: "low" });
    // gpt-5.1 and later reason only when asked.
    expect(encode("gpt-5.1")).toBeUndefined();
  });

  test("K02 Claude Code's effort max (OpenAI has no such level and answers 400) goes upstream as high; xhigh passes through", () => {
    const encode = (reasoning: CanonicalRequest["reasoning"]) => codec.encodeRequest(baseRequest({ reasoning }), upstreamCtx()).reasoning;
    expect(encode({ enabled: true, adaptive: true, effort: "max" })).toEqual({ effort: "high", summary: "auto" });
    expect(encode({ enabled: true, adaptive: true, effort: "xhigh" })).toEqual({ effort: "xhigh", summary: "auto" });
  });

  test("P02 P06 P07 P10 max tokens clamped, unsupported sampling fields dropped with warnings, stop sequences left to the gateway, user hashed when email-like", () => {
    const ctx = testContext({ upstreamProtocol: "openai-responses", upstreamModel: "gpt-x", maxOutputTokens: 16384 });
    const body = codec.encodeRequest(baseRequest({ maxTokens: 32000, stop: ["\n\nHuman:", ""], topK: 5, user: "alice@example.com", temperature: 0.2 }), ctx);
    expect(body.max_output_tokens).toBe(16384);
    expect(body.temperature).toBe(0.2);
    expect(body.stop).toBeUndefined();
    expect(body.top_k).toBeUndefined();
    expect(body.safety_identifier).toMatch(/^[0-9a-f]{64}$/);
    // The Responses API has no `stop`: the answer is cut by the gateway (an empty sequence never matches).
    expect(ctx.emulatedStopSequences).toEqual(["\n\nHuman:"]);
    expect(ctx.warnings.map((warning) => warning.message)).toEqual(["Responses has no top_k; dropped"]);
  });

  test("a Chat client's logprobs ask for output_text logprobs and top_logprobs; without them neither goes", () => {
    const ctx = testContext({ clientProtocol: "openai-chat", upstreamProtocol: "openai-responses", upstreamModel: "gpt-x" });
    const body = codec.encodeRequest(baseRequest({ logprobs: { topLogprobs: 3 } }), ctx);
    expect(body.include).toEqual(["reasoning.encrypted_content", "message.output_text.logprobs"]);
    expect(body.top_logprobs).toBe(3);
    const plain = codec.encodeRequest(baseRequest({ logprobs: {} }), ctx);
    expect(plain.include).toContain("message.output_text.logprobs");
    expect(plain.top_logprobs).toBeUndefined();
    const none = codec.encodeRequest(baseRequest(), ctx);
    expect(none.include).toEqual(["reasoning.encrypted_content"]);
    expect(none.top_logprobs).toBeUndefined();
  });

  test("P04 a reasoning model gets no temperature or top_p (OpenAI refuses any but the default); other models keep them", () => {
    const sampling = { temperature: 0.7, topP: 0.9 };
    for (const upstreamModel of ["gpt-5.5-codex", "o3-pro", "codex-mini-latest"]) {
      const ctx = testContext({ clientProtocol: "anthropic", upstreamProtocol: "openai-responses", upstreamModel });
      const body = codec.encodeRequest(baseRequest(sampling), ctx);
      expect({ upstreamModel, temperature: body.temperature, top_p: body.top_p }).toEqual({ upstreamModel, temperature: undefined, top_p: undefined });
      expect(ctx.warnings.map((warning) => warning.message)).toContain("sampling parameters dropped for a reasoning model");
    }
    const body = codec.encodeRequest(baseRequest(sampling), testContext({ upstreamProtocol: "openai-responses", upstreamModel: "gpt-4.1" }));
    expect(body).toMatchObject({ temperature: 0.7, top_p: 0.9 });
  });

  test("P02 a cap below the Responses minimum of 16 (Claude Code's 1-token quota check) is raised to 16, not sent to a 400", () => {
    const ctx = upstreamCtx();
    expect(codec.encodeRequest(baseRequest({ maxTokens: 1 }), ctx).max_output_tokens).toBe(16);
    expect(ctx.warnings.map((warning) => warning.message)).toContain("max_output_tokens raised to the Responses minimum");
    expect(codec.encodeRequest(baseRequest({ maxTokens: 16 }), upstreamCtx()).max_output_tokens).toBe(16);
  });

  test("J01 J03 an Anthropic client's schema (no strict of its own) goes strict when OpenAI takes it so", () => {
    const closed = { type: "object", properties: { a: { type: "string" } }, required: ["a"], additionalProperties: false };
    const strictOf = (schema: Record<string, unknown>) => (codec.encodeRequest(baseRequest({ responseFormat: { type: "json_schema", schema } }), upstreamCtx()).text as { format: { strict?: boolean } }).format.strict;
    expect(strictOf(closed)).toBe(true);
    expect(strictOf({ type: "object", properties: { a: { type: "string" } } })).toBe(false);
  });

  test("J01 response format → flat text.format", () => {
    const body = codec.encodeRequest(baseRequest({ responseFormat: { type: "json_schema", name: "out", schema: { type: "object" }, strict: true } }), upstreamCtx());
    // J03: strict kept, the open object closed for strict mode.
    const closed = { type: "object", properties: {}, required: [], additionalProperties: false };
    expect(body.text).toEqual({ format: { type: "json_schema", name: "out", schema: closed, strict: true } });
  });

  test("J03 a strict function tool: rewritten for strict mode when it can be, else strict:false rather than a 400", () => {
    const tool = (name: string, parameters: Record<string, unknown>) => ({ kind: "function" as const, name, parameters, strict: true });
    const ctx = upstreamCtx();
    const body = codec.encodeRequest(
      baseRequest({ tools: [tool("open", { type: "object", properties: { q: { type: "string" } } }), tool("map", { type: "object", patternProperties: { x: {} } })] }),
      ctx,
    );
    const [open, map] = body.tools as Array<Record<string, unknown>>;
    expect(open).toMatchObject({ strict: true, parameters: { type: "object", properties: { q: { type: ["string", "null"] } }, required: ["q"], additionalProperties: false } });
    expect(map).toMatchObject({ strict: false, parameters: { type: "object", patternProperties: { x: {} } } });
    expect([...ctx.strictNullables!.keys()]).toEqual(["open"]);
  });

  test("H03 call ids over 64 characters are shortened the same way for the call and its output", () => {
    const longId = `toolu_${"x".repeat(80)}`;
    const body = codec.encodeRequest(
      baseRequest({
        messages: [
          { role: "assistant", content: [{ type: "tool_call", id: longId, name: "f", arguments: "{}", kind: "function" }] },
          { role: "user", content: [{ type: "tool_result", toolCallId: longId, content: [{ type: "text", text: "ok" }] }] },
        ],
      }),
      upstreamCtx(),
    );
    const [call, output] = body.input as Array<Record<string, string>>;
    expect(call!.call_id!.length).toBeLessThanOrEqual(64);
    expect(output!.call_id).toBe(call!.call_id!);
  });

  test("S10 S11 round trip: a decoded Codex request re-encodes custom tools and namespace groups for a Responses upstream", async () => {
    const request = codec.decodeRequest(await readFixture("codex-tool-loop-request.json"));
    const body = codec.encodeRequest(request, testContext({ upstreamProtocol: "openai-responses", upstreamModel: "gpt-5.5" }));
    const tools = body.tools as Array<Record<string, unknown>>;
    expect(tools.map((tool) => tool.type)).toEqual(["function", "custom", "namespace", "web_search"]);
    expect(tools[2]).toMatchObject({ type: "namespace", name: "multi_agent_v1", tools: [{ type: "function", name: "spawn_agent" }] });
    const input = body.input as Array<Record<string, unknown>>;
    expect(input.find((item) => item.type === "custom_tool_call")).toMatchObject({ call_id: "call_patch", name: "apply_patch" });
    expect(input.find((item) => item.call_id === "call_spawn" && item.type === "function_call")).toMatchObject({ name: "spawn_agent", namespace: "multi_agent_v1" });
    // Same-protocol extras come back; the encoder's own fields win.
    expect(body.prompt_cache_key).toBe("019a-session");
    expect(body.text).toEqual({ verbosity: "low" });
    expect(body.reasoning).toEqual({ effort: "medium", summary: "auto" });
  });

  test("P10 R10 the client's tools, tool_choice and user kept for the echo never override what the encoder sends", () => {
    const request = codec.decodeRequest({
      model: "gpt-5.5",
      input: "hi",
      user: "alice@example.com",
      tools: [{ type: "function", name: "a", parameters: { type: "object", properties: {} } }, { type: "function", name: "b", parameters: { type: "object", properties: {} } }],
      tool_choice: { type: "allowed_tools", mode: "auto", tools: [{ type: "function", name: "a" }] },
    });
    const body = codec.encodeRequest(request, testContext({ upstreamProtocol: "openai-responses", upstreamModel: "gpt-5.5" }));
    expect(body.user).toBeUndefined();
    expect(body.safety_identifier).toMatch(/^[0-9a-f]{64}$/);
    expect((body.tools as Array<Record<string, unknown>>).map((tool) => tool.name)).toEqual(["a"]);
    expect(body.tool_choice).toBe("auto");
  });
});
