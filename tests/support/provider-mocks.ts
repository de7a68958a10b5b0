/**
 * Pieces for mock upstreams that behave like one OpenAI-compatible provider (DeepSeek, Gemini,
 * Mistral, OpenRouter…): its stream chunks, and a Claude Code–like client turn driven by the
 * official Anthropic SDK (streamed, with tools and thinking on, as Claude Code sends them).
 */
import type Anthropic from "@anthropic-ai/sdk";
import type { MockScript, RecordedRequest } from "./mock-upstream";

type Json = Record<string, any>;

/** One `chat.completion.chunk` event with a single choice. */
export function chatChunk(model: string, delta: Json, finish: string | null = null, extra: Json = {}): { data: Json } {
  return { data: { id: "chatcmpl-provider", object: "chat.completion.chunk", created: 1700000000, model, choices: [{ index: 0, delta, finish_reason: finish }], ...extra } };
}

/** A whole streamed answer: the deltas, the finish chunk, a usage-only chunk when given, then [DONE]. */
export function chatStream(model: string, deltas: Json[], finish: string, usage?: Json): MockScript["events"] {
  return [
    ...deltas.map((delta) => chatChunk(model, delta)),
    chatChunk(model, {}, finish),
    ...(usage ? [{ data: { id: "chatcmpl-provider", object: "chat.completion.chunk", created: 1700000000, model, choices: [], usage } }] : []),
    { data: "[DONE]" },
  ];
}

/** The Chat messages a recorded request carried. */
export function chatMessages(request: RecordedRequest): Json[] {
  return Array.isArray(request.body?.messages) ? request.body.messages : [];
}

/** A tool Claude Code would declare (the Read tool's shape). */
export const readTool: Anthropic.Messages.Tool = {
  name: "Read",
  description: "Reads a file from the local filesystem.",
  input_schema: { type: "object", properties: { file_path: { type: "string", description: "The absolute path to the file to read" } }, required: ["file_path"] },
};

/** Claude Code's request shape: streamed, tools, thinking on, a large output cap, metadata.user_id. */
export function claudeCodeParams(model: string, messages: Anthropic.Messages.MessageParam[], tools: Anthropic.Messages.Tool[] = [readTool]): Anthropic.Messages.MessageStreamParams {
  return {
    model,
    max_tokens: 32_000,
    system: [{ type: "text", text: "You are a Claude agent, built on Anthropic's Claude Agent SDK." }],
    messages,
    tools,
    thinking: { type: "enabled", budget_tokens: 31_999 },
    metadata: { user_id: JSON.stringify({ device_id: "d1", session_id: "s1" }) },
  };
}

/** One turn as Claude Code takes it: streamed, collected into the final message. */
export function streamTurn(client: Anthropic, params: Anthropic.Messages.MessageStreamParams): Promise<Anthropic.Messages.Message> {
  return client.messages.stream(params).finalMessage();
}

/** The user turn that answers every tool_use block of `message` with `result`. */
export function toolResultsFor(message: Anthropic.Messages.Message, result: string): Anthropic.Messages.MessageParam {
  const content = message.content.filter((block) => block.type === "tool_use").map((block) => ({ type: "tool_result" as const, tool_use_id: (block as Anthropic.Messages.ToolUseBlock).id, content: result }));
  return { role: "user", content };
}
