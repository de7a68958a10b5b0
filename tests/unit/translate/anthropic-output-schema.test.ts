import { describe, expect, test } from "bun:test";
import { fitAnthropicOutputSchema } from "../../../src/protocols/anthropic/structured-output-schema";
import { findTranslator } from "../../../src/translate/registry";
import { makeContext } from "./support";

/**
 * J01 on Claude: OpenAI-style JSON schemas fitted to Anthropic's structured-output grammar
 * (`output_config.format`, strict tools), as @anthropic-ai/sdk's transformJSONSchema fits them.
 */
describe("fitAnthropicOutputSchema", () => {
  test("constraints the grammar refuses move into the description; objects are closed; $schema goes", () => {
    const schema = {
      $schema: "http://json-schema.org/draft-07/schema#",
      type: "object",
      properties: {
        name: { type: "string", minLength: 1, maxLength: 40, description: "full name" },
        age: { type: "integer", minimum: 0, maximum: 150 },
        tags: { type: "array", items: { type: "string", pattern: "^[a-z]+$" }, minItems: 1, maxItems: 3 },
        email: { type: "string", format: "email" },
        colour: { type: "string", format: "hex-colour" },
        address: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
      },
      required: ["name", "age"],
    };
    const before = structuredClone(schema);
    expect(fitAnthropicOutputSchema(schema)).toEqual({
      type: "object",
      properties: {
        name: { type: "string", description: "full name\n\n{minLength: 1, maxLength: 40}" },
        age: { type: "integer", description: "{minimum: 0, maximum: 150}" },
        tags: { type: "array", items: { type: "string", description: '{pattern: "^[a-z]+$"}' }, minItems: 1, description: "{maxItems: 3}" },
        email: { type: "string", format: "email" },
        colour: { type: "string", description: '{format: "hex-colour"}' },
        address: { type: "object", properties: { city: { type: "string" } }, additionalProperties: false, required: ["city"] },
      },
      additionalProperties: false,
      required: ["name", "age"],
    });
    expect(schema).toEqual(before);
  });

  test("oneOf becomes anyOf, OpenAPI's nullable a union with null, literals keep no type, local $refs stay", () => {
    const fitted = fitAnthropicOutputSchema({
      type: "object",
      properties: {
        pick: { oneOf: [{ type: "string" }, { type: "number", multipleOf: 2 }] },
        nick: { type: "string", nullable: true },
        kind: { type: "string", enum: ["a", "b"] },
        one: { const: 1 },
        home: { $ref: "#/$defs/place", description: "ignored beside $ref" },
      },
      required: ["pick"],
      $defs: { place: { type: "object", properties: { x: { type: "number", minimum: 0 } }, required: ["x"] } },
    });
    expect(fitted).toEqual({
      $defs: { place: { type: "object", properties: { x: { type: "number", description: "{minimum: 0}" } }, additionalProperties: false, required: ["x"] } },
      type: "object",
      properties: {
        pick: { anyOf: [{ type: "string" }, { type: "number", description: "{multipleOf: 2}" }] },
        nick: { anyOf: [{ type: "string" }, { type: "null" }] },
        kind: { enum: ["a", "b"] },
        one: { const: 1 },
        home: { $ref: "#/$defs/place" },
      },
      additionalProperties: false,
      required: ["pick"],
    });
  });

  test("a tool without parameters stays an empty closed object", () => {
    expect(fitAnthropicOutputSchema({ type: "object" })).toEqual({ type: "object", properties: {}, additionalProperties: false });
  });

  test.each([
    ["a map of free keys", { type: "object", properties: { scores: { type: "object", additionalProperties: { type: "number" } } } }],
    ["an open object", { type: "object", properties: {}, additionalProperties: true }],
    ["a nested object without properties", { type: "object", properties: { data: { type: "object" } } }],
    ["a recursive definition", { type: "object", properties: { root: { $ref: "#/definitions/node" } }, definitions: { node: { type: "object", properties: { children: { type: "array", items: { $ref: "#/definitions/node" } } } } } }],
    ["a reference to the root", { type: "object", properties: { next: { $ref: "#" } } }],
    ["tuple items", { type: "object", properties: { pair: { type: "array", items: [{ type: "string" }, { type: "number" }] } } }],
    ["a node without a type", { type: "object", properties: { anything: {} } }],
    ["patternProperties", { type: "object", properties: {}, patternProperties: { "^x": { type: "string" } } }],
  ])("%s cannot be expressed: undefined", (_label, schema) => {
    expect(fitAnthropicOutputSchema(schema)).toBeUndefined();
  });
});

describe("the Anthropic encoder uses it for OpenAI clients", () => {
  const chatToAnthropic = findTranslator("openai-chat", "anthropic")!;
  const context = () => makeContext("openai-chat", "anthropic", { clientModel: "claude-sonnet-4-5", upstreamModel: "claude-sonnet-4-5" });
  const request = (schema: Record<string, unknown>, tools: unknown[] = []) => ({
    model: "claude-sonnet-4-5",
    messages: [{ role: "user", content: "x" }],
    response_format: { type: "json_schema", json_schema: { name: "answer", strict: true, schema } },
    ...(tools.length > 0 ? { tools } : {}),
  });

  test("output_config.format and strict tools get the fitted schema", () => {
    const tool = { type: "function", function: { name: "f", strict: true, parameters: { type: "object", properties: { n: { type: "number", exclusiveMinimum: 0 } }, required: ["n"], additionalProperties: false } } };
    const body = chatToAnthropic.buildUpstreamRequest(request({ type: "object", properties: { age: { type: "integer", minimum: 0 } }, required: ["age"], additionalProperties: false }, [tool]), context()) as Record<string, any>;
    expect(body.output_config.format.schema.properties.age).toEqual({ type: "integer", description: "{minimum: 0}" });
    expect(body.tools[0]).toMatchObject({ name: "f", strict: true, input_schema: { properties: { n: { type: "number", description: "{exclusiveMinimum: 0}" } } } });
  });

  test("a schema outside the grammar becomes the forced tool with the client's schema; a strict tool loses strict, not its schema", () => {
    const ctx = context();
    const recordSchema = { type: "object", properties: { scores: { type: "object", additionalProperties: { type: "number" } } }, required: ["scores"] };
    const tool = { type: "function", function: { name: "f", strict: true, parameters: recordSchema } };
    const body = chatToAnthropic.buildUpstreamRequest(request(recordSchema, [tool]), ctx) as Record<string, any>;
    expect(body.output_config?.format).toBeUndefined();
    expect(body.tools).toEqual([
      { name: "f", input_schema: recordSchema },
      { name: "structured_output", description: expect.any(String), input_schema: recordSchema },
    ]);
    expect(body.tool_choice).toEqual({ type: "tool", name: "structured_output" });
    expect(ctx.warnings.join(" ")).toContain("outside Anthropic's structured-output grammar");
  });

  test("an Anthropic client's own schema goes as written (work_mode=translation)", () => {
    const anthropicToAnthropic = findTranslator("anthropic", "anthropic")!;
    const schema = { type: "object", properties: { age: { type: "integer" } } };
    const body = anthropicToAnthropic.buildUpstreamRequest(
      { model: "claude-sonnet-4-5", max_tokens: 100, messages: [{ role: "user", content: "x" }], output_config: { format: { type: "json_schema", schema } } },
      makeContext("anthropic", "anthropic", { clientModel: "claude-sonnet-4-5", upstreamModel: "claude-sonnet-4-5" }),
    ) as Record<string, any>;
    expect(body.output_config.format.schema).toEqual(schema);
  });
});
