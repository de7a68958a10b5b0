/**
 * Thinking blocks a native Anthropic upstream cannot take (K06, the other side of
 * openai-reasoning-signature.ts). Claude Code served by an OpenAI Responses model through this
 * gateway keeps that model's reasoning as thinking blocks whose signature is a gateway-tagged
 * OpenAI blob, and replays them verbatim. When the session then moves to a real Claude model,
 * the request is forwarded natively, and Anthropic checks every signature in the history:
 * one it did not issue makes it refuse the whole request ("Invalid `signature` in `thinking`
 * block"). The same holds for unsigned thinking from a Chat upstream. Such blocks carry nothing
 * Claude can use, so they are left out.
 */
import { decodeOpenAIReasoningSignature } from "./openai-reasoning-signature";
import type { AnthropicMessage } from "./wire-types";

type Json = Record<string, unknown>;

function isRecord(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * A thinking block Anthropic did not sign: a gateway-tagged OpenAI blob, or (when `unsigned`) no
 * signature at all, as a Chat upstream's `reasoning_content` reaches an Anthropic client (an
 * empty signature). Anthropic signs every thinking block it sends and refuses one without a
 * valid signature; the translated path drops the same blocks (messages-encode.ts). Anthropic-
 * compatible servers of other vendors (DeepSeek, Kimi) may issue unsigned thinking themselves
 * and want it back, so for them only the tagged blobs count.
 */
function isForeignThinking(block: unknown, unsigned: boolean): boolean {
  if (!isRecord(block) || block.type !== "thinking") return false;
  if (typeof block.signature !== "string" || block.signature === "") return unsigned;
  return decodeOpenAIReasoningSignature(block.signature) !== undefined;
}

/**
 * K06: inside a tool loop the latest assistant turn must start with signed thinking when
 * thinking is on; Anthropic refuses the request otherwise.
 */
export function continuesToolLoopWithoutThinking(messages: readonly AnthropicMessage[]): boolean {
  const last = messages[messages.length - 1];
  if (!last || last.role !== "user" || !Array.isArray(last.content) || !last.content.some((b) => b.type === "tool_result")) return false;
  const assistant = messages[messages.length - 2];
  if (!assistant || assistant.role !== "assistant" || !Array.isArray(assistant.content)) return false;
  const first = assistant.content[0];
  return first?.type !== "thinking" && first?.type !== "redacted_thinking";
}

export interface NativeThinkingCleanup {
  /** The body to send: the same object when nothing was left out. */
  body: Json;
  /** How many thinking blocks were left out. */
  dropped: number;
  /** Thinking was turned off: the latest tool-call turn lost the only thinking it had. */
  thinkingOff: boolean;
}

/**
 * A Messages request (or count_tokens) without OpenAI reasoning disguised as thinking (and, with
 * `unsigned`, without thinking that has no signature: real Anthropic upstreams). An
 * assistant turn left empty is left out too (Anthropic refuses empty content). When the
 * latest tool-call turn thereby no longer starts with thinking, thinking is turned off for
 * this request, as the translated path does, with the context edits that need it
 * (`clear_thinking_*`); otherwise Anthropic would refuse it.
 */
export function withoutOpenAIThinking(body: Json, options: { unsigned?: boolean } = {}): NativeThinkingCleanup {
  if (!Array.isArray(body.messages)) return { body, dropped: 0, thinkingOff: false };
  const isOpenAIThinking = (block: unknown) => isForeignThinking(block, options.unsigned === true);
  let dropped = 0;
  const messages: unknown[] = [];
  for (const message of body.messages) {
    if (!isRecord(message) || !Array.isArray(message.content) || !message.content.some(isOpenAIThinking)) {
      messages.push(message);
      continue;
    }
    const content = message.content.filter((block) => !isOpenAIThinking(block));
    dropped += message.content.length - content.length;
    if (content.length > 0) messages.push({ ...message, content });
  }
  if (dropped === 0) return { body, dropped, thinkingOff: false };
  const cleaned: Json = { ...body, messages };
  const thinkingOn = isRecord(body.thinking) && body.thinking.type !== "disabled";
  const thinkingOff = thinkingOn && continuesToolLoopWithoutThinking(messages as AnthropicMessage[]);
  if (thinkingOff) {
    delete cleaned.thinking;
    const management = cleaned.context_management;
    if (isRecord(management) && Array.isArray(management.edits)) {
      const edits = management.edits.filter((edit) => !(isRecord(edit) && typeof edit.type === "string" && edit.type.startsWith("clear_thinking")));
      if (edits.length > 0) cleaned.context_management = { ...management, edits };
      else delete cleaned.context_management;
    }
  }
  return { body: cleaned, dropped, thinkingOff };
}
