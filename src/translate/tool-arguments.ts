import type { CanonicalEvent, ContentPart } from "../canonical/types";

/**
 * Tool-call arguments travel as JSON text in the hub (and in OpenAI), but Anthropic's
 * `tool_use.input` must be a JSON object. Models behind OpenAI-compatible APIs return
 * truncated JSON, code fences, or `""` (H06), and some return an object (H07).
 */

/** Arguments in any upstream shape → JSON text (H07: objects are re-serialised). */
export function normalizeArgumentsText(value: unknown): string {
  if (typeof value === "string") return value;
  if (value === undefined || value === null) return "";
  return JSON.stringify(value);
}

/**
 * JSON text → an object for Anthropic `input`: strict parse, then a tolerant repair (strip
 * code fences, close open strings and brackets); anything that is still not an object is `{}`
 * (H06: never wrap it as `{"raw": …}`, which makes the client call the tool with a bogus field).
 */
export function parseArgumentsObject(text: string): { value: Record<string, unknown>; repaired: boolean } {
  const trimmed = text.trim();
  if (trimmed === "") return { value: {}, repaired: false };
  const direct = tryParseObject(trimmed);
  if (direct) return { value: direct, repaired: false };
  const unfenced = trimmed.replace(/^```(?:json)?\s*/i, "").replace(/\s*```$/, "");
  const repaired = tryParseObject(unfenced) ?? tryParseObject(closeJson(unfenced));
  return { value: repaired ?? {}, repaired: true };
}

function tryParseObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** Close an unterminated string and the brackets still open (output cut by max_tokens). */
function closeJson(text: string): string {
  const stack: string[] = [];
  let inString = false;
  let escaped = false;
  for (const ch of text) {
    if (inString) {
      if (escaped) escaped = false;
      else if (ch === "\\") escaped = true;
      else if (ch === '"') inString = false;
      continue;
    }
    if (ch === '"') inString = true;
    else if (ch === "{") stack.push("}");
    else if (ch === "[") stack.push("]");
    else if (ch === "}" || ch === "]") stack.pop();
  }
  let out = text;
  if (inString) out += '"';
  out = out.replace(/[,:]\s*$/, "");
  return out + stack.reverse().join("");
}

/**
 * A function call without arguments is `"{}"` in OpenAI's answers. Anthropic streams a
 * zero-argument `tool_use` as `input: {}` and no (or one empty) `input_json_delta`, and some
 * Chat servers send `arguments: ""`; passed on as `""`, the OpenAI SDKs' and Codex's
 * `JSON.parse` of the arguments fails. Custom (freeform) input may be empty and is kept.
 */
export function fillEmptyArguments<T extends ContentPart>(part: T): T {
  if (part.type !== "tool_call" || part.kind !== "function" || part.arguments.trim() !== "") return part;
  return { ...part, arguments: "{}" };
}

/** The same for a stream: a function call whose block closes without a fragment gets `{}`. */
export function createEmptyArgumentsFiller(): (event: CanonicalEvent) => CanonicalEvent[] {
  /** Open function calls that have not had a non-blank fragment yet. */
  const empty = new Set<number>();
  return (event) => {
    if (event.type === "block_start" && event.block.type === "tool_call" && event.block.kind === "function") empty.add(event.index);
    else if (event.type === "tool_args_delta" && event.fragment.trim() !== "") empty.delete(event.index);
    else if (event.type === "block_stop" && empty.delete(event.index)) return [{ type: "tool_args_delta", index: event.index, fragment: "{}" }, event];
    return [event];
  };
}
