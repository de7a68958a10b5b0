import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { zodFunction, zodResponseFormat, zodTextFormat } from "openai/helpers/zod";
import { z } from "zod";
import type { MockScript, RecordedRequest } from "../support/mock-upstream";
import { useMockedGateway } from "../support/gateway-harness";
import { sdkClients } from "../support/sdk-clients";

/**
 * The openai SDK's structured-output helpers (`chat.completions.parse`, `responses.parse`,
 * strict `zodFunction` tools) on a Claude model. Zod writes `minimum`, `maxLength`, `maxItems`…,
 * which OpenAI's strict mode takes and Anthropic's structured-output grammar refuses with a 400;
 * a plain JSON schema often leaves objects open, which Anthropic refuses too. The mock refuses
 * such schemas as Anthropic does, so each test fails if the gateway forwards them as written.
 */
const running = useMockedGateway({ TOKLIGENCE_ROUTES: "claude*=>anthropic" });
const openai = () => sdkClients(running.gw.url).openai;

/** Keywords Anthropic's grammar takes (structured outputs docs; @anthropic-ai/sdk transformJSONSchema). */
const GRAMMAR_KEYWORDS = new Set(["$schema", "type", "properties", "required", "additionalProperties", "items", "minItems", "enum", "const", "anyOf", "allOf", "$ref", "$defs", "definitions", "description", "title", "format"]);

/** Anthropic's 400 for a schema outside the grammar (a refused keyword, an open object, a definition that refers to itself), or undefined. */
function schemaError(schema: unknown, where: string): string | undefined {
  if (typeof schema !== "object" || schema === null) return undefined;
  const defs = { ...(schema as any).definitions, ...(schema as any).$defs } as Record<string, unknown>;
  const recursive = Object.entries(defs).find(([name, def]) => new RegExp(`"#/(\\$defs|definitions)/${name}"`).test(JSON.stringify(def)));
  if (recursive) return `${where}: Recursive schemas are not supported ('${recursive[0]}')`;
  return grammarError(schema, where);
}

function grammarError(node: unknown, where: string): string | undefined {
  if (Array.isArray(node)) return node.map((item, i) => grammarError(item, `${where}.${i}`)).find(Boolean);
  if (typeof node !== "object" || node === null) return undefined;
  const schema = node as Record<string, unknown>;
  const refused = Object.keys(schema).find((key) => !GRAMMAR_KEYWORDS.has(key));
  if (refused) return `${where}: For '${String(schema.type)}' type, property '${refused}' is not supported`;
  if (schema.type === "object" && schema.additionalProperties !== false) return `${where}: For 'object' type, 'additionalProperties' must be explicitly set to false`;
  for (const key of ["properties", "$defs", "definitions"]) {
    const map = schema[key] as Record<string, unknown> | undefined;
    for (const [name, sub] of Object.entries(map ?? {})) {
      const error = grammarError(sub, `${where}.${name}`);
      if (error) return error;
    }
  }
  return grammarError(schema.items, where) ?? grammarError(schema.anyOf, where) ?? grammarError(schema.allOf, where);
}

/** Answers like Anthropic: 400 for a schema outside the grammar, else `answer` (JSON text, or a forced tool's input). */
function claudeChecking(answer: Record<string, unknown>): (request: RecordedRequest) => MockScript | undefined {
  return (request) => {
    if (!request.path.endsWith("/messages")) return undefined;
    const body = request.body;
    const strictTools = (body.tools ?? []).filter((tool: { strict?: boolean }) => tool.strict === true);
    const error = schemaError(body.output_config?.format?.schema, "output_config.format.schema") ?? strictTools.map((tool: { name: string; input_schema: unknown }) => schemaError(tool.input_schema, `tools.${tool.name}.input_schema`)).find(Boolean);
    if (error) return { status: 400, json: { type: "error", error: { type: "invalid_request_error", message: error } } };
    const forced = body.tool_choice?.type === "tool" ? body.tool_choice.name : undefined;
    const content = forced ? [{ type: "tool_use", id: "toolu_so", name: forced, input: answer }] : [{ type: "text", text: JSON.stringify(answer) }];
    return { json: { id: "msg_so", type: "message", role: "assistant", model: body.model, content, stop_reason: forced ? "tool_use" : "end_turn", stop_sequence: null, usage: { input_tokens: 20, output_tokens: 10 } } };
  };
}

const Person = z.object({
  name: z.string().min(1).max(40).describe("full name"),
  age: z.number().int().min(0).max(150),
  tags: z.array(z.string()).max(3),
  email: z.string().email(),
  nickname: z.string().nullable(),
});
const ann = { name: "Ann", age: 33, tags: ["a"], email: "ann@example.com", nickname: null };

let lastBody: () => Record<string, any>;
beforeAll(() => {
  lastBody = () => running.mock.requests.at(-1)!.body;
});
afterAll(() => running.mock.setResponder(undefined));

describe("structured outputs from the openai SDK on Claude (native output_config.format)", () => {
  test("chat.completions.parse with a zod schema using min/max/int: parsed, the constraints sent as description text", async () => {
    running.mock.setResponder(claudeChecking(ann));
    const completion = await openai().chat.completions.parse({ model: "claude-sonnet-4-5", messages: [{ role: "user", content: "who?" }], response_format: zodResponseFormat(Person, "person") });
    expect(completion.choices[0]!.message.parsed).toEqual(ann);
    const schema = lastBody().output_config.format.schema;
    expect(schema.properties.age).toEqual({ type: "integer", description: "{minimum: 0, maximum: 150}" });
    expect(schema.properties.name.description).toBe("full name\n\n{minLength: 1, maxLength: 40}");
    expect(schema.properties.email).toEqual({ type: "string", format: "email" });
    // The zod helper writes OpenAPI's `nullable: true`: a union with null for Claude.
    expect(schema.properties.nickname).toEqual({ anyOf: [{ type: "string" }, { type: "null" }] });
    expect(schema.$schema).toBeUndefined();
  });

  test("responses.parse streamed, with a hand-written schema whose objects are open (strict off)", async () => {
    running.mock.setResponder(undefined);
    running.mock.setDefaultText(JSON.stringify({ city: "Oslo", temp: 4 }));
    const schema = { type: "object", properties: { city: { type: "string" }, temp: { type: "number" } }, required: ["city"] };
    const stream = openai().responses.stream({ model: "claude-sonnet-4-5", input: "weather?", store: false, text: { format: { type: "json_schema", name: "weather", schema, strict: false } } });
    const response = await stream.finalResponse();
    expect(JSON.parse(response.output_text)).toEqual({ city: "Oslo", temp: 4 });
    expect(lastBody().output_config.format.schema).toEqual({ ...schema, additionalProperties: false });
  });

  test("a strict zodFunction tool (runTools) with a positive() number: strict kept, the constraint as description text", async () => {
    let turn = 0;
    running.mock.setResponder((request) => {
      if (!request.path.endsWith("/messages")) return undefined;
      const error = (request.body.tools ?? []).map((tool: { name: string; input_schema: unknown }) => schemaError(tool.input_schema, `tools.${tool.name}.input_schema`)).find(Boolean);
      if (error) return { status: 400, json: { type: "error", error: { type: "invalid_request_error", message: error } } };
      turn += 1;
      const content = turn === 1 ? [{ type: "tool_use", id: "toolu_sq", name: "square", input: { n: 3 } }] : [{ type: "text", text: "9" }];
      return { json: { id: `msg_${turn}`, type: "message", role: "assistant", model: "claude-sonnet-4-5", content, stop_reason: turn === 1 ? "tool_use" : "end_turn", stop_sequence: null, usage: { input_tokens: 5, output_tokens: 5 } } };
    });
    const runner = openai().chat.completions.runTools({
      model: "claude-sonnet-4-5",
      messages: [{ role: "user", content: "square 3" }],
      tools: [zodFunction({ name: "square", parameters: z.object({ n: z.number().positive() }), function: ({ n }: { n: number }) => n * n })],
    });
    expect(await runner.finalContent()).toBe("9");
    const tool = lastBody().tools[0];
    expect(tool).toMatchObject({ name: "square", strict: true, input_schema: { additionalProperties: false, properties: { n: { type: "number", description: "{exclusiveMinimum: 0}" } } } });
  });
});

describe("a schema the grammar cannot express", () => {
  test("a recursive zod schema goes as the forced structured-output tool, and parse() still gets the object", async () => {
    type Node = { name: string; children: Node[] };
    const Tree: z.ZodType<Node> = z.lazy(() => z.object({ name: z.string(), children: z.array(Tree) }));
    const answer = { root: { name: "a", children: [{ name: "b", children: [] }] } };
    running.mock.setResponder(claudeChecking(answer));
    const completion = await openai().chat.completions.parse({ model: "claude-sonnet-4-5", messages: [{ role: "user", content: "tree" }], response_format: zodResponseFormat(z.object({ root: Tree }), "tree") });
    expect(completion.choices[0]!.message.parsed).toEqual(answer);
    expect(completion.choices[0]!.finish_reason).toBe("stop");
    const body = lastBody();
    expect(body.output_config?.format).toBeUndefined();
    expect(body.tool_choice).toEqual({ type: "tool", name: "structured_output" });
  });
});
