import { describe, expect, test } from "bun:test";
import { findTranslator } from "../../../src/translate/registry";
import { makeContext } from "./support";

/**
 * Legacy Chat function calling (`functions`, `function_call`, `role:"function"`) on a Claude
 * upstream (O→A).
 */
const translator = findTranslator("openai-chat", "anthropic")!;
const weather = { name: "get_weather", description: "Weather for a city", parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] } };
const legacyBody = { model: "gpt-x", functions: [weather], messages: [{ role: "user", content: "Weather in Paris?" }] };

function build(body: Record<string, unknown>) {
  const ctx = makeContext("openai-chat", "anthropic", { upstreamModel: "claude-sonnet-4-6" });
  return translator.buildUpstreamRequest(body, ctx) as Record<string, any>;
}

describe("O→A legacy functions: request", () => {
  test("functions become Claude tools, function_call none/auto/{name} becomes tool_choice, and one call at a time is asked for", () => {
    const out = build({ ...legacyBody, function_call: { name: "get_weather" } });
    expect(out.tools).toEqual([{ name: "get_weather", description: "Weather for a city", input_schema: weather.parameters }]);
    expect(out.tool_choice).toEqual({ type: "tool", name: "get_weather", disable_parallel_tool_use: true });
    expect(build({ ...legacyBody, function_call: "auto" }).tool_choice).toEqual({ type: "auto", disable_parallel_tool_use: true });
    expect(build({ ...legacyBody, function_call: "none" }).tool_choice).toEqual({ type: "none" });
    expect(build(legacyBody).tool_choice).toEqual({ type: "auto", disable_parallel_tool_use: true });
    // The legacy fields themselves never reach Claude.
    expect(out.functions).toBeUndefined();
    expect(out.function_call).toBeUndefined();
  });

  test("assistant function_call and role:function history become a tool_use and its tool_result, with ids that stay the same as the history grows", () => {
    const history = [
      { role: "user", content: "Weather in Paris?" },
      { role: "assistant", content: null, function_call: { name: "get_weather", arguments: '{"city":"Paris"}' } },
      { role: "function", name: "get_weather", content: "18°C, sunny" },
      { role: "assistant", content: "It is 18°C and sunny. Anything else?" },
      { role: "user", content: "And Rome?" },
      { role: "assistant", content: null, function_call: { name: "get_weather", arguments: '{"city":"Rome"}' } },
      { role: "function", name: "get_weather", content: "24°C" },
    ];
    const out = build({ ...legacyBody, messages: history });
    expect(out.messages).toEqual([
      { role: "user", content: [{ type: "text", text: "Weather in Paris?" }] },
      { role: "assistant", content: [{ type: "tool_use", id: "call_legacy_1", name: "get_weather", input: { city: "Paris" } }] },
      { role: "user", content: [{ type: "tool_result", tool_use_id: "call_legacy_1", content: "18°C, sunny" }] },
      { role: "assistant", content: [{ type: "text", text: "It is 18°C and sunny. Anything else?" }] },
      { role: "user", content: [{ type: "text", text: "And Rome?" }] },
      { role: "assistant", content: [{ type: "tool_use", id: "call_legacy_5", name: "get_weather", input: { city: "Rome" } }] },
      { role: "user", content: [{ type: "tool_result", tool_use_id: "call_legacy_5", content: "24°C" }] },
    ]);
    // The first turn's ids, sent again on a shorter history, are the same (prompt caches stay warm).
    expect(build({ ...legacyBody, messages: history.slice(0, 3) }).messages[1].content[0].id).toBe("call_legacy_1");
  });

  test("a function result with no call before it is an orphan (dropped, as for tool messages); a call with no result gets the cancelled result", () => {
    const out = build({
      ...legacyBody,
      messages: [
        { role: "user", content: "go" },
        { role: "function", name: "get_weather", content: "stray" },
        { role: "assistant", content: null, function_call: { name: "get_weather", arguments: "{}" } },
        { role: "user", content: "never mind" },
      ],
    });
    expect(out.messages[1].content[0]).toMatchObject({ type: "tool_use", id: "call_legacy_2" });
    expect(out.messages[2].content[0]).toMatchObject({ type: "tool_result", tool_use_id: "call_legacy_2", is_error: true });
    expect(JSON.stringify(out.messages)).not.toContain("stray");
  });

  test("malformed legacy fields are 400s naming them, as OpenAI answers", () => {
    const refusal = (body: Record<string, unknown>) => {
      try {
        build(body);
      } catch (error: any) {
        return { status: error.status, param: error.param };
      }
      throw new Error("expected a GatewayError");
    };
    expect(refusal({ ...legacyBody, functions: [{ description: "no name" }] })).toEqual({ status: 400, param: "functions[0].name" });
    expect(refusal({ ...legacyBody, functions: "get_weather" })).toEqual({ status: 400, param: "functions" });
    expect(refusal({ ...legacyBody, function_call: {} })).toEqual({ status: 400, param: "function_call.name" });
    expect(refusal({ ...legacyBody, messages: [{ role: "function", content: "x" }] })).toEqual({ status: 400, param: "messages.[0].name" });
    expect(refusal({ ...legacyBody, messages: [{ role: "assistant", function_call: { arguments: "{}" } }] })).toEqual({ status: 400, param: "messages.[0].function_call.name" });
  });
});
