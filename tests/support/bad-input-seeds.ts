/**
 * Valid request bodies of each protocol that the fuzzer (tests/http/bad-input-fuzz.test.ts)
 * starts from: text, tools and tool results, images, documents, thinking or reasoning, and the
 * stream flag. Each is accepted as it stands; only mutations of it are bad input.
 */

type Json = any;

const PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==";
const PDF = "JVBERi0xLjQKJcOkw7zDtsOfCjEgMCBvYmoKPDwvVHlwZS9DYXRhbG9nPj4KZW5kb2JqCnRyYWlsZXIKPDwvUm9vdCAxIDAgUj4+CiUlRU9GCg==";
const weatherSchema = { type: "object", properties: { city: { type: "string" } }, required: ["city"] };

export function chatSeeds(model: string): Json[] {
  return [
    { model, max_tokens: 16, temperature: 0.5, stop: ["END"], messages: [{ role: "system", content: "Be brief." }, { role: "user", content: "Hello" }] },
    {
      model,
      tools: [{ type: "function", function: { name: "get_weather", description: "Weather", parameters: weatherSchema } }],
      tool_choice: "auto",
      messages: [
        { role: "user", content: "Weather in Paris?" },
        { role: "assistant", content: null, tool_calls: [{ id: "call_1", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } }] },
        { role: "tool", tool_call_id: "call_1", content: "Sunny" },
      ],
    },
    {
      model,
      messages: [
        {
          role: "user",
          content: [
            { type: "text", text: "What is this?" },
            { type: "image_url", image_url: { url: `data:image/png;base64,${PNG}`, detail: "low" } },
            { type: "file", file: { filename: "a.pdf", file_data: `data:application/pdf;base64,${PDF}` } },
          ],
        },
      ],
    },
    {
      model,
      stream: true,
      stream_options: { include_usage: true },
      reasoning_effort: "low",
      response_format: { type: "json_schema", json_schema: { name: "answer", schema: weatherSchema } },
      messages: [{ role: "developer", content: "Answer in JSON." }, { role: "user", content: [{ type: "text", text: "Weather?" }] }],
    },
    {
      model,
      n: 1,
      seed: 7,
      logprobs: true,
      top_logprobs: 2,
      logit_bias: { "50256": -100 },
      parallel_tool_calls: false,
      max_completion_tokens: 32,
      metadata: { origin: "fuzz" },
      user: "someone",
      functions: [{ name: "lookup", parameters: weatherSchema }],
      function_call: { name: "lookup" },
      messages: [
        { role: "user", content: [{ type: "text", text: "Look it up." }] },
        { role: "assistant", content: null, function_call: { name: "lookup", arguments: "{}" } },
        { role: "function", name: "lookup", content: "found" },
        { role: "assistant", content: [{ type: "text", text: "Found." }], refusal: null },
        { role: "user", content: "Thanks", name: "alice" },
      ],
    },
    {
      model,
      stream: true,
      tools: [
        { type: "function", function: { name: "get_weather", parameters: weatherSchema, strict: true } },
        { type: "custom", custom: { name: "patch", description: "Apply a patch", format: { type: "text" } } },
      ],
      tool_choice: { type: "function", function: { name: "get_weather" } },
      web_search_options: { search_context_size: "low", user_location: { type: "approximate", approximate: { country: "FR" } } },
      messages: [
        { role: "user", content: "Patch it." },
        { role: "assistant", content: "", tool_calls: [{ id: "call_9", type: "custom", custom: { name: "patch", input: "*** Begin" } }, { id: "call_9", type: "function", function: { name: "get_weather", arguments: "{}" } }] },
        { role: "tool", tool_call_id: "call_9", content: [{ type: "text", text: "done" }] },
      ],
    },
    {
      model,
      modalities: ["text"],
      prediction: { type: "content", content: "draft" },
      service_tier: "auto",
      store: false,
      verbosity: "low",
      presence_penalty: 0.5,
      frequency_penalty: 0.5,
      prompt_cache_key: "fuzz",
      safety_identifier: "someone",
      messages: [{ role: "user", content: [{ type: "text", text: "Hi" }, { type: "file", file: { file_data: "data:text/plain;base64,aGVsbG8=", filename: "a.txt" } }] }],
    },
  ];
}

export function responsesSeeds(model: string): Json[] {
  return [
    { model, input: "Hello", instructions: "Be brief.", max_output_tokens: 32, temperature: 0.2 },
    {
      model,
      tools: [{ type: "function", name: "get_weather", description: "Weather", parameters: weatherSchema }],
      tool_choice: "auto",
      input: [
        { role: "user", content: [{ type: "input_text", text: "Weather in Paris?" }] },
        { type: "function_call", call_id: "call_1", name: "get_weather", arguments: '{"city":"Paris"}' },
        { type: "function_call_output", call_id: "call_1", output: "Sunny" },
      ],
    },
    {
      model,
      input: [
        {
          type: "message",
          role: "user",
          content: [
            { type: "input_text", text: "What is this?" },
            { type: "input_image", image_url: `data:image/png;base64,${PNG}`, detail: "low" },
            { type: "input_file", filename: "a.pdf", file_data: `data:application/pdf;base64,${PDF}` },
          ],
        },
      ],
    },
    {
      model,
      stream: true,
      reasoning: { effort: "low", summary: "auto" },
      text: { format: { type: "json_schema", name: "answer", schema: weatherSchema } },
      input: [
        { role: "developer", content: "Answer in JSON." },
        { role: "user", content: "Weather?" },
        { role: "assistant", content: [{ type: "output_text", text: "Checking." }] },
        { role: "user", content: "Go on." },
      ],
    },
    {
      model,
      store: false,
      include: ["reasoning.encrypted_content", "message.output_text.logprobs"],
      top_logprobs: 2,
      truncation: "auto",
      prompt_cache_key: "fuzz",
      service_tier: "auto",
      parallel_tool_calls: true,
      tools: [
        { type: "web_search", search_context_size: "low" },
        { type: "custom", name: "patch", description: "Apply a patch", format: { type: "grammar", syntax: "lark", definition: "start: /.+/" } },
        { type: "local_shell" },
      ],
      tool_choice: { type: "function", name: "patch" },
      input: [
        { type: "reasoning", id: "rs_1", summary: [{ type: "summary_text", text: "Thought." }], encrypted_content: "ZW5j" },
        { type: "message", role: "assistant", id: "msg_1", status: "completed", content: [{ type: "output_text", text: "Hi", annotations: [] }] },
        { type: "custom_tool_call", call_id: "call_c", name: "patch", input: "*** Begin" },
        { type: "custom_tool_call_output", call_id: "call_c", output: "ok" },
        { type: "local_shell_call", call_id: "call_s", status: "completed", action: { type: "exec", command: ["ls"], env: {} } },
        { type: "local_shell_call_output", call_id: "call_s", output: "a.txt" },
        { role: "user", content: "More." },
      ],
    },
    // Gateway features around the request: server-side compaction, and Codex's compaction trigger
    // replaying an earlier gateway compaction item.
    {
      model,
      context_management: [{ type: "compaction", compact_threshold: 100000 }],
      input: [
        { type: "compaction", encrypted_content: "tgwcmp1.U3VtbWFyeQ" },
        { role: "user", content: "Continue." },
      ],
    },
    {
      model,
      input: [
        { role: "user", content: "Long talk." },
        { type: "compaction_trigger" },
      ],
    },
    {
      model,
      metadata: { origin: "fuzz" },
      user: "someone",
      max_tool_calls: 3,
      top_p: 0.9,
      tools: [{ type: "function", name: "get_weather", parameters: weatherSchema, strict: false }],
      tool_choice: "required",
      input: [
        { type: "message", role: "system", content: [{ type: "input_text", text: "Be brief." }] },
        { type: "message", role: "user", content: [{ type: "input_text", text: "Hi" }, { type: "input_file", file_data: "data:text/plain;base64,aGVsbG8=", filename: "a.txt" }] },
        { type: "function_call", id: "fc_1", call_id: "call_1", name: "get_weather", arguments: "{}", status: "completed" },
        { type: "function_call_output", call_id: "call_1", output: [{ type: "input_text", text: "Sunny" }, { type: "input_image", image_url: `data:image/png;base64,${PNG}` }] },
      ],
    },
  ];
}

export function embeddingsSeeds(model: string): Json[] {
  return [
    { model, input: ["first text", "second text"], encoding_format: "float", dimensions: 3 },
    { model, input: "one text" },
  ];
}

export function anthropicSeeds(model: string, counting: boolean): Json[] {
  const cap = counting ? {} : { max_tokens: 64 };
  return [
    { model, ...cap, system: "Be brief.", temperature: 0.5, stop_sequences: ["END"], messages: [{ role: "user", content: "Hello" }] },
    {
      model,
      ...cap,
      tools: [{ name: "get_weather", description: "Weather", input_schema: weatherSchema }],
      tool_choice: { type: "auto" },
      messages: [
        { role: "user", content: "Weather in Paris?" },
        { role: "assistant", content: [{ type: "tool_use", id: "toolu_1", name: "get_weather", input: { city: "Paris" } }] },
        { role: "user", content: [{ type: "tool_result", tool_use_id: "toolu_1", content: [{ type: "text", text: "Sunny" }] }] },
      ],
    },
    {
      model,
      ...cap,
      messages: [
        {
          role: "user",
          content: [
            { type: "text", text: "What is this?" },
            { type: "image", source: { type: "base64", media_type: "image/png", data: PNG } },
            { type: "document", source: { type: "base64", media_type: "application/pdf", data: PDF }, title: "a.pdf" },
            { type: "document", source: { type: "text", media_type: "text/plain", data: "plain words" } },
          ],
        },
      ],
    },
    {
      model,
      ...(counting ? {} : { max_tokens: 2048, stream: true }),
      thinking: { type: "enabled", budget_tokens: 1024 },
      system: [{ type: "text", text: "Think first.", cache_control: { type: "ephemeral" } }],
      messages: [
        { role: "user", content: "Why?" },
        { role: "assistant", content: [{ type: "thinking", thinking: "Because.", signature: "c2lnbmF0dXJl" }, { type: "text", text: "Because." }] },
        { role: "user", content: "Say more." },
      ],
    },
    {
      model,
      ...cap,
      metadata: { user_id: "someone" },
      top_k: 5,
      top_p: 0.9,
      tools: [
        { name: "get_weather", input_schema: weatherSchema, cache_control: { type: "ephemeral" } },
        { type: "web_search_20250305", name: "web_search", max_uses: 2, user_location: { type: "approximate", country: "FR" } },
        { type: "bash_20250124", name: "bash" },
      ],
      tool_choice: { type: "tool", name: "get_weather", disable_parallel_tool_use: true },
      messages: [
        { role: "user", content: [{ type: "text", text: "Find it.", cache_control: { type: "ephemeral" } }] },
        {
          role: "assistant",
          content: [
            { type: "redacted_thinking", data: "cmVkYWN0ZWQ=" },
            { type: "server_tool_use", id: "srvtoolu_1", name: "web_search", input: { query: "it" } },
            { type: "web_search_tool_result", tool_use_id: "srvtoolu_1", content: [{ type: "web_search_result", url: "https://example.com", title: "Example", encrypted_content: "ZW5j" }] },
            { type: "text", text: "Found.", citations: [{ type: "web_search_result_location", url: "https://example.com", title: "Example", encrypted_index: "aQ==", cited_text: "it" }] },
            { type: "tool_use", id: "toolu_2", name: "get_weather", input: {} },
            { type: "tool_use", id: "toolu_3", name: "bash", input: { command: "ls" } },
          ],
        },
        {
          role: "user",
          content: [
            { type: "tool_result", tool_use_id: "toolu_2", is_error: true, content: "failed" },
            { type: "tool_result", tool_use_id: "toolu_3", content: [{ type: "image", source: { type: "base64", media_type: "image/png", data: PNG } }] },
            { type: "search_result", source: "https://example.com", title: "Example", content: [{ type: "text", text: "words" }], citations: { enabled: true } },
            { type: "document", source: { type: "content", content: [{ type: "text", text: "inner" }] }, citations: { enabled: true }, context: "ctx" },
          ],
        },
      ],
    },
    {
      model,
      ...cap,
      service_tier: "auto",
      tool_choice: { type: "none" },
      tools: [{ name: "get_weather", input_schema: weatherSchema, strict: true }],
      output_format: { type: "json_schema", schema: { type: "object", properties: { answer: { type: "string" } }, required: ["answer"], additionalProperties: false } },
      messages: [
        { role: "user", content: [{ type: "text", text: "Answer." }] },
        { role: "assistant", content: "Partial" },
      ],
    },
  ];
}

/**
 * Conversations wrong as a whole rather than at one field (what a path-by-path mutation rarely
 * builds): results without their call, calls without results, duplicate ids, roles out of order,
 * empty contents. The answer may be a 400 or (where the API takes it) a 2xx, never a crash.
 */
export function conversationEdgeCases(protocol: "chat" | "responses" | "anthropic", model: string): Json[] {
  const call = (id: string) => ({ id, type: "function", function: { name: "get_weather", arguments: "{}" } });
  const chatTools = [{ type: "function", function: { name: "get_weather", parameters: weatherSchema } }];
  const anthropicTools = [{ name: "get_weather", input_schema: weatherSchema }];
  const use = (id: string) => ({ type: "tool_use", id, name: "get_weather", input: {} });
  const result = (id: string) => ({ type: "tool_result", tool_use_id: id, content: "Sunny" });
  if (protocol === "chat") {
    return [
      { model, messages: [{ role: "tool", tool_call_id: "call_missing", content: "orphan" }] },
      { model, messages: [{ role: "user", content: "hi" }, { role: "tool", tool_call_id: "call_missing", content: "orphan" }] },
      { model, tools: chatTools, messages: [{ role: "user", content: "hi" }, { role: "assistant", tool_calls: [call("call_1"), call("call_1")] }, { role: "tool", tool_call_id: "call_1", content: "a" }, { role: "tool", tool_call_id: "call_1", content: "b" }] },
      { model, tools: chatTools, messages: [{ role: "user", content: "hi" }, { role: "assistant", tool_calls: [call("call_1")] }, { role: "user", content: "no result" }] },
      { model, messages: [{ role: "assistant", content: "I start" }, { role: "assistant", content: "" }] },
      { model, messages: [{ role: "system", content: "only a system message" }] },
      { model, messages: [{ role: "user", content: [] }] },
      { model, messages: [{ role: "user", content: "" }, { role: "user", content: [{ type: "text", text: "" }] }] },
    ];
  }
  if (protocol === "responses") {
    return [
      { model, input: [] },
      { model, input: "" },
      { model, input: [{ type: "function_call_output", call_id: "call_missing", output: "orphan" }] },
      { model, input: [{ type: "function_call", call_id: "call_1", name: "f", arguments: "{}" }, { type: "function_call", call_id: "call_1", name: "f", arguments: "{}" }, { type: "function_call_output", call_id: "call_1", output: "a" }, { type: "function_call_output", call_id: "call_1", output: "b" }] },
      { model, input: [{ role: "user", content: "hi" }, { type: "function_call", call_id: "call_1", name: "f", arguments: "not json" }] },
      { model, input: [{ type: "reasoning", id: "rs_1", summary: [] }] },
      { model, input: [{ role: "assistant", content: "I start" }] },
      { model, input: [{ role: "user", content: [] }] },
      { model, input: [{ id: "msg_1", role: "user", content: "a" }, { id: "msg_1", role: "user", content: "b" }] },
    ];
  }
  return [
    { model, max_tokens: 16, messages: [{ role: "user", content: [result("toolu_missing")] }] },
    { model, max_tokens: 16, tools: anthropicTools, messages: [{ role: "user", content: "hi" }, { role: "assistant", content: [use("toolu_1"), use("toolu_1")] }, { role: "user", content: [result("toolu_1"), result("toolu_1")] }] },
    { model, max_tokens: 16, tools: anthropicTools, messages: [{ role: "user", content: "hi" }, { role: "assistant", content: [use("toolu_1")] }, { role: "user", content: "no result" }] },
    { model, max_tokens: 16, messages: [{ role: "assistant", content: "I start" }] },
    { model, max_tokens: 16, messages: [{ role: "user", content: "a" }, { role: "user", content: "b" }, { role: "assistant", content: "c" }, { role: "assistant", content: "d" }] },
    { model, max_tokens: 16, messages: [{ role: "user", content: [] }] },
    { model, max_tokens: 16, messages: [{ role: "user", content: [{ type: "text", text: "" }] }] },
    { model, max_tokens: 16, messages: [{ role: "user", content: [{ type: "thinking", thinking: "in a user turn", signature: "x" }] }] },
    { model, max_tokens: 16, messages: [{ role: "user", content: "hi" }, { role: "assistant", content: [{ type: "thinking", thinking: "unsigned" }] }] },
  ];
}
