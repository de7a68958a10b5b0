/**
 * Request bodies the benchmark sends, encoded once so every target gets the same bytes.
 * The large body imitates a coding-agent turn (long system prompt, JSON-schema tools, a tool-use
 * history), the shape that dominates real gateway traffic (performance.md §3.5: ~19 KB).
 */
const encoder = new TextEncoder();

/** Model names: gpt-* and claude* route to the mock through the gateway's default routing. */
export const openaiModel = "gpt-4.1-mini";
export const anthropicModel = "claude-3-5-haiku-20241022";
/** Routed to the OpenAI provider with TOKLIGENCE_ROUTES, so the gateway must translate. */
export const translatedModel = "claude-bench-xlate";

function buildTools(count: number) {
  return Array.from({ length: count }, (_, index) => ({
    type: "function",
    function: {
      name: `tool_${index}_edit_file`,
      description: `Tool ${index}: edits a file in the workspace. Use it when the user asks for a change; prefer small, reviewable edits and explain each one.`,
      parameters: {
        type: "object",
        properties: {
          path: { type: "string", description: "Absolute path of the file to edit." },
          old_string: { type: "string", description: "Exact text to replace; must be unique in the file." },
          new_string: { type: "string", description: "Replacement text." },
          replace_all: { type: "boolean", description: "Replace every occurrence." },
        },
        required: ["path", "old_string", "new_string"],
        additionalProperties: false,
      },
    },
  }));
}

function buildHistory(turns: number) {
  const messages: object[] = [];
  for (let turn = 0; turn < turns; turn++) {
    messages.push({ role: "user", content: `Step ${turn}: please look at src/module-${turn}.ts and fix the failing test named case-${turn}. `.repeat(3) });
    messages.push({ role: "assistant", content: null, tool_calls: [{ id: `call_${turn}`, type: "function", function: { name: "tool_0_edit_file", arguments: JSON.stringify({ path: `/repo/src/module-${turn}.ts`, old_string: "return a - b;", new_string: "return a + b;" }) } }] });
    messages.push({ role: "tool", tool_call_id: `call_${turn}`, content: `Edited /repo/src/module-${turn}.ts: 1 replacement. Tests: 41 passed, 0 failed.` });
  }
  return messages;
}

/** A ~20 KB OpenAI chat request (system prompt, 16 tools, 6 tool-use turns). */
function buildLargeOpenaiBody(): string {
  const system = "You are a careful coding agent working in a TypeScript repository. Follow the house rules, keep files small, and explain every change. ".repeat(30);
  const body = { model: openaiModel, max_tokens: 1024, messages: [{ role: "system", content: system }, ...buildHistory(6), { role: "user", content: "Now run the whole suite and summarise." }], tools: buildTools(16) };
  return JSON.stringify(body);
}

/** Deltas in a burst stream (see mock.ts). */
export const burstEvents = 200;

export const bodies = {
  openaiSmall: encoder.encode(JSON.stringify({ model: openaiModel, max_tokens: 64, messages: [{ role: "user", content: "Say hello in one short sentence." }] })),
  openaiLarge: encoder.encode(buildLargeOpenaiBody()),
  anthropicSmall: encoder.encode(JSON.stringify({ model: anthropicModel, max_tokens: 64, messages: [{ role: "user", content: "Say hello in one short sentence." }] })),
  anthropicStream: encoder.encode(JSON.stringify({ model: anthropicModel, max_tokens: 64, stream: true, messages: [{ role: "user", content: "Count slowly." }] })),
  translatedSmall: encoder.encode(JSON.stringify({ model: translatedModel, max_tokens: 64, messages: [{ role: "user", content: "Say hello in one short sentence." }] })),
  translatedStream: encoder.encode(JSON.stringify({ model: translatedModel, max_tokens: 64, stream: true, messages: [{ role: "user", content: "Count slowly." }] })),
  // Unpaced streams of `burstEvents` deltas (the mock answers "bench-burst-N" at once): per-event cost.
  anthropicBurst: encoder.encode(JSON.stringify({ model: anthropicModel, max_tokens: 64, stream: true, messages: [{ role: "user", content: `Count fast. bench-burst-${burstEvents}` }] })),
  translatedBurst: encoder.encode(JSON.stringify({ model: translatedModel, max_tokens: 64, stream: true, messages: [{ role: "user", content: `Count fast. bench-burst-${burstEvents}` }] })),
};

/** Headers every target receives (the Anthropic ones are harmless to OpenAI routes and the floor). */
export const requestHeaders = { "content-type": "application/json", "anthropic-version": "2023-06-01" };
