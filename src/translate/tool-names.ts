/**
 * Tool names across protocols (translation-edge-cases S02, S03).
 *
 * S02: OpenAI and Anthropic accept tool names matching `^[a-zA-Z0-9_-]{1,64}$` only, and
 * Claude Code's MCP tools (`mcp__<server>__<tool>`) easily pass 64 characters or carry dots. A
 * name outside the rule is rewritten deterministically for the upstream (other characters
 * become `_`; a name still too long, or one that would collide, is cut and gets a short hash),
 * and the model's calls are mapped back, so the client only ever sees its own names.
 *
 * S03: models other than Claude sometimes answer with `bash` for `Bash`, or `functions.Read`.
 * A returned name that matches no tool sent upstream is repaired by a case-insensitive match,
 * then with a `functions.` prefix stripped, before it reaches the client (which rejects unknown
 * tools and fails the turn).
 *
 * Namespaced tools (Codex, S11) reach other protocols flattened to `<namespace>__<child>`,
 * which passes 64 characters as easily (`mcp__<server>` namespaces): their flat names are
 * rewritten the same way for a Chat or Anthropic upstream, and mapped back to the flat name,
 * from which the Responses encoders restore the namespace. A Responses upstream keeps
 * namespaces as they are (its children are the client's own names).
 */
import { createHash } from "node:crypto";
import type { CanonicalEvent, CanonicalRequest, ContentPart, Message, Protocol, Tool } from "../canonical/types";

const VALID_NAME = /^[a-zA-Z0-9_-]{1,64}$/;
const MAX_NAME = 64;

/** What the response side needs: the names sent upstream, and the originals of those rewritten. */
export interface ToolNames {
  /** Upstream name → the client's name, for the names that were rewritten. */
  toClient: Map<string, string>;
  /** Every tool name the upstream was given. */
  sent: Set<string>;
  /** Lower-cased sent name → sent name, for names that are unique when case is ignored. */
  folded: Map<string, string>;
}

/** Names a request uses: its declared tools, its tool choice, and the calls in its history. */
function namesIn(request: CanonicalRequest, flat: boolean): string[] {
  const names: string[] = [];
  for (const tool of request.tools) if (tool.kind !== "builtin" && (flat || tool.namespace === undefined)) names.push(tool.name);
  if (request.toolChoice?.type === "tool") names.push(request.toolChoice.name);
  for (const message of request.messages) {
    for (const part of message.content) if (part.type === "tool_call" && (flat || part.namespace === undefined)) names.push(part.name);
  }
  return names;
}

function safeName(name: string, taken: Set<string>): string {
  const cleaned = name.replace(/[^a-zA-Z0-9_-]/g, "_") || "tool";
  if (cleaned.length <= MAX_NAME && !taken.has(cleaned)) return cleaned;
  const suffix = `_${createHash("sha256").update(name).digest("hex").slice(0, 8)}`;
  return cleaned.slice(0, MAX_NAME - suffix.length) + suffix;
}

/**
 * The request with every tool name the upstream would refuse rewritten, and the map to read its
 * answer back. Without tools the request comes back as it was and the map is undefined.
 * `upstreamProtocol` decides whether namespaced tools go up flattened (every protocol but Responses).
 */
export function prepareToolNames(request: CanonicalRequest, upstreamProtocol: Protocol): { request: CanonicalRequest; names?: ToolNames } {
  const flat = upstreamProtocol !== "openai-responses";
  const used = namesIn(request, flat);
  if (used.length === 0) return { request };
  const toUpstream = new Map<string, string>();
  const taken = new Set(used.filter((name) => VALID_NAME.test(name)));
  for (const name of used) {
    if (VALID_NAME.test(name) || toUpstream.has(name)) continue;
    const renamed = safeName(name, taken);
    taken.add(renamed);
    toUpstream.set(name, renamed);
  }
  const names: ToolNames = { toClient: new Map([...toUpstream].map(([client, upstream]) => [upstream, client])), sent: taken, folded: new Map() };
  const ambiguous = new Set<string>();
  for (const name of taken) {
    const lower = name.toLowerCase();
    if (names.folded.has(lower)) ambiguous.add(lower);
    names.folded.set(lower, name);
  }
  for (const lower of ambiguous) names.folded.delete(lower);
  if (toUpstream.size === 0) return { request, names };
  const rename = (name: string) => toUpstream.get(name) ?? name;
  return { request: renameRequest(request, rename, flat), names };
}

function renameRequest(request: CanonicalRequest, rename: (name: string) => string, flat: boolean): CanonicalRequest {
  const tools = request.tools.map((tool): Tool => (tool.kind === "builtin" || (!flat && tool.namespace !== undefined) ? tool : { ...tool, name: rename(tool.name) }));
  const messages = request.messages.map((message): Message => {
    if (!message.content.some((part) => part.type === "tool_call")) return message;
    return {
      ...message,
      content: message.content.map((part): ContentPart => (part.type === "tool_call" && (flat || part.namespace === undefined) ? { ...part, name: rename(part.name) } : part)),
    };
  });
  const toolChoice = request.toolChoice?.type === "tool" ? { ...request.toolChoice, name: rename(request.toolChoice.name) } : request.toolChoice;
  return { ...request, tools, messages, ...(toolChoice ? { toolChoice } : {}) };
}

/** The client's name for a tool the upstream called (S02 mapped back, S03 repaired). */
export function clientToolName(name: string, names: ToolNames | undefined): string {
  if (!names) return name;
  const sent = names.sent.has(name) ? name : repair(name, names);
  return names.toClient.get(sent) ?? sent;
}

function repair(name: string, names: ToolNames): string {
  const unprefixed = name.startsWith("functions.") ? name.slice("functions.".length) : name;
  for (const candidate of [name, unprefixed]) {
    if (names.sent.has(candidate)) return candidate;
    const folded = names.folded.get(candidate.toLowerCase());
    if (folded) return folded;
  }
  return name;
}

/** Tool calls in an upstream answer, under the client's names. */
export function restoreToolNamesInContent(content: ContentPart[], names: ToolNames | undefined): ContentPart[] {
  if (!names) return content;
  return content.map((part) => {
    if (part.type !== "tool_call" || part.namespace !== undefined) return part;
    const name = clientToolName(part.name, names);
    return name === part.name ? part : { ...part, name };
  });
}

/** A stream event with a tool call's name as the client knows it. */
export function restoreToolNameInEvent(event: CanonicalEvent, names: ToolNames | undefined): CanonicalEvent {
  if (!names || event.type !== "block_start" || event.block.type !== "tool_call" || event.block.namespace !== undefined) return event;
  const name = clientToolName(event.block.name, names);
  return name === event.block.name ? event : { ...event, block: { ...event.block, name } };
}
