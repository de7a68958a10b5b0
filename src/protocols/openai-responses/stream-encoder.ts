import type { CanonicalEvent, ReasoningPart, StopReason, TokenLogprob, Usage } from "../../canonical/types";
import { emptyUsage, mergeUsage } from "../../canonical/usage";
import type { SseEvent } from "../../streaming/sse-event";
import type { CanonicalStreamEncoder } from "../../translate/codec";
import type { TranslationContext } from "../../translate/types";
import { type AnthropicWebSearchResult, anthropicWebSearchCallId, readAnthropicWebSearchResult, webSearchCallItem, webSearchItemId, webSearchQuery } from "./anthropic-web-search-calls";
import { localShellAction, resolveClientToolCall, unwrapCustomInput } from "./client-tools";
import { describeResponsesFailure } from "./errors";
import { newGatewayReasoningId } from "./foreign-reasoning";
import type { ResolvedResponsesCodecOptions } from "./options";
import { encodeResponsesStreamLogprobs } from "./logprobs";
import { buildMessageItem, encodeOutputText, encodeReasoningItem, markCutShort, readOutputItemSettings, type OutputItemSettings } from "./output-items";
import { buildResponseObject } from "./response-object";
import { cutByTokenLimit, encodeResponsesStatus, encodeResponsesUsage } from "./usage-status";
import type { ResponsesItem } from "./wire-types";

type OpenItem =
  /** `tokens`: the log probabilities the deltas carried (P09), for the `.done` events and the part. */
  /** `annotations`: the block's citations as the upstream gave them (C06), encoded when it closes. */
  | { kind: "text"; outputIndex: number; itemId: string; text: string; tokens?: TokenLogprob[]; annotations: unknown[] }
  | { kind: "reasoning"; outputIndex: number; itemId: string; part: ReasoningPart; summaryOpen: boolean }
  | {
      kind: "tool";
      outputIndex: number;
      itemId: string;
      callId: string;
      name: string;
      namespace?: string;
      custom: boolean;
      /** A custom tool the upstream saw as a function `{input}`: buffer, unwrap at the end (S10). */
      wrapped: boolean;
      /** A `local_shell` call: no argument events; the item carries the action when done (R05). */
      localShell?: boolean;
      args: string;
    }
  | { kind: "opaque"; outputIndex: number; item: ResponsesItem }
  /** S09: Claude's server web search, a `web_search_call` that finishes when its result block comes. */
  | { kind: "web_search"; outputIndex: number; toolUseId: string; args: string }
  | { kind: "ignored" };

/**
 * Canonical events → the standard Responses event sequence (SR01–SR10):
 * `response.created` → `response.in_progress` → per item `output_item.added` → its deltas
 * and `.done` events → `output_item.done` → exactly one of `response.completed`,
 * `response.incomplete`, `response.failed`. Every event carries `type` and a
 * `sequence_number` from 0 up; `output_index` is the item's position in the final output,
 * and the terminal `response.output` lists exactly the announced items with the same ids.
 *
 * The `output_item.done` of the last finished item waits for the next item or the end: the
 * upstream says why it stopped only after its last block closed, and an item the token limit
 * cut short is `incomplete`, not `completed` (cutByTokenLimit). The item's own `.done` events
 * go out at once; only its `output_item.done` is held, for no longer than the next event
 * that opens an item or ends the stream.
 *
 * C06: a text block's citations become `response.output_text.annotation.added` events when the
 * block closes (a Claude citation spans its whole block, whose length is known only then), just
 * before `output_text.done`; the finished part, item and response carry the same annotations
 * the non-stream answer would (encodeOutputText).
 */
export class ResponsesStreamEncoder implements CanonicalStreamEncoder {
  private sequence = 0;
  private started = false;
  private finished = false;
  private readonly responseId: string;
  private readonly createdAt: number;
  private readonly settings: OutputItemSettings;
  private readonly output: ResponsesItem[] = [];
  private readonly open = new Map<number, OpenItem>();
  /** The last finished item, whose `output_item.done` waits to learn whether it was cut short. */
  private held: { outputIndex: number; item: ResponsesItem } | undefined;
  private nextOutputIndex = 0;
  /** Claude's web searches whose call block closed and whose result block has not come yet, by tool_use id. */
  private readonly pendingSearches = new Map<string, { outputIndex: number; query: string | undefined }>();
  private stopReason: StopReason | undefined;
  private usage: Usage = emptyUsage();
  /** The tier the upstream named at the start of its answer. */
  private serviceTier: string | undefined;

  constructor(
    private readonly ctx: TranslationContext,
    private readonly options: ResolvedResponsesCodecOptions,
  ) {
    this.responseId = ctx.responseId ?? options.newId("resp_");
    this.createdAt = options.now();
    this.settings = readOutputItemSettings(ctx.request, options, ctx.keepReasoning);
  }

  push(event: CanonicalEvent): SseEvent[] {
    if (this.finished) return [];
    const out: SseEvent[] = [];
    if (!this.started) this.start(out);
    switch (event.type) {
      case "message_start":
        this.usage = mergeUsage(this.usage, event.usage);
        if (event.serviceTier) this.serviceTier = event.serviceTier;
        break;
      case "block_start":
        this.startBlock(event.index, event.block, out);
        break;
      case "text_delta":
        this.addText(event.index, event.text, event.logprobs, out);
        break;
      case "text_annotation": {
        const item = this.open.get(event.index);
        if (item?.kind === "text") item.annotations.push(event.annotation);
        break;
      }
      case "reasoning_delta":
        this.addReasoning(event.index, event.text, out);
        break;
      case "reasoning_signature": {
        const item = this.open.get(event.index);
        if (item?.kind === "reasoning") {
          if (event.signature !== undefined) item.part.signature = event.signature;
          if (event.encryptedContent !== undefined) item.part.encryptedContent = event.encryptedContent;
          if (event.redactedData !== undefined) item.part.redactedData = event.redactedData;
        }
        break;
      }
      case "tool_args_delta":
        this.addToolArgs(event.index, event.fragment, out);
        break;
      case "block_stop":
        this.stopBlock(event.index, out);
        break;
      case "finish":
        this.stopReason = event.stopReason;
        break;
      case "usage":
        this.usage = mergeUsage(this.usage, event.usage);
        if (event.serviceTier) this.serviceTier = event.serviceTier;
        break;
      case "error":
        this.fail(event, out);
        break;
      case "message_stop":
        this.complete(out);
        break;
    }
    return out;
  }

  /**
   * SR09: Codex's idle timer (stream_idle_timeout_ms, 5 minutes) is reset by parsed events, not
   * by SSE comments, so a long silent thinking turn on Claude (no summary to stream) would look
   * dead. A quiet stream repeats `response.in_progress`, a real event every client ignores once
   * it has the response; before `response.created` there is nothing to repeat.
   */
  keepalive(): SseEvent[] {
    if (!this.started || this.finished) return [];
    const out: SseEvent[] = [];
    this.emit(out, "response.in_progress", { response: this.responseObject("in_progress") });
    return out;
  }

  private emit(out: SseEvent[], type: string, payload: Record<string, unknown>): void {
    out.push({ event: type, data: JSON.stringify({ type, sequence_number: this.sequence++, ...payload }) });
  }

  private responseObject(status: "in_progress" | "completed" | "incomplete" | "failed", extra: Record<string, unknown> = {}) {
    return buildResponseObject(
      {
        id: this.responseId,
        createdAt: this.createdAt,
        status,
        model: this.ctx.clientModel,
        output: status === "in_progress" ? [] : this.output.filter((item) => item !== undefined),
        usage: status === "in_progress" ? null : encodeResponsesUsage(this.usage),
        ...(this.serviceTier ? { serviceTier: this.serviceTier } : {}),
        ...extra,
      },
      this.ctx.request,
    );
  }

  /** SR01: `response.created` first, then `response.in_progress`, whatever the first upstream event was. */
  private start(out: SseEvent[]): void {
    this.started = true;
    this.emit(out, "response.created", { response: this.responseObject("in_progress") });
    this.emit(out, "response.in_progress", { response: this.responseObject("in_progress") });
    // Items the gateway wrote before the model's answer (server-side compaction): finished already.
    for (const leading of this.ctx.leadingOutput ?? []) {
      const item = leading as ResponsesItem;
      const outputIndex = this.nextOutputIndex++;
      this.output[outputIndex] = item;
      this.emit(out, "response.output_item.added", { output_index: outputIndex, item });
      this.emit(out, "response.output_item.done", { output_index: outputIndex, item });
    }
  }

  private startBlock(index: number, block: Extract<CanonicalEvent, { type: "block_start" }>["block"], out: SseEvent[]): void {
    if (this.open.has(index)) return;
    if (block.type === "opaque") {
      if (block.protocol === "anthropic" && this.takeAnthropicWebSearchBlock(index, block.value, out)) return;
      if (block.protocol !== "openai-responses") {
        this.open.set(index, { kind: "ignored" });
        return;
      }
      const item = block.value as ResponsesItem;
      this.releaseHeld(out, false);
      const outputIndex = this.nextOutputIndex++;
      this.open.set(index, { kind: "opaque", outputIndex, item });
      this.emit(out, "response.output_item.added", { output_index: outputIndex, item });
      return;
    }
    this.releaseHeld(out, false);
    const outputIndex = this.nextOutputIndex++;
    if (block.type === "text") {
      const itemId = this.options.newId("msg_");
      this.open.set(index, { kind: "text", outputIndex, itemId, text: "", annotations: [] });
      this.emit(out, "response.output_item.added", { output_index: outputIndex, item: buildMessageItem(itemId, [], "in_progress") });
      this.emit(out, "response.content_part.added", {
        item_id: itemId,
        output_index: outputIndex,
        content_index: 0,
        part: encodeOutputText({ type: "text", text: "" }, this.settings),
      });
      return;
    }
    if (block.type === "reasoning") {
      const itemId = block.id?.startsWith("rs_") ? block.id : newGatewayReasoningId(this.options.newId);
      this.open.set(index, { kind: "reasoning", outputIndex, itemId, part: { type: "reasoning", id: itemId }, summaryOpen: false });
      this.emit(out, "response.output_item.added", { output_index: outputIndex, item: { type: "reasoning", id: itemId, summary: [] } });
      return;
    }
    const call = resolveClientToolCall({ name: block.name, kind: block.kind, namespace: block.namespace, arguments: "" }, this.settings.declaredTools);
    if (call.itemType === "local_shell_call") {
      const itemId = this.options.newId("lsh_");
      this.open.set(index, { kind: "tool", outputIndex, itemId, callId: block.id, name: call.name, custom: false, wrapped: false, localShell: true, args: "" });
      this.emit(out, "response.output_item.added", {
        output_index: outputIndex,
        item: { type: "local_shell_call", id: itemId, status: "in_progress", call_id: block.id, action: { type: "exec", command: [] } },
      });
      return;
    }
    const custom = call.itemType === "custom_tool_call";
    const itemId = this.options.newId(custom ? "ctc_" : "fc_");
    this.open.set(index, {
      kind: "tool",
      outputIndex,
      itemId,
      callId: block.id,
      name: call.name,
      ...(call.namespace ? { namespace: call.namespace } : {}),
      custom,
      wrapped: custom && block.kind === "function",
      args: "",
    });
    this.emit(out, "response.output_item.added", {
      output_index: outputIndex,
      item: this.toolItem(itemId, block.id, call.name, call.namespace, custom, "", "in_progress"),
    });
  }

  /**
   * S09: a Claude `server_tool_use` running web search becomes a `web_search_call` item (added,
   * in_progress, searching when its block closes, as OpenAI streams one); a
   * `web_search_tool_result` finishes the item of its call. Other Anthropic blocks are not for a
   * Responses client (false).
   */
  private takeAnthropicWebSearchBlock(index: number, value: unknown, out: SseEvent[]): boolean {
    const toolUseId = anthropicWebSearchCallId(value);
    if (toolUseId !== undefined) {
      this.releaseHeld(out, false);
      const outputIndex = this.nextOutputIndex++;
      const input = (value as { input?: unknown }).input;
      this.open.set(index, { kind: "web_search", outputIndex, toolUseId, args: input && Object.keys(input).length > 0 ? JSON.stringify(input) : "" });
      return true;
    }
    const result = readAnthropicWebSearchResult(value);
    if (result === undefined || !this.pendingSearches.has(result.toolUseId)) return false;
    this.open.set(index, { kind: "ignored" });
    this.finishWebSearch(result.toolUseId, result, out);
    return true;
  }

  private finishWebSearch(toolUseId: string, result: AnthropicWebSearchResult | undefined, out: SseEvent[]): void {
    const pending = this.pendingSearches.get(toolUseId);
    if (!pending) return;
    this.pendingSearches.delete(toolUseId);
    this.releaseHeld(out, false);
    const item = webSearchCallItem(toolUseId, pending.query, result, this.settings.includeSearchSources);
    if (item.status === "completed") this.emit(out, "response.web_search_call.completed", { output_index: pending.outputIndex, item_id: item.id });
    this.output[pending.outputIndex] = item;
    this.emit(out, "response.output_item.done", { output_index: pending.outputIndex, item });
  }

  private toolItem(itemId: string, callId: string, name: string, namespace: string | undefined, custom: boolean, payload: string, status: string): ResponsesItem {
    return custom
      ? { type: "custom_tool_call", id: itemId, status, call_id: callId, name, input: payload, ...(namespace ? { namespace } : {}) }
      : { type: "function_call", id: itemId, status, call_id: callId, name, arguments: payload, ...(namespace ? { namespace } : {}) };
  }

  /** P09: each delta carries its own tokens' log probabilities (an empty list when there are none, as at OpenAI). */
  private addText(index: number, text: string, tokens: TokenLogprob[] | undefined, out: SseEvent[]): void {
    const item = this.open.get(index);
    if (item?.kind !== "text" || text === "") return;
    item.text += text;
    if (tokens) (item.tokens ??= []).push(...tokens);
    this.emit(out, "response.output_text.delta", { item_id: item.itemId, output_index: item.outputIndex, content_index: 0, delta: text, logprobs: tokens ? encodeResponsesStreamLogprobs(tokens) : [] });
  }

  /** K10: thinking text flows into summary events only when the client asked for summaries. */
  private addReasoning(index: number, text: string, out: SseEvent[]): void {
    const item = this.open.get(index);
    if (item?.kind !== "reasoning" || text === "") return;
    item.part.text = (item.part.text ?? "") + text;
    if (!this.settings.includeSummary) return;
    if (!item.summaryOpen) {
      item.summaryOpen = true;
      this.emit(out, "response.reasoning_summary_part.added", {
        item_id: item.itemId,
        output_index: item.outputIndex,
        summary_index: 0,
        part: { type: "summary_text", text: "" },
      });
    }
    this.emit(out, "response.reasoning_summary_text.delta", { item_id: item.itemId, output_index: item.outputIndex, summary_index: 0, delta: text });
  }

  private addToolArgs(index: number, fragment: string, out: SseEvent[]): void {
    const item = this.open.get(index);
    if (item?.kind === "web_search") item.args += fragment;
    if (item?.kind !== "tool" || fragment === "") return;
    item.args += fragment;
    if (item.wrapped || item.localShell) return;
    const type = item.custom ? "response.custom_tool_call_input.delta" : "response.function_call_arguments.delta";
    this.emit(out, type, { item_id: item.itemId, output_index: item.outputIndex, delta: fragment });
  }

  private stopBlock(index: number, out: SseEvent[]): void {
    const item = this.open.get(index);
    if (!item) return;
    this.open.delete(index);
    if (item.kind === "ignored") return;
    if (item.kind === "web_search") {
      // Announced once its query is whole (Claude streams it in pieces): Codex prints the query
      // when the item is added.
      const query = webSearchQuery(item.args);
      const itemId = webSearchItemId(item.toolUseId);
      const ids = { output_index: item.outputIndex, item_id: itemId };
      this.emit(out, "response.output_item.added", { output_index: item.outputIndex, item: { type: "web_search_call", id: itemId, status: "in_progress", action: { type: "search", ...(query !== undefined ? { query } : {}) } } });
      this.emit(out, "response.web_search_call.in_progress", ids);
      this.emit(out, "response.web_search_call.searching", ids);
      this.pendingSearches.set(item.toolUseId, { outputIndex: item.outputIndex, query });
      return;
    }
    let done: ResponsesItem;
    if (item.kind === "opaque") {
      done = item.item;
    } else if (item.kind === "text") {
      const part = encodeOutputText(
        { type: "text", text: item.text, ...(item.annotations.length > 0 ? { annotations: item.annotations } : {}), ...(item.tokens ? { logprobs: item.tokens } : {}) },
        this.settings,
      );
      const ids = { item_id: item.itemId, output_index: item.outputIndex, content_index: 0 };
      (part.annotations ?? []).forEach((annotation, annotationIndex) => {
        this.emit(out, "response.output_text.annotation.added", { ...ids, annotation_index: annotationIndex, annotation });
      });
      this.emit(out, "response.output_text.done", { ...ids, text: item.text, logprobs: item.tokens ? encodeResponsesStreamLogprobs(item.tokens) : [] });
      this.emit(out, "response.content_part.done", { ...ids, part });
      done = buildMessageItem(item.itemId, [part], "completed");
    } else if (item.kind === "reasoning") {
      const text = item.part.text ?? "";
      if (item.summaryOpen) {
        const ids = { item_id: item.itemId, output_index: item.outputIndex, summary_index: 0 };
        this.emit(out, "response.reasoning_summary_text.done", { ...ids, text });
        this.emit(out, "response.reasoning_summary_part.done", { ...ids, part: { type: "summary_text", text } });
      }
      done = encodeReasoningItem(item.part, this.settings, item.itemId);
    } else {
      done = this.finishToolItem(item, out);
    }
    // Several blocks may close in a row (message_stop closes what is still open): only the
    // last one can be the item that was cut.
    this.releaseHeld(out, false);
    this.held = { outputIndex: item.outputIndex, item: done };
  }

  /** Sends the held item's `output_item.done`, `incomplete` when the token limit cut it short. */
  private releaseHeld(out: SseEvent[], cutShort: boolean): void {
    const held = this.held;
    if (!held) return;
    this.held = undefined;
    const item = cutShort ? markCutShort(held.item) : held.item;
    this.output[held.outputIndex] = item;
    this.emit(out, "response.output_item.done", { output_index: held.outputIndex, item });
  }

  private finishToolItem(item: Extract<OpenItem, { kind: "tool" }>, out: SseEvent[]): ResponsesItem {
    if (item.localShell) return { type: "local_shell_call", id: item.itemId, status: "completed", call_id: item.callId, action: localShellAction(item.args) };
    const ids = { item_id: item.itemId, output_index: item.outputIndex };
    if (item.custom) {
      const input = item.wrapped ? unwrapCustomInput(item.args) : item.args;
      if (item.wrapped && input !== "") this.emit(out, "response.custom_tool_call_input.delta", { ...ids, delta: input });
      this.emit(out, "response.custom_tool_call_input.done", { ...ids, input });
      return this.toolItem(item.itemId, item.callId, item.name, item.namespace, true, input, "completed");
    }
    this.emit(out, "response.function_call_arguments.done", { ...ids, name: item.name, arguments: item.args });
    return this.toolItem(item.itemId, item.callId, item.name, item.namespace, false, item.args, "completed");
  }

  /** SR07: close what was announced (SR03), then exactly one terminal event with the full response. */
  private complete(out: SseEvent[]): void {
    for (const index of [...this.open.keys()].sort((a, b) => a - b)) this.stopBlock(index, out);
    for (const toolUseId of [...this.pendingSearches.keys()]) this.finishWebSearch(toolUseId, undefined, out);
    this.releaseHeld(out, cutByTokenLimit(this.stopReason));
    const { status, incompleteDetails } = encodeResponsesStatus(this.stopReason ?? "end_turn");
    this.finished = true;
    const type = status === "completed" ? "response.completed" : "response.incomplete";
    this.emit(out, type, { response: this.responseObject(status, { incompleteDetails }) });
  }

  /** SR08: a mid-stream failure is `response.failed` with a code Codex acts on (never a bare `error` event). */
  private fail(event: Extract<CanonicalEvent, { type: "error" }>, out: SseEvent[]): void {
    // The held item was closed by the upstream before the failure: it is whole.
    this.releaseHeld(out, false);
    this.finished = true;
    const error = describeResponsesFailure(event);
    this.emit(out, "response.failed", { response: this.responseObject("failed", { error }) });
  }
}
