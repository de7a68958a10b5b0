import { generateId } from "../../canonical/ids";
import type { CanonicalEvent, ReasoningPart, StopReason, Usage } from "../../canonical/types";
import { emptyUsage, mergeUsage } from "../../canonical/usage";
import type { SseEvent } from "../../streaming/sse-event";
import type { CanonicalStreamEncoder } from "../../translate/codec";
import { convertEventToError } from "../../translate/error-event";
import type { TranslationContext } from "../../translate/types";
import { renderOpenAIStreamError } from "./errors";
import { encodeLegacyFinishReason, usesLegacyFunctions } from "./legacy-functions";
import { encodeChatLogprobs } from "./logprobs";
import { encodeReasoningDetails, withoutReadableReasoning } from "./reasoning-details";
import { encodeChatUsage, encodeFinishReason } from "./usage";
import { encodeChatTextAnnotations } from "../../translate/url-citations";
import { reportedOpenAITier } from "../../canonical/service-tier";

/**
 * Canonical events → `chat.completion.chunk`s for the client (SC01–SC05): the same id,
 * created and model on every chunk; a first chunk with the role; tool_call deltas with a
 * 0-based tool `index` (not the block index, SC02) and id/name only in the first; one final
 * chunk with finish_reason; a usage chunk only when the client asked for include_usage; then
 * `[DONE]`. A canonical error becomes one `{"error":…}` chunk and nothing after it.
 * A client that declared legacy `functions` gets one call as `delta.function_call` (name first,
 * then argument fragments) and finish_reason "function_call" (legacy-functions.ts).
 * C06: the answer's web citations go out together in one `delta.annotations` chunk after the
 * last text, before the finish, as OpenAI's search models stream them (openai/openai-java#297):
 * the openai SDK's stream accumulator keeps only the last `annotations` it sees, so one chunk per
 * cited block would leave it the last block's alone. Each block's spans are fixed when it closes
 * (a citation spans its whole block); the text deltas are never held back.
 * `service_tier` is on every chunk once the upstream has named the tier that serves the answer (a
 * Responses upstream names it only at the end, so its finish and usage chunks carry it).
 */
export function createChatStreamEncoder(ctx: TranslationContext): CanonicalStreamEncoder {
  const id = generateId("chatcmpl-");
  const created = Math.floor(Date.now() / 1000);
  const streamOptions = ctx.clientBody?.stream_options as { include_usage?: unknown } | undefined;
  const includeUsage = streamOptions?.include_usage === true;
  const legacy = usesLegacyFunctions(ctx.clientBody);
  // K10: reasoning deltas only where the operator lets the reasoning be shown (gateway.expose_reasoning).
  const exposeReasoning = ctx.exposeReasoning !== false;
  const toolIndexes = new Map<number, { index: number; custom: boolean }>();
  /** Reasoning blocks as they build up, for the replayable reasoning_details sent at the end. */
  const reasoningBlocks = new Map<number, ReasoningPart>();
  let nextToolIndex = 0;
  /** Characters of `content` sent so far: annotation indexes point into the whole message's content. */
  let contentLength = 0;
  /** Open text blocks: where each starts in `content`, its length so far, the citations it got. */
  const textBlocks = new Map<number, { start: number; length: number; annotations: unknown[] }>();
  /** The closed blocks' url_citations, indexed into the whole content, sent before the finish. */
  const annotations: unknown[] = [];
  let started = false;
  let finished = false;
  let usage: Usage = emptyUsage();
  let stopReason: StopReason = "end_turn";
  let serviceTier: string | undefined;

  function chunk(delta: Record<string, unknown>, finishReason: string | null = null, logprobs: unknown = null): SseEvent {
    const body: Record<string, unknown> = {
      id, object: "chat.completion.chunk", created, model: ctx.clientModel,
      choices: [{ index: 0, delta, finish_reason: finishReason, logprobs }],
      ...(serviceTier ? { service_tier: serviceTier } : {}),
    };
    // SC03: with include_usage, every chunk but the last carries usage:null.
    if (includeUsage) body.usage = null;
    return { data: JSON.stringify(body) };
  }

  function ensureStarted(out: SseEvent[]): void {
    if (started) return;
    started = true;
    out.push(chunk({ role: "assistant", content: "" }));
  }

  function handle(event: CanonicalEvent, out: SseEvent[]): void {
    switch (event.type) {
      case "message_start":
        // Anthropic reports the prompt counts here, the output counts in message_delta.
        usage = mergeUsage(usage, event.usage);
        serviceTier = reportedOpenAITier(event.serviceTier) ?? serviceTier;
        ensureStarted(out);
        return;
      case "block_start":
        if (event.block.type === "reasoning") reasoningBlocks.set(event.index, { type: "reasoning", text: "", ...(event.block.id ? { id: event.block.id } : {}) });
        if (event.block.type === "text") textBlocks.set(event.index, { start: contentLength, length: 0, annotations: [] });
        if (event.block.type !== "tool_call") return;
        ensureStarted(out);
        if (legacy) {
          // One call only: a later one gets no index, so its fragments are not sent either.
          if (nextToolIndex > 0) {
            ctx.warn("dropped a tool call a legacy function_call answer cannot hold", { name: event.block.name });
            return;
          }
          toolIndexes.set(event.index, { index: nextToolIndex++, custom: false });
          out.push(chunk({ function_call: { name: event.block.name, arguments: "" } }));
          return;
        }
        {
          const custom = event.block.kind === "custom";
          const index = nextToolIndex++;
          toolIndexes.set(event.index, { index, custom });
          out.push(
            chunk({
              tool_calls: [
                custom
                  ? { index, id: event.block.id, type: "custom", custom: { name: event.block.name, input: "" } }
                  : { index, id: event.block.id, type: "function", function: { name: event.block.name, arguments: "" } },
              ],
            }),
          );
        }
        return;
      case "text_delta": {
        if (event.text === "") return;
        ensureStarted(out);
        contentLength += event.text.length;
        const block = textBlocks.get(event.index);
        if (block) block.length += event.text.length;
        // Each chunk carries the log probabilities of its own tokens, as OpenAI streams them.
        out.push(chunk({ content: event.text }, null, event.logprobs ? encodeChatLogprobs(event.logprobs) : null));
        return;
      }
      case "text_annotation":
        textBlocks.get(event.index)?.annotations.push(event.annotation);
        return;
      case "block_stop":
        closeTextBlock(event.index);
        return;
      case "reasoning_delta":
        // SC04: reasoning as reasoning_content, never as answer text; signatures stay hidden.
        if (event.text === "") return;
        ensureStarted(out);
        if (exposeReasoning) out.push(chunk({ reasoning_content: event.text }));
        {
          const part = reasoningBlocks.get(event.index);
          if (part) part.text = (part.text ?? "") + event.text;
        }
        return;
      case "reasoning_signature": {
        const part = reasoningBlocks.get(event.index);
        if (!part) return;
        if (event.signature !== undefined) part.signature = event.signature;
        if (event.redactedData !== undefined) part.redactedData = event.redactedData;
        if (event.encryptedContent !== undefined) part.encryptedContent = event.encryptedContent;
        return;
      }
      case "tool_args_delta": {
        const tool = toolIndexes.get(event.index);
        if (!tool || event.fragment === "") return;
        if (legacy) {
          out.push(chunk({ function_call: { arguments: event.fragment } }));
          return;
        }
        out.push(
          chunk({
            tool_calls: [tool.custom ? { index: tool.index, custom: { input: event.fragment } } : { index: tool.index, function: { arguments: event.fragment } }],
          }),
        );
        return;
      }
      case "finish":
        stopReason = event.stopReason;
        return;
      case "usage":
        usage = mergeUsage(usage, event.usage);
        serviceTier = reportedOpenAITier(event.serviceTier) ?? serviceTier;
        return;
      case "message_stop": {
        ensureStarted(out);
        for (const index of [...textBlocks.keys()]) closeTextBlock(index);
        if (annotations.length > 0) out.push(chunk({ annotations }));
        // Whole entries in one delta: the openai SDK keeps only the last value of a field it
        // does not know, and clients merging by index get each entry once (reasoning-details.ts).
        const allDetails = encodeReasoningDetails([...reasoningBlocks.values()]);
        const details = exposeReasoning ? allDetails : withoutReadableReasoning(allDetails);
        if (details.length > 0) out.push(chunk({ reasoning_details: details }));
        out.push(chunk({}, legacy ? encodeLegacyFinishReason(encodeFinishReason(stopReason)) : encodeFinishReason(stopReason)));
        if (includeUsage) {
          out.push({ data: JSON.stringify({ id, object: "chat.completion.chunk", created, model: ctx.clientModel, choices: [], usage: encodeChatUsage(usage), ...(serviceTier ? { service_tier: serviceTier } : {}) }) });
        }
        out.push({ data: "[DONE]" });
        finished = true;
        return;
      }
      case "error":
        // SC05: one error chunk and no [DONE], so the SDK raises instead of saving a truncated answer.
        out.push(renderOpenAIStreamError(convertEventToError(event)));
        finished = true;
        return;
      default:
        return;
    }
  }

  /** The closed text block's web citations, placed in `content` as the non-stream message places them. */
  function closeTextBlock(index: number): void {
    const block = textBlocks.get(index);
    if (!block) return;
    textBlocks.delete(index);
    if (block.annotations.length > 0) annotations.push(...encodeChatTextAnnotations(block.annotations, block.length, block.start));
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
