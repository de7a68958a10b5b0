import { describe, expect, test } from "bun:test";
import Anthropic from "@anthropic-ai/sdk";
import { chatOnlyProviderEnv, responsesOnlyProviderEnv, useMockedGateway } from "../support/gateway-harness";
import { sdkClients } from "../support/sdk-clients";

/**
 * The @anthropic-ai/sdk client on models served in another protocol (Chat Completions `chat-*`,
 * Responses `resp-*`), for what the SDK's users meet that the translation tests do not show.
 */
const running = useMockedGateway((mock) => ({
  ...chatOnlyProviderEnv(mock.openaiBaseUrl, "chat-*"),
  ...responsesOnlyProviderEnv(mock.openaiBaseUrl, "resp-*"),
}));

describe("C05 Anthropic Files API ids", () => {
  const blocks = [
    ["an image", { type: "image", source: { type: "file", file_id: "file_011CNha8iCJcU1wXNR6q4V8w" } }],
    ["a document", { type: "document", source: { type: "file", file_id: "file_011CNha8iCJcU1wXNR6q4V8w" } }],
  ] as const;
  for (const model of ["chat-x", "resp-x"]) {
    for (const [what, block] of blocks) {
      test(`${what} by file id on ${model} is a 400 that says so, and nothing goes upstream (an OpenAI server cannot resolve Anthropic's ids)`, async () => {
        const { anthropic } = sdkClients(running.gw.url);
        const before = running.mock.requests.length;
        const asked = anthropic.messages.create({ model, max_tokens: 50, messages: [{ role: "user", content: [block as never, { type: "text", text: "What is in it?" }] }] });
        const error = await asked.catch((caught: unknown) => caught);
        expect(error).toBeInstanceOf(Anthropic.BadRequestError);
        expect((error as InstanceType<typeof Anthropic.BadRequestError>).error).toMatchObject({ type: "error", error: { type: "invalid_request_error", message: expect.stringContaining("file ids cannot be forwarded") } });
        expect(running.mock.requests.length).toBe(before);
      });
    }
  }

  test("in a tool result too", async () => {
    const { anthropic } = sdkClients(running.gw.url);
    const error = await anthropic.messages
      .create({
        model: "resp-x",
        max_tokens: 50,
        tools: [{ name: "Read", input_schema: { type: "object" } }],
        messages: [
          { role: "user", content: "read it" },
          { role: "assistant", content: [{ type: "tool_use", id: "toolu_1", name: "Read", input: {} }] },
          { role: "user", content: [{ type: "tool_result", tool_use_id: "toolu_1", content: [{ type: "image", source: { type: "file", file_id: "file_011CNha8" } } as never] }] },
        ],
      })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Anthropic.BadRequestError);
  });
});

describe("S09 Anthropic's client-run tools (bash, text editor, memory) on OpenAI models", () => {
  const clientTools = [
    { type: "bash_20250124", name: "bash" },
    { type: "text_editor_20250728", name: "str_replace_based_edit_tool" },
    { type: "memory_20250818", name: "memory" },
    { type: "web_fetch_20250910", name: "web_fetch" },
  ];
  const chatChunk = (payload: object) => ({ data: { id: "chatcmpl-t", object: "chat.completion.chunk", created: 1, model: "chat-x", ...payload } });

  test("reach a Chat model as functions of the same name with their input schema, and its call is the client's tool_use (they were dropped)", async () => {
    running.mock.enqueue({
      events: [
        chatChunk({ choices: [{ index: 0, delta: { role: "assistant", tool_calls: [{ index: 0, id: "call_e", type: "function", function: { name: "str_replace_based_edit_tool", arguments: '{"command":"view",' } }] }, finish_reason: null }] }),
        chatChunk({ choices: [{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: '"path":"/repo/a.py"}' } }] }, finish_reason: null }] }),
        chatChunk({ choices: [{ index: 0, delta: {}, finish_reason: "tool_calls" }], usage: { prompt_tokens: 20, completion_tokens: 5, total_tokens: 25 } }),
        { data: "[DONE]" },
      ],
    });
    const { anthropic } = sdkClients(running.gw.url);
    const message = await anthropic.beta.messages
      .stream({ model: "chat-x", max_tokens: 200, tools: clientTools as never, tool_choice: { type: "tool", name: "str_replace_based_edit_tool" }, messages: [{ role: "user", content: "Show me a.py" }] })
      .finalMessage();
    expect(message.stop_reason).toBe("tool_use");
    expect(message.content).toEqual([{ type: "tool_use", id: "call_e", name: "str_replace_based_edit_tool", input: { command: "view", path: "/repo/a.py" } }]);

    const sent = running.mock.requests.at(-1)!.body;
    const functions = Object.fromEntries(sent.tools.map((tool: any) => [tool.function.name, tool.function.parameters]));
    // Web fetch runs inside Anthropic: still not sent.
    expect(Object.keys(functions).sort()).toEqual(["bash", "memory", "str_replace_based_edit_tool"]);
    expect(functions.bash.properties.command).toMatchObject({ type: "string" });
    expect(functions.str_replace_based_edit_tool).toMatchObject({ required: ["command", "path"], properties: { command: { enum: ["view", "create", "str_replace", "insert"] }, insert_line: { type: "integer" } } });
    expect(functions.memory.properties.command.enum).toEqual(["view", "create", "str_replace", "insert", "delete", "rename"]);
    expect(sent.tool_choice).toEqual({ type: "function", function: { name: "str_replace_based_edit_tool" } });
  });

  test("reach a Responses model the same way, and a replayed call and its result go back under the declared name", async () => {
    const { anthropic } = sdkClients(running.gw.url);
    await anthropic.beta.messages.create({
      model: "resp-x",
      max_tokens: 200,
      tools: [{ type: "bash_20250124", name: "bash" }],
      messages: [
        { role: "user", content: "List the files" },
        { role: "assistant", content: [{ type: "tool_use", id: "toolu_1", name: "bash", input: { command: "ls" } }] },
        { role: "user", content: [{ type: "tool_result", tool_use_id: "toolu_1", content: "a.py" }] },
      ],
    });
    const sent = running.mock.requests.at(-1)!.body;
    expect(sent.tools).toEqual([expect.objectContaining({ type: "function", name: "bash", parameters: expect.objectContaining({ properties: expect.objectContaining({ command: expect.anything() }) }) })]);
    expect(sent.input).toContainEqual({ type: "function_call", call_id: "toolu_1", name: "bash", arguments: '{"command":"ls"}' });
    expect(sent.input).toContainEqual({ type: "function_call_output", call_id: "toolu_1", output: "a.py" });
  });

  test("the client's own function of the same name wins", async () => {
    const { anthropic } = sdkClients(running.gw.url);
    const mine = { name: "bash", description: "mine", input_schema: { type: "object" as const, properties: { script: { type: "string" } } } };
    await anthropic.beta.messages.create({ model: "chat-x", max_tokens: 50, tools: [mine, { type: "bash_20250124", name: "bash" }], messages: [{ role: "user", content: "hi" }] });
    const sent = running.mock.requests.at(-1)!.body;
    expect(sent.tools).toHaveLength(1);
    expect(sent.tools[0].function).toMatchObject({ name: "bash", description: "mine" });
  });
});
