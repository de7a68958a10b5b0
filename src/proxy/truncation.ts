/**
 * R09: `truncation: "auto"` on a Responses request the gateway translates (to Claude or a Chat
 * model). OpenAI's contract (API reference, `truncation`): "If the input to this Response exceeds
 * the model's context window size, the model will truncate the response to fit the context window
 * by dropping items from the beginning of the conversation"; with "disabled" (the default) such a
 * request fails with a 400. Neither Anthropic nor Chat has the option, so the gateway applies it:
 *  - the upstream request as built (its history from previous_response_id already expanded) is
 *    estimated with the ledger's tokenizer, plus the output room it asks (`max_tokens`);
 *  - over the model's context window (model-capabilities.ts), the oldest whole turns are dropped:
 *    a turn runs from a user message to the next, so tool calls with their results and
 *    reasoning items go with the turn they belong to. System and developer messages stay (they
 *    are the instructions), as does the last user turn with everything after it;
 *  - what still does not fit is OpenAI's 400 `context_length_exceeded` (E04), which makes Codex
 *    compact.
 * A model whose window neither the table nor an earlier refusal gave is sent as asked; when its
 * provider refuses it as too long, the refusal names the window (context-window-refusals.ts) and
 * the request goes again, trimmed to it (handle-request.ts). A request that cannot be fitted to
 * one target of its route is tried on the next. `input_tokens` counts the input as trimmed. A
 * native OpenAI Responses route never comes here: OpenAI applies the field itself.
 */
import { GatewayError } from "../errors/gateway-error";
import { loadEstimators } from "../ledger/estimators-lazy";
import { type Item, normaliseInputItems } from "../responses-store/items";
import { capabilitiesOf } from "../translate/model-capabilities";
import type { ModelRequest } from "./types";
import type { PreparedAttempt } from "./upstream-request";

/** Whether this attempt is a translated Responses request asking the server to truncate. */
export function truncatesInput(request: ModelRequest, attempt: PreparedAttempt): boolean {
  // input_tokens takes `truncation` too, and counts what would be sent after it.
  const responses = request.operation === "openai-responses" || request.operation === "openai-responses-input-tokens";
  return responses && request.body.truncation === "auto" && attempt.translator !== undefined;
}

/** A request and the attempt built from it. */
export interface FittedAttempt {
  request: ModelRequest;
  attempt: PreparedAttempt;
}

/**
 * The request with its oldest turns dropped until the upstream body fits the model's context
 * window; `rebuild` builds the attempt again from a trimmed request (prepareAttempt). The
 * estimate of what a turn frees is of its Responses items, the check of the rebuilt upstream
 * body: when the two disagree, another round drops more.
 */
export async function fitContextWindow(request: ModelRequest, attempt: PreparedAttempt, rebuild: (request: ModelRequest) => PreparedAttempt, learnedWindow?: number): Promise<FittedAttempt> {
  const window = smallerOf(capabilitiesOf(attempt.context).contextWindow, learnedWindow);
  if (window === undefined) return { request, attempt };
  const room = outputRoomOf(attempt.bodyObject);
  // Every token covers at least one byte of text (and the estimate counts an image as fewer
  // tokens than its base64 bytes), so a body whose UTF-8 size fits needs no tokenizing: the
  // common case, where running the tokenizer over a long history would stall the event loop.
  if (utf8Bytes(attempt.body) + room <= window) return { request, attempt };
  const estimators = await loadEstimators();
  const tokensOf = (items: Item[]) => estimators.estimateInputTokens("openai-responses", { input: items });
  let current: FittedAttempt = { request, attempt };
  let input = normaliseInputItems(request.body.input);
  for (;;) {
    const estimate = estimators.estimateInputTokens(attempt.target.upstreamProtocol, current.attempt.bodyObject);
    const excess = estimate + room - window;
    if (excess <= 0) return current;
    const trimmed = dropOldestTurns(input, excess, tokensOf);
    if (trimmed.length === input.length) throw contextLengthExceeded(window, estimate, room);
    input = trimmed;
    const body = { ...request.body, input };
    const next = { ...request, body, rawBody: JSON.stringify(body) };
    current = { request: next, attempt: rebuild(next) };
  }
}

/** The window to fit: the table's, or the provider's own word when it named a smaller one (context-window-refusals.ts). */
function smallerOf(tabled: number | undefined, learned: number | undefined): number | undefined {
  if (tabled === undefined) return learned;
  return learned === undefined ? tabled : Math.min(tabled, learned);
}

function utf8Bytes(body: string | Uint8Array): number {
  return typeof body === "string" ? Buffer.byteLength(body) : body.byteLength;
}

/** The output the upstream body asks room for: its cap (Anthropic's `max_tokens` holds any thinking budget); none named, none. */
function outputRoomOf(body: Record<string, unknown>): number {
  for (const field of ["max_tokens", "max_completion_tokens"]) if (typeof body[field] === "number") return body[field] as number;
  return 0;
}

/** E04 in OpenAI's words: the code Codex reads to compact instead of retrying. */
function contextLengthExceeded(window: number, estimate: number, room: number): GatewayError {
  return new GatewayError(
    "invalid_request",
    400,
    `This model's maximum context length is ${window} tokens. However, your input is about ${estimate} tokens (estimated) with ${room} tokens of output room, and truncation can drop no more of it: the instructions and the last user turn are always kept. Shorten the input or compact the conversation.`,
    { param: "input", upstreamCode: "context_length_exceeded" },
  );
}

/**
 * The trimming rule (pure): drop the oldest whole turns, together freeing at least `excess`
 * tokens by `tokensOf`, or every turn but the last when they cannot. System and developer
 * messages of dropped turns stay in place. Nothing to drop: the same list back.
 */
export function dropOldestTurns(items: readonly Item[], excess: number, tokensOf: (items: Item[]) => number): Item[] {
  const starts = turnStarts(items).filter((start) => start > 0);
  let cut = 0;
  let freed = 0;
  for (const start of starts) {
    if (freed >= excess) break;
    freed += tokensOf(items.slice(cut, start).filter((item) => !isInstruction(item)));
    cut = start;
  }
  const kept = items.slice(0, cut).filter(isInstruction);
  if (kept.length === cut) return items as Item[];
  return [...kept, ...items.slice(cut)];
}

/**
 * Where turns begin: each user message, except one that sits between a tool call and its
 * result (cutting there would leave a result without its call, which both Anthropic and Chat
 * refuse). A call whose result never comes (a hosted tool's) holds nothing open.
 */
export function turnStarts(items: readonly Item[]): number[] {
  const answered = new Set<unknown>();
  for (const item of items) if (isToolResult(item)) answered.add(item.call_id);
  const open = new Set<unknown>();
  const starts: number[] = [];
  for (const [index, item] of items.entries()) {
    if (isToolResult(item)) open.delete(item.call_id);
    else if (isToolCall(item) && answered.has(item.call_id)) open.add(item.call_id);
    else if (open.size === 0 && item?.type === "message" && item.role === "user") starts.push(index);
  }
  return starts;
}

/** System and developer messages: the instructions, never dropped. */
function isInstruction(item: Item): boolean {
  return item?.type === "message" && (item.role === "system" || item.role === "developer");
}

/** function_call, custom_tool_call, local_shell_call, computer_call, shell_call...: answered by `<type>_output`. */
function isToolCall(item: Item): boolean {
  return typeof item?.type === "string" && item.type.endsWith("_call") && item.call_id !== undefined;
}

function isToolResult(item: Item): boolean {
  return typeof item?.type === "string" && item.type.endsWith("_call_output") && item.call_id !== undefined;
}
