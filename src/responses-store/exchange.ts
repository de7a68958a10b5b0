/**
 * One POST /v1/responses as the response store sees it: the history it continues
 * (`previous_response_id`) and, when `store` is not false, the response to keep once the
 * client has it. The proxy asks `requestFor(target)` per attempt, feeds the client-bound events
 * (or the whole body) in, and awaits `flush()` next to the ledger write before the terminal
 * event, so an id the client has seen can be continued at once.
 */
import { GatewayError } from "../errors/gateway-error";
import type { Logger } from "../log/logger";
import { previousResponseNotFound, previousResponseUnfinished } from "../protocols/openai-responses/history";
import { nativeBackgroundOf } from "../proxy/native-background-state";
import type { ModelRequest } from "../proxy/types";
import type { RouteTarget } from "../routing/router";
import type { SseEvent } from "../streaming/sse-event";
import { DatabaseDeadlineError } from "../store/database-deadline";
import { isDatabaseUnreachable } from "../store/database-unreachable";
import type { StoredResponseRecord } from "../store/types";
import { type Item, normaliseInputItems, outputItemsOf } from "./items";
import { type ReferencedItems, type ReferenceMode, referencedIds, replaceItemReferences, withoutDuplicateItems } from "./item-references";
import type { LiveResponse, LiveResponses } from "./live-responses";
import { readStoredRequest, type StoredRequest } from "./record";

const TERMINAL_EVENTS = new Set(["response.completed", "response.incomplete", "response.failed"]);
/** A background response still running has no output yet: continuing it would drop the answer the client waits for. */
const UNFINISHED = new Set(["queued", "in_progress"]);
/** The events that shape the response a GET sees while its stream runs. */
const LIVE_EVENTS = new Set(["response.created", "response.output_item.done"]);

export interface ExchangeOptions {
  request: ModelRequest;
  previousId: string | undefined;
  /** The stored record of `previousId` visible to this caller, or null. */
  previous: StoredResponseRecord | null;
  /** The items the request's item_reference ids name, as found among the caller's records. */
  references: ReferencedItems;
  /** Whether the response is to be kept (`store` not false and retention on). */
  store: boolean;
  save(record: StoredResponseRecord): Promise<void>;
  retentionMs: number;
  now: () => Date;
  /** This process's streamed responses in progress, readable by GET until stored (live-responses.ts). */
  live?: LiveResponses;
  /** The gateway's logger: lines carry the request id themselves (a child logger per request cost ~13 µs). */
  log: Logger;
}

/** A real OpenAI Responses upstream reached natively: it may hold conversations this gateway never saw. */
function servesResponsesNatively(target: RouteTarget): boolean {
  return target.provider !== "loopback" && !target.translate && target.upstreamProtocol === "openai-responses";
}

export class ResponseExchange {
  private readonly newItems: Item[];
  private readonly previousRequest: StoredRequest | undefined;
  private readonly variants = new Map<"native" | "local", ModelRequest>();
  /** Whether the request's own input holds item_reference items. */
  private readonly referencing: boolean;
  /** Whether the last attempt's target is a native OpenAI Responses upstream (the one that answered, once an answer is kept). */
  private servedNatively = false;
  /** Replay blobs of this turn's reasoning items, told by the Responses encoder (record.ts `reasoning`). */
  private readonly reasoning = new Map<string, string>();
  /** Whether the serving attempt forwarded `previous_response_id` to the upstream unexpanded. */
  private forwarded = false;
  private pending: Promise<void> | undefined;
  private settled = false;
  /** Whether a stream of this exchange is offered to GET while it runs: stored, and not background (whose runs have their own state). */
  private readonly tracksLive: boolean;
  /** The response as the stream has told it so far, from `response.created` until it is stored or the stream ends. */
  private live: { id: string; response: Record<string, unknown>; output: unknown[]; entry: LiveResponse } | undefined;

  constructor(private readonly options: ExchangeOptions) {
    this.newItems = normaliseInputItems(options.request.body.input);
    this.previousRequest = options.previous ? readStoredRequest(options.previous.request) : undefined;
    this.referencing = referencedIds(this.newItems).length > 0;
    this.tracksLive = options.store && options.live !== undefined && options.request.body.background !== true && !options.request.responseId;
  }

  /**
   * The request to send to `target`. A stored previous response is expanded into the full
   * history (R02); the id itself stays in the body for translated targets and loopback
   * (their encoders drop it, and the response echoes it) and is removed for a native OpenAI
   * upstream, which may never have seen it. An id this gateway does not hold goes to a native
   * OpenAI upstream as it is; any other target cannot resolve it: 400 previous_response_not_found.
   * item_reference items are replaced by the items they name (item-references.ts): all of them
   * for a target the gateway serves itself (an unknown id is a 400), only the gateway's own ids
   * for a native OpenAI upstream, which resolves its own.
   */
  requestFor(target: RouteTarget): ModelRequest {
    const { request, previousId, previous } = this.options;
    this.forwarded = false;
    const native = servesResponsesNatively(target);
    this.servedNatively = native;
    if (!previousId) {
      if (!this.referencing) return native ? request : this.collectingReasoning(request);
      const variant = this.variantOf(native ? "native" : "local", () => (native ? this.ownItems("minted") : withoutDuplicateItems(this.ownItems("all"))), false);
      return native ? variant : this.collectingReasoning(variant);
    }
    if (!previous || this.previousRequest?.upstream_previous_response_id) {
      if (native) {
        this.forwarded = true;
        return this.referencing ? this.variantOf("native", () => this.ownItems("minted"), false) : request;
      }
      if (!previous) throw previousResponseNotFound(previousId);
      throw new GatewayError(
        "invalid_request",
        400,
        `Previous response with id '${previousId}' continues a conversation held by the upstream provider; it can only be continued on a native OpenAI Responses model, not on '${String(request.body.model)}'.`,
        { param: "previous_response_id", upstreamCode: "previous_response_not_found" },
      );
    }
    if (UNFINISHED.has(String(previous.response.status))) {
      // A background run OpenAI itself runs: OpenAI holds its state and decides.
      if (native && nativeBackgroundOf(previous.request)) {
        this.forwarded = true;
        return request;
      }
      throw previousResponseUnfinished(previousId, String(previous.response.status));
    }
    // Reasoning items get their blobs back (record.ts `reasoning`): Claude's thinking for a
    // translated upstream; for a native one, the blob tells OpenAI's own reasoning (kept, and
    // replayable with it even though the gateway called OpenAI with store:false) from Claude's
    // or a Chat model's, which prepareAttempt leaves out (foreign-reasoning.ts).
    // OpenAI judges duplicates in what a native upstream gets; for the others the gateway does.
    const variant = this.variantOf(native ? "native" : "local", () => this.withReasoningBlobs(native ? this.expandedInput("minted") : withoutDuplicateItems(this.expandedInput("all"))), native);
    return native ? variant : this.collectingReasoning(variant);
  }

  /** The request with `input()` as its input, made once per kind of target; `dropPrevious` for a native upstream given the history. */
  private variantOf(key: "native" | "local", input: () => Item[], dropPrevious: boolean): ModelRequest {
    let variant = this.variants.get(key);
    if (!variant) {
      const { request } = this.options;
      const body: Record<string, unknown> = { ...request.body, input: input() };
      if (dropPrevious) delete body.previous_response_id;
      variant = { ...request, body, rawBody: JSON.stringify(body) };
      this.variants.set(key, variant);
    }
    return variant;
  }

  /** The request's own input with its item_reference items replaced as `mode` says. */
  private ownItems(mode: ReferenceMode): Item[] {
    return this.referencing ? replaceItemReferences(this.newItems, this.options.references, mode) : this.newItems;
  }

  /**
   * The body as the model will read it, for the budget's estimate of its prompt: the stored
   * history behind previous_response_id spliced in (none when this gateway does not hold it).
   */
  bodyForEstimate(): Record<string, unknown> {
    const { request, previous } = this.options;
    return (previous && this.previousRequest) || this.referencing ? { ...request.body, input: this.expandedInput("found") } : request.body;
  }

  /** A translated request whose encoder tells this exchange its reasoning blobs, when the response is kept. */
  private collectingReasoning(request: ModelRequest): ModelRequest {
    if (!this.options.store) return request;
    return { ...request, keepReasoning: (itemId, blob) => void this.reasoning.set(itemId, blob) };
  }

  /** Reasoning items the client got without their blob get it back from the record. */
  private withReasoningBlobs(items: Item[]): Item[] {
    const blobs = this.previousRequest?.reasoning;
    if (!blobs) return items;
    return items.map((item) => {
      if (item.type !== "reasoning" || typeof item.id !== "string" || typeof item.encrypted_content === "string") return item;
      const blob = blobs[item.id];
      return blob ? { ...item, encrypted_content: blob } : item;
    });
  }

  /** Watch one client-bound event; the terminal one carries the response object to keep. */
  observe(event: SseEvent): void {
    if (!this.options.store || this.pending) return;
    const name = event.event ?? peekType(event.data);
    if (!name) return;
    if (this.tracksLive && LIVE_EVENTS.has(name)) this.trackLive(name, event.data);
    if (!TERMINAL_EVENTS.has(name)) return;
    let response: unknown;
    try {
      response = (JSON.parse(event.data) as { response?: unknown }).response;
    } catch {
      return;
    }
    this.pending = this.keep(response).finally(() => {
      this.settled = true;
      // Stored (or storing failed, logged): the record, or nothing, answers GET from now on.
      this.dropLive();
    });
  }

  /**
   * `response.created` makes the response readable by GET (live-responses.ts); each
   * `response.output_item.done` adds its item to the output shown there.
   */
  private trackLive(name: string, data: string): void {
    let parsed: { response?: unknown; item?: unknown; output_index?: unknown };
    try {
      parsed = JSON.parse(data) as typeof parsed;
    } catch {
      return;
    }
    if (name === "response.created") {
      const response = parsed.response as Record<string, unknown> | undefined;
      if (this.live || typeof response?.id !== "string") return;
      const id = response.id;
      const entry: LiveResponse = { userId: this.options.request.principal.userId, record: () => this.liveRecord() };
      this.live = { id, response, output: [], entry };
      this.options.live!.add(id, entry);
      return;
    }
    if (!this.live || typeof parsed.item !== "object" || parsed.item === null) return;
    const index = typeof parsed.output_index === "number" ? parsed.output_index : this.live.output.length;
    this.live.output[index] = parsed.item;
  }

  /** The live response as a record: as created, in progress, with the output items done so far. */
  private liveRecord(): StoredResponseRecord {
    const { response, output } = this.live!;
    return this.recordOf({ ...response, status: "in_progress", output: output.filter((item) => item !== undefined) })!;
  }

  /** The stream ended, however: its live entry goes, once the record is stored when one is being written. */
  release(): void {
    if (!this.pending) this.dropLive();
  }

  private dropLive(): void {
    if (!this.live) return;
    this.options.live!.remove(this.live.id, this.live.entry);
    this.live = undefined;
  }

  /** A whole (non-streaming) client-bound body. */
  saveBody(text: string): Promise<void> {
    if (!this.options.store || this.pending) return this.pending ?? Promise.resolve();
    let response: unknown;
    try {
      response = JSON.parse(text);
    } catch {
      return Promise.resolve();
    }
    this.pending = this.keep(response).finally(() => (this.settled = true));
    return this.pending;
  }

  /** A response is being written and is not durable yet. */
  get saving(): boolean {
    return this.pending !== undefined && !this.settled;
  }

  /** Resolves once the response seen so far is durable (or storing it failed and was logged). */
  flush(): Promise<void> {
    return this.pending ?? Promise.resolve();
  }

  /** The stored history behind previous_response_id (when held), then the request's own input, references replaced as `mode` says. */
  private expandedInput(mode: ReferenceMode): Item[] {
    const previous = this.options.previous;
    const own = this.ownItems(mode);
    if (!previous || !this.previousRequest) return own;
    return [...this.previousRequest.input, ...outputItemsOf(previous.response), ...own];
  }

  /** Never throws: a failed write is logged, the client's answer is unaffected. */
  private async keep(response: unknown): Promise<void> {
    const { log } = this.options;
    const { requestId } = this.options.request;
    const record = this.recordOf(response);
    if (!record) {
      log.warn({ requestId }, "response not stored: the answer carried no response id");
      return;
    }
    try {
      await saveRetryingWhileUnreachable(() => this.options.save(record));
    } catch (error) {
      log.error({ err: error, requestId, responseId: record.id }, "storing the response failed (the client got its answer; previous_response_id on it will not resolve)");
    }
  }

  /**
   * The record this exchange keeps for `response` (a response object with an id), as `keep`
   * writes it; undefined without an id. Background mode on a native OpenAI route stores the
   * running response through it before any final event (native-background.ts).
   */
  recordOf(response: unknown): StoredResponseRecord | undefined {
    const { request, previousId } = this.options;
    if (typeof response !== "object" || response === null || typeof (response as { id?: unknown }).id !== "string") return undefined;
    const object = { ...(response as Record<string, unknown>) };
    // A background response is kept under the id its client was given when it was queued.
    if (request.responseId) Object.assign(object, { id: request.responseId, background: true });
    // A native upstream that got the expanded history echoes no previous id: the client sent one.
    // A WebSocket turn whose socket expanded it echoes the id the client sent there.
    if (request.echoPreviousResponseId) object.previous_response_id = request.echoPreviousResponseId;
    else if (previousId && !object.previous_response_id) object.previous_response_id = previousId;
    // The input the serving model saw: references resolved as they were sent to it.
    const mode = this.servedNatively ? "minted" : "found";
    const input = this.forwarded ? this.ownItems(mode) : this.expandedInput(mode);
    const stored: StoredRequest = {
      // Items the answer's output leads with (a server-side compaction) were given to the model
      // in its input too; kept once, in the output, where a continuation replays them from.
      input: request.leadingOutput ? withoutItems(input, request.leadingOutput) : input,
      instructions: request.body.instructions ?? null,
      previous_response_id: previousId ?? null,
    };
    if (this.forwarded && previousId) stored.upstream_previous_response_id = previousId;
    if (this.servedNatively) stored.native_upstream = true;
    const reasoning = { ...(this.forwarded ? {} : this.previousRequest?.reasoning), ...Object.fromEntries(this.reasoning) };
    if (Object.keys(reasoning).length > 0) stored.reasoning = reasoning;
    const createdAt = this.options.now();
    return {
      id: object.id as string,
      userId: request.principal.userId,
      model: String(request.body.model),
      createdAt,
      expiresAt: new Date(createdAt.getTime() + this.options.retentionMs),
      request: stored as unknown as Record<string, unknown>,
      response: object,
    };
  }
}

function withoutItems(items: Item[], leaving: Item[]): Item[] {
  const ids = new Set(leaving.map((item) => item.id));
  return items.filter((item) => !ids.has(item.id));
}

/**
 * How long a response whose database cannot be reached keeps being offered to it. The answer
 * the upstream already wrote (and was paid for) is served either way; for a blip shorter than
 * this its id stays continuable, as the client that asked to store it expects. On PostgreSQL the
 * answer waits for its ledger row through an outage anyway; this adds at most that much.
 */
const STORE_RETRY_LIMIT_MS = 10_000;
const STORE_RETRY_FIRST_DELAY_MS = 50;
const STORE_RETRY_MAX_DELAY_MS = 1_000;

/**
 * Run `save`, again with backoff while the database cannot be reached (a bug fails at once). Not
 * again after a save that got no answer within `database.pg_request_timeout_ms`: the database is
 * silent (a partition), the client's answer has waited the bound already, another try would wait
 * it again and queue one more write on a connection that carries nothing, and the write sent may
 * still commit when the network heals.
 */
async function saveRetryingWhileUnreachable(save: () => Promise<void>): Promise<void> {
  const giveUpAt = Date.now() + STORE_RETRY_LIMIT_MS;
  for (let delay = STORE_RETRY_FIRST_DELAY_MS; ; delay = Math.min(delay * 2, STORE_RETRY_MAX_DELAY_MS)) {
    try {
      return await save();
    } catch (error) {
      if (!isDatabaseUnreachable(error) || error instanceof DatabaseDeadlineError || Date.now() + delay > giveUpAt) throw error;
      await Bun.sleep(delay);
    }
  }
}

/** The `type` of an event without an `event:` field, read from the start of its JSON. */
function peekType(data: string): string | undefined {
  if (!data.startsWith("{")) return undefined;
  return /"type"\s*:\s*"([^"]+)"/.exec(data.slice(0, 80))?.[1];
}
