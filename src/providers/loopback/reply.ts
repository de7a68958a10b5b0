import { randomBytes } from "node:crypto";

type Json = Record<string, unknown>;

/**
 * The loopback model: answers "[loopback] " + the last user text, so every client can be
 * developed and tested offline. Its token counts are its own (about four characters per token)
 * and are reported like a real upstream's, so the ledger path is exercised too.
 */
export interface LoopbackReply {
  text: string;
  /** The reply split into stream deltas (words with their trailing space). */
  deltas: string[];
  inputTokens: number;
  outputTokens: number;
}

export function countLoopbackTokens(text: string): number {
  return Math.max(1, Math.ceil(text.length / 4));
}

function textOf(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  return content
    .map((part) => {
      const p = part as Json;
      if (typeof p?.text === "string") return p.text;
      if (p?.type === "tool_result" || p?.type === "function_call_output") return textOf(p.content ?? p.output);
      return "";
    })
    .filter(Boolean)
    .join("\n");
}

/** All prompt text of a request in any of the three protocols (for the input token count). */
function promptText(body: Json): string {
  const parts: string[] = [];
  if (typeof body.system === "string") parts.push(body.system);
  else parts.push(textOf(body.system));
  if (typeof body.instructions === "string") parts.push(body.instructions);
  const input = body.input;
  if (typeof input === "string") parts.push(input);
  const messages = Array.isArray(body.messages) ? body.messages : Array.isArray(input) ? input : [];
  for (const message of messages) parts.push(textOf((message as Json).content ?? (message as Json).output));
  return parts.filter(Boolean).join("\n");
}

/** The last user text: Chat/Anthropic `messages`, or Responses `input`. */
function lastUserText(body: Json): string {
  if (typeof body.input === "string") return body.input;
  const messages = (Array.isArray(body.messages) ? body.messages : Array.isArray(body.input) ? body.input : []) as Json[];
  for (let i = messages.length - 1; i >= 0; i--) {
    const message = messages[i]!;
    if (message.role === "user" || (message.type === "message" && message.role === "user")) return textOf(message.content);
  }
  return messages.length > 0 ? textOf(messages[messages.length - 1]!.content) : "";
}

export function buildLoopbackReply(body: Json): LoopbackReply {
  const text = `[loopback] ${lastUserText(body).trim()}`;
  const deltas = text.match(/\S+\s*/g) ?? [text];
  return { text, deltas, inputTokens: countLoopbackTokens(promptText(body)), outputTokens: countLoopbackTokens(text) };
}

/** A random id with the protocol's prefix (N06). */
export function makeId(prefix: string): string {
  return `${prefix}${randomBytes(12).toString("hex")}`;
}

/** An SSE Response that emits each event in its own macrotask, so clients see real streaming. */
export function sseResponse(events: string[]): Response {
  let index = 0;
  const encoder = new TextEncoder();
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (index >= events.length) {
        controller.close();
        return;
      }
      controller.enqueue(encoder.encode(events[index++]!));
      await new Promise((resolve) => setTimeout(resolve, 0));
    },
  });
  return new Response(stream, { status: 200, headers: { "content-type": "text/event-stream" } });
}

export function jsonResponse(body: unknown): Response {
  return new Response(JSON.stringify(body), { status: 200, headers: { "content-type": "application/json" } });
}
