import { isRecord } from "../wire-values";

/**
 * J01 on Claude: structured outputs (`output_config.format`, and `strict: true` tools, which
 * share its grammar) take a subset of JSON Schema, and Anthropic answers a schema outside it with
 * a 400 (`output_format.schema: For 'integer' type, property 'minimum' is not supported`; an
 * object whose `additionalProperties` is not `false`). OpenAI's strict mode takes much more
 * (`minimum`, `maxLength`, `maxItems`, `pattern`, any `format`), so a schema that works with
 * `chat.completions.parse()` on GPT failed on Claude. The schema is fitted the way Anthropic's
 * own SDKs fit a schema (`transformJSONSchema` in @anthropic-ai/sdk): the keywords the grammar
 * takes stay, every object is closed, `oneOf` becomes `anyOf`, and the other constraints move
 * into the node's `description` as text, so the model still reads them. The client's schema is
 * never modified in place.
 */

/** String formats the grammar takes (Anthropic's list); others move into the description. */
const SUPPORTED_FORMATS = new Set(["date-time", "time", "date", "duration", "email", "hostname", "uri", "ipv4", "ipv6", "uuid"]);

/** Keywords whose meaning closing an object or dropping into text would change; such a schema is not fitted. */
const INEXPRESSIBLE_KEYWORDS = new Set(["patternProperties", "unevaluatedProperties", "propertyNames", "prefixItems", "not", "if", "then", "else"]);

class NotFittable extends Error {}

/**
 * The schema in the form Anthropic's structured outputs take, or undefined when the grammar cannot
 * express it: a recursive or non-local `$ref`, an object open to free keys (`additionalProperties`
 * true or a schema, a nested object without properties), tuple `items`, a node with no type and no
 * `anyOf`/`allOf`/`enum`/`const`/`$ref`, a boolean schema. The caller then keeps the client's
 * schema without the grammar (a forced tool, or a tool without `strict`).
 */
export function fitAnthropicOutputSchema(schema: Record<string, unknown>): Record<string, unknown> | undefined {
  try {
    const fitted = fitNode(schema, true);
    return hasRecursiveReference(fitted) ? undefined : fitted;
  } catch (error) {
    if (error instanceof NotFittable) return undefined;
    throw error;
  }
}

function fitNode(node: unknown, root: boolean): Record<string, unknown> {
  if (!isRecord(node)) throw new NotFittable("boolean schema");
  const rest: Record<string, unknown> = { ...node };
  const out: Record<string, unknown> = {};
  for (const key of ["$defs", "definitions"]) {
    const defs = take(rest, key);
    if (defs === undefined) continue;
    if (!isRecord(defs)) throw new NotFittable(key);
    out[key] = Object.fromEntries(Object.entries(defs).map(([name, sub]) => [name, fitNode(sub, false)]));
  }
  const ref = take(rest, "$ref");
  if (ref !== undefined) {
    if (typeof ref !== "string" || !/^#\/(\$defs|definitions)\/[^/]+$/.test(ref)) throw new NotFittable("$ref");
    // Siblings of a `$ref` are ignored by JSON Schema draft 7 and refused by the grammar.
    return { ...out, $ref: ref };
  }
  // `nullable: true` (OpenAPI's spelling, which the openai SDK's zod helper writes) is a union with null.
  if (take(rest, "nullable") === true) return { ...out, anyOf: [fitNode(rest, root), { type: "null" }] };
  delete rest.$schema;
  if (Object.keys(rest).some((key) => INEXPRESSIBLE_KEYWORDS.has(key))) throw new NotFittable("keyword");

  if (Array.isArray(rest.enum) && rest.enum.length > 0 && rest.enum.every(isPrimitive)) out.enum = take(rest, "enum");
  if (rest.const !== undefined && isPrimitive(rest.const)) out.const = take(rest, "const");
  const literal = "enum" in out || "const" in out;
  const type = take(rest, "type");
  const anyOf = take(rest, "anyOf") ?? take(rest, "oneOf");
  const allOf = take(rest, "allOf");
  if (Array.isArray(anyOf)) out.anyOf = anyOf.map((branch) => fitNode(branch, false));
  else if (Array.isArray(allOf)) out.allOf = allOf.map((branch) => fitNode(branch, false));
  else if (!literal) {
    if (type === undefined) throw new NotFittable("no type");
    out.type = type;
  }
  for (const key of ["description", "title"]) {
    const value = take(rest, key);
    if (value !== undefined) out[key] = value;
  }
  const types = literal ? [] : Array.isArray(type) ? type : [type];
  if (types.includes("object")) fitObject(rest, out, root);
  if (types.includes("string")) {
    const format = take(rest, "format");
    if (typeof format === "string" && SUPPORTED_FORMATS.has(format)) out.format = format;
    else if (format !== undefined) rest.format = format;
  }
  if (types.includes("array")) {
    const items = take(rest, "items");
    if (Array.isArray(items)) throw new NotFittable("tuple items");
    if (items !== undefined) out.items = fitNode(items, false);
    const minItems = take(rest, "minItems");
    if (minItems === 0 || minItems === 1) out.minItems = minItems;
    else if (minItems !== undefined) rest.minItems = minItems;
  }
  // What the grammar does not take stays readable to the model (`{minimum: 0, maxLength: 40}`).
  const leftover = Object.entries(rest);
  if (leftover.length > 0) {
    const constraints = `{${leftover.map(([key, value]) => `${key}: ${JSON.stringify(value)}`).join(", ")}}`;
    out.description = typeof out.description === "string" && out.description !== "" ? `${out.description}\n\n${constraints}` : constraints;
  }
  return out;
}

/** An object node: properties fitted, closed; open ones (free keys) cannot be expressed. */
function fitObject(rest: Record<string, unknown>, out: Record<string, unknown>, root: boolean): void {
  const additional = take(rest, "additionalProperties");
  if (additional !== undefined && additional !== false) throw new NotFittable("additionalProperties");
  const properties = take(rest, "properties");
  // A nested `{type:"object"}` means any object; closed it would take only `{}`. At the root (a
  // tool without parameters) `{}` is what it means.
  if (properties === undefined && !root) throw new NotFittable("object without properties");
  if (properties !== undefined && !isRecord(properties)) throw new NotFittable("properties");
  out.properties = Object.fromEntries(Object.entries(properties ?? {}).map(([name, sub]) => [name, fitNode(sub, false)]));
  out.additionalProperties = false;
  const required = take(rest, "required");
  if (required !== undefined) out.required = required;
}

/** Whether a definition refers back to itself, directly or through others (the grammar refuses recursion). */
function hasRecursiveReference(schema: Record<string, unknown>): boolean {
  const defs: Record<string, unknown> = { ...(isRecord(schema.definitions) ? schema.definitions : {}), ...(isRecord(schema.$defs) ? schema.$defs : {}) };
  const refsOf = (node: unknown, found: Set<string>): Set<string> => {
    if (Array.isArray(node)) for (const item of node) refsOf(item, found);
    else if (isRecord(node)) {
      for (const [key, value] of Object.entries(node)) {
        if (key === "$ref" && typeof value === "string") found.add(value.replace(/^#\/(\$defs|definitions)\//, ""));
        else if (key !== "$defs" && key !== "definitions") refsOf(value, found);
      }
    }
    return found;
  };
  const edges = new Map(Object.entries(defs).map(([name, def]) => [name, refsOf(def, new Set())]));
  const state = new Map<string, "visiting" | "done">();
  const cyclic = (name: string): boolean => {
    if (state.get(name) === "visiting") return true;
    if (state.get(name) === "done") return false;
    state.set(name, "visiting");
    for (const next of edges.get(name) ?? []) if (edges.has(next) && cyclic(next)) return true;
    state.set(name, "done");
    return false;
  };
  return [...edges.keys()].some(cyclic);
}

function take(record: Record<string, unknown>, key: string): unknown {
  const value = record[key];
  delete record[key];
  return value;
}

function isPrimitive(value: unknown): boolean {
  return value === null || typeof value !== "object";
}
