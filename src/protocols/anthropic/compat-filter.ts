/**
 * Q05: a Messages request (or count_tokens) fitted to an Anthropic-compatible vendor's profile
 * (providers/anthropic-compat.ts). Copy on write: the same object comes back when nothing needs
 * changing, so a native request still goes upstream as the client's own bytes.
 */
import { mapEffortToBudget, MIN_THINKING_BUDGET } from "../../canonical/reasoning-effort";
import type { AnthropicCompat } from "../../providers/anthropic-compat";
import { isRecord } from "../wire-values";

type Json = Record<string, unknown>;


/** What the filter changed, for the request log. */
export interface CompatFilterResult {
  body: Json;
  /** Names of what changed (`cache_control`, `thinking`, `empty_text`, `tool_ids`); empty: body is the input. */
  changed: string[];
}

const VALID_TOOL_ID = /^[a-zA-Z0-9_-]+$/;

/**
 * H01: an id Anthropic's pattern refuses, made valid deterministically, so a tool_use and its
 * tool_result (rewritten apart) get the same new id. A hash of the original keeps ids that differ
 * only in invalid characters (`a.b`, `a:b`) apart.
 */
export function sanitizeToolId(id: string): string {
  if (id === "" || VALID_TOOL_ID.test(id)) return id;
  let hash = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) hash = Math.imul(hash ^ id.charCodeAt(i), 0x01000193) >>> 0;
  return `${id.replace(/[^a-zA-Z0-9_-]/g, "_")}_${hash.toString(16).padStart(8, "0")}`;
}

export function applyAnthropicCompat(body: Json, compat: AnthropicCompat): CompatFilterResult {
  const changed = new Set<string>();
  const out: Json = { ...body };
  const note = (what: string) => changed.add(what);

  if (compat.dropCacheControl && "cache_control" in out) {
    delete out.cache_control;
    note("cache_control");
  }
  if (Array.isArray(body.system)) {
    const system = filterBlocks(body.system, compat, note);
    if (system !== body.system) {
      if (system.length > 0) out.system = system;
      else delete out.system;
    }
  }
  if (compat.dropCacheControl && Array.isArray(body.tools)) {
    const tools = mapChanged(body.tools, (tool) => withoutCacheControl(tool, note));
    if (tools !== body.tools) out.tools = tools;
  }
  if (Array.isArray(body.messages)) {
    let messagesChanged = false;
    const messages: unknown[] = [];
    for (const message of body.messages) {
      if (!isRecord(message) || !Array.isArray(message.content)) {
        messages.push(message);
        continue;
      }
      const content = filterBlocks(message.content, compat, note);
      if (content === message.content) messages.push(message);
      else {
        messagesChanged = true;
        // A turn left with nothing is left out: Anthropic-style servers refuse empty content.
        if (content.length > 0) messages.push({ ...message, content });
      }
    }
    if (messagesChanged) out.messages = messages;
  }
  if (compat.thinkingAdaptiveToEnabled && isRecord(body.thinking) && body.thinking.type === "adaptive") {
    const thinking = enabledThinkingFor(body);
    if (thinking) out.thinking = thinking;
    else delete out.thinking;
    note("thinking");
  }
  return changed.size === 0 ? { body, changed: [] } : { body: out, changed: [...changed] };
}

/**
 * K02: adaptive thinking as a budget: the effort Claude Code names in `output_config.effort`
 * (medium when none) on the shared table, kept below `max_tokens` as budgets must be. When even
 * the smallest budget does not fit, thinking is left out rather than refused upstream.
 */
function enabledThinkingFor(body: Json): Json | undefined {
  const effort = isRecord(body.output_config) && typeof body.output_config.effort === "string" ? body.output_config.effort : "medium";
  let budget = mapEffortToBudget(effort);
  if (typeof body.max_tokens === "number") budget = Math.min(budget, body.max_tokens - 1);
  return budget >= MIN_THINKING_BUDGET ? { type: "enabled", budget_tokens: budget } : undefined;
}

type Note = (what: string) => void;

/** A content block list (system, message, tool result) with the profile applied; the same array when unchanged. */
function filterBlocks(blocks: unknown[], compat: AnthropicCompat, note: Note): unknown[] {
  let changed = false;
  const out: unknown[] = [];
  for (const block of blocks) {
    if (compat.dropEmptyTextBlocks && isRecord(block) && block.type === "text" && typeof block.text === "string" && block.text.trim() === "") {
      note("empty_text");
      changed = true;
      continue;
    }
    const next = filterBlock(block, compat, note);
    if (next !== block) changed = true;
    out.push(next);
  }
  return changed ? out : blocks;
}

function filterBlock(block: unknown, compat: AnthropicCompat, note: Note): unknown {
  if (!isRecord(block)) return block;
  let out = compat.dropCacheControl ? withoutCacheControl(block, note) : block;
  const copy = () => (out === block ? (out = { ...block }) : out) as Json;
  if (compat.sanitizeToolIds) {
    if (block.type === "tool_use" && typeof block.id === "string" && sanitizeToolId(block.id) !== block.id) {
      copy().id = sanitizeToolId(block.id);
      note("tool_ids");
    }
    if (typeof block.tool_use_id === "string" && sanitizeToolId(block.tool_use_id) !== block.tool_use_id) {
      copy().tool_use_id = sanitizeToolId(block.tool_use_id);
      note("tool_ids");
    }
  }
  if (block.type === "tool_result" && Array.isArray(block.content)) {
    const content = filterBlocks(block.content, compat, note);
    if (content !== block.content) {
      if (content.length > 0) copy().content = content;
      else delete copy().content;
    }
  }
  return out;
}

function withoutCacheControl(value: unknown, note: Note): unknown {
  if (!isRecord(value) || !("cache_control" in value)) return value;
  const { cache_control: _dropped, ...rest } = value;
  note("cache_control");
  return rest;
}

function mapChanged(items: unknown[], map: (item: unknown) => unknown): unknown[] {
  let changed = false;
  const out = items.map((item) => {
    const next = map(item);
    if (next !== item) changed = true;
    return next;
  });
  return changed ? out : items;
}
