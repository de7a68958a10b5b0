import { describe, expect, test } from "bun:test";
import { fitStrictSchema, isStrictCompatible, toStrictSchema } from "../../../src/protocols/openai-chat/strict-schema";
import { cleanStrictArguments, createStrictNullsCleaner, dropOptionalNulls } from "../../../src/translate/strict-nulls";
import type { CanonicalEvent } from "../../../src/canonical/types";

/** J03: schemas rewritten for OpenAI strict mode, and the answer's nulls dropped again. */
describe("J03 strict schema rewrite", () => {
  test("every object closed, every property required, the optional ones nullable (type list, or anyOf for enum/$ref/no type)", () => {
    const schema = {
      type: "object",
      properties: {
        path: { type: "string" },
        limit: { type: "integer", description: "lines" },
        mode: { type: "string", enum: ["a", "b"] },
        target: { $ref: "#/$defs/target" },
        anything: { description: "no type" },
        tags: { type: "array", items: { type: "object", properties: { k: { type: "string" }, v: { type: ["string", "number"] } }, required: ["k"] } },
        either: { anyOf: [{ type: "string" }, { type: "object", properties: { x: { type: "number" } } }] },
        already: { type: ["string", "null"] },
      },
      required: ["path"],
      $defs: { target: { type: "object", properties: { id: { type: "string" } } } },
    };
    const copy = structuredClone(schema);
    const out = toStrictSchema(schema)!;
    expect(schema).toEqual(copy); // the client's object is untouched
    expect(out).toEqual({
      type: "object",
      properties: {
        path: { type: "string" },
        limit: { type: ["integer", "null"], description: "lines" },
        mode: { anyOf: [{ type: "string", enum: ["a", "b"] }, { type: "null" }] },
        target: { anyOf: [{ $ref: "#/$defs/target" }, { type: "null" }] },
        anything: { anyOf: [{ description: "no type" }, { type: "null" }] },
        tags: {
          type: ["array", "null"],
          items: { type: "object", properties: { k: { type: "string" }, v: { type: ["string", "number", "null"] } }, required: ["k", "v"], additionalProperties: false },
        },
        either: { anyOf: [{ type: "string" }, { type: "object", properties: { x: { type: ["number", "null"] } }, required: ["x"], additionalProperties: false }, { type: "null" }] },
        already: { type: ["string", "null"] },
      },
      required: ["path", "limit", "mode", "target", "anything", "tags", "either", "already"],
      additionalProperties: false,
      $defs: { target: { type: "object", properties: { id: { type: ["string", "null"] } }, required: ["id"], additionalProperties: false } },
    });
    expect(isStrictCompatible(out)).toBe(true);
  });

  test("a tool without parameters becomes a closed empty object", () => {
    expect(toStrictSchema({ type: "object" })).toEqual({ type: "object", properties: {}, required: [], additionalProperties: false });
  });

  test("what strict mode cannot express is not rewritten: free maps, refused keywords, tuples, free-form nested objects", () => {
    const withProp = (prop: Record<string, unknown>) => ({ type: "object", properties: { p: prop } });
    expect(toStrictSchema({ type: "object", properties: {}, additionalProperties: { type: "string" } })).toBeUndefined();
    expect(toStrictSchema({ type: "object", properties: { a: { type: "string" } }, additionalProperties: true })).toBeUndefined();
    expect(toStrictSchema(withProp({ type: "object", patternProperties: { "^x": {} } }))).toBeUndefined();
    expect(toStrictSchema(withProp({ allOf: [{ type: "string" }] }))).toBeUndefined();
    expect(toStrictSchema(withProp({ oneOf: [{ type: "string" }] }))).toBeUndefined();
    expect(toStrictSchema(withProp({ type: "array", items: [{ type: "string" }] }))).toBeUndefined();
    expect(toStrictSchema(withProp({ type: "object" }))).toBeUndefined();
  });

  test("the compatibility check refuses unsupported keywords even on closed objects", () => {
    const closed = { type: "object", properties: { a: { type: "string" } }, required: ["a"], additionalProperties: false };
    expect(isStrictCompatible(closed)).toBe(true);
    expect(isStrictCompatible({ ...closed, patternProperties: {} })).toBe(false);
    expect(isStrictCompatible({ ...closed, properties: { a: { type: "string", not: { const: "x" } } } })).toBe(false);
  });

  test("fitStrictSchema: as is, rewritten, or strict off with a warning", () => {
    const warnings: string[] = [];
    const ctx = { warn: (message: string) => void warnings.push(message) };
    const closed = { type: "object", properties: {}, required: [], additionalProperties: false };
    expect(fitStrictSchema(closed, ctx, {})).toEqual({ schema: closed, strict: true, rewritten: false });
    expect(fitStrictSchema({ type: "object", properties: { a: { type: "string" } } }, ctx, {}).rewritten).toBe(true);
    const free = { type: "object", additionalProperties: true };
    expect(fitStrictSchema(free, ctx, {})).toEqual({ schema: free, strict: false, rewritten: false });
    expect(warnings).toEqual(["strict dropped: the schema uses what OpenAI strict mode does not support"]);
  });
});

describe("J03 nulls of optional properties dropped for the client's schema", () => {
  const schema = {
    type: "object",
    properties: {
      a: { type: "string" },
      b: { type: "string" },
      n: { type: ["string", "null"] },
      list: { type: "array", items: { $ref: "#/$defs/item" } },
    },
    required: ["a"],
    $defs: { item: { type: "object", properties: { k: { type: "string" }, v: { type: "number" } }, required: ["k"] } },
  };

  test("optional non-nullable keys lose their null, recursively; required and nullable ones keep it", () => {
    const value = { a: null, b: null, n: null, list: [{ k: "x", v: null }, { k: null, v: 1 }] };
    expect(dropOptionalNulls(value, schema)).toEqual({ a: null, n: null, list: [{ k: "x" }, { k: null, v: 1 }] });
    expect(value.b).toBeNull(); // a copy
  });

  test("arguments that are not a JSON object go as they came", () => {
    expect(cleanStrictArguments("not json", schema)).toBe("not json");
    expect(cleanStrictArguments('{"a":"x","b":null}', schema)).toBe('{"a":"x"}');
  });

  test("stream: a rewritten tool's arguments are held to its block's end and sent cleaned; other blocks pass", () => {
    const clean = createStrictNullsCleaner(new Map([["f", schema]]));
    const events: CanonicalEvent[] = [
      { type: "block_start", index: 0, block: { type: "tool_call", id: "c1", name: "f", kind: "function" } },
      { type: "tool_args_delta", index: 0, fragment: '{"a":"x",' },
      { type: "block_start", index: 1, block: { type: "tool_call", id: "c2", name: "g", kind: "function" } },
      { type: "tool_args_delta", index: 1, fragment: '{"b":null}' },
      { type: "tool_args_delta", index: 0, fragment: '"b":null}' },
      { type: "block_stop", index: 0 },
      { type: "block_stop", index: 1 },
    ];
    const out = events.flatMap(clean);
    expect(out).toEqual([
      events[0]!,
      events[2]!,
      events[3]!,
      { type: "tool_args_delta", index: 0, fragment: '{"a":"x"}' },
      events[5]!,
      events[6]!,
    ]);
  });
});
