import type { CanonicalEvent, ContentPart } from "../canonical/types";
import { isRecord } from "../protocols/wire-values";
import { acceptsNull } from "../protocols/openai-chat/strict-schema";

/**
 * J03, answer side: a strict tool whose schema the gateway rewrote for OpenAI has its optional
 * properties required and nullable, so the model sends `"key": null` where the client's schema
 * has the key optional and not nullable. For an Anthropic client (whose tool input is checked
 * against its own schema) those keys are dropped again: the input is what its schema allows.
 * A `null` the client's schema does take, or one for a required key, is kept.
 */

const MAX_DEPTH = 32;

/** The value with the `null`s of optional, non-nullable properties of `schema` removed (a copy). */
export function dropOptionalNulls(value: unknown, schema: Record<string, unknown>): unknown {
  const defs = { ...asRecord(schema.definitions), ...asRecord(schema.$defs) };
  return clean(value, schema, defs, 0);
}

function clean(value: unknown, schema: unknown, defs: Record<string, unknown>, depth: number): unknown {
  if (!isRecord(schema) || depth > MAX_DEPTH) return value;
  if (typeof schema.$ref === "string") return clean(value, defs[schema.$ref.replace(/^#\/(\$defs|definitions)\//, "")], defs, depth + 1);
  if (Array.isArray(value)) return isRecord(schema.items) ? value.map((item) => clean(item, schema.items, defs, depth + 1)) : value;
  if (!isRecord(value)) return value;
  if (!isRecord(schema.properties)) {
    // An object in an `anyOf`: cleaned by the first branch that names all its keys.
    const branch = Array.isArray(schema.anyOf) ? schema.anyOf.find((b) => coversKeys(b, value, defs)) : undefined;
    return branch === undefined ? value : clean(value, branch, defs, depth + 1);
  }
  const properties = schema.properties;
  const required = Array.isArray(schema.required) ? schema.required : [];
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    const sub = properties[key];
    if (item === null && !required.includes(key) && isRecord(sub) && !acceptsNull(resolve(sub, defs))) continue;
    out[key] = clean(item, sub, defs, depth + 1);
  }
  return out;
}

function coversKeys(branch: unknown, value: Record<string, unknown>, defs: Record<string, unknown>): boolean {
  const resolved = isRecord(branch) ? resolve(branch, defs) : undefined;
  return isRecord(resolved?.properties) && Object.keys(value).every((key) => key in (resolved.properties as Record<string, unknown>));
}

function resolve(schema: Record<string, unknown>, defs: Record<string, unknown>): Record<string, unknown> {
  if (typeof schema.$ref !== "string") return schema;
  const target = defs[schema.$ref.replace(/^#\/(\$defs|definitions)\//, "")];
  return isRecord(target) ? target : schema;
}

/** Tool-call arguments (JSON text) cleaned for the tool's client schema; left alone when not a JSON object. */
export function cleanStrictArguments(args: string, schema: Record<string, unknown>): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(args);
  } catch {
    return args;
  }
  return isRecord(parsed) ? JSON.stringify(dropOptionalNulls(parsed, schema)) : args;
}

/** The non-streamed answer's content. */
export function cleanStrictToolCalls(content: ContentPart[], schemas: Map<string, Record<string, unknown>>): ContentPart[] {
  return content.map((part) => {
    const schema = part.type === "tool_call" && part.kind === "function" ? schemas.get(part.name) : undefined;
    return schema && part.type === "tool_call" ? { ...part, arguments: cleanStrictArguments(part.arguments, schema) } : part;
  });
}

/**
 * The stream's form: the arguments of a rewritten tool's call are held until its block closes
 * and sent as one cleaned fragment (a key's `null` is known only once its value is complete).
 * Every other block streams as it comes (SA04).
 */
export function createStrictNullsCleaner(schemas: Map<string, Record<string, unknown>>): (event: CanonicalEvent) => CanonicalEvent[] {
  const held = new Map<number, { schema: Record<string, unknown>; text: string }>();
  return (event) => {
    if (event.type === "block_start" && event.block.type === "tool_call" && event.block.kind === "function") {
      const schema = schemas.get(event.block.name);
      if (schema) held.set(event.index, { schema, text: "" });
    } else if (event.type === "tool_args_delta" && held.has(event.index)) {
      held.get(event.index)!.text += event.fragment;
      return [];
    } else if (event.type === "block_stop" && held.has(event.index)) {
      const { schema, text } = held.get(event.index)!;
      held.delete(event.index);
      return [{ type: "tool_args_delta", index: event.index, fragment: cleanStrictArguments(text, schema) }, event];
    }
    return [event];
  };
}

function asRecord(value: unknown): Record<string, unknown> {
  return isRecord(value) ? value : {};
}
