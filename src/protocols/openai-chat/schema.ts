/**
 * Tool JSON Schemas made acceptable to OpenAI-compatible upstreams (S04–S07). The client's
 * schema is never modified in place.
 */
import { isRecord } from "../wire-values";

/** Meta keywords OpenAI does not need and some validators reject (S04). */
const META_KEYWORDS = new Set(["$schema", "$id", "$comment"]);

/**
 * The schema OpenAI accepts: meta keywords stripped (S04), `type:"object"` and `properties:{}`
 * added to object schemas that lack them (S05), recursively.
 */
export function normalizeToolSchema(schema: Record<string, unknown>): Record<string, unknown> {
  const out = cleanNode(schema) as Record<string, unknown>;
  if (out.type === undefined && out.anyOf === undefined && out.oneOf === undefined && out.$ref === undefined) out.type = "object";
  if (out.type === "object" && !isRecord(out.properties)) out.properties = {};
  return out;
}

function cleanNode(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(cleanNode);
  if (!isRecord(node)) return node;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) {
    if (META_KEYWORDS.has(key)) continue;
    // Keys of `properties`/`$defs` are names, not keywords: clean their values only.
    if ((key === "properties" || key === "$defs" || key === "definitions") && isRecord(value)) {
      out[key] = Object.fromEntries(Object.entries(value).map(([name, sub]) => [name, cleanNode(sub)]));
    } else out[key] = cleanNode(value);
  }
  if (out.type === "object" && !isRecord(out.properties) && out.additionalProperties === undefined) out.properties = {};
  return out;
}

/** Keywords Gemini's OpenAI-compatible endpoint rejects (S06). */
const GEMINI_UNSUPPORTED = new Set(["additionalProperties", "default", "exclusiveMinimum", "exclusiveMaximum", "$defs", "definitions", "examples", "patternProperties", "propertyNames", "unevaluatedProperties"]);
const GEMINI_FORMATS = new Set(["enum", "date-time"]);
const MAX_REF_DEPTH = 8;

/**
 * S06/S07: Gemini's restricted dialect: `$ref`s inlined from `$defs` (depth-limited for
 * recursive schemas), `const` → one-value `enum`, unsupported keywords and formats removed.
 */
export function sanitizeSchemaForGemini(schema: Record<string, unknown>): Record<string, unknown> {
  const defs = { ...(isRecord(schema.definitions) ? schema.definitions : {}), ...(isRecord(schema.$defs) ? schema.$defs : {}) };
  return sanitizeGeminiNode(schema, defs, 0) as Record<string, unknown>;
}

function sanitizeGeminiNode(node: unknown, defs: Record<string, unknown>, depth: number): unknown {
  if (Array.isArray(node)) return node.map((n) => sanitizeGeminiNode(n, defs, depth));
  if (!isRecord(node)) return node;
  if (typeof node.$ref === "string") {
    const name = node.$ref.replace(/^#\/(\$defs|definitions)\//, "");
    const target = defs[name];
    // A recursive schema stops at an open object rather than looping forever.
    if (!isRecord(target) || depth >= MAX_REF_DEPTH) return { type: "object" };
    return sanitizeGeminiNode(target, defs, depth + 1);
  }
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) {
    if (GEMINI_UNSUPPORTED.has(key) || META_KEYWORDS.has(key)) continue;
    if (key === "const") out.enum = [value];
    else if (key === "format") {
      if (typeof value === "string" && GEMINI_FORMATS.has(value)) out.format = value;
    } else if (key === "properties" && isRecord(value)) {
      out.properties = Object.fromEntries(Object.entries(value).map(([name, sub]) => [name, sanitizeGeminiNode(sub, defs, depth)]));
    } else out[key] = sanitizeGeminiNode(value, defs, depth);
  }
  // S06: Gemini rejects empty `properties:{}` objects.
  if (isRecord(out.properties) && Object.keys(out.properties).length === 0) delete out.properties;
  return out;
}

