import { generateId } from "../../canonical/ids";
import type { CanonicalEvent, StopReason, Usage } from "../../canonical/types";
import { emptyUsage, mergeUsage } from "../../canonical/usage";
import type { SseEvent } from "../../streaming/sse-event";
import type { CanonicalStreamEncoder } from "../../translate/codec";
import { convertEventToError } from "../../translate/error-event";
import type { TranslationContext } from "../../translate/types";
import { isAnthropicCitation } from "./citations";
import { renderAnthropicStreamError } from "./errors";
import { encodeOpenAIReasoningSignature } from "./openai-reasoning-signature";
import { createToolInputStream, type ToolInputStream } from "./tool-input";
import { encodeAnthropicStopReason, encodeAnthropicUsage } from "./usage";

/**
 * Canonical events → Anthropic SSE for the client, in the reference order:
 * message_start → (content_block_start → content_block_delta* → content_block_stop)* →
 * message_delta (stop_reason + final usage) → message_stop; or an `error` event and nothing more.
 *
 * Text and thinking blocks open only when their first content arrives, so the client never
 * stores an empty block (SA03, M12, K05). Client block indexes count emitted blocks from 0 (SA02).
 */

interface BlockState {
  kind: "text" | "reasoning" | "tool_call" | "opaque";
  /** The client-side index once the block has been emitted. */
  clientIndex?: number;
  /** Dropped: reasoning after other content (K05) or a block another protocol owns. */
  skip?: boolean;
  /** For reasoning blocks: emitted as thinking (deltas allowed) or redacted_thinking. */
  emittedAs?: "thinking" | "redacted_thinking";
  /** For tool_use blocks: keeps the streamed input an object, as in the non-streamed answer (H06). */
  input?: ToolInputStream;
  /** For reasoning blocks: the upstream's reasoning item id (`rs_…`, Responses upstreams). */
  reasoningId?: string;
}

export function createAnthropicStreamEncoder(ctx: TranslationContext): CanonicalStreamEncoder {
  const blocks = new Map<number, BlockState>();
  let nextClientIndex = 0;
  let started = false;
  let finished = false;
  let sawContent = false;
  let messageId = generateId("msg_");
  let usage: Usage = emptyUsage();
  let stopReason: StopReason = "end_turn";
  let stopSequence: string | undefined;
  let serviceTier: string | undefined;

  function sse(type: string, payload: Record<string, unknown>): SseEvent {
    return { event: type, data: JSON.stringify({ type, ...payload }) };
  }

  function ensureStarted(out: SseEvent[]): void {
    if (started) return;
    started = true;
    // SA01: one message_start, with the input counts known so far (Chat upstreams report
    // them only at the end; the real figures follow in message_delta).
    out.push(
      sse("message_start", {
        message: {
          id: messageId, type: "message", role: "assistant", model: ctx.clientModel, content: [],
          stop_reason: null, stop_sequence: null, usage: encodeAnthropicUsage(usage, serviceTier),
        },
      }),
    );
  }

  function open(state: BlockState, contentBlock: Record<string, unknown>, out: SseEvent[]): number {
    ensureStarted(out);
    state.clientIndex = nextClientIndex++;
    if (state.kind !== "reasoning") sawContent = true;
    out.push(sse("content_block_start", { index: state.clientIndex, content_block: contentBlock }));
    return state.clientIndex;
  }

  function delta(index: number, payload: Record<string, unknown>): SseEvent {
    return sse("content_block_delta", { index, delta: payload });
  }

  function handle(event: CanonicalEvent, out: SseEvent[]): void {
    switch (event.type) {
      case "message_start":
        if (event.id.startsWith("msg_")) messageId = event.id;
        usage = mergeUsage(usage, event.usage);
        if (event.serviceTier) serviceTier = event.serviceTier;
        ensureStarted(out);
        return;
      case "block_start": {
        const block = event.block;
        const state: BlockState = { kind: block.type, ...(block.type === "reasoning" && block.id ? { reasoningId: block.id } : {}) };
        blocks.set(event.index, state);
        if (block.type === "reasoning" && sawContent) {
          // K05: thinking after text or tool_use would be out of order for the client.
          ctx.warn("dropped reasoning that arrived after other content");
          state.skip = true;
        } else if (block.type === "tool_call") {
          state.input = createToolInputStream(block.name, ctx);
          open(state, { type: "tool_use", id: block.id, name: block.name, input: {} }, out);
        } else if (block.type === "opaque") {
          if (block.protocol === "anthropic") open(state, block.value as Record<string, unknown>, out);
          else state.skip = true;
        }
        return;
      }
      case "text_delta": {
        const state = blocks.get(event.index);
        if (!state || state.skip || event.text === "") return;
        const index = state.clientIndex ?? open(state, { type: "text", text: "" }, out);
        out.push(delta(index, { type: "text_delta", text: event.text }));
        return;
      }
      case "text_annotation": {
        // Citations follow the text they cite (the upstream knows the span only then); the
        // client adds each to its text block's `citations` all the same.
        const state = blocks.get(event.index);
        if (!state || state.skip || state.kind !== "text" || state.clientIndex === undefined || !isAnthropicCitation(event.annotation)) return;
        out.push(delta(state.clientIndex, { type: "citations_delta", citation: event.annotation }));
        return;
      }
      case "reasoning_delta": {
        const state = blocks.get(event.index);
        if (!state || state.skip || event.text === "" || state.emittedAs === "redacted_thinking") return;
        const index = state.clientIndex ?? openThinking(state, out);
        out.push(delta(index, { type: "thinking_delta", thinking: event.text }));
        return;
      }
      case "reasoning_signature": {
        const state = blocks.get(event.index);
        if (!state || state.skip) return;
        if (event.redactedData !== undefined && state.clientIndex === undefined) {
          state.emittedAs = "redacted_thinking";
          open(state, { type: "redacted_thinking", data: event.redactedData }, out);
        } else if (state.emittedAs !== "redacted_thinking") {
          // A Responses upstream's encrypted reasoning rides in the signature, so the client
          // replays it on the next turn (openai-reasoning-signature.ts).
          const signature =
            event.signature ??
            (event.encryptedContent ? encodeOpenAIReasoningSignature({ encryptedContent: event.encryptedContent, ...(state.reasoningId ? { id: state.reasoningId } : {}) }) : undefined);
          if (!signature) return;
          // SA13: the signature arrives last, just before content_block_stop.
          const index = state.clientIndex ?? openThinking(state, out);
          out.push(delta(index, { type: "signature_delta", signature }));
        }
        return;
      }
      case "tool_args_delta": {
        const state = blocks.get(event.index);
        if (!state || state.skip || state.clientIndex === undefined || event.fragment === "") return;
        // SA04: each fragment goes out as received, never buffered until it parses (unless it
        // can never parse as an object: tool-input.ts).
        const fragment = state.input ? state.input.push(event.fragment) : event.fragment;
        if (fragment !== "") out.push(delta(state.clientIndex, { type: "input_json_delta", partial_json: fragment }));
        return;
      }
      case "block_stop": {
        const state = blocks.get(event.index);
        if (state) close(state, out);
        blocks.delete(event.index);
        return;
      }
      case "finish":
        stopReason = event.stopReason;
        stopSequence = event.stopSequence;
        return;
      case "usage":
        usage = mergeUsage(usage, event.usage);
        // A Responses upstream names the tier it used only at the end: message_delta carries it.
        if (event.serviceTier) serviceTier = event.serviceTier;
        return;
      case "message_stop":
        ensureStarted(out);
        for (const state of blocks.values()) close(state, out);
        blocks.clear();
        // SA07/SA09: one message_delta with the stop reason and the real final usage, then message_stop.
        out.push(
          sse("message_delta", {
            delta: { stop_reason: encodeAnthropicStopReason(stopReason), stop_sequence: stopSequence ?? null },
            usage: encodeAnthropicUsage(usage, serviceTier),
          }),
          sse("message_stop", {}),
        );
        finished = true;
        return;
      case "error":
        // SA10: `event: error` with the Anthropic envelope, then nothing.
        out.push(renderAnthropicStreamError(convertEventToError(event)));
        finished = true;
        return;
    }
  }

  /** content_block_stop for an emitted block, after the rest of a held tool input. */
  function close(state: BlockState, out: SseEvent[]): void {
    if (state.clientIndex === undefined || state.skip) return;
    const rest = state.input?.end() ?? "";
    if (rest !== "") out.push(delta(state.clientIndex, { type: "input_json_delta", partial_json: rest }));
    out.push(sse("content_block_stop", { index: state.clientIndex }));
  }

  function openThinking(state: BlockState, out: SseEvent[]): number {
    state.emittedAs = "thinking";
    return open(state, { type: "thinking", thinking: "", signature: "" }, out);
  }

  return {
    push(event) {
      if (finished) return [];
      const out: SseEvent[] = [];
      handle(event, out);
      return out;
    },
  };
}
