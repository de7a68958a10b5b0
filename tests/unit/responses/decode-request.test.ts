import { describe, expect, test } from "bun:test";
import { GatewayError } from "../../../src/errors/gateway-error";
import { wrapAnthropicReasoning } from "../../../src/protocols/openai-responses/reasoning-blob";
import { readFixture, testCodec } from "./support";

const codec = testCodec();

describe("Responses decodeRequest", () => {
  test("R01 M04 M07 H04 H09 H10 S10 S11 S12 golden: a Codex 0.169 tool-loop request", async () => {
    const body = await readFixture("codex-tool-loop-request.json");
    const expected = await readFixture("codex-tool-loop-canonical.json");
    expect(codec.decodeRequest(body)).toEqual(expected as never);
  });

  test("R08 input as a bare string, easy messages without type, string content", () => {
    expect(codec.decodeRequest({ model: "m", input: "hello" }).messages).toEqual([{ role: "user", content: [{ type: "text", text: "hello" }] }]);
    const easy = codec.decodeRequest({ model: "m", input: [{ role: "user", content: "hi" }, { role: "assistant", content: "yo" }] });
    expect(easy.messages).toEqual([
      { role: "user", content: [{ type: "text", text: "hi" }] },
      { role: "assistant", content: [{ type: "text", text: "yo" }] },
    ]);
  });

  test("M04 instructions come first, then leading developer/system items; later ones stay in place (M03)", () => {
    const request = codec.decodeRequest({
      model: "m",
      instructions: "be brief",
      input: [
        { role: "system", content: "sys" },
        { role: "user", content: "q" },
        { role: "developer", content: "late rule" },
      ],
    });
    expect(request.system).toEqual([
      { type: "text", text: "be brief" },
      { type: "text", text: "sys" },
    ]);
    expect(request.messages).toEqual([
      { role: "user", content: [{ type: "text", text: "q" }] },
      { role: "developer", content: [{ type: "text", text: "late rule" }] },
    ]);
  });

  test("M06 M08 a user message after tool outputs joins their turn, tool results first", () => {
    const request = codec.decodeRequest({
      model: "m",
      input: [
        { type: "function_call", call_id: "c1", name: "f", arguments: "{}" },
        { type: "function_call_output", call_id: "c1", output: "ok" },
        { role: "user", content: "and now?" },
      ],
    });
    expect(request.messages).toHaveLength(2);
    expect(request.messages[1]!.content.map((part) => part.type)).toEqual(["tool_result", "text"]);
  });

  test("K09 a gateway-tagged reasoning blob is unwrapped into Anthropic thinking; a foreign blob stays opaque", () => {
    const blob = wrapAnthropicReasoning({ text: "I think", signature: "sig-123" });
    const request = codec.decodeRequest({
      model: "m",
      input: [
        { role: "user", content: "q" },
        { type: "reasoning", id: "rs_1", summary: [], encrypted_content: blob },
        { type: "reasoning", id: "rs_2", summary: [], encrypted_content: wrapAnthropicReasoning({ redactedData: "REDACTED" }) },
        { type: "reasoning", id: "rs_3", summary: [], encrypted_content: "gAAAA-real" },
      ],
    });
    expect(request.messages[1]!.content).toEqual([
      { type: "reasoning", id: "rs_1", text: "I think", signature: "sig-123" },
      { type: "reasoning", id: "rs_2", redactedData: "REDACTED" },
      { type: "reasoning", id: "rs_3", encryptedContent: "gAAAA-real" },
    ]);
  });

  test("C01 C02 C05 C08 content parts: data-URL and http images, files, refusals, unknown parts kept opaque", () => {
    const request = codec.decodeRequest({
      model: "m",
      input: [
        {
          role: "user",
          content: [
            { type: "input_image", image_url: "data:image/jpeg;base64,/9j/4AAQ" },
            { type: "input_image", image_url: "https://example.com/a.png", detail: "low" },
            { type: "input_file", filename: "a.pdf", file_data: "data:application/pdf;base64,JVBERi0=" },
            { type: "input_file", file_id: "file-1" },
            { type: "input_audio", input_audio: { data: "x", format: "wav" } },
          ],
        },
        { role: "assistant", content: [{ type: "refusal", refusal: "I can't." }] },
      ],
    });
    expect(request.messages[0]!.content).toEqual([
      { type: "image", source: { kind: "base64", mediaType: "image/jpeg", data: "/9j/4AAQ" } },
      { type: "image", source: { kind: "url", url: "https://example.com/a.png" }, detail: "low" },
      { type: "document", source: { kind: "base64", mediaType: "application/pdf", data: "JVBERi0=" }, filename: "a.pdf" },
      { type: "document", source: { kind: "file", fileId: "file-1" } },
      { type: "opaque", protocol: "openai-responses", value: { type: "input_audio", input_audio: { data: "x", format: "wav" } } },
    ]);
    expect(request.messages[1]!.content).toEqual([{ type: "refusal", text: "I can't." }]);
  });

  test("TC01 tool_choice forms: function, custom, allowed_tools narrows the tools, hosted choice becomes auto", () => {
    const tools = [
      { type: "function", name: "a", parameters: { type: "object", properties: {} } },
      { type: "custom", name: "apply_patch" },
      { type: "web_search" },
    ];
    expect(codec.decodeRequest({ model: "m", tools, tool_choice: { type: "function", name: "a" } }).toolChoice).toEqual({ type: "tool", name: "a" });
    expect(codec.decodeRequest({ model: "m", tools, tool_choice: { type: "custom", name: "apply_patch" } }).toolChoice).toEqual({
      type: "tool",
      name: "apply_patch",
    });
    expect(codec.decodeRequest({ model: "m", tools, tool_choice: "required" }).toolChoice).toEqual({ type: "required" });
    const allowed = codec.decodeRequest({
      model: "m",
      tools,
      tool_choice: { type: "allowed_tools", mode: "required", tools: [{ type: "function", name: "a" }] },
    });
    expect(allowed.toolChoice).toEqual({ type: "required" });
    expect(allowed.tools.map((tool) => (tool.kind === "builtin" ? tool.type : tool.name))).toEqual(["a"]);
    expect(codec.decodeRequest({ model: "m", tools, tool_choice: { type: "web_search" } }).toolChoice).toEqual({ type: "auto" });
  });

  test("S13 duplicate tool names keep the first declaration", () => {
    const request = codec.decodeRequest({
      model: "m",
      tools: [
        { type: "function", name: "a", description: "first" },
        { type: "function", name: "a", description: "second" },
      ],
    });
    expect(request.tools).toHaveLength(1);
    expect(request.tools[0]).toMatchObject({ description: "first" });
  });

  test("J01 J04 text.format json_schema (flat form) and verbosity kept in extra", () => {
    const request = codec.decodeRequest({
      model: "m",
      input: "x",
      text: { verbosity: "low", format: { type: "json_schema", name: "codex_output_schema", strict: true, schema: { type: "object" } } },
    });
    expect(request.responseFormat).toEqual({ type: "json_schema", name: "codex_output_schema", strict: true, schema: { type: "object" } });
    expect(request.extra.fields.text).toEqual({ verbosity: "low" });
    // Also read, for Chat upstreams (J04).
    expect(request.verbosity).toBe("low");
  });

  test("K01 K10 reasoning effort none turns reasoning off; summary alone is kept", () => {
    expect(codec.decodeRequest({ model: "m", reasoning: { effort: "none" } }).reasoning).toEqual({ enabled: false });
    expect(codec.decodeRequest({ model: "m", reasoning: { summary: "auto" } }).reasoning).toEqual({ enabled: true, summary: "auto" });
  });

  test("R02 R09 previous_response_id, store and max_output_tokens are read", () => {
    const request = codec.decodeRequest({ model: "m", input: "x", previous_response_id: "resp_1", store: true, max_output_tokens: 100, truncation: "auto" });
    expect(request.previousResponseId).toBe("resp_1");
    expect(request.store).toBe(true);
    expect(request.maxTokens).toBe(100);
    expect(request.extra.fields.truncation).toBe("auto");
  });

  test("R03 an item_reference left unresolved (no response store) fails loudly with a 400 naming the id", () => {
    expect(() => codec.decodeRequest({ model: "m", input: [{ type: "item_reference", id: "msg_1" }] })).toThrow(GatewayError);
    try {
      codec.decodeRequest({ model: "m", input: [{ type: "item_reference", id: "msg_1" }] });
    } catch (error) {
      expect((error as GatewayError).status).toBe(400);
      expect((error as GatewayError).message).toBe("Item with id 'msg_1' not found.");
      expect((error as GatewayError).param).toBe("input");
    }
  });

  test("envelope validation: missing model, input of the wrong type", () => {
    expect(() => codec.decodeRequest({ input: "x" })).toThrow("model is required");
    expect(() => codec.decodeRequest({ model: "m", input: 42 })).toThrow("input must be a string or an array");
  });

  test("H09 unknown replayed items (web_search_call) travel as opaque assistant content", () => {
    const item = { type: "web_search_call", id: "ws_1", status: "completed", action: { type: "search", query: "x" } };
    const request = codec.decodeRequest({ model: "m", input: [{ role: "user", content: "q" }, item] });
    expect(request.messages[1]).toEqual({ role: "assistant", content: [{ type: "opaque", protocol: "openai-responses", value: item }] });
  });
});

describe("Responses decodeRequest: text.format json_schema", () => {
  const decodeError = (format: unknown) => {
    try {
      codec.decodeRequest({ model: "m", input: "x", text: { format } });
    } catch (error) {
      return error as GatewayError;
    }
    return undefined;
  };

  test("without schema or name is OpenAI's 400, not an unconstrained format", () => {
    expect(decodeError({ type: "json_schema", name: "n" })).toMatchObject({ status: 400, param: "text.format.schema", message: "Missing required parameter: 'text.format.schema'." });
    expect(decodeError({ type: "json_schema", schema: { type: "object" } })).toMatchObject({ status: 400, param: "text.format.name" });
    expect(decodeError({ type: "json_schema", name: "n", schema: "an object" })).toMatchObject({ status: 400, param: "text.format.schema" });
    expect(decodeError("json")).toMatchObject({ status: 400, param: "text.format" });
  });

  test("a complete one decodes", () => {
    const schema = { type: "object", properties: { n: { type: "integer" } } };
    expect(decodeError({ type: "json_schema", name: "n", schema })).toBeUndefined();
    expect(codec.decodeRequest({ model: "m", input: "x", text: { format: { type: "json_schema", name: "n", schema } } }).responseFormat).toMatchObject({ type: "json_schema", name: "n", schema });
  });
});
