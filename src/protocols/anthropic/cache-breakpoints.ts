/**
 * Prompt-cache breakpoints for OpenAI and Responses clients on Anthropic upstreams (Q04).
 *
 * OpenAI caches prompt prefixes by itself; Anthropic caches only up to blocks marked
 * `cache_control`. A Codex or OpenAI-SDK agent loop translated to Claude therefore paid the full
 * input price on every turn. This marks, within Anthropic's limit of four markers in all and
 * counting the ones the request already has: the last block of the last user turn (it caches the
 * whole prefix), the last block of the user turn before it (what the previous turn wrote, so
 * this turn reads it even when many blocks were added since), the last system block and the
 * last tool. Thinking blocks and empty text never take a marker (M12). A prefix shorter than the
 * model's minimum cacheable length is simply not cached by Anthropic; nothing fails.
 *
 * A client may place its own markers (OpenRouter's and LiteLLM's convention lets OpenAI-format
 * clients do so), some with a one-hour `ttl`. Anthropic refuses a five-minute marker placed
 * before a one-hour one ("longer TTLs must come first"), so the gateway marks nothing that
 * comes before the client's last one-hour marker: that marker already caches the whole prefix.
 */
type Json = Record<string, unknown>;

const MAX_MARKERS = 4;
const EPHEMERAL = { type: "ephemeral" } as const;

export function addCacheBreakpoints(body: Json): void {
  const system = Array.isArray(body.system) ? (body.system as Json[]) : [];
  const tools = Array.isArray(body.tools) ? (body.tools as Json[]) : [];
  const messages = Array.isArray(body.messages) ? (body.messages as Json[]) : [];
  let budget = MAX_MARKERS - countMarkers(system, tools, messages);
  if (budget <= 0) return;

  // Prompt order (tools, system, messages); a message with string content stands for its block.
  const order: unknown[] = [...tools, ...system, ...messages.flatMap((message) => (Array.isArray(message.content) ? (message.content as Json[]) : [message]))];
  const lastLong = order.findLastIndex((block) => (block as Json).cache_control && ((block as Json).cache_control as Json).ttl === "1h");
  const after = (holder: unknown): boolean => order.indexOf(holder) > lastLong;
  const lastOf = (message: Json | undefined): unknown => (Array.isArray(message?.content) ? (message.content as Json[]).at(-1) : message);

  const userTurns = messages.filter((message) => message.role === "user");
  const candidates: Array<() => boolean> = [
    () => after(lastOf(userTurns.at(-1))) && markLastBlock(userTurns.at(-1)),
    () => after(lastOf(userTurns.at(-2))) && markLastBlock(userTurns.at(-2)),
    () => after(system.at(-1)) && markBlock(system.at(-1)),
    () => after(tools.at(-1)) && markBlock(tools.at(-1)),
  ];
  for (const mark of candidates) {
    if (budget === 0) return;
    if (mark()) budget -= 1;
  }
}

function countMarkers(system: Json[], tools: Json[], messages: Json[]): number {
  let count = 0;
  for (const block of [...system, ...tools]) if (block.cache_control) count += 1;
  for (const message of messages) {
    if (Array.isArray(message.content)) for (const block of message.content as Json[]) if (block.cache_control) count += 1;
  }
  return count;
}

/** Mark a message's last block; string content becomes one text block to carry the marker. */
function markLastBlock(message: Json | undefined): boolean {
  if (!message) return false;
  if (typeof message.content === "string") {
    if (message.content.trim() === "") return false;
    message.content = [{ type: "text", text: message.content, cache_control: { ...EPHEMERAL } }];
    return true;
  }
  return Array.isArray(message.content) ? markBlock((message.content as Json[]).at(-1)) : false;
}

/** Mark one block unless it already is, cannot be (thinking), or is empty text. */
function markBlock(block: Json | undefined): boolean {
  if (!block || block.cache_control) return false;
  if (block.type === "thinking" || block.type === "redacted_thinking") return false;
  if (block.type === "text" && (typeof block.text !== "string" || block.text.trim() === "")) return false;
  block.cache_control = { ...EPHEMERAL };
  return true;
}
