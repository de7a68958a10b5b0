import { generateId } from "../../canonical/ids";
import { mergeReasoningDetails, type ReasoningDetailEntry, wrapReasoningDetails } from "../../canonical/reasoning-details-blob";
import type { CanonicalEvent, StopReason, TokenLogprob } from "../../canonical/types";
import type { CanonicalStreamDecoder } from "../../translate/codec";
import type { TranslationContext } from "../../translate/types";
import { normalizeArgumentsText } from "../../translate/tool-arguments";
import { readContentChunks } from "./content-chunks";
import { decodeChatLogprobs } from "./logprobs";
import { decodeChatStreamError } from "./errors";
import { hasCutToolCall, hasWholeArguments, type ToolAccumulator } from "./streamed-tool-call";
import { readThoughtSignature, rememberThoughtSignature } from "./gemini-signatures";
import { decodeChatUsage, decodeFinishReason, interruptedFinishMessage, pickStrongerStopReason } from "./usage";
import type { ChatChunk, ChatToolCallDelta } from "./wire-types";

/**
 * Chat `chat.completion.chunk`s → canonical events, synthesising the blocks Chat does not
 * have: opened only when content arrives (SA03), split in the order reasoning → text → tool
 * calls → finish within a chunk (SA06). Tool calls are keyed by index (or id when the index
 * repeats, Q02) and start once id and name are known (SA04); argument fragments pass through
 * as they come. A tool call stays open while its arguments are not yet a whole JSON value,
 * even when the next call starts: some servers interleave the fragments of parallel calls by
 * index, and closing the first call then lost the rest of its arguments. Such overlapping
 * calls are put back in sequence for the client (translate/serialize-blocks.ts, SA02). The
 * stop reason is held until the usage-only chunk or `[DONE]` (SA07) and becomes tool_use
 * whenever a tool was called (N02).
 */

export function createChatStreamDecoder(ctx: TranslationContext): CanonicalStreamDecoder {
  let started = false;
  let done = false;
  let chunkNumber = 0;
  let nextIndex = 0;
  let open: { index: number; kind: "text" | "reasoning" } | undefined;
  /** Started tool calls not yet closed, in the order they started. */
  let openTools: ToolAccumulator[] = [];
  const tools = new Map<string, ToolAccumulator>();
  const lastToolKey = new Map<number, string>();
  const usedIds = new Set<string>();
  let stopReason: StopReason | undefined;
  let sawToolCall = false;
  /** The stop reason last announced in a `finish` event. */
  let announced: StopReason | undefined;

  /** OpenRouter's reasoning_details for the open reasoning block, sent as its signature when it closes. */
  let details: ReasoningDetailEntry[] = [];

  function stopOpenBlock(out: CanonicalEvent[]): void {
    if (!open) return;
    if (open.kind === "reasoning" && details.length > 0) out.push({ type: "reasoning_signature", index: open.index, encryptedContent: wrapReasoningDetails(details) });
    details = [];
    out.push({ type: "block_stop", index: open.index });
    open = undefined;
  }

  function closeOpen(out: CanonicalEvent[]): void {
    stopOpenBlock(out);
    for (const tool of openTools) out.push({ type: "block_stop", index: tool.index! });
    openTools = [];
  }

  /** Closes the open tool calls whose arguments are whole; the others may still get fragments. */
  function closeFinishedTools(out: CanonicalEvent[]): void {
    openTools = openTools.filter((tool) => {
      if (!hasWholeArguments(tool)) return true;
      out.push({ type: "block_stop", index: tool.index! });
      return false;
    });
  }

  function ensureBlock(kind: "text" | "reasoning", out: CanonicalEvent[]): number {
    if (open?.kind === kind) return open.index;
    closeOpen(out);
    const index = nextIndex++;
    out.push({ type: "block_start", index, block: { type: kind } });
    open = { index, kind };
    return index;
  }

  function startTool(tool: ToolAccumulator, out: CanonicalEvent[]): void {
    stopOpenBlock(out);
    closeFinishedTools(out);
    // H02: empty or repeated ids get a fresh one.
    let id = tool.id ?? "";
    if (id === "" || usedIds.has(id)) id = generateId("call_");
    usedIds.add(id);
    tool.id = id;
    tool.index = nextIndex++;
    if (tool.signature) rememberThoughtSignature(ctx, id, tool.signature);
    sawToolCall = true;
    out.push({ type: "block_start", index: tool.index, block: { type: "tool_call", id, name: tool.name ?? "", kind: tool.kind } });
    if (tool.buffer !== "") out.push({ type: "tool_args_delta", index: tool.index, fragment: tool.buffer });
    tool.buffer = "";
    openTools.push(tool);
  }

  function findTool(choice: number, delta: ChatToolCallDelta, position: number): ToolAccumulator {
    const id = typeof delta.id === "string" && delta.id !== "" ? delta.id : undefined;
    let key = `${choice}:${typeof delta.index === "number" ? delta.index : `p${position}`}`;
    if (typeof delta.index !== "number" && !id) key = lastToolKey.get(choice) ?? key;
    const existing = tools.get(key);
    // Q02: Ollama repeats index 0 for every call; a new id means a new call.
    if (existing && id && existing.id && existing.id !== id) key = `${key}:${id}`;
    let tool = tools.get(key);
    if (!tool) {
      tool = { kind: delta.type === "custom" || delta.custom ? "custom" : "function", buffer: "", received: "", firstChunk: chunkNumber };
      tools.set(key, tool);
    }
    lastToolKey.set(choice, key);
    return tool;
  }

  function pushToolDelta(choice: number, delta: ChatToolCallDelta, position: number, out: CanonicalEvent[]): void {
    const tool = findTool(choice, delta, position);
    if (!tool.id && typeof delta.id === "string" && delta.id !== "") tool.id = delta.id;
    // K08: kept under the id the client sees, which is final only once the call has started.
    const signature = tool.signature === undefined ? readThoughtSignature(delta) : undefined;
    if (signature) {
      tool.signature = signature;
      if (tool.index !== undefined) rememberThoughtSignature(ctx, tool.id!, signature);
    }
    const name = delta.function?.name ?? delta.custom?.name;
    if (!tool.name && typeof name === "string" && name !== "") tool.name = name;
    const fragment = delta.custom ? String(delta.custom.input ?? "") : normalizeArgumentsText(delta.function?.arguments);
    tool.received += fragment;
    if (tool.index === undefined) {
      tool.buffer += fragment;
      if (tool.name && (tool.id || chunkNumber > tool.firstChunk)) startTool(tool, out);
      return;
    }
    if (fragment === "") return;
    if (!openTools.includes(tool)) {
      ctx.warn("dropped arguments for a tool call whose block was already closed", { id: tool.id }); // SA02
      return;
    }
    out.push({ type: "tool_args_delta", index: tool.index, fragment });
    // Interleaved calls: one whose arguments are now whole lets the next go to the client.
    if (openTools.length > 1 && hasWholeArguments(tool)) {
      out.push({ type: "block_stop", index: tool.index });
      openTools = openTools.filter((other) => other !== tool);
    }
  }

  function startPendingTools(out: CanonicalEvent[]): void {
    for (const tool of tools.values()) {
      if (tool.index !== undefined) continue;
      if (!tool.name) {
        ctx.warn("dropped a streamed tool call that never named its tool");
        continue;
      }
      startTool(tool, out);
    }
  }

  function effectiveStop(): StopReason {
    // N02: a tool call means tool_use unless the output was cut (H06: then max_tokens).
    if (sawToolCall && stopReason !== "max_tokens") return "tool_use";
    return stopReason ?? "end_turn";
  }

  function announceStop(out: CanonicalEvent[]): void {
    const reason = effectiveStop();
    if (reason !== announced) out.push({ type: "finish", stopReason: reason });
    announced = reason;
  }

  function finish(out: CanonicalEvent[]): void {
    startPendingTools(out);
    closeOpen(out);
    announceStop(out);
    out.push({ type: "message_stop" });
    done = true;
  }

  function pushChunk(chunk: ChatChunk, out: CanonicalEvent[]): void {
    chunkNumber++;
    if (chunk.error) {
      out.push(decodeChatStreamError(chunk.error));
      done = true;
      return;
    }
    if (!started) {
      started = true;
      // OpenAI names the tier that serves the answer on every chunk; the first says it.
      const serviceTier = typeof chunk.service_tier === "string" ? chunk.service_tier : undefined;
      out.push({ type: "message_start", id: chunk.id ?? generateId("chatcmpl-"), model: chunk.model ?? "", ...(serviceTier ? { serviceTier } : {}) });
    }
    // N07: several choices are merged into one message, in choice order.
    const choices = [...(chunk.choices ?? [])].sort((a, b) => (a.index ?? 0) - (b.index ?? 0));
    for (const choice of choices) {
      const delta = choice.delta ?? {};
      const thought = delta.reasoning_content ?? delta.reasoning;
      if (typeof thought === "string" && thought !== "") out.push({ type: "reasoning_delta", index: ensureBlock("reasoning", out), text: thought });
      // OpenRouter: the structured entries behind that text (signatures, Gemini's encrypted
      // thought signature, which may come without any text), kept for the replay.
      if (Array.isArray(delta.reasoning_details) && delta.reasoning_details.length > 0) {
        ensureBlock("reasoning", out);
        mergeReasoningDetails(details, delta.reasoning_details);
      }
      // P09: the chunk's tokens ride with its first text (a chunk's content is one token or a few).
      let tokens = choice.logprobs ? decodeChatLogprobs(choice.logprobs) : undefined;
      if (typeof delta.content === "string" && delta.content !== "") {
        out.push(textDelta(ensureBlock("text", out), delta.content, tokens));
        tokens = undefined;
      }
      for (const piece of readContentChunks(delta.content)) {
        if (piece.kind === "reasoning") out.push({ type: "reasoning_delta", index: ensureBlock("reasoning", out), text: piece.text });
        else {
          out.push(textDelta(ensureBlock("text", out), piece.text, tokens));
          tokens = undefined;
        }
      }
      // N09: the refusal is the answer's text, and the turn ends as the upstream says (OpenAI:
      // "stop"). It is the model declining one request, not Anthropic's `refusal` stop (its
      // classifiers' cut), on which Claude Code hides the text and asks for a new session.
      if (typeof delta.refusal === "string" && delta.refusal !== "") out.push({ type: "text_delta", index: ensureBlock("text", out), text: delta.refusal });
      (delta.tool_calls ?? []).forEach((call, position) => pushToolDelta(choice.index ?? 0, call, position, out));
      const interrupted = interruptedFinishMessage(choice.finish_reason);
      if (interrupted) {
        const usage = decodeChatUsage(chunk.usage);
        if (Object.keys(usage).length > 0) out.push({ type: "usage", usage });
        out.push({ type: "error", status: 503, code: "upstream_overloaded", message: interrupted });
        done = true;
        return;
      }
      if (choice.finish_reason) {
        // SA06/SA07: the finish is handled after the chunk's content. Blocks close now; the
        // encoders hold message_delta until the usage chunk or [DONE] has arrived.
        stopReason = pickStrongerStopReason(stopReason, decodeFinishReason(choice.finish_reason));
        startPendingTools(out);
        closeOpen(out);
        announceStop(out);
      }
    }
    const usage = decodeChatUsage(chunk.usage);
    if (Object.keys(usage).length > 0) out.push({ type: "usage", usage });
  }

  return {
    push(event) {
      if (done) return [];
      const out: CanonicalEvent[] = [];
      if (event.data.trim() === "[DONE]") {
        if (!started) out.push({ type: "message_start", id: generateId("chatcmpl-"), model: "" });
        started = true;
        finish(out);
        return out;
      }
      let chunk: ChatChunk;
      try {
        chunk = JSON.parse(event.data) as ChatChunk;
      } catch {
        ctx.warn("unparsable Chat stream chunk");
        return out;
      }
      if (chunk && typeof chunk === "object") pushChunk(chunk, out);
      return out;
    },
    end() {
      // SA08: a clean close without [DONE] still finishes the message properly...
      if (done) return [];
      const out: CanonicalEvent[] = [];
      // ...unless it cut a tool call short: with no finish_reason and arguments that are not
      // yet JSON, "tool_use" would hand the client a broken call it then runs or stores as
      // done. An error event makes the client retry instead.
      if (announced === undefined && hasCutToolCall(tools.values())) {
        if (!started) out.push({ type: "message_start", id: generateId("chatcmpl-"), model: "" });
        out.push({
          type: "error",
          status: 502,
          code: "upstream_stream_broken",
          message: "the upstream stream ended in the middle of a tool call (no finish_reason, incomplete arguments)",
        });
        done = true;
        return out;
      }
      if (!started) {
        // Not one chunk before the close: there is no answer to finish, only a broken stream.
        out.push({ type: "message_start", id: generateId("chatcmpl-"), model: "" });
        out.push({ type: "error", status: 502, code: "upstream_stream_broken", message: "upstream stream ended before any chunk" });
        done = true;
        return out;
      }
      finish(out);
      return out;
    },
  };
}

/** A text delta, with its tokens' log probabilities when the upstream gave some. */
function textDelta(index: number, text: string, tokens: TokenLogprob[] | undefined): CanonicalEvent {
  const event: Extract<CanonicalEvent, { type: "text_delta" }> = { type: "text_delta", index, text };
  if (tokens) event.logprobs = tokens;
  return event;
}
