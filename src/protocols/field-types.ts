/**
 * Type checks for the request fields the gateway itself reads, so that bad input gets a clear 400
 * in the caller's protocol instead of being dropped silently (`max_tokens: "ten"` used to become
 * the default) or turned into a malformed field of another protocol, whose 400 then named a field
 * the client never sent.
 *
 * House rule 2 still holds: only fields the gateway reads are checked, for their JSON type,
 * presence and (numbers it would otherwise clamp silently) documented range; null counts as
 * absent, and unknown fields pass untouched. New client fields never
 * fail a request here (translation-edge-cases E05: a strict validator costs Claude Code a retry
 * in degraded form on every turn).
 */
import { GatewayError } from "../errors/gateway-error";

export type FieldKind = "string" | "number" | "integer" | "boolean" | "object" | "array" | "string or array" | "string or object";

/** Whose wording the message follows: OpenAI's ("Invalid type for 'x'…") or Anthropic's ("x: Input should be…"). */
export type ErrorWording = "openai" | "anthropic";

const KIND_PHRASES: Record<FieldKind, string> = {
  string: "a string",
  number: "a number",
  integer: "an integer",
  boolean: "a boolean",
  object: "an object",
  array: "an array",
  "string or array": "a string or an array",
  "string or object": "a string or an object",
};

export function matchesKind(value: unknown, kind: FieldKind): boolean {
  switch (kind) {
    case "string":
      return typeof value === "string";
    case "number":
      return typeof value === "number" && Number.isFinite(value);
    case "integer":
      return Number.isInteger(value);
    case "boolean":
      return typeof value === "boolean";
    case "object":
      return typeof value === "object" && value !== null && !Array.isArray(value);
    case "array":
      return Array.isArray(value);
    case "string or array":
      return typeof value === "string" || Array.isArray(value);
    case "string or object":
      return typeof value === "string" || matchesKind(value, "object");
  }
}

function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "number") return Number.isInteger(value) ? "an integer" : "a decimal";
  if (typeof value === "object") return "an object";
  return `a ${typeof value}`;
}

export function wrongTypeError(param: string, kind: FieldKind, value: unknown, wording: ErrorWording): GatewayError {
  const message =
    wording === "openai"
      ? `Invalid type for '${param}': expected ${KIND_PHRASES[kind]}, but got ${describeValue(value)} instead.`
      : `${param}: Input should be ${KIND_PHRASES[kind]}`;
  return new GatewayError("invalid_request", 400, message, { param });
}

export function missingFieldError(param: string, wording: ErrorWording): GatewayError {
  const message = wording === "openai" ? `Missing required parameter: '${param}'.` : `${param}: Field required`;
  return new GatewayError("invalid_request", 400, message, { param });
}

/** A present, non-null value must be of `kind`. */
export function checkOptional(value: unknown, kind: FieldKind, param: string, wording: ErrorWording): void {
  if (value !== undefined && value !== null && !matchesKind(value, kind)) throw wrongTypeError(param, kind, value, wording);
}

/** The value must be there and of `kind`; an empty string counts as missing unless `allowEmpty` (text may be empty, ids and names may not). */
export function checkRequired(value: unknown, kind: FieldKind, param: string, wording: ErrorWording, allowEmpty = false): void {
  if (value === undefined || value === null || (value === "" && !allowEmpty)) throw missingFieldError(param, wording);
  if (!matchesKind(value, kind)) throw wrongTypeError(param, kind, value, wording);
}

/** Every field of `kinds` present in `record` (null counts as absent) has its kind. */
export function checkOptionalFields(record: Record<string, unknown>, kinds: Readonly<Record<string, FieldKind>>, wording: ErrorWording, prefix = ""): void {
  for (const field in kinds) checkOptional(record[field], kinds[field]!, prefix + field, wording);
}

/** Each element of an array field has `kind` (e.g. stop sequences are strings). */
export function checkElements(values: unknown, kind: FieldKind, param: string, wording: ErrorWording, separator: "." | "[]" = "[]"): void {
  if (!Array.isArray(values)) return;
  values.forEach((value, index) => {
    if (!matchesKind(value, kind)) throw wrongTypeError(separator === "." ? `${param}.${index}` : `${param}[${index}]`, kind, value, wording);
  });
}

/** Documented bounds of a numeric field (inclusive). */
export interface FieldRange {
  min?: number;
  max?: number;
}

/**
 * Every number of `ranges` present in `record` is within its bounds. Checked after the types, so
 * the values are numbers; out of range is the 400 the API itself gives, where translation would
 * otherwise clamp it silently (a max_tokens of 0 went out as 1, a temperature of -1 as 0).
 */
export function checkRanges(record: Record<string, unknown>, ranges: Readonly<Record<string, FieldRange>>, wording: ErrorWording): void {
  for (const field in ranges) {
    const value = record[field];
    if (typeof value !== "number") continue;
    const { min, max } = ranges[field]!;
    if (min !== undefined && value < min) throw outOfRangeError(field, value, "min", min, wording);
    if (max !== undefined && value > max) throw outOfRangeError(field, value, "max", max, wording);
  }
}

function outOfRangeError(param: string, value: number, side: "min" | "max", bound: number, wording: ErrorWording): GatewayError {
  const kind = Number.isInteger(value) ? "integer" : "decimal";
  const message =
    wording === "openai"
      ? `Invalid '${param}': ${kind} ${side === "min" ? "below minimum" : "above maximum"} value. Expected a value ${side === "min" ? ">=" : "<="} ${bound}, but got ${value} instead.`
      : `${param}: Input should be ${side === "min" ? "greater" : "less"} than or equal to ${bound}`;
  return new GatewayError("invalid_request", 400, message, { param });
}
