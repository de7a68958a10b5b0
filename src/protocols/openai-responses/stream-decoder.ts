import type { CanonicalEvent, TokenLogprob } from "../../canonical/types";
import { errorFromUpstreamStatus } from "../../errors/gateway-error";
import type { SseEvent } from "../../streaming/sse-event";
import type { CanonicalStreamDecoder } from "../../translate/codec";
import { decodeOutputItem } from "./decode-response";
import { readRetryHint } from "./errors";
import { decodeResponsesLogprobs } from "./logprobs";
import { flattenNamespacedName } from "./namespaced-names";
import { decodeResponsesStatus, decodeResponsesUsage } from "./usage-status";
import { isRecord, readArray, readNumber, readString } from "./values";

interface ItemState {
  type: string;
  /** Canonical block index once the block is open. */
  block?: number;
  /** Whether any delta reached the block (else the `.done` payload is used, for upstreams that skip deltas). */
  sawDelta: boolean;
  lastSummaryIndex?: number;
  /** Whether `output_text.annotation.added` events came (else the `.done` item's annotations are used). */
  sawAnnotation?: boolean;
}

/** Responses failure codes → the HTTP status they stand for, for the catalogue mapping (SR08). */
const FAILURE_STATUS: Record<string, number> = {
  rate_limit_exceeded: 429,
  insufficient_quota: 429,
  context_length_exceeded: 400,
  invalid_prompt: 400,
  server_is_overloaded: 503,
  slow_down: 503,
};

/**
 * A Responses upstream's stream → canonical events (SA14). Each output item maps to one
 * canonical block by `output_index`: tool calls open at `output_item.added` (name and
 * call_id are known there), text and reasoning at their first delta, and every block closes
 * at `output_item.done`. Stop reason and usage come from the terminal event;
 * `response.incomplete` is a normal end (max tokens), not a failure.
 */
export class ResponsesStreamDecoder implements CanonicalStreamDecoder {
  private started = false;
  private finished = false;
  private nextBlock = 0;
  private sawToolCall = false;
  private readonly items = new Map<number, ItemState>();

  push(event: SseEvent): CanonicalEvent[] {
    if (this.finished || event.data === "[DONE]") return [];
    let payload: unknown;
    try {
      payload = JSON.parse(event.data);
    } catch {
      return [];
    }
    if (!isRecord(payload)) return [];
    const type = readString(payload.type) ?? event.event ?? "";
    const out: CanonicalEvent[] = [];
    if (!this.started && type !== "error" && type !== "response.failed") this.start(payload, out);
    const outputIndex = readNumber(payload.output_index) ?? 0;
    switch (type) {
      case "response.output_item.added":
        if (isRecord(payload.item)) this.addItem(outputIndex, payload.item, out);
        break;
      case "response.output_text.delta":
        this.delta(outputIndex, "message", readString(payload.delta) ?? "", out, undefined, decodeResponsesLogprobs(payload.logprobs));
        break;
      case "response.output_text.annotation.added":
        this.annotate(outputIndex, payload.annotation, out);
        break;
      case "response.refusal.delta":
        this.delta(outputIndex, "message", readString(payload.delta) ?? "", out);
        break;
      case "response.reasoning_summary_part.added": {
        const state = this.itemState(outputIndex, "reasoning");
        const summaryIndex = readNumber(payload.summary_index) ?? 0;
        // Several summary parts become one reasoning text, separated by a blank line.
        if (state.sawDelta && state.lastSummaryIndex !== undefined && summaryIndex !== state.lastSummaryIndex) {
          this.delta(outputIndex, "reasoning", "\n\n", out, true);
        }
        state.lastSummaryIndex = summaryIndex;
        break;
      }
      case "response.reasoning_summary_text.delta":
        this.delta(outputIndex, "reasoning", readString(payload.delta) ?? "", out, true);
        break;
      case "response.reasoning_text.delta":
        this.delta(outputIndex, "reasoning", readString(payload.delta) ?? "", out, false);
        break;
      case "response.function_call_arguments.delta":
      case "response.custom_tool_call_input.delta":
        this.delta(outputIndex, "tool", readString(payload.delta) ?? "", out);
        break;
      case "response.function_call_arguments.done":
      case "response.custom_tool_call_input.done": {
        const state = this.items.get(outputIndex);
        const full = readString(payload.arguments) ?? readString(payload.input) ?? "";
        if (state && !state.sawDelta && full !== "") this.delta(outputIndex, "tool", full, out);
        break;
      }
      case "response.output_item.done":
        if (isRecord(payload.item)) this.finishItem(outputIndex, payload.item, out);
        break;
      case "response.completed":
      case "response.incomplete":
        this.complete(isRecord(payload.response) ? payload.response : {}, out);
        break;
      case "response.failed":
      case "error":
        this.fail(payload, out);
        break;
    }
    return out;
  }

  end(): CanonicalEvent[] {
    if (this.finished) return [];
    const out: CanonicalEvent[] = [];
    this.closeAll(out);
    this.finished = true;
    // SR07 seen from the other side: a stream without its terminal event is broken, not complete.
    out.push({ type: "error", status: 502, code: "upstream_stream_broken", message: "upstream stream ended before response.completed" });
    return out;
  }

  private start(payload: Record<string, unknown>, out: CanonicalEvent[]): void {
    this.started = true;
    const response = isRecord(payload.response) ? payload.response : {};
    const usage = decodeResponsesUsage(response.usage);
    out.push({ type: "message_start", id: readString(response.id) ?? "", model: readString(response.model) ?? "", ...(usage ? { usage } : {}) });
  }

  private itemState(outputIndex: number, type: string): ItemState {
    let state = this.items.get(outputIndex);
    if (!state) {
      state = { type, sawDelta: false };
      this.items.set(outputIndex, state);
    }
    return state;
  }

  private addItem(outputIndex: number, item: Record<string, unknown>, out: CanonicalEvent[]): void {
    const type = readString(item.type) ?? "message";
    const state = this.itemState(outputIndex, type);
    if (type === "function_call" || type === "custom_tool_call") {
      const custom = type === "custom_tool_call";
      const namespace = readString(item.namespace);
      state.block = this.nextBlock++;
      this.sawToolCall = true;
      out.push({
        type: "block_start",
        index: state.block,
        block: {
          type: "tool_call",
          id: readString(item.call_id) ?? readString(item.id) ?? "",
          name: flattenNamespacedName(namespace, readString(item.name) ?? ""),
          kind: custom ? "custom" : "function",
          ...(namespace ? { namespace } : {}),
        },
      });
      const initial = (custom ? readString(item.input) : readString(item.arguments)) ?? "";
      if (initial !== "") {
        state.sawDelta = true;
        out.push({ type: "tool_args_delta", index: state.block, fragment: initial });
      }
    } else if (type === "reasoning") {
      this.openBlock(state, { type: "reasoning", ...(readString(item.id) ? { id: readString(item.id)! } : {}) }, out);
    }
  }

  private openBlock(state: ItemState, block: Extract<CanonicalEvent, { type: "block_start" }>["block"], out: CanonicalEvent[]): number {
    if (state.block === undefined) {
      state.block = this.nextBlock++;
      out.push({ type: "block_start", index: state.block, block });
    }
    return state.block;
  }

  private delta(outputIndex: number, kind: "message" | "reasoning" | "tool", text: string, out: CanonicalEvent[], summary?: boolean, logprobs?: TokenLogprob[]): void {
    if (text === "") return;
    const state = this.itemState(outputIndex, kind === "tool" ? "function_call" : kind);
    if (kind === "tool") {
      if (state.block === undefined) return;
      state.sawDelta = true;
      out.push({ type: "tool_args_delta", index: state.block, fragment: text });
      return;
    }
    const index = this.openBlock(state, kind === "message" ? { type: "text" } : { type: "reasoning" }, out);
    state.sawDelta = true;
    if (kind === "message") out.push({ type: "text_delta", index, text, ...(logprobs ? { logprobs } : {}) });
    else out.push({ type: "reasoning_delta", index, text, ...(summary ? { summary: true } : {}) });
  }

  /**
   * A citation on a message's text (web search `url_citation`s, C06). Its indexes count from the
   * start of its `output_text` part, which is the block's start for the usual one-part message.
   */
  private annotate(outputIndex: number, annotation: unknown, out: CanonicalEvent[]): void {
    const state = this.items.get(outputIndex);
    if (!isRecord(annotation) || state?.block === undefined) return;
    state.sawAnnotation = true;
    out.push({ type: "text_annotation", index: state.block, annotation });
  }

  private finishItem(outputIndex: number, item: Record<string, unknown>, out: CanonicalEvent[]): void {
    const type = readString(item.type) ?? "message";
    const state = this.itemState(outputIndex, type);
    if (type === "message") {
      if (!state.sawDelta) {
        for (const part of decodeOutputItem(item)) {
          if (part.type === "text") this.delta(outputIndex, "message", part.text, out, undefined, part.logprobs);
          else if (part.type === "refusal") this.delta(outputIndex, "message", part.text, out);
        }
      }
      // Upstreams that announce no annotations one by one still list them on the finished item.
      if (!state.sawAnnotation) {
        for (const part of readArray(item.content)) if (isRecord(part)) for (const annotation of readArray(part.annotations)) this.annotate(outputIndex, annotation, out);
      }
    } else if (type === "reasoning") {
      if (!state.sawDelta) {
        const texts = readArray(item.summary).map((entry) => (isRecord(entry) ? readString(entry.text) ?? "" : ""));
        this.delta(outputIndex, "reasoning", texts.filter((text) => text !== "").join("\n\n"), out, true);
      }
      const index = this.openBlock(state, { type: "reasoning", ...(readString(item.id) ? { id: readString(item.id)! } : {}) }, out);
      const blob = readString(item.encrypted_content);
      if (blob) out.push({ type: "reasoning_signature", index, encryptedContent: blob });
    } else if (type === "function_call" || type === "custom_tool_call") {
      if (state.block === undefined) this.addItem(outputIndex, item, out);
      else if (!state.sawDelta) {
        const full = (type === "custom_tool_call" ? readString(item.input) : readString(item.arguments)) ?? "";
        this.delta(outputIndex, "tool", full, out);
      }
    } else if (state.block === undefined) {
      // Hosted-tool items (web_search_call...) travel whole as an opaque block.
      state.block = this.nextBlock++;
      out.push({ type: "block_start", index: state.block, block: { type: "opaque", protocol: "openai-responses", value: item } });
    }
    if (state.block !== undefined) out.push({ type: "block_stop", index: state.block });
    this.items.delete(outputIndex);
  }

  private closeAll(out: CanonicalEvent[]): void {
    for (const state of this.items.values()) if (state.block !== undefined) out.push({ type: "block_stop", index: state.block });
    this.items.clear();
  }

  private complete(response: Record<string, unknown>, out: CanonicalEvent[]): void {
    this.closeAll(out);
    this.finished = true;
    const usage = decodeResponsesUsage(response.usage);
    if (usage) out.push({ type: "usage", usage });
    out.push({ type: "finish", stopReason: decodeResponsesStatus(response.status, response.incomplete_details, this.sawToolCall) });
    out.push({ type: "message_stop" });
  }

  private fail(payload: Record<string, unknown>, out: CanonicalEvent[]): void {
    this.closeAll(out);
    this.finished = true;
    const response = isRecord(payload.response) ? payload.response : undefined;
    const error = response && isRecord(response.error) ? response.error : isRecord(payload.error) ? payload.error : payload;
    const upstreamCode = readString(error.code);
    const message = readString(error.message) ?? "upstream response failed";
    const status = (upstreamCode && FAILURE_STATUS[upstreamCode]) || 502;
    const retryAfter = readRetryHint(message);
    out.push({
      type: "error",
      status,
      code: errorFromUpstreamStatus(status, message).code,
      message,
      ...(upstreamCode ? { upstreamCode } : {}),
      ...(retryAfter !== undefined ? { retryAfter } : {}),
    });
  }
}
