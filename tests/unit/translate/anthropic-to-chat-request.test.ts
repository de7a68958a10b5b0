import { describe, expect, test } from "bun:test";
import { findTranslator } from "../../../src/translate/registry";
import { makeContext } from "./support";

/** A→O request translation: Anthropic client body → Chat Completions upstream body. */
const translator = findTranslator("anthropic", "openai-chat")!;

function build(body: Record<string, unknown>, overrides: Parameters<typeof makeContext>[2] = {}) {
  const ctx = makeContext("anthropic", "openai-chat", overrides);
  const out = translator.buildUpstreamRequest({ model: "claude-x", max_tokens: 1024, ...body }, ctx) as Record<string, any>;
  return { out, ctx };
}

const user = (content: unknown) => ({ role: "user", content });

describe("A→O requests", () => {
  test("M01 system as a plain string → one leading system message", () => {
    const { out } = build({ system: "Be kind.", messages: [user("hi")] });
    expect(out.messages).toEqual([{ role: "system", content: "Be kind." }, { role: "user", content: "hi" }]);
  });

  test("M02 attribution block alone leaves no system message at all", () => {
    const { out } = build({ system: [{ type: "text", text: "x-anthropic-billing-header: cc_version=1; cc_entrypoint=cli;" }], messages: [user("hi")] });
    expect(out.messages).toEqual([{ role: "user", content: "hi" }]);
  });

  test("M12 assistant turn with only tool_use → content null plus tool_calls", () => {
    const { out } = build({
      messages: [user("go"), { role: "assistant", content: [{ type: "tool_use", id: "t1", name: "f", input: { a: 1 } }] }, user([{ type: "tool_result", tool_use_id: "t1", content: "ok" }])],
      tools: [{ name: "f", input_schema: { type: "object", properties: { a: { type: "number" } } } }],
    });
    expect(out.messages[1]).toEqual({ role: "assistant", content: null, tool_calls: [{ id: "t1", type: "function", function: { name: "f", arguments: '{"a":1}' } }] });
    expect(out.messages[2]).toEqual({ role: "tool", tool_call_id: "t1", content: "ok" });
  });

  test("M13 text and tool_use stay in one assistant message, text first", () => {
    const { out } = build({
      messages: [user("go"), { role: "assistant", content: [{ type: "text", text: "Sure." }, { type: "tool_use", id: "t1", name: "f", input: {} }] }, user([{ type: "tool_result", tool_use_id: "t1" }])],
    });
    expect(out.messages[1].content).toBe("Sure.");
    expect(out.messages[1].tool_calls).toHaveLength(1);
    // C04: an absent result is a short placeholder, never empty.
    expect(out.messages[2]).toEqual({ role: "tool", tool_call_id: "t1", content: "(no output)" });
  });

  test("C04 a search_result inside a tool result keeps its title, source and text", () => {
    const searchResult = { type: "search_result", source: "https://docs.test/page", title: "Result", content: [{ type: "text", text: "the actual result text" }] };
    const { out } = build({
      messages: [user("go"), { role: "assistant", content: [{ type: "tool_use", id: "t1", name: "search", input: {} }] }, user([{ type: "tool_result", tool_use_id: "t1", content: [searchResult] }])],
    });
    expect(out.messages[2]).toEqual({ role: "tool", tool_call_id: "t1", content: "Result\n\nhttps://docs.test/page\n\nthe actual result text" });
  });

  test("C02 image by URL stays a URL; C05 PDF becomes a file part with a filename; text document becomes text", () => {
    const { out } = build({
      messages: [
        user([
          { type: "image", source: { type: "url", url: "https://x.test/a.png" } },
          { type: "document", source: { type: "base64", media_type: "application/pdf", data: "JVBERi0x" } },
          { type: "document", source: { type: "text", media_type: "text/plain", data: "notes" }, title: "Notes" },
        ]),
      ],
    });
    expect(out.messages[0].content).toEqual([
      { type: "image_url", image_url: { url: "https://x.test/a.png" } },
      { type: "file", file: { file_data: "data:application/pdf;base64,JVBERi0x", filename: "document.pdf" } },
      { type: "text", text: '<document title="Notes">\nnotes\n</document>' },
    ]);
  });

  test("C05 an Anthropic file_id cannot cross to OpenAI: 400", () => {
    expect(() => build({ messages: [user([{ type: "image", source: { type: "file", file_id: "file_1" } }])] })).toThrow(/file ids cannot be forwarded/);
  });

  test("S06 S07 Gemini upstream: $ref inlined, const → enum, unsupported keywords and formats removed", () => {
    const { out } = build(
      {
        messages: [user("hi")],
        tools: [{
          name: "f",
          input_schema: {
            type: "object", additionalProperties: false,
            properties: { mode: { const: "fast" }, url: { type: "string", format: "uri" }, when: { type: "string", format: "date-time" }, item: { $ref: "#/$defs/Item" } },
            $defs: { Item: { type: "object", properties: { n: { type: "integer", default: 1 } } } },
          },
        }],
      },
      { upstreamModel: "gemini-2.5-pro" },
    );
    expect(out.tools[0].function.parameters).toEqual({
      type: "object",
      properties: { mode: { enum: ["fast"] }, url: { type: "string" }, when: { type: "string", format: "date-time" }, item: { type: "object", properties: { n: { type: "integer" } } } },
    });
  });

  test("S04 J03 strict:true: a compatible schema as is, an open one rewritten (optional → nullable), a free map goes non-strict", () => {
    const strictOk = { type: "object", properties: { a: { type: "string" } }, required: ["a"], additionalProperties: false };
    const open = { type: "object", properties: { a: { type: "string" }, b: { type: "number" } }, required: ["a"] };
    const freeMap = { type: "object", additionalProperties: { type: "string" } };
    const tools = [
      { name: "ok", input_schema: strictOk, strict: true },
      { name: "open", input_schema: open, strict: true },
      { name: "map", input_schema: freeMap, strict: true },
    ];
    const { out, ctx } = build({ messages: [user("hi")], tools });
    expect(out.tools[0].function).toMatchObject({ strict: true, parameters: strictOk });
    expect(out.tools[1].function).toMatchObject({
      strict: true,
      parameters: { type: "object", properties: { a: { type: "string" }, b: { type: ["number", "null"] } }, required: ["a", "b"], additionalProperties: false },
    });
    expect(out.tools[2].function.strict).toBeUndefined();
    expect(ctx.warnings.filter((w) => w.startsWith("strict dropped"))).toHaveLength(1);
    // The client's schema is not touched, and the rewritten tool is remembered for its answer.
    expect(open).toEqual({ type: "object", properties: { a: { type: "string" }, b: { type: "number" } }, required: ["a"] });
    expect([...ctx.strictNullables!.keys()]).toEqual(["open"]);
  });

  test("J03 a Chat client's strict response_format (work_mode=translation) goes rewritten, strict kept", () => {
    const ctx = makeContext("openai-chat", "openai-chat");
    const schema = { type: "object", properties: { a: { type: "string" } } };
    const out = findTranslator("openai-chat", "openai-chat")!.buildUpstreamRequest(
      { model: "gpt-4o", messages: [{ role: "user", content: "x" }], response_format: { type: "json_schema", json_schema: { name: "r", schema, strict: true } } },
      ctx,
    ) as Record<string, any>;
    expect(out.response_format.json_schema).toEqual({
      name: "r",
      strict: true,
      schema: { type: "object", properties: { a: { type: ["string", "null"] } }, required: ["a"], additionalProperties: false },
    });
  });

  test("S13 duplicate tool names: the first is kept", () => {
    const { out } = build({ messages: [user("hi")], tools: [{ name: "f", description: "one", input_schema: {} }, { name: "f", description: "two", input_schema: {} }] });
    expect(out.tools).toEqual([{ type: "function", function: { name: "f", description: "one", parameters: { type: "object", properties: {} } } }]);
  });

  test("S09 forced server tool removed → tool_choice dropped with the tools", () => {
    const { out } = build({ messages: [user("search")], tools: [{ type: "web_search_20250305", name: "web_search" }], tool_choice: { type: "tool", name: "web_search" } });
    expect(out.tools).toBeUndefined();
    expect(out.tool_choice).toBeUndefined();
    expect(out.parallel_tool_calls).toBeUndefined();
  });

  test("TC01 tool_choice table: auto, none, tool", () => {
    const tools = [{ name: "f", input_schema: { type: "object", properties: {} } }];
    expect(build({ messages: [user("x")], tools, tool_choice: { type: "auto" } }).out.tool_choice).toBe("auto");
    expect(build({ messages: [user("x")], tools, tool_choice: { type: "none" } }).out.tool_choice).toBe("none");
    expect(build({ messages: [user("x")], tools, tool_choice: { type: "tool", name: "f" } }).out.tool_choice).toEqual({ type: "function", function: { name: "f" } });
  });

  test("P03 max_completion_tokens for OpenAI reasoning models, max_tokens for compatible servers", () => {
    expect(build({ messages: [user("x")] }, { upstreamModel: "o4-mini" }).out.max_completion_tokens).toBe(1024);
    const compat = build({ messages: [user("x")] }, { upstreamModel: "deepseek-chat", providerName: "deepseek" }).out;
    expect(compat.max_tokens).toBe(1024);
    expect(compat.max_completion_tokens).toBeUndefined();
  });

  test("P04 P07 reasoning model: temperature, top_p and stop dropped", () => {
    const { out } = build({ messages: [user("x")], temperature: 0.2, top_p: 0.5, stop_sequences: ["X"] }, { upstreamModel: "gpt-5.1" });
    expect(out.temperature).toBeUndefined();
    expect(out.top_p).toBeUndefined();
    expect(out.stop).toBeUndefined();
  });

  test("P07 an Anthropic client's stop sequences are the gateway's to apply (its answer names the match), none go upstream", () => {
    const { out, ctx } = build({ messages: [user("x")], stop_sequences: ["a", " ", "b", "c", "d", "e"] });
    expect(out.stop).toBeUndefined();
    expect(ctx.emulatedStopSequences).toEqual(["a", "b", "c", "d", "e"]);
  });

  test("P07 a Chat client's (work_mode=translation): at most four non-blank ones go upstream, all are cut", () => {
    const ctx = makeContext("openai-chat", "openai-chat");
    const out = findTranslator("openai-chat", "openai-chat")!.buildUpstreamRequest({ model: "gpt-4o", messages: [{ role: "user", content: "x" }], stop: ["a", " ", "b", "c", "d", "e"] }, ctx) as Record<string, any>;
    expect(out.stop).toEqual(["a", "b", "c", "d"]);
    expect(ctx.emulatedStopSequences).toEqual(["a", "b", "c", "d", "e"]);
  });

  test("J01 J03 output_config.format: strict mode where the schema meets OpenAI's rules (Anthropic always constrains the answer), not where OpenAI would refuse it", () => {
    const closed = { type: "object", properties: { a: { type: "string" } }, required: ["a"], additionalProperties: false };
    const open = { type: "object", properties: { a: { type: "string" }, b: { type: "number" } }, required: ["a"], additionalProperties: false };
    const format = (schema: object) => build({ messages: [user("x")], output_config: { format: { type: "json_schema", schema } } }).out.response_format;
    expect(format(closed)).toEqual({ type: "json_schema", json_schema: { name: "response", schema: closed, strict: true } });
    expect(format(open).json_schema.strict).toBe(false);
  });

  test("K01 adaptive thinking + output_config.effort → reasoning_effort", () => {
    const { out } = build({ messages: [user("x")], thinking: { type: "adaptive" }, output_config: { effort: "low" } }, { upstreamModel: "gpt-5.1" });
    expect(out.reasoning_effort).toBe("low");
    expect(out.thinking).toBeUndefined();
    expect(out.output_config).toBeUndefined();
  });

  test("K02 budget → effort table: 2000 low, 10000 medium, 31999 high", () => {
    const effort = (budget: number) => build({ messages: [user("x")], thinking: { type: "enabled", budget_tokens: budget } }, { upstreamModel: "o3" }).out.reasoning_effort;
    expect([effort(2000), effort(10000), effort(31999)]).toEqual(["low", "medium", "high"]);
  });

  test("K01 disabled thinking asks o3 for its lowest effort; P12 unknown Anthropic fields never reach OpenAI", () => {
    const { out } = build({ messages: [user("x")], thinking: { type: "disabled" }, context_management: { edits: [] }, container: "c1" }, { upstreamModel: "o3" });
    // o3 reasons at medium when told nothing; low is the least it takes.
    expect(out.reasoning_effort).toBe("low");
    expect(out.context_management).toBeUndefined();
    expect(out.container).toBeUndefined();
  });

  test("K01 thinking disabled or absent: the model's lowest effort where its default is to reason, nothing elsewhere", () => {
    const effort = (upstreamModel: string, thinking?: object) => build({ messages: [user("x")], ...(thinking ? { thinking } : {}) }, { upstreamModel }).out.reasoning_effort;
    expect(effort("gpt-5", { type: "disabled" })).toBe("minimal");
    expect(effort("gpt-5-mini")).toBe("minimal");
    expect(effort("gpt-5-nano-2025-08-07")).toBe("minimal");
    expect(effort("o4-mini")).toBe("low");
    expect(effort("gpt-5-codex")).toBe("low");
    // gpt-5.1 and later default to no reasoning; -pro takes only high; non-reasoning models refuse the field.
    expect(effort("gpt-5.1")).toBeUndefined();
    expect(effort("gpt-5-pro")).toBeUndefined();
    expect(effort("gpt-4o")).toBeUndefined();
    expect(effort("deepseek-chat")).toBeUndefined();
    // Thinking asked for keeps its own mapping.
    expect(effort("gpt-5", { type: "enabled", budget_tokens: 2000 })).toBe("low");
  });

  test("K07 reasoning_content passed back on tool-call turns for reasoning providers", () => {
    const { out } = build(
      {
        messages: [
          user("go"),
          { role: "assistant", content: [{ type: "thinking", thinking: "plan", signature: "" }, { type: "tool_use", id: "t1", name: "f", input: {} }] },
          user([{ type: "tool_result", tool_use_id: "t1", content: "done" }]),
        ],
      },
      { upstreamModel: "deepseek-reasoner", providerName: "deepseek" },
    );
    expect(out.messages[1].reasoning_content).toBe("plan");
  });

  test("SA07 streaming requests always ask for include_usage; non-streaming ones never carry stream_options", () => {
    expect(build({ messages: [user("x")], stream: true }).out.stream_options).toEqual({ include_usage: true });
    expect(build({ messages: [user("x")], stream: false }).out.stream_options).toBeUndefined();
  });

  test("envelope: missing messages is a 400 invalid_request", () => {
    expect(() => translator.buildUpstreamRequest({ model: "m" }, makeContext("anthropic", "openai-chat"))).toThrow(/messages/);
  });

  test("H03 Mistral models get nine-character ids, the same for a call and its result on every turn; their own ids and other models' are left alone", () => {
    const history = {
      messages: [
        user("go"),
        { role: "assistant", content: [{ type: "tool_use", id: "toolu_01A09q90qw90lq917835lq9", name: "f", input: {} }, { type: "tool_use", id: "Kx7Qm2Pz9", name: "f", input: {} }] },
        user([{ type: "tool_result", tool_use_id: "toolu_01A09q90qw90lq917835lq9", content: "one" }, { type: "tool_result", tool_use_id: "Kx7Qm2Pz9", content: "two" }]),
      ],
    };
    const idsSent = (upstreamModel: string) => {
      const { out } = build(history, { upstreamModel });
      const assistant = out.messages.find((m: any) => m.role === "assistant");
      return { calls: assistant.tool_calls.map((c: any) => c.id), results: out.messages.filter((m: any) => m.role === "tool").map((m: any) => m.tool_call_id) };
    };
    const mistral = idsSent("devstral-medium-2507");
    expect(mistral.calls[0]).toMatch(/^[a-zA-Z0-9]{9}$/);
    expect(mistral.calls[1]).toBe("Kx7Qm2Pz9");
    expect(mistral.results).toEqual(mistral.calls);
    expect(idsSent("mistral-large-latest")).toEqual(mistral);
    expect(idsSent("gpt-4.1").calls).toEqual(["toolu_01A09q90qw90lq917835lq9", "Kx7Qm2Pz9"]);
  });
});
