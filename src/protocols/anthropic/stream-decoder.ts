import type { CanonicalEvent, Usage } from "../../canonical/types";
import type { CanonicalStreamDecoder } from "../../translate/codec";
import type { TranslationContext } from "../../translate/types";
import { statusForAnthropicErrorType } from "./errors";
import { decodeAnthropicStopReason, decodeAnthropicUsage, serviceTierOf } from "./usage";
import { asRecord } from "../wire-values";

/**
 * Anthropic SSE events (from an Anthropic upstream) → canonical events. Anthropic blocks are
 * already sequential; the decoder renumbers them in opening order anyway so a skipped block
 * can never leave a gap.
 */
export function createAnthropicStreamDecoder(ctx: TranslationContext): CanonicalStreamDecoder {
  const indexes = new Map<number, number>();
  let nextIndex = 0;
  let started = false;
  let stopped = false;
  const openBlocks = new Set<number>();
  /** The usage message_start reported, for a message_delta that leaves the cache counts out. */
  let startUsage: Partial<Usage> = {};

  function push(data: Record<string, unknown>): CanonicalEvent[] {
    const out: CanonicalEvent[] = [];
    switch (data.type) {
      case "message_start": {
        if (started) break; // SA01: one message_start, whatever the upstream repeats.
        started = true;
        const message = asRecord(data.message);
        startUsage = decodeAnthropicUsage(asRecord(message?.usage));
        out.push({ type: "message_start", id: String(message?.id ?? ""), model: String(message?.model ?? ""), usage: startUsage, ...serviceTierOf(message?.usage) });
        break;
      }
      case "content_block_start": {
        const index = nextIndex++;
        indexes.set(Number(data.index), index);
        openBlocks.add(index);
        out.push(...decodeBlockStart(index, asRecord(data.content_block) ?? {}));
        break;
      }
      case "content_block_delta": {
        const index = indexes.get(Number(data.index));
        if (index === undefined) break;
        const event = decodeDelta(index, asRecord(data.delta) ?? {});
        if (event) out.push(event);
        break;
      }
      case "content_block_stop": {
        const index = indexes.get(Number(data.index));
        if (index === undefined || !openBlocks.delete(index)) break;
        out.push({ type: "block_stop", index });
        break;
      }
      case "message_delta": {
        const delta = asRecord(data.delta);
        if (delta && typeof delta.stop_reason === "string") {
          out.push({
            type: "finish",
            stopReason: decodeAnthropicStopReason(delta.stop_reason),
            ...(typeof delta.stop_sequence === "string" ? { stopSequence: delta.stop_sequence } : {}),
          });
        }
        const usage = decodeAnthropicUsage(asRecord(data.usage), startUsage);
        if (Object.keys(usage).length > 0) out.push({ type: "usage", usage });
        break;
      }
      case "message_stop":
        if (!stopped) {
          stopped = true;
          out.push(...closeOpenBlocks(), { type: "message_stop" });
        }
        break;
      case "error": {
        const error = asRecord(data.error);
        const type = typeof error?.type === "string" ? error.type : "api_error";
        stopped = true;
        out.push({ type: "error", status: statusForAnthropicErrorType(type), code: codeForType(type), message: String(error?.message ?? "upstream stream error"), upstreamType: type });
        break;
      }
      default:
        // ping and future event types carry nothing to translate.
        break;
    }
    return out;
  }

  function closeOpenBlocks(): CanonicalEvent[] {
    const events: CanonicalEvent[] = [...openBlocks].map((index) => ({ type: "block_stop", index }));
    openBlocks.clear();
    return events;
  }

  return {
    push(event) {
      if (stopped) return [];
      const data = parseJson(event.data);
      if (!data) {
        ctx.warn("unparsable Anthropic stream event", { event: event.event });
        return [];
      }
      return push(data);
    },
    end() {
      // Anthropic always ends a stream with message_stop, so a close before it is a cut stream
      // (reliability-anchors 2.18): one error event, never a made-up ending the client would
      // store as a complete answer. (SA08's lenient close is for Chat servers; see that decoder.)
      if (stopped) return [];
      stopped = true;
      return [{ type: "error", status: 502, code: "upstream_stream_broken", message: "upstream stream ended before message_stop" }];
    },
  };
}

function decodeBlockStart(index: number, block: Record<string, unknown>): CanonicalEvent[] {
  switch (block.type) {
    case "text": {
      const events: CanonicalEvent[] = [{ type: "block_start", index, block: { type: "text" } }];
      if (typeof block.text === "string" && block.text !== "") events.push({ type: "text_delta", index, text: block.text });
      // Anthropic opens cited blocks with `citations: []` and streams them as citations_delta; any given up front count too.
      if (Array.isArray(block.citations)) for (const annotation of block.citations) events.push({ type: "text_annotation", index, annotation });
      return events;
    }
    case "thinking":
      return [{ type: "block_start", index, block: { type: "reasoning" } }];
    case "redacted_thinking":
      return [
        { type: "block_start", index, block: { type: "reasoning" } },
        { type: "reasoning_signature", index, redactedData: String(block.data ?? "") },
      ];
    case "tool_use": {
      const events: CanonicalEvent[] = [{ type: "block_start", index, block: { type: "tool_call", id: String(block.id ?? ""), name: String(block.name ?? ""), kind: "function" } }];
      const input = asRecord(block.input);
      if (input && Object.keys(input).length > 0) events.push({ type: "tool_args_delta", index, fragment: JSON.stringify(input) });
      return events;
    }
    default:
      return [{ type: "block_start", index, block: { type: "opaque", protocol: "anthropic", value: block } }];
  }
}

function decodeDelta(index: number, delta: Record<string, unknown>): CanonicalEvent | undefined {
  switch (delta.type) {
    case "text_delta":
      return { type: "text_delta", index, text: String(delta.text ?? "") };
    case "input_json_delta":
      return { type: "tool_args_delta", index, fragment: String(delta.partial_json ?? "") };
    case "thinking_delta":
      return { type: "reasoning_delta", index, text: String(delta.thinking ?? "") };
    case "signature_delta":
      return { type: "reasoning_signature", index, signature: String(delta.signature ?? "") };
    case "citations_delta":
      // C06: one citation of this text block; the client encoders keep the kinds their protocol can show.
      return delta.citation === undefined ? undefined : { type: "text_annotation", index, annotation: delta.citation };
    default:
      // Future delta types are ignored, never fatal.
      return undefined;
  }
}

function codeForType(type: string): string {
  switch (type) {
    case "overloaded_error": return "upstream_overloaded";
    case "rate_limit_error": return "upstream_rate_limited";
    case "invalid_request_error": return "upstream_bad_request";
    case "authentication_error": return "upstream_unauthorized";
    case "permission_error": return "upstream_forbidden";
    case "not_found_error": return "upstream_not_found";
    case "billing_error": return "upstream_quota_exceeded";
    case "timeout_error": return "upstream_timeout";
    default: return "upstream_error";
  }
}

function parseJson(text: string): Record<string, unknown> | undefined {
  try {
    return asRecord(JSON.parse(text));
  } catch {
    return undefined;
  }
}
