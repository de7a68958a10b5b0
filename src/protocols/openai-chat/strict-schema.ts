import type { TranslationContext } from "../../translate/types";
import { isRecord } from "../wire-values";

/**
 * J03 (and S04): OpenAI strict mode (`strict: true` on a function tool, a `json_schema`
 * response format or Responses `text.format`) takes a subset of JSON Schema: every object
 * closed (`additionalProperties: false`), every property listed in `required`, and no
 * keyword outside the supported set. A client schema that misses only the first two is
 * rewritten (optional properties become nullable); one that needs more goes with strict off.
 * The client's schema is never modified in place.
 */

/** Keywords OpenAI strict mode refuses ("… is not permitted"); a schema with one goes non-strict. */
const UNSUPPORTED_KEYWORDS = new Set([
  "allOf", "oneOf", "not", "if", "then", "else",
  "patternProperties", "propertyNames", "unevaluatedProperties", "unevaluatedItems",
  "dependentRequired", "dependentSchemas", "dependencies",
  "contains", "minContains", "maxContains", "prefixItems", "minProperties", "maxProperties",
]);

/** Keys whose value is a map of names to schemas, not one schema. */
const SCHEMA_MAPS = new Set(["properties", "$defs", "definitions"]);

/** Whether OpenAI takes the schema in strict mode as it is. */
export function isStrictCompatible(node: unknown): boolean {
  if (Array.isArray(node)) return node.every(isStrictCompatible);
  if (!isRecord(node)) return true;
  if (Object.keys(node).some((key) => UNSUPPORTED_KEYWORDS.has(key))) return false;
  if (isObjectSchema(node)) {
    const properties = isRecord(node.properties) ? Object.keys(node.properties) : [];
    const required = Array.isArray(node.required) ? node.required : [];
    if (node.additionalProperties !== false) return false;
    if (!properties.every((name) => required.includes(name))) return false;
  }
  return Object.entries(node).every(([key, value]) =>
    SCHEMA_MAPS.has(key) && isRecord(value) ? Object.values(value).every(isStrictCompatible) : isStrictCompatible(value),
  );
}

/**
 * The strict-mode form of a schema: objects closed, every property required, the optional
 * ones made nullable. Undefined when the schema uses what strict mode cannot express: a
 * refused keyword, `additionalProperties` that is `true` or a schema (a map of free keys), a
 * nested object with no properties (closing it would allow only `{}`), tuple `items`.
 */
export function toStrictSchema(schema: Record<string, unknown>): Record<string, unknown> | undefined {
  try {
    return strictNode(schema, true) as Record<string, unknown>;
  } catch (error) {
    if (error instanceof NotStrictable) return undefined;
    throw error;
  }
}

class NotStrictable extends Error {}

function strictNode(node: unknown, root: boolean): unknown {
  if (!isRecord(node)) return node;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) {
    if (UNSUPPORTED_KEYWORDS.has(key)) throw new NotStrictable(key);
    if (key === "items" && Array.isArray(value)) throw new NotStrictable("tuple items");
    if (SCHEMA_MAPS.has(key) && isRecord(value)) {
      out[key] = Object.fromEntries(Object.entries(value).map(([name, sub]) => [name, strictNode(sub, false)]));
    } else if (key === "anyOf" && Array.isArray(value)) out[key] = value.map((branch) => strictNode(branch, false));
    else if (key === "items") out[key] = strictNode(value, false);
    else out[key] = value;
  }
  if (!isObjectSchema(out)) return out;
  if (out.additionalProperties !== undefined && out.additionalProperties !== false) throw new NotStrictable("additionalProperties");
  const properties = isRecord(out.properties) ? out.properties : {};
  // A free-form nested object (`{type:"object"}`) closed would take only `{}`; the root of a
  // tool without parameters is the one place where that is what it means.
  if (!root && !isRecord(out.properties)) throw new NotStrictable("object without properties");
  const required = new Set(Array.isArray(out.required) ? out.required.filter((name): name is string => typeof name === "string") : []);
  out.properties = Object.fromEntries(Object.entries(properties).map(([name, sub]) => [name, required.has(name) ? sub : makeNullable(sub)]));
  out.required = Object.keys(properties);
  out.additionalProperties = false;
  return out;
}

/** An optional property as strict mode has it: required, and `null` where the client would omit it. */
function makeNullable(schema: unknown): unknown {
  if (!isRecord(schema) || acceptsNull(schema)) return schema;
  const type = schema.type;
  const constrained = schema.enum !== undefined || schema.const !== undefined;
  if (typeof type === "string" && !constrained) return { ...schema, type: [type, "null"] };
  if (Array.isArray(type) && !constrained) return { ...schema, type: [...type, "null"] };
  if (Array.isArray(schema.anyOf) && Object.keys(schema).length === 1) return { anyOf: [...schema.anyOf, { type: "null" }] };
  // No `type` (a `$ref`, an `anyOf` with siblings) or an enum that would not take null.
  return { anyOf: [schema, { type: "null" }] };
}

/** Whether a schema already takes `null` (so an optional property needs no change but `required`). */
export function acceptsNull(schema: Record<string, unknown>): boolean {
  if (schema.type === "null" || (Array.isArray(schema.type) && schema.type.includes("null"))) return true;
  if (schema.const === null || (Array.isArray(schema.enum) && schema.enum.includes(null))) return true;
  return Array.isArray(schema.anyOf) && schema.anyOf.some((branch) => isRecord(branch) && acceptsNull(branch));
}

export function isObjectSchema(node: Record<string, unknown>): boolean {
  return node.type === "object" || (Array.isArray(node.type) && node.type.includes("object")) || isRecord(node.properties);
}

/**
 * What goes upstream for a `strict: true` request: the schema as is when OpenAI takes it,
 * else its rewritten form, else the schema with strict off (logged). `rewritten` says that
 * optional properties became nullable, so the answer may carry `null` where the client's
 * schema has no value at all (dropped again for Anthropic clients: translate/strict-nulls.ts).
 */
export function fitStrictSchema(
  schema: Record<string, unknown>,
  ctx: Pick<TranslationContext, "warn">,
  details: Record<string, unknown>,
): { schema: Record<string, unknown>; strict: boolean; rewritten: boolean } {
  if (isStrictCompatible(schema)) return { schema, strict: true, rewritten: false };
  const rewritten = toStrictSchema(schema);
  if (rewritten) return { schema: rewritten, strict: true, rewritten: true };
  ctx.warn("strict dropped: the schema uses what OpenAI strict mode does not support", details);
  return { schema, strict: false, rewritten: false };
}

/** Remembers a tool whose schema went rewritten, for the answer's side (TranslationContext.strictNullables). */
export function noteStrictNullable(ctx: Pick<TranslationContext, "strictNullables">, upstreamName: string, clientSchema: Record<string, unknown>): void {
  (ctx.strictNullables ??= new Map()).set(upstreamName, clientSchema);
}
