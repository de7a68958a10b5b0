import type { Protocol, Usage } from "../canonical/types";
import { chatOutputTokens, emptyUsage, mergeUsage } from "../canonical/usage";
import type { SseEvent } from "./sse-event";

type Json = Record<string, unknown>;
const num = (value: unknown): number | undefined => (typeof value === "number" && Number.isFinite(value) ? value : undefined);
const obj = (value: unknown): Json | undefined => (value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Json) : undefined);

/** Chat Completions / embeddings `usage` → canonical (prompt_tokens already includes cached tokens). */
export function usageFromOpenAIChat(usage: unknown): Partial<Usage> | undefined {
  const u = obj(usage);
  if (!u) return undefined;
  const reasoning = num(obj(u.completion_tokens_details)?.reasoning_tokens);
  return {
    inputTokens: num(u.prompt_tokens),
    outputTokens: chatOutputTokens(num(u.prompt_tokens), num(u.completion_tokens), reasoning, num(u.total_tokens)) ?? 0,
    cacheReadTokens: num(obj(u.prompt_tokens_details)?.cached_tokens) ?? 0,
    reasoningTokens: reasoning ?? 0,
  };
}

/** Responses `usage` → canonical. */
export function usageFromOpenAIResponses(usage: unknown): Partial<Usage> | undefined {
  const u = obj(usage);
  if (!u) return undefined;
  return {
    inputTokens: num(u.input_tokens),
    outputTokens: num(u.output_tokens),
    cacheReadTokens: num(obj(u.input_tokens_details)?.cached_tokens) ?? 0,
    reasoningTokens: num(obj(u.output_tokens_details)?.reasoning_tokens) ?? 0,
  };
}

/**
 * Anthropic `usage` → canonical. Anthropic's input_tokens excludes cache reads and writes (N03).
 * `earlier`: the stream's usage so far; a message_delta repeating input_tokens without the
 * cache counts (null) has not changed them, so the total keeps them (as the translating decoder does).
 */
export function usageFromAnthropic(usage: unknown, earlier?: Usage): Partial<Usage> | undefined {
  const u = obj(usage);
  if (!u) return undefined;
  const result: Partial<Usage> = {};
  const cacheRead = num(u.cache_read_input_tokens);
  const cacheWrite = num(u.cache_creation_input_tokens);
  const input = num(u.input_tokens);
  if (input !== undefined) result.inputTokens = input + (cacheRead ?? earlier?.cacheReadTokens ?? 0) + (cacheWrite ?? earlier?.cacheWriteTokens ?? 0);
  if (cacheRead !== undefined) result.cacheReadTokens = cacheRead;
  if (cacheWrite !== undefined) result.cacheWriteTokens = cacheWrite;
  const output = num(u.output_tokens);
  if (output !== undefined) result.outputTokens = output;
  return result;
}

/** Usage of a non-streaming native response body. */
export function usageFromResponseBody(protocol: Protocol | "openai-embeddings" | "anthropic-count-tokens" | "openai-responses-compact" | "openai-responses-input-tokens", body: unknown): Partial<Usage> | undefined {
  // Counting tokens spends none: its `input_tokens` is an answer, not usage.
  if (protocol === "anthropic-count-tokens" || protocol === "openai-responses-input-tokens") return undefined;
  const usage = obj(body)?.usage;
  if (protocol === "anthropic") return usageFromAnthropic(usage);
  if (protocol === "openai-responses" || protocol === "openai-responses-compact") return usageFromOpenAIResponses(usage);
  return usageFromOpenAIChat(usage);
}

/** Anthropic and Responses events that never carry usage, an error or the end (the bulk of a stream). */
const uneventfulNames = new Set(["content_block_start", "content_block_delta", "content_block_stop", "ping"]);
const responsesTerminalNames = new Set(["response.completed", "response.incomplete", "response.failed", "error"]);

/**
 * Whether an event can matter to the tap, judged without parsing it: relaying a native stream
 * used to JSON.parse every delta just to learn it was a delta. Anthropic and Responses events
 * are judged by their `event:` name when present; Chat chunks carry usage or an error only
 * under those JSON keys, so a substring check finds every candidate.
 */
function mayCarryUsageOrEnd(protocol: Protocol, event: SseEvent): boolean {
  switch (protocol) {
    case "anthropic":
      return event.event === undefined || !uneventfulNames.has(event.event);
    case "openai-responses":
      return event.event === undefined || responsesTerminalNames.has(event.event);
    default:
      return event.data.includes('"usage"') || event.data.includes('"error"');
  }
}

/**
 * Watches a native (same-protocol) stream as it passes through: collects the usage the upstream
 * reports and notices the terminal event, without changing any event.
 */
export class UsageTap {
  private current: Usage = emptyUsage();
  private reported = false;
  private final = false;
  private complete = false;
  /** Generated text pieces (kept as references, joined only when the ledger needs an estimate). */
  private readonly generated: string[] = [];
  /**
   * Events skipped unparsed (the deltas): kept as their raw data, parsed only if the ledger
   * must estimate output (an abandoned stream, no closing usage), which is rare.
   */
  private readonly unparsed: string[] = [];
  /** An error event the upstream sent inside the stream, if any. */
  upstreamError: string | undefined;

  constructor(private readonly protocol: Protocol) {}

  /** Inspect one event; returns true when it is the stream's terminal event. */
  observe(event: SseEvent): boolean {
    if (this.protocol === "openai-chat" && event.data === "[DONE]") return this.finish();
    if (!mayCarryUsageOrEnd(this.protocol, event)) {
      this.unparsed.push(event.data);
      return false;
    }
    let payload: Json | undefined;
    try {
      payload = obj(JSON.parse(event.data));
    } catch {
      return false; // not JSON: nothing to count
    }
    if (!payload) return false;
    switch (this.protocol) {
      case "openai-chat":
        if (Array.isArray(payload.choices)) for (const choice of payload.choices) this.collectChatDelta(obj(obj(choice)?.delta));
        if (payload.usage) this.add(usageFromOpenAIChat(payload.usage), true);
        // An error chunk is the upstream's last word (OpenAI closes the stream after it, no [DONE]):
        // terminal, so the gateway does not add an error event of its own for the same failure.
        if (payload.error) {
          this.upstreamError = JSON.stringify(payload.error).slice(0, 500);
          return this.finish();
        }
        return false;
      case "anthropic": {
        const type = payload.type;
        if (type === "content_block_delta") this.collectAnthropicDelta(obj(payload.delta));
        else if (type === "message_start") this.add(usageFromAnthropic(obj(payload.message)?.usage), false);
        else if (type === "message_delta") this.add(usageFromAnthropic(payload.usage, this.current), true);
        else if (type === "error") {
          // Anthropic ends the stream with its error event: terminal, as message_stop is.
          this.upstreamError = JSON.stringify(payload.error).slice(0, 500);
          return this.finish();
        } else if (type === "message_stop") return this.finish();
        return false;
      }
      case "openai-responses": {
        const type = payload.type;
        this.collectResponsesDelta(payload);
        if (type === "response.completed" || type === "response.incomplete" || type === "response.failed") {
          this.add(usageFromOpenAIResponses(obj(payload.response)?.usage), true);
          if (type === "response.failed") this.upstreamError = JSON.stringify(obj(payload.response)?.error ?? "failed").slice(0, 500);
          return this.finish();
        }
        if (type === "error") {
          // The Responses stream's `error` event is its last (as response.failed is).
          this.upstreamError = String(payload.message ?? "error").slice(0, 500);
          return this.finish();
        }
        return false;
      }
    }
  }

  private add(update: Partial<Usage> | undefined, final: boolean): void {
    if (!update) return;
    this.current = mergeUsage(this.current, update);
    this.reported = true;
    if (final) this.final = true;
  }

  private collectChatDelta(delta: Json | undefined): void {
    if (!delta) return;
    for (const key of ["content", "reasoning_content", "reasoning", "refusal"]) if (typeof delta[key] === "string") this.generated.push(delta[key] as string);
    if (Array.isArray(delta.tool_calls)) {
      for (const call of delta.tool_calls) {
        const args = obj(obj(call)?.function)?.arguments;
        if (typeof args === "string") this.generated.push(args);
      }
    }
  }

  private collectResponsesDelta(payload: Json): void {
    const type = payload.type;
    if (typeof type === "string" && type.endsWith(".delta") && !type.includes("audio") && typeof payload.delta === "string") this.generated.push(payload.delta);
  }

  /** Collect the text of the deltas skipped on the way through (see `unparsed`). */
  private collectUnparsed(): void {
    for (const data of this.unparsed.splice(0)) {
      let payload: Json | undefined;
      try {
        payload = obj(JSON.parse(data));
      } catch {
        continue;
      }
      if (!payload) continue;
      if (this.protocol === "openai-chat") {
        if (Array.isArray(payload.choices)) for (const choice of payload.choices) this.collectChatDelta(obj(obj(choice)?.delta));
      } else if (this.protocol === "anthropic") {
        if (payload.type === "content_block_delta") this.collectAnthropicDelta(obj(payload.delta));
      } else {
        this.collectResponsesDelta(payload);
      }
    }
  }

  private collectAnthropicDelta(delta: Json | undefined): void {
    if (!delta) return;
    for (const key of ["text", "thinking", "partial_json"]) if (typeof delta[key] === "string") this.generated.push(delta[key] as string);
  }

  private finish(): boolean {
    this.complete = true;
    return true;
  }

  usage(): Usage {
    return this.current;
  }

  usageReported(): boolean {
    return this.reported;
  }

  /** Whether the closing usage (with the output count) arrived, not only Anthropic's opening figures. */
  usageFinal(): boolean {
    return this.final;
  }

  /** What the upstream generated so far: text, reasoning and tool arguments. */
  generatedText(): string {
    this.collectUnparsed();
    return this.generated.join("");
  }

  completed(): boolean {
    return this.complete;
  }
}
