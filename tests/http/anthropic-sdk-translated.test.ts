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

describe("CC05 an upstream that reports no usage", () => {
  // Servers that ignore `stream_options.include_usage` (or omit `usage` altogether) leave the
  // ledger to estimate; the client was told zeros, and Claude Code, which compacts by the usage
  // it is told, never compacted until the upstream refused the context.
  const chatChunk = (payload: object) => ({ data: { id: "chatcmpl-t", object: "chat.completion.chunk", created: 1, model: "chat-x", ...payload } });
  const longPrompt = "Summarise the history of the printing press in Europe. ".repeat(20);
  const withoutUsage = (done: boolean) => [
    chatChunk({ choices: [{ index: 0, delta: { role: "assistant", content: "Gutenberg's press " }, finish_reason: null }] }),
    chatChunk({ choices: [{ index: 0, delta: { content: "changed everything." }, finish_reason: null }] }),
    chatChunk({ choices: [{ index: 0, delta: {}, finish_reason: "stop" }] }),
    ...(done ? [{ data: "[DONE]" }] : []),
  ];
  const expectEstimated = (usage: { input_tokens: number; output_tokens: number }) => {
    const row = running.gw.ledger.entries.at(-1)!;
    expect(row.usageEstimated).toBe(true);
    expect(usage.input_tokens).toBeGreaterThan(100);
    expect(usage.output_tokens).toBeGreaterThan(0);
    // The client is told what the ledger records.
    expect(usage).toMatchObject({ input_tokens: row.usage.inputTokens, output_tokens: row.usage.outputTokens });
  };

  for (const done of [true, false]) {
    test(`a Chat stream without a usage chunk (${done ? "with" : "without"} [DONE]) ends with the ledger's estimate in message_delta, not zeros`, async () => {
      running.mock.enqueue({ events: withoutUsage(done) });
      const { anthropic } = sdkClients(running.gw.url);
      const message = await anthropic.messages.stream({ model: "chat-x", max_tokens: 200, messages: [{ role: "user", content: longPrompt }] }).finalMessage();
      expect(message.content as unknown).toEqual([{ type: "text", text: "Gutenberg's press changed everything." }]);
      expect(message.stop_reason).toBe("end_turn");
      expectEstimated(message.usage);
    });
  }

  test("a whole Chat answer without usage carries the estimate too", async () => {
    running.mock.enqueue({ json: { id: "c", object: "chat.completion", created: 1, model: "chat-x", choices: [{ index: 0, message: { role: "assistant", content: "Gutenberg's press changed everything." }, finish_reason: "stop" }] } });
    const { anthropic } = sdkClients(running.gw.url);
    const message = await anthropic.messages.create({ model: "chat-x", max_tokens: 200, messages: [{ role: "user", content: longPrompt }] });
    expect(message.content as unknown).toEqual([{ type: "text", text: "Gutenberg's press changed everything." }]);
    expectEstimated(message.usage);
  });

  test("a Responses stream whose response.completed has no usage", async () => {
    const { defaultResponsesEvents } = await import("../support/mock-upstream");
    const events = defaultResponsesEvents("resp-x", "Gutenberg's press changed everything.")!;
    const completed = events.at(-1) as { event: string; data: { response: Record<string, unknown> } };
    events[events.length - 1] = { event: completed.event, data: { ...completed.data, response: { ...completed.data.response, usage: null } } };
    running.mock.enqueue({ events });
    const { anthropic } = sdkClients(running.gw.url);
    const message = await anthropic.messages.stream({ model: "resp-x", max_tokens: 200, messages: [{ role: "user", content: longPrompt }] }).finalMessage();
    expect(message.stop_reason).toBe("end_turn");
    expectEstimated(message.usage);
  });

  test("reported usage is still relayed as it is", async () => {
    const { anthropic } = sdkClients(running.gw.url);
    const message = await anthropic.messages.stream({ model: "chat-x", max_tokens: 200, messages: [{ role: "user", content: longPrompt }] }).finalMessage();
    expect(message.usage).toMatchObject({ input_tokens: 8, cache_read_input_tokens: 3, output_tokens: 7 });
    expect(running.gw.ledger.entries.at(-1)!.usageEstimated).toBe(false);
  });
});

describe("Anthropic message threads (server-held conversation state) on models served elsewhere", () => {
  for (const model of ["chat-x", "resp-x"]) {
    test(`a thread on ${model} is refused as Anthropic refuses one it cannot hold (thread_unsupported_request), and nothing goes upstream`, async () => {
      const { anthropic } = sdkClients(running.gw.url);
      const before = running.mock.requests.length;
      for (const thread of [{ type: "create" }, { type: "continue", previous_message_id: "msg_01HeldElsewhere" }]) {
        const error = await anthropic.beta.messages.create({ model, max_tokens: 50, thread, messages: [{ role: "user", content: "Hello" }] } as never).catch((caught: unknown) => caught);
        expect(error).toBeInstanceOf(Anthropic.BadRequestError);
        const refused = error as InstanceType<typeof Anthropic.BadRequestError> & { errorCode?: string };
        expect(refused.errorCode).toBe("thread_unsupported_request");
        expect(refused.error).toMatchObject({ type: "error", error: { type: "invalid_request_error", details: { error_code: "thread_unsupported_request" }, message: expect.stringContaining("thread") } });
      }
      expect(running.mock.requests.length).toBe(before);
    });
  }

  test("the SDK's tool runner, which threads by default, then sends the whole conversation and the tools every turn", async () => {
    const { chatToolCallEvents, chatToolResults } = await import("../support/mock-agent");
    const { defaultChatEvents } = await import("../support/mock-upstream");
    const { betaTool } = await import("@anthropic-ai/sdk/helpers/beta/json-schema");
    const before = running.mock.requests.length;
    running.mock.setResponder((request) => {
      if (!request.path.endsWith("/chat/completions")) return undefined;
      const results = chatToolResults(request);
      if (results.length === 0) return { events: chatToolCallEvents("chat-x", [{ id: "call_add", tool: "add", input: { a: 1, b: 2 } }]) };
      return { events: defaultChatEvents("chat-x", `sum ${results.map((result) => result.content).join(",")}`, true) };
    });
    try {
      const { anthropic } = sdkClients(running.gw.url);
      const add = betaTool({ name: "add", description: "Adds two numbers", inputSchema: { type: "object", properties: { a: { type: "number" }, b: { type: "number" } }, required: ["a", "b"] }, run: (input: { a: number; b: number }) => String(input.a + input.b) });
      const final = await anthropic.beta.messages.toolRunner({ model: "chat-x", max_tokens: 500, stream: true, tools: [add], messages: [{ role: "user", content: "add 1 and 2" }] }).runUntilDone();
      expect(final.content).toMatchObject([{ type: "text", text: "sum 3" }]);
      const sent = running.mock.requests.slice(before).filter((request) => request.path.endsWith("/chat/completions"));
      expect(sent).toHaveLength(2);
      for (const request of sent) expect(request.body.tools.map((tool: { function: { name: string } }) => tool.function.name)).toEqual(["add"]);
      expect(sent[1]!.body.messages.map((message: { role: string }) => message.role)).toEqual(["user", "assistant", "tool"]);
    } finally {
      running.mock.setResponder(undefined);
    }
  });
});
