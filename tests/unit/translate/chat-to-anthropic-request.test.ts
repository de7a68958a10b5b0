import { describe, expect, test } from "bun:test";
import { findTranslator } from "../../../src/translate/registry";
import { makeContext } from "./support";

/** O→A request translation: Chat Completions client body → Anthropic upstream body. */
const translator = findTranslator("openai-chat", "anthropic")!;

function build(body: Record<string, unknown>, overrides: Parameters<typeof makeContext>[2] = {}) {
  const ctx = makeContext("openai-chat", "anthropic", { upstreamModel: "claude-sonnet-4-6", ...overrides });
  const out = translator.buildUpstreamRequest({ model: "gpt-x", ...body }, ctx) as Record<string, any>;
  return { out, ctx };
}

const tools = [{ type: "function", function: { name: "f", parameters: { type: "object", properties: {} } } }];

describe("O→A requests", () => {
  test("C01 images: a base64 data URL goes as base64, a percent-encoded one is re-encoded, a malformed one and a type Claude cannot read are 400s", () => {
    const image = (url: string) => ({ messages: [{ role: "user", content: [{ type: "image_url", image_url: { url } }] }] });
    expect(build(image("data:image/png;base64,iVBORw0KGgo=")).out.messages[0].content[0].source).toEqual({ type: "base64", media_type: "image/png", data: "iVBORw0KGgo=" });
    expect(build(image("data:image/gif,GIF89a%01")).out.messages[0].content[0].source).toMatchObject({ type: "base64", media_type: "image/gif", data: Buffer.from("GIF89a\u0001").toString("base64") });
    expect(build(image("https://example.com/cat.png")).out.messages[0].content[0].source).toEqual({ type: "url", url: "https://example.com/cat.png" });
    expect(() => build(image("data:image/png"))).toThrow("invalid data URL");
    expect(() => build(image("data:image/png,%E0%A4%A"))).toThrow("malformed percent-encoding");
    expect(() => build(image("data:image/svg+xml;base64,PHN2Zz4="))).toThrow('image type "image/svg+xml" is not supported');
  });

  test("M10 history starting with an assistant turn gets a leading user turn", () => {
    const { out } = build({ messages: [{ role: "assistant", content: "Hello" }, { role: "user", content: "Hi" }] });
    expect(out.messages[0]).toEqual({ role: "user", content: [{ type: "text", text: "Continue." }] });
    expect(out.messages[1].role).toBe("assistant");
  });

  test("M10 a system-only request still has one user message", () => {
    const { out } = build({ messages: [{ role: "system", content: "Only a prompt" }] });
    expect(out.system).toEqual([{ type: "text", text: "Only a prompt" }]);
    expect(out.messages).toEqual([{ role: "user", content: [{ type: "text", text: "Continue." }] }]);
  });

  test("M11 trailing whitespace is stripped from a final assistant prefill (a model that takes prefills)", () => {
    const { out } = build({ messages: [{ role: "user", content: "Write" }, { role: "assistant", content: "Once upon a time  \n" }] }, { upstreamModel: "claude-sonnet-4-5" });
    expect(out.messages).toHaveLength(2);
    expect(out.messages[1].content).toEqual([{ type: "text", text: "Once upon a time" }]);
  });

  test("M11 Claude 4.6 and later refuse prefills: a final assistant turn is followed by a user turn asking to continue", () => {
    for (const upstreamModel of ["claude-sonnet-4-6", "claude-opus-4-7", "claude-sonnet-5", "claude-haiku-5-5"]) {
      const { out, ctx } = build({ messages: [{ role: "user", content: "Write" }, { role: "assistant", content: "Once upon a time" }] }, { upstreamModel });
      expect(out.messages).toEqual([
        { role: "user", content: [{ type: "text", text: "Write" }] },
        { role: "assistant", content: [{ type: "text", text: "Once upon a time" }] },
        { role: "user", content: [{ type: "text", text: "Continue." }] },
      ]);
      expect(ctx.warnings.some((warning) => warning.includes("prefill"))).toBe(true);
    }
    // A final turn with an open tool call: the added turn carries its cancelled result first (H11).
    const { out } = build({ messages: [{ role: "user", content: "Go" }, { role: "assistant", content: null, tool_calls: [{ id: "call_1", type: "function", function: { name: "f", arguments: "{}" } }] }], tools });
    expect(out.messages.at(-1).role).toBe("user");
    expect(out.messages.at(-1).content[0]).toMatchObject({ type: "tool_result", tool_use_id: "call_1", is_error: true });
    expect(out.messages.at(-1).content[1]).toEqual({ type: "text", text: "Continue." });
  });

  test("M12 empty assistant turn is dropped and the neighbouring user turns merge (M09)", () => {
    const { out } = build({ messages: [{ role: "user", content: "a" }, { role: "assistant", content: "" }, { role: "user", content: [{ type: "text", text: "" }, { type: "text", text: "b" }] }] });
    expect(out.messages).toEqual([{ role: "user", content: [{ type: "text", text: "a" }, { type: "text", text: "b" }] }]);
  });

  test("C08 assistant refusal in history stays as assistant text", () => {
    const { out } = build({ messages: [{ role: "user", content: "x" }, { role: "assistant", content: null, refusal: "No." }, { role: "user", content: "why" }] });
    expect(out.messages[1]).toEqual({ role: "assistant", content: [{ type: "text", text: "No." }] });
  });

  test("C05 an OpenAI file_id cannot cross to Anthropic: 400", () => {
    expect(() => build({ messages: [{ role: "user", content: [{ type: "file", file: { file_id: "file-abc" } }] }] })).toThrow(/file ids cannot be forwarded/);
  });

  test("C07 audio input is rejected with a 400 naming the part, never dropped", () => {
    try {
      build({ messages: [{ role: "user", content: [{ type: "input_audio", input_audio: { data: "AAA", format: "wav" } }] }] });
      throw new Error("expected a GatewayError");
    } catch (error: any) {
      expect(error.code).toBe("invalid_request");
      expect(error.status).toBe(400);
      expect(error.message).toMatch(/audio/);
    }
  });

  test("C01 M03 an image or file in a system/developer message is a 400 naming the part, never dropped from Claude's text-only system prompt", () => {
    const image = { type: "image_url", image_url: { url: "data:image/png;base64,iVBORw0KGgo=" } };
    const refusal = (messages: unknown[]) => {
      try {
        build({ messages });
      } catch (error: any) {
        return { status: error.status, code: error.code, param: error.param, message: error.message };
      }
      throw new Error("expected a GatewayError");
    };
    expect(refusal([{ role: "system", content: [{ type: "text", text: "Look:" }, image] }, { role: "user", content: "what is it?" }])).toMatchObject({
      status: 400, code: "invalid_request", param: "messages[0].content[1]", message: expect.stringContaining("role 'system'"),
    });
    // A later developer message (it would become user-side text) is refused the same way, as is a file.
    const file = { type: "file", file: { file_data: "data:application/pdf;base64,JVBERi0=", filename: "a.pdf" } };
    expect(refusal([{ role: "user", content: "hi" }, { role: "assistant", content: "ok" }, { role: "developer", content: [file] }])).toMatchObject({ status: 400, param: "messages[2].content[0]" });
    // Text-only system parts are still the system prompt.
    expect(build({ messages: [{ role: "system", content: [{ type: "text", text: "Be brief." }] }, { role: "user", content: "hi" }] }).out.system).toEqual([{ type: "text", text: "Be brief." }]);
  });

  test("P08 n > 1 is rejected with param n", () => {
    expect(() => build({ n: 3, messages: [{ role: "user", content: "x" }] })).toThrow(/n > 1/);
  });

  test("P01 no max tokens → ctx.defaultMaxTokens, capped by ctx.maxOutputTokens", () => {
    expect(build({ messages: [{ role: "user", content: "x" }] }).out.max_tokens).toBe(8192);
    expect(build({ messages: [{ role: "user", content: "x" }] }, { maxOutputTokens: 4096 }).out.max_tokens).toBe(4096);
  });

  test("S01 strict goes only to models with strict tool use (Claude 4.1 and later), and never as false", () => {
    const strictTool = (strict: boolean) => ({ messages: [{ role: "user", content: "x" }], tools: [{ type: "function", function: { name: "f", strict, parameters: { type: "object", properties: {} } } }] });
    expect(build(strictTool(true), { upstreamModel: "claude-sonnet-4-20250514" }).out.tools[0]).not.toHaveProperty("strict");
    expect(build(strictTool(true), { upstreamModel: "claude-3-7-sonnet-latest" }).out.tools[0]).not.toHaveProperty("strict");
    expect(build(strictTool(false)).out.tools[0]).not.toHaveProperty("strict");
    expect(build(strictTool(true), { upstreamModel: "claude-opus-4-1" }).out.tools[0].strict).toBe(true);
  });

  test("S01 strict:true carried to Anthropic; S12 unknown built-in tool dropped", () => {
    const { out } = build({ messages: [{ role: "user", content: "x" }], tools: [{ type: "function", function: { name: "f", strict: true, parameters: { type: "object", properties: {} } } }, { type: "web_search_preview" }] });
    // Closed, as Anthropic's structured-output grammar (strict tool use) requires every object to be.
    expect(out.tools).toEqual([{ name: "f", input_schema: { type: "object", properties: {}, additionalProperties: false }, strict: true }]);
  });

  test("TC01 auto / none / named function; TC02 none is sent as {type:none}", () => {
    const msg = [{ role: "user", content: "x" }];
    expect(build({ messages: msg, tools, tool_choice: "auto" }).out.tool_choice).toEqual({ type: "auto" });
    expect(build({ messages: msg, tools, tool_choice: "none" }).out.tool_choice).toEqual({ type: "none" });
    expect(build({ messages: msg, tools, tool_choice: { type: "function", function: { name: "f" } } }).out.tool_choice).toEqual({ type: "tool", name: "f" });
  });

  test("TC02 S14 a provider that refuses {type:none} (toolChoiceNone false) gets no tools; the history's tool blocks become text", () => {
    const history = [
      { role: "user", content: "read it" },
      { role: "assistant", content: null, tool_calls: [{ id: "call_1", type: "function", function: { name: "f", arguments: '{"p":1}' } }] },
      { role: "tool", tool_call_id: "call_1", content: "file body" },
      { role: "user", content: "summarise" },
    ];
    const { out } = build({ messages: history, tools, tool_choice: "none" }, { toolChoiceNone: false });
    expect(out.tools).toBeUndefined();
    expect(out.tool_choice).toBeUndefined();
    expect(JSON.stringify(out.messages)).not.toMatch(/tool_use|tool_result/);
    expect(out.messages).toEqual([
      { role: "user", content: [{ type: "text", text: "read it" }] },
      { role: "assistant", content: [{ type: "text", text: '[tool call call_1: f({"p":1})]' }] },
      { role: "user", content: [{ type: "text", text: "[tool result call_1]\nfile body" }, { type: "text", text: "summarise" }] },
    ]);
    // Other choices, and hosts that take {type:none}, keep their tools and tool blocks.
    expect(build({ messages: history, tools, tool_choice: "auto" }, { toolChoiceNone: false }).out.tools).toHaveLength(1);
    expect(build({ messages: history, tools, tool_choice: "none" }).out.messages[1].content[0].type).toBe("tool_use");
  });

  test("TC03 parallel_tool_calls:false without tool_choice → {type:auto, disable_parallel_tool_use:true}; no tools → no tool_choice", () => {
    expect(build({ messages: [{ role: "user", content: "x" }], tools, parallel_tool_calls: false }).out.tool_choice).toEqual({ type: "auto", disable_parallel_tool_use: true });
    expect(build({ messages: [{ role: "user", content: "x" }], tool_choice: "required" }).out.tool_choice).toBeUndefined();
  });

  test("TC04 K03 forced tool with reasoning: tool_choice relaxed to auto, temperature and top_k dropped", () => {
    const { out, ctx } = build({ messages: [{ role: "user", content: "x" }], tools, tool_choice: "required", reasoning_effort: "high", temperature: 0.3, top_k: 5 });
    expect(out.thinking).toEqual({ type: "enabled", budget_tokens: 24576 });
    expect(out.tool_choice).toEqual({ type: "auto" });
    expect(out.temperature).toBeUndefined();
    expect(out.top_k).toBeUndefined();
    expect(ctx.warnings.some((w) => w.includes("tool_choice relaxed"))).toBe(true);
  });

  test("K02 effort → budget; K03 the default max_tokens raised above the budget, the client's own cap kept; minimal/none → no thinking", () => {
    const defaulted = build({ messages: [{ role: "user", content: "x" }], reasoning_effort: "medium" }).out;
    expect(defaulted.thinking).toEqual({ type: "enabled", budget_tokens: 12288 });
    expect(defaulted.max_tokens).toBeGreaterThanOrEqual(12288 + 4096);
    // The client's cap counts reasoning (max_completion_tokens does): the budget shrinks instead.
    const capped = build({ messages: [{ role: "user", content: "x" }], reasoning_effort: "high", max_completion_tokens: 10000 }).out;
    expect(capped.max_tokens).toBe(10000);
    expect(capped.thinking).toEqual({ type: "enabled", budget_tokens: 10000 - 4096 });
    expect(build({ messages: [{ role: "user", content: "x" }], reasoning_effort: "medium", max_tokens: 3000 }).out).toMatchObject({ max_tokens: 3000, thinking: { type: "enabled", budget_tokens: 1500 } });
    const tiny = build({ messages: [{ role: "user", content: "x" }], reasoning_effort: "high", max_completion_tokens: 100 });
    expect(tiny.out.max_tokens).toBe(100);
    expect(tiny.out.thinking).toBeUndefined();
    expect(tiny.ctx.warnings.some((w) => w.startsWith("thinking disabled"))).toBe(true);
    expect(build({ messages: [{ role: "user", content: "x" }], reasoning_effort: "minimal" }).out.thinking).toBeUndefined();
    expect(build({ messages: [{ role: "user", content: "x" }], reasoning_effort: "none" }).out.thinking).toBeUndefined();
  });

  test("K06 thinking turned off when the latest tool-call turn has no signed thinking block", () => {
    const { out, ctx } = build({
      reasoning_effort: "high",
      messages: [
        { role: "user", content: "x" },
        { role: "assistant", content: null, reasoning_content: "unsigned", tool_calls: [{ id: "c1", type: "function", function: { name: "f", arguments: "{}" } }] },
        { role: "tool", tool_call_id: "c1", content: "ok" },
      ],
      tools,
    });
    expect(out.thinking).toBeUndefined();
    // K06: the unsigned reasoning is dropped, not sent with a made-up signature.
    expect(out.messages[1].content).toEqual([{ type: "tool_use", id: "c1", name: "f", input: {} }]);
    expect(ctx.warnings.some((w) => w.startsWith("thinking disabled"))).toBe(true);
  });

  test("H02 a tool id reused across turns (xAI call_0) is made unique on both sides", () => {
    const call = (args: string) => ({ role: "assistant", content: null, tool_calls: [{ id: "call_0", type: "function", function: { name: "f", arguments: args } }] });
    const { out } = build({ messages: [{ role: "user", content: "x" }, call("{}"), { role: "tool", tool_call_id: "call_0", content: "1" }, call("{}"), { role: "tool", tool_call_id: "call_0", content: "2" }], tools });
    const ids = out.messages.flatMap((m: any) => m.content.map((b: any) => b.id ?? b.tool_use_id).filter(Boolean));
    expect(ids[0]).toBe("call_0");
    expect(ids[1]).toBe("call_0");
    expect(ids[2]).not.toBe("call_0");
    expect(ids[3]).toBe(ids[2]);
  });

  test("J01 json_object → instruction in the system prompt; P09 logprobs ignored", () => {
    const { out } = build({ messages: [{ role: "user", content: "x" }], response_format: { type: "json_object" }, logprobs: true });
    expect(out.system.at(-1).text).toMatch(/JSON object/);
    expect(out.logprobs).toBeUndefined();
  });
});
